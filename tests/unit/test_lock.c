/* SPDX-License-Identifier: MIT */
/* Unit tests for lock: one writer at a time per project. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gmf/lock.h"

static char dir[64];
static char lock_path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gmf-ut-lock.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(lock_path, sizeof(lock_path), "%s/lock", dir);
	unsetenv(GMF_LOCK_TIMEOUT_ENV);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int each(void **state)
{
	(void)state;
	unlink(lock_path);
	unsetenv(GMF_LOCK_TIMEOUT_ENV);
	return 0;
}

static char *slurp(const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY);
	ssize_t k;
	if (fd < 0)
		return NULL;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[k < 0 ? 0 : k] = '\0';
	return strdup(buf);
}

static void write_lock(const char *content)
{
	int fd = open(lock_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void my_host(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0 || !buf[0])
		snprintf(buf, size, "unknown");
	buf[size - 1] = '\0';
}

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A child that takes the lock, tells the parent, and holds it until the
 * parent closes its pipe. */
static pid_t spawn_holder(int *release_fd)
{
	int ready[2], hold[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gmf_lock l = GMF_LOCK_INIT;
		close(ready[0]);
		close(hold[1]);
		if (gmf_lock_acquire(&l, dir, 0, NULL) < 0)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		(void)read(hold[0], &c, 1);
		gmf_lock_release(&l);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*release_fd = hold[1];
	return pid;
}

static void reap(pid_t pid, int release_fd)
{
	int status;
	close(release_fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_lock_acquire_writes_holder_and_release_removes(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	char *note = (char *)1, *content, host[256], want[300];
	(void)state;
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, &note), 0);
	assert_null(note);
	content = slurp(lock_path);
	assert_non_null(content);
	my_host(host, sizeof(host));
	snprintf(want, sizeof(want), "%ld %s ", (long)getpid(), host);
	assert_true(!strncmp(content, want, strlen(want)));
	/* start time in UTC, then one newline */
	assert_non_null(strchr(content + strlen(want), 'Z'));
	assert_string_equal(content + strlen(content) - 2, "Z\n");
	free(content);
	gmf_lock_release(&l);
	assert_null(l.path);
	assert_int_equal(access(lock_path, F_OK), -1);
	/* and it can be taken again */
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), 0);
	gmf_lock_release(&l);
	gmf_lock_release(&l); /* twice is harmless */
}

static void test_lock_not_reentrant(void **state)
{
	gmf_lock a = GMF_LOCK_INIT, b = GMF_LOCK_INIT;
	long long t0;
	(void)state;
	assert_int_equal(gmf_lock_acquire(&a, dir, 0, NULL), 0);
	t0 = ms_now();
	assert_int_equal(gmf_lock_acquire(&b, dir, 60000, NULL), GMF_EUSAGE);
	assert_true(ms_now() - t0 < 30000); /* no waiting on itself */
	assert_non_null(strstr(gmf_error_last(), "already holds"));
	assert_null(b.path);
	gmf_lock_release(&b);
	assert_int_equal(access(lock_path, F_OK), 0); /* a's lock untouched */
	gmf_lock_release(&a);
	assert_int_equal(access(lock_path, F_OK), -1);
}

static void test_lock_held_elsewhere_refused_with_pid(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	int rel;
	pid_t child;
	char pidtxt[32], *before, *after;
	(void)state;
	child = spawn_holder(&rel);
	before = slurp(lock_path);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), GMF_ECONFLICT);
	snprintf(pidtxt, sizeof(pidtxt), "process %ld", (long)child);
	assert_non_null(strstr(gmf_error_last(), pidtxt));
	assert_non_null(strstr(gmf_error_last(), "if no such process runs, remove '"));
	assert_non_null(strstr(gmf_error_last(), lock_path));
	assert_null(l.path);
	/* the holder's lock is left exactly as it was */
	after = slurp(lock_path);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);
	reap(child, rel);
	assert_int_equal(access(lock_path, F_OK), -1);
}

static void test_lock_timeout_honoured(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	long long t0, took;
	int rel;
	pid_t child;
	(void)state;
	child = spawn_holder(&rel);
	t0 = ms_now();
	assert_int_equal(gmf_lock_acquire(&l, dir, 150, NULL), GMF_ECONFLICT);
	took = ms_now() - t0;
	assert_true(took >= 150);
	/* the environment overrides the caller's wait */
	setenv(GMF_LOCK_TIMEOUT_ENV, "0", 1);
	t0 = ms_now();
	assert_int_equal(gmf_lock_acquire(&l, dir, 600000, NULL), GMF_ECONFLICT);
	assert_true(ms_now() - t0 < 60000);
	/* and is parsed strictly */
	setenv(GMF_LOCK_TIMEOUT_ENV, "10ms", 1);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), GMF_EUSAGE);
	assert_non_null(strstr(gmf_error_last(), "10ms"));
	setenv(GMF_LOCK_TIMEOUT_ENV, "", 1);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), GMF_EUSAGE);
	setenv(GMF_LOCK_TIMEOUT_ENV, "99999999999999999999", 1);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), GMF_EUSAGE);
	unsetenv(GMF_LOCK_TIMEOUT_ENV);
	assert_int_equal(access(lock_path, F_OK), 0);
	reap(child, rel);
}

