/* SPDX-License-Identifier: MIT */
/*
 * cli/options: option tables, their parser and the usage made from them
 * (see options.h).  Reports usage errors through cli_usage_error; never
 * exits.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/strbuf.h"

const char *const cli_naming_choices[] = {
	"auto", "stem", "prefix", "contains", "none", NULL,
};

const cli_option cli_discovery_options[] = {
	CLI_LIST('d', "dir", "PATH", cli_discovery, dirs, ndirs,
		 "read this versions directory (repeatable); skips alembic.ini discovery"),
	CLI_STRING('c', "config", "FILE", cli_discovery, config, "use this alembic.ini"),
	CLI_STRING('n', "name", "SECTION", cli_discovery, name, "only this alembic.ini section"),
	CLI_CHOICE(0, "naming", "MODE", cli_naming_choices, cli_discovery, naming,
		   "how file names follow revisions: auto (default), stem, prefix, "
		   "contains, none"),
	CLI_COUNT('v', "verbose", cli_discovery, verbose, "say more"),
	CLI_FLAG(0, "no-cache", cli_discovery, no_cache,
		 "read every file, and leave the parse cache alone"),
	CLI_END,
};

/* ------------------------------------------------------------ the table */

/* An option with where its value goes, includes resolved. */
typedef struct {
	const cli_option *o;
	size_t base;
} flat_opt;

#define MAX_OPTIONS 64

typedef struct {
	flat_opt v[MAX_OPTIONS];
	size_t n;
} flat;

static int same_option(const cli_option *a, const cli_option *b)
{
	return (a->long_name && b->long_name && !strcmp(a->long_name, b->long_name)) ||
	       (a->short_name && a->short_name == b->short_name);
}

/* An included entry gives way to one of the command's own (root) table. */
static int shadowed(const cli_option *root, const cli_option *o)
{
	for (const cli_option *t = root; t->kind != CLI_OPT_END; t++)
		if (t->kind != CLI_OPT_INCLUDE && t != o && same_option(t, o))
			return 1;
	return 0;
}

static void flatten_into(flat *f, const cli_option *t, size_t base,
			 const cli_option *root, int included)
{
	for (; t && t->kind != CLI_OPT_END; t++) {
		if (t->kind == CLI_OPT_INCLUDE) {
			flatten_into(f, t->include, base + t->offset, root, 1);
			continue;
		}
		if (included && shadowed(root, t))
			continue;
		if (f->n == MAX_OPTIONS)
			abort(); /* a table this long is a programming error */
		f->v[f->n].o = t;
		f->v[f->n].base = base;
		f->n++;
	}
}

/* The options of a table in order, with their absolute offsets. */
static void flatten(flat *f, const cli_option *root)
{
	f->n = 0;
	flatten_into(f, root, 0, root, 0);
}

static const flat_opt *find_long(const flat *f, const char *name, size_t len)
{
	for (size_t k = 0; k < f->n; k++) {
		const char *l = f->v[k].o->long_name;
		if (l && strlen(l) == len && !strncmp(l, name, len))
			return &f->v[k];
	}
	return NULL;
}

static const flat_opt *find_short(const flat *f, char c)
{
	for (size_t k = 0; k < f->n; k++)
		if (f->v[k].o->short_name == c)
			return &f->v[k];
	return NULL;
}

static int takes_value(const cli_option *o)
{
	return o->kind == CLI_OPT_STRING || o->kind == CLI_OPT_LIST ||
	       o->kind == CLI_OPT_CHOICE;
}

static void *at(void *opts, const flat_opt *fo, size_t off)
{
	return (char *)opts + fo->base + off;
}

/* ------------------------------------------------------------ messages */

/* "text, json or github" */
static void add_choices(gmf_strbuf *sb, const char *const *ch, const char *last_sep)
{
	for (size_t k = 0; ch[k]; k++) {
		if (k)
			gmf_strbuf_adds(sb, ch[k + 1] ? ", " : last_sep);
		gmf_strbuf_adds(sb, ch[k]);
	}
}

/* how the user named the option: --dir or -d */
static void add_name(gmf_strbuf *sb, const cli_option *o, int as_long)
{
	if (as_long)
		gmf_strbuf_addf(sb, "--%s", o->long_name);
	else
		gmf_strbuf_addf(sb, "-%c", o->short_name);
}

