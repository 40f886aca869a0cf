/* SPDX-License-Identifier: MIT */
/* install: see include/gmf/install.h. */
#include "gmf/install.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/gitcmd.h"
#include "gmf/lockfile.h"
#include "gmf/path.h"
#include "gmf/project.h"
#include "gmf/shims.h"
#include "gmf/journal.h"

#define DRIVER "migrate-fix-head"
/* the clean filter of the migration files (install --global defines it):
 * adding one puts the pre-commit hook in place for the commit */
#define ARM_FILTER GMF_ARM_FILTER
#define PREV_SUFFIX ".git-migrate-fix-prev"
#define RECORD_HEADER "gmf-install 1\n"

static const char *const driver_keys[][2] = {
	{ "merge." DRIVER ".name", "git-migrate-fix: the Alembic head lockfile" },
	{ "merge." DRIVER ".driver", "git-migrate-fix merge-driver %O %A %B %L %P %S %X %Y" },
	{ "merge." DRIVER ".recursive", "binary" },
};

void gmf_install_result_release(gmf_install_result *r)
{
	gmf_strbuf_release(&r->report);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------- the record */

/* Is "kind what" a whole line of the record? */
static int rec_has(const gmf_strbuf *rec, const char *kind, const char *what)
{
	size_t kl = strlen(kind), wl = strlen(what);
	for (const char *l = rec->buf; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t ll = e ? (size_t)(e - l) : strlen(l);
		if (ll == kl + 1 + wl && !memcmp(l, kind, kl) && l[kl] == ' ' &&
		    !memcmp(l + kl + 1, what, wl))
			return 1;
		l = e ? e + 1 : NULL;
	}
	return 0;
}

static void rec_add(gmf_strbuf *rec, const char *kind, const char *what)
{
	if (!rec_has(rec, kind, what))
		gmf_strbuf_addf(rec, "%s %s\n", kind, what);
}

/* Where the work tree was when the record was written: its "top" line,
 * or for a record older than that line, what precedes "/.git/hooks/" in
 * a hook's path; NULL when the record cannot tell. */
static char *record_top(const gmf_strbuf *rec)
{
	const char *l, *e;
	for (l = rec->buf; l && *l; l = e ? e + 1 : NULL) {
		e = strchr(l, '\n');
		if (!strncmp(l, "top ", 4))
			return gmf_xstrndup(l + 4, e ? (size_t)(e - l - 4) : strlen(l + 4));
	}
	for (l = rec->buf; l && *l; l = e ? e + 1 : NULL) {
		const char *g;
		e = strchr(l, '\n');
		if (!strncmp(l, "hook /", 6) && (g = strstr(l, "/.git/hooks/")) != NULL &&
		    (!e || g < e))
			return gmf_xstrndup(l + 5, (size_t)(g - l - 5));
	}
	return NULL;
}

/* The record names files by absolute path: after the whole work tree was
 * moved (mv of the clone), the paths under its old place are taken to be
 * under the new one, and the "top" line says where that is now. */
static void relocate_record(gmf_strbuf *rec, const char *top)
{
	char *old = record_top(rec);
	size_t ol = old ? strlen(old) : 0;
	gmf_strbuf moved = GMF_STRBUF_INIT;
	const char *l, *e;

	if (old && !strcmp(old, top)) {
		free(old);
		return;
	}
	for (l = rec->buf; l && *l; l = e ? e + 1 : NULL) {
		const char *sp = strchr(l, ' ');
		size_t ll;
		e = strchr(l, '\n');
		ll = e ? (size_t)(e - l) : strlen(l);
		if (!strncmp(l, "top ", 4))
			continue;
		if (old && sp && (!e || sp < e) && !strncmp(sp + 1, old, ol) &&
		    (sp[1 + ol] == '/' || sp[1 + ol] == '\n' || !sp[1 + ol])) {
			gmf_strbuf_add(&moved, l, (size_t)(sp + 1 - l));
			gmf_strbuf_adds(&moved, top);
			gmf_strbuf_add(&moved, sp + 1 + ol, ll - (size_t)(sp + 1 + ol - l));
		} else {
			gmf_strbuf_add(&moved, l, ll);
		}
		gmf_strbuf_addch(&moved, '\n');
	}
	if (rec->len || old) {
		gmf_strbuf_addf(&moved, "top %s\n", top);
		gmf_strbuf_setlen(rec, 0);
		gmf_strbuf_add(rec, moved.buf, moved.len);
	}
	gmf_strbuf_release(&moved);
	free(old);
}

/* The journal slot of install and its record (the last run's
 * description); *rec is empty when nothing is installed. */
typedef struct {
	gmf_journal t;
	const char *roots[4];
	char *slot;
	char *hooks_dir;
	char *info_dir; /* <common dir>/info: the exclude file */
	gmf_strbuf rec;
	int had_record;
	int hooks_tracked; /* core.hooksPath inside the work tree: shims staged */
	int hooks_shared;  /* outside the repository: other repositories' too */
} install_ctx;

/* Where core.hooksPath put the hooks directory: in the git directory
 * (this repository's own), inside the work tree (tracked, or to be: what
 * install writes there is staged and must be committed), or elsewhere
 * (a directory other repositories may run their hooks from too). */
static void hooks_dir_kind(install_ctx *c, gmf_workspace *ws)
{
	const char *wt = gmf_repo_workdir(ws->repo);
	if (!c->hooks_dir || gmf_path_is_within(gmf_repo_commondir(ws->repo), c->hooks_dir) ||
	    gmf_path_is_within(gmf_repo_gitdir(ws->repo), c->hooks_dir))
		return;
	if (wt && gmf_path_is_within(wt, c->hooks_dir))
		c->hooks_tracked = 1;
	else
		c->hooks_shared = 1;
}

static int open_slot(install_ctx *c, gmf_workspace *ws, gmf_install_result *out)
{
	char *label = NULL, *desc = NULL, *what = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	gmf_strbuf_init(&c->rec, 0);
	c->slot = gmf_path_join(ws->state_dir, "install");
	c->hooks_dir = gmf_repo_hooks_dir(ws->repo);
	c->info_dir = gmf_path_join(gmf_repo_commondir(ws->repo), "info");
	c->roots[0] = ws->project.top;
	c->roots[1] = c->hooks_dir;
	c->roots[2] = c->info_dir;
	c->t.state_dir = c->slot;
	c->t.roots = c->roots;
	c->t.nroots = 3;
	c->t.stage = gmf_repo_stage;
	c->t.stage_data = ws->repo;
	hooks_dir_kind(c, ws);
	if (gmf_journal_pending(c->slot)) {
		if ((rc = gmf_journal_recover(&c->t, &what, NULL)) < 0)
			return rc;
		if (what)
			gmf_strbuf_addf(&out->report, "%s\n", what);
		free(what);
	}
	/* the record alone: its paths may name where a moved clone was */
	if (gmf_journal_last_description(c->slot, &label, &desc) == 0 &&
	    !strncmp(desc, RECORD_HEADER, strlen(RECORD_HEADER))) {
		gmf_strbuf_adds(&c->rec, desc + strlen(RECORD_HEADER));
		c->had_record = 1;
	}
	gmf_error_clear();
	free(label);
	free(desc);
	relocate_record(&c->rec, ws->project.top);
	return 0;
}

static void close_slot(install_ctx *c)
{
	free(c->slot);
	free(c->hooks_dir);
	free(c->info_dir);
	gmf_strbuf_release(&c->rec);
}

static int apply(install_ctx *c, gmf_journal_op *ops, size_t n, const char *label)
{
	gmf_strbuf desc = GMF_STRBUF_INIT;
	int rc;
	gmf_strbuf_adds(&desc, RECORD_HEADER);
	gmf_strbuf_add(&desc, c->rec.buf, c->rec.len);
	rc = gmf_journal_apply(&c->t, ops, n, label, desc.buf);
	gmf_strbuf_release(&desc);
	return rc == GMF_JOURNAL_UNDO_UNSAVED ? 0 : rc;
}

/* ------------------------------------------------------------- helpers */

static int is_shim(const char *path)
{
	return gmf_fs_contains(path, GMF_HOOK_MARKER);
}

static void push(gmf_journal_op **ops, size_t *n, const char *old_path, const char *new_path,
		 const char *content, size_t len, int tracked, unsigned mode)
{
	gmf_workspace_op_push(ops, n, old_path, new_path, content, len, tracked);
	(*ops)[*n - 1].mode = mode;
}

static char *rel_to_top(gmf_workspace *ws, const char *abs)
{
	return gmf_path_relative(ws->project.top, abs);
}

/* ------------------------------------------------------ hook managers */

/* Lines of ours inside a file a hook manager reads (husky's hook scripts,
 * lefthook's local configuration): between these two, so --uninstall
 * takes out exactly them and the file is byte for byte what it was. */
#define BLOCK_BEGIN "# git-migrate-fix: begin (`git migrate-fix install --uninstall` removes " \
		    "these lines)\n"
#define BLOCK_END "# git-migrate-fix: end\n"
#define HUSKY_NEW_FILE "#!/bin/sh\n"

/* The hooks a manager must run for us. */
static const char *const managed_hooks[] = { "pre-commit", "post-merge", "post-rewrite",
					     "post-commit", NULL };

/* What the shim of the hook tests before it starts the binary, as one sh
 * condition on $g, the git directory: the hooks after a merge, rebase or
 * commit have work only when the driver left a note (each such start
 * costs tens of milliseconds); pre-commit always runs. */
static const char *managed_condition(const char *hook)
{
	if (!strcmp(hook, "pre-commit"))
		return NULL;
	if (!strcmp(hook, "post-commit"))
		return "[ -e \"$g/migrate-fix/pending\" ] && [ ! -d \"$g/rebase-apply\" ] && "
		       "{ [ ! -d \"$g/rebase-merge\" ] || sed -e '/^[[:space:]]*#/d' "
		       "-e '/^[[:space:]]*$/d' -e q \"$g/rebase-merge/git-rebase-todo\" "
		       "2>/dev/null | grep -Eq '^[[:space:]]*(x|exec)([[:space:]]|$)'; }";
	return "[ -e \"$g/migrate-fix/pending\" ]";
}

/* Husky 9 points core.hooksPath at <dir>/_, whose stubs run <dir>/<hook>
 * with `sh -e`; husky 8 at <dir> itself.  Also a clone whose tracked
 * .husky/ waits for `npm install` to activate it.  The directory of the
 * scripts husky runs, or NULL. */
static char *husky_dir(gmf_workspace *ws, const char *hooks_dir)
{
	const char *base = strrchr(hooks_dir, '/');
	char *h = gmf_path_join(hooks_dir, "h"), *top;
	int stubs = base && !strcmp(base, "/_");
	int husky9 = stubs && gmf_fs_contains(h, "husky");
	free(h);
	if (husky9 || (stubs && strstr(hooks_dir, "/.husky/")))
		return gmf_xstrndup(hooks_dir, (size_t)(base - hooks_dir));
	if (strstr(hooks_dir, "/.husky"))
		return gmf_xstrdup(hooks_dir);
	top = gmf_path_join(ws->project.top, ".husky");
	if (gmf_fs_exists(top))
		return top;
	free(top);
	return NULL;
}

/* Is git's hooks directory husky's own (regenerated by every `husky`)? */
static int hooks_dir_is_husky(const char *hooks_dir, const char *hdir)
{
	return hdir && gmf_path_is_within(hdir, hooks_dir);
}

static const char *const lefthook_names[] = { "lefthook", ".lefthook", ".config/lefthook", NULL };
static const char *const lefthook_exts[] = { ".yml", ".yaml", ".json", ".jsonc", ".toml", NULL };

/* The first lefthook configuration of the kind ("" main, "-local") that
 * exists, as lefthook looks for it, or NULL. */
static char *lefthook_config(gmf_workspace *ws, const char *kind)
{
	for (int i = 0; lefthook_names[i]; i++)
		for (int e = 0; lefthook_exts[e]; e++) {
			gmf_strbuf name = GMF_STRBUF_INIT;
			char *p;
			gmf_strbuf_addf(&name, "%s%s%s", lefthook_names[i], kind, lefthook_exts[e]);
			p = gmf_path_join(ws->project.top, name.buf);
			gmf_strbuf_release(&name);
			if (gmf_fs_exists(p))
				return p;
			free(p);
		}
	return NULL;
}

/* A hook manager that owns the hooks, or NULL. */
static const char *manager(gmf_workspace *ws, const char *hooks_dir)
{
	char *p = husky_dir(ws, hooks_dir);
	if (p) {
		free(p);
		return "husky";
	}
	if ((p = lefthook_config(ws, "")) != NULL) {
		free(p);
		return "lefthook";
	}
	p = gmf_path_join(hooks_dir, "pre-commit");
	if (gmf_fs_contains(p, "call_lefthook")) {
		free(p);
		return "lefthook";
	}
	free(p);
	return NULL;
}

/* Where our block goes in text: after a first line that must stay first
 * (a #! line, a YAML document start). */
static size_t block_offset(const char *text, size_t len)
{
	const char *nl;
	if ((len >= 2 && !memcmp(text, "#!", 2)) || (len >= 3 && !memcmp(text, "---", 3))) {
		nl = memchr(text, '\n', len);
		return nl ? (size_t)(nl - text) + 1 : len;
	}
	return 0;
}

/* text without our block; 1 when there was one. */
static int strip_block(const char *text, size_t len, gmf_strbuf *out)
{
	const char *b = strstr(text, "# git-migrate-fix: begin"), *e;
	gmf_strbuf_reset(out);
	if (!b || !(e = strstr(b, BLOCK_END))) {
		gmf_strbuf_add(out, text, len);
		return 0;
	}
	e += strlen(BLOCK_END);
	gmf_strbuf_add(out, text, (size_t)(b - text));
	gmf_strbuf_add(out, e, len - (size_t)(e - text));
	return 1;
}

/* Our block in the file at path (created with new_head when missing),
 * replacing a block of ours already there. */
static void plan_block(install_ctx *c, const char *path, const char *block, const char *new_head,
		       int tracked, gmf_journal_op **ops, size_t *n)
{
	char *cur = NULL;
	size_t len = 0, at;
	gmf_strbuf rest = GMF_STRBUF_INIT, want = GMF_STRBUF_INIT;

	if (gmf_fs_read(path, &cur, &len) == 0) {
		strip_block(cur, len, &rest);
		at = block_offset(rest.buf, rest.len);
		gmf_strbuf_add(&want, rest.buf, at);
		gmf_strbuf_adds(&want, block);
		gmf_strbuf_add(&want, rest.buf + at, rest.len - at);
		if (want.len != len || memcmp(want.buf, cur, len))
			push(ops, n, path, path, want.buf, want.len, tracked, 0);
	} else {
		gmf_strbuf_adds(&want, new_head);
		gmf_strbuf_adds(&want, block);
		push(ops, n, NULL, path, want.buf, want.len, tracked, new_head[0] ? 0755 : 0644);
		rec_add(&c->rec, "blockfile", path);
	}
	rec_add(&c->rec, tracked ? "tblock" : "block", path);
	free(cur);
	gmf_strbuf_release(&rest);
	gmf_strbuf_release(&want);
}

/* husky: our lines at the top of each <dir>/<hook> husky runs (tracked
 * files, to commit: each line skips itself where git-migrate-fix is not
 * installed, so a teammate without it still commits). */
static void plan_husky(install_ctx *c, gmf_workspace *ws, gmf_install_result *out,
		       const char *hdir, gmf_journal_op **ops, size_t *n)
{
	char *rel = rel_to_top(ws, hdir);
	for (int i = 0; managed_hooks[i]; i++) {
		const char *h = managed_hooks[i];
		char *path = gmf_path_join(hdir, h);
		gmf_strbuf block = GMF_STRBUF_INIT;
		gmf_strbuf_adds(&block, BLOCK_BEGIN);
		const char *cond = managed_condition(h);
		gmf_strbuf_adds(&block, "if [ -z \"${GIT_MIGRATE_FIX_ACTIVE-}\" ] && command -v "
				"git-migrate-fix >/dev/null 2>&1; then\n");
		if (cond)
			gmf_strbuf_addf(&block, "\tg=$(git rev-parse --git-dir)\n\tif %s; then\n"
					"\t\tgit-migrate-fix hook %s \"$@\" </dev/null || :\n\tfi\n",
					cond, h);
		else
			gmf_strbuf_addf(&block, "\tgit-migrate-fix hook %s \"$@\" || exit $?\n", h);
		gmf_strbuf_adds(&block, "fi\n");
		gmf_strbuf_adds(&block, BLOCK_END);
		plan_block(c, path, block.buf, HUSKY_NEW_FILE, 1, ops, n);
		gmf_strbuf_release(&block);
		free(path);
	}
	gmf_strbuf_addf(&out->report, "husky runs the scripts in %s/: added our lines to its "
			"pre-commit, post-merge, post-rewrite and post-commit (each skips itself "
			"where git-migrate-fix is not installed); commit them\n", rel);
	free(rel);
}

/* The line "/<rel>" in <common dir>/info/exclude, so that `git add -A`
 * does not commit a file of this clone's own. */
static void plan_exclude(install_ctx *c, const char *rel, gmf_journal_op **ops, size_t *n)
{
	char *path = gmf_path_join(c->info_dir, "exclude"), *cur = NULL;
	size_t len = 0;
	int existed = gmf_fs_read(path, &cur, &len) == 0;
	gmf_strbuf line = GMF_STRBUF_INIT, want = GMF_STRBUF_INIT;

	gmf_strbuf_addf(&line, "/%s", rel);
	gmf_strbuf_add(&want, cur ? cur : "", len);
	if (!rec_has(&c->rec, "exclude", line.buf)) {
		gmf_strbuf l2 = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&l2, "\n%s\n", line.buf);
		if (!(len > l2.len - 1 && !strncmp(want.buf, l2.buf + 1, l2.len - 1)) &&
		    !strstr(want.buf, l2.buf)) {
			if (want.len && want.buf[want.len - 1] != '\n')
				gmf_strbuf_addch(&want, '\n');
			gmf_strbuf_addf(&want, "%s\n", line.buf);
			if (gmf_fs_exists(c->info_dir) || gmf_fs_mkdir(c->info_dir, 0755) == 0) {
				push(ops, n, existed ? path : NULL, path, want.buf, want.len, 0,
				     existed ? 0 : 0644);
				rec_add(&c->rec, "exclude", line.buf);
			}
		}
		gmf_strbuf_release(&l2);
	}
	free(cur);
	free(path);
	gmf_strbuf_release(&line);
	gmf_strbuf_release(&want);
}

