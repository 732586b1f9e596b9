/*
 * debuggee: a program to debug under gdb, natively and in a replay: globals,
 * locals, a __thread variable, nested calls, a loop, output, an exit code.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int global_counter = 100;
static __thread int tls_value = 7;
static const char *names[] = {"alpha", "bravo", "charlie"};

struct point {
	int x, y;
};

static int __attribute__((noinline)) scale(int v, int factor)
{
	int result = v * factor;

	return result + 1;
}

static int __attribute__((noinline)) compute(struct point p, const char *name)
{
	int local = scale(p.x, 3) + scale(p.y, 2);

	global_counter += local + (int)strlen(name);
	tls_value += local;
	return local;
}

int main(void)
{
	struct point pts[3] = {{1, 2}, {3, 4}, {5, 6}};
	int total = 0;
	char pid_line[64];

	for (int i = 0; i < 3; i++)
		total += compute(pts[i], names[i]);
	snprintf(pid_line, sizeof(pid_line), "pid %d\n", (int)getpid());
	printf("total %d global %d tls %d\n%s", total, global_counter, tls_value, pid_line);
	return total % 7;
}
