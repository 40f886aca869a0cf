/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the migration reader on arbitrary bytes.  Whatever it
 * accepts must have spans inside the input that hold exactly the ids. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void spans_hold(const gmf_migration *m, const gmf_value *v, size_t size)
{
	for (size_t i = 0; i < v->nitems; i++) {
		const gmf_span *s = &v->items[i].span;
		if (s->off + s->len > size || strlen(v->items[i].text) != s->len ||
		    memcmp(m->data + s->off, v->items[i].text, s->len))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gmf_migration m;
	gmf_diag d;
	if (gmf_migration_parse(&m, "versions/fuzz.py", (const char *)data, size, &d) == 0) {
		spans_hold(&m, &m.revision, size);
		spans_hold(&m, &m.down_revision, size);
		spans_hold(&m, &m.branch_labels, size);
		spans_hold(&m, &m.depends_on, size);
		if (m.hdr_revision.present &&
		    m.hdr_revision.value.off + m.hdr_revision.value.len > size)
			abort();
	}
	gmf_migration_release(&m);
	return 0;
}
