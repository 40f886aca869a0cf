/* SPDX-License-Identifier: MIT */
/*
 * project: where a project's migrations live, and reading them.
 *
 * Owns: the discovery order (--dir; -c; else from the current directory
 * up to the top: alembic.ini with its sections and the pyproject.toml
 * beside it, a pyproject.toml with [tool.alembic], a Flask-Migrate
 * migrations/alembic.ini; `migrate-fix.versions` in git config; at the
 * top of a monorepo every environment the repository tracks;
 * `migrations/versions`), how Alembic resolves script_location (relative
 * to the current directory, package resources found in the tree), the
 * settings of each script location that matter to us (version_locations
 * and separators, recursive_version_locations, file_template,
 * truncate_slug_length), walking the version directories into a
 * graph, and finding the project's module a branch label names
 * (`cli.CONTRACT_BRANCH`, read by reader.h) in the tree.  A configuration Alembic would refuse is an error, never a
 * fallback to the default.
 * Must never: write anything, or follow a version location it cannot name
 * in its error message.
 */
#ifndef GMF_PROJECT_H
#define GMF_PROJECT_H

#include <stddef.h>

#include "gmf/cache.h"
#include "gmf/graph.h"

typedef struct gmf_script {
	char *name;          /* ini section, or "versions" */
	char *config_path;   /* absolute alembic.ini path, or NULL */
	char *section;       /* its section ("alembic", "tool.alembic"), or NULL */
	char *source;        /* "alembic.ini", "git config", "--dir", "default" */
	char **dirs;         /* absolute version directories */
	size_t ndirs;
	int recursive;
	char *script_dir;    /* absolute script_location, or NULL */
	char *file_template; /* NULL when not set */
	int truncate_slug_length;
	char *note;          /* how a location was resolved, for -v, or NULL */
	char *top;           /* the project's top (modules a branch label
	                      * names are looked for up to it), or NULL */
} gmf_script;

typedef struct {
	char *cwd;           /* absolute */
	char *top;           /* work tree top-level, or cwd outside git */
	gmf_script *scripts;
	size_t nscripts;
	char **notes;        /* configuration found but not used, for -v */
	size_t nnotes;
} gmf_project;

/* Lists the tracked paths (relative to the work tree) whose basename is
 * alembic.ini or pyproject.toml; the caller frees each and *out. */
typedef int (*gmf_tracked_fn)(void *data, char ***out, size_t *n);

#define GMF_SUBDIRS_SEPARATE 2

typedef struct {
	const char *const *dirs; /* --dir values */
	size_t ndirs;
	const char *config;      /* -c/--config, or NULL to search */
	const char *name;        /* -n/--name, or NULL for every section */
	const char *worktree;    /* the git work tree's top, NULL outside git */
	const char *const *config_versions; /* git config migrate-fix.versions */
	size_t nconfig_versions;
	const char *const *config_envs; /* git config migrate-fix.environment:
	                          * each a versions directory that is a
	                          * script location of its own */
	size_t nconfig_envs;
	int recursive;           /* git config migrate-fix.recursive: every
	                          * script reads its version directories'
	                          * subdirectories, whatever its configuration
	                          * says (version_locations set in code):
	                          * 1 (true) as one graph, GMF_SUBDIRS_SEPARATE
	                          * ("separate") each subdirectory holding
	                          * migrations a script of its own (one
	                          * database each: Prefect's sqlite/ and
	                          * postgresql/) */
	const char *cwd;         /* NULL: the process's cwd */
	gmf_tracked_fn tracked;  /* inside git: the monorepo's environments
	                          * (called only when nothing closer is found) */
	void *tracked_data;
} gmf_discover_opts;

/* GMF_ENOTFOUND when an explicit config, section or package does not
 * exist, GMF_EPARSE when alembic.ini or pyproject.toml cannot be read or
 * a value cannot be interpolated (message names file:line). */
int gmf_project_discover(gmf_project *out, const gmf_discover_opts *opts);
void gmf_project_release(gmf_project *p);

/*
 * The one directory named `versions` holding a `.py` file under dir
 * (three levels deep at most, hidden directories skipped), absolute
 * (caller frees); NULL when there is none or more than one.  For a hint,
 * never for a decision.
 */
