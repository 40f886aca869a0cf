/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for plan: what `fix` would change, asserted on the rendered
 * bytes of every file, the renames, the re-pointed parents, the heads
 * afterwards, and on the messages of every refusal.
 */
#include "unit.h"

#include <dirent.h>
#include <unistd.h>

#include "gmf/renumber.h"

#define MAINLINE "origin/main"

typedef struct {
	gmf_graph *g;
	gmf_findings f;
	gmf_plan p;
	gmf_renumber_opts o;
	unsigned char on[32]; /* on the mainline, per node in the order added */
} ctx;

static int setup(void **state)
{
	ctx *c = gmf_xcalloc(1, sizeof(*c));
	c->g = gmf_graph_new();
	gmf_findings_init(&c->f);
	c->o.renumber = 1;
	c->o.mainline_name = MAINLINE;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	ctx *c = *state;
	gmf_renumber_release(&c->p);
	gmf_findings_release(&c->f);
	gmf_graph_free(c->g);
	free(c);
	return 0;
}

/*
 * A migration as `alembic revision` writes it: the header docstring on
 * lines 1-7 (Revision ID on 3, Revises on 4), revision on line 8,
 * down_revision on 9, depends_on on 11.  down and dep are Python text;
 * name goes in the message and the body, which a fix never changes.
 */
static char *mig_named(const char *name, const char *rev, const char *down,
		       const char *revises, const char *dep)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb,
			"\"\"\"change %s\n"
			"\n"
			"Revision ID: %s\n"
			"Revises: %s\n"
			"Create Date: 2026-01-02 03:04:05.000000\n"
			"\n"
			"\"\"\"\n"
			"revision = '%s'\n"
			"down_revision = %s\n"
			"branch_labels = None\n"
			"depends_on = %s\n"
			"\n"
			"\n"
			"def upgrade():\n"
			"    op.execute(\"select '%s'\")\n",
			name, rev, revises, rev, down, dep, name);
	return gmf_strbuf_detach(&sb, NULL);
}

static char *mig_src(const char *rev, const char *down, const char *revises,
		     const char *dep)
{
	return mig_named(rev, rev, down, revises, dep);
}

/* Adds the migration rev (file /m/v/<file>.py); on: on the mainline. */
static void add(ctx *c, const char *file, const char *rev, const char *down,
		const char *revises, const char *dep, int on)
{
	char *src = mig_src(rev, down, revises, dep);
	gmf_strbuf path = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&path, "/m/v/%s.py", file);
	c->on[gmf_graph_count(c->g)] = (unsigned char)on;
	ut_add_src(c->g, path.buf, src);
	gmf_strbuf_release(&path);
	free(src);
}

/* Builds and checks the graph, then plans (with the mainline mask unless
 * the test cleared o.on_mainline by passing mask 0) and renders. */
static int plan(ctx *c, int mask)
{
	int rc;
	gmf_graph_build(c->g);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	c->o.on_mainline = mask ? c->on : NULL;
	rc = gmf_renumber_plan(&c->p, c->g, &c->f, &c->o);
	if (rc == 0)
		gmf_renumber_render(&c->p, c->g);
	else
		print_message("refused: %s\n", gmf_error_last());
	return rc;
}

/* The change to the file that was /m/v/<file>.py; it must be there. */
static const gmf_file_change *change(const ctx *c, const char *file)
{
	gmf_strbuf path = GMF_STRBUF_INIT;
	const gmf_file_change *fc = NULL;
	gmf_strbuf_addf(&path, "/m/v/%s.py", file);
	for (size_t i = 0; i < c->p.nfiles; i++)
		if (!strcmp(c->p.files[i].old_path, path.buf))
			fc = &c->p.files[i];
	if (!fc)
		print_error("no change planned for %s\n", path.buf);
	assert_non_null(fc);
	gmf_strbuf_release(&path);
	return fc;
}

