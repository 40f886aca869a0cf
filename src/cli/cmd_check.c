/* SPDX-License-Identifier: MIT */
/* cli/cmd_check: `git migrate-fix check`, the CI gate. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/decide.h"
#include "gmf/error.h"
#include "gmf/lockfile.h"
#include "gmf/path.h"
#include "gmf/repo.h"
#include "gmf/strbuf.h"

typedef enum { FMT_TEXT, FMT_JSON, FMT_GITHUB } out_format;

typedef struct {
	cli_discovery d;
	const char *format;
} check_opts;

static const char *const formats[] = { "text", "json", "github", NULL };

const cli_option cli_check_options[] = {
	CLI_CHOICE(0, "format", NULL, formats, check_opts, format,
		   "text (default), json (schema in docs/json-schema.md), "
		   "github (workflow annotations)"),
	CLI_COUNT('v', "verbose", check_opts, d.verbose,
		  "also say where the migrations were found and list heads"),
	CLI_DISCOVERY(check_opts, d),
	CLI_END,
};

static const char *naming_name(gmf_naming n)
{
	switch (n) {
	case GMF_NAMING_STEM: return "stem";
	case GMF_NAMING_PREFIX: return "prefix";
	case GMF_NAMING_CONTAINS: return "contains";
	default: return "none";
	}
}

/* GitHub workflow commands need %, CR and LF escaped in data. */
static void github_escape(gmf_strbuf *sb, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			gmf_strbuf_adds(sb, "%25");
		else if (*s == '\r')
			gmf_strbuf_adds(sb, "%0D");
		else if (*s == '\n')
			gmf_strbuf_adds(sb, "%0A");
		else if (property && *s == ':')
			gmf_strbuf_adds(sb, "%3A");
		else if (property && *s == ',')
			gmf_strbuf_adds(sb, "%2C");
		else
			gmf_strbuf_addch(sb, *s);
	}
}

/* The escape sequences of the text format, empty without colour. */
typedef struct {
	const char *red, *yel, *bold, *dim, *off;
} palette;

static void palette_init(palette *pal, int color)
{
	pal->red = color ? "\033[1;31m" : "";
	pal->yel = color ? "\033[1;33m" : "";
	pal->bold = color ? "\033[1m" : "";
	pal->dim = color ? "\033[2m" : "";
	pal->off = color ? "\033[m" : "";
}

/* --verbose: where script s was found, how it is named, its heads. */
static void print_script_info(cli_context *ctx, size_t s, const palette *pal)
{
	const gmf_script *sc = &ctx->project.scripts[s];
	size_t *heads, nh = gmf_graph_heads(ctx->graphs[s], &heads);

	printf("%s[%s]%s from %s", pal->bold, sc->name, pal->off, sc->source);
	if (sc->config_path) {
		char *rel = cli_display_path(ctx, sc->config_path);
		printf(" (%s)", rel);
		free(rel);
	}
	printf(": %zu migration%s", gmf_graph_count(ctx->graphs[s]),
	       gmf_graph_count(ctx->graphs[s]) == 1 ? "" : "s");
	if (ctx->loads[s].cache_used)
		printf(" (%zu of %zu files unchanged, from the cache)",
		       ctx->loads[s].ncached, ctx->loads[s].nfiles);
	printf(" in");
	for (size_t d = 0; d < sc->ndirs; d++) {
		char *rel = cli_display_path(ctx, sc->dirs[d]);
		printf(" %s", rel);
		free(rel);
	}
	printf("; naming %s%s\n", naming_name(gmf_graph_naming(ctx->graphs[s])),
	       gmf_graph_is_sequenced(ctx->graphs[s]) ? ", sequence-numbered" : "");
	if (sc->note) {
		fputs("  note: ", stdout);
		cli_put_safe(stdout, sc->note, strlen(sc->note));
		putchar('\n');
	}
	for (size_t h = 0; h < nh; h++)
		printf("  head %s\n", gmf_graph_node(ctx->graphs[s], heads[h])->id);
	free(heads);
	{
		/* what strategy auto would do with a fork here, and why */
		gmf_convention conv;
		gmf_convention_detect(&conv, ctx->graphs[s]);
		printf("  convention: %s (%s)\n",
		       conv.strategy == GMF_STRATEGY_MERGE ? "merge migrations" : "renumber",
		       conv.why);
		gmf_convention_release(&conv);
	}
}

