/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for reader: every form of alembic-syntax.md, with the exact
 * byte span of every value (the rewriter changes those bytes and no other).
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define PATH "migrations/versions/1a2b3c4d5e6f_add_owner.py"

/* The standard header docstring: 7 lines; Revision ID on its 3rd line. */
#define DOC \
	"\"\"\"add widgets table\n" \
	"\n" \
	"Revision ID: 038_add_widgets\n" \
	"Revises: 037_add_users\n" \
	"Create Date: 2026-03-09 10:15:02.118832\n" \
	"\n" \
	"\"\"\"\n"
#define CODE \
	"revision = \"038_add_widgets\"\n" \
	"down_revision = \"037_add_users\"\n" \
	"branch_labels = None\n" \
	"depends_on = None\n"

/* ------------------------------------------------------------ values */

static void test_reader_plain_double_quotes(void **state)
{
	const char *src =
		"revision = \"1a2b3c4d5e6f\"\n"
		"down_revision = \"0a1b2c3d4e5f\"\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_string_equal(m.path, PATH);
	assert_string_equal(m.stem, "1a2b3c4d5e6f_add_owner");
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	assert_int_equal(m.revision.nitems, 1);
	assert_int_equal(m.revision.items[0].span.off, 12);
	ut_assert_item(src, m.revision.items[0], "1a2b3c4d5e6f", 1);
	ut_assert_span(src, m.revision.whole, "\"1a2b3c4d5e6f\"", 1);
	assert_int_equal(m.revision.line, 1);
	assert_int_equal(m.revision.assignments, 1);
	assert_int_equal(m.down_revision.kind, GMF_VAL_STRING);
	assert_int_equal(m.down_revision.nitems, 1);
	assert_int_equal(m.down_revision.items[0].span.off,
			 ut_off(src, "\"0a1b", 1));
	ut_assert_item(src, m.down_revision.items[0], "0a1b2c3d4e5f", 2);
	ut_assert_span(src, m.down_revision.whole, "\"0a1b2c3d4e5f\"", 2);
	assert_int_equal(m.down_revision.line, 2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_MISSING);
	assert_int_equal(m.depends_on.kind, GMF_VAL_MISSING);
	assert_int_equal(m.has_docstring, 0);
	assert_int_equal(m.bom, 0);
	assert_int_equal(m.crlf, 0);
	assert_int_equal(m.size, strlen(src));
	assert_memory_equal(m.data, src, strlen(src) + 1);
	gmf_migration_release(&m);
}

static void test_reader_plain_single_quotes(void **state)
{
	const char *src =
		"revision = '1a2b3c4d5e6f'\n"
		"down_revision = '0a1b2c3d4e5f'\n"
		"branch_labels = 'expand'\n"
		"depends_on = 'ffeeddccbbaa'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	ut_assert_item(src, m.revision.items[0], "1a2b3c4d5e6f", 1);
	ut_assert_span(src, m.revision.whole, "'1a2b3c4d5e6f'", 1);
	ut_assert_item(src, m.down_revision.items[0], "0a1b2c3d4e5f", 2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.branch_labels.items[0], "expand", 3);
	assert_int_equal(m.depends_on.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.depends_on.items[0], "ffeeddccbbaa", 4);
	gmf_migration_release(&m);
}

static void test_reader_unicode_prefix(void **state)
{
	const char *src =
		"revision = u'1a2b3c4d5e6f'\n"
		"down_revision = u\"0a1b2c3d4e5f\"\n"
		"branch_labels = (u'a', U'b')\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	assert_int_equal(m.revision.items[0].span.off, 13);
	ut_assert_item(src, m.revision.items[0], "1a2b3c4d5e6f", 1);
	ut_assert_span(src, m.revision.whole, "u'1a2b3c4d5e6f'", 1);
	ut_assert_item(src, m.down_revision.items[0], "0a1b2c3d4e5f", 2);
	ut_assert_span(src, m.down_revision.whole, "u\"0a1b2c3d4e5f\"", 2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_SEQ);
	assert_int_equal(m.branch_labels.nitems, 2);
	ut_assert_item(src, m.branch_labels.items[0], "a", 3);
	ut_assert_item(src, m.branch_labels.items[1], "b", 3);
	gmf_migration_release(&m);
}

static void test_reader_every_annotation(void **state)
{
	static const char *const ann[] = {
		"str",
		"Union[str, None]",
		"Union[str, Sequence[str], None]",
		"Union[str, tuple]",
		"Optional[str]",
		"str | None",
		"str | Sequence[str] | None",
		"tuple[str, ...] | None",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ann) / sizeof(ann[0]); i++) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_migration m;
		gmf_strbuf_addf(&sb, "revision: %s = \"r1\"\n", ann[i]);
		gmf_strbuf_addf(&sb, "down_revision: %s = 'r0'\n", ann[i]);
		gmf_strbuf_addf(&sb, "branch_labels: %s = None\n", ann[i]);
		gmf_strbuf_addf(&sb, "depends_on: %s = (\"d1\", 'd2')\n", ann[i]);
		print_message("annotation: %s\n", ann[i]);
		ut_parse_ok(&m, PATH, sb.buf);
		assert_int_equal(m.revision.kind, GMF_VAL_STRING);
		ut_assert_item(sb.buf, m.revision.items[0], "r1", 1);
		ut_assert_span(sb.buf, m.revision.whole, "\"r1\"", 1);
		assert_int_equal(m.down_revision.kind, GMF_VAL_STRING);
		ut_assert_item(sb.buf, m.down_revision.items[0], "r0", 2);
		assert_int_equal(m.branch_labels.kind, GMF_VAL_NONE);
		ut_assert_span(sb.buf, m.branch_labels.whole, "None", 3);
		assert_int_equal(m.depends_on.kind, GMF_VAL_SEQ);
		assert_int_equal(m.depends_on.nitems, 2);
		ut_assert_item(sb.buf, m.depends_on.items[0], "d1", 4);
		ut_assert_item(sb.buf, m.depends_on.items[1], "d2", 4);
		ut_assert_span(sb.buf, m.depends_on.whole, "(\"d1\", 'd2')", 4);
		gmf_migration_release(&m);
		gmf_strbuf_release(&sb);
	}
}

static void test_reader_annotated_merge(void **state)
{
	const char *src =
		"revision: str = 'm'\n"
		"down_revision: Union[str, Sequence[str], None] = ('a1', 'b2')\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 2);
	ut_assert_item(src, m.down_revision.items[0], "a1", 2);
	ut_assert_item(src, m.down_revision.items[1], "b2", 2);
	gmf_migration_release(&m);
}

static void test_reader_root_none(void **state)
{
	const char *plain = "revision = 'r1'\ndown_revision = None\n";
	const char *annotated =
		"revision: str = 'r1'\n"
		"down_revision: Union[str, None] = None  # the first one\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, plain);
	assert_int_equal(m.down_revision.kind, GMF_VAL_NONE);
	assert_int_equal(m.down_revision.nitems, 0);
	ut_assert_span(plain, m.down_revision.whole, "None", 2);
	assert_int_equal(m.down_revision.line, 2);
	assert_int_equal(m.down_revision.assignments, 1);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, annotated);
	assert_int_equal(m.down_revision.kind, GMF_VAL_NONE);
	ut_assert_span(annotated, m.down_revision.whole, "None", 2);
	assert_int_equal(m.down_revision.whole.off,
			 ut_off(annotated, "= None", 2));
	gmf_migration_release(&m);
}

static void test_reader_none_prefix_is_not_none(void **state)
{
	/* `Nonesuch` is a name, not None: down_revision is then opaque */
	const char *src = "revision = 'r1'\ndown_revision = Nonesuch\n";
	gmf_diag d;
	(void)state;
	assert_int_equal(ut_parse_fail(src, strlen(src), &d), GMF_EPARSE);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.unreadable, 0);
}

