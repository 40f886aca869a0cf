/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for graph: each check has a case that must fire and one that
 * must not, with codes, severities, locations and revisions.
 */
#include "unit.h"

#define NONE_IDX ((size_t)-1)

typedef struct {
	gmf_graph *g;
	gmf_findings f;
} ctx;

static int setup(void **state)
{
	ctx *c = gmf_xcalloc(1, sizeof(*c));
	c->g = gmf_graph_new();
	gmf_findings_init(&c->f);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	ctx *c = *state;
	gmf_findings_release(&c->f);
	gmf_graph_free(c->g);
	free(c);
	return 0;
}

static void run(ctx *c, gmf_naming naming, const char *tpl)
{
	gmf_graph_build(c->g);
	gmf_graph_check(c->g, naming, tpl, &c->f);
	ut_dump(&c->f);
}

/* Asserts the graph produced no finding at all. */
#define assert_clean(c) assert_int_equal((c)->f.n, 0)

/* ------------------------------------------------------------- basics */

static void test_graph_clean_chain(void **state)
{
	ctx *c = *state;
	size_t *ends, n;
	ut_add(c->g, "v/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "v/002_users.py", "002_users", "'001_init'", NULL);
	ut_add(c->g, "v/003_widgets.py", "003_widgets", "'002_users'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_clean(c);
	assert_int_equal(gmf_findings_worst(&c->f), 0);
	assert_int_equal(gmf_graph_count(c->g), 3);
	assert_int_equal(gmf_graph_find(c->g, "002_users"), 1);
	assert_int_equal(gmf_graph_find(c->g, "nope"), NONE_IDX);
	assert_string_equal(gmf_graph_node(c->g, 2)->id, "003_widgets");
	assert_null(gmf_graph_node(c->g, 3));
	assert_int_equal(gmf_graph_node(c->g, 1)->nparents, 1);
	assert_int_equal(gmf_graph_node(c->g, 1)->parents[0], 0);
	assert_int_equal(gmf_graph_node(c->g, 1)->nchildren, 1);
	assert_int_equal(gmf_graph_node(c->g, 1)->children[0], 2);
	assert_int_equal(gmf_graph_node(c->g, 0)->component,
			 gmf_graph_node(c->g, 2)->component);
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, 1);
	assert_int_equal(ends[0], 2);
	free(ends);
	n = gmf_graph_roots(c->g, &ends);
	assert_int_equal(n, 1);
	assert_int_equal(ends[0], 0);
	free(ends);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	assert_true(gmf_graph_is_sequenced(c->g));
}

static void test_graph_check_builds_when_needed(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'zz'", NULL);
	gmf_graph_check(c->g, GMF_NAMING_NONE, NULL, &c->f); /* no build call */
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_PARENT), 1);
}

static void test_graph_code_and_severity_names(void **state)
{
	static const struct { gmf_finding_code c; const char *name; gmf_severity s; } t[] = {
		{ GMF_F_UNREADABLE, "unreadable", GMF_SEV_FATAL },
		{ GMF_F_PARSE, "parse-error", GMF_SEV_FATAL },
		{ GMF_F_DUPLICATE_REVISION, "duplicate-revision", GMF_SEV_ERROR },
		{ GMF_F_MISSING_PARENT, "missing-parent", GMF_SEV_ERROR },
		{ GMF_F_MISSING_DEPENDENCY, "missing-dependency", GMF_SEV_ERROR },
		{ GMF_F_MULTIPLE_HEADS, "multiple-heads", GMF_SEV_ERROR },
		{ GMF_F_MULTIPLE_ROOTS, "multiple-roots", GMF_SEV_ERROR },
		{ GMF_F_CYCLE, "cycle", GMF_SEV_ERROR },
		{ GMF_F_FILENAME_MISMATCH, "filename-mismatch", GMF_SEV_ERROR },
		{ GMF_F_UNSAFE_ID, "unsafe-revision-id", GMF_SEV_ERROR },
		{ GMF_F_OPAQUE_VALUE, "opaque-value", GMF_SEV_WARNING },
		{ GMF_F_DOCSTRING_MISMATCH, "docstring-mismatch", GMF_SEV_WARNING },
		{ GMF_F_DUPLICATE_SEQUENCE, "duplicate-sequence", GMF_SEV_WARNING },
		{ GMF_F_REASSIGNED, "reassigned", GMF_SEV_WARNING },
	};
	gmf_findings f;
	(void)state;
	gmf_findings_init(&f);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		gmf_finding *x;
		assert_string_equal(gmf_finding_code_name(t[i].c), t[i].name);
		x = gmf_findings_add(&f, t[i].c, NULL, "msg %zu", i);
		assert_int_equal(x->severity, t[i].s);
		assert_string_equal(x->hint, "");
	}
	assert_string_equal(gmf_finding_code_name(GMF_F__COUNT), "unknown");
	assert_string_equal(gmf_severity_name(GMF_SEV_WARNING), "warning");
	assert_string_equal(gmf_severity_name(GMF_SEV_ERROR), "error");
	assert_string_equal(gmf_severity_name(GMF_SEV_FATAL), "fatal");
	assert_int_equal(gmf_findings_worst(&f), GMF_SEV_FATAL);
	assert_string_equal(f.items[3].message, "msg 3");
	gmf_findings_release(&f);
	assert_int_equal(f.n, 0);
}

/* migrate-fix.ignore: names back to codes; only warnings are dropped */
static void test_graph_findings_drop_warnings_only(void **state)
{
	gmf_findings f;
	unsigned long mask;
	(void)state;
	assert_int_equal(gmf_finding_code_parse("duplicate-sequence"), GMF_F_DUPLICATE_SEQUENCE);
	assert_int_equal(gmf_finding_code_parse("stale-lockfile"), GMF_F_LOCKFILE);
	assert_int_equal(gmf_finding_code_parse("nope"), -1);
	assert_int_equal(gmf_finding_code_severity(GMF_F_MULTIPLE_HEADS), GMF_SEV_ERROR);
	gmf_findings_init(&f);
	gmf_finding_add_loc(gmf_findings_add(&f, GMF_F_DUPLICATE_SEQUENCE, "h", "seq"), "a.py", 0);
	gmf_findings_add(&f, GMF_F_MULTIPLE_HEADS, "h", "heads");
	gmf_findings_add(&f, GMF_F_DOCSTRING_MISMATCH, "h", "doc");
	gmf_findings_add(&f, GMF_F_DUPLICATE_SEQUENCE, "h", "seq again");
	/* an error's bit in the mask changes nothing */
	mask = (1UL << GMF_F_DUPLICATE_SEQUENCE) | (1UL << GMF_F_MULTIPLE_HEADS);
	assert_int_equal(gmf_findings_drop(&f, mask), 2);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.items[0].message, "heads");
	assert_string_equal(f.items[1].message, "doc");
	assert_int_equal(gmf_findings_drop(&f, 0), 0);
	gmf_findings_release(&f);
}

