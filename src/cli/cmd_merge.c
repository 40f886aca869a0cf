/*
 * cli/cmd_merge: `git migrate-fix merge`, a merge migration like
 * `alembic merge heads`, rendered from the project's script.py.mako
 * without running Python.
 */
#include "cli.h"

#include <fcntl.h>
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

/* Builds the merge migration for heads[] of graph g. */
static int build_merge(cli_context *ctx, size_t script, gmf_graph *g, const size_t *heads,
		       size_t nheads, const char *message, const char *rev_id,
		       gmf_txn_op *op, char **rev_out)
{
	const gmf_script *sc = &ctx->project.scripts[script];
	gmf_strbuf name = GMF_STRBUF_INIT, body = GMF_STRBUF_INIT, date = GMF_STRBUF_INIT;
	const char **downs = gmf_xcalloc(nheads + 1, sizeof(char *));
	char *slug, *rev = NULL, *dir, *tpl = NULL, *tpl_path = NULL;
	size_t tpl_len = 0;
	struct timeval tv;
	struct tm tm;
	time_t now;
	gmf_template_vars vars;
	unsigned bad = 0;
	int rc = 0;

	for (size_t i = 0; i < nheads; i++)
		downs[i] = gmf_graph_node(g, heads[i])->id;
	if (!message)
		message = "merge heads";
	slug = gmf_template_slug(message, sc->truncate_slug_length);
	gettimeofday(&tv, NULL);
	now = tv.tv_sec;
	localtime_r(&now, &tm);
	gmf_strbuf_addf(&date, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			(long)tv.tv_usec);

	if (gmf_graph_is_sequenced(g)) {
		long max = -1;
		int width = 3, contains_rev = 0, numbered = 0;
		for (size_t i = 0; i < gmf_graph_count(g); i++) {
			gmf_node *nd = gmf_graph_node(g, i);
			if (nd->seq < 0)
				continue;
			numbered++;
			if (nd->seq > max) {
				max = nd->seq;
				width = nd->seq_width;
			}
			if (strcmp(nd->id, nd->mig.stem) && strstr(nd->mig.stem, nd->id))
				contains_rev++;
		}
		if (rev_id)
			rev = gmf_xstrdup(rev_id);
		if (gmf_graph_naming(g) == GMF_NAMING_STEM) {
			gmf_strbuf_addf(&name, "%0*ld_%s", width, max + 1, slug);
			if (!rev)
				rev = gmf_xstrdup(name.buf);
			else {
				gmf_strbuf_reset(&name);
				gmf_strbuf_adds(&name, rev);
			}
		} else {
			if (!rev)
				rev = random_rev();
			if (contains_rev * 2 > numbered)
				gmf_strbuf_addf(&name, "%0*ld_%s_%s", width, max + 1, rev, slug);
			else
				gmf_strbuf_addf(&name, "%0*ld_%s", width, max + 1, slug);
		}
	} else {
		rev = rev_id ? gmf_xstrdup(rev_id) : random_rev();
		rc = gmf_template_filename(&name, sc->file_template ? sc->file_template
								    : "%(rev)s_%(slug)s",
					   rev, slug, &tm, (long long)now);
		if (rc < 0)
			goto out;
	}
	if (!gmf_revision_id_is_safe(rev)) {
		rc = gmf_error_set(GMF_EUSAGE, "'%s' is not a safe revision id (letters, "
				   "digits and underscores)", rev);
		goto out;
	}
	if (gmf_graph_find(g, rev) != (size_t)-1) {
		rc = gmf_error_set(GMF_EUSAGE, "revision '%s' already exists", rev);
		goto out;
	}
	if (strchr(name.buf, '/') || strstr(name.buf, "..") || !name.len) {
		rc = gmf_error_set(GMF_EUSAGE, "refusing the file name '%s'", name.buf);
		goto out;
	}
	gmf_strbuf_adds(&name, ".py");

	/* the project's template, else the built-in generic one */
	if (sc->script_dir)
		tpl_path = gmf_path_join(sc->script_dir, "script.py.mako");
	else {
		char *parent = dir_of(sc->dirs[0]);
		tpl_path = gmf_path_join(parent, "script.py.mako");
		free(parent);
	}
	memset(&vars, 0, sizeof(vars));
	vars.message = message;
	vars.up_revision = rev;
	vars.down_revision = downs;
	vars.ndown = nheads;
	vars.create_date = date.buf;
	if (gmf_fs_read(tpl_path, &tpl, &tpl_len) == 0) {
		if (gmf_template_render(&body, tpl, tpl_len, &vars, &bad) < 0) {
			char *rel = cli_display_path(ctx, tpl_path);
			cli_warning("%s:%u: %s; using the built-in generic template", rel, bad,
				    gmf_error_last());
			free(rel);
			gmf_strbuf_reset(&body);
			free(tpl);
			tpl = NULL;
		}
	}
	if (!tpl)
		gmf_template_render(&body, gmf_template_generic, strlen(gmf_template_generic),
				    &vars, &bad);
	/* what we wrote must read back as the migration we meant */
	{
		gmf_migration m;
		gmf_diag diag;
		int ok = gmf_migration_parse(&m, name.buf, body.buf, body.len, &diag) == 0 &&
			 m.revision.nitems == 1 && !strcmp(m.revision.items[0].text, rev) &&
			 m.down_revision.nitems == nheads;
		gmf_migration_release(&m);
		if (!ok) {
			rc = gmf_error_set(GMF_EPARSE, "the rendered template does not declare "
					   "revision %s with %zu parents; check script.py.mako",
					   rev, nheads);
			goto out;
		}
	}
	dir = dir_of(gmf_graph_node(g, heads[0])->mig.path);
	memset(op, 0, sizeof(*op));
	op->new_path = gmf_path_join(dir, name.buf);
	free(dir);
	op->content = gmf_strbuf_detach(&body, &op->len);
	op->tracked = ctx->repo != NULL;
	*rev_out = rev;
	rev = NULL;
out:
	free(rev);
	free(slug);
	free(tpl);
	free(tpl_path);
	free(downs);
	gmf_strbuf_release(&name);
	gmf_strbuf_release(&body);
	gmf_strbuf_release(&date);
	return rc;
}

