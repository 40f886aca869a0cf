/* SPDX-License-Identifier: MIT */
/*
 * journal: an all-or-nothing change to a set of files, journaled; where an
 * interrupted run is replayed (recovery) and the last one undone.
 *
 * Owns: the journal in the state directory (state.h), holding for the run
 * in progress (`txn/`) a copy of every original file and every new
 * content, all in one file (`data`, op by op, the original first; one
 * file however many ops, since creating files is what costs), and a
 * manifest recording each op's paths and the length and hash of both
 * contents (format 3; formats 1 and 2, a file per content, are still
 * read); for the last completed run (`last/`) the same,
 * which is what `undo` replays backwards; and runs set aside by
 * gmf_journal_abandon (`abandoned-<UTC time>/`).
 *
 * A run is: (1) journal written and synced as `txn.tmp/`, renamed to
 * `txn/` (state `prepared`); (2) new contents written to temporaries
 * beside their targets and synced; (3) manifest marked `committing` (the
 * point of no return), temporaries renamed into place, replaced paths
 * removed, directories synced; (4) the caller's staging step; manifest
 * marked `done`; (5) `txn/` becomes `last/`.  A failure at any step rolls
 * back every file.  A run killed at any point is handled by the next
 * gmf_journal_recover(): killed before (1) completed, `txn.tmp/` is removed
 * (nothing had changed); `prepared`, the temporaries are removed (no file
 * of the user's had been touched); `committing`, every file is rolled
 * back and the index re-staged; `done`, the run is completed (filed as
 * `last/`).  Before rolling back past `prepared`, or completing, every
 * path is verified: it must hold what it held before the run or what the
 * run wrote (absent counting where that is what before or after was).
 * A path that holds anything else was written by someone since: nothing
 * is touched, the journal is kept, and GMF_EREFUSED names the file and
 * `git migrate-fix undo --abandon` (gmf_journal_abandon).  The journal's own
 * copies are checked against the recorded lengths and hashes whenever
 * they are read: a damaged journal is refused.  Every path of a journal,
 * written or read, must be absolute, free of empty, `.` and `..`
 * components, and lie (symlinks resolved) inside one of t->roots or the
 * state directory; a journal that names any other path is refused whole.
 *
 * Must never: lose an original before its copy in the journal is synced;
 * overwrite or remove a file that holds neither what the run found nor
 * what it wrote; touch a path outside the roots; trust a journal copy
 * that does not match its record; print or exit.
 */
#ifndef GMF_JOURNAL_H
#define GMF_JOURNAL_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
	char *old_path;   /* absolute; NULL when the op creates a file */
	char *new_path;   /* absolute; NULL when the op deletes a file */
	char *content;    /* new content (new_path != NULL) */
	size_t len;
	/* filled in by the engine */
	char *orig;       /* original content of old_path */
	size_t orig_len;
	unsigned mode;    /* mode of old_path (or 0644 for a new file) */
	int tracked;      /* caller: old_path is in the git index (bits below) */
	/* caller, optional: the bytes it read at old_path (borrowed until
	 * gmf_journal_apply returns), the fstat of that read, and a time no
	 * later than the read.  When old_path provably still holds them
	 * (same identity, times GMF_JOURNAL_RACY_SECONDS older than the
	 * read) the engine journals them instead of reading the file again;
	 * otherwise it reads it and refuses (GMF_ECONFLICT, nothing changed)
	 * when it no longer holds these bytes. */
	int have_known;
	const char *known;
	size_t known_len;
	struct stat known_st;
	time_t known_at;
} gmf_journal_op;

#define GMF_JOURNAL_RACY_SECONDS 2

/*
 * The bits of gmf_journal_op.tracked, kept in the manifest as one number
 * (a reader that knows only "nonzero: tracked" still reads it right).
 * OLD_UNMERGED: old_path was in conflict (stages 1-3) when the run began,
 * so a roll-back puts the conflict back, not the file's bytes as staged.
 * NEW_UNMERGED: the same for new_path in a run that puts a conflicted file
 * back (an undo).  Inverting a run for undo swaps the two.
 */
