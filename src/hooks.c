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
#include "gmf/shims.h"
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
		{
			/* named as the other remote-tracking branches are */
			char *up = gmf_repo_upstream_of(r, ref.buf);
			if (up && !strncmp(up, "refs/remotes/", 13))
				memmove(up, up + 13, strlen(up + 13) + 1);
			strlist_add(out, up);
		}
		gmf_strbuf_release(&ref);
	}
}

/* "git-migrate-fix: the migrations now have two heads" advice. */
static void advise_if_heads(gmf_hook_report *rep)
{
	gmf_workspace ws;
	gmf_workspace_opts o;
	memset(&o, 0, sizeof(o));
	o.no_cache = 1; /* the hooks read every file (docs/guide.md) */
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

/* A path of the work tree as the commit names it. */
static void add_rel(gmf_strbuf *sb, const char *top, const char *abs)
{
	char *rel = top ? gmf_path_relative(top, abs) : gmf_xstrdup(abs);
	gmf_strbuf_adds(sb, rel);
	free(rel);
}

/* What moved where: each file renamed, each parent re-pointed, each
 * merge migration written, per script. */
static void describe_moves(gmf_strbuf *msg, const gmf_fix_result *res, const char *top)
{
	for (size_t s = 0; s < res->nscripts; s++) {
		const gmf_fix_script *fs = &res->scripts[s];
		const gmf_plan *p = &fs->decision.plan;
		if (fs->decision.kind == GMF_DECIDE_RENUMBER && p->nmoving) {
			gmf_strbuf_addf(msg, "\nMoved after %s", p->onto);
			if (res->nscripts > 1)
				gmf_strbuf_addf(msg, " [%s]", fs->name);
			gmf_strbuf_adds(msg, ":\n");
			for (size_t i = 0; i < p->nfiles; i++) {
				if (!strcmp(p->files[i].old_path, p->files[i].new_path))
					continue;
				gmf_strbuf_adds(msg, "  ");
				add_rel(msg, top, p->files[i].old_path);
				gmf_strbuf_adds(msg, " -> ");
				add_rel(msg, top, p->files[i].new_path);
				gmf_strbuf_addch(msg, '\n');
			}
			for (size_t i = 0; i < p->nrepoints; i++)
				gmf_strbuf_addf(msg, "  %s: down_revision %s -> %s\n",
						p->repoints[i].revision, p->repoints[i].old_parent,
						p->repoints[i].new_parent);
		} else if (fs->decision.kind == GMF_DECIDE_MERGE && fs->merge_path) {
			gmf_strbuf_adds(msg, "\nMerge migration ");
			add_rel(msg, top, fs->merge_path);
			gmf_strbuf_addf(msg, " (%s) joins", fs->merge_rev);
			for (size_t i = 0; i < fs->decision.nheads; i++)
				gmf_strbuf_addf(msg, "%s %s", i ? "," : "", fs->decision.heads[i]);
			gmf_strbuf_addch(msg, '\n');
		}
	}
}

static void commit_note(gmf_strbuf *msg, const gmf_fix_result *res, const char *top)
{
	const gmf_id_rename **rn;
	size_t n = gmf_fix_renames(res, &rn);
	gmf_strbuf_addf(msg, "git-migrate-fix %s.\n", res->description);
	describe_moves(msg, res, top);
	if (n) {
		gmf_strbuf_adds(msg, "\nRenamed revision ids:\n");
		for (size_t i = 0; i < n; i++)
			gmf_strbuf_addf(msg, "  %s -> %s\n", rn[i]->old_id, rn[i]->new_id);
	}
	free(rn);
}

/*
 * A merge concluded by `git commit` (pre-commit runs before git reads
 * MERGE_MSG): the repair's note, renamed ids included, goes into the
 * message as the automatic merge's does.  `git commit -m` ignores it.
 */
static void merge_msg_note(gmf_repo *r, const gmf_fix_result *res)
{
	char *path = gmf_path_join(gmf_repo_gitdir(r), "MERGE_MSG"), *cur = NULL;
	size_t len = 0;
	if (gmf_fs_read(path, &cur, &len) == 0) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_add(&sb, cur, len);
		if (sb.len && sb.buf[sb.len - 1] != '\n')
			gmf_strbuf_addch(&sb, '\n');
		gmf_strbuf_addch(&sb, '\n');
		commit_note(&sb, res, gmf_repo_workdir(r));
		/* git's own file, rewritten whole: a failure leaves it as it was */
		(void)gmf_fs_write_atomic_unsynced(path, sb.buf, sb.len, 0);
		gmf_error_clear();
		gmf_strbuf_release(&sb);
	}
	free(cur);
	free(path);
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
 * commit >= 0, records it: commit 1 amends HEAD, 0 adds a commit titled
 * "Renumber migrations <after>" ("Re-parent migrations <after>" when no
 * id changed, "Add a merge migration <after>" when
 * that was the repair).  `after` non-NULL also means the other side was
 * replayed onto ours (a rebase, `git am`): a line is wanted
 * (gmf_fix_opts.linear).  Everything is reported.
 */
typedef struct {
	const char *base;  /* the parent of the rebase's first pick */
	const char *orig;  /* the branch before the rebase */
	int quiet_refusal; /* a refusal is not reported (another repair follows) */
	int refused;       /* out */
} replay_in;

static void repair(gmf_hook_report *rep, gmf_repo *r, const char *ours, const char *ours_name,
		   int commit, const char *after, const char *where, replay_in *replay)
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
	/* the repair goes into a commit (amended, or the one being made):
	 * the files as staged are taken from the cache by blob id */
	wo.by_blob = 1;
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
	fo.linear = after != NULL;
	fo.publishers = (const char *const *)pubs.v;
	fo.npublishers = pubs.n;
	rc = replay ? gmf_fix_replay(&res, &ws, &fo, replay->base, replay->orig)
		    : gmf_fix_run(&res, &ws, &fo);
	/* a pick with nothing to change says nothing: the rebase says enough */
	if (!replay || res.changed)
		report_notes(rep, &res);
	if (rc < 0 && replay) {
		replay->refused = 1;
		if (!replay->quiet_refusal)
			gmf_strbuf_addf(&rep->out, "git-migrate-fix: this pick keeps its "
					"migrations as they are (%s); the repair follows the "
					"rebase\n", gmf_error_last());
		goto out;
	}
	if (rc < 0) {
		report_refusal(rep, rc, &res);
		goto out;
	}
	if (!res.changed)
		goto out;
	if (commit < 0) {
		gmf_strbuf_addf(&rep->out, "git-migrate-fix: %s %s; undo with `git migrate-fix "
				"undo`\n", what_of(&res, &what), where);
		merge_msg_note(r, &res);
	} else {
		char *old = NULL, *new = NULL, *ref = NULL;
		gmf_journal t;
		if (!commit)
			/* says what happened: ids renamed, or only re-pointed */
			gmf_strbuf_addf(&msg, "%s %s\n\n", res.nmerges ? "Add a merge migration"
					: res.nrenamed ? "Renumber migrations"
					: "Re-parent migrations", after ? after : "");
		commit_note(&msg, &res, gmf_repo_workdir(ws.repo));
		rc = gmf_repo_commit_index(ws.repo, commit, msg.buf, &old, &new, &ref);
		if (rc == 0) {
			gmf_workspace_journal(&ws, &t);
			(void)gmf_journal_record_ref(&t, ref, old, new);
			gmf_workspace_journal_release(&t);
			gmf_strbuf_addf(&rep->out, "git-migrate-fix: %s %s; %s\n",
					what_of(&res, &what),
					where ? where : commit ? "inside the commit"
					: "in a new commit",
					replay && where ? "`git reset --hard ORIG_HEAD` after the rebase "
					"takes it all back" : "undo with `git migrate-fix undo`");
		} else if (rc == GMF_EREFUSED) {
			/* a branch that requires signed commits would reject an
			 * unsigned one: never fall back to it */
			gmf_strbuf_reset(&what);
			if (commit)
				gmf_strbuf_adds(&what, "git commit --amend --no-edit");
			else
				gmf_strbuf_addf(&what, "git commit -m '%.*s'",
						(int)strcspn(msg.buf, "\n"), msg.buf);
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: error: %s\n"
					"git-migrate-fix: the repair is staged, not committed; "
					"once signing works run `%s` (or put everything back with "
					"`git migrate-fix undo`)\n", gmf_error_last(), what.buf);
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
	repair(rep, r, head_parent, "the branch merged into", 1, NULL, NULL, NULL);
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
	return gmf_fs_write_atomic_unsynced(path, data->buf, data->len, 0600);
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
	char **versions = NULL, **envs = NULL;
	size_t n = 0, nversions = 0, nenvs = 0;
	int touches = 1, rc;

	memset(&o, 0, sizeof(o));
	o.worktree = gmf_repo_workdir(r);
	if (gmf_repo_config_get_all(r, "migrate-fix.versions", &versions, &nversions) < 0)
		nversions = 0;
	if (gmf_repo_config_get_all(r, "migrate-fix.environment", &envs, &nenvs) < 0)
		nenvs = 0;
	o.config_versions = (const char *const *)versions;
	o.nconfig_versions = nversions;
	o.config_envs = (const char *const *)envs;
	o.nconfig_envs = nenvs;
	o.tracked = gmf_workspace_tracked_configs;
	o.tracked_data = r;
	rc = gmf_project_discover(&p, &o);
	for (size_t i = 0; i < nversions; i++)
		free(versions[i]);
	free(versions);
	for (size_t i = 0; i < nenvs; i++)
		free(envs[i]);
	free(envs);
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

/*
 * The real index of a partial commit (`git commit <paths>`, `--only`): git
 * names its temporary "next-index-*.lock" in the git directory in
 * GIT_INDEX_FILE and holds the real one as index.lock.  NULL otherwise.
 */
static char *partial_commit_index(gmf_repo *r)
{
	const char *ix = getenv("GIT_INDEX_FILE"), *base;
	char *real;
	if (!ix || !*ix)
		return NULL;
	base = strrchr(ix, '/');
	base = base ? base + 1 : ix;
	if (strncmp(base, "next-index-", 11))
		return NULL;
	real = gmf_path_join(gmf_repo_gitdir(r), "index.lock");
	if (!gmf_fs_exists(real)) {
		free(real);
		return NULL;
	}
	return real;
}

/* Brings the head lockfile of the index GIT_INDEX_FILE names up to date
 * (restage: see gmf_fix_lockfile); *changed is set when a file changed. */
static void keep_lockfile(gmf_hook_report *rep, gmf_repo *r, int restage, int *changed)
{
	gmf_workspace ws;
	gmf_workspace_opts wo;
	int c = 0;

	memset(&wo, 0, sizeof(wo));
	wo.lock = 1;
	wo.repo = r; /* its index is read already */
	/* the lockfile must name the heads of what the commit records */
	wo.index_only = 1;
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
			if (gmf_fix_lockfile(&c, &ws, restage) < 0)
				gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: %s\n",
						gmf_error_last());
			else if (c && !restage)
				*changed = 1;
		}
		free(what);
	}
	gmf_workspace_release(&ws);
}

