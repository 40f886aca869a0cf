/* SPDX-License-Identifier: MIT */
/* driver: see include/gmf/driver.h. */
#include "gmf/driver.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lockfile.h"
#include "gmf/pending.h"
#include "gmf/repo.h"
#include "gmf/strbuf.h"

static int has_markers(const char *s, size_t len)
{
	gmf_lockfile lf;
	int c;
	gmf_lockfile_parse(&lf, s, len);
	c = lf.conflicted;
	gmf_lockfile_release(&lf);
	return c;
}

/* A conflict git shows like its own: exit 1 keeps %A as written.  The
 * labels are git's (%X, %Y) where it passes them. */
static int conflict(const gmf_driver_in *in, const char *a_path, const char *a, size_t alen,
		    const char *b, size_t blen, int marker)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (marker < 7 || marker > 64)
		marker = 7;
	for (int i = 0; i < marker; i++)
		gmf_strbuf_addch(&sb, '<');
	gmf_strbuf_addf(&sb, " %s\n", in->label_ours ? in->label_ours : "ours");
	gmf_strbuf_add(&sb, a, alen);
	if (alen && a[alen - 1] != '\n')
		gmf_strbuf_addch(&sb, '\n');
	for (int i = 0; i < marker; i++)
		gmf_strbuf_addch(&sb, '=');
	gmf_strbuf_addch(&sb, '\n');
	gmf_strbuf_add(&sb, b, blen);
	if (blen && b[blen - 1] != '\n')
		gmf_strbuf_addch(&sb, '\n');
	for (int i = 0; i < marker; i++)
		gmf_strbuf_addch(&sb, '>');
	gmf_strbuf_addf(&sb, " %s\n", in->label_theirs ? in->label_theirs : "theirs");
	(void)gmf_fs_write_atomic_unsynced(a_path, sb.buf, sb.len, 0);
	gmf_strbuf_release(&sb);
	return 1;
}

static int names(const gmf_lockfile *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->ids[i], id))
			return 1;
	return 0;
}

/* Both sides' heads, merged as sets against the base: a head the base
 * named and one side no longer names was built upon there, so it is no
 * head of the merge (base a, ours a b, theirs c: b and c).  The hook
 * that runs after the merge repairs the chain and rewrites the lockfile
 * with the one head. */
static int write_union(const char *a_path, const char *o, size_t olen, const char *a,
		       size_t alen, const char *b, size_t blen)
{
	gmf_lockfile lo, la, lb;
	const char **ids;
	char *content;
	size_t len, n = 0;
	int rc;
	gmf_lockfile_parse(&lo, o ? o : "", o ? olen : 0);
	gmf_lockfile_parse(&la, a, alen);
	gmf_lockfile_parse(&lb, b, blen);
	ids = gmf_xcalloc(la.n + lb.n + 1, sizeof(char *));
	for (size_t i = 0; i < la.n; i++)
		if (!names(&lo, la.ids[i]) || names(&lb, la.ids[i]))
			ids[n++] = la.ids[i];
	for (size_t i = 0; i < lb.n; i++)
		if (!names(&lo, lb.ids[i]) || names(&la, lb.ids[i]))
			ids[n++] = lb.ids[i];
	content = gmf_lockfile_render_ids(ids, n, &len);
	rc = gmf_fs_write_atomic_unsynced(a_path, content, len, 0);
	free(content);
	free(ids);
	gmf_lockfile_release(&lo);
	gmf_lockfile_release(&la);
	gmf_lockfile_release(&lb);
	return rc;
}

static void say(char **why, const char *s)
{
	if (why && !*why)
		*why = gmf_xstrdup(s);
}

int gmf_driver_run(const gmf_driver_in *in, char **why)
{
	char *a = NULL, *b = NULL, *o = NULL;
	size_t alen = 0, blen = 0, olen = 0;
	gmf_repo *r = NULL;
	int rc;

	if (why)
		*why = NULL;
	if (gmf_fs_read(in->ours, &a, &alen) < 0 || gmf_fs_read(in->theirs, &b, &blen) < 0) {
		say(why, gmf_error_last());
		free(a);
		free(b);
		return 1; /* git keeps %A as it is: its own conflict */
	}
	if (in->switched_off) {
		say(why, "switched off by GIT_MIGRATE_FIX_DRIVER");
		rc = conflict(in, in->ours, a, alen, b, blen, in->marker_size);
	} else if (has_markers(a, alen) || has_markers(b, blen)) {
		say(why, "a side already holds conflict markers");
		rc = conflict(in, in->ours, a, alen, b, blen, in->marker_size);
	} else if (!in->cwd || gmf_repo_open(&r, in->cwd) < 0) {
		say(why, "not inside a git repository");
		rc = conflict(in, in->ours, a, alen, b, blen, in->marker_size);
	} else if (!gmf_pending_hooks_ready(r)) {
		say(why, gmf_pending_in_am(r)
			 ? "`git am` needs the post-applypatch hook to finish the repair "
			   "(run `git migrate-fix install`); or resolve it, `git am "
			   "--continue`, then run `git migrate-fix fix`"
			 : "the hooks that finish the repair are not installed "
			   "(run `git migrate-fix install`)");
		rc = conflict(in, in->ours, a, alen, b, blen, in->marker_size);
	} else {
		/* the base, when it can be read and is no merge of its own (a
		 * virtual ancestor with markers): else the plain union */
		if (in->base && gmf_fs_read(in->base, &o, &olen) < 0) {
			free(o);
			o = NULL;
			gmf_error_clear();
		}
		if (o && has_markers(o, olen)) {
			free(o);
			o = NULL;
		}
		if (write_union(in->ours, o, olen, a, alen, b, blen) < 0 ||
		    gmf_pending_record(r) < 0) {
			say(why, gmf_error_last());
			rc = conflict(in, in->ours, a, alen, b, blen, in->marker_size);
		} else {
			rc = 0;
		}
	}
	gmf_repo_free(r);
	free(a);
	free(b);
	free(o);
	return rc;
}
