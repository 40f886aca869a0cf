/* SPDX-License-Identifier: MIT */
/* mergemig: see include/gmf/mergemig.h. */
#include "gmf/mergemig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/path.h"
#include "gmf/reader.h"
#include "gmf/strbuf.h"
#include "gmf/template.h"
#include "gmf/workspace.h"

static char *random_rev(void)
{
	unsigned char b[6];
	char *out = gmf_xcalloc(13, 1);
	int fd = open("/dev/urandom", O_RDONLY);
	size_t got = 0;
	if (fd >= 0) {
		ssize_t n = read(fd, b, sizeof(b));
		got = n > 0 ? (size_t)n : 0;
		close(fd);
	}
	if (got < sizeof(b)) {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		unsigned long long x = ((unsigned long long)tv.tv_sec << 20) ^
				       (unsigned long long)tv.tv_usec ^
				       ((unsigned long long)getpid() << 40);
		for (size_t i = 0; i < sizeof(b); i++, x >>= 8)
			b[i] = (unsigned char)x;
	}
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return out;
}

static char *dir_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? gmf_xstrndup(p, (size_t)(s - p)) : gmf_xstrdup(".");
}

/* The next free sequence number of a sequenced graph, its width, and
 * whether most numbered files also carry their revision id in the name
 * (086_<rev>_slug.py rather than 037_slug.py). */
static void next_sequence(gmf_graph *g, long *next, int *width, int *with_rev)
{
	long max = -1;
	int contains_rev = 0, numbered = 0;

	*width = 3;
	for (size_t i = 0; i < gmf_graph_count(g); i++) {
		gmf_node *nd = gmf_graph_node(g, i);
		if (nd->seq < 0)
			continue;
		numbered++;
		if (nd->seq > max) {
			max = nd->seq;
			*width = nd->seq_width;
		}
		if (strcmp(nd->id, nd->mig.stem) && strstr(nd->mig.stem, nd->id))
			contains_rev++;
	}
	*next = max + 1;
	*with_rev = contains_rev * 2 > numbered;
}

/* The revision id (*rev, caller frees) and file stem (name) the project's
 * way: the sequence convention when g follows one, else file_template. */
static int choose_name(gmf_strbuf *name, char **rev, gmf_graph *g, const gmf_script *sc,
		       const char *rev_id, const char *slug, const struct tm *tm, time_t now)
{
	long next;
	int width, with_rev;

	if (!gmf_graph_is_sequenced(g)) {
		*rev = rev_id ? gmf_xstrdup(rev_id) : random_rev();
		return gmf_template_filename(name, sc->file_template ? sc->file_template
								     : "%(rev)s_%(slug)s",
					     *rev, slug, tm, (long long)now);
	}
	next_sequence(g, &next, &width, &with_rev);
	if (rev_id)
		*rev = gmf_xstrdup(rev_id);
	if (gmf_graph_naming(g) == GMF_NAMING_STEM) {
		gmf_strbuf_addf(name, "%0*ld_%s", width, next, slug);
		if (!*rev)
			*rev = gmf_xstrdup(name->buf);
		else {
			gmf_strbuf_reset(name);
			gmf_strbuf_adds(name, *rev);
		}
	} else {
		if (!*rev)
			*rev = random_rev();
		if (with_rev)
			gmf_strbuf_addf(name, "%0*ld_%s_%s", width, next, *rev, slug);
		else
			gmf_strbuf_addf(name, "%0*ld_%s", width, next, slug);
	}
	return 0;
}

/* Refuses an unsafe or taken revision id and a file name that would leave
 * the directory. */
static int check_name(gmf_graph *g, const char *rev, const gmf_strbuf *name)
{
	if (!gmf_revision_id_is_safe(rev))
		return gmf_error_set(GMF_EREFUSED, "'%s' is not a safe revision id (letters, "
				     "digits and underscores)", rev);
	if (gmf_graph_find(g, rev) != (size_t)-1)
		return gmf_error_set(GMF_EREFUSED, "revision '%s' already exists", rev);
	if (strchr(name->buf, '/') || strstr(name->buf, "..") || !name->len)
		return gmf_error_set(GMF_EREFUSED, "refusing the file name '%s'", name->buf);
	return 0;
}

