/* SPDX-License-Identifier: MIT */
/*
 * sync: `git migrate-fix sync`, the hosted-merge workflow: brings the
 * current branch up to date with its base so that a hosted merge (which
 * runs no merge driver) goes through, from wherever CI runs it (a fresh,
 * possibly shallow single-branch clone with nothing installed).
 *
 * It fetches the base and the history the merge base needs, merges the
 * base in (or rebases onto it), runs the one repair workflow (fix.h) with
 * the base as the side that stays (its migrations are published and never
 * move; the branch's own go after the base's head), and records the
 * result as git would: a merge commit with both parents (after a rebase,
 * a new commit on top) made by `git commit`, so signing follows git's
 * configuration.  Optionally pushes to the upstream.
 *
 * The branch being synced does not publish its own migrations: its
 * remote-tracking branch (refs/remotes/<remote>/<branch>) is the same
 * branch, already pushed for review, and the decision model is told it
 * publishes nothing (gmf_fix_opts.unpublished); no reference is moved.
 * Every other remote-tracking branch and tag still publishes.
 *
 * Owns: the order of those steps, deciding that there is nothing to do
 * (up to date, or no fork: no commit), leaving the work tree as it was
 * when anything fails, and the commit message saying what moved where.
 * Must never: print, push after a failure or a refusal, push when
 * nothing was committed, or run with uncommitted changes to tracked files.
 */
#ifndef GMF_SYNC_H
#define GMF_SYNC_H

#include <stddef.h>

#include "gmf/fix.h"

typedef enum {
	GMF_SYNC_UP_TO_DATE = 0, /* the base is already in the branch */
	GMF_SYNC_NO_FORK,        /* the merge brings no second head: nothing done */
	GMF_SYNC_DONE,           /* repaired and committed (dry run: would be) */
	GMF_SYNC_CONFLICT,       /* conflicts in other files: aborted */
	GMF_SYNC_REFUSED,        /* the decision model said STOP: aborted */
} gmf_sync_state;

typedef struct {
	const char *base;    /* branch name or ref; NULL: the remote's default */
	int rebase;
	int push;
	int dry_run;
	const char *cwd;     /* NULL: the current directory */
} gmf_sync_opts;

typedef struct {
	gmf_sync_state state;
	char *remote;        /* e.g. origin */
	char *branch;        /* the branch synced, short name */
	char *upstream;      /* its upstream branch on the remote, short name */
	char *base;          /* the base's short name on the remote: main */
	char *base_ref;      /* what was merged: refs/remotes/origin/main */
	char *base_hex;
	char *old_head, *new_head; /* the branch before and after */
	int fetched_deeper;  /* history was fetched for the merge base */
	char **conflicts;    /* CONFLICT: the paths */
	size_t nconflicts;
	char *message;       /* DONE: the commit message (would be) */
	int pushed;
	gmf_fix_result fix;  /* the repair (DONE, REFUSED; dry run: the plan) */
	char *notes;         /* for the user: what git said, one per line */
} gmf_sync_result;

/*
 * Runs the workflow.  0 with out->state UP_TO_DATE, NO_FORK or DONE;
 * GMF_ECONFLICT with CONFLICT (conflicts listed, nothing changed),
 * GMF_EREFUSED with REFUSED (out->fix.stop says why) or for a dirty work
 * tree or detached HEAD; other codes: could not run (git failed, the
 * message says what it said).
 */
int gmf_sync_run(gmf_sync_result *out, const gmf_sync_opts *o);
void gmf_sync_result_release(gmf_sync_result *r);

#endif