static int store(const cli_command *cmd, void *opts, const flat_opt *fo, int as_long,
		 const char *v)
{
	const cli_option *o = fo->o;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc;

	switch (o->kind) {
	case CLI_OPT_FLAG:
		*(int *)at(opts, fo, o->offset) = 1;
		return 0;
	case CLI_OPT_COUNT:
		(*(int *)at(opts, fo, o->offset))++;
		return 0;
	case CLI_OPT_STRING:
		*(const char **)at(opts, fo, o->offset) = v;
		return 0;
	case CLI_OPT_LIST: {
		const char ***list = at(opts, fo, o->offset);
		size_t *n = at(opts, fo, o->count_offset);
		*list = gmf_xrealloc((void *)*list, (*n + 1) * sizeof(**list));
		(*list)[(*n)++] = v;
		return 0;
	}
	case CLI_OPT_CHOICE:
		for (size_t k = 0; o->choices[k]; k++)
			if (!strcmp(o->choices[k], v)) {
				*(const char **)at(opts, fo, o->offset) = o->choices[k];
				return 0;
			}
		gmf_strbuf_adds(&sb, "option '");
		add_name(&sb, o, as_long);
		gmf_strbuf_adds(&sb, "' takes ");
		add_choices(&sb, o->choices, " or ");
		gmf_strbuf_addf(&sb, ", not '%s'", v);
		rc = cli_usage_error(cmd, "%s", sb.buf);
		gmf_strbuf_release(&sb);
		return rc;
	default:
		abort();
	}
}

static int needs_value(const cli_command *cmd, const cli_option *o, int as_long)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc;
	gmf_strbuf_adds(&sb, "option '");
	add_name(&sb, o, as_long);
	gmf_strbuf_adds(&sb, "' needs a value");
	if (o->argh)
		gmf_strbuf_addf(&sb, " (%s)", o->argh);
	rc = cli_usage_error(cmd, "%s", sb.buf);
	gmf_strbuf_release(&sb);
	return rc;
}

/* ------------------------------------------------------------ similarity */

/* Optimal string alignment distance (a swap of neighbours costs 1). */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d;
	size_t *prev2 = gmf_xcalloc(m + 1, sizeof(size_t));
	size_t *prev = gmf_xcalloc(m + 1, sizeof(size_t));
	size_t *cur = gmf_xcalloc(m + 1, sizeof(size_t));

	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t *t;
		cur[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = prev[j - 1] + cost;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	d = prev[m];
	free(prev2);
	free(prev);
	free(cur);
	return d;
}

size_t cli_similar(const char **out, size_t max, const char *word,
		   const char *const *names, size_t nnames)
{
	size_t len = strlen(word), limit, best = (size_t)-1, n = 0;

	if (!len || len > 64)
		return 0;
	/* a typo, not another word: one edit in a short name, two or three
	 * in longer ones; a prefix of a name counts as close */
	limit = len < 4 ? 1 : len < 8 ? 2 : 3;
	for (size_t k = 0; k < nnames; k++) {
		size_t d;
		if (len >= 2 && !strncmp(names[k], word, len))
			d = 0;
		else
			d = distance(word, names[k]);
		if (d > limit || d >= strlen(names[k]))
			continue;
		if (d < best) {
			best = d;
			n = 0;
		}
		if (d == best && n < max)
			out[n++] = names[k];
	}
	return n;
}

/* Long option names a usage line array mentions ("--dry-run"). */
static size_t names_from_usage(const char **out, char (*buf)[32], size_t max,
			       const char *const *lines)
{
	size_t n = 0;
	for (; lines && *lines; lines++)
		for (const char *p = strstr(*lines, "--"); p; p = strstr(p + 1, "--")) {
			size_t len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
			int dup = 0;
			if (!len || len >= sizeof(*buf) || n == max)
				continue;
			for (size_t k = 0; k < n; k++)
				if (strlen(out[k]) == len && !strncmp(out[k], p + 2, len))
					dup = 1;
			if (dup)
				continue;
			memcpy(buf[n], p + 2, len);
			buf[n][len] = 0;
			out[n] = buf[n];
			n++;
		}
	return n;
}

