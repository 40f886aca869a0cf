/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for project: discovery from alembic.ini and friends, and
 * walking version directories, in throwaway directories.
 */
/* LDWRAP: -Wl,--wrap=fdopendir */
#define _XOPEN_SOURCE 700 /* nftw, to clean up the temporary directories */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/path.h"
#include "gmf/project.h"

/* ---------------------------------------------- a failing fdopendir */

DIR *__real_fdopendir(int fd);
DIR *__wrap_fdopendir(int fd);

static int opendir_errno; /* non-zero: opendir fails with it */

DIR *__wrap_fdopendir(int fd)
{
	if (opendir_errno) {
		errno = opendir_errno;
		return NULL;
	}
	return __real_fdopendir(fd);
}

/* ------------------------------------------------------------ helpers */

static char tmp[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/gmf-project-XXXXXX");
	opendir_errno = 0;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	opendir_errno = 0;
	return nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmp/rel, as an allocated string */
static char *in_tmp(const char *rel)
{
	return gmf_path_join(tmp, rel);
}

/* Writes tmp/rel (creating directories), len bytes or strlen(text). */
static void put(const char *rel, const char *text, size_t len)
{
	char *path = in_tmp(rel), *slash;
	int fd;
	for (slash = strchr(path + strlen(tmp) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	if (!len)
		len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	free(path);
}

static void mkdirs(const char *rel)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s/x", rel);
	put(buf, "x", 0);
	{
		char *p = in_tmp(buf);
		unlink(p);
		free(p);
	}
}

#define assert_tmp_path(got, rel) do { \
	char *want_ = in_tmp(rel); \
	assert_string_equal((got), want_); \
	free(want_); \
} while (0)

static int discover(gmf_project *p, const char *config, const char *name)
{
	gmf_discover_opts o;
	memset(&o, 0, sizeof(o));
	o.cwd = tmp;
	o.config = config;
	o.name = name;
	return gmf_project_discover(p, &o);
}

static void discover_ok(gmf_project *p, const char *config, const char *name)
{
	int rc = discover(p, config, name);
	if (rc)
		print_error("discover: %s\n", gmf_error_last());
	assert_int_equal(rc, 0);
}

static char *mig(const char *rev, const char *down)
{
	return ut_mig_src(rev, down, NULL);
}

static void put_mig(const char *rel, const char *rev, const char *down)
{
	char *s = mig(rev, down);
	put(rel, s, 0);
	free(s);
}

/* -------------------------------------------------------- discovery */

static void test_project_ini_here_script_location(void **state)
{
	gmf_project p;
	(void)state;
	put("alembic.ini",
	    "[alembic]\n"
	    "script_location = %(here)s/migrations\n"
	    "file_template = %%(rev)s_%%(slug)s\n"
	    "truncate_slug_length = 20\n"
	    "\n[loggers]\nkeys = root\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_string_equal(p.cwd, tmp);
	assert_string_equal(p.top, tmp);
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].name, "alembic");
	assert_string_equal(p.scripts[0].source, "alembic.ini");
	assert_tmp_path(p.scripts[0].config_path, "alembic.ini");
	assert_tmp_path(p.scripts[0].script_dir, "migrations");
	assert_int_equal(p.scripts[0].ndirs, 1);
	assert_tmp_path(p.scripts[0].dirs[0], "migrations/versions");
	assert_int_equal(p.scripts[0].recursive, 0);
	assert_string_equal(p.scripts[0].file_template, "%(rev)s_%(slug)s");
	assert_int_equal(p.scripts[0].truncate_slug_length, 20);
	gmf_project_release(&p);
}

static void test_project_relative_script_location(void **state)
{
	gmf_project p;
	(void)state;
	put("alembic.ini", "[alembic]\nscript_location = db/./alembic\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_tmp_path(p.scripts[0].script_dir, "db/alembic");
	assert_tmp_path(p.scripts[0].dirs[0], "db/alembic/versions");
	assert_null(p.scripts[0].file_template);
	assert_int_equal(p.scripts[0].truncate_slug_length, 40);
	gmf_project_release(&p);
}

/* version_locations under each separator setting: always dirs a and b */
static void check_locations(const char *settings)
{
	gmf_project p;
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_adds(&sb, "[alembic]\nscript_location = %(here)s/migrations\n");
	gmf_strbuf_adds(&sb, settings);
	put("alembic.ini", sb.buf, 0);
	print_message("alembic.ini:\n%s", sb.buf);
	gmf_strbuf_release(&sb);
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.nscripts, 1);
	assert_int_equal(p.scripts[0].ndirs, 2);
	assert_tmp_path(p.scripts[0].dirs[0], "a");
	assert_tmp_path(p.scripts[0].dirs[1], "b");
	gmf_project_release(&p);
}