/* lefthook: our jobs in its local configuration (lefthook-local.yml,
 * which lefthook merges into lefthook.yml and which is not committed).
 * Where that file is JSON or TOML, or already configures one of our
 * hooks, it says what to add instead; the merge driver then leaves
 * conflicts until the lines are there. */
static void plan_lefthook(install_ctx *c, gmf_workspace *ws, gmf_install_result *out,
			  gmf_journal_op **ops, size_t *n)
{
	char *path = lefthook_config(ws, "-local"), *cur = NULL, *rel;
	gmf_strbuf block = GMF_STRBUF_INIT, rest = GMF_STRBUF_INIT;
	const char *why = NULL;
	size_t len = 0;

	if (!path)
		path = gmf_path_join(ws->project.top, "lefthook-local.yml");
	rel = rel_to_top(ws, path);
	gmf_strbuf_adds(&block, BLOCK_BEGIN);
	for (int i = 0; managed_hooks[i]; i++) {
		const char *h = managed_hooks[i];
		int args = !strcmp(h, "post-merge") || !strcmp(h, "post-rewrite");
		const char *cond = managed_condition(h);
		gmf_strbuf_addf(&block, "%s:\n  commands:\n    git-migrate-fix:\n      run: 'test -z "
				"\"$GIT_MIGRATE_FIX_ACTIVE\" || exit 0; command -v git-migrate-fix "
				">/dev/null 2>&1 || exit 0; ", h);
		if (cond) {
			/* inside YAML single quotes, where '' is one ' */
			gmf_strbuf_adds(&block, "g=$(git rev-parse --git-dir); ");
			for (const char *q = cond; *q; q++) {
				if (*q == '\'')
					gmf_strbuf_addch(&block, '\'');
				gmf_strbuf_addch(&block, *q);
			}
			gmf_strbuf_adds(&block, " || exit 0; ");
		}
		gmf_strbuf_addf(&block, "git-migrate-fix hook %s%s'\n", h, args ? " {1}" : "");
	}
	gmf_strbuf_adds(&block, BLOCK_END);
	if (gmf_fs_read(path, &cur, &len) == 0) {
		size_t el = strlen(path);
		if (!(el > 4 && !strcmp(path + el - 4, ".yml")) &&
		    !(el > 5 && !strcmp(path + el - 5, ".yaml")))
			why = "it is not YAML";
		strip_block(cur, len, &rest);
		for (int i = 0; managed_hooks[i] && !why; i++) {
			gmf_strbuf key = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&key, "\n%s:", managed_hooks[i]);
			if (!strncmp(rest.buf, key.buf + 1, key.len - 1) || strstr(rest.buf, key.buf))
				why = "it already configures one of these hooks";
			gmf_strbuf_release(&key);
		}
	}
	if (why) {
		gmf_strbuf_addf(&out->report, "lefthook: cannot add our jobs to %s (%s); add to it, "
				"under each hook's commands, what this would have added, until then "
				"merges of two heads stop on a conflict in the head lockfile:\n%s",
				rel, why, block.buf);
	} else {
		plan_block(c, path, block.buf, "", 0, ops, n);
		if (rec_has(&c->rec, "blockfile", path))
			plan_exclude(c, rel, ops, n);
		gmf_strbuf_addf(&out->report, "lefthook runs the hooks: added our jobs to %s (your "
				"own, not to commit: git ignores it here)\n", rel);
	}
	free(cur);
	free(rel);
	free(path);
	gmf_strbuf_release(&block);
	gmf_strbuf_release(&rest);
}

