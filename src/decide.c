/* SPDX-License-Identifier: MIT */
/* decide: see include/gmf/decide.h. */
#include "gmf/decide.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

#define NONE ((size_t)-1)

const char *gmf_decision_kind_name(gmf_decision_kind k)
{
	static const char *const names[] = { "nothing", "renumber", "merge", "stop" };
	return (unsigned)k < 4 ? names[k] : "?";
}

int gmf_strategy_parse(const char *s)
{
	if (!s || !strcmp(s, "auto"))
		return GMF_STRATEGY_AUTO;
	if (!strcmp(s, "renumber") || !strcmp(s, "move"))
		return GMF_STRATEGY_RENUMBER;
	if (!strcmp(s, "merge"))
		return GMF_STRATEGY_MERGE;
	return -1;
}

void gmf_decision_release(gmf_decision *d)
{
	gmf_renumber_release(&d->plan);
	for (size_t i = 0; i < d->nheads; i++)
		free(d->heads[i]);
	free(d->heads);
	free(d->why);
	free(d->command);
	free(d->dirty_path);
	free(d->convention);
	memset(d, 0, sizeof(*d));
}

/* The first finding of the given code, or NULL. */
static const gmf_finding *first_fork(const gmf_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].code == GMF_F_MULTIPLE_HEADS)
			return &f->items[i];
	return NULL;
}

static int has_merge_migration(const gmf_graph *g)
{
	for (size_t i = 0; i < gmf_graph_count(g); i++)
		if (gmf_graph_node(g, i)->nparents > 1)
			return 1;
	return 0;
}

/* A revision id that looks generated: 8 or more hex digits. */
static int hash_like(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return 0;
	return n >= 8;
}

/*
 * Per node, the length of the longest chain from a root down to it (1 for a
 * root; 0 for a node a cycle holds).  Kahn's order over the child edges.
 */
static size_t *chain_depths(const gmf_graph *g)
{
	size_t n = gmf_graph_count(g), head = 0, tail = 0;
	size_t *depth = gmf_xcalloc(n + 1, sizeof(size_t));
	size_t *waiting = gmf_xcalloc(n + 1, sizeof(size_t));
	size_t *queue = gmf_xcalloc(n + 1, sizeof(size_t));

	for (size_t i = 0; i < n; i++) {
		waiting[i] = gmf_graph_node(g, i)->nparents;
		if (!waiting[i]) {
			depth[i] = 1;
			queue[tail++] = i;
		}
	}
	while (head < tail) {
		const gmf_node *nd = gmf_graph_node(g, queue[head]);
		size_t d = depth[queue[head++]] + 1;
		for (size_t k = 0; k < nd->nchildren; k++) {
			size_t c = nd->children[k];
			if (depth[c] < d)
				depth[c] = d;
			if (waiting[c] && !--waiting[c])
				queue[tail++] = c;
		}
	}
	free(waiting);
	free(queue);
	return depth;
}

/* Is a a proper ancestor of i?  Only nodes deeper than a can lie between,
 * so the walk stops there.  seen: n bytes, zero on entry and on return.
 * went[] is both the queue of the walk and the list of what to unmark. */
static int ancestor_of(const gmf_graph *g, const size_t *depth, size_t a, size_t i,
		       unsigned char *seen)
{
	size_t cap = 16, nwent = 0, found = 0;
	size_t *went = gmf_xcalloc(cap, sizeof(size_t));

	for (size_t next = 0, cur = i; !found; cur = went[next++]) {
		const gmf_node *nd = gmf_graph_node(g, cur);
		for (size_t k = 0; k < nd->nparents && !found; k++) {
			size_t p = nd->parents[k];
			if (p == a) {
				found = 1;
			} else if (!seen[p] && depth[p] > depth[a]) {
				seen[p] = 1;
				if (nwent == cap) {
					cap *= 2;
					went = gmf_xrealloc(went, cap * sizeof(size_t));
				}
				went[nwent++] = p;
			}
		}
		if (next == nwent)
			break;
	}
	for (size_t k = 0; k < nwent; k++)
		seen[went[k]] = 0;
	free(went);
	return (int)found;
}

/* A candidate of last_reparented: its depth, then its index. */
typedef struct {
	size_t depth, node, was; /* was: the node its `Revises:` names */
} moved_candidate;