static void test_graph_finding_locs_and_revs(void **state)
{
	gmf_findings f;
	gmf_finding *x;
	(void)state;
	gmf_findings_init(&f);
	x = gmf_findings_add(&f, GMF_F_REASSIGNED, "do %s", "a %s %d", "b", 3);
	assert_string_equal(x->message, "a b 3");
	assert_string_equal(x->hint, "do %s"); /* the hint is copied, not formatted */
	gmf_finding_add_loc(x, "p.py", 7);
	gmf_finding_add_rev(x, "r1");
	gmf_finding_add_rev(x, "r1"); /* no duplicates */
	gmf_finding_add_rev(x, "r2");
	assert_int_equal(x->nlocs, 1);
	assert_string_equal(x->locs[0].path, "p.py");
	assert_int_equal(x->locs[0].line, 7);
	assert_int_equal(x->nrevisions, 2);
	assert_int_equal(gmf_findings_worst(&f), GMF_SEV_WARNING);
	gmf_findings_release(&f);
	gmf_findings_init(&f);
	assert_int_equal(gmf_findings_worst(&f), 0);
}

/* --------------------------------------------------- duplicate-revision */

static void test_graph_duplicate_revision_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	size_t *ends, n;
	ut_add(c->g, "v/001_a.py", "001_a", "None", NULL);
	ut_add(c->g, "v/002_b.py", "002_b", "'001_a'", NULL);
	ut_add(c->g, "v/002_c.py", "002_b", "'001_a'", "\n\n# copy\n");
	ut_add(c->g, "v/002_d.py", "002_b", "'001_a'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_DUPLICATE_REVISION), 1);
	x = ut_nth(&c->f, GMF_F_DUPLICATE_REVISION, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_int_equal(x->nlocs, 3);
	assert_string_equal(x->locs[0].path, "v/002_b.py");
	assert_int_equal(x->locs[0].line, 1);
	assert_true(ut_has_loc(x, "v/002_c.py", 1));
	assert_true(ut_has_loc(x, "v/002_d.py", 1));
	assert_int_equal(x->nrevisions, 1);
	assert_string_equal(x->revisions[0], "002_b");
	assert_true(gmf_graph_node(c->g, 2)->duplicate);
	assert_false(gmf_graph_node(c->g, 1)->duplicate);
	/* the copies do not count as extra heads */
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, 1);
	assert_int_equal(ends[0], 1);
	free(ends);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 0);
}

static void test_graph_duplicate_revision_quiet(void **state)
{
	ctx *c = *state;
	/* same slug, different ids: nothing wrong */
	ut_add(c->g, "v/aaaa_add.py", "aaaa", "None", NULL);
	ut_add(c->g, "v/bbbb_add.py", "bbbb", "'aaaa'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_clean(c);
}

/* ------------------------------------------------------- missing-parent */

static void test_graph_missing_parent_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/m.py", "m", "(\n    'a',\n    'gone',\n)", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_PARENT), 1);
	x = ut_nth(&c->f, GMF_F_MISSING_PARENT, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(gmf_finding_code_name(x->code), "missing-parent");
	assert_int_equal(x->nlocs, 1);
	assert_string_equal(x->locs[0].path, "v/m.py");
	assert_int_equal(x->locs[0].line, 4); /* the line of 'gone' */
	assert_true(ut_has_rev(x, "m"));
	assert_true(ut_has_rev(x, "gone"));
	assert_false(ut_has_rev(x, "a"));
}

static void test_graph_missing_parent_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", NULL);
	ut_add(c->g, "v/c.py", "c", "'a'", NULL);
	ut_add(c->g, "v/m.py", "m", "('b', 'c')", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
	assert_int_equal(gmf_graph_node(c->g, 3)->nparents, 2);
}

/* --------------------------------------------------- missing-dependency */

static void test_graph_missing_dependency_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", "depends_on = (\n    'a',\n    'users_v2',\n)\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_DEPENDENCY), 1);
	x = ut_nth(&c->f, GMF_F_MISSING_DEPENDENCY, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(x->locs[0].path, "v/b.py");
	assert_int_equal(x->locs[0].line, 5);
	assert_true(ut_has_rev(x, "b"));
	assert_non_null(strstr(x->message, "users_v2"));
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_PARENT), 0);
}

static void test_graph_missing_dependency_label_or_revision_quiet(void **state)
{
	ctx *c = *state;
	/* two independent chains; the second depends on the first's label */
	ut_add(c->g, "v/core1.py", "core1", "None", "branch_labels = ('core',)\n");
	ut_add(c->g, "v/core2.py", "core2", "'core1'", NULL);
	ut_add(c->g, "v/ten1.py", "ten1", "None",
	       "branch_labels = 'tenant'\ndepends_on = 'core'\n");
	ut_add(c->g, "v/ten2.py", "ten2", "'ten1'", "depends_on = ['core2', 'tenant']\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
}

/* ------------------------------------------------------- multiple-heads */

static void test_graph_multiple_heads_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	size_t *ends, n;
	ut_add(c->g, "v/035_init.py", "035_init", "None", NULL);
	ut_add(c->g, "v/036_tags.py", "036_tags", "'035_init'", NULL);
	ut_add(c->g, "v/037_users.py", "037_users", "'036_tags'", NULL);
	ut_add(c->g, "v/038_widgets.py", "038_widgets", "'037_users'", NULL);
	ut_add(c->g, "v/038_gadgets.py", "038_gadgets", "'037_users'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 1);
	x = ut_nth(&c->f, GMF_F_MULTIPLE_HEADS, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(gmf_finding_code_name(x->code), "multiple-heads");
	assert_int_equal(x->nlocs, 2);
	assert_true(ut_has_loc(x, "v/038_widgets.py", 1));
	assert_true(ut_has_loc(x, "v/038_gadgets.py", 1));
	assert_int_equal(x->nrevisions, 2);
	assert_true(ut_has_rev(x, "038_widgets"));
	assert_true(ut_has_rev(x, "038_gadgets"));
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, 2);
	assert_int_equal(ends[0], 3); /* file order */
	assert_int_equal(ends[1], 4);
	free(ends);
	/* the shared 038 also shows up as a duplicate sequence number */
	assert_int_equal(ut_count(&c->f, GMF_F_DUPLICATE_SEQUENCE), 1);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_ROOTS), 0);
}

static void test_graph_multiple_heads_labelled_branches_quiet(void **state)
{
	ctx *c = *state;
	size_t *ends, n;
	char *l;
	/* expand / contract: two heads on purpose, one per labelled branch */
	ut_add(c->g, "v/base.py", "base", "None", NULL);
	ut_add(c->g, "v/ex1.py", "ex1", "'base'", "branch_labels = ('expand',)\n");
	ut_add(c->g, "v/ex2.py", "ex2", "'ex1'", NULL);
	ut_add(c->g, "v/co1.py", "co1", "'base'", "branch_labels = ('contract',)\n");
	ut_add(c->g, "v/co2.py", "co2", "'co1'", "depends_on = 'ex2'\n");
	run(c, GMF_NAMING_AUTO, NULL);
	assert_clean(c);
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, 2);
	assert_int_equal(ends[0], 2);
	assert_int_equal(ends[1], 4);
	free(ends);
	l = gmf_graph_branch_labels(c->g, 2);
	assert_string_equal(l, "expand");
	free(l);
	l = gmf_graph_branch_labels(c->g, 4);
	assert_string_equal(l, "contract");
	free(l);
}

