/* SPDX-License-Identifier: MIT */
/* diff: see include/gmf/diff.h. */
#include "gmf/diff.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
	const char **s; /* line starts */
	size_t *len;    /* line lengths, newline included */
	size_t n;
} lines;

static void split(lines *l, const char *d, size_t n)
{
	size_t cap = 16;
	l->s = gmf_xcalloc(cap, sizeof(char *));
	l->len = gmf_xcalloc(cap, sizeof(size_t));
	l->n = 0;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(d + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - d) + 1 : n;
		if (l->n == cap) {
			cap *= 2;
			l->s = gmf_xrealloc(l->s, cap * sizeof(char *));
			l->len = gmf_xrealloc(l->len, cap * sizeof(size_t));
		}
		l->s[l->n] = d + i;
		l->len[l->n++] = e - i;
		i = e;
	}
}

static int same(const lines *a, size_t i, const lines *b, size_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->s[i], b->s[j], a->len[i]);
}

static void put_line(gmf_strbuf *out, char mark, const char *s, size_t len)
{
	gmf_strbuf_addch(out, mark);
	gmf_strbuf_add(out, s, len);
	if (!len || s[len - 1] != '\n')
		gmf_strbuf_adds(out, "\n\\ No newline at end of file\n");
}

/* One hunk: old lines [a0, a1), new lines [b0, b1), with context. */
static void hunk(gmf_strbuf *out, const lines *a, size_t a0, size_t a1, const lines *b,
		 size_t b0, size_t b1, size_t ctx_before, size_t ctx_after)
{
	size_t s0 = a0 - ctx_before, t0 = b0 - ctx_before;
	size_t an = a1 - a0 + ctx_before + ctx_after, bn = b1 - b0 + ctx_before + ctx_after;
	gmf_strbuf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", an ? s0 + 1 : s0, an,
			bn ? t0 + 1 : t0, bn);
	for (size_t i = s0; i < a0; i++)
		put_line(out, ' ', a->s[i], a->len[i]);
	for (size_t i = a0; i < a1; i++)
		put_line(out, '-', a->s[i], a->len[i]);
	for (size_t i = b0; i < b1; i++)
		put_line(out, '+', b->s[i], b->len[i]);
	for (size_t i = a1; i < a1 + ctx_after; i++)
		put_line(out, ' ', a->s[i], a->len[i]);
}

void gmf_diff_unified(gmf_strbuf *out, const char *old_label, const char *a_data,
		      size_t alen, const char *new_label, const char *b_data, size_t blen)
{
	lines a, b;
	const size_t C = 3;

	if (alen == blen && !memcmp(a_data, b_data, alen))
		return;
	split(&a, a_data, alen);
	split(&b, b_data, blen);
	gmf_strbuf_addf(out, "--- %s\n+++ %s\n", old_label, new_label);
	if (a.n == b.n) {
		size_t i = 0;
		while (i < a.n) {
			size_t start, end, ctx_b, ctx_a;
			if (same(&a, i, &b, i)) {
				i++;
				continue;
			}
			/* grow the hunk while changes are within 2*C lines */
			start = i;
			end = i + 1;
			for (size_t k = end; k < a.n && k < end + 2 * C; k++)
				if (!same(&a, k, &b, k))
					end = k + 1;
			ctx_b = start < C ? start : C;
			ctx_a = a.n - end < C ? a.n - end : C;
			/* changed rows become - then + blocks, line by line */
			gmf_strbuf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", start - ctx_b + 1,
					end - start + ctx_b + ctx_a, start - ctx_b + 1,
					end - start + ctx_b + ctx_a);
			for (size_t k = start - ctx_b; k < start; k++)
				put_line(out, ' ', a.s[k], a.len[k]);
			for (size_t k = start; k < end;) {
				size_t run = k;
				if (same(&a, k, &b, k)) {
					put_line(out, ' ', a.s[k], a.len[k]);
					k++;
					continue;
				}
				while (run < end && !same(&a, run, &b, run))
					run++;
				for (size_t r = k; r < run; r++)
					put_line(out, '-', a.s[r], a.len[r]);
				for (size_t r = k; r < run; r++)
					put_line(out, '+', b.s[r], b.len[r]);
				k = run;
			}
			for (size_t k = end; k < end + ctx_a; k++)
				put_line(out, ' ', a.s[k], a.len[k]);
			i = end;
		}
	} else {
		size_t pre = 0, suf = 0;
		while (pre < a.n && pre < b.n && same(&a, pre, &b, pre))
			pre++;
		while (suf < a.n - pre && suf < b.n - pre &&
		       same(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
			suf++;
		hunk(out, &a, pre, a.n - suf, &b, pre, b.n - suf, pre < C ? pre : C,
		     suf < C ? suf : C);
	}
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
}
