/* SPDX-License-Identifier: MIT */
/* cache: see include/gmf/cache.h. */
#include "gmf/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gmf/strbuf.h"

/*
 * The file:
 *   "GMFCACHE", u32 format, u32 0x01020304 (byte order), u32 key length,
 *   the key, two u64 (the content-hash key, random, made with the file)
 *   and the u64 checksum of those 16 bytes, then one or more segments,
 *   each
 *     u32 SEG_MAGIC, u32 record count, u64 payload length, u64 payload
 *     checksum, then the payload: one record per entry, each a u32 length
 *     and u32 root, str name, u64 dev, ino, size, i64 mtime_s, ctime_s,
 *     u32 mtime_ns, ctime_ns, u64 content hash (0: unknown), the 20
 *     bytes of the content's git blob id (all zero: unknown), then the
 *     migration (see put_record).
 * Integers are in this machine's byte order (the cache never travels);
 * a str is a u32 length (0xffffffff: NULL), the bytes and a NUL, so a
 * decoded migration's strings point into the loaded file itself.
 *
 * A save that only adds records (files read again) appends one segment
 * to the file; a record of a later segment replaces one of the same
 * (root, name) before it.  When the records no run uses any more (files
 * changed, renamed or deleted) pass STALE_LIMIT, or the file has a
 * damaged segment, the save writes the whole file anew through a
 * temporary file and a rename.  A segment cut short or damaged (a crash
 * while appending, two writers at once) fails its length or checksum:
 * it and everything after it are ignored, never trusted.
 */
static const char magic[8] = { 'G', 'M', 'F', 'C', 'A', 'C', 'H', 'E' };
#define BYTE_ORDER_MARK 0x01020304u
#define SEG_MAGIC 0x47534547u /* "GSEG" */
#define SEG_HEAD 24u          /* magic, count, length, checksum */
/* A save rewrites the file when more of its records than this are unused. */
#define STALE_LIMIT(live) ((live) / 4 + 32)
#define NULL_STR 0xffffffffu
#define MAX_CACHE_FILE ((size_t)1 << 30) /* offsets fit in 32 bits */
#define MAX_ITEMS (1u << 20)

#if defined(__APPLE__)
#define MTIM(st) ((st)->st_mtimespec)
#define CTIM(st) ((st)->st_ctimespec)
#else
#define MTIM(st) ((st)->st_mtim)
#define CTIM(st) ((st)->st_ctim)
#endif

#if UINTPTR_MAX == 0xffffffffffffffffu
/* A field added to gmf_migration must be written and read here too (and
 * GMF_CACHE_FORMAT bumped): this fails the build until that is done. */
_Static_assert(sizeof(gmf_migration) == 320, "gmf_migration changed: update cache.c");
#endif

void gmf_file_id_from_stat(gmf_file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = (unsigned long long)st->st_dev;
	id->ino = (unsigned long long)st->st_ino;
	id->size = (unsigned long long)st->st_size;
	id->mtime_s = (long long)MTIM(st).tv_sec;
	id->mtime_ns = (long)MTIM(st).tv_nsec;
	id->ctime_s = (long long)CTIM(st).tv_sec;
	id->ctime_ns = (long)CTIM(st).tv_nsec;
}

struct gmf_cache {
	char *dir;        /* the cache directory */
	char *path;       /* the cache file in it */
	char *key;
	char *buf;        /* the loaded file (its sound segments) */
	size_t len;
	int mapped;       /* buf is a mapping of it (else a heap copy) */
	size_t maplen;    /* the length mapped or allocated */
	unsigned long long fdev, fino; /* the file loaded */
	uint32_t *off;    /* entry i: where its record starts in buf */
	unsigned char *live; /* entry i is the last for its (root, name) */
	size_t n, nlive;
	uint32_t *slots;  /* (root, name) hash: entry index + 1, 0 = empty */
	size_t nslots;
	int damaged;      /* a segment was ignored: the next save rewrites */
	time_t started;   /* when this run began, for the racy rule */
	uint64_t hkey[2]; /* the content-hash key (the file's, or a new one) */
};

/* ---------------------------------------------------------------- hashing */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

#define FNV_SEED 1469598103934665603ull

static uint64_t name_hash(unsigned root, const char *prefix, const char *name)
{
	uint64_t h = fnv(FNV_SEED, &root, sizeof(root));
	h = fnv(h, prefix, strlen(prefix));
	return fnv(h, name, strlen(name));
}

