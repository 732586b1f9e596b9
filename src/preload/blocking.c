/*
 * Calls that may block, buffered: reads and writes of pipes and sockets,
 * poll, epoll_wait, accept. Made untraced, such a call could wait in the
 * kernel while its thread holds the recorder's one running slot, and the
 * thread that is to wake it would never run. So each thread opens a
 * descheduling event (a software perf event counting its context switches,
 * sample period 1, its overflow a SYSBUF_DESCHED_SIGNAL to the thread) and
 * enables it just before such a call and disables it after, both with
 * buffered ioctls. A call that waits is switched out, the signal stops the
 * thread, and the recorder runs the call on as a traced syscall
 * (recorder/record_desched.c). Where perf_event_open fails (a container's
 * seccomp profile, perf_event_paranoid), these calls go the traced way.
 *
 * The event's descriptor is out of the program's way: above
 * SYSBUF_DESCHED_FD_LOW, close-on-exec, closed when its thread ends and in
 * a forked child (which opens its own). A thread that blocks the signal
 * makes its calls traced, and so does a process whose buffer the recorder
 * turned off (a thread sharing its creator's TLS, and so its event).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/preload.h"

struct desched_state {
	int fd;	    /* the thread's descheduling event */
	int state;  /* 0: not opened yet, 1: on, -1: off */
	int armed;  /* in an armed call: a signal handler's calls go the traced way */
	int masked; /* the thread blocks the event's signal */
};

static __thread struct desched_state ds __attribute__((tls_model("initial-exec")));
static int desched_off_everywhere; /* perf_event_open failed: said to the recorder once */
static pthread_key_t thread_end;   /* its destructor closes a thread's event */

static bool failed(long ret)
{
	return ret < 0 && ret > -4096;
}

/* perf_event_open failed with err: calls that may block stop, everywhere (said once). */
static void no_desched(long err)
{
	if (!desched_off_everywhere)
		sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_DESCHED, err, 0, 0, 0, 0);
	desched_off_everywhere = 1;
}

/* The descriptor's owner, signal and O_ASYNC, and the thread's mask; false: not usable. */
static bool set_up(int fd, long tid)
{
	struct f_owner_ex own = {F_OWNER_TID, (pid_t)tid};
	uint64_t mask = 0;

	if (failed(sysbuf_traced(SYS_fcntl, fd, F_SETFL, O_ASYNC, 0, 0, 0)) ||
	    failed(sysbuf_traced(SYS_fcntl, fd, F_SETOWN_EX, (long)&own, 0, 0, 0)) ||
	    failed(sysbuf_traced(SYS_fcntl, fd, F_SETSIG, SYSBUF_DESCHED_SIGNAL, 0, 0, 0)) ||
	    failed(
		sysbuf_traced(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&mask, sizeof(mask), 0, 0)))
		return false;
	ds.masked = (mask >> (SYSBUF_DESCHED_SIGNAL - 1)) & 1;
	return true;
}

/* Opens and registers this thread's descheduling event once; whether it is on. */
static bool desched_on(void)
{
	struct perf_event_attr attr = {0};
	long tid, fd, high;

	if (ds.state)
		return ds.state > 0;
	if (desched_off_everywhere)
		return false;
	/* A buffered call first: the thread's buffer is registered before its event. */
	if (!sysbuf_call(SYS_gettid, (long[6]){0}, NULL, 0, &tid))
		return false;
	ds.state = -1;
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	attr.sample_period = 1;
	attr.disabled = 1;
	fd = sysbuf_traced(SYS_perf_event_open, (long)&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC, 0);
	if (failed(fd)) {
		no_desched(fd);
		return false;
	}
	high = sysbuf_traced(SYS_fcntl, fd, F_DUPFD_CLOEXEC, SYSBUF_DESCHED_FD_LOW, 0, 0, 0);
	sysbuf_traced(SYS_close, fd, 0, 0, 0, 0, 0);
	if (failed(high))
		return false;
	if (!set_up((int)high, tid) ||
	    sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_DESCHED, high, 0, 0, 0, 0) != 0) {
		sysbuf_traced(SYS_close, high, 0, 0, 0, 0, 0);
		return false;
	}
	ds.fd = (int)high;
	ds.state = 1;
	pthread_setspecific(thread_end, (void *)1);
	return true;
}

