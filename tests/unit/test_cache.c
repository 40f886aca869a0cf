/* SPDX-License-Identifier: MIT */
/* Unit tests for cache: parsed migrations kept between runs. */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gmf/arena.h"
#include "gmf/cache.h"

/* Every field of the reader's result that a cache entry carries. */
static const char full_src[] =
	"\xef\xbb\xbf\"\"\"add gadgets\r\n"
	"\r\n"
	"Revision ID: 038_add_gadgets\r\n"
	"Revises: 037_a, 037_b\r\n"
	"Create Date: 2024-03-01 10:00:00\r\n"
	"\r\n"
	"\"\"\"\r\n"
	"revision: str = '038_add_gadgets'\r\n"
	"down_revision = ('037_a', \"037_b\")\r\n"
	"branch_labels = ('gadgets',)\r\n"
	"depends_on = None\r\n";

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/gmf-ut-cache.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	setenv("GIT_MIGRATE_FIX_CACHE_DIR", dir, 1);
	unsetenv("GIT_MIGRATE_FIX_CACHE");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* An identity from long ago (not racy), distinct per n. */
static gmf_file_id old_id(unsigned n, size_t size)
{
	gmf_file_id id;
	memset(&id, 0, sizeof(id));
	id.dev = 7;
	id.ino = 1000 + n;
	id.size = size;
	id.mtime_s = (long long)time(NULL) - 3600;
	id.mtime_ns = 123456789;
	id.ctime_s = id.mtime_s + 1;
	id.ctime_ns = 5;
	return id;
}

static void assert_span_eq(const gmf_span *a, const gmf_span *b)
{
	assert_int_equal(a->off, b->off);
	assert_int_equal(a->len, b->len);
	assert_int_equal(a->line, b->line);
}

static void assert_value_eq(const gmf_value *a, const gmf_value *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->nitems, b->nitems);
	assert_int_equal(a->line, b->line);
	assert_int_equal(a->assignments, b->assignments);
	assert_span_eq(&a->whole, &b->whole);
	for (size_t i = 0; i < a->nitems; i++) {
		assert_string_equal(a->items[i].text, b->items[i].text);
		assert_span_eq(&a->items[i].span, &b->items[i].span);
	}
}

/* Both NULL, or equal strings. */
static void assert_str_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_header_eq(const gmf_header_field *a, const gmf_header_field *b)
{
	assert_int_equal(a->present, b->present);
	assert_span_eq(&a->value, &b->value);
	assert_str_or_null(a->text, b->text);
}

/* What the reader gave and what the cache gives back are the same. */
static void assert_migration_eq(const gmf_migration *a, const gmf_migration *b)
{
	assert_value_eq(&a->revision, &b->revision);
	assert_value_eq(&a->down_revision, &b->down_revision);
	assert_value_eq(&a->branch_labels, &b->branch_labels);
	assert_value_eq(&a->depends_on, &b->depends_on);
	assert_int_equal(a->has_docstring, b->has_docstring);
	assert_span_eq(&a->docstring, &b->docstring);
	assert_str_or_null(a->message, b->message);
	assert_header_eq(&a->hdr_revision, &b->hdr_revision);
	assert_header_eq(&a->hdr_revises, &b->hdr_revises);
	assert_header_eq(&a->hdr_date, &b->hdr_date);
	assert_int_equal(a->hdr_nrevises, b->hdr_nrevises);
	for (size_t i = 0; i < a->hdr_nrevises; i++)
		assert_string_equal(a->hdr_revises_ids[i], b->hdr_revises_ids[i]);
	assert_int_equal(a->bom, b->bom);
	assert_int_equal(a->crlf, b->crlf);
	assert_int_equal(a->size, b->size);
}

/* Saves the given migrations as files f0.py, f1.py ... of root 0. */
static int save(const char *key, gmf_migration *m, gmf_file_id *ids, size_t n)
{
	gmf_cache *c = gmf_cache_open(key);
	gmf_cache_file files[8];
	static const char *const names[8] = { "f0.py", "f1.py", "f2.py", "f3.py",
					      "f4.py", "f5.py", "f6.py", "f7.py" };
	int rc;
	assert_non_null(c);
	memset(files, 0, sizeof(files));
	for (size_t i = 0; i < n; i++) {
		files[i].root = 0;
		files[i].prefix = "";
		files[i].name = names[i];
		files[i].id = &ids[i];
		files[i].mig = &m[i];
	}
	rc = gmf_cache_save(c, files, n, 0);
	gmf_cache_close(c);
	return rc;
}

