/* SPDX-License-Identifier: MIT */
/*
 * pending: the note the merge driver leaves for the hooks, and the
 * post-merge hook the driver puts in place on demand.
 *
 * The driver runs inside git's merge, when the work tree and index are
 * git's; it only writes %A and this note (<git dir>/migrate-fix/pending,
 * one per worktree) saying that both sides changed the head lockfile and
 * what HEAD was.  The hooks act on the note once git has finished, and
 * drop a note that does not match the state they find.  When install
 * left post-merge "on-demand", the driver also writes an armed post-merge
 * shim into the hooks directory, which all worktrees share; it is removed
 * again only when no worktree has a note left, under one lock for the
 * whole repository, so worktrees merging at once each get their repair.
 * Owns: the note's format, arming and disarming the shim.
 * Must never: write the work tree or the index, or remove a hook that is
 * not an armed shim of ours.
 */
#ifndef GMF_PENDING_H
#define GMF_PENDING_H

#include "gmf/repo.h"

typedef struct {
	char *orig;     /* HEAD when the driver ran, or "-" */
	char *context;  /* "merge" or "rebase" */
} gmf_pending;

/* The driver: records the note and, for a merge, arms post-merge when
 * install left it on demand.  An error means: leave a conflict. */
int gmf_pending_record(gmf_repo *r);
/* Reads and removes this worktree's note; GMF_ENOTFOUND when none. */
int gmf_pending_take(gmf_repo *r, gmf_pending *out);
/* Reads it and leaves it (a pick of a rebase: the hook after the
 * rebase takes it). */
int gmf_pending_peek(gmf_repo *r, gmf_pending *out);
void gmf_pending_release(gmf_pending *p);
/* Are the hooks that act on the note in place (or managed elsewhere)?
 * During `git am` only post-applypatch, a shim of ours, will do. */
int gmf_pending_hooks_ready(gmf_repo *r);
/* Is a `git am` session (not `git rebase --apply`) in progress? */
int gmf_pending_in_am(gmf_repo *r);
/* install --global, from the clean filter of the migration files: arms
 * pre-commit in the repository's own hooks directory when no pre-commit
 * hook is there, so the commit being prepared keeps the head lockfile
 * current (the shim disarms itself after it). */
int gmf_pending_arm_commit(gmf_repo *r);
/* The armed shim at hook_path is done with one merge: it is removed when
 * no worktree of the repository has a note waiting. */
int gmf_pending_disarm(gmf_repo *r, const char *hook_path);

#endif
