/* SPDX-License-Identifier: MIT */
/* pending: see include/gmf/pending.h. */
#include "gmf/pending.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lock.h"
#include "gmf/path.h"
#include "gmf/shims.h"
#include "gmf/state.h"
#include "gmf/strbuf.h"

#define ARMED_OFF "\narmed=0\n"
#define ARMED_ON "\narmed=1\n"
/* A note older than this belongs to a merge that was given up. */
#define NOTE_MAX_AGE (24 * 3600)
#define LOCK_WAIT_MS 5000

static char *in_gitdir(gmf_repo *r, const char *name)
{
	return gmf_path_join(gmf_repo_gitdir(r), name);
}

static int gitdir_has(gmf_repo *r, const char *name)
{
	char *p = in_gitdir(r, name);
	int e = gmf_fs_exists(p);
	free(p);
	return e;
}

static char *first_line(const char *path)
{
	char *data = NULL, *nl;
	size_t len;
	if (gmf_fs_read(path, &data, &len) < 0)
		return NULL;
	if ((nl = strchr(data, '\n')) != NULL)
		*nl = '\0';
	return data;
}

/* One lock for the whole repository's hooks directory. */
static int hooks_lock(gmf_repo *r, gmf_lock *l)
{
	char *dir = gmf_path_join(gmf_repo_commondir(r), "migrate-fix/hooks");
	int rc = gmf_state_dir_make(dir);
	if (rc == 0)
		rc = gmf_lock_acquire(l, dir, LOCK_WAIT_MS, NULL);
	free(dir);
	return rc;
}

static int post_merge_on_demand(gmf_repo *r)
{
	char *v = NULL;
	int on = gmf_repo_config_get(r, GMF_POST_MERGE_KEY, &v) == 0 && !strcmp(v, "on-demand");
	free(v);
	return on;
}

static int is_shim(const char *path, const char *also)
{
	char *data = NULL;
	size_t len;
	int ok = gmf_fs_read(path, &data, &len) == 0 && strstr(data, GMF_HOOK_MARKER) &&
		 (!also || strstr(data, also));
	free(data);
	return ok;
}

static int config_true(gmf_repo *r, const char *key)
{
	int on = 0;
	if (gmf_repo_config_get_bool(r, key, &on) < 0)
		on = 0;
	gmf_error_clear();
	return on;
}

/* Will the shim at path act in this repository?  An armed one always; an
 * installed one where install set migrate-fix.installed, or when it is
 * from before that check. */
static int shim_acts(gmf_repo *r, const char *path)
{
	char *data = NULL;
	size_t len;
	int ok = gmf_fs_read(path, &data, &len) == 0 && strstr(data, GMF_HOOK_MARKER) &&
		 (strstr(data, ARMED_ON) || !strstr(data, GMF_INSTALLED_KEY) ||
		  config_true(r, GMF_INSTALLED_KEY));
	free(data);
	return ok;
}

/* The hooks directory, and whether it is this repository's own (inside
 * its git directory: not tracked, not shared with other repositories),
 * the only place a shim may come and go during a merge. */
static char *own_hooks_dir(gmf_repo *r, int *own)
{
	char *dir = gmf_repo_hooks_dir(r);
	*own = dir && gmf_path_is_within(gmf_repo_commondir(r), dir);
	return dir;
}

/* The slot of hook name: a shim of ours that acts is there, or (can_arm)
 * nothing is and one may be armed. */
static int slot_ready(gmf_repo *r, const char *dir, const char *name, int can_arm)
{
	char *path = gmf_path_join(dir, name);
	int ok = shim_acts(r, path) || (can_arm && !gmf_fs_exists(path));
	free(path);
	return ok;
}

static int in_rebase(gmf_repo *r)
{
	return gitdir_has(r, "rebase-merge") || gitdir_has(r, "rebase-apply");
}

/* Does a lefthook configuration in the work tree (main or local, YAML)
 * run our command for this hook? */
static int lefthook_runs(gmf_repo *r, const char *needle)
{
	static const char *const names[] = { "lefthook", ".lefthook", ".config/lefthook", NULL };
	static const char *const kinds[] = { "", "-local", NULL };
	static const char *const exts[] = { ".yml", ".yaml", NULL };
	const char *top = gmf_repo_workdir(r);
	int found = 0;
	for (int i = 0; top && names[i] && !found; i++)
		for (int k = 0; kinds[k] && !found; k++)
			for (int e = 0; exts[e] && !found; e++) {
				gmf_strbuf p = GMF_STRBUF_INIT;
				gmf_strbuf_addf(&p, "%s/%s%s%s", top, names[i], kinds[k], exts[e]);
				found = gmf_fs_contains(p.buf, needle);
				gmf_strbuf_release(&p);
			}
	return found;
}

/* Our shim as the hook, or as the <hook>.legacy that the pre-commit
 * framework's generated hook runs first (installed in either order), or
 * a hook manager's hook that runs `git-migrate-fix hook <name>`: husky 9's
 * stub runs <dir>/<name> one directory up (husky 8's hook is that
 * script), lefthook's runs the jobs of its configuration. */
