/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_undo: `git migrate-fix undo`: parses the options, runs the undo
 * workflow (include/gmf/undo.h) and prints what it put back.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/undo.h"

typedef struct {
	cli_discovery d;
	int dry_run, force, abandon, quiet;
} undo_opts;

const cli_option cli_undo_options[] = {
	CLI_FLAG(0, "dry-run", undo_opts, dry_run, "list what would change; change nothing"),
	CLI_FLAG('f', "force", undo_opts, force, "put the old files back even where they changed since"),
	CLI_FLAG(0, "abandon", undo_opts, abandon,
		 "set an interrupted run's journal aside, touching no file (when "
		 "recovery refused because files changed since)"),
	CLI_FLAG('q', "quiet", undo_opts, quiet, "print nothing but errors"),
	CLI_DISCOVERY(undo_opts, d),
	CLI_END,
};

static void print_ops(cli_context *ctx, const gmf_undo_result *res, int dry_run)
{
	for (size_t i = 0; i < res->nops; i++) {
		const gmf_journal_op *op = &res->ops[i];
		char *a = op->old_path ? cli_display_path(ctx, op->old_path) : NULL;
		char *b = op->new_path ? cli_display_path(ctx, op->new_path) : NULL;
		if (a && b && strcmp(a, b))
			printf("  %s %s -> %s\n", dry_run ? "would rename" : "rename", a, b);
		else if (a && b)
			printf("  %s %s\n", dry_run ? "would restore" : "restore", b);
		else if (a)
			printf("  %s %s\n", dry_run ? "would remove" : "remove", a);
		else
			printf("  %s %s\n", dry_run ? "would recreate" : "recreate", b);
		free(a);
		free(b);
	}
}

int cmd_undo(int argc, char **argv)
{
	undo_opts o;
	gmf_undo_opts uo;
	gmf_undo_result res;
	cli_context ctx;
	int n, rc;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	if ((n = cli_parse_options(cli_find_command("undo"), &o, argc, argv)) < 0)
		return cli_parse_exit(n);
	if ((rc = cli_context_open(&ctx, &o.d, !o.dry_run)) != 0)
		goto out_opts;
	memset(&uo, 0, sizeof(uo));
	uo.dry_run = o.dry_run;
	uo.force = o.force;
	uo.abandon = o.abandon;
	rc = gmf_undo_run(&res, &ctx, &uo);
	if (res.notes)
		cli_print_notes(res.notes);
	if (rc < 0) {
		rc = cli_fail(rc);
		goto out;
	}
	rc = EXIT_CLEAN;
	if (res.abandoned) {
		char *rel = cli_display_path(&ctx, res.abandoned);
		printf("set the interrupted run aside in '%s'; no file was changed\n", rel);
		free(rel);
		goto out;
	}
	if (res.only_recovered)
		goto out;
	if (o.quiet && !o.dry_run) {
		if (res.warning)
			cli_warning("%s", res.warning);
		goto out;
	}
	print_ops(&ctx, &res, o.dry_run);
	if (o.dry_run) {
		printf("would undo the last %s: %s\n", res.label, res.description + 7);
		goto out;
	}
	if (res.warning)
		cli_warning("%s", res.warning);
	if (res.branch_moved)
		printf("%s; the branch is %s\n", res.description,
		       strncmp(res.description, "redid: ", 7) ? "back at its previous commit"
							: "at the repair's commit again");
	else
		printf("%s%s\n", res.description, ctx.repo ? " (staged)" : "");
out:
	gmf_undo_result_release(&res);
	cli_context_release(&ctx);
out_opts:
	cli_options_release(cli_undo_options, &o);
	return rc;
}
