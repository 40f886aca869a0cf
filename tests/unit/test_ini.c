/* SPDX-License-Identifier: MIT */
/* Unit tests for ini: alembic.ini read the way ConfigParser reads it. */
#include "unit.h"

#include <fcntl.h>
#include <unistd.h>

#include "gmf/ini.h"

static gmf_ini *parse_ok(const char *text, const char *here)
{
	gmf_ini *ini = NULL;
	unsigned bad = 12345;
	int rc = gmf_ini_parse(&ini, text, strlen(text), here, &bad);
	if (rc)
		print_error("ini parse failed: %s (line %u)\n", gmf_error_last(), bad);
	assert_int_equal(rc, 0);
	assert_non_null(ini);
	return ini;
}

static unsigned parse_bad(const char *text)
{
	gmf_ini *ini = (gmf_ini *)1;
	unsigned bad = 12345;
	int rc = gmf_ini_parse(&ini, text, strlen(text), "/h", &bad);
	assert_int_equal(rc, GMF_EPARSE);
	assert_null(ini);
	return bad;
}

static void test_ini_sections(void **state)
{
	gmf_ini *ini = parse_ok(
		"[alembic]\n"
		"script_location = migrations\n"
		"\n"
		"[ core ]\n"
		"script_location = core\n"
		"[loggers]\n"
		"keys = root\n", "/h");
	(void)state;
	assert_int_equal(gmf_ini_section_count(ini), 3);
	assert_string_equal(gmf_ini_section_name(ini, 0), "alembic");
	assert_string_equal(gmf_ini_section_name(ini, 1), "core");
	assert_string_equal(gmf_ini_section_name(ini, 2), "loggers");
	assert_null(gmf_ini_section_name(ini, 3));
	assert_true(gmf_ini_has_section(ini, "core"));
	assert_false(gmf_ini_has_section(ini, "tenant"));
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"), "migrations");
	assert_string_equal(gmf_ini_get(ini, "core", "script_location"), "core");
	assert_string_equal(gmf_ini_get(ini, "loggers", "keys"), "root");
	assert_null(gmf_ini_get(ini, "loggers", "script_location"));
	assert_null(gmf_ini_get(ini, "nosuch", "keys"));
	gmf_ini_free(ini);
}

static void test_ini_colon_and_equals(void **state)
{
	gmf_ini *ini = parse_ok(
		"[s]\n"
		"a = 1\n"
		"b: 2\n"
		"c=3\n"
		"d :4\n"
		"url = driver://user:pass@host/db\n"
		"loc: pkg:migrations\n"
		"empty =\n"
		"spaced   =   x y   \n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "s", "a"), "1");
	assert_string_equal(gmf_ini_get(ini, "s", "b"), "2");
	assert_string_equal(gmf_ini_get(ini, "s", "c"), "3");
	assert_string_equal(gmf_ini_get(ini, "s", "d"), "4");
	assert_string_equal(gmf_ini_get(ini, "s", "url"), "driver://user:pass@host/db");
	assert_string_equal(gmf_ini_get(ini, "s", "loc"), "pkg:migrations");
	assert_string_equal(gmf_ini_get(ini, "s", "empty"), "");
	assert_string_equal(gmf_ini_get(ini, "s", "spaced"), "x y");
	gmf_ini_free(ini);
}

static void test_ini_continuation_lines(void **state)
{
	gmf_ini *ini = parse_ok(
		"[alembic]\n"                       /* 1 */
		"version_locations =\n"             /* 2 */
		"    %(here)s/a\n"                  /* 3 */
		"    # a comment inside the value\n"/* 4 */
		"\t%(here)s/b  # inline\n"          /* 5 */
		"next = one\n"                      /* 6 */
		"  two\n"                           /* 7 */
		"    three\n", "/h");               /* 8 */
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "alembic", "version_locations"),
			    "\n/h/a\n/h/b");
	assert_string_equal(gmf_ini_get(ini, "alembic", "next"), "one\ntwo\nthree");
	assert_int_equal(gmf_ini_line(ini, "alembic", "next"), 6);
	gmf_ini_free(ini);
}

