/* SPDX-License-Identifier: MIT */
/*
 * cli/options: a command's options as a static table, the parser that
 * fills the command's own options struct from argv, and the usage text
 * made from the same table (so `help <command>` needs no code of the
 * command to run).  It reports usage errors itself (on stderr, exit
 * status 2 for the caller to return) and never exits or touches the
 * library.
 *
 * Converting a command (cmd_undo here):
 *
 *	typedef struct {
 *		cli_discovery d;
 *		int dry_run, force;
 *	} undo_opts;
 *
 *	const cli_option cli_undo_options[] = {
 *		CLI_FLAG(0, "dry-run", undo_opts, dry_run, "list what would change; change nothing"),
 *		CLI_FLAG('f', "force", undo_opts, force, "undo even though the files changed since"),
 *		CLI_DISCOVERY(undo_opts, d),
 *		CLI_END,
 *	};
 *
 *	int cmd_undo(int argc, char **argv)
 *	{
 *		undo_opts o = { 0 };
 *		int n = cli_parse_options(cli_find_command("undo"), &o, argc, argv);
 *		if (n < 0)
 *			return cli_parse_exit(n);
 *		... argv[1..n] are the arguments; o.d goes to cli_context_load ...
 *		cli_options_release(cli_undo_options, &o);
 *	}
 *
 * and in main.c's table, instead of the usage line array (declare the
 * table in cli.h next to the others):
 *
 *	{ .name = "undo", .fn = cmd_undo, .summary = "...",
 *	  .options = cli_undo_options, .description = "Puts back ...",
 *	  .exit_status = "0 done, 1 refused (nothing changed), 2 could not run." },
 *
 * -h/--help, unknown options (with "did you mean"), missing or unknown
 * values and surplus arguments are then handled here.
 */
#ifndef GMF_CLI_OPTIONS_H
#define GMF_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

typedef struct cli_command cli_command;

typedef enum {
	CLI_OPT_END = 0,
	CLI_OPT_FLAG,    /* int, set to 1 */
	CLI_OPT_COUNT,   /* int, one more each time (-vv) */
	CLI_OPT_STRING,  /* const char *, the last one given wins */
	CLI_OPT_LIST,    /* const char **, grown (free with cli_options_release);
			  * its size_t count at .count_offset */
	CLI_OPT_CHOICE,  /* const char *, set to the matching string of .choices */
	CLI_OPT_INCLUDE, /* the entries of .include, their offsets counted from
			  * .offset (a struct inside the command's struct) */
} cli_opt_kind;

/* Flags of an entry. */
enum {
	CLI_OPT_HIDDEN = 1, /* accepted, not shown in the usage */
};

typedef struct cli_option {
	cli_opt_kind kind;
	char short_name;          /* 'd', or 0 */
	const char *long_name;    /* "dir" (without the dashes), or NULL */
	const char *argh;         /* the value in the usage: "PATH" */
	const char *help;
	size_t offset;            /* where the value goes in the options struct */
	size_t count_offset;      /* CLI_OPT_LIST: where its count goes */
	const char *const *choices;       /* CLI_OPT_CHOICE: NULL-terminated */
	const struct cli_option *include; /* CLI_OPT_INCLUDE */
	int flags;
} cli_option;

/*
 * Table entries.  An entry of the command's own table shadows one of an
 * included block with the same long name: that is how a command gives -v
 * its own help text (or hides it with .flags = CLI_OPT_HIDDEN).
 */
#define CLI_FLAG(s, l, type, field, h) \
	{ .kind = CLI_OPT_FLAG, .short_name = (s), .long_name = (l), .help = (h), \
	  .offset = offsetof(type, field) }
#define CLI_COUNT(s, l, type, field, h) \
	{ .kind = CLI_OPT_COUNT, .short_name = (s), .long_name = (l), .help = (h), \
	  .offset = offsetof(type, field) }
