/* SPDX-License-Identifier: MIT */
/*
 * cli: the command-line layer.  The only code that prints, reads argv, and
 * turns library error codes into messages and exit statuses.
 */
#ifndef GMF_CLI_H
#define GMF_CLI_H

#include <stdio.h>

#include "gmf/graph.h"
#include "gmf/project.h"
#include "gmf/repo.h"
#include "gmf/journal.h"
#include "gmf/workspace.h"

#include "options.h"

/* Exit statuses (documented in the man page, EXIT STATUS). */
enum {
	EXIT_CLEAN = 0,
	EXIT_FINDINGS = 1, /* check: errors found; fix: refused */
	EXIT_FATAL = 2,    /* could not run: usage, missing input, I/O */
};

/*
 * A subcommand.  A converted command has an option table and its usage is
 * generated from it (options.h); one not converted yet keeps its usage
 * line array and parses argv itself (cli_parse_common below).
 */
struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *const *usage;    /* not converted: NULL-terminated lines */
	const cli_option *options;   /* converted: ends with CLI_END */
	const char *args;            /* the arguments in the synopsis: "[COMMAND]" */
	int max_args;                /* 0 none, or CLI_ARGS_ANY */
	int stop_at_arg;             /* the first argument ends the options */
	const char *description;     /* paragraphs (blank-line separated) */
	const char *exit_status;     /* after "Exit status: " */
	int hidden;                  /* runs, but not listed: for tools, not people */
};

extern const cli_command cli_commands[];
/* main's own options (--version, -h/--help) before the command. */
extern const cli_command cli_main_command;
const cli_command *cli_find_command(const char *name);
/* `'NAME' is not a git-migrate-fix command`, the most similar ones; 2. */
int cli_unknown_command(const char *name);

/* The option tables of the converted commands (in their cmd_*.c). */
extern const cli_option cli_check_options[];
extern const cli_option cli_heads_options[];
extern const cli_option cli_graph_options[];

/*
 * The exit status for a library error code (include/gmf/error.h): 0 for
 * success, 1 for a refusal or a state that changed under us (nothing was
 * done), 2 for everything that kept the command from running.
 */
int cli_exit_status(int gmf_code);

/* Messages: "git-migrate-fix: ..." on stderr.  With cli_quiet_errors set,
 * cli_error only keeps the message in cli_last_error. */
extern int cli_quiet_errors;
extern char cli_last_error[512];
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes text with the current directory's paths shown relative to it,
 * control characters escaped. */
void cli_put_relative(FILE *out, const char *text);
/* Writes n bytes of s with control characters escaped (\\xNN). */
void cli_put_safe(FILE *out, const char *s, size_t n);
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_print_usage(FILE *out, const cli_command *cmd);

/* Colour on a terminal unless NO_COLOR is set or TERM is dumb. */
int cli_use_color(FILE *f);

/* The options every command that reads migrations accepts (filled by
 * CLI_DISCOVERY in a table, or by cli_parse_common). */
typedef struct {
	const char **dirs;
	size_t ndirs;
	const char *config;
	const char *name;
	const char *naming;
	const char *format;      /* cli_parse_common; a table declares its own --format */
	int verbose;
	int no_cache;            /* --no-cache */
} cli_discovery;

/*
 * For commands not converted to a table yet.
 * Tries argv[*i] (and maybe argv[*i + 1]) as a discovery/format option.
 * Returns 1 when consumed (advancing *i as needed), 0 when not one of
 * ours, -1 on a usage error (already reported).
 */
int cli_parse_common(const cli_command *cmd, cli_discovery *d, int argc,
		     char **argv, int *i);

/* A project opened for a command (the library's workspace). */
typedef gmf_workspace cli_context;

/* Opens repo, discovers, loads every script. Prints errors itself;
 * returns 0 or an exit status. */
int cli_context_load(cli_context *ctx, const cli_discovery *d);
/* The same, for a command that writes: lock (when lock) is taken before
 * the migrations are read, and every file is read (never the parse
 * cache), a dry run too, so that it shows what the run would do. */
int cli_context_open(cli_context *ctx, const cli_discovery *d, int lock);
void cli_context_release(cli_context *ctx);
/* Path for display: relative to the current directory. Caller frees. */
char *cli_display_path(const cli_context *ctx, const char *abs);
/* Prints a library error (and its hint lines) and returns its exit
 * status. */
int cli_fail(int gmf_code);
/* Prints the lock and recovery notes of a workflow, one per line. */
void cli_print_notes(const char *notes);

/* The option tables of the workflow commands (in their cmd_*.c). */
extern const cli_option cli_fix_options[];
extern const cli_option cli_merge_options[];
extern const cli_option cli_undo_options[];
extern const cli_option cli_hook_options[];
extern const cli_option cli_driver_options[];
extern const cli_option cli_install_options[];
extern const cli_option cli_sync_options[];

int cmd_check(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_merge_driver(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_heads(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_completion(int argc, char **argv);

#endif
