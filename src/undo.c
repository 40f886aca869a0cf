/* SPDX-License-Identifier: MIT */
/* undo: see include/gmf/undo.h. */
#include "gmf/undo.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

void gmf_undo_result_release(gmf_undo_result *r)
{
	gmf_journal_ops_free(r->ops, r->nops);
	free(r->label);
	free(r->description);
	free(r->warning);
	free(r->notes);
	free(r->abandoned);
	memset(r, 0, sizeof(*r));
}

static void note(gmf_undo_result *r, char *s)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (!s)
		return;
	gmf_strbuf_addf(&sb, "%s%s%s", r->notes ? r->notes : "", r->notes ? "\n" : "", s);
	free(r->notes);
	free(s);
	r->notes = gmf_strbuf_detach(&sb, NULL);
}

static int abandon(gmf_undo_result *out, gmf_workspace *ws)
{
	gmf_journal t;
	int rc;
	if (!gmf_journal_pending(ws->state_dir))
		return gmf_error_set(GMF_ENOTFOUND, "no interrupted run to abandon");
	gmf_workspace_journal(ws, &t);
	rc = gmf_journal_abandon(&t, &out->abandoned);
	gmf_workspace_journal_release(&t);
	return rc;
}

static int lock(gmf_undo_result *out, gmf_workspace *ws)
{
	char *n = NULL;
	int rc = gmf_workspace_lock(ws, &n);
	if (ws->lock_note)
		note(out, gmf_xstrdup(ws->lock_note));
	note(out, n);
	return rc;
}

/* Recovers; 1 when an interrupted undo was completed (that was the job). */
static int recover(gmf_undo_result *out, gmf_workspace *ws)
{
	char *n = NULL, *completed = NULL;
	int rc = gmf_workspace_recover(ws, &n, &completed), done;
	note(out, n);
	done = rc == 0 && completed && !strcmp(completed, "undo");
	free(completed);
	return rc < 0 ? rc : done;
}

/* The last run's record as ops that undo it; a refusal when there is none
 * or it cannot be read (nothing was changed). */
static int load(gmf_undo_result *out, gmf_journal *t, int force)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc = gmf_journal_load_undo(t, &out->ops, &out->nops, &out->label, &out->description,
				   force);
	if (rc == GMF_ENOTFOUND || rc == GMF_EPARSE) {
		char *msg = gmf_xstrdup(gmf_error_last());
		rc = gmf_error_set(GMF_EREFUSED, "%s", msg);
		free(msg);
	}
	if (rc < 0)
		return rc;
	/* undoing an undo redoes: say so instead of nesting */
	if (!strncmp(out->description, "undid: ", 7))
		gmf_strbuf_addf(&sb, "redid: %s", out->description + 7);
	else if (!strncmp(out->description, "redid: ", 7))
		gmf_strbuf_addf(&sb, "undid: %s", out->description + 7);
	else
		gmf_strbuf_addf(&sb, "undid: %s", out->description);
	free(out->description);
	out->description = gmf_strbuf_detach(&sb, NULL);
	return 0;
}

/* Puts the branch back where it was before a hook's commit of the repair. */
static void move_branch_back(gmf_undo_result *out, gmf_workspace *ws, gmf_journal *t,
			     const char *ref, const char *ref_old, const char *ref_new)
{
	gmf_strbuf w = GMF_STRBUF_INIT;
	if (gmf_repo_move_ref(ws->repo, ref, ref_new, ref_old, "git-migrate-fix: undo") == 0) {
		(void)gmf_journal_record_ref(t, ref, ref_new, ref_old);
		out->branch_moved = 1;
		return;
	}
	gmf_strbuf_addf(&w, "%s; commit the restored files yourself", gmf_error_last());
	free(out->warning);
	out->warning = gmf_strbuf_detach(&w, NULL);
}

int gmf_undo_run(gmf_undo_result *out, gmf_workspace *ws, const gmf_undo_opts *o)
{
	gmf_journal t;
	char *ref = NULL, *ref_old = NULL, *ref_new = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ws->state_dir)
		return gmf_error_set(GMF_EREFUSED, "%s", ws->state_error);
	if (o->abandon && o->dry_run)
		return gmf_error_set(GMF_EUSAGE, "--abandon does not go with --dry-run");
	if (!o->dry_run) {
		/* abandon is what to do when recovery refuses: before it */
		if ((rc = lock(out, ws)) < 0)
			return rc;
		if (o->abandon)
			return abandon(out, ws);
		if ((rc = recover(out, ws)) != 0) {
			out->only_recovered = rc > 0;
			return rc < 0 ? rc : 0;
		}
	}
	gmf_workspace_journal(ws, &t);
	if ((rc = load(out, &t, o->force)) < 0 || o->dry_run)
		goto out;
	/* a hook that recorded the repair in a commit noted it: read that
	 * before this run's own record replaces it */
	(void)gmf_journal_last_ref(&t, &ref, &ref_old, &ref_new);
	rc = gmf_journal_apply(&t, out->ops, out->nops, "undo", out->description);
	if (rc == GMF_JOURNAL_UNDO_UNSAVED) {
		out->warning = gmf_xstrdup(gmf_error_last());
		rc = 0;
	}
	if (rc == 0 && ref && ws->repo)
		move_branch_back(out, ws, &t, ref, ref_old, ref_new);
out:
	free(ref);
	free(ref_old);
	free(ref_new);
	gmf_workspace_journal_release(&t);
	return rc;
}
