/* SPDX-License-Identifier: MIT */
/*
 * ini: reads alembic.ini the way Python's ConfigParser (as Alembic uses it)
 * does: `[section]`s, `key = value` or `key: value`, indented continuation
 * lines, `#`/`;` comment lines, case-insensitive keys, a `[DEFAULT]` section,
 * and `%(name)s` interpolation (`%(here)s` is the ini file's directory,
 * `%%` is a literal percent).  An inline ` # comment` after a value is
 * dropped, as newer Alembic templates expect.  Strict as ConfigParser's
 * default: a section or an option defined twice is an error, and so is
 * every interpolation ConfigParser refuses (a loop, an unknown name, an
 * unterminated `%(`, a lone `%`).
 * Must never: evaluate anything, or fail silently on a malformed line (the
 * caller gets the line number).
 */
#ifndef GMF_INI_H
#define GMF_INI_H

#include <stddef.h>

typedef struct gmf_ini gmf_ini;

/* Parses text; on GMF_EPARSE *bad_line names the offending line. */
int gmf_ini_parse(gmf_ini **out, const char *text, size_t len,
		  const char *here, unsigned *bad_line);
int gmf_ini_read(gmf_ini **out, const char *path, unsigned *bad_line);
void gmf_ini_free(gmf_ini *ini);

size_t gmf_ini_section_count(const gmf_ini *ini);
const char *gmf_ini_section_name(const gmf_ini *ini, size_t i);
int gmf_ini_has_section(const gmf_ini *ini, const char *section);
/*
 * The interpolated value of key in section (DEFAULT consulted), or NULL.
 * The string is owned by the ini and lives until gmf_ini_free.  Returns
 * NULL and sets the error on an interpolation loop or unknown name.
 */
const char *gmf_ini_get(gmf_ini *ini, const char *section, const char *key);
/*
 * The same, telling absent (0, *out NULL) from broken: GMF_EPARSE when the
 * value cannot be interpolated, the message naming the file (when read
 * with gmf_ini_read), the key's line, the section and why.
 */
int gmf_ini_lookup(gmf_ini *ini, const char *section, const char *key, const char **out);
/* 1 when key is set in section itself (not inherited from [DEFAULT]). */
int gmf_ini_has_own(const gmf_ini *ini, const char *section, const char *key);
/* The line on which key was defined (0 if absent). */
unsigned gmf_ini_line(const gmf_ini *ini, const char *section, const char *key);

#endif
