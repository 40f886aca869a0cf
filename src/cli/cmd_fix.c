/*
 * cli/cmd_fix: `git migrate-fix fix`, repair a branch with several heads by
 * moving the local migrations after the mainline head (or, with
 * --strategy=merge, by writing a merge migration).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/diff.h"
#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lockfile.h"
#include "gmf/plan.h"
#include "gmf/reader.h"
#include "gmf/strbuf.h"
#include "gmf/txn.h"

typedef struct {
	int dry_run, force, json, merge_strategy, quiet, lockfile_only, in_hook;
	const char *onto, *mainline, *message;
	const char **move;
	size_t nmove;
} fix_opts;

static void print_plan_text(cli_context *ctx, const gmf_plan *p, const char *mainline,
			    int dry_run)
{
	printf("%s %zu migration%s after %s%s%s%s:\n", dry_run ? "would move" : "moved",
	       p->nmoving, p->nmoving == 1 ? "" : "s", p->onto,
	       mainline ? " (mainline " : "", mainline ? mainline : "", mainline ? ")" : "");
	for (size_t i = 0; i < p->nfiles; i++) {
		const gmf_file_change *fc = &p->files[i];
		if (strcmp(fc->old_path, fc->new_path)) {
			char *a = cli_display_path(ctx, fc->old_path), *b = cli_display_path(ctx, fc->new_path);
			printf("  rename %s -> %s\n", a, b);
			free(a);
			free(b);
		}
	}
	for (size_t i = 0; i < p->nrenames; i++)
		printf("  revision %s -> %s\n", p->renames[i].old_id, p->renames[i].new_id);
	for (size_t i = 0; i < p->nrepoints; i++)
		printf("  %s: down_revision %s -> %s\n", p->repoints[i].revision,
		       p->repoints[i].old_parent, p->repoints[i].new_parent);
}

static void print_diffs(cli_context *ctx, gmf_graph *g, const gmf_plan *p)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	for (size_t i = 0; i < p->nfiles; i++) {
		const gmf_file_change *fc = &p->files[i];
		const gmf_migration *m = &gmf_graph_node(g, fc->node)->mig;
		char *a = cli_display_path(ctx, fc->old_path), *b = cli_display_path(ctx, fc->new_path);
		gmf_strbuf la = GMF_STRBUF_INIT, lb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&la, "a/%s", a);
		gmf_strbuf_addf(&lb, "b/%s", b);
		gmf_diff_unified(&sb, la.buf, m->data, m->size, lb.buf, fc->content, fc->len);
		gmf_strbuf_release(&la);
		gmf_strbuf_release(&lb);
		free(a);
		free(b);
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
}

static void json_plan(gmf_strbuf *sb, cli_context *ctx, gmf_graph *g, const gmf_plan *p,
		      const char *script)
{
	gmf_strbuf_adds(sb, "{\"script\":");
	gmf_strbuf_add_json(sb, script);
	gmf_strbuf_adds(sb, ",\"onto\":");
	gmf_strbuf_add_json(sb, p->onto ? p->onto : "");
	gmf_strbuf_adds(sb, ",\"new_head\":");
	gmf_strbuf_add_json(sb, p->new_head ? p->new_head : "");
	gmf_strbuf_adds(sb, ",\"moving\":[");
	for (size_t i = 0; i < p->nmoving; i++) {
		if (i)
			gmf_strbuf_addch(sb, ',');
		gmf_strbuf_add_json(sb, p->moving[i]);
	}
	gmf_strbuf_adds(sb, "],\"revisions\":[");
	for (size_t i = 0; i < p->nrenames; i++) {
		gmf_strbuf_adds(sb, i ? ",{\"old\":" : "{\"old\":");
		gmf_strbuf_add_json(sb, p->renames[i].old_id);
		gmf_strbuf_adds(sb, ",\"new\":");
		gmf_strbuf_add_json(sb, p->renames[i].new_id);
		gmf_strbuf_addch(sb, '}');
	}
	gmf_strbuf_adds(sb, "],\"repoints\":[");
	for (size_t i = 0; i < p->nrepoints; i++) {
		gmf_strbuf_adds(sb, i ? ",{\"revision\":" : "{\"revision\":");
		gmf_strbuf_add_json(sb, p->repoints[i].revision);
		gmf_strbuf_adds(sb, ",\"from\":");
		gmf_strbuf_add_json(sb, p->repoints[i].old_parent);
		gmf_strbuf_adds(sb, ",\"to\":");
		gmf_strbuf_add_json(sb, p->repoints[i].new_parent);
		gmf_strbuf_addch(sb, '}');
	}
	gmf_strbuf_adds(sb, "],\"files\":[");
	for (size_t i = 0; i < p->nfiles; i++) {
		const gmf_file_change *fc = &p->files[i];
		const gmf_migration *m = &gmf_graph_node(g, fc->node)->mig;
		char *a = cli_display_path(ctx, fc->old_path), *b = cli_display_path(ctx, fc->new_path);
		gmf_strbuf d = GMF_STRBUF_INIT, la = GMF_STRBUF_INIT, lb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&la, "a/%s", a);
		gmf_strbuf_addf(&lb, "b/%s", b);
		gmf_diff_unified(&d, la.buf, m->data, m->size, lb.buf, fc->content, fc->len);
		gmf_strbuf_adds(sb, i ? ",{\"path\":" : "{\"path\":");
		gmf_strbuf_add_json(sb, a);
		gmf_strbuf_adds(sb, ",\"new_path\":");
		gmf_strbuf_add_json(sb, b);
		gmf_strbuf_adds(sb, ",\"diff\":");
		gmf_strbuf_add_json(sb, d.buf);
		gmf_strbuf_addch(sb, '}');
		gmf_strbuf_release(&d);
		gmf_strbuf_release(&la);
		gmf_strbuf_release(&lb);
		free(a);
		free(b);
	}
	gmf_strbuf_adds(sb, "]}");
}

/*
 * The heads the lockfile should name.  For a commit (tracked_only) only
 * the migrations in the index count: the commit records those, not what
 * else lies in the work tree.
 */