static void test_graph_multiple_heads_inside_labelled_branch_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/base.py", "base", "None", NULL);
	ut_add(c->g, "v/ex1.py", "ex1", "'base'", "branch_labels = ('expand',)\n");
	ut_add(c->g, "v/ex2.py", "ex2", "'ex1'", NULL);
	ut_add(c->g, "v/ex3.py", "ex3", "'ex1'", NULL);
	ut_add(c->g, "v/co1.py", "co1", "'base'", "branch_labels = ('contract',)\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 1);
	x = ut_nth(&c->f, GMF_F_MULTIPLE_HEADS, 0);
	assert_int_equal(x->nrevisions, 2);
	assert_true(ut_has_rev(x, "ex2"));
	assert_true(ut_has_rev(x, "ex3"));
	assert_false(ut_has_rev(x, "co1"));
}

static void test_graph_multiple_heads_unlabelled_chains_fire(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	/* two roots, no labels: `alembic upgrade head` fails on two heads */
	ut_add(c->g, "v/a1.py", "a1", "None", NULL);
	ut_add(c->g, "v/a2.py", "a2", "'a1'", NULL);
	ut_add(c->g, "v/b1.py", "b1", "None", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 1);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_ROOTS), 0);
	x = ut_nth(&c->f, GMF_F_MULTIPLE_HEADS, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_true(ut_has_rev(x, "a2"));
	assert_true(ut_has_rev(x, "b1"));
	assert_non_null(strstr(x->message, "without branch labels"));
}

static void test_graph_multiple_heads_independent_chains_quiet(void **state)
{
	ctx *c = *state;
	size_t *ends, n;
	/* one chain per database, each with its own label */
	ut_add(c->g, "v/a1.py", "a1", "None", "branch_labels = ('a',)\n");
	ut_add(c->g, "v/a2.py", "a2", "'a1'", NULL);
	ut_add(c->g, "v/b1.py", "b1", "None", "branch_labels = ('b',)\n");
	ut_add(c->g, "v/b2.py", "b2", "'b1'", NULL);
	ut_add(c->g, "v/b3.py", "b3", "'b2'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_clean(c);
	assert_int_not_equal(gmf_graph_node(c->g, 0)->component,
			     gmf_graph_node(c->g, 2)->component);
	assert_int_equal(gmf_graph_node(c->g, 2)->component,
			 gmf_graph_node(c->g, 4)->component);
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, 2);
	free(ends);
	n = gmf_graph_roots(c->g, &ends);
	assert_int_equal(n, 2);
	assert_int_equal(ends[0], 0);
	assert_int_equal(ends[1], 2);
	free(ends);
}

static void test_graph_merge_point_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", NULL);
	ut_add(c->g, "v/c.py", "c", "'a'", NULL);
	ut_add(c->g, "v/d.py", "d", "'a'", NULL);
	ut_add(c->g, "v/m.py", "m", "('b', 'c', 'd')", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
}

/* ------------------------------------------------------- multiple-roots */

static void test_graph_multiple_roots_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/001_initial.py", "001_initial", "None", NULL);
	ut_add(c->g, "v/002_x.py", "002_x", "'001_initial'", NULL);
	ut_add(c->g, "v/045_audit.py", "045_audit", "()", NULL); /* empty tuple: a root */
	ut_add(c->g, "v/046_merge.py", "046_merge", "('002_x', '045_audit')", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_ROOTS), 1);
	x = ut_nth(&c->f, GMF_F_MULTIPLE_ROOTS, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(gmf_finding_code_name(x->code), "multiple-roots");
	assert_int_equal(x->nlocs, 2);
	assert_true(ut_has_loc(x, "v/001_initial.py", 1));
	assert_true(ut_has_loc(x, "v/045_audit.py", 1));
	assert_true(ut_has_rev(x, "001_initial"));
	assert_true(ut_has_rev(x, "045_audit"));
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 0);
}

static void test_graph_multiple_roots_labelled_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/core.py", "core", "None", "branch_labels = ('core',)\n");
	ut_add(c->g, "v/tenant.py", "tenant", "None", "branch_labels = ('tenant',)\n");
	ut_add(c->g, "v/join.py", "join", "('core', 'tenant')", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
}

static void test_graph_multiple_roots_independent_quiet(void **state)
{
	ctx *c = *state;
	/* roots are judged per chain: two chains, one root each (their two
	 * unlabelled heads are the finding) */
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "None", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_ROOTS), 0);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 1);
}

static void test_graph_empty_strings_as_alembic_reads_them(void **state)
{
	ctx *c = *state;
	size_t *roots, n;
	/* down_revision = "": a base (Alembic 1.8); depends_on = "" on a
	 * child: a dependency on nothing */
	ut_add(c->g, "v/a.py", "a", "''", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", "depends_on = ''\n");
	ut_add(c->g, "v/c.py", "c", "'b'", "depends_on = ('',)\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
	n = gmf_graph_roots(c->g, &roots);
	assert_int_equal(n, 1);
	assert_string_equal(gmf_graph_node(c->g, roots[0])->id, "a");
	free(roots);
}

static void test_graph_empty_dependency_on_a_root_is_alembic_cycle(void **state)
{
	ctx *c = *state;
	/* Alembic: a root with depends_on = "" is no real base, so
	 * DependencyCycleDetected; "" among other ids: KeyError */
	ut_add(c->g, "v/a.py", "a", "''", "depends_on = ''\n");
	ut_add(c->g, "v/b.py", "b", "'a'", "depends_on = ('a', '')\n");
	ut_add(c->g, "v/r.py", "r", "None", "depends_on = ('',)\n");
	ut_add(c->g, "v/s.py", "s", "None", "depends_on = ()\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 2);
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_DEPENDENCY), 1);
}

static void test_graph_expression_labels_make_branches(void **state)
{
	ctx *c = *state;
	/* expand/contract with labels the reader cannot evaluate: one head
	 * per labelled branch is fine, and depends_on may name them */
	ut_add(c->g, "v/r.py", "r", "None", NULL);
	ut_add(c->g, "v/e.py", "e", "'r'", "branch_labels = (cli.EXPAND_BRANCH,)\n");
	ut_add(c->g, "v/k.py", "k", "'r'",
	       "branch_labels = ('ocata01', migration.CONTRACT_BRANCH)\n"
	       "depends_on = ('expand',)\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 0);
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_DEPENDENCY), 0);
	assert_int_equal(ut_count(&c->f, GMF_F_OPAQUE_VALUE), 2);
	/* a second head inside one of them is still a fork */
	gmf_findings_release(&c->f);
	ut_add(c->g, "v/e2.py", "e2", "'e'", NULL);
	ut_add(c->g, "v/e3.py", "e3", "'e'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_HEADS), 1);
}

/* Many heads, a long cycle, many duplicates: one finding each, all ids
 * named once (the costs are linear; make bench measures them). */
static void test_graph_big_findings_name_each_revision_once(void **state)
{
	ctx *c = *state;
	char id[32], down[32];
	const gmf_finding *x;
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		snprintf(down, sizeof(down), "'c%d'", (i + 1) % 300);
		ut_add(c->g, "v/c.py", id, down, NULL);
	}
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 1);
	x = ut_nth(&c->f, GMF_F_CYCLE, 0);
	assert_int_equal(x->nrevisions, 300);
	assert_true(ut_has_rev(x, "c0") && ut_has_rev(x, "c299"));
}

