/* SPDX-License-Identifier: MIT */
/*
 * reader: see include/gmf/reader.h.
 *
 * The file is walked once by a small Python-aware scanner that knows where
 * strings, comments and brackets are, so that only statements starting in
 * column 0 at bracket depth 0 are looked at (an assignment inside a function,
 * an `if` block or a docstring is not a module-level variable).  At each such
 * statement PCRE2 recognises the assignment head (`name`, optional
 * annotation, `=`), and a hand-written literal parser reads the value so that
 * every id keeps its exact byte span.  PCRE2 also picks the header fields out
 * of the docstring.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "gmf/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

#define MAX_FILE_SIZE (64u * 1024u * 1024u)

/* ---------------------------------------------------------------- regex */

enum { RX_ASSIGN, RX_CHAIN, RX_REVID, RX_REVISES, RX_DATE, RX__COUNT };

static const char *const rx_src[RX__COUNT] = {
	/* name, optional annotation (anything up to `=` on the line), `=` */
	"(revision|down_revision|branch_labels|depends_on)(?![A-Za-z0-9_])"
	"[ \\t]*(?::[^=\\n#]*)?=(?!=)[ \\t]*",
	/* a further target of a chained assignment: `depends_on = ` */
	"(revision|down_revision|branch_labels|depends_on)(?![A-Za-z0-9_])"
	"[ \\t]*=(?!=)[ \\t]*",
	/* header fields: matched at the first non-blank byte of one line, the
	 * subject ending where the line ends (trailing blanks are trimmed in C:
	 * a lazy quantifier followed by [ \\t]*$ costs a retry per byte) */
	"Revision[ \\t]+ID[ \\t]*:[ \\t]*([^\\r\\n]*)",
	"Revises[ \\t]*:[ \\t]*([^\\r\\n]*)",
	"Create[ \\t]+Date[ \\t]*:[ \\t]*([^\\r\\n]*)",
};

static pcre2_code *rx[RX__COUNT];
/* match data is per thread: the loader parses files on several threads */
static _Thread_local pcre2_match_data *rx_md[RX__COUNT];
static int rx_jit[RX__COUNT];
static int rx_ready;

/* Bytes that can change the scanner's state (see skip_statement). */
static unsigned char special[256];
/* Bytes check_bindings looks at when not at the start of a line: the
 * others only move it on by one, so runs of them are skipped at once.
 * 2: a byte that matters only where a word starts (see word_start). */
static unsigned char binding[256];
/* Bytes of a Python identifier (any byte >= 0x80: a non-ASCII letter). */
static unsigned char ident_byte[256];

static int rx_init(void)
{
	int i, err;
	PCRE2_SIZE eoff;

	if (rx_ready)
		return 0;
	for (i = 0; i < RX__COUNT; i++) {
		/* JIT ignores PCRE2_ANCHORED at match time: anchor at compile time */
		uint32_t opts = PCRE2_ANCHORED;
		rx[i] = pcre2_compile((PCRE2_SPTR)rx_src[i], PCRE2_ZERO_TERMINATED,
				      opts, &err, &eoff, NULL);
		if (!rx[i]) {
			PCRE2_UCHAR msg[128];
			pcre2_get_error_message(err, msg, sizeof(msg));
			return gmf_error_set(GMF_ERROR,
					     "internal regex %d does not compile at offset %zu: %s",
					     i, (size_t)eoff, (char *)msg);
		}
		rx_jit[i] = pcre2_jit_compile(rx[i], PCRE2_JIT_COMPLETE) == 0;
	}
	for (i = 0; i < 256; i++)
		special[i] = 0;
	for (const char *c = "#\"'\\([{)]}\n"; *c; c++)
		special[(unsigned char)*c] = 1;
	for (i = 0; i < 256; i++) {
		binding[i] = i >= 0x80 || special[i];
		ident_byte[i] = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') ||
				(i >= '0' && i <= '9') || i == '_' || i >= 0x80;
	}
	for (const char *c = ";:="; *c; c++)
		binding[(unsigned char)*c] = 1;
	/* the first letters of the four names, which matter only at the
	 * start of a word */
	for (const char *c = "rdb"; *c; c++)
		binding[(unsigned char)*c] = 2;
	rx_ready = 1;
	return 0;
}

/*
 * Matches pattern i at subject[start..len); returns 1 and fills ov on a
 * match, 0 on no match.  JIT is used when it compiled; a JIT stack shortage
 * falls back to the interpreter.
 */
static int rx_match(int i, const char *subject, size_t len, size_t start,
		    uint32_t opts, PCRE2_SIZE **ov)
{
	int rc = -1;
	if (!rx_md[i])
		rx_md[i] = pcre2_match_data_create_from_pattern(rx[i], NULL);
	if (rx_jit[i]) {
		rc = pcre2_jit_match(rx[i], (PCRE2_SPTR)subject, len, start, opts,
				     rx_md[i], NULL);
		if (rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_NOMEMORY)
			rc = -1000;
	}
	if (!rx_jit[i] || rc == -1000)
		rc = pcre2_match(rx[i], (PCRE2_SPTR)subject, len, start, opts,
				 rx_md[i], NULL);
	if (rc < 0)
		return 0; /* PCRE2_ERROR_NOMATCH is a result, other errors too */
	*ov = pcre2_get_ovector_pointer(rx_md[i]);
	return 1;
}

int gmf_reader_init(void)
{
	return rx_init();
}

void gmf_reader_thread_cleanup(void)
{
	for (int i = 0; i < RX__COUNT; i++) {
		pcre2_match_data_free(rx_md[i]);
		rx_md[i] = NULL;
	}
}

/* -------------------------------------------------------------- helpers */

