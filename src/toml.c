/* SPDX-License-Identifier: MIT */
/* toml: see include/gmf/toml.h. */
#include "gmf/toml.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/strbuf.h"

/* Nesting deeper than this (arrays in arrays, inline tables) is refused:
 * no pyproject.toml needs it, and a fuzzer would find the stack. */
#define MAX_DEPTH 64

typedef struct {
	char **path;      /* key segments; "\001<n>" names the n-th [[table]] */
	size_t npath;
	gmf_toml_value v;
	int header;       /* a [table] header defined it */
	size_t count;     /* GMF_TOML_TABLE_ARRAY: tables so far */
} entry;

struct gmf_toml {
	entry *e;
	size_t n, alloc;
};

typedef struct {
	gmf_toml *t;
	const char *s;
	size_t len, pos;
	unsigned line;
	char **prefix;    /* the current table */
	size_t nprefix;
	int depth;
} parser;

typedef struct {
	char **seg;
	size_t n, alloc;
} keypath;

static void keypath_release(keypath *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->seg[i]);
	free(k->seg);
	memset(k, 0, sizeof(*k));
}

static void keypath_push(keypath *k, char *seg)
{
	GMF_ALLOC_GROW(k->seg, k->n + 1, k->alloc);
	k->seg[k->n++] = seg;
}

static void value_release(gmf_toml_value *v)
{
	for (size_t i = 0; i < v->nitems; i++)
		value_release(&v->items[i]);
	free(v->items);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

void gmf_toml_free(gmf_toml *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->e[i].npath; j++)
			free(t->e[i].path[j]);
		free(t->e[i].path);
		value_release(&t->e[i].v);
	}
	free(t->e);
	free(t);
}

static int fail(parser *p, const char *what)
{
	return gmf_error_set(GMF_EPARSE, "line %u: %s", p->line, what);
}

static int peek(const parser *p, size_t ahead)
{
	return p->pos + ahead < p->len ? (unsigned char)p->s[p->pos + ahead] : -1;
}

static void adv(parser *p, size_t n)
{
	for (; n && p->pos < p->len; n--)
		if (p->s[p->pos++] == '\n')
			p->line++;
}

static void skip_ws(parser *p)
{
	while (peek(p, 0) == ' ' || peek(p, 0) == '\t')
		p->pos++;
}

/* A comment runs to the end of the line; control characters refused. */
static int skip_comment(parser *p)
{
	if (peek(p, 0) != '#')
		return 0;
	while (p->pos < p->len && p->s[p->pos] != '\n') {
		unsigned char c = (unsigned char)p->s[p->pos];
		if ((c < 0x20 && c != '\t' && !(c == '\r' && peek(p, 1) == '\n')) || c == 0x7f)
			return fail(p, "control character in a comment");
		p->pos++;
	}
	return 0;
}

/* Blank lines, comments and whitespace (inside arrays). */
static int skip_space_lines(parser *p)
{
	for (;;) {
		int rc;
		skip_ws(p);
		if ((rc = skip_comment(p)) < 0)
			return rc;
		if (peek(p, 0) == '\n')
			adv(p, 1);
		else if (peek(p, 0) == '\r' && peek(p, 1) == '\n')
			adv(p, 2);
		else
			return 0;
	}
}

/* The rest of a line after a key/value pair or a header. */
static int end_of_line(parser *p)
{
	int rc;
	skip_ws(p);
	if ((rc = skip_comment(p)) < 0)
		return rc;
	if (p->pos >= p->len)
		return 0;
	if (peek(p, 0) == '\n') {
		adv(p, 1);
		return 0;
	}
	if (peek(p, 0) == '\r' && peek(p, 1) == '\n') {
		adv(p, 2);
		return 0;
	}
	return fail(p, "expected the end of the line");
}

