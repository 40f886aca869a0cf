/* SPDX-License-Identifier: MIT */
/* Unit tests for txn: journaled all-or-nothing changes and their recovery. */
/* LDWRAP: -Wl,--wrap=rename */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gmf/fs.h"
#include "gmf/journal.h"

/* rename(2), counted: the N-th call can fail (EIO) or end the process as
 * a kill would (no clean-up, no exit handlers). */
int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);
static int rename_calls, rename_fail_at, rename_kill_at;

int __wrap_rename(const char *from, const char *to)
{
	rename_calls++;
	if (rename_kill_at && rename_calls == rename_kill_at)
		_exit(42);
	if (rename_fail_at && rename_calls == rename_fail_at) {
		errno = EIO;
		return -1;
	}
	return __real_rename(from, to);
}

/* The fake index: every call of the staging step, in memory. */
typedef struct {
	int calls, rollbacks, fail;
	gmf_strbuf log;
	void (*hook)(void);
} fake_index;

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return p ? (s ? s + 1 : p) : "-";
}

static int fake_stage(void *data, const gmf_journal_op *ops, size_t n, int rollback)
{
	fake_index *x = data;
	x->calls++;
	x->rollbacks += rollback != 0;
	for (size_t i = 0; i < n; i++)
		gmf_strbuf_addf(&x->log, "%s %s>%s\n", rollback ? "R" : "S",
				base_name(ops[i].old_path), base_name(ops[i].new_path));
	if (x->hook)
		x->hook();
	if (x->fail && !rollback)
		return gmf_error_set(GMF_EGIT, "the index is locked");
	return 0;
}

static char base[64];
static int serial;
static struct {
	char top[128], ver[256], state[256], out[256];
	const char *roots[1];
	gmf_journal t;
	fake_index idx;
} F;

static int group_setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/gmf-ut-txn.XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh project per test: <top>/versions, the state directory and a
 * directory outside the project that must never be touched. */
static void fixture(void)
{
	gmf_strbuf_release(&F.idx.log);
	memset(&F, 0, sizeof(F));
	serial++;
	snprintf(F.top, sizeof(F.top), "%s/t%d", base, serial);
	snprintf(F.ver, sizeof(F.ver), "%s/versions", F.top);
	snprintf(F.state, sizeof(F.state), "%s/state", F.top);
	snprintf(F.out, sizeof(F.out), "%s/outside", F.top);
	assert_int_equal(mkdir(F.top, 0700), 0);
	assert_int_equal(mkdir(F.ver, 0700), 0);
	assert_int_equal(mkdir(F.state, 0700), 0);
	assert_int_equal(mkdir(F.out, 0700), 0);
	F.roots[0] = F.ver;
	F.t.state_dir = F.state;
	F.t.roots = F.roots;
	F.t.nroots = 1;
	F.t.stage = fake_stage;
	F.t.stage_data = &F.idx;
	F.idx.log = (gmf_strbuf)GMF_STRBUF_INIT;
	rename_calls = rename_fail_at = rename_kill_at = 0;
}

static int each(void **state)
{
	(void)state;
	fixture();
	return 0;
}

/* dir/name, in one of a ring of buffers */
static const char *at(const char *dir, const char *name)
{
	static char ring[16][512];
	static int k;
	char *b = ring[k++ % 16];
	snprintf(b, 512, "%s/%s", dir, name);
	return b;
}

static void put(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* The file's content, or NULL when it is absent (caller frees). */
static char *get(const char *path)
{
	char *data = NULL;
	size_t len;
	return gmf_fs_read(path, &data, &len) == 0 ? data : NULL;
}

#define assert_file(path, want) do { \
	char *ut_got_ = get(path); \
	if (!ut_got_) \
		print_error("'%s' is missing\n", (path)); \
	assert_non_null(ut_got_); \
	assert_string_equal(ut_got_, (want)); \
	free(ut_got_); \
} while (0)

#define assert_absent(path) assert_int_equal(access((path), F_OK), -1)

/* Every file of a directory, dot-files included, as "name=content;". */
static char *snapshot(const char *dir)
{
	char *names[64];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	gmf_strbuf sb = GMF_STRBUF_INIT;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < 64)
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (strcmp(names[k], names[i]) < 0) {
				char *x = names[i];
				names[i] = names[k];
				names[k] = x;
			}
	for (size_t i = 0; i < n; i++) {
		char *c = get(at(dir, names[i]));
		gmf_strbuf_addf(&sb, "%s=%s;", names[i], c ? c : "?");
		free(c);
		free(names[i]);
	}
	return gmf_strbuf_detach(&sb, NULL);
}