static void test_project_separator_space(void **state)
{
	(void)state;
	check_locations("version_path_separator = space\n"
			"version_locations = %(here)s/a  %(here)s/b\n");
}

static void test_project_separator_os(void **state)
{
	(void)state;
	check_locations("version_path_separator = os  # Use os.pathsep.\n"
			"version_locations = %(here)s/a:%(here)s/b\n");
}

static void test_project_separator_semicolon(void **state)
{
	(void)state;
	check_locations("version_path_separator = ;\n"
			"version_locations = %(here)s/a;%(here)s/b\n");
}

static void test_project_separator_colon(void **state)
{
	(void)state;
	check_locations("version_path_separator = :\n"
			"version_locations = %(here)s/a:%(here)s/b\n");
}

static void test_project_separator_newline(void **state)
{
	gmf_project p;
	(void)state;
	check_locations("version_path_separator = newline\n"
			"version_locations =\n"
			"    %(here)s/a\n"
			"    %(here)s/b\n");
	/* with newline, a space is part of the path */
	put("alembic.ini",
	    "[alembic]\nscript_location = m\n"
	    "version_path_separator = newline\n"
	    "version_locations =\n    %(here)s/with space\n    %(here)s/b\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.scripts[0].ndirs, 2);
	assert_tmp_path(p.scripts[0].dirs[0], "with space");
	gmf_project_release(&p);
}

static void test_project_separator_legacy(void **state)
{
	gmf_project p;
	(void)state;
	check_locations("version_locations = %(here)s/a, %(here)s/b\n");
	check_locations("version_locations = %(here)s/a %(here)s/b\n");
	put("alembic.ini",
	    "[alembic]\nscript_location = m\n"
	    "version_locations = %(here)s/a,%(here)s/b %(here)s/c\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.scripts[0].ndirs, 3);
	assert_tmp_path(p.scripts[0].dirs[2], "c");
	gmf_project_release(&p);
}

static void test_project_path_separator_key(void **state)
{
	(void)state;
	/* Alembic 1.16 renamed the setting to path_separator */
	check_locations("path_separator = newline\n"
			"version_locations =\n    %(here)s/a\n    %(here)s/b\n");
}

static void test_project_recursive_flag(void **state)
{
	gmf_project p;
	(void)state;
	put("alembic.ini",
	    "[alembic]\nscript_location = m\nrecursive_version_locations = true\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.scripts[0].recursive, 1);
	gmf_project_release(&p);
	put("alembic.ini",
	    "[alembic]\nscript_location = m\nrecursive_version_locations = false\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.scripts[0].recursive, 0);
	gmf_project_release(&p);
}

static void test_project_several_sections(void **state)
{
	gmf_project p;
	(void)state;
	put("alembic.ini",
	    "[core]\n"
	    "script_location = %(here)s/core\n"
	    "\n"
	    "[tenant]\n"
	    "script_location = %(here)s/tenant\n"
	    "version_locations = %(here)s/tenant/v1 %(here)s/tenant/v2\n"
	    "\n"
	    "[post_write_hooks]\n"
	    "hooks = black\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.nscripts, 2);
	assert_string_equal(p.scripts[0].name, "core");
	assert_tmp_path(p.scripts[0].dirs[0], "core/versions");
	assert_string_equal(p.scripts[1].name, "tenant");
	assert_int_equal(p.scripts[1].ndirs, 2);
	assert_tmp_path(p.scripts[1].dirs[1], "tenant/v2");
	gmf_project_release(&p);

	/* -n picks one section */
	discover_ok(&p, NULL, "tenant");
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].name, "tenant");
	gmf_project_release(&p);

	assert_int_equal(discover(&p, NULL, "nosuch"), GMF_ENOTFOUND);
	gmf_project_release(&p);
	/* a section without script_location is not a script */
	assert_int_equal(discover(&p, NULL, "post_write_hooks"), GMF_ENOTFOUND);
	gmf_project_release(&p);
}

static void test_project_explicit_dirs(void **state)
{
	static const char *const dirs[] = { "a/b", "/abs/x/../y", "./c/" };
	gmf_project p;
	gmf_discover_opts o;
	(void)state;
	put("alembic.ini", "[alembic]\nscript_location = m\n", 0); /* not used */
	memset(&o, 0, sizeof(o));
	o.cwd = tmp;
	o.dirs = dirs;
	o.ndirs = 3;
	assert_int_equal(gmf_project_discover(&p, &o), 0);
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].name, "versions");
	assert_string_equal(p.scripts[0].source, "--dir");
	assert_null(p.scripts[0].config_path);
	assert_int_equal(p.scripts[0].ndirs, 3);
	assert_tmp_path(p.scripts[0].dirs[0], "a/b");
	assert_string_equal(p.scripts[0].dirs[1], "/abs/y");
	assert_tmp_path(p.scripts[0].dirs[2], "c");
	gmf_project_release(&p);
}

static void test_project_explicit_config(void **state)
{
	gmf_project p;
	(void)state;
	put("conf/alembic.ini", "[alembic]\nscript_location = %(here)s/mig\n", 0);
	discover_ok(&p, "conf/alembic.ini", NULL);
	assert_int_equal(p.nscripts, 1);
	assert_tmp_path(p.scripts[0].config_path, "conf/alembic.ini");
	assert_tmp_path(p.scripts[0].dirs[0], "conf/mig/versions");
	gmf_project_release(&p);

	assert_int_equal(discover(&p, "conf/missing.ini", NULL), GMF_ENOTFOUND);
	gmf_project_release(&p);

	put("conf/empty.ini", "[loggers]\nkeys = root\n", 0);
	assert_int_equal(discover(&p, "conf/empty.ini", NULL), GMF_ENOTFOUND);
	gmf_project_release(&p);
}

static void test_project_malformed_ini(void **state)
{
	gmf_project p;
	(void)state;
	put("alembic.ini", "[alembic]\nscript_location = m\n[broken\n", 0);
	assert_int_equal(discover(&p, NULL, NULL), GMF_EPARSE);
	assert_non_null(strstr(gmf_error_last(), "alembic.ini"));
	/* the message names the file and the line: no garbling */
	print_message("message: %s\n", gmf_error_last());
	assert_true(strstr(gmf_error_last(), "line 3") ||
		    strstr(gmf_error_last(), "alembic.ini:3"));
	assert_non_null(strstr(gmf_error_last(), "malformed section header"));
	gmf_project_release(&p);
}

static void test_project_default_location(void **state)
{
	gmf_project p;
	(void)state;
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].source, "default");
	assert_int_equal(p.scripts[0].ndirs, 1);
	assert_tmp_path(p.scripts[0].dirs[0], "migrations/versions");
	gmf_project_release(&p);
}