int cli_unknown_option(const cli_command *cmd, const char *arg)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	const char *names[MAX_OPTIONS + 1], *close[4];
	char buf[MAX_OPTIONS][32];
	size_t len = strcspn(arg, "="), nnames = 0, nclose = 0;
	char *word;
	flat f;
	int rc;

	if (cmd && cmd->options) {
		flatten(&f, cmd->options);
		for (size_t k = 0; k < f.n; k++)
			if (f.v[k].o->long_name && !(f.v[k].o->flags & CLI_OPT_HIDDEN))
				names[nnames++] = f.v[k].o->long_name;
		if (!find_long(&f, "help", 4))
			names[nnames++] = "help";
	} else if (cmd) {
		nnames = names_from_usage(names, buf, MAX_OPTIONS, cmd->usage);
	}
	gmf_strbuf_addf(&sb, "unknown option '%.*s'", (int)len, arg);
	if (cmd && cmd->name)
		gmf_strbuf_addf(&sb, " for '%s'", cmd->name);
	/* --dry-rum, and -verbose for --verbose */
	word = gmf_xstrndup(arg + strspn(arg, "-"), len - strspn(arg, "-"));
	if (!strncmp(arg, "--", 2))
		nclose = cli_similar(close, 4, word, names, nnames);
	else
		for (size_t k = 0; k < nnames && strlen(word) > 1; k++)
			if (!strcmp(names[k], word)) {
				close[nclose++] = names[k];
				break;
			}
	for (size_t k = 0; k < nclose; k++)
		gmf_strbuf_addf(&sb, "%s'--%s'", k ? " or " : "; did you mean ", close[k]);
	if (nclose)
		gmf_strbuf_addch(&sb, '?');
	free(word);
	rc = cli_usage_error(cmd, "%s", sb.buf);
	gmf_strbuf_release(&sb);
	return rc;
}

/* ------------------------------------------------------------ parsing */

static int print_help(const cli_command *cmd)
{
	cli_print_usage(stdout, cmd);
	return CLI_PARSE_HELP;
}

/*
 * One option at argv[*i] (a "--long" or a "-s..." word).  whole: only
 * the whole word, no bundle (cli_parse_common).  Returns 1 consumed
 * (*i advanced past a separate value), 0 not in the table, or a negative
 * CLI_PARSE_* result.
 */
static int parse_one(const cli_command *cmd, const flat *f, void *opts, int argc,
		     char **argv, int *i, int whole)
{
	const char *a = argv[*i];
	const flat_opt *fo;

	if (a[1] == '-') {
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *v = eq ? eq + 1 : NULL;

		fo = find_long(f, name, len);
		if (!fo) {
			if (!whole && len == 4 && !strncmp(name, "help", 4) && !eq)
				return print_help(cmd);
			return 0;
		}
		if (!takes_value(fo->o)) {
			if (v) {
				cli_usage_error(cmd, "option '--%s' takes no value", fo->o->long_name);
				return CLI_PARSE_ERROR;
			}
		} else if (!v) {
			if (*i + 1 >= argc) {
				needs_value(cmd, fo->o, 1);
				return CLI_PARSE_ERROR;
			}
			v = argv[++*i];
		}
		return store(cmd, opts, fo, 1, v) ? CLI_PARSE_ERROR : 1;
	}

	if (whole) {
		fo = find_short(f, a[1]);
		if (!fo || (a[2] && !takes_value(fo->o)))
			return 0;
	}
	for (const char *p = a + 1; *p; p++) {
		const char *v;
		fo = find_short(f, *p);
		if (!fo) {
			if (*p == 'h' && !whole)
				return print_help(cmd);
			if (p == a + 1)
				return 0;
			if (find_long(f, a + 1, strcspn(a + 1, "="))) {
				cli_unknown_option(cmd, a); /* -verbose: "did you mean" */
			} else {
				char one[3] = { '-', *p, 0 }; /* -vx: the x */
				cli_unknown_option(cmd, one);
			}
			return CLI_PARSE_ERROR;
		}
		if (!takes_value(fo->o)) {
			store(cmd, opts, fo, 0, NULL);
			continue;
		}
		if (p[1]) {
			v = p + 1;
		} else if (*i + 1 < argc) {
			v = argv[++*i];
		} else {
			needs_value(cmd, fo->o, 0);
			return CLI_PARSE_ERROR;
		}
		return store(cmd, opts, fo, 0, v) ? CLI_PARSE_ERROR : 1;
	}
	return 1;
}

static int surplus(const cli_command *cmd, const char *arg)
{
	if (cmd->max_args == 0)
		cli_usage_error(cmd, "'%s' takes no arguments, not '%s'", cmd->name, arg);
	else
		cli_usage_error(cmd, "unexpected argument '%s' for '%s'", arg, cmd->name);
	return CLI_PARSE_ERROR;
}