/* ------------------------------------------------- core.hooksPath */

#define REGISTRY ".git-migrate-fix-repos"

/*
 * A hooks directory outside the repository may serve others: its file
 * REGISTRY lists the common git directory of each repository that
 * installed there.  add: this one joins; else it leaves, and the
 * return value is the number of others still there (a directory that no
 * longer exists is not counted: a clone deleted or moved), 0 meaning the
 * shims may go.
 */
static size_t plan_registry(install_ctx *c, gmf_workspace *ws, int add, gmf_journal_op **ops,
			    size_t *n)
{
	char *path = gmf_path_join(c->hooks_dir, REGISTRY), *cur = NULL;
	const char *self = gmf_repo_commondir(ws->repo);
	gmf_strbuf kept = GMF_STRBUF_INIT;
	size_t len = 0, others = 0;
	int existed = gmf_fs_read(path, &cur, &len) == 0;

	for (char *l = existed ? cur : NULL, *e; l && *l; l = e) {
		struct stat st;
		if ((e = strchr(l, '\n')) != NULL)
			*e++ = '\0';
		if (!*l || !strcmp(l, self) || stat(l, &st) < 0)
			continue;
		gmf_strbuf_addf(&kept, "%s\n", l);
		others++;
	}
	if (add)
		gmf_strbuf_addf(&kept, "%s\n", self);
	if (kept.len)
		push(ops, n, existed ? path : NULL, path, kept.buf, kept.len, 0, existed ? 0 : 0644);
	else if (existed)
		push(ops, n, path, NULL, NULL, 0, 0, 0);
	gmf_strbuf_release(&kept);
	free(cur);
	free(path);
	return others;
}

