/* SPDX-License-Identifier: MIT */
/* workspace: see include/gmf/workspace.h. */
#include "gmf/workspace.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/cache.h"
#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lock.h"
#include "gmf/lockfile.h"
#include "gmf/path.h"
#include "gmf/state.h"
#include "gmf/strbuf.h"

/* How long a writer waits for another one before refusing. */
#define WAIT_MS 10000

/* A naming mode, or -1 for a word that names none. */
static int parse_naming(const char *v)
{
	if (!v || !strcmp(v, "auto"))
		return GMF_NAMING_AUTO;
	if (!strcmp(v, "stem"))
		return GMF_NAMING_STEM;
	if (!strcmp(v, "prefix"))
		return GMF_NAMING_PREFIX;
	if (!strcmp(v, "contains"))
		return GMF_NAMING_CONTAINS;
	if (!strcmp(v, "none"))
		return GMF_NAMING_NONE;
	return -1;
}

static void free_graphs(gmf_workspace *ws)
{
	if (ws->graphs)
		for (size_t i = 0; i < ws->project.nscripts; i++)
			gmf_graph_free(ws->graphs[i]);
	free(ws->graphs);
	free(ws->loads);
	ws->graphs = NULL;
	ws->loads = NULL;
}

int gmf_workspace_reload(gmf_workspace *ws)
{
	free_graphs(ws);
	ws->graphs = gmf_xcalloc(ws->project.nscripts + 1, sizeof(gmf_graph *));
	ws->loads = gmf_xcalloc(ws->project.nscripts + 1, sizeof(gmf_load_opts));
	ws->failed_script = (size_t)-1;
	for (size_t i = 0; i < ws->project.nscripts; i++) {
		const gmf_script *sc = &ws->project.scripts[i];
		gmf_staged staged;
		int rc;
		ws->loads[i].use_cache = ws->use_cache;
		ws->loads[i].verify_cache = ws->verify_cache;
		/* a commit's verdict: the staged files as staged (a repair
		 * without a cache reads every file as it is anyway) */
		memset(&staged, 0, sizeof(staged));
		if ((ws->index_only || (ws->by_blob && ws->use_cache)) && ws->repo &&
		    gmf_repo_staged(ws->repo, (const char *const *)sc->dirs, sc->ndirs, &staged) == 0) {
			staged.as_blob = ws->index_only;
			ws->loads[i].staged = &staged;
		}
		gmf_error_clear();
		rc = gmf_script_load_opts(&ws->graphs[i], sc, &ws->loads[i]);
		ws->loads[i].staged = NULL;
		gmf_staged_release(&staged);
		if (rc < 0) {
			ws->failed_script = i;
			return rc;
		}
	}
	return 0;
}

/* ------------------------------------------- the environments cache */

#define ENV_CACHE_MAGIC "git-migrate-fix environments 1"

/*
 * The identity of the index file: device, inode, size, modification time
 * and the checksum git writes at its end.  git replaces the index by a
 * rename on every write, so a staged or committed alembic.ini (or a
 * checkout, a merge, a reset) always gives another key.  NULL when the
 * index cannot be read, or when GIT_INDEX_FILE names another index.
 */
static char *index_key(const char *gitdir)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	unsigned char tail[32];
	char *path;
	struct stat st;
	gmf_file_id id;
	ssize_t got = 0;
	int fd;

	/* switched off like the parse cache (cache.h), or another index */
	if (getenv("GIT_INDEX_FILE") || gmf_cache_switched_off())
		return NULL;
	path = gmf_path_join(gitdir, "index");
	fd = open(path, O_RDONLY);
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(tail) ||
	    (got = pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail))) !=
		    (ssize_t)sizeof(tail)) {
		close(fd);
		return NULL;
	}
	close(fd);
	gmf_file_id_from_stat(&id, &st);
	gmf_strbuf_addf(&sb, "%llu:%llu:%lld:%lld.%09ld:%lld.%09ld:",
			(unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			(long long)st.st_size, id.mtime_s, id.mtime_ns, id.ctime_s, id.ctime_ns);
	for (size_t i = 0; i < sizeof(tail); i++)
		gmf_strbuf_addf(&sb, "%02x", tail[i]);
	return gmf_strbuf_detach(&sb, NULL);
}

