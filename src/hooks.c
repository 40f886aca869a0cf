/* SPDX-License-Identifier: MIT */
/* hooks: see include/gmf/hooks.h. */
#include "gmf/hooks.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/fix.h"
#include "gmf/fs.h"
#include "gmf/path.h"
#include "gmf/pending.h"
#include "gmf/repo.h"
#include "gmf/state.h"
#include "gmf/workspace.h"

extern char **environ;

void gmf_hook_report_release(gmf_hook_report *rep)
{
	gmf_strbuf_release(&rep->out);
	gmf_strbuf_release(&rep->err);
}

static char *gitdir_line(gmf_repo *r, const char *name)
{
	char *path = gmf_path_join(gmf_repo_gitdir(r), name), *data = NULL, *nl;
	size_t len;
	int rc = gmf_fs_read(path, &data, &len);
	free(path);
	if (rc < 0)
		return NULL;
	if ((nl = strchr(data, '\n')) != NULL)
		*nl = '\0';
	return data;
}

static int gitdir_has(gmf_repo *r, const char *name)
{
	char *path = gmf_path_join(gmf_repo_gitdir(r), name);
	int e = gmf_fs_exists(path);
	free(path);
	return e;
}

/* The commits a merge brings in that count as published beyond the
 * references: what `git pull` fetched, and the upstream of a local
 * branch being merged (GITHEAD_<sha>=<name>). */
typedef struct {
	char **v;
	size_t n;
} strlist;

static void strlist_add(strlist *l, char *s)
{
	if (!s)
		return;
	l->v = gmf_xrealloc(l->v, (l->n + 1) * sizeof(char *));
	l->v[l->n++] = s;
}

