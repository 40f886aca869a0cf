/* SPDX-License-Identifier: MIT */
/* sync: see include/gmf/sync.h. */
#include "gmf/sync.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/gitcmd.h"
#include "gmf/path.h"
#include "gmf/repo.h"
#include "gmf/strbuf.h"
#include "gmf/workspace.h"

/* The head lockfile's merge driver as install configures it (install.c).
 * While sync merges, the driver is replaced by `true` (keep our side's
 * lockfile): the repair rewrites the lockfile afterwards in any case, and
 * a driver installed on this machine must not leave a note for hooks
 * that will not run. */
#define SYNC_DRIVER_OFF "merge.migrate-fix-head.driver=true"
/* Where the branch's own remote-tracking ref waits while the decision
 * model runs (outside refs/remotes/ and refs/tags/: it publishes nothing). */

#define MAXARGS 24

static const char *const child_env[] = { "GIT_MIGRATE_FIX_DRIVER=0", NULL };

void gmf_sync_result_release(gmf_sync_result *r)
{
	free(r->remote);
	free(r->branch);
	free(r->upstream);
	free(r->base);
	free(r->base_ref);
	free(r->base_hex);
	free(r->old_head);
	free(r->new_head);
	for (size_t i = 0; i < r->nconflicts; i++)
		free(r->conflicts[i]);
	free(r->conflicts);
	free(r->message);
	free(r->notes);
	gmf_fix_result_release(&r->fix);
	memset(r, 0, sizeof(*r));
}

/* One git run: status 0 when git exited 0, 1 when it failed (err: what
 * it said on standard error); standard output in out. */
typedef struct {
	int status;
	gmf_strbuf out;
	char *err;
} gitrun;

#define GITRUN_INIT { -1, GMF_STRBUF_INIT, NULL }

static void gitrun_release(gitrun *p)
{
	gmf_strbuf_release(&p->out);
	free(p->err);
	p->err = NULL;
}

static int run_argv(gitrun *p, const char *dir, const char *const *argv)
{
	int rc;
	gmf_strbuf_reset(&p->out);
	free(p->err);
	p->err = NULL;
	rc = gmf_gitcmd_run(dir, argv, NULL, child_env, &p->out);
	p->status = rc == 0 ? 0 : 1;
	if (rc == GMF_ERROR) {
		p->err = gmf_xstrdup(gmf_error_last());
		gmf_error_clear();
		rc = 0;
	}
	return rc;
}

/* Runs git with the NULL-terminated arguments in dir: < 0 only when git
 * could not be started. */
