/* cli/cmd_heads: `git migrate-fix heads`, like `alembic heads`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/strbuf.h"

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
	const cli_command *cmd = cli_find_command("heads");
	cli_discovery d;
	cli_context ctx;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int json = 0, rc;

	if ((rc = cli_parse_all_common(cmd, &d, argc, argv)) != 0)
		return rc;
	if (d.format && !strcmp(d.format, "json"))
		json = 1;
	else if (d.format && strcmp(d.format, "text")) {
		free(d.dirs);
		return cli_usage_error(cmd, "unknown format '%s' (text, json)", d.format);
	}
	rc = cli_context_load(&ctx, &d);
	free(d.dirs);
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
				if (d.verbose)
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
