/* SPDX-License-Identifier: MIT */
/* libFuzzer target: alembic.ini parsing and interpolation. */
#include <stdint.h>
#include <stdlib.h>

#include "gmf/ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "script_location", "version_locations",
					    "file_template", "path_separator",
					    "version_path_separator", "here", NULL };
	gmf_ini *ini = NULL;
	unsigned bad = 0;
	if (gmf_ini_parse(&ini, (const char *)data, size, "/repo", &bad) == 0) {
		for (size_t s = 0; s < gmf_ini_section_count(ini); s++)
			for (int k = 0; keys[k]; k++)
				(void)gmf_ini_get(ini, gmf_ini_section_name(ini, s), keys[k]);
	}
	gmf_ini_free(ini);
	return 0;
}
