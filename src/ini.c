/* SPDX-License-Identifier: MIT */
/* ini: see include/gmf/ini.h. */
#include "gmf/ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

typedef struct {
	char *section;
	char *key;    /* lower-cased */
	char *raw;
	char *value;  /* interpolated lazily */
	unsigned line;
} entry;

struct gmf_ini {
	entry *e;
	size_t n, alloc;
	char **sections;
	size_t nsections, asections;
	char *here;
	char *path;   /* the file, for messages; NULL when parsed from text */
	char **inherited; /* DEFAULT values interpolated for another section */
	size_t ninherited, ainherited;
};

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Drops " # comment" after a value (`;` is a value: a path separator). */
static void strip_inline_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && p > s &&
		    (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
}

static entry *find(const gmf_ini *ini, const char *section, const char *key)
{
	/* the last definition wins, as in ConfigParser (non-strict) */
	for (size_t i = ini->n; i-- > 0;)
		if (!strcmp(ini->e[i].section, section) &&
		    !strcasecmp(ini->e[i].key, key))
			return &ini->e[i];
	return NULL;
}

/* ConfigParser is strict by default: a section twice is an error. */
static int add_section(gmf_ini *ini, const char *name, unsigned lineno)
{
	for (size_t i = 0; i < ini->nsections; i++)
		if (!strcmp(ini->sections[i], name))
			return gmf_error_set(GMF_EPARSE, "line %u: section [%s] already exists",
					     lineno, name);
	GMF_ALLOC_GROW(ini->sections, ini->nsections + 1, ini->asections);
	ini->sections[ini->nsections++] = gmf_xstrdup(name);
	return 0;
}

/* Where gmf_ini_parse is: the section it is in, the entry an indented
 * line continues, the blank lines that may belong to that entry. */
typedef struct {
	gmf_ini *ini;
	char *section;
	entry *last;
	unsigned lineno, blank_lines;
} parser;

/* An indented line: one more line of the value of the last entry. */
static void continue_value(parser *ps, char *t)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;

	strip_inline_comment(t);
	gmf_strbuf_adds(&sb, ps->last->raw);
	for (; ps->blank_lines; ps->blank_lines--)
		gmf_strbuf_addch(&sb, '\n');
	gmf_strbuf_addch(&sb, '\n');
	gmf_strbuf_adds(&sb, trim(t));
	free(ps->last->raw);
	ps->last->raw = gmf_strbuf_detach(&sb, NULL);
}

/* A [section] header. */
static int parse_section(parser *ps, char *t)
{
	char *close = strchr(t, ']');

	if (!close || close == t + 1)
		return gmf_error_set(GMF_EPARSE, "line %u: malformed section header",
				     ps->lineno);
	*close = '\0';
	free(ps->section);
	ps->section = gmf_xstrdup(trim(t + 1));
	ps->last = NULL;
	return add_section(ps->ini, ps->section, ps->lineno);
}

