/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for decide: the decision model every repair path asks.  Each
 * test builds a graph in memory, says which nodes are published (and by
 * which reference) and which side git keeps, and asserts the decision:
 * its kind, what would move, why, and the one command named.
 */
#include "unit.h"

#include "gmf/decide.h"

typedef struct {
	gmf_graph *g;
	gmf_findings f;
	gmf_decision d;
	gmf_decide_in in;
	unsigned char pub[16], ours[16];
	const char *by[16];
	int ndirty;          /* the fake index: how many calls said dirty */
	const char *dirty;   /* this path is dirty */
} ctx;

static int setup(void **state)
{
	ctx *c = gmf_xcalloc(1, sizeof(*c));
	c->g = gmf_graph_new();
	gmf_findings_init(&c->f);
	c->in.renumber = 1;
	c->in.mainline_found = 1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	ctx *c = *state;
	gmf_decision_release(&c->d);
	gmf_findings_release(&c->f);
	gmf_graph_free(c->g);
	free(c);
	return 0;
}

/* node index of id, after the check built the graph */
static size_t ix(ctx *c, const char *id)
{
	size_t k = gmf_graph_find(c->g, id);
	assert_true(k != (size_t)-1);
	return k;
}

static void publish(ctx *c, const char *id, const char *by)
{
	size_t k = ix(c, id);
	c->pub[k] = 1;
	c->by[k] = by;
	c->in.published = c->pub;
	c->in.published_by = c->by;
}

static void keep(ctx *c, const char *id)
{
	c->ours[ix(c, id)] = 1;
	c->in.ours = c->ours;
}

static int fake_dirty(void *data, const char *const *paths, const struct stat *const *sts,
		      size_t n, size_t *which)
{
	ctx *c = data;
	(void)sts;
	for (size_t i = 0; i < n; i++)
		if (c->dirty && !strcmp(paths[i], c->dirty)) {
			c->ndirty++;
			*which = i;
			return 1;
		}
	return 0;
}

/* 001 <- 002_m, 001 <- 002_f: the classic fork */
static void fork_graph(ctx *c)
{
	ut_add(c->g, "/p/versions/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "/p/versions/002_m.py", "002_m", "'001_init'", NULL);
	ut_add(c->g, "/p/versions/002_f.py", "002_f", "'001_init'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
}

/* A history that already has a merge migration (the project's way of
 * repairing forks), then a fork 004_m / 004_f after it. */
static void merge_history_graph(ctx *c)
{
	ut_add(c->g, "/p/versions/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "/p/versions/002_a.py", "002_a", "'001_init'", NULL);
	ut_add(c->g, "/p/versions/002_b.py", "002_b", "'001_init'", NULL);
	ut_add(c->g, "/p/versions/003_merge.py", "003_merge", "('002_a', '002_b')", NULL);
	ut_add(c->g, "/p/versions/004_m.py", "004_m", "'003_merge'", NULL);
	ut_add(c->g, "/p/versions/004_f.py", "004_f", "'003_merge'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
}

static void decide(ctx *c)
{
	assert_int_equal(gmf_decide(&c->d, c->g, &c->f, &c->in), 0);
}

static void test_decide_nothing_without_a_fork(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "/p/versions/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "/p/versions/002_m.py", "002_m", "'001_init'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_NOTHING);
	assert_int_equal(c->d.plan.nfiles, 0);
}

static void test_decide_renumber_moves_the_local_side(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "001_init", "origin/main");
	publish(c, "002_m", "origin/main");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
	assert_int_equal(c->d.plan.nmoving, 1);
	assert_string_equal(c->d.plan.moving[0], "002_f");
	assert_string_equal(c->d.plan.onto, "002_m");
	assert_string_equal(c->d.plan.files[0].new_path, "/p/versions/003_f.py");
	assert_null(c->d.why);
}

static void test_decide_both_published_stops_with_merge_command(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "001_init", "origin/main");
	publish(c, "002_m", "origin/main");
	publish(c, "002_f", "origin/feature");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_non_null(strstr(c->d.why, "both sides are published"));
	assert_non_null(strstr(c->d.why, "origin/feature"));
	assert_non_null(strstr(c->d.why, "origin/main"));
	assert_string_equal(c->d.command, "git migrate-fix merge");
	assert_int_equal(c->d.plan.nfiles, 0);
}

static void test_decide_both_published_merge_convention(void **state)
{
	ctx *c = *state;
	merge_history_graph(c);
	publish(c, "004_m", "origin/main");
	publish(c, "004_f", "origin/feature");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_MERGE);
	assert_int_equal(c->d.nheads, 2);
	assert_non_null(strstr(c->d.why, "both sides are published"));
	assert_int_equal(c->d.plan.nfiles, 0);
}