static int deeper_first(const void *a, const void *b)
{
	const moved_candidate *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth > y->depth ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Candidates tried, deepest first: each try may walk the chain. */
#define MOVED_TRIES 32

/*
 * The deepest migration re-parented by hand: one parent, and a docstring
 * `Revises:` that names one other migration of the graph, an ancestor of
 * that parent.  Alembic writes `Revises:` from the parent the file was
 * made on, so the file was made on an older head and moved on later.
 * Returns its index (NONE when there is none) deeper than floor.  At most
 * MOVED_TRIES candidates are walked, so a tree full of odd docstrings
 * costs linear time, not quadratic.
 */
static size_t last_reparented(const gmf_graph *g, const size_t *depth, size_t floor)
{
	size_t n = gmf_graph_count(g), best = NONE, nc = 0;
	moved_candidate *c = NULL;
	unsigned char *seen;

	for (size_t i = 0; i < n; i++) {
		const gmf_node *nd = gmf_graph_node(g, i);
		const gmf_migration *m = &nd->mig;
		size_t was;
		if (nd->nparents != 1 || !m->hdr_revises.present || m->hdr_nrevises != 1 ||
		    depth[i] <= floor)
			continue;
		was = gmf_graph_find(g, m->hdr_revises_ids[0]);
		if (was == NONE || was == nd->parents[0])
			continue;
		if (!c)
			c = gmf_xcalloc(n, sizeof(*c));
		c[nc].depth = depth[i];
		c[nc].was = was;
		c[nc++].node = i;
	}
	if (!nc)
		return NONE;
	qsort(c, nc, sizeof(*c), deeper_first);
	seen = gmf_xcalloc(n + 1, 1);
	for (size_t k = 0; k < nc && k < MOVED_TRIES && best == NONE; k++) {
		const gmf_node *nd = gmf_graph_node(g, c[k].node);
		if (ancestor_of(g, depth, c[k].was, nd->parents[0], seen))
			best = c[k].node;
	}
	free(seen);
	free(c);
	return best;
}

void gmf_convention_detect(gmf_convention *out, const gmf_graph *g)
{
	gmf_strbuf sb = GMF_STRBUF_INIT, ids = GMF_STRBUF_INIT;
	size_t n = gmf_graph_count(g), merges = 0, hashes = 0, first = NONE;

	for (size_t i = 0; i < n; i++) {
		const gmf_node *nd = gmf_graph_node(g, i);
		if (nd->nparents > 1) {
			if (first == NONE)
				first = i;
			/* the ids the message names: three at most */
			if (merges < 3)
				gmf_strbuf_addf(&ids, "%s%s", merges ? ", " : "", nd->id);
			merges++;
		}
		if (hash_like(nd->id))
			hashes++;
	}
	if (gmf_graph_is_sequenced(g)) {
		out->strategy = GMF_STRATEGY_RENUMBER;
		gmf_strbuf_addf(&sb, "the files are numbered in sequence: a fork is renumbered");
		if (merges)
			gmf_strbuf_addf(&sb, " (%zu merge migration%s in the tree: the answer when "
					"nothing local can move)", merges, merges == 1 ? "" : "s");
	} else if (merges && hashes * 2 > n) {
		/* merge migrations, unless the project went on re-parenting
		 * after the last of them: the latest habit is the convention */
		size_t *depth = chain_depths(g), last = first, moved;
		for (size_t i = 0; i < n; i++)
			if (gmf_graph_node(g, i)->nparents > 1 && depth[i] > depth[last])
				last = i;
		moved = last_reparented(g, depth, depth[last]);
		if (moved != NONE) {
			const gmf_node *nd = gmf_graph_node(g, moved);
			out->strategy = GMF_STRATEGY_RENUMBER;
			gmf_strbuf_addf(&sb, "%zu merge migration%s in the tree (the last %s), but "
					"%s, further down the chain, was re-parented by hand (its "
					"docstring says 'Revises: %s', its down_revision is %s): a "
					"fork is re-parented when that is safe, else it gets a merge "
					"migration", merges, merges == 1 ? "" : "s",
					gmf_graph_node(g, last)->id, nd->id,
					nd->mig.hdr_revises_ids[0],
					gmf_graph_node(g, nd->parents[0])->id);
		} else {
			out->strategy = GMF_STRATEGY_MERGE;
			gmf_strbuf_addf(&sb, "%zu merge migration%s in the tree (%s%s) and generated "
					"revision ids: a fork gets a merge migration", merges,
					merges == 1 ? "" : "s", ids.buf, merges > 3 ? ", ..." : "");
		}
		free(depth);
	} else if (merges) {
		out->strategy = GMF_STRATEGY_RENUMBER;
		gmf_strbuf_addf(&sb, "%zu merge migration%s in the tree (%s%s), but revision ids "
				"that are not generated: a fork is re-parented when that is safe, "
				"else it gets a merge migration", merges, merges == 1 ? "" : "s",
				ids.buf, merges > 3 ? ", ..." : "");
	} else {
		out->strategy = GMF_STRATEGY_RENUMBER;
		gmf_strbuf_adds(&sb, "no merge migration in the tree: a fork is re-parented");
	}
	gmf_strbuf_release(&ids);
	out->why = gmf_strbuf_detach(&sb, NULL);
}

void gmf_convention_release(gmf_convention *c)
{
	free(c->why);
	c->why = NULL;
}

static const char *by_of(const gmf_decide_in *in, size_t k)
{
	return in->published_by && in->published_by[k] ? in->published_by[k] : "a published branch";
}

/*
 * A published migration among those that would move after `kept`: the
 * ancestors of `head` that `kept` does not have.  NONE when there is none.
 */
static size_t published_moving(const gmf_graph *g, size_t kept, size_t head,
			       const unsigned char *published)
{
	size_t n = gmf_graph_count(g), hit = NONE;
	unsigned char *keep = gmf_xcalloc(n + 1, 1), *mine = gmf_xcalloc(n + 1, 1);
	gmf_graph_mark_ancestors(g, kept, keep);
	gmf_graph_mark_ancestors(g, head, mine);
	for (size_t k = 0; k < n && hit == NONE; k++)
		if (mine[k] && !keep[k] && published[k])
			hit = k;
	free(keep);
	free(mine);
	return hit;
}

static void list_heads(gmf_strbuf *sb, const gmf_finding *fork)
{
	for (size_t i = 0; i < fork->nrevisions; i++)
		gmf_strbuf_addf(sb, "%s%s", i ? ", " : "", fork->revisions[i]);
}

/* The heads of a fork that are published (*np of them, the first two in
 * *kept and *other) and that git keeps (*nours, the first in *kept_ours). */
static void count_sides(gmf_graph *g, const gmf_finding *fork, const gmf_decide_in *in,
			size_t *np, size_t *kept, size_t *other, size_t *nours, size_t *kept_ours)
{
	*np = *nours = 0;
	*kept = *other = *kept_ours = NONE;
	for (size_t h = 0; h < fork->nrevisions; h++) {
		size_t k = gmf_graph_find(g, fork->revisions[h]);
		if (k == NONE)
			continue;
		if (in->published && in->published[k]) {
			if ((*np)++)
				*other = k;
			else
				*kept = k;
		}
		if (in->ours && in->ours[k] && !(*nours)++)
			*kept_ours = k;
	}
}

/* Says why the side that stays cannot be told for this fork. */
static void no_side(gmf_strbuf *why, gmf_strbuf *cmd, const gmf_finding *fork,
		    const gmf_decide_in *in)
{
	gmf_strbuf_adds(why, "the branch has heads ");
	list_heads(why, fork);
	if (!in->mainline_found && !in->ours)
		gmf_strbuf_adds(why, " and there is no mainline to tell which side is local "
				"(tried migrate-fix.mainline, origin/HEAD, origin/main, "
				"origin/master, main, master)");
	else
		gmf_strbuf_adds(why, ", none of them on the mainline or on any published "
				"branch, so which side stays cannot be told");
	gmf_strbuf_addf(cmd, "git migrate-fix fix --onto %s", fork->revisions[0]);
}

/* A published migration among those of the fork that would move. */
static int moving_published(gmf_graph *g, const gmf_finding *fork, size_t kept,
			    const gmf_decide_in *in, gmf_strbuf *why, gmf_strbuf *cmd)
{
	for (size_t h = 0; h < fork->nrevisions && in->published; h++) {
		size_t k = gmf_graph_find(g, fork->revisions[h]), bad;
		if (k == NONE || k == kept)
			continue;
		if ((bad = published_moving(g, kept, k, in->published)) != NONE) {
			gmf_strbuf_addf(why, "%s would have to move after %s, but it is published "
					"(on %s)", gmf_graph_node(g, bad)->id,
					gmf_graph_node(g, kept)->id, by_of(in, bad));
			gmf_strbuf_adds(cmd, "git migrate-fix merge");
			return 1;
		}
	}
	return 0;
}

/* One fork: marks in mask what stays; 0, or why and cmd set. */
static int fork_mask(gmf_graph *g, const gmf_finding *fork, const gmf_decide_in *in,
		     unsigned char *mask, gmf_strbuf *why, gmf_strbuf *cmd)
{
	size_t np, kept, other, nours, kept_ours, n = gmf_graph_count(g);

	count_sides(g, fork, in, &np, &kept, &other, &nours, &kept_ours);
	if (np >= 2) {
		gmf_strbuf_addf(why, "both sides are published: %s is on %s and %s is on %s",
				gmf_graph_node(g, kept)->id, by_of(in, kept),
				gmf_graph_node(g, other)->id, by_of(in, other));
		gmf_strbuf_adds(cmd, "git migrate-fix merge");
		return -1;
	}
	if (np == 0) {
		if (!in->ours || nours != 1) {
			no_side(why, cmd, fork, in);
			return -1;
		}
		/* both sides local: the side git keeps stays */
		kept = kept_ours;
		for (size_t k = 0; k < n; k++)
			if (in->ours[k] &&
			    gmf_graph_node(g, k)->component == gmf_graph_node(g, kept)->component)
				mask[k] = 1;
	}
	return moving_published(g, fork, kept, in, why, cmd) ? -1 : 0;
}

/*
 * The per-node mask the planner keeps in place: the published migrations,
 * plus, for a fork none of whose heads is published, the side git keeps.
 * NULL with *why set when a fork has no safe answer.
 */
static unsigned char *build_mask(gmf_graph *g, const gmf_findings *f,
				 const gmf_decide_in *in, gmf_strbuf *why, gmf_strbuf *cmd)
{
	size_t n = gmf_graph_count(g);
	unsigned char *mask = gmf_xcalloc(n + 1, 1);

	if (in->published)
		memcpy(mask, in->published, n);
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].code == GMF_F_MULTIPLE_HEADS &&
		    fork_mask(g, &f->items[i], in, mask, why, cmd) < 0) {
			free(mask);
			return NULL;
		}
	return mask;
}