static void test_reader_merge_tuples(void **state)
{
	const char *two = "revision = 'm'\ndown_revision = ('a1', 'b2')\n";
	const char *three = "revision = 'm'\ndown_revision = (\"a1\", \"b2\", \"c3\")\n";
	const char *four = "revision = 'm'\ndown_revision = ('a1','b2' , \"c3\",'d4')\n";
	const char *list = "revision = 'm'\ndown_revision = [\"a1\", 'b2']\n";
	gmf_migration m;
	(void)state;

	ut_parse_ok(&m, PATH, two);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 2);
	ut_assert_item(two, m.down_revision.items[0], "a1", 2);
	ut_assert_item(two, m.down_revision.items[1], "b2", 2);
	ut_assert_span(two, m.down_revision.whole, "('a1', 'b2')", 2);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, three);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 3);
	ut_assert_item(three, m.down_revision.items[0], "a1", 2);
	ut_assert_item(three, m.down_revision.items[1], "b2", 2);
	ut_assert_item(three, m.down_revision.items[2], "c3", 2);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, four);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 4);
	ut_assert_item(four, m.down_revision.items[0], "a1", 2);
	ut_assert_item(four, m.down_revision.items[1], "b2", 2);
	ut_assert_item(four, m.down_revision.items[2], "c3", 2);
	ut_assert_item(four, m.down_revision.items[3], "d4", 2);
	ut_assert_span(four, m.down_revision.whole, "('a1','b2' , \"c3\",'d4')", 2);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, list);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 2);
	ut_assert_item(list, m.down_revision.items[0], "a1", 2);
	ut_assert_item(list, m.down_revision.items[1], "b2", 2);
	ut_assert_span(list, m.down_revision.whole, "[\"a1\", 'b2']", 2);
	gmf_migration_release(&m);
}

static void test_reader_multiline_tuple_with_comments(void **state)
{
	const char *src =
		"revision = \"m1\"\n"                 /* 1 */
		"down_revision = (\n"                 /* 2 */
		"    \"a1\",  # first parent\n"       /* 3 */
		"    # a comment between items\n"     /* 4 */
		"\n"                                  /* 5 */
		"    'b2',\n"                         /* 6 */
		"    \"c3\",\n"                       /* 7 */
		")\n"                                 /* 8 */
		"branch_labels = None\n"              /* 9 */
		"depends_on = [\n"                    /* 10 */
		"    'x9',  # trailing comma next\n"  /* 11 */
		"]  # noqa\n";                        /* 12 */
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 3);
	assert_int_equal(m.down_revision.line, 2);
	ut_assert_item(src, m.down_revision.items[0], "a1", 3);
	ut_assert_item(src, m.down_revision.items[1], "b2", 6);
	ut_assert_item(src, m.down_revision.items[2], "c3", 7);
	assert_int_equal(m.down_revision.whole.off, ut_off(src, "(\n", 0));
	assert_int_equal(m.down_revision.whole.line, 2);
	assert_int_equal(m.down_revision.whole.off + m.down_revision.whole.len,
			 ut_off(src, ")\nbranch", 1));
	assert_int_equal(m.branch_labels.kind, GMF_VAL_NONE);
	assert_int_equal(m.branch_labels.line, 9);
	assert_int_equal(m.depends_on.kind, GMF_VAL_SEQ);
	assert_int_equal(m.depends_on.nitems, 1);
	assert_int_equal(m.depends_on.line, 10);
	ut_assert_item(src, m.depends_on.items[0], "x9", 11);
	assert_int_equal(m.depends_on.whole.off + m.depends_on.whole.len,
			 ut_off(src, "]  # noqa", 1));
	gmf_migration_release(&m);
}

static void test_reader_trailing_noqa_comment(void **state)
{
	const char *src =
		"revision = \"1a2b3c4d5e6f\"  # noqa: E501\n"
		"down_revision = ('a1', 'b2')  # noqa\n"
		"branch_labels = None # type: ignore\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.revision.items[0], "1a2b3c4d5e6f", 1);
	ut_assert_span(src, m.revision.whole, "\"1a2b3c4d5e6f\"", 1);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	ut_assert_span(src, m.down_revision.whole, "('a1', 'b2')", 2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_NONE);
	ut_assert_span(src, m.branch_labels.whole, "None", 3);
	gmf_migration_release(&m);
}

static void test_reader_chained_assignment(void **state)
{
	const char *src =
		"revision = 'r1'\n"
		"down_revision = None\n"
		"branch_labels = depends_on = None\n";
	const char *src2 =
		"revision = 'r1'\n"
		"down_revision = None\n"
		"branch_labels = depends_on = ('x', 'y')\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_NONE);
	assert_int_equal(m.depends_on.kind, GMF_VAL_NONE);
	assert_int_equal(m.branch_labels.assignments, 1);
	assert_int_equal(m.depends_on.assignments, 1);
	assert_int_equal(m.branch_labels.line, 3);
	assert_int_equal(m.depends_on.line, 3);
	ut_assert_span(src, m.depends_on.whole, "None", 3);
	gmf_migration_release(&m);

	/* each target owns its own copy of the items */
	ut_parse_ok(&m, PATH, src2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_SEQ);
	assert_int_equal(m.depends_on.kind, GMF_VAL_SEQ);
	assert_int_equal(m.branch_labels.nitems, 2);
	assert_int_equal(m.depends_on.nitems, 2);
	assert_ptr_not_equal(m.branch_labels.items, m.depends_on.items);
	ut_assert_item(src2, m.branch_labels.items[0], "x", 3);
	ut_assert_item(src2, m.depends_on.items[1], "y", 3);
	gmf_migration_release(&m);
}

static void test_reader_missing_labels_and_depends(void **state)
{
	const char *src = "revision = 'r1'\ndown_revision = 'r0'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_MISSING);
	assert_int_equal(m.branch_labels.nitems, 0);
	assert_int_equal(m.branch_labels.assignments, 0);
	assert_int_equal(m.depends_on.kind, GMF_VAL_MISSING);
	assert_int_equal(m.depends_on.nitems, 0);
	assert_int_equal(m.depends_on.assignments, 0);
	gmf_migration_release(&m);

	/* a file with only `revision` is a root as far as Alembic goes */
	ut_parse_ok(&m, PATH, "revision = 'r1'\n");
	assert_int_equal(m.down_revision.kind, GMF_VAL_MISSING);
	gmf_migration_release(&m);
}

static void test_reader_expression_labels_opaque(void **state)
{
	const char *src =
		"revision = 'e1'\n"                           /* 1 */
		"down_revision = None\n"                      /* 2 */
		"branch_labels = (cli.EXPAND_BRANCH,)\n"      /* 3 */
		"depends_on = get_deps()  # computed\n";      /* 4 */
	const char *multi =
		"revision = 'e1'\n"                           /* 1 */
		"down_revision = None\n"                      /* 2 */
		"branch_labels = (\n"                         /* 3 */
		"    cli.EXPAND_BRANCH,\n"                    /* 4 */
		")\n"                                         /* 5 */
		"depends_on = None\n";                        /* 6 */
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_OPAQUE);
	/* still a label, named by its expression: the graph judges heads
	 * per labelled branch */
	assert_int_equal(m.branch_labels.nitems, 1);
	assert_string_equal(m.branch_labels.items[0].text, "cli.EXPAND_BRANCH");
	assert_int_equal(m.branch_labels.line, 3);
	ut_assert_span(src, m.branch_labels.whole, "(cli.EXPAND_BRANCH,)", 3);
	assert_int_equal(m.depends_on.kind, GMF_VAL_OPAQUE);
	ut_assert_span(src, m.depends_on.whole, "get_deps()", 4);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, multi);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_OPAQUE);
	ut_assert_span(multi, m.branch_labels.whole,
		       "(\n    cli.EXPAND_BRANCH,\n)", 3);
	assert_int_equal(m.depends_on.kind, GMF_VAL_NONE);
	assert_int_equal(m.depends_on.line, 6);
	gmf_migration_release(&m);

	/* a tuple mixing a literal and a name is still an expression */
	ut_parse_ok(&m, PATH,
		    "revision = 'e1'\nbranch_labels = ('lit', cli.X)\n");
	assert_int_equal(m.branch_labels.kind, GMF_VAL_OPAQUE);
	assert_int_equal(m.branch_labels.nitems, 2);
	assert_string_equal(m.branch_labels.items[0].text, "lit");
	assert_string_equal(m.branch_labels.items[1].text, "cli.X");
	gmf_migration_release(&m);
}

