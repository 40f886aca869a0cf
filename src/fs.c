/* SPDX-License-Identifier: MIT */
/* fs: see include/gmf/fs.h. */
#include "gmf/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

#ifdef GMF_FAULT_INJECTION
static long fault_counter;
static int fault_registered;

static void fault_report(void)
{
	const char *f = getenv("GMF_FAULT_COUNT");
	FILE *out;
	if (!f || !(out = fopen(f, "a")))
		return;
	fprintf(out, "%ld\n", fault_counter);
	fclose(out);
}

int gmf_fs_faultpoint(const char *what)
{
	const char *fail = getenv("GMF_FAILPOINT"), *kill_at = getenv("GMF_KILLPOINT");
	if (!fault_registered) {
		fault_registered = 1;
		atexit(fault_report);
	}
	fault_counter++;
	if (kill_at && atol(kill_at) == fault_counter) {
		fault_report();
		raise(SIGKILL);
	}
	if (fail && atol(fail) == fault_counter) {
		(void)what;
		errno = EIO;
		return -1;
	}
	return 0;
}
#else
int gmf_fs_faultpoint(const char *what)
{
	(void)what;
	return 0;
}
#endif

#define FS_READ_LIMIT (64u * 1024u * 1024u)

static int read_limited(const char *path, char **out, size_t *len, struct stat *stp,
			size_t limit)
{
	/* non-blocking: a FIFO or a device where a file should be must not
	 * hang the tool; only regular files of a sane size are read */
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *buf;
	size_t got = 0, cap;

	*out = NULL;
	if (len)
		*len = 0;
	if (fd < 0)
		return gmf_error_set(errno == ENOENT ? GMF_ENOTFOUND : GMF_EIO,
				     "cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > limit) {
		close(fd);
		return gmf_error_set(GMF_EIO, "cannot read '%s': %s", path,
				     S_ISREG(st.st_mode) ? "file too large" : "not a regular file");
	}
	/* one read of the size fstat gave, plus one byte: a regular file
	 * that returns less has ended (open, fstat, read, close) */
	cap = (size_t)st.st_size + 1;
	buf = gmf_xmalloc(cap + 1);
	for (;;) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			gmf_error_set(GMF_EIO, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			free(buf);
			return GMF_EIO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > limit) {
			close(fd);
			free(buf);
			return gmf_error_set(GMF_EIO, "cannot read '%s': file too large", path);
		}
		if (got < cap) {
			if (got == (size_t)st.st_size)
				break; /* all of it, and the read came up short */
			continue;
		}
		cap *= 2; /* grew since fstat */
		buf = gmf_xrealloc(buf, cap + 1);
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	if (stp)
		*stp = st;
	return 0;
}

int gmf_fs_read_st(const char *path, char **out, size_t *len, struct stat *st)
{
	return read_limited(path, out, len, st, FS_READ_LIMIT);
}

int gmf_fs_read(const char *path, char **out, size_t *len)
{
	return read_limited(path, out, len, NULL, FS_READ_LIMIT);
}

int gmf_fs_read_max(const char *path, char **out, size_t *len, size_t max)
{
	return read_limited(path, out, len, NULL, max);
}

/* The process's umask, read once (umask can only be read by setting it). */
static mode_t cached_umask(void)
{
	static int known;
	static mode_t um;
	if (!known) {
		um = umask(022);
		umask(um);
		known = 1;
	}
	return um;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n;
		if (gmf_fs_faultpoint("write") < 0)
			return -1;
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return gmf_xstrdup(".");
	if (slash == path)
		return gmf_xstrdup("/");
	return gmf_xstrndup(path, (size_t)(slash - path));
}

int gmf_fs_sync_dir(const char *dir)
{
	int fd, rc = 0;
	if (gmf_fs_faultpoint("fsync-dir") < 0)
		return gmf_error_set(GMF_EIO, "cannot sync directory '%s': %s", dir,
				     strerror(errno));
	fd = open(dir, O_RDONLY);
	if (fd < 0)
		return 0; /* some systems cannot open directories: not fatal */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = gmf_error_set(GMF_EIO, "cannot sync directory '%s': %s", dir,
				   strerror(errno));
	close(fd);
	return rc;
}