/* What a tracked or shared hooks directory means for the user: the
 * files to commit, and who else the hooks serve.  installing: 1 install,
 * 0 uninstall, -1 uninstall that left the shared hooks to the others. */
static void report_hooks_dir(install_ctx *c, gmf_workspace *ws, gmf_install_result *out,
			     const gmf_journal_op *ops, size_t n, int installing)
{
	char *rel = gmf_path_relative(ws->project.cwd, c->hooks_dir);
	gmf_strbuf files = GMF_STRBUF_INIT;

	gmf_strbuf_addch(&files, ' ');
	for (size_t i = 0; i < 2 * n && c->hooks_tracked; i++) {
		const gmf_journal_op *op = &ops[i / 2];
		const char *p = i % 2 ? op->old_path : op->new_path;
		gmf_strbuf item = GMF_STRBUF_INIT;
		char *f;
		if (!p || !gmf_path_is_within(c->hooks_dir, p))
			continue;
		f = gmf_path_relative(ws->project.cwd, p);
		gmf_strbuf_addf(&item, " %s ", f);
		if (!strstr(files.buf, item.buf))
			gmf_strbuf_addf(&files, "%s ", f);
		gmf_strbuf_release(&item);
		free(f);
	}
	gmf_strbuf_setlen(&files, files.len - 1); /* " a b" */
	if (files.len && installing > 0)
		gmf_strbuf_addf(&out->report, "the hooks directory %s (core.hooksPath) is in the "
				"work tree: these changes are staged, commit them for your "
				"teammates:%s\nin a clone without git-migrate-fix on PATH these "
				"hooks run only the hooks that were there before; they repair "
				"only in a clone that ran `git migrate-fix install`\n",
				rel, files.buf);
	else if (files.len)
		gmf_strbuf_addf(&out->report, "the hooks directory %s (core.hooksPath) is in the "
				"work tree: the removals are staged, commit them (or `git "
				"checkout HEAD -- %s` to keep the hooks for your teammates):%s\n",
				rel, rel, files.buf);
	if (c->hooks_shared && installing > 0)
		gmf_strbuf_addf(&out->report, "the hooks directory %s (core.hooksPath) is outside "
				"this repository: its hooks act only in repositories that ran "
				"`git migrate-fix install` (migrate-fix.installed), and stay "
				"while one of them (listed in %s/" REGISTRY ") still uses them\n",
				rel, rel);
	else if (c->hooks_shared && installing < 0)
		gmf_strbuf_addf(&out->report, "the hooks in %s stay while another repository "
				"listed in %s/" REGISTRY " uses them; here they do nothing any "
				"more\n", rel, rel);
	gmf_strbuf_release(&files);
	free(rel);
}

