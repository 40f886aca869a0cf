/*
 * cli/cmd_install: `git migrate-fix install [--uninstall]`: wires a
 * repository: the merge driver's config (name and driver together, never
 * one alone), the .gitattributes line, the head lockfile, and the hook
 * shims in the directory git really uses (core.hooksPath honoured).  A
 * hook that was there is kept as <hook>.git-migrate-fix-prev and still
 * runs.  What install did is recorded (<git dir>/migrate-fix/install) so
 * --uninstall puts back exactly the previous state.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gmf/shims.h"
#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lockfile.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"

#define DRIVER "migrate-fix-head"
#define PREV_SUFFIX ".git-migrate-fix-prev"

static const char *const install_keys[][2] = {
	{ "merge." DRIVER ".name", "git-migrate-fix: the Alembic head lockfile" },
	{ "merge." DRIVER ".driver", "git-migrate-fix merge-driver %O %A %B %L %P" },
	{ "merge." DRIVER ".recursive", "binary" },
};

static int contains(const char *path, const char *needle)
{
	char *data = NULL;
	size_t len;
	int found = gmf_fs_read(path, &data, &len) == 0 && strstr(data, needle);
	free(data);
	return found;
}

/* A hook manager that owns the hooks: print lines instead of writing. */
static const char *manager(const cli_context *ctx, const char *hooks_dir)
{
	static const char *const lefthook[] = { "lefthook.yml", ".lefthook.yml",
						"lefthook.yaml", NULL };
	if (strstr(hooks_dir, "/.husky"))
		return "husky";
	for (int i = 0; lefthook[i]; i++) {
		char *p = gmf_path_join(ctx->project.top, lefthook[i]);
		int e = gmf_fs_exists(p);
		free(p);
		if (e)
			return "lefthook";
	}
	return NULL;
}

/* Is "kind what" a whole line of the record? */
static int recorded(const gmf_strbuf *rec, const char *kind, const char *what)
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

/*
 * Write-ahead: the record names a change before the change is made, so
 * whenever install stops (an error, a kill, a power cut), the record on
 * disk covers everything it did.  --uninstall then undoes exactly that,
 * each step tolerating a change that never happened, and `install` run
 * again completes the rest.
 */
static int record(gmf_strbuf *rec, const char *rec_path, const char *kind,
		  const char *what)
{
	if (recorded(rec, kind, what))
		return 0;
	gmf_strbuf_addf(rec, "%s %s\n", kind, what);
	return gmf_fs_write_atomic(rec_path, rec->buf, rec->len, 0600);
}

static int stage(cli_context *ctx, const char *path, int remove)
{
	gmf_txn_op op;
	memset(&op, 0, sizeof(op));
	op.tracked = 1;
	if (remove)
		op.old_path = (char *)path;
	else
		op.new_path = (char *)path;
	return gmf_repo_stage(ctx->repo, &op, 1, 0);
}

