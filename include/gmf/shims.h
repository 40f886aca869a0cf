/* The hook shims of hooks/, compiled in (build/gen/hooks.c). */
#ifndef GMF_GEN_HOOKS_H
#define GMF_GEN_HOOKS_H

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
 * puts one in place for each merge that needs it (cli/cmd_git.c).
 */
#define GMF_POST_MERGE_KEY "migrate-fix.postmerge"

#endif
