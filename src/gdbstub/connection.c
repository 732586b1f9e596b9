/*
 * The socket side of the gdb server: listening on loopback only (a trace
 * holds the program's memory, so nothing else may connect), accepting,
 * reading and writing with EINTR handled, and watching for gdb's ^C while
 * the target runs. Reads go into a small buffer that the packet parser
 * consumes; bytes read while watching for ^C stay there for it.
 */
#define _GNU_SOURCE /* accept4 */
#include "gdbstub/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

int gdb_listen_loopback(int port, int *bound_port)
{
	struct sockaddr_in addr;
	socklen_t addrlen = sizeof(addr);
	int fd, one = 1, err;

	if (port < 0 || port > 65535)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		rw_error("gdb server: socket: %s", strerror(errno));
		return err;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &addrlen) < 0) {
		err = -errno;
		rw_error("gdb server: cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
		close(fd);
		return err;
	}
	if (bound_port)
		*bound_port = ntohs(addr.sin_port);
	return fd;
}

int gdb_listen_private(char *path, size_t size)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char dir[96];
	int fd, err;

	if (!base || !*base || access(base, W_OK) < 0 ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/rewind-gdb.XXXXXX", base) >= sizeof(dir))
		snprintf(dir, sizeof(dir), "/tmp/rewind-gdb.XXXXXX");
	if (!mkdtemp(dir)) { /* mode 0700: only this user (and root) may reach the socket */
		err = -errno;
		rw_error("gdb server: cannot make a directory for its socket (%s): %s", dir,
			 strerror(errno));
		return err;
	}
	if ((size_t)snprintf(path, size, "%s/gdb.sock", dir) >= size ||
	    strlen(path) >= sizeof(addr.sun_path)) {
		rmdir(dir);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
		err = -errno;
		rw_error("gdb server: cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		rmdir(dir);
		return err;
	}
	return fd;
}

void gdb_unlink_private(const char *path)
{
	char dir[108];
	char *slash;

	if (!path || !*path)
		return;
	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/'))) {
		*slash = '\0';
		rmdir(dir);
	}
}

/* A connection on a local socket from another user than ours (root aside) is refused. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0 || ss.ss_family != AF_UNIX)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == getuid() || cred.uid == 0;
}

int gdb_accept(int listen_fd)
{
	int fd, one = 1;

	do
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		int err = -errno;

		rw_error("gdb server: accept: %s", strerror(errno));
		return err;
	}
	if (!peer_allowed(fd)) {
		rw_error("gdb server: refused a connection from another user");
		close(fd);
		return -EACCES;
	}
	/* Every request waits for its reply: without this, each small reply waits for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

void gdb_conn_init(struct gdb_conn *c, int fd, struct rw_buf *capture)
{
	c->fd = fd;
	c->capture = capture;
	c->in_start = c->in_end = 0;
	c->closed = false;
	c->scan_state = GDB_PKT_IDLE;
	c->scanned_end = 0;
	c->interrupted = false;
}

/* Makes room at the end of the input buffer by dropping what the parser has consumed. */
static void compact(struct gdb_conn *c)
{
	size_t shift = c->in_start;

	if (!shift)
		return;
	memmove(c->in, c->in + shift, c->in_end - shift);
	c->in_end -= shift;
	c->in_start = 0;
	c->scanned_end = c->scanned_end > shift ? c->scanned_end - shift : 0;
}

/* One read() into the free end of the buffer; returns the count, 0 at EOF, or -errno. */
static long read_some(struct gdb_conn *c)
{
	ssize_t n;

	compact(c);
	if (c->in_end == sizeof(c->in))
		return -ENOBUFS;
	do
		n = read(c->fd, c->in + c->in_end, sizeof(c->in) - c->in_end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		c->closed = true;
		return -errno;
	}
	if (n == 0)
		c->closed = true;
	c->in_end += (size_t)n;
	return n;
}

long gdb_conn_fill(struct gdb_conn *c)
{
	if (c->fd < 0 || c->closed)
		return 0;
	return read_some(c);
}

int gdb_conn_write(struct gdb_conn *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (c->fd < 0) {
		if (c->capture)
			rw_buf_put(c->capture, data, len);
		return 0;
	}
	while (len && !c->closed) {
		/* MSG_NOSIGNAL: gdb going away must end the session, not kill the replayer. */
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(c->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};

			poll(&pfd, 1, -1);
			continue;
		}
		if (n <= 0) {
			c->closed = true;
			return n < 0 ? -errno : -EPIPE;
		}
		p += n;
		len -= (size_t)n;
	}
	return c->closed ? -EPIPE : 0;
}

void gdb_conn_watch_interrupt(struct gdb_conn *c, enum gdb_pkt_state parser_state)
{
	c->scan_state = parser_state;
	c->scanned_end = c->in_start;
	c->interrupted = false;
}

bool gdb_conn_poll_interrupt(void *arg)
{
	struct gdb_conn *c = arg;
	struct pollfd pfd;
	int r;

	if (c->interrupted || c->closed)
		return true; /* a closed connection stops the target too: nobody is watching */
	if (c->fd < 0)
		return false;
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r > 0 && read_some(c) == -ENOBUFS)
		rw_debug("gdb server: input buffer full while the target runs");
	if (c->scanned_end < c->in_end) {
		if (gdb_pkt_scan_interrupt(&c->scan_state, c->in + c->scanned_end,
					   c->in_end - c->scanned_end))
			c->interrupted = true;
		c->scanned_end = c->in_end;
	}
	return c->interrupted || c->closed;
}
