/* SPDX-License-Identifier: MIT */
/* template: see include/gmf/template.h. */
#include "gmf/template.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"

const char gmf_template_generic[] =
	"\"\"\"${message}\n"
	"\n"
	"Revision ID: ${up_revision}\n"
	"Revises: ${down_revision | comma,n}\n"
	"Create Date: ${create_date}\n"
	"\n"
	"\"\"\"\n"
	"from alembic import op\n"
	"import sqlalchemy as sa\n"
	"${imports if imports else \"\"}\n"
	"\n"
	"# revision identifiers, used by Alembic.\n"
	"revision = ${repr(up_revision)}\n"
	"down_revision = ${repr(down_revision)}\n"
	"branch_labels = ${repr(branch_labels)}\n"
	"depends_on = ${repr(depends_on)}\n"
	"\n"
	"\n"
	"def upgrade() -> None:\n"
	"    ${upgrades if upgrades else \"pass\"}\n"
	"\n"
	"\n"
	"def downgrade() -> None:\n"
	"    ${downgrades if downgrades else \"pass\"}\n";

typedef enum { V_NONE, V_STR, V_TUPLE } vkind;

typedef struct {
	vkind kind;
	const char *s;
	const char *const *items;
	size_t n;
} value;

static int lookup(const gmf_template_vars *v, const char *name, size_t len, value *out)
{
	memset(out, 0, sizeof(*out));
#define IS(x) (len == sizeof(x) - 1 && !memcmp(name, x, len))
	if (IS("message")) {
		out->kind = v->message ? V_STR : V_NONE;
		out->s = v->message;
	} else if (IS("up_revision")) {
		out->kind = V_STR;
		out->s = v->up_revision;
	} else if (IS("down_revision")) {
		if (v->ndown == 1) {
			out->kind = V_STR;
			out->s = v->down_revision[0];
		} else if (v->ndown > 1) {
			out->kind = V_TUPLE;
			out->items = v->down_revision;
			out->n = v->ndown;
		}
	} else if (IS("create_date")) {
		out->kind = V_STR;
		out->s = v->create_date;
	} else if (IS("branch_labels") || IS("depends_on")) {
		out->kind = V_NONE;
	} else if (IS("imports") || IS("upgrades") || IS("downgrades")) {
		out->kind = V_STR;
		out->s = "";
	} else {
		return -1;
	}
#undef IS
	return 0;
}

static int truthy(const value *v)
{
	return v->kind == V_TUPLE ? v->n > 0 : v->kind == V_STR ? v->s[0] != '\0' : 0;
}

static void py_repr_str(gmf_strbuf *out, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	gmf_strbuf_addch(out, q);
	for (; *s; s++) {
		if (*s == '\\' || *s == q)
			gmf_strbuf_addch(out, '\\');
		gmf_strbuf_addch(out, *s);
	}
	gmf_strbuf_addch(out, q);
}

static void emit(gmf_strbuf *out, const value *v, int repr, int comma)
{
	if (comma) {
		if (v->kind == V_STR)
			gmf_strbuf_adds(out, v->s);
		else if (v->kind == V_TUPLE)
			for (size_t i = 0; i < v->n; i++)
				gmf_strbuf_addf(out, "%s%s", i ? ", " : "", v->items[i]);
		return;
	}
	if (v->kind == V_NONE) {
		gmf_strbuf_adds(out, "None");
	} else if (v->kind == V_STR) {
		if (repr)
			py_repr_str(out, v->s);
		else
			gmf_strbuf_adds(out, v->s);
	} else {
		gmf_strbuf_addch(out, '(');
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				gmf_strbuf_adds(out, ", ");
			py_repr_str(out, v->items[i]);
		}
		gmf_strbuf_adds(out, v->n == 1 ? ",)" : ")");
	}
}