static void strlist_release(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void merge_publishers(gmf_repo *r, strlist *out)
{
	const char *action = getenv("GIT_REFLOG_ACTION");
	if (action && !strncmp(action, "pull", 4))
		strlist_add(out, gitdir_line(r, "MERGE_HEAD"));
	for (char **e = environ; e && *e; e++) {
		const char *eq;
		gmf_strbuf ref = GMF_STRBUF_INIT;
		if (strncmp(*e, "GITHEAD_", 8) || !(eq = strchr(*e, '=')))
			continue;
		gmf_strbuf_addf(&ref, "refs/heads/%s", eq + 1);
		strlist_add(out, gmf_repo_upstream_of(r, ref.buf));
		gmf_strbuf_release(&ref);
	}
}

/* "git-migrate-fix: the migrations now have two heads" advice. */
static void advise_if_heads(gmf_hook_report *rep)
{
	gmf_workspace ws;
	gmf_workspace_opts o;
	memset(&o, 0, sizeof(o));
	if (gmf_workspace_open(&ws, &o) == 0) {
		for (size_t s = 0; s < ws.project.nscripts; s++) {
			size_t *heads, nh = gmf_graph_heads(ws.graphs[s], &heads);
			free(heads);
			if (nh > 1) {
				gmf_strbuf_adds(&rep->out, "git-migrate-fix: the migrations now have "
						"more than one head; run `git migrate-fix fix`\n");
				break;
			}
		}
	}
	gmf_workspace_release(&ws);
}

/* What a repair did, for the developer and for the commit message. */
static void describe(gmf_strbuf *sb, const gmf_fix_result *res, const char *prefix)
{
	const gmf_id_rename **rn;
	size_t n = gmf_fix_renames(res, &rn);
	if (n) {
		gmf_strbuf_addf(sb, "%srevision ids changed; a database that already recorded "
				"an old id needs re-stamping:\n", prefix);
		for (size_t i = 0; i < n; i++)
			gmf_strbuf_addf(sb, "  %s -> %s   (alembic stamp --purge %s)\n",
					rn[i]->old_id, rn[i]->new_id, rn[i]->new_id);
		gmf_strbuf_adds(sb, "  (only where that database also has the mainline's newer "
				"migrations; otherwise downgrade it first, from the checkout that "
				"still has the old ids)\n");
	}
	free(rn);
}

static void commit_note(gmf_strbuf *msg, const gmf_fix_result *res)
{
	const gmf_id_rename **rn;
	size_t n = gmf_fix_renames(res, &rn);
	gmf_strbuf_addf(msg, "git-migrate-fix %s.\n", res->description);
	if (n) {
		gmf_strbuf_adds(msg, "\nRenamed revision ids:\n");
		for (size_t i = 0; i < n; i++)
			gmf_strbuf_addf(msg, "  %s -> %s\n", rn[i]->old_id, rn[i]->new_id);
	}
	free(rn);
}

/* The report of a refused or failed repair: the merge stays as git made it. */
static void report_refusal(gmf_hook_report *rep, int rc, const gmf_fix_result *res)
{
	if (res->stop) {
		gmf_strbuf_addf(&rep->out, "git-migrate-fix: the migrations have more than one "
				"head and were not repaired automatically: %s\n", res->stop->why);
		gmf_strbuf_addf(&rep->out, "hint: run `%s`\n", res->stop->command);
	} else {
		gmf_strbuf_addf(&rep->out, "git-migrate-fix: could not repair the migrations "
				"automatically (%s); run `git migrate-fix fix`\n",
				rc < 0 ? gmf_error_last() : "?");
	}
}

static void report_notes(gmf_hook_report *rep, const gmf_fix_result *res)
{
	if (res->notes)
		gmf_strbuf_addf(&rep->err, "git-migrate-fix: %s\n", res->notes);
	if (res->warning)
		gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: %s\n", res->warning);
}

static const char *what_of(const gmf_fix_result *res, gmf_strbuf *sb)
{
	gmf_strbuf_reset(sb);
	if (res->description)
		gmf_strbuf_adds(sb, res->description);
	return sb->buf;
}

/*
 * Repairs with what git keeps (`ours`) as the side that stays, then, if
 * commit >= 0, records it: commit 1 amends HEAD, 0 adds a commit with
 * `title`.  Everything is reported.
 */
static void repair(gmf_hook_report *rep, gmf_repo *r, const char *ours, const char *ours_name,
		   int commit, const char *title, const char *where)
{
	gmf_workspace ws;
	gmf_workspace_opts wo;
	gmf_fix_opts fo;
	gmf_fix_result res;
	strlist pubs = { NULL, 0 };
	gmf_strbuf msg = GMF_STRBUF_INIT, what = GMF_STRBUF_INIT;
	int rc;

	memset(&wo, 0, sizeof(wo));
	memset(&res, 0, sizeof(res));
	wo.lock = 1;
	if ((rc = gmf_workspace_open(&ws, &wo)) < 0) {
		gmf_strbuf_addf(&rep->out, "git-migrate-fix: could not read the migrations (%s); "
				"run `git migrate-fix check`\n", gmf_error_last());
		gmf_workspace_release(&ws);
		return;
	}
	merge_publishers(r, &pubs);
	memset(&fo, 0, sizeof(fo));
	fo.in_hook = 1;
	fo.strategy = -1;
	fo.ours = ours;
	fo.ours_name = ours_name;
	fo.publishers = (const char *const *)pubs.v;
	fo.npublishers = pubs.n;
	rc = gmf_fix_run(&res, &ws, &fo);
	report_notes(rep, &res);
	if (rc < 0) {
		report_refusal(rep, rc, &res);
		goto out;
	}
	if (!res.changed)
		goto out;
	if (commit < 0) {
		gmf_strbuf_addf(&rep->out, "git-migrate-fix: %s %s; undo with `git migrate-fix "
				"undo`\n", what_of(&res, &what), where);
	} else {
		char *old = NULL, *new = NULL, *ref = NULL;
		gmf_journal t;
		if (!commit)
			gmf_strbuf_addf(&msg, "%s\n\n", title);
		commit_note(&msg, &res);
		rc = gmf_repo_commit_index(ws.repo, commit, msg.buf, &old, &new, &ref);
		if (rc == 0) {
			gmf_workspace_journal(&ws, &t);
			(void)gmf_journal_record_ref(&t, ref, old, new);
			gmf_workspace_journal_release(&t);
			gmf_strbuf_addf(&rep->out, "git-migrate-fix: %s %s; undo with `git "
					"migrate-fix undo`\n", what_of(&res, &what),
					commit ? "inside the commit" : "in a new commit");
		} else if (rc == GMF_EREFUSED) {
			/* a branch that requires signed commits would reject an
			 * unsigned one: never fall back to it */
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: error: %s\n"
					"git-migrate-fix: the repair is staged, not committed; "
					"once signing works run `%s` (or put everything back with "
					"`git migrate-fix undo`)\n", gmf_error_last(),
					commit ? "git commit --amend --no-edit"
					       : "git commit -m 'Renumber migrations after rebase'");
		} else if (rc != GMF_ENOTFOUND) {
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: %s; the repair is "
					"staged: commit it yourself\n", gmf_error_last());
		}
		free(old);
		free(new);
		free(ref);
	}
	describe(&rep->out, &res, "git-migrate-fix: ");
