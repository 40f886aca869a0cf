/* SPDX-License-Identifier: MIT */
/*
 * fs: the file-system mutations of the project's files: every write of
 * the journal (journal.h), the hooks, the merge driver and install goes
 * through here.  Two modules write their own private files directly: the
 * parse cache (cache.h, a file in the user's cache directory) and the
 * write lock (lock.h, created with O_EXCL, a fault point too; a cache
 * failure never fails a command, so the cache has none).
 *
 * Owns: atomic replacement of a file (temporary file in the same directory,
 * O_CREAT|O_EXCL, written, fsync'd, renamed over the target, directory
 * fsync'd), durable creation of many files at once (each fsync'd, its
 * write-back started before the first fsync waits; never syncfs, which
 * waits for every other writer of the file system), reading whole files,
 * and the fault-injection points the tests use.  In a build with -DGMF_FAULT_INJECTION, GMF_FAILPOINT=N makes the
 * N-th mutation (1-based) fail with EIO and GMF_KILLPOINT=N kills the
 * process with SIGKILL just before it; GMF_FAULT_COUNT=FILE appends the
 * number of mutation points reached to FILE at exit, so a test can iterate
 * over all of them.  Release builds compile the hooks out.
 * Must never: leave a half-written target behind.
 */
#ifndef GMF_FS_H
#define GMF_FS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Reads a whole regular file (NUL-terminated, at most 64 MiB);
 * GMF_ENOTFOUND when it is missing. */
int gmf_fs_read(const char *path, char **out, size_t *len);
/* The same, with the file's fstat in *st (when not NULL): open, fstat,
 * one read, close. */
struct stat;
int gmf_fs_read_st(const char *path, char **out, size_t *len, struct stat *st);
/* The same for a file of up to max bytes (the journal's data file holds
 * every content of a run, however many). */
int gmf_fs_read_max(const char *path, char **out, size_t *len, size_t max);
/* Writes data to path atomically, with the given mode (or the existing
 * file's mode when mode is 0 and the file exists, else 0666 & ~umask). */
int gmf_fs_write_atomic(const char *path, const char *data, size_t len,
			mode_t mode);
/* The same, atomic but not durable (no fsync of the file or of its
 * directory): for files whose loss in a crash costs nothing, because
 * what they serve is lost with it (a merge driver's result, which git
 * reads back at once; the note a merge leaves for its own hook). */
int gmf_fs_write_atomic_unsynced(const char *path, const char *data, size_t len,
				 mode_t mode);
/* Does the file at path hold needle?  0 when it cannot be read. */
int gmf_fs_contains(const char *path, const char *needle);
/* Writes data to a new file (fails if it exists), fsync'd. */
int gmf_fs_write_new(const char *path, const char *data, size_t len,
		     mode_t mode);
/* The same, not synced: for files whose loss in a crash costs nothing
 * but time (the pre-commit fast path's list). */
int gmf_fs_write_new_unsynced(const char *path, const char *data, size_t len,
			      mode_t mode);
/* One new file of gmf_fs_write_new_all. */
typedef struct {
	const char *path;
	const char *data;
	size_t len;
	mode_t mode;   /* 0: 0666 & ~umask */
	int replace;   /* a file already at path (a stale temporary) is removed */
} gmf_fs_new_file;
/* Creates each file (O_EXCL), writes it and makes it durable: written in
 * batches of up to 256 open files, then each fsync'd, on four threads
 * (so the waits overlap instead of queueing one file behind another, and
 * on a journaling file system most files find their metadata already
 * committed): exactly these files are synced, never the whole file
 * system.  Fault points: create and write per file, fsync per file.
 * The directories are the caller's to sync.  On failure every file it
 * created is removed. */
int gmf_fs_write_new_all(const gmf_fs_new_file *files, size_t n);
int gmf_fs_rename(const char *from, const char *to);
int gmf_fs_unlink(const char *path);
int gmf_fs_mkdir(const char *path, mode_t mode);
/* Removes a directory and the plain files in it (one level). */
int gmf_fs_rmdir_flat(const char *path);
/* fsyncs the directory containing path (or path itself if a directory). */
int gmf_fs_sync_dir(const char *dir);
int gmf_fs_exists(const char *path);
/* The mode bits of path, or 0 when it does not exist. */
mode_t gmf_fs_mode(const char *path);

/* True when path's directory, symlinks resolved, lies within root and
 * path is a regular file, a symlink (replaced, never written through) or
 * absent. */
int gmf_fs_inside(const char *root, const char *path);
/* The same, and *present says whether something is at path (its lstat).
 * The directories are resolved once each and kept until
 * gmf_fs_inside_forget: a run (the journal calls it as each public call
 * starts) sees each directory as it was the first time it asked. */
int gmf_fs_inside_st(const char *root, const char *path, int *present);
/* The same, also giving that lstat in *st_out when *present is set. */
int gmf_fs_inside_lstat(const char *root, const char *path, int *present, struct stat *st_out);
void gmf_fs_inside_forget(void);

/* Fault injection: called before each mutation; returns -1 (errno EIO)
 * when this point is configured to fail.  No-op in release builds. */
int gmf_fs_faultpoint(const char *what);

#endif
