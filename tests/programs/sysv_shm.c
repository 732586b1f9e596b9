/*
 * sysv_shm: System V shared memory between a parent and its child. A
 * segment attached before the fork is shared by both (fork keeps the
 * attachment); the child attaches it again at another address and a
 * second, read-only; each writes data the other reads after a pipe
 * handshake. shmctl IPC_STAT counts the attachments, shmdt detaches,
 * IPC_RMID removes the segment once the last one goes; bad ids fail.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void say(int fd)
{
	CHECK(write(fd, "x", 1) == 1);
}

static void hear(int fd)
{
	char c;

	CHECK(read(fd, &c, 1) == 1);
}

static int attachments(int id)
{
	struct shmid_ds ds;

	CHECK(shmctl(id, IPC_STAT, &ds) == 0);
	return (int)ds.shm_nattch;
}

static void child(int id, char *inherited, int to_child, int to_parent)
{
	char *own = shmat(id, NULL, 0);
	const char *ro = shmat(id, NULL, SHM_RDONLY);

	CHECK(own != (void *)-1 && ro != (void *)-1 && own != inherited);
	printf("child: sees the parent's '%s' through its own attachment\n", own);
	strcpy(own + 5000, "written by the child");
	printf("child: attachments now %d\n", attachments(id));
	fflush(stdout);
	say(to_parent);
	hear(to_child);
	printf("child: the parent wrote '%s', read-only view '%s'\n", inherited + 9000, ro + 9000);
	CHECK(shmdt(own) == 0 && shmdt(ro) == 0);
	fflush(stdout);
	_exit(0);
}

int main(void)
{
	int id = shmget(IPC_PRIVATE, 3 * 4096, IPC_CREAT | 0600), to_child[2], to_parent[2], st;
	char *seg;
	pid_t pid;

	CHECK(id >= 0);
	seg = shmat(id, NULL, 0);
	CHECK(seg != (void *)-1);
	CHECK(seg[0] == 0 && seg[3 * 4096 - 1] == 0);
	strcpy(seg, "from the parent");
	printf("attachments after shmat: %d\n", attachments(id));
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		child(id, seg, to_child[0], to_parent[1]);
	hear(to_parent[0]);
	printf("parent: the child wrote '%s'\n", seg + 5000);
	strcpy(seg + 9000, "written by the parent");
	say(to_child[1]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("attachments after the child: %d\n", attachments(id));

	/* At a chosen address, rounded down with SHM_RND. */
	char *hole = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *fixed;

	CHECK(hole != MAP_FAILED && munmap(hole, 1 << 20) == 0);
	fixed = shmat(id, hole + 100, SHM_RND);
	CHECK(fixed != (void *)-1);
	printf("SHM_RND rounds to the requested page: %d; sees '%s'\n", fixed == hole,
	       fixed + 9000);
	CHECK(shmdt(fixed) == 0);
	CHECK_ERR(shmdt(fixed), EINVAL);
	CHECK_ERR(shmat(id + 1000000, NULL, 0), EINVAL);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0);
	/* Removed, but still attached here: the memory stays. */
	strcpy(seg + 100, "after IPC_RMID");
	printf("%s\n", seg + 100);
	CHECK(shmdt(seg) == 0);
	CHECK_ERR(shmctl(id, IPC_STAT, &(struct shmid_ds){0}), EINVAL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
