/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: loading the parse cache and decoding its entries.
 * The input is the payload (the records); the harness wraps it in a
 * header with the right magic, key and content-hash key, and one segment head with the right
 * length and checksum, as a damaged or forged cache file that passes
 * those checks would look.  The entry count is the input's first byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmf/arena.h"
#include "gmf/cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] = "fuzz\n";
	gmf_cache *c;
	FILE *f;
	uint32_t u;
	uint64_t q;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/gmf-fuzz-cache.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		setenv("GIT_MIGRATE_FIX_CACHE_DIR", dir, 1);
		unsetenv("GIT_MIGRATE_FIX_CACHE");
	}
	if (size < 1)
		return 0;
	c = gmf_cache_open(key); /* only for its path */
	if (!c)
		abort();
	f = fopen(gmf_cache_path(c), "wb");
	gmf_cache_close(c);
	if (!f)
		abort();
	fwrite("GMFCACHE", 1, 8, f);
	u = GMF_CACHE_FORMAT;
	fwrite(&u, 4, 1, f);
	u = 0x01020304u;
	fwrite(&u, 4, 1, f);
	u = (uint32_t)strlen(key);
	fwrite(&u, 4, 1, f);
	fwrite(key, 1, strlen(key), f);
	{
		/* the content-hash key and its checksum */
		uint64_t hk[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
		fwrite(hk, 8, 2, f);
		q = gmf_cache_checksum(hk, sizeof(hk));
		fwrite(&q, 8, 1, f);
	}
	u = 0x47534547u; /* a segment (cache.c's SEG_MAGIC) */
	fwrite(&u, 4, 1, f);
	u = data[0];
	fwrite(&u, 4, 1, f);
	q = size - 1;
	fwrite(&q, 8, 1, f);
	q = gmf_cache_checksum(data + 1, size - 1);
	fwrite(&q, 8, 1, f);
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);

	c = gmf_cache_open(key);
	if (c) {
		gmf_arena *a = gmf_arena_new(0);
		for (size_t i = 0; i < gmf_cache_count(c); i++) {
			unsigned root;
			const char *name;
			gmf_file_id id;
			gmf_migration m;
			if (gmf_cache_entry(c, i, &root, &name, &id) &&
			    gmf_cache_get(c, i, root, "", name, &id, &m, a)) {
				/* what a hit promises */
				if (m.revision.nitems != 1 || !m.revision.items[0].text)
					abort();
				for (size_t k = 0; k < m.down_revision.nitems; k++)
					if (!m.down_revision.items[k].text)
						abort();
			}
		}
		gmf_arena_free(a);
		gmf_cache_close(c);
	}
	return 0;
}
