/*
 * cli/cmd_git: the git integration: the head lockfile's merge driver, the
 * logic behind the hook shims of hooks/, and `install`.
 *
 * The driver only writes %A and a note in the git directory
 * (<git dir>/migrate-fix/pending) saying that both sides added migrations;
 * the hooks act on that note after git has finished its own work, so git's
 * merge and rebase machinery is never disturbed.  Every consumer checks the
 * note against the current state and drops a stale one.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen_hooks.h"
#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lockfile.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"

static char *in_gitdir(gmf_repo *r, const char *name)
{
	return gmf_path_join(gmf_repo_gitdir(r), name);
}

/* The first line of a file in the git directory, or NULL. */
static char *git_file_line(gmf_repo *r, const char *name)
{
	char *path = in_gitdir(r, name), *data = NULL, *nl;
	size_t len;
	int rc = gmf_fs_read(path, &data, &len);
	free(path);
	if (rc < 0)
		return NULL;
	if ((nl = strchr(data, '\n')) != NULL)
		*nl = '\0';
	return data;
}

static int git_file_exists(gmf_repo *r, const char *name)
{
	char *path = in_gitdir(r, name);
	int e = gmf_fs_exists(path);
	free(path);
	return e;
}

/* ------------------------------------------------------- merge driver */

static int has_markers(const char *s, size_t len)
{
	gmf_lockfile lf;
	int c;
	gmf_lockfile_parse(&lf, s, len);
	c = lf.conflicted;
	gmf_lockfile_release(&lf);
	return c;
}

/* A conflict git shows like its own: the driver's exit 1 keeps %A. */
static int driver_conflict(const char *a_path, const char *a, size_t alen,
			   const char *b, size_t blen, int marker)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (marker < 7 || marker > 64)
		marker = 7;
	for (int i = 0; i < marker; i++)
		gmf_strbuf_addch(&sb, '<');
	gmf_strbuf_adds(&sb, " ours\n");
	gmf_strbuf_add(&sb, a, alen);
	if (alen && a[alen - 1] != '\n')
		gmf_strbuf_addch(&sb, '\n');
	for (int i = 0; i < marker; i++)
		gmf_strbuf_addch(&sb, '=');
	gmf_strbuf_addch(&sb, '\n');
	gmf_strbuf_add(&sb, b, blen);
	if (blen && b[blen - 1] != '\n')
		gmf_strbuf_addch(&sb, '\n');
	for (int i = 0; i < marker; i++)
		gmf_strbuf_addch(&sb, '>');
	gmf_strbuf_adds(&sb, " theirs\n");
	if (a_path)
		(void)gmf_fs_write_atomic(a_path, sb.buf, sb.len, 0);
	gmf_strbuf_release(&sb);
	return 1;
}

/* Is the hook `name` in the hooks directory one of install's shims? */
static int has_shim(gmf_repo *r, const char *name)
{
	char *dir = gmf_repo_hooks_dir(r), *path = gmf_path_join(dir, name), *data = NULL;
	size_t len;
	int ok = gmf_fs_read(path, &data, &len) == 0 && strstr(data, GMF_HOOK_MARKER);
	free(data);
	free(path);
	free(dir);
	return ok;
}

/* Did install leave the post-merge hook to the driver (GMF_POST_MERGE_KEY)? */
static int post_merge_on_demand(gmf_repo *r)
{
	char *v = NULL;
	int on = gmf_repo_config_get(r, GMF_POST_MERGE_KEY, &v) == 0 && !strcmp(v, "on-demand");
	free(v);
	return on;
}

static int hooks_installed(gmf_repo *r)
{
	char *mode = NULL;
	/* husky, lefthook: install printed the lines to add; it said so here */
	if (gmf_repo_config_get(r, "migrate-fix.hooks", &mode) == 0 && !strcmp(mode, "external")) {
		free(mode);
		return 1;
	}
	free(mode);
	if (has_shim(r, "post-merge"))
		return 1;
	/* installed with the post-merge hook on demand: pre-commit tells, and
	 * no other post-merge hook may stand where ours would go */
	if (post_merge_on_demand(r) && has_shim(r, "pre-commit")) {
		char *dir = gmf_repo_hooks_dir(r), *path = gmf_path_join(dir, "post-merge");
		int free_slot = !gmf_fs_exists(path);
		free(path);
		free(dir);
		return free_slot;
	}
	return 0;
}