/* A `key = value` (or `key: value`) line. */
static int parse_entry(parser *ps, char *t)
{
	gmf_ini *ini = ps->ini;
	char *sep = strpbrk(t, "=:");
	char *key, *val;

	if (!sep || sep == t)
		return gmf_error_set(GMF_EPARSE, "line %u: expected `key = value`", ps->lineno);
	if (!ps->section)
		return gmf_error_set(GMF_EPARSE, "line %u: `key = value` before any [section]",
				     ps->lineno);
	*sep = '\0';
	key = trim(t);
	val = sep + 1;
	strip_inline_comment(val);
	val = trim(val);
	{
		/* strict, as ConfigParser: an option twice in a section */
		entry *dup = find(ini, ps->section, key);
		if (dup && !strcmp(dup->section, ps->section))
			return gmf_error_set(GMF_EPARSE,
					     "line %u: option '%s' already set in [%s] on line %u",
					     ps->lineno, dup->key, ps->section, dup->line);
	}
	GMF_ALLOC_GROW(ini->e, ini->n + 1, ini->alloc);
	ps->last = &ini->e[ini->n++];
	memset(ps->last, 0, sizeof(*ps->last));
	ps->last->section = gmf_xstrdup(ps->section);
	ps->last->key = gmf_xstrdup(key);
	for (char *k = ps->last->key; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	ps->last->raw = gmf_xstrdup(val);
	ps->last->line = ps->lineno;
	return 0;
}

static int parse_line(parser *ps, char *line)
{
	char *t = trim(line);

	if (!*t || *t == '#' || *t == ';') {
		/* ConfigParser keeps blank lines inside a value when an
		 * indented line follows; a trailing one is trimmed */
		if (!*t && ps->last)
			ps->blank_lines++;
		return 0;
	}
	if ((line[0] == ' ' || line[0] == '\t') && ps->last) {
		continue_value(ps, t);
		return 0;
	}
	ps->blank_lines = 0;
	if (*t == '[')
		return parse_section(ps, t);
	return parse_entry(ps, t);
}

int gmf_ini_parse(gmf_ini **out, const char *text, size_t len,
		  const char *here, unsigned *bad_line)
{
	gmf_ini *ini = gmf_xcalloc(1, sizeof(*ini));
	char *copy = gmf_xstrndup(text, len), *line, *next;
	parser ps;
	int rc = 0;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.ini = ini;
	ini->here = gmf_xstrdup(here ? here : ".");
	if (memchr(text, '\0', len)) {
		if (bad_line)
			*bad_line = 0;
		rc = gmf_error_set(GMF_EPARSE, "binary data in ini file");
		goto done;
	}
	line = copy;
	if (len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
		line += 3;
	for (; line; line = next) {
		ps.lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((rc = parse_line(&ps, line)) < 0) {
			if (bad_line)
				*bad_line = ps.lineno;
			goto done;
		}
	}
done:
	free(ps.section);
	free(copy);
	if (rc < 0) {
		gmf_ini_free(ini);
		return rc;
	}
	*out = ini;
	return 0;
}

int gmf_ini_read(gmf_ini **out, const char *path, unsigned *bad_line)
{
	FILE *f = fopen(path, "rb");
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char buf[8192], *dir, *slash;
	size_t n;
	int rc;

	*out = NULL;
	if (bad_line)
		*bad_line = 0;
	if (!f)
		return gmf_error_set(errno == ENOENT ? GMF_ENOTFOUND : GMF_EIO,
				     "cannot read '%s': %s", path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		gmf_strbuf_add(&sb, buf, n);
		if (sb.len > 16u * 1024 * 1024) {
			fclose(f);
			gmf_strbuf_release(&sb);
			return gmf_error_set(GMF_EPARSE, "'%s': file too large", path);
		}
	}
	if (ferror(f)) {
		fclose(f);
		gmf_strbuf_release(&sb);
		return gmf_error_set(GMF_EIO, "cannot read '%s'", path);
	}
	fclose(f);
	dir = gmf_xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else {
		free(dir);
		dir = gmf_xstrdup(".");
	}
	rc = gmf_ini_parse(out, sb.buf, sb.len, dir, bad_line);
	if (rc < 0) {
		char *why = gmf_xstrdup(gmf_error_last());
		gmf_error_set(rc, "'%s': %s", path, why);
		free(why);
	} else {
		(*out)->path = gmf_xstrdup(path);
	}
	free(dir);
	gmf_strbuf_release(&sb);
	return rc;
}

void gmf_ini_free(gmf_ini *ini)
{
	if (!ini)
		return;
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->e[i].section);
		free(ini->e[i].key);
		free(ini->e[i].raw);
		free(ini->e[i].value);
	}
	for (size_t i = 0; i < ini->nsections; i++)
		free(ini->sections[i]);
	free(ini->sections);
	free(ini->e);
	free(ini->here);
	free(ini->path);
	for (size_t i = 0; i < ini->ninherited; i++)
		free(ini->inherited[i]);
	free(ini->inherited);
	free(ini);
}

size_t gmf_ini_section_count(const gmf_ini *ini)
{
	return ini->nsections;
}

const char *gmf_ini_section_name(const gmf_ini *ini, size_t i)
{
	return i < ini->nsections ? ini->sections[i] : NULL;
}

int gmf_ini_has_section(const gmf_ini *ini, const char *section)
{
	for (size_t i = 0; i < ini->nsections; i++)
		if (!strcmp(ini->sections[i], section))
			return 1;
	return 0;
}