static void test_reader_empty_tuple(void **state)
{
	const char *src =
		"revision = 'r1'\n"
		"down_revision = ()\n"
		"branch_labels = []\n"
		"depends_on = ()\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 0);
	ut_assert_span(src, m.down_revision.whole, "()", 2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_SEQ);
	assert_int_equal(m.branch_labels.nitems, 0);
	ut_assert_span(src, m.branch_labels.whole, "[]", 3);
	assert_int_equal(m.depends_on.kind, GMF_VAL_SEQ);
	assert_int_equal(m.depends_on.nitems, 0);
	ut_assert_span(src, m.depends_on.whole, "()", 4);
	gmf_migration_release(&m);
}

static void test_reader_parenthesized_string(void **state)
{
	const char *src =
		"revision = (\"abc\")\n"
		"down_revision = ('zzz',)\n"
		"branch_labels = (\n    'lbl'\n)\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	assert_int_equal(m.revision.nitems, 1);
	ut_assert_item(src, m.revision.items[0], "abc", 1);
	ut_assert_span(src, m.revision.whole, "(\"abc\")", 1);
	/* with a comma it is a one-element tuple */
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 1);
	ut_assert_item(src, m.down_revision.items[0], "zzz", 2);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.branch_labels.items[0], "lbl", 4);
	gmf_migration_release(&m);
}

static void test_reader_backslash_continuation(void **state)
{
	const char *src = "revision = \\\n    'r1'\ndown_revision = None\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.revision.items[0], "r1", 2);
	assert_int_equal(m.revision.line, 1);
	assert_int_equal(m.down_revision.kind, GMF_VAL_NONE);
	gmf_migration_release(&m);
}

static void test_reader_semicolon_statements(void **state)
{
	/* valid Python that Alembic reads: both statements count */
	const char *src = "revision = 'r2'; down_revision = 'r1'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.revision.items[0], "r2", 1);
	assert_int_equal(m.down_revision.kind, GMF_VAL_STRING);
	if (m.down_revision.kind == GMF_VAL_STRING)
		ut_assert_item(src, m.down_revision.items[0], "r1", 1);
	gmf_migration_release(&m);
}

/* --------------------------------------------------------- docstrings */

/* Checks the standard DOC + CODE file whose docstring starts on line l. */
static void check_standard(const char *src, unsigned l, size_t doc_off)
{
	gmf_migration m;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.has_docstring, 1);
	assert_int_equal(m.docstring.off, doc_off);
	assert_int_equal(m.docstring.line, l);
	assert_int_equal(m.docstring.len, strlen(DOC) - 1); /* without the \n */
	assert_memory_equal(src + m.docstring.off, DOC, strlen(DOC) - 1);
	assert_string_equal(m.message, "add widgets table");
	assert_int_equal(m.hdr_revision.present, 1);
	assert_string_equal(m.hdr_revision.text, "038_add_widgets");
	ut_assert_span(src, m.hdr_revision.value, "038_add_widgets", l + 2);
	assert_int_equal(m.hdr_revises.present, 1);
	assert_string_equal(m.hdr_revises.text, "037_add_users");
	ut_assert_span(src, m.hdr_revises.value, "037_add_users", l + 3);
	assert_int_equal(m.hdr_nrevises, 1);
	assert_string_equal(m.hdr_revises_ids[0], "037_add_users");
	assert_int_equal(m.hdr_date.present, 1);
	assert_string_equal(m.hdr_date.text, "2026-03-09 10:15:02.118832");
	ut_assert_span(src, m.hdr_date.value, "2026-03-09 10:15:02.118832", l + 4);
	assert_int_equal(m.revision.kind, GMF_VAL_STRING);
	assert_int_equal(m.revision.items[0].span.off,
			 ut_off(src, "revision = \"038", 12));
	ut_assert_item(src, m.revision.items[0], "038_add_widgets",
		       gmf_line_of(src, strlen(src), ut_off(src, "\nrevision = \"", 1)));
	ut_assert_item(src, m.down_revision.items[0], "037_add_users",
		       gmf_line_of(src, strlen(src), ut_off(src, "\ndown_revision", 1)));
	gmf_migration_release(&m);
}

static void test_reader_docstring_at_line_1(void **state)
{
	(void)state;
	check_standard(DOC "from alembic import op\n\n" CODE, 1, 0);
}

static void test_reader_docstring_after_encoding_line(void **state)
{
	const char *pre = "# encoding: utf-8\n";
	(void)state;
	check_standard("# encoding: utf-8\n" DOC CODE, 2, strlen(pre));
}

static void test_reader_docstring_after_licence_block(void **state)
{
#define LICENCE \
	"# Copyright 2024 Example Ltd.\n" \
	"#\n" \
	"# Licensed under the Apache License, Version 2.0 (the \"License\");\n" \
	"# revision = \"not-this\"\n" \
	"# you may not use this file except in compliance with the License.\n" \
	"\n"
	(void)state;
	check_standard(LICENCE DOC CODE, 7, strlen(LICENCE));
#undef LICENCE
}

static void test_reader_docstring_after_imports(void **state)
{
#define IMPORTS \
	"from alembic import op\n" \
	"import sqlalchemy as sa\n" \
	"\n"
	(void)state;
	check_standard(IMPORTS DOC CODE, 4, strlen(IMPORTS));
#undef IMPORTS
}

static void test_reader_docstring_missing(void **state)
{
	const char *src = "from alembic import op\n\n" CODE;
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.has_docstring, 0);
	assert_null(m.message);
	assert_int_equal(m.hdr_revision.present, 0);
	assert_int_equal(m.hdr_revises.present, 0);
	assert_int_equal(m.hdr_date.present, 0);
	assert_int_equal(m.hdr_nrevises, 0);
	ut_assert_item(src, m.revision.items[0], "038_add_widgets", 3);
	gmf_migration_release(&m);
}

static void test_reader_docstring_long_description(void **state)
{
	const char *src =
		"\"\"\"add widgets table with a long explanation\n"  /* 1 */
		"\n"                                                /* 2 */
		"The widgets table holds every widget.  It is\n"    /* 3 */
		"referenced by gadgets and by the audit log, and\n" /* 4 */
		"the migration backfills it from the old table.\n"  /* 5 */
		"\n"                                                /* 6 */
		"Revision ID: 038_add_widgets\n"                    /* 7 */
		"Revises: 037_add_users\n"                          /* 8 */
		"Create Date: 2026-03-09 10:15:02.118832\n"         /* 9 */
		"\n"                                                /* 10 */
		"\"\"\"\n"                                          /* 11 */
		CODE;                                               /* 12.. */
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.has_docstring, 1);
	assert_string_equal(m.message, "add widgets table with a long explanation");
	ut_assert_span(src, m.hdr_revision.value, "038_add_widgets", 7);
	ut_assert_span(src, m.hdr_revises.value, "037_add_users", 8);
	ut_assert_span(src, m.hdr_date.value, "2026-03-09 10:15:02.118832", 9);
	assert_int_equal(m.revision.line, 12);
	ut_assert_item(src, m.revision.items[0], "038_add_widgets", 12);
	gmf_migration_release(&m);
}

