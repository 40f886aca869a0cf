/* cli/common: option parsing and project loading shared by commands. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"

int cli_quiet_errors;
static char *display_cwd; /* "<cwd>/" once a context is loaded */

void cli_put_safe(FILE *out, const char *s, size_t n);

/* Library messages name absolute paths; show them relative to the cwd. */
static void print_relative(FILE *out, const char *fmt, va_list ap)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	const char *p, *hit;
	gmf_strbuf_vaddf(&sb, fmt, ap);
	p = sb.buf;
	if (display_cwd)
		while ((hit = strstr(p, display_cwd)) != NULL) {
			cli_put_safe(out, p, (size_t)(hit - p));
			p = hit + strlen(display_cwd);
		}
	cli_put_safe(out, p, strlen(p));
	gmf_strbuf_release(&sb);
}

void cli_put_safe(FILE *out, const char *s, size_t n)
{
	/* ids and paths come from the repository: never let them steer the
	 * terminal (escape sequences, bells, carriage returns) */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

char cli_last_error[512];

void cli_error(const char *fmt, ...)
{
	va_list ap;
	if (cli_quiet_errors) {
		/* a hook tries more than one way: keep the reason, say it once */
		va_start(ap, fmt);
		vsnprintf(cli_last_error, sizeof(cli_last_error), fmt, ap);
		va_end(ap);
		return;
	}
	fputs("git-migrate-fix: ", stderr);
	va_start(ap, fmt);
	print_relative(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;
	fputs("git-migrate-fix: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_print_usage(FILE *out, const cli_command *cmd)
{
	for (const char *const *l = cmd->usage; *l; l++)
		fprintf(out, "%s\n", *l);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("git-migrate-fix: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd) {
		fputc('\n', stderr);
		cli_print_usage(stderr, cmd);
	}
	return EXIT_FATAL;
}

int cli_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	if (nc && *nc)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fileno(f));
}

int cli_opt_value(const char *opt, int argc, char **argv, int *i,
		  const char **val)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];
	if (strncmp(a, opt, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

int cli_parse_common(const cli_command *cmd, cli_discovery *d, int argc,
		     char **argv, int *i)
{
	const char *a = argv[*i], *v;
	int r;

	if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		d->verbose++;
		return 1;
	}
	if (!strcmp(a, "--no-cache")) {
		d->no_cache = 1;
		return 1;
	}
	if ((r = cli_opt_value("--dir", argc, argv, i, &v)) ||
	    (r = cli_opt_value("-d", argc, argv, i, &v))) {
		if (r < 0)
			return cli_usage_error(cmd, "option '%s' needs a directory", a), -1;
		d->dirs = realloc(d->dirs, (d->ndirs + 1) * sizeof(char *));
		if (!d->dirs)
			abort();
		d->dirs[d->ndirs++] = v;
		return 1;
	}
	if ((r = cli_opt_value("--config", argc, argv, i, &v)) ||
	    (r = cli_opt_value("-c", argc, argv, i, &v))) {
		if (r < 0)
			return cli_usage_error(cmd, "option '%s' needs a file", a), -1;
		d->config = v;
		return 1;
	}
	if ((r = cli_opt_value("--name", argc, argv, i, &v)) ||
	    (r = cli_opt_value("-n", argc, argv, i, &v))) {
		if (r < 0)
			return cli_usage_error(cmd, "option '%s' needs a section name", a), -1;
		d->name = v;
		return 1;
	}
	if ((r = cli_opt_value("--naming", argc, argv, i, &v))) {
		if (r < 0)
			return cli_usage_error(cmd, "option '--naming' needs a value"), -1;
		if (strcmp(v, "auto") && strcmp(v, "stem") && strcmp(v, "prefix") &&
		    strcmp(v, "contains") && strcmp(v, "none"))
			return cli_usage_error(cmd, "unknown naming '%s' (auto, stem, prefix, contains, none)", v), -1;
		d->naming = v;
		return 1;
	}
	if ((r = cli_opt_value("--format", argc, argv, i, &v))) {
		if (r < 0)
			return cli_usage_error(cmd, "option '--format' needs a value"), -1;
		d->format = v;
		return 1;
	}
	return 0;
}

int cli_parse_all_common(const cli_command *cmd, cli_discovery *d, int argc, char **argv)
{
	memset(d, 0, sizeof(*d));
	for (int i = 1; i < argc; i++) {
		int r = cli_parse_common(cmd, d, argc, argv, &i);
		if (r > 0)
			continue;
		free(d->dirs);
		d->dirs = NULL;
		if (r < 0)
			return EXIT_FATAL;
		return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
	}
	return 0;
}

static gmf_naming parse_naming(const char *v)
{
	if (!v || !strcmp(v, "auto"))
		return GMF_NAMING_AUTO;
	if (!strcmp(v, "stem"))
		return GMF_NAMING_STEM;
	if (!strcmp(v, "prefix"))
		return GMF_NAMING_PREFIX;
	if (!strcmp(v, "contains"))
		return GMF_NAMING_CONTAINS;
	return GMF_NAMING_NONE;
}

int cli_context_load(cli_context *ctx, const cli_discovery *d)
{
	gmf_discover_opts o;
	char *cwd = gmf_path_cwd();
	char *naming = NULL;
	int rc, use_cache, cache_cfg;

	memset(ctx, 0, sizeof(*ctx));
	if (!cwd) {
		cli_error("cannot determine the current directory");
		return EXIT_FATAL;
	}
	rc = gmf_repo_open(&ctx->repo, cwd);
	if (rc < 0 && rc != GMF_ENOTFOUND) {
		cli_error("%s", gmf_error_last());
		free(cwd);
		return EXIT_FATAL;
	}
	memset(&o, 0, sizeof(o));
	o.dirs = d->dirs;
	o.ndirs = d->ndirs;
	o.config = d->config;
	o.name = d->name;
	o.repo = ctx->repo;
	o.cwd = cwd;
	rc = gmf_project_discover(&ctx->project, &o);
	if (!display_cwd && strcmp(cwd, "/")) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&sb, "%s/", cwd);
		display_cwd = gmf_strbuf_detach(&sb, NULL);
	}
	free(cwd);
	if (rc < 0) {
		cli_error("%s", gmf_error_last());
		cli_context_release(ctx);
		return EXIT_FATAL;
	}
	if (d->naming)
		ctx->naming = parse_naming(d->naming);
	else if (ctx->repo && gmf_repo_config_get(ctx->repo, "migrate-fix.naming", &naming) == 0) {
		ctx->naming = parse_naming(naming);
		free(naming);
	}
	use_cache = !d->no_cache;
	if (use_cache && ctx->repo &&
	    gmf_repo_config_get_bool(ctx->repo, "migrate-fix.cache", &cache_cfg) == 0)
		use_cache = cache_cfg;
	ctx->graphs = gmf_xcalloc(ctx->project.nscripts + 1, sizeof(gmf_graph *));
	ctx->loads = gmf_xcalloc(ctx->project.nscripts + 1, sizeof(gmf_load_opts));
	for (size_t i = 0; i < ctx->project.nscripts; i++) {
		ctx->loads[i].use_cache = use_cache;
		rc = gmf_script_load_opts(&ctx->graphs[i], &ctx->project.scripts[i],
					  &ctx->loads[i]);
		if (rc < 0) {
			const gmf_script *s = &ctx->project.scripts[i];
			cli_error("%s", gmf_error_last());
			if (s->config_path) {
				char *rel = cli_display_path(ctx, s->config_path);
				fprintf(stderr, "hint: section [%s] of '%s' names it; "
					"check script_location and version_locations\n",
					s->name, rel);
				free(rel);
			} else if (!strcmp(s->source, "default")) {
				fprintf(stderr, "hint: no alembic.ini found; pass --dir PATH or "
					"set `git config migrate-fix.versions PATH`\n");
			}
			cli_context_release(ctx);
			return EXIT_FATAL;
		}
	}
	return 0;
}

void cli_context_release(cli_context *ctx)
{
	if (ctx->graphs)
		for (size_t i = 0; i < ctx->project.nscripts; i++)
			gmf_graph_free(ctx->graphs[i]);
	free(ctx->graphs);
	free(ctx->loads);
	gmf_project_release(&ctx->project);
	gmf_repo_free(ctx->repo);
	memset(ctx, 0, sizeof(*ctx));
}

char *cli_display_path(const cli_context *ctx, const char *abs)
{
	if (abs[0] != '/' || !ctx->project.cwd)
		return gmf_xstrdup(abs);
	return gmf_path_relative(ctx->project.cwd, abs);
}