/* ------------------------------------------------------------ loading */

static gmf_script one_dir_script(const char *rel, int recursive)
{
	gmf_script s;
	memset(&s, 0, sizeof(s));
	s.dirs = gmf_xcalloc(1, sizeof(char *));
	s.dirs[0] = in_tmp(rel);
	s.ndirs = 1;
	s.recursive = recursive;
	return s;
}

static void free_script(gmf_script *s)
{
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
}

static void test_project_load_skips_non_migrations(void **state)
{
	gmf_script s = one_dir_script("v", 0);
	gmf_graph *g = NULL;
	gmf_findings f;
	char *path;
	(void)state;
	put_mig("v/002_b.py", "002_b", "'001_a'");
	put_mig("v/001_a.py", "001_a", "None");
	put("v/__init__.py", "", 0);                    /* no revision: must be skipped */
	put("v/.#001_a.py", "user@host.1234:0", 0);     /* an editor lock file */
	put_mig("v/__pycache__/003_c.py", "003_c", "'002_b'");
	put("v/__pycache__/001_a.cpython-311.pyc", "\x00\x01\x02", 3);
	put("v/README", "notes\n", 0);
	put("v/.keep", "", 1);
	put("v/expand.head", "002_b\n", 0);
	put("v/notes.py.txt", "revision = 'zzz'\n", 0);
	put_mig("v/nested/004_d.py", "004_d", "'002_b'");
	assert_int_equal(gmf_script_load(&g, &s), 0);
	assert_non_null(g);
	assert_int_equal(gmf_graph_count(g), 2);
	assert_string_equal(gmf_graph_node(g, 0)->id, "001_a"); /* sorted by name */
	assert_string_equal(gmf_graph_node(g, 1)->id, "002_b");
	path = in_tmp("v/001_a.py");
	assert_string_equal(gmf_graph_node(g, 0)->mig.path, path);
	free(path);
	gmf_findings_init(&f);
	gmf_graph_check(g, GMF_NAMING_AUTO, NULL, &f);
	ut_dump(&f);
	assert_int_equal(f.n, 0);
	gmf_findings_release(&f);
	gmf_graph_free(g);
	free_script(&s);
}