static void test_cache_round_trip_keeps_every_field(void **state)
{
	gmf_migration m, back;
	gmf_file_id id = old_id(0, sizeof(full_src) - 1);
	gmf_arena *a = gmf_arena_new(0);
	gmf_cache *c;
	(void)state;

	ut_parse_ok(&m, "versions/038_add_gadgets.py", full_src);
	assert_true(m.bom && m.crlf && m.has_docstring);
	assert_int_equal(m.hdr_nrevises, 2);
	assert_int_equal(save("round trip\n", &m, &id, 1), 1);

	c = gmf_cache_open("round trip\n");
	assert_int_equal(gmf_cache_count(c), 1);
	/* a wrong hint still finds it by name */
	assert_int_equal(gmf_cache_get(c, 5, 0, "", "f0.py", &id, &back, a), 1);
	assert_migration_eq(&m, &back);
	assert_null(back.data);
	assert_ptr_equal(back.arena, a);
	/* the name is root + prefix + name */
	assert_int_equal(gmf_cache_get(c, 0, 0, "f", "0.py", &id, &back, a), 1);
	assert_int_equal(gmf_cache_get(c, 0, 1, "", "f0.py", &id, &back, a), 0);
	assert_int_equal(gmf_cache_get(c, 0, 0, "", "f1.py", &id, &back, a), 0);
	gmf_cache_close(c);
	/* another key is another cache */
	c = gmf_cache_open("another key\n");
	assert_int_equal(gmf_cache_count(c), 0);
	gmf_cache_close(c);
	gmf_migration_release(&m);
	gmf_arena_free(a);
}

/* SipHash-2-4's published test vectors: key 00 01 .. 0f, messages
 * 00 01 .. of length 0, 8 and 15. */