/* The change to file renders exactly as mig_src(rev, down, revises, dep)
 * would, but for the message and the body, which keep the old id, and
 * lands at /m/v/<new_file>.py. */
#define assert_rendered(c, file, new_file, rev, down, revises, dep) do { \
	const gmf_file_change *fc_ = change((c), (file)); \
	char *want_ = mig_named(gmf_graph_node((c)->g, fc_->node)->id, (rev), \
				(down), (revises), (dep)); \
	char path_[256]; \
	snprintf(path_, sizeof(path_), "/m/v/%s.py", (new_file)); \
	assert_string_equal(fc_->new_path, path_); \
	assert_non_null(fc_->content); \
	assert_int_equal(fc_->len, strlen(want_)); \
	assert_memory_equal(fc_->content, want_, fc_->len); \
	free(want_); \
} while (0)

#define assert_refused(rc, msg) do { \
	assert_int_equal((rc), GMF_EREFUSED); \
	assert_string_equal(gmf_error_last(), (msg)); \
} while (0)

/* A fork: 002_main on the mainline, 002_local only here. */
static void add_fork(ctx *c)
{
	add(c, "001_init", "001_init", "None", "", "None", 1);
	add(c, "002_main", "002_main", "'001_init'", "001_init", "None", 1);
	add(c, "002_local", "002_local", "'001_init'", "001_init", "None", 0);
}

/* -------------------------------------------------------------- moves */

static void test_renumber_fork_moves_local_side(void **state)
{
	ctx *c = *state;
	add_fork(c);
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_rendered(c, "002_local", "003_local", "003_local", "'002_main'",
			"002_main", "None");
	/* the edits, sorted: Revision ID, Revises, revision, down_revision */
	assert_int_equal(c->p.files[0].nedits, 4);
	for (size_t k = 1; k < c->p.files[0].nedits; k++)
		assert_true(c->p.files[0].edits[k - 1].off < c->p.files[0].edits[k].off);
	assert_int_equal(c->p.nrenames, 1);
	assert_string_equal(c->p.renames[0].old_id, "002_local");
	assert_string_equal(c->p.renames[0].new_id, "003_local");
	assert_int_equal(c->p.nrepoints, 1);
	assert_string_equal(c->p.repoints[0].revision, "003_local");
	assert_string_equal(c->p.repoints[0].old_parent, "001_init");
	assert_string_equal(c->p.repoints[0].new_parent, "002_main");
	assert_int_equal(c->p.nmoving, 1);
	assert_string_equal(c->p.moving[0], "002_local");
	assert_string_equal(c->p.onto, "002_main");
	assert_string_equal(c->p.new_head, "003_local");
	assert_int_equal(c->p.nheads_after, 1);
	assert_string_equal(c->p.heads_after[0], "003_local");
}

static void test_renumber_local_chain_moves_in_order(void **state)
{
	ctx *c = *state;
	add(c, "001_init", "001_init", "None", "", "None", 1);
	add(c, "002_a", "002_a", "'001_init'", "001_init", "None", 1);
	add(c, "002_x", "002_x", "'001_init'", "001_init", "None", 0);
	add(c, "003_b", "003_b", "'002_a'", "002_a", "None", 1);
	add(c, "003_y", "003_y", "'002_x'", "002_x", "None", 0);
	add(c, "004_z", "004_z", "'003_y'", "003_y", "None", 0);
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 3);
	assert_rendered(c, "002_x", "004_x", "004_x", "'003_b'", "003_b", "None");
	assert_rendered(c, "003_y", "005_y", "005_y", "'004_x'", "004_x", "None");
	assert_rendered(c, "004_z", "006_z", "006_z", "'005_y'", "005_y", "None");
	assert_int_equal(c->p.nmoving, 3);
	assert_string_equal(c->p.moving[0], "002_x");
	assert_string_equal(c->p.moving[1], "003_y");
	assert_string_equal(c->p.moving[2], "004_z");
	/* only the first of the chain changes its parent */
	assert_int_equal(c->p.nrepoints, 1);
	assert_string_equal(c->p.repoints[0].revision, "004_x");
	assert_string_equal(c->p.repoints[0].new_parent, "003_b");
	assert_int_equal(c->p.nrenames, 3);
	assert_string_equal(c->p.onto, "003_b");
	assert_string_equal(c->p.new_head, "006_z");
	assert_int_equal(c->p.nheads_after, 1);
	assert_string_equal(c->p.heads_after[0], "006_z");
}