static void test_decide_strategy_merge_always_merges(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "002_m", "origin/main");
	c->in.strategy = GMF_STRATEGY_MERGE;
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_MERGE);
	assert_int_equal(c->d.nheads, 2);
	assert_int_equal(c->d.plan.nfiles, 0);
}

static void test_decide_strategy_renumber_never_merges(void **state)
{
	ctx *c = *state;
	merge_history_graph(c);
	publish(c, "004_m", "origin/main");
	publish(c, "004_f", "v1.0");
	c->in.strategy = GMF_STRATEGY_RENUMBER;
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_non_null(strstr(c->d.why, "v1.0"));
}

static void test_decide_both_local_keeps_the_side_git_keeps(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	keep(c, "001_init");
	keep(c, "002_f");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
	assert_string_equal(c->d.plan.onto, "002_f");
	assert_string_equal(c->d.plan.moving[0], "002_m");
}

static void test_decide_nothing_known_stops(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	c->in.mainline_found = 0;
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_non_null(strstr(c->d.why, "no mainline to tell"));
	assert_non_null(strstr(c->d.command, "git migrate-fix fix --onto"));
}

static void test_decide_local_side_unknown_stops(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "001_init", "origin/main");
	/* git keeps neither head: nothing tells which side is local */
	keep(c, "001_init");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_non_null(strstr(c->d.why, "cannot be told"));
}

static void test_decide_dirty_file_stops(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "002_m", "origin/main");
	c->dirty = "/p/versions/002_f.py";
	c->in.dirty = fake_dirty;
	c->in.dirty_data = c;
	decide(c);
	assert_int_equal(c->ndirty, 1);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_string_equal(c->d.dirty_path, "/p/versions/002_f.py");
	assert_non_null(strstr(c->d.why, "uncommitted changes"));
	assert_int_equal(c->d.plan.nfiles, 0);
}

static void test_decide_clean_files_are_asked_once(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "002_m", "origin/main");
	c->dirty = "/p/versions/elsewhere.py";
	c->in.dirty = fake_dirty;
	c->in.dirty_data = c;
	decide(c);
	assert_int_equal(c->ndirty, 0);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
}