static void add_utf8(gmf_strbuf *sb, unsigned long c)
{
	if (c < 0x80) {
		gmf_strbuf_addch(sb, (int)c);
	} else if (c < 0x800) {
		gmf_strbuf_addch(sb, (int)(0xc0 | (c >> 6)));
		gmf_strbuf_addch(sb, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		gmf_strbuf_addch(sb, (int)(0xe0 | (c >> 12)));
		gmf_strbuf_addch(sb, (int)(0x80 | ((c >> 6) & 0x3f)));
		gmf_strbuf_addch(sb, (int)(0x80 | (c & 0x3f)));
	} else {
		gmf_strbuf_addch(sb, (int)(0xf0 | (c >> 18)));
		gmf_strbuf_addch(sb, (int)(0x80 | ((c >> 12) & 0x3f)));
		gmf_strbuf_addch(sb, (int)(0x80 | ((c >> 6) & 0x3f)));
		gmf_strbuf_addch(sb, (int)(0x80 | (c & 0x3f)));
	}
}

/* A backslash escape of a basic string (p at the backslash). */
static int escape(parser *p, gmf_strbuf *sb)
{
	int c = peek(p, 1);
	size_t digits = 0;
	unsigned long u = 0;

	switch (c) {
	case 'b': gmf_strbuf_addch(sb, '\b'); break;
	case 't': gmf_strbuf_addch(sb, '\t'); break;
	case 'n': gmf_strbuf_addch(sb, '\n'); break;
	case 'f': gmf_strbuf_addch(sb, '\f'); break;
	case 'r': gmf_strbuf_addch(sb, '\r'); break;
	case '"': gmf_strbuf_addch(sb, '"'); break;
	case '\\': gmf_strbuf_addch(sb, '\\'); break;
	case 'u': digits = 4; break;
	case 'U': digits = 8; break;
	default:
		return fail(p, "invalid escape in a string");
	}
	adv(p, 2);
	if (!digits)
		return 0;
	for (size_t i = 0; i < digits; i++) {
		int h = peek(p, 0);
		unsigned d;
		if (h >= '0' && h <= '9')
			d = (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			d = (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			d = (unsigned)(h - 'A' + 10);
		else
			return fail(p, "invalid \\u escape in a string");
		u = u * 16 + d;
		adv(p, 1);
	}
	if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
		return fail(p, "\\u escape is not a Unicode scalar value");
	add_utf8(sb, u);
	return 0;
}

static int bad_char(int c, int multiline)
{
	return (c < 0x20 && c != '\t' && !(multiline && (c == '\n' || c == '\r'))) ||
	       c == 0x7f;
}

/* "...", '...', """...""" or '''...''' (p at the first quote). */
static int parse_string(parser *p, gmf_strbuf *sb, int allow_multi)
{
	int q = peek(p, 0), literal = q == '\'';
	int multi = allow_multi && peek(p, 1) == q && peek(p, 2) == q;
	unsigned start = p->line;

	adv(p, multi ? 3 : 1);
	if (multi) {
		/* a newline right after the opening quotes is not content */
		if (peek(p, 0) == '\n')
			adv(p, 1);
		else if (peek(p, 0) == '\r' && peek(p, 1) == '\n')
			adv(p, 2);
	}
	for (;;) {
		int c = peek(p, 0);
		if (c < 0) {
			p->line = start;
			return fail(p, "unterminated string");
		}
		if (c == q) {
			if (!multi) {
				adv(p, 1);
				return 0;
			}
			if (peek(p, 1) == q && peek(p, 2) == q) {
				/* up to two more quotes belong to the content */
				size_t extra = 0;
				while (extra < 2 && peek(p, 3 + extra) == q)
					extra++;
				for (size_t i = 0; i < extra; i++)
					gmf_strbuf_addch(sb, q);
				adv(p, 3 + extra);
				return 0;
			}
			gmf_strbuf_addch(sb, c);
			adv(p, 1);
			continue;
		}
		if (!multi && (c == '\n' || (c == '\r' && peek(p, 1) == '\n')))
			return fail(p, "unterminated string");
		if (c == '\r' && peek(p, 1) != '\n')
			return fail(p, "bare carriage return in a string");
		if (bad_char(c, multi))
			return fail(p, "control character in a string");
		if (c == '\\' && !literal) {
			if (multi) {
				/* a line-ending backslash eats the whitespace after it */
				size_t k = 1;
				while (peek(p, k) == ' ' || peek(p, k) == '\t')
					k++;
				if (peek(p, k) == '\n' || (peek(p, k) == '\r' && peek(p, k + 1) == '\n')) {
					adv(p, k);
					while (peek(p, 0) == ' ' || peek(p, 0) == '\t' ||
					       peek(p, 0) == '\n' ||
					       (peek(p, 0) == '\r' && peek(p, 1) == '\n'))
						adv(p, 1);
					continue;
				}
			}
			int rc = escape(p, sb);
			if (rc < 0)
				return rc;
			continue;
		}
		gmf_strbuf_addch(sb, c);
		adv(p, 1);
	}
}

static int is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A key: bare or quoted segments joined by dots. */
static int parse_key(parser *p, keypath *k)
{
	for (;;) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		int c;
		skip_ws(p);
		c = peek(p, 0);
		if (c == '"' || c == '\'') {
			int rc = parse_string(p, &sb, 0);
			if (rc < 0) {
				gmf_strbuf_release(&sb);
				return rc;
			}
		} else if (is_bare(c)) {
			while (is_bare(peek(p, 0))) {
				gmf_strbuf_addch(&sb, peek(p, 0));
				p->pos++;
			}
		} else {
			gmf_strbuf_release(&sb);
			return fail(p, "expected a key");
		}
		keypath_push(k, gmf_strbuf_detach(&sb, NULL));
		skip_ws(p);
		if (peek(p, 0) != '.')
			return 0;
		p->pos++;
	}
}

static entry *find(const gmf_toml *t, char *const *path, size_t n)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t j;
		if (t->e[i].npath != n)
			continue;
		for (j = 0; j < n && !strcmp(t->e[i].path[j], path[j]); j++)
			;
		if (j == n)
			return &t->e[i];
	}
	return NULL;
}

