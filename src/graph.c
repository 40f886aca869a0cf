/* SPDX-License-Identifier: MIT */
/* graph: see include/gmf/graph.h. */
#include "gmf/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/arena.h"
#include "gmf/strbuf.h"

#define NONE ((size_t)-1)

typedef struct {
	char *path;
	gmf_finding_code code;
	gmf_diag diag;
} bad_file;

/* A slot holds the id itself and its full hash, so that a probe reads
 * one slot and, when the hashes agree, one string: not the node too. */
typedef struct {
	const char *id;
	uint32_t hash;
	uint32_t node;
} id_slot;

struct gmf_graph {
	gmf_node *nodes;
	size_t n, alloc;
	int nodes_big;     /* nodes came from gmf_big_calloc */
	size_t *edges;     /* every node's parents, then every node's children */
	char **labelv;     /* every node's labels, each list NULL-terminated */
	int opaque_labels; /* a label is an expression the reader kept as text */
	id_slot *lslots;   /* open addressing over the labels */
	size_t nlslots;
	gmf_arena **arenas; /* hold the strings of loaded migrations */
	size_t narenas;
	struct kept { void (*release)(void *); void *p; } *kept; /* likewise */
	size_t nkept;
	id_slot *slots; /* open addressing over the ids; id NULL = empty */
	size_t nslots;
	bad_file *bad;
	size_t nbad, abad;
	gmf_naming naming;     /* in force: resolved by resolve_naming */
	gmf_naming tpl_naming; /* what file_template alone says, or NONE */
	gmf_naming naming_req; /* as set by gmf_graph_set_naming */
	char *naming_template; /* likewise (owned), or NULL */
	int sequenced;
	int built;
};

static size_t hash_str(const char *s);

/* ------------------------------------------------------------ findings */

static const char *const code_names[GMF_F__COUNT] = {
	[GMF_F_UNREADABLE] = "unreadable",
	[GMF_F_PARSE] = "parse-error",
	[GMF_F_DUPLICATE_REVISION] = "duplicate-revision",
	[GMF_F_MISSING_PARENT] = "missing-parent",
	[GMF_F_MISSING_DEPENDENCY] = "missing-dependency",
	[GMF_F_MULTIPLE_HEADS] = "multiple-heads",
	[GMF_F_MULTIPLE_ROOTS] = "multiple-roots",
	[GMF_F_CYCLE] = "cycle",
	[GMF_F_FILENAME_MISMATCH] = "filename-mismatch",
	[GMF_F_UNSAFE_ID] = "unsafe-revision-id",
	[GMF_F_OPAQUE_VALUE] = "opaque-value",
	[GMF_F_DOCSTRING_MISMATCH] = "docstring-mismatch",
	[GMF_F_DUPLICATE_SEQUENCE] = "duplicate-sequence",
	[GMF_F_REASSIGNED] = "reassigned",
	[GMF_F_LOCKFILE] = "stale-lockfile",
	[GMF_F_NESTED] = "nested-migrations",
};

static const gmf_severity code_sev[GMF_F__COUNT] = {
	[GMF_F_UNREADABLE] = GMF_SEV_FATAL,
	[GMF_F_PARSE] = GMF_SEV_FATAL,
	[GMF_F_DUPLICATE_REVISION] = GMF_SEV_ERROR,
	[GMF_F_MISSING_PARENT] = GMF_SEV_ERROR,
	[GMF_F_MISSING_DEPENDENCY] = GMF_SEV_ERROR,
	[GMF_F_MULTIPLE_HEADS] = GMF_SEV_ERROR,
	[GMF_F_MULTIPLE_ROOTS] = GMF_SEV_ERROR,
	[GMF_F_CYCLE] = GMF_SEV_ERROR,
	[GMF_F_FILENAME_MISMATCH] = GMF_SEV_ERROR,
	[GMF_F_UNSAFE_ID] = GMF_SEV_ERROR,
	[GMF_F_OPAQUE_VALUE] = GMF_SEV_WARNING,
	[GMF_F_DOCSTRING_MISMATCH] = GMF_SEV_WARNING,
	[GMF_F_DUPLICATE_SEQUENCE] = GMF_SEV_WARNING,
	[GMF_F_REASSIGNED] = GMF_SEV_WARNING,
	[GMF_F_LOCKFILE] = GMF_SEV_ERROR,
	[GMF_F_NESTED] = GMF_SEV_WARNING,
};

const char *gmf_finding_code_name(gmf_finding_code c)
{
	return c < GMF_F__COUNT ? code_names[c] : "unknown";
}

int gmf_finding_code_parse(const char *name)
{
	for (int c = 0; c < GMF_F__COUNT; c++)
		if (!strcmp(code_names[c], name))
			return c;
	return -1;
}

gmf_severity gmf_finding_code_severity(gmf_finding_code c)
{
	return c < GMF_F__COUNT ? code_sev[c] : GMF_SEV_FATAL;
}

const char *gmf_severity_name(gmf_severity s)
{
	switch (s) {
	case GMF_SEV_WARNING: return "warning";
	case GMF_SEV_ERROR: return "error";
	case GMF_SEV_FATAL: return "fatal";
	}
	return "unknown";
}

void gmf_findings_init(gmf_findings *f)
{
	memset(f, 0, sizeof(*f));
}

static void finding_release(gmf_finding *x)
{
	free(x->message);
	free(x->hint);
	for (size_t k = 0; k < x->nlocs; k++)
		free(x->locs[k].path);
	free(x->locs);
	for (size_t k = 0; k < x->nrevisions; k++)
		free(x->revisions[k]);
	free(x->revisions);
	free(x->rev_index);
}

void gmf_findings_release(gmf_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		finding_release(&f->items[i]);
	free(f->items);
	gmf_findings_init(f);
}

gmf_finding *gmf_findings_add(gmf_findings *f, gmf_finding_code code,
			      const char *hint, const char *fmt, ...)
{
	gmf_finding *x;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	va_list ap;

	GMF_ALLOC_GROW(f->items, f->n + 1, f->alloc);
	x = &f->items[f->n++];
	memset(x, 0, sizeof(*x));
	x->code = code;
	x->severity = code_sev[code];
	va_start(ap, fmt);
	gmf_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	x->message = gmf_strbuf_detach(&sb, NULL);
	x->hint = gmf_xstrdup(hint ? hint : "");
	return x;
}

/* Room for one more of n items of size sz: doubles at each power of two,
 * so a finding naming a million revisions costs linear time. */
static void *grow_pow2(void *p, size_t n, size_t sz)
{
	if (n && (n & (n - 1)))
		return p;
	return gmf_xrealloc(p, (n ? 2 * n : 4) * sz);
}

void gmf_finding_add_loc(gmf_finding *f, const char *path, unsigned line)
{
	f->locs = grow_pow2(f->locs, f->nlocs, sizeof(*f->locs));
	f->locs[f->nlocs].path = gmf_xstrdup(path);
	f->locs[f->nlocs++].line = line;
}

/*
 * The revisions of a finding are distinct.  A few are compared one by
 * one; past that a hash table (rebuilt as it doubles, indices + 1, 0 for
 * empty) keeps each addition constant time: a cycle of a million
 * migrations is one finding.
 */