static entry *lookup(const gmf_ini *ini, const char *section, const char *key)
{
	entry *e = find(ini, section, key);
	if (!e)
		e = find(ini, "DEFAULT", key);
	return e;
}

static int interpolate(gmf_ini *ini, const char *section, const char *raw,
		       gmf_strbuf *out, int depth)
{
	if (depth > 10)
		return gmf_error_set(GMF_EPARSE, "interpolation too deep (a loop?)");
	for (const char *p = raw; *p; p++) {
		if (*p != '%') {
			gmf_strbuf_addch(out, *p);
			continue;
		}
		if (p[1] == '%') {
			gmf_strbuf_addch(out, '%');
			p++;
			continue;
		}
		if (p[1] == '(') {
			const char *close = strstr(p + 2, ")s");
			char *name;
			entry *e;
			if (!close || memchr(p + 2, '\n', (size_t)(close - (p + 2))))
				return gmf_error_set(GMF_EPARSE,
						     "bad interpolation syntax in '%s': "
						     "'%%(' without ')s'", raw);
			name = gmf_xstrndup(p + 2, (size_t)(close - (p + 2)));
			if (!strcasecmp(name, "here") && !lookup(ini, section, "here")) {
				gmf_strbuf_adds(out, ini->here);
			} else if ((e = lookup(ini, section, name)) != NULL) {
				int rc = interpolate(ini, section, e->raw, out, depth + 1);
				if (rc < 0) {
					free(name);
					return rc;
				}
			} else {
				gmf_error_set(GMF_EPARSE,
					      "'%%(%s)s' names no option in [%s] or [DEFAULT]",
					      name, section);
				free(name);
				return GMF_EPARSE;
			}
			free(name);
			p = close + 1;
			continue;
		}
		/* ConfigParser refuses it (InterpolationSyntaxError) */
		return gmf_error_set(GMF_EPARSE,
				     "bad interpolation syntax in '%s': "
				     "'%%' must be followed by '%%' or '('", raw);
	}
	return 0;
}

int gmf_ini_lookup(gmf_ini *ini, const char *section, const char *key, const char **out)
{
	entry *e = lookup(ini, section, key);
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc;

	*out = NULL;
	if (!e)
		return 0;
	/* the value depends on the section asking (DEFAULT's keys are
	 * interpolated in the section that inherits them): cached only
	 * for the section's own keys */
	if (e->value && !strcmp(e->section, section)) {
		*out = e->value;
		return 0;
	}
	if ((rc = interpolate(ini, section, e->raw, &sb, 0)) < 0) {
		char *why = gmf_xstrdup(gmf_error_last());
		gmf_strbuf_release(&sb);
		if (ini->path)
			gmf_error_set(GMF_EPARSE, "'%s':%u: [%s] %s: %s", ini->path, e->line,
				      section, e->key, why);
		else
			gmf_error_set(GMF_EPARSE, "line %u: [%s] %s: %s", e->line, section,
				      e->key, why);
		free(why);
		return GMF_EPARSE;
	}
	if (strcmp(e->section, section)) {
		/* inherited: keep it with the section that asked */
		GMF_ALLOC_GROW(ini->inherited, ini->ninherited + 1, ini->ainherited);
		ini->inherited[ini->ninherited] = gmf_strbuf_detach(&sb, NULL);
		*out = ini->inherited[ini->ninherited++];
		return 0;
	}
	free(e->value);
	e->value = gmf_strbuf_detach(&sb, NULL);
	*out = e->value;
	return 0;
}

const char *gmf_ini_get(gmf_ini *ini, const char *section, const char *key)
{
	const char *v;
	return gmf_ini_lookup(ini, section, key, &v) < 0 ? NULL : v;
}

int gmf_ini_has_own(const gmf_ini *ini, const char *section, const char *key)
{
	entry *e = find(ini, section, key);
	return e && !strcmp(e->section, section);
}

unsigned gmf_ini_line(const gmf_ini *ini, const char *section, const char *key)
{
	entry *e = lookup(ini, section, key);
	return e ? e->line : 0;
}