static int incurable(const gmf_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (gmf_finding_blocks_repair(&f->items[i]))
			return 1;
	return 0;
}

/* The stop for a file with uncommitted changes. */
static void stop_dirty(gmf_decision *out, const char *path, gmf_strbuf *why, gmf_strbuf *cmd)
{
	out->dirty_path = gmf_xstrdup(path);
	gmf_strbuf_addf(why, "'%s' has uncommitted changes; commit or stash them first", path);
	gmf_strbuf_adds(cmd, "git migrate-fix fix");
}

/*
 * A file to rewrite no longer held what was planned on (a hook plans on
 * the staged blobs, and a file can differ from its blob): when one of the
 * graph's files has uncommitted changes, the stop names it (1), as for a
 * file the plan found dirty.
 */
static int dirty_stop(gmf_decision *out, gmf_graph *g, const gmf_decide_in *in,
		      gmf_strbuf *why, gmf_strbuf *cmd)
{
	size_t n = gmf_graph_count(g), which;
	const char **paths;
	const struct stat **sts;
	int found = 0;

	if (!in->dirty || !n)
		return 0;
	paths = gmf_xcalloc(n + 1, sizeof(char *));
	sts = gmf_xcalloc(n + 1, sizeof(*sts));
	for (size_t i = 0; i < n; i++)
		paths[i] = gmf_graph_node(g, i)->mig.path;
	if (in->dirty(in->dirty_data, paths, sts, n, &which) > 0) {
		stop_dirty(out, paths[which], why, cmd);
		found = 1;
	}
	gmf_error_clear();
	free(paths);
	free(sts);
	return found;
}

