/* A library with a __thread variable that tls.c dlopens: dynamic TLS. */
__thread int dyn_tls = 31;

int dyn_bump(int by);

int dyn_bump(int by)
{
	dyn_tls += by;
	return dyn_tls;
}
