/* SPDX-License-Identifier: MIT */
/* renumber: see include/gmf/renumber.h. */
#include "gmf/renumber.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

#define NONE ((size_t)-1)

typedef struct {
	size_t node;    /* the migration whose down_revision changes */
	size_t from;    /* the parent it named */
	size_t to;      /* the parent it names now */
} repoint;

typedef struct {
	gmf_graph *g;
	size_t n;
	unsigned char *moving;
	repoint *rp;
	size_t nrp, arp;
	char **new_id;      /* per node: new id, or NULL */
	char **new_path;    /* per node: new path, or NULL */
	size_t *rp_at;      /* per node: its first repoint (they are added
	                     * node by node, so a node's are contiguous) */
	size_t *order;      /* moving nodes in their new order */
	size_t norder;
	size_t kept_head;   /* the head the last moved branch follows, or NONE */
	size_t last_target; /* the head that branch ends in, or NONE */
} planner;

/* Where node k is published ("origin/x"), for messages. */
static const char *published_on(const gmf_renumber_opts *o, size_t k)
{
	if (o->on_by && o->on_by[k])
		return o->on_by[k];
	return o->mainline_name ? o->mainline_name : "?";
}

static gmf_node *N(planner *p, size_t i)
{
	return gmf_graph_node(p->g, i);
}

static const char *final_id(planner *p, size_t i)
{
	return p->new_id[i] ? p->new_id[i] : N(p, i)->id;
}

/* The migrations of head h that the kept head's history does not hold. */
static void exclusive(planner *p, size_t h, const unsigned char *kept, unsigned char *out)
{
	size_t *stack = gmf_xcalloc(p->n + 1, sizeof(size_t)), sp = 0;
	if (kept[h]) {
		free(stack);
		return;
	}
	stack[sp++] = h;
	out[h] = 1;
	while (sp) {
		gmf_node *nd = N(p, stack[--sp]);
		for (size_t k = 0; k < nd->nparents; k++) {
			size_t q = nd->parents[k];
			if (!kept[q] && !out[q]) {
				out[q] = 1;
				stack[sp++] = q;
			}
		}
	}
	free(stack);
}

static void add_repoint(planner *p, size_t node, size_t from, size_t to)
{
	GMF_ALLOC_GROW(p->rp, p->nrp + 1, p->arp);
	if (p->rp_at[node] == NONE)
		p->rp_at[node] = p->nrp;
	p->rp[p->nrp].node = node;
	p->rp[p->nrp].from = from;
	p->rp[p->nrp].to = to;
	p->nrp++;
}

static size_t repoint_of(planner *p, size_t node, size_t from)
{
	for (size_t i = p->rp_at[node]; i != NONE && i < p->nrp && p->rp[i].node == node; i++)
		if (p->rp[i].from == from)
			return p->rp[i].to;
	return NONE;
}

static int cmp_nodes_by_seq(planner *p, size_t a, size_t b)
{
	gmf_node *x = N(p, a), *y = N(p, b);
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->mig.path, y->mig.path);
}

/* A binary min-heap of nodes, ordered by cmp_nodes_by_seq. */
typedef struct {
	size_t *v;
	size_t n;
} heap;

static void heap_push(planner *p, heap *h, size_t x)
{
	size_t i = h->n++;
	while (i && cmp_nodes_by_seq(p, x, h->v[(i - 1) / 2]) < 0) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = x;
}

static size_t heap_pop(planner *p, heap *h)
{
	size_t top = h->v[0], x = h->v[--h->n], i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && cmp_nodes_by_seq(p, h->v[c + 1], h->v[c]) < 0)
			c++;
		if (cmp_nodes_by_seq(p, h->v[c], x) >= 0)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = x;
	return top;
}

/*
 * Appends the members of set (in[]) to p->order, parents first; ties go by
 * sequence number then path, so the moving side keeps its own order.  A
 * topological sort with a heap of the ready nodes: O(m log m) in the
 * size of the set (plus one pass over the nodes to find it).
 */
static void order_set(planner *p, const unsigned char *in)
{
	size_t *pending = gmf_xcalloc(p->n + 1, sizeof(size_t));
	heap h;

	h.v = gmf_xcalloc(p->n + 1, sizeof(size_t));
	h.n = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (!in[i])
			continue;
		for (size_t k = 0; k < N(p, i)->nparents; k++)
			pending[i] += in[N(p, i)->parents[k]];
		if (!pending[i])
			heap_push(p, &h, i);
	}
	while (h.n) {
		size_t best = heap_pop(p, &h);
		p->order[p->norder++] = best;
		for (size_t k = 0; k < N(p, best)->nchildren; k++) {
			size_t c = N(p, best)->children[k];
			if (in[c] && pending[c] && --pending[c] == 0)
				heap_push(p, &h, c);
		}
	}
	free(pending);
	free(h.v);
}

