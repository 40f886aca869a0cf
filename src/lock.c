/* SPDX-License-Identifier: MIT */
/* lock: see include/gmf/lock.h. */
#include "gmf/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/strbuf.h"

/* The lock this process holds, for the atexit handler and the re-entry
 * check.  held_pid tells a forked child that it is not the holder. */
static char *held_path;
static unsigned long long held_dev, held_ino;
static pid_t held_pid;
static int exit_hook;

static void host_name(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0)
		buf[0] = '\0';
	buf[size - 1] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			*p = '_';
	if (!buf[0])
		snprintf(buf, size, "unknown");
}

/* Removes path only when it is still the file (dev, ino) names and still
 * names this process (an inode number can be reused by a lock someone
 * else took after ours was removed by hand). */
static void unlink_if_same(const char *path, unsigned long long dev, unsigned long long ino)
{
	char buf[32], want[32];
	struct stat st;
	ssize_t k;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return;
	k = fstat(fd, &st) == 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	if (k <= 0 || (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return;
	buf[k] = '\0';
	snprintf(want, sizeof(want), "%ld ", (long)getpid());
	if (!strncmp(buf, want, strlen(want)))
		(void)unlink(path);
}

static void forget_held(void)
{
	free(held_path);
	held_path = NULL;
	held_pid = 0;
}

static void release_at_exit(void)
{
	if (held_path && held_pid == getpid())
		unlink_if_same(held_path, held_dev, held_ino);
	forget_held();
}

static int parse_timeout(const char *s, unsigned *out)
{
	unsigned long long v = 0;
	if (!*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > UINT_MAX)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 0: created; 1: someone holds it; < 0: error (message set). */
static int try_create(const char *path, const char *content, struct stat *st)
{
	size_t len = strlen(content), done = 0;
	int fd, saved;

	if (gmf_fs_faultpoint("lock") < 0)
		return gmf_error_set(GMF_EIO, "cannot create '%s': %s", path, strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		return gmf_error_set(GMF_EIO, "cannot create '%s': %s", path, strerror(errno));
	}
	while (done < len) {
		ssize_t k = write(fd, content + done, len - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto fail;
		done += (size_t)k;
	}
	if (fstat(fd, st) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	(void)unlink(path);
	return gmf_error_set(GMF_EIO, "cannot write '%s': %s", path, strerror(saved));
}

typedef struct {
	int parsed;
	long pid;
	char host[256];
	char started[64];
	struct stat st;
} holder;

/* 0: read (parsed or not); 1: gone meanwhile. */
static int read_holder(const char *path, holder *h)
{
	char buf[512];
	ssize_t k;
	int fd;

	memset(h, 0, sizeof(*h));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return 1;
	if (fstat(fd, &h->st) < 0) {
		close(fd);
		return 1;
	}
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = '\0';
	{
		char *end, *sp1, *sp2, *nl;
		long pid = strtol(buf, &end, 10);
		if (end == buf || *end != ' ' || pid <= 0 || buf[0] < '0' || buf[0] > '9')
			return 0;
		sp1 = end;
		sp2 = strchr(sp1 + 1, ' ');
		nl = sp2 ? strchr(sp2 + 1, '\n') : NULL;
		if (!sp2 || !nl || nl[1] != '\0' || sp2 == sp1 + 1 || nl == sp2 + 1 ||
		    (size_t)(sp2 - sp1 - 1) >= sizeof(h->host) ||
		    (size_t)(nl - sp2 - 1) >= sizeof(h->started))
			return 0;
		memcpy(h->host, sp1 + 1, (size_t)(sp2 - sp1 - 1));
		memcpy(h->started, sp2 + 1, (size_t)(nl - sp2 - 1));
		h->pid = pid;
		h->parsed = 1;
	}
	return 0;
}

static int is_stale(const holder *h, const char *me)
{
	if (!h->parsed)
		return time(NULL) - h->st.st_mtime > GMF_LOCK_STALE_SECONDS;
	if (strcmp(h->host, me))
		return 0; /* another machine's process: cannot tell */
	if ((pid_t)h->pid == getpid())
		return 1; /* our own pid, and we do not hold it: a dead holder's */
	return kill((pid_t)h->pid, 0) < 0 && errno == ESRCH;
}

/* Moves the stale lock aside and removes it if it is still the file that
 * was judged stale; a fresh lock taken meanwhile by someone else is put
 * back.  1 when removed. */
static int break_lock(const char *path, const holder *h)
{
	gmf_strbuf aside = GMF_STRBUF_INIT;
	struct stat st;
	int removed = 0;

	gmf_strbuf_addf(&aside, "%s.stale-%ld", path, (long)getpid());
	if (rename(path, aside.buf) < 0)
		goto cleanup;
	if (lstat(aside.buf, &st) == 0 && st.st_dev == h->st.st_dev &&
	    st.st_ino == h->st.st_ino) {
		removed = unlink(aside.buf) == 0;
	} else {
		(void)link(aside.buf, path);
		(void)unlink(aside.buf);
	}
cleanup:
	gmf_strbuf_release(&aside);
	return removed;
}

/* What the lock holds: "pid host start-time\n". */
static void describe_self(gmf_strbuf *content, const char *host)
{
	char started[64];
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(started, sizeof(started), "%lld", (long long)now);
	gmf_strbuf_addf(content, "%ld %s %s\n", (long)getpid(), host, started);
}

/* The lock at path, just created as st, is ours: for the caller, and
 * for the re-entry check and the atexit handler. */
static void hold(gmf_lock *out, const char *path, const struct stat *st)
{
	out->path = gmf_xstrdup(path);
	out->dev = (unsigned long long)st->st_dev;
	out->ino = (unsigned long long)st->st_ino;
	held_path = gmf_xstrdup(path);
	held_dev = out->dev;
	held_ino = out->ino;
	held_pid = getpid();
	if (!exit_hook && atexit(release_at_exit) == 0)
		exit_hook = 1;
}

static void note_stale(gmf_strbuf *msg, const holder *h, const char *path)
{
	gmf_strbuf_reset(msg);
	if (h->parsed)
		gmf_strbuf_addf(msg, "removed a stale lock left by process %ld", h->pid);
	else
		gmf_strbuf_addf(msg, "removed a stale lock left by a process "
				"that never wrote its name into '%s'", path);
}

/* The wait is over and h still holds path. */
static int still_held(const holder *h, const char *path)
{
	if (h->parsed)
		return gmf_error_set(GMF_ECONFLICT, "another git-migrate-fix is writing "
				     "here: process %ld on %s, started %s, holds '%s'; "
				     "if no such process runs, remove '%s'", h->pid,
				     h->host, h->started, path, path);
	return gmf_error_set(GMF_ECONFLICT, "another git-migrate-fix is writing "
			     "here (it holds '%s'); if no such process runs, "
			     "remove '%s'", path, path);
}

static void pause_ms(long ms)
{
	struct timespec ts;
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int gmf_lock_acquire(gmf_lock *out, const char *state_dir, unsigned wait_ms,
		     char **note)
{
	gmf_strbuf path = GMF_STRBUF_INIT, content = GMF_STRBUF_INIT, msg = GMF_STRBUF_INIT;
	char host[256];
	const char *env = getenv(GMF_LOCK_TIMEOUT_ENV);
	long long deadline;
	int rc;

	out->path = NULL;
	out->dev = out->ino = 0;
	if (note)
		*note = NULL;
	if (held_path && held_pid != getpid())
		forget_held(); /* a forked child holds nothing */
	if (held_path)
		return gmf_error_set(GMF_EUSAGE, "this process already holds the lock '%s' "
				     "(it is not re-entrant)", held_path);
	if (env && parse_timeout(env, &wait_ms) < 0)
		return gmf_error_set(GMF_EUSAGE, "%s must be a number of milliseconds, not '%s'",
				     GMF_LOCK_TIMEOUT_ENV, env);
	host_name(host, sizeof(host));
	gmf_strbuf_addf(&path, "%s/lock", state_dir);
	describe_self(&content, host);
	deadline = now_ms() + wait_ms;
	for (;;) {
		struct stat st;
		holder h;
		long long left;

		rc = try_create(path.buf, content.buf, &st);
		if (rc < 0)
			goto cleanup;
		if (rc == 0) {
			hold(out, path.buf, &st);
			if (note && msg.len)
				*note = gmf_strbuf_detach(&msg, NULL);
			goto cleanup;
		}
		if (read_holder(path.buf, &h) == 1)
			continue; /* let go meanwhile */
		if (is_stale(&h, host)) {
			if (break_lock(path.buf, &h))
				note_stale(&msg, &h, path.buf);
			continue;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			rc = still_held(&h, path.buf);
			goto cleanup;
		}
		pause_ms(left < 20 ? (long)left : 20);
	}
cleanup:
	gmf_strbuf_release(&path);
	gmf_strbuf_release(&content);
	gmf_strbuf_release(&msg);
	return rc;
}

void gmf_lock_release(gmf_lock *l)
{
	if (!l || !l->path)
		return;
	unlink_if_same(l->path, l->dev, l->ino);
	if (held_path && !strcmp(held_path, l->path) && held_pid == getpid())
		forget_held();
	free(l->path);
	l->path = NULL;
	l->dev = l->ino = 0;
}