static void test_decide_published_on_the_moving_side_stops(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "/p/versions/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "/p/versions/002_m.py", "002_m", "'001_init'", NULL);
	ut_add(c->g, "/p/versions/002_f.py", "002_f", "'001_init'", NULL);
	ut_add(c->g, "/p/versions/003_f.py", "003_f", "'002_f'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	publish(c, "002_m", "origin/main");
	publish(c, "002_f", "v2.0");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_non_null(strstr(c->d.why, "002_f would have to move after 002_m"));
	assert_non_null(strstr(c->d.why, "v2.0"));
}

static void test_decide_explicit_onto_never_moves_published(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	publish(c, "002_m", "origin/main");
	c->in.onto = "002_f";
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_int_equal(c->d.plan.nfiles, 0);
}

static void test_decide_explicit_onto_local(void **state)
{
	ctx *c = *state;
	fork_graph(c);
	c->in.mainline_found = 0;
	c->in.onto = "002_m";
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
	assert_string_equal(c->d.plan.moving[0], "002_f");
}

static void test_decide_incurable_names_check(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "/p/versions/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "/p/versions/002_m.py", "002_m", "'001_init'", NULL);
	ut_add(c->g, "/p/versions/002_f.py", "002_f", "'nowhere'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	publish(c, "002_m", "origin/main");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_STOP);
	assert_string_equal(c->d.command, "git migrate-fix check");
}


/* A hash-id project whose history joins forks with merge migrations,
 * then a fork c3 / c4 where c4 is local and could move. */
static void hash_merge_graph(ctx *c)
{
	ut_add(c->g, "/p/versions/a1a1a1a1a1a1_init.py", "a1a1a1a1a1a1", "None", NULL);
	ut_add(c->g, "/p/versions/b1b1b1b1b1b1_a.py", "b1b1b1b1b1b1", "'a1a1a1a1a1a1'", NULL);
	ut_add(c->g, "/p/versions/b2b2b2b2b2b2_b.py", "b2b2b2b2b2b2", "'a1a1a1a1a1a1'", NULL);
	ut_add(c->g, "/p/versions/c1c1c1c1c1c1_merge.py", "c1c1c1c1c1c1",
	       "('b1b1b1b1b1b1', 'b2b2b2b2b2b2')", NULL);
	ut_add(c->g, "/p/versions/c3c3c3c3c3c3_m.py", "c3c3c3c3c3c3", "'c1c1c1c1c1c1'", NULL);
	ut_add(c->g, "/p/versions/c4c4c4c4c4c4_f.py", "c4c4c4c4c4c4", "'c1c1c1c1c1c1'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
}

static void test_decide_convention_from_the_tree(void **state)
{
	ctx *c = *state;
	gmf_convention conv;

	hash_merge_graph(c);
	gmf_convention_detect(&conv, c->g);
	assert_int_equal(conv.strategy, GMF_STRATEGY_MERGE);
	assert_non_null(strstr(conv.why, "1 merge migration in the tree (c1c1c1c1c1c1)"));
	assert_non_null(strstr(conv.why, "generated revision ids"));
	gmf_convention_release(&conv);
	gmf_graph_free(c->g);
	c->g = gmf_graph_new();
	gmf_findings_release(&c->f);
	gmf_findings_init(&c->f);

	/* numbered files: renumbering, even with a merge migration */
	merge_history_graph(c);
	gmf_convention_detect(&conv, c->g);
	assert_int_equal(conv.strategy, GMF_STRATEGY_RENUMBER);
	assert_non_null(strstr(conv.why, "numbered in sequence"));
	assert_non_null(strstr(conv.why, "1 merge migration"));
	gmf_convention_release(&conv);
	gmf_graph_free(c->g);
	c->g = gmf_graph_new();
	gmf_findings_release(&c->f);
	gmf_findings_init(&c->f);

	/* hash ids without a merge migration: re-parenting */
	ut_add(c->g, "/p/versions/a1a1a1a1a1a1_init.py", "a1a1a1a1a1a1", "None", NULL);
	ut_add(c->g, "/p/versions/b1b1b1b1b1b1_a.py", "b1b1b1b1b1b1", "'a1a1a1a1a1a1'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	gmf_convention_detect(&conv, c->g);
	assert_int_equal(conv.strategy, GMF_STRATEGY_RENUMBER);
	assert_non_null(strstr(conv.why, "no merge migration"));
	gmf_convention_release(&conv);
}

/* A migration whose docstring names an older parent than its code. */
static void add_moved(ctx *c, const char *path, const char *rev, const char *was,
		      const char *down)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb, "\"\"\"x\n\nRevision ID: %s\nRevises: %s\n\"\"\"\n"
			"revision = '%s'\ndown_revision = '%s'\n", rev, was, rev, down);
	ut_add_src(c->g, path, sb.buf);
	gmf_strbuf_release(&sb);
}

/* Hash ids; b2, made on a1, moved onto a2 by hand; then the merge c1 of
 * b1 and b2, and c3 on it. */
static void moved_then_merged(ctx *c)
{
	ut_add(c->g, "/p/versions/a1a1a1a1a1a1_init.py", "a1a1a1a1a1a1", "None", NULL);
	ut_add(c->g, "/p/versions/a2a2a2a2a2a2_a.py", "a2a2a2a2a2a2", "'a1a1a1a1a1a1'", NULL);
	ut_add(c->g, "/p/versions/b1b1b1b1b1b1_b.py", "b1b1b1b1b1b1", "'a2a2a2a2a2a2'", NULL);
	add_moved(c, "/p/versions/b2b2b2b2b2b2_c.py", "b2b2b2b2b2b2", "a1a1a1a1a1a1",
		  "a2a2a2a2a2a2");
	ut_add(c->g, "/p/versions/c1c1c1c1c1c1_merge.py", "c1c1c1c1c1c1",
	       "('b1b1b1b1b1b1', 'b2b2b2b2b2b2')", NULL);
	ut_add(c->g, "/p/versions/c3c3c3c3c3c3_m.py", "c3c3c3c3c3c3", "'c1c1c1c1c1c1'", NULL);
}

static void test_decide_convention_latest_habit(void **state)
{
	ctx *c = *state;
	gmf_convention conv;

	/* re-parented by hand before the last merge migration: merges */
	moved_then_merged(c);
	/* a docstring naming a sibling, not an ancestor: no evidence */
	add_moved(c, "/p/versions/c4c4c4c4c4c4_f.py", "c4c4c4c4c4c4", "c3c3c3c3c3c3",
		  "c1c1c1c1c1c1");
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	gmf_convention_detect(&conv, c->g);
	assert_int_equal(conv.strategy, GMF_STRATEGY_MERGE);
	gmf_convention_release(&conv);
	gmf_graph_free(c->g);
	gmf_findings_release(&c->f);
	gmf_findings_init(&c->f);

	/* the same, then d1, made on c1, moved onto c3 by hand: re-parenting */
	c->g = gmf_graph_new();
	moved_then_merged(c);
	add_moved(c, "/p/versions/d1d1d1d1d1d1_g.py", "d1d1d1d1d1d1", "c1c1c1c1c1c1",
		  "c3c3c3c3c3c3");
	ut_add(c->g, "/p/versions/e1e1e1e1e1e1_h.py", "e1e1e1e1e1e1", "'d1d1d1d1d1d1'", NULL);
	ut_add(c->g, "/p/versions/e2e2e2e2e2e2_i.py", "e2e2e2e2e2e2", "'d1d1d1d1d1d1'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	gmf_convention_detect(&conv, c->g);
	assert_int_equal(conv.strategy, GMF_STRATEGY_RENUMBER);
	assert_non_null(strstr(conv.why, "(the last c1c1c1c1c1c1), but d1d1d1d1d1d1"));
	assert_non_null(strstr(conv.why, "'Revises: c1c1c1c1c1c1', its down_revision is "
					 "c3c3c3c3c3c3"));
	gmf_convention_release(&conv);
	/* and the fork e1 / e2 is re-parented, not merged */
	publish(c, "e1e1e1e1e1e1", "origin/main");
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
	assert_int_equal(c->d.plan.nfiles, 1);
}

static void test_decide_auto_follows_a_merge_convention(void **state)
{
	ctx *c = *state;
	hash_merge_graph(c);
	publish(c, "c3c3c3c3c3c3", "origin/main");
	decide(c);
	/* c4 is local and could move, but the project joins with merges */
	assert_int_equal(c->d.kind, GMF_DECIDE_MERGE);
	assert_int_equal(c->d.nheads, 2);
	assert_int_equal(c->d.plan.nfiles, 0);
	assert_non_null(strstr(c->d.why, "the project's convention (strategy auto)"));
	/* strategy renumber (move) and an explicit --onto still renumber */
	gmf_decision_release(&c->d);
	c->in.strategy = GMF_STRATEGY_RENUMBER;
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
	assert_string_equal(c->d.plan.moving[0], "c4c4c4c4c4c4");
	gmf_decision_release(&c->d);
	c->in.strategy = GMF_STRATEGY_AUTO;
	c->in.onto = "c3c3c3c3c3c3";
	decide(c);
	assert_int_equal(c->d.kind, GMF_DECIDE_RENUMBER);
}

static void test_decide_strategy_names(void **state)
{
	(void)state;
	assert_int_equal(gmf_strategy_parse(NULL), GMF_STRATEGY_AUTO);
	assert_int_equal(gmf_strategy_parse("auto"), GMF_STRATEGY_AUTO);
	assert_int_equal(gmf_strategy_parse("renumber"), GMF_STRATEGY_RENUMBER);
	assert_int_equal(gmf_strategy_parse("merge"), GMF_STRATEGY_MERGE);
	assert_int_equal(gmf_strategy_parse("Merge"), -1);
	assert_string_equal(gmf_decision_kind_name(GMF_DECIDE_STOP), "stop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_decide_nothing_without_a_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_renumber_moves_the_local_side, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_both_published_stops_with_merge_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_both_published_merge_convention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_strategy_merge_always_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_strategy_renumber_never_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_both_local_keeps_the_side_git_keeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_nothing_known_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_local_side_unknown_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_dirty_file_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_clean_files_are_asked_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_published_on_the_moving_side_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_explicit_onto_never_moves_published, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_explicit_onto_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_incurable_names_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_convention_from_the_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_convention_latest_habit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_auto_follows_a_merge_convention, setup, teardown),
		cmocka_unit_test(test_decide_strategy_names),
	};
	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