static void push(gmf_journal_op **ops, size_t *n, const char *old_path, const char *new_path,
		 const char *content)
{
	gmf_journal_op *op;
	*ops = realloc(*ops, (*n + 1) * sizeof(**ops));
	op = &(*ops)[(*n)++];
	memset(op, 0, sizeof(*op));
	op->old_path = old_path ? strdup(old_path) : NULL;
	op->new_path = new_path ? strdup(new_path) : NULL;
	op->content = content ? strdup(content) : NULL;
	op->len = content ? strlen(content) : 0;
	op->tracked = 1;
}

/* The usual run: a.py renamed to c.py and rewritten, b.py rewritten in
 * place, d.py created, e.py deleted. */
static const char before_state[] = "a.py=A;b.py=B;e.py=E;";
static const char after_state[] = "b.py=B2;c.py=A2;d.py=D;";

static size_t usual(gmf_journal_op **ops)
{
	size_t n = 0;
	put(at(F.ver, "a.py"), "A");
	put(at(F.ver, "b.py"), "B");
	put(at(F.ver, "e.py"), "E");
	*ops = NULL;
	push(ops, &n, at(F.ver, "a.py"), at(F.ver, "c.py"), "A2");
	push(ops, &n, at(F.ver, "b.py"), at(F.ver, "b.py"), "B2");
	push(ops, &n, NULL, at(F.ver, "d.py"), "D");
	push(ops, &n, at(F.ver, "e.py"), NULL, NULL);
	return n;
}

static void assert_tree(const char *want)
{
	char *s = snapshot(F.ver);
	assert_string_equal(s, want);
	free(s);
}

static int pending(void)
{
	return gmf_journal_pending(F.state);
}

/* Runs the usual change in a child killed at its kill_at-th rename;
 * 1 when it was killed there, 0 when it ran to the end. */
static int run_killed_at(int kill_at)
{
	gmf_journal_op *ops;
	size_t n = usual(&ops);
	pid_t pid;
	int status;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		rename_calls = 0;
		rename_kill_at = kill_at;
		_exit(gmf_journal_apply(&F.t, ops, n, "fix", "renumber") == 0 ? 0 : 1);
	}
	gmf_journal_ops_free(ops, n);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 42)
		return 1;
	assert_int_equal(WEXITSTATUS(status), 0);
	return 0;
}

/* The renames of the usual run: txn.tmp to txn (1), the manifest marked
 * committing (2), the three temporaries (3-5), marked done (6), txn to
 * last (7). */
enum { RN_JOURNAL = 1, RN_COMMITTING = 2, RN_FIRST_TMP = 3, RN_SECOND_TMP = 4,
       RN_DONE = 6, RN_FINISH = 7 };

/* ------------------------------------------------------------ apply */

/* op told that the caller read `bytes` at its old path, whose status
 * is *st, at time `at`. */
static void give_known(gmf_journal_op *op, const char *bytes, const struct stat *st, time_t at)
{
	op->have_known = 1;
	op->known = bytes;
	op->known_len = strlen(bytes);
	op->known_st = *st;
	op->known_at = at;
}

/* A file written long enough before the caller's read is not read again:
 * the journal keeps the caller's bytes (here, to show it, bytes of the
 * same length that are not on disk). */
static void test_journal_apply_takes_the_callers_bytes(void **state)
{
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	struct stat st;
	(void)state;
	put(at(F.ver, "x.py"), "X1");
	assert_int_equal(lstat(at(F.ver, "x.py"), &st), 0);
	push(&ops, &n, at(F.ver, "x.py"), at(F.ver, "y.py"), "Y");
	give_known(&ops[0], "K1", &st, time(NULL) + GMF_JOURNAL_RACY_SECONDS + 1);
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "known"), 0);
	assert_string_equal(ops[0].orig, "K1");
	assert_file(at(F.state, "last/data"), "K1Y");
	assert_tree("y.py=Y;");
	gmf_journal_ops_free(ops, n);
}

/* Written too near the read (racy) or changed since (another identity):
 * the file is read, and holding other bytes than the caller read, the
 * run is refused with nothing changed. */