/* ------------------------------------------------------------- install */

static void add_attr(install_ctx *c, gmf_strbuf *attrs, const char *line)
{
	if (strstr(attrs->buf ? attrs->buf : "", line))
		return;
	if (attrs->len && attrs->buf[attrs->len - 1] != '\n')
		gmf_strbuf_addch(attrs, '\n');
	gmf_strbuf_addf(attrs, "%s\n", line);
	rec_add(&c->rec, "attr", line);
}

/* The lockfile of each script and its .gitattributes lines. */
static void plan_lockfiles(install_ctx *c, gmf_workspace *ws, gmf_install_result *out,
			   gmf_journal_op **ops, size_t *n)
{
	char *attr_path = gmf_path_join(ws->project.top, ".gitattributes"), *attr = NULL;
	size_t attr_len = 0;
	int attr_existed = gmf_fs_read(attr_path, &attr, &attr_len) == 0;
	gmf_strbuf attrs = GMF_STRBUF_INIT;

	gmf_strbuf_add(&attrs, attr ? attr : "", attr_len);
	for (size_t s = 0; s < ws->project.nscripts; s++) {
		char *lock = gmf_lockfile_path(&ws->project.scripts[s]), *rel;
		gmf_strbuf line = GMF_STRBUF_INIT;
		if (!gmf_path_is_within(ws->project.top, lock) ||
		    !gmf_fs_inside(ws->project.top, lock)) {
			free(lock);
			continue;
		}
		rel = rel_to_top(ws, lock);
		gmf_strbuf_addf(&line, "/%s merge=" DRIVER " -text", rel);
		add_attr(c, &attrs, line.buf);
		/* the migration files next to it (the lockfile's directory) */
		gmf_strbuf_setlen(&line, 0);
		gmf_strbuf_addf(&line, "/%.*s*.py filter=" ARM_FILTER,
				(int)(strrchr(rel, '/') ? strrchr(rel, '/') - rel + 1 : 0), rel);
		add_attr(c, &attrs, line.buf);
		if (!gmf_fs_exists(lock)) {
			size_t len;
			char *content = gmf_lockfile_render(ws->graphs[s], &len);
			gmf_findings nested;
			push(ops, n, NULL, lock, content, len, 1, 0644);
			rec_add(&c->rec, "lockfile", lock);
			gmf_strbuf_addf(&out->report, "created the head lockfile %s\n", rel);
			free(content);
			/* a lockfile naming a head of the few files read: say why */
			gmf_findings_init(&nested);
			gmf_script_check_nested(&ws->project.scripts[s],
						ws->loads ? &ws->loads[s] : NULL,
						gmf_graph_count(ws->graphs[s]), &nested);
			for (size_t k = 0; k < nested.n; k++)
				gmf_strbuf_addf(&out->report, "warning[%s]: %s\n  hint: %s\n",
						gmf_finding_code_name(nested.items[k].code),
						nested.items[k].message, nested.items[k].hint);
			gmf_findings_release(&nested);
		}
		free(rel);
		free(lock);
		gmf_strbuf_release(&line);
	}
	if (attrs.len != attr_len) {
		push(ops, n, attr_existed ? attr_path : NULL, attr_path, attrs.buf, attrs.len, 1,
		     attr_existed ? 0 : 0644);
		if (!attr_existed)
			rec_add(&c->rec, "attrfile", attr_path);
	}
	gmf_strbuf_release(&attrs);
	free(attr);
	free(attr_path);
}

/* The hook script the pre-commit framework generates (`pre-commit
 * install`); it runs <hook>.legacy before its own hooks. */
static int is_pre_commit_framework(const char *content)
{
	return strstr(content, "pre-commit.com") || strstr(content, "File generated by pre-commit");
}

/* Our shim as <hook>.legacy of the pre-commit framework's hook. */
static int plan_legacy(install_ctx *c, gmf_install_result *out, const gmf_hook_shim *h,
		       const char *path, gmf_journal_op **ops, size_t *n)
{
	gmf_strbuf legacy = GMF_STRBUF_INIT;
	char *cur = NULL;
	size_t len = 0, clen = strlen(h->content);
	int rc = 0;

	gmf_strbuf_addf(&legacy, "%s.legacy", path);
	if (gmf_fs_read(legacy.buf, &cur, &len) == 0) {
		if (!strstr(cur, GMF_HOOK_MARKER)) {
			rc = gmf_error_set(GMF_EREFUSED, "the pre-commit framework already runs "
					   "'%s' before its hooks; make it run `git-migrate-fix hook "
					   "%s \"$@\"` too, or move it away", legacy.buf, h->name);
			goto out;
		}
		if (len != clen || memcmp(cur, h->content, len))
			push(ops, n, legacy.buf, legacy.buf, h->content, clen, 0, 0755);
	} else {
		push(ops, n, NULL, legacy.buf, h->content, clen, 0, 0755);
	}
	rec_add(&c->rec, "hook", legacy.buf);
	gmf_strbuf_addf(&out->report, "the pre-commit framework owns %s: it runs ours as %s.legacy\n",
			h->name, h->name);
out:
	free(cur);
	gmf_strbuf_release(&legacy);
	return rc;
}

/* One shim: written, replacing an older shim of ours, or with the user's
 * hook moved aside to keep running after it.  0, or a refusal. */