static void test_renumber_renumber_off_keeps_names(void **state)
{
	ctx *c = *state;
	add_fork(c);
	c->o.renumber = 0;
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_rendered(c, "002_local", "002_local", "002_local", "'002_main'",
			"002_main", "None");
	assert_int_equal(c->p.nrenames, 0);
	assert_int_equal(c->p.nrepoints, 1);
	assert_string_equal(c->p.new_head, "002_local");
}

/* Ids that are not the file stem: the file is renumbered, the id stays. */
static void test_renumber_hash_ids_rename_files_only(void **state)
{
	ctx *c = *state;
	add(c, "001_aaaa_init", "aaaa", "None", "", "None", 1);
	add(c, "002_bbbb_main", "bbbb", "'aaaa'", "aaaa", "None", 1);
	add(c, "002_cccc_local", "cccc", "'aaaa'", "aaaa", "None", 0);
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_rendered(c, "002_cccc_local", "003_cccc_local", "cccc", "'bbbb'",
			"bbbb", "None");
	assert_int_equal(c->p.nrenames, 0);
	assert_string_equal(c->p.heads_after[0], "cccc");
}

static void test_renumber_depends_on_follows_renames(void **state)
{
	ctx *c = *state;
	add(c, "001_init", "001_init", "None", "", "None", 1);
	add(c, "002_main", "002_main", "'001_init'", "001_init", "None", 1);
	add(c, "002_x", "002_x", "'001_init'", "001_init", "None", 0);
	add(c, "003_y", "003_y", "'002_x'", "002_x", "('002_x', '001_init')", 0);
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 2);
	assert_rendered(c, "002_x", "003_x", "003_x", "'002_main'", "002_main", "None");
	assert_rendered(c, "003_y", "004_y", "004_y", "'003_x'", "003_x",
			"('003_x', '001_init')");
}

/* Heads of other chains stay as they are, and are heads afterwards. */
static void test_renumber_heads_after_keeps_other_chains(void **state)
{
	ctx *c = *state;
	char *src;
	add_fork(c);
	/* 003_other: a labelled chain of its own (an unlabelled second root
	 * would be a second head of the same branch for Alembic) */
	src = mig_src("003_other", "None", "", "None");
	{
		gmf_strbuf sb = GMF_STRBUF_INIT;
		char *at = strstr(src, "branch_labels = None");
		assert_non_null(at);
		gmf_strbuf_addf(&sb, "%.*sbranch_labels = ('other',)%s", (int)(at - src), src,
				at + strlen("branch_labels = None"));
		c->on[gmf_graph_count(c->g)] = 1;
		ut_add_src(c->g, "/m/v/003_other.py", sb.buf);
		gmf_strbuf_release(&sb);
	}
	free(src);
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_int_equal(c->p.nheads_after, 2);
	/* in file order, by their final ids */
	assert_string_equal(c->p.heads_after[0], "004_local");
	assert_string_equal(c->p.heads_after[1], "003_other");
	assert_rendered(c, "002_local", "004_local", "004_local", "'002_main'",
			"002_main", "None");
}

