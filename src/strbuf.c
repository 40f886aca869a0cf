/* SPDX-License-Identifier: MIT */
/* strbuf: see include/gmf/strbuf.h. */
#include "gmf/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char gmf_strbuf__empty[1];

static void die_oom(size_t n)
{
	fprintf(stderr, "git-migrate-fix: out of memory (%zu bytes)\n", n);
	abort();
}

void *gmf_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *gmf_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die_oom(n * size);
	return p;
}

void *gmf_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *gmf_xstrndup(const char *s, size_t n)
{
	char *p = gmf_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *gmf_xstrdup(const char *s)
{
	return gmf_xstrndup(s, strlen(s));
}

void gmf_strbuf_init(gmf_strbuf *sb, size_t hint)
{
	sb->buf = gmf_strbuf__empty;
	sb->len = sb->alloc = 0;
	if (hint)
		gmf_strbuf_grow(sb, hint);
}

void gmf_strbuf_release(gmf_strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	gmf_strbuf_init(sb, 0);
}

char *gmf_strbuf_detach(gmf_strbuf *sb, size_t *len_out)
{
	char *r;
	if (len_out)
		*len_out = sb->len;
	if (!sb->alloc)
		r = gmf_xcalloc(1, 1);
	else
		r = sb->buf;
	gmf_strbuf_init(sb, 0);
	return r;
}

void gmf_strbuf_grow(gmf_strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need < sb->len)
		die_oom(SIZE_MAX);
	if (need <= sb->alloc)
		return;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < need)
		n = n * 3 / 2 + 16;
	if (!sb->alloc) {
		sb->buf = gmf_xmalloc(n);
		sb->buf[0] = '\0';
	} else {
		sb->buf = gmf_xrealloc(sb->buf, n);
	}
	sb->alloc = n;
}

void gmf_strbuf_reset(gmf_strbuf *sb)
{
	gmf_strbuf_setlen(sb, 0);
}

void gmf_strbuf_setlen(gmf_strbuf *sb, size_t len)
{
	if (!sb->alloc)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

void gmf_strbuf_add(gmf_strbuf *sb, const void *data, size_t len)
{
	if (!len)
		return;
	gmf_strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void gmf_strbuf_adds(gmf_strbuf *sb, const char *s)
{
	gmf_strbuf_add(sb, s, strlen(s));
}

void gmf_strbuf_addch(gmf_strbuf *sb, int c)
{
	gmf_strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void gmf_strbuf_vaddf(gmf_strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	gmf_strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->alloc - sb->len) {
		gmf_strbuf_grow(sb, (size_t)n);
		va_copy(cp, ap);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
		va_end(cp);
	}
	sb->len += (size_t)n;
}

void gmf_strbuf_addf(gmf_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gmf_strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void gmf_strbuf_add_json(gmf_strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	gmf_strbuf_addch(sb, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': gmf_strbuf_adds(sb, "\\\""); break;
		case '\\': gmf_strbuf_adds(sb, "\\\\"); break;
		case '\n': gmf_strbuf_adds(sb, "\\n"); break;
		case '\r': gmf_strbuf_adds(sb, "\\r"); break;
		case '\t': gmf_strbuf_adds(sb, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				gmf_strbuf_adds(sb, "\\u00");
				gmf_strbuf_addch(sb, hex[c >> 4]);
				gmf_strbuf_addch(sb, hex[c & 15]);
			} else {
				gmf_strbuf_addch(sb, c);
			}
		}
	}
	gmf_strbuf_addch(sb, '"');
}
