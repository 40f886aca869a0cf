/* undo: see include/gmf/undo.h. */
#include "gmf/undo.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

void gmf_undo_result_release(gmf_undo_result *r)
{
	gmf_txn_ops_free(r->ops, r->nops);
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
	gmf_txn t;
	int rc;
	if (!gmf_txn_pending(ws->state_dir))
		return gmf_error_set(GMF_ENOTFOUND, "no interrupted run to abandon");
	gmf_workspace_txn(ws, &t);
	rc = gmf_txn_abandon(&t, &out->abandoned);
	gmf_workspace_txn_release(&t);
	return rc;
}

int gmf_undo_run(gmf_undo_result *out, gmf_workspace *ws, const gmf_undo_opts *o)
{
	gmf_txn t;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char *ref = NULL, *ref_old = NULL, *ref_new = NULL, *n = NULL, *completed = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if (!ws->state_dir)
		return gmf_error_set(GMF_EREFUSED, "%s", ws->state_error);
	if (!o->dry_run) {
		rc = gmf_workspace_lock(ws, &n);
		if (ws->lock_note)
			note(out, gmf_xstrdup(ws->lock_note));
		note(out, n);
		if (rc < 0)
			return rc;
		if (o->abandon)
			return abandon(out, ws);
		rc = gmf_workspace_recover(ws, &n, &completed);
		note(out, n);
		if (rc < 0)
			return rc;
		if (completed && !strcmp(completed, "undo")) {
			/* the interrupted undo is now complete: that was the job */
			free(completed);
			out->only_recovered = 1;
			return 0;
		}
		free(completed);
	} else if (o->abandon) {
		return gmf_error_set(GMF_EUSAGE, "--abandon does not go with --dry-run");
	}
	gmf_workspace_txn(ws, &t);
	if ((rc = gmf_txn_load_undo(&t, &out->ops, &out->nops, &out->label,
				    &out->description, o->force)) < 0) {
		/* nothing to undo, or a record that cannot be read: a refusal,
		 * nothing was changed */
		if (rc == GMF_ENOTFOUND || rc == GMF_EPARSE) {
			char *msg = gmf_xstrdup(gmf_error_last());
			rc = gmf_error_set(GMF_EREFUSED, "%s", msg);
			free(msg);
		}
		goto out;
	}
	/* undoing an undo redoes: say so instead of nesting */
	if (!strncmp(out->description, "undid: ", 7))
		gmf_strbuf_addf(&sb, "redid: %s", out->description + 7);
	else if (!strncmp(out->description, "redid: ", 7))
		gmf_strbuf_addf(&sb, "undid: %s", out->description + 7);
	else
		gmf_strbuf_addf(&sb, "undid: %s", out->description);
	free(out->description);
	out->description = gmf_strbuf_detach(&sb, NULL);
	if (o->dry_run)
		goto out;
	/* a hook that recorded the repair in a commit noted it: read that
	 * before this run's own record replaces it */
	(void)gmf_txn_last_ref(&t, &ref, &ref_old, &ref_new);
	rc = gmf_txn_apply(&t, out->ops, out->nops, "undo", out->description);
	if (rc == GMF_TXN_UNDO_UNSAVED) {
		out->warning = gmf_xstrdup(gmf_error_last());
		rc = 0;
	}
	if (rc < 0)
		goto out;
	if (ref && ws->repo) {
		/* put the branch back where it was before the hook's commit */
		if (gmf_repo_move_ref(ws->repo, ref, ref_new, ref_old, "git-migrate-fix: undo") == 0) {
			(void)gmf_txn_record_ref(&t, ref, ref_new, ref_old);
			out->branch_moved = 1;
		} else {
			gmf_strbuf w = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&w, "%s; commit the restored files yourself", gmf_error_last());
			free(out->warning);
			out->warning = gmf_strbuf_detach(&w, NULL);
		}
	}
out:
	free(ref);
	free(ref_old);
	free(ref_new);
	gmf_workspace_txn_release(&t);
	return rc;
}