static size_t lockfile_heads(cli_context *ctx, gmf_graph *g, int tracked_only,
			     const char ***out)
{
	size_t n = gmf_graph_count(g), nh = 0;
	unsigned char *in = gmf_xcalloc(n + 1, 1);
	const char **ids = gmf_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		in[i] = !gmf_graph_node(g, i)->duplicate &&
			(!tracked_only || !ctx->repo ||
			 gmf_repo_is_tracked(ctx->repo, gmf_graph_node(g, i)->mig.path));
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

int cli_lockfile_op(cli_context *ctx, const gmf_script *sc, const char *const *heads,
		    size_t n, gmf_txn_op **ops, size_t *nops)
{
	char *path = gmf_lockfile_path(sc), *cur = NULL, *content;
	size_t curlen = 0, len = 0;
	gmf_txn_op *op;

	if (gmf_fs_read(path, &cur, &curlen) < 0) {
		free(path); /* no lockfile: the project has not adopted one */
		return 0;
	}
	content = gmf_lockfile_render_ids(heads, n, &len);
	if (len == curlen && !memcmp(cur, content, len)) {
		free(cur);
		free(content);
		free(path);
		return 0;
	}
	free(cur);
	*ops = gmf_xrealloc(*ops, (*nops + 1) * sizeof(**ops));
	op = &(*ops)[(*nops)++];
	memset(op, 0, sizeof(*op));
	op->old_path = path;
	op->new_path = gmf_xstrdup(path);
	op->content = content;
	op->len = len;
	op->tracked = ctx->repo && gmf_repo_is_tracked(ctx->repo, path);
	return 1;
}

char *cli_state_dir(const cli_context *ctx)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (ctx->repo)
		gmf_strbuf_addf(&sb, "%s/migrate-fix", gmf_repo_gitdir(ctx->repo));
	else
		gmf_strbuf_addf(&sb, "%s/.git-migrate-fix", ctx->project.top);
	return gmf_strbuf_detach(&sb, NULL);
}