static void test_project_load_recursive(void **state)
{
	gmf_script s = one_dir_script("v", 1);
	gmf_graph *g = NULL;
	(void)state;
	put_mig("v/001_a.py", "001_a", "None");
	put_mig("v/2024/002_b.py", "002_b", "'001_a'");
	put_mig("v/2024/q1/003_c.py", "003_c", "'002_b'");
	put_mig("v/__pycache__/009_x.py", "009_x", "'003_c'");
	put_mig("v/.hidden/010_y.py", "010_y", "'003_c'");
	assert_int_equal(gmf_script_load(&g, &s), 0);
	assert_int_equal(gmf_graph_count(g), 3);
	assert_int_not_equal(gmf_graph_find(g, "003_c"), (size_t)-1);
	assert_int_equal(gmf_graph_find(g, "009_x"), (size_t)-1);
	assert_int_equal(gmf_graph_find(g, "010_y"), (size_t)-1);
	gmf_graph_free(g);
	free_script(&s);
}

static void test_project_load_several_dirs_one_graph(void **state)
{
	gmf_script s;
	gmf_graph *g = NULL;
	gmf_findings f;
	(void)state;
	memset(&s, 0, sizeof(s));
	s.dirs = gmf_xcalloc(2, sizeof(char *));
	s.dirs[0] = in_tmp("a");
	s.dirs[1] = in_tmp("b");
	s.ndirs = 2;
	put_mig("a/001_a.py", "001_a", "None");
	put_mig("b/002_b.py", "002_b", "'001_a'");
	assert_int_equal(gmf_script_load(&g, &s), 0);
	assert_int_equal(gmf_graph_count(g), 2);
	gmf_findings_init(&f);
	gmf_graph_check(g, GMF_NAMING_AUTO, NULL, &f);
	assert_int_equal(f.n, 0); /* the parent in the other dir is found */
	gmf_findings_release(&f);
	gmf_graph_free(g);
	free_script(&s);
}

static void test_project_load_bad_files_become_findings(void **state)
{
	gmf_script s = one_dir_script("v", 0);
	gmf_graph *g = NULL;
	gmf_findings f;
	const gmf_finding *x;
	char *path;
	(void)state;
	put_mig("v/001_a.py", "001_a", "None");
	put("v/002_bin.py", "revision = 'x'\n\0\0\0", 18);
	put("v/003_expr.py", "revision = 'c'\n\ndown_revision = make()\n", 0);
	assert_int_equal(gmf_script_load(&g, &s), 0);
	assert_int_equal(gmf_graph_count(g), 1);
	gmf_findings_init(&f);
	gmf_graph_check(g, GMF_NAMING_NONE, NULL, &f);
	ut_dump(&f);
	assert_int_equal(ut_count(&f, GMF_F_UNREADABLE), 1);
	assert_int_equal(ut_count(&f, GMF_F_PARSE), 1);
	assert_int_equal(gmf_findings_worst(&f), GMF_SEV_FATAL);
	x = ut_nth(&f, GMF_F_UNREADABLE, 0);
	path = in_tmp("v/002_bin.py");
	assert_true(ut_has_loc(x, path, 2));
	free(path);
	x = ut_nth(&f, GMF_F_PARSE, 0);
	path = in_tmp("v/003_expr.py");
	assert_true(ut_has_loc(x, path, 3));
	free(path);
	gmf_findings_release(&f);
	gmf_graph_free(g);
	free_script(&s);
}