static int plan_shim(install_ctx *c, gmf_install_result *out, const gmf_hook_shim *h,
		     int on_demand, gmf_journal_op **ops, size_t *n)
{
	char *path = gmf_path_join(c->hooks_dir, h->name), *cur = NULL;
	gmf_strbuf prev = GMF_STRBUF_INIT;
	size_t len = 0, clen = strlen(h->content);
	int exists = gmf_fs_read(path, &cur, &len) == 0, rc = 0;

	gmf_strbuf_addf(&prev, "%s" PREV_SUFFIX, path);
	/* post-merge on demand: no hook to start on every merge, unless a
	 * hook of the user's (here, or already moved aside) must keep running */
	if (on_demand && !strcmp(h->name, "post-merge") && !gmf_fs_exists(prev.buf) &&
	    (!exists || strstr(cur, GMF_HOOK_MARKER))) {
		rec_add(&c->rec, "postmerge", GMF_POST_MERGE_KEY);
		goto out;
	}
	if (exists && !strstr(cur, GMF_HOOK_MARKER)) {
		if (is_pre_commit_framework(cur)) {
			/* its generated hook runs <hook>.legacy first, with the
			 * same arguments: ours goes there, no stanza to add */
			rc = plan_legacy(c, out, h, path, ops, n);
			goto out;
		}
		if (gmf_fs_exists(prev.buf)) {
			rc = gmf_error_set(GMF_EREFUSED, "both '%s' and '%s' exist; move one away",
					   path, prev.buf);
			goto out;
		}
		push(ops, n, path, prev.buf, cur, len, c->hooks_tracked, 0);
		rec_add(&c->rec, "prev", path);
		push(ops, n, NULL, path, h->content, clen, c->hooks_tracked, 0755);
	} else if (!exists) {
		push(ops, n, NULL, path, h->content, clen, c->hooks_tracked, 0755);
	} else if (len != clen || memcmp(cur, h->content, len)) {
		push(ops, n, path, path, h->content, clen, c->hooks_tracked, 0755);
	} else if (c->hooks_tracked && !rec_has(&c->rec, "hook", path)) {
		goto out; /* committed by a teammate's install: theirs, not ours */
	}
	rec_add(&c->rec, "hook", path);
out:
	free(cur);
	free(path);
	gmf_strbuf_release(&prev);
	return rc;
}

static int set_config(gmf_workspace *ws, const install_ctx *c)
{
	int rc = 0;
	for (size_t i = 0; i < 3 && rc == 0; i++)
		rc = gmf_repo_config_set(ws->repo, driver_keys[i][0], driver_keys[i][1]);
	if (rc == 0) /* the shims act only where this is set */
		rc = gmf_repo_config_set(ws->repo, GMF_INSTALLED_KEY, "true");
	if (rc == 0 && rec_has(&c->rec, "postmerge", GMF_POST_MERGE_KEY))
		rc = gmf_repo_config_set(ws->repo, GMF_POST_MERGE_KEY, "on-demand");
	return rc;
}

int gmf_install_run(gmf_install_result *out, gmf_workspace *ws)
{
	install_ctx c;
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	size_t before;
	const char *mgr;
	char *rel = NULL, *hdir = NULL;
	int rc;

	if (!ws->repo || !gmf_repo_workdir(ws->repo))
		return gmf_error_set(GMF_EUSAGE, "install needs a git repository with a work tree");
	if ((rc = open_slot(&c, ws, out)) < 0)
		goto out;
	before = c.rec.len;
	out->manager = mgr = manager(ws, c.hooks_dir);
	plan_lockfiles(&c, ws, out, &ops, &n);
	if (mgr && !strcmp(mgr, "husky")) {
		hdir = husky_dir(ws, c.hooks_dir);
		plan_husky(&c, ws, out, hdir, &ops, &n);
	} else if (mgr) {
		plan_lefthook(&c, ws, out, &ops, &n);
	}
	/* husky's own hooks directory is rewritten by every `husky`: our
	 * lines are in the scripts it runs */
	if (!hooks_dir_is_husky(c.hooks_dir, hdir)) {
		/* only git's own hooks directory gains and loses the post-merge
		 * shim during merges: a core.hooksPath may be tracked, or shared
		 * by other repositories; and lefthook may claim it any time */
		int on_demand = !mgr && gmf_path_is_within(gmf_repo_commondir(ws->repo), c.hooks_dir);
		if (!gmf_fs_exists(c.hooks_dir) && (rc = gmf_fs_mkdir(c.hooks_dir, 0755)) < 0)
			goto out;
		for (const gmf_hook_shim *h = gmf_hook_shims; h->name && rc == 0; h++) {
			char *p = gmf_path_join(c.hooks_dir, h->name);
			/* lefthook's hook runs our job from its configuration */
			int lefthooks = mgr && !strcmp(mgr, "lefthook") && gmf_fs_contains(p, "call_lefthook");
			free(p);
			if (!lefthooks)
				rc = plan_shim(&c, out, h, on_demand, &ops, &n);
		}
		if (rc < 0)
			goto out;
		if (c.hooks_shared)
			plan_registry(&c, ws, 1, &ops, &n);
	}
	relocate_record(&c.rec, ws->project.top); /* a first record gets its "top" */
	/* files first, as one change; the driver only once the hooks it
	 * counts on are there */
	if (n || !c.had_record || c.rec.len != before)
		rc = apply(&c, ops, n, "install");
	if (rc == 0)
		rc = set_config(ws, &c);
	if (rc < 0)
		goto out;
	out->changed = n > 0;
	rel = gmf_path_relative(ws->project.cwd, c.hooks_dir);
	if (hooks_dir_is_husky(c.hooks_dir, hdir))
		gmf_strbuf_adds(&out->report, "installed: merge driver, .gitattributes, hooks "
				"through husky (see above)\n");
	else
		gmf_strbuf_addf(&out->report, "installed: merge driver, .gitattributes, hooks in "
				"%s\n", rel);
	if (!mgr)
		report_hooks_dir(&c, ws, out, ops, n, 1);
	{
		/* only what this run wrote into the work tree is to commit (a
		 * clone that has them committed has nothing to add) */
		const char *gitdir = ws->repo ? gmf_repo_gitdir(ws->repo) : NULL;
		size_t ntree = 0;
		for (size_t i = 0; i < n; i++)
			if (ops[i].new_path && gmf_path_is_within(ws->project.top, ops[i].new_path) &&
			    !(gitdir && gmf_path_is_within(gitdir, ops[i].new_path)))
				ntree++;
		if (ntree)
			gmf_strbuf_adds(&out->report, "commit .gitattributes and the head lockfile "
					"so everyone's merges use them; ");
		gmf_strbuf_adds(&out->report, "`git migrate-fix install --uninstall` undoes "
				"this\n");
	}
out:
	free(rel);
	free(hdir);
	gmf_journal_ops_free(ops, n);
	close_slot(&c);
	return rc;
}

/* ----------------------------------------------------------- uninstall */

/* Every record line of kind, in order (pointers into a copy the caller
 * frees as *buf). */
static size_t rec_items(const gmf_strbuf *rec, const char *kind, char ***out, char **buf)
{
	size_t kl = strlen(kind), n = 0;
	char *copy = gmf_xstrdup(rec->buf ? rec->buf : ""), **v = NULL;
	for (char *l = copy, *e; l && *l; l = e) {
		e = strchr(l, '\n');
		if (e)
			*e++ = '\0';
		if (!strncmp(l, kind, kl) && l[kl] == ' ') {
			v = gmf_xrealloc(v, (n + 1) * sizeof(char *));
			v[n++] = l + kl + 1;
		}
	}
	*out = v;
	*buf = copy;
	return n;
}