static void test_journal_apply_refuses_a_file_changed_since_read(void **state)
{
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	struct stat st;
	(void)state;
	put(at(F.ver, "x.py"), "X1");
	assert_int_equal(lstat(at(F.ver, "x.py"), &st), 0);
	push(&ops, &n, at(F.ver, "x.py"), at(F.ver, "y.py"), "Y");
	/* racy: the file's times are not older than the read */
	give_known(&ops[0], "K1", &st, time(NULL));
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "racy"), GMF_ECONFLICT);
	assert_non_null(strstr(gmf_error_last(), "x.py' changed while"));
	assert_tree("x.py=X1;");
	assert_false(pending());
	/* another identity: rewritten after the read */
	put(at(F.ver, "x.py"), "X2");
	st.st_ino++;
	give_known(&ops[0], "X1", &st, time(NULL) + GMF_JOURNAL_RACY_SECONDS + 1);
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "changed"), GMF_ECONFLICT);
	assert_tree("x.py=X2;");
	/* the same bytes as read: the run goes ahead on them */
	give_known(&ops[0], "X2", &st, time(NULL));
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "same"), 0);
	assert_string_equal(ops[0].orig, "X2");
	assert_tree("y.py=Y;");
	gmf_journal_ops_free(ops, n);
}

static void test_journal_apply_create_rename_delete(void **state)
{
	gmf_journal_op *ops;
	size_t n = usual(&ops);
	(void)state;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "renumber"), 0);
	assert_tree(after_state);
	/* the originals were filled in from disk */
	assert_string_equal(ops[0].orig, "A");
	assert_int_equal(ops[0].orig_len, 1);
	assert_string_equal(ops[3].orig, "E");
	/* staged once, with the ops */
	assert_int_equal(F.idx.calls, 1);
	assert_int_equal(F.idx.rollbacks, 0);
	assert_string_equal(F.idx.log.buf, "S a.py>c.py\nS b.py>b.py\nS ->d.py\nS e.py>-\n");
	/* the record is kept for undo, nothing pending */
	assert_false(pending());
	assert_true(gmf_fs_exists(at(F.state, "last/manifest")));
	/* every content in one file, op by op, the original before the new */
	assert_file(at(F.state, "last/data"), "AA2BB2DE");
	assert_false(gmf_fs_exists(at(F.state, "last/0.orig")));
	assert_false(gmf_fs_exists(at(F.state, "last/0.new")));
	gmf_journal_ops_free(ops, n);
}

static void test_journal_apply_keeps_mode(void **state)
{
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	struct stat st;
	(void)state;
	put(at(F.ver, "x.py"), "X");
	chmod(at(F.ver, "x.py"), 0751);
	push(&ops, &n, at(F.ver, "x.py"), at(F.ver, "y.py"), "Y");
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "mode"), 0);
	assert_int_equal(stat(at(F.ver, "y.py"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0751);
	gmf_journal_ops_free(ops, n);
}

static void test_journal_stage_failure_rolls_back_everything(void **state)
{
	gmf_journal_op *ops;
	size_t n = usual(&ops);
	(void)state;
	F.idx.fail = 1;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "renumber"), GMF_EGIT);
	assert_non_null(strstr(gmf_error_last(), "the index is locked"));
	assert_non_null(strstr(gmf_error_last(), "nothing was changed"));
	assert_tree(before_state);
	/* staged, then the same ops handed back for the inverse */
	assert_int_equal(F.idx.calls, 2);
	assert_int_equal(F.idx.rollbacks, 1);
	assert_string_equal(F.idx.log.buf,
			    "S a.py>c.py\nS b.py>b.py\nS ->d.py\nS e.py>-\n"
			    "R a.py>c.py\nR b.py>b.py\nR ->d.py\nR e.py>-\n");
	assert_false(pending());
	assert_false(gmf_fs_exists(at(F.state, "last")));
	gmf_journal_ops_free(ops, n);
}