int cli_recover(cli_context *ctx, gmf_txn *t, char **completed)
{
	char *what = NULL;
	(void)ctx;
	if (gmf_txn_recover(t, &what, completed) < 0) {
		cli_error("%s", gmf_error_last());
		return EXIT_FATAL;
	}
	if (what) {
		printf("git-migrate-fix: %s\n", what);
		free(what);
		return -1; /* the files changed under the loaded graphs */
	}
	return 0;
}

static int parse(int argc, char **argv, const cli_command *cmd, cli_discovery *d, fix_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		int r = cli_parse_common(cmd, d, argc, argv, &i);
		if (r < 0)
			return EXIT_FATAL;
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "--dry-run"))
			o->dry_run = 1;
		else if (!strcmp(argv[i], "--quiet"))
			o->quiet = 1; /* for the hooks: they say what happened */
		else if (!strcmp(argv[i], "--lockfile-only"))
			o->lockfile_only = 1;
		else if (!strcmp(argv[i], "--in-hook"))
			o->in_hook = 1; /* the hooks run while a rebase finishes */
		else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			o->force = 1;
		else if ((r = cli_opt_value("--onto", argc, argv, &i, &v))) {
			if (r < 0)
				return cli_usage_error(cmd, "--onto needs a revision");
			o->onto = v;
		} else if ((r = cli_opt_value("--move", argc, argv, &i, &v))) {
			if (r < 0)
				return cli_usage_error(cmd, "--move needs a revision");
			o->move = realloc(o->move, (o->nmove + 1) * sizeof(char *));
			if (!o->move)
				abort();
			o->move[o->nmove++] = v;
		} else if ((r = cli_opt_value("--mainline", argc, argv, &i, &v))) {
			if (r < 0)
				return cli_usage_error(cmd, "--mainline needs a branch or commit");
			o->mainline = v;
		} else if ((r = cli_opt_value("--strategy", argc, argv, &i, &v))) {
			if (r < 0 || (strcmp(v, "renumber") && strcmp(v, "merge")))
				return cli_usage_error(cmd, "--strategy is renumber or merge");
			o->merge_strategy = !strcmp(v, "merge");
		} else if ((r = cli_opt_value("-m", argc, argv, &i, &v)) ||
			   (r = cli_opt_value("--message", argc, argv, &i, &v))) {
			if (r < 0)
				return cli_usage_error(cmd, "-m needs a message");
			o->message = v;
		} else if (argv[i][0] == '-') {
			return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
		} else {
			return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
		}
	}
	if (d->format && strcmp(d->format, "text") && strcmp(d->format, "json"))
		return cli_usage_error(cmd, "unknown format '%s' (text, json)", d->format);
	o->json = d->format && !strcmp(d->format, "json");
	if (o->move && o->merge_strategy)
		return cli_usage_error(cmd, "--move does not go with --strategy=merge");
	return 0;
}

int cmd_fix(int argc, char **argv)
{
	return cli_fix(argc, argv, NULL);
}

