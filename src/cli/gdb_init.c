/*
 * The commands rewind gives the gdb it starts, in an init file it reads
 * (-ix) before connecting: checkpoint, restart N, info checkpoints, delete
 * checkpoint N and when, as rr users type them, each a monitor command of
 * the replay. They replace gdb's own checkpoint commands, which fork the
 * inferior and have no meaning on a remote replay. After any monitor
 * command gdb forgets the registers it read, since `restart` moves the
 * replay behind its back. The file lives in the private directory of the
 * replay's socket and goes with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"

static const char gdb_init[] =
    "# rewind's commands for the replay.\n"
    "set confirm off\n"
    "define checkpoint\n"
    "  monitor checkpoint\n"
    "end\n"
    "document checkpoint\n"
    "Takes a checkpoint of the replay here: `restart N` comes back to it.\n"
    "end\n"
    "define restart\n"
    "  monitor restart $arg0\n"
    "end\n"
    "document restart\n"
    "restart N: the replay goes back (or forward) to checkpoint N; 0 is the start.\n"
    "end\n"
    "define info checkpoints\n"
    "  monitor info checkpoints\n"
    "end\n"
    "document info checkpoints\n"
    "Lists the checkpoints of the replay: the user's by number, the automatic ones.\n"
    "end\n"
    "define delete checkpoint\n"
    "  monitor delete checkpoint $arg0\n"
    "end\n"
    "document delete checkpoint\n"
    "delete checkpoint N: checkpoint N is no longer kept for `restart`.\n"
    "end\n"
    "define when\n"
    "  monitor when\n"
    "end\n"
    "document when\n"
    "Prints the number of the event the replay is at.\n"
    "end\n"
    "define hookpost-monitor\n"
    "  maintenance flush register-cache\n"
    "end\n"
    "set confirm on\n";

int gdb_init_write(const char *sock, char *path, size_t size)
{
	const char *slash = strrchr(sock, '/');
	size_t len = sizeof(gdb_init) - 1;
	int fd, err = 0;

	if (!slash || (size_t)snprintf(path, size, "%.*s/gdbinit", (int)(slash - sock), sock) >= size)
		return -ENAMETOOLONG;
	errno = 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, gdb_init, len) != (ssize_t)len)
		err = errno ? -errno : -EIO; /* a short write sets none */
	if (fd >= 0)
		close(fd);
	if (err) {
		rw_error("cannot write gdb's commands to %s: %s", path, strerror(-err));
		if (fd >= 0)
			unlink(path);
		path[0] = '\0';
	}
	return err;
}
