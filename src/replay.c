/* SPDX-License-Identifier: MIT */
/* replay: see include/gmf/replay.h. */
#include "gmf/replay.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

typedef struct {
	gmf_tree_file *v;
	size_t n;
} file_set;

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const gmf_tree_file *)a)->path, ((const gmf_tree_file *)b)->path);
}

static void set_free(file_set *f)
{
	gmf_tree_files_free(f->v, f->n);
	memset(f, 0, sizeof(*f));
}

/* Every directory of s in commit, sorted by path. */
static int read_set(file_set *out, gmf_repo *r, const gmf_script *s, const char *commit)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	for (size_t d = 0; d < s->ndirs && rc == 0; d++) {
		gmf_tree_file *v = NULL;
		size_t n = 0;
		if ((rc = gmf_repo_tree_files(r, commit, s->dirs[d], s->recursive, &v, &n)) < 0)
			break;
		out->v = gmf_xrealloc(out->v, (out->n + n + 1) * sizeof(*v));
		if (n)
			memcpy(out->v + out->n, v, n * sizeof(*v));
		out->n += n;
		free(v);
	}
	if (rc < 0)
		set_free(out);
	else if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_path);
	return rc;
}

static const gmf_tree_file *find(const file_set *f, const char *path)
{
	gmf_tree_file key;
	key.path = (char *)path;
	return f->n ? bsearch(&key, f->v, f->n, sizeof(key), cmp_path) : NULL;
}

/* Both absent, or the same blob. */
static int same(const gmf_tree_file *a, const gmf_tree_file *b)
{
	return (!a && !b) || (a && b && !strcmp(a->oid, b->oid));
}

static void take(gmf_file_bytes **v, size_t *n, const gmf_tree_file *f)
{
	if (!f)
		return;
	*v = gmf_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].path = f->path;
	(*v)[*n].data = f->data;
	(*v)[(*n)++].len = f->len;
}

/* One path of the three trees: what the rebase leaves there. */
static int merge_path(gmf_file_bytes **v, size_t *n, const char *path, const file_set *o,
		      const file_set *b, const file_set *t)
{
	const gmf_tree_file *fo = find(o, path), *fb = find(b, path), *ft = find(t, path);
	if (same(fb, ft))
		take(v, n, fo);       /* the branch left it alone */
	else if (same(fo, fb) || same(fo, ft))
		take(v, n, ft);       /* only the branch changed it */
	else
		return gmf_error_set(GMF_ECONFLICT, "%s changed on both sides of the rebase",
				     path);
	return 0;
}

int gmf_replay_graph(gmf_graph **out, gmf_repo *r, const gmf_script *s, const char *onto,
		     const char *base_hex, const char *orig)
{
	file_set o, b, t;
	gmf_file_bytes *v = NULL;
	size_t n = 0;
	char *base = base_hex ? gmf_xstrdup(base_hex) : gmf_repo_merge_base(r, onto, orig);
	int rc;

	*out = NULL;
	memset(&o, 0, sizeof(o));
	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	if (!base)
		return gmf_error_set(GMF_ENOTFOUND, "the rebase's branch and base have no "
				     "common commit");
	rc = read_set(&o, r, s, onto);
	rc = rc ? rc : read_set(&b, r, s, base);
	rc = rc ? rc : read_set(&t, r, s, orig);
	for (size_t i = 0; i < o.n && rc == 0; i++)
		rc = merge_path(&v, &n, o.v[i].path, &o, &b, &t);
	for (size_t i = 0; i < b.n && rc == 0; i++)
		if (!find(&o, b.v[i].path))
			rc = merge_path(&v, &n, b.v[i].path, &o, &b, &t);
	for (size_t i = 0; i < t.n && rc == 0; i++)
		if (!find(&o, t.v[i].path) && !find(&b, t.v[i].path))
			rc = merge_path(&v, &n, t.v[i].path, &o, &b, &t);
	if (rc == 0)
		rc = gmf_script_load_files(out, s, v, n);
	free(v);
	set_free(&o);
	set_free(&b);
	set_free(&t);
	free(base);
	return rc;
}
