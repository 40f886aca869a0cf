/* SPDX-License-Identifier: MIT */
/*
 * lockfile: the tracked head lockfile of a script (`.head` in its first
 * version directory): one line per branch head, sorted.  Two branches that
 * both add migrations both change it, so a merge that runs no custom
 * driver (a hosted merge) stops on a conflict here instead of silently
 * producing two heads.
 * Owns: reading it (ids, conflict markers), rendering it from the heads,
 * and the `stale-lockfile` finding.
 * Must never: decide what the heads are (the graph does).
 */
#ifndef GMF_LOCKFILE_H
#define GMF_LOCKFILE_H

#include <stddef.h>

#include "gmf/graph.h"
#include "gmf/project.h"

#define GMF_LOCKFILE_NAME ".head"

typedef struct {
	char **ids;
	size_t n;
	int conflicted;      /* holds <<<<<<< / ======= / >>>>>>> lines */
	unsigned marker_line;
} gmf_lockfile;

/* Absolute path of the script's lockfile (caller frees). */
char *gmf_lockfile_path(const gmf_script *s);
/* Parses content; never fails (anything odd is kept as an id). */
void gmf_lockfile_parse(gmf_lockfile *out, const char *data, size_t len);
/* Reads the script's lockfile: GMF_ENOTFOUND when there is none. */
int gmf_lockfile_read(gmf_lockfile *out, const gmf_script *s);
void gmf_lockfile_release(gmf_lockfile *lf);
/* The content for these heads (caller frees). */
char *gmf_lockfile_render(const gmf_graph *g, size_t *len);
/* The content naming these ids (sorted, one per line; caller frees). */
char *gmf_lockfile_render_ids(const char *const *ids, size_t n, size_t *len);
/* Does the lockfile name exactly the graph's heads? */
int gmf_lockfile_matches(const gmf_lockfile *lf, const gmf_graph *g);
/* Adds a `stale-lockfile` finding when the lockfile exists and is stale
 * or conflicted. */
void gmf_lockfile_check(const gmf_script *s, const gmf_graph *g, gmf_findings *out);

#endif
