/* SPDX-License-Identifier: MIT */
/* Unit tests for gitenv: the configuration git passes in the environment. */
#include "unit.h"

#include <string.h>

#include "gmf/gitenv.h"

/* A fake environment for GIT_CONFIG_COUNT and its pairs. */
static const char *const *fake_env;

static const char *fake_get(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; fake_env && fake_env[i]; i++)
		if (!strncmp(fake_env[i], name, n) && fake_env[i][n] == '=')
			return fake_env[i] + n + 1;
	return NULL;
}

static void test_gitenv_params_forms(void **state)
{
	gmf_gitenv_entry *e;
	size_t n;
	(void)state;
	fake_env = NULL;
	/* as git 2.31+ writes `-c a.b=x -c c.d -c e.f= -c 'g.h=it'\''s'` */
	assert_int_equal(gmf_gitenv_parse("'a.b'='x' 'c.d' 'e.f'='' 'g.h'='it'\\''s'", fake_get,
					  &e, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(e[0].key, "a.b");
	assert_string_equal(e[0].value, "x");
	assert_string_equal(e[1].key, "c.d");
	assert_null(e[1].value);
	assert_string_equal(e[2].value, "");
	assert_string_equal(e[3].value, "it's");
	gmf_gitenv_free(e, n);
	/* the older form, one word each; a value holding '=' and spaces */
	assert_int_equal(gmf_gitenv_parse(" 'migrate-fix.naming=none'  'x.y=a = b' ", fake_get,
					  &e, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].key, "migrate-fix.naming");
	assert_string_equal(e[0].value, "none");
	assert_string_equal(e[1].value, "a = b");
	gmf_gitenv_free(e, n);
}

static void test_gitenv_malformed_is_refused_whole(void **state)
{
	static const char *const bad[] = { "'a.b'='x", "a.b=x", "'a.b'=x", "'a.b''c'",
					   "'a.b'='x'y", NULL };
	gmf_gitenv_entry *e;
	size_t n;
	(void)state;
	fake_env = NULL;
	for (size_t i = 0; bad[i]; i++) {
		assert_int_equal(gmf_gitenv_parse(bad[i], fake_get, &e, &n), -1);
		assert_int_equal(n, 0);
		gmf_gitenv_free(e, n);
	}
}

static void test_gitenv_count_then_params(void **state)
{
	static const char *const env[] = { "GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=a.b",
					   "GIT_CONFIG_VALUE_0=one", "GIT_CONFIG_KEY_1=A.B",
					   "GIT_CONFIG_VALUE_1=two", NULL };
	static const char *const missing[] = { "GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=a.b",
					       "GIT_CONFIG_VALUE_0=one", NULL };
	gmf_gitenv_entry *e;
	size_t n;
	(void)state;
	fake_env = env;
	assert_int_equal(gmf_gitenv_parse("'a.b'='three'", fake_get, &e, &n), 0);
	assert_int_equal(n, 3);
	/* -c comes last: it wins */
	assert_string_equal(gmf_gitenv_last(e, n, "a.b")->value, "three");
	assert_string_equal(gmf_gitenv_last(e, 2, "a.b")->value, "two");
	assert_null(gmf_gitenv_last(e, n, "a.c"));
	gmf_gitenv_free(e, n);
	/* a pair missing: git refuses the count, so nothing of it counts */
	fake_env = missing;
	assert_int_equal(gmf_gitenv_parse(NULL, fake_get, &e, &n), -1);
	assert_int_equal(n, 0);
	gmf_gitenv_free(e, n);
	fake_env = NULL;
}

static void test_gitenv_keys_and_bools(void **state)
{
	(void)state;
	assert_true(gmf_gitenv_key_is("Migrate-Fix.Naming", "migrate-fix.naming"));
	assert_true(gmf_gitenv_key_is("BRANCH.Topic.REMOTE", "branch.Topic.remote"));
	assert_false(gmf_gitenv_key_is("branch.topic.remote", "branch.Topic.remote"));
	assert_false(gmf_gitenv_key_is("a.b.c", "a.c"));
	assert_false(gmf_gitenv_key_is("a.bc", "a.b"));
	assert_false(gmf_gitenv_key_is("ab", "ab"));
	assert_int_equal(gmf_gitenv_bool(NULL), 1);
	assert_int_equal(gmf_gitenv_bool("Yes"), 1);
	assert_int_equal(gmf_gitenv_bool("on"), 1);
	assert_int_equal(gmf_gitenv_bool("2"), 1);
	assert_int_equal(gmf_gitenv_bool(""), 0);
	assert_int_equal(gmf_gitenv_bool("OFF"), 0);
	assert_int_equal(gmf_gitenv_bool("0"), 0);
	assert_int_equal(gmf_gitenv_bool("maybe"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitenv_params_forms),
		cmocka_unit_test(test_gitenv_malformed_is_refused_whole),
		cmocka_unit_test(test_gitenv_count_then_params),
		cmocka_unit_test(test_gitenv_keys_and_bools),
	};
	return cmocka_run_group_tests_name("gitenv", tests, NULL, NULL);
}