static int parse_argv(const cli_command *cmd, void *opts, int argc, char **argv)
{
	flat f;
	int nargs = 0, i;

	flatten(&f, cmd->options);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (cmd->stop_at_arg)
				break;
			if (cmd->max_args != CLI_ARGS_ANY && nargs >= cmd->max_args)
				return surplus(cmd, a);
			argv[++nargs] = argv[i];
			continue;
		}
		r = parse_one(cmd, &f, opts, argc, argv, &i, 0);
		if (r < 0)
			return r;
		if (r == 0) {
			cli_unknown_option(cmd, a);
			return CLI_PARSE_ERROR;
		}
	}
	/* after "--", or from the first argument with stop_at_arg */
	for (; i < argc; i++) {
		if (!cmd->stop_at_arg && cmd->max_args != CLI_ARGS_ANY &&
		    nargs >= cmd->max_args)
			return surplus(cmd, argv[i]);
		argv[++nargs] = argv[i];
	}
	if (nargs + 1 < argc)
		argv[nargs + 1] = NULL;
	return nargs;
}

int cli_parse_options(const cli_command *cmd, void *opts, int argc, char **argv)
{
	int n = parse_argv(cmd, opts, argc, argv);
	/* a command that does not run has nothing to release */
	if (n < 0 && opts && cmd->options)
		cli_options_release(cmd->options, opts);
	return n;
}

int cli_parse_exit(int parsed)
{
	return parsed == CLI_PARSE_HELP ? EXIT_CLEAN : EXIT_FATAL;
}

void cli_options_release(const cli_option *table, void *opts)
{
	flat f;
	flatten(&f, table);
	for (size_t k = 0; k < f.n; k++)
		if (f.v[k].o->kind == CLI_OPT_LIST) {
			const char ***list = at(opts, &f.v[k], f.v[k].o->offset);
			free((void *)*list);
			*list = NULL;
			*(size_t *)at(opts, &f.v[k], f.v[k].o->count_offset) = 0;
		}
}

/* The options cli_parse_common knows: discovery, and --format unchecked. */
static const cli_option legacy_common[] = {
	{ .kind = CLI_OPT_INCLUDE, .include = cli_discovery_options, .offset = 0 },
	CLI_STRING(0, "format", "FMT", cli_discovery, format, NULL),
	CLI_END,
};

int cli_parse_common(const cli_command *cmd, cli_discovery *d, int argc,
		     char **argv, int *i)
{
	flat f;
	int r;
	if (argv[*i][0] != '-' || !argv[*i][1] || !strcmp(argv[*i], "--"))
		return 0;
	flatten(&f, legacy_common);
	r = parse_one(cmd, &f, d, argc, argv, i, 1);
	return r < 0 ? -1 : r;
}

/* ------------------------------------------------------------ usage */

#define USAGE_WIDTH 79
#define HELP_COLUMN 26

/*
 * Writes text from column col, breaking lines before width and starting
 * each new one at column indent.  A newline in text breaks the line; a
 * blank line separates paragraphs.
 */
static void wrap(FILE *out, const char *text, size_t col, size_t indent, size_t width)
{
	const char *p = text;
	int at_start = 1;
	while (*p) {
		size_t len;
		if (*p == '\n') {
			fputc('\n', out);
			if (p[1] && p[1] != '\n')
				fprintf(out, "%*s", (int)indent, "");
			col = indent;
			at_start = 1;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		len = strcspn(p, " \n");
		if (!at_start && col + 1 + len > width) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			at_start = 1;
		}
		if (!at_start) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, len, out);
		col += len;
		p += len;
		at_start = 0;
	}
	fputc('\n', out);
}

static void add_argh(gmf_strbuf *sb, const cli_option *o, int as_long)
{
	if (!takes_value(o))
		return;
	gmf_strbuf_addch(sb, as_long && o->kind == CLI_OPT_CHOICE ? '=' : ' ');
	if (o->argh) {
		gmf_strbuf_adds(sb, o->argh);
	} else if (o->kind == CLI_OPT_CHOICE) {
		for (size_t k = 0; o->choices[k]; k++)
			gmf_strbuf_addf(sb, "%s%s", k ? "|" : "", o->choices[k]);
	} else {
		gmf_strbuf_adds(sb, "VALUE");
	}
}

