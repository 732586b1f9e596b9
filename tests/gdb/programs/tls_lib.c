/* A library with a __thread variable, linked by tls.c: static TLS. */
__thread int lib_tls = 21;

int lib_bump(int by);

int lib_bump(int by)
{
	lib_tls += by;
	return lib_tls;
}
