/* SPDX-License-Identifier: MIT */
/*
 * repo: the only module that includes libgit2 (everything below it, and
 * error.c, is free of it).
 *
 * Owns: finding the repository around a directory, its work tree and git
 * directory, reading and setting git configuration (including multi-valued
 * keys), the commits whose migrations count as published and which ids a
 * commit holds, the index (staging, dirtiness), recording the index as a
 * commit and moving a branch (compare and swap), libgit2's errors as
 * GMF_EGIT messages, and libgit2's initialisation (which puts off the
 * start-up of libgit2's network pieces, as this tool never uses its
 * transports: linked from static archives, mbedTLS, libssh2 and the HTTP
 * Negotiate scheme through -Wl,--wrap, so Kerberos is not linked at all;
 * linked shared, mbedTLS's two CA loaders are defined in repo.c).
 * Must never: run hooks, spawn anything itself (git creates the commit
 * objects and names the hooks directory through gitcmd.h), or change refs
 * unless a function's name says so.  Callers bracket use with
 * gmf_repo_global_init/shutdown.
 */
#ifndef GMF_REPO_H
#define GMF_REPO_H

#include <stddef.h>
#include <sys/stat.h>

typedef struct gmf_repo gmf_repo;

/* The clean filter of the migration files that install writes into
 * .gitattributes (install --global defines it as `git-migrate-fix hook
 * arm`): it passes the content through unchanged, so it never makes a
 * blob differ from the file and staging from memory stays exact. */
#define GMF_ARM_FILTER "migrate-fix-arm"

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
/* A config boolean as git reads it, or GMF_ENOTFOUND (unset, or not a
 * boolean). */
int gmf_repo_config_get_bool(gmf_repo *r, const char *key, int *out);
/* Every value of a multi-valued key, in order (caller frees each and *out). */
int gmf_repo_config_get_all(gmf_repo *r, const char *key, char ***out,
			    size_t *n);

/* The underlying libgit2 handle, for modules that need more. */
struct git_repository *gmf_repo_git(gmf_repo *r);


/* ---- used by fix, merge and undo ---- */

#include "gmf/graph.h"
#include "gmf/journal.h"
#include "gmf/project.h"


/*
 * Resolves the mainline commit: `override` if given, else git config
 * migrate-fix.mainline, else origin/HEAD, origin/main, origin/master,
 * main, master.  When that is HEAD itself and HEAD is a merge commit, its
 * first parent is used (the branch that was merged into).  *hex gets the
 * commit id, *name a description; GMF_ENOTFOUND when nothing resolves.
 */
int gmf_repo_mainline(gmf_repo *r, const char *override, char **hex, char **name);
/*
 * Marks on[i] = 1 for every node of g whose revision id the commit's tree
 * holds in the same version directories (dirs, absolute; subdirectories
 * too when recursive), by path and blob id when they match, else by
 * reading the blob.
 */
int gmf_repo_mark_ids_in_commit(gmf_repo *r, const char *commit_hex,
				const char *const *dirs, size_t ndirs, int recursive,
				gmf_graph *g, unsigned char *on);
/* 1 when one of the n files has changes not committed (or is untracked);
 * *which is its index.  One look at the index and HEAD for all.  sts
 * (or NULL), per file or NULL: the status of the file as the caller
 * just read it, used instead of asking again. */
int gmf_repo_first_dirty(gmf_repo *r, const char *const *abs_paths,
			 const struct stat *const *sts, size_t n, size_t *which);
/*
 * The staged files under the n absolute version directories (project.h:
 * gmf_staged), with the functions that hash and read blobs.  GMF_EGIT
 * when the index cannot be read.  Release with gmf_staged_release.
 */
int gmf_repo_staged(gmf_repo *r, const char *const *abs_dirs, size_t ndirs, gmf_staged *out);
/* Nonzero when abs_path is in the index: GMF_JOURNAL_TRACKED, with
 * GMF_JOURNAL_OLD_UNMERGED when it is in conflict (journal.h). */
int gmf_repo_is_tracked(gmf_repo *r, const char *abs_path);
/* on[i] = 1 for each of the n paths in the index (one look at the
 * index for all); 0 for all when the index cannot be read. */
void gmf_repo_tracked_each(gmf_repo *r, const char *const *abs_paths, size_t n,
			   unsigned char *on);
/* gmf_journal_stage_fn: data is the gmf_repo.  Stages each file from the
 * content the op holds (blob written from memory, the entry given the file's
 * lstat data) when no attribute or core.autocrlf can convert it, else
 * through libgit2's git_index_add_bypath; the index written once.  New
 * blobs are loose objects, or, from 16 of them, one pack written before
 * the index (an interrupted run leaves at most a pack nothing names,
 * which git gc removes); a blob already stored is freshened. */
int gmf_repo_stage(void *repo, const gmf_journal_op *ops, size_t n, int rollback);
/* True while a rebase, cherry-pick or revert sequence is in progress. */
int gmf_repo_in_sequence(gmf_repo *r);