static int has_shim(gmf_repo *r, const char *name)
{
	char *dir = gmf_repo_hooks_dir(r), *path = gmf_path_join(dir, name), *h;
	gmf_strbuf sb = GMF_STRBUF_INIT, needle = GMF_STRBUF_INIT;
	const char *base = strrchr(dir, '/');
	int ok = shim_acts(r, path);

	gmf_strbuf_addf(&needle, "git-migrate-fix hook %s", name);
	if (!ok) {
		gmf_strbuf_addf(&sb, "%s.legacy", path);
		ok = shim_acts(r, sb.buf) && gmf_fs_contains(path, "pre-commit");
	}
	if (!ok && gmf_fs_exists(path)) {
		ok = gmf_fs_contains(path, needle.buf) ||
		     (gmf_fs_contains(path, "call_lefthook") && lefthook_runs(r, needle.buf));
		h = gmf_path_join(dir, "h");
		if (!ok && base && !strcmp(base, "/_") && gmf_fs_contains(h, "husky")) {
			gmf_strbuf_reset(&sb);
			gmf_strbuf_addf(&sb, "%.*s/%s", (int)(base - dir), dir, name);
			ok = gmf_fs_contains(sb.buf, needle.buf);
		}
		free(h);
	}
	gmf_strbuf_release(&sb);
	gmf_strbuf_release(&needle);
	free(path);
	free(dir);
	return ok;
}

int gmf_pending_in_am(gmf_repo *r)
{
	return gitdir_has(r, "rebase-apply/applying");
}

int gmf_pending_hooks_ready(gmf_repo *r)
{
	char *dir;
	int own, global, ready;
	/* `git am -3`: only post-applypatch finishes the repair (a hook
	 * manager's lines cannot be told to include it: a conflict) */
	if (gmf_pending_in_am(r))
		return has_shim(r, "post-applypatch");
	if (!(dir = own_hooks_dir(r, &own)))
		return 0;
	/* install --global: the driver arms what it needs, in a hooks
	 * directory of the repository's own only */
	global = own && config_true(r, GMF_ON_DEMAND_KEY);
	if (in_rebase(r)) {
		ready = has_shim(r, "post-rewrite") || slot_ready(r, dir, "post-rewrite", global);
	} else {
		char *pm = gmf_path_join(dir, "post-merge");
		if (has_shim(r, "post-merge") && !is_shim(pm, ARMED_ON))
			ready = 1;
		else
			/* on demand: pre-commit tells, and no other post-merge
			 * hook may stand where ours would go */
			ready = slot_ready(r, dir, "post-merge",
					   global || (own && post_merge_on_demand(r))) &&
				(has_shim(r, "pre-commit") || slot_ready(r, dir, "pre-commit", global));
		free(pm);
	}
	free(dir);
	return ready;
}

/* Writes the armed shim of hook name unless one is there. */
static int arm(gmf_repo *r, const char *dir, const char *name)
{
	const gmf_hook_shim *h = gmf_hook_shims;
	char *path;
	gmf_strbuf content = GMF_STRBUF_INIT;
	const char *at;
	int rc = 0;

	while (h->name && strcmp(h->name, name))
		h++;
	if (!h->name || !(at = strstr(h->content, ARMED_OFF)))
		return gmf_error_set(GMF_EIO, "the %s shim is missing from this build", name);
	path = gmf_path_join(dir, name);
	if (!gmf_fs_exists(path)) {
		gmf_strbuf_add(&content, h->content, (size_t)(at - h->content));
		gmf_strbuf_adds(&content, ARMED_ON);
		gmf_strbuf_adds(&content, at + strlen(ARMED_OFF));
		rc = gmf_fs_write_atomic(path, content.buf, content.len, 0755);
		if (rc == 0 && chmod(path, 0755) < 0)
			rc = gmf_error_set_errno(GMF_EIO, path);
	} else if (!is_shim(path, NULL) && !has_shim(r, name)) {
		rc = gmf_error_set(GMF_EREFUSED, "a %s hook of someone else's is in the way",
				   name);
	}
	gmf_strbuf_release(&content);
	free(path);
	return rc;
}

/* The shims this merge or rebase needs armed: post-merge (on demand, or
 * install --global), pre-commit for a merge that stops (install
 * --global), post-rewrite for a rebase (install --global). */
static int arm_needed(gmf_repo *r, int rebase)
{
	char *dir;
	int own, global, rc = 0;
	if (!(dir = own_hooks_dir(r, &own)) || !own) {
		free(dir);
		return 0;
	}
	global = config_true(r, GMF_ON_DEMAND_KEY);
	if (rebase) {
		if (global)
			rc = arm(r, dir, "post-rewrite");
	} else {
		if (global || post_merge_on_demand(r))
			rc = arm(r, dir, "post-merge");
		if (rc == 0 && global)
			rc = arm(r, dir, "pre-commit");
	}
	free(dir);
	return rc;
}

