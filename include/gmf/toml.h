/* SPDX-License-Identifier: MIT */
/*
 * toml: reads pyproject.toml far enough for `[tool.alembic]` (Alembic
 * 1.16+), without a TOML library (Debian 12 packages none for C).
 *
 * Owns: the TOML syntax a pyproject.toml uses: comments, `[table]` and
 * `[[array.of.tables]]` headers, bare, quoted and dotted keys, basic and
 * literal strings (one-line and multi-line, with escapes), integers
 * (decimal, hex, octal, binary, `_` separators), booleans, arrays (nested,
 * across lines, trailing comma) and inline tables.  Floats, dates and
 * times are read as GMF_TOML_OTHER: another tool's section may hold them,
 * and we never need their value.  A duplicate key or table is an error, as
 * in tomllib.
 * Must never: accept a malformed document silently (the caller gets the
 * line), or evaluate anything.
 */
#ifndef GMF_TOML_H
#define GMF_TOML_H

#include <stddef.h>

typedef enum {
	GMF_TOML_STRING,
	GMF_TOML_INTEGER,
	GMF_TOML_BOOLEAN,
	GMF_TOML_ARRAY,
	GMF_TOML_TABLE,       /* a [table], an inline table or a dotted key's parent */
	GMF_TOML_TABLE_ARRAY, /* [[name]] */
	GMF_TOML_OTHER        /* float, date, time */
} gmf_toml_type;

typedef struct gmf_toml_value {
	gmf_toml_type type;
	char *str;        /* GMF_TOML_STRING (may hold NUL: see len) */
	size_t len;
	long long integer;
	int boolean;
	struct gmf_toml_value *items; /* GMF_TOML_ARRAY */
	size_t nitems;
	unsigned line;    /* where it was defined */
} gmf_toml_value;

typedef struct gmf_toml gmf_toml;

/* Parses text; on GMF_EPARSE *bad_line (may be NULL) names the line. */
int gmf_toml_parse(gmf_toml **out, const char *text, size_t len, unsigned *bad_line);
/* Reads a file; errors name it: "'<path>': line N: ...". */
int gmf_toml_read(gmf_toml **out, const char *path, unsigned *bad_line);
void gmf_toml_free(gmf_toml *t);

/*
 * The value at a dotted path of bare keys ("tool.alembic.script_location"),
 * or NULL.  Owned by t.  Keys inside [[array.of.tables]] are not reached.
 */
const gmf_toml_value *gmf_toml_get(const gmf_toml *t, const char *dotted);

#endif
