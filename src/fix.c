/* SPDX-License-Identifier: MIT */
/* fix: see include/gmf/fix.h. */
#include "gmf/fix.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/lockfile.h"
#include "gmf/mergemig.h"
#include "gmf/path.h"
#include "gmf/published.h"
#include "gmf/replay.h"
#include "gmf/strbuf.h"

void gmf_fix_result_release(gmf_fix_result *r)
{
	for (size_t s = 0; s < r->nscripts; s++) {
		gmf_decision_release(&r->scripts[s].decision);
		free(r->scripts[s].merge_rev);
		free(r->scripts[s].merge_path);
		free(r->scripts[s].merge_content);
	}
	free(r->scripts);
	free(r->mainline);
	free(r->description);
	free(r->warning);
	free(r->notes);
	memset(r, 0, sizeof(*r));
}

size_t gmf_fix_renames(const gmf_fix_result *r, const gmf_id_rename ***out)
{
	size_t n = 0;
	const gmf_id_rename **v = gmf_xcalloc(r->nrenamed + 1, sizeof(*v));
	for (size_t s = 0; s < r->nscripts; s++)
		for (size_t i = 0; i < r->scripts[s].decision.plan.nrenames; i++)
			v[n++] = &r->scripts[s].decision.plan.renames[i];
	*out = v;
	return n;
}

static void add_note(gmf_fix_result *r, const char *note)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (!note)
		return;
	if (r->notes)
		gmf_strbuf_addf(&sb, "%s\n", r->notes);
	gmf_strbuf_adds(&sb, note);
	free(r->notes);
	r->notes = gmf_strbuf_detach(&sb, NULL);
}

static int dirty_cb(void *data, const char *const *paths, const struct stat *const *sts,
		    size_t n, size_t *which)
{
	return gmf_repo_first_dirty(data, paths, sts, n, which);
}

static int strategy_of(gmf_workspace *ws, const gmf_fix_opts *o)
{
	char *v = NULL;
	int s;
	if (o->strategy >= 0)
		return o->strategy;
	if (!ws->repo || gmf_repo_config_get(ws->repo, "migrate-fix.strategy", &v) < 0)
		return GMF_STRATEGY_AUTO;
	s = gmf_strategy_parse(v);
	if (s < 0)
		gmf_error_set(GMF_EUSAGE, "migrate-fix.strategy is '%s'; it takes auto, "
			      "renumber (or move) or merge", v);
	free(v);
	return s;
}

/* Locks and recovers: the state every writing run starts from. */
static int prepare(gmf_fix_result *out, gmf_workspace *ws)
{
	char *note = NULL, *what = NULL;
	int rc = gmf_workspace_lock(ws, &note);
	add_note(out, ws->lock_note);
	add_note(out, note);
	free(note);
	if (rc < 0)
		return rc;
	rc = gmf_workspace_recover(ws, &what, NULL);
	add_note(out, what);
	free(what);
	return rc;
}

/*
 * A stop that names `git migrate-fix merge`: that command must work.  The
 * merge migration is built (nothing is written); when the project's
 * script.py.mako cannot render one (airflow's writes down_revision
 * between quotes), the stop says so and names the template instead.
 */