static entry *add(gmf_toml *t, char *const *path, size_t n)
{
	entry *e;
	GMF_ALLOC_GROW(t->e, t->n + 1, t->alloc);
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->path = gmf_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		e->path[i] = gmf_xstrdup(path[i]);
	e->npath = n;
	return e;
}

/* Every proper prefix of path must be a table (made so when absent). */
static int make_parents(parser *p, char *const *path, size_t n, unsigned line)
{
	for (size_t k = 1; k < n; k++) {
		entry *e = find(p->t, path, k);
		if (!e) {
			e = add(p->t, path, k);
			e->v.type = GMF_TOML_TABLE;
			e->v.line = line;
		} else if (e->v.type != GMF_TOML_TABLE && e->v.type != GMF_TOML_TABLE_ARRAY) {
			return fail(p, "a key is used both as a value and as a table");
		}
	}
	return 0;
}

/* prefix + k, into full (segments borrowed, not copied). */
static char **full_path(const parser *p, const keypath *k, char **const *extra_prefix,
			size_t nextra, size_t *n)
{
	char **full = gmf_xcalloc(nextra + k->n + 1, sizeof(char *));
	for (size_t i = 0; i < nextra && *extra_prefix; i++)
		full[i] = (*extra_prefix)[i];
	for (size_t i = 0; i < k->n; i++)
		full[nextra + i] = k->seg[i];
	*n = nextra + k->n;
	(void)p;
	return full;
}

static int parse_value(parser *p, gmf_toml_value *v, char **path, size_t npath);

/* Defines path = a value parsed now (store: keep it in the document). */
static int key_value(parser *p, char **prefix, size_t nprefix, int store)
{
	keypath k = { 0 };
	char **full = NULL;
	size_t n = 0;
	unsigned line = p->line;
	gmf_toml_value v;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = parse_key(p, &k)) < 0)
		goto out;
	if (peek(p, 0) != '=') {
		rc = fail(p, "expected '=' after a key");
		goto out;
	}
	p->pos++;
	skip_ws(p);
	full = full_path(p, &k, &prefix, nprefix, &n);
	if (store) {
		if ((rc = make_parents(p, full, n, line)) < 0)
			goto out;
		if (find(p->t, full, n)) {
			rc = fail(p, "a key is defined twice");
			goto out;
		}
	}
	v.line = line;
	if ((rc = parse_value(p, &v, store ? full : NULL, store ? n : 0)) < 0)
		goto out;
	if (store) {
		entry *e = find(p->t, full, n);
		if (e) {
			/* an inline table's keys made it a table already */
			value_release(&e->v);
		} else {
			e = add(p->t, full, n);
		}
		e->v = v;
		memset(&v, 0, sizeof(v));
	}
out:
	value_release(&v);
	free(full);
	keypath_release(&k);
	return rc;
}

/* { k = v, ... } (p at the brace); its keys land under path. */
static int parse_inline_table(parser *p, gmf_toml_value *v, char **path, size_t npath)
{
	int rc;

	v->type = GMF_TOML_TABLE;
	p->pos++;
	skip_ws(p);
	if (peek(p, 0) == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		/* an inline table inside an array is read, not stored: no path */
		if ((rc = key_value(p, path, path ? npath : 0, path != NULL)) < 0)
			return rc;
		skip_ws(p);
		if (peek(p, 0) == ',') {
			p->pos++;
			skip_ws(p);
			continue;
		}
		if (peek(p, 0) == '}') {
			p->pos++;
			return 0;
		}
		return fail(p, "expected ',' or '}' in an inline table");
	}
}

