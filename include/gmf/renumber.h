/* SPDX-License-Identifier: MIT */
/*
 * renumber: decides what a renumbering changes, byte by byte: where
 * migrations move and where revision ids are renamed (applying it is the
 * journal's job).
 *
 * Owns: choosing the kept head and the moving migrations, the new order
 * (moving migrations after the kept head, in their own order), new sequence
 * numbers and file names, new ids where the id is the file stem, and the
 * exact byte edits: `revision`, `down_revision`, `depends_on` values and the
 * docstring's `Revision ID:` / `Revises:` fields.  Nothing else in a file
 * ever changes.
 * Must never: write to disk; read from it except to get back the bytes of
 * a file it edits whose data the loader dropped (gmf_migration_load_data,
 * which refuses a file changed since it was parsed), so a graph that holds
 * every file's bytes is planned without any I/O; plan a change on a graph
 * with problems a renumber cannot cure (unreadable files, cycles, missing
 * parents, duplicate ids), move a migration the mainline has, or produce
 * an unsafe file name.
 */
#ifndef GMF_RENUMBER_H
#define GMF_RENUMBER_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "gmf/graph.h"

typedef struct {
	size_t off, len;  /* bytes of the original file */
	char *text;       /* replacement */
} gmf_edit;

typedef struct {
	size_t node;          /* graph node */
	char *old_path;       /* absolute */
	char *new_path;       /* absolute; equal to old_path unless renamed */
	gmf_edit *edits;
	size_t nedits;
	char *content;        /* the new bytes, after gmf_renumber_render */
	size_t len;
	/* when the plan read old_path from disk (its node's data): that
	 * read's fstat, and a time no later than it (for the journal) */
	int read_from_disk;
	struct stat read_st;
	time_t read_at;
} gmf_file_change;

typedef struct {
	char *old_id;
	char *new_id;
} gmf_id_rename;

typedef struct {
	char *revision;    /* final id of the migration re-pointed */
	char *old_parent;
	char *new_parent;
} gmf_repoint;

typedef struct {
	gmf_file_change *files;
	size_t nfiles;
	gmf_id_rename *renames;
	size_t nrenames;
	gmf_repoint *repoints;
	size_t nrepoints;
	char **moving;      /* ids (before the fix) of the migrations that move */
	size_t nmoving;
	char *onto;         /* the head they now follow */
	char *new_head;     /* the single head afterwards */
	char **heads_after; /* every head of the graph once the plan is applied */
	size_t nheads_after;
} gmf_plan;

typedef struct {
	const char *onto;           /* keep this head; NULL: decide */
	const char *const *move;    /* move these (and what follows them) */
	size_t nmove;
	const unsigned char *on_mainline; /* per node, or NULL when unknown */
	const char *mainline_name;  /* for messages */
	const char *const *on_by;   /* per node, or NULL: the reference that
	                             * publishes it, for messages */
	int renumber;               /* rename sequence-numbered files */
} gmf_renumber_opts;

/*
 * Plans the repair of every branch with more than one head.  Returns 0
 * (an empty plan when nothing needs doing), GMF_EREFUSED with a message
 * that says why and what to do (or the reader's code when a dropped file
 * cannot be read back).  The graph must be checked already
 * (gmf_graph_check) with its findings passed in.
 */
int gmf_renumber_plan(gmf_plan *out, gmf_graph *g, const gmf_findings *findings,
		 const gmf_renumber_opts *opts);
/* Builds every file's new content from its edits. */
void gmf_renumber_render(gmf_plan *p, gmf_graph *g);
void gmf_renumber_release(gmf_plan *p);
/* Frees what one file change of a plan holds (a plan cut down drops some). */
void gmf_file_change_release(gmf_file_change *fc);

/* Applies sorted, non-overlapping edits to data. Caller frees. */
char *gmf_apply_edits(const char *data, size_t len, const gmf_edit *edits,
		      size_t n, size_t *out_len);

#endif