/* The cached list when its key is key: 1 with *out, else 0. */
static int env_cache_read(const char *file, const char *key, char ***out, size_t *n)
{
	char *data = NULL, *p, *nl;
	size_t len = 0, alloc = 0;

	if (gmf_fs_read(file, &data, &len) < 0) {
		gmf_error_clear();
		return 0;
	}
	nl = strchr(data, '\n');
	if (!nl || strncmp(data, ENV_CACHE_MAGIC " ", strlen(ENV_CACHE_MAGIC) + 1) ||
	    strlen(key) != (size_t)(nl - data) - strlen(ENV_CACHE_MAGIC) - 1 ||
	    strncmp(data + strlen(ENV_CACHE_MAGIC) + 1, key, strlen(key)) ||
	    data[len - 1] != '\n' || memchr(data, '\0', len)) {
		free(data);
		return 0;
	}
	*out = NULL;
	*n = 0;
	for (p = nl + 1; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		GMF_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = gmf_xstrndup(p, (size_t)(nl - p));
	}
	free(data);
	return 1;
}

/* Remembers the list under key; a cache that cannot be written is only
 * slower next time. */
static void env_cache_write(const char *dir, const char *file, const char *key,
			    char **paths, size_t n)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;

	for (size_t i = 0; i < n; i++)
		if (strchr(paths[i], '\n'))
			return;
	gmf_strbuf_addf(&sb, "%s %s\n", ENV_CACHE_MAGIC, key);
	for (size_t i = 0; i < n; i++)
		gmf_strbuf_addf(&sb, "%s\n", paths[i]);
	if (gmf_state_dir_make(dir) < 0 ||
	    gmf_fs_write_atomic_unsynced(file, sb.buf, sb.len, 0600) < 0)
		gmf_error_clear();
	gmf_strbuf_release(&sb);
}

static int env_true(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") && strcasecmp(v, "false") && strcasecmp(v, "no") &&
	       strcasecmp(v, "off");
}

int gmf_workspace_in_ci(void)
{
	return env_true("CI") || env_true("GITHUB_ACTIONS");
}

/*
 * The monorepo's environments come from the index (every alembic.ini and
 * pyproject.toml it tracks).  Each hook run would read the whole index
 * again for that: the list is kept in the state directory, keyed on the
 * index file's identity, and read again only when the index changed.
 */
int gmf_workspace_tracked_configs(void *repo, char ***out, size_t *n)
{
	gmf_repo *r = repo;
	const char *gitdir = gmf_repo_gitdir(r);
	char *key = gitdir ? index_key(gitdir) : NULL, *dir = NULL, *file = NULL;
	int rc;

	if (key && (dir = gmf_state_dir(gitdir, NULL)) != NULL) {
		file = gmf_path_join(dir, "environments");
		if (env_cache_read(file, key, out, n)) {
			rc = 0;
			goto out;
		}
	}
	gmf_error_clear();
	rc = gmf_repo_tracked_configs(r, out, n);
	if (rc == 0 && file) {
		/* the index may have changed while it was read: keep the list
		 * only under the key it had before and still has */
		char *again = index_key(gitdir);
		if (again && !strcmp(again, key))
			env_cache_write(dir, file, key, *out, *n);
		free(again);
	}
out:
	free(key);
	free(dir);
	free(file);
	return rc;
}

