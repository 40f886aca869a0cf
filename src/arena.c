/* SPDX-License-Identifier: MIT */
/* arena: see include/gmf/arena.h. */
#include "gmf/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gmf/strbuf.h"

/*
 * Under AddressSanitizer every allocation gets a heap block of its own, so
 * an overrun of one string is still caught at the byte.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ONE_BLOCK_EACH 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define ONE_BLOCK_EACH 1
#endif
#endif
#ifndef ONE_BLOCK_EACH
#define ONE_BLOCK_EACH 0
#endif

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#endif

#define HUGE_SIZE ((size_t)2 << 20)  /* a transparent huge page */
#define ALIGN 16                     /* enough for any object here */

typedef struct chunk {
	struct chunk *next;
	size_t size;   /* bytes of the whole chunk, header included */
	int mapped;    /* from mmap (huge-page advised), else from malloc */
} chunk;

#define HEADER (((sizeof(chunk) + ALIGN - 1) / ALIGN) * ALIGN)

struct gmf_arena {
	chunk *chunks;
	char *cur, *end;
	size_t next_size; /* size of the next ordinary chunk */
	int huge;         /* take 2 MiB huge-page chunks */
	int huge_later;   /* ... once the first MiB is used: the hint is a
	                   * guess (a warm parse cache leaves most of it
	                   * unused), and a huge page is zeroed whole at its
	                   * first touch, where ordinary pages are zeroed as
	                   * they are touched */
	size_t used;
};

/*
 * n bytes from mmap, 2 MiB aligned so the kernel can back the range with
 * huge pages, and advised so; NULL when mmap is unavailable or refuses.
 */
static void *map_huge(size_t n)
{
#if defined(MADV_HUGEPAGE)
	size_t span = n + HUGE_SIZE;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char *start;
	size_t head, tail;

	if (p == MAP_FAILED)
		return NULL;
	start = (char *)(((uintptr_t)p + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1));
	head = (size_t)(start - p);
	tail = span - head - n;
	if (head)
		munmap(p, head);
	if (tail)
		munmap(start + n, tail);
	madvise(start, n, MADV_HUGEPAGE); /* advice only: failure is fine */
	return start;
#else
	(void)n;
	return NULL;
#endif
}

/* Whole multiples of a huge page are worth mapping; the rest is heap. */
static int huge_worthwhile(size_t n)
{
#if defined(MADV_HUGEPAGE) && !ONE_BLOCK_EACH
	return n >= HUGE_SIZE / 2;
#else
	(void)n;
	return 0;
#endif
}

static size_t round_huge(size_t n)
{
	return (n + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
}

gmf_arena *gmf_arena_new(size_t hint)
{
	gmf_arena *a = gmf_xcalloc(1, sizeof(*a));
	a->huge_later = huge_worthwhile(hint);
	a->next_size = 4096;
	while (a->next_size < hint && a->next_size < ((size_t)1 << 20))
		a->next_size *= 2;
	return a;
}

void gmf_arena_free(gmf_arena *a)
{
	chunk *c, *next;
	if (!a)
		return;
	for (c = a->chunks; c; c = next) {
		next = c->next;
		if (c->mapped)
			munmap(c, c->size);
		else
			free(c);
	}
	free(a);
}

/* A new chunk with room for at least n bytes after its header. */
static void new_chunk(gmf_arena *a, size_t n)
{
	size_t size;
	chunk *c = NULL;

	if (a->huge_later && a->used >= HUGE_SIZE / 2) {
		a->huge = 1;
		a->huge_later = 0;
	}
	if (ONE_BLOCK_EACH) {
		size = HEADER + n;
	} else if (a->huge) {
		size = round_huge(HEADER + n);
		c = map_huge(size);
		if (!c) /* no mmap: ordinary chunks from here on */
			a->huge = 0;
	}
	if (!c) {
		if (!ONE_BLOCK_EACH) {
			size = a->next_size;
			if (a->next_size < ((size_t)1 << 20))
				a->next_size *= 2;
			if (size < HEADER + n)
				size = HEADER + n;
		}
		c = gmf_xmalloc(size);
		c->mapped = 0;
	} else {
		c->mapped = 1;
	}
	c->size = size;
	c->next = a->chunks;
	a->chunks = c;
	a->cur = (char *)c + HEADER;
	a->end = (char *)c + size;
}

void *gmf_arena_alloc(gmf_arena *a, size_t n)
{
	char *p;
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	/* a string before may have left cur unaligned */
	p = a->cur ? a->cur + ((ALIGN - (uintptr_t)a->cur % ALIGN) % ALIGN) : NULL;
	if (ONE_BLOCK_EACH || !p || p > a->end || (size_t)(a->end - p) < n) {
		new_chunk(a, n);
		p = a->cur;
	}
	a->cur = p + n;
	a->used += n;
	return p;
}

/* Strings need no alignment: packed end to end, a hundred thousand
 * migrations' ids and paths take some 6 MB less than at 16 bytes each. */
char *gmf_arena_strndup(gmf_arena *a, const char *s, size_t n)
{
	char *p;
	if (ONE_BLOCK_EACH || !a->cur || (size_t)(a->end - a->cur) < n + 1)
		new_chunk(a, n + 1);
	p = a->cur;
	a->cur += n + 1;
	a->used += n + 1;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t gmf_arena_used(const gmf_arena *a)
{
	return a->used;
}

/* A big block starts with a header saying where it came from. */
#define BIG_HEADER 64

void *gmf_big_calloc(size_t n)
{
	char *p = NULL;
	if (huge_worthwhile(BIG_HEADER + n))
		p = map_huge(round_huge(BIG_HEADER + n));
	/* fresh anonymous memory reads as zero */
	if (p)
		*(int *)p = 1;
	else
		p = gmf_xcalloc(BIG_HEADER + n, 1);
	return p + BIG_HEADER;
}

void gmf_big_free(void *ptr, size_t n)
{
	char *p = ptr;
	if (!p)
		return;
	p -= BIG_HEADER;
	if (*(int *)p)
		munmap(p, round_huge(BIG_HEADER + n));
	else
		free(p);
}