static void test_renumber_empty_when_one_head(void **state)
{
	ctx *c = *state;
	add(c, "001_init", "001_init", "None", "", "None", 1);
	add(c, "002_a", "002_a", "'001_init'", "001_init", "None", 0);
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 0);
	assert_int_equal(c->p.nrenames, 0);
	assert_int_equal(c->p.nrepoints, 0);
	assert_int_equal(c->p.nmoving, 0);
	assert_null(c->p.onto);
	assert_null(c->p.new_head);
	/* also without a mainline: nothing to decide */
	gmf_renumber_release(&c->p);
	c->o.on_mainline = NULL;
	assert_int_equal(gmf_renumber_plan(&c->p, c->g, &c->f, &c->o), 0);
	assert_int_equal(c->p.nfiles, 0);
}

/* ------------------------------------------------ --onto and --move */

static void test_renumber_onto_chooses_the_kept_head(void **state)
{
	ctx *c = *state;
	add_fork(c);
	c->o.onto = "002_local";
	assert_int_equal(plan(c, 0), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_rendered(c, "002_main", "003_main", "003_main", "'002_local'",
			"002_local", "None");
	assert_string_equal(c->p.onto, "002_local");
	assert_string_equal(c->p.new_head, "003_main");
}

static void test_renumber_onto_not_a_head_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	c->o.onto = "001_init";
	assert_refused(plan(c, 0), "--onto 001_init: not a head (002_main follows it)");
	assert_int_equal(c->p.nfiles, 0);
}

static void test_renumber_onto_no_such_revision_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	c->o.onto = "nope";
	assert_refused(plan(c, 0), "--onto nope: no such revision");
}

static void test_renumber_move_selects_what_moves(void **state)
{
	static const char *const move[] = { "002_main" };
	ctx *c = *state;
	add_fork(c);
	/* with no mainline, the head that is not moved is the one kept */
	c->o.move = move;
	c->o.nmove = 1;
	assert_int_equal(plan(c, 0), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_rendered(c, "002_main", "003_main", "003_main", "'002_local'",
			"002_local", "None");
	assert_string_equal(c->p.onto, "002_local");
	assert_int_equal(c->p.nheads_after, 1);
	assert_string_equal(c->p.heads_after[0], "003_main");
}

static void test_renumber_move_no_such_revision_refused(void **state)
{
	static const char *const move[] = { "002_local", "nope" };
	ctx *c = *state;
	add_fork(c);
	c->o.move = move;
	c->o.nmove = 2;
	assert_refused(plan(c, 1), "--move nope: no such revision");
}

static void test_renumber_move_of_mainline_refused(void **state)
{
	static const char *const move[] = { "002_main" };
	ctx *c = *state;
	add_fork(c);
	c->o.move = move;
	c->o.nmove = 1;
	assert_refused(plan(c, 1), "002_main is published (on origin/main): "
		       "migrations that are already published never move");
}

static void test_renumber_move_leaving_two_heads_refused(void **state)
{
	static const char *const move[] = { "002_a" };
	ctx *c = *state;
	add(c, "001_init", "001_init", "None", "", "None", 0);
	add(c, "002_a", "002_a", "'001_init'", "001_init", "None", 0);
	add(c, "003_b", "003_b", "'001_init'", "001_init", "None", 0);
	add(c, "004_c", "004_c", "'001_init'", "001_init", "None", 0);
	c->o.move = move;
	c->o.nmove = 1;
	assert_refused(plan(c, 0), "after moving, 003_b and 004_c would both stay "
		       "heads; say which to follow with --onto");
	/* --onto settles it; the third head stays a head */
	c->o.onto = "003_b";
	assert_int_equal(gmf_renumber_plan(&c->p, c->g, &c->f, &c->o), 0);
	gmf_renumber_render(&c->p, c->g);
	assert_int_equal(c->p.nfiles, 1);
	assert_rendered(c, "002_a", "005_a", "005_a", "'003_b'", "003_b", "None");
	assert_int_equal(c->p.nheads_after, 2);
	assert_string_equal(c->p.heads_after[0], "005_a");
	assert_string_equal(c->p.heads_after[1], "004_c");
}

/* ------------------------------------------------------------ refusals */

static void test_renumber_no_mainline_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	assert_refused(plan(c, 0),
		       "the branch has heads 002_main, 002_local and there is no "
		       "mainline to tell which side is local; say which head stays "
		       "with `--onto <head>` (or which migrations move with "
		       "`--move <rev>`)");
	assert_int_equal(c->p.nfiles, 0);
	assert_null(c->p.heads_after);
}