static void test_ini_continuation_across_blank_line(void **state)
{
	/* ConfigParser (empty_lines_in_values=True) keeps the value going */
	gmf_ini *ini = NULL;
	unsigned bad = 0;
	const char *text =
		"[alembic]\n"
		"version_locations =\n"
		"    /a\n"
		"\n"
		"    /b\n";
	int rc;
	(void)state;
	rc = gmf_ini_parse(&ini, text, strlen(text), "/h", &bad);
	assert_int_equal(rc, 0);
	if (rc == 0) {
		assert_string_equal(gmf_ini_get(ini, "alembic", "version_locations"),
				    "\n/a\n\n/b");
		gmf_ini_free(ini);
	}
}

static void test_ini_comments(void **state)
{
	gmf_ini *ini = parse_ok(
		"# a comment\n"
		"; another\n"
		"[s]\n"
		"  # indented comment\n"
		"a = 1 # inline comment\n"
		"b = 2\t# after a tab\n"
		"c = x#y\n"
		"d = os  # Use os.pathsep. Default configuration used for new projects.\n"
		"#e = 5\n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "s", "a"), "1");
	assert_string_equal(gmf_ini_get(ini, "s", "b"), "2");
	assert_string_equal(gmf_ini_get(ini, "s", "c"), "x#y");
	assert_string_equal(gmf_ini_get(ini, "s", "d"), "os");
	assert_null(gmf_ini_get(ini, "s", "e"));
	gmf_ini_free(ini);
}

static void test_ini_semicolon_value_kept(void **state)
{
	/* `version_path_separator = ;` is a value, not a comment */
	gmf_ini *ini = parse_ok(
		"[alembic]\n"
		"version_path_separator = ;\n"
		"version_locations = /a;/b\n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "alembic", "version_path_separator"), ";");
	assert_string_equal(gmf_ini_get(ini, "alembic", "version_locations"), "/a;/b");
	gmf_ini_free(ini);
}

static void test_ini_case_insensitive_keys(void **state)
{
	gmf_ini *ini = parse_ok(
		"[alembic]\n"
		"Script_Location = m\n"
		"OTHER = %(SCRIPT_LOCATION)s/x\n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"), "m");
	assert_string_equal(gmf_ini_get(ini, "alembic", "SCRIPT_LOCATION"), "m");
	assert_string_equal(gmf_ini_get(ini, "alembic", "other"), "m/x");
	assert_int_equal(gmf_ini_line(ini, "alembic", "script_LOCATION"), 2);
	/* section names are case-sensitive, as in ConfigParser */
	assert_null(gmf_ini_get(ini, "Alembic", "script_location"));
	gmf_ini_free(ini);
}

static void test_ini_default_section(void **state)
{
	gmf_ini *ini = parse_ok(
		"[DEFAULT]\n"                  /* 1 */
		"base = /srv/app\n"            /* 2 */
		"shared = from-default\n"      /* 3 */
		"[alembic]\n"                  /* 4 */
		"script_location = %(base)s/migrations\n"
		"shared = mine\n"              /* 6 */
		"[other]\n"
		"x = 1\n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"),
			    "/srv/app/migrations");
	assert_string_equal(gmf_ini_get(ini, "alembic", "shared"), "mine");
	assert_string_equal(gmf_ini_get(ini, "other", "shared"), "from-default");
	assert_string_equal(gmf_ini_get(ini, "other", "base"), "/srv/app");
	assert_int_equal(gmf_ini_line(ini, "other", "shared"), 3);
	assert_int_equal(gmf_ini_line(ini, "alembic", "shared"), 6);
	assert_int_equal(gmf_ini_line(ini, "other", "nope"), 0);
	gmf_ini_free(ini);
}

static void test_ini_interpolation(void **state)
{
	gmf_ini *ini = parse_ok(
		"[alembic]\n"
		"script_location = %(here)s/migrations\n"
		"versions = %(script_location)s/versions\n"
		"pct = 100%% sure\n"
		"both = %(here)s%%(here)s\n"
		"twice = %(here)s:%(here)s\n", "/srv/proj");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"),
			    "/srv/proj/migrations");
	assert_string_equal(gmf_ini_get(ini, "alembic", "versions"),
			    "/srv/proj/migrations/versions");
	assert_string_equal(gmf_ini_get(ini, "alembic", "pct"), "100% sure");
	assert_string_equal(gmf_ini_get(ini, "alembic", "both"), "/srv/proj%(here)s");
	assert_string_equal(gmf_ini_get(ini, "alembic", "twice"), "/srv/proj:/srv/proj");
	/* the same pointer on a second call: cached, lives until free */
	assert_ptr_equal(gmf_ini_get(ini, "alembic", "versions"),
			 gmf_ini_get(ini, "alembic", "versions"));
	gmf_ini_free(ini);
}