/* The heads of one branch: same independent chain, same branch labels. */
typedef struct {
	size_t *v;
	size_t n;
} group;

static size_t collect_groups(planner *p, group **out)
{
	size_t *heads, nh = gmf_graph_heads(p->g, &heads), *ix, *runs;
	group *gs = gmf_xcalloc(nh + 1, sizeof(group));
	size_t ng = (size_t)gmf_graph_group_ends(p->g, heads, nh, 0, &ix, &runs);

	for (size_t r = 0; r < ng; r++) {
		group *gr = &gs[r];
		gr->v = gmf_xcalloc(runs[3 * r + 2] + 1, sizeof(size_t));
		for (size_t j = runs[3 * r + 1]; j < runs[3 * r + 1] + runs[3 * r + 2]; j++)
			gr->v[gr->n++] = heads[ix[j]];
	}
	free(ix);
	free(runs);
	free(heads);
	*out = gs;
	return ng;
}

static void list_ids(gmf_strbuf *sb, planner *p, const size_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gmf_strbuf_addf(sb, "%s%s", i ? ", " : "", N(p, v[i])->id);
}

/*
 * Chains the sets of the other heads after `kept`, in the order of their
 * earliest migration (first[]): each set's migrations move, and those
 * whose parent lies outside the set are re-pointed at the previous head.
 */
static void chain_sets(planner *p, size_t kept, const size_t *others, size_t nothers,
		       unsigned char **sets, const size_t *first, size_t *idx)
{
	size_t target = kept;

	for (size_t i = 1; i < nothers; i++)
		for (size_t j = i; j > 0 && cmp_nodes_by_seq(p, first[idx[j]], first[idx[j - 1]]) < 0; j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (size_t s = 0; s < nothers; s++) {
		unsigned char *in = sets[idx[s]];
		for (size_t k = 0; k < p->n; k++) {
			gmf_node *nd;
			if (!in[k])
				continue;
			p->moving[k] = 1;
			nd = N(p, k);
			for (size_t j = 0; j < nd->nparents; j++)
				if (!in[nd->parents[j]] && nd->parents[j] != target)
					add_repoint(p, k, nd->parents[j], target);
			/* a second root (two chains, no labels): it goes after
			 * the other chain's head */
			if (!nd->nparents && !nd->mig.down_revision.nitems &&
			    nd->mig.down_revision.kind != GMF_VAL_MISSING)
				add_repoint(p, k, NONE, target);
		}
		order_set(p, in);
		target = others[idx[s]];
	}
}

/*
 * Moves the other heads of a branch after `kept`: each other head's own
 * migrations form a set; sets are chained one after the other.
 */
static int plan_group(planner *p, size_t kept, const size_t *others, size_t nothers,
		      const gmf_renumber_opts *o)
{
	unsigned char *keep = gmf_xcalloc(p->n + 1, 1);
	unsigned char **sets = gmf_xcalloc(nothers + 1, sizeof(*sets));
	size_t *idx = gmf_xcalloc(nothers + 1, sizeof(size_t));
	size_t *first = gmf_xcalloc(nothers + 1, sizeof(size_t));
	int rc = 0;

	gmf_graph_mark_ancestors(p->g, kept, keep);
	for (size_t i = 0; i < nothers; i++) {
		sets[i] = gmf_xcalloc(p->n + 1, 1);
		exclusive(p, others[i], keep, sets[i]);
		idx[i] = i;
		first[i] = NONE;
		for (size_t k = 0; k < p->n; k++) {
			if (!sets[i][k])
				continue;
			if (o->on_mainline && o->on_mainline[k] && o->onto) {
				/* the user chose the head: the mainline is not asked
				 * which side stays, but what is published never moves */
				rc = gmf_error_set(GMF_EREFUSED,
						   "--onto %s would move %s, which is published "
						   "(on %s): published migrations never move; choose "
						   "the other head with --onto, or write a merge "
						   "migration with `git migrate-fix merge`",
						   N(p, kept)->id, N(p, k)->id, published_on(o, k));
				goto out;
			}
			if (o->on_mainline && o->on_mainline[k]) {
				rc = gmf_error_set(GMF_EREFUSED,
						   "%s is on the mainline (%s) but is not below "
						   "its head %s; the mainline itself has two heads: "
						   "write a merge migration with `git migrate-fix merge`",
						   N(p, k)->id, o->mainline_name ? o->mainline_name : "?",
						   N(p, kept)->id);
				goto out;
			}
			for (size_t j = 0; j < i; j++)
				if (sets[j][k]) {
					rc = gmf_error_set(GMF_EREFUSED,
							   "the heads %s and %s share the migration %s "
							   "that the kept head %s does not have; merge them "
							   "first with `git migrate-fix merge %s %s`",
							   N(p, others[j])->id, N(p, others[i])->id,
							   N(p, k)->id, N(p, kept)->id,
							   N(p, others[j])->id, N(p, others[i])->id);
					goto out;
				}
			if (first[i] == NONE || cmp_nodes_by_seq(p, k, first[i]) < 0)
				first[i] = k;
		}
	}
	chain_sets(p, kept, others, nothers, sets, first, idx);
out:
	for (size_t i = 0; i < nothers; i++)
		free(sets[i]);
	free(sets);
	free(idx);
	free(first);
	free(keep);
	return rc;
}

static int incurable(const gmf_findings *f, gmf_strbuf *why)
{
	int bad = 0;
	for (size_t i = 0; i < f->n; i++) {
		const gmf_finding *x = &f->items[i];
		if (gmf_finding_blocks_repair(x) && bad++ < 5)
			gmf_strbuf_addf(why, "\n  %s:%u: %s: %s",
					x->nlocs ? x->locs[0].path : "-",
					x->nlocs ? x->locs[0].line : 0,
					gmf_finding_code_name(x->code), x->message);
	}
	return bad;
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? gmf_xstrndup(path, (size_t)(s - path)) : gmf_xstrdup(".");
}

static int renumber(planner *p)
{
	long max = -1;
	for (size_t i = 0; i < p->n; i++)
		if (!p->moving[i] && N(p, i)->seq > max)
			max = N(p, i)->seq;
	for (size_t k = 0; k < p->norder; k++) {
		size_t i = p->order[k];
		gmf_node *nd = N(p, i);
		gmf_strbuf stem = GMF_STRBUF_INIT;
		long num;
		int width, digits = 1;
		if (nd->seq < 0)
			continue;
		num = ++max;
		for (long t = num; t >= 10; t /= 10)
			digits++;
		width = nd->seq_width > digits ? nd->seq_width : digits;
		gmf_strbuf_addf(&stem, "%0*ld%s", width, num, nd->mig.stem + nd->seq_width);
		if (strcmp(stem.buf, nd->mig.stem)) {
			char *dir = dir_of(nd->mig.path);
			gmf_strbuf path = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&path, "%s/%s.py", dir, stem.buf);
			free(dir);
			p->new_path[i] = gmf_strbuf_detach(&path, NULL);
			if (!strcmp(nd->id, nd->mig.stem)) {
				size_t other = gmf_graph_find(p->g, stem.buf);
				if (other != NONE && !p->moving[other]) {
					int rc = gmf_error_set(GMF_EREFUSED,
							       "renaming %s to %s would collide with an "
							       "existing revision", nd->id, stem.buf);
					gmf_strbuf_release(&stem);
					return rc;
				}
				p->new_id[i] = gmf_xstrdup(stem.buf);
			}
		}
		gmf_strbuf_release(&stem);
	}
	return 0;
}