/*
 * Records the index as a commit and moves HEAD's branch to it (compare
 * and swap: GMF_ECONFLICT when HEAD moved meanwhile).  git creates the
 * commit object (`git commit-tree`), signed when commit.gpgsign is true or
 * HEAD itself was signed; GMF_EREFUSED when signing fails (nothing moved,
 * the index stays as it is).  amend: same
 * parents, author and message as HEAD (a merge stays a merge), `message`
 * (unless NULL) added as the message's last paragraph; else a new commit
 * on top of HEAD with `message`.  *old_hex, *new_hex and *ref get
 * the previous and new commit and the reference moved (caller frees).
 * GMF_ENOTFOUND when the index holds no change against HEAD.
 */
int gmf_repo_commit_index(gmf_repo *r, int amend, const char *message,
			  char **old_hex, char **new_hex, char **ref);
/* Moves ref from old_hex to new_hex if it still points at old_hex. */
int gmf_repo_move_ref(gmf_repo *r, const char *ref, const char *old_hex,
		      const char *new_hex, const char *log_message);
/* The commit id `spec` names (caller frees), or NULL. */
char *gmf_repo_resolve(gmf_repo *r, const char *spec);
/* The directory git runs hooks from, as git resolves it (core.hooksPath
 * from any configuration, -c included; asks git once per open repository,
 * again after gmf_repo_config_set changes core.hooksPath). Caller frees. */
char *gmf_repo_hooks_dir(gmf_repo *r);
/* 1 when the index differs from HEAD somewhere under these directories
 * (or when that cannot be told), 0 when it does not. */
int gmf_repo_index_touches(gmf_repo *r, const char *const *abs_dirs, size_t n);
/* Sets a local config value; value NULL deletes the key. */
int gmf_repo_config_set(gmf_repo *r, const char *key, const char *value);

/*
 * The commits whose migrations count as published (the decision model,
 * published.h): the mainline (override, else every value of
 * migrate-fix.mainline, several branches allowed, else the default of
 * gmf_repo_mainline), the extra specs (e.g. the upstream of the branch
 * being merged), every remote-tracking branch and every tag but the full
 * reference names in skip (a pull request's own branch, which `sync`
 * brings up to date, publishes nothing of its own).  A tip that
 * is HEAD while HEAD is a merge commit stands for HEAD^1: the merge being
 * repaired is not published.  Each commit once; *hex and *names are
 * parallel (caller frees each and both arrays).  *mainline_found: the
 * mainline resolved.  GMF_ENOTFOUND when a configured mainline names no
 * commit.
 */
int gmf_repo_published_tips(gmf_repo *r, const char *override, const char *const *extra,
			    size_t nextra, const char *const *skip, size_t nskip,
			    char ***hex, char ***names, size_t *n, int *mainline_found);
/* The upstream (refs/remotes/...) of a branch ref, or NULL. */
char *gmf_repo_upstream_of(gmf_repo *r, const char *branch_ref);
/* The branch HEAD names (refs/heads/...), or NULL when detached. */
char *gmf_repo_head_branch(gmf_repo *r);
/*
 * The remote-tracking branches of the branch being worked on (HEAD's,
 * or the one a rebase rebases): its upstream and the branch it pushes to
 * (refs/remotes/<remote>/<name>), the references that bring it up to
 * date publishing nothing of their own (published.h).  None for a branch
 * a mainline names (and main, master), nor an upstream that is one.
 * Caller frees each and *out; 0 (no branch: none).
 */
int gmf_repo_own_tracking(gmf_repo *r, char ***out, size_t *n);

/*
 * The tracked paths (relative to the work tree) whose basename is
 * alembic.ini or pyproject.toml, from the index alone (no walk of the work
 * tree): a monorepo's Alembic environments (gmf_tracked_fn of project.h,
 * data the gmf_repo).  Caller frees each and *out.
 */
int gmf_repo_tracked_configs(gmf_repo *r, char ***out, size_t *n);

/* ---- a rebase's trees (replay.h) ---- */

/* One migration file of a commit: where it would be in the work tree,
 * its blob id (hex) and its bytes (NUL-terminated). */
typedef struct {
	char *path;
	char oid[41];
	char *data;
	size_t len;
} gmf_tree_file;

/*
 * The migration files of the version directory abs_dir (inside the work
 * tree) in commit_hex's tree, listed as discovery lists a directory
 * (*.py but __init__.py; subfolders when recursive, never __pycache__),
 * in tree order.  None when the commit lacks the directory.
 */
int gmf_repo_tree_files(gmf_repo *r, const char *commit_hex, const char *abs_dir,
			int recursive, gmf_tree_file **out, size_t *n);
void gmf_tree_files_free(gmf_tree_file *f, size_t n);
/* The best common ancestor of two commits (hex, caller frees), or NULL. */
char *gmf_repo_merge_base(gmf_repo *r, const char *a_hex, const char *b_hex);

#endif
