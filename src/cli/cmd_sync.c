/* SPDX-License-Identifier: MIT */
/*
 * cli/cmd_sync: `git migrate-fix sync`: parses the options, runs the sync
 * workflow (include/gmf/sync.h) and prints what it did, or would do, as
 * text, JSON or a Markdown pull-request comment.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"
#include "gmf/sync.h"

typedef struct {
	const char *base, *format;
	int rebase, push, dry_run, quiet;
} sync_opts;

static const char *const sync_formats[] = { "text", "json", "markdown", NULL };

const cli_option cli_sync_options[] = {
	CLI_STRING(0, "base", "REF", sync_opts, base,
		   "the branch to bring in (default: the remote's default branch)"),
	CLI_FLAG(0, "rebase", sync_opts, rebase, "rebase onto the base instead of merging it"),
	CLI_FLAG(0, "push", sync_opts, push,
		 "push the result to the upstream (--force-with-lease after --rebase)"),
	CLI_FLAG(0, "dry-run", sync_opts, dry_run, "say what would be done; commit and push nothing"),
	CLI_CHOICE(0, "format", NULL, sync_formats, sync_opts, format,
		   "text, JSON for tools, or Markdown for a pull-request comment"),
	CLI_FLAG('q', "quiet", sync_opts, quiet, "print nothing but errors"),
	CLI_END,
};

static const char *state_name(gmf_sync_state s)
{
	switch (s) {
	case GMF_SYNC_UP_TO_DATE: return "up-to-date";
	case GMF_SYNC_NO_FORK: return "no-fork";
	case GMF_SYNC_DONE: return "done";
	case GMF_SYNC_CONFLICT: return "conflict";
	case GMF_SYNC_REFUSED: return "refused";
	}
	return "?";
}

/* A path for display: relative to the current directory when inside it. */
static const char *rel(const char *cwd, const char *path)
{
	size_t n = cwd ? strlen(cwd) : 0;
	if (n && !strncmp(path, cwd, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

/* One line per change of the repair, each after prefix. */
static void changes(gmf_strbuf *sb, const gmf_sync_result *r, const char *cwd,
		    const char *pre, const char *q)
{
	for (size_t s = 0; s < r->fix.nscripts; s++) {
		const gmf_fix_script *fs = &r->fix.scripts[s];
		const gmf_decision *d = &fs->decision;
		if (d->kind == GMF_DECIDE_RENUMBER) {
			for (size_t i = 0; i < d->plan.nfiles; i++) {
				const gmf_file_change *fc = &d->plan.files[i];
				if (strcmp(fc->old_path, fc->new_path))
					gmf_strbuf_addf(sb, "%srename %s%s%s -> %s%s%s\n", pre, q,
							rel(cwd, fc->old_path), q, q,
							rel(cwd, fc->new_path), q);
			}
			for (size_t i = 0; i < d->plan.nrenames; i++)
				gmf_strbuf_addf(sb, "%srevision %s%s%s -> %s%s%s\n", pre, q,
						d->plan.renames[i].old_id, q, q,
						d->plan.renames[i].new_id, q);
			for (size_t i = 0; i < d->plan.nrepoints; i++)
				gmf_strbuf_addf(sb, "%s%s%s%s: down_revision %s%s%s -> %s%s%s\n", pre,
						q, d->plan.repoints[i].revision, q, q,
						d->plan.repoints[i].old_parent, q, q,
						d->plan.repoints[i].new_parent, q);
		} else if (d->kind == GMF_DECIDE_MERGE) {
			gmf_strbuf_addf(sb, "%smerge migration %s%s%s (revision %s%s%s)\n", pre, q,
					rel(cwd, fs->merge_path), q, q, fs->merge_rev, q);
		} else if (fs->lockfile) {
			gmf_strbuf_addf(sb, "%sthe head lockfile names %zu head%s\n", pre,
					fs->nlockfile_heads, fs->nlockfile_heads == 1 ? "" : "s");
		}
	}
}

static void print_text(const gmf_sync_result *r, const sync_opts *o, const char *cwd)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	switch (r->state) {
	case GMF_SYNC_UP_TO_DATE:
		printf("%s is up to date with %s/%s: nothing to do\n", r->branch, r->remote, r->base);
		return;
	case GMF_SYNC_NO_FORK:
		printf("%s/%s brings no second migration head into %s: nothing to do\n",
		       r->remote, r->base, r->branch);
		return;
	default:
		break;
	}
	if (o->rebase)
		printf("%s %s onto %s/%s: %s\n", o->dry_run ? "would rebase" : "rebased", r->branch,
		       r->remote, r->base, r->fix.description ? r->fix.description : "");
	else
		printf("%s %s/%s into %s: %s\n", o->dry_run ? "would merge" : "merged", r->remote,
		       r->base, r->branch, r->fix.description ? r->fix.description : "");
	changes(&sb, r, cwd, "  ", "");
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
	if (o->dry_run)
		return;
	printf("committed %.12s%s\n", r->new_head ? r->new_head : "",
	       r->pushed ? "; pushed" : (o->push ? "" : "; push it with `git push`"));
}

static void print_markdown(const gmf_sync_result *r, const sync_opts *o, const char *cwd)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	printf("### git-migrate-fix sync\n\n");
	switch (r->state) {
	case GMF_SYNC_UP_TO_DATE:
		printf("`%s` is up to date with `%s/%s`: nothing to do.\n", r->branch, r->remote,
		       r->base);
		return;
	case GMF_SYNC_NO_FORK:
		printf("Merging `%s/%s` into `%s` brings no second migration head: nothing to "
		       "do.\n", r->remote, r->base, r->branch);
		return;
	case GMF_SYNC_CONFLICT:
		printf("Merging `%s/%s` into `%s` conflicts in files other than the "
		       "migrations, so nothing was repaired:\n\n", r->remote, r->base, r->branch);
		for (size_t i = 0; i < r->nconflicts; i++)
			printf("- `%s`\n", r->conflicts[i]);
		printf("\nMerge `%s` by hand; the hooks of `git migrate-fix install` repair "
		       "the migrations on the way.\n", r->base);
		return;
	case GMF_SYNC_REFUSED:
		printf("`%s` and `%s/%s` both added migrations, and no safe automatic repair "
		       "exists: %s\n\nRun `%s` after merging `%s`.\n", r->branch, r->remote,
		       r->base, r->fix.stop ? r->fix.stop->why : "?",
		       r->fix.stop && r->fix.stop->command ? r->fix.stop->command :
		       "git migrate-fix fix", r->base);
		return;
	default:
		break;
	}
	printf("`%s` and `%s/%s` both added migrations, so the merge would leave two "
	       "Alembic heads (the hosted merge shows a conflict in the head lockfile).\n\n",
	       r->branch, r->remote, r->base);
	if (o->rebase)
		printf("`git migrate-fix sync` %s `%s` onto `%s/%s` and %s the chain: the base's "
		       "migrations stay as they are, this branch's go after its head:\n\n",
		       o->dry_run ? "would rebase" : "rebased", r->branch, r->remote, r->base,
		       o->dry_run ? "repair" : "repaired");
	else
		printf("`git migrate-fix sync` %s `%s/%s` into `%s` and %s the chain: the base's "
		       "migrations stay as they are, this branch's go after its head:\n\n",
		       o->dry_run ? "would merge" : "merged", r->remote, r->base, r->branch,
		       o->dry_run ? "repair" : "repaired");
	changes(&sb, r, cwd, "- ", "`");
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
	if (o->dry_run)
		printf("\nTo apply it, run `git migrate-fix sync%s --push` on this branch (or merge "
		       "`%s` with the hooks of `git migrate-fix install`) and push.\n",
		       o->rebase ? " --rebase" : "", r->base);
}

static void print_json(const gmf_sync_result *r, const sync_opts *o, const char *cwd)
{
	gmf_strbuf sb = GMF_STRBUF_INIT, ch = GMF_STRBUF_INIT;
	const char *p;
	int first = 1;
	gmf_strbuf_addf(&sb, "{\"version\":1,\"dry_run\":%s,\"mode\":\"%s\",\"state\":\"%s\"",
			o->dry_run ? "true" : "false", o->rebase ? "rebase" : "merge",
			state_name(r->state));
	gmf_strbuf_adds(&sb, ",\"branch\":");
	gmf_strbuf_add_json(&sb, r->branch ? r->branch : "");
	gmf_strbuf_adds(&sb, ",\"remote\":");
	gmf_strbuf_add_json(&sb, r->remote ? r->remote : "");
	gmf_strbuf_adds(&sb, ",\"base\":");
	gmf_strbuf_add_json(&sb, r->base ? r->base : "");
	gmf_strbuf_adds(&sb, ",\"description\":");
	gmf_strbuf_add_json(&sb, r->fix.description ? r->fix.description : "");
	gmf_strbuf_adds(&sb, ",\"commit\":");
	if (r->new_head)
		gmf_strbuf_add_json(&sb, r->new_head);
	else
		gmf_strbuf_adds(&sb, "null");
	gmf_strbuf_addf(&sb, ",\"pushed\":%s,\"changes\":[", r->pushed ? "true" : "false");
	changes(&ch, r, cwd, "", "");
	for (p = ch.buf; *p;) {
		size_t n = strcspn(p, "\n");
		char *line = gmf_xstrndup(p, n);
		gmf_strbuf_adds(&sb, first ? "" : ",");
		gmf_strbuf_add_json(&sb, line);
		free(line);
		first = 0;
		p += n + (p[n] == '\n');
	}
	gmf_strbuf_adds(&sb, "],\"conflicts\":[");
	for (size_t i = 0; i < r->nconflicts; i++) {
		gmf_strbuf_adds(&sb, i ? "," : "");
		gmf_strbuf_add_json(&sb, r->conflicts[i]);
	}
	gmf_strbuf_adds(&sb, "]}\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	gmf_strbuf_release(&sb);
	gmf_strbuf_release(&ch);
}

int cmd_sync(int argc, char **argv)
{
	sync_opts o;
	gmf_sync_opts so;
	gmf_sync_result res;
	char *cwd;
	int n, rc;

	memset(&o, 0, sizeof(o));
	if ((n = cli_parse_options(cli_find_command("sync"), &o, argc, argv)) < 0)
		return cli_parse_exit(n);
	if (o.dry_run && o.push) {
		rc = cli_usage_error(cli_find_command("sync"), "--dry-run does not go with --push");
		goto out_opts;
	}
	memset(&so, 0, sizeof(so));
	so.base = o.base;
	so.rebase = o.rebase;
	so.push = o.push;
	so.dry_run = o.dry_run;
	cwd = gmf_path_cwd();
	rc = gmf_sync_run(&res, &so);
	if (res.notes)
		cli_print_notes(res.notes);
	if (res.fix.notes)
		cli_print_notes(res.fix.notes);
	if (res.fix.warning)
		cli_warning("%s", res.fix.warning);
	if (rc < 0 && res.state != GMF_SYNC_CONFLICT && res.state != GMF_SYNC_REFUSED) {
		rc = cli_fail(rc);
		goto out;
	}
	if (o.format && !strcmp(o.format, "json"))
		print_json(&res, &o, cwd);
	else if (o.format && !strcmp(o.format, "markdown"))
		print_markdown(&res, &o, cwd);
	else if (rc < 0)
		; /* the error below says it */
	else if (!o.quiet)
		print_text(&res, &o, cwd);
	if (rc < 0) {
		cli_error("%s", gmf_error_last());
		for (size_t i = 0; i < res.nconflicts; i++)
			fprintf(stderr, "  conflict: %s\n", res.conflicts[i]);
		if (res.state == GMF_SYNC_CONFLICT)
			fprintf(stderr, "the merge was aborted: nothing changed, nothing pushed\n");
		else if (res.fix.stop && res.fix.stop->command)
			fprintf(stderr, "hint: run `%s`\n", res.fix.stop->command);
		rc = cli_exit_status(rc);
	} else {
		rc = EXIT_CLEAN;
	}
out:
	free(cwd);
	gmf_sync_result_release(&res);
out_opts:
	cli_options_release(cli_sync_options, &o);
	return rc;
}