static void merge_hint_works(gmf_decision *d, gmf_workspace *ws, size_t s)
{
	size_t *heads = NULL, nh = 0;
	gmf_mergemig_opts mo;
	gmf_journal_op op;
	gmf_findings f;
	char *rev = NULL, *warning = NULL;
	gmf_strbuf why = GMF_STRBUF_INIT;

	if (!d->command || strcmp(d->command, "git migrate-fix merge"))
		return;
	/* the heads that command joins: the first branch with several */
	gmf_findings_init(&f);
	gmf_graph_check(ws->graphs[s], ws->naming, ws->project.scripts[s].file_template, &f);
	for (size_t i = 0; i < f.n && !nh; i++)
		if (f.items[i].code == GMF_F_MULTIPLE_HEADS) {
			heads = gmf_xcalloc(f.items[i].nrevisions + 1, sizeof(size_t));
			for (size_t r = 0; r < f.items[i].nrevisions; r++)
				heads[nh++] = gmf_graph_find(ws->graphs[s], f.items[i].revisions[r]);
		}
	gmf_findings_release(&f);
	memset(&mo, 0, sizeof(mo));
	memset(&op, 0, sizeof(op));
	if (nh >= 2 && gmf_mergemig_build(&op, &rev, &warning, &ws->project.scripts[s],
					  ws->graphs[s], heads, nh, &mo) < 0) {
		gmf_strbuf_addf(&why, "%s; and no merge migration can be written from this "
				"project's template: %s", d->why, gmf_error_last());
		free(d->why);
		d->why = gmf_strbuf_detach(&why, NULL);
		free(d->command);
		d->command = NULL;
		gmf_error_clear();
	}
	free(op.old_path);
	free(op.new_path);
	free(op.content);
	free(rev);
	free(warning);
	free(heads);
}

/* The decision for script s. */
static int decide_script(gmf_fix_result *out, gmf_workspace *ws, size_t s, gmf_graph *g,
			 const gmf_fix_opts *o, int strategy, int check_dirty)
{
	const gmf_script *sc = &ws->project.scripts[s];
	gmf_findings f;
	gmf_published pub;
	gmf_decide_in in;
	unsigned char *ours = NULL;
	int rc = 0, have_pub = 0;

	memset(&pub, 0, sizeof(pub));
	gmf_findings_init(&f);
	gmf_graph_check(g, ws->naming, sc->file_template, &f);
	{
		/* the warnings the project silenced, as check does; a bad value
		 * is check's to report: a repair goes on with the valid part */
		unsigned long ignored;
		(void)gmf_workspace_ignored(ws, &ignored);
		gmf_findings_drop(&f, ignored);
	}
	memset(&in, 0, sizeof(in));
	in.strategy = (gmf_strategy)strategy;
	in.onto = o->onto;
	in.move = o->move;
	in.nmove = o->nmove;
	in.renumber = 1;
	in.linear = o->linear;
	if (ws->repo) {
		gmf_published_opts po;
		char **own = NULL;
		const char **skip;
		size_t nown = 0, nskip = 0;
		int strict = 0;
		memset(&po, 0, sizeof(po));
		po.mainline = o->mainline;
		po.extra = o->publishers;
		po.nextra = o->npublishers;
		/* the branch's own remote-tracking branch is what this repair
		 * brings up to date, as sync's (guide: what counts as
		 * published), unless the project says it publishes too */
		if (gmf_repo_config_get_bool(ws->repo, "migrate-fix.upstreamPublishes", &strict) < 0)
			strict = 0;
		if (!strict)
			(void)gmf_repo_own_tracking(ws->repo, &own, &nown);
		skip = gmf_xcalloc(o->nunpublished + nown + 1, sizeof(char *));
		for (size_t i = 0; i < o->nunpublished; i++)
			skip[nskip++] = o->unpublished[i];
		for (size_t i = 0; i < nown; i++)
			skip[nskip++] = own[i];
		po.skip = skip;
		po.nskip = nskip;
		rc = gmf_published_compute(&pub, ws->repo, sc, g, &po);
		for (size_t i = 0; i < nown; i++)
			free(own[i]);
		free(own);
		free(skip);
		if (rc < 0)
			goto out;
		have_pub = 1;
		in.published = pub.mask;
		in.published_by = pub.by;
		in.mainline_found = pub.mainline_found;
		in.mainline_name = pub.mainline_found && pub.nrefs ? pub.refs[0] : NULL;
		if (!out->mainline && pub.nrefs && pub.mainline_found)
			out->mainline = gmf_xstrdup(pub.refs[0]);
		if (o->ours && (rc = gmf_published_side(&ours, ws->repo, o->ours, sc, g)) < 0)
			goto out;
		in.ours = ours;
		in.ours_name = o->ours_name;
		if (check_dirty && !o->force && !o->dry_run) {
			in.dirty = dirty_cb;
			in.dirty_data = ws->repo;
		}
	}
	rc = gmf_decide(&out->scripts[s].decision, g, &f, &in);
	/* the hooks' report says which convention a repair followed */
	if (rc == 0 && o->in_hook && out->scripts[s].decision.convention &&
	    out->scripts[s].decision.kind != GMF_DECIDE_NOTHING)
		add_note(out, out->scripts[s].decision.convention);
out:
	if (have_pub)
		gmf_published_release(&pub);
	free(ours);
	gmf_findings_release(&f);
	return rc;
}