static void add_edit(gmf_file_change *fc, size_t off, size_t len, const char *text)
{
	fc->edits = gmf_xrealloc(fc->edits, (fc->nedits + 1) * sizeof(gmf_edit));
	fc->edits[fc->nedits].off = off;
	fc->edits[fc->nedits].len = len;
	fc->edits[fc->nedits].text = gmf_xstrdup(text);
	fc->nedits++;
}

static int cmp_edit(const void *a, const void *b)
{
	const gmf_edit *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Renders ids the way a Revises: line lists them. */
static void render_revises(gmf_strbuf *sb, const char *old_text, char **ids, size_t n)
{
	int tuple = old_text[0] == '(';
	if (tuple)
		gmf_strbuf_addch(sb, '(');
	for (size_t i = 0; i < n; i++)
		gmf_strbuf_addf(sb, "%s%s%s%s", i ? ", " : "", tuple ? "'" : "", ids[i],
				tuple ? "'" : "");
	if (tuple)
		gmf_strbuf_adds(sb, n == 1 ? ",)" : ")");
}

/* Does node i change at all (renamed, re-pointed, or naming a renamed id)? */
static int touches(planner *p, size_t i)
{
	const gmf_migration *m = &N(p, i)->mig;
	if (p->new_id[i] || p->new_path[i])
		return 1;
	if (p->rp_at[i] != NONE)
		return 1;
	for (size_t k = 0; k < m->down_revision.nitems; k++) {
		size_t d = gmf_graph_find(p->g, m->down_revision.items[k].text);
		if (d != NONE && p->new_id[d])
			return 1;
	}
	for (size_t k = 0; k < m->depends_on.nitems; k++) {
		size_t d = gmf_graph_find(p->g, m->depends_on.items[k].text);
		if (d != NONE && p->new_id[d])
			return 1;
	}
	return 0;
}

/* The revision line and the header's Revision ID: of a renamed node. */
static void edit_revision(planner *p, size_t i, gmf_file_change *fc)
{
	const gmf_migration *m = &N(p, i)->mig;

	if (!p->new_id[i])
		return;
	add_edit(fc, m->revision.items[0].span.off, m->revision.items[0].span.len,
		 p->new_id[i]);
	if (m->hdr_revision.present)
		add_edit(fc, m->hdr_revision.value.off, m->hdr_revision.value.len,
			 p->new_id[i]);
}

/* Each parent of node i as it was (oldp) and as it will be (newp); *dup
 * when two of them become one.  Returns whether any changes. */
static int new_parents(planner *p, size_t i, char **oldp, char **newp, int *dup)
{
	const gmf_value *dv = &N(p, i)->mig.down_revision;
	int changed = 0;

	for (size_t k = 0; k < dv->nitems; k++) {
		size_t par = gmf_graph_find(p->g, dv->items[k].text), to;
		const char *nid = dv->items[k].text;
		if (par != NONE) {
			to = repoint_of(p, i, par);
			nid = final_id(p, to != NONE ? to : par);
		}
		oldp[k] = dv->items[k].text;
		newp[k] = (char *)nid;
		changed |= strcmp(nid, dv->items[k].text) != 0;
		for (size_t j = 0; j < k; j++)
			*dup |= !strcmp(newp[j], nid);
	}
	return changed;
}

/* The distinct ids of ids[0..n), in order, into uniq; returns how many. */
static size_t unique_ids(char **uniq, char **ids, size_t n)
{
	size_t nuniq = 0;

	for (size_t k = 0; k < n; k++) {
		size_t j;
		for (j = 0; j < nuniq; j++)
			if (!strcmp(uniq[j], ids[k]))
				break;
		if (j == nuniq)
			uniq[nuniq++] = ids[k];
	}
	return nuniq;
}

/* down_revision: each changed id where it stands, or the whole value
 * when two parents became one. */
static void edit_down_revision(gmf_file_change *fc, const gmf_migration *m, char **oldp,
			       char **newp, char **uniq, size_t nuniq, int dup)
{
	const gmf_value *dv = &m->down_revision;
	gmf_strbuf v = GMF_STRBUF_INIT;
	char q;

	if (!dup) {
		for (size_t k = 0; k < dv->nitems; k++)
			if (strcmp(newp[k], oldp[k]))
				add_edit(fc, dv->items[k].span.off, dv->items[k].span.len,
					 newp[k]);
		return;
	}
	/* two parents became one: rewrite the whole value */
	q = m->data[dv->items[0].span.off - 1];
	if (nuniq == 1) {
		gmf_strbuf_addf(&v, "%c%s%c", q, uniq[0], q);
	} else {
		gmf_strbuf_addch(&v, '(');
		for (size_t k = 0; k < nuniq; k++)
			gmf_strbuf_addf(&v, "%s%c%s%c", k ? ", " : "", q, uniq[k], q);
		gmf_strbuf_addch(&v, ')');
	}
	add_edit(fc, dv->whole.off, dv->whole.len, v.buf);
	gmf_strbuf_release(&v);
}

/* Does the header's Revises: list exactly the ids of down_revision? */
static int revises_in_step(const gmf_migration *m, char **oldp)
{
	const gmf_value *dv = &m->down_revision;
	int in_step = m->hdr_nrevises == dv->nitems;

	for (size_t k = 0; in_step && k < m->hdr_nrevises; k++) {
		size_t j;
		for (j = 0; j < dv->nitems; j++)
			if (!strcmp(m->hdr_revises_ids[k], oldp[j]))
				break;
		in_step = j < dv->nitems;
	}
	return in_step;
}

/* Replaces each id token of the Revises: line where it stands. */
static void edit_revises_tokens(gmf_file_change *fc, const gmf_migration *m, char **oldp,
				char **newp)
{
	const char *t = m->data + m->hdr_revises.value.off;
	size_t len = m->hdr_revises.value.len, a = 0;

	while (a < len) {
		size_t b;
		while (a < len && strchr(" \t()[]'\",", t[a]))
			a++;
		b = a;
		while (b < len && !strchr(" \t()[]'\",", t[b]))
			b++;
		for (size_t k = 0; k < m->down_revision.nitems && b > a; k++)
			if (strlen(oldp[k]) == b - a && !memcmp(t + a, oldp[k], b - a)) {
				if (strcmp(oldp[k], newp[k]))
					add_edit(fc, m->hdr_revises.value.off + a, b - a,
						 newp[k]);
				break;
			}
		a = b;
	}
}

/* The header's Revises: line, kept in step with down_revision. */
static void edit_revises(gmf_file_change *fc, const gmf_migration *m, char **oldp,
			 char **newp, char **uniq, size_t nuniq, int dup)
{
	gmf_strbuf v = GMF_STRBUF_INIT;

	if (!m->hdr_revises.present)
		return;
	if (revises_in_step(m, oldp) && !dup) {
		edit_revises_tokens(fc, m, oldp, newp);
		return;
	}
	render_revises(&v, m->hdr_revises.text, uniq, nuniq);
	add_edit(fc, m->hdr_revises.value.off, m->hdr_revises.value.len, v.buf);
	gmf_strbuf_release(&v);
}

/* A root that now follows `to`: the whole value (None, "", ()) and the
 * header's Revises: name it. */
static void edit_root(planner *p, size_t i, size_t to, gmf_file_change *fc)
{
	const gmf_migration *m = &N(p, i)->mig;
	gmf_strbuf v = GMF_STRBUF_INIT;
	char q = m->data[m->revision.items[0].span.off - 1];

	gmf_strbuf_addf(&v, "%c%s%c", q, final_id(p, to), q);
	add_edit(fc, m->down_revision.whole.off, m->down_revision.whole.len, v.buf);
	if (m->hdr_revises.present)
		add_edit(fc, m->hdr_revises.value.off, m->hdr_revises.value.len,
			 final_id(p, to));
	gmf_strbuf_release(&v);
}

/* down_revision and Revises: of node i, pointed at its new parents. */
static void edit_parents(planner *p, size_t i, gmf_file_change *fc)
{
	const gmf_migration *m = &N(p, i)->mig;
	const gmf_value *dv = &m->down_revision;
	size_t root_to = dv->nitems ? NONE : repoint_of(p, i, NONE);

	if (root_to != NONE) {
		edit_root(p, i, root_to, fc);
		return;
	}
	char **newp = gmf_xcalloc(dv->nitems + 1, sizeof(char *));
	char **oldp = gmf_xcalloc(dv->nitems + 1, sizeof(char *));
	int dup = 0;

	if (new_parents(p, i, oldp, newp, &dup)) {
		char **uniq = gmf_xcalloc(dv->nitems + 1, sizeof(char *));
		size_t nuniq = unique_ids(uniq, newp, dv->nitems);
		edit_down_revision(fc, m, oldp, newp, uniq, nuniq, dup);
		edit_revises(fc, m, oldp, newp, uniq, nuniq, dup);
		free(uniq);
	}
	free(newp);
	free(oldp);
}

/* depends_on entries that name a renamed revision. */
static void edit_depends_on(planner *p, size_t i, gmf_file_change *fc)
{
	const gmf_migration *m = &N(p, i)->mig;

	for (size_t k = 0; k < m->depends_on.nitems; k++) {
		size_t d = gmf_graph_find(p->g, m->depends_on.items[k].text);
		if (d != NONE && p->new_id[d])
			add_edit(fc, m->depends_on.items[k].span.off,
				 m->depends_on.items[k].span.len, p->new_id[d]);
	}
}

static void edit_file(planner *p, size_t i, gmf_plan *out, int *failed)
{
	gmf_migration *m = &N(p, i)->mig;
	gmf_file_change fc;

	memset(&fc, 0, sizeof(fc));
	fc.node = i;
	if (!touches(p, i))
		goto done;
	fc.read_at = time(NULL);
	if (gmf_migration_load_data_st(m, &fc.read_st) < 0) {
		*failed = 1;
		goto done;
	}
	fc.read_from_disk = fc.read_st.st_mode != 0;
	edit_revision(p, i, &fc);
	edit_parents(p, i, &fc);
	edit_depends_on(p, i, &fc);
done:
	if (*failed || (!fc.nedits && !p->new_path[i])) {
		for (size_t k = 0; k < fc.nedits; k++)
			free(fc.edits[k].text);
		free(fc.edits);
		return;
	}
	if (fc.nedits)
		qsort(fc.edits, fc.nedits, sizeof(gmf_edit), cmp_edit);
	fc.old_path = gmf_xstrdup(m->path);
	fc.new_path = gmf_xstrdup(p->new_path[i] ? p->new_path[i] : m->path);
	out->files = gmf_xrealloc(out->files, (out->nfiles + 1) * sizeof(fc));
	out->files[out->nfiles++] = fc;
}

/* Refuses a graph with problems a renumber cannot cure, naming them. */
static int refuse_incurable(const gmf_findings *findings)
{
	gmf_strbuf why = GMF_STRBUF_INIT;
	int rc = 0;

	if (incurable(findings, &why))
		rc = gmf_error_set(GMF_EREFUSED, "the migrations have problems that "
				   "renumbering cannot cure; fix these first:%s", why.buf);
	gmf_strbuf_release(&why);
	return rc;
}

static void planner_init(planner *p, gmf_graph *g)
{
	memset(p, 0, sizeof(*p));
	p->g = g;
	p->n = gmf_graph_count(g);
	p->moving = gmf_xcalloc(p->n + 1, 1);
	p->new_id = gmf_xcalloc(p->n + 1, sizeof(char *));
	p->new_path = gmf_xcalloc(p->n + 1, sizeof(char *));
	p->order = gmf_xcalloc(p->n + 1, sizeof(size_t));
	p->rp_at = gmf_xmalloc((p->n + 1) * sizeof(size_t));
	for (size_t i = 0; i <= p->n; i++)
		p->rp_at[i] = NONE;
	p->kept_head = NONE;
	p->last_target = NONE;
}

static void planner_release(planner *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->new_id[i]);
		free(p->new_path[i]);
	}
	free(p->new_id);
	free(p->new_path);
	free(p->moving);
	free(p->rp);
	free(p->rp_at);
	free(p->order);
}