static const char *skip_sp(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static int ident(const char **p, const char *e, const char **name, size_t *len)
{
	const char *s = *p;
	while (*p < e && (isalnum((unsigned char)**p) || **p == '_'))
		(*p)++;
	*name = s;
	*len = (size_t)(*p - s);
	return *len ? 0 : -1;
}

/* Evaluates the text between ${ and }. */
static int expr(gmf_strbuf *out, const char *p, const char *e, const gmf_template_vars *v)
{
	const char *name;
	size_t len;
	value val;
	int repr = 0, comma = 0;

	p = skip_sp(p, e);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - p) > 5 && !memcmp(p, "repr(", 5) && e[-1] == ')') {
		repr = 1;
		p = skip_sp(p + 5, e - 1);
		e--;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
	}
	if (ident(&p, e, &name, &len) < 0 || lookup(v, name, len, &val) < 0)
		return -1;
	p = skip_sp(p, e);
	if (p == e) {
		emit(out, &val, repr, 0);
		return 0;
	}
	if (*p == '|' && !repr) {
		/* filters: comma and n (no escaping) are what Alembic uses */
		p = skip_sp(p + 1, e);
		while (p < e) {
			const char *f;
			size_t fl;
			if (ident(&p, e, &f, &fl) < 0)
				return -1;
			if (fl == 5 && !memcmp(f, "comma", 5))
				comma = 1;
			else if (!(fl == 1 && f[0] == 'n') && !(fl == 1 && f[0] == 'h'))
				return -1;
			p = skip_sp(p, e);
			if (p < e && *p == ',')
				p = skip_sp(p + 1, e);
			else if (p < e)
				return -1;
		}
		emit(out, &val, 0, comma);
		return 0;
	}
	if (!repr && (size_t)(e - p) > 3 && !memcmp(p, "if ", 3)) {
		/* x if x else "literal" */
		const char *n2;
		size_t l2;
		value cond;
		p = skip_sp(p + 3, e);
		if (ident(&p, e, &n2, &l2) < 0 || lookup(v, n2, l2, &cond) < 0)
			return -1;
		p = skip_sp(p, e);
		if ((size_t)(e - p) < 5 || memcmp(p, "else ", 5))
			return -1;
		p = skip_sp(p + 5, e);
		if (truthy(&cond)) {
			emit(out, &val, 0, 0);
			return 0;
		}
		if (p < e && (*p == '"' || *p == '\'') && e - p >= 2 && e[-1] == *p) {
			gmf_strbuf_add(out, p + 1, (size_t)(e - p - 2));
			return 0;
		}
		if (ident(&p, e, &n2, &l2) == 0 && p == e && lookup(v, n2, l2, &cond) == 0) {
			emit(out, &cond, 0, 0);
			return 0;
		}
		return -1;
	}
	return -1;
}

int gmf_template_render(gmf_strbuf *out, const char *tpl, size_t len,
			const gmf_template_vars *v, unsigned *bad_line)
{
	const char *p = tpl, *e = tpl + len;
	unsigned line = 1;
	int at_line_start = 1;

	while (p < e) {
		if (at_line_start) {
			const char *q = skip_sp(p, e);
			if (q + 1 < e && q[0] == '#' && q[1] == '#') {
				/* a Mako comment line: dropped with its newline */
				const char *nl = memchr(q, '\n', (size_t)(e - q));
				p = nl ? nl + 1 : e;
				line++;
				continue;
			}
			if (q < e && (*q == '%' && !(q + 1 < e && q[1] == '%')))
				goto unsupported; /* control lines: % if / % for */
			at_line_start = 0;
		}
		if (*p == '<' && p + 1 < e && p[1] == '%')
			goto unsupported;
		if (*p == '$' && p + 1 < e && p[1] == '{') {
			const char *close = memchr(p + 2, '}', (size_t)(e - p - 2));
			if (!close || expr(out, p + 2, close, v) < 0)
				goto unsupported;
			p = close + 1;
			continue;
		}
		if (*p == '\\' && p + 1 < e && p[1] == '\n') {
			/* Mako: a backslash at the end of a line joins lines */
			p += 2;
			line++;
			continue;
		}
		if (*p == '\n') {
			line++;
			at_line_start = 1;
		}
		gmf_strbuf_addch(out, *p++);
	}
	return 0;
unsupported:
	if (bad_line)
		*bad_line = line;
	return gmf_error_set(GMF_EPARSE, "line %u uses a template construct this tool "
			     "does not render", line);
}

