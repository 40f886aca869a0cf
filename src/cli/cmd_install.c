/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_install: `git migrate-fix install [--uninstall] [--global]`: parses the
 * options, runs the install workflow (include/gmf/install.h) and prints
 * its report.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/install.h"

typedef struct {
	cli_discovery d;
	int uninstall;
	int global;
} install_opts;

const cli_option cli_install_options[] = {
	CLI_FLAG(0, "uninstall", install_opts, uninstall,
		 "take out exactly what install put in, and put back the hooks it moved aside"),
	CLI_FLAG(0, "global", install_opts, global,
		 "in your global git configuration: every clone whose .gitattributes names the "
		 "driver repairs, with no step per clone"),
	CLI_DISCOVERY(install_opts, d),
	CLI_END,
};

int cmd_install(int argc, char **argv)
{
	install_opts o;
	gmf_install_result res = GMF_INSTALL_RESULT_INIT;
	cli_context ctx;
	int n, rc;

	memset(&o, 0, sizeof(o));
	if ((n = cli_parse_options(cli_find_command("install"), &o, argc, argv)) < 0)
		return cli_parse_exit(n);
	if (o.global) {
		/* no repository, no project: the user's configuration only */
		rc = o.uninstall ? gmf_install_global_remove(&res) : gmf_install_global(&res);
		cli_put_safe(stdout, res.report.buf, res.report.len);
		rc = rc < 0 ? cli_fail(rc) : EXIT_CLEAN;
		gmf_install_result_release(&res);
		goto out_opts;
	}
	if ((rc = cli_context_open(&ctx, &o.d, 1)) != 0)
		goto out_opts;
	rc = o.uninstall ? gmf_install_remove(&res, &ctx) : gmf_install_run(&res, &ctx);
	if (ctx.lock_note)
		cli_print_notes(ctx.lock_note);
	cli_put_safe(stdout, res.report.buf, res.report.len);
	if (rc < 0)
		rc = cli_fail(rc == GMF_EUSAGE ? GMF_ERROR : rc);
	else
		rc = EXIT_CLEAN;
	gmf_install_result_release(&res);
	cli_context_release(&ctx);
out_opts:
	cli_options_release(cli_install_options, &o);
	return rc;
}