static int git(gitrun *p, const char *dir, ...)
{
	const char *argv[MAXARGS + 1];
	size_t n = 0;
	va_list ap;
	va_start(ap, dir);
	while (n < MAXARGS && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_argv(p, dir, argv);
}

/* The output's first line, or NULL when git failed (caller frees). */
static char *git_line(const char *dir, ...)
{
	const char *argv[MAXARGS + 1];
	gitrun p = GITRUN_INIT;
	char *out = NULL;
	size_t n = 0;
	va_list ap;
	va_start(ap, dir);
	while (n < MAXARGS && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (run_argv(&p, dir, argv) == 0 && p.status == 0)
		out = gmf_xstrndup(p.out.buf, strcspn(p.out.buf, "\n"));
	gitrun_release(&p);
	return out;
}

/* An error quoting what git said. */
static int git_failed(const gitrun *p, const char *what)
{
	return gmf_error_set(GMF_ERROR, "%s failed: %s", what, p->err ? p->err : "?");
}

static void add_note(gmf_sync_result *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_note(gmf_sync_result *out, const char *fmt, ...)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	va_list ap;
	if (out->notes)
		gmf_strbuf_addf(&sb, "%s\n", out->notes);
	va_start(ap, fmt);
	gmf_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(out->notes);
	out->notes = gmf_strbuf_detach(&sb, NULL);
}

static char *strip_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return gmf_xstrdup(strncmp(s, prefix, n) ? s : s + n);
}

/* The unmerged paths, relative to the top level. */
static void list_conflicts(gmf_sync_result *out, const char *dir)
{
	gitrun p = GITRUN_INIT;
	if (git(&p, dir, "diff", "--name-only", "--diff-filter=U", "--relative=", NULL) == 0 &&
	    p.status == 0) {
		char *s = p.out.buf, *nl;
		while (*s) {
			nl = strchr(s, '\n');
			if (nl)
				*nl = '\0';
			if (*s) {
				out->conflicts = gmf_xrealloc(out->conflicts,
							      (out->nconflicts + 1) * sizeof(char *));
				out->conflicts[out->nconflicts++] = gmf_xstrdup(s);
			}
			if (!nl)
				break;
			s = nl + 1;
		}
	}
	gitrun_release(&p);
}

/* Puts the branch back as it was before the merge or rebase. */
static void put_back(gmf_sync_result *out, const char *dir, int rebase)
{
	gitrun p = GITRUN_INIT;
	if (!rebase)
		git(&p, dir, "merge", "--abort", NULL);
	else
		git(&p, dir, "reset", "-q", "--hard", out->old_head, NULL);
	if (p.status != 0)
		add_note(out, "could not put the branch back (%s); run `git %s`",
			 p.err ? p.err : "?", rebase ? "reset --hard ORIG_HEAD" :
			 "merge --abort");
	gitrun_release(&p);
}

/* The base's branch name on the remote. */
static int resolve_base(gmf_sync_result *out, const char *dir, const char *base)
{
	gmf_strbuf pre = GMF_STRBUF_INIT;
	gitrun p = GITRUN_INIT;
	int rc = 0;

	if (base) {
		char *b = strip_prefix(base, "refs/heads/"), *c;
		gmf_strbuf_addf(&pre, "refs/remotes/%s/", out->remote);
		c = strip_prefix(b, pre.buf);
		free(b);
		gmf_strbuf_reset(&pre);
		gmf_strbuf_addf(&pre, "%s/", out->remote);
		out->base = strip_prefix(c, pre.buf);
		free(c);
		goto out;
	}
	/* the remote's default branch, as the remote says it */
	if (git(&p, dir, "ls-remote", "--symref", out->remote, "HEAD", NULL) == 0 &&
	    p.status == 0) {
		const char *s = strstr(p.out.buf, "ref: refs/heads/");
		if (s) {
			const char *e = s + 16;
			size_t n = strcspn(e, "\t\n ");
			out->base = gmf_xstrndup(e, n);
		}
	}
	if (!out->base) {
		gmf_strbuf_addf(&pre, "refs/remotes/%s/HEAD", out->remote);
		char *sym = git_line(dir, "symbolic-ref", "-q", pre.buf, NULL);
		if (sym) {
			gmf_strbuf_reset(&pre);
			gmf_strbuf_addf(&pre, "refs/remotes/%s/", out->remote);
			out->base = strip_prefix(sym, pre.buf);
			free(sym);
		}
	}
	if (!out->base)
		rc = gmf_error_set(GMF_ENOTFOUND, "cannot tell the default branch of '%s'; "
				   "name the base with --base", out->remote);
out:
	if (rc == 0) {
		gmf_strbuf ref = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&ref, "refs/remotes/%s/%s", out->remote, out->base);
		out->base_ref = gmf_strbuf_detach(&ref, NULL);
	}
	gmf_strbuf_release(&pre);
	gitrun_release(&p);
	return rc;
}

/* Fetches the base (and the branch's upstream), then as much history as
 * a merge base needs in a shallow clone. */
