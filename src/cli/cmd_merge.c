/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_merge: `git migrate-fix merge`: parses the options, runs the
 * merge-migration workflow (include/gmf/mergemig.h) and prints the file
 * it wrote.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/mergemig.h"

typedef struct {
	cli_discovery d;
	int dry_run;
	const char *message, *rev_id;
} merge_opts;

const cli_option cli_merge_options[] = {
	CLI_STRING('m', "message", "MSG", merge_opts, message, "the merge migration's message"),
	CLI_STRING(0, "rev-id", "ID", merge_opts, rev_id, "its revision id (default: the project's way)"),
	CLI_FLAG(0, "dry-run", merge_opts, dry_run, "print the file; change nothing"),
	CLI_DISCOVERY(merge_opts, d),
	CLI_END,
};

int cmd_merge(int argc, char **argv)
{
	merge_opts o;
	gmf_mergemig_opts mo;
	gmf_mergemig_result res;
	cli_context ctx;
	const char **heads;
	size_t nheads = 0;
	int n, rc;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	if ((n = cli_parse_options(cli_find_command("merge"), &o, argc, argv)) < 0)
		return cli_parse_exit(n);
	heads = calloc((size_t)n + 1, sizeof(char *));
	if (!heads)
		abort();
	for (int i = 1; i <= n; i++)
		/* `merge heads`, as with alembic: the same as naming none */
		if (strcmp(argv[i], "heads"))
			heads[nheads++] = argv[i];
	if ((rc = cli_context_open(&ctx, &o.d, !o.dry_run)) != 0)
		goto out_opts;
	memset(&mo, 0, sizeof(mo));
	mo.message = o.message;
	mo.rev_id = o.rev_id;
	rc = gmf_mergemig_run(&res, &ctx, &mo, heads, nheads, o.dry_run);
	if (res.notes)
		cli_print_notes(res.notes);
	if (res.warning)
		cli_warning("%s", res.warning);
	if (rc < 0) {
		rc = cli_fail(rc);
		goto out;
	}
	for (size_t s = 0; s < res.nscripts; s++) {
		char *rel;
		if (!res.revs[s])
			continue;
		rel = cli_display_path(&ctx, res.paths[s]);
		printf("%s %s (revision %s, merging", o.dry_run ? "would write" : "wrote", rel,
		       res.revs[s]);
		for (size_t k = 0; k < res.nmerged[s]; k++)
			printf("%s %s", k ? "," : "", res.merged[s][k]);
		printf(")\n");
		if (o.dry_run)
			fwrite(res.contents[s], 1, res.lens[s], stdout);
		free(rel);
	}
	if (!res.nwritten)
		printf("nothing to merge: every branch has one head\n");
	else if (!o.dry_run)
		printf("%s; undo with `git migrate-fix undo`\n", ctx.repo ? "staged" : "done");
	rc = EXIT_CLEAN;
out:
	gmf_mergemig_result_release(&res);
	cli_context_release(&ctx);
out_opts:
	free(heads);
	cli_options_release(cli_merge_options, &o);
	return rc;
}
