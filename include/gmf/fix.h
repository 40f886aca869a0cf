/* SPDX-License-Identifier: MIT */
/*
 * fix: the repair workflow behind `git migrate-fix fix`, the hooks and
 * the CI command: takes the project's write lock, recovers an interrupted
 * run, asks the decision model (decide.h, with published.h) what each
 * script's fork gets, and carries it out as one journaled change (journal.h):
 * the renumbered and re-pointed files (renumber.h), or a merge migration
 * (mergemig.h), and the head lockfile; staged in git.
 * Owns: turning decisions into journal operations, and the head lockfile
 * kept current by commits (gmf_fix_lockfile).
 * Must never: print, move a published migration, write outside the
 * version directories and the state directory, or change anything when
 * a decision is STOP or the run is a dry run.
 */
#ifndef GMF_FIX_H
#define GMF_FIX_H

#include <stddef.h>

#include "gmf/decide.h"
#include "gmf/workspace.h"

typedef struct {
	int dry_run;
	int force;             /* move files with uncommitted changes; run
	                        * while a rebase or cherry-pick is going on */
	int in_hook;           /* a hook, while git finishes its own work */
	int strategy;          /* gmf_strategy, or -1: migrate-fix.strategy */
	const char *onto;      /* the user's choice of kept head */
	const char *const *move;
	size_t nmove;
	const char *mainline;  /* replaces the configured mainline */
	const char *message;   /* of a merge migration */
	const char *ours;      /* the commit git keeps (HEAD^1 of a merge,
	                        * a rebase's onto), or NULL */
	const char *ours_name;
	int linear;            /* a rebase or `git am` (gmf_decide_in.linear) */
	const char *const *publishers; /* more commits that publish, e.g.
	                                * the merged branch's upstream */
	size_t npublishers;
	const char *const *unpublished; /* references that publish nothing
	                                 * (sync: the pull request's own
	                                 * remote-tracking branch) */
	size_t nunpublished;
} gmf_fix_opts;

typedef struct {
	const char *name;      /* the script's name (not owned) */
	gmf_decision decision;
	char *merge_rev;       /* MERGE: the new revision */
	char *merge_path;      /* MERGE: the new file */
	char *merge_content;   /* MERGE: its text */
	size_t merge_len;
	int lockfile;          /* its head lockfile is (or would be) rewritten */
	size_t nlockfile_heads;
} gmf_fix_script;

typedef struct {
	gmf_fix_script *scripts;
	size_t nscripts;
	char *mainline;        /* how the mainline resolved, or NULL */
	int changed;           /* files changed (dry run: would change) */
	size_t nmoving;        /* migrations moved, all scripts */
	size_t nrenamed;       /* revision ids changed, all scripts */
	size_t nmerges;        /* merge migrations written */
	char *description;     /* one line: what was done */
	char *warning;         /* something the user should read */
	char *notes;           /* recovery and lock notes, one per line */
	const gmf_decision *stop; /* the STOP decision, when refused */
} gmf_fix_result;

/*
 * Runs the repair.  0: done, or nothing to do (out->changed says which).
 * GMF_EREFUSED: no safe repair (out->stop says why and what to run) or a
 * safety rule refused; nothing was changed.  Other codes: could not run.
 */
int gmf_fix_run(gmf_fix_result *out, gmf_workspace *ws, const gmf_fix_opts *o);
/*
 * One pick of a rebase (`git rebase -x`): the repair the rebase of
 * base..orig onto o->ours will need at its end (replay.h) is decided once
 * for that end, and the part of it the work tree holds now is carried
 * out, so this pick has one head as the end will: the same files move to
 * the same names and ids at every pick.  Refused (GMF_EREFUSED, nothing
 * changed) when that end is not known, when its repair is not a
 * renumbering, or when the result would still have an error.
 */
int gmf_fix_replay(gmf_fix_result *out, gmf_workspace *ws, const gmf_fix_opts *o,
		   const char *base, const char *orig);
void gmf_fix_result_release(gmf_fix_result *r);

/* Every revision id rename of the result, in order (pointers into it). */
size_t gmf_fix_renames(const gmf_fix_result *r, const gmf_id_rename ***out);

/*
 * Keeps each head lockfile naming the heads that the index's migrations
 * have (a commit records those); never resolves a lockfile conflict.
 * Written atomically and staged, without a journal (the undo record of
 * the last repair stays).  *changed: a lockfile was rewritten.  restage:
 * stage each tracked lockfile even when the file already says so (the
 * real index of `git commit <paths>`, whose work-tree lockfile was just
 * written for the commit's temporary index).
 */
int gmf_fix_lockfile(int *changed, gmf_workspace *ws, int restage);

#endif