static int fetch(gmf_sync_result *out, const char *dir)
{
	static const char *const deepen[] = { "--deepen=50", "--deepen=1000", "--unshallow" };
	gmf_strbuf bspec = GMF_STRBUF_INIT, uspec = GMF_STRBUF_INIT, uref = GMF_STRBUF_INIT;
	gitrun p = GITRUN_INIT;
	char *mb = NULL, *shallow = NULL;
	int rc = 0;

	gmf_strbuf_addf(&bspec, "+refs/heads/%s:%s", out->base, out->base_ref);
	gmf_strbuf_addf(&uref, "refs/remotes/%s/%s", out->remote, out->upstream);
	gmf_strbuf_addf(&uspec, "+refs/heads/%s:%s", out->upstream, uref.buf);
	if ((rc = git(&p, dir, "fetch", "-q", "--no-tags", out->remote, bspec.buf, NULL)) < 0)
		goto out;
	if (p.status != 0) {
		rc = git_failed(&p, "fetching the base");
		goto out;
	}
	/* the upstream may not exist yet (a branch never pushed) */
	(void)git(&p, dir, "fetch", "-q", "--no-tags", out->remote, uspec.buf, NULL);
	for (size_t i = 0; i <= sizeof(deepen) / sizeof(*deepen); i++) {
		free(mb);
		mb = git_line(dir, "merge-base", "HEAD", out->base_ref, NULL);
		free(shallow);
		shallow = git_line(dir, "rev-parse", "--is-shallow-repository", NULL);
		if (mb || !shallow || strcmp(shallow, "true") || i == sizeof(deepen) / sizeof(*deepen))
			break;
		out->fetched_deeper = 1;
		if ((rc = git(&p, dir, "fetch", "-q", "--no-tags", deepen[i], out->remote,
			      bspec.buf, uspec.buf, NULL)) < 0)
			goto out;
		if (p.status != 0 &&
		    (rc = git(&p, dir, "fetch", "-q", "--no-tags", deepen[i], out->remote,
			      bspec.buf, NULL)) < 0)
			goto out;
		if (p.status != 0) {
			rc = git_failed(&p, "fetching more history");
			goto out;
		}
	}
	if (!mb)
		rc = gmf_error_set(GMF_ENOTFOUND, "the branch and %s/%s have no common history",
				   out->remote, out->base);
out:
	free(mb);
	free(shallow);
	gmf_strbuf_release(&bspec);
	gmf_strbuf_release(&uspec);
	gmf_strbuf_release(&uref);
	gitrun_release(&p);
	return rc;
}

/* The commit message: what moved where. */
static void compose_message(gmf_sync_result *out, const gmf_sync_opts *o)
{
	gmf_strbuf m = GMF_STRBUF_INIT;
	const gmf_id_rename **rn;
	size_t n = gmf_fix_renames(&out->fix, &rn);

	if (o->rebase)
		gmf_strbuf_addf(&m, "%s after rebase onto %s/%s\n\n",
				out->fix.nmerges ? "Add a merge migration"
				: n ? "Renumber migrations" : "Re-parent migrations",
				out->remote, out->base);
	else
		gmf_strbuf_addf(&m, "Merge %s/%s into %s\n\n", out->remote, out->base,
				out->branch);
	gmf_strbuf_addf(&m, "git-migrate-fix sync: %s/%s and this branch both added "
			"migrations; the base's stay as they are and this branch's go "
			"after its head: %s.\n", out->remote, out->base,
			out->fix.description ? out->fix.description : "repaired");
	if (n) {
		gmf_strbuf_adds(&m, "\nRenamed revision ids (a database that applied an old "
				"id needs `alembic stamp --purge <new>`):\n");
		for (size_t i = 0; i < n; i++)
			gmf_strbuf_addf(&m, "  %s -> %s\n", rn[i]->old_id, rn[i]->new_id);
	}
	free(rn);
	out->message = gmf_strbuf_detach(&m, NULL);
}

/* Runs the repair with the base as the side that stays. */
static int repair(gmf_sync_result *out, const gmf_sync_opts *o, const char *dir)
{
	gmf_workspace ws;
	gmf_workspace_opts wo;
	gmf_fix_opts fo;
	gmf_strbuf name = GMF_STRBUF_INIT, own = GMF_STRBUF_INIT;
	const char *unpublished[1];
	int rc;

	memset(&wo, 0, sizeof(wo));
	wo.cwd = dir;
	wo.lock = !o->dry_run;
	wo.no_cache = 1; /* a dry run plans from the files, as the run does */
	if ((rc = gmf_workspace_open(&ws, &wo)) < 0) {
		gmf_workspace_release(&ws);
		return rc;
	}
	gmf_strbuf_addf(&name, "%s/%s", out->remote, out->base);
	memset(&fo, 0, sizeof(fo));
	fo.strategy = -1;
	fo.dry_run = o->dry_run;
	fo.mainline = out->base_ref;
	fo.ours = out->base_hex;
	fo.ours_name = name.buf;
	fo.linear = o->rebase;
	/* the pull request's own remote-tracking branch is what sync brings
	 * up to date: it publishes nothing of its own (every other remote
	 * branch and tag still does) */
	gmf_strbuf_addf(&own, "refs/remotes/%s/%s", out->remote, out->upstream);
	unpublished[0] = own.buf;
	{
		int strict = 0;
		if (!ws.repo || gmf_repo_config_get_bool(ws.repo, "migrate-fix.upstreamPublishes",
							 &strict) < 0)
			strict = 0;
		fo.unpublished = strict ? NULL : unpublished;
		fo.nunpublished = strict ? 0 : 1;
	}
	rc = gmf_fix_run(&out->fix, &ws, &fo);
	gmf_strbuf_release(&own);
	gmf_workspace_release(&ws);
	gmf_strbuf_release(&name);
	return rc;
}

