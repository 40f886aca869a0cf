/* SPDX-License-Identifier: MIT */
/*
 * published: which migrations are published, the first half of the
 * decision model (decide.h is the second).
 *
 * A migration is published when a commit that anyone else may have
 * applied holds it: the mainline (every branch migrate-fix.mainline
 * names, e.g. main and develop), any remote-tracking branch, any tag, and
 * the extra commits a caller names (the upstream of the branch being
 * merged).  Anything else is local.  The references a caller skips
 * publish nothing (fix skips the current branch's own remote-tracking
 * branch, repo.h gmf_repo_own_tracking, as sync skips the pull
 * request's).  The merge being repaired is never
 * itself a reason (a mainline that is HEAD, a merge, counts as HEAD^1).
 * Owns: turning those commits into a per-node mask with the reference
 * that publishes each node, and marking which nodes one commit holds (the
 * side a merge or rebase keeps).
 * Must never: write anything, or treat a migration as local because a
 * reference could not be read (that is an error).
 */
#ifndef GMF_PUBLISHED_H
#define GMF_PUBLISHED_H

#include <stddef.h>

#include "gmf/graph.h"
#include "gmf/project.h"
#include "gmf/repo.h"

typedef struct {
	unsigned char *mask;  /* per node: 1 when published */
	const char **by;      /* per node: the reference publishing it, or NULL */
	char **refs;          /* the references looked at */
	size_t nrefs;
	int mainline_found;   /* the mainline resolved */
} gmf_published;

typedef struct {
	const char *mainline;           /* replaces the configured mainline */
	const char *const *extra;       /* more commits that publish */
	size_t nextra;
	const char *const *skip;        /* references that publish nothing */
	size_t nskip;
} gmf_published_opts;

/* Computes the mask for graph g of script s (o may be NULL).
 * GMF_ENOTFOUND when a configured or given mainline names no commit. */
int gmf_published_compute(gmf_published *out, gmf_repo *r, const gmf_script *s,
			  gmf_graph *g, const gmf_published_opts *o);
void gmf_published_release(gmf_published *p);

/* *out (caller frees): per node, 1 when the commit holds it. */
int gmf_published_side(unsigned char **out, gmf_repo *r, const char *commit_hex,
		       const gmf_script *s, gmf_graph *g);

#endif