static void test_reader_docstring_single_quotes_and_blank_first_line(void **state)
{
	const char *src =
		"'''\n"                         /* 1 */
		"  add gadgets  \n"             /* 2 */
		"\n"                            /* 3 */
		"Revision ID: abc123   \n"      /* 4: trailing blanks trimmed */
		"Revises:\n"                    /* 5 */
		"'''\n"                         /* 6 */
		"revision = 'abc123'\n"         /* 7 */
		"down_revision = None\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.has_docstring, 1);
	assert_int_equal(m.docstring.off, 0);
	assert_string_equal(m.message, "add gadgets");
	assert_string_equal(m.hdr_revision.text, "abc123");
	ut_assert_span(src, m.hdr_revision.value, "abc123", 4);
	assert_int_equal(m.hdr_revises.present, 1);
	assert_string_equal(m.hdr_revises.text, "");
	assert_int_equal(m.hdr_revises.value.len, 0);
	assert_int_equal(m.hdr_revises.value.line, 5);
	assert_int_equal(m.hdr_nrevises, 0);
	assert_int_equal(m.hdr_date.present, 0);
	gmf_migration_release(&m);
}

static void test_reader_header_docstring_preferred(void **state)
{
	/* a licence docstring first, the Alembic header second */
	const char *src =
		"\"\"\"Copyright notice, not the header.\"\"\"\n"  /* 1 */
		"\"\"\"add x\n"                                  /* 2 */
		"\n"                                             /* 3 */
		"Revision ID: r9\n"                              /* 4 */
		"Revises: r8\n"                                  /* 5 */
		"\"\"\"\n"                                       /* 6 */
		"revision = 'r9'\n"
		"down_revision = 'r8'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.has_docstring, 1);
	assert_int_equal(m.docstring.line, 2);
	assert_string_equal(m.message, "add x");
	ut_assert_span(src, m.hdr_revision.value, "r9", 4);
	ut_assert_span(src, m.hdr_revises.value, "r8", 5);
	gmf_migration_release(&m);

	/* no header anywhere: the first docstring still gives the message */
	ut_parse_ok(&m, PATH, "\"\"\"just words\"\"\"\nrevision = 'r9'\n");
	assert_int_equal(m.has_docstring, 1);
	assert_string_equal(m.message, "just words");
	assert_int_equal(m.hdr_revision.present, 0);
	gmf_migration_release(&m);
}

static gmf_migration parse_revises(const char *line, char **src_out)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_migration m;
	gmf_strbuf_adds(&sb, "\"\"\"msg\n\nRevision ID: r3\n");
	gmf_strbuf_adds(&sb, line);
	gmf_strbuf_adds(&sb, "\nCreate Date: 2024-03-01\n\n\"\"\"\nrevision = 'r3'\n"
			"down_revision = None\n");
	ut_parse_ok(&m, PATH, sb.buf);
	*src_out = gmf_strbuf_detach(&sb, NULL);
	return m;
}

static void test_reader_revises_forms(void **state)
{
	gmf_migration m;
	char *src;
	(void)state;

	m = parse_revises("Revises: ", &src);
	assert_int_equal(m.hdr_revises.present, 1);
	assert_string_equal(m.hdr_revises.text, "");
	assert_int_equal(m.hdr_revises.value.line, 4);
	assert_int_equal(m.hdr_nrevises, 0);
	gmf_migration_release(&m);
	free(src);

	m = parse_revises("Revises: None", &src);
	assert_string_equal(m.hdr_revises.text, "None");
	ut_assert_span(src, m.hdr_revises.value, "None", 4);
	assert_int_equal(m.hdr_nrevises, 0);
	gmf_migration_release(&m);
	free(src);

	m = parse_revises("Revises: a1b2, c3d4", &src);
	assert_string_equal(m.hdr_revises.text, "a1b2, c3d4");
	ut_assert_span(src, m.hdr_revises.value, "a1b2, c3d4", 4);
	assert_int_equal(m.hdr_nrevises, 2);
	assert_string_equal(m.hdr_revises_ids[0], "a1b2");
	assert_string_equal(m.hdr_revises_ids[1], "c3d4");
	gmf_migration_release(&m);
	free(src);

	m = parse_revises("Revises: ('a1b2', 'c3d4')", &src);
	assert_string_equal(m.hdr_revises.text, "('a1b2', 'c3d4')");
	ut_assert_span(src, m.hdr_revises.value, "('a1b2', 'c3d4')", 4);
	assert_int_equal(m.hdr_nrevises, 2);
	assert_string_equal(m.hdr_revises_ids[0], "a1b2");
	assert_string_equal(m.hdr_revises_ids[1], "c3d4");
	gmf_migration_release(&m);
	free(src);

	m = parse_revises("", &src); /* the line is missing */
	assert_int_equal(m.hdr_revises.present, 0);
	assert_int_equal(m.hdr_nrevises, 0);
	assert_int_equal(m.hdr_revision.present, 1);
	gmf_migration_release(&m);
	free(src);
}

static void test_reader_create_date_forms(void **state)
{
	const char *full =
		"\"\"\"m\n\nRevision ID: r1\nRevises:\nCreate Date: 2024-03-01 10:15:02.118832\n\"\"\"\n"
		"revision = 'r1'\n";
	const char *date_only =
		"\"\"\"m\n\nRevision ID: r1\nRevises:\nCreate Date: 2024-03-01\n\"\"\"\n"
		"revision = 'r1'\n";
	const char *missing =
		"\"\"\"m\n\nRevision ID: r1\nRevises:\n\"\"\"\nrevision = 'r1'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, full);
	assert_int_equal(m.hdr_date.present, 1);
	assert_string_equal(m.hdr_date.text, "2024-03-01 10:15:02.118832");
	ut_assert_span(full, m.hdr_date.value, "2024-03-01 10:15:02.118832", 5);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, date_only);
	assert_int_equal(m.hdr_date.present, 1);
	assert_string_equal(m.hdr_date.text, "2024-03-01");
	ut_assert_span(date_only, m.hdr_date.value, "2024-03-01", 5);
	gmf_migration_release(&m);

	ut_parse_ok(&m, PATH, missing);
	assert_int_equal(m.hdr_date.present, 0);
	assert_null(m.hdr_date.text);
	assert_int_equal(m.hdr_revision.present, 1);
	gmf_migration_release(&m);
}

/* ---------------------------------------------------------- encodings */

static void test_reader_bom(void **state)
{
	const char *src = "\xef\xbb\xbf" DOC CODE;
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.bom, 1);
	assert_int_equal(m.has_docstring, 1);
	assert_int_equal(m.docstring.off, 3);
	assert_int_equal(m.docstring.line, 1);
	assert_string_equal(m.message, "add widgets table");
	ut_assert_span(src, m.hdr_revision.value, "038_add_widgets", 3);
	ut_assert_item(src, m.revision.items[0], "038_add_widgets", 8);
	gmf_migration_release(&m);

	/* a BOM directly before the first assignment */
	src = "\xef\xbb\xbfrevision = 'r1'\ndown_revision = None\n";
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.bom, 1);
	assert_int_equal(m.revision.items[0].span.off, 3 + 12);
	ut_assert_item(src, m.revision.items[0], "r1", 1);
	gmf_migration_release(&m);
}

