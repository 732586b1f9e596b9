/*
 * The user's cache directory, shared by recordings and replays:
 * REWIND_CACHE_DIR (empty: none), else $XDG_CACHE_HOME/rewind, else
 * ~/.cache/rewind. Each store in it (replay's checked files, the
 * recorder's compressed chunks of stored files) keeps within
 * REWIND_CACHE_MAX bytes (K, M, G suffixes; 2 GiB by default), least
 * recently used entries going first.
 */
#ifndef REWIND_COMMON_CACHE_DIR_H
#define REWIND_COMMON_CACHE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The cache directory's path in out; false when there is none (or it is too long). */
bool rw_cache_root(char *out, size_t outlen);
/* mkdir -p of path, with mode for the directories made: 0 or a negative errno. */
int rw_make_dirs(const char *path, mode_t mode);
/* The size limit of each store: REWIND_CACHE_MAX. */
uint64_t rw_cache_max(void);
/* Removes the least recently used files of dir until it holds at most 3/4 of max bytes, if over
 * max. */
void rw_cache_trim(const char *dir, uint64_t max);

#endif
