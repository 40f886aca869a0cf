/* SPDX-License-Identifier: MIT */
/* Unit tests for toml: pyproject.toml read as far as [tool.alembic] needs. */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "gmf/toml.h"

static gmf_toml *parse_ok(const char *text)
{
	gmf_toml *t = NULL;
	unsigned bad = 12345;
	int rc = gmf_toml_parse(&t, text, strlen(text), &bad);
	if (rc)
		print_error("toml parse failed: %s (line %u)\n", gmf_error_last(), bad);
	assert_int_equal(rc, 0);
	assert_non_null(t);
	return t;
}

static unsigned parse_bad(const char *text)
{
	gmf_toml *t = (gmf_toml *)1;
	unsigned bad = 12345;
	int rc = gmf_toml_parse(&t, text, strlen(text), &bad);
	assert_int_equal(rc, GMF_EPARSE);
	assert_null(t);
	assert_non_null(strstr(gmf_error_last(), "line "));
	return bad;
}

static const char *str(const gmf_toml *t, const char *key)
{
	const gmf_toml_value *v = gmf_toml_get(t, key);
	assert_non_null(v);
	assert_int_equal(v->type, GMF_TOML_STRING);
	return v->str;
}

static void test_toml_alembic_table(void **state)
{
	gmf_toml *t = parse_ok(
		"# a pyproject\n"
		"[project]\n"
		"name = \"app\"\n"
		"\n"
		"[tool.alembic]\n"
		"script_location = \"%(here)s/migrations\"  # where env.py is\n"
		"version_locations = [\n"
		"    \"%(here)s/a\",   # first\n"
		"    '%(here)s/b',\n"
		"]\n"
		"file_template = \"%%(year)d_%%(rev)s\"\n"
		"truncate_slug_length = 20\n"
		"recursive_version_locations = true\n"
		"sourceless = false\n");
	const gmf_toml_value *v;
	(void)state;
	assert_string_equal(str(t, "project.name"), "app");
	assert_string_equal(str(t, "tool.alembic.script_location"), "%(here)s/migrations");
	v = gmf_toml_get(t, "tool.alembic.version_locations");
	assert_non_null(v);
	assert_int_equal(v->type, GMF_TOML_ARRAY);
	assert_int_equal(v->nitems, 2);
	assert_string_equal(v->items[0].str, "%(here)s/a");
	assert_string_equal(v->items[1].str, "%(here)s/b");
	assert_int_equal(v->line, 7);
	v = gmf_toml_get(t, "tool.alembic.truncate_slug_length");
	assert_int_equal(v->type, GMF_TOML_INTEGER);
	assert_int_equal(v->integer, 20);
	v = gmf_toml_get(t, "tool.alembic.recursive_version_locations");
	assert_int_equal(v->type, GMF_TOML_BOOLEAN);
	assert_true(v->boolean);
	assert_false(gmf_toml_get(t, "tool.alembic.sourceless")->boolean);
	assert_int_equal(gmf_toml_get(t, "tool.alembic")->type, GMF_TOML_TABLE);
	assert_int_equal(gmf_toml_get(t, "tool")->type, GMF_TOML_TABLE);
	assert_null(gmf_toml_get(t, "tool.alembic.nosuch"));
	assert_null(gmf_toml_get(t, "nosuch"));
	gmf_toml_free(t);
}

static void test_toml_dotted_and_quoted_keys(void **state)
{
	gmf_toml *t = parse_ok(
		"tool.alembic.script_location = 'db'\n"
		"[tool . \"other\"]\n"
		"'key.with.dots' = 1\n"
		"a.b = { c = \"d\", e = [1, 2] }\n");
	(void)state;
	assert_string_equal(str(t, "tool.alembic.script_location"), "db");
	assert_int_equal(gmf_toml_get(t, "tool.other.a")->type, GMF_TOML_TABLE);
	assert_string_equal(str(t, "tool.other.a.b.c"), "d");
	assert_int_equal(gmf_toml_get(t, "tool.other.a.b.e")->nitems, 2);
	gmf_toml_free(t);
}

static void test_toml_string_escapes(void **state)
{
	gmf_toml *t = parse_ok(
		"a = \"tab\\there \\\"q\\\" back\\\\slash \\u00e9 \\U0001F600\"\n"
		"b = 'C:\\path\\no escapes'\n"
		"c = \"\"\"\nline one\nline \\\n    two\"\"\"\n"
		"d = '''\nraw \\n ''quoted'' '''\n"
		"e = \"\"\"x\"\"\"\"\"\n");
	(void)state;
	assert_string_equal(str(t, "a"), "tab\there \"q\" back\\slash \xc3\xa9 \xf0\x9f\x98\x80");
	assert_string_equal(str(t, "b"), "C:\\path\\no escapes");
	assert_string_equal(str(t, "c"), "line one\nline two");
	assert_string_equal(str(t, "d"), "raw \\n ''quoted'' ");
	assert_string_equal(str(t, "e"), "x\"\"");
	gmf_toml_free(t);
}