static void test_cache_siphash_vectors(void **state)
{
	const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	unsigned char msg[16];
	(void)state;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	assert_true(gmf_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(gmf_siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
	assert_true(gmf_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
}

/* An entry keeps the content hash of the bytes it was read from, under
 * the cache file's own key, which the file keeps from run to run. */
static void test_cache_keeps_the_content_hash(void **state)
{
	static const char src[] = "revision = 'a1'\ndown_revision = 'a0'\n";
	gmf_migration m;
	gmf_file_id id;
	gmf_cache *c, *other;
	gmf_cache_file f;
	uint64_t h;
	(void)state;

	ut_parse_ok(&m, "versions/a1.py", src);
	id = old_id(0, m.size);
	c = gmf_cache_open("content\n");
	other = gmf_cache_open("other content key\n");
	h = gmf_cache_content_hash(c, src, strlen(src));
	assert_true(h != 0);
	/* each cache file has a key of its own */
	assert_true(gmf_cache_content_hash(other, src, strlen(src)) != h);
	gmf_cache_close(other);
	memset(&f, 0, sizeof(f));
	f.prefix = "";
	f.name = "f0.py";
	f.id = &id;
	f.content = h;
	f.mig = &m;
	assert_int_equal(gmf_cache_save(c, &f, 1, 0), 1);
	gmf_cache_close(c);

	c = gmf_cache_open("content\n");
	assert_int_equal(gmf_cache_count(c), 1);
	assert_true(gmf_cache_entry_content(c, 1) == h);
	/* the same key as when it was saved: the same bytes, the same hash */
	assert_true(gmf_cache_content_hash(c, src, strlen(src)) == h);
	assert_true(gmf_cache_content_hash(c, src, strlen(src) - 1) != h);
	assert_true(gmf_cache_entry_content(c, 2) == 0);
	gmf_cache_close(c);
	assert_true(gmf_cache_content_hash(NULL, src, 3) == 0);
	gmf_migration_release(&m);
}

/* An entry keeps the git blob id it was given (the bytes' id, for a
 * load of staged blobs), and none when it was given none. */
static void test_cache_keeps_the_blob_id(void **state)
{
	static const char src[] = "revision = 'a1'\ndown_revision = 'a0'\n";
	unsigned char blob[GMF_BLOB_ID_LEN], back[GMF_BLOB_ID_LEN];
	gmf_migration m;
	gmf_file_id id[2];
	gmf_cache *c;
	gmf_cache_file f[2];
	(void)state;

	for (unsigned i = 0; i < sizeof(blob); i++)
		blob[i] = (unsigned char)(0xa0 + i);
	ut_parse_ok(&m, "versions/a1.py", src);
	id[0] = old_id(0, m.size);
	id[1] = old_id(1, m.size);
	c = gmf_cache_open("blob ids\n");
	memset(f, 0, sizeof(f));
	f[0].prefix = f[1].prefix = "";
	f[0].name = "f0.py";
	f[1].name = "f1.py";
	f[0].id = &id[0];
	f[1].id = &id[1];
	f[0].mig = f[1].mig = &m;
	f[0].blob = blob;
	assert_int_equal(gmf_cache_save(c, f, 2, 0), 1);
	gmf_cache_close(c);

	c = gmf_cache_open("blob ids\n");
	assert_int_equal(gmf_cache_count(c), 2);
	memset(back, 0, sizeof(back));
	assert_int_equal(gmf_cache_entry_blob(c, 1, back), 1);
	assert_memory_equal(back, blob, sizeof(blob));
	assert_int_equal(gmf_cache_entry_blob(c, 2, back), 0);
	assert_int_equal(gmf_cache_entry_blob(c, 3, back), 0);
	assert_int_equal(gmf_cache_entry_blob(NULL, 1, back), 0);
	gmf_cache_close(c);
	gmf_migration_release(&m);
}

static void test_cache_misses_on_any_change_of_identity(void **state)
{
	gmf_migration m, back;
	gmf_file_id id = old_id(0, 90), other;
	gmf_arena *a = gmf_arena_new(0);
	gmf_cache *c;
	static const char src[] = "revision = 'a1'\ndown_revision = None\n";
	(void)state;

	ut_parse_ok(&m, "versions/a1.py", src);
	id.size = m.size;
	assert_int_equal(save("identity\n", &m, &id, 1), 1);
	c = gmf_cache_open("identity\n");
	assert_int_equal(gmf_cache_get(c, 0, 0, "", "f0.py", &id, &back, a), 1);
	for (int field = 0; field < 7; field++) {
		other = id;
		switch (field) {
		case 0: other.dev++; break;
		case 1: other.ino++; break;
		case 2: other.size++; break;
		case 3: other.mtime_s++; break;
		case 4: other.mtime_ns++; break;
		case 5: other.ctime_s++; break;
		default: other.ctime_ns++; break;
		}
		assert_int_equal(gmf_cache_get(c, 0, 0, "", "f0.py", &other, &back, a), 0);
	}
	gmf_cache_close(c);
	gmf_migration_release(&m);
	gmf_arena_free(a);
}

static void test_cache_never_keeps_a_racy_file(void **state)
{
	gmf_migration m[2];
	gmf_file_id ids[2];
	gmf_cache *c;
	static const char src[] = "revision = 'a1'\ndown_revision = None\n";
	(void)state;

	ut_parse_ok(&m[0], "versions/a1.py", src);
	ut_parse_ok(&m[1], "versions/a1.py", src);
	ids[0] = old_id(0, m[0].size);
	ids[1] = old_id(1, m[1].size);
	/* changed a second ago: its ctime could still be that of a change
	 * made after it was read */
	ids[1].ctime_s = (long long)time(NULL) - 1;
	c = gmf_cache_open("racy-probe\n");
	assert_int_equal(gmf_cache_keeps(c, &ids[0]), 1);
	gmf_cache_close(c);
	assert_int_equal(save("racy\n", m, ids, 2), 1);
	c = gmf_cache_open("racy\n");
	assert_int_equal(gmf_cache_count(c), 1);
	assert_int_equal(gmf_cache_keeps(c, &ids[1]), 0);
	gmf_cache_close(c);
	/* nor a modification time in the future */
	ids[0].mtime_s = (long long)time(NULL) + 3600;
	assert_int_equal(save("future\n", m, ids, 1), 0);
	gmf_migration_release(&m[0]);
	gmf_migration_release(&m[1]);
}

/* The cache file of key, found as the only v1-* file changed last. */
static void cache_file(const char *key, char *out, size_t n)
{
	gmf_cache *c = gmf_cache_open(key);
	snprintf(out, n, "%s", gmf_cache_path(c));
	gmf_cache_close(c);
}

static void test_cache_ignores_a_damaged_file(void **state)
{
	gmf_migration m;
	gmf_file_id id;
	gmf_cache *c;
	char path[256];
	struct stat st;
	static const char src[] = "revision = 'a1'\ndown_revision = 'a0'\n";
	(void)state;

	ut_parse_ok(&m, "versions/a1.py", src);
	id = old_id(0, m.size);
	assert_int_equal(save("damage\n", &m, &id, 1), 1);
	cache_file("damage\n", path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);

	for (off_t at = 0; at < st.st_size; at += 7) {
		/* one byte flipped anywhere: as if there were no cache */
		int fd = open(path, O_RDWR);
		unsigned char b;
		assert_true(fd >= 0);
		assert_int_equal(pread(fd, &b, 1, at), 1);
		b ^= 0x20;
		assert_int_equal(pwrite(fd, &b, 1, at), 1);
		c = gmf_cache_open("damage\n");
		assert_int_equal(gmf_cache_count(c), 0);
		gmf_cache_close(c);
		b ^= 0x20;
		assert_int_equal(pwrite(fd, &b, 1, at), 1);
		close(fd);
	}
	c = gmf_cache_open("damage\n");
	assert_int_equal(gmf_cache_count(c), 1);
	gmf_cache_close(c);

	/* cut short */
	assert_int_equal(truncate(path, st.st_size - 1), 0);
	c = gmf_cache_open("damage\n");
	assert_int_equal(gmf_cache_count(c), 0);
	/* and replaced by the next save */
	{
		gmf_cache_file f;
		memset(&f, 0, sizeof(f));
		f.prefix = "";
		f.name = "f0.py";
		f.id = &id;
		f.mig = &m;
		assert_int_equal(gmf_cache_save(c, &f, 1, 0), 1);
	}
	gmf_cache_close(c);
	c = gmf_cache_open("damage\n");
	assert_int_equal(gmf_cache_count(c), 1);
	gmf_cache_close(c);

	/* writable by others: not trusted */
	assert_int_equal(chmod(path, 0666), 0);
	c = gmf_cache_open("damage\n");
	assert_int_equal(gmf_cache_count(c), 0);
	gmf_cache_close(c);
	gmf_migration_release(&m);
}

static void test_cache_rewrites_only_on_change(void **state)
{
	gmf_migration m[3], back;
	gmf_file_id ids[3];
	gmf_arena *a = gmf_arena_new(0);
	gmf_cache *c;
	gmf_cache_file f[3];
	static const char *const src[3] = {
		"revision = 'a0'\ndown_revision = None\n",
		"revision = 'a1'\ndown_revision = 'a0'\n",
		"revision = 'a2'\ndown_revision = 'a1'\n",
	};
	size_t e[3];
	(void)state;

	for (int i = 0; i < 3; i++) {
		ut_parse_ok(&m[i], "versions/x.py", src[i]);
		ids[i] = old_id((unsigned)i, m[i].size);
	}
	assert_int_equal(save("rewrite\n", m, ids, 3), 1);
	c = gmf_cache_open("rewrite\n");
	assert_int_equal(gmf_cache_count(c), 3);
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 3; i++) {
		char name[8];
		snprintf(name, sizeof(name), "f%d.py", i);
		e[i] = gmf_cache_get(c, (size_t)i, 0, "", name, &ids[i], &back, a);
		assert_int_equal(e[i], (size_t)i + 1);
		assert_string_equal(back.revision.items[0].text, m[i].revision.items[0].text);
	}
	f[0].prefix = f[1].prefix = f[2].prefix = "";
	f[0].name = "f0.py";
	f[1].name = "f1.py";
	f[2].name = "f2.py";
	for (int i = 0; i < 3; i++)
		f[i].entry = e[i];
	/* all taken from it: nothing to write */
	assert_int_equal(gmf_cache_save(c, f, 3, 3), 0);
	assert_false(gmf_cache_needs_save(c, 3, 0));
	/* one file gone: a record unused is no reason to write */
	assert_int_equal(gmf_cache_save(c, f, 2, 2), 0);
	gmf_cache_close(c);
	c = gmf_cache_open("rewrite\n");
	assert_int_equal(gmf_cache_count(c), 3);
	assert_int_equal(gmf_cache_get(c, 1, 0, "", "f1.py", &ids[1], &back, a), 2);
	gmf_cache_close(c);
	for (int i = 0; i < 3; i++)
		gmf_migration_release(&m[i]);
	gmf_arena_free(a);
}

static off_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* The first n bytes of path, in a new buffer. */
static char *file_head(const char *path, size_t n)
{
	char *b = malloc(n + 1);
	int fd = open(path, O_RDONLY);
	assert_non_null(b);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, b, n), (ssize_t)n);
	close(fd);
	return b;
}