out:
	gmf_strbuf_release(&msg);
	gmf_strbuf_release(&what);
	strlist_release(&pubs);
	gmf_fix_result_release(&res);
	gmf_workspace_release(&ws);
}

static void post_merge(gmf_hook_report *rep, gmf_repo *r, int argc, char **argv)
{
	gmf_pending p;
	char *head_parent = NULL;

	if (gmf_pending_take(r, &p) < 0)
		return;
	if (argc > 0 && !strcmp(argv[0], "1")) {
		/* --squash: the commit comes later; no rewriting */
		advise_if_heads(rep);
		goto out;
	}
	/* a fast-forward has no MERGE_HEAD; a stale note names another HEAD */
	head_parent = gmf_repo_resolve(r, "HEAD^1");
	if (!gitdir_has(r, "MERGE_HEAD") || !head_parent || strcmp(head_parent, p.orig))
		goto out;
	repair(rep, r, head_parent, "the branch merged into", 1, NULL, NULL);
out:
	free(head_parent);
	gmf_pending_release(&p);
}

/*
 * The pre-commit shim's fast path (hooks/pre-commit): when nothing is
 * staged under any pathspec of <git dir>/migrate-fix/pre-commit-paths and
 * nothing the list was derived from changed since, this binary would find
 * nothing to do, so the shim does not start it.  The list names every
 * version directory discovery found and every alembic.ini and
 * pyproject.toml anywhere (pathspecs, checked with one `git diff
 * --cached --quiet`), the files discovery and git configuration read and
 * the directories where a new one would appear ("newer": stale when its
 * mtime passes the list's), the ones that do not exist yet ("absent"),
 * and this binary ("newer": an upgrade).  pre-commit-head holds the HEAD
 * the list is valid for: the shim moves it on after each commit that the
 * fast path or this binary checked (post-commit), anything else that moves
 * HEAD (checkout, merge, reset, pull, rebase) makes the list stale.  The
 * list's mtime is set a second back, so a change in the same second as the
 * write counts as newer even where test -nt compares whole seconds.
 */
#define FAST_LIST_HEADER "# git-migrate-fix pre-commit-paths 1\n"

static int list_line(gmf_strbuf *sb, const char *kind, const char *path)
{
	if (strchr(path, '\n'))
		return -1; /* a name the shim's `read` cannot take back */
	gmf_strbuf_addf(sb, "%s %s\n", kind, path);
	return 0;
}

static int list_file(gmf_strbuf *sb, const char *path)
{
	struct stat st;
	return list_line(sb, stat(path, &st) == 0 ? "newer" : "absent", path);
}

static int list_owned(gmf_strbuf *sb, char *path)
{
	int rc = list_file(sb, path);
	free(path);
	return rc;
}

/* The git-migrate-fix the shim finds on PATH (`command -v`), or NULL. */
static char *binary_on_path(void)
{
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		gmf_strbuf dir = GMF_STRBUF_INIT;
		char *cand;
		gmf_strbuf_add(&dir, n ? path : ".", n ? n : 1);
		cand = gmf_path_join(dir.buf, "git-migrate-fix");
		gmf_strbuf_release(&dir);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path = colon ? colon + 1 : NULL;
	}
	return NULL;
}