static int write_new(const char *path, const char *data, size_t len, mode_t mode,
		     int sync)
{
	int fd, saved;
	if (gmf_fs_faultpoint("create") < 0)
		return gmf_error_set(GMF_EIO, "cannot create '%s': %s", path, strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, mode ? mode : 0666);
	if (fd < 0)
		return gmf_error_set(GMF_EIO, "cannot create '%s': %s", path, strerror(errno));
	if (mode && (mode & ~cached_umask()) != mode)
		(void)fchmod(fd, mode);
	if (write_all(fd, data, len) < 0 ||
	    (sync && (gmf_fs_faultpoint("fsync") < 0 || fsync(fd) < 0))) {
		saved = errno;
		close(fd);
		unlink(path);
		return gmf_error_set(GMF_EIO, "cannot write '%s': %s", path, strerror(saved));
	}
	if (close(fd) < 0) {
		saved = errno;
		unlink(path);
		return gmf_error_set(GMF_EIO, "cannot write '%s': %s", path, strerror(saved));
	}
	return 0;
}

int gmf_fs_contains(const char *path, const char *needle)
{
	char *data = NULL;
	size_t len;
	int found = gmf_fs_read(path, &data, &len) == 0 && strstr(data, needle);
	free(data);
	return found;
}

int gmf_fs_write_new(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_new(path, data, len, mode, 1);
}

int gmf_fs_write_new_unsynced(const char *path, const char *data, size_t len,
			      mode_t mode)
{
	return write_new(path, data, len, mode, 0);
}

/* The files of gmf_fs_write_new_all kept open at once: all written
 * before the first fsync, so that on a journaling file system the first
 * fsync commits them all and the others find their data already durable
 * (one journal commit per batch, not one per file). */
#define FS_BATCH 256

/* The fsyncs of a batch run on this many threads once it holds
 * FS_SYNC_MIN files: each fsync waits for its own device flush, and one
 * after another they queue; side by side the device serves them together
 * (1,000 files on this project's ext4 test machine: 250-500 ms in turn,
 * 35-140 ms on 4 threads). */
#define FS_SYNC_THREADS 4
#define FS_SYNC_MIN 8

typedef struct {
	const int *fds;
	size_t n, step, first;
	size_t bad; /* the first file that failed, or n */
	int err;
} sync_job;

static void *sync_some(void *arg)
{
	sync_job *j = arg;
	for (size_t i = j->first; i < j->n; i += j->step)
		if (fsync(j->fds[i]) < 0 && j->bad == j->n) {
			j->bad = i;
			j->err = errno;
		}
	return NULL;
}

/* fsyncs fds[0..n) (a thread that cannot start has its share done here);
 * returns the index of a file that failed, errno in *err, or n. */
static size_t sync_all(const int *fds, size_t n, int *err)
{
	sync_job jobs[FS_SYNC_THREADS];
	pthread_t tids[FS_SYNC_THREADS];
	int started[FS_SYNC_THREADS] = { 0 };
	size_t nt = n >= FS_SYNC_MIN ? FS_SYNC_THREADS : 1, bad = n;

	for (size_t t = 0; t < nt; t++)
		jobs[t] = (sync_job){ fds, n, nt, t, n, 0 };
	for (size_t t = 1; t < nt; t++)
		started[t] = pthread_create(&tids[t], NULL, sync_some, &jobs[t]) == 0;
	for (size_t t = 0; t < nt; t++)
		if (!started[t])
			(void)sync_some(&jobs[t]);
	for (size_t t = 0; t < nt; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		if (jobs[t].bad < bad) {
			bad = jobs[t].bad;
			*err = jobs[t].err;
		}
	}
	return bad;
}

static void unlink_created(const gmf_fs_new_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		(void)unlink(files[i].path);
}