static void pre_commit(gmf_hook_report *rep, gmf_repo *r)
{
	char *real;
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
			repair(rep, r, head, "the branch merged into", -1, NULL, "in this merge", NULL);
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
	keep_lockfile(rep, r, 0, &changed);
	if ((real = partial_commit_index(r)) != NULL) {
		/* `git commit <paths>` records a temporary index made from HEAD
		 * and the paths, then makes the real one (index.lock, already
		 * written) the index: it needs the lockfile of what it holds,
		 * or it keeps the old one staged and the next commit records
		 * it.  The work tree's lockfile ends as the real index's. */
		char *saved = getenv("GIT_INDEX_FILE") ? gmf_xstrdup(getenv("GIT_INDEX_FILE"))
						       : NULL;
		int changed2 = 0;
		setenv("GIT_INDEX_FILE", real, 1);
		keep_lockfile(rep, NULL, 1, &changed2);
		if (saved)
			setenv("GIT_INDEX_FILE", saved, 1);
		free(saved);
		free(real);
	}
	if (changed)
		gmf_strbuf_adds(&rep->out, "git-migrate-fix: updated the head lockfile\n");
}

/*
 * `git rebase -x CMD`: git runs CMD after each pick, so each pick must
 * have one head, not only the end.  The post-commit hook of a pick that
 * an exec follows gives that pick its share of the one repair the end
 * needs (gmf_fix_replay) and amends it.  Only then: the sequencer keeps
 * its own copy of the index between two picks and would undo the amend
 * with the next pick's commit, while an exec makes it read the index
 * again.  <git dir>/migrate-fix/replay ("<onto> <orig-head>") says that
 * picks were amended, so after the rebase the same plan is finished on
 * the tip (picks no exec followed still hold the old ids).
 */