/* Tries the renumbering; 0 with out->plan filled, or why/cmd set. */
static void try_renumber(gmf_decision *out, gmf_graph *g, const gmf_findings *f,
			 const gmf_decide_in *in, gmf_strbuf *why, gmf_strbuf *cmd)
{
	gmf_renumber_opts po;
	unsigned char *mask = NULL;
	size_t which;
	const char **paths;
	const struct stat **sts;

	if (in->onto || in->nmove) {
		/* the user chose: published migrations still never move */
		if (in->published) {
			mask = gmf_xcalloc(gmf_graph_count(g) + 1, 1);
			memcpy(mask, in->published, gmf_graph_count(g));
		}
	} else if (!(mask = build_mask(g, f, in, why, cmd))) {
		return;
	}
	memset(&po, 0, sizeof(po));
	po.onto = in->onto;
	po.move = in->move;
	po.nmove = in->nmove;
	po.on_mainline = mask;
	po.mainline_name = in->mainline_name ? in->mainline_name : "published";
	po.on_by = in->published_by;
	po.renumber = in->renumber;
	if (gmf_renumber_plan(&out->plan, g, f, &po) < 0) {
		if (gmf_error_code() == GMF_ECONFLICT && dirty_stop(out, g, in, why, cmd)) {
			free(mask);
			return;
		}
		gmf_strbuf_adds(why, gmf_error_last());
		gmf_strbuf_adds(cmd, incurable(f) ? "git migrate-fix check" : "git migrate-fix merge");
		free(mask);
		return;
	}
	free(mask);
	if (!out->plan.nfiles)
		return;
	gmf_renumber_render(&out->plan, g);
	if (!in->dirty)
		return;
	paths = gmf_xcalloc(out->plan.nfiles + 1, sizeof(char *));
	sts = gmf_xcalloc(out->plan.nfiles + 1, sizeof(*sts));
	for (size_t i = 0; i < out->plan.nfiles; i++) {
		paths[i] = out->plan.files[i].old_path;
		if (out->plan.files[i].read_from_disk)
			sts[i] = &out->plan.files[i].read_st;
	}
	if (in->dirty(in->dirty_data, paths, sts, out->plan.nfiles, &which) > 0) {
		stop_dirty(out, paths[which], why, cmd);
		gmf_renumber_release(&out->plan);
	}
	free(paths);
	free(sts);
}

