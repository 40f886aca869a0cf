/* SPDX-License-Identifier: MIT */
/*
 * template: renders a project's `script.py.mako` for a merge migration,
 * and names the new file.
 *
 * Owns: the subset of Mako that Alembic's stock templates use: `${name}`,
 * `${repr(name)}`, `${name | comma,n}`, `${x if x else "text"}`, `##`
 * comment lines; the values Alembic passes (message, up_revision,
 * down_revision, branch_labels, depends_on, create_date, imports, upgrades,
 * downgrades); `file_template` formatting (`%(rev)s`, `%(slug)s`,
 * `%(year)d`, `%(month).2d`, ...) and slugs made the way Alembic makes them.
 * Must never: evaluate anything else; a template it cannot render is
 * reported (GMF_EPARSE with the line) so the caller falls back to the
 * built-in generic template.
 */
#ifndef GMF_TEMPLATE_H
#define GMF_TEMPLATE_H

#include <stddef.h>
#include <time.h>

#include "gmf/strbuf.h"

typedef struct {
	const char *message;
	const char *up_revision;
	const char *const *down_revision;
	size_t ndown;
	const char *create_date;   /* "2026-03-09 10:15:02.118832" */
} gmf_template_vars;

/* Alembic's generic script.py.mako, written out here so a project whose
 * own template cannot be rendered still gets a standard file. */
extern const char gmf_template_generic[];

int gmf_template_render(gmf_strbuf *out, const char *tpl, size_t len,
			const gmf_template_vars *v, unsigned *bad_line);

/* Alembic's slug of a message, cut at truncate_len (0: no limit). */
char *gmf_template_slug(const char *message, int truncate_len);

/* Formats a file_template; GMF_EPARSE on an unknown token. */
int gmf_template_filename(gmf_strbuf *out, const char *file_template,
			  const char *rev, const char *slug, const struct tm *tm,
			  long long epoch);

#endif