/* Detects a damaged file, not an attacker: four independent lanes of
 * eight bytes, so the multiplications overlap. */
uint64_t gmf_cache_checksum(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h[4] = { 0x9e3779b97f4a7c15ull ^ n, 0xc2b2ae3d27d4eb4full,
			  0x165667b19e3779f9ull, 0x27d4eb2f165667c5ull };
	size_t i = 0;
	for (; i + 32 <= n; i += 32)
		for (int k = 0; k < 4; k++) {
			uint64_t w;
			memcpy(&w, p + i + 8 * k, 8);
			h[k] = (h[k] ^ w) * 0xff51afd7ed558ccdull;
			h[k] ^= h[k] >> 31;
		}
	for (; i < n; i++)
		h[0] = (h[0] ^ p[i]) * 0xc4ceb9fe1a85ec53ull;
	h[0] ^= h[1] * 0x9e3779b97f4a7c15ull;
	h[0] ^= h[2] * 0xc2b2ae3d27d4eb4full;
	h[0] ^= h[3] * 0x165667b19e3779f9ull;
	return h[0] ^ (h[0] >> 32);
}

/* SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash.  Keyed
 * with a random key of the cache file, so that nobody who cannot read
 * that file can make two contents with the same hash. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);       \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                          \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                          \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);       \
	} while (0)

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t gmf_siphash24(const uint64_t key[2], const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)n << 56, m;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t k = 0; i + k < n; k++)
		b |= (uint64_t)p[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t gmf_cache_content_hash(const gmf_cache *c, const void *data, size_t n)
{
	uint64_t h;
	if (!c)
		return 0;
	h = gmf_siphash24(c->hkey, data, n);
	return h ? h : 1; /* 0 means unknown */
}

/* A new content-hash key: from the system's random source where there is
 * one, else from what differs between runs (it then only guards against
 * accidents, as any hash would). */
static void new_hash_key(uint64_t key[2])
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	unsigned char b[16];
	ssize_t got = fd >= 0 ? read(fd, b, sizeof(b)) : -1;
	if (fd >= 0)
		close(fd);
	if (got == (ssize_t)sizeof(b)) {
		key[0] = le64(b);
		key[1] = le64(b + 8);
		return;
	}
	key[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	key[1] = (uint64_t)(uintptr_t)key * 0xc2b2ae3d27d4eb4full ^ (uint64_t)clock();
}

/* ---------------------------------------------------------------- reading */

typedef struct {
	const unsigned char *p, *end;
	int bad;
} rd;

static uint32_t rd_u32(rd *r)
{
	uint32_t v = 0;
	if (r->bad || r->end - r->p < 4) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, 4);
	r->p += 4;
	return v;
}

static uint64_t rd_u64(rd *r)
{
	uint64_t v = 0;
	if (r->bad || r->end - r->p < 8) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, 8);
	r->p += 8;
	return v;
}

/* A str in place (NUL-terminated inside the buffer), or NULL (a NULL
 * string, or damage: then r->bad is set). */
