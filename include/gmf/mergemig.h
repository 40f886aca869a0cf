/* SPDX-License-Identifier: MIT */
/*
 * mergemig: a merge migration, as `alembic merge` writes one, without
 * running Python: its revision id and file name the project's way (the
 * sequence-numbered convention, or file_template), its text rendered from
 * the project's script.py.mako (else a generic template), read back to be
 * sure it declares what was meant.
 * Owns: building that file as a journal operation (journal.h), the heads the
 * graph has once it exists, and the `merge` workflow (gmf_mergemig_run:
 * under the write lock, after recovery, one journaled change with the
 * head lockfile).
 * Must never: print, or name a file outside the directory of the heads it
 * merges.
 */
#ifndef GMF_MERGEMIG_H
#define GMF_MERGEMIG_H

#include <stddef.h>

#include "gmf/graph.h"
#include "gmf/project.h"
#include "gmf/journal.h"

typedef struct {
	const char *message;  /* NULL: "merge heads" */
	const char *rev_id;   /* NULL: chosen the project's way */
	int tracked;          /* the new file is to be staged */
} gmf_mergemig_opts;

/*
 * Fills op (new_path, content) with the merge migration of heads[] of g,
 * script s.  *rev (caller frees) gets its revision id; *warning (caller
 * frees, may stay NULL) a note such as a template that could not be
 * rendered and was replaced by the generic one.
 */
int gmf_mergemig_build(gmf_journal_op *op, char **rev, char **warning, const gmf_script *s,
		       gmf_graph *g, const size_t *heads, size_t nheads,
		       const gmf_mergemig_opts *o);

/* The heads of g once rev merges heads[] (caller frees the array). */
size_t gmf_mergemig_heads_after(const char ***out, gmf_graph *g, const size_t *heads,
				size_t nheads, const char *rev);

struct gmf_workspace;

typedef struct {
	char **revs;          /* per script: the new revision, or NULL */
	char **paths;         /* per script: the new file, or NULL */
	char **contents;      /* per script: its text (for --dry-run) */
	size_t *lens;
	char ***merged;       /* per script: the heads it merges */
	size_t *nmerged;
	size_t nscripts;
	size_t nwritten;
	char *warning;
	char *notes;          /* recovery and lock notes */
} gmf_mergemig_result;

/*
 * `git migrate-fix merge`: a merge migration per script whose branch has
 * several heads (or of the heads named), journaled and staged unless
 * dry_run.  GMF_EREFUSED when the graph has problems a merge cannot cure.
 */
int gmf_mergemig_run(gmf_mergemig_result *out, struct gmf_workspace *ws,
		     const gmf_mergemig_opts *o, const char *const *want, size_t nwant,
		     int dry_run);
void gmf_mergemig_result_release(gmf_mergemig_result *r);

#endif