static void test_cache_appends_a_changed_file(void **state)
{
	gmf_migration m[3], back, changed;
	gmf_file_id ids[3], newid;
	gmf_arena *a = gmf_arena_new(0);
	gmf_cache *c;
	gmf_cache_file f[3];
	char path[256], *before;
	off_t size0, size1;
	static const char *const src[3] = {
		"revision = 'b0'\ndown_revision = None\n",
		"revision = 'b1'\ndown_revision = 'b0'\n",
		"revision = 'b2'\ndown_revision = 'b1'\n",
	};
	static const char *const names[3] = { "f0.py", "f1.py", "f2.py" };
	(void)state;

	for (int i = 0; i < 3; i++) {
		ut_parse_ok(&m[i], "versions/x.py", src[i]);
		ids[i] = old_id((unsigned)i, m[i].size);
	}
	ut_parse_ok(&changed, "versions/x.py", "revision = 'b1'\ndown_revision = 'bX'\n");
	newid = old_id(9, changed.size);
	assert_int_equal(save("append\n", m, ids, 3), 1);
	cache_file("append\n", path, sizeof(path));
	size0 = file_size(path);
	before = file_head(path, (size_t)size0);

	/* f1 changed: read again, its record appended, nothing else moves */
	c = gmf_cache_open("append\n");
	memset(f, 0, sizeof(f));
	for (int i = 0; i < 3; i++) {
		f[i].prefix = "";
		f[i].name = names[i];
		if (i != 1)
			f[i].entry = gmf_cache_get(c, (size_t)i, 0, "", names[i], &ids[i], &back, a);
	}
	f[1].id = &newid;
	f[1].mig = &changed;
	assert_int_equal(gmf_cache_get(c, 1, 0, "", "f1.py", &newid, &back, a), 0);
	assert_true(gmf_cache_needs_save(c, 2, 1));
	assert_int_equal(gmf_cache_save(c, f, 3, 2), 1);
	gmf_cache_close(c);
	size1 = file_size(path);
	assert_true(size1 > size0 && size1 < 2 * size0);
	{
		char *after = file_head(path, (size_t)size0);
		assert_memory_equal(before, after, (size_t)size0);
		free(after);
	}
	c = gmf_cache_open("append\n");
	assert_int_equal(gmf_cache_count(c), 4);
	assert_int_equal(gmf_cache_live(c), 3);
	/* the appended record replaces the old one, even at the hinted place */
	assert_int_equal(gmf_cache_get(c, 1, 0, "", "f1.py", &ids[1], &back, a), 0);
	assert_int_equal(gmf_cache_get(c, 1, 0, "", "f1.py", &newid, &back, a), 4);
	assert_string_equal(back.down_revision.items[0].text, "bX");
	assert_int_equal(gmf_cache_get(c, 2, 0, "", "f2.py", &ids[2], &back, a), 3);
	gmf_cache_close(c);

	/* the append torn by a crash: ignored, the old record stands again
	 * (for the old identity only), and the next save writes anew */
	assert_int_equal(truncate(path, size1 - 3), 0);
	c = gmf_cache_open("append\n");
	assert_int_equal(gmf_cache_count(c), 3);
	assert_int_equal(gmf_cache_get(c, 1, 0, "", "f1.py", &newid, &back, a), 0);
	assert_int_equal(gmf_cache_get(c, 1, 0, "", "f1.py", &ids[1], &back, a), 2);
	assert_string_equal(back.down_revision.items[0].text, "b0");
	assert_true(gmf_cache_needs_save(c, 3, 0));
	for (int i = 0; i < 3; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].prefix = "";
		f[i].name = names[i];
		f[i].entry = (size_t)i + 1;
	}
	assert_int_equal(gmf_cache_save(c, f, 3, 3), 1);
	gmf_cache_close(c);
	assert_int_equal(file_size(path), size0);
	c = gmf_cache_open("append\n");
	assert_int_equal(gmf_cache_count(c), 3);
	gmf_cache_close(c);

	/* the file replaced by another run since it was loaded: no append
	 * to the new one, written anew */
	c = gmf_cache_open("append\n");
	{
		char copy[300], *all = file_head(path, (size_t)size0);
		int fd;
		snprintf(copy, sizeof(copy), "%s.copy", path);
		fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, all, (size_t)size0), (ssize_t)size0);
		close(fd);
		assert_int_equal(rename(copy, path), 0);
		free(all);
	}
	for (int i = 0; i < 3; i++)
		f[i].entry = i == 1 ? 0 : (size_t)i + 1;
	f[1].id = &newid;
	f[1].mig = &changed;
	assert_int_equal(gmf_cache_save(c, f, 3, 2), 1);
	gmf_cache_close(c);
	c = gmf_cache_open("append\n");
	assert_int_equal(gmf_cache_count(c), 3);
	assert_int_equal(gmf_cache_live(c), 3);
	gmf_cache_close(c);

	free(before);
	for (int i = 0; i < 3; i++)
		gmf_migration_release(&m[i]);
	gmf_migration_release(&changed);
	gmf_arena_free(a);
}

