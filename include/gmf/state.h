/* SPDX-License-Identifier: MIT */
/*
 * state: where git-migrate-fix keeps what it writes about a project (the
 * journal (journal.h), the lock of lock, the install record).
 *
 * Owns: the choice of that directory and its creation.  Inside git it is
 * `<git dir>/migrate-fix`.  Outside git it is
 * `$XDG_STATE_HOME/git-migrate-fix/projects/<name>-<hash>` (else
 * `$HOME/.local/state/...`), where name is the basename of the project top
 * and hash 16 hex digits of a 64-bit hash of its real path: one directory
 * per project, stable across runs, and never a directory the project
 * names itself (a project that is the home directory contains the user's
 * state directory, which is still the user's own).
 * Must never: read a directory the project tree could ship, such as
 * `<project>/.git-migrate-fix/` (a tarball or zip can carry one); accept a
 * directory another user owns or could write; depend on libgit2.
 */
#ifndef GMF_STATE_H
#define GMF_STATE_H

/* The state directory for a project (caller frees).  gitdir: the git
 * directory, or NULL outside git; project_top: the project's top
 * directory (must exist outside git).  NULL, with a message, when there
 * is none to be had (no absolute $XDG_STATE_HOME or $HOME, or the top
 * cannot be resolved). */
char *gmf_state_dir(const char *gitdir, const char *project_top);

/* Creates dir (and missing parents) with mode 0700, then checks it:
 * a real directory (not a symlink), owned by this user, not writable by
 * group or others.  GMF_EREFUSED when it is not; GMF_EIO when it cannot
 * be created. */
int gmf_state_dir_make(const char *dir);

#endif
