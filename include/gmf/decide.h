/* SPDX-License-Identifier: MIT */
/*
 * decide: the decision model: what repair, if any, a fork of the
 * revision graph gets.  Every path asks here: `fix` by hand, the hooks,
 * and the CI command.
 *
 * Given which migrations are published (published.h) and, for a merge or
 * rebase, which side git keeps, the answer is one of:
 *   NOTHING   every branch has one head;
 *   RENUMBER  a plan (renumber.h) that moves local migrations only, none of
 *             them with uncommitted changes;
 *   MERGE     a merge migration of the fork's heads (moves nothing), when
 *             migrate-fix.strategy is merge; under strategy auto when the
 *             project's convention is merge migrations (its tree has merge
 *             migrations and generated ids, not numbered files), or when
 *             no renumbering is safe and the tree has a merge migration;
 *   STOP      no safe repair: why, and the one command to run.
 * It never retries with another mainline and never guesses a side.
 * Owns: that choice and its reasons.
 * Must never: read or write files, talk to git, or move a migration that
 * the published mask marks.
 */
#ifndef GMF_DECIDE_H
#define GMF_DECIDE_H

#include <stddef.h>

#include "gmf/graph.h"
#include "gmf/renumber.h"

typedef enum {
	GMF_STRATEGY_AUTO = 0, /* renumber when safe, else the convention */
	GMF_STRATEGY_RENUMBER, /* renumber when safe, else stop */
	GMF_STRATEGY_MERGE,    /* always a merge migration */
} gmf_strategy;

typedef enum {
	GMF_DECIDE_NOTHING = 0,
	GMF_DECIDE_RENUMBER,
	GMF_DECIDE_MERGE,
	GMF_DECIDE_STOP,
} gmf_decision_kind;

/* 1 when one of the n files has uncommitted changes (*which: its index).
 * sts[i], when not NULL: file i's status as the plan read it. */
typedef int (*gmf_dirty_fn)(void *data, const char *const *paths,
			    const struct stat *const *sts, size_t n, size_t *which);

typedef struct {
	gmf_strategy strategy;
	const unsigned char *published; /* per node, or NULL: none known */
	const char *const *published_by;/* per node: the reference, or NULL */
	int mainline_found;             /* a mainline resolved */
	const char *mainline_name;      /* its name, for messages, or NULL */
	const unsigned char *ours;      /* per node: the side git keeps (a
	                                 * merge's first parent, a rebase's
	                                 * onto), or NULL */
	const char *ours_name;          /* for messages */
	const char *onto;               /* the user's choice (fix --onto) */
	const char *const *move;        /* the user's choice (fix --move) */
	size_t nmove;
	int renumber;                   /* rename sequence-numbered files */
	int linear;                     /* a rebase or `git am` replays the
	                                 * moving side onto the other: under
	                                 * strategy auto, re-parent when that
	                                 * is safe, whatever the convention */
	gmf_dirty_fn dirty;             /* NULL: files are never dirty */
	void *dirty_data;
} gmf_decide_in;

typedef struct {
	gmf_decision_kind kind;
	gmf_plan plan;        /* RENUMBER: rendered */
	char **heads;         /* MERGE: the heads to merge */
	size_t nheads;
	char *why;            /* MERGE, STOP: why renumbering is not safe */
	char *command;        /* STOP: the one command to run */
	char *dirty_path;     /* STOP for a dirty file: which */
	char *convention;     /* a fork under strategy auto: the convention
	                       * found in the tree and why, for -v */
} gmf_decision;

/* The project's own way of joining forks, read from its tree. */
typedef struct {
	gmf_strategy strategy; /* RENUMBER or MERGE */
	char *why;             /* what was found, one line, for -v */
} gmf_convention;

/*
 * Numbered files (037_x.py) mean renumbering; merge migrations with
 * mostly generated (8+ hex digit) ids mean merge migrations, unless a
 * migration deeper in the chain than the last of them was re-parented by
 * hand (its docstring's `Revises:` names an ancestor of its one parent);
 * no merge migration means re-parenting.  Strategy auto follows it.
 */
void gmf_convention_detect(gmf_convention *out, const gmf_graph *g);
void gmf_convention_release(gmf_convention *c);

/* Decides for graph g with its findings.  Returns 0 with *out filled
 * (STOP is a decision, not an error). */
int gmf_decide(gmf_decision *out, gmf_graph *g, const gmf_findings *f,
	       const gmf_decide_in *in);
void gmf_decision_release(gmf_decision *d);

const char *gmf_decision_kind_name(gmf_decision_kind k);
/* "auto", "renumber" (or "move"), "merge" -> strategy; -1 otherwise. */
int gmf_strategy_parse(const char *s);

#endif