static void test_reader_crlf(void **state)
{
	const char *src =
		"\"\"\"add widgets table\r\n"                  /* 1 */
		"\r\n"                                         /* 2 */
		"Revision ID: 038_add_widgets\r\n"             /* 3 */
		"Revises: 037_a, 037_b\r\n"                    /* 4 */
		"Create Date: 2026-03-09 10:15:02.118832\r\n"  /* 5 */
		"\r\n"                                         /* 6 */
		"\"\"\"\r\n"                                   /* 7 */
		"revision = \"038_add_widgets\"\r\n"           /* 8 */
		"down_revision = (\r\n"                        /* 9 */
		"    '037_a',\r\n"                             /* 10 */
		"    '037_b',\r\n"                             /* 11 */
		")\r\n"                                        /* 12 */
		"branch_labels = None\r\n"                     /* 13 */
		"depends_on = None  # x\r\n";                  /* 14 */
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.crlf, 1);
	assert_string_equal(m.message, "add widgets table");
	assert_string_equal(m.hdr_revision.text, "038_add_widgets");
	ut_assert_span(src, m.hdr_revision.value, "038_add_widgets", 3);
	assert_string_equal(m.hdr_revises.text, "037_a, 037_b");
	assert_int_equal(m.hdr_nrevises, 2);
	assert_string_equal(m.hdr_revises_ids[1], "037_b");
	assert_string_equal(m.hdr_date.text, "2026-03-09 10:15:02.118832");
	ut_assert_item(src, m.revision.items[0], "038_add_widgets", 8);
	ut_assert_span(src, m.revision.whole, "\"038_add_widgets\"", 8);
	assert_int_equal(m.down_revision.kind, GMF_VAL_SEQ);
	assert_int_equal(m.down_revision.nitems, 2);
	ut_assert_item(src, m.down_revision.items[0], "037_a", 10);
	ut_assert_item(src, m.down_revision.items[1], "037_b", 11);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_NONE);
	ut_assert_span(src, m.branch_labels.whole, "None", 13);
	assert_int_equal(m.depends_on.kind, GMF_VAL_NONE);
	assert_int_equal(m.depends_on.line, 14);
	gmf_migration_release(&m);
}

static void test_reader_lf_is_not_crlf(void **state)
{
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, DOC CODE);
	assert_int_equal(m.crlf, 0);
	assert_int_equal(m.bom, 0);
	gmf_migration_release(&m);
}

static void test_reader_non_ascii_utf8(void **state)
{
	const char *src =
		"# -*- coding: utf-8 -*-\n"                          /* 1 */
		"\"\"\"ajoute la table « widgets » — été \xf0\x9f\x8c\x9e\n" /* 2 */
		"\n"                                                 /* 3 */
		"Revision ID: 038_add_widgets\n"                     /* 4 */
		"Revises: 037_add_users\n"                           /* 5 */
		"Create Date: 2026-03-09 10:15:02.118832\n"          /* 6 */
		"\n"                                                 /* 7 */
		"Überarbeitet von Zoë.\n"                            /* 8 */
		"\"\"\"\n"                                           /* 9 */
		"# commentaire : données\n"                          /* 10 */
		"revision = \"038_add_widgets\"  # ñ\n"              /* 11 */
		"down_revision = \"037_add_users\"\n";               /* 12 */
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_string_equal(m.message, "ajoute la table « widgets » — été \xf0\x9f\x8c\x9e");
	ut_assert_span(src, m.hdr_revision.value, "038_add_widgets", 4);
	ut_assert_span(src, m.hdr_revises.value, "037_add_users", 5);
	ut_assert_item(src, m.revision.items[0], "038_add_widgets", 11);
	ut_assert_item(src, m.down_revision.items[0], "037_add_users", 12);
	gmf_migration_release(&m);
}

/* ----------------------------------------------- what must not count */

/* A value Alembic may see that this reader would not: an error naming
 * the line, never a guess (issue 11, "Fail closed"). */
static void assert_refused(const char *src, unsigned line, const char *why)
{
	gmf_diag d;
	assert_int_equal(ut_parse_fail(src, strlen(src), &d), GMF_EPARSE);
	if (!strstr(d.message, why) || d.line != line)
		fail_msg("line %u: %s (wanted line %u, '%s')", d.line, d.message, line, why);
}

static void test_reader_indented_assignments_refused(void **state)
{
	(void)state;
	/* a function's own local is not the module attribute Alembic reads,
	 * unless the file declares it global */
	{
		gmf_migration m;
		ut_parse_ok(&m, PATH, "revision = 'real'\ndown_revision = None\n\n"
			    "def upgrade():\n    revision = 'fake'\n    for depends_on in []:\n"
			    "        pass\n\nclass K:\n    down_revision = 'x'\n");
		assert_string_equal(m.revision.items[0].text, "real");
		gmf_migration_release(&m);
	}
	assert_refused("revision = 'real'\ndown_revision = None\n\n"
		       "def upgrade():\n    global revision\n    revision = 'fake'\n", 6,
		       "cannot read `revision` here: assigned inside a block");
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "if True:\n    down_revision = 'x'\n", 4,
		       "cannot read `down_revision` here: assigned inside a block");
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "try:\n\tdepends_on = 'nope'\nexcept Exception:\n    pass\n", 4,
		       "`depends_on` here: assigned inside a block");
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "with ctx():\n  branch_labels: tuple = ('no',)\n", 4,
		       "`branch_labels` here: assigned inside a block");
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "if True: down_revision = 'x'\n", 3,
		       "`down_revision` here: assigned inside a block");
}

static void test_reader_compound_assignments_refused(void **state)
{
	(void)state;
	assert_refused("revision = 'r'\nimport os; down_revision = 'x'\n", 2,
		       "`down_revision` here: assigned after `;`");
	assert_refused("revision = 'r'\ndown_revision = x = 'a'\n", 2,
		       "`down_revision` here: a chained assignment");
	assert_refused("revision = 'r'\nx = down_revision = 'a'\n", 2,
		       "`down_revision` here: a chained assignment");
	assert_refused("revision, down_revision = 'r', None\n", 1,
		       "`revision` here: a tuple");
	assert_refused("revision = 'r'\ndown_revision = 'a'\ndown_revision += 'b'\n", 3,
		       "`down_revision` here: an augmented assignment");
	assert_refused("revision = 'r'\ndown_revision = None\ndel down_revision\n", 3,
		       "`down_revision` here: deleted with `del`");
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "from x import down_revision\n", 3, "`down_revision` here: imported");
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "f((depends_on := 'x'))\n", 3, "`depends_on` here: assigned with `:=`");
}

static void test_reader_reassigned_differently_flagged(void **state)
{
	gmf_migration m;
	(void)state;
	/* Python keeps the last; the graph reports it as an error */
	ut_parse_ok(&m, PATH, "revision = 'r'\ndown_revision = 'a'\ndown_revision = 'b'\n");
	assert_string_equal(m.down_revision.items[0].text, "b");
	assert_int_equal(GMF_VALUE_COUNT(&m.down_revision), 2);
	assert_true(m.down_revision.assignments & GMF_VALUE_DIFFERED);
	assert_false(m.revision.assignments & GMF_VALUE_DIFFERED);
	gmf_migration_release(&m);
}

static void test_reader_homoglyph_refused(void **state)
{
	(void)state;
	/* fullwidth r (U+FF52): Python folds it to `revision` */
	assert_refused("revision = 'r'\ndown_revision = None\n"
		       "\xef\xbd\x92" "evision = 'other'\n", 3,
		       "cannot read `revision` here: the name");
	/* Cyrillic o (U+043E) in down_revision */
	assert_refused("revision = 'r'\nd\xd0\xbewn_revision = 'x'\n", 2,
		       "`down_revision` here: the name");
}