static void test_cache_rewrites_past_the_stale_limit(void **state)
{
	enum { N = 48 };
	gmf_migration m[N];
	gmf_file_id ids[N];
	gmf_cache_file f[N];
	char names[N][16];
	gmf_cache *c;
	(void)state;

	memset(f, 0, sizeof(f));
	for (int i = 0; i < N; i++) {
		char src[96];
		snprintf(src, sizeof(src), "revision = 'c%d'\ndown_revision = None\n", i);
		snprintf(names[i], sizeof(names[i]), "g%d.py", i);
		ut_parse_ok(&m[i], "versions/x.py", src);
		ids[i] = old_id((unsigned)i, m[i].size);
		f[i].prefix = "";
		f[i].name = names[i];
		f[i].id = &ids[i];
		f[i].mig = &m[i];
	}
	c = gmf_cache_open("stale\n");
	assert_int_equal(gmf_cache_save(c, f, N, 0), 1);
	gmf_cache_close(c);
	/* 10 of 48 files gone: kept as they are */
	c = gmf_cache_open("stale\n");
	assert_int_equal(gmf_cache_count(c), N);
	for (int i = 0; i < N; i++) {
		f[i].id = NULL;
		f[i].mig = NULL;
		f[i].entry = (size_t)i + 1;
	}
	assert_false(gmf_cache_needs_save(c, N - 10, 0));
	assert_int_equal(gmf_cache_save(c, f, N - 10, N - 10), 0);
	/* 40 gone: past the limit, the file keeps only the 8 still there */
	assert_true(gmf_cache_needs_save(c, 8, 0));
	assert_int_equal(gmf_cache_save(c, f, 8, 8), 1);
	gmf_cache_close(c);
	c = gmf_cache_open("stale\n");
	assert_int_equal(gmf_cache_count(c), 8);
	gmf_cache_close(c);
	for (int i = 0; i < N; i++)
		gmf_migration_release(&m[i]);
}

