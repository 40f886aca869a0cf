/* cli/main: the table of subcommands and the entry point. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/repo.h"

#ifndef GMF_VERSION
#define GMF_VERSION "0.1.0"
#endif

static const char *const check_usage[] = {
	"usage: git migrate-fix check [--format=text|json|github] [-v] [--naming=MODE]",
	"                             [--dir PATH]... [-c FILE] [-n SECTION]",
	"",
	"Reads every migration (without running Python) and judges the revision",
	"graph: duplicate ids, missing parents or dependencies, more than one head",
	"or root per branch, cycles, file names that disagree with the revision,",
	"stale docstring headers, shared sequence numbers.",
	"",
	"    --format=FMT     text (default), json (schema in docs/json-schema.md),",
	"                     github (workflow annotations)",
	"    -v, --verbose    also say where the migrations were found and list heads",
	"    --naming=MODE    how file names follow revisions: auto (default),",
	"                     stem, prefix, contains, none",
	"    -d, --dir PATH   read this versions directory (repeatable); skips",
	"                     alembic.ini discovery",
	"    -c, --config F   use this alembic.ini",
	"    -n, --name S     only this alembic.ini section",
	"    --no-cache       read every file, and leave the parse cache alone",
	"                     (any command that reads migrations takes it)",
	"",
	"Files unchanged since an earlier run (same inode, size, mtime and ctime)",
	"come from the parse cache in ~/.cache/git-migrate-fix; -v says how many.",
	"",
	"Exit status: 0 no errors (warnings allowed), 1 errors found,",
	"2 could not run (usage, missing directory, unreadable input).",
	NULL,
};

static const char *const heads_usage[] = {
	"usage: git migrate-fix heads [--format=text|json] [-v] [--dir PATH]... [-c FILE] [-n SECTION]",
	"",
	"Prints the head revisions, one per line, like `alembic heads`.",
	"    -v, --verbose    add the file of each head",
	NULL,
};

static const char *const graph_usage[] = {
	"usage: git migrate-fix graph [--dir PATH]... [-c FILE] [-n SECTION]",
	"",
	"Draws the revision history as a text graph, newest first, marking",
	"heads, branch points, merge points and branch labels.",
	NULL,
};

static const char *const fix_usage[] = {
	"usage: git migrate-fix fix [--dry-run] [--format=text|json] [--strategy=renumber|merge]",
	"                           [--onto REV] [--move REV]... [--mainline REF] [-f]",
	"                           [--dir PATH]... [-c FILE] [-n SECTION]",
	"",
	"Makes every branch with several heads linear again: the migrations the",
	"mainline does not have move after the mainline head, keeping their order.",
	"In a sequence-numbered project they get the next free numbers; files are",
	"renamed and revision, down_revision, depends_on and the docstring's",
	"Revision ID/Revises are rewritten, nothing else.  Changes are staged.",
	"",
	"    --dry-run        print the plan and a diff; change nothing",
	"    --format=json    the plan for tools",
	"    --strategy=merge write a merge migration instead of renumbering",
	"    --onto REV       keep this head; everything else on its branch moves",
	"    --move REV       move REV and what follows it (repeatable)",
	"    --mainline REF   the published branch (default: git config",
	"                     migrate-fix.mainline, origin/HEAD, origin/main, ...)",
	"    -f, --force      move files that have uncommitted changes",
	"    -m MSG           message of the merge migration (--strategy=merge)",
	"",
	"Exit status: 0 done (or nothing to do), 1 refused (nothing changed),",
	"2 could not run.",
	NULL,
};

static const char *const merge_usage[] = {
	"usage: git migrate-fix merge [-m MSG] [--rev-id ID] [--dry-run] [HEADS...]",
	"",
	"Writes a merge migration whose down_revision is the tuple of heads (all",
	"heads of each branch that has several, or the HEADS given), named the",
	"project's way and rendered from its script.py.mako.  Staged in git.",
	NULL,
};

static const char *const undo_usage[] = {
	"usage: git migrate-fix undo [--dry-run] [-f]",
	"",
	"Puts back exactly what the last fix, merge or undo changed.  Refuses",
	"when those files changed since (unless -f).",
	NULL,
};

static const char *const install_usage[] = {
	"usage: git migrate-fix install [--uninstall] [--dir PATH]... [-c FILE]",
	"",
	"Wires this repository so merges, pulls and rebases repair the migration",
	"chain by themselves: the head lockfile (.head in the versions directory)",
	"and its merge driver (git config and .gitattributes), and the hooks",
	"post-merge, pre-commit, post-rewrite and post-commit in the directory git",
	"uses (core.hooksPath honoured; a hook already there is kept and still",
	"runs).  Idempotent.  --uninstall puts back exactly the previous state.",
	NULL,
};

static const char *const driver_usage[] = {
	"usage: git-migrate-fix merge-driver %O %A %B [%L [%P]]",
	"",
	"The head lockfile's merge driver (git runs it; install configures it).",
	"Writes only %A; exit 0 resolved, 1 conflict.  GIT_MIGRATE_FIX_DRIVER=0",
	"turns it into an ordinary conflict.",
	NULL,
};

static const char *const hook_usage[] = {
	"usage: git-migrate-fix hook <post-merge|pre-commit|post-rewrite|post-commit> [ARGS]",
	"",
	"What the installed hook shims run.  Never fails the git command.",
	NULL,
};

static const char *const help_usage[] = {
	"usage: git migrate-fix help [COMMAND]",
	NULL,
};

const cli_command cli_commands[] = {
	{ "check", cmd_check, "judge the migration graph (the CI gate)", check_usage },
	{ "heads", cmd_heads, "print the head revisions", heads_usage },
	{ "graph", cmd_graph, "draw the revision history", graph_usage },
	{ "fix", cmd_fix, "renumber and re-parent so each branch has one head", fix_usage },
	{ "merge", cmd_merge, "write a merge migration for several heads", merge_usage },
	{ "undo", cmd_undo, "put back what the last fix or merge changed", undo_usage },
	{ "install", cmd_install, "wire this repository's merges, pulls and rebases", install_usage },
	{ "merge-driver", cmd_merge_driver, "the head lockfile's merge driver (git runs it)", driver_usage },
	{ "hook", cmd_hook, "what the installed hooks run", hook_usage },
	{ "help", cmd_help, "show help for a command", help_usage },
	{ NULL, NULL, NULL, NULL },
};

const cli_command *cli_find_command(const char *name)
{
	for (const cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void main_usage(FILE *out)
{
	fprintf(out, "usage: git migrate-fix [--version] [--help] <command> [<args>]\n\n");
	fprintf(out, "Keeps Alembic migration chains linear across merges and rebases.\n\n");
	fprintf(out, "Commands:\n");
	for (const cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "    %-13s %s\n", c->name, c->summary);
	fprintf(out, "\n`git migrate-fix help <command>` shows a command's options;"
		" `man git-migrate-fix` the manual.\n");
}

int cmd_help(int argc, char **argv)
{
	const cli_command *c;
	if (argc < 2) {
		main_usage(stdout);
		return EXIT_CLEAN;
	}
	c = cli_find_command(argv[1]);
	if (!c)
		return cli_usage_error(NULL, "no such command '%s'; see `git migrate-fix help`",
				       argv[1]);
	cli_print_usage(stdout, c);
	return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	const cli_command *c;
	int rc;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_FATAL;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("git-migrate-fix %s\n", GMF_VERSION);
		return EXIT_CLEAN;
	}
	c = cli_find_command(argv[1]);
	if (!c) {
		cli_error("'%s' is not a git-migrate-fix command; see `git migrate-fix --help`",
			  argv[1]);
		return EXIT_FATAL;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_print_usage(stdout, c);
			return EXIT_CLEAN;
		}
	}
	gmf_repo_global_init();
	rc = c->fn(argc - 1, argv + 1);
	gmf_repo_global_shutdown();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write to standard output");
		return EXIT_FATAL;
	}
	return rc;
}