/* ----------------------------------------------------------------- cycle */

static void test_graph_cycle_two(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/root.py", "root", "None", NULL);
	ut_add(c->g, "v/a.py", "a", "'b'", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 1);
	x = ut_nth(&c->f, GMF_F_CYCLE, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(gmf_finding_code_name(x->code), "cycle");
	assert_int_equal(x->nrevisions, 2);
	assert_true(ut_has_rev(x, "a"));
	assert_true(ut_has_rev(x, "b"));
	assert_int_equal(x->nlocs, 2);
	assert_true(ut_has_loc(x, "v/a.py", 2));
	assert_true(ut_has_loc(x, "v/b.py", 2));
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_PARENT), 0);
}

static void test_graph_cycle_three_with_tail(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "'c'", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", NULL);
	ut_add(c->g, "v/c.py", "c", "'b'", NULL);
	ut_add(c->g, "v/d.py", "d", "'b'", NULL); /* hangs off the cycle */
	ut_add(c->g, "v/e.py", "e", "'d'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 1);
	x = ut_nth(&c->f, GMF_F_CYCLE, 0);
	assert_int_equal(x->nrevisions, 3);
	assert_true(ut_has_rev(x, "a"));
	assert_true(ut_has_rev(x, "b"));
	assert_true(ut_has_rev(x, "c"));
	assert_false(ut_has_rev(x, "d"));
	assert_non_null(strstr(x->message, " -> "));
}

static void test_graph_cycle_self_parent(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "(\n    'a',\n    'b',\n)", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 1);
	x = ut_nth(&c->f, GMF_F_CYCLE, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(x->locs[0].path, "v/b.py");
	assert_int_equal(x->locs[0].line, 4);
	assert_int_equal(x->nrevisions, 1);
	assert_string_equal(x->revisions[0], "b");
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_PARENT), 0);
}

static void test_graph_cycle_quiet_on_diamond(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'", NULL);
	ut_add(c->g, "v/c.py", "c", "'a'", NULL);
	ut_add(c->g, "v/d.py", "d", "('b', 'c')", NULL);
	ut_add(c->g, "v/e.py", "e", "('d', 'a')", NULL); /* a shortcut edge */
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 0);
	assert_clean(c);
}

/* ----------------------------------------------------- filename-mismatch */

/* n files named by fmt(i) holding id idfmt(i), chained. */
static void add_chain(gmf_graph *g, size_t n, const char *const *paths,
		      const char *const *ids)
{
	for (size_t i = 0; i < n; i++) {
		char down[128];
		if (i)
			snprintf(down, sizeof(down), "'%s'", ids[i - 1]);
		else
			snprintf(down, sizeof(down), "None");
		ut_add(g, paths[i], ids[i], down, NULL);
	}
}

static void test_graph_filename_stem_fires(void **state)
{
	static const char *const paths[] = {
		"v/001_a.py", "v/002_b.py", "v/003_c.py", "v/004_d.py", "v/005_e.py",
		"v/006_f.py", "v/007_g.py", "v/008_h.py", "v/009_i.py", "v/010_j.py",
	};
	static const char *const ids[] = {
		"001_a", "002_b", "003_c", "004_d", "005_e",
		"006_f", "007_g", "008_hh", "009_i", "010_j",
	};
	ctx *c = *state;
	const gmf_finding *x;
	add_chain(c->g, 10, paths, ids);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 1);
	x = ut_nth(&c->f, GMF_F_FILENAME_MISMATCH, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(gmf_finding_code_name(x->code), "filename-mismatch");
	assert_string_equal(x->locs[0].path, "v/008_h.py");
	assert_int_equal(x->locs[0].line, 1);
	assert_int_equal(x->nrevisions, 1);
	assert_string_equal(x->revisions[0], "008_hh");
	assert_int_equal(c->f.n, 1);
}

/* Many old exceptions in a stem-named project: warnings, not errors. */
static void test_graph_filename_stem_loose_warns(void **state)
{
	static const char *const paths[] = {
		"v/001_a.py", "v/002_b.py", "v/003_c.py", "v/004_d.py", "v/005_e.py",
		"v/006_f.py", "v/007_g.py", "v/008_h.py", "v/009_i.py", "v/010_j.py",
		"v/011_k.py", "v/012_l.py", "v/013_m.py", "v/014_n.py", "v/015_o.py",
		"v/016_p.py", "v/017_q.py", "v/018_r.py", "v/019_s.py", "v/020_t.py",
	};
	static const char *const ids[] = {
		"001_a", "002_b", "003_c", "004_d", "005_e",
		"006_f", "007_g", "008_hh", "009_i", "010_j",
		"011_k", "012_l", "013_m", "014_n", "015_oo",
		"016_p", "017_q", "018_r", "019_s", "020_t",
	};
	ctx *c = *state;
	add_chain(c->g, 20, paths, ids);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 2);
	assert_int_equal(ut_nth(&c->f, GMF_F_FILENAME_MISMATCH, 0)->severity, GMF_SEV_WARNING);
	assert_int_equal(ut_nth(&c->f, GMF_F_FILENAME_MISMATCH, 1)->severity, GMF_SEV_WARNING);
}

static void test_graph_filename_explicit_stem_fires(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/001_a.py", "001_a", "None", NULL);
	ut_add(c->g, "v/002_b.py", "002_x", "'001_a'", NULL);
	run(c, GMF_NAMING_STEM, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 1);
	assert_true(ut_has_rev(ut_nth(&c->f, GMF_F_FILENAME_MISMATCH, 0), "002_x"));
}

static void test_graph_filename_prefix_fires(void **state)
{
	static const char *const paths[] = {
		"v/a1b2c3d4e5f6_add_owner.py", "v/b1b2c3d4e5f6_.py",
		"v/c1b2c3d4e5f6_add_x.py", "v/d1b2c3d4e5f6_add_y.py",
		"v/e1b2c3d4e5f6_add_z.py", "v/f1b2c3d4e5f6_add_w.py",
		"v/01b2c3d4e5f6_add_v.py", "v/11b2c3d4e5f6.py",
		"v/21b2c3d4e5f6_add_t.py", "v/31b2c3d4e5f6_add_s.py",
	};
	static const char *const ids[] = {
		"a1b2c3d4e5f6", "b1b2c3d4e5f6", "c1b2c3d4e5f6", "d1b2c3d4e5f6",
		"e1b2c3d4e5f6", "f1b2c3d4e5f6", "01b2c3d4e5f6", "11b2c3d4e5f6",
		"21b2c3d4e5f6", "99b2c3d4e5f6",
	};
	ctx *c = *state;
	const gmf_finding *x;
	add_chain(c->g, 10, paths, ids);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_PREFIX);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 1);
	x = ut_nth(&c->f, GMF_F_FILENAME_MISMATCH, 0);
	assert_string_equal(x->locs[0].path, "v/31b2c3d4e5f6_add_s.py");
	assert_true(ut_has_rev(x, "99b2c3d4e5f6"));
	assert_int_equal(gmf_graph_is_sequenced(c->g), 0);
}

