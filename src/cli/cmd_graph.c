/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_graph: `git migrate-fix graph`, the history as a text graph.
 *
 * Revisions are emitted newest first (a node only after all its children),
 * depth-first so that a branch stays together, and drawn in lanes the way
 * `git log --graph` does: `*` for the revision, `|` for a lane passing by,
 * `/` where a lane joins the one to its left (a branch point below), `\`
 * where a new lane opens (a merge point's further parents).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/strbuf.h"

#define NONE ((size_t)-1)

typedef struct {
	cli_discovery d;
} graph_opts;

/* The text graph is the only output: no --format.  -v says nothing more,
 * but every command that reads migrations has always taken it. */
const cli_option cli_graph_options[] = {
	{ .kind = CLI_OPT_COUNT, .short_name = 'v', .long_name = "verbose",
	  .offset = offsetof(graph_opts, d.verbose), .flags = CLI_OPT_HIDDEN },
	CLI_DISCOVERY(graph_opts, d),
	CLI_END,
};

typedef struct {
	size_t *v;
	size_t n, alloc;
} vec;

static void vec_push(vec *a, size_t x)
{
	GMF_ALLOC_GROW(a->v, a->n + 1, a->alloc);
	a->v[a->n++] = x;
}

static void vec_insert(vec *a, size_t at, size_t x)
{
	vec_push(a, 0);
	memmove(a->v + at + 1, a->v + at, (a->n - 1 - at) * sizeof(size_t));
	a->v[at] = x;
}

static void vec_remove(vec *a, size_t at)
{
	memmove(a->v + at, a->v + at + 1, (a->n - 1 - at) * sizeof(size_t));
	a->n--;
}

/*
 * A connector row between two revision rows.  Lane k sits in column 2k;
 * lanes from `from` on move one lane left (dir < 0, drawn `/` in column
 * 2k - 1) or right (dir > 0, `\`); lanes before it pass straight down.
 */
static void connector(gmf_strbuf *sb, size_t nlanes, size_t from, int dir)
{
	size_t width = 2 * nlanes + 1, end;
	char *c = gmf_xmalloc(width + 1);
	memset(c, ' ', width);
	for (size_t k = 0; k < nlanes; k++) {
		if (k < from)
			c[2 * k] = '|';
		else if (k > 0)
			c[2 * k - 1] = dir < 0 ? '/' : '\\';
	}
	end = width;
	while (end && c[end - 1] == ' ')
		end--;
	gmf_strbuf_add(sb, c, end);
	gmf_strbuf_addch(sb, '\n');
	free(c);
}

/* The lane x is drawn in: of the lanes waiting for x the leftmost keeps
 * it and the rest join it; a new lane when none waits. */
static size_t take_lane(gmf_strbuf *sb, vec *lanes, size_t x)
{
	size_t col = NONE;

	for (size_t j = 0; j < lanes->n; j++)
		if (lanes->v[j] == x) {
			if (col == NONE) {
				col = j;
				continue;
			}
			vec_remove(lanes, j);
			connector(sb, lanes->n + 1, j, -1);
			j--;
		}
	if (col == NONE) {
		col = lanes->n;
		vec_push(lanes, x);
	}
	return col;
}

/* The revision row of nd, `*` in lane col of nlanes. */
static void draw_row(gmf_strbuf *sb, const gmf_node *nd, size_t nlanes, size_t col,
		     int color)
{
	const char *yel = color ? "\033[33m" : "", *grn = color ? "\033[1;32m" : "",
		   *off = color ? "\033[m" : "";

	for (size_t k = 0; k < nlanes; k++) {
		gmf_strbuf_addch(sb, k == col ? '*' : '|');
		gmf_strbuf_addch(sb, ' ');
	}
	gmf_strbuf_addf(sb, "%s%s%s", yel, nd->id, off);
	if (!nd->nchildren)
		gmf_strbuf_addf(sb, " %s(head)%s", grn, off);
	if (nd->nchildren > 1)
		gmf_strbuf_adds(sb, " (branchpoint)");
	if (nd->nparents > 1)
		gmf_strbuf_adds(sb, " (mergepoint)");
	if (!nd->nparents)
		gmf_strbuf_adds(sb, nd->mig.down_revision.nitems ? " (missing parent)"
								  : " (root)");
	if (nd->nlabels) {
		gmf_strbuf_adds(sb, " (");
		for (size_t k = 0; k < nd->nlabels; k++)
			gmf_strbuf_addf(sb, "%s%s", k ? ", " : "", nd->labels[k]);
		gmf_strbuf_addch(sb, ')');
	}
	if (nd->mig.message && *nd->mig.message)
		gmf_strbuf_addf(sb, "  %s", nd->mig.message);
	gmf_strbuf_addch(sb, '\n');
}

/* nd's lane col now waits for its parents: closed at a root, opening a
 * lane for each further parent of a merge point. */
static void pass_to_parents(gmf_strbuf *sb, vec *lanes, const gmf_node *nd, size_t col)
{
	if (!nd->nparents) {
		vec_remove(lanes, col);
		/* lanes right of the closed one shift left */
		if (col < lanes->n)
			connector(sb, lanes->n + 1, col + 1, -1);
	} else {
		lanes->v[col] = nd->parents[0];
		for (size_t k = 1; k < nd->nparents; k++)
			vec_insert(lanes, col + k, nd->parents[k]);
		if (nd->nparents > 1)
			connector(sb, lanes->n, col + 1, 1);
	}
}

static void draw(gmf_graph *g, gmf_strbuf *sb, int color)
{
	size_t n = gmf_graph_count(g), *waiting, done = 0;
	vec stack = { 0 }, lanes = { 0 };
	size_t *heads, nh = gmf_graph_heads(g, &heads);

	waiting = gmf_xcalloc(n + 1, sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		waiting[i] = gmf_graph_node(g, i)->nchildren;
	for (size_t k = nh; k-- > 0;)
		vec_push(&stack, heads[k]);
	free(heads);

	while (stack.n) {
		size_t x = stack.v[--stack.n], col;
		gmf_node *nd = gmf_graph_node(g, x);

		done++;
		col = take_lane(sb, &lanes, x);
		draw_row(sb, nd, lanes.n, col, color);
		pass_to_parents(sb, &lanes, nd, col);
		/* parents whose children are all drawn go next, first parent last
		 * pushed so it is drawn first */
		for (size_t k = nd->nparents; k-- > 0;)
			if (--waiting[nd->parents[k]] == 0)
				vec_push(&stack, nd->parents[k]);
	}
	if (done < n)
		gmf_strbuf_addf(sb, "(%zu revision%s on a cycle or duplicated not drawn; "
				"run `git migrate-fix check`)\n", n - done, n - done == 1 ? "" : "s");
	free(waiting);
	free(stack.v);
	free(lanes.v);
}

int cmd_graph(int argc, char **argv)
{
	graph_opts o = { 0 };
	cli_context ctx;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc;

	rc = cli_parse_options(cli_find_command("graph"), &o, argc, argv);
	if (rc < 0)
		return cli_parse_exit(rc);
	rc = cli_context_load(&ctx, &o.d);
	cli_options_release(cli_graph_options, &o);
	if (rc)
		return rc;
	for (size_t s = 0; s < ctx.project.nscripts; s++) {
		if (ctx.project.nscripts > 1)
			gmf_strbuf_addf(&sb, "%s[%s]\n", s ? "\n" : "", ctx.project.scripts[s].name);
		draw(ctx.graphs[s], &sb, cli_use_color(stdout));
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
	cli_context_release(&ctx);
	return EXIT_CLEAN;
}