unsigned gmf_line_of(const char *buf, size_t len, size_t off)
{
	unsigned line = 1;
	const char *p = buf, *end = buf + (off < len ? off : len);
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

static void diag_set(gmf_diag *d, unsigned line, int unreadable,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void diag_set(gmf_diag *d, unsigned line, int unreadable,
		     const char *fmt, ...)
{
	va_list ap;
	if (!d)
		return;
	d->line = line;
	d->unreadable = unreadable;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
}

/* Returns the offset of the first invalid UTF-8 byte, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c;
		size_t n;
		uint32_t cp;
		uint64_t w;
		/* most of a migration is ASCII: test eight bytes at a time */
		while (i + 8 <= len) {
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static int is_ident(int c)
{
	return ident_byte[(unsigned char)c];
}

/* Parser state over one file. */
typedef struct {
	const char *s;
	size_t len;
	gmf_diag *diag;
	int failed;
	size_t line_off;   /* line_no is the line of byte line_off */
	unsigned line_no;
	gmf_arena *arena;  /* where the strings go; NULL: the heap */
	const gmf_migration *m; /* the one being read (its header texts) */
	size_t *known;     /* offsets of the names take_assignment read */
	size_t nknown, aknown;
} scan;

/* Strings and arrays of a migration: from its arena, or the heap. */
static char *m_strndup(gmf_arena *a, const char *s, size_t n)
{
	return a ? gmf_arena_strndup(a, s, n) : gmf_xstrndup(s, n);
}

/* Grows an array from old to new bytes (an arena keeps the old copy). */
static void *m_grow(gmf_arena *a, void *p, size_t old, size_t new_size)
{
	void *q;
	if (!a)
		return gmf_xrealloc(p, new_size);
	q = gmf_arena_alloc(a, new_size);
	if (old)
		memcpy(q, p, old);
	return q;
}

/* Line of off; lookups mostly move forward, so count from the last one. */
static unsigned sline(scan *sc, size_t off)
{
	const char *p, *end;
	if (off > sc->len)
		off = sc->len;
	if (off < sc->line_off) {
		sc->line_off = 0;
		sc->line_no = 1;
	}
	p = sc->s + sc->line_off;
	end = sc->s + off;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		sc->line_no++;
		p++;
	}
	sc->line_off = off;
	return sc->line_no;
}

/*
 * If a string literal (with an optional prefix) starts at *pos, returns 1 and
 * sets the content span and the position after the closing quote.  prefix
 * letters are reported so the caller can reject bytes/f-strings as ids.
 * Returns -1 (and sets diag) for an unterminated string, 0 when no string
 * starts here.
 */
static int read_string(scan *sc, size_t pos, size_t *content, size_t *clen,
		       size_t *after, int *triple, int *plain)
{
	size_t p = pos, n;
	int pfx_ok = 1;
	char q;

	for (n = 0; n < 2 && p < sc->len; n++, p++) {
		char c = sc->s[p];
		if (c == 'u' || c == 'U' || c == 'r' || c == 'R')
			continue;
		if (c == 'b' || c == 'B' || c == 'f' || c == 'F') {
			pfx_ok = 0;
			continue;
		}
		break;
	}
	if (p >= sc->len || (sc->s[p] != '"' && sc->s[p] != '\''))
		return 0;
	q = sc->s[p];
	if (p + 2 < sc->len && sc->s[p + 1] == q && sc->s[p + 2] == q) {
		size_t i = p + 3;
		*triple = 1;
		while (i < sc->len) {
			/* to the next quote or backslash at once (a docstring
			 * is long and holds few of either) */
			const char *nq = memchr(sc->s + i, q, sc->len - i);
			size_t stop = nq ? (size_t)(nq - sc->s) : sc->len;
			const char *bs = memchr(sc->s + i, '\\', stop - i);
			i = bs ? (size_t)(bs - sc->s) : stop;
			if (i >= sc->len)
				break;
			if (sc->s[i] == '\\') {
				i += 2;
				continue;
			}
			if (sc->s[i] == q && i + 2 < sc->len + 0 &&
			    sc->s[i + 1] == q && sc->s[i + 2] == q) {
				*content = p + 3;
				*clen = i - (p + 3);
				*after = i + 3;
				*plain = pfx_ok;
				return 1;
			}
			i++;
		}
		diag_set(sc->diag, sline(sc, pos), 0,
			 "unterminated triple-quoted string");
		sc->failed = 1;
		return -1;
	}
	*triple = 0;
	for (size_t i = p + 1; i < sc->len; i++) {
		char c = sc->s[i];
		if (c == '\\') {
			if (i + 1 < sc->len && sc->s[i + 1] == '\r' && i + 2 < sc->len &&
			    sc->s[i + 2] == '\n')
				i++;
			i++;
			continue;
		}
		if (c == q) {
			*content = p + 1;
			*clen = i - (p + 1);
			*after = i + 1;
			*plain = pfx_ok;
			return 1;
		}
		if (c == '\n')
			break;
	}
	diag_set(sc->diag, sline(sc, pos), 0,
		 "unterminated string");
	sc->failed = 1;
	return -1;
}

/*
 * Skips from pos to the end of the logical line (brackets, strings, comments
 * and backslash continuations understood).  Returns the offset of the
 * terminating newline (or len).  *code_end is set just past the last
 * non-blank code byte.
 */
static size_t skip_statement(scan *sc, size_t pos, size_t *code_end)
{
	/* bytes that cannot change the scanner's state are skipped in a
	 * tight loop (function bodies are most of a file) */
	int depth = 0;
	size_t p = pos, last = pos;

	while (p < sc->len) {
		char c;
		if (!code_end) {
			while (p < sc->len && !special[(unsigned char)sc->s[p]])
				p++;
			if (p >= sc->len)
				break;
		}
		c = sc->s[p];
		if (c == '#') {
			const char *nl = memchr(sc->s + p, '\n', sc->len - p);
			p = nl ? (size_t)(nl - sc->s) : sc->len;
			continue;
		}
		if (c == '"' || c == '\'') {
			size_t co, cl, after;
			int tri, plain;
			if (p + 2 < sc->len && sc->s[p + 1] != c) {
				/* the common case, "name": find the closing quote */
				size_t q = p + 1;
				while (q < sc->len && sc->s[q] != c && sc->s[q] != '\\' &&
				       sc->s[q] != '\n')
					q++;
				if (q < sc->len && sc->s[q] == c) {
					p = q + 1;
					last = p;
					continue;
				}
			}
			if (read_string(sc, p, &co, &cl, &after, &tri, &plain) < 0)
				return sc->len;
			p = after;
			last = p;
			continue;
		}
		if (c == '\\' && p + 1 < sc->len &&
		    (sc->s[p + 1] == '\n' || sc->s[p + 1] == '\r')) {
			p += sc->s[p + 1] == '\r' ? 3 : 2;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth > 0)
			depth--;
		else if (c == '\n' && depth == 0)
			break;
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			last = p + 1;
		p++;
	}
	if (code_end)
		*code_end = last;
	return p;
}

/* Skips blanks; inside brackets also newlines, comments, continuations. */
static size_t skip_ws(scan *sc, size_t p, int in_brackets)
{
	for (;;) {
		while (p < sc->len && (sc->s[p] == ' ' || sc->s[p] == '\t' ||
				       sc->s[p] == '\f' ||
				       (in_brackets && (sc->s[p] == '\n' || sc->s[p] == '\r'))))
			p++;
		if (p + 1 < sc->len && sc->s[p] == '\\' &&
		    (sc->s[p + 1] == '\n' || sc->s[p + 1] == '\r')) {
			p += 2;
			continue;
		}
		if (in_brackets && p < sc->len && sc->s[p] == '#') {
			while (p < sc->len && sc->s[p] != '\n')
				p++;
			continue;
		}
		return p;
	}
}

static int word_at(scan *sc, size_t p, const char *w)
{
	size_t n = strlen(w);
	return p + n <= sc->len && !memcmp(sc->s + p, w, n) &&
	       (p + n == sc->len || !is_ident((unsigned char)sc->s[p + n]));
}

static void value_release(gmf_value *v, gmf_arena *a)
{
	if (!a) {
		for (size_t i = 0; i < v->nitems; i++)
			free(v->items[i].text);
		free(v->items);
	}
	memset(v, 0, sizeof(*v));
}

/* The same bytes as one of the header's ids, read before the code. */
static char *header_id(const gmf_migration *m, const char *p, size_t len)
{
	const char *t = m->hdr_revision.text;
	if (t && !strncmp(t, p, len) && !t[len])
		return m->hdr_revision.text;
	for (size_t i = 0; i < m->hdr_nrevises; i++) {
		t = m->hdr_revises_ids[i];
		if (!strncmp(t, p, len) && !t[len])
			return m->hdr_revises_ids[i];
	}
	return NULL;
}

static void value_push(scan *sc, gmf_value *v, size_t off, size_t len)
{
	gmf_str *s;
	char *same;
	v->items = m_grow(sc->arena, v->items, v->nitems * sizeof(*v->items),
			  (v->nitems + 1) * sizeof(*v->items));
	s = &v->items[v->nitems++];
	/* in an arena (nothing freed one by one) an id the docstring header
	 * spells the same is kept once: most files repeat both */
	same = sc->arena && len ? header_id(sc->m, sc->s + off, len) : NULL;
	s->text = same ? same : m_strndup(sc->arena, sc->s + off, len);
	s->span.off = off;
	s->span.len = len;
	s->span.line = sline(sc, off);
}

/* True when a statement ends at p (blank, comment, newline, `;`, EOF). */
static int at_statement_end(scan *sc, size_t p)
{
	p = skip_ws(sc, p, 0);
	return p >= sc->len || sc->s[p] == '#' || sc->s[p] == '\n' ||
	       sc->s[p] == '\r' || sc->s[p] == ';';
}

/*
 * Reads one value starting at pos into v.  Returns the offset just past the
 * value (for a literal) or past the statement (opaque).
 */
static size_t parse_value(scan *sc, size_t pos, gmf_value *v)
{
	size_t p = skip_ws(sc, pos, 0), co, cl, after, end, code_end;
	int tri, plain, r;

	v->whole.off = p;
	v->whole.line = sline(sc, p);

	if (word_at(sc, p, "None")) {
		after = p + 4;
		if (at_statement_end(sc, after)) {
			v->kind = GMF_VAL_NONE;
			v->whole.len = 4;
			return after;
		}
		goto opaque;
	}
	r = read_string(sc, p, &co, &cl, &after, &tri, &plain);
	if (r < 0)
		return sc->len;
	if (r > 0) {
		if (!tri && plain && at_statement_end(sc, after)) {
			v->kind = GMF_VAL_STRING;
			value_push(sc, v, co, cl);
			v->whole.len = after - p;
			return after;
		}
		goto opaque;
	}
	if (p < sc->len && (sc->s[p] == '(' || sc->s[p] == '[')) {
		char close = sc->s[p] == '(' ? ')' : ']';
		int commas = 0, items = 0;
		size_t q = p + 1;
		for (;;) {
			q = skip_ws(sc, q, 1);
			if (q >= sc->len)
				goto opaque;
			if (sc->s[q] == close) {
				q++;
				break;
			}
			r = read_string(sc, q, &co, &cl, &after, &tri, &plain);
			if (r < 0)
				return sc->len;
			if (r == 0 || tri || !plain)
				goto opaque;
			value_push(sc, v, co, cl);
			items++;
			q = skip_ws(sc, after, 1);
			if (q < sc->len && sc->s[q] == ',') {
				commas++;
				q++;
				continue;
			}
			if (q < sc->len && sc->s[q] == close) {
				q++;
				break;
			}
			goto opaque;
		}
		if (!at_statement_end(sc, q))
			goto opaque;
		/* ("abc") is a string in parentheses, not a tuple */
		v->kind = (close == ')' && items == 1 && !commas) ? GMF_VAL_STRING
								 : GMF_VAL_SEQ;
		v->whole.len = q - p;
		return q;
	}
opaque:
	{
		unsigned line = v->line;
		int seen = v->assignments;
		value_release(v, sc->arena);
		v->line = line;
		v->assignments = seen;
	}
	v->whole.off = p;
	v->whole.line = sline(sc, p);
	v->kind = GMF_VAL_OPAQUE;
	end = skip_statement(sc, p, &code_end);
	v->whole.len = code_end > p ? code_end - p : 0;
	return end;
}

/*
 * Looks for the header fields line by line inside a docstring's content:
 * only lines whose first non-blank byte is 'R' or 'C' reach PCRE2.
 * Returns 1 when a `Revision ID:` line is there.  With m NULL it only
 * answers that question.
 */
static int header_fields(scan *sc, size_t co, size_t cl, gmf_migration *m)
{
	size_t p = co, end = co + cl;
	int found = 0;
	while (p < end) {
		const char *nl = memchr(sc->s + p, '\n', end - p);
		size_t eol = nl ? (size_t)(nl - sc->s) : end, q = p;
		PCRE2_SIZE *ov;
		while (q < eol && (sc->s[q] == ' ' || sc->s[q] == '\t'))
			q++;
		if (q < eol && (sc->s[q] == 'R' || sc->s[q] == 'C')) {
			static const int which[3] = { RX_REVID, RX_REVISES, RX_DATE };
			/* the word each pattern starts with: only that one can match */
			static const char *const word[3] = { "Revision", "Revises", "Create" };
			for (int k = 0; k < 3; k++) {
				gmf_header_field *f;
				size_t wl = strlen(word[k]);
				if (eol - q < wl || memcmp(sc->s + q, word[k], wl) ||
				    !rx_match(which[k], sc->s, eol, q, 0, &ov))
					continue;
				if (k == 0)
					found = 1;
				if (!m)
					return 1;
				f = k == 0 ? &m->hdr_revision : k == 1 ? &m->hdr_revises
								      : &m->hdr_date;
				if (f->present)
					break; /* the first one counts */
				while (ov[3] > ov[2] && (sc->s[ov[3] - 1] == ' ' ||
							 sc->s[ov[3] - 1] == '\t' ||
							 sc->s[ov[3] - 1] == '\r'))
					ov[3]--;
				f->present = 1;
				f->value.off = ov[2];
				f->value.len = ov[3] - ov[2];
				f->value.line = sline(sc, ov[2]);
				f->text = m_strndup(sc->arena, sc->s + ov[2], ov[3] - ov[2]);
				break;
			}
		}
		p = eol + 1;
	}
	return found;
}

static int revises_sep(char c)
{
	return c == ' ' || c == '\t' || c == '(' || c == ')' || c == '[' || c == ']' ||
	       c == '\'' || c == '"' || c == ',';
}

/* Splits a Revises: value ("", "None", "a, b", "('a', 'b')") into ids. */
static void split_revises(gmf_migration *m)
{
	gmf_arena *a = m->arena;
	const char *t = m->hdr_revises.text;
	size_t i = 0, n = strlen(t);
	while (i < n) {
		size_t j;
		while (i < n && revises_sep(t[i]))
			i++;
		j = i;
		while (j < n && !revises_sep(t[j]))
			j++;
		if (j > i) {
			if (!(j - i == 4 && !memcmp(t + i, "None", 4))) {
				m->hdr_revises_ids = m_grow(
					a, m->hdr_revises_ids,
					m->hdr_nrevises * sizeof(char *),
					(m->hdr_nrevises + 1) * sizeof(char *));
				/* "Revises: <one id>": that id is the text */
				m->hdr_revises_ids[m->hdr_nrevises++] =
					a && i == 0 && j == n ? m->hdr_revises.text
							      : m_strndup(a, t + i, j - i);
			}
		}
		i = j;
	}
}

static void take_docstring(scan *sc, gmf_migration *m, size_t start,
			   size_t co, size_t cl, size_t after)
{
	size_t a = co, b;
	m->has_docstring = 1;
	m->docstring.off = start;
	m->docstring.len = after - start;
	m->docstring.line = sline(sc, start);
	/* the message is the first non-blank line */
	while (a < co + cl && (sc->s[a] == ' ' || sc->s[a] == '\t' ||
			       sc->s[a] == '\n' || sc->s[a] == '\r'))
		a++;
	b = a;
	while (b < co + cl && sc->s[b] != '\n' && sc->s[b] != '\r')
		b++;
	while (b > a && (sc->s[b - 1] == ' ' || sc->s[b - 1] == '\t'))
		b--;
	m->message = m_strndup(sc->arena, sc->s + a, b - a);
	header_fields(sc, co, cl, m);
	if (m->hdr_revises.present)
		split_revises(m);
}

static gmf_value *target_of(gmf_migration *m, const char *name, size_t n)
{
	if (n == 8 && !memcmp(name, "revision", 8))
		return &m->revision;
	if (n == 13 && !memcmp(name, "down_revision", 13))
		return &m->down_revision;
	if (n == 13 && !memcmp(name, "branch_labels", 13))
		return &m->branch_labels;
	return &m->depends_on;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Cheap filter before PCRE2: does one of the four names start here? */
static int is_target_name(const char *s, size_t n)
{
	switch (s[0]) {
	case 'r':
		return n >= 8 && !memcmp(s, "revision", 8);
	case 'd':
		return (n >= 13 && !memcmp(s, "down_revision", 13)) ||
		       (n >= 10 && !memcmp(s, "depends_on", 10));
	case 'b':
		return n >= 13 && !memcmp(s, "branch_labels", 13);
	}
	return 0;
}

/* ------------------------------------------------------------ the parse */

static int parse_owned(gmf_migration *m, gmf_arena *arena, const char *path,
		       char *buf, size_t len, gmf_diag *diag);

int gmf_migration_parse(gmf_migration *m, const char *path, const char *buf,
			size_t len, gmf_diag *diag)
{
	char *copy;

	if (len >= GMF_READER_MAX_BYTES) {
		memset(m, 0, sizeof(*m));
		if (diag) {
			memset(diag, 0, sizeof(*diag));
			diag->unreadable = 1;
			snprintf(diag->message, sizeof(diag->message), "file too large");
		}
		return gmf_error_set(GMF_EPARSE, "%s: file too large", path);
	}
	copy = gmf_xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	return parse_owned(m, NULL, path, copy, len, diag);
}

/* The migration takes over buf (len bytes plus a NUL); path and stem. */
static void take_file(gmf_migration *m, gmf_arena *arena, const char *path,
		      char *buf, size_t len)
{
	const char *b = base_name(path);
	size_t bl = strlen(b);

	m->arena = arena;
	m->path = m_strndup(arena, path, strlen(path));
	if (bl > 3 && !strcmp(b + bl - 3, ".py"))
		bl -= 3;
	m->stem = m_strndup(arena, b, bl);
	m->data = buf;
	m->size = len;
}

static void scan_init(scan *sc, const gmf_migration *m, gmf_diag *diag)
{
	sc->s = m->data;
	sc->len = m->size;
	sc->diag = diag;
	sc->failed = 0;
	sc->line_off = 0;
	sc->line_no = 1;
	sc->arena = m->arena;
	sc->m = m;
	sc->known = NULL;
	sc->nknown = sc->aknown = 0;
}

/* Refuses bytes this reader cannot take for Python text: a NUL, invalid
 * UTF-8, a CR that does not end a CRLF line.  0 or GMF_EPARSE. */
static int check_bytes(scan *sc, const gmf_migration *m)
{
	size_t len = m->size, bad, nul;
	const char *nulp;

	if ((nulp = memchr(m->data, '\0', len)) != NULL) {
		nul = (size_t)(nulp - m->data);
		diag_set(sc->diag, sline(sc, nul), 1,
			 "binary file: NUL byte at offset %zu", nul);
		return GMF_EPARSE;
	}
	bad = utf8_invalid_at((const unsigned char *)m->data, len);
	if (bad < len) {
		diag_set(sc->diag, sline(sc, bad), 1,
			 "invalid UTF-8 (byte 0x%02x at offset %zu)",
			 (unsigned char)m->data[bad], bad);
		return GMF_EPARSE;
	}
	/* Python also ends lines at a lone CR (old Mac files); this reader
	 * does not, so it says so rather than misread the file */
	for (const char *cr = memchr(m->data, '\r', len); cr;
	     cr = memchr(cr + 1, '\r', len - (size_t)(cr + 1 - m->data))) {
		if ((size_t)(cr - m->data) + 1 >= len || cr[1] != '\n') {
			if ((size_t)(cr - m->data) + 1 >= len)
				break; /* a CR at the very end ends nothing */
			diag_set(sc->diag, sline(sc, (size_t)(cr - m->data)), 0,
				 "a carriage return that does not end a CRLF line: "
				 "convert the file to LF or CRLF line endings");
			return GMF_EPARSE;
		}
	}
	return 0;
}

/* Notes the byte order mark and the line endings (a writer keeps both);
 * returns where the first statement starts. */
static size_t read_marks(gmf_migration *m)
{
	const char *nl = memchr(m->data, '\n', m->size);
	size_t p = 0;

	if (m->size >= 3 && !memcmp(m->data, "\xef\xbb\xbf", 3)) {
		m->bom = 1;
		p = 3;
	}
	m->crlf = nl && nl > m->data && nl[-1] == '\r';
	return p;
}

/*
 * The start of the last line, from p on, that starts with one of the four
 * names: past it there is no assignment left to find.
 */
static size_t last_candidate_at(const gmf_migration *m, size_t p)
{
	const char *end = m->data + m->size;
	size_t last = 0;

	for (const char *q = m->data + p; q < end;) {
		const char *nl;
		if (is_target_name(q, (size_t)(end - q)))
			last = (size_t)(q - m->data);
		nl = memchr(q, '\n', (size_t)(end - q));
		if (!nl)
			break;
		q = nl + 1;
	}
	return last;
}

/* Gives the value read once to every name of a (chained) assignment; the
 * last name takes over first's items, the others get copies. */
static int same_reading(const gmf_value *a, const gmf_value *b)
{
	if (a->kind != b->kind || a->nitems != b->nitems)
		return 0;
	for (size_t i = 0; i < a->nitems; i++)
		if (strcmp(a->items[i].text, b->items[i].text))
			return 0;
	return 1;
}

static void assign_targets(scan *sc, gmf_migration *m, const char *const *names,
			   const size_t *nlen, int nt, const gmf_value *first)
{
	for (int t = 0; t < nt; t++) {
		gmf_value *v = target_of(m, names[t], nlen[t]);
		int seen = v->assignments;
		GMF_ALLOC_GROW(sc->known, sc->nknown + 1, sc->aknown);
		sc->known[sc->nknown++] = (size_t)(names[t] - sc->s);
		/* Python keeps the last one, and so does this reader; that the
		 * values differ is an error for the graph to report */
		int differed = (seen && !same_reading(v, first)) ||
			       (v->assignments & GMF_VALUE_DIFFERED);
		seen &= ~GMF_VALUE_DIFFERED;
		value_release(v, sc->arena);
		*v = *first;
		v->assignments = (seen + 1) | (differed ? GMF_VALUE_DIFFERED : 0);
		if (t + 1 < nt) {
			/* deep copy for the other targets */
			v->items = NULL;
			v->nitems = 0;
			for (size_t k = 0; k < first->nitems; k++)
				value_push(sc, v, first->items[k].span.off,
					   first->items[k].span.len);
		}
	}
}

/* Does `name =` (another target of a chain, not one of the four) start
 * at p?  `down_revision = x = "a"` would give x's value to both. */
static int chained_with_other(scan *sc, size_t p)
{
	size_t q = p;
	if (q >= sc->len || !is_ident((unsigned char)sc->s[q]) ||
	    (sc->s[q] >= '0' && sc->s[q] <= '9'))
		return 0;
	while (q < sc->len && is_ident((unsigned char)sc->s[q]))
		q++;
	q = skip_ws(sc, q, 0);
	return q < sc->len && sc->s[q] == '=' &&
	       (q + 1 >= sc->len || sc->s[q + 1] != '=');
}

/*
 * An expression in branch_labels still names labels: the elements of a
 * tuple or list (string literals read, anything else kept as its source
 * text, say `cli.CONTRACT_BRANCH`), so the graph knows the revision
 * starts a labelled branch even when it cannot say which.
 */
static void opaque_items(scan *sc, gmf_value *v)
{
	size_t a = v->whole.off, b = v->whole.off + v->whole.len;
	const char *s = sc->s;

	if (b > a + 1 && ((s[a] == '(' && s[b - 1] == ')') ||
			  (s[a] == '[' && s[b - 1] == ']'))) {
		a++;
		b--;
	}
	while (a < b) {
		size_t e = a, co, cl, after, x, y;
		int depth = 0, tri, plain;
		while (e < b) {
			char c = s[e];
			if (c == '"' || c == '\'') {
				if (read_string(sc, e, &co, &cl, &after, &tri, &plain) <= 0)
					return;
				e = after;
				continue;
			}
			if (c == '(' || c == '[' || c == '{')
				depth++;
			else if ((c == ')' || c == ']' || c == '}') && depth)
				depth--;
			else if (c == ',' && !depth)
				break;
			e++;
		}
		x = a;
		y = e;
		while (x < y && strchr(" \t\r\n", s[x]))
			x++;
		while (y > x && strchr(" \t\r\n", s[y - 1]))
			y--;
		if (y > x) {
			if (read_string(sc, x, &co, &cl, &after, &tri, &plain) > 0 &&
			    after == y && !tri && plain)
				value_push(sc, v, co, cl);
			else
				value_push(sc, v, x, y - x);
		}
		a = e + 1;
	}
}

/*
 * Reads the assignment at p, whose first name RX_ASSIGN matched (ov), into
 * its targets.  Returns where the next statement starts.
 */
static size_t take_assignment(scan *sc, gmf_migration *m, size_t p, PCRE2_SIZE *ov)
{
	size_t len = sc->len, next, vpos;
	const char *names[4];
	size_t nlen[4];
	int nt = 0;
	gmf_value first;

	names[nt] = m->data + ov[2];
	nlen[nt++] = ov[3] - ov[2];
	vpos = ov[1];
	/* chained: branch_labels = depends_on = None */
	while (nt < 4 && is_target_name(m->data + vpos, len - vpos) &&
	       rx_match(RX_CHAIN, m->data, len, vpos, 0, &ov)) {
		names[nt] = m->data + ov[2];
		nlen[nt++] = ov[3] - ov[2];
		vpos = ov[1];
	}
	if (chained_with_other(sc, vpos)) {
		diag_set(sc->diag, sline(sc, p), 0,
			 "cannot read `%.*s` here: a chained assignment with a "
			 "name other than revision, down_revision, branch_labels "
			 "or depends_on", (int)nlen[0], names[0]);
		sc->failed = 1;
		return len;
	}
	memset(&first, 0, sizeof(first));
	first.line = sline(sc, p);
	next = parse_value(sc, vpos, &first);
	if (sc->failed) {
		value_release(&first, sc->arena);
		return len;
	}
	assign_targets(sc, m, names, nlen, nt, &first);
	if (sc->failed)
		return len;
	for (int t = 0; t < nt; t++) {
		gmf_value *v = target_of(m, names[t], nlen[t]);
		if (v == &m->branch_labels && v->kind == GMF_VAL_OPAQUE)
			opaque_items(sc, v);
	}
	p = skip_ws(sc, next, 0);
	if (p < len && m->data[p] == ';') {
		/* `revision = "a"; down_revision = None`: go on with the next
		 * statement on the same line */
		p = skip_ws(sc, p + 1, 0);
		if (p < len && m->data[p] != '\n' && m->data[p] != '#' &&
		    m->data[p] != '\r')
			return p;
	}
	p = skip_statement(sc, p, NULL);
	if (p < len)
		p++;
	return p;
}

/* The header docstring, as the statements go by. */
typedef struct {
	int found;        /* taken: a docstring with a `Revision ID:` line */
	int first_taken;  /* first holds the first bare triple-quoted string */
	size_t first[4];  /* its start, content, content length, end */
} doc_state;

/*
 * A string may start a statement at p: a bare triple-quoted one at module
 * level is the header docstring when it has a `Revision ID:` line; the
 * first one is kept for when none has.  -1 for an unterminated string.
 */
static int consider_docstring(scan *sc, gmf_migration *m, size_t p, doc_state *ds)
{
	size_t co, cl, after;
	int tri, plain;
	int r = read_string(sc, p, &co, &cl, &after, &tri, &plain);

	if (r < 0)
		return -1;
	if (r == 0 || !tri || ds->found || !at_statement_end(sc, after))
		return 0;
	if (!ds->first_taken) {
		ds->first_taken = 1;
		ds->first[0] = p;
		ds->first[1] = co;
		ds->first[2] = cl;
		ds->first[3] = after;
	}
	if (header_fields(sc, co, cl, NULL)) {
		take_docstring(sc, m, p, co, cl, after);
		ds->found = 1;
	}
	return 0;
}

/*
 * Walks the module-level statements from p: assignments to the four names
 * and the header docstring.  Once the docstring is found and no line
 * further down starts with one of the names, the rest of the file (the
 * function bodies) need not be walked.
 */
static void scan_statements(scan *sc, gmf_migration *m, size_t p)
{
	size_t len = sc->len, last_candidate = last_candidate_at(m, p);
	doc_state ds;

	memset(&ds, 0, sizeof(ds));
	/* p is always at the start of a statement here */
	while (p < len && !sc->failed) {
		unsigned char c;
		PCRE2_SIZE *ov;

		if (p > last_candidate && ds.found)
			break;
		c = (unsigned char)m->data[p];
		if ((c == 'r' || c == 'd' || c == 'b') && is_target_name(m->data + p, len - p) &&
		    rx_match(RX_ASSIGN, m->data, len, p, 0, &ov)) {
			p = take_assignment(sc, m, p, ov);
			continue;
		}
		if ((c == '"' || c == '\'' || strchr("rRuU", c)) &&
		    consider_docstring(sc, m, p, &ds) < 0)
			break;
		p = skip_statement(sc, p, NULL);
		if (p < len)
			p++;
	}
	if (!sc->failed && !ds.found && ds.first_taken)
		take_docstring(sc, m, ds.first[0], ds.first[1], ds.first[2],
			       ds.first[3]);
}

/* ------------------------------------------------- failing closed */

static const char *const target_names[4] = { "revision", "down_revision",
					     "branch_labels", "depends_on" };

/* Which of the four names (0..3) s[0..n) is, or -1. */
static int target_index(const char *s, size_t n)
{
	static const size_t lens[4] = { 8, 13, 13, 10 }; /* of target_names */
	for (int i = 0; i < 4; i++)
		if (lens[i] == n && !memcmp(s, target_names[i], n))
			return i;
	return -1;
}

/*
 * The ASCII letter a code point passes for: fullwidth forms (which Python
 * folds to ASCII when it normalises identifiers), mathematical letters and
 * the Cyrillic and Greek look-alikes.  0 when none.
 */
static char ascii_lookalike(uint32_t cp)
{
	static const struct { uint32_t cp; char c; } table[] = {
		{ 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043e, 'o' }, { 0x0440, 'p' },
		{ 0x0441, 'c' }, { 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0456, 'i' },
		{ 0x0455, 's' }, { 0x0458, 'j' }, { 0x0501, 'd' }, { 0x04bb, 'h' },
		{ 0x0261, 'g' }, { 0x03bf, 'o' }, { 0x03bd, 'v' }, { 0x03b9, 'i' },
		{ 0x03b1, 'a' }, { 0x03ba, 'k' }, { 0x03c1, 'p' }, { 0x0391, 'A' },
		{ 0x0392, 'B' }, { 0x0395, 'E' }, { 0x039f, 'O' }, { 0x0420, 'P' },
		{ 0x0131, 'i' }, { 0x1d00, 'a' }, { 0x0280, 'r' }, { 0x0274, 'n' },
		{ 0x1d0f, 'o' }, { 0x1d20, 'v' }, { 0x0299, 'b' }, { 0x1d05, 'd' },
		{ 0x1d07, 'e' }, { 0x029f, 'l' }, { 0x0455, 's' }, { 0x2170, 'i' },
		{ 0x217c, 'l' }, { 0x2113, 'l' }, { 0x0269, 'i' }, { 0x057d, 'u' },
		{ 0x0578, 'n' }, { 0xff3f, '_' }, { 0x2017, '_' },
	};
	if (cp >= 0xff21 && cp <= 0xff3a)
		return (char)('A' + (cp - 0xff21));
	if (cp >= 0xff41 && cp <= 0xff5a)
		return (char)('a' + (cp - 0xff41));
	if (cp >= 0xff10 && cp <= 0xff19)
		return (char)('0' + (cp - 0xff10));
	if (cp >= 0x1d400 && cp <= 0x1d6a3) {
		uint32_t k = (cp - 0x1d400) % 52;
		return (char)(k < 26 ? 'A' + k : 'a' + (k - 26));
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].cp == cp)
			return table[i].c;
	return 0;
}

/* The identifier s[0..n) with every look-alike replaced by its ASCII
 * letter, into out (at most outsz - 1 bytes); 0 when it does not fit or
 * holds a character that passes for none. */
static int skeleton(const unsigned char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k;
		char c;
		if (s[i] < 0x80) {
			c = (char)s[i++];
		} else {
			k = s[i] >= 0xf0 ? 3 : s[i] >= 0xe0 ? 2 : 1;
			cp = s[i] & (0x3f >> k);
			for (size_t j = 1; j <= k && i + j < n; j++)
				cp = (cp << 6) | (s[i + j] & 0x3f);
			i += k + 1;
			if (!(c = ascii_lookalike(cp)))
				return 0;
		}
		if (o + 1 >= outsz)
			return 0;
		out[o++] = c;
	}
	out[o] = '\0';
	return 1;
}

static int was_read(const scan *sc, size_t off)
{
	for (size_t i = 0; i < sc->nknown; i++)
		if (sc->known[i] == off)
			return 1;
	return 0;
}

/* The word that ends just before p (blanks skipped), as [*a, p'). */
static size_t word_before(const scan *sc, size_t p, size_t floor, size_t *a)
{
	while (p > floor && (sc->s[p - 1] == ' ' || sc->s[p - 1] == '\t'))
		p--;
	*a = p;
	while (*a > floor && is_ident((unsigned char)sc->s[*a - 1]))
		(*a)--;
	return p - *a;
}

static int word_is(const scan *sc, size_t a, size_t n, const char *w)
{
	/* a shorter w differs at its NUL (the n bytes are code, not NUL);
	 * then w[n] is in bounds and ends one as long */
	for (size_t i = 0; i < n; i++)
		if (w[i] != sc->s[a + i])
			return 0;
	return w[n] == '\0';
}

/* An augmented assignment operator (`+=`, `//=`, `>>=`...) at p? */
static int augmented_at(const scan *sc, size_t p)
{
	static const char *const ops[] = { "**=", "//=", ">>=", "<<=", "+=", "-=",
					   "*=", "/=", "%=", "&=", "|=", "^=", "@=" };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i]);
		if (p + n <= sc->len && !memcmp(sc->s + p, ops[i], n) &&
		    (p + n >= sc->len || sc->s[p + n] != '='))
			return 1;
	}
	return 0;
}