static void test_reader_conflict_markers_refused(void **state)
{
	(void)state;
	assert_refused("revision = 'r'\n<<<<<<< HEAD\ndown_revision = 'a'\n=======\n"
		       "down_revision = 'b'\n>>>>>>> feature\n", 2,
		       "unresolved conflict markers");
}

static void test_reader_lookalikes_that_bind_nothing(void **state)
{
	/* reads, attributes, keyword arguments, comparisons and strings bind
	 * nothing: still read */
	const char *src =
		"revision = 'r'\n"
		"down_revision = None\n"
		"x = revision\n"
		"ctx.down_revision = 'a'\n"
		"if revision == 'r':\n"
		"    op.f(revision='z', depends_on=None)\n"
		"doc = \"\"\"\n=======\nrevision = 'q'\n\"\"\"\n"
		"revision = 'r'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_string_equal(m.revision.items[0].text, "r");
	assert_int_equal(m.revision.assignments, 2);
	gmf_migration_release(&m);
}

static void test_reader_assignments_in_strings_ignored(void **state)
{
	const char *src =
		"\"\"\"add things\n"                   /* 1 */
		"revision = \"in-docstring\"\n"        /* 2 */
		"down_revision = 'in-doc'\n"           /* 3 */
		"Revision ID: r1\n"                    /* 4 */
		"\"\"\"\n"                             /* 5 */
		"SQL = \"\"\"\n"                       /* 6 */
		"revision = 'in-sql'\n"                /* 7 */
		"\"\"\"\n"                             /* 8 */
		"NOTE = '''\n"                         /* 9 */
		"down_revision = 'x'\n"                /* 10 */
		"depends_on = 'y'\n"                   /* 11 */
		"'''\n"                                /* 12 */
		"data = dict(\n"                       /* 13 */
		"revision='in-call',\n"                /* 14 */
		"down_revision='z',\n"                 /* 15 */
		")\n"                                  /* 16 */
		"revision = 'r1'\n"                    /* 17 */
		"down_revision = None\n"               /* 18 */
		"TAIL = \"\"\"\n"                      /* 19 */
		"branch_labels = 'late'\n"             /* 20 */
		"\"\"\"\n";                            /* 21 */
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.assignments, 1);
	ut_assert_item(src, m.revision.items[0], "r1", 17);
	assert_int_equal(m.down_revision.kind, GMF_VAL_NONE);
	assert_int_equal(m.down_revision.assignments, 1);
	assert_int_equal(m.down_revision.line, 18);
	assert_int_equal(m.branch_labels.kind, GMF_VAL_MISSING);
	assert_int_equal(m.depends_on.kind, GMF_VAL_MISSING);
	gmf_migration_release(&m);
}

static void test_reader_comment_lines_ignored(void **state)
{
	const char *src =
		"# revision = \"commented\"\n"
		"#down_revision = 'c'\n"
		"revision = 'r1'  # revision = 'no'\n"
		"# depends_on = ('x',)\n"
		"down_revision = None\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	ut_assert_item(src, m.revision.items[0], "r1", 3);
	assert_int_equal(m.revision.assignments, 1);
	assert_int_equal(m.down_revision.kind, GMF_VAL_NONE);
	assert_int_equal(m.depends_on.kind, GMF_VAL_MISSING);
	gmf_migration_release(&m);
}

static void test_reader_similar_names_ignored(void **state)
{
	const char *src =
		"revisions = 'no'\n"
		"revision_id = 'no'\n"
		"down_revision_x = 'no'\n"
		"revision == 'no'\n"
		"revision = 'r1'\n"
		"down_revision = 'r0'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	ut_assert_item(src, m.revision.items[0], "r1", 5);
	assert_int_equal(m.revision.assignments, 1);
	ut_assert_item(src, m.down_revision.items[0], "r0", 6);
	assert_int_equal(m.down_revision.assignments, 1);
	gmf_migration_release(&m);
}

/* ----------------------------------------------------------- failures */

static void test_reader_nul_byte_unreadable(void **state)
{
	static const char src[] = "revision = 'r1'\ndown_revision = None\nx = 1\0\n";
	gmf_diag d;
	(void)state;
	assert_int_equal(ut_parse_fail(src, sizeof(src) - 1, &d), GMF_EPARSE);
	assert_int_equal(d.unreadable, 1);
	assert_int_equal(d.line, 3);
	assert_true(d.message[0] != '\0');
}

static void test_reader_invalid_utf8_unreadable(void **state)
{
	static const char *const bad[] = {
		"revision = 'r1'\n\n\n# caf\xe9 latin-1\n",     /* lone 0xe9 */
		"revision = 'r1'\n\n\n# \xc0\xaf overlong\n",   /* overlong '/' */
		"revision = 'r1'\n\n\n# \xed\xa0\x80 surrogate\n",
		"revision = 'r1'\n\n\n# \xf5\x80\x80\x80 too big\n",
		"revision = 'r1'\n\n\n# \xe0\x80\xaf overlong 3\n",
		"revision = 'r1'\n\n\n# \x80 stray continuation\n",
		"revision = 'r1'\n\n\n# truncated \xe2\x82",    /* at EOF */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gmf_diag d;
		print_message("case %zu\n", i);
		assert_int_equal(ut_parse_fail(bad[i], strlen(bad[i]), &d), GMF_EPARSE);
		assert_int_equal(d.unreadable, 1);
		assert_int_equal(d.line, 4);
	}
}

static void test_reader_valid_utf8_accepted(void **state)
{
	const char *src =
		"# \xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf\n"
		"revision = 'r1'\n";
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, PATH, src);
	ut_assert_item(src, m.revision.items[0], "r1", 2);
	gmf_migration_release(&m);
}

static void test_reader_no_revision(void **state)
{
	const char *src = "\"\"\"doc\"\"\"\ndown_revision = None\n";
	gmf_diag d;
	(void)state;
	assert_int_equal(ut_parse_fail(src, strlen(src), &d), GMF_EPARSE);
	assert_int_equal(d.line, 0);
	assert_int_equal(d.unreadable, 0);
	assert_true(d.message[0] != '\0');
	assert_int_equal(ut_parse_fail("", 0, &d), GMF_EPARSE);
	assert_int_equal(d.line, 0);
	assert_int_equal(d.unreadable, 0);
}

static void test_reader_revision_expression_fails(void **state)
{
	static const struct { const char *src; unsigned line; } cases[] = {
		{ "\"\"\"x\"\"\"\nimport ids\n\nrevision = make_id()\n", 4 },
		{ "revision = None\n", 1 },
		{ "\n\nrevision = ('a', 'b')\n", 3 },
		{ "revision = b'abc'\n", 1 },
		{ "revision = f'abc'\n", 1 },
		{ "revision = \"\"\"abc\"\"\"\n", 1 },
		{ "revision = 'a' + 'b'\n", 1 },
		{ "revision = 'a' 'b'\n", 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gmf_diag d;
		print_message("case %zu: %s", i, cases[i].src);
		assert_int_equal(ut_parse_fail(cases[i].src, strlen(cases[i].src), &d),
				 GMF_EPARSE);
		assert_int_equal(d.line, cases[i].line);
		assert_int_equal(d.unreadable, 0);
	}
}

static void test_reader_down_revision_expression_fails(void **state)
{
	const char *src =
		"revision = 'r2'\n"
		"\n"
		"down_revision = some_var\n";
	const char *src2 =
		"revision = 'r2'\n"
		"down_revision = (\n"
		"    'r1',\n"
		"    other.REV,\n"
		")\n";
	gmf_diag d;
	(void)state;
	assert_int_equal(ut_parse_fail(src, strlen(src), &d), GMF_EPARSE);
	assert_int_equal(d.line, 3);
	assert_int_equal(d.unreadable, 0);
	assert_int_equal(ut_parse_fail(src2, strlen(src2), &d), GMF_EPARSE);
	assert_int_equal(d.line, 2);
}

static void test_reader_unterminated_string(void **state)
{
	const char *a = "revision = \"abc\ndown_revision = None\n";
	const char *b =
		"revision = 'r1'\n"
		"down_revision = None\n"
		"\n"
		"\n"
		"x = 'oops\n"
		"y = 1\n";
	const char *c = "revision = 'r1'\ndown_revision = ('a',\n    'b\n)\n";
	gmf_diag d;
	(void)state;
	assert_int_equal(ut_parse_fail(a, strlen(a), &d), GMF_EPARSE);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.unreadable, 0);
	assert_int_equal(ut_parse_fail(b, strlen(b), &d), GMF_EPARSE);
	assert_int_equal(d.line, 5);
	assert_int_equal(ut_parse_fail(c, strlen(c), &d), GMF_EPARSE);
	assert_int_equal(d.line, 3);
	/* at the very end of the file, no newline */
	assert_int_equal(ut_parse_fail("revision = 'abc", 15, &d), GMF_EPARSE);
	assert_int_equal(d.line, 1);
}

