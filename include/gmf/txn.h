/*
 * txn: an all-or-nothing change to a set of files, with a journal.
 *
 * Owns: the journal directory (`<git dir>/migrate-fix/`, or
 * `.git-migrate-fix/` at the top outside git) holding, for the run in
 * progress (`txn/`), a copy of every original file and every new content,
 * and for the last completed run (`last/`) the same, which is what `undo`
 * replays backwards.  A run is: journal written and synced; new contents
 * written to temporary files beside their targets; journal marked
 * `committing`; temporaries renamed into place and replaced paths removed;
 * the caller's staging step; `txn/` becomes `last/`.  Any failure rolls back
 * every file; a run killed at any point is rolled back by the next
 * gmf_txn_recover().
 * Must never: lose an original before its copy in the journal is synced.
 */
#ifndef GMF_TXN_H
#define GMF_TXN_H

#include <stddef.h>

typedef struct {
	char *old_path;   /* absolute; NULL when the op creates a file */
	char *new_path;   /* absolute; NULL when the op deletes a file */
	char *content;    /* new content (new_path != NULL) */
	size_t len;
	/* filled in by the engine */
	char *orig;       /* original content of old_path */
	size_t orig_len;
	unsigned mode;    /* mode of old_path (or 0644 for a new file) */
	int tracked;      /* caller: old_path is in the git index */
} gmf_txn_op;

/*
 * Brings the index in line after files moved.  For each op, remove
 * `from` (unless NULL) from the index and add `to` (unless NULL).
 * Called with the ops of the run, and with them inverted on roll-back.
 */
typedef int (*gmf_txn_stage_fn)(void *data, const gmf_txn_op *ops, size_t n,
				int rollback);

typedef struct {
	char *state_dir;
	/* every path a journal names lies inside one of these (or inside
	 * state_dir); none (NULL, 0) refuses every path */
	const char *const *roots;
	size_t nroots;
	const char *root;  /* old callers: a single root, used when nroots == 0 */
	gmf_txn_stage_fn stage;
	void *stage_data;
} gmf_txn;

/* Fills ops[i].orig / mode from disk, journals, applies, stages.  label is
 * "fix", "merge" or "undo" and a one-line description for `undo`.
 * Returns 0; GMF_TXN_UNDO_UNSAVED when the change is complete but its undo
 * record could not be saved (the message says why; the next run files
 * it); or a negative error code, with nothing changed. */
#define GMF_TXN_UNDO_UNSAVED 1
int gmf_txn_apply(gmf_txn *t, gmf_txn_op *ops, size_t n, const char *label,
		  const char *description);

/* Rolls back an interrupted run if there is one (or completes it when it
 * had got past staging); *what is set to a description of what was done
 * (caller frees) or NULL; *completed (if not NULL) to the label of a run
 * that was completed rather than rolled back. */
int gmf_txn_recover(gmf_txn *t, char **what, char **completed);
/* True when an interrupted run is waiting to be rolled back. */
int gmf_txn_pending(const char *state_dir);

/* Loads the last completed run as ops that would undo it. force: skip
 * the check that the files are still as that run left them. */
int gmf_txn_load_undo(gmf_txn *t, gmf_txn_op **ops, size_t *n, char **label,
		      char **description, int force);
void gmf_txn_ops_free(gmf_txn_op *ops, size_t n);

/* Notes on the last completed run that it also moved ref from old_hex to
 * new_hex (a hook amended a commit), so that undo moves it back. */
int gmf_txn_record_ref(gmf_txn *t, const char *ref, const char *old_hex,
		       const char *new_hex);
/* That note for the last run: GMF_ENOTFOUND when there is none. */
int gmf_txn_last_ref(gmf_txn *t, char **ref, char **old_hex, char **new_hex);

#endif
