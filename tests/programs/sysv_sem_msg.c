/*
 * sysv_sem_msg: System V semaphores and message queues between a parent
 * and its child. The child waits on a semaphore the parent raises (semop
 * blocks), semtimedop times out, the parent reads values and the set's
 * state with semctl (GETALL fills an array as long as the set); messages go both ways with msgsnd
 * and msgrcv (by type, blocking, IPC_NOWAIT, MSG_NOERROR), msgctl reports the queue.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

struct message {
	long type;
	char text[64];
};

static void child(int sem, int q)
{
	struct sembuf wait0 = {0, -1, 0}, post1 = {1, 1, 0};
	struct message m = {0};

	CHECK(semop(sem, &wait0, 1) == 0); /* blocks until the parent posts */
	printf("child: got semaphore 0\n");
	fflush(stdout);
	CHECK(msgrcv(q, &m, sizeof(m.text), 2, 0) > 0); /* type 2 only, blocking */
	printf("child: message of type %ld: %s\n", m.type, m.text);
	fflush(stdout);
	m.type = 7;
	strcpy(m.text, "reply from the child");
	CHECK(msgsnd(q, &m, strlen(m.text) + 1, 0) == 0);
	CHECK(semop(sem, &post1, 1) == 0);
	_exit(0);
}

int main(void)
{
	int sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600),
	    q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct sembuf post0 = {0, 1, 0}, wait1 = {1, -1, 0}, try1 = {1, -1, IPC_NOWAIT};
	struct timespec short_wait = {0, 20 * 1000 * 1000};
	struct message m = {0};
	struct semid_ds sds;
	struct msqid_ds mds;
	int st;
	pid_t pid;

	CHECK(sem >= 0 && q >= 0);
	CHECK(semctl(sem, 0, SETVAL, (union semun){.val = 0}) == 0);
	CHECK(semctl(sem, 1, SETVAL, (union semun){.val = 0}) == 0);
	CHECK_ERR(semop(sem, &try1, 1), EAGAIN);
	CHECK_ERR(semtimedop(sem, &wait1, 1, &short_wait), EAGAIN);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		child(sem, q);
	m.type = 1;
	strcpy(m.text, "type one, for nobody");
	CHECK(msgsnd(q, &m, strlen(m.text) + 1, 0) == 0);
	m.type = 2;
	strcpy(m.text, "type two, for the child");
	CHECK(msgsnd(q, &m, strlen(m.text) + 1, 0) == 0);
	CHECK(semop(sem, &post0, 1) == 0);
	CHECK(semop(sem, &wait1, 1) == 0); /* blocks until the child posts */
	memset(&m, 0, sizeof(m));
	CHECK(msgrcv(q, &m, sizeof(m.text), 7, 0) > 0);
	printf("parent: message of type %ld: %s\n", m.type, m.text);
	memset(&m, 0, sizeof(m));
	CHECK(msgrcv(q, &m, 4, 0, MSG_NOERROR) == 4);
	printf("parent: truncated first message: %.4s (type %ld)\n", m.text, m.type);
	CHECK_ERR(msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), ENOMSG);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	unsigned short all[2] = {0, 0}, set[2] = {5, 9};

	CHECK(semctl(sem, 0, GETALL, (union semun){.array = all}) == 0);
	printf("GETALL: %u %u\n", all[0], all[1]);
	CHECK(semctl(sem, 0, SETALL, (union semun){.array = set}) == 0);
	CHECK(semctl(sem, 0, GETALL, (union semun){.array = all}) == 0);
	printf("GETALL after SETALL: %u %u\n", all[0], all[1]);
	CHECK(semctl(sem, 0, IPC_STAT, (union semun){.buf = &sds}) == 0);
	printf("semaphores in the set: %lu, values %d %d, last semop by the child: %d\n",
	       (unsigned long)sds.sem_nsems, semctl(sem, 0, GETVAL), semctl(sem, 1, GETVAL),
	       semctl(sem, 1, GETPID) == pid);
	CHECK(msgctl(q, IPC_STAT, &mds) == 0);
	printf("messages left: %lu\n", (unsigned long)mds.msg_qnum);
	CHECK(semctl(sem, 0, IPC_RMID) == 0 && msgctl(q, IPC_RMID, NULL) == 0);
	CHECK_ERR(semop(sem, &post0, 1), EINVAL);
	CHECK_ERR(msgsnd(q, &m, 1, 0), EINVAL);
	printf("EXIT-SUCCESS\n");
	return 0;
}