/* Marks i and every descendant of i in out (by down_revision). */
static void mark_descendants(planner *p, size_t i, unsigned char *out)
{
	size_t *stack = gmf_xcalloc(p->n + 1, sizeof(size_t)), sp = 0;
	stack[sp++] = i;
	out[i] = 1;
	while (sp) {
		gmf_node *nd = N(p, stack[--sp]);
		for (size_t c = 0; c < nd->nchildren; c++)
			if (!out[nd->children[c]]) {
				out[nd->children[c]] = 1;
				stack[sp++] = nd->children[c];
			}
	}
	free(stack);
}

/* --move: the user names what moves, those and everything after them
 * (marked in sel); none of it may be published. */
static int select_moved(planner *p, const gmf_renumber_opts *o, unsigned char *sel)
{
	for (size_t i = 0; i < o->nmove; i++) {
		size_t k = gmf_graph_find(p->g, o->move[i]);
		if (k == NONE)
			return gmf_error_set(GMF_EREFUSED, "--move %s: no such revision",
					     o->move[i]);
		mark_descendants(p, k, sel);
	}
	for (size_t k = 0; k < p->n; k++)
		if (sel[k] && o->on_mainline && o->on_mainline[k])
			return gmf_error_set(GMF_EREFUSED,
					     "%s is published (on %s): migrations that are "
					     "already published never move", N(p, k)->id,
					     published_on(o, k));
	return 0;
}

