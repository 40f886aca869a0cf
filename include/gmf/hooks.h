/* SPDX-License-Identifier: MIT */
/*
 * hooks: what the installed hook shims (hooks/) run, once git has done its
 * own work: the repair after a merge (post-merge), when a stopped merge is
 * concluded (pre-commit), after a rebase (post-rewrite), after the last
 * patch of `git am -3` (post-applypatch), and the head lockfile kept
 * current by ordinary commits (pre-commit, also for `git commit <paths>`,
 * whose real index gets it too).
 *
 * Each acts only on a note of the merge driver (pending.h) that matches
 * the state it finds, runs the one repair workflow (fix.h) with what git
 * keeps as the side that stays, and records the repair in the commit git
 * made (a merge stays a merge) or in a new commit after a rebase, with
 * the renamed revision ids in its message.  When no safe repair exists
 * it changes nothing and says why and the one command to run.
 * Owns: that state machine, what each hook reports, and the list the
 * pre-commit shim's fast path checks (<git dir>/migrate-fix/pre-commit-paths
 * and pre-commit-head, rewritten by each ordinary pre-commit run).
 * Must never: print (it returns the report), fail the user's git command
 * (exit 0 unless the hook cannot run at all), rewrite a commit while a
 * rebase or cherry-pick sequence is still running (post-applypatch adds
 * its commit only after the last patch, when nothing follows), or retry a refused
 * repair another way.
 */
#ifndef GMF_HOOKS_H
#define GMF_HOOKS_H

#include "gmf/strbuf.h"

typedef struct {
	gmf_strbuf out;   /* for standard output: what happened */
	gmf_strbuf err;   /* for standard error: warnings */
} gmf_hook_report;

#define GMF_HOOK_REPORT_INIT { GMF_STRBUF_INIT, GMF_STRBUF_INIT }

/* Set by an armed shim (hooks/) to its own path: the hook removes the
 * armed shims once it is done (as `hook disarm PATH` does), so the shim
 * need not start the binary twice. */
#define GMF_DISARM_ENV "GIT_MIGRATE_FIX_DISARM"

/* Set to 1 by an installed shim: the hook does nothing unless `install`
 * set migrate-fix.installed in this repository (a global core.hooksPath
 * serves others too).  Asked here, from the configuration the binary
 * reads anyway, instead of by a `git config` process in the shim. */
#define GMF_IF_INSTALLED_ENV "GIT_MIGRATE_FIX_IF_INSTALLED"

/*
 * Runs hook `name` (post-merge, pre-commit, post-rewrite, post-applypatch,
 * post-commit, or
 * disarm with the armed post-merge shim's path) with git's arguments.
 * Returns 0, or GMF_EUSAGE for an unknown hook.
 */
int gmf_hook_run(gmf_hook_report *rep, const char *name, int argc, char **argv);
void gmf_hook_report_release(gmf_hook_report *rep);

#endif