static void test_toml_numbers_and_other_types(void **state)
{
	gmf_toml *t = parse_ok(
		"i = -1_000\n"
		"h = 0xff\n"
		"o = 0o17\n"
		"b = 0b101\n"
		"f = 3.14\n"
		"x = 6.0e-3\n"
		"inf = -inf\n"
		"dt = 1979-05-27 07:32:00Z\n"
		"d = 1979-05-27\n"
		"nested = [[1, 2], [\"a\"], [{ k = 1 }]]\n"
		"[[tool.alembic.post_write_hooks]]\n"
		"name = \"black\"\n"
		"[[tool.alembic.post_write_hooks]]\n"
		"name = \"ruff\"\n");
	(void)state;
	assert_int_equal(gmf_toml_get(t, "i")->integer, -1000);
	assert_int_equal(gmf_toml_get(t, "h")->integer, 255);
	assert_int_equal(gmf_toml_get(t, "o")->integer, 15);
	assert_int_equal(gmf_toml_get(t, "b")->integer, 5);
	assert_int_equal(gmf_toml_get(t, "f")->type, GMF_TOML_OTHER);
	assert_int_equal(gmf_toml_get(t, "x")->type, GMF_TOML_OTHER);
	assert_int_equal(gmf_toml_get(t, "inf")->type, GMF_TOML_OTHER);
	assert_int_equal(gmf_toml_get(t, "dt")->type, GMF_TOML_OTHER);
	assert_int_equal(gmf_toml_get(t, "d")->type, GMF_TOML_OTHER);
	assert_int_equal(gmf_toml_get(t, "nested")->nitems, 3);
	assert_int_equal(gmf_toml_get(t, "tool.alembic.post_write_hooks")->type,
			 GMF_TOML_TABLE_ARRAY);
	assert_null(gmf_toml_get(t, "tool.alembic.post_write_hooks.name"));
	gmf_toml_free(t);
}

static void test_toml_errors_name_the_line(void **state)
{
	(void)state;
	assert_int_equal(parse_bad("a = 1\nb = \"open\n"), 2);
	assert_int_equal(parse_bad("a = 1\n\na = 2\n"), 3);
	assert_int_equal(parse_bad("[t]\nx = 1\n[t]\n"), 3);
	assert_int_equal(parse_bad("x = [1, 2\n"), 2);
	assert_int_equal(parse_bad("key\n"), 1);
	assert_int_equal(parse_bad("x = \"a\\q\"\n"), 1);
	assert_int_equal(parse_bad("x = 1 2\n"), 1);
	assert_int_equal(parse_bad("x = 012\n"), 1);
	assert_int_equal(parse_bad("x =\n"), 1);
	assert_int_equal(parse_bad("[t\n"), 1);
	assert_int_equal(parse_bad("a = 1\na.b = 2\n"), 2);
	assert_int_equal(parse_bad("s = \"\"\"\nnever\nclosed\n"), 1);
	assert_int_equal(parse_bad("x = 1\ny = tru\n"), 2);
	assert_int_equal(parse_bad("x = \"\\ud800\"\n"), 1);
}

static void test_toml_crlf_bom_and_empty(void **state)
{
	gmf_toml *t = parse_ok("\xef\xbb\xbf[tool.alembic]\r\nscript_location = \"m\"\r\n");
	(void)state;
	assert_string_equal(str(t, "tool.alembic.script_location"), "m");
	gmf_toml_free(t);
	t = parse_ok("");
	assert_null(gmf_toml_get(t, "tool"));
	gmf_toml_free(t);
	gmf_toml_free(NULL);
}

static void test_toml_read_file(void **state)
{
	char dir[] = "/tmp/gmf-toml-XXXXXX", path[64];
	gmf_toml *t = NULL;
	unsigned bad = 0;
	int fd;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pyproject.toml", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[tool.alembic]\nx = [\n", 21), 21);
	close(fd);
	assert_int_equal(gmf_toml_read(&t, path, &bad), GMF_EPARSE);
	assert_null(t);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(gmf_error_last(), path));
	assert_non_null(strstr(gmf_error_last(), "line 3"));
	unlink(path);
	assert_int_equal(gmf_toml_read(&t, path, &bad), GMF_ENOTFOUND);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toml_alembic_table),
		cmocka_unit_test(test_toml_dotted_and_quoted_keys),
		cmocka_unit_test(test_toml_string_escapes),
		cmocka_unit_test(test_toml_numbers_and_other_types),
		cmocka_unit_test(test_toml_errors_name_the_line),
		cmocka_unit_test(test_toml_crlf_bom_and_empty),
		cmocka_unit_test(test_toml_read_file),
	};
	return cmocka_run_group_tests_name("toml", tests, NULL, NULL);
}
