/* SPDX-License-Identifier: MIT */
/* libFuzzer target: pyproject.toml parsing and the [tool.alembic] lookups. */
#include <stdint.h>
#include <stdlib.h>

#include "gmf/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "tool", "tool.alembic",
					    "tool.alembic.script_location",
					    "tool.alembic.version_locations",
					    "tool.alembic.file_template", "a", "a.b", NULL };
	gmf_toml *t = NULL;
	unsigned bad = 0;
	if (gmf_toml_parse(&t, (const char *)data, size, &bad) == 0) {
		for (int k = 0; keys[k]; k++) {
			const gmf_toml_value *v = gmf_toml_get(t, keys[k]);
			for (size_t i = 0; v && i < v->nitems; i++)
				(void)v->items[i].type;
		}
	}
	gmf_toml_free(t);
	return 0;
}