/*
 * --move: the heads that move with the selection (*others, caller frees)
 * and the head they follow (*kept): --onto, or else the one head of the
 * first moved migration's chain that stays.
 */
static int move_heads(planner *p, const gmf_renumber_opts *o, const unsigned char *sel,
		      size_t *kept, size_t **others, size_t *nothers)
{
	size_t *heads, nh = gmf_graph_heads(p->g, &heads);
	size_t chain = N(p, gmf_graph_find(p->g, o->move[0]))->component;
	int rc = 0;

	*others = gmf_xcalloc(nh + 1, sizeof(size_t));
	*nothers = 0;
	*kept = o->onto ? gmf_graph_find(p->g, o->onto) : NONE;
	for (size_t k = 0; k < nh; k++) {
		if (sel[heads[k]]) {
			(*others)[(*nothers)++] = heads[k];
		} else if (!o->onto && N(p, heads[k])->component == chain) {
			if (*kept != NONE) {
				rc = gmf_error_set(GMF_EREFUSED,
						   "after moving, %s and %s would both stay "
						   "heads; say which to follow with --onto",
						   N(p, *kept)->id, N(p, heads[k])->id);
				break;
			}
			*kept = heads[k];
		}
	}
	if (rc == 0 && *kept == NONE)
		rc = gmf_error_set(GMF_EREFUSED, "nothing is left to move onto; "
				   "name the head to follow with --onto");
	else if (rc == 0 && sel[*kept])
		rc = gmf_error_set(GMF_EREFUSED, "--onto %s: that revision is "
				   "among those being moved", N(p, *kept)->id);
	free(heads);
	return rc;
}