/* One finding of script `script`: its first location, the others, a hint. */
static void print_finding(cli_context *ctx, const gmf_finding *f, const char *script,
			  const palette *pal)
{
	const char *col = f->severity == GMF_SEV_WARNING ? pal->yel : pal->red;
	char *rel = f->nlocs ? cli_display_path(ctx, f->locs[0].path) : gmf_xstrdup("-");

	/* paths and messages carry names from the repository: escaped */
	fputs(pal->bold, stdout);
	cli_put_safe(stdout, rel, strlen(rel));
	if (f->nlocs && f->locs[0].line)
		printf(":%u:%s ", f->locs[0].line, pal->off);
	else
		printf(":%s ", pal->off);
	printf("%s%s[%s]%s: ", col, gmf_severity_name(f->severity),
	       gmf_finding_code_name(f->code), pal->off);
	cli_put_safe(stdout, f->message, strlen(f->message));
	if (ctx->project.nscripts > 1)
		printf(" %s[%s]%s", pal->dim, script, pal->off);
	putchar('\n');
	free(rel);
	for (size_t k = 1; k < f->nlocs; k++) {
		rel = cli_display_path(ctx, f->locs[k].path);
		fputs("  also: ", stdout);
		cli_put_safe(stdout, rel, strlen(rel));
		if (f->locs[k].line)
			printf(":%u", f->locs[k].line);
		putchar('\n');
		free(rel);
	}
	if (f->hint[0])
		printf("  %shint:%s %s\n", pal->dim, pal->off, f->hint);
}

/* The last line when nothing is wrong: the heads of every script. */
static void print_ok(cli_context *ctx, size_t nmig, size_t nwarn, size_t nignored)
{
	gmf_strbuf heads = GMF_STRBUF_INIT;
	size_t total = 0, nscripts = ctx->project.nscripts;

	/* several script locations: the heads of each followed by its
	 * name, so two heads in two places do not read as a fork */
	for (size_t s = 0; s < nscripts; s++) {
		size_t *h, nh = gmf_graph_heads(ctx->graphs[s], &h);
		if (nh && heads.len)
			gmf_strbuf_adds(&heads, nscripts > 1 ? "; " : ", ");
		for (size_t k = 0; k < nh; k++) {
			if (k)
				gmf_strbuf_adds(&heads, ", ");
			gmf_strbuf_adds(&heads, gmf_graph_node(ctx->graphs[s], h[k])->id);
		}
		if (nh && nscripts > 1)
			gmf_strbuf_addf(&heads, " in %s", ctx->project.scripts[s].name);
		total += nh;
		free(h);
	}
	printf("ok: %zu migration%s", nmig, nmig == 1 ? "" : "s");
	if (nscripts > 1)
		printf(" in %zu script locations", nscripts);
	printf(", %zu head%s%s%s%s", total, total == 1 ? "" : "s", total ? " (" : "",
	       heads.buf, total ? ")" : "");
	if (nwarn)
		printf(", %zu warning%s", nwarn, nwarn == 1 ? "" : "s");
	if (nignored)
		printf(", %zu ignored (migrate-fix.ignore)", nignored);
	putchar('\n');
	gmf_strbuf_release(&heads);
}

/* The last line when something is wrong: how much of what. */
static void print_failed(size_t nmig, size_t nerr, size_t nwarn, size_t nfatal,
			 size_t nignored, const palette *pal)
{
	gmf_strbuf sum = GMF_STRBUF_INIT;

	if (nfatal)
		gmf_strbuf_addf(&sum, "%zu unreadable file%s", nfatal, nfatal == 1 ? "" : "s");
	if (nerr)
		gmf_strbuf_addf(&sum, "%s%zu error%s", sum.len ? ", " : "", nerr,
				nerr == 1 ? "" : "s");
	if (nwarn)
		gmf_strbuf_addf(&sum, "%s%zu warning%s", sum.len ? ", " : "", nwarn,
				nwarn == 1 ? "" : "s");
	printf("%s%s%s in %zu migration%s", pal->red, sum.buf, pal->off, nmig,
	       nmig == 1 ? "" : "s");
	if (nignored)
		printf(", %zu warning%s ignored (migrate-fix.ignore)", nignored,
		       nignored == 1 ? "" : "s");
	putchar('\n');
	gmf_strbuf_release(&sum);
}