static void test_journal_apply_failure_at_every_rename(void **state)
{
	int failed = 0;
	(void)state;
	for (int k = 1; k <= RN_FINISH; k++) {
		gmf_journal_op *ops;
		size_t n;
		int rc;
		char what[16];
		fixture();
		n = usual(&ops);
		rename_fail_at = k;
		rc = gmf_journal_apply(&F.t, ops, n, "fix", "renumber");
		rename_fail_at = 0;
		snprintf(what, sizeof(what), "rename %d", k);
		if (k == RN_FINISH) {
			/* complete, its record not filed: the next run files it */
			assert_int_equal(rc, GMF_JOURNAL_UNDO_UNSAVED);
			assert_tree(after_state);
			{
				char *done = NULL, *completed = NULL;
				assert_int_equal(gmf_journal_recover(&F.t, &done, &completed), 0);
				assert_string_equal(completed, "fix");
				free(done);
				free(completed);
			}
		} else {
			if (rc >= 0)
				print_error("%s did not fail the run\n", what);
			assert_true(rc < 0);
			assert_tree(before_state);
			assert_false(pending());
			failed++;
		}
		gmf_journal_ops_free(ops, n);
	}
	assert_int_equal(failed, RN_FINISH - 1);
}

static void test_journal_apply_refuses_paths_outside_roots(void **state)
{
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	const char *victim = at(F.out, "victim.py");
	char dotdot[512];
	(void)state;
	put(victim, "precious");
	/* outright outside */
	push(&ops, &n, victim, at(F.ver, "moved.py"), "x");
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "evil"), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), victim));
	gmf_journal_ops_free(ops, n);
	/* inside by its text, outside with '..' */
	ops = NULL;
	n = 0;
	snprintf(dotdot, sizeof(dotdot), "%s/../outside/victim.py", F.ver);
	push(&ops, &n, NULL, dotdot, "x");
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "evil"), GMF_EREFUSED);
	gmf_journal_ops_free(ops, n);
	/* a symlinked directory leading out */
	ops = NULL;
	n = 0;
	assert_int_equal(symlink(F.out, at(F.ver, "link")), 0);
	push(&ops, &n, at(F.ver, "link/victim.py"), NULL, NULL);
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "evil"), GMF_EREFUSED);
	gmf_journal_ops_free(ops, n);
	/* relative */
	ops = NULL;
	n = 0;
	push(&ops, &n, NULL, "versions/new.py", "x");
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "evil"), GMF_EREFUSED);
	gmf_journal_ops_free(ops, n);
	assert_file(victim, "precious");
	assert_absent(at(F.ver, "moved.py"));
	assert_false(pending());
	assert_false(gmf_fs_exists(at(F.state, "last")));
	assert_int_equal(F.idx.calls, 0);
}

static void test_journal_no_roots_refuses_everything(void **state)
{
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	(void)state;
	F.t.roots = NULL;
	F.t.nroots = 0;
	push(&ops, &n, NULL, at(F.ver, "new.py"), "x");
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "none"), GMF_EREFUSED);
	assert_absent(at(F.ver, "new.py"));
	/* the old single root still works for callers not yet moved over */
	F.t.root = F.ver;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "legacy"), 0);
	assert_file(at(F.ver, "new.py"), "x");
	gmf_journal_ops_free(ops, n);
}

static void test_journal_apply_refuses_existing_target(void **state)
{
	gmf_journal_op *ops = NULL;
	size_t n = 0;
	(void)state;
	put(at(F.ver, "a.py"), "A");
	put(at(F.ver, "taken.py"), "someone's");
	push(&ops, &n, at(F.ver, "a.py"), at(F.ver, "taken.py"), "A2");
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "clash"), GMF_EREFUSED);
	assert_file(at(F.ver, "taken.py"), "someone's");
	assert_file(at(F.ver, "a.py"), "A");
	gmf_journal_ops_free(ops, n);
}

static void edit_c_py(void)
{
	put(at(F.ver, "c.py"), "A2 and my edit");
}

static void test_journal_apply_rollback_keeps_an_edit(void **state)
{
	gmf_journal_op *ops;
	size_t n = usual(&ops);
	(void)state;
	/* someone edits c.py while the run stages, and staging fails */
	F.idx.fail = 1;
	F.idx.hook = edit_c_py;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "renumber"), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), at(F.ver, "c.py")));
	assert_non_null(strstr(gmf_error_last(), "git migrate-fix undo --abandon"));
	/* nothing overwritten, the journal kept for a decision */
	assert_file(at(F.ver, "c.py"), "A2 and my edit");
	assert_true(pending());
	gmf_journal_ops_free(ops, n);
}

/* ------------------------------------------------------------ recovery */