/* The --move path: what the user named moves after one head. */
static int plan_moves(planner *p, const gmf_renumber_opts *o)
{
	unsigned char *sel = gmf_xcalloc(p->n + 1, 1);
	size_t kept = NONE, *others = NULL, nothers = 0;
	int rc = select_moved(p, o, sel);

	if (rc == 0)
		rc = move_heads(p, o, sel, &kept, &others, &nothers);
	if (rc == 0) {
		p->kept_head = kept;
		rc = plan_group(p, kept, others, nothers, o);
		if (nothers)
			p->last_target = others[nothers - 1];
	}
	free(others);
	free(sel);
	return rc;
}

/* --onto without --move: a head that exists (*onto, or NONE without it). */
static int onto_head(planner *p, const gmf_renumber_opts *o, size_t *onto)
{
	*onto = NONE;
	if (o->onto && (*onto = gmf_graph_find(p->g, o->onto)) == NONE)
		return gmf_error_set(GMF_EREFUSED, "--onto %s: no such revision", o->onto);
	if (*onto != NONE && N(p, *onto)->nchildren)
		return gmf_error_set(GMF_EREFUSED, "--onto %s: not a head (%s follows it)",
				     o->onto, N(p, N(p, *onto)->children[0])->id);
	return 0;
}

/*
 * The head of a branch that stays (*kept): --onto when it is one of the
 * branch's heads (else NONE: the branch is left alone), or the one head
 * on the mainline.  Refuses when the mainline cannot tell.
 */