/* The project's template, else the built-in generic one. */
static void render(gmf_strbuf *body, char **warning, const gmf_script *sc,
		   const gmf_template_vars *vars)
{
	char *tpl = NULL, *tpl_path;
	size_t tpl_len = 0;
	unsigned bad = 0;

	if (sc->script_dir)
		tpl_path = gmf_path_join(sc->script_dir, "script.py.mako");
	else {
		char *parent = dir_of(sc->dirs[0]);
		tpl_path = gmf_path_join(parent, "script.py.mako");
		free(parent);
	}
	if (gmf_fs_read(tpl_path, &tpl, &tpl_len) == 0) {
		if (gmf_template_render(body, tpl, tpl_len, vars, &bad) < 0) {
			gmf_strbuf w = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&w, "%s:%u: %s; using the built-in generic template",
					tpl_path, bad, gmf_error_last());
			*warning = gmf_strbuf_detach(&w, NULL);
			gmf_strbuf_reset(body);
			free(tpl);
			tpl = NULL;
		}
	}
	if (!tpl)
		gmf_template_render(body, gmf_template_generic, strlen(gmf_template_generic),
				    vars, &bad);
	free(tpl);
	free(tpl_path);
}

/* What we wrote must read back as the migration we meant. */
static int verify(const char *name, const gmf_strbuf *body, const char *rev, size_t nheads)
{
	gmf_migration m;
	gmf_diag diag;
	int ok = gmf_migration_parse(&m, name, body->buf, body->len, &diag) == 0 &&
		 m.revision.nitems == 1 && !strcmp(m.revision.items[0].text, rev) &&
		 m.down_revision.nitems == nheads;

	gmf_migration_release(&m);
	if (!ok)
		return gmf_error_set(GMF_EPARSE, "the rendered template does not declare "
				     "revision %s with %zu parents; check script.py.mako",
				     rev, nheads);
	return 0;
}

int gmf_mergemig_build(gmf_journal_op *op, char **rev_out, char **warning, const gmf_script *sc,
		       gmf_graph *g, const size_t *heads, size_t nheads,
		       const gmf_mergemig_opts *o)
{
	const char *message = o->message ? o->message : "merge heads";
	gmf_strbuf name = GMF_STRBUF_INIT, body = GMF_STRBUF_INIT, date = GMF_STRBUF_INIT;
	const char **downs = gmf_xcalloc(nheads + 1, sizeof(char *));
	char *slug, *rev = NULL, *dir;
	struct timeval tv;
	struct tm tm;
	time_t now;
	gmf_template_vars vars;
	int rc;

	for (size_t i = 0; i < nheads; i++)
		downs[i] = gmf_graph_node(g, heads[i])->id;
	slug = gmf_template_slug(message, sc->truncate_slug_length);
	gettimeofday(&tv, NULL);
	now = tv.tv_sec;
	localtime_r(&now, &tm);
	gmf_strbuf_addf(&date, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			(long)tv.tv_usec);

	if ((rc = choose_name(&name, &rev, g, sc, o->rev_id, slug, &tm, now)) < 0 ||
	    (rc = check_name(g, rev, &name)) < 0)
		goto out;
	gmf_strbuf_adds(&name, ".py");
	memset(&vars, 0, sizeof(vars));
	vars.message = message;
	vars.up_revision = rev;
	vars.down_revision = downs;
	vars.ndown = nheads;
	vars.create_date = date.buf;
	render(&body, warning, sc, &vars);
	if ((rc = verify(name.buf, &body, rev, nheads)) < 0)
		goto out;
	dir = dir_of(gmf_graph_node(g, heads[0])->mig.path);
	memset(op, 0, sizeof(*op));
	op->new_path = gmf_path_join(dir, name.buf);
	free(dir);
	op->content = gmf_strbuf_detach(&body, &op->len);
	op->tracked = o->tracked;
	*rev_out = rev;
	rev = NULL;
out:
	free(rev);
	free(slug);
	free(downs);
	gmf_strbuf_release(&name);
	gmf_strbuf_release(&body);
	gmf_strbuf_release(&date);
	return rc;
}