static void test_project_load_missing_dir(void **state)
{
	gmf_script s = one_dir_script("nope/versions", 0);
	gmf_graph *g = (gmf_graph *)&s;
	(void)state;
	assert_int_equal(gmf_script_load(&g, &s), GMF_ENOTFOUND);
	assert_null(g);
	assert_non_null(strstr(gmf_error_last(), "nope/versions"));
	free_script(&s);

	/* a file where a directory should be */
	put("file", "x", 0);
	s = one_dir_script("file", 0);
	assert_int_equal(gmf_script_load(&g, &s), GMF_ENOTFOUND);
	free_script(&s);
}

static void test_project_load_opendir_fails(void **state)
{
	gmf_script s = one_dir_script("v", 0);
	gmf_graph *g = (gmf_graph *)&s;
	(void)state;
	mkdirs("v");
	opendir_errno = EACCES;
	assert_int_equal(gmf_script_load(&g, &s), GMF_EIO);
	opendir_errno = 0;
	assert_null(g);
	assert_non_null(strstr(gmf_error_last(), s.dirs[0]));
	free_script(&s);
}

static void test_project_load_discovered(void **state)
{
	gmf_project p;
	gmf_graph *g = NULL;
	(void)state;
	put("alembic.ini",
	    "[alembic]\nscript_location = %(here)s/m\n"
	    "version_path_separator = os\n"
	    "version_locations = %(here)s/m/versions:%(here)s/extra\n", 0);
	put_mig("m/versions/001_a.py", "001_a", "None");
	put_mig("extra/002_b.py", "002_b", "'001_a'");
	discover_ok(&p, NULL, NULL);
	assert_int_equal(gmf_script_load(&g, &p.scripts[0]), 0);
	assert_int_equal(gmf_graph_count(g), 2);
	gmf_graph_free(g);
	gmf_project_release(&p);
}

/* ------------------------------------------------ staged blobs */

/* A stand-in for git's blob ids and object database: the blob id of some
 * bytes is their FNV-1a hash spread over 20 bytes; "blobs" keeps the
 * staged bytes of each entry. */
static const char *blob_text[4];
static int blob_reads;

static void fake_blob_id(const void *data, size_t n, unsigned char *out)
{
	uint64_t h = 1469598103934665603ull;
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (int i = 0; i < GMF_BLOB_ID_LEN; i++)
		out[i] = (unsigned char)(h >> (8 * (i % 8))) ^ (unsigned char)i;
}

static int fake_read_blob(void *ctx, const unsigned char *oid, char **buf, size_t *len)
{
	(void)ctx;
	for (size_t i = 0; blob_text[i]; i++) {
		unsigned char id[GMF_BLOB_ID_LEN];
		fake_blob_id(blob_text[i], strlen(blob_text[i]), id);
		if (!memcmp(id, oid, GMF_BLOB_ID_LEN)) {
			*buf = gmf_xstrdup(blob_text[i]);
			*len = strlen(blob_text[i]);
			blob_reads++;
			return 0;
		}
	}
	return GMF_EIO;
}

/* A file staged with text (its entry names the path as the loader does). */
static void stage(gmf_staged *st, gmf_staged_entry *e, size_t i, const char *rel,
		  const char *text)
{
	e[i].path = in_tmp(rel);
	fake_blob_id(text, strlen(text), e[i].oid);
	blob_text[i] = text;
	st->n = i + 1;
}