static void print_text(cli_context *ctx, gmf_findings *all, size_t *script_of,
		       int verbose, size_t nignored)
{
	palette pal;
	size_t nerr = 0, nwarn = 0, nfatal = 0, nmig = 0;

	palette_init(&pal, cli_use_color(stdout));
	for (size_t i = 0; verbose && i < ctx->project.nnotes; i++) {
		/* configuration found but not used: why another was read */
		fputs("note: ", stdout);
		cli_put_safe(stdout, ctx->project.notes[i], strlen(ctx->project.notes[i]));
		putchar('\n');
	}
	for (size_t s = 0; s < ctx->project.nscripts; s++) {
		nmig += gmf_graph_count(ctx->graphs[s]);
		if (verbose)
			print_script_info(ctx, s, &pal);
	}
	for (size_t i = 0; i < all->n; i++) {
		gmf_finding *f = &all->items[i];
		print_finding(ctx, f, ctx->project.scripts[script_of[i]].name, &pal);
		if (f->severity == GMF_SEV_WARNING)
			nwarn++;
		else if (f->severity == GMF_SEV_ERROR)
			nerr++;
		else
			nfatal++;
	}
	if (!nerr && !nfatal)
		print_ok(ctx, nmig, nwarn, nignored);
	else
		print_failed(nmig, nerr, nwarn, nfatal, nignored, &pal);
}

/* A JSON array of the ids of nodes ix[0..n) of g. */
static void json_ids(gmf_strbuf *sb, gmf_graph *g, const size_t *ix, size_t n)
{
	gmf_strbuf_addch(sb, '[');
	for (size_t k = 0; k < n; k++) {
		if (k)
			gmf_strbuf_addch(sb, ',');
		gmf_strbuf_add_json(sb, gmf_graph_node(g, ix[k])->id);
	}
	gmf_strbuf_addch(sb, ']');
}

/* The object of script s in "scripts". */
static void json_script(gmf_strbuf *sb, cli_context *ctx, size_t s)
{
	const gmf_script *sc = &ctx->project.scripts[s];
	gmf_graph *g = ctx->graphs[s];
	size_t *ix, n;
	char *rel;

	gmf_strbuf_adds(sb, "{\"name\":");
	gmf_strbuf_add_json(sb, sc->name);
	gmf_strbuf_adds(sb, ",\"source\":");
	gmf_strbuf_add_json(sb, sc->source);
	gmf_strbuf_adds(sb, ",\"config\":");
	if (sc->config_path) {
		rel = cli_display_path(ctx, sc->config_path);
		gmf_strbuf_add_json(sb, rel);
		free(rel);
	} else {
		gmf_strbuf_adds(sb, "null");
	}
	gmf_strbuf_adds(sb, ",\"version_locations\":[");
	for (size_t d = 0; d < sc->ndirs; d++) {
		if (d)
			gmf_strbuf_addch(sb, ',');
		rel = cli_display_path(ctx, sc->dirs[d]);
		gmf_strbuf_add_json(sb, rel);
		free(rel);
	}
	gmf_strbuf_addf(sb, "],\"naming\":\"%s\",\"sequenced\":%s,\"migrations\":%zu,\"heads\":",
			naming_name(gmf_graph_naming(g)),
			gmf_graph_is_sequenced(g) ? "true" : "false", gmf_graph_count(g));
	n = gmf_graph_heads(g, &ix);
	json_ids(sb, g, ix, n);
	free(ix);
	gmf_strbuf_adds(sb, ",\"roots\":");
	n = gmf_graph_roots(g, &ix);
	json_ids(sb, g, ix, n);
	free(ix);
	gmf_strbuf_addch(sb, '}');
}