int gmf_fs_write_new_all(const gmf_fs_new_file *files, size_t n)
{
	int fds[FS_BATCH];
	size_t start = 0;

	while (start < n) {
		size_t k = 0, end = start + FS_BATCH < n ? start + FS_BATCH : n;
		int saved = 0;
		const char *bad = NULL, *what = "write";
		for (size_t i = start; i < end; i++, k++) {
			const gmf_fs_new_file *f = &files[i];
			mode_t mode = f->mode ? f->mode : 0666;
			int fd = -1;
			if (gmf_fs_faultpoint("create") == 0) {
				fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, mode);
				/* a temporary left by a killed run: replaced */
				if (fd < 0 && errno == EEXIST && f->replace &&
				    gmf_fs_faultpoint("unlink") == 0 && unlink(f->path) == 0)
					fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY,
						  mode);
			}
			if (fd < 0) {
				saved = errno;
				bad = f->path;
				what = "create";
				break;
			}
			fds[k] = fd;
			if ((f->mode && (f->mode & ~cached_umask()) != f->mode &&
			     fchmod(fd, f->mode) < 0) ||
			    write_all(fd, f->data, f->len) < 0) {
				saved = errno;
				bad = f->path;
				k++;
				break;
			}
		}
		/* the fault points first, here: they count, and may kill */
		for (size_t i = 0; i < k && !bad; i++)
			if (gmf_fs_faultpoint("fsync") < 0) {
				saved = errno;
				bad = files[start + i].path;
			}
		if (!bad) {
			size_t b = sync_all(fds, k, &saved);
			if (b < k)
				bad = files[start + b].path;
		}
		for (size_t i = 0; i < k; i++)
			if (close(fds[i]) < 0 && !bad) {
				saved = errno;
				bad = files[start + i].path;
			}
		if (bad) {
			/* every file this call created, not one it failed to */
			unlink_created(files, start + k);
			return gmf_error_set(GMF_EIO, "cannot %s '%s': %s", what, bad,
					     strerror(saved));
		}
		start = end;
	}
	return 0;
}

/* path replaced by data through a temporary beside it and a rename; with
 * sync, the temporary and then the directory are made durable. */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode,
			int sync)
{
	gmf_strbuf tmp = GMF_STRBUF_INIT;
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/');
	int rc;

	if (!mode)
		mode = gmf_fs_mode(path);
	gmf_strbuf_addf(&tmp, "%s/.%s.gmf-%ld.tmp", dir, base ? base + 1 : path,
			(long)getpid());
	if (gmf_fs_exists(tmp.buf))
		(void)gmf_fs_unlink(tmp.buf); /* a run of the same pid, killed */
	rc = write_new(tmp.buf, data, len, mode, sync);
	if (rc == 0 && (rc = gmf_fs_rename(tmp.buf, path)) < 0)
		unlink(tmp.buf);
	if (rc == 0 && sync)
		rc = gmf_fs_sync_dir(dir);
	gmf_strbuf_release(&tmp);
	free(dir);
	return rc;
}

int gmf_fs_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_atomic(path, data, len, mode, 1);
}

int gmf_fs_write_atomic_unsynced(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_atomic(path, data, len, mode, 0);
}

int gmf_fs_rename(const char *from, const char *to)
{
	if (gmf_fs_faultpoint("rename") < 0 || rename(from, to) < 0)
		return gmf_error_set(GMF_EIO, "cannot rename '%s' to '%s': %s", from, to,
				     strerror(errno));
	return 0;
}