char *gmf_template_slug(const char *message, int truncate_len)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(message ? message : "");
	while (*p) {
		if (isalnum(*p) || *p == '_') {
			if (sb.len && !(isalnum(p[-1]) || p[-1] == '_'))
				gmf_strbuf_addch(&sb, '_');
			gmf_strbuf_addch(&sb, tolower(*p));
		}
		p++;
	}
	if (truncate_len > 0 && sb.len > (size_t)truncate_len) {
		/* Alembic cuts at the limit, drops the broken word, adds "_" */
		char *us;
		gmf_strbuf_setlen(&sb, (size_t)truncate_len);
		us = strrchr(sb.buf, '_');
		gmf_strbuf_setlen(&sb, us ? (size_t)(us - sb.buf) : sb.len);
		gmf_strbuf_addch(&sb, '_');
	}
	return gmf_strbuf_detach(&sb, NULL);
}

int gmf_template_filename(gmf_strbuf *out, const char *t, const char *rev,
			  const char *slug, const struct tm *tm, long long epoch)
{
	for (const char *p = t; *p; p++) {
		const char *name, *close;
		char spec[32];
		size_t nl, sl;
		long long num;
		int is_num = 1;

		if (*p != '%') {
			gmf_strbuf_addch(out, *p);
			continue;
		}
		if (p[1] == '%') {
			gmf_strbuf_addch(out, '%');
			p++;
			continue;
		}
		if (p[1] != '(' || !(close = strchr(p + 2, ')')))
			return gmf_error_set(GMF_EPARSE, "file_template '%s': bad %% token", t);
		name = p + 2;
		nl = (size_t)(close - name);
		p = close + 1;
		sl = strspn(p, "-+ #0123456789.");
		if (sl > 20 || !p[sl] || !strchr("sdi", p[sl]))
			return gmf_error_set(GMF_EPARSE, "file_template '%s': bad %% token", t);
		/* a width or precision past 255 is no file name (and would make
		 * megabytes of padding) */
		for (size_t k = 0, run = 0; k < sl; k++) {
			run = (p[k] >= '0' && p[k] <= '9') ? run + 1 : 0;
			if (run > 3 || (run == 3 && strtol(p + k - 2, NULL, 10) > 255))
				return gmf_error_set(GMF_EPARSE, "file_template '%s': width "
						     "too large", t);
		}
#define IS(x) (nl == sizeof(x) - 1 && !memcmp(name, x, nl))
		if (IS("rev") || IS("slug")) {
			is_num = 0;
		} else if (IS("epoch")) {
			num = epoch;
		} else if (IS("year")) {
			num = tm->tm_year + 1900;
		} else if (IS("month")) {
			num = tm->tm_mon + 1;
		} else if (IS("day")) {
			num = tm->tm_mday;
		} else if (IS("hour")) {
			num = tm->tm_hour;
		} else if (IS("minute")) {
			num = tm->tm_min;
		} else if (IS("second")) {
			num = tm->tm_sec;
		} else {
			return gmf_error_set(GMF_EPARSE, "file_template '%s': unknown token "
					     "'%.*s'", t, (int)nl, name);
		}
		/* spec holds only flags, width and precision checked above */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		spec[0] = '%';
		memcpy(spec + 1, p, sl);
		if (is_num) {
			memcpy(spec + 1 + sl, "lld", 4);
			gmf_strbuf_addf(out, spec, num);
		} else {
			spec[1 + sl] = 's';
			spec[2 + sl] = '\0';
			gmf_strbuf_addf(out, spec, IS("rev") ? rev : slug);
		}
#pragma GCC diagnostic pop
#undef IS
		p += sl;
	}
	return 0;
}