int cli_fix(int argc, char **argv, cli_fix_result *res)
{
	const cli_command *cmd = cli_find_command("fix");
	cli_discovery d;
	cli_context ctx;
	fix_opts o;
	gmf_txn t;
	gmf_txn_op *ops = NULL;
	size_t nops = 0;
	gmf_plan *plans = NULL;
	gmf_strbuf json = GMF_STRBUF_INIT, desc = GMF_STRBUF_INIT;
	char *mainline_hex = NULL, *mainline_name = NULL;
	int rc, loaded = 0, any = 0;

	memset(&d, 0, sizeof(d));
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	if (res)
		memset(res, 0, sizeof(*res));
	if ((rc = parse(argc, argv, cmd, &d, &o)) != 0)
		goto done;
	if (o.merge_strategy) {
		/* a merge migration per branch with several heads */
		rc = cli_merge_heads(&d, o.message, NULL, NULL, 0, o.dry_run);
		goto done;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = cli_context_load(&ctx, &d)) != 0)
			goto done;
		loaded = 1;
		t.state_dir = cli_state_dir(&ctx);
		t.root = ctx.project.top;
		t.stage = ctx.repo ? gmf_repo_stage : NULL;
		t.stage_data = ctx.repo;
		if (o.dry_run || (rc = cli_recover(&ctx, &t, NULL)) == 0)
			break;
		free(t.state_dir);
		t.state_dir = NULL;
		cli_context_release(&ctx);
		loaded = 0;
		if (rc > 0)
			goto done;
		rc = 0;
	}
	if (ctx.repo && gmf_repo_in_sequence(ctx.repo) && !o.force && !o.in_hook) {
		cli_error("a rebase or cherry-pick is in progress; finish it first "
			  "(or use --force)");
		rc = EXIT_FINDINGS;
		goto done;
	}
	/* the mainline is known whenever it can be: with --onto or --move it
	 * still keeps published migrations from moving */
	if (ctx.repo &&
	    gmf_repo_mainline(ctx.repo, o.mainline, &mainline_hex, &mainline_name) < 0) {
		char *cfg = NULL;
		int configured = gmf_repo_config_get(ctx.repo, "migrate-fix.mainline", &cfg) == 0;
		free(cfg);
		if (o.mainline || configured) {
			cli_error("%s", gmf_error_last());
			rc = EXIT_FATAL;
			goto done;
		}
		mainline_hex = NULL;
	}

	plans = gmf_xcalloc(ctx.project.nscripts + 1, sizeof(gmf_plan));
	if (o.json)
		gmf_strbuf_addf(&json, "{\"version\":1,\"dry_run\":%s,\"mainline\":",
				o.dry_run ? "true" : "false");
	if (o.json) {
		if (mainline_name)
			gmf_strbuf_add_json(&json, mainline_name);
		else
			gmf_strbuf_adds(&json, "null");
		gmf_strbuf_adds(&json, ",\"plans\":[");
	}
	for (size_t s = 0; s < ctx.project.nscripts; s++) {
		gmf_graph *g = ctx.graphs[s];
		gmf_findings f;
		gmf_plan_opts po;
		unsigned char *on = NULL;
		gmf_plan *p = &plans[s];

		gmf_findings_init(&f);
		gmf_graph_check(g, ctx.naming, ctx.project.scripts[s].file_template, &f);
		memset(&po, 0, sizeof(po));
		po.onto = o.onto;
		po.move = o.move;
		po.nmove = o.nmove;
		po.renumber = 1;
		po.mainline_name = mainline_name;
		if (mainline_hex) {
			on = gmf_xcalloc(gmf_graph_count(g) + 1, 1);
			if (gmf_repo_mark_ids_in_commit(ctx.repo, mainline_hex,
							&ctx.project.scripts[s], g, on) < 0) {
				cli_error("%s", gmf_error_last());
				free(on);
				gmf_findings_release(&f);
				rc = EXIT_FATAL;
				goto done;
			}
			po.on_mainline = on;
		}
		rc = o.lockfile_only ? 0 : gmf_plan_fix(p, g, &f, &po);
		free(on);
		gmf_findings_release(&f);
		if (rc < 0) {
			cli_error("%s", gmf_error_last());
			rc = gmf_error_code() == GMF_EREFUSED ? EXIT_FINDINGS : EXIT_FATAL;
			if (ctx.repo && !mainline_hex && !o.onto && !o.nmove)
				fprintf(stderr, "hint: no mainline branch was found (tried "
					"migrate-fix.mainline, origin/HEAD, origin/main, "
					"origin/master, main, master)\n");
			goto done;
		}
		if (!p->nfiles) {
			/* nothing moves, but a stale or conflicted lockfile is
			 * rewritten to name the heads */
			const char **ids;
			size_t nh = lockfile_heads(&ctx, g, o.lockfile_only, &ids);
			gmf_lockfile lf;
			int conflicted = 0;
			if (gmf_lockfile_read(&lf, &ctx.project.scripts[s]) == 0) {
				conflicted = lf.conflicted;
				gmf_lockfile_release(&lf);
			}
			/* a commit never hides a lockfile conflict: only a repair
			 * (fix by hand, or a hook concluding a merge) resolves it */
			if (!(o.lockfile_only && conflicted) &&
			    cli_lockfile_op(&ctx, &ctx.project.scripts[s], ids, nh, &ops, &nops)) {
				any = 1;
				gmf_strbuf_addf(&desc, "%srewrote the head lockfile",
						desc.len ? "; " : "");
				if (!o.json && !o.quiet)
					printf("the head lockfile %s rewritten to name %zu head%s\n",
					       o.dry_run ? "would be" : "is", nh, nh == 1 ? "" : "s");
			}
			free(ids);
			continue;
		}
		any = 1;
		gmf_plan_render(p, g);
		if (ctx.repo && !o.force && !o.dry_run) {
			const char **paths = gmf_xcalloc(p->nfiles + 1, sizeof(char *));
			size_t which;
			for (size_t i = 0; i < p->nfiles; i++)
				paths[i] = p->files[i].old_path;
			if (gmf_repo_first_dirty(ctx.repo, paths, p->nfiles, &which)) {
				char *rel = cli_display_path(&ctx, paths[which]);
				cli_error("'%s' has uncommitted changes; commit or stash them "
					  "first (or use --force)", rel);
				free(rel);
				free(paths);
				rc = EXIT_FINDINGS;
				goto done;
			}
			free(paths);
		}
		if (o.json) {
			if (json.buf[json.len - 1] != '[')
				gmf_strbuf_addch(&json, ',');
			json_plan(&json, &ctx, g, p, ctx.project.scripts[s].name);
		} else if (!o.quiet) {
			if (ctx.project.nscripts > 1)
				printf("[%s] ", ctx.project.scripts[s].name);
			print_plan_text(&ctx, p, mainline_name, o.dry_run);
			if (o.dry_run)
				print_diffs(&ctx, g, p);
		}
		for (size_t i = 0; i < p->nfiles; i++) {
			gmf_file_change *fc = &p->files[i];
			gmf_txn_op *op;
			ops = gmf_xrealloc(ops, (nops + 1) * sizeof(*ops));
			op = &ops[nops++];
			memset(op, 0, sizeof(*op));
			op->old_path = gmf_xstrdup(fc->old_path);
			op->new_path = gmf_xstrdup(fc->new_path);
			op->content = gmf_xstrndup(fc->content, fc->len);
			op->len = fc->len;
			op->tracked = ctx.repo && gmf_repo_is_tracked(ctx.repo, fc->old_path);
		}
		cli_lockfile_op(&ctx, &ctx.project.scripts[s], (const char *const *)p->heads_after,
				p->nheads_after, &ops, &nops);
		gmf_strbuf_addf(&desc, "%smoved %zu migration%s after %s", desc.len ? "; " : "",
				p->nmoving, p->nmoving == 1 ? "" : "s", p->onto);
	}
	if (o.json) {
		gmf_strbuf_adds(&json, "]}\n");
		fwrite(json.buf, 1, json.len, stdout);
	}
	if (!any) {
		if (!o.json && !o.quiet)
			printf("nothing to fix: every branch has one head\n");
		rc = EXIT_CLEAN;
		goto done;
	}
	if (o.dry_run) {
		rc = EXIT_CLEAN;
		goto done;
	}
	if (o.lockfile_only) {
		/* one file, written atomically and staged; no journal, so the
		 * undo record of the last real repair stays */
		for (size_t i = 0; i < nops; i++) {
			if (!gmf_fs_inside(ctx.project.top, ops[i].new_path)) {
				cli_error("refusing to write '%s': it lies outside the repository",
					  ops[i].new_path);
				rc = EXIT_FINDINGS;
				goto done;
			}
			if (gmf_fs_write_atomic(ops[i].new_path, ops[i].content, ops[i].len, 0) < 0 ||
			    (ctx.repo && ops[i].tracked &&
			     gmf_repo_stage(ctx.repo, &ops[i], 1, 0) < 0)) {
				cli_error("%s", gmf_error_last());
				rc = EXIT_FATAL;
				goto done;
			}
		}
		if (res) {
			res->changed = 1;
			res->description = gmf_xstrdup(desc.buf);
		}
		rc = EXIT_CLEAN;
		goto done;
	}
	if ((rc = gmf_txn_apply(&t, ops, nops, "fix", desc.buf)) < 0) {
		cli_error("%s", gmf_error_last());
		rc = gmf_error_code() == GMF_EREFUSED ? EXIT_FINDINGS : EXIT_FATAL;
		goto done;
	}
	if (rc == GMF_TXN_UNDO_UNSAVED)
		cli_warning("%s", gmf_error_last());
	if (res) {
		for (size_t s = 0; s < ctx.project.nscripts; s++) {
			res->nmoving += plans[s].nmoving;
			res->nrenamed += plans[s].nrenames;
			if (plans[s].onto && !res->onto)
				res->onto = gmf_xstrdup(plans[s].onto);
		}
		res->changed = 1;
		res->description = gmf_xstrdup(desc.buf);
	}
	if (!o.json && !o.quiet) {
		int renamed = 0;
		for (size_t s = 0; s < ctx.project.nscripts; s++) {
			gmf_plan *p = &plans[s];
			if (p->new_head)
				printf("one head now: %s\n", p->new_head);
			for (size_t i = 0; i < p->nrenames; i++) {
				if (!renamed++)
					printf("revision ids changed; a database that already "
					       "recorded an old id needs re-stamping:\n");
				printf("  alembic stamp --purge %s   # was %s\n",
				       p->renames[i].new_id, p->renames[i].old_id);
			}
		}
		if (renamed)
			printf("  (only where that database also has the mainline's newer "
			       "migrations; otherwise downgrade it first)\n");
		printf("%s; undo with `git migrate-fix undo`\n",
		       ctx.repo ? "changes are staged" : "done");
	}
	rc = EXIT_CLEAN;