static void test_graph_filename_prefix_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a1b2c3d4e5f6_add_owner.py", "a1b2c3d4e5f6", "None", NULL);
	ut_add(c->g, "v/b1b2c3d4e5f6_.py", "b1b2c3d4e5f6", "'a1b2c3d4e5f6'", NULL);
	ut_add(c->g, "v/c1b2c3d4e5f6.py", "c1b2c3d4e5f6", "'b1b2c3d4e5f6'", NULL);
	run(c, GMF_NAMING_AUTO, "%(rev)s_%(slug)s");
	assert_clean(c);
}

static void test_graph_filename_from_template_fires(void **state)
{
	ctx *c = *state;
	/* too few files to detect from, but alembic.ini says %(rev)s_%(slug)s */
	ut_add(c->g, "v/a1b2c3d4e5f6_add_owner.py", "a1b2c3d4e5f6", "None", NULL);
	ut_add(c->g, "v/0000000000ff_add_x.py", "bbbbbbbbbbbb", "'a1b2c3d4e5f6'", NULL);
	run(c, GMF_NAMING_AUTO, "%(rev)s_%(slug)s");
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 1);
	if (c->f.n)
		assert_true(ut_has_rev(ut_nth(&c->f, GMF_F_FILENAME_MISMATCH, 0),
				       "bbbbbbbbbbbb"));
}

static void test_graph_filename_date_prefixed_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/2024-03-01_10-15_a1b2c3d4e5f6_add_owner.py",
	       "a1b2c3d4e5f6", "None", NULL);
	ut_add(c->g, "v/20240301_1015_b1b2c3d4e5f6_add_owner.py",
	       "b1b2c3d4e5f6", "'a1b2c3d4e5f6'", NULL);
	ut_add(c->g, "v/2024_03_01_101502_c1b2c3d4e5f6_add_owner.py",
	       "c1b2c3d4e5f6", "'b1b2c3d4e5f6'", NULL);
	ut_add(c->g, "v/2024-03-01-10.15.02_d1b2c3d4e5f6_add_owner.py",
	       "d1b2c3d4e5f6", "'c1b2c3d4e5f6'", NULL);
	ut_add(c->g, "v/2024-03-01_e1b2c3d4e5f6.py",
	       "e1b2c3d4e5f6", "'d1b2c3d4e5f6'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_CONTAINS);
	assert_clean(c);
	assert_int_equal(gmf_graph_is_sequenced(c->g), 0);
}

static void test_graph_filename_alembic_example_template_quiet(void **state)
{
	ctx *c = *state;
	/* the date template from Alembic's own alembic.ini comments */
	ut_add(c->g, "v/2024_03_01_1015-a1b2c3d4e5f6_add_owner.py",
	       "a1b2c3d4e5f6", "None", NULL);
	ut_add(c->g, "v/2024_03_02_0900-b1b2c3d4e5f6_add_x.py",
	       "b1b2c3d4e5f6", "'a1b2c3d4e5f6'", NULL);
	run(c, GMF_NAMING_AUTO,
	    "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s");
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 0);
	assert_int_equal(ut_count(&c->f, GMF_F_DUPLICATE_SEQUENCE), 0);
}

static void test_graph_filename_contains_sequence_prefix(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/085_a1b2c3d4e5f6_add_owner.py", "a1b2c3d4e5f6", "None", NULL);
	ut_add(c->g, "v/086_b1b2c3d4e5f6_add_x.py", "b1b2c3d4e5f6", "'a1b2c3d4e5f6'", NULL);
	ut_add(c->g, "v/0124_2_6_0_c1b2c3d4e5f6_add_y.py", "c1b2c3d4e5f6",
	       "'b1b2c3d4e5f6'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_CONTAINS);
	assert_clean(c);
	assert_true(gmf_graph_is_sequenced(c->g));
}

static void test_graph_filename_mixed_conventions_quiet(void **state)
{
	static const char *const paths[] = {
		"v/001_a.py", "v/002_b.py", "v/003_c.py", "v/004_d.py", "v/005_e.py",
		"v/006_f.py", "v/007_g.py", "v/008_h.py", "v/add_users.py",
		"v/widgets.py",
	};
	static const char *const ids[] = {
		"001_a", "002_b", "003_c", "004_d", "005_e",
		"006_f", "007_g", "008_h", "1234abcd5678", "ffff0000eeee",
	};
	ctx *c = *state;
	add_chain(c->g, 10, paths, ids); /* 80% follow a convention: below 90% */
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_NONE);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 0);
}

static void test_graph_filename_naming_none_never_fires(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/001_a.py", "zzz", "None", NULL);
	ut_add(c->g, "v/002_b.py", "yyy", "'zzz'", NULL);
	ut_add(c->g, "v/003_c.py", "xxx", "'yyy'", NULL);
	run(c, GMF_NAMING_NONE, "%(rev)s_%(slug)s");
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_NONE);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 0);
}

/* `merge` names the new file from gmf_graph_naming without a check. */
static void test_graph_naming_valid_after_build(void **state)
{
	ctx *c = *state;
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_AUTO);
	ut_add(c->g, "v/001_a.py", "001_a", "None", NULL);
	ut_add(c->g, "v/002_b.py", "002_b", "'001_a'", NULL);
	gmf_graph_build(c->g);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	assert_int_equal(c->f.n, 0);
}

static void test_graph_naming_set_before_build(void **state)
{
	ctx *c = *state;
	char tpl[] = "%(rev)s_%(slug)s";
	/* one file: too few to detect, the template decides */
	ut_add(c->g, "v/a1b2c3d4e5f6_add_owner.py", "a1b2c3d4e5f6", "None", NULL);
	gmf_graph_set_naming(c->g, GMF_NAMING_AUTO, tpl);
	tpl[0] = 'X'; /* the graph keeps its own copy */
	gmf_graph_build(c->g);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_PREFIX);
	/* a rebuild keeps what was set */
	ut_add(c->g, "v/b1b2c3d4e5f6_add_x.py", "b1b2c3d4e5f6", "'a1b2c3d4e5f6'", NULL);
	gmf_graph_build(c->g);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_PREFIX);
}