#define GMF_JOURNAL_TRACKED 1
#define GMF_JOURNAL_OLD_UNMERGED 2
#define GMF_JOURNAL_NEW_UNMERGED 4

/*
 * Brings the index in line after files moved.  For each op, remove
 * `from` (unless NULL) from the index and add `to` (unless NULL), or put
 * back the conflict `to` had (the *_UNMERGED bits).  Called with the ops
 * of the run, and with them inverted on roll-back.
 */
typedef int (*gmf_journal_stage_fn)(void *data, const gmf_journal_op *ops, size_t n,
				int rollback);

typedef struct {
	char *state_dir;
	/* every path a journal names lies inside one of these (or inside
	 * state_dir); none (NULL, 0) refuses every path */
	const char *const *roots;
	size_t nroots;
	const char *root;  /* old callers: a single root, used when nroots == 0 */
	gmf_journal_stage_fn stage;
	void *stage_data;
} gmf_journal;

/* Fills ops[i].orig / mode from disk, journals, applies, stages.  label is
 * "fix", "merge" or "undo" and a one-line description for `undo`.
 * Returns 0; GMF_JOURNAL_UNDO_UNSAVED when the change is complete but its undo
 * record could not be saved (the message says why; the next run files
 * it); or a negative error code, with nothing changed; GMF_EREFUSED when
 * a path is not allowed (nothing changed), or when the roll-back after a
 * failure found a file changed meanwhile (that file and the journal are
 * kept, as for recovery). */
#define GMF_JOURNAL_UNDO_UNSAVED 1
int gmf_journal_apply(gmf_journal *t, gmf_journal_op *ops, size_t n, const char *label,
		  const char *description);

/* Rolls back an interrupted run if there is one (or completes it when it
 * had got past staging), after verifying every file (see above); *what
 * is set to a description of what was done (caller frees) or NULL;
 * *completed (if not NULL) to the label of a run that was completed
 * rather than rolled back.  GMF_EREFUSED, with nothing touched, for a
 * file changed since, a damaged journal or one not made for the roots. */
int gmf_journal_recover(gmf_journal *t, char **what, char **completed);
/* Sets an interrupted run aside without touching any file but its
 * journal: `txn/` becomes `abandoned-<UTC time>` in the state directory,
 * whose path is returned in *where (caller frees).  For a run that
 * recovery refused because a file changed since.  GMF_ENOTFOUND when no
 * run is pending; GMF_EREFUSED when its journal names paths outside the
 * roots (a journal too damaged to read is set aside all the same). */
int gmf_journal_abandon(gmf_journal *t, char **where);
/* True when an interrupted run is waiting to be rolled back. */
int gmf_journal_pending(const char *state_dir);

/* The label and description of the last completed run, read without
 * checking its paths (they may name where a moved work tree used to be);
 * GMF_ENOTFOUND when there is none. */
int gmf_journal_last_description(const char *state_dir, char **label, char **description);
/* Loads the last completed run as ops that would undo it (its paths
 * checked against the roots, its copies against their record). force:
 * skip the check that the files are still as that run left them. */
int gmf_journal_load_undo(gmf_journal *t, gmf_journal_op **ops, size_t *n, char **label,
		      char **description, int force);
void gmf_journal_ops_free(gmf_journal_op *ops, size_t n);

/* Notes on the last completed run that it also moved ref from old_hex to
 * new_hex (a hook amended a commit), so that undo moves it back. */
int gmf_journal_record_ref(gmf_journal *t, const char *ref, const char *old_hex,
		       const char *new_hex);
/* That note for the last run: GMF_ENOTFOUND when there is none. */
int gmf_journal_last_ref(gmf_journal *t, char **ref, char **old_hex, char **new_hex);

#endif