static int do_install(cli_context *ctx, const char *state)
{
	char *hooks_dir = gmf_repo_hooks_dir(ctx->repo), *rec_path = gmf_path_join(state, "install");
	char *old_rec = NULL;
	size_t old_len = 0;
	const char *mgr = manager(ctx, hooks_dir);
	gmf_strbuf rec = GMF_STRBUF_INIT, attrs = GMF_STRBUF_INIT;
	char *attr_path = gmf_path_join(ctx->project.top, ".gitattributes"), *attr_data = NULL;
	size_t attr_len = 0;
	int rc = 0, attr_existed;

	if (gmf_fs_read(rec_path, &old_rec, &old_len) == 0)
		gmf_strbuf_add(&rec, old_rec, old_len); /* installing again */
	if ((rc = gmf_fs_mkdir(state, 0700)) < 0)
		goto out;
	/* 1. the driver: both keys or none (a name without a driver is fatal) */
	rc = record(&rec, rec_path, "config", "merge." DRIVER);
	for (size_t i = 0; i < 3 && rc == 0; i++)
		rc = gmf_repo_config_set(ctx->repo, install_keys[i][0], install_keys[i][1]);
	if (rc < 0)
		goto out;
	/* 2. .gitattributes and 3. the lockfile, per script */
	attr_existed = gmf_fs_read(attr_path, &attr_data, &attr_len) == 0;
	gmf_strbuf_add(&attrs, attr_data ? attr_data : "", attr_len);
	for (size_t s = 0; s < ctx->project.nscripts; s++) {
		const gmf_script *sc = &ctx->project.scripts[s];
		char *lock = gmf_lockfile_path(sc), *rel, *line;
		gmf_strbuf l = GMF_STRBUF_INIT;
		if (!gmf_path_is_within(ctx->project.top, lock) ||
		    !gmf_fs_inside(ctx->project.top, lock)) {
			free(lock);
			continue;
		}
		rel = gmf_path_relative(ctx->project.top, lock);
		gmf_strbuf_addf(&l, "/%s merge=" DRIVER " -text", rel);
		line = l.buf;
		if (!strstr(attrs.buf, line)) {
			if (attrs.len && attrs.buf[attrs.len - 1] != '\n')
				gmf_strbuf_addch(&attrs, '\n');
			gmf_strbuf_addf(&attrs, "%s\n", line);
			rc = record(&rec, rec_path, "attr", line);
		}
		if (rc == 0 && !gmf_fs_exists(lock)) {
			size_t len;
			char *content = gmf_lockfile_render(ctx->graphs[s], &len);
			rc = record(&rec, rec_path, "lockfile", lock);
			if (rc == 0)
				rc = gmf_fs_write_atomic(lock, content, len, 0666 & ~(mode_t)022);
			free(content);
			if (rc == 0) {
				rc = stage(ctx, lock, 0);
				printf("created the head lockfile %s\n", rel);
			}
		} else if (rc == 0 && recorded(&rec, "lockfile", lock) &&
			   !gmf_repo_is_tracked(ctx->repo, lock)) {
			/* an earlier install stopped before staging it */
			rc = stage(ctx, lock, 0);
		}
		free(rel);
		free(lock);
		gmf_strbuf_release(&l);
		if (rc < 0)
			goto out;
	}
	if (attrs.len != attr_len) {
		if (!attr_existed)
			rc = record(&rec, rec_path, "attrfile", attr_path);
		if (rc == 0)
			rc = gmf_fs_write_atomic(attr_path, attrs.buf, attrs.len,
						 attr_existed ? 0 : 0644);
		if (rc == 0)
			rc = stage(ctx, attr_path, 0);
		if (rc < 0)
			goto out;
	} else if (strstr(rec.buf, "\nattr ") || !strncmp(rec.buf, "attr ", 5)) {
		/* our lines are there: stage them in case an earlier install
		 * stopped before it could (staging what is staged is a no-op) */
		if ((rc = stage(ctx, attr_path, 0)) < 0)
			goto out;
	}
	/* 4. the hooks */
	if (mgr) {
		printf("%s manages this repository's hooks, so none was written; make "
		       "each of these git hooks run the command shown (with the hook's "
		       "arguments, and for post-rewrite its standard input):\n", mgr);
		for (const gmf_hook_shim *h = gmf_hook_shims; h->name; h++)
			printf("  %-13s git-migrate-fix hook %s \"$@\"\n", h->name, h->name);
		/* the merge driver may count on hooks it cannot see */
		if ((rc = record(&rec, rec_path, "external", "migrate-fix.hooks")) < 0 ||
		    (rc = gmf_repo_config_set(ctx->repo, "migrate-fix.hooks", "external")) < 0)
			goto out;
	} else {
		/* only git's own hooks directory gains and loses the post-merge
		 * shim during merges: a core.hooksPath may be tracked, or shared
		 * by other repositories */
		int on_demand = gmf_path_is_within(gmf_repo_commondir(ctx->repo), hooks_dir);
		if (!gmf_fs_exists(hooks_dir) && (rc = gmf_fs_mkdir(hooks_dir, 0755)) < 0)
			goto out;
		for (const gmf_hook_shim *h = gmf_hook_shims; h->name; h++) {
			char *path = gmf_path_join(hooks_dir, h->name);
			gmf_strbuf prev = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&prev, "%s" PREV_SUFFIX, path);
			/* a hook of the user's (here, or moved aside by an install
			 * that stopped half-way) must keep running on every merge */
			if (on_demand && !strcmp(h->name, "post-merge") && !gmf_fs_exists(prev.buf) &&
			    (!gmf_fs_exists(path) || contains(path, GMF_HOOK_MARKER))) {
				/* no hook to start on every merge: the merge driver
				 * puts it in place for the merges that need it */
				rc = record(&rec, rec_path, "hook", path);
				if (rc == 0)
					rc = record(&rec, rec_path, "postmerge", GMF_POST_MERGE_KEY);
				if (rc == 0)
					rc = gmf_repo_config_set(ctx->repo, GMF_POST_MERGE_KEY, "on-demand");
				free(path);
				gmf_strbuf_release(&prev);
				if (rc < 0)
					goto out;
				continue;
			}
			if (gmf_fs_exists(path) && !contains(path, GMF_HOOK_MARKER)) {
				if (contains(path, "pre-commit.com") ||
				    contains(path, "File generated by pre-commit")) {
					printf("the pre-commit framework owns %s: add a local hook "
					       "to .pre-commit-config.yaml with `entry: git-migrate-fix "
					       "hook %s` and `stages: [%s]`\n", h->name, h->name, h->name);
					free(path);
					gmf_strbuf_release(&prev);
					continue;
				}
				if (gmf_fs_exists(prev.buf))
					rc = gmf_error_set(GMF_EREFUSED, "both '%s' and '%s' exist; "
							   "move one away", path, prev.buf);
				else if ((rc = record(&rec, rec_path, "prev", path)) == 0)
					rc = gmf_fs_rename(path, prev.buf);
			}
			if (rc == 0)
				rc = record(&rec, rec_path, "hook", path);
			if (rc == 0)
				rc = gmf_fs_write_atomic(path, h->content, strlen(h->content), 0755);
			if (rc == 0 && chmod(path, 0755) < 0)
				rc = gmf_error_set_errno(GMF_EIO, path);
			free(path);
			gmf_strbuf_release(&prev);
			if (rc < 0)
				goto out;
		}
	}
	if (rc == 0) {
		char *rel = gmf_path_relative(ctx->project.cwd, hooks_dir);
		if (mgr)
			printf("installed: merge driver and .gitattributes (hooks: see above)\n");
		else
			printf("installed: merge driver, .gitattributes, hooks in %s\n", rel);
		printf("commit .gitattributes and the head lockfile so everyone's merges "
		       "use them; `git migrate-fix install --uninstall` undoes this\n");
		free(rel);
	}