int cli_merge_heads(const cli_discovery *d, const char *message, const char *rev_id,
		    const char *const *want, size_t nwant, int dry_run)
{
	cli_context ctx;
	gmf_txn t;
	gmf_txn_op *ops = NULL;
	char **revs = NULL;
	size_t nops = 0;
	gmf_strbuf desc = GMF_STRBUF_INIT;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = cli_context_load(&ctx, d)) != 0)
		return rc;
	t.state_dir = cli_state_dir(&ctx);
	t.root = ctx.project.top;
	t.stage = ctx.repo ? gmf_repo_stage : NULL;
	t.stage_data = ctx.repo;
	if (!dry_run && (rc = cli_recover(&ctx, &t, NULL)) != 0) {
		if (rc > 0)
			goto out;
		/* files changed: start again on the restored tree */
		free(t.state_dir);
		cli_context_release(&ctx);
		return cli_merge_heads(d, message, rev_id, want, nwant, dry_run);
	}
	for (size_t s = 0; s < ctx.project.nscripts; s++) {
		gmf_graph *g = ctx.graphs[s];
		gmf_findings f;
		size_t *heads, nh = gmf_graph_heads(g, &heads), *sel, nsel = 0;
		int bad = 0;

		gmf_findings_init(&f);
		gmf_graph_check(g, ctx.naming, ctx.project.scripts[s].file_template, &f);
		for (size_t i = 0; i < f.n; i++)
			if (f.items[i].severity == GMF_SEV_FATAL || f.items[i].code == GMF_F_CYCLE ||
			    f.items[i].code == GMF_F_UNSAFE_ID ||
			    f.items[i].code == GMF_F_DUPLICATE_REVISION ||
			    f.items[i].code == GMF_F_MISSING_PARENT) {
				cli_error("%s:%u: %s: %s", f.items[i].nlocs ? f.items[i].locs[0].path : "-",
					  f.items[i].nlocs ? f.items[i].locs[0].line : 0,
					  gmf_finding_code_name(f.items[i].code), f.items[i].message);
				bad = 1;
			}
		sel = gmf_xcalloc(nh + 1, sizeof(size_t));
		if (!bad && nwant) {
			for (size_t w = 0; w < nwant && !bad; w++) {
				size_t k = gmf_graph_find(g, want[w]);
				if (k == (size_t)-1) {
					if (ctx.project.nscripts == 1) {
						cli_error("no revision '%s'", want[w]);
						bad = 1;
					}
					continue;
				}
				sel[nsel++] = k;
			}
		} else if (!bad) {
			/* every head that shares its branch with another */
			for (size_t i = 0; i < f.n; i++)
				if (f.items[i].code == GMF_F_MULTIPLE_HEADS && !nsel)
					for (size_t r = 0; r < f.items[i].nrevisions; r++)
						sel[nsel++] = gmf_graph_find(g, f.items[i].revisions[r]);
		}
		if (!bad && nsel == 1 && nwant) {
			cli_error("a merge needs at least two revisions");
			bad = 1;
		}
		if (!bad && nsel >= 2) {
			char *rev = NULL;
			ops = gmf_xrealloc(ops, (nops + 1) * sizeof(*ops));
			revs = gmf_xrealloc(revs, (nops + 1) * sizeof(char *));
			if (build_merge(&ctx, s, g, sel, nsel, message, rev_id, &ops[nops], &rev) < 0) {
				cli_error("%s", gmf_error_last());
				bad = 1;
			} else {
				char *rel = cli_display_path(&ctx, ops[nops].new_path);
				printf("%s %s (revision %s, merging", dry_run ? "would write" : "wrote",
				       rel, rev);
				for (size_t k = 0; k < nsel; k++)
					printf("%s %s", k ? "," : "", gmf_graph_node(g, sel[k])->id);
				printf(")\n");
				if (dry_run)
					fwrite(ops[nops].content, 1, ops[nops].len, stdout);
				gmf_strbuf_addf(&desc, "%swrote merge migration %s", desc.len ? "; " : "",
						rev);
				free(rel);
				revs[nops++] = rev;
				/* the heads afterwards: the merged ones give way to rev */
				{
					const char **after = gmf_xcalloc(nh + 2, sizeof(char *));
					size_t na = 0;
					for (size_t k = 0; k < nh; k++) {
						size_t q;
						for (q = 0; q < nsel; q++)
							if (sel[q] == heads[k])
								break;
						if (q == nsel)
							after[na++] = gmf_graph_node(g, heads[k])->id;
					}
					after[na++] = rev;
					if (!dry_run && cli_lockfile_op(&ctx, &ctx.project.scripts[s], after, na,
									&ops, &nops)) {
						revs = gmf_xrealloc(revs, (nops + 1) * sizeof(char *));
						revs[nops - 1] = NULL;
					}
					free(after);
				}
			}
		}
		free(sel);
		free(heads);
		gmf_findings_release(&f);
		if (bad) {
			rc = EXIT_FINDINGS;
			goto out;
		}
	}
	if (!nops) {
		printf("nothing to merge: every branch has one head\n");
		rc = EXIT_CLEAN;
		goto out;
	}
	if (dry_run) {
		rc = EXIT_CLEAN;
		goto out;
	}
	if ((rc = gmf_txn_apply(&t, ops, nops, "merge", desc.buf)) < 0) {
		cli_error("%s", gmf_error_last());
		rc = gmf_error_code() == GMF_EREFUSED ? EXIT_FINDINGS : EXIT_FATAL;
		goto out;
	}
	if (rc == GMF_TXN_UNDO_UNSAVED)
		cli_warning("%s", gmf_error_last());
	printf("%s; undo with `git migrate-fix undo`\n", ctx.repo ? "staged" : "done");
	rc = EXIT_CLEAN;