/* Appends to kept the lines of text that are none of lines[0..nl). */
static void drop_lines(const char *text, char *const *lines, size_t nl, gmf_strbuf *kept)
{
	for (const char *l = text, *e; l && *l; l = e) {
		size_t ll;
		int ours = 0;
		e = strchr(l, '\n');
		ll = e ? (size_t)(e - l) : strlen(l);
		for (size_t k = 0; k < nl && !ours; k++)
			ours = strlen(lines[k]) == ll && !strncmp(l, lines[k], ll);
		if (!ours)
			gmf_strbuf_add(kept, l, ll + (e ? 1 : 0));
		e = e ? e + 1 : NULL;
	}
}

/* .gitattributes without the lines install added. */
static void plan_attrs(install_ctx *c, gmf_workspace *ws, gmf_journal_op **ops, size_t *n)
{
	char *path = gmf_path_join(ws->project.top, ".gitattributes"), *cur = NULL, *buf;
	char **lines;
	size_t cl = 0, nl = rec_items(&c->rec, "attr", &lines, &buf);
	gmf_strbuf kept = GMF_STRBUF_INIT;

	if (gmf_fs_read(path, &cur, &cl) == 0) {
		drop_lines(cur, lines, nl, &kept);
		if (!kept.len && rec_has(&c->rec, "attrfile", path))
			push(ops, n, path, NULL, NULL, 0, 1, 0); /* install made it */
		else if (kept.len != cl)
			push(ops, n, path, path, kept.buf, kept.len, 1, 0);
	}
	gmf_strbuf_release(&kept);
	free(lines);
	free(buf);
	free(cur);
	free(path);
}

/* The hooks: ours removed, the user's put back where they were. */
static void plan_hooks(install_ctx *c, gmf_journal_op **ops, size_t *n)
{
	char **v, *buf;
	size_t nv = rec_items(&c->rec, "hook", &v, &buf);
	gmf_strbuf legacy = GMF_STRBUF_INIT;
	for (size_t i = 0; i < nv; i++) {
		gmf_strbuf prev = GMF_STRBUF_INIT;
		char *data = NULL;
		size_t len;
		gmf_strbuf_addf(&prev, "%s" PREV_SUFFIX, v[i]);
		if (is_shim(v[i]))
			push(ops, n, v[i], NULL, NULL, 0, c->hooks_tracked, 0);
		/* `pre-commit install` after ours moved it to <hook>.legacy,
		 * `lefthook install` to <hook>.old */
		int moved = 0;
		for (int k = 0; k < 2; k++) {
			gmf_strbuf_addf(&legacy, "%s%s", v[i], k ? ".old" : ".legacy");
			if (!rec_has(&c->rec, "hook", legacy.buf) && is_shim(legacy.buf)) {
				push(ops, n, legacy.buf, NULL, NULL, 0, c->hooks_tracked, 0);
				moved = !k;
			}
			gmf_strbuf_reset(&legacy);
		}
		if (rec_has(&c->rec, "prev", v[i]) && gmf_fs_read(prev.buf, &data, &len) == 0) {
			if (is_shim(v[i]) || !gmf_fs_exists(v[i])) {
				push(ops, n, prev.buf, v[i], data, len, c->hooks_tracked, 0);
			} else if (moved) {
				/* the framework's hook is there now: the user's goes
				 * where the framework runs it, as if ours never was */
				gmf_strbuf_addf(&legacy, "%s.legacy", v[i]);
				push(ops, n, prev.buf, legacy.buf, data, len, c->hooks_tracked, 0);
				gmf_strbuf_reset(&legacy);
			}
		}
		free(data);
		gmf_strbuf_release(&prev);
	}
	gmf_strbuf_release(&legacy);
	free(v);
	free(buf);
}

/* Our blocks out of the files a hook manager reads; a file install made
 * goes when nothing else was added to it. */
static void plan_blocks(install_ctx *c, const char *kind, int tracked, gmf_journal_op **ops,
			size_t *n)
{
	char **v, *buf;
	size_t nv = rec_items(&c->rec, kind, &v, &buf);
	gmf_strbuf rest = GMF_STRBUF_INIT;
	for (size_t i = 0; i < nv; i++) {
		char *cur = NULL;
		size_t len;
		if (gmf_fs_read(v[i], &cur, &len) < 0 || !strip_block(cur, len, &rest)) {
			free(cur);
			continue;
		}
		if (rec_has(&c->rec, "blockfile", v[i]) &&
		    (!rest.len || !strcmp(rest.buf, HUSKY_NEW_FILE)))
			push(ops, n, v[i], NULL, NULL, 0, tracked, 0);
		else
			push(ops, n, v[i], v[i], rest.buf, rest.len, tracked, 0);
		free(cur);
	}
	gmf_strbuf_release(&rest);
	free(v);
	free(buf);
}

/* info/exclude without the lines install added. */
static void plan_unexclude(install_ctx *c, gmf_journal_op **ops, size_t *n)
{
	char *path = gmf_path_join(c->info_dir, "exclude"), *cur = NULL, *buf;
	char **lines;
	size_t cl = 0, nl = rec_items(&c->rec, "exclude", &lines, &buf);
	gmf_strbuf kept = GMF_STRBUF_INIT;

	if (nl && gmf_fs_read(path, &cur, &cl) == 0) {
		drop_lines(cur, lines, nl, &kept);
		if (kept.len != cl)
			push(ops, n, path, path, kept.buf, kept.len, 0, 0);
	}
	gmf_strbuf_release(&kept);
	free(lines);
	free(buf);
	free(cur);
	free(path);
}