out:
	free(hooks_dir);
	free(rec_path);
	free(old_rec);
	free(attr_path);
	free(attr_data);
	gmf_strbuf_release(&rec);
	gmf_strbuf_release(&attrs);
	return rc;
}

static int do_uninstall(cli_context *ctx, const char *state)
{
	char *rec_path = gmf_path_join(state, "install"), *data = NULL, *line, *next;
	char *attrfile = NULL;
	size_t len = 0;
	int rc = 0;

	if (gmf_fs_read(rec_path, &data, &len) < 0) {
		free(rec_path);
		return gmf_error_set(GMF_ENOTFOUND, "not installed in this repository");
	}
	/* undo in reverse order of the record */
	char **lines = NULL;
	size_t nlines = 0;
	for (line = data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lines = gmf_xrealloc(lines, (nlines + 1) * sizeof(char *));
		lines[nlines++] = line;
	}
	for (size_t k = nlines; k-- > 0;) {
		char *arg;
		line = lines[k];
		if (!*line || !(arg = strchr(line, ' ')))
			continue;
		*arg++ = '\0';
		if (!strcmp(line, "hook")) {
			if (contains(arg, GMF_HOOK_MARKER))
				rc = gmf_fs_unlink(arg);
		} else if (!strcmp(line, "prev")) {
			gmf_strbuf prev = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&prev, "%s" PREV_SUFFIX, arg);
			if (gmf_fs_exists(prev.buf))
				rc = gmf_fs_rename(prev.buf, arg);
			gmf_strbuf_release(&prev);
		} else if (!strcmp(line, "external")) {
			rc = gmf_repo_config_set(ctx->repo, "migrate-fix.hooks", NULL);
		} else if (!strcmp(line, "postmerge")) {
			rc = gmf_repo_config_set(ctx->repo, GMF_POST_MERGE_KEY, NULL);
		} else if (!strcmp(line, "config")) {
			for (size_t i = 0; i < 3 && rc == 0; i++)
				rc = gmf_repo_config_set(ctx->repo, install_keys[i][0], NULL);
		} else if (!strcmp(line, "lockfile")) {
			rc = gmf_fs_unlink(arg);
			if (rc == 0)
				rc = stage(ctx, arg, 1);
		} else if (!strcmp(line, "attrfile")) {
			attrfile = arg; /* once its lines are gone, below */
		} else if (!strcmp(line, "attr")) {
			char *path = gmf_path_join(ctx->project.top, ".gitattributes"), *cur = NULL;
			size_t cl;
			if (gmf_fs_read(path, &cur, &cl) == 0) {
				gmf_strbuf out = GMF_STRBUF_INIT;
				for (char *l = cur, *n; l && *l; l = n) {
					n = strchr(l, '\n');
					size_t ll = n ? (size_t)(n - l) : strlen(l);
					if (!(ll == strlen(arg) && !strncmp(l, arg, ll))) {
						gmf_strbuf_add(&out, l, ll);
						if (n)
							gmf_strbuf_addch(&out, '\n');
					}
					n = n ? n + 1 : NULL;
				}
				rc = gmf_fs_write_atomic(path, out.buf, out.len, 0);
				if (rc == 0)
					rc = stage(ctx, path, 0);
				gmf_strbuf_release(&out);
			}
			free(cur);
			free(path);
		}
		if (rc < 0)
			break;
	}
	free(lines);
	if (rc == 0 && attrfile) {
		/* install created .gitattributes: remove it if nothing else is in it */
		char *cur = NULL;
		size_t cl;
		if (gmf_fs_read(attrfile, &cur, &cl) == 0 && cl == 0) {
			rc = gmf_fs_unlink(attrfile);
			if (rc == 0)
				rc = stage(ctx, attrfile, 1);
		}
		free(cur);
	}
	if (rc == 0)
		rc = gmf_fs_unlink(rec_path);
	if (rc == 0)
		printf("uninstalled: hooks, merge driver and .gitattributes line removed, "
		       "earlier hooks restored\n");
	free(data);
	free(rec_path);
	return rc;
}

