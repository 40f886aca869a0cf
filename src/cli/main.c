/* SPDX-License-Identifier: MIT */
/* cli/main: the table of subcommands and the entry point. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/repo.h"

/* The one version source is the VERSION file; the Makefile passes it. */
#ifndef GMF_VERSION
#error "GMF_VERSION is not defined: build with the Makefile (it reads VERSION)"
#endif

/*
 * Two kinds of entry: a command converted to an option table (usage NULL,
 * options, description, exit_status; see options.h) and one still
 * parsing by hand with its usage lines.
 */
const cli_command cli_commands[] = {
	{ .name = "check", .fn = cmd_check,
	  .summary = "judge the migration graph (the CI gate)",
	  .options = cli_check_options,
	  .description =
		"Reads every migration (without running Python) and judges the revision "
		"graph: duplicate ids, missing parents or dependencies, more than one head "
		"or root per branch, cycles, file names that disagree with the revision, "
		"stale docstring headers, shared sequence numbers.\n\n"
		"Files unchanged since an earlier run (same inode, size, mtime and ctime) "
		"come from the parse cache in ~/.cache/git-migrate-fix; -v says how many.",
	  .exit_status = "0 no errors (warnings allowed), 1 errors found, 2 could not "
		"run (usage, missing directory, unreadable input)." },
	{ .name = "heads", .fn = cmd_heads, .summary = "print the head revisions",
	  .options = cli_heads_options,
	  .description = "Prints the head revisions, one per line, like `alembic heads`.",
	  .exit_status = "0, or 2 when it could not run." },
	{ .name = "graph", .fn = cmd_graph, .summary = "draw the revision history",
	  .options = cli_graph_options,
	  .description = "Draws the revision history as a text graph, newest first, "
		"marking heads, branch points, merge points and branch labels.",
	  .exit_status = "0, or 2 when it could not run." },
	{ .name = "fix", .fn = cmd_fix, .summary = "renumber and re-parent so each branch has one head",
	  .options = cli_fix_options,
	  .description = "Makes every branch with several heads linear again: the migrations "
		"nobody else has (not on the mainline, a remote-tracking branch or a tag) move "
		"after the published head, keeping their order.  In a sequence-numbered project "
		"they get the next free numbers; files are renamed and revision, down_revision, "
		"depends_on and the docstring's Revision ID/Revises are rewritten, nothing else.  "
		"A project whose convention is merge migrations (merge migrations and generated "
		"ids in its tree; see -v) gets one, as does migrate-fix.strategy=merge; where no "
		"move is safe and the tree has a merge migration it writes one too, else it "
		"refuses and says what to run.  Changes are staged.",
	  .exit_status = "0 done (or nothing to do), 1 refused (nothing changed), 2 could "
		"not run." },
	{ .name = "merge", .fn = cmd_merge, .summary = "write a merge migration for several heads",
	  .options = cli_merge_options, .args = "[HEADS...]", .max_args = CLI_ARGS_ANY,
	  .description = "Writes a merge migration whose down_revision is the tuple of heads "
		"(all heads of each branch that has several, or the HEADS given), named the "
		"project's way and rendered from its script.py.mako.  Staged in git.",
	  .exit_status = "0 done (or nothing to merge), 1 refused, 2 could not run." },
	{ .name = "undo", .fn = cmd_undo, .summary = "put back what the last fix or merge changed",
	  .options = cli_undo_options,
	  .description = "Puts back exactly what the last fix, merge or undo changed, and the "
		"branch where a hook had recorded the repair in a commit.  Refuses when those "
		"files changed since (unless -f).  --abandon sets aside an interrupted run that "
		"recovery would not touch because its files changed since.",
	  .exit_status = "0 done, 1 refused (nothing changed), 2 could not run." },
	{ .name = "install", .fn = cmd_install, .summary = "wire this repository's merges, pulls and rebases",
	  .options = cli_install_options,
	  .description = "Wires this repository so merges, pulls and rebases repair the migration "
		"chain by themselves: the head lockfile (.head in the versions directory) and its "
		"merge driver (git config and .gitattributes), and the hooks post-merge, "
		"pre-commit, post-rewrite, post-applypatch and post-commit in the directory git uses "
		"(core.hooksPath honoured; a hook already there is kept and still runs).  One "
		"journaled change: a run stopped anywhere is rolled back by the next one.  "
		"Idempotent.  --uninstall takes out exactly what install added.  --global writes "
		"the merge driver into your global git configuration instead, armed on demand: "
		"every clone whose .gitattributes names it repairs with no step in that clone.",
	  .exit_status = "0 done, 1 refused (not installed, a hook in the way, a global key set "
		"to something else), 2 could not run." },
	{ .name = "sync", .fn = cmd_sync, .summary = "bring the branch up to date with its base, repaired (CI)",
	  .options = cli_sync_options,
	  .description = "Brings the current branch up to date with its base (--base, else the "
		"remote's default branch) so that a hosted merge, which runs no merge driver, goes "
		"through: fetches the base and the history the merge needs (also in a shallow "
		"clone), merges it in (or rebases onto it with --rebase) with the hooks and the "
		"driver kept out, repairs the migrations in-process (the base's never move; the "
		"branch's own go after the base's head) and records a merge commit with both "
		"parents, made and signed by git, whose message says what moved where.  The "
		"branch's own remote-tracking branch does not count as publishing its migrations.  "
		"Nothing to do (up to date, or no fork of the migration graph): no commit.  "
		"A conflict in any other file: the merge is aborted and the files named.  --push "
		"pushes to the upstream (--force-with-lease after --rebase).",
	  .exit_status = "0 done or nothing to do, 1 a conflict or no safe repair (nothing "
		"changed, nothing pushed), 2 could not run." },
	{ .name = "merge-driver", .fn = cmd_merge_driver, .summary = "the head lockfile's merge driver (git runs it)",
	  .options = cli_driver_options, .args = "%O %A %B [%L [%P [%S %X %Y]]]", .max_args = 8,
	  .stop_at_arg = 1,
	  .description = "The head lockfile's merge driver (git runs it; install configures it).  "
		"Writes only %A.  GIT_MIGRATE_FIX_DRIVER=0 turns it into an ordinary conflict, "
		"its markers labelled as git labels its own (%X, %Y: git 2.44 and later; "
		"\"ours\" and \"theirs\" before).",
	  .exit_status = "0 resolved, 1 conflict (git shows it as one)." },
	{ .name = "hook", .fn = cmd_hook, .summary = "what the installed hooks run",
	  .options = cli_hook_options, .args = "<post-merge|pre-commit|post-rewrite|post-applypatch|post-commit> [ARGS]",
	  .max_args = CLI_ARGS_ANY, .stop_at_arg = 1,
	  .description = "What the installed hook shims run.  Never fails the git command.",
	  .exit_status = "0, or 2 for an unknown hook." },
	{ .name = "help", .fn = cmd_help, .summary = "show help for a command",
	  .args = "[COMMAND]", .max_args = 1,
	  .description = "Shows the options of COMMAND, or the list of commands.",
	  .exit_status = "0, or 2 for an unknown command." },
	{ .name = "completion", .fn = cmd_completion, .hidden = 1,
	  .summary = "the words the shell completion offers",
	  .args = "commands | options COMMAND | values COMMAND OPTION", .max_args = 3,
	  .stop_at_arg = 1,
	  .description = "What the bash and zsh completion scripts (contrib/completion/) "
		"offer, read from the same tables as the usage, so they cannot drift: "
		"`commands` prints NAME<TAB>SUMMARY for each command; `options COMMAND` "
		"prints LONG<TAB>SHORT<TAB>VALUE<TAB>HELP for each option of COMMAND "
		"(LONG ends in = when the option takes a value; empty fields where it "
		"has no such name or value); `values COMMAND OPTION` prints the values "
		"OPTION accepts, when it has a fixed set.  Not listed by --help: it is "
		"for the scripts.",
	  .exit_status = "0, or 2 for an unknown command or option." },
	{ .name = NULL },
};