/* The journal operations that carry out script s's decision. */
static int script_ops(gmf_fix_result *out, gmf_workspace *ws, size_t s,
		      const gmf_fix_opts *o, gmf_journal_op **ops, size_t *nops, gmf_strbuf *desc)
{
	gmf_fix_script *fs = &out->scripts[s];
	gmf_decision *d = &fs->decision;
	gmf_graph *g = ws->graphs[s];
	const char **heads = NULL;
	size_t nh = 0;
	int rc = 0;

	if (d->kind == GMF_DECIDE_RENUMBER) {
		gmf_plan *p = &d->plan;
		for (size_t i = 0; i < p->nfiles; i++) {
			gmf_file_change *fc = &p->files[i];
			const gmf_migration *m = &gmf_graph_node(g, fc->node)->mig;
			gmf_journal_op *op;
			gmf_workspace_op_push(ops, nops, fc->old_path, fc->new_path, fc->content,
					      fc->len, ws->repo ? gmf_repo_is_tracked(ws->repo,
										  fc->old_path) : 0);
			/* the bytes the plan was made from: the journal keeps
			 * them, or refuses if the file no longer holds them */
			op = &(*ops)[*nops - 1];
			if (fc->read_from_disk && m->data) {
				op->have_known = 1;
				op->known = m->data;
				op->known_len = m->size;
				op->known_st = fc->read_st;
				op->known_at = fc->read_at;
			}
		}
		heads = gmf_xcalloc(p->nheads_after + 1, sizeof(char *));
		for (size_t i = 0; i < p->nheads_after; i++)
			heads[nh++] = p->heads_after[i];
		out->nmoving += p->nmoving;
		out->nrenamed += p->nrenames;
		gmf_strbuf_addf(desc, "%smoved %zu migration%s after %s", desc->len ? "; " : "",
				p->nmoving, p->nmoving == 1 ? "" : "s", p->onto);
	} else if (d->kind == GMF_DECIDE_MERGE) {
		size_t *idx = gmf_xcalloc(d->nheads + 1, sizeof(size_t));
		gmf_mergemig_opts mo;
		gmf_journal_op op;
		char *warning = NULL;
		for (size_t i = 0; i < d->nheads; i++)
			idx[i] = gmf_graph_find(g, d->heads[i]);
		memset(&mo, 0, sizeof(mo));
		mo.message = o->message;
		mo.tracked = ws->repo != NULL;
		rc = gmf_mergemig_build(&op, &fs->merge_rev, &warning, &ws->project.scripts[s], g,
					idx, d->nheads, &mo);
		if (warning) {
			free(out->warning);
			out->warning = warning;
		}
		if (rc == 0) {
			gmf_workspace_op_push(ops, nops, NULL, op.new_path, op.content, op.len,
					      op.tracked);
			fs->merge_path = op.new_path;
			fs->merge_content = op.content;
			fs->merge_len = op.len;
			nh = gmf_mergemig_heads_after(&heads, g, idx, d->nheads, fs->merge_rev);
			out->nmerges++;
			gmf_strbuf_addf(desc, "%swrote merge migration %s", desc->len ? "; " : "",
					fs->merge_rev);
		}
		free(idx);
	} else if (d->kind == GMF_DECIDE_NOTHING) {
		/* nothing moves, but a stale lockfile is rewritten to name the
		 * heads (a conflicted one only by a repair: this is one) */
		nh = gmf_workspace_heads(ws, s, 0, &heads);
	}
	if (rc == 0 && heads && d->kind != GMF_DECIDE_STOP &&
	    gmf_workspace_lockfile_op(ws, s, heads, nh, ops, nops)) {
		fs->lockfile = 1;
		fs->nlockfile_heads = nh;
		if (d->kind == GMF_DECIDE_NOTHING)
			gmf_strbuf_addf(desc, "%srewrote the head lockfile", desc->len ? "; " : "");
	}
	free(heads);
	return rc;
}