static int parse_array(parser *p, gmf_toml_value *v)
{
	size_t alloc = 0;
	int rc;

	v->type = GMF_TOML_ARRAY;
	p->pos++;
	for (;;) {
		if ((rc = skip_space_lines(p)) < 0)
			return rc;
		if (peek(p, 0) == ']') {
			p->pos++;
			return 0;
		}
		GMF_ALLOC_GROW(v->items, v->nitems + 1, alloc);
		memset(&v->items[v->nitems], 0, sizeof(*v->items));
		v->items[v->nitems].line = p->line;
		/* an inline table inside an array is parsed, not kept */
		rc = parse_value(p, &v->items[v->nitems++], NULL, 0);
		if (rc < 0)
			return rc;
		if ((rc = skip_space_lines(p)) < 0)
			return rc;
		if (peek(p, 0) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p, 0) == ']') {
			p->pos++;
			return 0;
		}
		return fail(p, "expected ',' or ']' in an array");
	}
}

/* Digits with single underscores between them, in base; 0 when valid. */
static int parse_digits(const char *s, size_t n, int base, long long sign,
			long long *out, int *overflow)
{
	long long r = 0;
	int prev_digit = 0;

	*overflow = 0;
	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d;
		if (c == '_') {
			if (!prev_digit || i + 1 == n)
				return -1;
			prev_digit = 0;
			continue;
		}
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (!*overflow) {
			if (sign > 0 ? r > (LLONG_MAX - d) / base : r < (LLONG_MIN + d) / base)
				*overflow = 1;
			else
				r = r * base + sign * d;
		}
		prev_digit = 1;
	}
	*out = r;
	return 0;
}

/* A float, date or time token: checked loosely, value not kept. */
static int other_token(const char *s, size_t n)
{
	static const char *const words[] = { "inf", "+inf", "-inf", "nan", "+nan", "-nan",
					     NULL };
	int digit = 0;
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == n && !memcmp(s, words[i], n))
			return 1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digit = 1;
		else if (!strchr("_.eE+-:TZtz ", s[i]))
			return 0;
	}
	return digit;
}

static int parse_scalar(parser *p, gmf_toml_value *v)
{
	size_t start = p->pos, n;
	const char *s;
	long long r;
	int overflow;

	while (p->pos < p->len && (is_bare(p->s[p->pos]) || strchr("+.:", p->s[p->pos])))
		p->pos++;
	/* a date-time may use a space between date and time */
	if (p->pos - start == 10 && p->s[start + 4] == '-' && peek(p, 0) == ' ' &&
	    peek(p, 1) >= '0' && peek(p, 1) <= '9') {
		p->pos++;
		while (p->pos < p->len && (is_bare(p->s[p->pos]) || strchr("+.:", p->s[p->pos])))
			p->pos++;
	}
	s = p->s + start;
	n = p->pos - start;
	if (n == 4 && !memcmp(s, "true", 4)) {
		v->type = GMF_TOML_BOOLEAN;
		v->boolean = 1;
		return 0;
	}
	if (n == 5 && !memcmp(s, "false", 5)) {
		v->type = GMF_TOML_BOOLEAN;
		return 0;
	}
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		if (parse_digits(s + 2, n - 2, base, 1, &r, &overflow) == 0) {
			v->type = overflow ? GMF_TOML_OTHER : GMF_TOML_INTEGER;
			v->integer = r;
			return 0;
		}
		return fail(p, "invalid integer");
	}
	{
		size_t off = (n && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
		long long sign = s[0] == '-' ? -1 : 1;
		if (n > off && parse_digits(s + off, n - off, 10, sign, &r, &overflow) == 0) {
			if (n - off > 1 && s[off] == '0')
				return fail(p, "leading zero in an integer");
			v->type = overflow ? GMF_TOML_OTHER : GMF_TOML_INTEGER;
			v->integer = r;
			return 0;
		}
	}
	if (other_token(s, n)) {
		v->type = GMF_TOML_OTHER;
		return 0;
	}
	return fail(p, "expected a value");
}

static int parse_value(parser *p, gmf_toml_value *v, char **path, size_t npath)
{
	int c = peek(p, 0), rc;

	if (++p->depth > MAX_DEPTH) {
		p->depth--;
		return fail(p, "values nested too deeply");
	}
	if (c == '"' || c == '\'') {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		rc = parse_string(p, &sb, 1);
		v->type = GMF_TOML_STRING;
		v->str = gmf_strbuf_detach(&sb, &v->len);
	} else if (c == '[') {
		rc = parse_array(p, v);
	} else if (c == '{') {
		rc = parse_inline_table(p, v, path, npath);
	} else if (c < 0 || c == '\n' || c == '\r' || c == '#') {
		rc = fail(p, "expected a value");
	} else {
		rc = parse_scalar(p, v);
	}
	p->depth--;
	return rc;
}