int gmf_workspace_open(gmf_workspace *ws, const gmf_workspace_opts *o)
{
	gmf_discover_opts d;
	char *cwd = o->cwd ? gmf_xstrdup(o->cwd) : gmf_path_cwd(), *naming = NULL;
	char **versions = NULL, **envs = NULL;
	size_t nversions = 0, nenvs = 0;
	int rc, cfg;

	memset(ws, 0, sizeof(*ws));
	ws->failed_script = (size_t)-1;
	if (!cwd)
		return gmf_error_set(GMF_EIO, "cannot determine the current directory");
	if (o->repo) {
		ws->repo = o->repo;
		ws->repo_borrowed = 1;
		rc = 0;
	} else {
		rc = gmf_repo_open(&ws->repo, cwd);
	}
	if (rc < 0 && rc != GMF_ENOTFOUND)
		goto out;
	memset(&d, 0, sizeof(d));
	d.dirs = o->dirs;
	d.ndirs = o->ndirs;
	d.config = o->config;
	d.name = o->name;
	d.cwd = cwd;
	if (ws->repo) {
		d.worktree = gmf_repo_workdir(ws->repo);
		if (gmf_repo_config_get_all(ws->repo, "migrate-fix.versions", &versions,
					    &nversions) < 0)
			nversions = 0;
		d.config_versions = (const char *const *)versions;
		d.nconfig_versions = nversions;
		if (gmf_repo_config_get_all(ws->repo, "migrate-fix.environment", &envs, &nenvs) < 0)
			nenvs = 0;
		d.config_envs = (const char *const *)envs;
		d.nconfig_envs = nenvs;
		{
			/* true, false, or separate (one script per subdirectory) */
			char *rv = NULL;
			d.recursive = 0;
			if (gmf_repo_config_get(ws->repo, "migrate-fix.recursive", &rv) == 0 &&
			    !strcmp(rv, "separate"))
				d.recursive = GMF_SUBDIRS_SEPARATE;
			else if (gmf_repo_config_get_bool(ws->repo, "migrate-fix.recursive",
							  &d.recursive) == GMF_ENOTFOUND && rv) {
				rc = gmf_error_set(GMF_EUSAGE, "migrate-fix.recursive is '%s': use "
						   "true, false or separate", rv);
				free(rv);
				for (size_t i = 0; i < nversions; i++)
					free(versions[i]);
				free(versions);
				for (size_t i = 0; i < nenvs; i++)
					free(envs[i]);
				free(envs);
				goto out;
			}
			free(rv);
		}
		gmf_error_clear();
		d.tracked = gmf_workspace_tracked_configs;
		d.tracked_data = ws->repo;
	}
	rc = gmf_project_discover(&ws->project, &d);
	for (size_t i = 0; i < nversions; i++)
		free(versions[i]);
	free(versions);
	for (size_t i = 0; i < nenvs; i++)
		free(envs[i]);
	free(envs);
	if (rc < 0)
		goto out;
	{
		int nm = GMF_NAMING_AUTO;
		if (o->naming)
			nm = parse_naming(o->naming);
		else if (ws->repo &&
			 gmf_repo_config_get(ws->repo, "migrate-fix.naming", &naming) == 0)
			nm = parse_naming(naming);
		if (nm < 0) {
			rc = gmf_error_set(GMF_EUSAGE, "%s is '%s': use auto, stem, prefix, "
					   "contains or none",
					   naming ? "migrate-fix.naming" : "--naming",
					   naming ? naming : o->naming);
			goto out;
		}
		ws->naming = (gmf_naming)nm;
	}
	/* a CI verdict comes from the files themselves, and a writer's plan
	 * from entries whose content hash its bytes, read now, match */
	ws->use_cache = !o->no_cache && !gmf_workspace_in_ci();
	ws->verify_cache = o->lock || o->verify_cache;
	ws->index_only = o->index_only;
	ws->by_blob = o->by_blob;
	if (ws->use_cache && ws->repo &&
	    gmf_repo_config_get_bool(ws->repo, "migrate-fix.cache", &cfg) == 0)
		ws->use_cache = cfg;
	ws->state_dir = gmf_state_dir(ws->repo ? gmf_repo_gitdir(ws->repo) : NULL,
				      ws->project.top);
	if (!ws->state_dir) {
		/* only a writer needs it: a read-only command goes on */
		ws->state_error = gmf_xstrdup(gmf_error_last());
		if (o->lock) {
			rc = gmf_error_code() < 0 ? gmf_error_code() : GMF_ERROR;
			goto out;
		}
		gmf_error_clear();
	}
	if (o->lock && (rc = gmf_workspace_lock(ws, &ws->lock_note)) < 0)
		goto out;
	rc = gmf_workspace_reload(ws);
out:
	free(naming);
	free(cwd);
	return rc;
}