out:
	for (size_t i = 0; i < nops; i++)
		free(revs[i]);
	free(revs);
	gmf_txn_ops_free(ops, nops);
	gmf_strbuf_release(&desc);
	free(t.state_dir);
	cli_context_release(&ctx);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	const cli_command *cmd = cli_find_command("merge");
	cli_discovery d;
	const char *message = NULL, *rev_id = NULL;
	const char **heads = NULL;
	size_t nheads = 0;
	int dry_run = 0, rc;

	memset(&d, 0, sizeof(d));
	for (int i = 1; i < argc; i++) {
		const char *v;
		int r = cli_parse_common(cmd, &d, argc, argv, &i);
		if (r < 0) {
			rc = EXIT_FATAL;
			goto out;
		}
		if (r > 0)
			continue;
		if ((r = cli_opt_value("-m", argc, argv, &i, &v)) ||
		    (r = cli_opt_value("--message", argc, argv, &i, &v))) {
			if (r < 0) {
				rc = cli_usage_error(cmd, "-m needs a message");
				goto out;
			}
			message = v;
		} else if ((r = cli_opt_value("--rev-id", argc, argv, &i, &v))) {
			if (r < 0) {
				rc = cli_usage_error(cmd, "--rev-id needs an id");
				goto out;
			}
			rev_id = v;
		} else if (!strcmp(argv[i], "--dry-run")) {
			dry_run = 1;
		} else if (argv[i][0] == '-') {
			rc = cli_usage_error(cmd, "unknown option '%s'", argv[i]);
			goto out;
		} else if (!strcmp(argv[i], "heads")) {
			/* `merge heads`, as with alembic: the same as naming none */
		} else {
			heads = realloc(heads, (nheads + 1) * sizeof(char *));
			if (!heads)
				abort();
			heads[nheads++] = argv[i];
		}
	}
	if (d.format && strcmp(d.format, "text")) {
		rc = cli_usage_error(cmd, "merge prints text only (no --format=%s)", d.format);
		goto out;
	}
	rc = cli_merge_heads(&d, message, rev_id, heads, nheads, dry_run);
out:
	free(heads);
	free(d.dirs);
	return rc;
}