static void test_graph_naming_set_after_build(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a1b2c3d4e5f6_add_owner.py", "a1b2c3d4e5f6", "None", NULL);
	gmf_graph_build(c->g);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_NONE);
	gmf_graph_set_naming(c->g, GMF_NAMING_AUTO, "%(year)d-%(rev)s_%(slug)s");
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_CONTAINS);
	gmf_graph_set_naming(c->g, GMF_NAMING_STEM, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	gmf_graph_set_naming(c->g, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_NONE);
}

/* What a check reports agrees with what the graph said before it. */
static void test_graph_naming_same_before_and_after_check(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/001_a.py", "001_a", "None", NULL);
	ut_add(c->g, "v/002_b.py", "002_x", "'001_a'", NULL);
	gmf_graph_build(c->g);
	gmf_graph_set_naming(c->g, GMF_NAMING_STEM, NULL);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	gmf_graph_check(c->g, GMF_NAMING_STEM, NULL, &c->f);
	assert_int_equal(gmf_graph_naming(c->g), GMF_NAMING_STEM);
	assert_int_equal(ut_count(&c->f, GMF_F_FILENAME_MISMATCH), 1);
}

/* ---------------------------------------------------- docstring-mismatch */

static char *doc_src(const char *hdr_rev, const char *hdr_revises,
		     const char *rev, const char *down)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_adds(&sb, "\"\"\"msg\n\n");                     /* 1-2 */
	if (hdr_rev)
		gmf_strbuf_addf(&sb, "Revision ID: %s\n", hdr_rev);   /* 3 */
	if (hdr_revises)
		gmf_strbuf_addf(&sb, "Revises: %s\n", hdr_revises);   /* 4 */
	gmf_strbuf_adds(&sb, "Create Date: 2024-03-01\n\n\"\"\"\n");
	gmf_strbuf_addf(&sb, "revision = '%s'\ndown_revision = %s\n", rev, down);
	return gmf_strbuf_detach(&sb, NULL);
}

static void add_doc(gmf_graph *g, const char *path, const char *hdr_rev,
		    const char *hdr_revises, const char *rev, const char *down)
{
	char *s = doc_src(hdr_rev, hdr_revises, rev, down);
	ut_add_src(g, path, s);
	free(s);
}

static void test_graph_docstring_mismatch_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	add_doc(c->g, "v/037.py", "037", "", "037", "None");
	add_doc(c->g, "v/038.py", "038", "037", "038", "'037'");
	add_doc(c->g, "v/039.py", "039", "037", "039", "'038'");   /* stale Revises */
	add_doc(c->g, "v/040.py", "041", "039", "040", "'039'");   /* stale Revision ID */
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_DOCSTRING_MISMATCH), 2);
	assert_int_equal(gmf_findings_worst(&c->f), GMF_SEV_WARNING);
	x = ut_nth(&c->f, GMF_F_DOCSTRING_MISMATCH, 0);
	assert_int_equal(x->severity, GMF_SEV_WARNING);
	assert_string_equal(gmf_finding_code_name(x->code), "docstring-mismatch");
	assert_string_equal(x->locs[0].path, "v/039.py");
	assert_int_equal(x->locs[0].line, 4);
	assert_true(ut_has_rev(x, "039"));
	x = ut_nth(&c->f, GMF_F_DOCSTRING_MISMATCH, 1);
	assert_string_equal(x->locs[0].path, "v/040.py");
	assert_int_equal(x->locs[0].line, 3);
	assert_true(ut_has_rev(x, "040"));
}

static void test_graph_docstring_mismatch_quiet(void **state)
{
	ctx *c = *state;
	add_doc(c->g, "v/a.py", "a", "", "a", "None");
	add_doc(c->g, "v/b.py", "b", "None", "b", "None");
	add_doc(c->g, "v/m.py", "m", "('b', 'a')", "m", "('a', 'b')"); /* order */
	add_doc(c->g, "v/n.py", "n", "m", "n", "'m'");
	add_doc(c->g, "v/o.py", NULL, NULL, "o", "'n'");  /* no header at all */
	add_doc(c->g, "v/p.py", "p", "o, n", "p", "['n', 'o']");
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_DOCSTRING_MISMATCH), 0);
	/* a and b are roots of one chain joined by m */
	assert_int_equal(ut_count(&c->f, GMF_F_MULTIPLE_ROOTS), 1);
}

/* ---------------------------------------------------- duplicate-sequence */

static void test_graph_duplicate_sequence_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/001_init.py", "001_init", "None", NULL);
	ut_add(c->g, "v/002_users.py", "002_users", "'001_init'", NULL);
	ut_add(c->g, "v/002_widgets.py", "002_widgets", "'002_users'", NULL);
	ut_add(c->g, "v/003_gadgets.py", "003_gadgets", "'002_widgets'", NULL);
	ut_add(c->g, "v/004_tags.py", "004_tags", "'003_gadgets'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_true(gmf_graph_is_sequenced(c->g));
	assert_int_equal(c->f.n, 1);
	assert_int_equal(ut_count(&c->f, GMF_F_DUPLICATE_SEQUENCE), 1);
	x = ut_nth(&c->f, GMF_F_DUPLICATE_SEQUENCE, 0);
	assert_int_equal(x->severity, GMF_SEV_WARNING);
	assert_string_equal(gmf_finding_code_name(x->code), "duplicate-sequence");
	assert_int_equal(x->nlocs, 2);
	assert_true(ut_has_loc(x, "v/002_users.py", 0));
	assert_true(ut_has_loc(x, "v/002_widgets.py", 0));
	assert_true(ut_has_rev(x, "002_users"));
	assert_true(ut_has_rev(x, "002_widgets"));
	assert_non_null(strstr(x->message, "002"));
	assert_int_equal(gmf_graph_node(c->g, 1)->seq, 2);
	assert_int_equal(gmf_graph_node(c->g, 1)->seq_width, 3);
}

static void test_graph_duplicate_sequence_airflow_style(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/0121_2_4_0_y1.py", "y1", "None", NULL);
	ut_add(c->g, "v/0122_2_4_1_z1.py", "z1", "'y1'", NULL);
	ut_add(c->g, "v/0123_2_5_0_a1.py", "a1", "'z1'", NULL);
	ut_add(c->g, "v/0124_2_6_0_b1.py", "b1", "'a1'", NULL);
	ut_add(c->g, "v/0124_2_6_0_c1.py", "c1", "'b1'", NULL);
	ut_add(c->g, "v/0125_2_6_1_d1.py", "d1", "'c1'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_DUPLICATE_SEQUENCE), 1);
	x = ut_nth(&c->f, GMF_F_DUPLICATE_SEQUENCE, 0);
	assert_non_null(strstr(x->message, "0124"));
}

static void test_graph_duplicate_sequence_dates_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/20240301_1015_aaaa_x.py", "aaaa", "None", NULL);
	ut_add(c->g, "v/20240301_1020_bbbb_y.py", "bbbb", "'aaaa'", NULL);
	ut_add(c->g, "v/2024_03_01_101502_cccc_z.py", "cccc", "'bbbb'", NULL);
	ut_add(c->g, "v/2024_03_01_111502_dddd_w.py", "dddd", "'cccc'", NULL);
	ut_add(c->g, "v/2024_03_01_121502_eeee_v.py", "eeee", "'dddd'", NULL);
	run(c, GMF_NAMING_AUTO, NULL);
	assert_int_equal(gmf_graph_is_sequenced(c->g), 0);
	assert_int_equal(gmf_graph_node(c->g, 0)->seq, -1);
	assert_int_equal(gmf_graph_node(c->g, 2)->seq, -1);
	assert_int_equal(ut_count(&c->f, GMF_F_DUPLICATE_SEQUENCE), 0);
	assert_clean(c);
}

