/* SPDX-License-Identifier: MIT */
/*
 * replay: the migrations a rebase will end with, known before it ends, so
 * each pick can be given its share of the one repair (`git rebase -x`).
 *
 * A plain rebase of a branch (orig-head) onto a commit ends, in the
 * version directories, with onto's files plus the branch's own changes
 * since the merge base, when no file changed on both sides; the repair
 * after the rebase is the decision for that tree.  This module builds it
 * from git's objects, without touching the work tree; fix.h
 * (gmf_fix_replay) decides on it and carries out the part of the plan
 * the pick at hand holds.
 * Owns: that tree, per script, as a graph.
 * Must never: write anything, or give a tree when a file changed on both
 * sides (what git makes of it is not known before it does).
 */
#ifndef GMF_REPLAY_H
#define GMF_REPLAY_H

#include "gmf/graph.h"
#include "gmf/project.h"
#include "gmf/repo.h"

/*
 * *out: script s's graph as the rebase of the commits base..orig onto
 * `onto` ends (commit ids; base NULL: the merge base of onto and orig).
 * GMF_ECONFLICT when a migration file changed on both sides (the message
 * names it), GMF_ENOTFOUND when there is no merge base.
 */
int gmf_replay_graph(gmf_graph **out, gmf_repo *r, const gmf_script *s, const char *onto,
		     const char *base, const char *orig);

#endif