static void test_journal_recover_every_kill_point(void **state)
{
	int killed = 0, rolled = 0, completed_runs = 0, k;
	(void)state;
	for (k = 1; k < 40; k++) {
		char *what = NULL, *completed = NULL;
		char *s;
		fixture();
		if (!run_killed_at(k))
			break;
		killed++;
		assert_int_equal(gmf_journal_recover(&F.t, &what, &completed), 0);
		s = snapshot(F.ver);
		if (!strcmp(s, after_state)) {
			assert_non_null(completed);
			assert_string_equal(completed, "fix");
			assert_non_null(strstr(what, "completed an interrupted fix"));
			completed_runs++;
		} else {
			if (strcmp(s, before_state))
				print_error("killed at rename %d: %s\n", k, s);
			assert_string_equal(s, before_state);
			assert_null(completed);
			if (k > RN_JOURNAL) {
				assert_non_null(what);
				assert_non_null(strstr(what, "rolled back an interrupted fix"));
			}
			rolled++;
		}
		free(s);
		free(what);
		free(completed);
		assert_false(pending());
		/* and a second recovery has nothing to do */
		assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), 0);
		assert_null(what);
	}
	assert_int_equal(killed, RN_FINISH);
	assert_int_equal(completed_runs, 1);
	assert_int_equal(rolled, RN_FINISH - 1);
	/* past the last rename the run was whole */
	assert_tree(after_state);
}

static void test_journal_recover_prepared_touches_no_file(void **state)
{
	char *what = NULL;
	(void)state;
	assert_int_equal(run_killed_at(RN_COMMITTING), 1);
	assert_true(pending());
	/* the temporaries are there, no target changed yet */
	assert_true(gmf_fs_exists(at(F.ver, ".c.py.gmf-txn.tmp")));
	put(at(F.ver, "a.py"), "A edited"); /* never touched by this roll-back */
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), 0);
	assert_tree("a.py=A edited;b.py=B;e.py=E;");
	assert_int_equal(F.idx.calls, 0); /* nothing had been staged */
	free(what);
}

static void test_journal_recover_committing_half_moved(void **state)
{
	char *what = NULL, *completed = NULL;
	(void)state;
	assert_int_equal(run_killed_at(RN_SECOND_TMP), 1);
	/* c.py in place, a.py not yet removed, b.py not yet rewritten */
	assert_file(at(F.ver, "c.py"), "A2");
	assert_file(at(F.ver, "a.py"), "A");
	assert_file(at(F.ver, "b.py"), "B");
	assert_int_equal(gmf_journal_recover(&F.t, &what, &completed), 0);
	assert_tree(before_state);
	assert_null(completed);
	assert_int_equal(F.idx.rollbacks, 1);
	free(what);
}

static void test_journal_recover_refuses_an_edit_and_keeps_it(void **state)
{
	char *what = (char *)1, *where = NULL;
	(void)state;
	/* killed with every file moved, before the run was marked done */
	assert_int_equal(run_killed_at(RN_DONE), 1);
	assert_tree(after_state);
	put(at(F.ver, "c.py"), "A2 plus the user's work");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_null(what);
	assert_non_null(strstr(gmf_error_last(), at(F.ver, "c.py")));
	assert_non_null(strstr(gmf_error_last(), "git migrate-fix undo --abandon"));
	/* nothing rolled back: not the edit, not the others */
	assert_tree("b.py=B2;c.py=A2 plus the user's work;d.py=D;");
	assert_true(pending());
	assert_int_equal(F.idx.calls, 0);
	/* refused again, the same way, on the next run */
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	/* the user sets it aside: only the journal moves */
	assert_int_equal(gmf_journal_abandon(&F.t, &where), 0);
	assert_non_null(where);
	assert_non_null(strstr(where, "/abandoned-"));
	assert_true(!strncmp(where, F.state, strlen(F.state)));
	assert_true(gmf_fs_exists(at(where, "manifest")));
	assert_false(pending());
	assert_tree("b.py=B2;c.py=A2 plus the user's work;d.py=D;");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), 0);
	assert_null(what);
	free(where);
}

static void test_journal_recover_refuses_a_file_put_where_one_was_removed(void **state)
{
	char *what = NULL;
	(void)state;
	assert_int_equal(run_killed_at(RN_DONE), 1);
	/* d.py was created by the run: a different one now */
	put(at(F.ver, "d.py"), "someone else's d");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_file(at(F.ver, "d.py"), "someone else's d");
	assert_true(pending());
}