/* A plain `=` (not `==`, `<=`, `+=`, ...) at p. */
static int plain_equals_at(const scan *sc, size_t p)
{
	if (sc->s[p] != '=' || (p + 1 < sc->len && sc->s[p + 1] == '='))
		return 0;
	return !p || !strchr("=!<>:+-*/%&|^@", sc->s[p - 1]);
}

/* One statement of the walk below, with where the four names occur. */
typedef struct {
	size_t start;       /* first code byte */
	int indented;       /* inside a block: indented, or after `if x:` */
	int semicolon;      /* after a `;` */
	int compound;       /* starts with if/for/with/def/...: `:` ends it */
	int scope;          /* starts with def or class: opens a new scope */
	int in_function;    /* inside a def or class body: a local name */
	size_t last_eq;     /* the last plain `=` at depth 0, or (size_t)-1 */
	int neq;            /* how many */
	size_t occ[8];      /* offsets of the names at depth 0 */
	int nocc;
} stmt;

/* Does the file declare `global NAME` anywhere (code or not: a false
 * "yes" only makes the check stricter)? */
static int declares_global(const scan *sc, const char *name)
{
	size_t nl = strlen(name);
	for (size_t p = 0; p + 7 + nl <= sc->len; p++) {
		size_t q;
		if (memcmp(sc->s + p, "global", 6) || (p && is_ident((unsigned char)sc->s[p - 1])) ||
		    is_ident((unsigned char)sc->s[p + 6]))
			continue;
		for (q = p + 6; q < sc->len && sc->s[q] != '\n'; q++)
			if (!memcmp(sc->s + q, name, nl < sc->len - q ? nl : sc->len - q) &&
			    q + nl <= sc->len && !is_ident((unsigned char)sc->s[q - 1]) &&
			    (q + nl == sc->len || !is_ident((unsigned char)sc->s[q + nl])))
				return 1;
	}
	return 0;
}