static const char *rd_str(rd *r)
{
	uint32_t n = rd_u32(r);
	const char *s;
	if (r->bad || n == NULL_STR)
		return NULL;
	if ((size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != '\0' ||
	    memchr(r->p, '\0', n)) {
		r->bad = 1;
		return NULL;
	}
	s = (const char *)r->p;
	r->p += (size_t)n + 1;
	return s;
}

/* A string of the loaded file, for a migration: the file's pages are
 * mapped read-only, and no reader of a migration writes its strings. */
static char *rd_str_ref(rd *r)
{
	return (char *)(uintptr_t)rd_str(r);
}

static void rd_span(rd *r, gmf_span *s)
{
	s->off = rd_u32(r);
	s->len = rd_u32(r);
	s->line = rd_u32(r);
}

static void rd_value(rd *r, gmf_value *v, gmf_arena *a)
{
	uint32_t kind = rd_u32(r);
	if (kind > GMF_VAL_OPAQUE)
		r->bad = 1;
	v->kind = (gmf_value_kind)kind;
	v->line = rd_u32(r);
	v->assignments = (int)rd_u32(r);
	rd_span(r, &v->whole);
	v->nitems = rd_u32(r);
	if (r->bad || v->nitems > MAX_ITEMS ||
	    v->nitems > (size_t)(r->end - r->p) / 16) {
		r->bad = 1;
		v->nitems = 0;
		return;
	}
	v->items = NULL;
	if (v->nitems) {
		v->items = gmf_arena_alloc(a, v->nitems * sizeof(gmf_str));
		for (size_t i = 0; i < v->nitems; i++) {
			v->items[i].text = rd_str_ref(r);
			rd_span(r, &v->items[i].span);
			if (!v->items[i].text)
				r->bad = 1;
		}
	}
}

static void rd_header(rd *r, gmf_header_field *f)
{
	f->present = (int)rd_u32(r);
	rd_span(r, &f->value);
	f->text = rd_str_ref(r);
}

/* The record's key part: root, name, identity and content hash. */
typedef struct {
	unsigned root;
	const char *name;
	gmf_file_id id;
	uint64_t content;
	const unsigned char *blob; /* GMF_BLOB_ID_LEN bytes, all zero: unknown */
} rec_head;

static void rd_head(rd *r, rec_head *h)
{
	h->root = rd_u32(r);
	h->name = rd_str(r);
	if (!h->name)
		r->bad = 1;
	memset(&h->id, 0, sizeof(h->id));
	h->id.dev = rd_u64(r);
	h->id.ino = rd_u64(r);
	h->id.size = rd_u64(r);
	h->id.mtime_s = (long long)rd_u64(r);
	h->id.ctime_s = (long long)rd_u64(r);
	h->id.mtime_ns = (long)rd_u32(r);
	h->id.ctime_ns = (long)rd_u32(r);
	h->content = rd_u64(r);
	h->blob = NULL;
	if (!r->bad && r->end - r->p >= GMF_BLOB_ID_LEN) {
		h->blob = r->p;
		r->p += GMF_BLOB_ID_LEN;
	} else {
		r->bad = 1;
	}
}

/* Record i, positioned after its length. */
static rd record(const gmf_cache *c, size_t i)
{
	rd r;
	uint32_t len;
	memcpy(&len, c->buf + c->off[i], 4);
	r.p = (const unsigned char *)c->buf + c->off[i] + 4;
	r.end = r.p + len;
	r.bad = 0;
	return r;
}

static int name_is(const char *have, const char *prefix, const char *name)
{
	size_t pl = strlen(prefix);
	return !strncmp(have, prefix, pl) && !strcmp(have + pl, name);
}

int gmf_file_id_same(const gmf_file_id *a, const gmf_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

static size_t find(const gmf_cache *c, size_t hint, unsigned root, const char *prefix,
		const char *name, rd *out, rec_head *h)
{
	if (hint < c->n && c->live[hint]) {
		*out = record(c, hint);
		rd_head(out, h);
		if (!out->bad && h->root == root && name_is(h->name, prefix, name))
			return hint + 1;
	}
	if (!c->nslots)
		return 0;
	for (size_t s = name_hash(root, prefix, name) & (c->nslots - 1); c->slots[s];
	     s = (s + 1) & (c->nslots - 1)) {
		*out = record(c, c->slots[s] - 1);
		rd_head(out, h);
		if (!out->bad && h->root == root && name_is(h->name, prefix, name))
			return c->slots[s];
	}
	return 0;
}

size_t gmf_cache_find(const gmf_cache *c, size_t hint, unsigned root, const char *prefix,
		      const char *name, gmf_file_id *id)
{
	rd r;
	rec_head h;
	size_t entry;
	if (!c || !c->n || !(entry = find(c, hint, root, prefix, name, &r, &h)))
		return 0;
	*id = h.id;
	return entry;
}

/* The key part of entry (1-based) into *h: 0 when there is none. */
static int entry_head(const gmf_cache *c, size_t entry, rec_head *h)
{
	rd r;
	if (!c || !entry || entry > c->n)
		return 0;
	r = record(c, entry - 1);
	rd_head(&r, h);
	return !r.bad;
}

uint64_t gmf_cache_entry_content(const gmf_cache *c, size_t entry)
{
	rec_head h;
	return entry_head(c, entry, &h) ? h.content : 0;
}

int gmf_cache_entry_blob(const gmf_cache *c, size_t entry, unsigned char *out)
{
	static const unsigned char zero[GMF_BLOB_ID_LEN];
	rec_head h;
	if (!entry_head(c, entry, &h) || !memcmp(h.blob, zero, GMF_BLOB_ID_LEN))
		return 0;
	memcpy(out, h.blob, GMF_BLOB_ID_LEN);
	return 1;
}

size_t gmf_cache_get(const gmf_cache *c, size_t hint, unsigned root,
		  const char *prefix, const char *name, const gmf_file_id *id,
		  gmf_migration *m, gmf_arena *arena)
{
	gmf_file_id had;
	size_t entry = gmf_cache_find(c, hint, root, prefix, name, &had);
	if (!entry || !gmf_file_id_same(&had, id) || !gmf_cache_decode(c, entry, m, arena))
		return 0;
	return entry;
}

int gmf_cache_decode(const gmf_cache *c, size_t entry, gmf_migration *m, gmf_arena *arena)
{
	rd r;
	rec_head h;
	uint32_t flags, nrev;

	if (!c || !entry || entry > c->n)
		return 0;
	r = record(c, entry - 1);
	rd_head(&r, &h);
	if (r.bad)
		return 0;
	memset(m, 0, sizeof(*m));
	m->arena = arena;
	m->size = (size_t)h.id.size;
	flags = rd_u32(&r);
	m->bom = !!(flags & 1u);
	m->crlf = !!(flags & 2u);
	m->has_docstring = !!(flags & 4u);
	rd_span(&r, &m->docstring);
	m->message = rd_str_ref(&r);
	rd_value(&r, &m->revision, arena);
	rd_value(&r, &m->down_revision, arena);
	rd_value(&r, &m->branch_labels, arena);
	rd_value(&r, &m->depends_on, arena);
	rd_header(&r, &m->hdr_revision);
	rd_header(&r, &m->hdr_revises);
	rd_header(&r, &m->hdr_date);
	nrev = rd_u32(&r);
	if (!r.bad && nrev <= MAX_ITEMS && nrev <= (size_t)(r.end - r.p) / 5) {
		m->hdr_nrevises = nrev;
		m->hdr_revises_ids = nrev ? gmf_arena_alloc(arena, nrev * sizeof(char *)) : NULL;
		for (size_t i = 0; i < nrev; i++)
			if (!(m->hdr_revises_ids[i] = rd_str_ref(&r)))
				r.bad = 1;
	} else {
		r.bad = 1;
	}
	/* what a successful reading guarantees, the cache must too */
	if (r.bad || r.p != r.end || m->revision.kind != GMF_VAL_STRING ||
	    m->revision.nitems != 1 || m->down_revision.kind == GMF_VAL_OPAQUE) {
		memset(m, 0, sizeof(*m));
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- loading */

int gmf_cache_switched_off(void)
{
	const char *e = getenv("GIT_MIGRATE_FIX_CACHE");
	return e && (!strcmp(e, "0") || !strcmp(e, "false") || !strcmp(e, "no") ||
		     !strcmp(e, "off"));
}

static char *cache_dir(void)
{
	const char *e = getenv("GIT_MIGRATE_FIX_CACHE_DIR");
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (e && *e)
		return gmf_xstrdup(e);
	if ((e = getenv("XDG_CACHE_HOME")) && e[0] == '/')
		gmf_strbuf_addf(&sb, "%s/git-migrate-fix", e);
	else if ((e = getenv("HOME")) && e[0] == '/')
		gmf_strbuf_addf(&sb, "%s/.cache/git-migrate-fix", e);
	else
		return NULL;
	return gmf_strbuf_detach(&sb, NULL);
}

static void release_buf(gmf_cache *c)
{
	if (c->mapped)
		munmap(c->buf, c->maplen);
	else
		free(c->buf);
	c->mapped = 0;
	c->buf = NULL;
}

/* Reads the cache file into c->buf, c->len: -1 when there is none that
 * is safe to read. */
static int read_cache_file(gmf_cache *c)
{
	int fd = open(c->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return -1;
	/* the user's own regular file, which nobody else can write */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || (unsigned long long)st.st_size > MAX_CACHE_FILE) {
		close(fd);
		return -1;
	}
	/* mapped: its pages are the page cache's, not fresh memory; the file
	 * is only ever replaced by a rename, never rewritten in place */
	if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			c->buf = p;
			c->mapped = 1;
			got = (size_t)st.st_size;
		}
	}
	if (!c->buf) {
		c->buf = gmf_xmalloc((size_t)st.st_size + 1);
		while (got < (size_t)st.st_size) {
			ssize_t k = read(fd, c->buf + got, (size_t)st.st_size - got);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			got += (size_t)k;
		}
	}
	close(fd);
	c->len = got;
	c->maplen = c->mapped ? (size_t)st.st_size : (size_t)st.st_size + 1;
	c->fdev = (unsigned long long)st.st_dev;
	c->fino = (unsigned long long)st.st_ino;
	return 0;
}

/* Checks magic, format, byte order and key, and takes the content-hash
 * key; leaves r at the first segment. */
static int check_header(gmf_cache *c, rd *r)
{
	size_t keylen = strlen(c->key);

	if (c->len < sizeof(magic) || memcmp(c->buf, magic, sizeof(magic)))
		return -1;
	r->p += sizeof(magic);
	if (rd_u32(r) != GMF_CACHE_FORMAT || rd_u32(r) != BYTE_ORDER_MARK ||
	    rd_u32(r) != keylen || r->bad || (size_t)(r->end - r->p) < keylen ||
	    memcmp(r->p, c->key, keylen))
		return -1;
	r->p += keylen;
	c->hkey[0] = rd_u64(r);
	c->hkey[1] = rd_u64(r);
	if (rd_u64(r) != gmf_cache_checksum(c->hkey, sizeof(c->hkey)) || r->bad) {
		new_hash_key(c->hkey);
		return -1;
	}
	return 0;
}

static int same_name(const gmf_cache *c, uint32_t entry, unsigned root, const char *name)
{
	rd e = record(c, entry);
	rec_head h;
	rd_head(&e, &h);
	return !e.bad && h.root == root && !strcmp(h.name, name);
}

/*
 * Indexes the n records of one segment (r at its payload, len long):
 * where each starts, and the (root, name) hash, where a record replaces
 * an earlier one of the same name (dups: only possible after the first
 * segment).  -1 when a record does not parse.
 */
static int index_segment(gmf_cache *c, rd *r, uint32_t n, int dups)
{
	for (uint32_t k = 0; k < n; k++) {
		uint32_t len = rd_u32(r), i = (uint32_t)c->n;
		rd e;
		rec_head h;
		size_t s;
		if (r->bad || (size_t)(r->end - r->p) < len)
			return -1;
		c->off[i] = (uint32_t)(r->p - 4 - (const unsigned char *)c->buf);
		e.p = r->p;
		e.end = r->p + len;
		e.bad = 0;
		rd_head(&e, &h);
		if (e.bad)
			return -1;
		for (s = name_hash(h.root, "", h.name) & (c->nslots - 1); c->slots[s];
		     s = (s + 1) & (c->nslots - 1))
			if (dups && same_name(c, c->slots[s] - 1, h.root, h.name))
				break;
		if (c->slots[s])
			c->live[c->slots[s] - 1] = 0;
		else
			c->nlive++;
		c->slots[s] = i + 1;
		c->live[i] = 1;
		c->n++;
		r->p += len;
	}
	return r->p != r->end ? -1 : 0;
}

/* The sound segments from r on: each is checked whole (length and
 * checksum) before it is used; the first cut short or damaged and all
 * after it are ignored (c->damaged).  Returns where they end, with the
 * number of records in *total. */
static const unsigned char *sound_segments(gmf_cache *c, rd r, size_t *total)
{
	const unsigned char *p = r.p;

	*total = 0;
	while (p < r.end) {
		uint32_t n = rd_u32(&r), magic_ok = n == SEG_MAGIC;
		uint64_t plen, sum;
		n = rd_u32(&r);
		plen = rd_u64(&r);
		sum = rd_u64(&r);
		if (!magic_ok || r.bad || plen > (uint64_t)(r.end - r.p) || n > plen / 8 ||
		    sum != gmf_cache_checksum(r.p, (size_t)plen)) {
			c->damaged = 1;
			break;
		}
		r.p += plen;
		p = r.p;
		*total += n;
	}
	return p;
}

/* Indexes the records of the sound segments; -1 when one does not parse
 * (a bug, as the checksum held). */
static int index_records(gmf_cache *c, rd *r)
{
	size_t total;
	const unsigned char *end = sound_segments(c, *r, &total);

	c->len = (size_t)(end - (const unsigned char *)c->buf);
	if (!total)
		return -1;
	c->off = gmf_xmalloc(total * sizeof(uint32_t));
	c->live = gmf_xmalloc(total);
	c->nslots = 16;
	while (c->nslots < total + total / 2 + 2)
		c->nslots *= 2;
	c->slots = gmf_xcalloc(c->nslots, sizeof(uint32_t));
	while (r->p < end) {
		rd seg;
		uint32_t n;
		uint64_t plen;
		(void)rd_u32(r);
		n = rd_u32(r);
		plen = rd_u64(r);
		(void)rd_u64(r);
		seg.p = r->p;
		seg.end = r->p + plen;
		seg.bad = 0;
		if (c->n + n > total || index_segment(c, &seg, n, c->n != 0) < 0)
			return -1;
		r->p += plen;
	}
	return 0;
}

static void load(gmf_cache *c)
{
	rd r;

	if (read_cache_file(c) < 0)
		return;
	r.p = (const unsigned char *)c->buf;
	r.end = r.p + c->len;
	r.bad = 0;
	if (check_header(c, &r) == 0 && index_records(c, &r) == 0)
		return;
	/* unusable: as if there were none, and the next save replaces it */
	free(c->off);
	free(c->slots);
	free(c->live);
	release_buf(c);
	c->off = NULL;
	c->slots = NULL;
	c->live = NULL;
	c->nslots = 0;
	c->len = 0;
	c->n = 0;
	c->nlive = 0;
	c->damaged = 1;
}

gmf_cache *gmf_cache_open(const char *key)
{
	gmf_cache *c;
	char *dir;
	gmf_strbuf sb = GMF_STRBUF_INIT;

	if (gmf_cache_switched_off() || !(dir = cache_dir()))
		return NULL;
	c = gmf_xcalloc(1, sizeof(*c));
	c->dir = dir;
	c->key = gmf_xstrdup(key);
	c->started = time(NULL);
	new_hash_key(c->hkey); /* replaced by the file's when one loads */
	gmf_strbuf_addf(&sb, "%s/v%u-%016llx", dir, GMF_CACHE_FORMAT,
			(unsigned long long)fnv(FNV_SEED, key, strlen(key)));
	c->path = gmf_strbuf_detach(&sb, NULL);
	load(c);
	return c;
}

void gmf_cache_close(gmf_cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c->path);
	free(c->key);
	release_buf(c);
	free(c->off);
	free(c->slots);
	free(c->live);
	free(c);
}

size_t gmf_cache_count(const gmf_cache *c)
{
	return c ? c->n : 0;
}

size_t gmf_cache_live(const gmf_cache *c)
{
	return c ? c->nlive : 0;
}

void gmf_cache_drop_index(gmf_cache *c)
{
	if (!c)
		return;
	free(c->off);
	free(c->slots);
	free(c->live);
	c->off = c->slots = NULL;
	c->live = NULL;
	c->n = c->nlive = c->nslots = 0;
}

int gmf_cache_entry(const gmf_cache *c, size_t i, unsigned *root, const char **name,
		    gmf_file_id *id)
{
	rd r;
	rec_head h;
	if (!c || i >= c->n)
		return 0;
	r = record(c, i);
	rd_head(&r, &h);
	if (r.bad)
		return 0;
	*root = h.root;
	*name = h.name;
	*id = h.id;
	return 1;
}

const char *gmf_cache_path(const gmf_cache *c)
{
	return c ? c->path : NULL;
}

/* ---------------------------------------------------------------- saving */

static void put_u32(gmf_strbuf *sb, uint32_t v)
{
	gmf_strbuf_add(sb, &v, 4);
}

static void put_u64(gmf_strbuf *sb, uint64_t v)
{
	gmf_strbuf_add(sb, &v, 8);
}

static void put_str(gmf_strbuf *sb, const char *s)
{
	if (!s) {
		put_u32(sb, NULL_STR);
		return;
	}
	put_u32(sb, (uint32_t)strlen(s));
	gmf_strbuf_add(sb, s, strlen(s) + 1);
}

static void put_span(gmf_strbuf *sb, const gmf_span *s)
{
	put_u32(sb, (uint32_t)s->off);
	put_u32(sb, (uint32_t)s->len);
	put_u32(sb, s->line);
}

static void put_value(gmf_strbuf *sb, const gmf_value *v)
{
	put_u32(sb, (uint32_t)v->kind);
	put_u32(sb, v->line);
	put_u32(sb, (uint32_t)v->assignments);
	put_span(sb, &v->whole);
	put_u32(sb, (uint32_t)v->nitems);
	for (size_t i = 0; i < v->nitems; i++) {
		put_str(sb, v->items[i].text);
		put_span(sb, &v->items[i].span);
	}
}

static void put_header(gmf_strbuf *sb, const gmf_header_field *f)
{
	put_u32(sb, (uint32_t)f->present);
	put_span(sb, &f->value);
	put_str(sb, f->text);
}

static void put_record(gmf_strbuf *sb, const gmf_cache_file *f)
{
	const gmf_migration *m = f->mig;
	size_t at = sb->len;
	uint32_t len;
	put_u32(sb, 0);
	put_u32(sb, f->root);
	{
		gmf_strbuf name = GMF_STRBUF_INIT;
		gmf_strbuf_adds(&name, f->prefix);
		gmf_strbuf_adds(&name, f->name);
		put_str(sb, name.buf);
		gmf_strbuf_release(&name);
	}
	put_u64(sb, f->id->dev);
	put_u64(sb, f->id->ino);
	put_u64(sb, f->id->size);
	put_u64(sb, (uint64_t)f->id->mtime_s);
	put_u64(sb, (uint64_t)f->id->ctime_s);
	put_u32(sb, (uint32_t)f->id->mtime_ns);
	put_u32(sb, (uint32_t)f->id->ctime_ns);
	put_u64(sb, f->content);
	if (f->blob) {
		gmf_strbuf_add(sb, (const char *)f->blob, GMF_BLOB_ID_LEN);
	} else {
		static const char zero[GMF_BLOB_ID_LEN];
		gmf_strbuf_add(sb, zero, GMF_BLOB_ID_LEN);
	}
	put_u32(sb, (m->bom ? 1u : 0u) | (m->crlf ? 2u : 0u) | (m->has_docstring ? 4u : 0u));
	put_span(sb, &m->docstring);
	put_str(sb, m->message);
	put_value(sb, &m->revision);
	put_value(sb, &m->down_revision);
	put_value(sb, &m->branch_labels);
	put_value(sb, &m->depends_on);
	put_header(sb, &m->hdr_revision);
	put_header(sb, &m->hdr_revises);
	put_header(sb, &m->hdr_date);
	put_u32(sb, (uint32_t)m->hdr_nrevises);
	for (size_t i = 0; i < m->hdr_nrevises; i++)
		put_str(sb, m->hdr_revises_ids[i]);
	len = (uint32_t)(sb->len - at - 4);
	memcpy(sb->buf + at, &len, 4);
}

/* Changed within GMF_CACHE_RACY_SECONDS of the run (or in its future). */
static int racy(const gmf_cache *c, const gmf_file_id *id)
{
	long long limit = (long long)c->started - GMF_CACHE_RACY_SECONDS;
	return id->mtime_s >= limit || id->ctime_s >= limit;
}

static int cacheable(const gmf_cache *c, const gmf_cache_file *f)
{
	if (f->entry)
		return f->entry <= c->n;
	return f->id && f->mig && !racy(c, f->id) && f->mig->size == f->id->size &&
	       f->mig->revision.kind == GMF_VAL_STRING;
}

int gmf_cache_keeps(const gmf_cache *c, const gmf_file_id *id)
{
	return c && !racy(c, id);
}

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT) {
		char *parent = gmf_xstrdup(dir);
		char *slash = strrchr(parent, '/');
		int rc = -1;
		if (slash && slash != parent) {
			*slash = '\0';
			if (mkdir(parent, 0700) == 0 || errno == EEXIST)
				rc = mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
		}
		free(parent);
		return rc;
	}
	return -1;
}