static void set_prefix(parser *p, char *const *path, size_t n)
{
	for (size_t i = 0; i < p->nprefix; i++)
		free(p->prefix[i]);
	free(p->prefix);
	p->prefix = gmf_xcalloc(n + 2, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		p->prefix[i] = gmf_xstrdup(path[i]);
	p->nprefix = n;
}

/* [table] or [[array.of.tables]] (p at the bracket). */
static int parse_header(parser *p)
{
	int array = peek(p, 1) == '[';
	keypath k = { 0 };
	unsigned line = p->line;
	entry *e;
	int rc;

	p->pos += array ? 2 : 1;
	if ((rc = parse_key(p, &k)) < 0)
		goto out;
	if (peek(p, 0) != ']' || (array && peek(p, 1) != ']')) {
		rc = fail(p, array ? "expected ']]' after a table name"
				   : "expected ']' after a table name");
		goto out;
	}
	p->pos += array ? 2 : 1;
	if ((rc = make_parents(p, k.seg, k.n, line)) < 0)
		goto out;
	e = find(p->t, k.seg, k.n);
	if (array) {
		char idx[32];
		if (!e) {
			e = add(p->t, k.seg, k.n);
			e->v.type = GMF_TOML_TABLE_ARRAY;
			e->v.line = line;
		} else if (e->v.type != GMF_TOML_TABLE_ARRAY) {
			rc = fail(p, "an array of tables has the name of another key");
			goto out;
		}
		e->count++;
		snprintf(idx, sizeof(idx), "\001%zu", e->count);
		keypath_push(&k, gmf_xstrdup(idx));
		set_prefix(p, k.seg, k.n);
	} else {
		if (e && (e->v.type != GMF_TOML_TABLE || e->header)) {
			rc = fail(p, "a table is defined twice");
			goto out;
		}
		if (!e) {
			e = add(p->t, k.seg, k.n);
			e->v.type = GMF_TOML_TABLE;
			e->v.line = line;
		}
		e->header = 1;
		set_prefix(p, k.seg, k.n);
	}
	rc = end_of_line(p);
out:
	keypath_release(&k);
	return rc;
}

int gmf_toml_parse(gmf_toml **out, const char *text, size_t len, unsigned *bad_line)
{
	parser p;
	int rc = 0;

	*out = NULL;
	if (bad_line)
		*bad_line = 0;
	memset(&p, 0, sizeof(p));
	p.t = gmf_xcalloc(1, sizeof(*p.t));
	p.s = text;
	p.len = len;
	p.line = 1;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		p.pos = 3;
	while (rc == 0) {
		if ((rc = skip_space_lines(&p)) < 0 || p.pos >= p.len)
			break;
		if (peek(&p, 0) == '[')
			rc = parse_header(&p);
		else if ((rc = key_value(&p, p.prefix, p.nprefix, 1)) == 0)
			rc = end_of_line(&p);
	}
	if (rc == 0 && memchr(text, '\0', len)) {
		p.line = 1;
		for (const char *c = text; *c; c++)
			if (*c == '\n')
				p.line++;
		rc = fail(&p, "NUL byte in the document");
	}
	for (size_t i = 0; i < p.nprefix; i++)
		free(p.prefix[i]);
	free(p.prefix);
	if (rc < 0) {
		if (bad_line)
			*bad_line = p.line;
		gmf_toml_free(p.t);
		return rc;
	}
	*out = p.t;
	return 0;
}

int gmf_toml_read(gmf_toml **out, const char *path, unsigned *bad_line)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (bad_line)
		*bad_line = 0;
	if ((rc = gmf_fs_read(path, &data, &len)) < 0)
		return rc;
	rc = gmf_toml_parse(out, data, len, bad_line);
	if (rc < 0) {
		char *why = gmf_xstrdup(gmf_error_last());
		gmf_error_set(rc, "'%s': %s", path, why);
		free(why);
	}
	free(data);
	return rc;
}

const gmf_toml_value *gmf_toml_get(const gmf_toml *t, const char *dotted)
{
	keypath k = { 0 };
	const char *s = dotted;
	entry *e;

	if (!t)
		return NULL;
	for (;;) {
		size_t n = strcspn(s, ".");
		keypath_push(&k, gmf_xstrndup(s, n));
		if (!s[n])
			break;
		s += n + 1;
	}
	e = find(t, k.seg, k.n);
	keypath_release(&k);
	return e ? &e->v : NULL;
}
