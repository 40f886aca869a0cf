/* SPDX-License-Identifier: MIT */
/*
 * undo: the workflow behind `git migrate-fix undo`: puts back exactly what
 * the last fix, merge or undo changed (an undo of an undo redoes), and
 * moves the branch back when a hook had recorded the repair in a commit;
 * or, with abandon, sets an interrupted run's journal aside when recovery
 * refused to touch files changed since.
 * Owns: that sequence, under the project's write lock.
 * Must never: print, or overwrite a file changed since the run it undoes
 * (unless forced).
 */
#ifndef GMF_UNDO_H
#define GMF_UNDO_H

#include <stddef.h>

#include "gmf/journal.h"
#include "gmf/workspace.h"

typedef struct {
	int dry_run;
	int force;      /* put the old files back even where they changed */
	int abandon;    /* set an interrupted run aside instead */
} gmf_undo_opts;

typedef struct {
	gmf_journal_op *ops;       /* what was (or would be) put back */
	size_t nops;
	char *label;           /* of the run undone */
	char *description;     /* "undid: ..." / "redid: ..." */
	int branch_moved;      /* the branch is back at its previous commit */
	char *warning;
	char *notes;           /* recovery and lock notes */
	int only_recovered;    /* an interrupted undo was completed: done */
	char *abandoned;       /* abandon: where the journal went */
} gmf_undo_result;

int gmf_undo_run(gmf_undo_result *out, gmf_workspace *ws, const gmf_undo_opts *o);
void gmf_undo_result_release(gmf_undo_result *r);

#endif