static void test_reader_unterminated_docstring(void **state)
{
	const char *a = "\"\"\"add x\n\nRevision ID: r1\nrevision = 'r1'\n";
	const char *b =
		"# encoding: utf-8\n"
		"# licence\n"
		"'''add x\n"
		"\n"
		"revision = 'r1'\n"
		"''";
	gmf_diag d;
	(void)state;
	assert_int_equal(ut_parse_fail(a, strlen(a), &d), GMF_EPARSE);
	assert_int_equal(d.line, 1);
	assert_int_equal(d.unreadable, 0);
	assert_int_equal(ut_parse_fail(b, strlen(b), &d), GMF_EPARSE);
	assert_int_equal(d.line, 3);
}

static void test_reader_reassignment_counted(void **state)
{
	const char *src =
		"revision = 'new'\n"          /* 1 */
		"down_revision = 'p1'\n"      /* 2 */
		"revision = 'new'\n"          /* 3 */
		"down_revision = \"p1\"\n"    /* 4 */
		"down_revision = ('p1')\n"    /* 5 */
		"branch_labels = None\n";     /* 6 */
	gmf_migration m;
	(void)state;
	/* the same value again is only worth a warning (a different one is
	 * refused: test_reader_compound_assignments_refused) */
	ut_parse_ok(&m, PATH, src);
	assert_int_equal(m.revision.assignments, 2);
	assert_int_equal(m.revision.nitems, 1);
	ut_assert_item(src, m.revision.items[0], "new", 3);
	assert_int_equal(m.revision.line, 3);
	assert_int_equal(m.down_revision.assignments, 3);
	assert_int_equal(m.down_revision.kind, GMF_VAL_STRING);
	ut_assert_item(src, m.down_revision.items[0], "p1", 5);
	assert_int_equal(m.branch_labels.assignments, 1);
	gmf_migration_release(&m);
}

/* ------------------------------------------------------------- others */

static void test_reader_buffer_need_not_be_terminated(void **state)
{
	const char buf[] = "revision = 'r1'\nGARBAGE GARBAGE";
	gmf_migration m;
	gmf_diag d;
	(void)state;
	assert_int_equal(gmf_migration_parse(&m, "x/r1.py", buf, 16, &d), 0);
	assert_int_equal(m.size, 16);
	assert_int_equal(m.data[16], '\0');
	assert_string_equal(m.stem, "r1");
	ut_assert_item(buf, m.revision.items[0], "r1", 1);
	gmf_migration_release(&m);
	gmf_migration_release(&m); /* a released migration is zeroed */
}

static void test_reader_stem_from_path(void **state)
{
	gmf_migration m;
	(void)state;
	ut_parse_ok(&m, "a/b/c/2024-03-01_10-15_abc_x.py", "revision = 'abc'\n");
	assert_string_equal(m.stem, "2024-03-01_10-15_abc_x");
	gmf_migration_release(&m);
	ut_parse_ok(&m, "plain.py", "revision = 'abc'\n");
	assert_string_equal(m.stem, "plain");
	gmf_migration_release(&m);
}

static void test_reader_line_of(void **state)
{
	const char *s = "a\nbb\n\nccc";
	(void)state;
	assert_int_equal(gmf_line_of(s, strlen(s), 0), 1);
	assert_int_equal(gmf_line_of(s, strlen(s), 1), 1);
	assert_int_equal(gmf_line_of(s, strlen(s), 2), 2);
	assert_int_equal(gmf_line_of(s, strlen(s), 5), 3);
	assert_int_equal(gmf_line_of(s, strlen(s), 6), 4);
	assert_int_equal(gmf_line_of(s, strlen(s), 100), 4); /* clamped */
}

static void test_reader_read_file(void **state)
{
	char dir[] = "/tmp/gmf-reader-XXXXXX";
	char path[256];
	const char *src = DOC CODE;
	gmf_migration m;
	gmf_diag d;
	int fd;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/038_add_widgets.py", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);

	assert_int_equal(gmf_migration_read(&m, path, &d), 0);
	assert_string_equal(m.path, path);
	assert_string_equal(m.stem, "038_add_widgets");
	ut_assert_item(src, m.revision.items[0], "038_add_widgets", 8);
	gmf_migration_release(&m);

	/* a directory is not a migration */
	assert_int_equal(gmf_migration_read(&m, dir, &d), GMF_EIO);
	assert_int_equal(d.unreadable, 1);
	gmf_migration_release(&m);
	unlink(path);
	/* a missing file */
	assert_int_equal(gmf_migration_read(&m, path, &d), GMF_EIO);
	assert_int_equal(d.unreadable, 1);
	assert_int_equal(d.line, 0);
	gmf_migration_release(&m);
	rmdir(dir);
}

static void test_reader_revision_id_is_safe(void **state)
{
	static const char *const good[] = {
		"1a2b3c4d5e6f", "037_add_widgets", "kilo", "011", "a1b2c3d4e5",
		"ABCdef_123", "a.b", "x",
	};
	static const char *const bad[] = {
		"", "a/b", "/abs", "..", "a..b", "../x", "a b", " a", "a\tb",
		"a'b", "a\"b", "a\nb", "a\rb", "$(rm -rf)", "a$(x)", "a@b", "head-1",
		"ae10+2", "a:b", "a\\b", "a`b`", "\x7f", "a\x01",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		print_message("good: %s\n", good[i]);
		assert_true(gmf_revision_id_is_safe(good[i]));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad case %zu\n", i);
		assert_false(gmf_revision_id_is_safe(bad[i]));
	}
	/* every byte inside an id, against the rule as a list of characters */
	for (int c = 1; c < 256; c++) {
		char id[4] = { 'a', (char)c, 'b', '\0' };
		int want = c >= 0x21 && c != 0x7f && !strchr("/\\'\"@-+:`$;|&<>*?!(){}[],#", c);
		print_message("byte 0x%02x\n", c);
		assert_int_equal(gmf_revision_id_is_safe(id), want);
	}
}


/* ------------------------------------------- names in branch_labels */

static void expect_source(const char *src, const char *expr, const char *module,
			  const char *name)
{
	char *m = NULL, *n = NULL;
	int ok = gmf_reader_name_source(src, strlen(src), expr, &m, &n);
	if (!name) {
		assert_int_equal(ok, 0);
		assert_null(m);
		assert_null(n);
		return;
	}
	assert_int_equal(ok, 1);
	if (module)
		assert_string_equal(m, module);
	else
		assert_null(m);
	assert_string_equal(n, name);
	free(m);
	free(n);
}