/* A thread that ends closes its event (its descriptor is the process's). */
static void close_at_thread_end(void *unused)
{
	(void)unused;
	if (ds.state > 0)
		sysbuf_traced(SYS_close, ds.fd, 0, 0, 0, 0, 0);
	ds.state = -1;
}

/* A forked child has its parent's descriptor: it opens its own when it needs one. */
static void forget_in_child(void)
{
	if (ds.state > 0)
		sysbuf_traced(SYS_close, ds.fd, 0, 0, 0, 0, 0);
	ds = (struct desched_state){0};
}

__attribute__((constructor)) static void blocking_init(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
	pthread_key_create(&thread_end, close_at_thread_end);
}

/*
 * Syscall nr buffered with the descheduling event enabled around it. false:
 * it cannot be (no event, the signal blocked, a call already armed), and
 * the caller goes the traced way.
 */
static bool armed(long nr, const long a[6], void *out, uint64_t out_max, long *ret)
{
	long r;
	bool done;

	if (out_max > SYSBUF_OUT_MAX || ds.armed || ds.masked || !desched_on())
		return false;
	/* No traced reset of the buffer while the event is enabled: its stop would fire it. */
	if (!sysbuf_reserve(3 * sizeof(struct sysbuf_record) + ((out_max + 7) & ~7ull)))
		return false;
	ds.armed = 1;
	if (!sysbuf_call(SYS_ioctl, (long[6]){ds.fd, PERF_EVENT_IOC_ENABLE, 0}, NULL, 0, &r)) {
		ds.armed = 0;
		return false;
	}
	if (r != 0) {
		/* The program closed or replaced the descriptor: this thread goes without. */
		ds.state = -1;
		ds.armed = 0;
		return false;
	}
	done = sysbuf_call(nr, a, out, out_max, ret);
	sysbuf_call(SYS_ioctl, (long[6]){ds.fd, PERF_EVENT_IOC_DISABLE, 0}, NULL, 0, &r);
	ds.armed = 0;
	return done;
}

uint8_t sysbuf_stream_kind(int fd)
{
	long r = sysbuf_traced(REWIND_SYSCALL_SYSBUF, SYSBUF_OP_STREAM, fd, 0, 0, 0, 0);

	return r == 0 ? SYSBUF_FD_STREAM : r == 1 ? SYSBUF_FD_STREAM_OUT : SYSBUF_FD_OTHER;
}

static bool readable(int fd)
{
	uint8_t kind = sysbuf_fd_kind(fd);

	return kind == SYSBUF_FD_STREAM || kind == SYSBUF_FD_STREAM_OUT;
}

/* Writes of at most SYSBUF_BLOCKING_OUT_MAX bytes, not to the recording's output. */
static bool writable(int fd, size_t len)
{
	return len <= SYSBUF_BLOCKING_OUT_MAX && sysbuf_fd_kind(fd) == SYSBUF_FD_STREAM;
}

bool sysbuf_blocking_read(int fd, void *buf, size_t count, long *ret)
{
	return readable(fd) &&
	       armed(SYS_read, (long[6]){fd, (long)buf, (long)count}, buf, count, ret);
}

bool sysbuf_blocking_write(int fd, const void *buf, size_t count, long *ret)
{
	return writable(fd, count) &&
	       armed(SYS_write, (long[6]){fd, (long)buf, (long)count}, NULL, 0, ret);
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t total = 0;

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

/* One iovec reads as read(2) does (on pipes and sockets the same). */
EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	long ret;

	if (n == 1 && sysbuf_blocking_read(fd, iov[0].iov_base, iov[0].iov_len, &ret))
		return sysbuf_errno(ret);
	REAL(readv);
	return real_readv(fd, iov, n);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	long ret;

	if (n >= 0 && n <= 64 && writable(fd, iov_total(iov, n)) &&
	    armed(SYS_writev, (long[6]){fd, (long)iov, n}, NULL, 0, &ret))
		return sysbuf_errno(ret);
	REAL(writev);
	return real_writev(fd, iov, n);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	long ret;

	if (writable(fd, len) &&
	    armed(SYS_sendto, (long[6]){fd, (long)buf, (long)len, flags, 0, 0}, NULL, 0, &ret))
		return sysbuf_errno(ret);
	REAL(send);
	return real_send(fd, buf, len, flags);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	long ret;

	if (writable(fd, len) &&
	    armed(SYS_sendto, (long[6]){fd, (long)buf, (long)len, flags, (long)to, tolen}, NULL, 0,
		  &ret))
		return sysbuf_errno(ret);
	REAL(sendto);
	return real_sendto(fd, buf, len, flags, to, tolen);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	long ret;

	if (msg && msg->msg_iovlen <= 64 &&
	    writable(fd, iov_total(msg->msg_iov, (int)msg->msg_iovlen)) &&
	    armed(SYS_sendmsg, (long[6]){fd, (long)msg, flags}, NULL, 0, &ret))
		return sysbuf_errno(ret);
	REAL(sendmsg);
	return real_sendmsg(fd, msg, flags);
}

