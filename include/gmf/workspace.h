/* SPDX-License-Identifier: MIT */
/*
 * workspace: one project opened for a command, a hook or the merge driver.
 *
 * Owns: opening the repository around a directory (none outside git),
 * discovering the project's script locations and reading each into a
 * graph (parse cache as configured), the tool's state directory for the
 * project (state.h: inside the git directory, never in the project tree),
 * the project-wide write lock (lock.h), preparing a journal (journal.h) whose
 * every path must lie in the project's version directories, recovering an
 * interrupted run, and the head-lockfile operation shared by the
 * workflows.
 * Must never: print, exit, move a migration, or write anything but the
 * state directory, the lock and (through a journal) the version
 * directories.
 */
#ifndef GMF_WORKSPACE_H
#define GMF_WORKSPACE_H

#include <stddef.h>

#include "gmf/graph.h"
#include "gmf/project.h"
#include "gmf/repo.h"
#include "gmf/journal.h"

typedef struct {
	const char *const *dirs; /* --dir values */
	size_t ndirs;
	const char *config;      /* -c, or NULL to search */
	const char *name;        /* -n, or NULL for every section */
	const char *naming;      /* auto|stem|prefix|contains|none; NULL: git
	                          * config migrate-fix.naming, else auto */
	int no_cache;            /* never use the parse cache; it is not
	                          * used either when gmf_workspace_in_ci
	                          * (see below) */
	int verify_cache;        /* a writer's plan (a dry run too): take a
	                          * cache entry only for a file whose bytes,
	                          * read now, have its content hash; implied
	                          * by lock */
	const char *cwd;         /* NULL: the process's current directory */
	int lock;                /* take the write lock before reading, so
	                          * what is read is what a writer changes */
	int index_only;          /* what a commit records is what counts
	                          * (the pre-commit hook's lockfile): a
	                          * staged migration is read as its staged
	                          * blob (project.h: gmf_staged, as_blob) */
	int by_blob;             /* a repair that goes into a commit: a
	                          * staged migration is taken from the parse
	                          * cache by its staged blob id, a file that
	                          * differs from its blob as it is */
	gmf_repo *repo;          /* the repository around cwd, already open
	                          * (borrowed: the caller frees it after
	                          * the workspace), or NULL to open it */
} gmf_workspace_opts;

typedef struct gmf_workspace {
	gmf_repo *repo;          /* NULL outside git */
	int repo_borrowed;       /* opts.repo: not freed here */
	gmf_project project;
	gmf_graph **graphs;      /* one per script, built (not checked) */
	gmf_load_opts *loads;    /* how each was read */
	gmf_naming naming;
	char *state_dir;         /* the tool's state for this project, or NULL
	                          * when it cannot be had (state_error says
	                          * why; only writers need it) */
	char *state_error;
	size_t failed_script;    /* after a load error: its script, else -1 */
	struct gmf_lock *lock;   /* held write lock, or NULL */
	int use_cache;
	int verify_cache;        /* a writer: entries only for the same bytes */
	int index_only;          /* opts.index_only */
	int by_blob;             /* opts.by_blob */
	char *lock_note;         /* a stale lock was removed (opts.lock) */
} gmf_workspace;

/*
 * True when the environment says a CI job runs (CI or GITHUB_ACTIONS set
 * to anything but "", "0", "false", "no", "off"), where a verdict blocks a
 * merge: there the parse cache is never used.  Its entries are trusted on
 * a file's stat data, and a write through a shared memory map can change
 * the bytes without moving it (cache.h).  For the same reason a workspace
 * opened to write (opts.lock) reads every file.
 */
int gmf_workspace_in_ci(void);

/* A gmf_tracked_fn (project.h) whose data is a gmf_repo: a monorepo's
 * environments from the index, for every discovery inside git.  The list
 * is cached in <git dir>/migrate-fix/environments, keyed on the index
 * file's identity and trailing checksum (GIT_MIGRATE_FIX_CACHE=0 or
 * GIT_INDEX_FILE: not cached). */
int gmf_workspace_tracked_configs(void *repo, char ***out, size_t *n);

/* Opens and reads everything; on error the message says why and
 * failed_script names the script whose directory could not be read. */
int gmf_workspace_open(gmf_workspace *ws, const gmf_workspace_opts *o);
/* Reads every script's graph again (after files changed). */
int gmf_workspace_reload(gmf_workspace *ws);
/* Releases everything, the lock included. */
void gmf_workspace_release(gmf_workspace *ws);

/* Takes the project's write lock, waiting a little for another process;
 * GMF_ECONFLICT with the holder named when it stays held.  *note (may be
 * NULL; caller frees) tells of a stale lock that was removed. */
int gmf_workspace_lock(gmf_workspace *ws, char **note);

/* Fills t for a journaled change of this project's version directories
 * (t->roots are allocated: release with gmf_workspace_journal_release). */
void gmf_workspace_journal(gmf_workspace *ws, gmf_journal *t);
void gmf_workspace_journal_release(gmf_journal *t);

/* Rolls back or completes an interrupted run (verifying every file
 * first) and reloads the graphs when files changed.  *what (caller
 * frees) describes what was done, NULL when nothing was pending;
 * *completed (may be NULL) the label of a run completed. */
int gmf_workspace_recover(gmf_workspace *ws, char **what, char **completed);

/* The heads the lockfile of script s should name (caller frees the
 * array, not the ids).  tracked_only: only migrations in the index. */
size_t gmf_workspace_heads(gmf_workspace *ws, size_t s, int tracked_only,
			   const char ***out);
/* Appends an op rewriting script s's head lockfile to name exactly these
 * heads, when the project has one that says otherwise; 1 when added. */
int gmf_workspace_lockfile_op(gmf_workspace *ws, size_t s, const char *const *heads,
			      size_t n, gmf_journal_op **ops, size_t *nops);

/*
 * The warnings the project silenced (git config migrate-fix.ignore, one
 * or more values, codes separated by commas or spaces), one bit per code
 * (1UL << code), for gmf_findings_drop.  GMF_EUSAGE when a value names no
 * code, or an error (never silenced: Alembic may fail on it); *mask then
 * still holds the warnings that were named.
 */
int gmf_workspace_ignored(gmf_workspace *ws, unsigned long *mask);

/* Appends a copy of op to *ops. */
void gmf_workspace_op_push(gmf_journal_op **ops, size_t *nops, const char *old_path,
			   const char *new_path, const char *content, size_t len, int tracked);

#endif
