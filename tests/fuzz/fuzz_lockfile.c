/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the head lockfile as the merge driver sees it: two
 * sides, conflict markers, and the union it writes back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t half = size / 2, len;
	gmf_lockfile a, b, again;
	const char **ids;
	char *content;

	gmf_lockfile_parse(&a, (const char *)data, half);
	gmf_lockfile_parse(&b, (const char *)data + half, size - half);
	ids = calloc(a.n + b.n + 1, sizeof(char *));
	for (size_t i = 0; i < a.n; i++)
		ids[i] = a.ids[i];
	for (size_t i = 0; i < b.n; i++)
		ids[a.n + i] = b.ids[i];
	content = gmf_lockfile_render_ids(ids, a.n + b.n, &len);
	/* what the driver writes reads back as the same set of ids */
	gmf_lockfile_parse(&again, content, len);
	if (again.n > a.n + b.n)
		abort();
	gmf_lockfile_release(&again);
	free(content);
	free(ids);
	gmf_lockfile_release(&a);
	gmf_lockfile_release(&b);
	return 0;
}