/*
 * Puts the post-merge shim in place for this one merge, armed to remove
 * itself afterwards, when install left it to the driver and no post-merge
 * hook is there.  0, or an error (the caller falls back to a conflict).
 */
static int arm_post_merge(gmf_repo *r)
{
	const gmf_hook_shim *h = gmf_hook_shims;
	char *dir, *path;
	gmf_strbuf content = GMF_STRBUF_INIT;
	const char *at;
	int rc = 0;

	if (!post_merge_on_demand(r))
		return 0;
	while (h->name && strcmp(h->name, "post-merge"))
		h++;
	if (!h->name || !(at = strstr(h->content, "\narmed=0\n")))
		return gmf_error_set(GMF_EIO, "the post-merge shim is missing from this build");
	dir = gmf_repo_hooks_dir(r);
	path = gmf_path_join(dir, "post-merge");
	if (!gmf_fs_exists(path)) {
		gmf_strbuf_add(&content, h->content, (size_t)(at - h->content));
		gmf_strbuf_adds(&content, "\narmed=1\n");
		gmf_strbuf_adds(&content, at + strlen("\narmed=0\n"));
		rc = gmf_fs_write_atomic(path, content.buf, content.len, 0755);
		if (rc == 0 && chmod(path, 0755) < 0)
			rc = gmf_error_set_errno(GMF_EIO, path);
	}
	gmf_strbuf_release(&content);
	free(path);
	free(dir);
	return rc;
}

int cmd_merge_driver(int argc, char **argv)
{
	const char *off = getenv("GIT_MIGRATE_FIX_DRIVER");
	char *a = NULL, *b = NULL, *content, *cwd;
	size_t alen = 0, blen = 0, len;
	gmf_lockfile la, lb;
	gmf_repo *r = NULL;
	const char **ids;
	int marker = argc > 4 ? atoi(argv[4]) : 7, rc;

	if (argc < 4) {
		cli_error("usage: git-migrate-fix merge-driver %%O %%A %%B [%%L [%%P]]");
		return 2; /* git treats it as a conflict */
	}
	if (gmf_fs_read(argv[2], &a, &alen) < 0 || gmf_fs_read(argv[3], &b, &blen) < 0) {
		cli_error("merge driver: %s; leaving a conflict", gmf_error_last());
		free(a);
		free(b);
		return 1;
	}
	/* switched off, a side already conflicted, or the hooks that finish
	 * the job are missing: an ordinary conflict, never worse than git */
	if ((off && (!strcmp(off, "0") || !strcmp(off, "off") || !strcmp(off, "false"))) ||
	    has_markers(a, alen) || has_markers(b, blen) || !(cwd = gmf_path_cwd())) {
		rc = driver_conflict(argv[2], a, alen, b, blen, marker);
		goto out;
	}
	rc = gmf_repo_open(&r, cwd);
	free(cwd);
	if (rc < 0 || !hooks_installed(r)) {
		rc = driver_conflict(argv[2], a, alen, b, blen, marker);
		goto out;
	}
	/* both sides' heads for now; the hook that runs after the merge
	 * repairs the chain and rewrites the lockfile with the one head */
	gmf_lockfile_parse(&la, a, alen);
	gmf_lockfile_parse(&lb, b, blen);
	ids = gmf_xcalloc(la.n + lb.n + 1, sizeof(char *));
	for (size_t i = 0; i < la.n; i++)
		ids[i] = la.ids[i];
	for (size_t i = 0; i < lb.n; i++)
		ids[la.n + i] = lb.ids[i];
	content = gmf_lockfile_render_ids(ids, la.n + lb.n, &len);
	free(ids);
	rc = gmf_fs_write_atomic(argv[2], content, len, 0) < 0;
	free(content);
	gmf_lockfile_release(&la);
	gmf_lockfile_release(&lb);
	if (rc == 0) {
		char *orig = git_file_line(r, "ORIG_HEAD"), *dir = in_gitdir(r, "migrate-fix");
		char *note = gmf_path_join(dir, "pending");
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&sb, "orig %s\ncontext %s\n", orig ? orig : "-",
				git_file_exists(r, "rebase-merge") || git_file_exists(r, "rebase-apply")
					? "rebase" : "merge");
		if (gmf_fs_mkdir(dir, 0700) < 0 || gmf_fs_write_atomic(note, sb.buf, sb.len, 0600) < 0 ||
		    (!strstr(sb.buf, "context rebase") && arm_post_merge(r) < 0)) {
			(void)gmf_fs_unlink(note);
			rc = driver_conflict(argv[2], a, alen, b, blen, marker);
		}
		gmf_strbuf_release(&sb);
		free(note);
		free(dir);
		free(orig);
	}