static int fail_here(scan *sc, size_t off, const char *name, const char *why)
{
	diag_set(sc->diag, sline(sc, off), 0, "cannot read `%s` here: %s", name, why);
	sc->failed = 1;
	return GMF_EPARSE;
}

/* Decides, at the end of a statement, whether it binds one of the four
 * names in a way take_assignment did not read. */
static int judge_stmt(scan *sc, const stmt *st)
{
	for (int i = 0; i < st->nocc; i++) {
		size_t off = st->occ[i], a, n, q;
		int t;
		const char *why = NULL;
		for (q = off; q < sc->len && is_ident((unsigned char)sc->s[q]); q++)
			;
		t = target_index(sc->s + off, q - off);
		if (was_read(sc, off))
			continue;
		/* a name bound inside a function or class body is that scope's
		 * own, not the module attribute Alembic reads, unless the file
		 * declares it global */
		if (st->in_function && !declares_global(sc, target_names[t]))
			continue;
		n = word_before(sc, off, st->start, &a);
		q = skip_ws(sc, q, 0);
		if (q < sc->len && augmented_at(sc, q))
			why = "an augmented assignment (Alembic reads the result)";
		else if ((word_is(sc, st->start, 4, "from") &&
			  !is_ident((unsigned char)sc->s[st->start + 4])) ||
			 (word_is(sc, st->start, 6, "import") &&
			  !is_ident((unsigned char)sc->s[st->start + 6])))
			why = "imported";
		else if (word_is(sc, st->start, 3, "del") &&
			 !is_ident((unsigned char)sc->s[st->start + 3]))
			why = "deleted with `del`";
		else if (n && (word_is(sc, a, n, "as") || word_is(sc, a, n, "import") ||
			       word_is(sc, a, n, "for") || word_is(sc, a, n, "def") ||
			       word_is(sc, a, n, "class")))
			why = "bound by import, `as`, `for`, def or class";
		else if (st->neq && off < st->last_eq) {
			if (st->indented)
				why = "assigned inside a block (if, try, with, for, "
				      "while or a function)";
			else if (st->semicolon)
				why = "assigned after `;`";
			else if (st->neq > 1)
				why = "a chained assignment with another name";
			else
				why = "a tuple or other compound assignment";
		}
		if (why)
			return fail_here(sc, off, target_names[t], why);
	}
	return 0;
}