/* ------------------------------------------------------------ opaque */

static void test_graph_opaque_value_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'a'",
	       "\nbranch_labels = (cli.EXPAND_BRANCH,)\ndepends_on = None\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_OPAQUE_VALUE), 1);
	x = ut_nth(&c->f, GMF_F_OPAQUE_VALUE, 0);
	assert_int_equal(x->severity, GMF_SEV_WARNING);
	assert_string_equal(gmf_finding_code_name(x->code), "opaque-value");
	assert_string_equal(x->locs[0].path, "v/b.py");
	assert_int_equal(x->locs[0].line, 4);
	assert_true(ut_has_rev(x, "b"));
	assert_non_null(strstr(x->message, "branch_labels"));
	assert_int_equal(gmf_findings_worst(&c->f), GMF_SEV_WARNING);
}

static void test_graph_opaque_value_both_reported(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None",
	       "branch_labels = (cli.EXPAND_BRANCH,)\n"   /* 3 */
	       "depends_on = deps()\n");                 /* 4 */
	run(c, GMF_NAMING_NONE, NULL);
	/* two values Python would have to compute: two warnings */
	assert_int_equal(ut_count(&c->f, GMF_F_OPAQUE_VALUE), 2);
	if (ut_count(&c->f, GMF_F_OPAQUE_VALUE) == 2) {
		assert_int_equal(ut_nth(&c->f, GMF_F_OPAQUE_VALUE, 0)->locs[0].line, 3);
		assert_int_equal(ut_nth(&c->f, GMF_F_OPAQUE_VALUE, 1)->locs[0].line, 4);
	}
}

static void test_graph_opaque_value_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None", "branch_labels = ('core',)\ndepends_on = ()\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
}

/* ---------------------------------------------------------- reassigned */

static void test_graph_reassigned_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	/* the same value twice (a different one is a parse error) */
	ut_add(c->g, "v/b.py", "b", "'a'", "down_revision = 'a'\n"); /* line 3 */
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_REASSIGNED), 1);
	x = ut_nth(&c->f, GMF_F_REASSIGNED, 0);
	assert_int_equal(x->severity, GMF_SEV_WARNING);
	assert_string_equal(gmf_finding_code_name(x->code), "reassigned");
	assert_string_equal(x->locs[0].path, "v/b.py");
	assert_true(x->locs[0].line == 2 || x->locs[0].line == 3);
	assert_true(ut_has_rev(x, "b"));
	assert_non_null(strstr(x->message, "down_revision"));
	/* the last assignment wins: 'a' exists, so no missing parent */
	assert_int_equal(ut_count(&c->f, GMF_F_MISSING_PARENT), 0);
	assert_int_equal(c->f.n, 1);
}

static void test_graph_reassigned_differently_is_an_error(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "b", "'zz'", "down_revision = 'a'\n");
	run(c, GMF_NAMING_NONE, NULL);
	x = ut_nth(&c->f, GMF_F_REASSIGNED, 0);
	assert_non_null(x);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_non_null(strstr(x->message, "cannot read `down_revision` here"));
}

static void test_graph_reassigned_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "a", "None", "branch_labels = depends_on = None\n");
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
}

/* -------------------------------------------------- unsafe-revision-id */