size_t gmf_mergemig_heads_after(const char ***out, gmf_graph *g, const size_t *heads,
				size_t nheads, const char *rev)
{
	size_t *all, nh = gmf_graph_heads(g, &all), na = 0;
	const char **after = gmf_xcalloc(nh + 2, sizeof(char *));
	for (size_t k = 0; k < nh; k++) {
		size_t q;
		for (q = 0; q < nheads; q++)
			if (heads[q] == all[k])
				break;
		if (q == nheads)
			after[na++] = gmf_graph_node(g, all[k])->id;
	}
	after[na++] = rev;
	free(all);
	*out = after;
	return na;
}

void gmf_mergemig_result_release(gmf_mergemig_result *r)
{
	for (size_t s = 0; s < r->nscripts; s++) {
		free(r->revs[s]);
		free(r->paths[s]);
		free(r->contents[s]);
		for (size_t k = 0; k < r->nmerged[s]; k++)
			free(r->merged[s][k]);
		free(r->merged[s]);
	}
	free(r->revs);
	free(r->paths);
	free(r->contents);
	free(r->lens);
	free(r->merged);
	free(r->nmerged);
	free(r->warning);
	free(r->notes);
	memset(r, 0, sizeof(*r));
}

static int incurable(const gmf_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const gmf_finding *x = &f->items[i];
		if (gmf_finding_blocks_repair(x))
			return gmf_error_set(GMF_EREFUSED, "%s:%u: %s: %s",
					     x->nlocs ? x->locs[0].path : "-",
					     x->nlocs ? x->locs[0].line : 0,
					     gmf_finding_code_name(x->code), x->message);
	}
	return 0;
}

/* The heads script s's merge joins: those named, else every head of the
 * first branch with several. */
static int select_heads(size_t *sel, size_t *nsel, gmf_graph *g, const gmf_findings *f,
			const char *const *want, size_t nwant, size_t nscripts)
{
	*nsel = 0;
	if (nwant) {
		for (size_t w = 0; w < nwant; w++) {
			size_t k = gmf_graph_find(g, want[w]);
			if (k != (size_t)-1)
				sel[(*nsel)++] = k;
			else if (nscripts == 1)
				return gmf_error_set(GMF_EREFUSED, "no revision '%s'", want[w]);
		}
		if (*nsel == 1)
			return gmf_error_set(GMF_EREFUSED, "a merge needs at least two revisions");
		return 0;
	}
	for (size_t i = 0; i < f->n && !*nsel; i++)
		if (f->items[i].code == GMF_F_MULTIPLE_HEADS)
			for (size_t r = 0; r < f->items[i].nrevisions; r++)
				sel[(*nsel)++] = gmf_graph_find(g, f->items[i].revisions[r]);
	return 0;
}

/* Takes the write lock and recovers an interrupted change; the notes of
 * both go to out->notes. */
static int lock_and_recover(gmf_mergemig_result *out, gmf_workspace *ws)
{
	char *note = NULL;
	int rc = gmf_workspace_lock(ws, &note);

	out->notes = note ? note : ws->lock_note ? gmf_xstrdup(ws->lock_note) : NULL;
	if (rc == 0 && (rc = gmf_workspace_recover(ws, &note, NULL)) == 0 && note) {
		free(out->notes);
		out->notes = note;
	}
	return rc;
}

/* Records the merge migration op of script s, joining heads sel[], in out
 * and queues it (with the head lockfile unless dry_run) in ops. */
