/* SPDX-License-Identifier: MIT */
/*
 * gitcmd: runs git itself, for what only git does exactly as git does
 * (creating a commit object signed the way the user's configuration says,
 * asking where git really runs hooks from, reading and writing the user's
 * global configuration wherever git keeps it).
 *
 * Every child gets GIT_MIGRATE_FIX_ACTIVE=1, so hooks that a nested git
 * might start do not re-enter the tool.
 * Owns: starting `git`, feeding its standard input, collecting its output.
 * Must never: run anything but `git`, go through a shell, or print (the
 * child's standard error becomes the error message).  The only module
 * that spawns processes (tests/layering.sh checks it).
 */
#ifndef GMF_GITCMD_H
#define GMF_GITCMD_H

#include <stddef.h>

#include "gmf/strbuf.h"

/*
 * Runs `git argv...` in directory cwd (NULL: the current one) with
 * `input` (may be NULL) on its standard input and env (NULL-terminated
 * "NAME=value" entries, NULL for none) added to the environment.  *out
 * gets standard output (trailing newline kept).  Returns 0 when git exited
 * 0; otherwise GMF_ERROR with git's standard error as the message
 * (GMF_ENOTFOUND when git cannot be started).
 */
int gmf_gitcmd_run(const char *cwd, const char *const *argv, const char *input,
		   const char *const *env, gmf_strbuf *out);

/*
 * `git commit-tree` of tree with the parents and message, in the
 * repository whose git directory is gitdir, signed (-S: the key, format
 * and program git's configuration names) when sign is set.  env: extra
 * "NAME=value" entries (GIT_AUTHOR_* of a commit being amended), or NULL.
 * *out_hex gets the new commit id (caller frees).
 */
int gmf_gitcmd_commit_tree(const char *gitdir, const char *tree_hex,
			   const char *const *parents, size_t nparents, const char *message,
			   const char *const *env, int sign, char **out_hex);

/* 1 when git would sign a commit (commit.gpgsign, with -c and every
 * configuration file git reads), 0 when not. */
int gmf_gitcmd_sign_default(const char *gitdir);

/* The directory git runs hooks from (`git rev-parse --git-path hooks`,
 * absolute), or NULL when git cannot tell. */
char *gmf_gitcmd_hooks_dir(const char *gitdir, const char *workdir);

/* A value of the user's global configuration, as `git config --global`
 * reads it (GIT_CONFIG_GLOBAL, ~/.gitconfig, the XDG file); caller frees.
 * GMF_ENOTFOUND when it is not set. */
int gmf_gitcmd_global_config_get(const char *key, char **out);
/* Sets it (`git config --global`), or with value NULL removes every value
 * of it (nothing to remove is not an error). */
int gmf_gitcmd_global_config_set(const char *key, const char *value);
/* Removes the section (`merge.migrate-fix-head`) from the global
 * configuration when no key is left in it. */
int gmf_gitcmd_global_section_prune(const char *section);

#endif