/*
 * The ops of a run, described by desc: in out (changed, description),
 * then, unless a dry run, journaled and carried out.  A journal whose
 * undo record could not be kept is a warning, not a failure.
 */
static int carry_out(gmf_fix_result *out, gmf_workspace *ws, const gmf_fix_opts *o,
		     gmf_journal_op *ops, size_t nops, const char *desc)
{
	gmf_journal t;
	int rc;

	if (!nops)
		return 0;
	out->changed = 1;
	out->description = gmf_xstrdup(desc);
	if (o->dry_run)
		return 0;
	memset(&t, 0, sizeof(t));
	gmf_workspace_journal(ws, &t);
	rc = gmf_journal_apply(&t, ops, nops, "fix", desc);
	if (rc == GMF_JOURNAL_UNDO_UNSAVED) {
		free(out->warning);
		out->warning = gmf_xstrdup(gmf_error_last());
		rc = 0;
	}
	if (rc < 0)
		out->changed = 0;
	gmf_workspace_journal_release(&t);
	return rc;
}

int gmf_fix_run(gmf_fix_result *out, gmf_workspace *ws, const gmf_fix_opts *o)
{
	gmf_journal_op *ops = NULL;
	size_t nops = 0;
	gmf_strbuf desc = GMF_STRBUF_INIT;
	int rc = 0, strategy;

	memset(out, 0, sizeof(*out));
	if (!o->dry_run && (rc = prepare(out, ws)) < 0)
		goto out;
	if (ws->repo && gmf_repo_in_sequence(ws->repo) && !o->force && !o->in_hook) {
		rc = gmf_error_set(GMF_EREFUSED, "a rebase or cherry-pick is in progress; "
				   "finish it first (or use --force)");
		goto out;
	}
	if ((strategy = strategy_of(ws, o)) < 0) {
		rc = GMF_EUSAGE;
		goto out;
	}
	out->scripts = gmf_xcalloc(ws->project.nscripts + 1, sizeof(gmf_fix_script));
	out->nscripts = ws->project.nscripts;
	for (size_t s = 0; s < ws->project.nscripts; s++)
		out->scripts[s].name = ws->project.scripts[s].name;
	for (size_t s = 0; s < ws->project.nscripts; s++) {
		if ((rc = decide_script(out, ws, s, ws->graphs[s], o, strategy, 1)) < 0)
			goto out;
		if (out->scripts[s].decision.kind == GMF_DECIDE_STOP) {
			gmf_decision *d = &out->scripts[s].decision;
			merge_hint_works(d, ws, s);
			out->stop = d;
			rc = gmf_error_set(GMF_EREFUSED, "%s", d->why);
			goto out;
		}
	}
	for (size_t s = 0; s < ws->project.nscripts && rc == 0; s++)
		rc = script_ops(out, ws, s, o, &ops, &nops, &desc);
	if (rc == 0)
		rc = carry_out(out, ws, o, ops, nops, desc.buf);
out:
	gmf_journal_ops_free(ops, nops);
	gmf_strbuf_release(&desc);
	return rc;
}