#define REPLAY_NOTE "migrate-fix/replay"

/* The command word of a todo line, cut out in place; NULL for a comment
 * or a blank line.  *rest: what follows it. */
static char *todo_word(char *line, char **rest)
{
	char *w = line + strspn(line, " \t"), *end;
	if (!*w || *w == '#')
		return NULL;
	end = w + strcspn(w, " \t");
	*rest = *end ? end + 1 + strspn(end + 1, " \t") : end;
	*end = '\0';
	return w;
}

/* The first command of the rebase still to run (caller frees), or NULL. */
static char *next_command(gmf_repo *r)
{
	char *path = gmf_path_join(gmf_repo_gitdir(r), "rebase-merge/git-rebase-todo");
	char *data = NULL, *line, *next, *found = NULL;
	size_t len;
	if (gmf_fs_read(path, &data, &len) == 0) {
		for (line = data; line && *line && !found; line = next) {
			char *rest, *w;
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if ((w = todo_word(line, &rest)) != NULL)
				found = gmf_xstrdup(w);
		}
	}
	gmf_error_clear();
	free(data);
	free(path);
	return found;
}

static int word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return 1;
	return 0;
}

/*
 * The parent of the rebase's first pick (caller frees), when every
 * command done and to do replays the branch's commits as they are (its
 * end is then onto plus the branch's changes): NULL with a drop, a merge,
 * a label or reset (--rebase-merges), or a first pick without a parent.
 */