/* [-v | --verbose], [-c FILE], [--format=text|json], [-d PATH]... */
static void synopsis_item(gmf_strbuf *sb, const cli_option *o)
{
	int as_long = !o->short_name || o->kind == CLI_OPT_CHOICE;
	gmf_strbuf_addch(sb, '[');
	if (!takes_value(o) && o->short_name && o->long_name)
		gmf_strbuf_addf(sb, "-%c | --%s", o->short_name, o->long_name);
	else
		add_name(sb, o, as_long && o->long_name);
	add_argh(sb, o, as_long && o->long_name);
	gmf_strbuf_addch(sb, ']');
	if (o->kind == CLI_OPT_LIST)
		gmf_strbuf_adds(sb, "...");
}

static void synopsis(FILE *out, const cli_command *cmd, const flat *f)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t indent, col;

	gmf_strbuf_adds(&sb, "usage: git migrate-fix");
	if (cmd->name)
		gmf_strbuf_addf(&sb, " %s", cmd->name);
	fputs(sb.buf, out);
	indent = col = sb.len + 1;
	for (size_t k = 0; k <= f->n; k++) {
		gmf_strbuf_reset(&sb);
		if (k < f->n) {
			if (f->v[k].o->flags & CLI_OPT_HIDDEN)
				continue;
			synopsis_item(&sb, f->v[k].o);
		} else if (cmd->args) {
			gmf_strbuf_adds(&sb, cmd->args);
		} else {
			break;
		}
		if (col > indent && col + 1 + sb.len > USAGE_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			fputc(' ', out);
			col++;
		}
		fputs(sb.buf, out);
		col += sb.len;
	}
	fputc('\n', out);
	gmf_strbuf_release(&sb);
}

static void option_line(FILE *out, const cli_option *o)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_adds(&sb, "    ");
	if (o->short_name) {
		gmf_strbuf_addf(&sb, "-%c", o->short_name);
		if (o->long_name)
			gmf_strbuf_addf(&sb, ", --%s", o->long_name);
	} else {
		gmf_strbuf_addf(&sb, "    --%s", o->long_name);
	}
	add_argh(&sb, o, o->long_name != NULL);
	fputs(sb.buf, out);
	if (!o->help || !*o->help) {
		fputc('\n', out);
	} else if (sb.len + 2 > HELP_COLUMN) {
		fprintf(out, "\n%*s", HELP_COLUMN, "");
		wrap(out, o->help, HELP_COLUMN, HELP_COLUMN, USAGE_WIDTH);
	} else {
		fprintf(out, "%*s", (int)(HELP_COLUMN - sb.len), "");
		wrap(out, o->help, HELP_COLUMN, HELP_COLUMN, USAGE_WIDTH);
	}
	gmf_strbuf_release(&sb);
}

void cli_options_each(const cli_command *cmd,
		      void (*fn)(const cli_option *o, void *data), void *data)
{
	flat f;
	flatten(&f, cmd->options);
	for (size_t k = 0; k < f.n; k++)
		if (!(f.v[k].o->flags & CLI_OPT_HIDDEN))
			fn(f.v[k].o, data);
}

static const cli_option help_option = {
	.kind = CLI_OPT_FLAG, .short_name = 'h', .long_name = "help",
	.help = "show this help",
};

void cli_options_usage(FILE *out, const cli_command *cmd)
{
	flat f;
	flatten(&f, cmd->options);
	synopsis(out, cmd, &f);
	if (cmd->description) {
		fputc('\n', out);
		wrap(out, cmd->description, 0, 0, USAGE_WIDTH - 3);
	}
	if (cmd == &cli_main_command) {
		fputs("\nCommands:\n", out);
		for (const cli_command *c = cli_commands; c->name; c++)
			if (!c->hidden)
				fprintf(out, "    %-13s %s\n", c->name, c->summary);
		fputs("\n`git migrate-fix help <command>` shows a command's options;"
		      " `man git-migrate-fix` the manual.\n", out);
		return;
	}
	fputc('\n', out);
	for (size_t k = 0; k < f.n; k++)
		if (!(f.v[k].o->flags & CLI_OPT_HIDDEN))
			option_line(out, f.v[k].o);
	if (!find_long(&f, "help", 4) && !find_short(&f, 'h'))
		option_line(out, &help_option);
	if (cmd->exit_status) {
		fputc('\n', out);
		fputs("Exit status: ", out);
		wrap(out, cmd->exit_status, 13, 0, USAGE_WIDTH - 3);
	}
}
