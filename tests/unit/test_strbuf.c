/* SPDX-License-Identifier: MIT */
/* Unit tests for strbuf: the one growable text buffer. */
#include "unit.h"

static void test_strbuf_init_is_empty_string(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf sb2;
	(void)state;
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.len, 0);
	gmf_strbuf_init(&sb2, 0);
	assert_non_null(sb2.buf);
	assert_string_equal(sb2.buf, "");
	gmf_strbuf_init(&sb2, 100);
	assert_true(sb2.alloc >= 101);
	assert_int_equal(sb2.len, 0);
	assert_string_equal(sb2.buf, "");
	gmf_strbuf_release(&sb2);
	gmf_strbuf_release(&sb); /* releasing an unused buffer is fine */
	assert_string_equal(sb.buf, "");
}

static void test_strbuf_growth_keeps_contents(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	(void)state;
	for (int i = 0; i < 10000; i++)
		gmf_strbuf_addch(&sb, 'a' + i % 26);
	assert_int_equal(sb.len, 10000);
	assert_int_equal(strlen(sb.buf), 10000);
	assert_true(sb.alloc > sb.len);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(sb.buf[i], 'a' + i % 26);
	gmf_strbuf_release(&sb);
	assert_int_equal(sb.len, 0);
	gmf_strbuf_adds(&sb, "reuse");
	assert_string_equal(sb.buf, "reuse");
	gmf_strbuf_release(&sb);
}

static void test_strbuf_add_binary_and_empty(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	(void)state;
	gmf_strbuf_add(&sb, "", 0);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	gmf_strbuf_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 4); /* NUL terminated too */
	gmf_strbuf_adds(&sb, "cd");
	assert_int_equal(sb.len, 5);
	assert_memory_equal(sb.buf, "a\0bcd", 6);
	gmf_strbuf_release(&sb);
}

static void test_strbuf_addf_short_and_long(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char big[3000];
	(void)state;
	gmf_strbuf_addf(&sb, "%d-%s", 42, "x");
	assert_string_equal(sb.buf, "42-x");
	gmf_strbuf_addf(&sb, "%03d", 7);
	assert_string_equal(sb.buf, "42-x007");
	/* longer than the first guess: the second vsnprintf must do it */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	gmf_strbuf_addf(&sb, "[%s]", big);
	assert_int_equal(sb.len, 7 + 2 + sizeof(big) - 1);
	assert_int_equal(strlen(sb.buf), sb.len);
	assert_memory_equal(sb.buf, "42-x007[zzz", 11);
	assert_int_equal(sb.buf[sb.len - 1], ']');
	gmf_strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 7 + 2 + sizeof(big) - 1);
	gmf_strbuf_release(&sb);
}

static void test_strbuf_addf_exact_boundaries(void **state)
{
	(void)state;
	/* sizes around the growth steps must never lose or add a byte */
	for (size_t n = 0; n < 300; n++) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		char *s = gmf_xmalloc(n + 1);
		memset(s, 'q', n);
		s[n] = '\0';
		gmf_strbuf_adds(&sb, "ab");
		gmf_strbuf_addf(&sb, "%s!", s);
		assert_int_equal(sb.len, n + 3);
		assert_int_equal(strlen(sb.buf), n + 3);
		assert_int_equal(sb.buf[n + 2], '!');
		free(s);
		gmf_strbuf_release(&sb);
	}
}

static void test_strbuf_json_escaping(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	(void)state;
	gmf_strbuf_add_json(&sb, "plain");
	assert_string_equal(sb.buf, "\"plain\"");
	gmf_strbuf_reset(&sb);
	gmf_strbuf_add_json(&sb, "a\"b\\c\nd\re\tf");
	assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\nd\\re\\tf\"");
	gmf_strbuf_reset(&sb);
	gmf_strbuf_add_json(&sb, "\x01\x1f\x7f");
	assert_string_equal(sb.buf, "\"\\u0001\\u001f\\u007f\"");
	gmf_strbuf_reset(&sb);
	/* UTF-8 passes through unchanged */
	gmf_strbuf_add_json(&sb, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80");
	assert_string_equal(sb.buf, "\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\"");
	gmf_strbuf_reset(&sb);
	gmf_strbuf_add_json(&sb, "");
	assert_string_equal(sb.buf, "\"\"");
	/* appends, does not replace */
	gmf_strbuf_adds(&sb, ",");
	gmf_strbuf_add_json(&sb, "/");
	assert_string_equal(sb.buf, "\"\",\"/\"");
	gmf_strbuf_release(&sb);
}