done:
	if (plans) {
		for (size_t s = 0; s < ctx.project.nscripts; s++)
			gmf_plan_release(&plans[s]);
		free(plans);
	}
	gmf_txn_ops_free(ops, nops);
	gmf_strbuf_release(&json);
	gmf_strbuf_release(&desc);
	free(mainline_hex);
	free(mainline_name);
	free(t.state_dir);
	free(o.move);
	free(d.dirs);
	if (loaded)
		cli_context_release(&ctx);
	return rc;
}

int cmd_undo(int argc, char **argv)
{
	const cli_command *cmd = cli_find_command("undo");
	cli_discovery d;
	cli_context ctx;
	gmf_txn t;
	gmf_txn_op *ops = NULL;
	size_t nops = 0;
	char *label = NULL, *description = NULL;
	int force = 0, dry_run = 0, rc;

	memset(&d, 0, sizeof(d));
	memset(&t, 0, sizeof(t));
	for (int i = 1; i < argc; i++) {
		int r = cli_parse_common(cmd, &d, argc, argv, &i);
		if (r < 0) {
			free(d.dirs);
			return EXIT_FATAL;
		}
		if (r > 0)
			continue;
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = 1;
		else if (!strcmp(argv[i], "--dry-run"))
			dry_run = 1;
		else {
			free(d.dirs);
			return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
		}
	}
	rc = cli_context_load(&ctx, &d);
	free(d.dirs);
	if (rc)
		return rc;
	t.state_dir = cli_state_dir(&ctx);
	t.root = ctx.project.top;
	t.stage = ctx.repo ? gmf_repo_stage : NULL;
	t.stage_data = ctx.repo;
	if (!dry_run) {
		char *completed = NULL;
		int r = cli_recover(&ctx, &t, &completed);
		int was_undo = completed && !strcmp(completed, "undo");
		free(completed);
		if (r > 0) {
			rc = r;
			goto done;
		}
		if (was_undo) {
			/* the interrupted undo is now complete: that was the job */
			rc = EXIT_CLEAN;
			goto done;
		}
	}
	if (gmf_txn_load_undo(&t, &ops, &nops, &label, &description, force) < 0) {
		cli_error("%s", gmf_error_last());
		rc = gmf_error_code() == GMF_ENOTFOUND ? EXIT_FINDINGS : EXIT_FINDINGS;
		goto done;
	}
	for (size_t i = 0; i < nops; i++) {
		char *a = ops[i].old_path ? cli_display_path(&ctx, ops[i].old_path) : NULL;
		char *b = ops[i].new_path ? cli_display_path(&ctx, ops[i].new_path) : NULL;
		if (a && b && strcmp(a, b))
			printf("  %s %s -> %s\n", dry_run ? "would rename" : "rename", a, b);
		else if (a && b)
			printf("  %s %s\n", dry_run ? "would restore" : "restore", b);
		else if (a)
			printf("  %s %s\n", dry_run ? "would remove" : "remove", a);
		else
			printf("  %s %s\n", dry_run ? "would recreate" : "recreate", b);
		free(a);
		free(b);
	}
	if (dry_run) {
		printf("would undo the last %s: %s\n", label, description);
		rc = EXIT_CLEAN;
		goto done;
	}
	{
		gmf_strbuf sb = GMF_STRBUF_INIT;
		char *ref = NULL, *ref_old = NULL, *ref_new = NULL;
		/* a hook that amended a commit noted it: read that before the
		 * record is replaced by this run's own */
		(void)gmf_txn_last_ref(&t, &ref, &ref_old, &ref_new);
		/* undoing an undo redoes: say so instead of nesting */
		if (!strncmp(description, "undid: ", 7))
			gmf_strbuf_addf(&sb, "redid: %s", description + 7);
		else if (!strncmp(description, "redid: ", 7))
			gmf_strbuf_addf(&sb, "undid: %s", description + 7);
		else
			gmf_strbuf_addf(&sb, "undid: %s", description);
		if ((rc = gmf_txn_apply(&t, ops, nops, "undo", sb.buf)) < 0) {
			cli_error("%s", gmf_error_last());
			gmf_strbuf_release(&sb);
			rc = EXIT_FATAL;
			goto done;
		}
		if (rc == GMF_TXN_UNDO_UNSAVED)
			cli_warning("%s", gmf_error_last());
		if (ref && ctx.repo) {
			/* put the branch back where it was before the hook's commit */
			if (gmf_repo_move_ref(ctx.repo, ref, ref_new, ref_old,
					      "git-migrate-fix: undo") == 0) {
				(void)gmf_txn_record_ref(&t, ref, ref_new, ref_old);
				printf("%s%s\n", sb.buf, "; the branch is back at its previous commit");
			} else {
				printf("%s (staged)\n", sb.buf);
				cli_warning("%s; commit the restored files yourself", gmf_error_last());
			}
		} else {
			printf("%s%s\n", sb.buf, ctx.repo ? " (staged)" : "");
		}
		free(ref);
		free(ref_old);
		free(ref_new);
		gmf_strbuf_release(&sb);
	}
	rc = EXIT_CLEAN;
done:
	gmf_txn_ops_free(ops, nops);
	free(label);
	free(description);
	free(t.state_dir);
	cli_context_release(&ctx);
	return rc;
}
