/* SPDX-License-Identifier: MIT */
/* fs: see include/gmf/fs.h. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* syncfs */
#endif
#include "gmf/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

int gmf_fs_read(const char *path, char **out, size_t *len)
{
	/* non-blocking: a FIFO or a device where a file should be must not
	 * hang the tool; only regular files of a sane size are read */
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char buf[65536];
	struct stat st;
	ssize_t n;

	*out = NULL;
	if (len)
		*len = 0;
	if (fd < 0)
		return gmf_error_set(errno == ENOENT ? GMF_ENOTFOUND : GMF_EIO,
				     "cannot read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > FS_READ_LIMIT) {
		close(fd);
		return gmf_error_set(GMF_EIO, "cannot read '%s': %s", path,
				     S_ISREG(st.st_mode) ? "file too large" : "not a regular file");
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			gmf_error_set(GMF_EIO, "cannot read '%s': %s", path, strerror(errno));
			close(fd);
			gmf_strbuf_release(&sb);
			return GMF_EIO;
		}
		gmf_strbuf_add(&sb, buf, (size_t)n);
		if (sb.len > FS_READ_LIMIT) {
			close(fd);
			gmf_strbuf_release(&sb);
			return gmf_error_set(GMF_EIO, "cannot read '%s': file too large", path);
		}
	}
	close(fd);
	*out = gmf_strbuf_detach(&sb, len);
	return 0;
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
	if (mode)
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

int gmf_fs_write_new(const char *path, const char *data, size_t len, mode_t mode)
{
	return write_new(path, data, len, mode, 1);
}

int gmf_fs_write_new_unsynced(const char *path, const char *data, size_t len,
			      mode_t mode)
{
	return write_new(path, data, len, mode, 0);
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOCTTY), saved;
	if (fd < 0 || fsync(fd) < 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		return gmf_error_set(GMF_EIO, "cannot sync '%s': %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

int gmf_fs_sync_files(const char *const *paths, size_t n)
{
	if (!n)
		return 0;
	if (gmf_fs_faultpoint("sync-files") < 0)
		return gmf_error_set(GMF_EIO, "cannot sync '%s': %s", paths[0], strerror(errno));
#if defined(__linux__)
	{
		/* one syncfs per file system: a single journal commit instead of
		 * one per file (fsync of each costs a commit each) */
		dev_t *done = gmf_xcalloc(n, sizeof(dev_t));
		size_t ndone = 0;
		int rc = 0;
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct stat st;
			size_t k;
			int fd;
			if (stat(paths[i], &st) < 0) {
				rc = gmf_error_set(GMF_EIO, "cannot sync '%s': %s", paths[i],
						   strerror(errno));
				break;
			}
			for (k = 0; k < ndone && done[k] != st.st_dev; k++)
				;
			if (k < ndone)
				continue;
			done[ndone++] = st.st_dev;
			fd = open(paths[i], O_RDONLY | O_NOCTTY);
			if (fd >= 0 && syncfs(fd) == 0) {
				close(fd);
				continue;
			}
			if (fd >= 0)
				close(fd);
			/* no syncfs here: every file of the list, one by one */
			free(done);
			for (size_t j = 0; j < n; j++)
				if ((rc = fsync_path(paths[j])) < 0)
					return rc;
			return 0;
		}
		free(done);
		return rc;
	}
#else
	for (size_t i = 0; i < n; i++) {
		int rc = fsync_path(paths[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
#endif
}

int gmf_fs_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	gmf_strbuf tmp = GMF_STRBUF_INIT;
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/');
	int rc;

	if (!mode)
		mode = gmf_fs_mode(path);
	gmf_strbuf_addf(&tmp, "%s/.%s.gmf-%ld.tmp", dir, base ? base + 1 : path,
			(long)getpid());
	rc = gmf_fs_write_new(tmp.buf, data, len, mode);
	if (rc == 0 && (rc = gmf_fs_rename(tmp.buf, path)) < 0)
		unlink(tmp.buf);
	if (rc == 0)
		rc = gmf_fs_sync_dir(dir);
	gmf_strbuf_release(&tmp);
	free(dir);
	return rc;
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

int gmf_fs_inside(const char *root, const char *path)
{
	char *dir = dir_of(path), *real_dir = NULL, *real_root = NULL;
	struct stat st;
	int ok = 0;

	real_root = realpath(root, NULL);
	/* the directory must exist (new files go into existing directories) */
	real_dir = realpath(dir, NULL);
	if (real_root && real_dir) {
		size_t n = strlen(real_root);
		ok = !strncmp(real_root, real_dir, n) &&
		     (real_dir[n] == '\0' || real_dir[n] == '/' || !strcmp(real_root, "/"));
	}
	/* a symlink itself is fine: it is only ever replaced by a rename or
	 * removed, never written through; anything else but a file is not */
	if (ok && lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		ok = 0;
	free(real_root);
	free(real_dir);
	free(dir);
	return ok;
}