/* One object of "findings"; script names the script it belongs to. */
static void json_finding(gmf_strbuf *sb, cli_context *ctx, const gmf_finding *f,
			 const char *script)
{
	gmf_strbuf_addf(sb, "{\"code\":\"%s\",\"severity\":\"%s\",\"script\":",
			gmf_finding_code_name(f->code), gmf_severity_name(f->severity));
	gmf_strbuf_add_json(sb, script);
	gmf_strbuf_adds(sb, ",\"message\":");
	gmf_strbuf_add_json(sb, f->message);
	gmf_strbuf_adds(sb, ",\"hint\":");
	gmf_strbuf_add_json(sb, f->hint);
	gmf_strbuf_adds(sb, ",\"locations\":[");
	for (size_t k = 0; k < f->nlocs; k++) {
		char *rel = cli_display_path(ctx, f->locs[k].path);
		if (k)
			gmf_strbuf_addch(sb, ',');
		gmf_strbuf_adds(sb, "{\"path\":");
		gmf_strbuf_add_json(sb, rel);
		gmf_strbuf_addf(sb, ",\"line\":%u}", f->locs[k].line);
		free(rel);
	}
	gmf_strbuf_adds(sb, "],\"revisions\":[");
	for (size_t k = 0; k < f->nrevisions; k++) {
		if (k)
			gmf_strbuf_addch(sb, ',');
		gmf_strbuf_add_json(sb, f->revisions[k]);
	}
	gmf_strbuf_adds(sb, "]}");
}

static void print_json(cli_context *ctx, gmf_findings *all, size_t *script_of, size_t nignored)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_severity worst = gmf_findings_worst(all);
	size_t counts[4] = { 0, 0, 0, 0 };

	gmf_strbuf_addf(&sb, "{\"version\":1,\"status\":\"%s\",\"scripts\":[",
			worst == GMF_SEV_FATAL ? "fatal" : worst == GMF_SEV_ERROR ? "errors" : "ok");
	for (size_t s = 0; s < ctx->project.nscripts; s++) {
		if (s)
			gmf_strbuf_addch(&sb, ',');
		json_script(&sb, ctx, s);
	}
	gmf_strbuf_adds(&sb, "],\"findings\":[");
	for (size_t i = 0; i < all->n; i++) {
		counts[all->items[i].severity]++;
		if (i)
			gmf_strbuf_addch(&sb, ',');
		json_finding(&sb, ctx, &all->items[i], ctx->project.scripts[script_of[i]].name);
	}
	gmf_strbuf_addf(&sb, "],\"summary\":{\"fatal\":%zu,\"errors\":%zu,\"warnings\":%zu,"
			"\"ignored\":%zu}}\n", counts[GMF_SEV_FATAL], counts[GMF_SEV_ERROR],
			counts[GMF_SEV_WARNING], nignored);
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
}

/*
 * Where GitHub resolves an annotation's file: GITHUB_WORKSPACE when set,
 * else the repository's top level (the checkout), else the current
 * directory; never the directory a workflow step runs in.
 */
static char *github_base(cli_context *ctx)
{
	const char *ws = getenv("GITHUB_WORKSPACE");
	char *real;
	if (ws && *ws && (real = realpath(ws, NULL)) != NULL)
		return real;
	if (ws && *ws)
		return gmf_xstrdup(ws);
	if (ctx->repo && gmf_repo_workdir(ctx->repo))
		return gmf_xstrdup(gmf_repo_workdir(ctx->repo));
	return gmf_xstrdup(ctx->project.cwd ? ctx->project.cwd : ".");
}

static char *github_path(const char *base, const char *abs)
{
	if (abs[0] != '/')
		return gmf_xstrdup(abs);
	return gmf_path_relative(base, abs);
}

/* One annotation per file a finding involves (GitHub attaches each to
 * its own file); the others are named in the message. */
