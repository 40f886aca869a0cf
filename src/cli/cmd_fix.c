/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_fix: `git migrate-fix fix`: parses the options, runs the repair
 * workflow (include/gmf/fix.h) and prints what it did or why it refused.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/decide.h"
#include "gmf/diff.h"
#include "gmf/error.h"
#include "gmf/fix.h"
#include "gmf/strbuf.h"

typedef struct {
	cli_discovery d;
	int dry_run, force, quiet;
	const char *format, *onto, *mainline, *message, *strategy;
	const char **move;
	size_t nmove;
} fix_opts;

static const char *const fix_formats[] = { "text", "json", NULL };
static const char *const fix_strategies[] = { "auto", "renumber", "move", "merge", NULL };

const cli_option cli_fix_options[] = {
	CLI_FLAG(0, "dry-run", fix_opts, dry_run, "print the plan and a diff; change nothing"),
	CLI_CHOICE(0, "format", NULL, fix_formats, fix_opts, format, "the plan as text or for tools"),
	CLI_CHOICE(0, "strategy", NULL, fix_strategies, fix_opts, strategy,
		   "renumber (also called move), or write a merge migration (default: "
		   "git config migrate-fix.strategy, else auto)"),
	CLI_STRING(0, "onto", "REV", fix_opts, onto, "keep this head; everything else on its branch moves"),
	CLI_LIST(0, "move", "REV", fix_opts, move, nmove, "move REV and what follows it (repeatable)"),
	CLI_STRING(0, "mainline", "REF", fix_opts, mainline,
		   "the published branch (default: git config migrate-fix.mainline, "
		   "origin/HEAD, origin/main, ...)"),
	CLI_FLAG('f', "force", fix_opts, force,
		 "move files that have uncommitted changes (staged with the repair)"),
	CLI_STRING('m', "message", "MSG", fix_opts, message, "message of a merge migration"),
	CLI_FLAG('q', "quiet", fix_opts, quiet, "print nothing but errors"),
	CLI_DISCOVERY(fix_opts, d),
	CLI_END,
};

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


static void print_stamp_advice(const gmf_fix_result *res)
{
	const gmf_id_rename **rn;
	size_t n = gmf_fix_renames(res, &rn);
	if (n) {
		printf("revision ids changed; a database that already recorded an old id "
		       "needs re-stamping:\n");
		for (size_t i = 0; i < n; i++)
			printf("  alembic stamp --purge %s   # was %s\n", rn[i]->new_id,
			       rn[i]->old_id);
		printf("  (only where that database also has the mainline's newer "
		       "migrations; otherwise downgrade it first, from the checkout that "
		       "still has the old ids)\n");
	}
	free(rn);
}

static void print_text(cli_context *ctx, const gmf_fix_result *res, int dry_run, int verbose)
{
	for (size_t s = 0; s < res->nscripts; s++) {
		const gmf_fix_script *fs = &res->scripts[s];
		const gmf_decision *d = &fs->decision;
		if (verbose && s < ctx->project.nscripts && ctx->loads && ctx->loads[s].cache_used) {
			if (res->nscripts > 1)
				printf("[%s] ", fs->name);
			printf("read %zu file%s, %zu with the bytes the parse cache holds\n",
			       ctx->loads[s].nfiles, ctx->loads[s].nfiles == 1 ? "" : "s",
			       ctx->loads[s].ncached);
		}
		if (verbose && d->convention) {
			if (res->nscripts > 1)
				printf("[%s] ", fs->name);
			cli_put_safe(stdout, d->convention, strlen(d->convention));
			putchar('\n');
		}
		if (res->nscripts > 1 && d->kind != GMF_DECIDE_NOTHING)
			printf("[%s] ", fs->name);
		if (d->kind == GMF_DECIDE_RENUMBER) {
			print_plan_text(ctx, &d->plan, res->mainline, dry_run);
			if (fs->lockfile)
				printf("  the head lockfile %s to name %s\n",
				       dry_run ? "would be rewritten" : "is rewritten",
				       d->plan.new_head ? d->plan.new_head : "the heads");
			if (dry_run)
				print_diffs(ctx, ctx->graphs[s], &d->plan);
		} else if (d->kind == GMF_DECIDE_MERGE) {
			char *rel = cli_display_path(ctx, fs->merge_path);
			printf("%s %s (revision %s, merging", dry_run ? "would write" : "wrote",
			       rel, fs->merge_rev);
			for (size_t k = 0; k < d->nheads; k++)
				printf("%s %s", k ? "," : "", d->heads[k]);
			printf(")\n");
			if (d->why)
				printf("  (a merge migration, not a renumbering: %s)\n", d->why);
			if (dry_run)
				fwrite(fs->merge_content, 1, fs->merge_len, stdout);
			free(rel);
		} else if (fs->lockfile) {
			printf("the head lockfile %s rewritten to name %zu head%s\n",
			       dry_run ? "would be" : "is", fs->nlockfile_heads,
			       fs->nlockfile_heads == 1 ? "" : "s");
		}
	}
	if (!res->changed) {
		printf("nothing to fix: every branch has one head\n");
		return;
	}
	if (dry_run)
		return;
	for (size_t s = 0; s < res->nscripts; s++)
		if (res->scripts[s].decision.kind == GMF_DECIDE_RENUMBER &&
		    res->scripts[s].decision.plan.new_head)
			printf("one head now: %s\n", res->scripts[s].decision.plan.new_head);
	print_stamp_advice(res);
	printf("%s; undo with `git migrate-fix undo`\n", ctx->repo ? "changes are staged" : "done");
}

