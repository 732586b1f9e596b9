/* The small C project make -j2 builds in the benchmark. */
#ifndef PROJECT_H
#define PROJECT_H
int unit1_value(int x);
int unit2_value(int x);
int unit3_value(int x);
int unit4_value(int x);
int unit5_value(int x);
int unit6_value(int x);
#endif