typedef struct {
	int version, help;
} main_opts;

static const cli_option main_options[] = {
	CLI_FLAG(0, "version", main_opts, version, "print the version"),
	CLI_FLAG('h', "help", main_opts, help, "list the commands"),
	CLI_END,
};

const cli_command cli_main_command = {
	.options = main_options, .args = "<command> [<args>]", .stop_at_arg = 1,
	.description = "Keeps Alembic migration chains linear across merges and rebases.",
};

const cli_command *cli_find_command(const char *name)
{
	for (const cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int cli_unknown_command(const char *name)
{
	const char *names[32], *close[4];
	size_t n = 0, nclose;

	for (const cli_command *c = cli_commands; c->name && n < 32; c++)
		if (!c->hidden)
			names[n++] = c->name;
	nclose = cli_similar(close, 4, name, names, n);
	cli_error("'%s' is not a git-migrate-fix command; see 'git migrate-fix --help'", name);
	if (nclose) {
		fprintf(stderr, "\nThe most similar command%s\n",
			nclose == 1 ? " is" : "s are");
		for (size_t k = 0; k < nclose; k++)
			fprintf(stderr, "\t%s\n", close[k]);
	}
	return EXIT_FATAL;
}

int cmd_help(int argc, char **argv)
{
	const cli_command *c;
	int n = cli_parse_options(cli_find_command("help"), NULL, argc, argv);

	if (n < 0)
		return cli_parse_exit(n);
	if (n == 0) {
		cli_print_usage(stdout, &cli_main_command);
		return EXIT_CLEAN;
	}
	c = cli_find_command(argv[1]);
	if (!c)
		return cli_unknown_command(argv[1]);
	cli_print_usage(stdout, c);
	return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	main_opts o = { 0, 0 };
	const cli_command *c;
	int n, rc;

	if (argc < 2) {
		cli_print_usage(stderr, &cli_main_command);
		return EXIT_FATAL;
	}
	n = cli_parse_options(&cli_main_command, &o, argc, argv);
	if (n < 0)
		return cli_parse_exit(n);
	if (o.help) {
		cli_print_usage(stdout, &cli_main_command);
		return EXIT_CLEAN;
	}
	if (o.version) {
		printf("git-migrate-fix %s\n", GMF_VERSION);
		return EXIT_CLEAN;
	}
	if (n == 0) {
		cli_print_usage(stderr, &cli_main_command);
		return EXIT_FATAL;
	}
	/* argv[1..n] is now the command and its arguments */
	c = cli_find_command(argv[1]);
	if (!c)
		return cli_unknown_command(argv[1]);
	/* a converted command answers -h itself, knowing which words are
	 * option values; the others get their usage here */
	for (int i = 2; c->usage && i <= n; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_print_usage(stdout, c);
			return EXIT_CLEAN;
		}
	}
	gmf_repo_global_init();
	rc = c->fn(n, argv + 1);
	gmf_repo_global_shutdown();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write to standard output");
		return EXIT_FATAL;
	}
	return rc;
}