static int kept_head_of(planner *p, const gmf_renumber_opts *o, const group *gr,
			size_t onto, size_t *kept)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t nkept = 0;
	int rc = 0;

	*kept = NONE;
	if (onto != NONE) {
		for (size_t k = 0; k < gr->n; k++)
			if (gr->v[k] == onto)
				*kept = onto;
		return 0;
	}
	list_ids(&sb, p, gr->v, gr->n);
	if (!o->on_mainline) {
		rc = gmf_error_set(GMF_EREFUSED,
				   "the branch has heads %s and there is no mainline to "
				   "tell which side is local; say which head stays with "
				   "`--onto <head>` (or which migrations move with "
				   "`--move <rev>`)", sb.buf);
		goto out;
	}
	for (size_t k = 0; k < gr->n; k++)
		if (o->on_mainline[gr->v[k]]) {
			*kept = gr->v[k];
			nkept++;
		}
	if (nkept > 1)
		rc = gmf_error_set(GMF_EREFUSED,
				   "the mainline (%s) itself has the heads %s; "
				   "write a merge migration with `git "
				   "migrate-fix merge`, or choose with --onto",
				   o->mainline_name ? o->mainline_name : "?", sb.buf);
	else if (nkept == 0)
		rc = gmf_error_set(GMF_EREFUSED,
				   "none of the heads %s is on the mainline "
				   "(%s); both sides are unpublished: say which "
				   "head stays with `--onto <head>`", sb.buf,
				   o->mainline_name ? o->mainline_name : "?");
out:
	gmf_strbuf_release(&sb);
	return rc;
}

/* Moves every other head of the branch gr after kept. */
static int plan_branch(planner *p, const gmf_renumber_opts *o, const group *gr, size_t kept)
{
	size_t *others = gmf_xcalloc(gr->n + 1, sizeof(size_t)), nothers = 0;
	int rc;

	for (size_t k = 0; k < gr->n; k++)
		if (gr->v[k] != kept)
			others[nothers++] = gr->v[k];
	rc = plan_group(p, kept, others, nothers, o);
	p->kept_head = kept;
	p->last_target = others[nothers - 1];
	free(others);
	return rc;
}

/* Without --move: every branch with more than one head keeps one. */
static int plan_branches(planner *p, const gmf_renumber_opts *o)
{
	group *groups = NULL;
	size_t ngroups = 0, onto;
	int rc = onto_head(p, o, &onto);

	if (rc == 0)
		ngroups = collect_groups(p, &groups);
	for (size_t gi = 0; gi < ngroups && rc == 0; gi++) {
		size_t kept;
		if (groups[gi].n < 2)
			continue;
		rc = kept_head_of(p, o, &groups[gi], onto, &kept);
		if (rc == 0 && kept != NONE)
			rc = plan_branch(p, o, &groups[gi], kept);
	}
	for (size_t i = 0; i < ngroups; i++)
		free(groups[i].v);
	free(groups);
	return rc;
}

/* Every file's change, in node order. */
static int edit_files(planner *p, gmf_plan *out)
{
	int failed = 0;
	for (size_t i = 0; i < p->n && !failed; i++)
		edit_file(p, i, out, &failed);
	return failed ? gmf_error_code() : 0;
}

static void add_renames(planner *p, gmf_plan *out)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->new_id[i]) {
			out->renames = gmf_xrealloc(out->renames,
						    (out->nrenames + 1) * sizeof(gmf_id_rename));
			out->renames[out->nrenames].old_id = gmf_xstrdup(N(p, i)->id);
			out->renames[out->nrenames++].new_id = gmf_xstrdup(p->new_id[i]);
		}
}

static void add_repoints(planner *p, gmf_plan *out)
{
	for (size_t i = 0; i < p->nrp; i++) {
		out->repoints = gmf_xrealloc(out->repoints,
					     (out->nrepoints + 1) * sizeof(gmf_repoint));
		out->repoints[out->nrepoints].revision = gmf_xstrdup(final_id(p, p->rp[i].node));
		out->repoints[out->nrepoints].old_parent =
			gmf_xstrdup(p->rp[i].from == NONE ? "None" : N(p, p->rp[i].from)->id);
		out->repoints[out->nrepoints++].new_parent = gmf_xstrdup(final_id(p, p->rp[i].to));
	}
}

