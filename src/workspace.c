/* SPDX-License-Identifier: MIT */
/* workspace: see include/gmf/workspace.h. */
#include "gmf/workspace.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lock.h"
#include "gmf/lockfile.h"
#include "gmf/path.h"
#include "gmf/state.h"
#include "gmf/strbuf.h"

/* How long a writer waits for another one before refusing. */
#define WAIT_MS 10000

static gmf_naming parse_naming(const char *v)
{
	if (!v || !strcmp(v, "auto"))
		return GMF_NAMING_AUTO;
	if (!strcmp(v, "stem"))
		return GMF_NAMING_STEM;
	if (!strcmp(v, "prefix"))
		return GMF_NAMING_PREFIX;
	if (!strcmp(v, "contains"))
		return GMF_NAMING_CONTAINS;
	return GMF_NAMING_NONE;
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
		int rc;
		ws->loads[i].use_cache = ws->use_cache;
		rc = gmf_script_load_opts(&ws->graphs[i], &ws->project.scripts[i], &ws->loads[i]);
		if (rc < 0) {
			ws->failed_script = i;
			return rc;
		}
	}
	return 0;
}

int gmf_workspace_tracked_configs(void *repo, char ***out, size_t *n)
{
	return gmf_repo_tracked_configs(repo, out, n);
}

int gmf_workspace_open(gmf_workspace *ws, const gmf_workspace_opts *o)
{
	gmf_discover_opts d;
	char *cwd = o->cwd ? gmf_xstrdup(o->cwd) : gmf_path_cwd(), *naming = NULL;
	char **versions = NULL;
	size_t nversions = 0;
	int rc, cfg;

	memset(ws, 0, sizeof(*ws));
	ws->failed_script = (size_t)-1;
	if (!cwd)
		return gmf_error_set(GMF_EIO, "cannot determine the current directory");
	rc = gmf_repo_open(&ws->repo, cwd);
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
		d.tracked = gmf_workspace_tracked_configs;
		d.tracked_data = ws->repo;
	}
	rc = gmf_project_discover(&ws->project, &d);
	for (size_t i = 0; i < nversions; i++)
		free(versions[i]);
	free(versions);
	if (rc < 0)
		goto out;
	if (o->naming)
		ws->naming = parse_naming(o->naming);
	else if (ws->repo && gmf_repo_config_get(ws->repo, "migrate-fix.naming", &naming) == 0)
		ws->naming = parse_naming(naming);
	ws->use_cache = !o->no_cache;
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
				      ws->repo && gmf_repo_is_tracked(ws->repo, path));
		added = 1;
	}
	free(cur);
	free(content);
	free(path);
	return added;
}
