/* SPDX-License-Identifier: MIT */
/*
 * unit.h: what every cmocka unit test of git-migrate-fix includes.
 *
 * cmocka needs stdarg.h, stddef.h, stdint.h and setjmp.h before cmocka.h.
 * The helpers below are tiny on purpose: parse a string into a migration,
 * check a byte span against the source it came from, build a graph from
 * in-memory files and pick findings out of the result.  Assertions that
 * should report the test's own line are macros; the rest are static inline.
 */
#ifndef GMF_TESTS_UNIT_H
#define GMF_TESTS_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gmf/error.h"
#include "gmf/graph.h"
#include "gmf/reader.h"
#include "gmf/strbuf.h"

/* Parses the NUL-terminated src as the file at path; the parse must succeed. */
static inline void ut_parse_ok(gmf_migration *m, const char *path, const char *src)
{
	gmf_diag d;
	int rc = gmf_migration_parse(m, path, src, strlen(src), &d);
	if (rc != 0)
		print_error("parsing %s failed at line %u: %s\n", path, d.line,
			    d.message);
	assert_int_equal(rc, 0);
}

/* Parses len bytes that must be refused; fills *d, releases the migration. */
static inline int ut_parse_fail(const char *src, size_t len, gmf_diag *d)
{
	gmf_migration m;
	int rc = gmf_migration_parse(&m, "versions/bad.py", src, len, d);
	gmf_migration_release(&m);
	return rc;
}

/* Offset of needle in src plus delta; the needle must be there. */
static inline size_t ut_off(const char *src, const char *needle, size_t delta)
{
	const char *p = strstr(src, needle);
	if (!p)
		print_error("'%s' not found in the source\n", needle);
	assert_non_null(p);
	return (size_t)(p - src) + delta;
}

/* The span covers exactly `text` in src and starts on line ln. */
#define ut_assert_span(src, sp, text, ln) do { \
	const char *ut_s_ = (src); \
	const char *ut_t_ = (text); \
	size_t ut_n_ = strlen(ut_t_); \
	assert_int_equal((sp).len, ut_n_); \
	assert_true((sp).off + ut_n_ <= strlen(ut_s_)); \
	if (ut_n_) \
		assert_memory_equal(ut_s_ + (sp).off, ut_t_, ut_n_); \
	assert_int_equal((sp).line, (unsigned)(ln)); \
	assert_int_equal(gmf_line_of(ut_s_, strlen(ut_s_), (sp).off), \
			 (unsigned)(ln)); \
} while (0)

/* A string item: its text, and a span that is exactly the bytes between
 * a pair of matching quotes. */
#define ut_assert_item(src, item, id, ln) do { \
	const char *ut_src_ = (src); \
	const gmf_str *ut_it_ = &(item); \
	assert_string_equal(ut_it_->text, (id)); \
	ut_assert_span(ut_src_, ut_it_->span, (id), (ln)); \
	assert_true(ut_it_->span.off > 0); \
	assert_true(ut_src_[ut_it_->span.off - 1] == '"' || \
		    ut_src_[ut_it_->span.off - 1] == '\''); \
	assert_int_equal(ut_src_[ut_it_->span.off + ut_it_->span.len], \
			 ut_src_[ut_it_->span.off - 1]); \
} while (0)

/*
 * A small migration: no docstring, `revision` on line 1 and down_revision
 * on line 2.  down is Python text ("None", "'a'", "('a', 'b')"); extra is
 * appended verbatim (NULL for nothing).  Caller frees.
 */
static inline char *ut_mig_src(const char *rev, const char *down, const char *extra)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb, "revision = '%s'\n", rev);
	gmf_strbuf_addf(&sb, "down_revision = %s\n", down);
	if (extra)
		gmf_strbuf_adds(&sb, extra);
	return gmf_strbuf_detach(&sb, NULL);
}

/* Parses src as path and adds it to g; the parse must succeed. */
static inline void ut_add_src(gmf_graph *g, const char *path, const char *src)
{
	gmf_migration m;
	ut_parse_ok(&m, path, src);
	gmf_graph_add(g, &m);
}

static inline void ut_add(gmf_graph *g, const char *path, const char *rev,
			  const char *down, const char *extra)
{
	char *src = ut_mig_src(rev, down, extra);
	ut_add_src(g, path, src);
	free(src);
}

static inline size_t ut_count(const gmf_findings *f, gmf_finding_code c)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->items[i].code == c;
	return n;
}

/* The nth (0-based) finding with code c, or NULL. */
static inline const gmf_finding *ut_nth(const gmf_findings *f,
					gmf_finding_code c, size_t nth)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].code == c && nth-- == 0)
			return &f->items[i];
	return NULL;
}

static inline int ut_has_rev(const gmf_finding *f, const char *rev)
{
	for (size_t i = 0; i < f->nrevisions; i++)
		if (!strcmp(f->revisions[i], rev))
			return 1;
	return 0;
}

static inline int ut_has_loc(const gmf_finding *f, const char *path, unsigned line)
{
	for (size_t i = 0; i < f->nlocs; i++)
		if (!strcmp(f->locs[i].path, path) && f->locs[i].line == line)
			return 1;
	return 0;
}

/* Prints every finding: run with a failing test to see what was found. */
static inline void ut_dump(const gmf_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		print_message("  %s[%s] %s:%u: %s\n",
			      gmf_severity_name(f->items[i].severity),
			      gmf_finding_code_name(f->items[i].code),
			      f->items[i].nlocs ? f->items[i].locs[0].path : "-",
			      f->items[i].nlocs ? f->items[i].locs[0].line : 0,
			      f->items[i].message);
}

#endif