int gmf_fix_lockfile(int *changed, gmf_workspace *ws, int restage)
{
	gmf_journal_op *ops = NULL;
	size_t nops = 0;
	int rc;

	*changed = 0;
	if ((rc = gmf_workspace_lock(ws, NULL)) < 0)
		return rc;
	for (size_t s = 0; s < ws->project.nscripts; s++) {
		const char **ids;
		size_t nh = gmf_workspace_heads(ws, s, 1, &ids);
		gmf_lockfile lf;
		int conflicted = 0;
		if (gmf_lockfile_read(&lf, &ws->project.scripts[s]) == 0) {
			conflicted = lf.conflicted;
			gmf_lockfile_release(&lf);
		}
		/* a commit never hides a lockfile conflict: only a repair does */
		if (!conflicted && !gmf_workspace_lockfile_op(ws, s, ids, nh, &ops, &nops) &&
		    restage && ws->repo) {
			/* the file already names these heads (written for another
			 * index): this index must record it too */
			char *path = gmf_lockfile_path(&ws->project.scripts[s]), *cur = NULL;
			size_t len = 0;
			if (gmf_repo_is_tracked(ws->repo, path) &&
			    gmf_fs_read(path, &cur, &len) == 0)
				gmf_workspace_op_push(&ops, &nops, path, path, cur, len, 1);
			free(cur);
			free(path);
		}
		free(ids);
	}
	for (size_t i = 0; i < nops && rc == 0; i++) {
		if (!gmf_fs_inside(ws->project.top, ops[i].new_path)) {
			rc = gmf_error_set(GMF_EREFUSED, "refusing to write '%s': it lies outside "
					   "the repository", ops[i].new_path);
			break;
		}
		/* not synced: the lockfile only restates the migrations' heads
		 * (`check` says when it is stale, any repair writes it again),
		 * and the commit it goes into is git's to make durable */
		rc = gmf_fs_write_atomic_unsynced(ops[i].new_path, ops[i].content, ops[i].len, 0);
		if (rc == 0 && ws->repo && ops[i].tracked)
			rc = gmf_repo_stage(ws->repo, &ops[i], 1, 0);
		if (rc == 0)
			*changed = 1;
	}
	gmf_journal_ops_free(ops, nops);
	return rc;
}

/* ------------------------------------------------- one pick of a rebase */

/* The bytes of path, or NULL when it does not exist. */
static char *read_or_null(const char *path, size_t *len)
{
	char *data = NULL;
	if (gmf_fs_read(path, &data, len) < 0) {
		gmf_error_clear();
		return NULL;
	}
	return data;
}

static int same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return a && b && alen == blen && !memcmp(a, b, alen);
}

/* Does the kept file of plan p at node i (of vg) stay in the plan? */
static int node_kept(const gmf_plan *p, const unsigned char *keep, size_t node)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (p->files[i].node == node)
			return keep[i];
	return 0;
}

/* The id a migration had before plan p renamed it to id. */
static const char *id_before(const gmf_plan *p, const char *id)
{
	for (size_t i = 0; i < p->nrenames; i++)
		if (!strcmp(p->renames[i].new_id, id))
			return p->renames[i].old_id;
	return id;
}

/* Cuts plan p (of the rebase's end, graph vg) down to the files keep
 * marks, with the renames, re-pointings and moves that are theirs. */
static void plan_keep(gmf_plan *p, gmf_graph *vg, const unsigned char *keep)
{
	size_t n = 0, nr = 0, np = 0, nm = 0;
	unsigned char *rk = gmf_xcalloc(p->nrenames + 1, 1);
	unsigned char *pk = gmf_xcalloc(p->nrepoints + 1, 1);
	unsigned char *mk = gmf_xcalloc(p->nmoving + 1, 1);

	/* decided before anything is freed: ids are looked up in p */
	for (size_t i = 0; i < p->nrenames; i++)
		rk[i] = node_kept(p, keep, gmf_graph_find(vg, p->renames[i].old_id));
	for (size_t i = 0; i < p->nrepoints; i++)
		pk[i] = node_kept(p, keep, gmf_graph_find(vg, id_before(p, p->repoints[i].revision)));
	for (size_t i = 0; i < p->nmoving; i++)
		mk[i] = node_kept(p, keep, gmf_graph_find(vg, p->moving[i]));
	for (size_t i = 0; i < p->nfiles; i++) {
		gmf_file_change *fc = &p->files[i];
		if (keep[i])
			p->files[n++] = *fc;
		else
			gmf_file_change_release(fc);
	}
	p->nfiles = n;
	for (size_t i = 0; i < p->nrenames; i++) {
		if (rk[i]) {
			p->renames[nr++] = p->renames[i];
			continue;
		}
		free(p->renames[i].old_id);
		free(p->renames[i].new_id);
	}
	p->nrenames = nr;
	for (size_t i = 0; i < p->nrepoints; i++) {
		if (pk[i]) {
			p->repoints[np++] = p->repoints[i];
			continue;
		}
		free(p->repoints[i].revision);
		free(p->repoints[i].old_parent);
		free(p->repoints[i].new_parent);
	}
	p->nrepoints = np;
	for (size_t i = 0; i < p->nmoving; i++) {
		if (mk[i])
			p->moving[nm++] = p->moving[i];
		else
			free(p->moving[i]);
	}
	p->nmoving = nm;
	free(rk);
	free(pk);
	free(mk);
}

