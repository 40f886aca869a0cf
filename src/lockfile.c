/* SPDX-License-Identifier: MIT */
/* lockfile: see include/gmf/lockfile.h. */
#include "gmf/lockfile.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"

char *gmf_lockfile_path(const gmf_script *s)
{
	return gmf_path_join(s->dirs[0], GMF_LOCKFILE_NAME);
}

static int is_marker(const char *line, size_t n)
{
	return n >= 7 && (!strncmp(line, "<<<<<<<", 7) || !strncmp(line, "=======", 7) ||
			  !strncmp(line, ">>>>>>>", 7) || !strncmp(line, "|||||||", 7));
}

void gmf_lockfile_parse(gmf_lockfile *out, const char *data, size_t len)
{
	size_t p = 0;
	unsigned line = 0;
	memset(out, 0, sizeof(*out));
	while (p < len) {
		const char *nl = memchr(data + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - data) : len, a = p, b = e;
		line++;
		while (a < b && (data[a] == ' ' || data[a] == '\t'))
			a++;
		while (b > a && (data[b - 1] == ' ' || data[b - 1] == '\t' || data[b - 1] == '\r'))
			b--;
		if (is_marker(data + a, b - a)) {
			if (!out->conflicted)
				out->marker_line = line;
			out->conflicted = 1;
		} else if (b > a && data[a] != '#') {
			out->ids = gmf_xrealloc(out->ids, (out->n + 1) * sizeof(char *));
			out->ids[out->n++] = gmf_xstrndup(data + a, b - a);
		}
		p = e + 1;
	}
}

int gmf_lockfile_read(gmf_lockfile *out, const gmf_script *s)
{
	char *path = gmf_lockfile_path(s), *data = NULL;
	size_t len = 0;
	int rc = gmf_fs_read(path, &data, &len);
	memset(out, 0, sizeof(*out));
	free(path);
	if (rc < 0)
		return rc;
	gmf_lockfile_parse(out, data, len);
	free(data);
	return 0;
}

void gmf_lockfile_release(gmf_lockfile *lf)
{
	for (size_t i = 0; i < lf->n; i++)
		free(lf->ids[i]);
	free(lf->ids);
	memset(lf, 0, sizeof(*lf));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *gmf_lockfile_render_ids(const char *const *in, size_t n, size_t *len)
{
	const char **ids = gmf_xcalloc(n + 1, sizeof(char *));
	gmf_strbuf sb = GMF_STRBUF_INIT;
	memcpy(ids, in, n * sizeof(char *));
	qsort(ids, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(ids[i], ids[i - 1]))
			gmf_strbuf_addf(&sb, "%s\n", ids[i]);
	free(ids);
	return gmf_strbuf_detach(&sb, len);
}

char *gmf_lockfile_render(const gmf_graph *g, size_t *len)
{
	size_t *heads, n = gmf_graph_heads(g, &heads);
	const char **ids = gmf_xcalloc(n + 1, sizeof(char *));
	gmf_strbuf sb = GMF_STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		ids[i] = gmf_graph_node(g, heads[i])->id;
	qsort(ids, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		gmf_strbuf_addf(&sb, "%s\n", ids[i]);
	free(ids);
	free(heads);
	return gmf_strbuf_detach(&sb, len);
}

int gmf_lockfile_matches(const gmf_lockfile *lf, const gmf_graph *g)
{
	size_t *heads, n = gmf_graph_heads(g, &heads);
	int ok = !lf->conflicted && lf->n == n;
	for (size_t i = 0; ok && i < n; i++) {
		size_t k;
		for (k = 0; k < lf->n; k++)
			if (!strcmp(lf->ids[k], gmf_graph_node(g, heads[i])->id))
				break;
		ok = k < lf->n;
	}
	free(heads);
	return ok;
}

void gmf_lockfile_check(const gmf_script *s, const gmf_graph *g, gmf_findings *out)
{
	gmf_lockfile lf;
	gmf_finding *f;
	char *path;
	int rc = gmf_lockfile_read(&lf, s);
	if (rc == GMF_ENOTFOUND)
		return; /* no lockfile: the project has not adopted one */
	path = gmf_lockfile_path(s);
	if (rc < 0) {
		f = gmf_findings_add(out, GMF_F_LOCKFILE,
				     "make the head lockfile a small text file naming the "
				     "heads (`git migrate-fix fix` writes it)",
				     "the head lockfile cannot be read: %s", gmf_error_last());
		gmf_finding_add_loc(f, path, 0);
		free(path);
		return;
	}
	if (lf.conflicted) {
		f = gmf_findings_add(out, GMF_F_LOCKFILE,
				     "run `git migrate-fix fix`: it repairs the migrations "
				     "and rewrites the lockfile",
				     "the head lockfile holds conflict markers: two branches "
				     "added migrations");
		gmf_finding_add_loc(f, path, lf.marker_line);
	} else if (!gmf_lockfile_matches(&lf, g)) {
		gmf_strbuf want = GMF_STRBUF_INIT;
		char *content = gmf_lockfile_render(g, NULL);
		for (char *c = content; *c; c++)
			gmf_strbuf_addch(&want, *c == '\n' ? ' ' : *c);
		while (want.len && want.buf[want.len - 1] == ' ')
			gmf_strbuf_setlen(&want, want.len - 1);
		f = gmf_findings_add(out, GMF_F_LOCKFILE,
				     "run `git migrate-fix fix` (it rewrites the lockfile), "
				     "or install the hooks so commits keep it current",
				     "the head lockfile names %s%s but the heads are %s",
				     lf.n ? lf.ids[0] : "nothing", lf.n > 1 ? " and more" : "",
				     want.len ? want.buf : "none");
		gmf_finding_add_loc(f, path, 1);
		gmf_strbuf_release(&want);
		free(content);
	}
	free(path);
	gmf_lockfile_release(&lf);
}