#define REV_INDEX_MIN 16

static void rev_index_put(size_t *tab, size_t ntab, char **revs, size_t i)
{
	size_t h = hash_str(revs[i]) & (ntab - 1);
	while (tab[h])
		h = (h + 1) & (ntab - 1);
	tab[h] = i + 1;
}

void gmf_finding_add_rev(gmf_finding *f, const char *rev)
{
	if (f->nrevisions < REV_INDEX_MIN) {
		for (size_t i = 0; i < f->nrevisions; i++)
			if (!strcmp(f->revisions[i], rev))
				return;
	} else {
		size_t ntab = f->rev_nindex, h;
		if (!ntab || f->nrevisions * 2 >= ntab) {
			ntab = 64;
			while (ntab < f->nrevisions * 4)
				ntab *= 2;
			free(f->rev_index);
			f->rev_index = gmf_xcalloc(ntab, sizeof(size_t));
			f->rev_nindex = ntab;
			for (size_t i = 0; i < f->nrevisions; i++)
				rev_index_put(f->rev_index, ntab, f->revisions, i);
		}
		for (h = hash_str(rev) & (ntab - 1); f->rev_index[h]; h = (h + 1) & (ntab - 1))
			if (!strcmp(f->revisions[f->rev_index[h] - 1], rev))
				return;
	}
	f->revisions = grow_pow2(f->revisions, f->nrevisions, sizeof(char *));
	f->revisions[f->nrevisions++] = gmf_xstrdup(rev);
	if (f->rev_index)
		rev_index_put(f->rev_index, f->rev_nindex, f->revisions, f->nrevisions - 1);
}

size_t gmf_findings_drop(gmf_findings *f, unsigned long mask)
{
	size_t kept = 0, dropped = 0;
	for (size_t i = 0; i < f->n; i++) {
		gmf_finding *x = &f->items[i];
		/* only warnings: an error is never silenced */
		if (x->severity == GMF_SEV_WARNING && ((mask >> x->code) & 1UL)) {
			finding_release(x);
			dropped++;
			continue;
		}
		f->items[kept++] = *x;
	}
	f->n = kept;
	return dropped;
}

gmf_severity gmf_findings_worst(const gmf_findings *f)
{
	gmf_severity w = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].severity > w)
			w = f->items[i].severity;
	return w;
}

/* --------------------------------------------------------------- graph */

gmf_graph *gmf_graph_new(void)
{
	return gmf_xcalloc(1, sizeof(gmf_graph));
}

void gmf_graph_free(gmf_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		gmf_migration_release(&g->nodes[i].mig);
	if (g->nodes_big)
		gmf_big_free(g->nodes, g->alloc * sizeof(*g->nodes));
	else
		free(g->nodes);
	free(g->edges);
	free(g->labelv);
	for (size_t i = 0; i < g->narenas; i++)
		gmf_arena_free(g->arenas[i]);
	free(g->arenas);
	for (size_t i = 0; i < g->nkept; i++)
		g->kept[i].release(g->kept[i].p);
	free(g->kept);
	free(g->slots);
	free(g->lslots);
	for (size_t i = 0; i < g->nbad; i++)
		free(g->bad[i].path);
	free(g->bad);
	free(g->naming_template);
	free(g);
}

void gmf_graph_reserve(gmf_graph *g, size_t n)
{
	if (n <= g->alloc)
		return;
	if (g->nodes_big) {
		gmf_node *p = gmf_xmalloc(n * sizeof(*p));
		memcpy(p, g->nodes, g->n * sizeof(*p));
		gmf_big_free(g->nodes, g->alloc * sizeof(*p));
		g->nodes = p;
		g->nodes_big = 0;
	} else {
		g->nodes = gmf_xrealloc(g->nodes, n * sizeof(*g->nodes));
	}
	g->alloc = n;
}

void gmf_graph_resize(gmf_graph *g, size_t n)
{
	if (n > g->alloc && g->n == 0) {
		/* a loader's first fill: fresh zeroed memory, no memset pass */
		if (g->nodes_big)
			gmf_big_free(g->nodes, g->alloc * sizeof(*g->nodes));
		else
			free(g->nodes);
		g->nodes = gmf_big_calloc(n * sizeof(*g->nodes));
		g->nodes_big = 1;
		g->alloc = n;
	} else {
		gmf_graph_reserve(g, n);
		if (n)
			memset(g->nodes, 0, n * sizeof(*g->nodes));
	}
	g->n = n;
	g->built = 0;
}

void gmf_graph_keep(gmf_graph *g, void (*release)(void *), void *p)
{
	g->kept = gmf_xrealloc(g->kept, (g->nkept + 1) * sizeof(*g->kept));
	g->kept[g->nkept].release = release;
	g->kept[g->nkept++].p = p;
}

void gmf_graph_adopt_arena(gmf_graph *g, gmf_arena *a)
{
	g->arenas = gmf_xrealloc(g->arenas, (g->narenas + 1) * sizeof(*g->arenas));
	g->arenas[g->narenas++] = a;
}

void gmf_graph_compact(gmf_graph *g, const int *keep_rc)
{
	size_t w = 0;
	for (size_t i = 0; i < g->n; i++)
		if (keep_rc[i] >= 0) {
			if (w != i)
				g->nodes[w] = g->nodes[i];
			w++;
		}
	g->n = w;
	g->built = 0;
}

void gmf_graph_add(gmf_graph *g, gmf_migration *m)
{
	gmf_node *nd;
	if (g->n + 1 > g->alloc)
		gmf_graph_reserve(g, g->alloc ? g->alloc * 2 : 16);
	nd = &g->nodes[g->n++];
	memset(nd, 0, sizeof(*nd));
	nd->mig = *m;
	memset(m, 0, sizeof(*m));
	g->built = 0;
}