static void test_journal_recover_done_refuses_an_edit(void **state)
{
	char *what = NULL, *completed = NULL;
	(void)state;
	assert_int_equal(run_killed_at(RN_FINISH), 1);
	put(at(F.ver, "b.py"), "mine");
	assert_int_equal(gmf_journal_recover(&F.t, &what, &completed), GMF_EREFUSED);
	assert_null(completed);
	assert_file(at(F.ver, "b.py"), "mine");
	assert_true(pending());
	assert_false(gmf_fs_exists(at(F.state, "last")));
}

static void test_journal_recover_refuses_a_damaged_journal(void **state)
{
	char *what = NULL;
	(void)state;
	assert_int_equal(run_killed_at(RN_DONE), 1);
	/* one byte of the journal's copy of a.py changed */
	assert_file(at(F.state, "txn/data"), "AA2BB2DE");
	put(at(F.state, "txn/data"), "ZA2BB2DE");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "damaged"));
	assert_non_null(strstr(gmf_error_last(), "/txn/data"));
	/* a.py was not brought back with the wrong content */
	assert_tree(after_state);
	assert_true(pending());
	/* cut short, or one byte too long: damage */
	put(at(F.state, "txn/data"), "AA2BB2D");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "7 bytes, not the 8"));
	put(at(F.state, "txn/data"), "AA2BB2DEE");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_tree(after_state);
	/* a missing copy is damage too */
	unlink(at(F.state, "txn/data"));
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_tree(after_state);
	assert_true(pending());
	/* put right, the run (killed before it was marked done) rolls back */
	put(at(F.state, "txn/data"), "AA2BB2DE");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), 0);
	free(what);
	assert_tree(before_state);
	assert_false(pending());
}

/* A run journaled by an earlier version (format 2: a file per content)
 * is still recovered: killed past the point of no return, rolled back. */
static void test_journal_recover_reads_format_2(void **state)
{
	static const char *const copies[][2] = {
		{ "0.orig", "A" }, { "0.new", "A2" }, { "1.orig", "B" },
		{ "1.new", "B2" }, { "2.new", "D" }, { "3.orig", "E" },
	};
	char *manifest, *what = NULL;
	(void)state;
	assert_int_equal(run_killed_at(RN_DONE), 1);
	manifest = get(at(F.state, "txn/manifest"));
	assert_non_null(manifest);
	assert_memory_equal(manifest, "gmf-journal 3\n", 14);
	manifest[12] = '2';
	put(at(F.state, "txn/manifest"), manifest);
	free(manifest);
	unlink(at(F.state, "txn/data"));
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "txn/%s", copies[i][0]);
		put(at(F.state, name), copies[i][1]);
	}
	/* its copies are checked against its record as before */
	put(at(F.state, "txn/1.new"), "B3");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "1.new"));
	assert_tree(after_state);
	put(at(F.state, "txn/1.new"), "B2");
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), 0);
	assert_non_null(strstr(what, "rolled back"));
	free(what);
	assert_tree(before_state);
	assert_false(pending());
}

/* A journal written by hand: one op replacing old with new. */
static void craft_journal(const char *dir, const char *version, const char *old_path,
			  const char *new_path)
{
	gmf_strbuf m = GMF_STRBUF_INIT;
	mkdir(dir, 0700);
	gmf_strbuf_addf(&m, "gmf-journal %s\nstate committing\nlabel fix\ndesc 1 x\n", version);
	gmf_strbuf_addf(&m, "op 0 644 0 %d %d\n", old_path != NULL, new_path != NULL);
	if (old_path) {
		gmf_strbuf_addf(&m, "old %zu %s\n", strlen(old_path), old_path);
		if (!strcmp(version, "2"))
			gmf_strbuf_adds(&m, "orig 1 0000000000000000\n");
		put(at(dir, "0.orig"), "X");
	}
	if (new_path) {
		gmf_strbuf_addf(&m, "new %zu %s\n", strlen(new_path), new_path);
		if (!strcmp(version, "2"))
			gmf_strbuf_adds(&m, "content 1 0000000000000000\n");
		put(at(dir, "0.new"), "Y");
	}
	gmf_strbuf_adds(&m, "end\n");
	put(at(dir, "manifest"), m.buf);
	gmf_strbuf_release(&m);
}