char *gmf_project_versions_near(const char *dir);

/*
 * Reads every migration of s into a new graph (built, not yet checked).
 * Files that cannot be read become fatal findings inside the graph.
 * GMF_ENOTFOUND when a version directory does not exist.
 */
int gmf_script_load(gmf_graph **out, const gmf_script *s);

/*
 * The staged content of the version directories, for a load whose
 * verdict is about what a commit records (a hook's head lockfile or
 * repair): a file the index has at stage 0 comes from the parse cache
 * when an entry was parsed from its very staged blob (the file is not
 * opened), else from the file, whose bytes are hashed: when they are the
 * blob, the entry then remembers the blob id.  When they are not (an
 * edit left unstaged, or a filter such as core.autocrlf), as_blob reads
 * the blob from the object database (the lockfile of a commit names the
 * heads the commit records), else the file is taken as it is (a repair
 * rewrites the file, and stops on one with uncommitted changes).  A
 * blob's bytes never change, so this needs no trust in any file's status
 * data (the hole of cache.h does not apply).  Filled by the repository
 * layer (gmf_repo_staged), never by this module.
 */
typedef struct {
	const char *path;     /* as the loader names the file: the version
	                       * directory, '/', the path below it */
	unsigned char oid[GMF_BLOB_ID_LEN];
} gmf_staged_entry;

typedef struct {
	gmf_staged_entry *entries; /* sorted by path (strcmp) */
	size_t n;
	char *strings;             /* owns the paths */
	/* the git blob id of n bytes (GMF_BLOB_ID_LEN of them into out) */
	void (*blob_id)(const void *data, size_t n, unsigned char *out);
	/* the bytes of a blob (*buf malloc'd and NUL-terminated); called on
	 * the loading thread only */
	int (*read_blob)(void *ctx, const unsigned char *oid, char **buf, size_t *len);
	void *ctx;
	int as_blob;               /* see above; set by the caller */
} gmf_staged;

void gmf_staged_release(gmf_staged *s);
/* The entry for path, or NULL. */
const gmf_staged_entry *gmf_staged_find(const gmf_staged *s, const char *path);

typedef struct {
	int use_cache;   /* take unchanged files from the parse cache (cache.h)
	                  * and remember what was read */
	int verify_cache; /* and take an entry only for a file whose bytes,
	                   * read now, have the entry's content hash (not its
	                   * identity alone: a writer's plan, cache.h) */
	const gmf_staged *staged; /* staged files taken by blob id, or NULL */
	int cache_used;  /* out: a cache was opened (not switched off) */
	size_t nfiles;   /* out: migration files found */
	size_t ncached;  /* out: of those, taken from the cache (with
	                  * verify_cache: whose bytes matched, or, staged,
	                  * parsed from the staged blob) */
	int maybe_subdirs; /* out: not recursing, the listing passed over an
	                    * entry that may be a directory */
} gmf_load_opts;
/* gmf_script_load with options; o may be NULL (no cache). */
int gmf_script_load_opts(gmf_graph **out, const gmf_script *s, gmf_load_opts *o);

/* A migration file's bytes, wherever they come from (a commit's tree). */
typedef struct {
	const char *path;  /* absolute: where it is (or would be) */
	const char *data;
	size_t len;
} gmf_file_bytes;

/*
 * Reads the n files given instead of s's directories into a new graph
 * (built, not yet checked), in the order a listing of them would give; as
 * gmf_script_load, a file that cannot be parsed becomes a fatal finding.
 * The graph keeps copies of the bytes.
 */
int gmf_script_load_files(gmf_graph **out, const gmf_script *s, const gmf_file_bytes *files,
			  size_t n);

/*
 * A `nested-migrations` warning into out when s does not recurse but
 * subdirectories of its version directories hold migration files (nfound:
 * the migrations s did read): a project that sets version_locations in
 * code (Prefect's versions/postgresql and versions/sqlite, neutron's
 * release directories) would otherwise read as a small, healthy one.
 * lo: how s was loaded (NULL: unknown); when its listing passed over no
 * possible directory, nothing is listed again.
 */
void gmf_script_check_nested(const gmf_script *s, const gmf_load_opts *lo, size_t nfound,
			     gmf_findings *out);

#endif