int gmf_install_remove(gmf_install_result *out, gmf_workspace *ws)
{
	install_ctx c;
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	char **locks, *buf = NULL;
	size_t nlocks;
	int rc, kept = 0;

	if (!ws->repo || !gmf_repo_workdir(ws->repo))
		return gmf_error_set(GMF_EUSAGE, "install needs a git repository with a work tree");
	if ((rc = open_slot(&c, ws, out)) < 0)
		goto out;
	if (!c.had_record) {
		rc = gmf_error_set(GMF_EREFUSED, "not installed in this repository");
		goto out;
	}
	if (!c.hooks_shared || plan_registry(&c, ws, 0, &ops, &n) == 0)
		plan_hooks(&c, &ops, &n);
	else
		kept = 1;
	plan_blocks(&c, "tblock", 1, &ops, &n);
	plan_blocks(&c, "block", 0, &ops, &n);
	plan_unexclude(&c, &ops, &n);
	plan_attrs(&c, ws, &ops, &n);
	nlocks = rec_items(&c.rec, "lockfile", &locks, &buf);
	for (size_t i = 0; i < nlocks; i++)
		if (gmf_fs_exists(locks[i]))
			push(&ops, &n, locks[i], NULL, NULL, 0, 1, 0);
	free(locks);
	/* the driver first: without it a merge is an ordinary conflict */
	for (size_t i = 0; i < 3 && rc == 0; i++)
		rc = gmf_repo_config_set(ws->repo, driver_keys[i][0], NULL);
	if (rc == 0)
		rc = gmf_repo_config_set(ws->repo, "migrate-fix.hooks", NULL);
	if (rc == 0)
		rc = gmf_repo_config_set(ws->repo, GMF_POST_MERGE_KEY, NULL);
	if (rc == 0)
		rc = gmf_repo_config_set(ws->repo, GMF_INSTALLED_KEY, NULL);
	if (rc == 0 && n)
		rc = apply(&c, ops, n, "uninstall");
	if (rc == 0) {
		/* the record goes last: a run stopped before is simply repeated */
		char *last = gmf_path_join(c.slot, "last");
		rc = gmf_fs_rmdir_flat(last);
		free(last);
	}
	if (rc == 0 && kept)
		gmf_strbuf_adds(&out->report, "uninstalled: merge driver and .gitattributes line "
				"removed\n");
	else if (rc == 0)
		gmf_strbuf_adds(&out->report, "uninstalled: hooks, merge driver and .gitattributes "
				"line removed, earlier hooks restored\n");
	if (rc == 0)
		report_hooks_dir(&c, ws, out, ops, n, kept ? -1 : 0);
	out->changed = n > 0;
out:
	free(buf);
	gmf_journal_ops_free(ops, n);
	close_slot(&c);
	return rc;
}

/* ------------------------------------------------------------ --global */

/* The user's global configuration: the merge driver, and the driver's
 * leave to arm the hooks it needs in a clone that never ran install.
 * GLOBAL_RECORD lists the keys install --global set, so --uninstall
 * --global removes those and no other. */
#define GLOBAL_RECORD "migrate-fix.globalkeys"

#define NGLOBAL 5

static const char *global_value(size_t i)
{
	return i < 3 ? driver_keys[i][1] : i == 3 ? "true" : "git-migrate-fix hook arm";
}

static const char *global_key(size_t i)
{
	return i < 3 ? driver_keys[i][0] : i == 3 ? GMF_ON_DEMAND_KEY
						   : "filter." ARM_FILTER ".clean";
}

int gmf_install_global(gmf_install_result *out)
{
	gmf_strbuf rec = GMF_STRBUF_INIT;
	char *old = NULL;
	int rc = 0, set[NGLOBAL] = { 0 };

	if (gmf_gitcmd_global_config_get(GLOBAL_RECORD, &old) == 0)
		gmf_strbuf_adds(&rec, old);
	else
		gmf_error_clear();
	/* everything checked before anything is written */
	for (size_t i = 0; i < NGLOBAL && rc == 0; i++) {
		char *cur = NULL;
		int got = gmf_gitcmd_global_config_get(global_key(i), &cur);
		if (got == GMF_ENOTFOUND)
			set[i] = 1;
		else if (got < 0)
			rc = got;
		else if (strcmp(cur, global_value(i)))
			rc = gmf_error_set(GMF_EREFUSED, "'%s' is already set in your global git "
					   "configuration, to '%s'; remove it first (`git config "
					   "--global --unset %s`)", global_key(i), cur,
					   global_key(i));
		if (rc == 0)
			gmf_error_clear();
		free(cur);
	}
	for (size_t i = 0; i < NGLOBAL && rc == 0; i++)
		if (set[i] && !strstr(rec.buf ? rec.buf : "", global_key(i)))
			gmf_strbuf_addf(&rec, "%s%s", rec.len ? " " : "", global_key(i));
	/* the record first: an install stopped half-way is undone all the same */
	if (rc == 0 && rec.len && (!old || strcmp(old, rec.buf)))
		rc = gmf_gitcmd_global_config_set(GLOBAL_RECORD, rec.buf);
	for (size_t i = 0; i < NGLOBAL && rc == 0; i++)
		if (set[i] && (rc = gmf_gitcmd_global_config_set(global_key(i), global_value(i))) == 0)
			out->changed = 1;
	if (rc == 0)
		gmf_strbuf_adds(&out->report, "installed in your global git configuration: the "
				"merge driver, armed on demand; in every clone whose .gitattributes "
				"names migrate-fix-head, merges, pulls and rebases repair themselves "
				"with no step in that clone; `git migrate-fix install --uninstall "
				"--global` undoes this\n");
	gmf_strbuf_release(&rec);
	free(old);
	return rc;
}

int gmf_install_global_remove(gmf_install_result *out)
{
	char *rec = NULL;
	int rc;

	if ((rc = gmf_gitcmd_global_config_get(GLOBAL_RECORD, &rec)) == GMF_ENOTFOUND)
		return gmf_error_set(GMF_EREFUSED, "not installed in your global git "
				     "configuration");
	/* every key it set, unless someone has changed it since */
	for (size_t i = 0; i < NGLOBAL && rc == 0; i++) {
		char *cur = NULL;
		const char *k = global_key(i), *at = strstr(rec, k);
		size_t kl = strlen(k);
		if (!at || (at[kl] && at[kl] != ' '))
			continue;
		if (gmf_gitcmd_global_config_get(k, &cur) == 0 && !strcmp(cur, global_value(i)))
			rc = gmf_gitcmd_global_config_set(k, NULL);
		else if (cur)
			gmf_strbuf_addf(&out->report, "left %s: it was changed since (now '%s')\n",
					k, cur);
		if (rc == 0)
			gmf_error_clear();
		free(cur);
	}
	if (rc == 0)
		rc = gmf_gitcmd_global_config_set(GLOBAL_RECORD, NULL);
	if (rc == 0) {
		(void)gmf_gitcmd_global_section_prune("merge." DRIVER);
		(void)gmf_gitcmd_global_section_prune("migrate-fix");
		(void)gmf_gitcmd_global_section_prune("filter." ARM_FILTER);
		out->changed = 1;
		gmf_strbuf_adds(&out->report, "uninstalled from your global git configuration: "
				"what install --global set is removed; clones that ran `git "
				"migrate-fix install` keep their own\n");
	}
	free(rec);
	return rc;
}