static void test_renumber_both_heads_on_mainline_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	c->on[2] = 1;
	assert_refused(plan(c, 1),
		       "the mainline (origin/main) itself has the heads 002_main, "
		       "002_local; write a merge migration with `git migrate-fix "
		       "merge`, or choose with --onto");
}

static void test_renumber_no_head_on_mainline_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	c->on[1] = 0;
	assert_refused(plan(c, 1),
		       "none of the heads 002_main, 002_local is on the mainline "
		       "(origin/main); both sides are unpublished: say which head "
		       "stays with `--onto <head>`");
}

/* The local head sits on a migration the mainline has: the mainline
 * itself forked, and renumbering would rewrite published history. */
static void test_renumber_moving_mainline_migration_refused(void **state)
{
	ctx *c = *state;
	add(c, "001_init", "001_init", "None", "", "None", 1);
	add(c, "002_main", "002_main", "'001_init'", "001_init", "None", 1);
	add(c, "002_x", "002_x", "'001_init'", "001_init", "None", 1);
	add(c, "003_y", "003_y", "'002_x'", "002_x", "None", 0);
	assert_refused(plan(c, 1),
		       "002_x is on the mainline (origin/main) but is not below its "
		       "head 002_main; the mainline itself has two heads: write a "
		       "merge migration with `git migrate-fix merge`");
}

static void test_renumber_heads_sharing_a_migration_refused(void **state)
{
	ctx *c = *state;
	add(c, "001_init", "001_init", "None", "", "None", 1);
	add(c, "002_main", "002_main", "'001_init'", "001_init", "None", 1);
	add(c, "002_x", "002_x", "'001_init'", "001_init", "None", 0);
	add(c, "003_y", "003_y", "'002_x'", "002_x", "None", 0);
	add(c, "003_z", "003_z", "'002_x'", "002_x", "None", 0);
	assert_refused(plan(c, 1),
		       "the heads 003_y and 003_z share the migration 002_x that the "
		       "kept head 002_main does not have; merge them first with "
		       "`git migrate-fix merge 003_y 003_z`");
}

static void test_renumber_missing_parent_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	add(c, "003_x", "003_x", "'002_gone'", "002_gone", "None", 0);
	assert_refused(plan(c, 1),
		       "the migrations have problems that renumbering cannot cure; "
		       "fix these first:\n"
		       "  /m/v/003_x.py:9: missing-parent: down_revision of 003_x "
		       "names 002_gone, which no migration declares");
}

static void test_renumber_duplicate_revision_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	add(c, "003_local", "002_local", "'002_main'", "002_main", "None", 0);
	assert_refused(plan(c, 1),
		       "the migrations have problems that renumbering cannot cure; "
		       "fix these first:\n"
		       "  /m/v/002_local.py:8: duplicate-revision: revision 002_local "
		       "is declared by more than one file");
}

static void test_renumber_cycle_refused(void **state)
{
	ctx *c = *state;
	add_fork(c);
	add(c, "003_a", "003_a", "'004_b'", "004_b", "None", 0);
	add(c, "004_b", "004_b", "'003_a'", "003_a", "None", 0);
	assert_int_equal(plan(c, 1), GMF_EREFUSED);
	assert_non_null(strstr(gmf_error_last(), "fix these first:\n  /m/v/"));
	assert_non_null(strstr(gmf_error_last(), ": cycle: down_revision cycle: "));
	assert_int_equal(c->p.nfiles, 0);
}