/* Heads afterwards: a re-pointed migration's new parent gains a child,
 * its old parent loses one. */
static void add_heads_after(planner *p, gmf_plan *out)
{
	size_t *kids = gmf_xcalloc(p->n + 1, sizeof(size_t));
	for (size_t i = 0; i < p->n; i++)
		kids[i] = N(p, i)->nchildren;
	for (size_t i = 0; i < p->nrp; i++) {
		if (p->rp[i].from != NONE)
			kids[p->rp[i].from]--;
		kids[p->rp[i].to]++;
	}
	out->heads_after = gmf_xcalloc(p->n + 1, sizeof(char *));
	for (size_t i = 0; i < p->n; i++)
		if (!N(p, i)->duplicate && !kids[i])
			out->heads_after[out->nheads_after++] = gmf_xstrdup(final_id(p, i));
	free(kids);
}

/* The plan from the moves decided: names, edits, and what they amount to. */
static int build_plan(planner *p, const gmf_renumber_opts *o, gmf_plan *out)
{
	int rc;

	if (o->renumber && gmf_graph_is_sequenced(p->g) && (rc = renumber(p)) < 0)
		return rc;
	if ((rc = edit_files(p, out)) < 0)
		return rc;
	add_renames(p, out);
	add_repoints(p, out);
	add_heads_after(p, out);
	out->moving = gmf_xcalloc(p->norder + 1, sizeof(char *));
	for (size_t k = 0; k < p->norder; k++)
		out->moving[out->nmoving++] = gmf_xstrdup(N(p, p->order[k])->id);
	if (p->kept_head != NONE)
		out->onto = gmf_xstrdup(final_id(p, p->kept_head));
	if (p->last_target != NONE)
		out->new_head = gmf_xstrdup(final_id(p, p->last_target));
	return 0;
}

int gmf_renumber_plan(gmf_plan *out, gmf_graph *g, const gmf_findings *findings,
		 const gmf_renumber_opts *o)
{
	planner p;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = refuse_incurable(findings)) < 0)
		return rc;
	planner_init(&p, g);
	rc = o->nmove ? plan_moves(&p, o) : plan_branches(&p, o);
	/* nothing moves: an empty plan */
	if (rc == 0 && p.norder)
		rc = build_plan(&p, o, out);
	planner_release(&p);
	if (rc < 0)
		gmf_renumber_release(out);
	return rc;
}

char *gmf_apply_edits(const char *data, size_t len, const gmf_edit *edits, size_t n,
		      size_t *out_len)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t at = 0;
	gmf_strbuf_grow(&sb, len + 64);
	for (size_t i = 0; i < n; i++) {
		if (edits[i].off < at || edits[i].off + edits[i].len > len)
			continue; /* overlapping edits are never produced */
		gmf_strbuf_add(&sb, data + at, edits[i].off - at);
		gmf_strbuf_adds(&sb, edits[i].text);
		at = edits[i].off + edits[i].len;
	}
	gmf_strbuf_add(&sb, data + at, len - at);
	return gmf_strbuf_detach(&sb, out_len);
}

void gmf_renumber_render(gmf_plan *p, gmf_graph *g)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		gmf_file_change *fc = &p->files[i];
		gmf_migration *m = &gmf_graph_node(g, fc->node)->mig;
		free(fc->content);
		fc->content = gmf_apply_edits(m->data, m->size, fc->edits, fc->nedits, &fc->len);
	}
}

void gmf_file_change_release(gmf_file_change *fc)
{
	for (size_t k = 0; k < fc->nedits; k++)
		free(fc->edits[k].text);
	free(fc->edits);
	free(fc->old_path);
	free(fc->new_path);
	free(fc->content);
}

void gmf_renumber_release(gmf_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++)
		gmf_file_change_release(&p->files[i]);
	free(p->files);
	for (size_t i = 0; i < p->nrenames; i++) {
		free(p->renames[i].old_id);
		free(p->renames[i].new_id);
	}
	free(p->renames);
	for (size_t i = 0; i < p->nrepoints; i++) {
		free(p->repoints[i].revision);
		free(p->repoints[i].old_parent);
		free(p->repoints[i].new_parent);
	}
	free(p->repoints);
	for (size_t i = 0; i < p->nmoving; i++)
		free(p->moving[i]);
	free(p->moving);
	free(p->onto);
	free(p->new_head);
	for (size_t i = 0; i < p->nheads_after; i++)
		free(p->heads_after[i]);
	free(p->heads_after);
	memset(p, 0, sizeof(*p));
}