static void test_lock_waits_for_holder_to_finish(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	char *note = NULL;
	int ready[2], status;
	pid_t pid;
	char c;
	(void)state;
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gmf_lock hl = GMF_LOCK_INIT;
		struct timespec ts = { 0, 200 * 1000000L };
		close(ready[0]);
		if (gmf_lock_acquire(&hl, dir, 0, NULL) < 0)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		nanosleep(&ts, NULL);
		exit(0); /* no release: the exit handler removes it */
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(gmf_lock_acquire(&l, dir, 30000, &note), 0);
	assert_null(note); /* let go, not stale */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	gmf_lock_release(&l);
}

static void test_lock_stale_pid_taken_with_note(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	char host[256], buf[400], *note = NULL, want[64], *content;
	pid_t dead = fork();
	int status;
	(void)state;
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, &status, 0), dead);
	my_host(host, sizeof(host));
	snprintf(buf, sizeof(buf), "%ld %s 2020-01-01T00:00:00Z\n", (long)dead, host);
	write_lock(buf);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, &note), 0);
	assert_non_null(note);
	snprintf(want, sizeof(want), "removed a stale lock left by process %ld", (long)dead);
	assert_string_equal(note, want);
	free(note);
	content = slurp(lock_path);
	snprintf(want, sizeof(want), "%ld ", (long)getpid());
	assert_true(!strncmp(content, want, strlen(want)));
	free(content);
	gmf_lock_release(&l);
	/* nothing left beside it */
	snprintf(buf, sizeof(buf), "%s/lock.stale-%ld", dir, (long)getpid());
	assert_int_equal(access(buf, F_OK), -1);
}

static void test_lock_other_host_never_stale(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	pid_t dead = fork();
	int status;
	char *content;
	(void)state;
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, &status, 0), dead);
	{
		char buf[128];
		snprintf(buf, sizeof(buf), "%ld some-other-host.invalid 2020-01-01T00:00:00Z\n",
			 (long)dead);
		write_lock(buf);
	}
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), GMF_ECONFLICT);
	assert_non_null(strstr(gmf_error_last(), "some-other-host.invalid"));
	assert_non_null(strstr(gmf_error_last(), "2020-01-01T00:00:00Z"));
	content = slurp(lock_path);
	assert_non_null(strstr(content, "some-other-host.invalid"));
	free(content);
}

static void test_lock_empty_lock_stale_only_when_old(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	struct timeval tv[2];
	char *note = NULL;
	(void)state;
	write_lock("");
	/* fresh: its holder may be about to write its name */
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), GMF_ECONFLICT);
	assert_int_equal(access(lock_path, F_OK), 0);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= 3600;
	tv[1] = tv[0];
	assert_int_equal(utimes(lock_path, tv), 0);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, &note), 0);
	assert_non_null(note);
	assert_non_null(strstr(note, "removed a stale lock"));
	free(note);
	gmf_lock_release(&l);
	/* garbage, old: the same */
	write_lock("not a lock at all");
	assert_int_equal(utimes(lock_path, tv), 0);
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), 0);
	gmf_lock_release(&l);
}

static void test_lock_forked_child_leaves_parents_lock(void **state)
{
	gmf_lock l = GMF_LOCK_INIT, c = GMF_LOCK_INIT;
	pid_t pid;
	int status;
	(void)state;
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child holds nothing: it cannot take it and its exit
		 * handler leaves the parent's lock alone */
		_exit(gmf_lock_acquire(&c, dir, 0, NULL) == GMF_ECONFLICT ? 0 : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pid = fork();
	if (pid == 0)
		exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(access(lock_path, F_OK), 0);
	gmf_lock_release(&l);
	assert_int_equal(access(lock_path, F_OK), -1);
}

static void test_lock_release_keeps_someone_elses(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	char *content;
	(void)state;
	assert_int_equal(gmf_lock_acquire(&l, dir, 0, NULL), 0);
	/* someone removed ours by hand and another run took it */
	unlink(lock_path);
	write_lock("1 elsewhere 2020-01-01T00:00:00Z\n");
	gmf_lock_release(&l);
	content = slurp(lock_path);
	assert_non_null(content);
	assert_string_equal(content, "1 elsewhere 2020-01-01T00:00:00Z\n");
	free(content);
}

static void test_lock_missing_state_dir(void **state)
{
	gmf_lock l = GMF_LOCK_INIT;
	char missing[128];
	(void)state;
	snprintf(missing, sizeof(missing), "%s/nope", dir);
	assert_int_equal(gmf_lock_acquire(&l, missing, 0, NULL), GMF_EIO);
	assert_null(l.path);
	assert_int_equal(access(missing, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lock_acquire_writes_holder_and_release_removes, each),
		cmocka_unit_test_setup(test_lock_not_reentrant, each),
		cmocka_unit_test_setup(test_lock_held_elsewhere_refused_with_pid, each),
		cmocka_unit_test_setup(test_lock_timeout_honoured, each),
		cmocka_unit_test_setup(test_lock_waits_for_holder_to_finish, each),
		cmocka_unit_test_setup(test_lock_stale_pid_taken_with_note, each),
		cmocka_unit_test_setup(test_lock_other_host_never_stale, each),
		cmocka_unit_test_setup(test_lock_empty_lock_stale_only_when_old, each),
		cmocka_unit_test_setup(test_lock_forked_child_leaves_parents_lock, each),
		cmocka_unit_test_setup(test_lock_release_keeps_someone_elses, each),
		cmocka_unit_test_setup(test_lock_missing_state_dir, each),
	};
	return cmocka_run_group_tests_name("lock", tests, setup, teardown);
}