int gmf_decide(gmf_decision *out, gmf_graph *g, const gmf_findings *f,
	       const gmf_decide_in *in)
{
	const gmf_finding *fork = first_fork(f);
	gmf_strbuf why = GMF_STRBUF_INIT, cmd = GMF_STRBUF_INIT;

	memset(out, 0, sizeof(*out));
	if (!fork && !in->nmove && !in->onto && !incurable(f))
		return 0;
	if (fork && in->strategy == GMF_STRATEGY_MERGE && !incurable(f)) {
		gmf_strbuf_adds(&why, "migrate-fix.strategy is merge");
		goto merge;
	}
	if (fork && in->strategy == GMF_STRATEGY_AUTO && !in->onto && !in->nmove &&
	    !incurable(f)) {
		/* the project's own convention: merge migrations with generated
		 * ids are how it joins forks, even where renumbering is safe */
		gmf_convention conv;
		gmf_strbuf cs = GMF_STRBUF_INIT;
		gmf_convention_detect(&conv, g);
		gmf_strbuf_addf(&cs, "strategy auto: %s", conv.why);
		/* a rebase or `git am` asked for a line: the replayed side is
		 * local by construction, so re-parenting it is the repair (a
		 * merge migration only where that is refused, below) */
		if (conv.strategy == GMF_STRATEGY_MERGE && in->linear)
			gmf_strbuf_adds(&cs, "; but a rebase keeps the history linear: the "
					"replayed side is re-parented when that is safe");
		out->convention = gmf_strbuf_detach(&cs, NULL);
		if (conv.strategy == GMF_STRATEGY_MERGE && !in->linear) {
			gmf_strbuf_addf(&why, "the project's convention (strategy auto): %s",
					conv.why);
			gmf_convention_release(&conv);
			goto merge;
		}
		gmf_convention_release(&conv);
	}
	try_renumber(out, g, f, in, &why, &cmd);
	if (!why.len) {
		out->kind = out->plan.nfiles ? GMF_DECIDE_RENUMBER : GMF_DECIDE_NOTHING;
		gmf_strbuf_release(&cmd);
		return 0;
	}
	if (fork && in->strategy == GMF_STRATEGY_AUTO && !in->onto && !in->nmove &&
	    !incurable(f) && has_merge_migration(g))
		goto merge;
	out->kind = GMF_DECIDE_STOP;
	out->why = gmf_strbuf_detach(&why, NULL);
	out->command = gmf_strbuf_detach(&cmd, NULL);
	return 0;
merge:
	out->kind = GMF_DECIDE_MERGE;
	out->heads = gmf_xcalloc(fork->nrevisions + 1, sizeof(char *));
	for (size_t i = 0; i < fork->nrevisions; i++)
		out->heads[out->nheads++] = gmf_xstrdup(fork->revisions[i]);
	out->why = gmf_strbuf_detach(&why, NULL);
	gmf_strbuf_release(&cmd);
	return 0;
}
