/* SPDX-License-Identifier: MIT */
/*
 * driver: the head lockfile's merge driver (`merge.migrate-fix-head`),
 * which git runs inside a merge, a rebase or a cherry-pick when both sides
 * changed the lockfile.
 *
 * It writes %A naming both sides' heads (merged as sets against %O: a
 * head the base named and one side built upon is none) and leaves the
 * note of pending.h;
 * the hooks make the repair once git has finished.  Whenever it cannot
 * hand over safely (switched off with GIT_MIGRATE_FIX_DRIVER=0, a side
 * already holding conflict markers, no repository, the hooks that would
 * finish the job missing) it leaves an ordinary conflict, never worse
 * than git alone.
 * Owns: the merged lockfile's content and that fallback.
 * Must never: write anything but %A and the note, touch the index or the
 * work tree, or exit with anything but 0 (resolved) or 1 (conflict).
 */
#ifndef GMF_DRIVER_H
#define GMF_DRIVER_H

typedef struct {
	const char *base;     /* %O */
	const char *ours;     /* %A: the result goes here */
	const char *theirs;   /* %B */
	int marker_size;      /* %L (7 when not given) */
	const char *label_ours;   /* %X (git 2.44+): the conflict marker's
	                           * label for %A, as git's own; NULL: "ours" */
	const char *label_theirs; /* %Y: for %B; NULL: "theirs" */
	const char *cwd;      /* where git runs it: the top level */
	int switched_off;     /* GIT_MIGRATE_FIX_DRIVER says so */
} gmf_driver_in;

/* 0: %A holds the result; 1: a conflict (%A holds markers).  *why (caller
 * frees, may stay NULL) says why it fell back to a conflict. */
int gmf_driver_run(const gmf_driver_in *in, char **why);

#endif