static char *replay_base(gmf_repo *r)
{
	static const char *const picks[] = { "pick", "p", "reword", "r", "edit", "e", "fixup",
					     "f", "squash", "s", NULL };
	static const char *const others[] = { "exec", "x", "break", "b", "noop", "update-ref",
					      "u", NULL };
	static const char *const files[] = { "rebase-merge/done", "rebase-merge/git-rebase-todo",
					     NULL };
	char *first = NULL, *base = NULL;
	int ok = 1;

	for (size_t f = 0; files[f] && ok; f++) {
		char *path = gmf_path_join(gmf_repo_gitdir(r), files[f]), *data = NULL, *line, *next;
		size_t len;
		if (gmf_fs_read(path, &data, &len) < 0)
			ok = !strcmp(files[f], "rebase-merge/git-rebase-todo"); /* may be gone */
		for (line = data; ok && line && *line; line = next) {
			char *rest, *w;
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			if ((w = todo_word(line, &rest)) == NULL)
				continue;
			if (word_in(w, picks)) {
				if (!first) {
					if (!strncmp(rest, "-C ", 3) || !strncmp(rest, "-c ", 3))
						rest += 3;
					first = gmf_xstrndup(rest, strcspn(rest, " \t"));
				}
			} else if (!word_in(w, others)) {
				ok = 0;
			}
		}
		free(data);
		free(path);
	}
	gmf_error_clear();
	if (ok && first) {
		gmf_strbuf spec = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&spec, "%s^1", first);
		base = gmf_repo_resolve(r, spec.buf);
		gmf_strbuf_release(&spec);
	}
	free(first);
	return base;
}