static int fast_list_build(gmf_strbuf *sb, gmf_repo *r, const gmf_project *p,
			   const char *const *dirs, size_t n)
{
	const char *top = gmf_repo_workdir(r), *home = getenv("HOME"),
		   *xdg = getenv("XDG_CONFIG_HOME");
	char **tracked = NULL, *bin;
	size_t ntracked = 0;
	int rc = 0;

	if (!top || strcmp(p->cwd, top) || gmf_repo_tracked_configs(r, &tracked, &ntracked) < 0)
		return -1;
	gmf_strbuf_adds(sb, FAST_LIST_HEADER);
	for (size_t i = 0; i < n && rc == 0; i++) {
		gmf_strbuf spec = GMF_STRBUF_INIT;
		size_t tl = strlen(top);
		if (strncmp(dirs[i], top, tl) || dirs[i][tl] != '/')
			rc = -1; /* outside the work tree: git cannot be asked */
		else {
			gmf_strbuf_addf(&spec, ":(top)%s", dirs[i] + tl + 1);
			rc = list_line(sb, "path", spec.buf);
		}
		gmf_strbuf_release(&spec);
	}
	if (rc == 0)
		gmf_strbuf_adds(sb, "path :(top,glob)**/alembic.ini\n"
				"path :(top,glob)**/pyproject.toml\n");
	/* where discovery looks and what it read */
	rc = rc ? rc : list_file(sb, top);
	rc = rc ? rc : list_owned(sb, gmf_path_join(top, "migrations"));
	for (size_t s = 0; s < p->nscripts && rc == 0; s++) {
		const gmf_script *sc = &p->scripts[s];
		if (sc->config_path) {
			char *dir = gmf_xstrdup(sc->config_path), *slash = strrchr(dir, '/');
			if (slash)
				*slash = '\0';
			rc = list_file(sb, sc->config_path);
			rc = rc ? rc : list_file(sb, dir);
			rc = rc ? rc : list_owned(sb, gmf_path_join(dir, "pyproject.toml"));
			free(dir);
		}
		if (rc == 0 && sc->script_dir)
			rc = list_file(sb, sc->script_dir);
	}
	for (size_t i = 0; i < ntracked && rc == 0; i++)
		rc = list_owned(sb, gmf_path_join(top, tracked[i]));
	/* git configuration (migrate-fix.versions, .naming, ...) */
	rc = rc ? rc : list_owned(sb, gmf_path_join(gmf_repo_commondir(r), "config"));
	rc = rc ? rc : list_owned(sb, gmf_path_join(gmf_repo_gitdir(r), "config.worktree"));
	rc = rc ? rc : list_file(sb, "/etc/gitconfig");
	if (rc == 0 && home && *home == '/')
		rc = list_owned(sb, gmf_path_join(home, ".gitconfig"));
	if (rc == 0 && xdg && *xdg == '/')
		rc = list_owned(sb, gmf_path_join(xdg, "git/config"));
	else if (rc == 0 && home && *home == '/')
		rc = list_owned(sb, gmf_path_join(home, ".config/git/config"));
	if (rc == 0 && (bin = binary_on_path()) != NULL)
		rc = list_owned(sb, bin);
	for (size_t i = 0; i < ntracked; i++)
		free(tracked[i]);
	free(tracked);
	return rc;
}

static void fast_list_remove(gmf_repo *r)
{
	char *list = gmf_path_join(gmf_repo_gitdir(r), "migrate-fix/pre-commit-paths");
	if (gmf_fs_exists(list))
		(void)gmf_fs_unlink(list);
	gmf_error_clear();
	free(list);
}

/* path replaced by data, atomically but not synced: a list lost in a
 * crash only costs a commit the slow path, an fsync would cost every
 * commit that runs the binary */