out:
	gmf_repo_free(r);
	free(a);
	free(b);
	return rc;
}

/* ---------------------------------------------------------------- hooks */

typedef struct {
	char *orig;
	char *context;
} pending;

/* Reads and removes the driver's note; 0 when there was one. */
static int take_pending(gmf_repo *r, pending *p)
{
	char *path = in_gitdir(r, "migrate-fix/pending"), *data = NULL, *s;
	size_t len;
	memset(p, 0, sizeof(*p));
	if (gmf_fs_read(path, &data, &len) < 0) {
		free(path);
		return GMF_ENOTFOUND;
	}
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

static void pending_release(pending *p)
{
	free(p->orig);
	free(p->context);
}

/* Is there a branch with several heads?  (one line of advice if so) */
static void advise_if_heads(void)
{
	cli_discovery d;
	cli_context ctx;
	memset(&d, 0, sizeof(d));
	if (cli_context_load(&ctx, &d) != 0)
		return;
	for (size_t s = 0; s < ctx.project.nscripts; s++) {
		gmf_findings f;
		gmf_findings_init(&f);
		gmf_graph_check(ctx.graphs[s], ctx.naming, ctx.project.scripts[s].file_template, &f);
		for (size_t i = 0; i < f.n; i++)
			if (f.items[i].code == GMF_F_MULTIPLE_HEADS) {
				printf("git-migrate-fix: the migrations now have two heads; run "
				       "`git migrate-fix fix`\n");
				gmf_findings_release(&f);
				cli_context_release(&ctx);
				return;
			}
		gmf_findings_release(&f);
	}
	cli_context_release(&ctx);
}

static void fix_result_release(cli_fix_result *res)
{
	free(res->onto);
	free(res->description);
	memset(res, 0, sizeof(*res));
}

/*
 * Runs fix quietly with the given mainline; 1 when files changed.  The
 * hooks try the published mainline first, then the branch merged into.
 */
static int hook_fix(const char *mainline, int lockfile_only, cli_fix_result *res)
{
	char *argv[8];
	int argc = 0, rc;
	argv[argc++] = "fix";
	argv[argc++] = "--quiet";
	argv[argc++] = "--in-hook";
	if (lockfile_only)
		argv[argc++] = "--lockfile-only";
	if (mainline) {
		argv[argc++] = "--mainline";
		argv[argc++] = (char *)mainline;
	}
	argv[argc] = NULL;
	cli_quiet_errors = 1;
	rc = cli_fix(argc, argv, res);
	cli_quiet_errors = 0;
	if (rc != 0)
		return -1;
	return res->changed;
}

/* hook_fix with the mainline, else with `fallback` (the first parent). */
static int hook_fix_either(gmf_repo *r, const char *fallback, cli_fix_result *res)
{
	char *mainline = NULL, *name = NULL;
	int rc = -1;
	if (gmf_repo_mainline(r, NULL, &mainline, &name) == 0) {
		rc = hook_fix(mainline, 0, res);
		if (rc < 0 && fallback && strcmp(fallback, mainline)) {
			fix_result_release(res);
			rc = hook_fix(fallback, 0, res);
		}
	} else if (fallback) {
		rc = hook_fix(fallback, 0, res);
	}
	if (rc < 0)
		printf("git-migrate-fix: could not repair the migrations automatically (%s); "
		       "run `git migrate-fix fix`\n", cli_last_error);
	free(mainline);
	free(name);
	return rc;
}


/* Records the index as a commit and notes it for undo. */
static int hook_commit(int amend, const char *message, const char *what)
{
	char *cwd = gmf_path_cwd(), *old = NULL, *new = NULL, *ref = NULL;
	gmf_repo *r = NULL;
	cli_context ctx;
	gmf_txn t;
	int rc;

	if (!cwd || gmf_repo_open(&r, cwd) < 0) {
		free(cwd);
		return -1;
	}
	free(cwd);
	rc = gmf_repo_commit_index(r, amend, message, &old, &new, &ref);
	if (rc == 0) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.repo = r;
		memset(&t, 0, sizeof(t));
		t.state_dir = cli_state_dir(&ctx);
		(void)gmf_txn_record_ref(&t, ref, old, new);
		free(t.state_dir);
		printf("git-migrate-fix: %s %s; undo with `git migrate-fix undo`\n", what,
		       amend ? "inside the commit" : "in a new commit");
	} else if (rc != GMF_ENOTFOUND) {
		cli_warning("%s; the repair is staged: commit it yourself", gmf_error_last());
	}
	free(old);
	free(new);
	free(ref);
	gmf_repo_free(r);
	return rc;
}