static int commit(gmf_sync_result *out, const char *dir)
{
	gitrun p = GITRUN_INIT;
	char *gitdir = git_line(dir, "rev-parse", "--absolute-git-dir", NULL), *path = NULL;
	int rc;

	if (!gitdir)
		return gmf_error_set(GMF_ERROR, "cannot find the git directory");
	path = gmf_path_join(gitdir, "MIGRATE_FIX_SYNC_MSG");
	if ((rc = gmf_fs_write_atomic(path, out->message, strlen(out->message), 0)) < 0)
		goto out;
	if ((rc = git(&p, dir, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--no-verify",
		      "--cleanup=verbatim", "-F", path, NULL)) < 0)
		goto out;
	if (p.status != 0)
		rc = git_failed(&p, "git commit");
out:
	if (path)
		(void)unlink(path);
	free(path);
	free(gitdir);
	gitrun_release(&p);
	return rc;
}

static int push(gmf_sync_result *out, const gmf_sync_opts *o, const char *dir,
		const char *lease_hex)
{
	gitrun p = GITRUN_INIT;
	gmf_strbuf dst = GMF_STRBUF_INIT, lease = GMF_STRBUF_INIT;
	int rc;

	gmf_strbuf_addf(&dst, "HEAD:refs/heads/%s", out->upstream);
	if (o->rebase && lease_hex) {
		gmf_strbuf_addf(&lease, "--force-with-lease=refs/heads/%s:%s", out->upstream,
				lease_hex);
		rc = git(&p, dir, "push", "-q", lease.buf, out->remote, dst.buf, NULL);
	} else {
		rc = git(&p, dir, "push", "-q", out->remote, dst.buf, NULL);
	}
	if (rc == 0 && p.status != 0)
		rc = git_failed(&p, "git push");
	if (rc == 0) {
		out->pushed = 1;
		/* the tracking ref follows, as after an ordinary push */
		gmf_strbuf_reset(&dst);
		gmf_strbuf_addf(&dst, "refs/remotes/%s/%s", out->remote, out->upstream);
		(void)git(&p, dir, "update-ref", dst.buf, out->new_head, NULL);
	}
	gmf_strbuf_release(&dst);
	gmf_strbuf_release(&lease);
	gitrun_release(&p);
	return rc;
}