static void record_merge(gmf_mergemig_result *out, gmf_workspace *ws, size_t s,
			 const gmf_journal_op *op, const size_t *sel, size_t nsel, int dry_run,
			 gmf_journal_op **ops, size_t *nops, gmf_strbuf *desc)
{
	gmf_graph *g = ws->graphs[s];
	const char **after;
	size_t na;

	gmf_workspace_op_push(ops, nops, NULL, op->new_path, op->content, op->len, op->tracked);
	out->paths[s] = op->new_path;
	out->contents[s] = op->content;
	out->lens[s] = op->len;
	out->merged[s] = gmf_xcalloc(nsel + 1, sizeof(char *));
	for (size_t k = 0; k < nsel; k++)
		out->merged[s][k] = gmf_xstrdup(gmf_graph_node(g, sel[k])->id);
	out->nmerged[s] = nsel;
	out->nwritten++;
	gmf_strbuf_addf(desc, "%swrote merge migration %s", desc->len ? "; " : "", out->revs[s]);
	na = gmf_mergemig_heads_after(&after, g, sel, nsel, out->revs[s]);
	if (!dry_run)
		gmf_workspace_lockfile_op(ws, s, after, na, ops, nops);
	free(after);
}

/* The merge migration of script s, when its graph has heads to join. */
static int merge_script(gmf_mergemig_result *out, gmf_workspace *ws, size_t s,
			const gmf_mergemig_opts *mo, const char *const *want, size_t nwant,
			int dry_run, gmf_journal_op **ops, size_t *nops, gmf_strbuf *desc)
{
	gmf_graph *g = ws->graphs[s];
	gmf_findings f;
	size_t *sel = gmf_xcalloc(gmf_graph_count(g) + 1, sizeof(size_t)), nsel = 0;
	int rc;

	gmf_findings_init(&f);
	gmf_graph_check(g, ws->naming, ws->project.scripts[s].file_template, &f);
	if ((rc = incurable(&f)) == 0)
		rc = select_heads(sel, &nsel, g, &f, want, nwant, ws->project.nscripts);
	if (rc == 0 && nsel >= 2) {
		gmf_journal_op op;
		char *warning = NULL;
		rc = gmf_mergemig_build(&op, &out->revs[s], &warning, &ws->project.scripts[s],
					g, sel, nsel, mo);
		if (warning) {
			free(out->warning);
			out->warning = warning;
		}
		if (rc == 0)
			record_merge(out, ws, s, &op, sel, nsel, dry_run, ops, nops, desc);
	}
	free(sel);
	gmf_findings_release(&f);
	return rc;
}

int gmf_mergemig_run(gmf_mergemig_result *out, gmf_workspace *ws, const gmf_mergemig_opts *o,
		     const char *const *want, size_t nwant, int dry_run)
{
	gmf_journal_op *ops = NULL;
	size_t nops = 0;
	gmf_strbuf desc = GMF_STRBUF_INIT;
	gmf_mergemig_opts mo = *o;
	gmf_journal t;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if (!dry_run && (rc = lock_and_recover(out, ws)) < 0)
		return rc;
	out->nscripts = ws->project.nscripts;
	out->revs = gmf_xcalloc(out->nscripts + 1, sizeof(char *));
	out->paths = gmf_xcalloc(out->nscripts + 1, sizeof(char *));
	out->contents = gmf_xcalloc(out->nscripts + 1, sizeof(char *));
	out->lens = gmf_xcalloc(out->nscripts + 1, sizeof(size_t));
	out->merged = gmf_xcalloc(out->nscripts + 1, sizeof(char **));
	out->nmerged = gmf_xcalloc(out->nscripts + 1, sizeof(size_t));
	mo.tracked = ws->repo != NULL;
	for (size_t s = 0; s < ws->project.nscripts && rc == 0; s++)
		rc = merge_script(out, ws, s, &mo, want, nwant, dry_run, &ops, &nops, &desc);
	if (rc < 0 || !nops || dry_run)
		goto out;
	gmf_workspace_journal(ws, &t);
	rc = gmf_journal_apply(&t, ops, nops, "merge", desc.buf);
	if (rc == GMF_JOURNAL_UNDO_UNSAVED) {
		free(out->warning);
		out->warning = gmf_xstrdup(gmf_error_last());
		rc = 0;
	}
out:
	gmf_workspace_journal_release(&t);
	gmf_journal_ops_free(ops, nops);
	gmf_strbuf_release(&desc);
	return rc;
}
