/*
 * How a recording ends other than by the program's own end, and what it
 * keeps then.
 *
 * The program runs in a process group of its own, so a signal it sends to
 * its group (kill(0, SIGABRT)) stays inside the recorded tree. When rewind's
 * process group is the terminal's foreground group, the terminal goes to
 * the program's group for the recording (Ctrl-C, Ctrl-\ and terminal reads
 * reach the program as they would natively) and comes back at the end.
 * When the program stops for the terminal (Ctrl-Z, a read from the
 * background), rewind, the job its shell knows, stops too, and hands the
 * terminal and a SIGCONT on to the program when the shell continues it
 * (without a controlling terminal the program stays stopped, as natively,
 * until it is sent SIGCONT).
 *
 * SIGTERM, SIGINT and SIGHUP sent to rewind end the recording. The handler
 * notes the signal and starts a timer whose SIGALRM interrupts the
 * scheduler's waitpid until the scheduler has seen the note (the signal may
 * land just before the wait begins, or on the trace writer's thread); the
 * scheduler then kills every task and records its death, and the trace is
 * finished as usual. A signal that was ignored when rewind started (nohup,
 * a background job of a shell without job control) stays ignored, for
 * rewind and for the program.
 *
 * A recorder killed outright (SIGKILL) keeps what its writer had written: a
 * timer cuts the chunk being filled every RECORDER_CUT_MS, so about that much
 * of the recording is lost at most. The time is never read on the path of
 * an event: the timer only sets a flag that the scheduler looks at.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "recorder/recorder.h"

/* Longest stretch of recording time a chunk holds before it is written. */
#define RECORDER_CUT_MS 500
/* How often the scheduler's wait is interrupted until it sees a stop request. */
#define STOP_POLL_MS 10

static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP};
#define NSTOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* What rewind found at start: given back at the end, and to the program before its exec. */
static struct sigaction saved_stop[NSTOP_SIGNALS], saved_ttou;
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
	/*
	 * Taking the terminal back from the background stops a process with
	 * SIGTTOU, and so does writing to it meanwhile when TOSTOP is set.
	 */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	if (sigaction(SIGTTOU, &sa, &saved_ttou) < 0)
		return -errno;
	saved = true;
	return 0;
}

int recorder_stop_init(struct recorder *r)
{
	struct itimerspec its = {.it_interval = {0, RECORDER_CUT_MS * 1000000L},
				 .it_value = {0, RECORDER_CUT_MS * 1000000L}};
	int err;

	r->stop.tty_fd = -1;
	if ((err = recorder_timer_create(&stop_timer, RECORDER_TIMER_STOP)) < 0)
		return err;
	stop_timer_ready = 1;
	if ((err = recorder_timer_create(&r->stop.cut_timer, RECORDER_TIMER_CUT)) < 0)
		return err;
	r->stop.have_cut_timer = true;
	if (timer_settime(r->stop.cut_timer, 0, &its, NULL) < 0)
		return -errno;
	return catch_stop_signals();
}

void recorder_stop_fini(struct recorder *r)
{
	if (r->stop.have_cut_timer)
		timer_delete(r->stop.cut_timer);
	r->stop.have_cut_timer = false;
	if (stop_timer_ready) {
		stop_timer_ready = 0;
		timer_delete(stop_timer);
	}
	if (!saved)
		return;
	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaction(stop_signals[i], &saved_stop[i], NULL);
	sigaction(SIGTTOU, &saved_ttou, NULL);
	saved = false;
}

void recorder_stop_child(void)
{
	if (!saved)
		return;
	/* A caught signal goes back to its default at exec; an ignored one stays ignored. */
	for (size_t i = 0; i < NSTOP_SIGNALS; i++)
		sigaction(stop_signals[i], &saved_stop[i], NULL);
	sigaction(SIGTTOU, &saved_ttou, NULL);
}

static bool ignored_at_start(int sig)
{
	for (size_t i = 0; saved && i < NSTOP_SIGNALS; i++)
		if (stop_signals[i] == sig)
			return saved_stop[i].sa_handler == SIG_IGN;
	return false;
}

int recorder_stop_requested(void)
{
	return stop_signo;
}

int recorder_cut_if_due(struct recorder *r)
{
	if (!r->stop.cut_fired)
		return 0;
	r->stop.cut_fired = false;
	return trace_writer_cut(r->writer);
}

/* The terminal goes to process group `to` if group `from` has it. */
static void hand_terminal(struct recorder *r, pid_t from, pid_t to)
{
	if (r->stop.tty_fd >= 0 && tcgetpgrp(r->stop.tty_fd) == from)
		tcsetpgrp(r->stop.tty_fd, to);
}

void recorder_terminal_give(struct recorder *r, pid_t pgid)
{
	r->stop.pgid = pgid;
	/*
	 * SIGINT ignored from the start: a background command of a shell
	 * without job control, which shares the shell's process group; the
	 * terminal is not rewind's to give.
	 */
	if (ignored_at_start(SIGINT))
		return;
	r->stop.tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC); /* -1: none */
	hand_terminal(r, getpgrp(), pgid);
}

void recorder_job_stopped(struct recorder *r, int sig)
{
	/*
	 * Without a terminal there is no job control to follow (and nobody
	 * who would know to continue rewind rather than the program): the
	 * program stays stopped until something sends it SIGCONT.
	 */
	if (r->stop.tty_fd < 0 || (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU))
		return;
	hand_terminal(r, r->stop.pgid, getpgrp());
	/* SIGTTOU is ignored here (see catch_stop_signals): SIGSTOP instead. */
	kill(getpid(), sig == SIGTTOU ? SIGSTOP : sig);
	/* Continued: in the foreground (fg) the program gets the terminal again. */
	hand_terminal(r, getpgrp(), r->stop.pgid);
	kill(-r->stop.pgid, SIGCONT);
}

void recorder_terminal_take_back(struct recorder *r)
{
	pid_t fg;

	if (r->stop.tty_fd < 0)
		return;
	/*
	 * From the program's group, or one it made that is gone: a shell that
	 * took the terminal while rewind ran in the background keeps it. (The
	 * program's group may still hold zombies that init has not reaped.)
	 */
	fg = tcgetpgrp(r->stop.tty_fd);
	if (fg > 0 && fg != getpgrp() &&
	    (fg == r->stop.pgid || (kill(-fg, 0) < 0 && errno == ESRCH)) &&
	    tcsetpgrp(r->stop.tty_fd, getpgrp()) < 0)
		rw_warn("cannot take the terminal back from the recorded program: %s",
			strerror(errno));
	close(r->stop.tty_fd);
	r->stop.tty_fd = -1;
}
