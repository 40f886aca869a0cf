/* SPDX-License-Identifier: MIT */
/* cli/common: messages, exit statuses and project loading shared by commands. */
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
static void print_relative_text(FILE *out, const char *p)
{
	const char *hit;
	if (display_cwd)
		while ((hit = strstr(p, display_cwd)) != NULL) {
			cli_put_safe(out, p, (size_t)(hit - p));
			p = hit + strlen(display_cwd);
		}
	cli_put_safe(out, p, strlen(p));
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 0)))
#endif
static void print_relative(FILE *out, const char *fmt, va_list ap)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_vaddf(&sb, fmt, ap);
	print_relative_text(out, sb.buf);
	gmf_strbuf_release(&sb);
}

void cli_put_relative(FILE *out, const char *text)
{
	if (!display_cwd) {
		char *cwd = gmf_path_cwd();
		if (cwd && strcmp(cwd, "/")) {
			gmf_strbuf sb = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&sb, "%s/", cwd);
			display_cwd = gmf_strbuf_detach(&sb, NULL);
		}
		free(cwd);
	}
	print_relative_text(out, text);
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
	if (!cmd->usage) {
		cli_options_usage(out, cmd); /* converted: from its table */
		return;
	}
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

int cli_exit_status(int gmf_code)
{
	if (gmf_code >= 0)
		return EXIT_CLEAN;
	switch (gmf_code) {
	case GMF_EREFUSED:
	case GMF_ECONFLICT:
		return EXIT_FINDINGS; /* nothing was changed; the message says why */
	default:
		/* GMF_ENOTFOUND, GMF_EIO, GMF_EPARSE, GMF_EUSAGE, GMF_EGIT,
		 * GMF_ERROR, and any code added later: it could not run */
		return EXIT_FATAL;
	}
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

static int context_open(cli_context *ctx, const cli_discovery *d, int lock, int writer);

int cli_context_load(cli_context *ctx, const cli_discovery *d)
{
	return context_open(ctx, d, 0, 0);
}

int cli_context_open(cli_context *ctx, const cli_discovery *d, int lock)
{
	return context_open(ctx, d, lock, 1);
}

static int context_open(cli_context *ctx, const cli_discovery *d, int lock, int writer)
{
	gmf_workspace_opts o;
	char *cwd = gmf_path_cwd();
	int rc;

	memset(&o, 0, sizeof(o));
	o.dirs = d->dirs;
	o.ndirs = d->ndirs;
	o.config = d->config;
	o.name = d->name;
	o.naming = d->naming;
	/* a writer plans from the files, dry run or not: the cache only
	 * spares it the parse of a file whose bytes it has seen (guide.md) */
	o.no_cache = d->no_cache;
	o.verify_cache = writer;
	o.cwd = cwd;
	o.lock = lock;
	if (cwd && !display_cwd && strcmp(cwd, "/")) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&sb, "%s/", cwd);
		display_cwd = gmf_strbuf_detach(&sb, NULL);
	}
	rc = gmf_workspace_open(ctx, &o);
	free(cwd);
	if (rc < 0) {
		size_t i = ctx->failed_script;
		cli_error("%s", gmf_error_last());
		if (i != (size_t)-1) {
			const gmf_script *s = &ctx->project.scripts[i];
			if (s->config_path) {
				char *rel = cli_display_path(ctx, s->config_path);
				fprintf(stderr, "hint: section [%s] of '%s' names it; "
					"check script_location and version_locations\n",
					s->section ? s->section : s->name, rel);
				free(rel);
			} else if (!strcmp(s->source, "default")) {
				/* one versions directory in sight: name it, for the
				 * user to confirm (never used without them) */
				char *near = ctx->project.top
					     ? gmf_project_versions_near(ctx->project.top) : NULL;
				char *rel = near ? gmf_path_relative(ctx->project.top, near) : NULL;
				for (size_t k = 0; k < ctx->project.nnotes; k++)
					fprintf(stderr, "note: %s\n", ctx->project.notes[k]);
				fprintf(stderr, "hint: no %salembic.ini found; pass --dir PATH or "
					"set `git config migrate-fix.versions %s`\n",
					ctx->project.nnotes ? "usable " : "", rel ? rel : "PATH");
				free(rel);
				free(near);
			}
		}
		gmf_workspace_release(ctx);
		return EXIT_FATAL;
	}
	return 0;
}

void cli_context_release(cli_context *ctx)
{
	gmf_workspace_release(ctx);
}

char *cli_display_path(const cli_context *ctx, const char *abs)
{
	if (abs[0] != '/' || !ctx->project.cwd)
		return gmf_xstrdup(abs);
	return gmf_path_relative(ctx->project.cwd, abs);
}

int cli_fail(int code)
{
	cli_error("%s", gmf_error_last());
	return cli_exit_status(code);
}

void cli_print_notes(const char *notes)
{
	const char *p = notes;
	while (p && *p) {
		size_t n = strcspn(p, "\n");
		printf("git-migrate-fix: ");
		cli_put_safe(stdout, p, n);
		putchar('\n');
		p += n + (p[n] == '\n');
	}
}
