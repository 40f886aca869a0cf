/* SPDX-License-Identifier: MIT */
/* cli/cmd_heads: `git migrate-fix heads`, like `alembic heads`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/strbuf.h"

typedef struct {
	cli_discovery d;
	const char *format;
} heads_opts;

static const char *const formats[] = { "text", "json", NULL };

const cli_option cli_heads_options[] = {
	CLI_CHOICE(0, "format", NULL, formats, heads_opts, format,
		   "text (default, as alembic prints them) or json"),
	CLI_COUNT('v', "verbose", heads_opts, d.verbose, "add the file of each head"),
	CLI_DISCOVERY(heads_opts, d),
	CLI_END,
};

/* "a,b" -> "a, b" as Alembic prints label lists. */
static void add_labels(gmf_strbuf *sb, const char *labels)
{
	for (; *labels; labels++) {
		if (*labels == ',')
			gmf_strbuf_adds(sb, ", ");
		else
			gmf_strbuf_addch(sb, *labels);
	}
}

int cmd_heads(int argc, char **argv)
{
	heads_opts o = { .format = "text" };
	cli_context ctx;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int json, rc;

	rc = cli_parse_options(cli_find_command("heads"), &o, argc, argv);
	if (rc < 0)
		return cli_parse_exit(rc);
	json = !strcmp(o.format, "json");
	rc = cli_context_load(&ctx, &o.d);
	cli_options_release(cli_heads_options, &o);
	if (rc)
		return rc;
	if (json)
		gmf_strbuf_adds(&sb, "{\"version\":1,\"scripts\":[");
	for (size_t s = 0; s < ctx.project.nscripts; s++) {
		gmf_graph *g = ctx.graphs[s];
		size_t *heads, n = gmf_graph_heads(g, &heads);
		if (json) {
			if (s)
				gmf_strbuf_addch(&sb, ',');
			gmf_strbuf_adds(&sb, "{\"name\":");
			gmf_strbuf_add_json(&sb, ctx.project.scripts[s].name);
			gmf_strbuf_adds(&sb, ",\"heads\":[");
		}
		for (size_t k = 0; k < n; k++) {
			gmf_node *nd = gmf_graph_node(g, heads[k]);
			char *labels = gmf_graph_branch_labels(g, heads[k]);
			char *rel = cli_display_path(&ctx, nd->mig.path);
			if (json) {
				if (k)
					gmf_strbuf_addch(&sb, ',');
				gmf_strbuf_adds(&sb, "{\"revision\":");
				gmf_strbuf_add_json(&sb, nd->id);
				gmf_strbuf_adds(&sb, ",\"path\":");
				gmf_strbuf_add_json(&sb, rel);
				gmf_strbuf_adds(&sb, ",\"branch_labels\":[");
				for (char *p = labels, *e; *p; p = e + (*e != 0)) {
					e = p + strcspn(p, ",");
					char *one = gmf_xstrndup(p, (size_t)(e - p));
					if (p != labels)
						gmf_strbuf_addch(&sb, ',');
					gmf_strbuf_add_json(&sb, one);
					free(one);
				}
				gmf_strbuf_adds(&sb, "]}");
			} else {
				gmf_strbuf_adds(&sb, nd->id);
				if (*labels) {
					gmf_strbuf_adds(&sb, " (");
					add_labels(&sb, labels);
					gmf_strbuf_addch(&sb, ')');
				}
				gmf_strbuf_adds(&sb, " (head)");
				if (o.d.verbose)
					gmf_strbuf_addf(&sb, "\t%s", rel);
				gmf_strbuf_addch(&sb, '\n');
			}
			free(labels);
			free(rel);
		}
		if (json)
			gmf_strbuf_adds(&sb, "]}");
		free(heads);
	}
	if (json)
		gmf_strbuf_adds(&sb, "]}\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
	cli_context_release(&ctx);
	return EXIT_CLEAN;
}