int gmf_pending_record(gmf_repo *r)
{
	char *orig = NULL, *dir = in_gitdir(r, "migrate-fix"), *note = NULL, *orig_path;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_lock l = GMF_LOCK_INIT;
	int rebase = in_rebase(r);
	int on_demand = (!rebase && post_merge_on_demand(r)) || config_true(r, GMF_ON_DEMAND_KEY);
	int rc;

	orig_path = in_gitdir(r, "ORIG_HEAD");
	orig = first_line(orig_path);
	free(orig_path);
	note = gmf_path_join(dir, "pending");
	gmf_strbuf_addf(&sb, "orig %s\ncontext %s\n", orig ? orig : "-",
			rebase ? "rebase" : "merge");
	/* the note and the shim together, as one step for the other
	 * worktrees' hooks */
	rc = on_demand ? hooks_lock(r, &l) : 0;
	if (rc == 0)
		rc = gmf_state_dir_make(dir);
	if (rc == 0)
		/* not synced: a crash before the hook runs loses the merge's
		 * own end too, and the note is only for that hook */
		rc = gmf_fs_write_atomic_unsynced(note, sb.buf, sb.len, 0600);
	if (rc == 0 && on_demand && (rc = arm_needed(r, rebase)) < 0)
		(void)gmf_fs_unlink(note);
	if (on_demand)
		gmf_lock_release(&l);
	gmf_strbuf_release(&sb);
	free(note);
	free(dir);
	free(orig);
	return rc;
}

static int read_note(gmf_repo *r, gmf_pending *p, int take)
{
	char *path = in_gitdir(r, "migrate-fix/pending"), *data = NULL, *s;
	size_t len;
	memset(p, 0, sizeof(*p));
	if (gmf_fs_read(path, &data, &len) < 0) {
		free(path);
		gmf_error_clear();
		return GMF_ENOTFOUND;
	}
	if (take)
		(void)gmf_fs_unlink(path);
	free(path);
	if ((s = strstr(data, "orig ")) != NULL)
		p->orig = gmf_xstrndup(s + 5, strcspn(s + 5, "\n"));
	if ((s = strstr(data, "context ")) != NULL)
		p->context = gmf_xstrndup(s + 8, strcspn(s + 8, "\n"));
	free(data);
	if (!p->orig)
		p->orig = gmf_xstrdup("-");
	if (!p->context)
		p->context = gmf_xstrdup("merge");
	return 0;
}

int gmf_pending_take(gmf_repo *r, gmf_pending *p)
{
	return read_note(r, p, 1);
}

int gmf_pending_peek(gmf_repo *r, gmf_pending *p)
{
	return read_note(r, p, 0);
}

void gmf_pending_release(gmf_pending *p)
{
	free(p->orig);
	free(p->context);
	memset(p, 0, sizeof(*p));
}

static int fresh_note(const char *gitdir)
{
	char *p = gmf_path_join(gitdir, "migrate-fix/pending");
	struct stat st;
	int fresh = stat(p, &st) == 0 && time(NULL) - st.st_mtime < NOTE_MAX_AGE;
	free(p);
	return fresh;
}

/* Does any worktree of the repository have a note waiting? */
static int any_note(gmf_repo *r)
{
	const char *common = gmf_repo_commondir(r);
	char *wt = gmf_path_join(common, "worktrees");
	DIR *d;
	struct dirent *e;
	int found = fresh_note(common);

	if (!found && (d = opendir(wt)) != NULL) {
		while (!found && (e = readdir(d)) != NULL) {
			char *g;
			if (e->d_name[0] == '.')
				continue;
			g = gmf_path_join(wt, e->d_name);
			found = fresh_note(g);
			free(g);
		}
		closedir(d);
	}
	free(wt);
	return found;
}

int gmf_pending_disarm(gmf_repo *r, const char *hook_path)
{
	static const char *const armable[] = { "post-merge", "pre-commit", "post-rewrite", NULL };
	gmf_lock l = GMF_LOCK_INIT;
	char *dir = gmf_xstrdup(hook_path), *slash = strrchr(dir, '/');
	int rc = hooks_lock(r, &l);

	if (slash)
		*slash = '\0';
	/* every armed shim of the directory goes together */
	for (size_t i = 0; rc == 0 && armable[i] && !any_note(r); i++) {
		char *path = slash ? gmf_path_join(dir, armable[i]) : gmf_xstrdup(armable[i]);
		if (is_shim(path, ARMED_ON))
			rc = gmf_fs_unlink(path);
		free(path);
	}
	gmf_lock_release(&l);
	free(dir);
	return rc;
}

int gmf_pending_arm_commit(gmf_repo *r)
{
	gmf_lock l = GMF_LOCK_INIT;
	char *dir, *path;
	int own, rc = 0;

	if (!config_true(r, GMF_ON_DEMAND_KEY) || !(dir = own_hooks_dir(r, &own)))
		return 0;
	path = gmf_path_join(dir, "pre-commit");
	/* a pre-commit hook of any kind is there: install's, or the user's
	 * (then the clone needs `git migrate-fix install`, which chains it) */
	if (own && !gmf_fs_exists(path) && (rc = hooks_lock(r, &l)) == 0) {
		rc = arm(r, dir, "pre-commit");
		gmf_lock_release(&l);
	}
	free(path);
	free(dir);
	return rc;
}