#define CLI_STRING(s, l, a, type, field, h) \
	{ .kind = CLI_OPT_STRING, .short_name = (s), .long_name = (l), .argh = (a), \
	  .help = (h), .offset = offsetof(type, field) }
#define CLI_LIST(s, l, a, type, field, nfield, h) \
	{ .kind = CLI_OPT_LIST, .short_name = (s), .long_name = (l), .argh = (a), \
	  .help = (h), .offset = offsetof(type, field), .count_offset = offsetof(type, nfield) }
/* a NULL a shows the choices themselves: --format=text|json */
#define CLI_CHOICE(s, l, a, ch, type, field, h) \
	{ .kind = CLI_OPT_CHOICE, .short_name = (s), .long_name = (l), .argh = (a), \
	  .help = (h), .offset = offsetof(type, field), .choices = (ch) }
#define CLI_INCLUDE(table, type, field) \
	{ .kind = CLI_OPT_INCLUDE, .include = (table), .offset = offsetof(type, field) }
#define CLI_END { .kind = CLI_OPT_END }

/*
 * The options of every command that reads migrations, filling a
 * cli_discovery (cli.h): -d/--dir PATH (repeatable), -c/--config FILE,
 * -n/--name SECTION, --naming=MODE, -v/--verbose, --no-cache.
 * --format is not among them: each command declares the formats it has.
 */
extern const cli_option cli_discovery_options[];
#define CLI_DISCOVERY(type, field) CLI_INCLUDE(cli_discovery_options, type, field)

/* The values of cli_discovery's --naming. */
extern const char *const cli_naming_choices[];

/* cmd->max_args: any number of arguments. */
#define CLI_ARGS_ANY (-1)

/* What cli_parse_options returns when the command must not run. */
enum {
	CLI_PARSE_HELP = -1,  /* -h/--help: the usage went to stdout */
	CLI_PARSE_ERROR = -2, /* a usage error, reported with the usage */
};

/*
 * Parses argv[1..argc) into opts (which the caller has initialised: its
 * defaults stay where no option is given) by cmd->options.  Accepts
 * --opt=value, --opt value, -o value, -ovalue, bundled short flags (-vv),
 * and "--" ending the options; options and arguments may be mixed.
 * Returns the number of arguments, moved to argv[1..n] in their order, or
 * CLI_PARSE_HELP / CLI_PARSE_ERROR (opts then released already).  With cmd->stop_at_arg the first
 * argument ends the options and it and everything after it are the
 * arguments (main uses it: options before the command are main's own).
 */
int cli_parse_options(const cli_command *cmd, void *opts, int argc, char **argv);
/* The exit status for a negative cli_parse_options result. */
int cli_parse_exit(int parsed);
/* Frees what the parser allocated in opts (the lists). */
void cli_options_release(const cli_option *table, void *opts);

/*
 * Calls fn(o, data) for each option a user of cmd can give, in the order
 * the usage lists them: included blocks resolved, shadowed and hidden
 * entries left out.  For the shell completion (cmd_completion.c).
 */
void cli_options_each(const cli_command *cmd,
		      void (*fn)(const cli_option *o, void *data), void *data);

/* The generated usage: synopsis, description, options, exit status. */
void cli_options_usage(FILE *out, const cli_command *cmd);

/*
 * Reports `unknown option 'ARG' for 'CMD'` with git's "did you mean"
 * when a known option is close, then the usage; returns the exit status.
 * For commands still parsing by hand, too (they have no table: the
 * suggestion then comes from the options their usage lines name).
 */
int cli_unknown_option(const cli_command *cmd, const char *arg);

/*
 * The names among names[0..nnames) closest to word, if close enough to
 * be a typo of it (at most max of them, in their order); returns how
 * many.  For "did you mean".
 */
size_t cli_similar(const char **out, size_t max, const char *word,
		   const char *const *names, size_t nnames);

#endif