int gmf_sync_run(gmf_sync_result *out, const gmf_sync_opts *o)
{
	const char *dir = o->cwd;
	gitrun p = GITRUN_INIT;
	gmf_strbuf key = GMF_STRBUF_INIT;
	char *s = NULL, *lease_hex = NULL;
	int rc = 0, started = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = git(&p, dir, "rev-parse", "--show-toplevel", NULL)) < 0)
		goto out;
	if (p.status != 0) {
		rc = gmf_error_set(GMF_EREFUSED, "not in a git work tree");
		goto out;
	}
	if (!(out->branch = git_line(dir, "symbolic-ref", "-q", "--short", "HEAD", NULL))) {
		rc = gmf_error_set(GMF_EREFUSED, "HEAD is detached; check out the branch to "
				   "sync (actions/checkout: `ref: ${{ github.head_ref }}`)");
		goto out;
	}
	if ((s = git_line(dir, "rev-parse", "-q", "--verify", "MERGE_HEAD", NULL)) != NULL) {
		rc = gmf_error_set(GMF_EREFUSED, "a merge is in progress; finish or abort it first");
		goto out;
	}
	if ((rc = git(&p, dir, "status", "--porcelain", "--untracked-files=no", NULL)) < 0)
		goto out;
	if (p.status != 0 || p.out.len) {
		rc = p.status ? git_failed(&p, "git status") :
			gmf_error_set(GMF_EREFUSED, "the work tree has uncommitted changes; "
				      "commit or stash them first");
		goto out;
	}
	gmf_strbuf_addf(&key, "branch.%s.remote", out->branch);
	out->remote = git_line(dir, "config", key.buf, NULL);
	if (!out->remote || !strcmp(out->remote, "."))
		(free(out->remote), out->remote = gmf_xstrdup("origin"));
	gmf_strbuf_reset(&key);
	gmf_strbuf_addf(&key, "branch.%s.merge", out->branch);
	if ((s = git_line(dir, "config", key.buf, NULL)) != NULL) {
		out->upstream = strip_prefix(s, "refs/heads/");
		free(s);
		s = NULL;
	} else {
		out->upstream = gmf_xstrdup(out->branch);
	}
	if ((rc = resolve_base(out, dir, o->base)) < 0)
		goto out;
	if (!strcmp(out->base, out->upstream)) {
		rc = gmf_error_set(GMF_EUSAGE, "the branch is its own base (%s); check out "
				   "the pull request's branch", out->base);
		goto out;
	}
	if ((rc = fetch(out, dir)) < 0)
		goto out;
	out->base_hex = git_line(dir, "rev-parse", "-q", "--verify", "--end-of-options",
				 out->base_ref, NULL);
	out->old_head = git_line(dir, "rev-parse", "-q", "--verify", "HEAD", NULL);
	gmf_strbuf_reset(&key);
	gmf_strbuf_addf(&key, "refs/remotes/%s/%s", out->remote, out->upstream);
	lease_hex = git_line(dir, "rev-parse", "-q", "--verify", key.buf, NULL);
	if (!out->base_hex || !out->old_head) {
		rc = gmf_error_set(GMF_ENOTFOUND, "cannot resolve %s or HEAD", out->base_ref);
		goto out;
	}
	if ((rc = git(&p, dir, "merge-base", "--is-ancestor", out->base_hex, "HEAD", NULL)) < 0)
		goto out;
	if (p.status == 0) {
		out->state = GMF_SYNC_UP_TO_DATE;
		goto out;
	}

	/* merge or rebase, with our hooks and driver kept out of it */
	if (o->rebase)
		rc = git(&p, dir, "-c", "core.hooksPath=/dev/null", "-c", SYNC_DRIVER_OFF,
			 "rebase", "-q", "--no-autostash", out->base_hex, NULL);
	else
		rc = git(&p, dir, "-c", "core.hooksPath=/dev/null", "-c", SYNC_DRIVER_OFF,
			 "merge", "-q", "--no-ff", "--no-commit", "--no-edit", out->base_hex, NULL);
	if (rc < 0)
		goto out;
	started = 1;
	if (p.status != 0) {
		list_conflicts(out, dir);
		if (o->rebase) {
			gitrun q = GITRUN_INIT;
			git(&q, dir, "rebase", "--abort", NULL);
			gitrun_release(&q);
		} else {
			put_back(out, dir, 0);
		}
		started = 0;
		if (out->nconflicts) {
			out->state = GMF_SYNC_CONFLICT;
			rc = gmf_error_set(GMF_ECONFLICT, "merging %s/%s conflicts in %zu file%s "
					   "besides the migrations; merge it by hand",
					   out->remote, out->base, out->nconflicts,
					   out->nconflicts == 1 ? "" : "s");
		} else {
			rc = git_failed(&p, o->rebase ? "git rebase" : "git merge");
		}
		goto out;
	}

	rc = repair(out, o, dir);
	if (rc < 0) {
		if (out->fix.stop)
			out->state = GMF_SYNC_REFUSED;
		goto out;
	}
	if (!out->fix.changed) {
		out->state = GMF_SYNC_NO_FORK;
		goto out;
	}
	out->state = GMF_SYNC_DONE;
	compose_message(out, o);
	if (o->dry_run)
		goto out;
	list_conflicts(out, dir);
	if (out->nconflicts) {
		out->state = GMF_SYNC_CONFLICT;
		rc = gmf_error_set(GMF_ECONFLICT, "conflicts are left after the repair");
		goto out;
	}
	if ((rc = commit(out, dir)) < 0)
		goto out;
	started = 0;
	out->new_head = git_line(dir, "rev-parse", "HEAD", NULL);
	if (o->push)
		rc = push(out, o, dir, lease_hex);
out:
	if (started)
		put_back(out, dir, o->rebase);
	free(s);
	free(lease_hex);
	gmf_strbuf_release(&key);
	gitrun_release(&p);
	return rc;
}