int gmf_fs_unlink(const char *path)
{
	if (gmf_fs_faultpoint("unlink") < 0)
		return gmf_error_set(GMF_EIO, "cannot remove '%s': %s", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return gmf_error_set(GMF_EIO, "cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

int gmf_fs_mkdir(const char *path, mode_t mode)
{
	if (gmf_fs_faultpoint("mkdir") < 0)
		return gmf_error_set(GMF_EIO, "cannot create directory '%s': %s", path,
				     strerror(errno));
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return gmf_error_set(GMF_EIO, "cannot create directory '%s': %s", path,
				     strerror(errno));
	return 0;
}

int gmf_fs_rmdir_flat(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d)
		return errno == ENOENT ? 0
				       : gmf_error_set(GMF_EIO, "cannot read '%s': %s", path,
						       strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char *p;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		p = gmf_xstrdup(path);
		{
			gmf_strbuf sb = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&sb, "%s/%s", path, e->d_name);
			free(p);
			p = gmf_strbuf_detach(&sb, NULL);
		}
		if (gmf_fs_unlink(p) < 0) {
			free(p);
			closedir(d);
			return GMF_EIO;
		}
		free(p);
	}
	closedir(d);
	if (gmf_fs_faultpoint("rmdir") < 0 || (rmdir(path) < 0 && errno != ENOENT))
		return gmf_error_set(GMF_EIO, "cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

int gmf_fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

mode_t gmf_fs_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	return st.st_mode & 07777;
}

/* Directories resolved by gmf_fs_inside, by their text, for the run (a
 * fix names thousands of files in one or two directories: realpath
 * costs a readlink per component of each).  Only successes are kept: a
 * directory made later is resolved when it exists. */
typedef struct {
	char *dir, *real;
} resolved;
static resolved *resolved_dirs;
static size_t nresolved, resolved_cap;

void gmf_fs_inside_forget(void)
{
	for (size_t i = 0; i < nresolved; i++) {
		free(resolved_dirs[i].dir);
		free(resolved_dirs[i].real);
	}
	free(resolved_dirs);
	resolved_dirs = NULL;
	nresolved = resolved_cap = 0;
}

static const char *resolve_dir(const char *dir, size_t len)
{
	char *text, *real;
	for (size_t i = nresolved; i-- > 0;)
		if (!strncmp(resolved_dirs[i].dir, dir, len) && resolved_dirs[i].dir[len] == '\0')
			return resolved_dirs[i].real;
	text = gmf_xstrndup(dir, len);
	if (!(real = realpath(text, NULL))) {
		free(text);
		return NULL;
	}
	if (nresolved == resolved_cap) {
		resolved_cap = resolved_cap ? 2 * resolved_cap : 8;
		resolved_dirs = gmf_xrealloc(resolved_dirs, resolved_cap * sizeof(*resolved_dirs));
	}
	resolved_dirs[nresolved].dir = text;
	resolved_dirs[nresolved].real = real;
	return resolved_dirs[nresolved++].real;
}

int gmf_fs_inside_st(const char *root, const char *path, int *present)
{
	return gmf_fs_inside_lstat(root, path, present, NULL);
}

int gmf_fs_inside_lstat(const char *root, const char *path, int *present, struct stat *st_out)
{
	const char *slash = strrchr(path, '/'), *real_dir, *real_root;
	struct stat st;
	int ok = 0;

	if (present)
		*present = 0;
	real_root = resolve_dir(root, strlen(root));
	/* the directory must exist (new files go into existing directories) */
	if (!slash)
		real_dir = resolve_dir(".", 1);
	else if (slash == path)
		real_dir = resolve_dir("/", 1);
	else
		real_dir = resolve_dir(path, (size_t)(slash - path));
	if (real_root && real_dir) {
		size_t n = strlen(real_root);
		ok = !strncmp(real_root, real_dir, n) &&
		     (real_dir[n] == '\0' || real_dir[n] == '/' || !strcmp(real_root, "/"));
	}
	/* a symlink itself is fine: it is only ever replaced by a rename or
	 * removed, never written through; anything else but a file is not */
	if (ok && lstat(path, &st) == 0) {
		if (present)
			*present = 1;
		if (st_out)
			*st_out = st;
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
			ok = 0;
	}
	return ok;
}

int gmf_fs_inside(const char *root, const char *path)
{
	return gmf_fs_inside_st(root, path, NULL);
}
