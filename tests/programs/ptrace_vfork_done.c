/*
 * ptrace_vfork_done: a tracer that asked for PTRACE_O_TRACEVFORK and
 * PTRACE_O_TRACEVFORKDONE (ptrace(2)) sees its tracee's vfork as a
 * PTRACE_EVENT_VFORK stop and, once the vfork child has ended, a
 * PTRACE_EVENT_VFORK_DONE stop of the tracee before its vfork returns,
 * each with the child's pid as the event message; the child is traced from
 * its first stop. A second tracee, whose tracer asked for neither, vforks
 * with no such stops.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void tracee_main(void)
{
	int st;

	CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
	raise(SIGSTOP);
	pid_t c = vfork();
	CHECK(c >= 0);
	if (c == 0)
		_exit(3);
	CHECK(waitpid(c, &st, 0) == c);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) + 10 : 1);
}

/* Follows the tracee and its vfork child to the tracee's end; prints what it saw. */
static void trace(long options)
{
	unsigned long msg;
	pid_t tracee = fork(), child = 0, pid;
	int st, vfork_seen = 0, done_seen = 0, done_msg_ok = 0, child_stops = 0;
	int child_status = -1, tracee_status = -1;

	CHECK(tracee >= 0);
	if (tracee == 0)
		tracee_main();
	CHECK(waitpid(tracee, &st, 0) == tracee && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	CHECK(ptrace(PTRACE_SETOPTIONS, tracee, 0, options) == 0);
	CHECK(ptrace(PTRACE_CONT, tracee, 0, 0) == 0);
	while (tracee_status < 0) {
		CHECK((pid = waitpid(-1, &st, __WALL)) > 0);
		if (pid == tracee && !WIFSTOPPED(st)) {
			tracee_status = WEXITSTATUS(st);
			continue;
		}
		if (pid != tracee) {
			if (!WIFSTOPPED(st)) {
				child_status = WEXITSTATUS(st);
				continue;
			}
			child_stops++;
			CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0);
			continue;
		}
		CHECK(WIFSTOPPED(st));
		if (st >> 16 == PTRACE_EVENT_VFORK) {
			CHECK(ptrace(PTRACE_GETEVENTMSG, tracee, 0, &msg) == 0);
			child = (pid_t)msg;
			vfork_seen++;
		} else if (st >> 16 == PTRACE_EVENT_VFORK_DONE) {
			CHECK(ptrace(PTRACE_GETEVENTMSG, tracee, 0, &msg) == 0);
			done_seen++;
			done_msg_ok = child && (pid_t)msg == child;
		}
		CHECK(ptrace(PTRACE_CONT, tracee, 0, 0) == 0);
	}
	printf("options %#lx: vfork events %d, vfork-done events %d (message the child: %s), "
	       "child stops %d, child status %d, tracee status %d\n",
	       options, vfork_seen, done_seen, done_msg_ok ? "yes" : "no", child_stops,
	       child_status, tracee_status);
	CHECK(tracee_status == 13);
	CHECK(vfork_seen == !!(options & PTRACE_O_TRACEVFORK));
	CHECK(child_stops == vfork_seen && child_status == (vfork_seen ? 3 : -1));
	CHECK(done_seen == !!(options & PTRACE_O_TRACEVFORKDONE));
	CHECK(done_msg_ok == (vfork_seen && done_seen));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	trace(PTRACE_O_TRACEVFORK | PTRACE_O_TRACEVFORKDONE);
	trace(PTRACE_O_TRACEVFORKDONE);
	trace(0);
	printf("EXIT-SUCCESS\n");
	return 0;
}