/* Is the replay note there for this rebase? */
static int replay_noted(gmf_repo *r, const char *onto, const char *orig)
{
	char *line = gitdir_line(r, REPLAY_NOTE);
	gmf_strbuf want = GMF_STRBUF_INIT;
	int yes;
	gmf_strbuf_addf(&want, "%s %s", onto, orig);
	yes = line && !strcmp(line, want.buf);
	gmf_strbuf_release(&want);
	free(line);
	gmf_error_clear();
	return yes;
}

static void replay_note(gmf_repo *r, const char *onto, const char *orig, int keep)
{
	char *path = gmf_path_join(gmf_repo_gitdir(r), REPLAY_NOTE);
	if (keep) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&sb, "%s %s\n", onto, orig);
		(void)write_unsynced(path, &sb); /* lost: the tip is repaired as before */
		gmf_strbuf_release(&sb);
	} else if (gmf_fs_exists(path)) {
		(void)gmf_fs_unlink(path);
	}
	gmf_error_clear();
	free(path);
}

/* post-commit of a pick: its share of the repair, when an exec follows. */
static void replay_pick(gmf_hook_report *rep, gmf_repo *r)
{
	gmf_pending p;
	char *next = next_command(r), *onto = NULL, *orig = NULL, *base = NULL;
	replay_in in;

	if (!next || (strcmp(next, "exec") && strcmp(next, "x")) ||
	    gmf_pending_peek(r, &p) < 0) {
		free(next);
		return;
	}
	onto = gitdir_line(r, "rebase-merge/onto");
	orig = gitdir_line(r, "rebase-merge/orig-head");
	if (strcmp(p.context, "rebase") || !onto || !orig)
		goto out;
	if ((base = replay_base(r)) == NULL) {
		gmf_strbuf_adds(&rep->out, "git-migrate-fix: this pick keeps its migrations as "
				"they are (the rebase drops or merges commits, or starts at the "
				"root, so its end is not known yet); the repair follows the "
				"rebase\n");
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.base = base;
	in.orig = orig;
	repair(rep, r, onto, "the new base", 1, "after rebase",
	       "inside this pick, so the command after it sees one head", &in);
	if (!in.refused)
		replay_note(r, onto, orig, 1);
out:
	gmf_pending_release(&p);
	free(next);
	free(onto);
	free(orig);
	free(base);
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
	if (onto && orig && replay_noted(r, onto, orig)) {
		/* picks were given their share (rebase -x): the same plan
		 * finishes on the tip what later picks brought */
		char *base = replay_base(r);
		replay_in in;
		memset(&in, 0, sizeof(in));
		in.base = base;
		in.orig = orig;
		in.quiet_refusal = 1;
		if (base)
			repair(rep, r, onto, "the new base", amend, "after rebase", NULL, &in);
		free(base);
		if (base && !in.refused)
			goto out;
	}
	/* the new base is the side that stays */
	repair(rep, r, onto, "the new base", amend, "after rebase", NULL, NULL);
out:
	if (onto && orig)
		replay_note(r, onto, orig, 0);
	free(onto);
	free(orig);
	free(mode);
	gmf_pending_release(&p);
}

/*
 * `git am -3`: the driver merged the lockfile of each patch that added a
 * migration.  After the last patch (rebase-apply/next == last) the branch
 * as it was before `git am` (ORIG_HEAD) is the side that stays, and the
 * repair is one new commit on top (or amends the last patch's commit with
 * migrate-fix.rebase=amend), as after a rebase.  Earlier patches leave
 * the note for the last one; `git rebase --apply` leaves it for
 * post-rewrite.
 */
static void post_applypatch(gmf_hook_report *rep, gmf_repo *r)
{
	gmf_pending p;
	char *next = NULL, *last = NULL, *orig = NULL, *mode = NULL;
	int amend;

	if (!gitdir_has(r, "rebase-apply/applying"))
		return;
	next = gitdir_line(r, "rebase-apply/next");
	last = gitdir_line(r, "rebase-apply/last");
	if (!next || !last || strtol(next, NULL, 10) < strtol(last, NULL, 10))
		goto done;
	if (gmf_pending_take(r, &p) < 0)
		goto done;
	orig = gitdir_line(r, "ORIG_HEAD");
	if (!orig || strcmp(orig, p.orig)) {
		advise_if_heads(rep);
		goto out;
	}
	amend = gmf_repo_config_get(r, "migrate-fix.rebase", &mode) == 0 && !strcmp(mode, "amend");
	repair(rep, r, orig, "the branch the patches were applied to", amend,
	       "after git am", NULL, NULL);
out:
	gmf_pending_release(&p);
done:
	free(next);
	free(last);
	free(orig);
	free(mode);
}

/*
 * The preimage of the head lockfile `path` (relative) in a patch: its
 * context and removed lines, which must be the whole file as the
 * lockfile is a few lines.  1 when the patch changes it and that
 * preimage is not what the work tree holds.
 */
static int lockfile_moved_on(gmf_repo *r, const char *patch, const char *path)
{
	gmf_strbuf pre = GMF_STRBUF_INIT;
	char *abs = gmf_path_join(gmf_repo_workdir(r), path), *cur = NULL;
	const char *p;
	size_t len = 0, plen = strlen(path);
	int moved = 0, in_file = 0, in_hunk = 0, seen = 0;

	for (p = patch; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t n = strcspn(p, "\n");
		if (!strncmp(p, "diff --git ", 11)) {
			in_file = n == 11 + 2 + plen + 3 + plen && !strncmp(p + 13, path, plen) &&
				  !strncmp(p + 13 + plen, " b/", 3);
			in_hunk = 0;
			continue;
		}
		if (!in_file)
			continue;
		if (!strncmp(p, "@@ ", 3)) {
			in_hunk = seen = 1;
			continue;
		}
		if (in_hunk && (*p == ' ' || *p == '-')) {
			gmf_strbuf_add(&pre, p + 1, n - 1);
			gmf_strbuf_addch(&pre, '\n');
		}
	}
	if (seen && gmf_fs_read(abs, &cur, &len) == 0)
		moved = len != pre.len || memcmp(cur, pre.buf, len);
	free(cur);
	free(abs);
	gmf_strbuf_release(&pre);
	return moved;
}

/*
 * Plain `git am` (without -3) applies a patch as text, and the head
 * lockfile's hunk cannot apply once the branch has moved on: say so,
 * before git stops, with the command that works.
 */
static void applypatch_msg(gmf_hook_report *rep, gmf_repo *r)
{
	char *path = gmf_path_join(gmf_repo_gitdir(r), "rebase-apply/patch"), *patch = NULL;
	const char *p;
	size_t len;

	if (!gmf_repo_workdir(r) || gmf_fs_read(path, &patch, &len) < 0)
		goto out;
	for (p = patch; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		const char *name = p + 13, *end;
		char *rel;
		const char *base;
		int hit;
		if (strncmp(p, "diff --git a/", 13))
			continue;
		end = name + strcspn(name, " \n");
		rel = gmf_xstrndup(name, (size_t)(end - name));
		base = strrchr(rel, '/');
		hit = !strcmp(base ? base + 1 : rel, ".head") && lockfile_moved_on(r, patch, rel);
		if (hit)
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: this patch changes the head "
					"lockfile %s, which has moved on here: `git am` without -3 "
					"cannot merge it and will stop; run `git am --abort`, then "
					"`git am -3` with the same patches (or once: `git config "
					"am.threeWay true`)\n", rel);
		free(rel);
		if (hit)
			break;
	}
out:
	free(patch);
	free(path);
}