static void print_github(cli_context *ctx, gmf_findings *all, size_t nignored)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t nerr = 0, nwarn = 0;
	char *base = github_base(ctx);

	for (size_t i = 0; i < all->n; i++) {
		gmf_finding *f = &all->items[i];
		size_t k = 0;
		do {
			gmf_strbuf_reset(&sb);
			gmf_strbuf_adds(&sb, f->severity == GMF_SEV_WARNING ? "::warning "
									  : "::error ");
			if (f->nlocs) {
				char *rel = github_path(base, f->locs[k].path);
				gmf_strbuf_adds(&sb, "file=");
				github_escape(&sb, rel, 1);
				free(rel);
				if (f->locs[k].line)
					gmf_strbuf_addf(&sb, ",line=%u", f->locs[k].line);
				gmf_strbuf_addch(&sb, ',');
			}
			gmf_strbuf_adds(&sb, "title=");
			github_escape(&sb, gmf_finding_code_name(f->code), 1);
			gmf_strbuf_adds(&sb, "::");
			github_escape(&sb, f->message, 0);
			if (f->nlocs > 1) {
				gmf_strbuf_adds(&sb, " (with");
				for (size_t o = 0; o < f->nlocs; o++) {
					char *rel;
					if (o == k)
						continue;
					rel = github_path(base, f->locs[o].path);
					gmf_strbuf_addch(&sb, ' ');
					github_escape(&sb, rel, 0);
					free(rel);
				}
				gmf_strbuf_addch(&sb, ')');
			}
			if (f->hint[0]) {
				gmf_strbuf_adds(&sb, " (hint: ");
				github_escape(&sb, f->hint, 0);
				gmf_strbuf_addch(&sb, ')');
			}
			puts(sb.buf);
		} while (++k < f->nlocs);
		if (f->severity == GMF_SEV_WARNING)
			nwarn++;
		else
			nerr++;
	}
	printf("git-migrate-fix: %zu error%s, %zu warning%s", nerr, nerr == 1 ? "" : "s",
	       nwarn, nwarn == 1 ? "" : "s");
	if (nignored)
		printf(", %zu ignored (migrate-fix.ignore)", nignored);
	putchar('\n');
	gmf_strbuf_release(&sb);
	free(base);
}

/* Text for a Markdown table cell: no line break, `|` escaped. */
static void md_cell(gmf_strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			gmf_strbuf_adds(sb, "\\|");
		else if (*s == '\n' || *s == '\r')
			gmf_strbuf_addch(sb, ' ');
		else
			gmf_strbuf_addch(sb, *s);
	}
}

/*
 * GITHUB_STEP_SUMMARY: the whole report as Markdown, appended (GitHub
 * shows at most 10 annotations of each kind per step; the summary has
 * every finding).  A summary that cannot be written is a warning.
 */
static void write_step_summary(cli_context *ctx, gmf_findings *all, size_t *script_of,
			       size_t nignored)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t nerr = 0, nwarn = 0, nmig = 0;
	char *base;
	FILE *fp;

	if (!path || !*path)
		return;
	base = github_base(ctx);
	for (size_t s = 0; s < ctx->project.nscripts; s++)
		nmig += gmf_graph_count(ctx->graphs[s]);
	for (size_t i = 0; i < all->n; i++) {
		if (all->items[i].severity == GMF_SEV_WARNING)
			nwarn++;
		else
			nerr++;
	}
	gmf_strbuf_adds(&sb, "### git-migrate-fix check\n\n");
	if (!nerr) {
		gmf_strbuf_addf(&sb, "No errors in %zu migration%s", nmig, nmig == 1 ? "" : "s");
		for (size_t s = 0; s < ctx->project.nscripts; s++) {
			size_t *h, nh = gmf_graph_heads(ctx->graphs[s], &h);
			gmf_strbuf_addf(&sb, "%s ", s ? ";" : ":");
			if (ctx->project.nscripts > 1) {
				md_cell(&sb, ctx->project.scripts[s].name);
				gmf_strbuf_addch(&sb, ' ');
			}
			gmf_strbuf_addf(&sb, "head%s", nh == 1 ? "" : "s");
			for (size_t k = 0; k < nh; k++) {
				gmf_strbuf_addf(&sb, "%s`", k ? ", " : " ");
				md_cell(&sb, gmf_graph_node(ctx->graphs[s], h[k])->id);
				gmf_strbuf_addch(&sb, '`');
			}
			free(h);
		}
		gmf_strbuf_adds(&sb, ".\n");
	} else {
		gmf_strbuf_addf(&sb, "**%zu error%s** in %zu migration%s.\n", nerr,
				nerr == 1 ? "" : "s", nmig, nmig == 1 ? "" : "s");
	}
	if (all->n) {
		gmf_strbuf_adds(&sb, "\n| severity | finding | files | message | hint |\n"
				     "|---|---|---|---|---|\n");
		for (size_t i = 0; i < all->n; i++) {
			gmf_finding *f = &all->items[i];
			gmf_strbuf_addf(&sb, "| %s | `%s` | ", gmf_severity_name(f->severity),
					gmf_finding_code_name(f->code));
			for (size_t k = 0; k < f->nlocs; k++) {
				char *rel = github_path(base, f->locs[k].path);
				gmf_strbuf_adds(&sb, k ? "<br>`" : "`");
				md_cell(&sb, rel);
				if (f->locs[k].line)
					gmf_strbuf_addf(&sb, ":%u", f->locs[k].line);
				gmf_strbuf_addch(&sb, '`');
				free(rel);
			}
			gmf_strbuf_adds(&sb, " | ");
			md_cell(&sb, f->message);
			if (ctx->project.nscripts > 1) {
				gmf_strbuf_adds(&sb, " [");
				md_cell(&sb, ctx->project.scripts[script_of[i]].name);
				gmf_strbuf_addch(&sb, ']');
			}
			gmf_strbuf_adds(&sb, " | ");
			md_cell(&sb, f->hint);
			gmf_strbuf_adds(&sb, " |\n");
		}
	}
	gmf_strbuf_addf(&sb, "\n%zu error%s, %zu warning%s", nerr, nerr == 1 ? "" : "s", nwarn,
			nwarn == 1 ? "" : "s");
	if (nignored)
		gmf_strbuf_addf(&sb, ", %zu ignored (`migrate-fix.ignore`)", nignored);
	gmf_strbuf_adds(&sb, ".\n\n");
	fp = fopen(path, "a");
	if (fp) {
		int ok = fwrite(sb.buf, 1, sb.len, fp) == sb.len;
		if (fclose(fp) != 0)
			ok = 0;
		if (!ok)
			fp = NULL;
	}
	if (!fp)
		fprintf(stderr, "git-migrate-fix: warning: cannot write the step summary '%s': "
			"%s\n", path, strerror(errno));
	gmf_strbuf_release(&sb);
	free(base);
}

