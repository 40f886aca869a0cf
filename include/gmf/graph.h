/* SPDX-License-Identifier: MIT */
/*
 * graph: the revision graph of one script directory and the checks on it.
 *
 * Owns: the set of migrations of one Alembic script location (possibly
 * spread over several version directories), the parent/child edges given by
 * `down_revision`, the `depends_on` edges, heads, roots, independent chains,
 * branch labels, and the findings of `check`.
 * Must never: touch the disk (the scanner feeds it), print, or exit.
 */
#ifndef GMF_GRAPH_H
#define GMF_GRAPH_H

#include <stddef.h>

#include "gmf/reader.h"

typedef enum {
	GMF_SEV_WARNING = 1, /* reported, exit status stays 0 */
	GMF_SEV_ERROR = 2,   /* exit status 1 */
	GMF_SEV_FATAL = 3,   /* input could not be read: exit status 2 */
} gmf_severity;

/* Stable finding codes: the JSON schema and the docs name them. */
typedef enum {
	GMF_F_UNREADABLE = 0,      /* fatal: I/O error, binary, bad UTF-8 */
	GMF_F_PARSE,               /* fatal: no revision, not a literal... */
	GMF_F_DUPLICATE_REVISION,  /* error */
	GMF_F_MISSING_PARENT,      /* error */
	GMF_F_MISSING_DEPENDENCY,  /* error */
	GMF_F_MULTIPLE_HEADS,      /* error */
	GMF_F_MULTIPLE_ROOTS,      /* error */
	GMF_F_CYCLE,               /* error */
	GMF_F_FILENAME_MISMATCH,   /* error */
	GMF_F_UNSAFE_ID,           /* error */
	GMF_F_OPAQUE_VALUE,        /* warning */
	GMF_F_DOCSTRING_MISMATCH,  /* warning */
	GMF_F_DUPLICATE_SEQUENCE,  /* warning */
	GMF_F_REASSIGNED,          /* warning */
	GMF_F_LOCKFILE,            /* error: stale or conflicted head lockfile */
	GMF_F_NESTED,              /* warning: migrations only in subdirectories */
	GMF_F__COUNT
} gmf_finding_code;

typedef struct {
	char *path;
	unsigned line; /* 0: the whole file */
} gmf_location;

typedef struct {
	gmf_finding_code code;
	gmf_severity severity;
	char *message;        /* one line, no trailing full stop */
	char *hint;           /* one line: what to do about it */
	gmf_location *locs;   /* first one is the primary location */
	size_t nlocs;
	char **revisions;
	size_t nrevisions;
	size_t *rev_index;    /* private: keeps gmf_finding_add_rev linear */
	size_t rev_nindex;
} gmf_finding;

typedef struct {
	gmf_finding *items;
	size_t n, alloc;
} gmf_findings;

/* How file names are tied to revision ids. */
typedef enum {
	GMF_NAMING_AUTO = 0, /* detect from file_template or the files */
	GMF_NAMING_NONE,     /* no tie: never report a mismatch */
	GMF_NAMING_STEM,     /* stem == revision (037_add_widgets) */
	GMF_NAMING_PREFIX,   /* stem starts with "<rev>_" or is "<rev>" */
	GMF_NAMING_CONTAINS, /* "<rev>" is one `_`-separated part of the stem */
} gmf_naming;

typedef struct gmf_graph gmf_graph;

/* A node of the graph: one successfully read migration. */
typedef struct {
	gmf_migration mig;
	const char *id;        /* == mig.revision.items[0].text */
	size_t *parents;       /* indices of known down_revisions */
	size_t nparents;
	size_t *children;
	size_t nchildren;
	char **labels;         /* literal branch labels of this file */
	size_t nlabels;
	size_t component;      /* independent chain number */
	int duplicate;         /* a second file with an id already seen */
	long seq;              /* leading sequence number of the file, or -1 */
	int seq_width;         /* digits of that number */
} gmf_node;

gmf_graph *gmf_graph_new(void);
void gmf_graph_free(gmf_graph *g);

/* Makes room for n nodes up front (avoids regrowing). */
void gmf_graph_reserve(gmf_graph *g, size_t n);
/* Makes n empty nodes (0..n-1) for a loader to fill in place. */
void gmf_graph_resize(gmf_graph *g, size_t n);
/* Drops node i where keep_rc[i] < 0 (their migrations already released). */
void gmf_graph_compact(gmf_graph *g, const int *keep_rc);
/* The graph frees arena (holding its migrations' strings) with itself. */
void gmf_graph_adopt_arena(gmf_graph *g, gmf_arena *a);
/* The graph calls release(p) when it is freed, after its migrations: for
 * what their strings point into (a parse cache's loaded file). */