static void test_ini_here_overridden_by_key(void **state)
{
	gmf_ini *ini = parse_ok("[s]\nhere = /else\nloc = %(here)s/m\n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "s", "loc"), "/else/m");
	gmf_ini_free(ini);
}

static void test_ini_interpolation_loop(void **state)
{
	gmf_ini *ini = parse_ok(
		"[s]\n"
		"a = %(b)s\n"
		"b = %(a)s\n"
		"self = x%(self)s\n"
		"ok = fine\n", "/h");
	(void)state;
	gmf_error_clear();
	assert_null(gmf_ini_get(ini, "s", "a"));
	assert_true(gmf_error_code() < 0);
	gmf_error_clear();
	assert_null(gmf_ini_get(ini, "s", "self"));
	assert_true(gmf_error_code() < 0);
	assert_string_equal(gmf_ini_get(ini, "s", "ok"), "fine");
	gmf_ini_free(ini);
}

static void test_ini_interpolation_unknown_name(void **state)
{
	gmf_ini *ini = parse_ok("[s]\na = %(nosuch)s/x\nb = %(broken\n", "/h");
	(void)state;
	gmf_error_clear();
	assert_null(gmf_ini_get(ini, "s", "a"));
	assert_true(gmf_error_code() < 0);
	assert_non_null(strstr(gmf_error_last(), "nosuch"));
	gmf_error_clear();
	assert_null(gmf_ini_get(ini, "s", "b"));
	assert_true(gmf_error_code() < 0);
	gmf_ini_free(ini);
}

static void test_ini_malformed_section_header(void **state)
{
	(void)state;
	assert_int_equal(parse_bad("[alembic]\na = 1\n\n[broken\nb = 2\n"), 4);
	assert_int_equal(parse_bad("# c\n[]\n"), 2);
}

static void test_ini_key_before_section(void **state)
{
	(void)state;
	assert_int_equal(parse_bad("# header comment\n\nkey = value\n[s]\n"), 3);
}

static void test_ini_line_without_separator(void **state)
{
	(void)state;
	assert_int_equal(parse_bad("[s]\na = 1\njust words\n"), 3);
	assert_int_equal(parse_bad("[s]\n= novalue\n"), 2);
}

static void test_ini_binary_refused(void **state)
{
	static const char text[] = "[s]\na = \0\n";
	gmf_ini *ini = NULL;
	unsigned bad = 99;
	(void)state;
	assert_int_equal(gmf_ini_parse(&ini, text, sizeof(text) - 1, "/h", &bad),
			 GMF_EPARSE);
	assert_null(ini);
}

static void test_ini_crlf_and_bom(void **state)
{
	gmf_ini *ini = parse_ok(
		"\xef\xbb\xbf[alembic]\r\n"
		"script_location = %(here)s/m\r\n"
		"version_locations =\r\n"
		"    /a\r\n"
		"    /b\r\n", "/h");
	(void)state;
	assert_true(gmf_ini_has_section(ini, "alembic"));
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"), "/h/m");
	assert_string_equal(gmf_ini_get(ini, "alembic", "version_locations"), "\n/a\n/b");
	gmf_ini_free(ini);
}

static void test_ini_read_file(void **state)
{
	char dir[] = "/tmp/gmf-ini-XXXXXX";
	char path[256];
	const char *text = "[alembic]\nscript_location = %(here)s/migrations\n";
	gmf_ini *ini = NULL;
	unsigned bad = 0;
	int fd;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alembic.ini", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(gmf_ini_read(&ini, path, &bad), 0);
	{
		char want[300];
		snprintf(want, sizeof(want), "%s/migrations", dir);
		assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"), want);
	}
	gmf_ini_free(ini);

	/* a parse error names the line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[a]\nx = 1\n[b\n", 13), 13);
	close(fd);
	assert_int_equal(gmf_ini_read(&ini, path, &bad), GMF_EPARSE);
	assert_int_equal(bad, 3);
	assert_null(ini);
	assert_non_null(strstr(gmf_error_last(), path));

	unlink(path);
	assert_int_equal(gmf_ini_read(&ini, path, &bad), GMF_ENOTFOUND);
	assert_null(ini);
	rmdir(dir);
	gmf_ini_free(NULL);
}

static void test_ini_duplicates_refused(void **state)
{
	(void)state;
	assert_int_equal(parse_bad("[a]\nx = 1\n[b]\n[a]\n"), 4);
	assert_int_equal(parse_bad("[a]\nx = 1\ny = 2\nX = 3\n"), 4);
}

static void test_ini_lookup_tells_broken_from_absent(void **state)
{
	gmf_ini *ini = parse_ok(
		"[alembic]\n"
		"loop = %(loop)s\n"
		"unknown = %(nosuch)s/x\n"
		"open = %(here/x\n"
		"lone = 50% done\n"
		"fine = %(here)s/m\n", "/srv/p");
	const char *v = (const char *)1;
	(void)state;
	assert_int_equal(gmf_ini_lookup(ini, "alembic", "absent", &v), 0);
	assert_null(v);
	assert_int_equal(gmf_ini_lookup(ini, "alembic", "fine", &v), 0);
	assert_string_equal(v, "/srv/p/m");
	assert_int_equal(gmf_ini_lookup(ini, "alembic", "loop", &v), GMF_EPARSE);
	assert_non_null(strstr(gmf_error_last(), "line 2"));
	assert_int_equal(gmf_ini_lookup(ini, "alembic", "unknown", &v), GMF_EPARSE);
	assert_non_null(strstr(gmf_error_last(), "line 3"));
	assert_non_null(strstr(gmf_error_last(), "nosuch"));
	assert_int_equal(gmf_ini_lookup(ini, "alembic", "open", &v), GMF_EPARSE);
	assert_non_null(strstr(gmf_error_last(), "line 4"));
	assert_int_equal(gmf_ini_lookup(ini, "alembic", "lone", &v), GMF_EPARSE);
	assert_null(gmf_ini_get(ini, "alembic", "lone"));
	gmf_ini_free(ini);
}

static void test_ini_default_interpolated_per_section(void **state)
{
	gmf_ini *ini = parse_ok(
		"[DEFAULT]\n"
		"script_location = %(name)s/db\n"
		"[alembic]\n"
		"name = main\n"
		"[loggers]\n"
		"name = logs\n", "/h");
	(void)state;
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"), "main/db");
	assert_string_equal(gmf_ini_get(ini, "loggers", "script_location"), "logs/db");
	assert_string_equal(gmf_ini_get(ini, "alembic", "script_location"), "main/db");
	assert_false(gmf_ini_has_own(ini, "alembic", "script_location"));
	assert_true(gmf_ini_has_own(ini, "alembic", "name"));
	assert_true(gmf_ini_has_own(ini, "DEFAULT", "script_location"));
	gmf_ini_free(ini);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_sections),
		cmocka_unit_test(test_ini_colon_and_equals),
		cmocka_unit_test(test_ini_continuation_lines),
		cmocka_unit_test(test_ini_continuation_across_blank_line),
		cmocka_unit_test(test_ini_comments),
		cmocka_unit_test(test_ini_semicolon_value_kept),
		cmocka_unit_test(test_ini_case_insensitive_keys),
		cmocka_unit_test(test_ini_default_section),
		cmocka_unit_test(test_ini_interpolation),
		cmocka_unit_test(test_ini_here_overridden_by_key),
		cmocka_unit_test(test_ini_interpolation_loop),
		cmocka_unit_test(test_ini_interpolation_unknown_name),
		cmocka_unit_test(test_ini_malformed_section_header),
		cmocka_unit_test(test_ini_key_before_section),
		cmocka_unit_test(test_ini_line_without_separator),
		cmocka_unit_test(test_ini_binary_refused),
		cmocka_unit_test(test_ini_crlf_and_bom),
		cmocka_unit_test(test_ini_read_file),
		cmocka_unit_test(test_ini_duplicates_refused),
		cmocka_unit_test(test_ini_lookup_tells_broken_from_absent),
		cmocka_unit_test(test_ini_default_interpolated_per_section),
	};
	return cmocka_run_group_tests_name("ini", tests, NULL, NULL);
}
