/* SPDX-License-Identifier: MIT */
/*
 * arena: bump allocation for the many small strings a large project's
 * migrations hold, and one large block for a big array.
 *
 * Owns: a list of chunks; everything allocated from an arena is freed at
 * once by gmf_arena_free, never piecemeal.  Why: reading ten thousand
 * migrations made about a dozen heap allocations each, and on a virtual
 * machine every fresh page of heap costs a page fault of several
 * microseconds.  An arena told how much is coming takes its memory, past
 * its first MiB, in large, huge-page-advised chunks where the system
 * offers them (Linux transparent huge pages), so that cost is paid a
 * handful of times; an arena that never fills that first MiB (a warm
 * parse cache) touches no huge page.
 * Must never: hand out memory that another thread's arena also hands out
 * (one arena per thread; they are not locked), or return NULL
 * (allocation failure aborts, as in strbuf).
 */
#ifndef GMF_ARENA_H
#define GMF_ARENA_H

#include <stddef.h>

typedef struct gmf_arena gmf_arena;

/* A new arena expecting about `hint` bytes in all (0: no idea). */
gmf_arena *gmf_arena_new(size_t hint);
/* Frees every chunk, and the arena itself; NULL is fine. */
void gmf_arena_free(gmf_arena *a);
/* n bytes aligned for any object; n may be 0. */
void *gmf_arena_alloc(gmf_arena *a, size_t n);
/* A NUL-terminated copy of the first n bytes of s. */
char *gmf_arena_strndup(gmf_arena *a, const char *s, size_t n);
/* Bytes handed out so far (for tests and statistics). */
size_t gmf_arena_used(const gmf_arena *a);

/*
 * One large zeroed block of n bytes (an array of nodes), with the same
 * huge-page advice when it is large; gmf_big_free needs the same n.
 */
void *gmf_big_calloc(size_t n);
void gmf_big_free(void *p, size_t n);

#endif