void gmf_workspace_release(gmf_workspace *ws)
{
	if (ws->lock) {
		gmf_lock_release(ws->lock);
		free(ws->lock);
	}
	free_graphs(ws);
	gmf_project_release(&ws->project);
	if (!ws->repo_borrowed)
		gmf_repo_free(ws->repo);
	free(ws->state_dir);
	free(ws->lock_note);
	free(ws->state_error);
	memset(ws, 0, sizeof(*ws));
	ws->failed_script = (size_t)-1;
}

int gmf_workspace_lock(gmf_workspace *ws, char **note)
{
	gmf_lock *l;
	int rc;
	if (note)
		*note = NULL;
	if (ws->lock)
		return 0;
	if (!ws->state_dir)
		return gmf_error_set(GMF_EREFUSED, "%s", ws->state_error ? ws->state_error
						  : "no state directory");
	if ((rc = gmf_state_dir_make(ws->state_dir)) < 0)
		return rc;
	l = gmf_xcalloc(1, sizeof(*l));
	if ((rc = gmf_lock_acquire(l, ws->state_dir, WAIT_MS, note)) < 0) {
		free(l);
		return rc;
	}
	ws->lock = l;
	return 0;
}

void gmf_workspace_journal(gmf_workspace *ws, gmf_journal *t)
{
	size_t n = 0;
	const char **roots;
	for (size_t s = 0; s < ws->project.nscripts; s++)
		n += ws->project.scripts[s].ndirs;
	roots = gmf_xcalloc(n + 1, sizeof(char *));
	n = 0;
	/* a version directory is written only where it lies, symlinks
	 * resolved, inside the project: never through a link to elsewhere */
	for (size_t s = 0; s < ws->project.nscripts; s++)
		for (size_t d = 0; d < ws->project.scripts[s].ndirs; d++) {
			const char *dir = ws->project.scripts[s].dirs[d];
			char *probe = gmf_path_join(dir, ".gmf-probe");
			if (gmf_fs_inside(ws->project.top, probe))
				roots[n++] = dir;
			free(probe);
		}
	memset(t, 0, sizeof(*t));
	t->state_dir = ws->state_dir ? gmf_xstrdup(ws->state_dir) : NULL;
	t->roots = roots;
	t->nroots = n;
	t->stage = ws->repo ? gmf_repo_stage : NULL;
	t->stage_data = ws->repo;
}

void gmf_workspace_journal_release(gmf_journal *t)
{
	free(t->state_dir);
	free((void *)t->roots);
	memset(t, 0, sizeof(*t));
}

int gmf_workspace_recover(gmf_workspace *ws, char **what, char **completed)
{
	gmf_journal t;
	int rc;
	*what = NULL;
	if (completed)
		*completed = NULL;
	if (!ws->state_dir || !gmf_journal_pending(ws->state_dir))
		return 0;
	gmf_workspace_journal(ws, &t);
	rc = gmf_journal_recover(&t, what, completed);
	gmf_workspace_journal_release(&t);
	if (rc == 0 && *what)
		rc = gmf_workspace_reload(ws);
	return rc;
}

