/* SPDX-License-Identifier: MIT */
/* Unit tests for arena: bump allocation for a large project's strings. */
#include "unit.h"

#include <stdint.h>

#include <fcntl.h>
#include <unistd.h>

#include "gmf/arena.h"

static void test_arena_alignment_and_independence(void **state)
{
	gmf_arena *a = gmf_arena_new(0);
	char *p[200];
	(void)state;
	for (int i = 0; i < 200; i++) {
		p[i] = gmf_arena_alloc(a, (size_t)i % 37);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		memset(p[i], i, (size_t)i % 37);
	}
	/* nothing overlaps: every block still holds its own byte */
	for (int i = 0; i < 200; i++)
		for (size_t k = 0; k < (size_t)i % 37; k++)
			assert_int_equal((unsigned char)p[i][k], (unsigned char)i);
	assert_true(gmf_arena_used(a) >= 200 * 16 - 16 * 6);
	gmf_arena_free(a);
	gmf_arena_free(NULL);
}

static void test_arena_strndup_and_big_requests(void **state)
{
	gmf_arena *a = gmf_arena_new(100);
	size_t big = (size_t)3 << 20; /* larger than any ordinary chunk */
	char *s, *b, *t;
	(void)state;
	s = gmf_arena_strndup(a, "revision_id_here", 8);
	assert_string_equal(s, "revision");
	b = gmf_arena_alloc(a, big);
	memset(b, 'x', big);
	t = gmf_arena_strndup(a, "", 0);
	assert_string_equal(t, "");
	assert_string_equal(s, "revision");
	assert_int_equal(b[big - 1], 'x');
	gmf_arena_free(a);
}

static void test_arena_packs_strings_and_aligns_objects(void **state)
{
	gmf_arena *a = gmf_arena_new(0);
	char *s1, *s2;
	void *o;
	(void)state;
	s1 = gmf_arena_strndup(a, "abc", 3);
	s2 = gmf_arena_strndup(a, "de", 2);
	assert_string_equal(s1, "abc");
	assert_string_equal(s2, "de");
	/* packed: 4 + 3 bytes, not 16 each */
	assert_int_equal(gmf_arena_used(a), 7);
	/* an object after a string is aligned all the same */
	o = gmf_arena_alloc(a, 24);
	assert_int_equal((uintptr_t)o % 16, 0);
	memset(o, 0, 24);
	assert_string_equal(s2, "de");
	gmf_arena_free(a);
}

static void test_arena_huge_hint(void **state)
{
	/* the hint of a large load: chunks may be huge-page mappings */
	gmf_arena *a = gmf_arena_new((size_t)8 << 20);
	char *first = NULL, *last = NULL;
	(void)state;
	for (int i = 0; i < 50000; i++) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "id_%d", i);
		last = gmf_arena_strndup(a, buf, (size_t)n);
		if (!first)
			first = last;
	}
	assert_string_equal(first, "id_0");
	assert_string_equal(last, "id_49999");
	gmf_arena_free(a);
}

static void test_big_calloc_is_zeroed(void **state)
{
	size_t sizes[] = { 1, 4096, (size_t)1 << 20, (size_t)5 << 20 };
	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = gmf_big_calloc(sizes[i]);
		for (size_t k = 0; k < sizes[i]; k += 511)
			assert_int_equal(p[k], 0);
		assert_int_equal(p[sizes[i] - 1], 0);
		memset(p, 0xab, sizes[i]);
		gmf_big_free(p, sizes[i]);
	}
	gmf_big_free(NULL, 10);
}

/* A migration read into an arena holds the same data as one on the heap. */
static void test_reader_into_arena_matches_heap(void **state)
{
	const char *src =
		"\"\"\"add gadgets\n\nRevision ID: 038_add_gadgets\n"
		"Revises: 036_a, 037_b\nCreate Date: 2024-01-01\n\"\"\"\n"
		"revision: str = \"038_add_gadgets\"\n"
		"down_revision = (\"036_a\", \"037_b\")\n"
		"branch_labels = (\"x\", \"y\")\ndepends_on = None\n";
	char dir[] = "/tmp/gmf-ut-arena-XXXXXX";
	char path[256];
	gmf_migration heap, in;
	gmf_diag diag;
	gmf_arena *a = gmf_arena_new(0);
	int fd;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/038_add_gadgets.py", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);

	assert_int_equal(gmf_migration_read(&heap, path, &diag), 0);
	assert_int_equal(gmf_migration_readat_in(&in, a, AT_FDCWD, path, path, &diag), 0);
	assert_ptr_equal(in.arena, a);
	assert_null(heap.arena);
	assert_string_equal(in.path, heap.path);
	assert_string_equal(in.stem, "038_add_gadgets");
	assert_string_equal(in.message, heap.message);
	assert_int_equal(in.down_revision.nitems, 2);
	assert_string_equal(in.down_revision.items[1].text, "037_b");
	assert_int_equal(in.down_revision.items[1].span.off,
			 heap.down_revision.items[1].span.off);
	assert_int_equal(in.branch_labels.nitems, 2);
	assert_string_equal(in.branch_labels.items[0].text, "x");
	assert_int_equal(in.hdr_nrevises, 2);
	assert_string_equal(in.hdr_revises_ids[0], "036_a");
	assert_string_equal(in.hdr_date.text, heap.hdr_date.text);
	/* ids the header spells the same are kept once in the arena (the
	 * heap's are freed one by one: copies there) */
	assert_ptr_equal(in.revision.items[0].text, in.hdr_revision.text);
	assert_ptr_equal(in.down_revision.items[0].text, in.hdr_revises_ids[0]);
	assert_ptr_equal(in.down_revision.items[1].text, in.hdr_revises_ids[1]);
	assert_ptr_not_equal(heap.revision.items[0].text, heap.hdr_revision.text);
	/* the bytes can go and come back, as for a rewrite */
	gmf_migration_drop_data(&in);
	assert_int_equal(gmf_migration_load_data(&in), 0);
	assert_memory_equal(in.data, src, strlen(src));
	gmf_migration_release(&in); /* frees the data, not the strings */
	gmf_migration_release(&heap);
	gmf_arena_free(a);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alignment_and_independence),
		cmocka_unit_test(test_arena_strndup_and_big_requests),
		cmocka_unit_test(test_arena_packs_strings_and_aligns_objects),
		cmocka_unit_test(test_arena_huge_hint),
		cmocka_unit_test(test_big_calloc_is_zeroed),
		cmocka_unit_test(test_reader_into_arena_matches_heap),
	};
	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
