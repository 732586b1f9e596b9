/*
 * tls: __thread variables for gdb to print, natively and in a replay: two
 * of the program's own (one initialized, one in .tbss), one of a library
 * it links (static TLS, like errno, which close(-1) sets), and one of a
 * library it dlopens (dynamic TLS: no block until the first access).
 * checkpoint(n) is where gdb stops; the values are also printed here.
 * usage: tls PATH-OF-libtls_dyn.so
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

__thread int main_tls = 11;
__thread long main_tls_bss;

extern __thread int lib_tls;
int lib_bump(int by);

static void __attribute__((noinline)) checkpoint(int step)
{
	__asm__ volatile("" ::"r"(step) : "memory");
}

int main(int argc, char **argv)
{
	int (*dyn_bump)(int);
	int saved_errno, dyn;
	void *lib;

	if (argc != 2) {
		fprintf(stderr, "usage: tls PATH-OF-libtls_dyn.so\n");
		return 2;
	}
	main_tls++;
	main_tls_bss = 0x1234567890;
	lib_bump(5);
	close(-1);
	saved_errno = errno;
	printf("main_tls %d main_tls_bss %#lx lib_tls %d errno %d\n", main_tls, main_tls_bss,
	       lib_tls, saved_errno);
	fflush(stdout);
	errno = saved_errno;
	checkpoint(1);

	lib = dlopen(argv[1], RTLD_NOW);
	dyn_bump = lib ? (int (*)(int))dlsym(lib, "dyn_bump") : NULL;
	if (!dyn_bump) {
		fprintf(stderr, "tls: %s\n", dlerror());
		return 1;
	}
	checkpoint(2);
	dyn = dyn_bump(3);
	printf("dyn_tls %d\n", dyn);
	checkpoint(3);
	printf("EXIT-SUCCESS\n");
	return 0;
}
