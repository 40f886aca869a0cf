/* SPDX-License-Identifier: MIT */
/*
 * strbuf: the one growable text buffer used for all string assembly.
 *
 * Owns: a heap buffer that is never NULL and always NUL-terminated once
 * initialised (an empty buffer points at a shared empty string until the
 * first append).  Must never: truncate silently.  Allocation failure aborts
 * the process (there is no sane recovery for a CLI tool half-way through
 * building a message), which keeps every caller free of OOM branches.
 */
#ifndef GMF_STRBUF_H
#define GMF_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *buf;
	size_t len;
	size_t alloc;
} gmf_strbuf;

#define GMF_STRBUF_INIT { gmf_strbuf__empty, 0, 0 }
extern char gmf_strbuf__empty[];

void gmf_strbuf_init(gmf_strbuf *sb, size_t hint);
/* Frees the contents; the buffer is ready for reuse afterwards. */
void gmf_strbuf_release(gmf_strbuf *sb);
/* Hands the buffer to the caller (free() it); sb is re-initialised. */
char *gmf_strbuf_detach(gmf_strbuf *sb, size_t *len_out);
void gmf_strbuf_grow(gmf_strbuf *sb, size_t extra);
void gmf_strbuf_reset(gmf_strbuf *sb);
void gmf_strbuf_add(gmf_strbuf *sb, const void *data, size_t len);
void gmf_strbuf_adds(gmf_strbuf *sb, const char *s);
void gmf_strbuf_addch(gmf_strbuf *sb, int c);
void gmf_strbuf_addf(gmf_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gmf_strbuf_vaddf(gmf_strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal (with the quotes). */
void gmf_strbuf_add_json(gmf_strbuf *sb, const char *s);
void gmf_strbuf_setlen(gmf_strbuf *sb, size_t len);

/* Small helpers shared by every module. */
char *gmf_xstrdup(const char *s);
char *gmf_xstrndup(const char *s, size_t n);
void *gmf_xmalloc(size_t n);
void *gmf_xcalloc(size_t n, size_t size);
void *gmf_xrealloc(void *p, size_t n);
/* Grows an array of nmemb elements to hold at least need, doubling. */
#define GMF_ALLOC_GROW(ptr, need, alloc) do { \
	if ((need) > (alloc)) { \
		size_t gmf__n = (alloc) ? (alloc) * 2 : 16; \
		while (gmf__n < (need)) gmf__n *= 2; \
		(ptr) = gmf_xrealloc((ptr), gmf__n * sizeof(*(ptr))); \
		(alloc) = gmf__n; \
	} \
} while (0)

#endif