static int hook_post_merge(gmf_repo *r, int argc, char **argv)
{
	pending p;
	char *head_parent = NULL;
	cli_fix_result res = { 0, 0, 0, NULL, NULL };
	int rc;

	memset(&res, 0, sizeof(res));
	if (take_pending(r, &p) < 0)
		return 0;
	if (argc > 1 && !strcmp(argv[1], "1")) {
		/* --squash: the commit comes later; no rewriting */
		advise_if_heads();
		goto out;
	}
	/* a fast-forward has no MERGE_HEAD; a stale note names another HEAD */
	head_parent = gmf_repo_resolve(r, "HEAD^1");
	if (!git_file_exists(r, "MERGE_HEAD") || !head_parent || strcmp(head_parent, p.orig))
		goto out;
	rc = hook_fix_either(r, head_parent, &res);
	if (rc > 0) {
		gmf_strbuf what = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&what, "moved %zu migration%s after %s", res.nmoving,
				res.nmoving == 1 ? "" : "s", res.onto ? res.onto : "the mainline");
		if (!res.nmoving)
			gmf_strbuf_reset(&what), gmf_strbuf_adds(&what, "rewrote the head lockfile");
		hook_commit(1, NULL, what.buf);
		gmf_strbuf_release(&what);
	}
	fix_result_release(&res);
out:
	free(head_parent);
	pending_release(&p);
	return 0;
}

static int commit_touches_migrations(gmf_repo *r)
{
	gmf_project p;
	gmf_discover_opts o;
	const char **dirs = NULL;
	size_t n = 0;
	int touches = 1;

	memset(&o, 0, sizeof(o));
	o.repo = r;
	if (gmf_project_discover(&p, &o) < 0)
		return 1;
	for (size_t s = 0; s < p.nscripts; s++)
		for (size_t d = 0; d < p.scripts[s].ndirs; d++) {
			dirs = gmf_xrealloc(dirs, (n + 1) * sizeof(char *));
			dirs[n++] = p.scripts[s].dirs[d];
		}
	if (n)
		touches = gmf_repo_index_touches(r, dirs, n);
	free(dirs);
	gmf_project_release(&p);
	return touches;
}