static int write_unsynced(const char *path, const gmf_strbuf *data)
{
	gmf_strbuf tmp = GMF_STRBUF_INIT;
	int rc;
	gmf_strbuf_addf(&tmp, "%s.tmp", path);
	if (gmf_fs_exists(tmp.buf))
		(void)gmf_fs_unlink(tmp.buf);
	rc = gmf_fs_write_new_unsynced(tmp.buf, data->buf, data->len, 0600);
	if (rc == 0 && (rc = gmf_fs_rename(tmp.buf, path)) < 0)
		(void)gmf_fs_unlink(tmp.buf);
	gmf_strbuf_release(&tmp);
	return rc;
}

/* Writes the fast path's list, or removes it when it cannot be had; a
 * failure only costs the next commit the slow path. */
static void fast_list_write(gmf_repo *r, const gmf_project *p, const char *const *dirs,
			    size_t n)
{
	char *state = gmf_state_dir(gmf_repo_gitdir(r), p->top), *list = NULL, *hfile = NULL,
	     *head = gmf_repo_resolve(r, "HEAD");
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int ok;

	if (!state || gmf_state_dir_make(state) < 0)
		goto out;
	list = gmf_path_join(state, "pre-commit-paths");
	hfile = gmf_path_join(state, "pre-commit-head");
	ok = head && n && fast_list_build(&sb, r, p, dirs, n) == 0;
	if (ok) {
		gmf_strbuf h = GMF_STRBUF_INIT;
		struct timespec ts[2];
		gmf_strbuf_addf(&h, "%s\n", head);
		ok = write_unsynced(hfile, &h) == 0 && write_unsynced(list, &sb) == 0;
		gmf_strbuf_release(&h);
		if (ok) {
			ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 1;
			ts[0].tv_nsec = ts[1].tv_nsec = 0;
			ok = utimensat(AT_FDCWD, list, ts, 0) == 0;
		}
	}
	if (!ok && gmf_fs_exists(list))
		(void)gmf_fs_unlink(list);
out:
	gmf_error_clear();
	gmf_strbuf_release(&sb);
	free(state);
	free(list);
	free(hfile);
	free(head);
}

static int commit_touches_migrations(gmf_repo *r)
{
	gmf_project p;
	gmf_discover_opts o;
	const char **dirs = NULL;
	char **versions = NULL;
	size_t n = 0, nversions = 0;
	int touches = 1, rc;

	memset(&o, 0, sizeof(o));
	o.worktree = gmf_repo_workdir(r);
	if (gmf_repo_config_get_all(r, "migrate-fix.versions", &versions, &nversions) < 0)
		nversions = 0;
	o.config_versions = (const char *const *)versions;
	o.nconfig_versions = nversions;
	o.tracked = gmf_workspace_tracked_configs;
	o.tracked_data = r;
	rc = gmf_project_discover(&p, &o);
	for (size_t i = 0; i < nversions; i++)
		free(versions[i]);
	free(versions);
	if (rc < 0) {
		fast_list_remove(r);
		return 1;
	}
	for (size_t s = 0; s < p.nscripts; s++)
		for (size_t d = 0; d < p.scripts[s].ndirs; d++) {
			dirs = gmf_xrealloc(dirs, (n + 1) * sizeof(char *));
			dirs[n++] = p.scripts[s].dirs[d];
		}
	if (n)
		touches = gmf_repo_index_touches(r, dirs, n);
	fast_list_write(r, &p, dirs, n);
	free(dirs);
	gmf_project_release(&p);
	return touches;
}