void gmf_graph_keep(gmf_graph *g, void (*release)(void *), void *p);
/* Takes ownership of *m (the struct is zeroed). */
void gmf_graph_add(gmf_graph *g, gmf_migration *m);
/* Records a file that could not be read (fatal finding). */
void gmf_graph_add_unreadable(gmf_graph *g, const char *path,
			      gmf_finding_code code, const gmf_diag *diag);
/* Builds edges, components and resolves the naming convention (see
 * gmf_graph_set_naming); call once after the last add. */
void gmf_graph_build(gmf_graph *g);
/*
 * Says how file names are tied to revision ids: requested is the
 * configured convention (AUTO to detect it from the files and
 * file_template, the alembic.ini line, or NULL); the graph keeps a copy.
 * A built graph resolves it at once, an unbuilt one at gmf_graph_build.
 * Without a call the graph detects with AUTO and no template.
 */
void gmf_graph_set_naming(gmf_graph *g, gmf_naming requested,
			  const char *file_template);

size_t gmf_graph_count(const gmf_graph *g);
gmf_node *gmf_graph_node(const gmf_graph *g, size_t i);
/* Index of a revision id, or (size_t)-1. */
size_t gmf_graph_find(const gmf_graph *g, const char *id);
/* Heads (no child by down_revision), in file order. Caller frees *out. */
size_t gmf_graph_heads(const gmf_graph *g, size_t **out);
size_t gmf_graph_roots(const gmf_graph *g, size_t **out);
/* Branch labels that apply to node i's stretch of chain, comma-joined
 * and sorted ("" when none); caller frees. */
char *gmf_graph_branch_labels(const gmf_graph *g, size_t i);
/*
 * Groups the ends (heads, or any node list) by branch: the same branch
 * labels (gmf_graph_branch_labels), and with by_chain also the same
 * independent chain.  *order (caller frees) is a permutation of 0..n-1;
 * *runs (caller frees) holds per group { first index in file order,
 * start in *order, length }, groups in the order of their first member.
 * Returns the number of groups.  O(n log n).
 */
int gmf_graph_group_ends(const gmf_graph *g, const size_t *ends, size_t n, int by_chain,
			 size_t **order, size_t **runs);
/*
 * Naming convention in force (never AUTO once built): valid from
 * gmf_graph_build on, no check needed, as resolved from what
 * gmf_graph_set_naming last said; gmf_graph_check sets its own naming
 * arguments the same way.  Stale after an add until the next build;
 * AUTO before the first build.
 */
gmf_naming gmf_graph_naming(const gmf_graph *g);
/* Marks i and every ancestor of i (by down_revision) in out[]. */
void gmf_graph_mark_ancestors(const gmf_graph *g, size_t i, unsigned char *out);
/* A finding no repair can go past: a file unreadable or not understood,
 * a cycle, a missing parent, a duplicate or unsafe id. */
int gmf_finding_blocks_repair(const gmf_finding *f);

/* Do the files carry a sequence number prefix (037_...)? */
int gmf_graph_is_sequenced(const gmf_graph *g);

/*
 * Runs every check and appends findings (building the graph if needed).
 * naming: the configured convention (AUTO to detect); file_template: from
 * alembic.ini or NULL; both are passed to gmf_graph_set_naming first.
 */
void gmf_graph_check(gmf_graph *g, gmf_naming naming,
		     const char *file_template, gmf_findings *out);

const char *gmf_finding_code_name(gmf_finding_code c);
/* The code of a name ("duplicate-sequence"), or -1. */
int gmf_finding_code_parse(const char *name);
/* The severity every finding of code c has. */
gmf_severity gmf_finding_code_severity(gmf_finding_code c);
const char *gmf_severity_name(gmf_severity s);
void gmf_findings_init(gmf_findings *f);
void gmf_findings_release(gmf_findings *f);
/* Adds a finding; message and hint are copied. Returns it for locs/revs. */
gmf_finding *gmf_findings_add(gmf_findings *f, gmf_finding_code code,
			      const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void gmf_finding_add_loc(gmf_finding *f, const char *path, unsigned line);
void gmf_finding_add_rev(gmf_finding *f, const char *rev);
/* Removes the warnings whose code has its bit (1UL << code) in mask
 * (migrate-fix.ignore); errors always stay.  Returns how many went. */
size_t gmf_findings_drop(gmf_findings *f, unsigned long mask);
gmf_severity gmf_findings_worst(const gmf_findings *f);

#endif