/* -------------------------------------------------- edits and the disk */

static void test_renumber_apply_edits(void **state)
{
	const gmf_edit e[] = {
		{ 0, 0, (char *)">" },   /* insert at the start */
		{ 1, 2, (char *)"XY" },  /* replace "bc" */
		{ 2, 1, (char *)"!" },   /* overlaps the one before: skipped */
		{ 4, 1, (char *)"" },    /* delete "e" */
		{ 6, 0, (char *)"<" },   /* insert at the end */
		{ 6, 1, (char *)"?" },   /* past the end: skipped */
	};
	size_t len;
	char *out;
	(void)state;
	out = gmf_apply_edits("abcdef", 6, e, 6, &len);
	assert_string_equal(out, ">aXYdf<");
	assert_int_equal(len, 7);
	free(out);
	out = gmf_apply_edits("abc", 3, NULL, 0, &len);
	assert_string_equal(out, "abc");
	assert_int_equal(len, 3);
	free(out);
}

/* The planner only plans: files it has read stay, nothing new appears. */
static void test_renumber_writes_nothing(void **state)
{
	static const char *const names[] = { "001_init.py", "002_main.py",
					     "002_local.py" };
	ctx *c = *state;
	char dir[] = "/tmp/gmf-test-plan.XXXXXX";
	char *src[3];
	size_t nent = 0;
	DIR *d;
	struct dirent *de;

	assert_non_null(mkdtemp(dir));
	src[0] = mig_src("001_init", "None", "", "None");
	src[1] = mig_src("002_main", "'001_init'", "001_init", "None");
	src[2] = mig_src("002_local", "'001_init'", "001_init", "None");
	for (int i = 0; i < 3; i++) {
		char path[128];
		FILE *fp;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(src[i], fp);
		assert_int_equal(fclose(fp), 0);
		ut_add_src(c->g, path, src[i]);
		c->on[i] = i < 2;
	}
	assert_int_equal(plan(c, 1), 0);
	assert_int_equal(c->p.nfiles, 1);
	assert_non_null(strstr(c->p.files[0].new_path, "/003_local.py"));
	assert_int_equal(access(c->p.files[0].new_path, F_OK), -1);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			nent++;
	closedir(d);
	assert_int_equal(nent, 3);
	for (int i = 0; i < 3; i++) {
		char path[128], buf[4096];
		size_t n;
		FILE *fp;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fp = fopen(path, "r");
		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		assert_int_equal(n, strlen(src[i]));
		assert_memory_equal(buf, src[i], n);
		unlink(path);
		free(src[i]);
	}
	rmdir(dir);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_renumber_fork_moves_local_side),
		T(test_renumber_local_chain_moves_in_order),
		T(test_renumber_renumber_off_keeps_names),
		T(test_renumber_hash_ids_rename_files_only),
		T(test_renumber_depends_on_follows_renames),
		T(test_renumber_heads_after_keeps_other_chains),
		T(test_renumber_empty_when_one_head),
		T(test_renumber_onto_chooses_the_kept_head),
		T(test_renumber_onto_not_a_head_refused),
		T(test_renumber_onto_no_such_revision_refused),
		T(test_renumber_move_selects_what_moves),
		T(test_renumber_move_no_such_revision_refused),
		T(test_renumber_move_of_mainline_refused),
		T(test_renumber_move_leaving_two_heads_refused),
		T(test_renumber_no_mainline_refused),
		T(test_renumber_both_heads_on_mainline_refused),
		T(test_renumber_no_head_on_mainline_refused),
		T(test_renumber_moving_mainline_migration_refused),
		T(test_renumber_heads_sharing_a_migration_refused),
		T(test_renumber_missing_parent_refused),
		T(test_renumber_duplicate_revision_refused),
		T(test_renumber_cycle_refused),
		cmocka_unit_test(test_renumber_apply_edits),
		T(test_renumber_writes_nothing),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