static void test_journal_recover_refuses_a_journal_from_elsewhere(void **state)
{
	const char *victim = at(F.out, "victim.py"), *other = at(F.out, "other.py");
	char *what = NULL, *where = NULL, dotdot[512];
	(void)state;
	put(victim, "precious");
	/* a rollback of it would remove victim and write other */
	craft_journal(at(F.state, "txn"), "2", other, victim);
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "not made for this project"));
	assert_non_null(strstr(gmf_error_last(), at(F.state, "txn")));
	assert_file(victim, "precious");
	assert_absent(other);
	assert_true(pending());
	/* abandon refuses it as well: the message says to remove it */
	assert_int_equal(gmf_journal_abandon(&F.t, &where), GMF_EREFUSED);
	assert_null(where);
	assert_true(pending());
	/* the old format, nine lines or so, is no more trusted */
	assert_int_equal(gmf_fs_rmdir_flat(at(F.state, "txn")), 0);
	craft_journal(at(F.state, "txn"), "1", NULL, victim);
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_file(victim, "precious");
	/* nor one that reaches out from inside with '..' */
	assert_int_equal(gmf_fs_rmdir_flat(at(F.state, "txn")), 0);
	snprintf(dotdot, sizeof(dotdot), "%s/../outside/victim.py", F.ver);
	craft_journal(at(F.state, "txn"), "2", NULL, dotdot);
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_file(victim, "precious");
	/* and with no roots at all, nothing is trusted */
	assert_int_equal(gmf_fs_rmdir_flat(at(F.state, "txn")), 0);
	craft_journal(at(F.state, "txn"), "2", NULL, at(F.ver, "new.py"));
	put(at(F.ver, "new.py"), "Y");
	F.t.roots = NULL;
	F.t.nroots = 0;
	assert_int_equal(gmf_journal_recover(&F.t, &what, NULL), GMF_EREFUSED);
	assert_file(at(F.ver, "new.py"), "Y");
	assert_null(what);
}

static void test_journal_abandon_without_pending_run(void **state)
{
	char *where = (char *)1;
	(void)state;
	assert_int_equal(gmf_journal_abandon(&F.t, &where), GMF_ENOTFOUND);
	assert_null(where);
}

static void test_journal_abandon_a_damaged_journal(void **state)
{
	char *where = NULL;
	(void)state;
	mkdir(at(F.state, "txn"), 0700);
	put(at(F.state, "txn/manifest"), "gmf-journal 2\nstate commi");
	assert_int_equal(gmf_journal_abandon(&F.t, &where), 0);
	assert_false(pending());
	assert_file(at(where, "manifest"), "gmf-journal 2\nstate commi");
	free(where);
	/* twice in the same second: a second name */
	mkdir(at(F.state, "txn"), 0700);
	put(at(F.state, "txn/manifest"), "x");
	assert_int_equal(gmf_journal_abandon(&F.t, &where), 0);
	assert_file(at(where, "manifest"), "x");
	free(where);
}

/* ------------------------------------------------------------ undo */

static void test_journal_undo_inverts_the_last_run(void **state)
{
	gmf_journal_op *ops, *inv = NULL;
	size_t n = usual(&ops), ninv = 0;
	char *label = NULL, *desc = NULL;
	(void)state;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "renumber"), 0);
	assert_int_equal(gmf_journal_load_undo(&F.t, &inv, &ninv, &label, &desc, 0), 0);
	assert_string_equal(label, "fix");
	assert_string_equal(desc, "renumber");
	assert_int_equal(ninv, n);
	assert_string_equal(inv[0].old_path, at(F.ver, "c.py"));
	assert_string_equal(inv[0].new_path, at(F.ver, "a.py"));
	assert_string_equal(inv[0].content, "A");
	assert_null(inv[2].new_path); /* d.py was created: undo removes it */
	assert_null(inv[3].old_path); /* e.py was removed: undo writes it */
	assert_string_equal(inv[3].content, "E");
	assert_int_equal(gmf_journal_apply(&F.t, inv, ninv, "undo", "back"), 0);
	assert_tree(before_state);
	gmf_journal_ops_free(ops, n);
	gmf_journal_ops_free(inv, ninv);
	free(label);
	free(desc);
}

