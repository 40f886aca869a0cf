/* SPDX-License-Identifier: MIT */
/* libFuzzer target: rendering script.py.mako, and file_template names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gmf/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const downs[] = { "a1b2c3d4e5f6", "037_add_widgets" };
	gmf_template_vars v = { "merge heads", "0123456789ab", downs, 2,
				"2026-03-09 10:15:02.118832" };
	gmf_strbuf out = GMF_STRBUF_INIT;
	unsigned bad = 0;
	char *tpl = malloc(size + 1);
	struct tm tm;
	time_t t = 0;

	memcpy(tpl, data, size);
	tpl[size] = '\0';
	(void)gmf_template_render(&out, tpl, size, &v, &bad);
	gmf_strbuf_reset(&out);
	gmtime_r(&t, &tm);
	(void)gmf_template_filename(&out, tpl, "0123456789ab", "merge_heads", &tm, 0);
	{
		char *slug = gmf_template_slug(tpl, 40);
		free(slug);
	}
	gmf_strbuf_release(&out);
	free(tpl);
	return 0;
}