size_t gmf_workspace_heads(gmf_workspace *ws, size_t s, int tracked_only, const char ***out)
{
	gmf_graph *g = ws->graphs[s];
	size_t n = gmf_graph_count(g), nh = 0;
	unsigned char *in = gmf_xcalloc(n + 1, 1);
	const char **ids = gmf_xcalloc(n + 1, sizeof(char *));
	if (tracked_only && ws->repo) {
		/* one look at the index for every migration */
		const char **paths = gmf_xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			paths[i] = gmf_graph_node(g, i)->mig.path;
		gmf_repo_tracked_each(ws->repo, paths, n, in);
		free(paths);
	} else {
		memset(in, 1, n);
	}
	for (size_t i = 0; i < n; i++)
		in[i] = in[i] && !gmf_graph_node(g, i)->duplicate;
	for (size_t i = 0; i < n; i++) {
		gmf_node *nd = gmf_graph_node(g, i);
		int child = 0;
		if (!in[i])
			continue;
		for (size_t k = 0; k < nd->nchildren && !child; k++)
			child = in[nd->children[k]];
		if (!child)
			ids[nh++] = nd->id;
	}
	free(in);
	*out = ids;
	return nh;
}

void gmf_workspace_op_push(gmf_journal_op **ops, size_t *nops, const char *old_path,
			   const char *new_path, const char *content, size_t len, int tracked)
{
	gmf_journal_op *op;
	*ops = gmf_xrealloc(*ops, (*nops + 1) * sizeof(**ops));
	op = &(*ops)[(*nops)++];
	memset(op, 0, sizeof(*op));
	op->old_path = old_path ? gmf_xstrdup(old_path) : NULL;
	op->new_path = new_path ? gmf_xstrdup(new_path) : NULL;
	op->content = content ? gmf_xstrndup(content, len) : NULL;
	op->len = len;
	op->tracked = tracked;
}

int gmf_workspace_lockfile_op(gmf_workspace *ws, size_t s, const char *const *heads,
			      size_t n, gmf_journal_op **ops, size_t *nops)
{
	char *path = gmf_lockfile_path(&ws->project.scripts[s]), *cur = NULL, *content;
	size_t curlen = 0, len = 0;
	int added = 0;

	if (gmf_fs_read(path, &cur, &curlen) < 0) {
		free(path); /* no lockfile: the project has not adopted one */
		return 0;
	}
	content = gmf_lockfile_render_ids(heads, n, &len);
	if (len != curlen || memcmp(cur, content, len)) {
		gmf_workspace_op_push(ops, nops, path, path, content, len,
				      ws->repo ? gmf_repo_is_tracked(ws->repo, path) : 0);
		added = 1;
	}
	free(cur);
	free(content);
	free(path);
	return added;
}

int gmf_workspace_ignored(gmf_workspace *ws, unsigned long *mask)
{
	char **v = NULL;
	size_t n = 0;
	int rc = 0;

	*mask = 0;
	if (!ws->repo || gmf_repo_config_get_all(ws->repo, "migrate-fix.ignore", &v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = v[i];
		while (*p) {
			size_t len = strcspn(p, ", \t");
			char *name = gmf_xstrndup(p, len);
			int code = len ? gmf_finding_code_parse(name) : -2;
			if (code == -1 && rc == 0)
				rc = gmf_error_set(GMF_EUSAGE, "migrate-fix.ignore names '%s', "
						   "which is no finding code (see docs/checks.md)",
						   name);
			else if (code >= 0 && gmf_finding_code_severity((gmf_finding_code)code) !=
						      GMF_SEV_WARNING && rc == 0)
				rc = gmf_error_set(GMF_EUSAGE, "migrate-fix.ignore names '%s', "
						   "an error: only warnings can be ignored "
						   "(opaque-value, docstring-mismatch, "
						   "duplicate-sequence, reassigned)", name);
			else if (code >= 0 && gmf_finding_code_severity((gmf_finding_code)code) ==
						      GMF_SEV_WARNING)
				*mask |= 1UL << code;
			free(name);
			p += len;
			p += strspn(p, ", \t");
		}
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}