/*
 * The part of plan p (for the rebase's end, graph vg) that the work tree
 * holds: each file it changes that is here with the bytes the plan read.
 * A file not here yet (a later pick brings it) or already changed (an
 * earlier pick's share) is left; one here in another version (a later
 * pick changes it) is left too, and the check of the result decides.
 */
static int pick_share(gmf_plan *p, gmf_graph *vg, gmf_workspace *ws, gmf_journal_op **ops,
		      size_t *nops)
{
	unsigned char *keep = gmf_xcalloc(p->nfiles + 1, 1);
	int rc = 0;

	for (size_t i = 0; i < p->nfiles && rc == 0; i++) {
		const gmf_file_change *fc = &p->files[i];
		const gmf_migration *m = &gmf_graph_node(vg, fc->node)->mig;
		size_t len = 0;
		char *cur = read_or_null(fc->old_path, &len);
		keep[i] = same_bytes(cur, len, m->data, m->size);
		if (keep[i] && strcmp(fc->old_path, fc->new_path) && gmf_fs_exists(fc->new_path))
			rc = gmf_error_set(GMF_EREFUSED, "%s is already there", fc->new_path);
		free(cur);
	}
	if (rc == 0) {
		for (size_t i = 0; i < p->nfiles; i++)
			if (keep[i])
				gmf_workspace_op_push(ops, nops, p->files[i].old_path,
						      p->files[i].new_path, p->files[i].content,
						      p->files[i].len,
						      gmf_repo_is_tracked(ws->repo,
									  p->files[i].old_path));
		plan_keep(p, vg, keep);
	}
	free(keep);
	return rc;
}

/*
 * Script s's files once ops are carried out, read as a graph and checked:
 * an error there (two heads, a missing parent) refuses the whole change.
 * *heads: the heads it has (ids owned by *g).
 */
static int check_result(gmf_graph **g, const char ***heads, size_t *nh, gmf_workspace *ws,
			size_t s, const gmf_journal_op *ops, size_t nops)
{
	gmf_graph *cur = ws->graphs[s];
	const gmf_script *sc = &ws->project.scripts[s];
	size_t n = gmf_graph_count(cur), nf = 0;
	gmf_file_bytes *files = gmf_xcalloc(n + nops + 1, sizeof(*files));
	char **bufs = gmf_xcalloc(n + 1, sizeof(char *));
	size_t *hix = NULL;
	gmf_findings f;
	int rc = 0;

	*g = NULL;
	*heads = NULL;
	*nh = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *path = gmf_graph_node(cur, i)->mig.path;
		int gone = 0;
		for (size_t k = 0; k < nops && !gone; k++)
			gone = ops[k].old_path && !strcmp(ops[k].old_path, path);
		if (gone)
			continue;
		if ((bufs[i] = read_or_null(path, &files[nf].len)) == NULL)
			rc = gmf_error_set(GMF_ECONFLICT, "%s changed meanwhile", path);
		files[nf].path = path;
		files[nf++].data = bufs[i];
	}
	for (size_t k = 0; k < nops && rc == 0; k++) {
		if (!ops[k].new_path || !gmf_path_is_within(ws->project.top, ops[k].new_path) ||
		    !ops[k].old_path || strcmp(ops[k].new_path + strlen(ops[k].new_path) - 3, ".py"))
			continue;
		files[nf].path = ops[k].new_path;
		files[nf].data = ops[k].content;
		files[nf++].len = ops[k].len;
	}
	if (rc == 0)
		rc = gmf_script_load_files(g, sc, files, nf);
	if (rc == 0) {
		unsigned long ignored = 0;
		gmf_findings_init(&f);
		gmf_graph_check(*g, ws->naming, sc->file_template, &f);
		(void)gmf_workspace_ignored(ws, &ignored);
		gmf_findings_drop(&f, ignored);
		for (size_t i = 0; i < f.n && rc == 0; i++)
			if (f.items[i].severity >= GMF_SEV_ERROR)
				rc = gmf_error_set(GMF_EREFUSED, "it would leave %s: %s",
						   gmf_finding_code_name(f.items[i].code),
						   f.items[i].message);
		gmf_findings_release(&f);
	}
	if (rc == 0) {
		*nh = gmf_graph_heads(*g, &hix);
		*heads = gmf_xcalloc(*nh + 1, sizeof(char *));
		for (size_t i = 0; i < *nh; i++)
			(*heads)[i] = gmf_graph_node(*g, hix[i])->id;
		free(hix);
	}
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(files);
	return rc;
}

