/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_completion: `git-migrate-fix completion`, hidden, the words the
 * shell completion scripts (contrib/completion/) offer.  It reads
 * cli_commands[] and the option tables, the same ones the parser and the
 * usage use, so a new command or option is completed without touching
 * the scripts.  Prints only; reads no repository.
 *
 * The output is an interface between this binary and the scripts shipped
 * with it: tab-separated fields, one entry per line.
 */
#include "cli.h"

#include <string.h>

static int takes_value(const cli_option *o)
{
	return o->kind == CLI_OPT_STRING || o->kind == CLI_OPT_LIST ||
	       o->kind == CLI_OPT_CHOICE;
}

/* A field must not break the format: tabs and newlines become spaces. */
static void put_field(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' ? ' ' : *s);
}

/* LONG<TAB>SHORT<TAB>VALUE<TAB>HELP */
static void print_option(const cli_option *o, void *data)
{
	(void)data;
	if (o->long_name)
		printf("--%s%s", o->long_name, takes_value(o) ? "=" : "");
	putchar('\t');
	if (o->short_name)
		printf("-%c", o->short_name);
	putchar('\t');
	if (o->argh)
		put_field(o->argh);
	else if (o->kind == CLI_OPT_CHOICE)
		for (size_t k = 0; o->choices[k]; k++)
			printf("%s%s", k ? "|" : "", o->choices[k]);
	else if (takes_value(o))
		put_field("VALUE");
	putchar('\t');
	put_field(o->help);
	putchar('\n');
}

typedef struct {
	const char *name; /* "--strategy", "--strategy=" or "-s" */
	const cli_option *found;
} option_query;

static void match_option(const cli_option *o, void *data)
{
	option_query *q = data;
	const char *n = q->name;
	size_t len;

	if (q->found)
		return;
	if (n[0] == '-' && n[1] == '-') {
		n += 2;
		len = strcspn(n, "=");
		if (o->long_name && strlen(o->long_name) == len &&
		    !strncmp(o->long_name, n, len))
			q->found = o;
	} else if (n[0] == '-' && n[1] && !n[2] && o->short_name == n[1]) {
		q->found = o;
	}
}

static const cli_command *command_arg(const char *name)
{
	const cli_command *c = cli_find_command(name);
	if (!c)
		cli_unknown_command(name);
	return c;
}

int cmd_completion(int argc, char **argv)
{
	const cli_command *self = cli_find_command("completion"), *c;
	int n = cli_parse_options(self, NULL, argc, argv);

	if (n < 0)
		return cli_parse_exit(n);
	if (n == 1 && !strcmp(argv[1], "commands")) {
		for (c = cli_commands; c->name; c++)
			if (!c->hidden)
				printf("%s\t%s\n", c->name, c->summary);
		return EXIT_CLEAN;
	}
	if (n == 2 && !strcmp(argv[1], "options")) {
		if (!(c = command_arg(argv[2])))
			return EXIT_FATAL;
		cli_options_each(c, print_option, NULL);
		return EXIT_CLEAN;
	}
	if (n == 3 && !strcmp(argv[1], "values")) {
		option_query q = { argv[3], NULL };
		if (!(c = command_arg(argv[2])))
			return EXIT_FATAL;
		cli_options_each(c, match_option, &q);
		if (!q.found)
			return cli_usage_error(self, "'%s' has no option '%s'", c->name, argv[3]);
		for (size_t k = 0; q.found->choices && q.found->choices[k]; k++)
			printf("%s\n", q.found->choices[k]);
		return EXIT_CLEAN;
	}
	return cli_usage_error(self, "say 'commands', 'options COMMAND' or "
			       "'values COMMAND OPTION'");
}
