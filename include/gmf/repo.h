/*
 * repo: the one place that talks to libgit2.
 *
 * Owns: finding the repository around a directory, its work tree and git
 * directory, reading git configuration (including multi-valued keys), and,
 * for the repair commands, which blobs the mainline holds and staging.
 * Must never: run hooks, spawn `git`, or change refs unless a function's
 * name says so.  Callers bracket use with gmf_repo_global_init/shutdown.
 */
#ifndef GMF_REPO_H
#define GMF_REPO_H

#include <stddef.h>

typedef struct gmf_repo gmf_repo;

void gmf_repo_global_init(void);
void gmf_repo_global_shutdown(void);

/* Opens the repository containing dir; GMF_ENOTFOUND outside git. */
int gmf_repo_open(gmf_repo **out, const char *dir);
void gmf_repo_free(gmf_repo *r);

/* Absolute work tree (no trailing '/'), or NULL for a bare repository. */
const char *gmf_repo_workdir(const gmf_repo *r);
/* Absolute git directory of this work tree (no trailing '/'). */
const char *gmf_repo_gitdir(const gmf_repo *r);
/* Absolute common git directory (shared by linked worktrees). */
const char *gmf_repo_commondir(const gmf_repo *r);

/* A config string (caller frees), or GMF_ENOTFOUND. */
int gmf_repo_config_get(gmf_repo *r, const char *key, char **out);
/* Every value of a multi-valued key, in order (caller frees each and *out). */
int gmf_repo_config_get_all(gmf_repo *r, const char *key, char ***out,
			    size_t *n);

/* The underlying libgit2 handle, for modules that need more. */
struct git_repository *gmf_repo_git(gmf_repo *r);

#endif