static const char *const compound_words[] = {
	"if", "elif", "else", "try", "except", "finally", "with", "for",
	"while", "def", "class", "async", NULL
};

/* Starts a statement at p (the first code byte). */
static void stmt_begin(scan *sc, stmt *st, size_t p, int indented, int semicolon)
{
	size_t q = p;
	memset(st, 0, sizeof(*st));
	st->start = p;
	st->indented = indented;
	st->semicolon = semicolon;
	st->last_eq = (size_t)-1;
	while (q < sc->len && is_ident((unsigned char)sc->s[q]))
		q++;
	/* most statements start with another word: their first letter
	 * says so at once */
	if (q - p < 2 || q - p > 7 || !strchr("acdefitw", sc->s[p]))
		return;
	for (int i = 0; compound_words[i]; i++)
		if (word_is(sc, p, q - p, compound_words[i]))
			st->compound = 1;
	if (word_is(sc, p, q - p, "def") || word_is(sc, p, q - p, "class"))
		st->scope = 1;
	else if (word_is(sc, p, q - p, "async")) {
		size_t r = q;
		while (r < sc->len && (sc->s[r] == ' ' || sc->s[r] == '\t'))
			r++;
		st->scope = r + 3 <= sc->len && !memcmp(sc->s + r, "def", 3);
	}
}

/* The width of the indentation from p to q (a tab to the next multiple of
 * 8, as Python counts it). */
static size_t indent_width(const scan *sc, size_t p, size_t q)
{
	size_t w = 0;
	for (; p < q; p++)
		w = sc->s[p] == '\t' ? (w / 8 + 1) * 8 : w + 1;
	return w;
}

static int conflict_marker_at(const scan *sc, size_t p)
{
	static const char *const marks[] = { "<<<<<<<", "=======", ">>>>>>>", "|||||||" };
	for (int i = 0; i < 4; i++)
		if (p + 7 <= sc->len && !memcmp(sc->s + p, marks[i], 7) &&
		    (p + 7 == sc->len || sc->s[p + 7] != marks[i][0]))
			return 1;
	return 0;
}

/*
 * A `<<<<<<<` line with a `>>>>>>>` line after it, both in column 0: a
 * merge left unfinished (git's markers; Python cannot load the file).
 * Looked for before anything else, so the two sides' assignments are not
 * what gets reported.  The line of the first marker, or 0.
 */
static unsigned conflict_markers(scan *sc, size_t p)
{
	size_t open = (size_t)-1;
	while (p < sc->len) {
		const char *nl = memchr(sc->s + p, '\n', sc->len - p);
		if (sc->s[p] == '<' && open == (size_t)-1 &&
		    p + 7 <= sc->len && !memcmp(sc->s + p, "<<<<<<<", 7))
			open = p;
		else if (sc->s[p] == '>' && open != (size_t)-1 &&
			 p + 7 <= sc->len && !memcmp(sc->s + p, ">>>>>>>", 7))
			return sline(sc, open);
		if (!nl)
			break;
		p = (size_t)(nl - sc->s) + 1;
	}
	return 0;
}