void gmf_graph_add_unreadable(gmf_graph *g, const char *path,
			      gmf_finding_code code, const gmf_diag *diag)
{
	GMF_ALLOC_GROW(g->bad, g->nbad + 1, g->abad);
	g->bad[g->nbad].path = gmf_xstrdup(path);
	g->bad[g->nbad].code = code;
	g->bad[g->nbad].diag = *diag;
	g->nbad++;
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

size_t gmf_graph_find(const gmf_graph *g, const char *id)
{
	size_t i, h;
	if (!g->nslots)
		return NONE;
	h = hash_str(id);
	for (i = h & (g->nslots - 1); g->slots[i].id; i = (i + 1) & (g->nslots - 1))
		if (g->slots[i].hash == (uint32_t)h && !strcmp(g->slots[i].id, id))
			return g->slots[i].node;
	return NONE;
}

/* -------------------------------------------------------------- naming */

static int naming_ok(gmf_naming nm, const char *stem, const char *id)
{
	size_t sl = strlen(stem), il = strlen(id);
	const char *p;
	switch (nm) {
	case GMF_NAMING_AUTO:
	case GMF_NAMING_NONE:
		return 1;
	case GMF_NAMING_STEM:
		return !strcmp(stem, id);
	case GMF_NAMING_PREFIX:
		return !strncmp(stem, id, il) && (sl == il || stem[il] == '_');
	case GMF_NAMING_CONTAINS:
		/* separated from the rest: 2024_03_01_1015-<rev>_<slug> */
		for (p = stem; (p = strstr(p, id)) != NULL; p++)
			if ((p == stem || strchr("_-.", p[-1])) &&
			    (p[il] == '\0' || strchr("_-.", p[il])))
				return 1;
		return 0;
	}
	return 1;
}

static gmf_naming template_naming(const char *tpl)
{
	const char *r;
	if (!tpl || !(r = strstr(tpl, "%(rev)s")))
		return GMF_NAMING_NONE;
	return r == tpl ? GMF_NAMING_PREFIX : GMF_NAMING_CONTAINS;
}

static gmf_naming detect_naming(const gmf_graph *g)
{
	static const gmf_naming order[] = { GMF_NAMING_STEM, GMF_NAMING_PREFIX,
					    GMF_NAMING_CONTAINS };
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		n += !g->nodes[i].duplicate;
	if (n < 2)
		return GMF_NAMING_NONE;
	for (size_t o = 0; o < 3; o++) {
		size_t ok = 0;
		for (size_t i = 0; i < g->n; i++)
			if (!g->nodes[i].duplicate)
				ok += naming_ok(order[o], g->nodes[i].mig.stem,
						g->nodes[i].id);
		/* most files follow it; a lone stray file in a small project
		 * is the mismatch to report, not a reason to give up */
		if (ok * 10 >= n * 9 || (n >= 4 && n - ok <= 1))
			return order[o];
	}
	return GMF_NAMING_NONE;
}

/*
 * Sets g->naming and g->tpl_naming from the requested convention and the
 * template: needs the duplicates marked, so it runs at the end of a build.
 */
static void resolve_naming(gmf_graph *g)
{
	gmf_naming req = g->naming_req;
	gmf_naming tpl;

	g->naming = req == GMF_NAMING_AUTO ? detect_naming(g) : req;
	tpl = req == GMF_NAMING_AUTO ? template_naming(g->naming_template)
				     : GMF_NAMING_NONE;
	/* too few files to tell: the template says how files are named, as
	 * long as the files themselves do not contradict it (a project that
	 * renames files its own way keeps the default template line) */
	if (g->naming == GMF_NAMING_NONE && req == GMF_NAMING_AUTO &&
	    tpl != GMF_NAMING_NONE) {
		size_t ok = 0, n = 0;
		for (size_t i = 0; i < g->n; i++)
			if (!g->nodes[i].duplicate) {
				n++;
				ok += naming_ok(tpl, g->nodes[i].mig.stem, g->nodes[i].id);
			}
		if (ok * 2 >= n)
			g->naming = tpl;
	}
	g->tpl_naming = tpl;
}

void gmf_graph_set_naming(gmf_graph *g, gmf_naming requested,
			  const char *file_template)
{
	if (file_template != g->naming_template) {
		/* copy first: the two may overlap */
		char *copy = file_template ? gmf_xstrdup(file_template) : NULL;
		free(g->naming_template);
		g->naming_template = copy;
	}
	g->naming_req = requested;
	if (g->built)
		resolve_naming(g);
}
static long leading_number(const char *stem, int *width)
{
	size_t n = 0;
	long v = 0;
	while (stem[n] >= '0' && stem[n] <= '9' && n < 18)
		v = v * 10 + (stem[n++] - '0');
	if (!n || (stem[n] != '_' && stem[n] != '\0'))
		return -1;
	*width = (int)n;
	return v;
}

/* Date-like prefixes (20240301_, 2024_03_01_) are not sequence numbers. */
static int date_like(const char *stem, int width)
{
	if (width >= 8)
		return 1;
	if (width == 4 && (stem[0] == '1' || stem[0] == '2') &&
	    stem[4] == '_' && stem[5] >= '0' && stem[5] <= '9' &&
	    stem[6] >= '0' && stem[6] <= '9' && stem[7] == '_')
		return 1;
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

/* Sizes the id table and the two shared arrays that hold every node's
 * parents, children and labels. */
static void alloc_tables(gmf_graph *g)
{
	size_t nedges = 0, nlabelv = 0;

	free(g->slots);
	/* at most two thirds full (the table is one of the larger blocks of
	 * a run; a probe compares hashes before strings) */
	g->nslots = 16;
	while (g->nslots < g->n + g->n / 2 + 2)
		g->nslots *= 2;
	g->slots = gmf_xcalloc(g->nslots, sizeof(id_slot));
	/* parents, children and labels live in two shared arrays */
	free(g->edges);
	free(g->labelv);
	for (size_t i = 0; i < g->n; i++) {
		const gmf_migration *m = &g->nodes[i].mig;
		nedges += m->down_revision.nitems;
		if (m->branch_labels.kind != GMF_VAL_MISSING &&
		    m->branch_labels.kind != GMF_VAL_NONE)
			nlabelv += m->branch_labels.nitems + 1;
	}
	g->edges = gmf_xmalloc((2 * nedges + 1) * sizeof(size_t));
	g->labelv = gmf_xmalloc((nlabelv + 1) * sizeof(char *));
}

/* Per node: its id in the table (a later file with a known id is a
 * duplicate), its sequence number and its branch labels. */
static void index_nodes(gmf_graph *g)
{
	char **labelv = g->labelv;
	size_t k;

	g->opaque_labels = 0;
	for (size_t i = 0; i < g->n; i++) {
		gmf_node *nd = &g->nodes[i];
		size_t h, hv;
		nd->parents = nd->children = NULL;
		nd->labels = NULL;
		nd->nparents = nd->nchildren = nd->nlabels = 0;
		nd->id = nd->mig.revision.items[0].text;
		nd->duplicate = 0;
		hv = hash_str(nd->id);
		for (h = hv & (g->nslots - 1); g->slots[h].id; h = (h + 1) & (g->nslots - 1))
			if (g->slots[h].hash == (uint32_t)hv && !strcmp(g->slots[h].id, nd->id)) {
				nd->duplicate = 1;
				break;
			}
		if (!nd->duplicate) {
			g->slots[h].id = nd->id;
			g->slots[h].hash = (uint32_t)hv;
			g->slots[h].node = (uint32_t)i;
		}
		nd->seq = leading_number(nd->mig.stem, &nd->seq_width);
		if (nd->seq >= 0 && date_like(nd->mig.stem, nd->seq_width))
			nd->seq = -1;
		/* a label the reader could not evaluate (cli.CONTRACT_BRANCH)
		 * is still a label: it goes by its expression */
		if (nd->mig.branch_labels.kind == GMF_VAL_OPAQUE && nd->mig.branch_labels.nitems)
			g->opaque_labels = 1;
		if (nd->mig.branch_labels.kind != GMF_VAL_MISSING &&
		    nd->mig.branch_labels.kind != GMF_VAL_NONE) {
			nd->nlabels = nd->mig.branch_labels.nitems;
			nd->labels = labelv;
			for (k = 0; k < nd->nlabels; k++)
				nd->labels[k] = nd->mig.branch_labels.items[k].text;
			nd->labels[k] = NULL;
			labelv += nd->nlabels + 1;
		}
	}
}

/* Parents and children, both out of g->edges. */
static void link_nodes(gmf_graph *g)
{
	size_t *edge = g->edges;
	size_t i, k;

	/* parents (distinct, known, not itself), counting children */
	for (i = 0; i < g->n; i++) {
		gmf_node *nd = &g->nodes[i];
		const gmf_value *dv = &nd->mig.down_revision;
		if (nd->duplicate)
			continue;
		nd->parents = edge;
		for (k = 0; k < dv->nitems; k++) {
			size_t p = gmf_graph_find(g, dv->items[k].text);
			int dup = 0;
			if (p == NONE || p == i)
				continue;
			for (size_t j = 0; j < nd->nparents; j++)
				dup |= nd->parents[j] == p;
			if (dup)
				continue;
			nd->parents[nd->nparents++] = p;
			g->nodes[p].nchildren++;
		}
		edge += nd->nparents;
	}
	/* children, in the order of the nodes, as before */
	for (i = 0; i < g->n; i++) {
		gmf_node *nd = &g->nodes[i];
		if (nd->nchildren) {
			nd->children = edge;
			edge += nd->nchildren;
			nd->nchildren = 0;
		}
	}
	for (i = 0; i < g->n; i++) {
		gmf_node *nd = &g->nodes[i];
		for (k = 0; k < nd->nparents; k++) {
			gmf_node *p = &g->nodes[nd->parents[k]];
			p->children[p->nchildren++] = i;
		}
	}
}

/* Independent chains: union-find over down_revision edges. */
static void find_components(gmf_graph *g)
{
	size_t *up = gmf_xcalloc(g->n + 1, sizeof(size_t));
	size_t i;

	for (i = 0; i < g->n; i++)
		up[i] = i;
	for (i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->nodes[i].nparents; k++) {
			size_t a = i, b = g->nodes[i].parents[k];
			while (up[a] != a)
				a = up[a] = up[up[a]];
			while (up[b] != b)
				b = up[b] = up[up[b]];
			if (a != b)
				up[a < b ? b : a] = a < b ? a : b;
		}
	for (i = 0; i < g->n; i++) {
		size_t a = i;
		while (up[a] != a)
			a = up[a];
		g->nodes[i].component = a;
	}
	free(up);
}

/* A project numbers its files when most do, with distinct numbers. */
static int detect_sequenced(const gmf_graph *g)
{
	long *seqs = gmf_xcalloc(g->n + 1, sizeof(long));
	size_t i, numbered = 0, distinct = 0;

	for (i = 0; i < g->n; i++)
		if (g->nodes[i].seq >= 0)
			seqs[numbered++] = g->nodes[i].seq;
	/* files sort by name, so numbers of one width come in order:
	 * sorting is only needed when they do not */
	for (i = 1; i < numbered && seqs[i - 1] <= seqs[i]; i++)
		;
	if (i < numbered)
		qsort(seqs, numbered, sizeof(long), cmp_long);
	for (i = 0; i < numbered; i++)
		distinct += !i || seqs[i] != seqs[i - 1];
	free(seqs);
	/* two branches that each added a file share numbers: that is the
	 * very case to repair, so only demand that most numbers differ */
	return g->n >= 2 && numbered * 10 >= g->n * 8 && distinct * 2 > numbered;
}

/* Every label in a table of its own, so a depends_on is looked up in
 * constant time. */
static void index_labels(gmf_graph *g)
{
	size_t nl = 0;
	for (size_t i = 0; i < g->n; i++)
		nl += g->nodes[i].nlabels;
	free(g->lslots);
	g->nlslots = 16;
	while (g->nlslots < nl + nl / 2 + 2)
		g->nlslots *= 2;
	g->lslots = gmf_xcalloc(g->nlslots, sizeof(id_slot));
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->nodes[i].nlabels; k++) {
			const char *l = g->nodes[i].labels[k];
			size_t hv = hash_str(l), h;
			for (h = hv & (g->nlslots - 1); g->lslots[h].id;
			     h = (h + 1) & (g->nlslots - 1))
				if (!strcmp(g->lslots[h].id, l))
					break;
			g->lslots[h].id = l;
			g->lslots[h].hash = (uint32_t)hv;
			g->lslots[h].node = (uint32_t)i;
		}
}

void gmf_graph_build(gmf_graph *g)
{
	alloc_tables(g);
	index_nodes(g);
	index_labels(g);
	link_nodes(g);
	find_components(g);
	g->sequenced = detect_sequenced(g);
	resolve_naming(g);
	g->built = 1;
}

size_t gmf_graph_count(const gmf_graph *g)
{
	return g->n;
}

gmf_node *gmf_graph_node(const gmf_graph *g, size_t i)
{
	return i < g->n ? &g->nodes[i] : NULL;
}

size_t gmf_graph_heads(const gmf_graph *g, size_t **out)
{
	size_t n = 0;
	*out = gmf_xcalloc(g->n + 1, sizeof(size_t));
	for (size_t i = 0; i < g->n; i++)
		if (!g->nodes[i].duplicate && !g->nodes[i].nchildren)
			(*out)[n++] = i;
	return n;
}

static int is_root(const gmf_node *nd)
{
	const gmf_value *dv = &nd->mig.down_revision;
	return dv->kind == GMF_VAL_NONE || dv->kind == GMF_VAL_MISSING ||
	       (dv->kind == GMF_VAL_SEQ && dv->nitems == 0) ||
	       /* `down_revision = ""`: a base for Alembic up to 1.12.0 */
	       (dv->kind == GMF_VAL_STRING && !dv->items[0].text[0]);
}

size_t gmf_graph_roots(const gmf_graph *g, size_t **out)
{
	size_t n = 0;
	*out = gmf_xcalloc(g->n + 1, sizeof(size_t));
	for (size_t i = 0; i < g->n; i++)
		if (!g->nodes[i].duplicate && is_root(&g->nodes[i]))
			(*out)[n++] = i;
	return n;
}

gmf_naming gmf_graph_naming(const gmf_graph *g)
{
	return g->naming;
}

int gmf_graph_is_sequenced(const gmf_graph *g)
{
	return g->sequenced;
}

/* -------------------------------------------------------------- checks */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Labels on the stretch of a chain that belongs to one head (or root). */
static char *branch_key(const gmf_graph *g, size_t start, int downward)
{
	const char **labels = NULL;
	size_t nl = 0, steps = 0;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t cur = start;

	for (;;) {
		const gmf_node *nd = &g->nodes[cur];
		labels = gmf_xrealloc(labels, (nl + nd->nlabels + 1) * sizeof(char *));
		for (size_t k = 0; k < nd->nlabels; k++)
			labels[nl++] = nd->labels[k];
		if (++steps > g->n)
			break;
		if (downward) {
			size_t p;
			if (nd->nparents != 1)
				break;
			p = nd->parents[0];
			if (g->nodes[p].nchildren != 1)
				break;
			cur = p;
		} else {
			size_t c;
			if (nd->nchildren != 1)
				break;
			c = nd->children[0];
			if (g->nodes[c].nparents != 1)
				break;
			cur = c;
		}
	}
	if (nl)
		qsort(labels, nl, sizeof(char *), cmp_str);
	for (size_t k = 0; k < nl; k++) {
		if (k && !strcmp(labels[k], labels[k - 1]))
			continue;
		if (sb.len)
			gmf_strbuf_addch(&sb, ',');
		gmf_strbuf_adds(&sb, labels[k]);
	}
	free(labels);
	return gmf_strbuf_detach(&sb, NULL);
}

/* qsort has no context argument in C11: what the ends are sorted by. */
static const gmf_graph *ends_graph;
static char **ends_keys;
static const size_t *ends_v;
static int ends_by_chain;

/* By branch (labels; for roots also the chain), then file order. */
static int cmp_end(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(ends_keys[x], ends_keys[y]);
	if (c)
		return c;
	if (ends_by_chain) {
		size_t cx = ends_graph->nodes[ends_v[x]].component;
		size_t cy = ends_graph->nodes[ends_v[y]].component;
		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	return x < y ? -1 : x > y;
}

static int cmp_run(const void *a, const void *b)
{
	const size_t *x = a, *y = b; /* { first index, start, length } */
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * Heads (or roots) that fall in one branch.  Heads are judged per
 * branch label only: `alembic upgrade head` fails on two unlabelled
 * heads even when they are independent chains (two roots), so chains
 * without labels are one branch.  Roots are judged per chain as well.
 * Sorting keeps it O(n log n) however many ends there are.
 */
int gmf_graph_group_ends(const gmf_graph *g, const size_t *ends, size_t n, int by_chain,
			 size_t **order_out, size_t **runs_out)
{
	char **keys = gmf_xcalloc(n + 1, sizeof(char *));
	size_t *ix = gmf_xcalloc(n + 1, sizeof(size_t));
	size_t *runs = gmf_xcalloc(3 * n + 3, sizeof(size_t)), nruns = 0;

	for (size_t i = 0; i < n; i++) {
		keys[i] = branch_key(g, ends[i], 1);
		ix[i] = i;
	}
	ends_graph = g;
	ends_keys = keys;
	ends_v = ends;
	ends_by_chain = by_chain;
	qsort(ix, n, sizeof(size_t), cmp_end);
	for (size_t i = 0; i < n;) {
		size_t e = i + 1;
		while (e < n && !strcmp(keys[ix[e]], keys[ix[i]]) &&
		       (!by_chain || g->nodes[ends[ix[e]]].component ==
					     g->nodes[ends[ix[i]]].component))
			e++;
		runs[3 * nruns] = ix[i];
		runs[3 * nruns + 1] = i;
		runs[3 * nruns + 2] = e - i;
		nruns++;
		i = e;
	}
	qsort(runs, nruns, 3 * sizeof(size_t), cmp_run);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	*order_out = ix;
	*runs_out = runs;
	return (int)nruns;
}

static void check_ends(gmf_graph *g, gmf_findings *out, int heads)
{
	size_t *ends, n = heads ? gmf_graph_heads(g, &ends) : gmf_graph_roots(g, &ends);
	size_t *ix, *runs;
	int nruns;

	if (n < 2) {
		free(ends);
		return;
	}
	/* roots: the labels below them are those of the head side, so a root
	 * is keyed by the labels on its own stretch going up */
	if (heads) {
		nruns = gmf_graph_group_ends(g, ends, n, 0, &ix, &runs);
	} else {
		char **keys = gmf_xcalloc(n + 1, sizeof(char *));
		size_t nr = 0;
		ix = gmf_xcalloc(n + 1, sizeof(size_t));
		runs = gmf_xcalloc(3 * n + 3, sizeof(size_t));
		for (size_t i = 0; i < n; i++) {
			keys[i] = branch_key(g, ends[i], 0);
			ix[i] = i;
		}
		ends_graph = g;
		ends_keys = keys;
		ends_v = ends;
		ends_by_chain = 1;
		qsort(ix, n, sizeof(size_t), cmp_end);
		for (size_t i = 0; i < n;) {
			size_t e = i + 1;
			while (e < n && !strcmp(keys[ix[e]], keys[ix[i]]) &&
			       g->nodes[ends[ix[e]]].component == g->nodes[ends[ix[i]]].component)
				e++;
			runs[3 * nr] = ix[i];
			runs[3 * nr + 1] = i;
			runs[3 * nr + 2] = e - i;
			nr++;
			i = e;
		}
		qsort(runs, nr, 3 * sizeof(size_t), cmp_run);
		for (size_t i = 0; i < n; i++)
			free(keys[i]);
		free(keys);
		nruns = (int)nr;
	}
	for (int r = 0; r < nruns; r++) {
		size_t at = runs[3 * r + 1], same = runs[3 * r + 2];
		char *key;
		int chains = 0;
		gmf_finding *f;
		gmf_strbuf list = GMF_STRBUF_INIT;
		if (same < 2)
			continue;
		key = branch_key(g, ends[ix[at]], heads);
		for (size_t j = at; j < at + same; j++) {
			if (list.len)
				gmf_strbuf_adds(&list, ", ");
			gmf_strbuf_adds(&list, g->nodes[ends[ix[j]]].id);
			chains |= g->nodes[ends[ix[j]]].component !=
				  g->nodes[ends[ix[at]]].component;
		}
		if (heads)
			f = gmf_findings_add(out, GMF_F_MULTIPLE_HEADS,
					     chains ? "give each independent chain its own "
						      "branch_labels, or run `git migrate-fix fix` "
						      "to put the local chain after the other head"
						    : "run `git migrate-fix fix` to put the local "
						      "migrations after the mainline head, or "
						      "`git migrate-fix merge` to write a merge migration",
					     "%zu heads in %s%s%s%s: %s", same,
					     chains ? "chains without branch labels (several roots)"
						    : "one chain",
					     *key ? " (branch " : "", key, *key ? ")" : "", list.buf);
		else
			f = gmf_findings_add(out, GMF_F_MULTIPLE_ROOTS,
					     "point every root but one at an existing revision, "
					     "or give each independent chain its own branch_labels",
					     "%zu roots in one chain%s%s%s: %s", same,
					     *key ? " (branch " : "", key, *key ? ")" : "", list.buf);
		for (size_t j = at; j < at + same; j++) {
			const gmf_node *nd = &g->nodes[ends[ix[j]]];
			gmf_finding_add_loc(f, nd->mig.path, nd->mig.revision.line);
			gmf_finding_add_rev(f, nd->id);
		}
		free(key);
		gmf_strbuf_release(&list);
	}
	free(ix);
	free(runs);
	free(ends);
}

/* The first parent of node i that the topological pass could not remove. */
static size_t left_parent(const gmf_graph *g, const char *state, size_t i)
{
	for (size_t k = 0; k < g->nodes[i].nparents; k++)
		if (!state[g->nodes[i].parents[k]])
			return g->nodes[i].parents[k];
	return i; /* cannot happen for a node left over */
}

/* A node whose down_revision names itself. */
static void check_self_parent(const gmf_node *nd, gmf_findings *out)
{
	for (size_t k = 0; k < nd->mig.down_revision.nitems; k++)
		if (!strcmp(nd->mig.down_revision.items[k].text, nd->id)) {
			gmf_finding *f = gmf_findings_add(
				out, GMF_F_CYCLE,
				"a migration cannot be its own parent: point "
				"down_revision at the revision before it",
				"revision %s names itself in down_revision", nd->id);
			gmf_finding_add_loc(f, nd->mig.path,
					    nd->mig.down_revision.items[k].span.line);
			gmf_finding_add_rev(f, nd->id);
		}
}

/*
 * What is left lies on a cycle or above one, and every such node has a
 * parent that is left too.  Following the first such parent from each
 * unvisited node either meets this walk again (a cycle) or an earlier
 * walk (nothing new).
 */
static void report_cycles(const gmf_graph *g, const char *state, gmf_findings *out)
{
	size_t *stamp = gmf_xcalloc(g->n + 1, sizeof(size_t));
	for (size_t i = 0; i < g->n; i++) {
		size_t cur = i, c;
		if (state[i] || stamp[i])
			continue;
		while (!state[cur] && !stamp[cur]) {
			stamp[cur] = i + 1;
			cur = left_parent(g, state, cur);
		}
		if (state[cur] || stamp[cur] != i + 1)
			continue;
		gmf_strbuf list = GMF_STRBUF_INIT;
		gmf_finding *f;
		c = cur;
		do {
			gmf_strbuf_adds(&list, g->nodes[c].id);
			gmf_strbuf_adds(&list, " -> ");
			c = left_parent(g, state, c);
		} while (c != cur);
		gmf_strbuf_adds(&list, g->nodes[cur].id);
		f = gmf_findings_add(out, GMF_F_CYCLE,
				     "break the cycle: one of these down_revision "
				     "values must point further back",
				     "down_revision cycle: %s", list.buf);
		c = cur;
		do {
			gmf_finding_add_loc(f, g->nodes[c].mig.path,
					    g->nodes[c].mig.down_revision.line);
			gmf_finding_add_rev(f, g->nodes[c].id);
			c = left_parent(g, state, c);
		} while (c != cur);
		gmf_strbuf_release(&list);
	}
	free(stamp);
}

static void check_cycles(gmf_graph *g, gmf_findings *out)
{
	size_t *pending = gmf_xcalloc(g->n + 1, sizeof(size_t));
	size_t *queue = gmf_xcalloc(g->n + 1, sizeof(size_t));
	char *state = gmf_xcalloc(g->n + 1, 1); /* 1: removed by the topological pass */
	size_t qh = 0, qt = 0, i;

	for (i = 0; i < g->n; i++) {
		gmf_node *nd = &g->nodes[i];
		if (nd->duplicate) {
			state[i] = 1;
			continue;
		}
		pending[i] = nd->nparents;
		if (!pending[i])
			queue[qt++] = i;
		check_self_parent(nd, out);
	}
	while (qh < qt) {
		size_t cur = queue[qh++];
		state[cur] = 1;
		for (size_t k = 0; k < g->nodes[cur].nchildren; k++) {
			size_t c = g->nodes[cur].children[k];
			if (--pending[c] == 0)
				queue[qt++] = c;
		}
	}
	report_cycles(g, state, out);
	free(pending);
	free(queue);
	free(state);
}

/* Files that could not be read or parsed, in the order they came. */
static void check_unreadable(const gmf_graph *g, gmf_findings *out)
{
	for (size_t i = 0; i < g->nbad; i++) {
		const bad_file *b = &g->bad[i];
		/* the reader's own words say which fix applies */
		int markers = !strncmp(b->diag.message, "unresolved conflict markers", 27);
		gmf_finding *f = gmf_findings_add(
			out, b->code,
			b->code == GMF_F_UNREADABLE
				? "make the file readable UTF-8 text, or move it out of the versions directory"
			: markers
				? "resolve the conflict in this file (git status lists it), then git add it"
				: "write the value as a literal: revision = \"<id>\", down_revision = \"<id>\", a tuple of ids, or None",
			"%s", b->diag.message);
		gmf_finding_add_loc(f, b->path, b->diag.line);
	}
}

/* Duplicate ids: one finding per id, naming every file. */
/* Duplicate ids: one finding per id, naming every file (the copies of
 * each original chained in file order, so the cost is linear). */
static void check_duplicates(const gmf_graph *g, gmf_findings *out)
{
	size_t *next, *last, i, k;
	int any = 0;

	for (i = 0; i < g->n && !any; i++)
		any = g->nodes[i].duplicate;
	if (!any)
		return;
	next = gmf_xcalloc(g->n + 1, sizeof(size_t));
	last = gmf_xcalloc(g->n + 1, sizeof(size_t));
	for (i = 0; i < g->n; i++)
		next[i] = last[i] = NONE;
	for (i = 0; i < g->n; i++) {
		size_t first;
		if (!g->nodes[i].duplicate)
			continue;
		first = gmf_graph_find(g, g->nodes[i].id);
		if (last[first] == NONE)
			next[first] = i;
		else
			next[last[first]] = i;
		last[first] = i;
	}
	/* report once, at the first duplicate after the original */
	for (i = 0; i < g->n; i++) {
		gmf_finding *f;
		if (g->nodes[i].duplicate || next[i] == NONE)
			continue;
		f = gmf_findings_add(out, GMF_F_DUPLICATE_REVISION,
				     "give one of the files a new revision id "
				     "(and update whatever points at it)",
				     "revision %s is declared by more than one file",
				     g->nodes[i].id);
		gmf_finding_add_loc(f, g->nodes[i].mig.path, g->nodes[i].mig.revision.line);
		for (k = next[i]; k != NONE; k = next[k])
			gmf_finding_add_loc(f, g->nodes[k].mig.path,
					    g->nodes[k].mig.revision.line);
		gmf_finding_add_rev(f, g->nodes[i].id);
	}
	free(next);
	free(last);
}

static void check_unsafe_id(const gmf_node *nd, gmf_findings *out)
{
	gmf_finding *f;
	if (gmf_revision_id_is_safe(nd->id))
		return;
	f = gmf_findings_add(out, GMF_F_UNSAFE_ID,
			     "use letters, digits and underscores only",
			     "revision id '%s' contains characters that Alembic "
			     "forbids or that are unsafe in a file name",
			     nd->id);
	gmf_finding_add_loc(f, nd->mig.path, nd->mig.revision.line);
	gmf_finding_add_rev(f, nd->id);
}

static void check_missing_parents(const gmf_graph *g, const gmf_node *nd,
				  gmf_findings *out)
{
	const gmf_migration *m = &nd->mig;
	/* every parent resolved when the graph was built: none missing */
	for (size_t k = nd->nparents < m->down_revision.nitems ? 0 : m->down_revision.nitems;
	     k < m->down_revision.nitems; k++) {
		const gmf_str *s = &m->down_revision.items[k];
		gmf_finding *f;
		if (gmf_graph_find(g, s->text) != NONE ||
		    (!s->text[0] && m->down_revision.kind == GMF_VAL_STRING))
			continue;
		f = gmf_findings_add(out, GMF_F_MISSING_PARENT,
				     "restore the missing migration, or point "
				     "down_revision at an existing revision",
				     "down_revision of %s names %s, which no migration declares",
				     nd->id, s->text);
		gmf_finding_add_loc(f, m->path, s->span.line);
		gmf_finding_add_rev(f, nd->id);
		gmf_finding_add_rev(f, s->text);
	}
}

static int label_exists(const gmf_graph *g, const char *name)
{
	size_t hv = hash_str(name);
	if (!g->nlslots)
		return 0;
	for (size_t h = hv & (g->nlslots - 1); g->lslots[h].id; h = (h + 1) & (g->nlslots - 1))
		if (g->lslots[h].hash == (uint32_t)hv && !strcmp(g->lslots[h].id, name))
			return 1;
	return 0;
}

static void check_missing_dependencies(const gmf_graph *g, const gmf_node *nd,
				       gmf_findings *out)
{
	const gmf_migration *m = &nd->mig;
	for (size_t k = 0; k < m->depends_on.nitems; k++) {
		const gmf_str *s = &m->depends_on.items[k];
		gmf_finding *f;
		/* `depends_on = ""` is no dependency (Alembic skips it); a
		 * label that is an expression may be the one named */
		if (!s->text[0] || gmf_graph_find(g, s->text) != NONE ||
		    label_exists(g, s->text) || g->opaque_labels)
			continue;
		f = gmf_findings_add(out, GMF_F_MISSING_DEPENDENCY,
				     "point depends_on at an existing revision or branch label",
				     "depends_on of %s names %s, which is neither a revision "
				     "nor a branch label", nd->id, s->text);
		gmf_finding_add_loc(f, m->path, s->span.line);
		gmf_finding_add_rev(f, nd->id);
	}
}

/*
 * Empty strings in depends_on, as Alembic takes them: `depends_on = ""`
 * (or `("",)`) is a dependency on nothing, which is harmless on a child,
 * but a root with it is no "real base" to Alembic, so it stops with
 * "Dependency cycle is detected in revisions (...)"; an empty string
 * among other ids is looked up, and Alembic fails with KeyError: ''.
 */
static void check_empty_dependencies(const gmf_node *nd, gmf_findings *out)
{
	const gmf_migration *m = &nd->mig;
	const gmf_value *d = &m->depends_on, *down = &m->down_revision;
	size_t empty = 0;
	gmf_finding *f;
	int root;

	if (d->kind != GMF_VAL_STRING && d->kind != GMF_VAL_SEQ)
		return;
	for (size_t k = 0; k < d->nitems; k++)
		empty += !d->items[k].text[0];
	if (!empty)
		return;
	root = down->kind == GMF_VAL_MISSING || down->kind == GMF_VAL_NONE ||
	       (down->kind == GMF_VAL_STRING && !down->items[0].text[0]) ||
	       (down->kind == GMF_VAL_SEQ && !down->nitems);
	if (d->nitems > 1) {
		f = gmf_findings_add(out, GMF_F_MISSING_DEPENDENCY,
				     "remove the empty string from depends_on",
				     "depends_on of %s lists an empty id next to others: "
				     "Alembic looks it up and fails (KeyError: '')", nd->id);
	} else if (root) {
		f = gmf_findings_add(out, GMF_F_CYCLE,
				     "write depends_on = None (or remove the line)",
				     "depends_on of the root %s is an empty string: Alembic then "
				     "takes %s for a dependent revision, not a base, and stops "
				     "with \"Dependency cycle is detected\"", nd->id, nd->id);
	} else {
		return;
	}
	gmf_finding_add_loc(f, m->path, d->line);
	gmf_finding_add_rev(f, nd->id);
}

static void check_opaque(const gmf_node *nd, gmf_findings *out)
{
	const gmf_migration *m = &nd->mig;
	for (int which = 0; which < 2; which++) {
		const gmf_value *v = which ? &m->depends_on : &m->branch_labels;
		gmf_finding *f;
		if (v->kind != GMF_VAL_OPAQUE)
			continue;
		f = gmf_findings_add(out, GMF_F_OPAQUE_VALUE,
				     "nothing to do if this is intended; the value "
				     "cannot be checked without running Python",
				     "%s of %s is an expression, not a literal; it is not checked",
				     v == &m->branch_labels ? "branch_labels" : "depends_on",
				     nd->id);
		gmf_finding_add_loc(f, m->path, v->line);
		gmf_finding_add_rev(f, nd->id);
	}
}

static void check_reassigned(const gmf_node *nd, gmf_findings *out)
{
	const gmf_migration *m = &nd->mig;
	const gmf_value *vs[4] = { &m->revision, &m->down_revision,
				   &m->branch_labels, &m->depends_on };
	static const char *const vn[4] = { "revision", "down_revision",
					   "branch_labels", "depends_on" };
	for (size_t k = 0; k < 4; k++) {
		gmf_finding *f;
		int n = GMF_VALUE_COUNT(vs[k]);
		if (n <= 1)
			continue;
		if (vs[k]->assignments & GMF_VALUE_DIFFERED) {
			/* which one Alembic sees depends on nothing a reader
			 * should rely on having read right: an error */
			f = gmf_findings_add(out, GMF_F_REASSIGNED,
					     "keep a single assignment",
					     "cannot read `%s` here: assigned %d times at module "
					     "level with different values", vn[k], n);
			f->severity = GMF_SEV_ERROR;
		} else {
			f = gmf_findings_add(out, GMF_F_REASSIGNED,
					     "keep a single assignment; the last one wins",
					     "%s is assigned %d times at module level",
					     vn[k], n);
		}
		gmf_finding_add_loc(f, m->path, vs[k]->line);
		gmf_finding_add_rev(f, nd->id);
	}
}

static int same_set(char **a, size_t na, const gmf_value *v)
{
	if (na != v->nitems)
		return 0;
	for (size_t i = 0; i < na; i++) {
		size_t k;
		for (k = 0; k < v->nitems; k++)
			if (!strcmp(a[i], v->items[k].text))
				break;
		if (k == v->nitems)
			return 0;
	}
	return 1;
}

/* The docstring's `Revision ID:` and `Revises:` against the code. */
static void check_docstring(const gmf_node *nd, gmf_findings *out)
{
	const gmf_migration *m = &nd->mig;
	gmf_finding *f;

	if (m->hdr_revision.present && strcmp(m->hdr_revision.text, nd->id)) {
		f = gmf_findings_add(out, GMF_F_DOCSTRING_MISMATCH,
				     "make the docstring say what the code says "
				     "(Alembic reads the code)",
				     "docstring says 'Revision ID: %s' but revision is %s",
				     m->hdr_revision.text, nd->id);
		gmf_finding_add_loc(f, m->path, m->hdr_revision.value.line);
		gmf_finding_add_rev(f, nd->id);
	}
	if (m->hdr_revises.present &&
	    !same_set(m->hdr_revises_ids, m->hdr_nrevises, &m->down_revision)) {
		gmf_strbuf code = GMF_STRBUF_INIT;
		for (size_t k = 0; k < m->down_revision.nitems; k++) {
			if (k)
				gmf_strbuf_adds(&code, ", ");
			gmf_strbuf_adds(&code, m->down_revision.items[k].text);
		}
		f = gmf_findings_add(out, GMF_F_DOCSTRING_MISMATCH,
				     "make the docstring say what the code says "
				     "(Alembic reads the code)",
				     "docstring says 'Revises: %s' but down_revision is %s",
				     m->hdr_revises.text, code.len ? code.buf : "None");
		gmf_finding_add_loc(f, m->path, m->hdr_revises.value.line);
		gmf_finding_add_rev(f, nd->id);
		gmf_strbuf_release(&code);
	}
}

/*
 * The checks of one file on its own.  They run file by file, all of one
 * file's findings before the next file's, which is the order the output
 * has always had.
 */
static void check_files(const gmf_graph *g, gmf_findings *out)
{
	for (size_t i = 0; i < g->n; i++) {
		const gmf_node *nd = &g->nodes[i];
		check_unsafe_id(nd, out);
		if (nd->duplicate)
			continue;
		check_missing_parents(g, nd, out);
		check_missing_dependencies(g, nd, out);
		check_empty_dependencies(nd, out);
		check_opaque(nd, out);
		check_reassigned(nd, out);
		check_docstring(nd, out);
	}
}

/* File names against the naming convention in force (gmf_graph_naming). */
static int name_follows(const gmf_graph *g, const gmf_node *nd)
{
	return nd->duplicate || naming_ok(g->naming, nd->mig.stem, nd->id) ||
	       (g->tpl_naming != GMF_NAMING_NONE &&
		naming_ok(g->tpl_naming, nd->mig.stem, nd->id));
}

static void check_file_names(const gmf_graph *g, gmf_findings *out)
{
	size_t files = 0, strays = 0;
	int kept;
	if (g->naming == GMF_NAMING_NONE)
		return;
	for (size_t i = 0; i < g->n; i++) {
		files += !g->nodes[i].duplicate;
		strays += !name_follows(g, &g->nodes[i]);
	}
	/* a detected stem convention is the project's rule (an error) only
	 * where the project keeps it: at most one file in a hundred, or a
	 * lone file, strays from it.  A project with many old exceptions
	 * (deployed files Alembic runs fine) gets warnings. */
	kept = strays <= 1 || strays * 100 <= files;
	for (size_t i = 0; i < g->n; i++) {
		const gmf_node *nd = &g->nodes[i];
		gmf_finding *f;
		if (name_follows(g, nd))
			continue;
		f = gmf_findings_add(
			out, GMF_F_FILENAME_MISMATCH,
			g->naming == GMF_NAMING_STEM
				? "rename the file to <revision>.py, or set revision to the file name"
				: "rename the file so its name carries the revision id",
			"file name '%s.py' does not match revision %s (the project %s)",
			nd->mig.stem, nd->id,
			g->naming == GMF_NAMING_STEM ? "names files exactly after their revision"
			: g->naming == GMF_NAMING_PREFIX ? "starts file names with the revision"
			: "puts the revision in every file name");
		/* an error where the revision is the file stem and the project
		 * keeps to it (its CI relies on it) or where the convention was
		 * configured (--naming, migrate-fix.naming); elsewhere Alembic
		 * runs such trees fine, so a warning */
		if (g->naming_req == GMF_NAMING_AUTO && (g->naming != GMF_NAMING_STEM || !kept))
			f->severity = GMF_SEV_WARNING;
		gmf_finding_add_loc(f, nd->mig.path, nd->mig.revision.line);
		gmf_finding_add_rev(f, nd->id);
	}
}

/* qsort has no context argument in C11: the graph being sorted. */
static const gmf_graph *sort_graph;

/* By sequence number, then by file order (stable). */
static int cmp_seq_ix(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	long sx = sort_graph->nodes[x].seq, sy = sort_graph->nodes[y].seq;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Sequence numbers shared by two files: sort by number, report runs. */
static void check_sequences(const gmf_graph *g, gmf_findings *out)
{
	size_t *ix, m = 0, i, k;

	if (!g->sequenced)
		return;
	ix = gmf_xcalloc(g->n + 1, sizeof(size_t));
	for (i = 0; i < g->n; i++)
		if (g->nodes[i].seq >= 0)
			ix[m++] = i;
	sort_graph = g;
	/* already in order (the usual case: see gmf_graph_build) */
	for (i = 1; i < m && cmp_seq_ix(&ix[i - 1], &ix[i]) <= 0; i++)
		;
	if (i < m)
		qsort(ix, m, sizeof(size_t), cmp_seq_ix);
	for (i = 0; i < m;) {
		size_t end = i + 1;
		gmf_finding *f;
		while (end < m && g->nodes[ix[end]].seq == g->nodes[ix[i]].seq)
			end++;
		if (end - i > 1) {
			f = gmf_findings_add(out, GMF_F_DUPLICATE_SEQUENCE,
					     "Alembic orders by revision id, not by file name, so "
					     "this only misleads readers: renumber by hand one "
					     "that no database has applied yet (its revision id "
					     "too where the name carries it), or silence it with "
					     "`git config migrate-fix.ignore duplicate-sequence`",
					     "sequence number %0*ld is used by more than one file",
					     g->nodes[ix[i]].seq_width, g->nodes[ix[i]].seq);
			for (k = i; k < end; k++) {
				gmf_finding_add_loc(f, g->nodes[ix[k]].mig.path, 0);
				gmf_finding_add_rev(f, g->nodes[ix[k]].id);
			}
		}
		i = end;
	}
	free(ix);
}

void gmf_graph_check(gmf_graph *g, gmf_naming naming, const char *file_template,
		     gmf_findings *out)
{
	if (!g->built)
		gmf_graph_build(g);
	gmf_graph_set_naming(g, naming, file_template);
	check_unreadable(g, out);
	check_duplicates(g, out);
	check_files(g, out);
	check_cycles(g, out);
	check_ends(g, out, 1);
	check_ends(g, out, 0);
	check_file_names(g, out);
	check_sequences(g, out);
}

char *gmf_graph_branch_labels(const gmf_graph *g, size_t i)
{
	return branch_key(g, i, 1);
}

void gmf_graph_mark_ancestors(const gmf_graph *g, size_t i, unsigned char *out)
{
	size_t *stack = gmf_xcalloc(gmf_graph_count(g) + 1, sizeof(size_t)), sp = 0;
	stack[sp++] = i;
	out[i] = 1;
	while (sp) {
		const gmf_node *nd = gmf_graph_node(g, stack[--sp]);
		for (size_t k = 0; k < nd->nparents; k++)
			if (!out[nd->parents[k]]) {
				out[nd->parents[k]] = 1;
				stack[sp++] = nd->parents[k];
			}
	}
	free(stack);
}

int gmf_finding_blocks_repair(const gmf_finding *f)
{
	switch (f->code) {
	case GMF_F_UNREADABLE:
	case GMF_F_PARSE:
	case GMF_F_CYCLE:
	case GMF_F_MISSING_PARENT:
	case GMF_F_DUPLICATE_REVISION:
	case GMF_F_UNSAFE_ID:
		return 1;
	default:
		return 0;
	}
}