int gmf_fix_replay(gmf_fix_result *out, gmf_workspace *ws, const gmf_fix_opts *o,
		   const char *base, const char *orig)
{
	gmf_journal_op *ops = NULL;
	size_t nops = 0, first;
	gmf_strbuf desc = GMF_STRBUF_INIT;
	int rc = 0, strategy;

	memset(out, 0, sizeof(*out));
	if (!ws->repo || !o->ours || !orig)
		return gmf_error_set(GMF_EUSAGE, "a replay needs the rebase's commits");
	if (!o->dry_run && (rc = prepare(out, ws)) < 0)
		goto out;
	if ((strategy = strategy_of(ws, o)) < 0) {
		rc = GMF_EUSAGE;
		goto out;
	}
	out->scripts = gmf_xcalloc(ws->project.nscripts + 1, sizeof(gmf_fix_script));
	out->nscripts = ws->project.nscripts;
	for (size_t s = 0; s < ws->project.nscripts && rc == 0; s++) {
		gmf_fix_script *fs = &out->scripts[s];
		gmf_graph *vg = NULL, *after = NULL;
		const char **heads = NULL;
		size_t nh = 0;
		fs->name = ws->project.scripts[s].name;
		rc = gmf_replay_graph(&vg, ws->repo, &ws->project.scripts[s], o->ours, base, orig);
		if (rc == 0)
			rc = decide_script(out, ws, s, vg, o, strategy, 0);
		if (rc == 0 && fs->decision.kind != GMF_DECIDE_NOTHING &&
		    fs->decision.kind != GMF_DECIDE_RENUMBER)
			rc = gmf_error_set(GMF_EREFUSED, "the repair after the rebase is %s",
					   fs->decision.kind == GMF_DECIDE_MERGE
					   ? "a merge migration" : "refused");
		first = nops;
		if (rc == 0 && fs->decision.kind == GMF_DECIDE_RENUMBER)
			rc = pick_share(&fs->decision.plan, vg, ws, &ops, &nops);
		if (rc == 0)
			rc = check_result(&after, &heads, &nh, ws, s, ops + first, nops - first);
		if (rc == 0 && nops > first) {
			const gmf_plan *p = &fs->decision.plan;
			out->nmoving += p->nmoving;
			out->nrenamed += p->nrenames;
			gmf_strbuf_addf(&desc, "%smoved %zu migration%s after %s",
					desc.len ? "; " : "", p->nmoving, p->nmoving == 1 ? "" : "s",
					p->onto);
		}
		if (rc == 0 && nops > first &&
		    gmf_workspace_lockfile_op(ws, s, heads, nh, &ops, &nops))
			fs->lockfile = 1;
		free(heads);
		gmf_graph_free(after);
		gmf_graph_free(vg);
	}
	if (rc == 0)
		rc = carry_out(out, ws, o, ops, nops, desc.buf);
out:
	gmf_journal_ops_free(ops, nops);
	gmf_strbuf_release(&desc);
	return rc;
}