/*
 * The whole file, token by token (strings, comments and brackets
 * understood): every place the four names are bound other than the plain
 * module-level assignments take_assignment read, every identifier that
 * only looks like one of them, and unresolved conflict markers, are
 * errors.  Alembic would see another value there, or not load the file;
 * a checker that said "ok" would be guessing.  0 or GMF_EPARSE.
 */
static int check_bindings(scan *sc, size_t p)
{
	const char *s = sc->s;
	size_t len = sc->len;
	int depth = 0, line_start = 1;
	stmt st;

	size_t scopes[64]; /* indentation of the enclosing def and class lines */
	int nscopes = 0;

	memset(&st, 0, sizeof(st));
	st.last_eq = (size_t)-1;
	while (p < len) {
		unsigned char c = (unsigned char)s[p];
		if (!line_start && (!binding[c] || (binding[c] == 2 && p && is_ident(s[p - 1])))) {
			/* nothing the chain below acts on (its last case is p++) */
			do {
				while (++p < len && !binding[(unsigned char)s[p]])
					;
			} while (p < len && binding[(unsigned char)s[p]] == 2 && is_ident(s[p - 1]));
			continue;
		}
		if (line_start && depth == 0) {
			size_t q = p;
			while (q < len && (s[q] == ' ' || s[q] == '\t' || s[q] == '\f'))
				q++;
			if (q < len && (s[q] == '\n' || s[q] == '\r' || s[q] == '#')) {
				p = q;
				line_start = 0;
				continue;
			}
			if (q == p && conflict_marker_at(sc, p)) {
				diag_set(sc->diag, sline(sc, p), 0,
					 "unresolved conflict markers: finish the merge "
					 "(Python cannot load this file)");
				sc->failed = 1;
				return GMF_EPARSE;
			}
			{
				size_t w = indent_width(sc, p, q);
				while (nscopes && scopes[nscopes - 1] >= w)
					nscopes--;
				stmt_begin(sc, &st, q, q > p, 0);
				st.in_function = nscopes > 0;
				if (st.scope && nscopes < 64)
					scopes[nscopes++] = w;
			}
			line_start = 0;
			p = q;
			continue;
		}
		if (c == '#') {
			const char *nl = memchr(s + p, '\n', len - p);
			p = nl ? (size_t)(nl - s) : len;
			continue;
		}
		if (c == '"' || c == '\'') {
			size_t co, cl, after;
			int tri, plain;
			if (read_string(sc, p, &co, &cl, &after, &tri, &plain) < 0)
				return GMF_EPARSE;
			p = after;
			continue;
		}
		if (c == '\\' && p + 1 < len && (s[p + 1] == '\n' || s[p + 1] == '\r')) {
			p += s[p + 1] == '\r' ? 3 : 2;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			depth++;
		} else if ((c == ')' || c == ']' || c == '}') && depth) {
			depth--;
		} else if (c == '\n' && depth == 0) {
			if (judge_stmt(sc, &st) < 0)
				return GMF_EPARSE;
			st.nocc = st.neq = 0;
			st.last_eq = (size_t)-1;
			line_start = 1;
		} else if (depth == 0 && (c == ';' ||
					  (c == ':' && st.compound &&
					   (p + 1 >= len || s[p + 1] != '=')))) {
			size_t q = skip_ws(sc, p + 1, 0);
			if (judge_stmt(sc, &st) < 0)
				return GMF_EPARSE;
			if (q < len && s[q] != '\n' && s[q] != '\r' && s[q] != '#') {
				int in_function = st.in_function || (c == ':' && st.scope);
				stmt_begin(sc, &st, q, st.indented || c == ':', c == ';' || st.semicolon);
				st.in_function = in_function;
			} else
				st.nocc = 0;
			p = q;
			continue;
		} else if (depth == 0 && c == '=' && plain_equals_at(sc, p)) {
			st.last_eq = p;
			st.neq++;
		} else if ((c == 'r' || c == 'd' || c == 'b' || c >= 0x80) &&
			   (!p || !is_ident((unsigned char)s[p - 1]))) {
			size_t q = p, b;
			int ascii = 1, t;
			char sk[32];
			while (q < len && is_ident((unsigned char)s[q])) {
				ascii &= (unsigned char)s[q] < 0x80;
				q++;
			}
			t = ascii ? target_index(s + p, q - p) : -1;
			if (!ascii && skeleton((const unsigned char *)s + p, q - p, sk,
					       sizeof(sk)) &&
			    (t = target_index(sk, strlen(sk))) >= 0) {
				diag_set(sc->diag, sline(sc, p), 0,
					 "cannot read `%s` here: the name `%.*s` only "
					 "looks like it (a homoglyph)",
					 target_names[t], (int)(q - p), s + p);
				sc->failed = 1;
				return GMF_EPARSE;
			}
			b = p;
			while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
				b--;
			if (t >= 0 && (b == 0 || s[b - 1] != '.')) {
				size_t r = skip_ws(sc, q, depth > 0);
				if (r + 1 < len && s[r] == ':' && s[r + 1] == '=')
					return fail_here(sc, p, target_names[t],
							 "assigned with `:=`");
				if (depth == 0 && st.nocc < 8)
					st.occ[st.nocc++] = p;
			}
			p = q;
			continue;
		}
		p++;
	}
	return judge_stmt(sc, &st);
}

/* What must be a literal for the graph to be built.  0 or GMF_EPARSE. */
static int check_values(const gmf_migration *m, gmf_diag *diag)
{
	if (m->revision.kind == GMF_VAL_MISSING) {
		diag_set(diag, 0, 0, "no module-level `revision = \"...\"` assignment");
		return GMF_EPARSE;
	}
	if (m->revision.kind != GMF_VAL_STRING) {
		diag_set(diag, m->revision.line, 0,
			 "`revision` is not a string literal");
		return GMF_EPARSE;
	}
	if (m->down_revision.kind == GMF_VAL_OPAQUE) {
		diag_set(diag, m->down_revision.line, 0,
			 "`down_revision` is an expression, not a literal "
			 "(a string, a tuple of strings, or None)");
		return GMF_EPARSE;
	}
	return 0;
}

/* Parses buf (len bytes plus a NUL), which the migration takes over.
 * What this gives for a file is remembered by the parse cache (cache.h):
 * a change to it must bump GMF_CACHE_FORMAT, or old entries stay valid. */
static int parse_owned(gmf_migration *m, gmf_arena *arena, const char *path,
		       char *buf, size_t len, gmf_diag *diag)
{
	scan sc;
	size_t start;
	unsigned line;
	int rc;

	memset(m, 0, sizeof(*m));
	if (diag)
		memset(diag, 0, sizeof(*diag));
	if ((rc = rx_init()) < 0) {
		diag_set(diag, 0, 1, "%s", gmf_error_last());
		free(buf);
		return rc;
	}
	take_file(m, arena, path, buf, len);
	scan_init(&sc, m, diag);
	if ((rc = check_bytes(&sc, m)) < 0)
		return rc;
	start = read_marks(m);
	if ((line = conflict_markers(&sc, start)) != 0) {
		diag_set(diag, line, 0, "unresolved conflict markers: finish the "
			 "merge (Python cannot load this file)");
		return GMF_EPARSE;
	}
	scan_statements(&sc, m, start);
	if (!sc.failed)
		check_bindings(&sc, start);
	free(sc.known);
	if (sc.failed)
		return GMF_EPARSE;
	return check_values(m, diag);
}

int gmf_migration_read(gmf_migration *m, const char *path, gmf_diag *diag)
{
	return gmf_migration_readat_in(m, NULL, AT_FDCWD, path, path, diag);
}

int gmf_migration_readat(gmf_migration *m, int dirfd, const char *name,
			 const char *path, gmf_diag *diag)
{
	return gmf_migration_readat_in(m, NULL, dirfd, name, path, diag);
}

int gmf_migration_readat_in(gmf_migration *m, gmf_arena *arena, int dirfd,
			    const char *name, const char *path, gmf_diag *diag)
{
	return gmf_migration_readat_st(m, arena, dirfd, name, path, diag, NULL);
}