static void pre_commit(gmf_hook_report *rep, gmf_repo *r)
{
	gmf_workspace ws;
	gmf_workspace_opts wo;
	int changed = 0;

	if (gmf_repo_in_sequence(r))
		return;
	if (gitdir_has(r, "MERGE_HEAD")) {
		/* a merge that stopped (conflict, --no-commit) is concluded now:
		 * the repair goes into the index this commit records.  Without
		 * the driver's note (it was off, or the lockfile was resolved by
		 * hand) the repair is tried all the same: fix does nothing when
		 * every branch has one head. */
		gmf_pending p;
		char *head = gmf_repo_resolve(r, "HEAD");
		int noted = gmf_pending_take(r, &p) == 0;
		if (head && (!noted || !strcmp(head, p.orig)))
			repair(rep, r, head, "the branch merged into", -1, NULL, "in this merge");
		if (noted)
			gmf_pending_release(&p);
		free(head);
		return;
	}
	/* an ordinary commit: keep the head lockfile naming the heads, which
	 * only a commit that stages migrations can change (most commits do
	 * not: they cost one look at the index, not a read of every file) */
	if (!commit_touches_migrations(r))
		return;
	memset(&wo, 0, sizeof(wo));
	wo.lock = 1;
	if (gmf_workspace_open(&ws, &wo) == 0) {
		char *what = NULL;
		/* an interrupted run is never completed or rolled back behind a
		 * commit's back: recovery verifies, and refuses to touch edits */
		if (gmf_workspace_lock(&ws, NULL) == 0 &&
		    gmf_workspace_recover(&ws, &what, NULL) < 0) {
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: %s\n", gmf_error_last());
		} else {
			if (what)
				gmf_strbuf_addf(&rep->err, "git-migrate-fix: %s\n", what);
			if (gmf_fix_lockfile(&changed, &ws) < 0)
				gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: %s\n",
						gmf_error_last());
			else if (changed)
				gmf_strbuf_adds(&rep->out, "git-migrate-fix: updated the head lockfile\n");
		}
		free(what);
	}
	gmf_workspace_release(&ws);
}

static void post_rewrite(gmf_hook_report *rep, gmf_repo *r, int argc, char **argv)
{
	gmf_pending p;
	char *onto = NULL, *mode = NULL, *orig = NULL;
	int amend;

	if (argc < 1 || strcmp(argv[0], "rebase") || gmf_pending_take(r, &p) < 0)
		return;
	/* the note must come from this rebase */
	orig = gitdir_line(r, "rebase-merge/orig-head");
	if (!orig)
		orig = gitdir_line(r, "rebase-apply/orig-head");
	if (orig && strcmp(orig, p.orig) && strcmp(p.context, "rebase"))
		goto out;
	onto = gitdir_line(r, "rebase-merge/onto");
	if (!onto)
		onto = gitdir_line(r, "rebase-apply/onto");
	amend = gmf_repo_config_get(r, "migrate-fix.rebase", &mode) == 0 && !strcmp(mode, "amend");
	/* the new base is the side that stays */
	repair(rep, r, onto, "the new base", amend, "Renumber migrations after rebase", NULL);
out:
	free(onto);
	free(orig);
	free(mode);
	gmf_pending_release(&p);
}

int gmf_hook_run(gmf_hook_report *rep, const char *name, int argc, char **argv)
{
	char *cwd;
	gmf_repo *r = NULL;
	int rc = 0;

	/* nested git commands started from here must not re-enter */
	setenv("GIT_MIGRATE_FIX_ACTIVE", "1", 1);
	cwd = gmf_path_cwd();
	if (!cwd || gmf_repo_open(&r, cwd) < 0) {
		free(cwd);
		return 0; /* not our business: never fail the user's git command */
	}
	free(cwd);
	if (!strcmp(name, "post-merge")) {
		post_merge(rep, r, argc, argv);
	} else if (!strcmp(name, "pre-commit")) {
		pre_commit(rep, r);
	} else if (!strcmp(name, "post-rewrite")) {
		post_rewrite(rep, r, argc, argv);
	} else if (!strcmp(name, "post-commit")) {
		gmf_pending p;
		if (!gmf_repo_in_sequence(r) && gmf_pending_take(r, &p) == 0) {
			advise_if_heads(rep);
			gmf_pending_release(&p);
		}
	} else if (!strcmp(name, "disarm")) {
		if (argc < 1 || gmf_pending_disarm(r, argv[0]) < 0)
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: could not remove the "
					"post-merge hook: %s\n", argc < 1 ? "no path" : gmf_error_last());
	} else {
		rc = gmf_error_set(GMF_EUSAGE, "unknown hook '%s'", name);
	}
	gmf_repo_free(r);
	return rc;
}