static void test_reader_name_source(void **state)
{
	(void)state;
	expect_source("from neutron.db.migration import cli\n", "cli.CONTRACT_BRANCH",
		      "neutron.db.migration.cli", "CONTRACT_BRANCH");
	expect_source("from neutron.db import migration\n", "migration.CONTRACT_BRANCH",
		      "neutron.db.migration", "CONTRACT_BRANCH");
	expect_source("from a.b import (\n    x,\n    CONTRACT as C,\n)\n", "C",
		      "a.b", "CONTRACT");
	expect_source("import a.b.cli as cli, os\n", "cli.X", "a.b.cli", "X");
	expect_source("import a.b.cli\n", "a.b.cli.X", "a.b.cli", "X");
	/* not imported: the file's own constant */
	expect_source("X = 'x'\n", "X", NULL, "X");
	/* fail closed */
	expect_source("from . import cli\n", "cli.X", NULL, NULL);
	expect_source("from a import *\n", "X", NULL, NULL);
	expect_source("class cli:\n    X = 'x'\n", "cli.X", NULL, NULL);
	expect_source("from a import cli\nfrom b import cli\n", "cli.X", NULL, NULL);
	expect_source("", "cli.X()", NULL, NULL);
	expect_source("", "\"x\" + y", NULL, NULL);
	/* an import inside a function or a docstring binds nothing here */
	expect_source("def f():\n    from a import cli\n", "cli.X", NULL, NULL);
	expect_source("\"\"\"\nfrom a import cli\n\"\"\"\n", "cli.X", NULL, NULL);
}

static void expect_constant(const char *src, const char *name, const char *value)
{
	char *v = NULL;
	unsigned line = 0;
	int ok = gmf_reader_string_constant(src, strlen(src), name, &v, &line);
	if (!value) {
		assert_int_equal(ok, 0);
		assert_null(v);
		return;
	}
	assert_int_equal(ok, 1);
	assert_string_equal(v, value);
	assert_true(line > 0);
	free(v);
}

static void test_reader_string_constant(void **state)
{
	(void)state;
	expect_constant("import os\n\nEXPAND = 'expand'\nBOTH = (EXPAND, 'c')\n"
			"def f(x):\n    return EXPAND if x else BOTH\n", "EXPAND", "expand");
	expect_constant("C: str = \"contract\"  # the contract branch\n", "C", "contract");
	expect_constant("C = \"c\"\nC = \"c\"\n", "C", "c"); /* the same twice */
	expect_constant("\"\"\"\nC = 'doc'\n\"\"\"\nC = 'real'\n", "C", "real");
	/* fail closed: anything that could give another value */
	expect_constant("C = 'a'\nC = 'b'\n", "C", NULL);
	expect_constant("if x:\n    C = 'a'\nelse:\n    C = 'b'\n", "C", NULL);
	expect_constant("C = 'a'\nC += 'b'\n", "C", NULL);
	expect_constant("C = 'a'\nfrom x import C\n", "C", NULL);
	expect_constant("C = 'a'\nfrom x import *\n", "C", NULL);
	expect_constant("C = 'a'\ndef f():\n    global C\n    C = 'b'\n", "C", NULL);
	expect_constant("C = 'a'\nfor C in y:\n    pass\n", "C", NULL);
	expect_constant("C = 'a'\ndel C\n", "C", NULL);
	expect_constant("C = 'a'; C = 'b'\n", "C", NULL);
	expect_constant("C = 'a' + 'b'\n", "C", NULL);
	expect_constant("C = f'a{x}'\n", "C", NULL);
	expect_constant("C = 'a\\'b'\n", "C", NULL);
	expect_constant("C = \"\"\"a\"\"\"\n", "C", NULL);
	expect_constant("C, D = 'a', 'b'\n", "C", NULL);
	expect_constant("(C := 'a')\n", "C", NULL);
	expect_constant("D = 'a'\n", "C", NULL);
	expect_constant("C = 'a\n", "C", NULL);
	/* other names and attributes are not C */
	expect_constant("C = 'a'\nx.C = 'b'\nCC = 'c'\n", "C", "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_plain_double_quotes),
		cmocka_unit_test(test_reader_plain_single_quotes),
		cmocka_unit_test(test_reader_unicode_prefix),
		cmocka_unit_test(test_reader_every_annotation),
		cmocka_unit_test(test_reader_annotated_merge),
		cmocka_unit_test(test_reader_root_none),
		cmocka_unit_test(test_reader_none_prefix_is_not_none),
		cmocka_unit_test(test_reader_merge_tuples),
		cmocka_unit_test(test_reader_multiline_tuple_with_comments),
		cmocka_unit_test(test_reader_trailing_noqa_comment),
		cmocka_unit_test(test_reader_chained_assignment),
		cmocka_unit_test(test_reader_missing_labels_and_depends),
		cmocka_unit_test(test_reader_expression_labels_opaque),
		cmocka_unit_test(test_reader_empty_tuple),
		cmocka_unit_test(test_reader_parenthesized_string),
		cmocka_unit_test(test_reader_backslash_continuation),
		cmocka_unit_test(test_reader_semicolon_statements),
		cmocka_unit_test(test_reader_docstring_at_line_1),
		cmocka_unit_test(test_reader_docstring_after_encoding_line),
		cmocka_unit_test(test_reader_docstring_after_licence_block),
		cmocka_unit_test(test_reader_docstring_after_imports),
		cmocka_unit_test(test_reader_docstring_missing),
		cmocka_unit_test(test_reader_docstring_long_description),
		cmocka_unit_test(test_reader_docstring_single_quotes_and_blank_first_line),
		cmocka_unit_test(test_reader_header_docstring_preferred),
		cmocka_unit_test(test_reader_revises_forms),
		cmocka_unit_test(test_reader_create_date_forms),
		cmocka_unit_test(test_reader_bom),
		cmocka_unit_test(test_reader_crlf),
		cmocka_unit_test(test_reader_lf_is_not_crlf),
		cmocka_unit_test(test_reader_non_ascii_utf8),
		cmocka_unit_test(test_reader_indented_assignments_refused),
		cmocka_unit_test(test_reader_compound_assignments_refused),
		cmocka_unit_test(test_reader_reassigned_differently_flagged),
		cmocka_unit_test(test_reader_homoglyph_refused),
		cmocka_unit_test(test_reader_conflict_markers_refused),
		cmocka_unit_test(test_reader_lookalikes_that_bind_nothing),
		cmocka_unit_test(test_reader_assignments_in_strings_ignored),
		cmocka_unit_test(test_reader_comment_lines_ignored),
		cmocka_unit_test(test_reader_similar_names_ignored),
		cmocka_unit_test(test_reader_nul_byte_unreadable),
		cmocka_unit_test(test_reader_invalid_utf8_unreadable),
		cmocka_unit_test(test_reader_valid_utf8_accepted),
		cmocka_unit_test(test_reader_no_revision),
		cmocka_unit_test(test_reader_revision_expression_fails),
		cmocka_unit_test(test_reader_down_revision_expression_fails),
		cmocka_unit_test(test_reader_unterminated_string),
		cmocka_unit_test(test_reader_unterminated_docstring),
		cmocka_unit_test(test_reader_reassignment_counted),
		cmocka_unit_test(test_reader_buffer_need_not_be_terminated),
		cmocka_unit_test(test_reader_stem_from_path),
		cmocka_unit_test(test_reader_line_of),
		cmocka_unit_test(test_reader_read_file),
		cmocka_unit_test(test_reader_revision_id_is_safe),
		cmocka_unit_test(test_reader_name_source),
		cmocka_unit_test(test_reader_string_constant),
	};
	return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
