/* SPDX-License-Identifier: MIT */
/* cli/cmd_check: `git migrate-fix check`, the CI gate. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/decide.h"
#include "gmf/lockfile.h"
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
static void print_ok(cli_context *ctx, size_t nmig, size_t nwarn)
{
	gmf_strbuf heads = GMF_STRBUF_INIT;
	size_t total = 0;

	for (size_t s = 0; s < ctx->project.nscripts; s++) {
		size_t *h, nh = gmf_graph_heads(ctx->graphs[s], &h);
		for (size_t k = 0; k < nh; k++) {
			if (heads.len)
				gmf_strbuf_adds(&heads, ", ");
			gmf_strbuf_adds(&heads, gmf_graph_node(ctx->graphs[s], h[k])->id);
		}
		total += nh;
		free(h);
	}
	printf("ok: %zu migration%s, %zu head%s%s%s%s", nmig, nmig == 1 ? "" : "s",
	       total, total == 1 ? "" : "s", total ? " (" : "", heads.buf,
	       total ? ")" : "");
	if (nwarn)
		printf(", %zu warning%s", nwarn, nwarn == 1 ? "" : "s");
	putchar('\n');
	gmf_strbuf_release(&heads);
}

/* The last line when something is wrong: how much of what. */
static void print_failed(size_t nmig, size_t nerr, size_t nwarn, size_t nfatal,
			 const palette *pal)
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
	printf("%s%s%s in %zu migration%s\n", pal->red, sum.buf, pal->off, nmig,
	       nmig == 1 ? "" : "s");
	gmf_strbuf_release(&sum);
}

static void print_text(cli_context *ctx, gmf_findings *all, size_t *script_of,
		       int verbose)
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
		print_ok(ctx, nmig, nwarn);
	else
		print_failed(nmig, nerr, nwarn, nfatal, &pal);
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

static void print_json(cli_context *ctx, gmf_findings *all, size_t *script_of)
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
	gmf_strbuf_addf(&sb, "],\"summary\":{\"fatal\":%zu,\"errors\":%zu,\"warnings\":%zu}}\n",
			counts[GMF_SEV_FATAL], counts[GMF_SEV_ERROR], counts[GMF_SEV_WARNING]);
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
}

static void print_github(cli_context *ctx, gmf_findings *all)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t nerr = 0, nwarn = 0;
	for (size_t i = 0; i < all->n; i++) {
		gmf_finding *f = &all->items[i];
		gmf_strbuf_reset(&sb);
		gmf_strbuf_adds(&sb, f->severity == GMF_SEV_WARNING ? "::warning " : "::error ");
		if (f->nlocs) {
			char *rel = cli_display_path(ctx, f->locs[0].path);
			gmf_strbuf_adds(&sb, "file=");
			github_escape(&sb, rel, 1);
			free(rel);
			if (f->locs[0].line)
				gmf_strbuf_addf(&sb, ",line=%u", f->locs[0].line);
			gmf_strbuf_addch(&sb, ',');
		}
		gmf_strbuf_adds(&sb, "title=");
		github_escape(&sb, gmf_finding_code_name(f->code), 1);
		gmf_strbuf_adds(&sb, "::");
		github_escape(&sb, f->message, 0);
		if (f->hint[0]) {
			gmf_strbuf_adds(&sb, " (hint: ");
			github_escape(&sb, f->hint, 0);
			gmf_strbuf_addch(&sb, ')');
		}
		puts(sb.buf);
		if (f->severity == GMF_SEV_WARNING)
			nwarn++;
		else
			nerr++;
	}
	printf("git-migrate-fix: %zu error%s, %zu warning%s\n", nerr, nerr == 1 ? "" : "s",
	       nwarn, nwarn == 1 ? "" : "s");
	gmf_strbuf_release(&sb);
}

int cmd_check(int argc, char **argv)
{
	check_opts o = { .format = "text" };
	cli_context ctx;
	gmf_findings all;
	size_t *script_of = NULL;
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
		script_of = gmf_xrealloc(script_of, (all.n + 1) * sizeof(size_t));
		for (size_t k = before; k < all.n; k++)
			script_of[k] = s;
	}
	if (fmt == FMT_JSON)
		print_json(&ctx, &all, script_of);
	else if (fmt == FMT_GITHUB)
		print_github(&ctx, &all);
	else
		print_text(&ctx, &all, script_of, o.d.verbose);

	switch (gmf_findings_worst(&all)) {
	case GMF_SEV_FATAL: rc = EXIT_FATAL; break;
	case GMF_SEV_ERROR: rc = EXIT_FINDINGS; break;
	default: rc = EXIT_CLEAN; break;
	}
	free(script_of);
	gmf_findings_release(&all);
	cli_context_release(&ctx);
	return rc;
}
