/* SPDX-License-Identifier: MIT */
/* Unit tests for path: lexical path arithmetic. */
#include "unit.h"

#include "gmf/path.h"

#define CHECK(expr, want) do { \
	char *got_ = (expr); \
	assert_non_null(got_); \
	assert_string_equal(got_, (want)); \
	free(got_); \
} while (0)

static void test_path_join(void **state)
{
	(void)state;
	CHECK(gmf_path_join("a", "b"), "a/b");
	CHECK(gmf_path_join("a/", "b"), "a/b");
	CHECK(gmf_path_join("/x/y", "z.py"), "/x/y/z.py");
	CHECK(gmf_path_join("a", "/abs"), "/abs");
	CHECK(gmf_path_join("", "b"), "b");
	CHECK(gmf_path_join("/", "b"), "/b");
	CHECK(gmf_path_join("a", "b/c"), "a/b/c");
}

static void test_path_absolute_normalises(void **state)
{
	(void)state;
	CHECK(gmf_path_absolute("/base", "x"), "/base/x");
	CHECK(gmf_path_absolute("/base", "x/../y/./z//"), "/base/y/z");
	CHECK(gmf_path_absolute("/base/", "./"), "/base");
	CHECK(gmf_path_absolute("/base", "."), "/base");
	CHECK(gmf_path_absolute("/base", "/abs//p/"), "/abs/p");
	CHECK(gmf_path_absolute("/a/b", ".."), "/a");
	CHECK(gmf_path_absolute("/a/b", "../../.."), "/");
	CHECK(gmf_path_absolute("/", ".."), "/");
	CHECK(gmf_path_absolute("/", ""), "/");
	CHECK(gmf_path_absolute("//a//b//", "c"), "/a/b/c");
	CHECK(gmf_path_absolute("/a", "b/.../c"), "/a/b/.../c"); /* "..." is a name */
	CHECK(gmf_path_absolute("/a", "..b/c"), "/a/..b/c");
	CHECK(gmf_path_absolute("/a", "b/../../../c"), "/c");
}

static void test_path_relative(void **state)
{
	(void)state;
	CHECK(gmf_path_relative("/a/b", "/a/b"), ".");
	CHECK(gmf_path_relative("/a/b", "/a/b/c/d"), "c/d");
	CHECK(gmf_path_relative("/a/b/c", "/a/d"), "../../d");
	CHECK(gmf_path_relative("/a/b", "/a"), "..");
	CHECK(gmf_path_relative("/a/b", "/"), "../..");
	CHECK(gmf_path_relative("/", "/a/b"), "a/b");
	CHECK(gmf_path_relative("/", "/"), ".");
	/* a common string prefix is not a common directory */
	CHECK(gmf_path_relative("/a/bc", "/a/b"), "../b");
	CHECK(gmf_path_relative("/a/b", "/a/bc"), "../bc");
	CHECK(gmf_path_relative("/a/b", "/a/bc/d"), "../bc/d");
	CHECK(gmf_path_relative("/x/y", "/p/q"), "../../p/q");
}

static void test_path_is_within(void **state)
{
	(void)state;
	assert_true(gmf_path_is_within("/a", "/a"));
	assert_true(gmf_path_is_within("/a", "/a/b"));
	assert_true(gmf_path_is_within("/a/b", "/a/b/c/d"));
	assert_false(gmf_path_is_within("/a", "/ab"));
	assert_false(gmf_path_is_within("/a/b", "/a"));
	assert_false(gmf_path_is_within("/a/b", "/a/c"));
	assert_true(gmf_path_is_within("/", "/"));
	assert_true(gmf_path_is_within("/", "/x/y"));
}

static void test_path_cwd(void **state)
{
	char *cwd;
	(void)state;
	cwd = gmf_path_cwd();
	assert_non_null(cwd);
	assert_int_equal(cwd[0], '/');
	CHECK(gmf_path_absolute(cwd, "."), cwd);
	free(cwd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_path_absolute_normalises),
		cmocka_unit_test(test_path_relative),
		cmocka_unit_test(test_path_is_within),
		cmocka_unit_test(test_path_cwd),
	};
	return cmocka_run_group_tests_name("path", tests, NULL, NULL);
}