static void test_strbuf_detach(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t len = 99;
	char *s;
	(void)state;
	gmf_strbuf_adds(&sb, "hello");
	s = gmf_strbuf_detach(&sb, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	/* sb is re-initialised and usable */
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_ptr_not_equal(sb.buf, s);
	gmf_strbuf_adds(&sb, "again");
	assert_string_equal(sb.buf, "again");
	assert_string_equal(s, "hello");
	free(s);
	gmf_strbuf_release(&sb);

	/* an unused buffer still hands over something free()able */
	len = 99;
	s = gmf_strbuf_detach(&sb, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	assert_ptr_not_equal(s, gmf_strbuf__empty);
	free(s);
	s = gmf_strbuf_detach(&sb, NULL);
	free(s);
}

static void test_strbuf_setlen_and_reset(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	(void)state;
	gmf_strbuf_reset(&sb); /* on the shared empty string: no write */
	assert_string_equal(gmf_strbuf__empty, "");
	gmf_strbuf_adds(&sb, "abcdef");
	gmf_strbuf_setlen(&sb, 3);
	assert_int_equal(sb.len, 3);
	assert_string_equal(sb.buf, "abc");
	gmf_strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	gmf_strbuf_addch(&sb, 'x');
	assert_string_equal(sb.buf, "x");
	gmf_strbuf_release(&sb);
}

static void test_strbuf_grow_reserves(void **state)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char *before;
	(void)state;
	gmf_strbuf_grow(&sb, 1000);
	assert_true(sb.alloc >= 1001);
	assert_string_equal(sb.buf, "");
	before = sb.buf;
	for (int i = 0; i < 1000; i++)
		gmf_strbuf_addch(&sb, 'k');
	assert_ptr_equal(sb.buf, before); /* no reallocation was needed */
	assert_int_equal(sb.len, 1000);
	gmf_strbuf_release(&sb);
}

static void test_strbuf_xstr_helpers(void **state)
{
	char *a, *b;
	(void)state;
	a = gmf_xstrdup("copy me");
	assert_string_equal(a, "copy me");
	b = gmf_xstrndup("abcdef", 3);
	assert_string_equal(b, "abc");
	free(a);
	free(b);
	b = gmf_xstrndup("a\0bc", 4);
	assert_memory_equal(b, "a\0bc", 5);
	free(b);
	a = gmf_xcalloc(0, 0); /* never NULL, even for zero bytes */
	assert_non_null(a);
	free(a);
}

static void test_strbuf_alloc_grow_macro(void **state)
{
	int *arr = NULL;
	size_t alloc = 0;
	(void)state;
	for (size_t n = 0; n < 1000; n++) {
		GMF_ALLOC_GROW(arr, n + 1, alloc);
		assert_true(alloc >= n + 1);
		arr[n] = (int)n;
	}
	for (size_t n = 0; n < 1000; n++)
		assert_int_equal(arr[n], n);
	free(arr);
}

/* A message built from the previous one (gmf_error_last() as an argument). */
static void test_error_set_from_last_message(void **state)
{
	(void)state;
	gmf_error_set(GMF_EIO, "cannot rename 'a' to 'b': %s", "No space left");
	gmf_error_set(GMF_EIO, "the change is complete, but: %s", gmf_error_last());
	assert_string_equal(gmf_error_last(), "the change is complete, but: cannot "
			    "rename 'a' to 'b': No space left");
	assert_int_equal(gmf_error_code(), GMF_EIO);
	gmf_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_init_is_empty_string),
		cmocka_unit_test(test_strbuf_growth_keeps_contents),
		cmocka_unit_test(test_strbuf_add_binary_and_empty),
		cmocka_unit_test(test_strbuf_addf_short_and_long),
		cmocka_unit_test(test_strbuf_addf_exact_boundaries),
		cmocka_unit_test(test_strbuf_json_escaping),
		cmocka_unit_test(test_strbuf_detach),
		cmocka_unit_test(test_strbuf_setlen_and_reset),
		cmocka_unit_test(test_strbuf_grow_reserves),
		cmocka_unit_test(test_strbuf_xstr_helpers),
		cmocka_unit_test(test_strbuf_alloc_grow_macro),
		cmocka_unit_test(test_error_set_from_last_message),
	};
	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
