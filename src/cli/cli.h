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
#include "gmf/txn.h"

/* Exit statuses (documented in the man page, EXIT STATUS). */
enum {
	EXIT_CLEAN = 0,
	EXIT_FINDINGS = 1, /* check: errors found; fix: refused */
	EXIT_FATAL = 2,    /* could not run: usage, missing input, I/O */
};

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *const *usage; /* NULL-terminated lines */
} cli_command;

extern const cli_command cli_commands[];
const cli_command *cli_find_command(const char *name);

/* Messages: "git-migrate-fix: ..." on stderr.  With cli_quiet_errors set,
 * cli_error only keeps the message in cli_last_error. */
extern int cli_quiet_errors;
extern char cli_last_error[512];
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes n bytes of s with control characters escaped (\\xNN). */
void cli_put_safe(FILE *out, const char *s, size_t n);
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_print_usage(FILE *out, const cli_command *cmd);

/* Colour on a terminal unless NO_COLOR is set or TERM is dumb. */
int cli_use_color(FILE *f);

/* The options every command that reads migrations accepts. */
typedef struct {
	const char **dirs;
	size_t ndirs;
	const char *config;
	const char *name;
	const char *naming;
	const char *format;
	int verbose;
	int no_cache;            /* --no-cache */
} cli_discovery;

/*
 * Tries argv[*i] (and maybe argv[*i + 1]) as a discovery/format option.
 * Returns 1 when consumed (advancing *i as needed), 0 when not one of
 * ours, -1 on a usage error (already reported).
 */
int cli_parse_common(const cli_command *cmd, cli_discovery *d, int argc,
		     char **argv, int *i);
/* For commands that take only those options: parses all of argv; 0, or
 * the exit status of a usage error (already reported). */
int cli_parse_all_common(const cli_command *cmd, cli_discovery *d, int argc,
			 char **argv);
/* Matches --opt VALUE / --opt=VALUE; sets *val. -1 when VALUE is missing. */
int cli_opt_value(const char *opt, int argc, char **argv, int *i,
		  const char **val);

typedef struct {
	gmf_repo *repo;        /* NULL outside git */
	gmf_project project;
	gmf_graph **graphs;    /* one per script */
	gmf_load_opts *loads;  /* how each was read (files, from the cache) */
	gmf_naming naming;
} cli_context;

/* Opens repo, discovers, loads every script. Prints errors itself;
 * returns 0 or an exit status. */
int cli_context_load(cli_context *ctx, const cli_discovery *d);
void cli_context_release(cli_context *ctx);
/* Path for display: relative to the current directory. Caller frees. */
char *cli_display_path(const cli_context *ctx, const char *abs);

/* Adds an op rewriting the script's head lockfile (when it exists and
 * does not already name exactly these heads); 1 when added. */
int cli_lockfile_op(cli_context *ctx, const gmf_script *sc, const char *const *heads,
		    size_t n, gmf_txn_op **ops, size_t *nops);
/* The journal directory: <git dir>/migrate-fix, or .git-migrate-fix. */
char *cli_state_dir(const cli_context *ctx);
/* Rolls back (or completes) an interrupted run; 0 nothing to do, -1
 * something was done (reload), >0 an exit status.  *completed: see
 * gmf_txn_recover. */
int cli_recover(cli_context *ctx, gmf_txn *t, char **completed);
/* Writes merge migrations (`merge`, `fix --strategy=merge`). heads NULL:
 * every branch with several heads. */
int cli_merge_heads(const cli_discovery *d, const char *message, const char *rev_id,
		    const char *const *heads, size_t nheads, int dry_run);

/* What a fix did, for the hooks (caller frees onto and description). */
typedef struct {
	int changed;
	size_t nmoving, nrenamed;
	char *onto;
	char *description;
} cli_fix_result;
/* `fix` with its argv; res (may be NULL) receives what it did. */
int cli_fix(int argc, char **argv, cli_fix_result *res);

int cmd_check(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_merge_driver(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_heads(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
