/*
 * Where rewind's threads run. Tracer and tracees share one CPU (a ptrace
 * stop costs several times more across CPUs); the helper threads that
 * compress or read the trace prefer the other CPUs.
 */
#ifndef REWIND_COMMON_CPU_AFFINITY_H
#define REWIND_COMMON_CPU_AFFINITY_H

/* A CPU this thread may run on: preferred if allowed (-1: the current one), else the first. */
int rw_cpu_pick(int preferred);
/* Pins the calling thread to one CPU. */
void rw_cpu_pin(int cpu);
/* Lets the calling thread run anywhere but cpu (anywhere at all on a one-CPU machine). */
void rw_cpu_avoid(int cpu);
/* Lets the calling thread run on any CPU (a program rewind starts, such as gdb). */
void rw_cpu_any(void);

#endif