int gmf_migration_read_bytes(int dirfd, const char *name, const char *path, char **out,
			     size_t *out_len, struct stat *st_out, gmf_diag *diag)
{
	int fd;
	struct stat st;
	char *buf;
	size_t cap, len = 0;

	*out = NULL;
	*out_len = 0;
	if (diag)
		memset(diag, 0, sizeof(*diag));
	fd = openat(dirfd, name, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diag_set(diag, 0, 1, "cannot open: %s", strerror(errno));
		return gmf_error_set_errno(GMF_EIO, path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_set(diag, 0, 1, "not a regular file");
		close(fd);
		return gmf_error_set(GMF_EIO, "%s: not a regular file", path);
	}
	if ((unsigned long long)st.st_size > MAX_FILE_SIZE) {
		diag_set(diag, 0, 1, "file too large (%lld bytes; the limit is %u)",
			 (long long)st.st_size, MAX_FILE_SIZE);
		close(fd);
		return gmf_error_set(GMF_EIO, "%s: file too large", path);
	}
	if (st_out)
		*st_out = st;
	/* one read of the size fstat gave, into the buffer the migration keeps;
	 * the loop copes with a file that grows meanwhile */
	cap = (size_t)st.st_size + 1;
	buf = gmf_xmalloc(cap + 1);
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			diag_set(diag, 0, 1, "read error: %s", strerror(errno));
			close(fd);
			free(buf);
			return gmf_error_set_errno(GMF_EIO, path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* as big as fstat said: done, without a read that returns 0 */
		if (len == (size_t)st.st_size && st.st_size > 0)
			break;
		if (len == cap) {
			if (cap > MAX_FILE_SIZE) {
				diag_set(diag, 0, 1, "file too large");
				close(fd);
				free(buf);
				return gmf_error_set(GMF_EIO, "%s: file too large", path);
			}
			cap *= 2;
			buf = gmf_xrealloc(buf, cap + 1);
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int gmf_migration_parse_taking(gmf_migration *m, gmf_arena *arena, const char *path,
			       char *buf, size_t len, gmf_diag *diag)
{
	int rc = parse_owned(m, arena, path, buf, len, diag);
	if (rc < 0 && diag)
		gmf_error_set(rc, "%s:%u: %s", path, diag->line, diag->message);
	return rc;
}

int gmf_migration_readat_st(gmf_migration *m, gmf_arena *arena, int dirfd,
			    const char *name, const char *path, gmf_diag *diag,
			    struct stat *st_out)
{
	char *buf;
	size_t len;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = gmf_migration_read_bytes(dirfd, name, path, &buf, &len, st_out, diag)) < 0)
		return rc;
	return gmf_migration_parse_taking(m, arena, path, buf, len, diag);
}

void gmf_migration_drop_data(gmf_migration *m)
{
	free(m->data);
	m->data = NULL;
}

/* The parts a rewrite relies on are the same in both readings. */
static int same_value(const gmf_value *a, const gmf_value *b)
{
	if (a->kind != b->kind || a->nitems != b->nitems ||
	    a->whole.off != b->whole.off || a->whole.len != b->whole.len)
		return 0;
	for (size_t i = 0; i < a->nitems; i++)
		if (a->items[i].span.off != b->items[i].span.off ||
		    strcmp(a->items[i].text, b->items[i].text))
			return 0;
	return 1;
}

static int same_field(const gmf_header_field *a, const gmf_header_field *b)
{
	return a->present == b->present &&
	       (!a->present || (a->value.off == b->value.off && a->value.len == b->value.len));
}

int gmf_migration_load_data(gmf_migration *m)
{
	return gmf_migration_load_data_st(m, NULL);
}

int gmf_migration_load_data_st(gmf_migration *m, struct stat *st)
{
	gmf_migration again;
	gmf_diag diag;
	int rc;

	if (st)
		memset(st, 0, sizeof(*st));
	if (m->data)
		return 0;
	rc = gmf_migration_readat_st(&again, NULL, AT_FDCWD, m->path, m->path, &diag, st);
	if (rc == 0 && (again.size != m->size || !same_value(&again.revision, &m->revision) ||
			!same_value(&again.down_revision, &m->down_revision) ||
			!same_value(&again.depends_on, &m->depends_on) ||
			!same_field(&again.hdr_revision, &m->hdr_revision) ||
			!same_field(&again.hdr_revises, &m->hdr_revises)))
		rc = gmf_error_set(GMF_ECONFLICT, "'%s' changed while git-migrate-fix was "
				   "running; run it again", m->path);
	if (rc == 0) {
		m->data = again.data;
		again.data = NULL;
	}
	gmf_migration_release(&again);
	return rc;
}

void gmf_migration_release(gmf_migration *m)
{
	gmf_arena *a = m->arena;
	value_release(&m->revision, a);
	value_release(&m->down_revision, a);
	value_release(&m->branch_labels, a);
	value_release(&m->depends_on, a);
	if (!a) { /* an arena frees its strings all at once */
		free(m->path);
		free(m->stem);
		free(m->message);
		free(m->hdr_revision.text);
		free(m->hdr_revises.text);
		free(m->hdr_date.text);
		for (size_t i = 0; i < m->hdr_nrevises; i++)
			free(m->hdr_revises_ids[i]);
		free(m->hdr_revises_ids);
	}
	free(m->data);
	memset(m, 0, sizeof(*m));
}

/* The ASCII punctuation an id must not hold, as two 64-bit masks (every
 * id of a project is checked: one test per byte, not a strchr). */
#define ID_BIT(c) (1ull << ((unsigned)(c) & 63u))
static const uint64_t id_unsafe_lo =
	ID_BIT('/') | ID_BIT('\'') | ID_BIT('"') | ID_BIT('-') | ID_BIT('+') | ID_BIT(':') |
	ID_BIT('$') | ID_BIT(';') | ID_BIT('&') | ID_BIT('<') | ID_BIT('>') | ID_BIT('*') |
	ID_BIT('?') | ID_BIT('!') | ID_BIT('(') | ID_BIT(')') | ID_BIT(',') | ID_BIT('#');
static const uint64_t id_unsafe_hi =
	ID_BIT('\\') | ID_BIT('@') | ID_BIT('`') | ID_BIT('|') | ID_BIT('{') | ID_BIT('}') |
	ID_BIT('[') | ID_BIT(']');

int gmf_revision_id_is_safe(const char *id)
{
	const unsigned char *p = (const unsigned char *)id;
	if (!*p)
		return 0;
	for (; *p; p++) {
		if (*p < 0x21 || *p == 0x7f)
			return 0;
		if (*p < 64 ? (id_unsafe_lo & ID_BIT(*p)) : *p < 128 && (id_unsafe_hi & ID_BIT(*p)))
			return 0;
		if (*p == '.' && p[1] == '.')
			return 0;
	}
	return 1;
}

/* ------------------------------------------- names in branch_labels */

/*
 * A migration may write `branch_labels = (cli.CONTRACT_BRANCH,)`: the label
 * is a constant of another module of the project.  Nothing is imported:
 * the migration's own module-level imports say which module the name
 * comes from, and that module's file is read for one top-level
 * `NAME = "literal"`.  Whatever else could bind the name (a second
 * assignment, an import, a loop, `global`, a star import) leaves it
 * unread: a label that cannot be read still counts as a label.
 */

static void scan_bytes(scan *sc, const char *buf, size_t len, gmf_diag *diag)
{
	memset(sc, 0, sizeof(*sc));
	sc->s = buf;
	sc->len = len;
	sc->diag = diag;
	sc->line_no = 1;
}

/* Skips blanks, newlines, comments and continuations (inside a statement
 * already cut at its end, newlines only occur inside brackets). */
static size_t tok_ws(scan *sc, size_t p, size_t end)
{
	while (p < end) {
		char c = sc->s[p];
		if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n' ||
		    c == '\\') {
			p++;
			continue;
		}
		if (c == '#') {
			while (p < end && sc->s[p] != '\n')
				p++;
			continue;
		}
		break;
	}
	return p;
}

/* An identifier, or a dotted name when dotted (leading dots of a relative
 * import included), at p: its end, or p when there is none. */
static size_t tok_name(scan *sc, size_t p, size_t end, int dotted)
{
	size_t q = p;
	while (q < end && (is_ident((unsigned char)sc->s[q]) ||
			   (dotted && sc->s[q] == '.')))
		q++;
	return q;
}

static int tok_is(scan *sc, size_t a, size_t b, const char *w)
{
	return b - a == strlen(w) && !memcmp(sc->s + a, w, b - a);
}

typedef struct {
	const char *head;  /* the name looked for */
	size_t nhead;
	char *target;      /* what the last import binding it names, or NULL */
	int bound;         /* bound by an import (-1: bound two different ways) */
	int star;          /* a `from x import *` */
} import_look;

static void import_bind(import_look *l, scan *sc, size_t na, size_t nb, const char *target,
			size_t tlen)
{
	if (nb - na != l->nhead || memcmp(sc->s + na, l->head, l->nhead))
		return;
	if (l->bound && (!l->target || !target || strlen(l->target) != tlen ||
			 memcmp(l->target, target, tlen))) {
		l->bound = -1;
		return;
	}
	if (!l->bound) {
		l->bound = 1;
		l->target = target ? gmf_xstrndup(target, tlen) : NULL;
	}
}

/* One module-level `import ...` or `from ... import ...` in [p, end). */
static void import_stmt(import_look *l, scan *sc, size_t p, size_t end)
{
	size_t a = p, b = tok_name(sc, p, end, 0), ma, mb, na, nb;
	gmf_strbuf t = GMF_STRBUF_INIT;

	if (tok_is(sc, a, b, "import")) {
		for (p = b;;) {
			size_t dot;
			ma = tok_ws(sc, p, end);
			mb = tok_name(sc, ma, end, 1);
			if (mb == ma)
				break;
			p = tok_ws(sc, mb, end);
			na = tok_name(sc, p, end, 0);
			if (tok_is(sc, p, na, "as")) {
				p = tok_ws(sc, na, end);
				nb = tok_name(sc, p, end, 0);
				import_bind(l, sc, p, nb, sc->s + ma, mb - ma);
				p = tok_ws(sc, nb, end);
			} else {
				/* `import a.b` binds a, which names the package a */
				for (dot = ma; dot < mb && sc->s[dot] != '.'; dot++)
					;
				import_bind(l, sc, ma, dot, sc->s + ma, dot - ma);
			}
			if (p >= end || sc->s[p] != ',')
				break;
			p++;
		}
		return;
	}
	if (!tok_is(sc, a, b, "from"))
		return;
	ma = tok_ws(sc, b, end);
	mb = tok_name(sc, ma, end, 1);
	p = tok_ws(sc, mb, end);
	na = tok_name(sc, p, end, 0);
	if (mb == ma || !tok_is(sc, p, na, "import"))
		return;
	p = tok_ws(sc, na, end);
	if (p < end && sc->s[p] == '*') {
		l->star = 1;
		return;
	}
	if (p < end && sc->s[p] == '(')
		p++;
	for (;;) {
		size_t n0 = tok_ws(sc, p, end), n1 = tok_name(sc, n0, end, 0);
		if (n1 == n0)
			break;
		gmf_strbuf_reset(&t);
		gmf_strbuf_add(&t, sc->s + ma, mb - ma);
		gmf_strbuf_addch(&t, '.');
		gmf_strbuf_add(&t, sc->s + n0, n1 - n0);
		/* a relative import (`from . import x`) names no module we can
		 * find: the name is bound, to nothing */
		p = tok_ws(sc, n1, end);
		nb = tok_name(sc, p, end, 0);
		if (tok_is(sc, p, nb, "as")) {
			na = tok_ws(sc, nb, end);
			nb = tok_name(sc, na, end, 0);
			p = tok_ws(sc, nb, end);
		} else {
			na = n0;
			nb = n1;
		}
		import_bind(l, sc, na, nb, sc->s[ma] == '.' ? NULL : t.buf, t.len);
		if (p >= end || sc->s[p] != ',')
			break;
		p++;
	}
	gmf_strbuf_release(&t);
}

/* Calls fn for each statement starting in column 0, [start, code end);
 * -1 when the file cannot be walked (an unterminated string). */
static int each_toplevel(scan *sc, void (*fn)(void *, scan *, size_t, size_t), void *data)
{
	size_t p = 0;
	while (p < sc->len) {
		size_t end, code_end = p;
		char c = sc->s[p];
		int col0 = c != ' ' && c != '\t' && c != '\f' && c != '\n' && c != '\r' &&
			   c != '#';
		end = skip_statement(sc, p, &code_end);
		if (sc->failed)
			return -1;
		if (col0 && code_end > p)
			fn(data, sc, p, code_end);
		p = end < sc->len ? end + 1 : end;
	}
	return 0;
}

static void import_cb(void *data, scan *sc, size_t p, size_t end)
{
	import_stmt(data, sc, p, end);
}

int gmf_reader_name_source(const char *buf, size_t len, const char *expr, char **module,
			   char **name)
{
	scan sc;
	gmf_diag diag;
	import_look l;
	const char *dot = strchr(expr, '.'), *last = strrchr(expr, '.');
	gmf_strbuf full = GMF_STRBUF_INIT;
	int ok = 0;

	*module = *name = NULL;
	for (const char *c = expr; *c; c++)
		if (!is_ident((unsigned char)*c) && *c != '.')
			return 0;
	if (!*expr || expr[0] == '.' || (expr[0] >= '0' && expr[0] <= '9') ||
	    (last && !last[1]) || strstr(expr, ".."))
		return 0;
	memset(&l, 0, sizeof(l));
	l.head = expr;
	l.nhead = dot ? (size_t)(dot - expr) : strlen(expr);
	scan_bytes(&sc, buf, len, &diag);
	if (rx_init() < 0 || each_toplevel(&sc, import_cb, &l) < 0 || l.bound < 0)
		goto out;
	if (!l.bound) {
		/* not imported: the migration's own constant, unless a star
		 * import may have brought it */
		if (dot || l.star)
			goto out;
		*name = gmf_xstrdup(expr);
		ok = 1;
		goto out;
	}
	if (!l.target)
		goto out;
	gmf_strbuf_adds(&full, l.target);
	if (dot)
		gmf_strbuf_adds(&full, dot);
	last = strrchr(full.buf, '.');
	if (!last)
		goto out;
	*module = gmf_xstrndup(full.buf, (size_t)(last - full.buf));
	*name = gmf_xstrdup(last + 1);
	ok = 1;
out:
	free(l.target);
	gmf_strbuf_release(&full);
	return ok;
}

/* Binding keywords: a name after one of them (or in their statement)
 * is bound there, not only used. */
static int binds_all(scan *sc, size_t a, size_t b)
{
	return tok_is(sc, a, b, "import") || tok_is(sc, a, b, "from") ||
	       tok_is(sc, a, b, "global") || tok_is(sc, a, b, "nonlocal") ||
	       tok_is(sc, a, b, "del");
}

static int binds_next(scan *sc, size_t a, size_t b)
{
	return tok_is(sc, a, b, "as") || tok_is(sc, a, b, "def") ||
	       tok_is(sc, a, b, "class") || tok_is(sc, a, b, "for");
}

/* Does an assignment operator (`=`, `:=`, `+=`, `<<=` ...) start at p? */
static int assigns_at(scan *sc, size_t p)
{
	const char *s = sc->s;
	size_t n = sc->len, q = p;
	if (q < n && s[q] == '=')
		return q + 1 >= n || s[q + 1] != '=';
	if (q + 1 < n && s[q] == ':' && s[q + 1] == '=')
		return 1;
	if (q + 1 < n && strchr("+-*/%&|^@", s[q]) && s[q + 1] == '=')
		return 1;
	if (q + 2 < n && strchr("*/<>", s[q]) && s[q + 1] == s[q] && s[q + 2] == '=')
		return 1;
	return 0;
}

/* A string prefix (`r`, `b`, `rb`, `f` ...) and its quote at p. */
static int string_prefix_at(const char *buf, size_t len, size_t p)
{
	size_t q = p;
	if (p && is_ident((unsigned char)buf[p - 1]))
		return 0;
	while (q < len && q - p < 2 && strchr("rRbBuUfF", buf[q]) && buf[q])
		q++;
	return q > p && q < len && (buf[q] == '"' || buf[q] == '\'');
}

int gmf_reader_string_constant(const char *buf, size_t len, const char *name, char **value,
			       unsigned *line)
{
	scan sc;
	gmf_diag diag;
	size_t p = 0, nlen = strlen(name), stmt_first = 0;
	int depth = 0, at_start = 1, col0 = 0, found = 0, bad = 0, all_bind = 0, next_bind = 0;
	int semi = 0;

	*value = NULL;
	if (line)
		*line = 0;
	scan_bytes(&sc, buf, len, &diag);
	while (p < len && !bad) {
		unsigned char c = (unsigned char)buf[p];
		if (at_start && depth == 0) {
			size_t q = p;
			while (q < len && (buf[q] == ' ' || buf[q] == '\t' || buf[q] == '\f'))
				q++;
			col0 = q == p && !semi;
			semi = 0;
			at_start = 0;
			all_bind = 0;
			next_bind = 0;
			stmt_first = q;
			p = q;
			continue;
		}
		if (c == '#') {
			while (p < len && buf[p] != '\n')
				p++;
			continue;
		}
		if (c == '"' || c == '\'' || string_prefix_at(buf, len, p)) {
			size_t co, cl, after;
			int tri, plain;
			if (read_string(&sc, p, &co, &cl, &after, &tri, &plain) <= 0)
				break;
			p = after;
			continue;
		}
		if (c == '\\' && p + 1 < len && (buf[p + 1] == '\n' || buf[p + 1] == '\r')) {
			p += 2;
			continue;
		}
		if (is_ident(c) && !(c >= '0' && c <= '9')) {
			size_t q = p, b = p;
			while (q < len && is_ident((unsigned char)buf[q]))
				q++;
			while (b > 0 && (buf[b - 1] == ' ' || buf[b - 1] == '\t'))
				b--;
			if (q - p == nlen && !memcmp(buf + p, name, nlen) &&
			    (b == 0 || buf[b - 1] != '.')) {
				size_t r = skip_ws(&sc, q, depth > 0);
				if (col0 && depth == 0 && p == stmt_first) {
					/* NAME = "literal" (an annotation allowed) */
					size_t v = r, co, cl, after;
					int tri, plain;
					if (v < len && buf[v] == ':' && (v + 1 >= len || buf[v + 1] != '='))
						while (v < len && buf[v] != '=' && buf[v] != '\n')
							v++;
					if (v < len && buf[v] == '=' && assigns_at(&sc, v)) {
						v = skip_ws(&sc, v + 1, 0);
						if (read_string(&sc, v, &co, &cl, &after, &tri, &plain) > 0 &&
						    !tri && plain && at_statement_end(&sc, after) &&
						    !memchr(buf + co, '\\', cl) &&
						    (after >= len || buf[skip_ws(&sc, after, 0)] != ';')) {
							if (*value && (strlen(*value) != cl ||
								       memcmp(*value, buf + co, cl)))
								bad = 1;
							if (!*value) {
								*value = gmf_xstrndup(buf + co, cl);
								if (line)
									*line = gmf_line_of(buf, len, p);
							}
							found = 1;
							p = after;
							continue;
						}
					}
					bad = 1;
				} else if (p == stmt_first || all_bind || next_bind ||
					   assigns_at(&sc, r)) {
					bad = 1;
				}
			}
			if (p == stmt_first && binds_all(&sc, p, q))
				all_bind = 1;
			next_bind = binds_next(&sc, p, q);
			if (p == stmt_first && tok_is(&sc, p, q, "for"))
				all_bind = 1; /* up to its `in` */
			if (all_bind && depth == 0 && tok_is(&sc, p, q, "in") &&
			    tok_is(&sc, stmt_first, stmt_first + 3, "for"))
				all_bind = 0;
			if (p == stmt_first && col0 && tok_is(&sc, p, q, "from")) {
				size_t s2 = q;
				/* `from x import *` may bind anything */
				while (s2 < len && buf[s2] != '\n' && buf[s2] != '*')
					s2++;
				if (s2 < len && buf[s2] == '*')
					bad = 1;
			}
			p = q;
			continue;
		}
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if ((c == ')' || c == ']' || c == '}') && depth)
			depth--;
		else if (c == '\n' && depth == 0)
			at_start = 1;
		else if (c == ';' && depth == 0)
			at_start = semi = 1;
		p++;
	}
	if (bad || sc.failed || !found) {
		free(*value);
		*value = NULL;
		return 0;
	}
	return 1;
}