/* The records of the cacheable files: unchanged ones as they were. */
static void put_payload(gmf_strbuf *body, const gmf_cache *c, const gmf_cache_file *files,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!cacheable(c, &files[i]))
			continue;
		if (files[i].entry) {
			/* unchanged: its record as it was */
			uint32_t len;
			size_t at = c->off[files[i].entry - 1];
			memcpy(&len, c->buf + at, 4);
			gmf_strbuf_add(body, c->buf + at, (size_t)len + 4);
		} else {
			put_record(body, &files[i]);
		}
	}
}

static int write_all(int fd, const gmf_strbuf *sb)
{
	size_t done = 0;

	while (done < sb->len) {
		ssize_t k = write(fd, sb->buf + done, sb->len - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	return 0;
}

/* The head of a segment holding the records of body (count of them). */
static void put_segment_head(gmf_strbuf *seg, const gmf_strbuf *body, size_t count)
{
	put_u32(seg, SEG_MAGIC);
	put_u32(seg, (uint32_t)count);
	put_u64(seg, body->len);
	put_u64(seg, gmf_cache_checksum(body->buf, body->len));
}

/*
 * Appends the records of the files read (fresh of them) to the file that
 * was loaded, as one segment: 1 done, 0 when that cannot be (the file was
 * replaced since, or is no longer safe to use), -1 when writing failed.
 */
static int append(gmf_cache *c, const gmf_cache_file *files, size_t n, size_t fresh)
{
	gmf_strbuf body = GMF_STRBUF_INIT, seg = GMF_STRBUF_INIT;
	struct stat st;
	int fd, rc = 0;

	fd = open(c->path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || (unsigned long long)st.st_dev != c->fdev ||
	    (unsigned long long)st.st_ino != c->fino || (size_t)st.st_size < c->len)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!files[i].entry && cacheable(c, &files[i]))
			put_record(&body, &files[i]);
	put_segment_head(&seg, &body, fresh);
	gmf_strbuf_add(&seg, body.buf, body.len);
	if ((unsigned long long)st.st_size + seg.len > MAX_CACHE_FILE)
		goto out;
	/* one write: a reader sees the whole segment, or one that fails its
	 * length or checksum and is ignored */
	rc = write_all(fd, &seg) == 0 ? 1 : -1;
out:
	if (close(fd) < 0 && rc == 1)
		rc = -1;
	gmf_strbuf_release(&body);
	gmf_strbuf_release(&seg);
	return rc;
}

int gmf_cache_needs_save(const gmf_cache *c, size_t hits, size_t kept)
{
	if (!c)
		return 0;
	if (kept)
		return 1;
	/* nothing to add: only to drop a damaged tail or many unused records */
	return hits && (c->damaged || c->n - hits > STALE_LIMIT(hits));
}

int gmf_cache_save(gmf_cache *c, const gmf_cache_file *files, size_t n, size_t hits)
{
	gmf_strbuf body = GMF_STRBUF_INIT, head = GMF_STRBUF_INIT, tmp = GMF_STRBUF_INIT;
	size_t count = 0, fresh = 0;
	int fd, ok, rc = -1;

	if (!c)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (cacheable(c, &files[i])) {
			count++;
			fresh += !files[i].entry;
		}
	if (count > UINT32_MAX / 2 || hits > c->n)
		return -1;
	/* a sound file whose unused records stay few: add the new ones at
	 * its end, or leave it as it is when there are none */
	if (c->n && !c->damaged && c->n - hits <= STALE_LIMIT(count)) {
		if (!fresh)
			return 0;
		if ((rc = append(c, files, n, fresh)) != 0)
			return rc;
	}
	if (!count && !c->n)
		return 0;
	put_payload(&body, c, files, n);
	gmf_strbuf_add(&head, magic, sizeof(magic));
	put_u32(&head, GMF_CACHE_FORMAT);
	put_u32(&head, BYTE_ORDER_MARK);
	put_u32(&head, (uint32_t)strlen(c->key));
	gmf_strbuf_adds(&head, c->key);
	put_u64(&head, c->hkey[0]);
	put_u64(&head, c->hkey[1]);
	put_u64(&head, gmf_cache_checksum(c->hkey, sizeof(c->hkey)));
	put_segment_head(&head, &body, count);

	rc = -1;
	if (mkdir_p(c->dir) < 0)
		goto out;
	gmf_strbuf_addf(&tmp, "%s.tmp.%ld", c->path, (long)getpid());
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto out;
	ok = write_all(fd, &head) == 0 && write_all(fd, &body) == 0;
	if (close(fd) < 0)
		ok = 0;
	if (!ok || rename(tmp.buf, c->path) < 0) {
		unlink(tmp.buf);
		goto out;
	}
	rc = 1;
out:
	gmf_strbuf_release(&body);
	gmf_strbuf_release(&head);
	gmf_strbuf_release(&tmp);
	return rc;
}