int gmf_hook_run(gmf_hook_report *rep, const char *name, int argc, char **argv)
{
	char *cwd, *disarm = NULL;
	const char *only_installed = getenv(GMF_IF_INSTALLED_ENV);
	gmf_repo *r = NULL;
	int rc = 0, installed = 0, check_installed = only_installed && !strcmp(only_installed, "1");

	/* nested git commands started from here must not re-enter */
	setenv("GIT_MIGRATE_FIX_ACTIVE", "1", 1);
	/* an armed shim names itself here: it is removed once the hook is
	 * done, which spares the shim a second start (`hook disarm`) */
	if (getenv(GMF_DISARM_ENV) && *getenv(GMF_DISARM_ENV))
		disarm = gmf_xstrdup(getenv(GMF_DISARM_ENV));
	unsetenv(GMF_DISARM_ENV);
	unsetenv(GMF_IF_INSTALLED_ENV);
	cwd = gmf_path_cwd();
	if (!cwd || gmf_repo_open(&r, cwd) < 0) {
		free(cwd);
		free(disarm);
		return 0; /* not our business: never fail the user's git command */
	}
	free(cwd);
	if (check_installed && (gmf_repo_config_get_bool(r, GMF_INSTALLED_KEY, &installed) < 0 ||
				!installed)) {
		gmf_error_clear();
		free(disarm);
		gmf_repo_free(r);
		return 0; /* another repository's shims: not installed here */
	}
	if (!strcmp(name, "post-merge")) {
		post_merge(rep, r, argc, argv);
	} else if (!strcmp(name, "pre-commit")) {
		pre_commit(rep, r);
	} else if (!strcmp(name, "applypatch-msg")) {
		applypatch_msg(rep, r);
	} else if (!strcmp(name, "post-applypatch")) {
		post_applypatch(rep, r);
	} else if (!strcmp(name, "post-rewrite")) {
		post_rewrite(rep, r, argc, argv);
	} else if (!strcmp(name, "post-commit")) {
		gmf_pending p;
		if (gitdir_has(r, "rebase-merge/git-rebase-todo")) {
			replay_pick(rep, r);
		} else if (!gmf_repo_in_sequence(r) && gmf_pending_take(r, &p) == 0) {
			advise_if_heads(rep);
			gmf_pending_release(&p);
		}
	} else if (!strcmp(name, "arm")) {
		/* the clean filter install --global defines: a migration is
		 * being added, so the commit must keep the lockfile current */
		if (gmf_pending_arm_commit(r) < 0)
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: could not put the "
					"pre-commit hook in place, the head lockfile will not follow "
					"this commit: %s\n", gmf_error_last());
	} else if (!strcmp(name, "disarm")) {
		if (argc < 1 || gmf_pending_disarm(r, argv[0]) < 0)
			gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: could not remove the "
					"post-merge hook: %s\n", argc < 1 ? "no path" : gmf_error_last());
	} else {
		rc = gmf_error_set(GMF_EUSAGE, "unknown hook '%s'", name);
	}
	/* a hook that failed keeps its shim armed, for the command's retry */
	if (disarm && rc == 0 && gmf_pending_disarm(r, disarm) < 0)
		gmf_strbuf_addf(&rep->err, "git-migrate-fix: warning: could not remove the "
				"armed %s hook: %s\n", name, gmf_error_last());
	free(disarm);
	gmf_repo_free(r);
	return rc;
}
