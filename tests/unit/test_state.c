/* SPDX-License-Identifier: MIT */
/* Unit tests for state: where a project's journal and lock live. */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include "gmf/state.h"

static char dir[64];
static char top[256], xdg[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gmf-ut-state.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(top, sizeof(top), "%s/proj", dir);
	snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
	if (mkdir(top, 0755) < 0)
		return -1;
	setenv("XDG_STATE_HOME", xdg, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	(void)state;
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void test_state_inside_git(void **state)
{
	char *s;
	(void)state;
	s = gmf_state_dir("/repo/.git", top);
	assert_string_equal(s, "/repo/.git/migrate-fix");
	free(s);
	s = gmf_state_dir("/repo/.git/", top); /* libgit2 ends it with '/' */
	assert_string_equal(s, "/repo/.git/migrate-fix");
	free(s);
}

static void test_state_outside_git_under_user_state(void **state)
{
	char *s, *real_xdg, want[800];
	const char *tail;
	(void)state;
	mkdir(xdg, 0700);
	real_xdg = realpath(xdg, NULL);
	s = gmf_state_dir(NULL, top);
	assert_non_null(s);
	snprintf(want, sizeof(want), "%s/git-migrate-fix/projects/proj-", real_xdg);
	assert_true(starts_with(s, want));
	tail = s + strlen(want);
	assert_int_equal(strlen(tail), 16);
	assert_int_equal(strspn(tail, "0123456789abcdef"), 16);
	free(s);
	free(real_xdg);
}

static void test_state_home_fallback(void **state)
{
	char *s, home[600], want[800];
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	(void)state;
	snprintf(home, sizeof(home), "%s/home", dir);
	mkdir(home, 0700);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", home, 1);
	s = gmf_state_dir(NULL, top);
	assert_non_null(s);
	{
		char *rh = realpath(home, NULL);
		snprintf(want, sizeof(want), "%s/.local/state/git-migrate-fix/projects/proj-", rh);
		free(rh);
	}
	assert_true(starts_with(s, want));
	free(s);
	/* a relative XDG_STATE_HOME is ignored, as the spec says */
	setenv("XDG_STATE_HOME", "relative/dir", 1);
	s = gmf_state_dir(NULL, top);
	assert_true(starts_with(s, want));
	free(s);
	/* nowhere at all */
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_null(gmf_state_dir(NULL, top));
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	setenv("XDG_STATE_HOME", xdg, 1);
}

static void test_state_never_under_project_top(void **state)
{
	char inside[600], *s, *real_top = realpath(top, NULL);
	(void)state;
	/* the usual case is outside it */
	s = gmf_state_dir(NULL, top);
	assert_false(starts_with(s, real_top));
	free(s);
	/* a project that contains the user's state home (one run from the
	 * home directory) still gets the user's own place, never a directory
	 * the project names itself */
	snprintf(inside, sizeof(inside), "%s/.state", top);
	setenv("XDG_STATE_HOME", inside, 1);
	s = gmf_state_dir(NULL, top);
	assert_non_null(s);
	assert_true(starts_with(s, inside) || strstr(s, "/.state/git-migrate-fix/projects/"));
	assert_null(strstr(s, ".git-migrate-fix"));
	free(s);
	setenv("XDG_STATE_HOME", xdg, 1);
	free(real_top);
}

static void test_state_stable_and_distinct(void **state)
{
	char other_parent[600], other[700], link_path[600];
	char *a, *b, *c, *d;
	(void)state;
	snprintf(other_parent, sizeof(other_parent), "%s/elsewhere", dir);
	snprintf(other, sizeof(other), "%s/proj", other_parent);
	snprintf(link_path, sizeof(link_path), "%s/link-to-proj", dir);
	mkdir(other_parent, 0755);
	mkdir(other, 0755);
	(void)symlink(top, link_path);
	a = gmf_state_dir(NULL, top);
	b = gmf_state_dir(NULL, top);
	c = gmf_state_dir(NULL, other);   /* same basename, other project */
	d = gmf_state_dir(NULL, link_path); /* the same project by another name */
	assert_non_null(a);
	assert_non_null(c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_equal(a, d);
	free(a);
	free(b);
	free(c);
	free(d);
	/* a top that does not exist has no state */
	assert_null(gmf_state_dir(NULL, "/nonexistent/gmf-ut/xyz"));
}

static void test_state_create_private(void **state)
{
	char *s;
	struct stat st;
	(void)state;
	s = gmf_state_dir(NULL, top);
	assert_int_equal(gmf_state_dir_make(s), 0);
	assert_int_equal(lstat(s, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	/* the parents it made are private too */
	{
		char *parent = strdup(s);
		*strrchr(parent, '/') = '\0';
		assert_int_equal(lstat(parent, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
		free(parent);
	}
	/* again: fine */
	assert_int_equal(gmf_state_dir_make(s), 0);
	/* made writable by others: refused */
	chmod(s, 0777);
	assert_int_equal(gmf_state_dir_make(s), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), s));
	chmod(s, 0700);
	free(s);
}

static void test_state_create_refuses_symlink(void **state)
{
	char target[600], link_path[600];
	(void)state;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link_path, sizeof(link_path), "%s/linked-state", dir);
	mkdir(target, 0700);
	(void)symlink(target, link_path);
	assert_int_equal(gmf_state_dir_make(link_path), GMF_EREFUSED);
	assert_int_equal(gmf_state_dir_make("relative/state"), GMF_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_inside_git),
		cmocka_unit_test(test_state_outside_git_under_user_state),
		cmocka_unit_test(test_state_home_fallback),
		cmocka_unit_test(test_state_never_under_project_top),
		cmocka_unit_test(test_state_stable_and_distinct),
		cmocka_unit_test(test_state_create_private),
		cmocka_unit_test(test_state_create_refuses_symlink),
	};
	return cmocka_run_group_tests_name("state", tests, setup, teardown);
}