static void print_json(cli_context *ctx, const gmf_fix_result *res, int dry_run)
{
	gmf_strbuf json = GMF_STRBUF_INIT;
	int first = 1;
	gmf_strbuf_addf(&json, "{\"version\":1,\"dry_run\":%s,\"mainline\":",
			dry_run ? "true" : "false");
	if (res->mainline)
		gmf_strbuf_add_json(&json, res->mainline);
	else
		gmf_strbuf_adds(&json, "null");
	gmf_strbuf_adds(&json, ",\"plans\":[");
	for (size_t s = 0; s < res->nscripts; s++) {
		const gmf_decision *d = &res->scripts[s].decision;
		if (d->kind != GMF_DECIDE_RENUMBER)
			continue;
		if (!first)
			gmf_strbuf_addch(&json, ',');
		first = 0;
		json_plan(&json, ctx, ctx->graphs[s], &d->plan, res->scripts[s].name);
	}
	gmf_strbuf_adds(&json, "]}\n");
	fwrite(json.buf, 1, json.len, stdout);
	gmf_strbuf_release(&json);
}

/* The refusal for --format=json: the document, with no plan and why. */
static void json_refusal(const gmf_fix_result *res, int dry_run, const char *path)
{
	gmf_strbuf json = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&json, "{\"version\":1,\"dry_run\":%s,\"mainline\":",
			dry_run ? "true" : "false");
	if (res->mainline)
		gmf_strbuf_add_json(&json, res->mainline);
	else
		gmf_strbuf_adds(&json, "null");
	gmf_strbuf_adds(&json, ",\"plans\":[],\"refused\":{\"reason\":");
	gmf_strbuf_add_json(&json, res->stop->why ? res->stop->why : "");
	gmf_strbuf_adds(&json, ",\"command\":");
	if (res->stop->command)
		gmf_strbuf_add_json(&json, res->stop->command);
	else
		gmf_strbuf_adds(&json, "null");
	gmf_strbuf_adds(&json, ",\"path\":");
	if (path)
		gmf_strbuf_add_json(&json, path);
	else
		gmf_strbuf_adds(&json, "null");
	gmf_strbuf_adds(&json, "}}\n");
	fwrite(json.buf, 1, json.len, stdout);
	gmf_strbuf_release(&json);
}

/* Why nothing was done, and the one command to run (on standard error;
 * with --format=json also as the document on standard output). */
static int print_refusal(cli_context *ctx, const gmf_fix_opts *fo, const gmf_fix_result *res,
			 int rc, int json)
{
	if (!res->stop)
		return cli_fail(rc);
	if (json) {
		char *rel = res->stop->dirty_path && !fo->force
				    ? cli_display_path(ctx, res->stop->dirty_path) : NULL;
		json_refusal(res, fo->dry_run, rel);
		free(rel);
	}
	if (res->stop->dirty_path && !fo->force) {
		char *rel = cli_display_path(ctx, res->stop->dirty_path);
		cli_error("'%s' has uncommitted changes; commit or stash them first "
			  "(or use --force)", rel);
		free(rel);
		return EXIT_FINDINGS;
	}
	cli_error("%s", res->stop->why);
	if (res->stop->command)
		fprintf(stderr, "hint: run `%s`\n", res->stop->command);
	return EXIT_FINDINGS;
}

int cmd_fix(int argc, char **argv)
{
	fix_opts o;
	gmf_fix_opts fo;
	gmf_fix_result res;
	cli_context ctx;
	int n, rc, json;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	if ((n = cli_parse_options(cli_find_command("fix"), &o, argc, argv)) < 0)
		return cli_parse_exit(n);
	json = o.format && !strcmp(o.format, "json");
	if (o.nmove && o.strategy && !strcmp(o.strategy, "merge")) {
		rc = cli_usage_error(cli_find_command("fix"), "--move does not go with --strategy=merge");
		goto out_opts;
	}
	if ((rc = cli_context_open(&ctx, &o.d, !o.dry_run)) != 0)
		goto out_opts;
	memset(&fo, 0, sizeof(fo));
	fo.dry_run = o.dry_run;
	fo.force = o.force;
	fo.strategy = o.strategy ? gmf_strategy_parse(o.strategy) : -1;
	fo.onto = o.onto;
	fo.move = o.move;
	fo.nmove = o.nmove;
	fo.mainline = o.mainline;
	fo.message = o.message;
	rc = gmf_fix_run(&res, &ctx, &fo);
	if (res.notes)
		cli_print_notes(res.notes);
	if (rc < 0) {
		rc = print_refusal(&ctx, &fo, &res, rc, json);
		goto out;
	}
	if (res.warning)
		cli_warning("%s", res.warning);
	if (json)
		print_json(&ctx, &res, o.dry_run);
	else if (!o.quiet)
		print_text(&ctx, &res, o.dry_run, o.d.verbose);
	rc = EXIT_CLEAN;
out:
	gmf_fix_result_release(&res);
	cli_context_release(&ctx);
out_opts:
	cli_options_release(cli_fix_options, &o);
	return rc;
}