static void test_project_staged_blobs(void **state)
{
	gmf_project p;
	gmf_graph *g;
	gmf_load_opts lo;
	gmf_staged st;
	gmf_staged_entry e[3];
	char *a = mig("001_a", "None"), *b = mig("002_b", "'001_a'"),
	     *b2 = mig("002_b", "None");
	(void)state;

	put("alembic.ini", "[alembic]\nscript_location = %(here)s/m\n", 0);
	put("m/versions/001_a.py", a, 0);
	put("m/versions/002_b.py", b2, 0); /* the work tree: a second root */
	put_mig("m/versions/003_c.py", "003_c", "'002_b'"); /* not staged */
	memset(&st, 0, sizeof(st));
	memset(blob_text, 0, sizeof(blob_text));
	stage(&st, e, 0, "m/versions/001_a.py", a);
	stage(&st, e, 1, "m/versions/002_b.py", b); /* staged: on 001_a */
	st.entries = e;
	st.blob_id = fake_blob_id;
	st.read_blob = fake_read_blob;
	discover_ok(&p, NULL, NULL);

	/* as_blob: 002_b as staged (read from the "object database"), the
	 * file that is its blob as it is, the unstaged file from disk */
	st.as_blob = 1;
	blob_reads = 0;
	memset(&lo, 0, sizeof(lo));
	lo.staged = &st;
	assert_int_equal(gmf_script_load_opts(&g, &p.scripts[0], &lo), 0);
	assert_int_equal(gmf_graph_count(g), 3);
	assert_int_equal(blob_reads, 1);
	assert_string_equal(gmf_graph_node(g, gmf_graph_find(g, "002_b"))
				    ->mig.down_revision.items[0].text,
			    "001_a");
	gmf_graph_free(g);

	/* not as_blob (a repair): the work tree's 002_b */
	st.as_blob = 0;
	blob_reads = 0;
	memset(&lo, 0, sizeof(lo));
	lo.staged = &st;
	assert_int_equal(gmf_script_load_opts(&g, &p.scripts[0], &lo), 0);
	assert_int_equal(blob_reads, 0);
	assert_int_equal(gmf_graph_node(g, gmf_graph_find(g, "002_b"))->mig.down_revision.kind,
			 GMF_VAL_NONE);
	gmf_graph_free(g);

	/* a blob the object database does not have: a fatal finding */
	st.as_blob = 1;
	blob_text[1] = NULL;
	memset(&lo, 0, sizeof(lo));
	lo.staged = &st;
	assert_int_equal(gmf_script_load_opts(&g, &p.scripts[0], &lo), 0);
	assert_int_equal(gmf_graph_count(g), 2);
	gmf_graph_free(g);

	assert_ptr_equal(gmf_staged_find(&st, e[1].path), &e[1]);
	assert_null(gmf_staged_find(&st, "m/versions/002_b.py"));
	for (size_t i = 0; i < st.n; i++)
		free((char *)e[i].path);
	free(a);
	free(b);
	free(b2);
	gmf_project_release(&p);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static void test_project_default_section_inherited_by_alembic_only(void **state)
{
	gmf_project p;
	(void)state;
	put("alembic.ini", "[DEFAULT]\nscript_location = %(here)s/db\n[alembic]\n"
	    "[loggers]\nkeys = root\n[handlers]\nkeys = console\n", 0);
	mkdirs("db/versions");
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].name, "alembic");
	assert_tmp_path(p.scripts[0].dirs[0], "db/versions");
	gmf_project_release(&p);
}

static void test_project_broken_interpolation_is_an_error(void **state)
{
	gmf_project p;
	(void)state;
	mkdirs("migrations/versions");
	put("alembic.ini", "[alembic]\nscript_location = %(nosuch)s/m\n", 0);
	assert_int_equal(discover(&p, NULL, NULL), GMF_EPARSE);
	assert_non_null(strstr(gmf_error_last(), "alembic.ini':2:"));
	gmf_project_release(&p);
}

static void test_project_flask_migrate(void **state)
{
	gmf_project p;
	(void)state;
	put("migrations/alembic.ini", "[alembic]\nfile_template = %%(rev)s_x\n"
	    "truncate_slug_length = 12\n", 0);
	put("migrations/env.py", "# env\n", 0);
	mkdirs("migrations/versions");
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].source, "Flask-Migrate");
	assert_tmp_path(p.scripts[0].script_dir, "migrations");
	assert_tmp_path(p.scripts[0].dirs[0], "migrations/versions");
	assert_string_equal(p.scripts[0].file_template, "%(rev)s_x");
	assert_int_equal(p.scripts[0].truncate_slug_length, 12);
	gmf_project_release(&p);
}

