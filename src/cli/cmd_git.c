/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_git: the two commands git itself runs: `merge-driver` (the head
 * lockfile's merge driver, include/gmf/driver.h) and `hook` (what the
 * installed hook shims run, include/gmf/hooks.h).  Both only parse their
 * arguments and print what the library reports.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/driver.h"
#include "gmf/error.h"
#include "gmf/hooks.h"
#include "gmf/path.h"

typedef struct {
	int unused;
} no_opts;

const cli_option cli_driver_options[] = { CLI_END };
const cli_option cli_hook_options[] = { CLI_END };

/* A conflict marker's label from git, or NULL for the default: not
 * given, the placeholder itself (git before 2.44), or not one line. */
static const char *marker_label(const char *arg, const char *placeholder)
{
	if (!*arg || !strcmp(arg, placeholder) || strpbrk(arg, "\n\r") || strlen(arg) > 200)
		return NULL;
	return arg;
}

int cmd_merge_driver(int argc, char **argv)
{
	const char *off = getenv("GIT_MIGRATE_FIX_DRIVER");
	gmf_driver_in in;
	no_opts o;
	char *cwd, *why = NULL;
	int rc, n;

	/* git passes file names, which may look like options: only a lone
	 * -h/--help is one */
	memset(&o, 0, sizeof(o));
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		n = cli_parse_options(cli_find_command("merge-driver"), &o, argc, argv);
		return n == CLI_PARSE_HELP ? 0 : 2;
	}
	if (argc < 4) {
		cli_error("usage: git-migrate-fix merge-driver %%O %%A %%B [%%L [%%P [%%S %%X %%Y]]]");
		return 2; /* git treats it as a conflict */
	}
	memset(&in, 0, sizeof(in));
	in.base = argv[1];
	in.ours = argv[2];
	in.theirs = argv[3];
	in.marker_size = argc > 4 ? atoi(argv[4]) : 7;
	/* %S %X %Y (argv 6-8) are git 2.44's; an older git passes them as
	 * they are written */
	in.label_ours = argc > 7 ? marker_label(argv[7], "%X") : NULL;
	in.label_theirs = argc > 8 ? marker_label(argv[8], "%Y") : NULL;
	in.switched_off = off && (!strcmp(off, "0") || !strcmp(off, "off") || !strcmp(off, "false"));
	in.cwd = cwd = gmf_path_cwd();
	rc = gmf_driver_run(&in, &why);
	if (rc && why && !in.switched_off)
		cli_warning("the head lockfile is left as a conflict: %s", why);
	free(why);
	free(cwd);
	return rc;
}

int cmd_hook(int argc, char **argv)
{
	gmf_hook_report rep = GMF_HOOK_REPORT_INIT;
	no_opts o;
	int rc, n;

	memset(&o, 0, sizeof(o));
	if ((n = cli_parse_options(cli_find_command("hook"), &o, argc, argv)) < 0)
		return cli_parse_exit(n);
	argc = n + 1;
	if (argc < 2)
		return cli_usage_error(cli_find_command("hook"), "which hook?");
	if (!strcmp(argv[1], "arm")) {
		/* git runs it as a clean filter: the content passes unchanged */
		char buf[8192];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), stdin)) > 0)
			if (fwrite(buf, 1, got, stdout) != got)
				return 1;
		if (fflush(stdout) != 0)
			return 1;
	}
	rc = gmf_hook_run(&rep, argv[1], argc - 2, argv + 2);
	cli_put_relative(stdout, rep.out.buf);
	cli_put_relative(stderr, rep.err.buf);
	gmf_hook_report_release(&rep);
	if (rc < 0)
		return cli_usage_error(cli_find_command("hook"), "%s", gmf_error_last());
	return 0;
}