static void test_graph_unsafe_revision_id_fires(void **state)
{
	ctx *c = *state;
	const gmf_finding *x;
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	ut_add(c->g, "v/b.py", "add-x", "'a'", NULL);
	ut_add(c->g, "v/c.py", "../../etc", "'add-x'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(ut_count(&c->f, GMF_F_UNSAFE_ID), 2);
	x = ut_nth(&c->f, GMF_F_UNSAFE_ID, 0);
	assert_int_equal(x->severity, GMF_SEV_ERROR);
	assert_string_equal(gmf_finding_code_name(x->code), "unsafe-revision-id");
	assert_string_equal(x->locs[0].path, "v/b.py");
	assert_int_equal(x->locs[0].line, 1);
	assert_true(ut_has_rev(x, "add-x"));
	x = ut_nth(&c->f, GMF_F_UNSAFE_ID, 1);
	assert_true(ut_has_rev(x, "../../etc"));
}

static void test_graph_unsafe_revision_id_quiet(void **state)
{
	ctx *c = *state;
	ut_add(c->g, "v/a.py", "kilo", "None", NULL);
	ut_add(c->g, "v/b.py", "011", "'kilo'", NULL);
	ut_add(c->g, "v/c.py", "a1b2c3d4e5f6a", "'011'", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
}

/* --------------------------------------------------------- unreadable */

static void test_graph_unreadable_files_are_fatal(void **state)
{
	ctx *c = *state;
	gmf_diag d;
	memset(&d, 0, sizeof(d));
	ut_add(c->g, "v/a.py", "a", "None", NULL);
	d.line = 12;
	d.unreadable = 1;
	snprintf(d.message, sizeof(d.message), "invalid UTF-8");
	gmf_graph_add_unreadable(c->g, "v/bin.py", GMF_F_UNREADABLE, &d);
	d.line = 0;
	d.unreadable = 0;
	snprintf(d.message, sizeof(d.message), "no revision");
	gmf_graph_add_unreadable(c->g, "v/norev.py", GMF_F_PARSE, &d);
	run(c, GMF_NAMING_NONE, NULL);
	assert_int_equal(gmf_graph_count(c->g), 1);
	assert_int_equal(ut_count(&c->f, GMF_F_UNREADABLE), 1);
	assert_int_equal(ut_count(&c->f, GMF_F_PARSE), 1);
	assert_int_equal(gmf_findings_worst(&c->f), GMF_SEV_FATAL);
	assert_true(ut_has_loc(ut_nth(&c->f, GMF_F_UNREADABLE, 0), "v/bin.py", 12));
	assert_true(ut_has_loc(ut_nth(&c->f, GMF_F_PARSE, 0), "v/norev.py", 0));
	assert_string_equal(ut_nth(&c->f, GMF_F_UNREADABLE, 0)->message, "invalid UTF-8");
}

/* ------------------------------------------------------ heads & labels */

static void test_graph_branch_labels(void **state)
{
	ctx *c = *state;
	char *l;
	ut_add(c->g, "v/a.py", "a", "None", "branch_labels = ('zeta', 'alpha')\n");
	ut_add(c->g, "v/b.py", "b", "'a'", "branch_labels = 'mid'\n");
	ut_add(c->g, "v/c.py", "c", "'b'", NULL);
	ut_add(c->g, "v/x.py", "x", "None", NULL);
	run(c, GMF_NAMING_NONE, NULL);
	assert_clean(c);
	l = gmf_graph_branch_labels(c->g, 2);
	assert_string_equal(l, "alpha,mid,zeta");
	free(l);
	l = gmf_graph_branch_labels(c->g, 3);
	assert_string_equal(l, "");
	free(l);
	assert_int_equal(gmf_graph_node(c->g, 0)->nlabels, 2);
	assert_string_equal(gmf_graph_node(c->g, 0)->labels[1], "alpha");
}

static void test_graph_deep_chain(void **state)
{
	ctx *c = *state;
	size_t *ends, n;
	char path[64], id[32], down[32];
	enum { DEPTH = 10000 };
	for (int i = 0; i < DEPTH; i++) {
		snprintf(path, sizeof(path), "v/r%05d.py", i);
		snprintf(id, sizeof(id), "r%05d", i);
		if (i)
			snprintf(down, sizeof(down), "'r%05d'", i - 1);
		else
			snprintf(down, sizeof(down), "None");
		ut_add(c->g, path, id, down, NULL);
	}
	gmf_graph_build(c->g);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	assert_clean(c);
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, 1);
	assert_int_equal(ends[0], DEPTH - 1);
	free(ends);
	n = gmf_graph_roots(c->g, &ends);
	assert_int_equal(n, 1);
	assert_int_equal(ends[0], 0);
	free(ends);
	assert_int_equal(gmf_graph_node(c->g, 0)->component,
			 gmf_graph_node(c->g, DEPTH - 1)->component);
	assert_int_equal(gmf_graph_find(c->g, "r05000"), 5000);
}

static void test_graph_deep_cycle(void **state)
{
	ctx *c = *state;
	char path[64], id[32], down[32];
	enum { DEPTH = 10000 };
	for (int i = 0; i < DEPTH; i++) {
		snprintf(path, sizeof(path), "v/r%05d.py", i);
		snprintf(id, sizeof(id), "r%05d", i);
		snprintf(down, sizeof(down), "'r%05d'", (i + DEPTH - 1) % DEPTH);
		ut_add(c->g, path, id, down, NULL);
	}
	gmf_graph_build(c->g);
	gmf_graph_check(c->g, GMF_NAMING_NONE, NULL, &c->f);
	assert_int_equal(c->f.n, 1);
	assert_int_equal(ut_count(&c->f, GMF_F_CYCLE), 1);
	assert_int_equal(ut_nth(&c->f, GMF_F_CYCLE, 0)->nrevisions, DEPTH);
}

static void test_graph_thousand_heads(void **state)
{
	ctx *c = *state;
	size_t *ends, n;
	const gmf_finding *x;
	char path[64], id[32];
	enum { HEADS = 1000 };
	ut_add(c->g, "v/root.py", "root", "None", NULL);
	for (int i = 0; i < HEADS; i++) {
		snprintf(path, sizeof(path), "v/h%04d.py", i);
		snprintf(id, sizeof(id), "h%04d", i);
		ut_add(c->g, path, id, "'root'", NULL);
	}
	gmf_graph_build(c->g);
	gmf_graph_check(c->g, GMF_NAMING_AUTO, NULL, &c->f);
	n = gmf_graph_heads(c->g, &ends);
	assert_int_equal(n, HEADS);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ends[i], i + 1);
	free(ends);
	assert_int_equal(c->f.n, 1);
	x = ut_nth(&c->f, GMF_F_MULTIPLE_HEADS, 0);
	assert_non_null(x);
	assert_int_equal(x->nrevisions, HEADS);
	assert_int_equal(x->nlocs, HEADS);
	assert_string_equal(x->locs[0].path, "v/h0000.py");
	assert_int_equal(gmf_graph_node(c->g, 0)->nchildren, HEADS);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_graph_clean_chain),
		T(test_graph_check_builds_when_needed),
		cmocka_unit_test(test_graph_code_and_severity_names),
		cmocka_unit_test(test_graph_finding_locs_and_revs),
		cmocka_unit_test(test_graph_findings_drop_warnings_only),
		T(test_graph_duplicate_revision_fires),
		T(test_graph_duplicate_revision_quiet),
		T(test_graph_missing_parent_fires),
		T(test_graph_missing_parent_quiet),
		T(test_graph_missing_dependency_fires),
		T(test_graph_missing_dependency_label_or_revision_quiet),
		T(test_graph_multiple_heads_fires),
		T(test_graph_multiple_heads_labelled_branches_quiet),
		T(test_graph_multiple_heads_inside_labelled_branch_fires),
		T(test_graph_multiple_heads_independent_chains_quiet),
		T(test_graph_merge_point_quiet),
		T(test_graph_multiple_roots_fires),
		T(test_graph_multiple_roots_labelled_quiet),
		T(test_graph_multiple_roots_independent_quiet),
		T(test_graph_multiple_heads_unlabelled_chains_fire),
		T(test_graph_empty_strings_as_alembic_reads_them),
		T(test_graph_empty_dependency_on_a_root_is_alembic_cycle),
		T(test_graph_expression_labels_make_branches),
		T(test_graph_big_findings_name_each_revision_once),
		T(test_graph_cycle_two),
		T(test_graph_cycle_three_with_tail),
		T(test_graph_cycle_self_parent),
		T(test_graph_cycle_quiet_on_diamond),
		T(test_graph_filename_stem_fires),
		T(test_graph_filename_stem_loose_warns),
		T(test_graph_filename_explicit_stem_fires),
		T(test_graph_filename_prefix_fires),
		T(test_graph_filename_prefix_quiet),
		T(test_graph_filename_from_template_fires),
		T(test_graph_filename_date_prefixed_quiet),
		T(test_graph_filename_alembic_example_template_quiet),
		T(test_graph_filename_contains_sequence_prefix),
		T(test_graph_filename_mixed_conventions_quiet),
		T(test_graph_filename_naming_none_never_fires),
		T(test_graph_naming_valid_after_build),
		T(test_graph_naming_set_before_build),
		T(test_graph_naming_set_after_build),
		T(test_graph_naming_same_before_and_after_check),
		T(test_graph_docstring_mismatch_fires),
		T(test_graph_docstring_mismatch_quiet),
		T(test_graph_duplicate_sequence_fires),
		T(test_graph_duplicate_sequence_airflow_style),
		T(test_graph_duplicate_sequence_dates_quiet),
		T(test_graph_opaque_value_fires),
		T(test_graph_opaque_value_both_reported),
		T(test_graph_opaque_value_quiet),
		T(test_graph_reassigned_fires),
		T(test_graph_reassigned_quiet),
		T(test_graph_reassigned_differently_is_an_error),
		T(test_graph_unsafe_revision_id_fires),
		T(test_graph_unsafe_revision_id_quiet),
		T(test_graph_unreadable_files_are_fatal),
		T(test_graph_branch_labels),
		T(test_graph_deep_chain),
		T(test_graph_deep_cycle),
		T(test_graph_thousand_heads),
	};
	return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