static void test_project_package_resource(void **state)
{
	gmf_project p;
	(void)state;
	put("src/app/db/__init__.py", "", 0);
	mkdirs("src/app/db/mig/versions");
	put("alembic.ini", "[alembic]\nscript_location = app.db:mig\n", 0);
	discover_ok(&p, NULL, NULL);
	assert_tmp_path(p.scripts[0].script_dir, "src/app/db/mig");
	assert_non_null(p.scripts[0].note);
	gmf_project_release(&p);
}

static void test_project_pyproject(void **state)
{
	gmf_project p;
	(void)state;
	put("pyproject.toml", "[tool.alembic]\nscript_location = \"%(here)s/m\"\n"
	    "version_locations = [\"%(here)s/a\", \"b\"]\n"
	    "recursive_version_locations = true\ntruncate_slug_length = 9\n", 0);
	mkdirs("a");
	mkdirs("b");
	mkdirs("m");
	discover_ok(&p, NULL, NULL);
	assert_int_equal(p.nscripts, 1);
	assert_string_equal(p.scripts[0].source, "pyproject.toml");
	assert_int_equal(p.scripts[0].ndirs, 2);
	assert_tmp_path(p.scripts[0].dirs[0], "a");
	assert_tmp_path(p.scripts[0].dirs[1], "b");
	assert_true(p.scripts[0].recursive);
	assert_int_equal(p.scripts[0].truncate_slug_length, 9);
	gmf_project_release(&p);
}

/* a fake index for the monorepo */
static int fake_tracked(void *data, char ***out, size_t *n)
{
	static const char *const paths[] = { "svc/b/alembic.ini", "README.md",
					     "svc/a/pyproject.toml", "svc/a/alembic.ini", NULL };
	(void)data;
	*n = 0;
	*out = gmf_xcalloc(8, sizeof(char *));
	for (size_t i = 0; paths[i]; i++)
		if (strstr(paths[i], ".ini") || strstr(paths[i], ".toml"))
			(*out)[(*n)++] = gmf_xstrdup(paths[i]);
	return 0;
}

static void test_project_monorepo_from_the_index(void **state)
{
	gmf_project p;
	gmf_discover_opts o;
	(void)state;
	put("svc/a/alembic.ini", "[alembic]\nscript_location = %(here)s/m\n", 0);
	put("svc/a/pyproject.toml", "[project]\nname = \"a\"\n", 0);
	put("svc/b/alembic.ini", "[alembic]\nscript_location = m\n", 0);
	mkdirs("svc/a/m/versions");
	mkdirs("svc/b/m/versions");
	memset(&o, 0, sizeof(o));
	o.cwd = tmp;
	o.worktree = tmp;
	o.tracked = fake_tracked;
	assert_int_equal(gmf_project_discover(&p, &o), 0);
	assert_int_equal(p.nscripts, 2);
	assert_string_equal(p.scripts[0].name, "svc/a");
	assert_string_equal(p.scripts[1].name, "svc/b");
	assert_tmp_path(p.scripts[1].dirs[0], "svc/b/m/versions");
	gmf_project_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_project_ini_here_script_location),
		T(test_project_staged_blobs),
		T(test_project_default_section_inherited_by_alembic_only),
		T(test_project_broken_interpolation_is_an_error),
		T(test_project_flask_migrate),
		T(test_project_package_resource),
		T(test_project_pyproject),
		T(test_project_monorepo_from_the_index),
		T(test_project_relative_script_location),
		T(test_project_separator_space),
		T(test_project_separator_os),
		T(test_project_separator_semicolon),
		T(test_project_separator_colon),
		T(test_project_separator_newline),
		T(test_project_separator_legacy),
		T(test_project_path_separator_key),
		T(test_project_recursive_flag),
		T(test_project_several_sections),
		T(test_project_explicit_dirs),
		T(test_project_explicit_config),
		T(test_project_malformed_ini),
		T(test_project_default_location),
		T(test_project_load_skips_non_migrations),
		T(test_project_load_recursive),
		T(test_project_load_several_dirs_one_graph),
		T(test_project_load_bad_files_become_findings),
		T(test_project_load_missing_dir),
		T(test_project_load_opendir_fails),
		T(test_project_load_discovered),
	};
	return cmocka_run_group_tests_name("project", tests, NULL, NULL);
}