static int hook_pre_commit(gmf_repo *r)
{
	pending p;
	cli_fix_result res = { 0, 0, 0, NULL, NULL };
	char *head = NULL;
	int rc;

	if (gmf_repo_in_sequence(r))
		return 0;
	if (git_file_exists(r, "MERGE_HEAD")) {
		/* a merge that stopped (conflict, --no-commit) is concluded now:
		 * the repair goes into the index this commit records.  Without
		 * the driver's note (it was off, or the lockfile was resolved by
		 * hand) the repair is tried all the same: fix does nothing when
		 * every branch has one head. */
		int noted = take_pending(r, &p) == 0;
		head = gmf_repo_resolve(r, "HEAD");
		if (!noted) {
			p.orig = gmf_xstrdup(head ? head : "-");
			p.context = gmf_xstrdup("merge");
		}
		if (head && !strcmp(head, p.orig)) {
			rc = hook_fix_either(r, head, &res);
			if (rc > 0)
				printf("git-migrate-fix: moved %zu migration%s after %s in this "
				       "merge; undo with `git migrate-fix undo`\n", res.nmoving,
				       res.nmoving == 1 ? "" : "s", res.onto ? res.onto : "the mainline");
			fix_result_release(&res);
		}
		free(head);
		pending_release(&p);
		return 0;
	}
	/* an ordinary commit: keep the head lockfile naming the heads, which
	 * only a commit that stages migrations can change (most commits do
	 * not: they cost one look at the index, not a read of every file) */
	if (!commit_touches_migrations(r))
		return 0;
	rc = hook_fix(NULL, 1, &res);
	if (rc > 0)
		printf("git-migrate-fix: updated the head lockfile\n");
	fix_result_release(&res);
	return 0;
}

static int hook_post_rewrite(gmf_repo *r, int argc, char **argv)
{
	pending p;
	cli_fix_result res = { 0, 0, 0, NULL, NULL };
	char *onto = NULL, *mode = NULL, *orig = NULL;
	int rc;

	if (argc < 2 || strcmp(argv[1], "rebase") || take_pending(r, &p) < 0)
		return 0;
	/* the note must come from this rebase */
	orig = git_file_line(r, "rebase-merge/orig-head");
	if (!orig)
		orig = git_file_line(r, "rebase-apply/orig-head");
	if (orig && strcmp(orig, p.orig) && strcmp(p.context, "rebase"))
		goto out;
	onto = git_file_line(r, "rebase-merge/onto");
	if (!onto)
		onto = git_file_line(r, "rebase-apply/onto");
	/* the new base is the mainline of a rebase */
	rc = onto ? hook_fix(onto, 0, &res) : -1;
	if (rc < 0) {
		fix_result_release(&res);
		rc = hook_fix_either(r, NULL, &res);
	}
	if (rc > 0) {
		gmf_strbuf msg = GMF_STRBUF_INIT, what = GMF_STRBUF_INIT;
		int amend = gmf_repo_config_get(r, "migrate-fix.rebase", &mode) == 0 &&
			    !strcmp(mode, "amend");
		gmf_strbuf_addf(&what, "moved %zu migration%s after %s", res.nmoving,
				res.nmoving == 1 ? "" : "s", res.onto ? res.onto : "the new base");
		gmf_strbuf_addf(&msg, "Renumber migrations after rebase\n\ngit-migrate-fix %s.\n",
				res.description ? res.description : what.buf);
		hook_commit(amend, msg.buf, what.buf);
		gmf_strbuf_release(&msg);
		gmf_strbuf_release(&what);
	}
	fix_result_release(&res);
out:
	free(onto);
	free(orig);
	free(mode);
	pending_release(&p);
	return 0;
}

int cmd_hook(int argc, char **argv)
{
	char *cwd;
	gmf_repo *r = NULL;
	int rc = 0;

	if (argc < 2)
		return cli_usage_error(cli_find_command("hook"), "which hook?");
	/* nested git commands started from here must not re-enter */
	setenv("GIT_MIGRATE_FIX_ACTIVE", "1", 1);
	cwd = gmf_path_cwd();
	if (!cwd || gmf_repo_open(&r, cwd) < 0) {
		free(cwd);
		return 0; /* not our business: never fail the user's git command */
	}
	free(cwd);
	if (!strcmp(argv[1], "post-merge"))
		rc = hook_post_merge(r, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "pre-commit"))
		rc = hook_pre_commit(r);
	else if (!strcmp(argv[1], "post-rewrite"))
		rc = hook_post_rewrite(r, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "post-commit")) {
		pending p;
		if (!gmf_repo_in_sequence(r) && take_pending(r, &p) == 0) {
			advise_if_heads();
			pending_release(&p);
		}
	} else {
		rc = cli_usage_error(cli_find_command("hook"), "unknown hook '%s'", argv[1]);
	}
	gmf_repo_free(r);
	return rc;
}