static void test_cache_switched_off(void **state)
{
	(void)state;
	setenv("GIT_MIGRATE_FIX_CACHE", "0", 1);
	assert_null(gmf_cache_open("off\n"));
	setenv("GIT_MIGRATE_FIX_CACHE", "false", 1);
	assert_null(gmf_cache_open("off\n"));
	unsetenv("GIT_MIGRATE_FIX_CACHE");
	/* nowhere to keep it */
	unsetenv("GIT_MIGRATE_FIX_CACHE_DIR");
	{
		char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
		char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
		unsetenv("HOME");
		unsetenv("XDG_CACHE_HOME");
		assert_null(gmf_cache_open("off\n"));
		if (home)
			setenv("HOME", home, 1);
		if (xdg)
			setenv("XDG_CACHE_HOME", xdg, 1);
		free(home);
		free(xdg);
	}
	setenv("GIT_MIGRATE_FIX_CACHE_DIR", dir, 1);
	assert_int_equal(gmf_cache_get(NULL, 0, 0, "", "x.py", NULL, NULL, NULL), 0);
	assert_int_equal(gmf_cache_save(NULL, NULL, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_round_trip_keeps_every_field),
		cmocka_unit_test(test_cache_siphash_vectors),
		cmocka_unit_test(test_cache_keeps_the_content_hash),
		cmocka_unit_test(test_cache_keeps_the_blob_id),
		cmocka_unit_test(test_cache_misses_on_any_change_of_identity),
		cmocka_unit_test(test_cache_never_keeps_a_racy_file),
		cmocka_unit_test(test_cache_ignores_a_damaged_file),
		cmocka_unit_test(test_cache_rewrites_only_on_change),
		cmocka_unit_test(test_cache_appends_a_changed_file),
		cmocka_unit_test(test_cache_rewrites_past_the_stale_limit),
		cmocka_unit_test(test_cache_switched_off),
	};
	return cmocka_run_group_tests_name("cache", tests, setup, teardown);
}