int cmd_install(int argc, char **argv)
{
	const cli_command *cmd = cli_find_command("install");
	cli_discovery d;
	cli_context ctx;
	char *state;
	int uninstall = 0, rc;

	memset(&d, 0, sizeof(d));
	for (int i = 1; i < argc; i++) {
		int r = cli_parse_common(cmd, &d, argc, argv, &i);
		if (r < 0) {
			free(d.dirs);
			return EXIT_FATAL;
		}
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--uninstall"))
			uninstall = 1;
		else {
			free(d.dirs);
			return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
		}
	}
	rc = cli_context_open(&ctx, &d, 1);
	free(d.dirs);
	if (rc)
		return rc;
	if (!ctx.repo || !gmf_repo_workdir(ctx.repo)) {
		cli_error("install needs a git repository with a work tree");
		cli_context_release(&ctx);
		return EXIT_FATAL;
	}
	state = gmf_xstrdup(ctx.state_dir);
	rc = uninstall ? do_uninstall(&ctx, state) : do_install(&ctx, state);
	if (rc < 0)
		cli_error("%s", gmf_error_last());
	free(state);
	cli_context_release(&ctx);
	return rc < 0 ? (rc == GMF_ENOTFOUND ? EXIT_FINDINGS : EXIT_FATAL) : EXIT_CLEAN;
}
