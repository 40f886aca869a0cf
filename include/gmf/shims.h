/* SPDX-License-Identifier: MIT */
/*
 * shims: the hook shims of hooks/, compiled into the library
 * (build/gen/hooks.c, made by src/cli/embed-hooks.sh) so that install and
 * the merge driver write exactly what the tree ships.
 */
#ifndef GMF_SHIMS_H
#define GMF_SHIMS_H

typedef struct {
	const char *name;    /* post-merge, pre-commit, ... */
	const char *content;
} gmf_hook_shim;

/* Terminated by an entry whose name is NULL. */
extern const gmf_hook_shim gmf_hook_shims[];

/* Every installed shim carries this line. */
#define GMF_HOOK_MARKER "# git-migrate-fix: installed hook"

/*
 * "on-demand" when install wrote no post-merge hook and the merge driver
 * puts one in place for each merge that needs it (pending.h).
 */
#define GMF_POST_MERGE_KEY "migrate-fix.postmerge"

/*
 * true in the configuration of a repository that ran `install`: the shims
 * act only there (a global core.hooksPath serves every repository), or
 * where the merge driver armed them for one merge or rebase.
 */
#define GMF_INSTALLED_KEY "migrate-fix.installed"

/*
 * true (set by `install --global` in the user's configuration): the merge
 * driver puts in place, for each merge or rebase that needs them, the
 * hooks that finish the repair, in a clone that never ran install.
 */
#define GMF_ON_DEMAND_KEY "migrate-fix.ondemand"

#endif