static void test_journal_undo_refuses_changed_files(void **state)
{
	gmf_journal_op *ops, *inv = NULL;
	size_t n = usual(&ops), ninv = 0;
	char *label = NULL, *desc = NULL;
	(void)state;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "renumber"), 0);
	put(at(F.ver, "c.py"), "A2 edited");
	assert_int_equal(gmf_journal_load_undo(&F.t, &inv, &ninv, &label, &desc, 0), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "c.py' has changed since the fix"));
	assert_null(inv);
	assert_int_equal(ninv, 0);
	/* forced: the ops come back */
	assert_int_equal(gmf_journal_load_undo(&F.t, &inv, &ninv, &label, &desc, 1), 0);
	assert_int_equal(ninv, n);
	assert_file(at(F.ver, "c.py"), "A2 edited"); /* loading changes nothing */
	gmf_journal_ops_free(ops, n);
	gmf_journal_ops_free(inv, ninv);
	free(label);
	free(desc);
}

static void test_journal_undo_refuses_damaged_or_foreign_record(void **state)
{
	gmf_journal_op *ops, *inv = NULL;
	size_t n = usual(&ops), ninv = 0;
	char *label = NULL, *desc = NULL;
	(void)state;
	assert_int_equal(gmf_journal_apply(&F.t, ops, n, "fix", "renumber"), 0);
	put(at(F.state, "last/data"), "AA2BB2DX");
	assert_int_equal(gmf_journal_load_undo(&F.t, &inv, &ninv, &label, &desc, 1), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "damaged"));
	assert_null(inv);
	/* a record naming a file outside: refused even with force */
	assert_int_equal(gmf_fs_rmdir_flat(at(F.state, "last")), 0);
	put(at(F.out, "victim.py"), "precious");
	craft_journal(at(F.state, "last"), "2", NULL, at(F.out, "victim.py"));
	assert_int_equal(gmf_journal_load_undo(&F.t, &inv, &ninv, &label, &desc, 1), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "not made for this project"));
	assert_null(inv);
	assert_file(at(F.out, "victim.py"), "precious");
	/* a manifest cut short */
	put(at(F.state, "last/manifest"), "gmf-journal 1\nstate done\nlabel fix\ndesc 99999 x\n");
	assert_int_equal(gmf_journal_load_undo(&F.t, &inv, &ninv, &label, &desc, 1), GMF_EPARSE);
	assert_non_null(strstr(gmf_error_last(), "damaged"));
	gmf_journal_ops_free(ops, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_journal_apply_create_rename_delete, each),
		cmocka_unit_test_setup(test_journal_apply_keeps_mode, each),
		cmocka_unit_test_setup(test_journal_stage_failure_rolls_back_everything, each),
		cmocka_unit_test_setup(test_journal_apply_failure_at_every_rename, each),
		cmocka_unit_test_setup(test_journal_apply_refuses_paths_outside_roots, each),
		cmocka_unit_test_setup(test_journal_no_roots_refuses_everything, each),
		cmocka_unit_test_setup(test_journal_apply_refuses_existing_target, each),
		cmocka_unit_test_setup(test_journal_apply_rollback_keeps_an_edit, each),
		cmocka_unit_test_setup(test_journal_recover_every_kill_point, each),
		cmocka_unit_test_setup(test_journal_recover_prepared_touches_no_file, each),
		cmocka_unit_test_setup(test_journal_recover_committing_half_moved, each),
		cmocka_unit_test_setup(test_journal_recover_refuses_an_edit_and_keeps_it, each),
		cmocka_unit_test_setup(test_journal_recover_refuses_a_file_put_where_one_was_removed, each),
		cmocka_unit_test_setup(test_journal_recover_done_refuses_an_edit, each),
		cmocka_unit_test_setup(test_journal_recover_refuses_a_damaged_journal, each),
		cmocka_unit_test_setup(test_journal_recover_reads_format_2, each),
		cmocka_unit_test_setup(test_journal_recover_refuses_a_journal_from_elsewhere, each),
		cmocka_unit_test_setup(test_journal_abandon_without_pending_run, each),
		cmocka_unit_test_setup(test_journal_abandon_a_damaged_journal, each),
		cmocka_unit_test_setup(test_journal_apply_takes_the_callers_bytes, each),
		cmocka_unit_test_setup(test_journal_apply_refuses_a_file_changed_since_read, each),
		cmocka_unit_test_setup(test_journal_undo_inverts_the_last_run, each),
		cmocka_unit_test_setup(test_journal_undo_refuses_changed_files, each),
		cmocka_unit_test_setup(test_journal_undo_refuses_damaged_or_foreign_record, each),
	};
	return cmocka_run_group_tests_name("txn", tests, group_setup, group_teardown);
}
