/*
 * How a recording ends other than by the program's own end, and what it
 * keeps then.
 *
 * SIGTERM, SIGINT and SIGHUP sent to rewind end the recording. The handler
 * notes the signal and starts a timer whose SIGALRM interrupts the
 * scheduler's waitpid until the scheduler has seen the note (the signal may
 * land just before the wait begins, or on the trace writer's thread); the
 * scheduler then kills every task and records its death, and the trace is
 * finished as usual. A signal that was ignored when rewind started (nohup,
 * a background job of a shell without job control) stays ignored, for
 * rewind and for the program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recorder/recorder.h"

/* How often the scheduler's wait is interrupted until it sees a stop request. */
#define STOP_POLL_MS 10

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};
#define NSTOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* What rewind found at start: given back at the end, and to the program before its exec. */
static struct sigaction saved_stop[NSTOP_SIGNALS];
static bool saved;

static volatile sig_atomic_t stop_signo;
static timer_t stop_timer;
static volatile sig_atomic_t stop_timer_ready;

static void on_stop_signal(int sig)
{
	struct itimerspec its = {.it_interval = {0, STOP_POLL_MS * 1000000L},
				 .it_value = {0, 1000000L}};
	int saved_errno = errno;

	if (!stop_signo)
		stop_signo = sig;
	if (stop_timer_ready)
		timer_settime(stop_timer, 0, &its, NULL);
	errno = saved_errno;
}

static int catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	sa.sa_flags = 0; /* no SA_RESTART: a wait in progress returns EINTR */
	for (size_t i = 0; i < NSTOP_SIGNALS; i++) {
		if (sigaction(stop_signals[i], NULL, &saved_stop[i]) < 0)
			return -errno;
		if (saved_stop[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(stop_signals[i], &sa, NULL) < 0)
			return -errno;
	}
	saved = true;
	return 0;
}

int recorder_stop_init(struct recorder *r)
{
	int err;

	(void)r;
	if ((err = recorder_timer_create(&stop_timer, RECORDER_TIMER_STOP)) < 0)
		return err;
	stop_timer_ready = 1;
	return catch_stop_signals();
}

void recorder_stop_fini(struct recorder *r)
{
	(void)r;
	if (stop_timer_ready) {
		stop_timer_ready = 0;
		timer_delete(stop_timer);
	}
	if (!saved)
		return;
	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaction(stop_signals[i], &saved_stop[i], NULL);
	saved = false;
}

void recorder_stop_child(void)
{
	if (!saved)
		return;
	/* A caught signal goes back to its default at exec; an ignored one stays ignored. */
	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaction(stop_signals[i], &saved_stop[i], NULL);
}

int recorder_stop_requested(void)
{
	return stop_signo;
}
