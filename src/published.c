/* SPDX-License-Identifier: MIT */
/* published: see include/gmf/published.h. */
#include "gmf/published.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

void gmf_published_release(gmf_published *p)
{
	for (size_t i = 0; i < p->nrefs; i++)
		free(p->refs[i]);
	free(p->refs);
	free(p->mask);
	free(p->by);
	memset(p, 0, sizeof(*p));
}

int gmf_published_compute(gmf_published *out, gmf_repo *r, const gmf_script *s,
			  gmf_graph *g, const gmf_published_opts *o)
{
	static const gmf_published_opts none;
	size_t n = gmf_graph_count(g), ntips = 0;
	char **hex = NULL;
	unsigned char *on = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->mask = gmf_xcalloc(n + 1, 1);
	out->by = gmf_xcalloc(n + 1, sizeof(char *));
	if (!o)
		o = &none;
	rc = gmf_repo_published_tips(r, o->mainline, o->extra, o->nextra, o->skip, o->nskip,
				     &hex, &out->refs, &ntips, &out->mainline_found);
	if (rc < 0)
		goto out;
	out->nrefs = ntips;
	on = gmf_xcalloc(n + 1, 1);
	for (size_t t = 0; t < ntips && rc == 0; t++) {
		rc = gmf_repo_mark_ids_in_commit(r, hex[t], (const char *const *)s->dirs, s->ndirs,
						 s->recursive, g, on);
		for (size_t i = 0; i < n && rc == 0; i++)
			if (on[i] && !out->mask[i]) {
				out->mask[i] = 1;
				out->by[i] = out->refs[t];
			}
	}
out:
	for (size_t t = 0; t < ntips; t++)
		free(hex[t]);
	free(hex);
	free(on);
	if (rc < 0)
		gmf_published_release(out);
	return rc;
}

int gmf_published_side(unsigned char **out, gmf_repo *r, const char *commit_hex,
		       const gmf_script *s, gmf_graph *g)
{
	unsigned char *on = gmf_xcalloc(gmf_graph_count(g) + 1, 1);
	int rc = gmf_repo_mark_ids_in_commit(r, commit_hex, (const char *const *)s->dirs,
					     s->ndirs, s->recursive, g, on);
	if (rc < 0) {
		free(on);
		on = NULL;
	}
	*out = on;
	return rc;
}