int cmd_check(int argc, char **argv)
{
	check_opts o = { .format = "text" };
	cli_context ctx;
	gmf_findings all;
	size_t *script_of = NULL, nignored = 0;
	unsigned long ignored = 0;
	out_format fmt = FMT_TEXT;
	int rc;

	rc = cli_parse_options(cli_find_command("check"), &o, argc, argv);
	if (rc < 0)
		return cli_parse_exit(rc);
	if (!strcmp(o.format, "json"))
		fmt = FMT_JSON;
	else if (!strcmp(o.format, "github"))
		fmt = FMT_GITHUB;
	rc = cli_context_load(&ctx, &o.d);
	cli_options_release(cli_check_options, &o);
	if (rc)
		return rc;

	gmf_findings_init(&all);
	for (size_t s = 0; s < ctx.project.nscripts; s++) {
		size_t before = all.n;
		gmf_graph_check(ctx.graphs[s], ctx.naming, ctx.project.scripts[s].file_template,
				&all);
		gmf_lockfile_check(&ctx.project.scripts[s], ctx.graphs[s], &all);
		gmf_script_check_nested(&ctx.project.scripts[s], ctx.loads ? &ctx.loads[s] : NULL,
					gmf_graph_count(ctx.graphs[s]), &all);
		script_of = gmf_xrealloc(script_of, (all.n + 1) * sizeof(size_t));
		for (size_t k = before; k < all.n; k++)
			script_of[k] = s;
	}
	if (gmf_workspace_ignored(&ctx, &ignored) < 0) {
		/* a typo must not silence nothing silently, nor an error */
		rc = cli_fail(GMF_EUSAGE);
		goto out;
	}
	nignored = gmf_findings_drop(&all, ignored);
	if (fmt == FMT_JSON) {
		print_json(&ctx, &all, script_of, nignored);
	} else if (fmt == FMT_GITHUB) {
		print_github(&ctx, &all, nignored);
		write_step_summary(&ctx, &all, script_of, nignored);
	} else {
		print_text(&ctx, &all, script_of, o.d.verbose, nignored);
	}

	switch (gmf_findings_worst(&all)) {
	case GMF_SEV_FATAL: rc = EXIT_FATAL; break;
	case GMF_SEV_ERROR: rc = EXIT_FINDINGS; break;
	default: rc = EXIT_CLEAN; break;
	}
out:
	free(script_of);
	gmf_findings_release(&all);
	cli_context_release(&ctx);
	return rc;
}