/* MSG_WAITALL would return what it has when the signal interrupts it: traced. */
static bool recv_ok(int fd, int flags)
{
	return !(flags & MSG_WAITALL) && readable(fd);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	long ret;

	if (recv_ok(fd, flags) &&
	    armed(SYS_recvfrom, (long[6]){fd, (long)buf, (long)len, flags, 0, 0}, buf, len, &ret))
		return sysbuf_errno(ret);
	REAL(recv);
	return real_recv(fd, buf, len, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	long ret;

	if (!from && recv_ok(fd, flags) &&
	    armed(SYS_recvfrom, (long[6]){fd, (long)buf, (long)len, flags, 0, (long)fromlen}, buf,
		  len, &ret))
		return sysbuf_errno(ret);
	REAL(recvfrom);
	return real_recvfrom(fd, buf, len, flags, from, fromlen);
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	long ret;

	if (n <= SYSBUF_OUT_MAX / sizeof(*fds) &&
	    armed(SYS_poll, (long[6]){(long)fds, (long)n, timeout}, fds, n * sizeof(*fds), &ret))
		return (int)sysbuf_errno(ret);
	REAL(poll);
	return real_poll(fds, n, timeout);
}

/* Without a timeout or a mask only: the kernel writes the time left back, and a mask may block the
 * signal. */
EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask)
{
	long ret;

	if (!tmo && !mask && n <= SYSBUF_OUT_MAX / sizeof(*fds) &&
	    armed(SYS_ppoll, (long[6]){(long)fds, (long)n, 0, 0, 8}, fds, n * sizeof(*fds), &ret))
		return (int)sysbuf_errno(ret);
	REAL(ppoll);
	return real_ppoll(fds, n, tmo, mask);
}

/*
 * At most what fits a record: the kernel returns fewer events than are ready
 * when there is no room, and the others wait for the next call.
 */
EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	int room =
	    max < (int)(SYSBUF_OUT_MAX / sizeof(*ev)) ? max : (int)(SYSBUF_OUT_MAX / sizeof(*ev));
	long ret;

	if (max > 0 && armed(SYS_epoll_wait, (long[6]){epfd, (long)ev, room, timeout}, ev,
			     (uint64_t)room * sizeof(*ev), &ret))
		return (int)sysbuf_errno(ret);
	REAL(epoll_wait);
	return real_epoll_wait(epfd, ev, max, timeout);
}

/* Without an address only: the call then writes nothing but its result. */
EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	long ret;

	if (!addr && readable(fd) && armed(SYS_accept4, (long[6]){fd, 0, 0, flags}, NULL, 0, &ret))
		return (int)sysbuf_errno(ret);
	REAL(accept4);
	return real_accept4(fd, addr, len, flags);
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	long ret;

	if (!addr && readable(fd) && armed(SYS_accept4, (long[6]){fd, 0, 0, 0}, NULL, 0, &ret))
		return (int)sysbuf_errno(ret);
	REAL(accept);
	return real_accept(fd, addr, len);
}

/* The thread's mask, as far as the event's signal goes, after a change that succeeded. */
static void note_mask(int how, const sigset_t *set)
{
	int has;

	if (!set)
		return;
	has = sigismember(set, SYSBUF_DESCHED_SIGNAL) == 1;
	if (how == SIG_SETMASK)
		ds.masked = has;
	else if (how == SIG_BLOCK && has)
		ds.masked = 1;
	else if (how == SIG_UNBLOCK && has)
		ds.masked = 0;
}

EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	int ret;

	REAL(sigprocmask);
	ret = real_sigprocmask(how, set, old);
	if (ret == 0)
		note_mask(how, set);
	return ret;
}

EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	int ret;

	REAL(pthread_sigmask);
	ret = real_pthread_sigmask(how, set, old);
	if (ret == 0)
		note_mask(how, set);
	return ret;
}
