/* project: see include/gmf/project.h. */
#include "gmf/project.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/ini.h"
#include "gmf/path.h"
#include "gmf/reader.h"
#include "gmf/strbuf.h"

static void script_release(gmf_script *s)
{
	free(s->name);
	free(s->config_path);
	free(s->source);
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	free(s->script_dir);
	free(s->file_template);
	memset(s, 0, sizeof(*s));
}

void gmf_project_release(gmf_project *p)
{
	for (size_t i = 0; i < p->nscripts; i++)
		script_release(&p->scripts[i]);
	free(p->scripts);
	free(p->cwd);
	free(p->top);
	memset(p, 0, sizeof(*p));
}

static gmf_script *new_script(gmf_project *p, const char *name, const char *source)
{
	gmf_script *s;
	p->scripts = gmf_xrealloc(p->scripts, (p->nscripts + 1) * sizeof(*s));
	s = &p->scripts[p->nscripts++];
	memset(s, 0, sizeof(*s));
	s->name = gmf_xstrdup(name);
	s->source = gmf_xstrdup(source);
	s->truncate_slug_length = 40;
	return s;
}

static void add_dir(gmf_script *s, const char *base, const char *dir)
{
	s->dirs = gmf_xrealloc(s->dirs, (s->ndirs + 1) * sizeof(char *));
	s->dirs[s->ndirs++] = gmf_path_absolute(base, dir);
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_true(const char *v)
{
	return v && (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
		     !strcasecmp(v, "on") || !strcmp(v, "1"));
}

/* Splits version_locations the way Alembic does for each separator. */
static void split_locations(gmf_script *s, const char *base, const char *value,
			    const char *sep)
{
	char *copy = gmf_xstrdup(value), *p = copy;
	const char *delims;

	if (!sep)
		delims = ", \t\n"; /* legacy: spaces and commas */
	else if (!strcmp(sep, "space"))
		delims = " \t\n";
	else if (!strcmp(sep, "newline"))
		delims = "\n";
	else if (!strcmp(sep, "os"))
		delims = ":\n";
	else if (!strcmp(sep, ";"))
		delims = ";\n";
	else if (!strcmp(sep, ":"))
		delims = ":\n";
	else
		delims = ", \t\n";
	while (*p) {
		size_t n = strcspn(p, delims);
		if (n) {
			char *part = gmf_xstrndup(p, n), *t = part;
			size_t tl;
			while (*t == ' ' || *t == '\t')
				t++;
			tl = strlen(t);
			while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
				t[--tl] = '\0';
			if (*t)
				add_dir(s, base, t);
			free(part);
		}
		p += n;
		if (*p)
			p++;
	}
	free(copy);
}

/* script_location may be `package:path`; take the path part as relative. */
static char *resolve_script_location(const char *base, const char *loc)
{
	const char *colon = strchr(loc, ':');
	if (colon && loc[0] != '/' && !strchr(loc, '/') ) {
		/* myapp:migrations -> myapp/migrations relative to the ini */
		gmf_strbuf sb = GMF_STRBUF_INIT;
		char *r;
		for (const char *c = loc; c < colon; c++)
			gmf_strbuf_addch(&sb, *c == '.' ? '/' : *c);
		gmf_strbuf_addch(&sb, '/');
		gmf_strbuf_adds(&sb, colon + 1);
		r = gmf_path_absolute(base, sb.buf);
		gmf_strbuf_release(&sb);
		return r;
	}
	return gmf_path_absolute(base, loc);
}

static int load_ini(gmf_project *p, const char *ini_path, const char *only)
{
	gmf_ini *ini = NULL;
	unsigned bad = 0;
	char *base, *slash;
	int rc, found = 0;

	rc = gmf_ini_read(&ini, ini_path, &bad);
	if (rc < 0)
		return rc;
	base = gmf_xstrdup(ini_path);
	slash = strrchr(base, '/');
	if (slash)
		*(slash == base ? slash + 1 : slash) = '\0';
	for (size_t i = 0; i < gmf_ini_section_count(ini); i++) {
		const char *sec = gmf_ini_section_name(ini, i);
		const char *loc, *vl, *v;
		gmf_script *s;

		if (only && strcmp(only, sec))
			continue;
		loc = gmf_ini_get(ini, sec, "script_location");
		if (!loc || !strcmp(sec, "DEFAULT"))
			continue;
		found = 1;
		s = new_script(p, sec, "alembic.ini");
		s->config_path = gmf_xstrdup(ini_path);
		s->script_dir = resolve_script_location(base, loc);
		vl = gmf_ini_get(ini, sec, "version_locations");
		if (vl && *vl) {
			const char *sep = gmf_ini_get(ini, sec, "path_separator");
			if (!sep)
				sep = gmf_ini_get(ini, sec, "version_path_separator");
			split_locations(s, base, vl, sep);
		}
		if (!s->ndirs) {
			char *d = gmf_path_join(s->script_dir, "versions");
			add_dir(s, base, d);
			free(d);
		}
		s->recursive = is_true(gmf_ini_get(ini, sec, "recursive_version_locations"));
		if ((v = gmf_ini_get(ini, sec, "file_template")) != NULL)
			s->file_template = gmf_xstrdup(v);
		if ((v = gmf_ini_get(ini, sec, "truncate_slug_length")) != NULL)
			s->truncate_slug_length = atoi(v);
	}
	gmf_ini_free(ini);
	free(base);
	if (only && !found)
		return gmf_error_set(GMF_ENOTFOUND,
				     "'%s' has no section [%s] with a script_location",
				     ini_path, only);
	return 0;
}

int gmf_project_discover(gmf_project *p, const gmf_discover_opts *o)
{
	char **vals = NULL;
	size_t nvals = 0;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->cwd = o->cwd ? gmf_xstrdup(o->cwd) : gmf_path_cwd();
	if (!p->cwd)
		return gmf_error_set_errno(GMF_EIO, "cannot determine the current directory");
	p->top = gmf_xstrdup(o->repo && gmf_repo_workdir(o->repo)
				     ? gmf_repo_workdir(o->repo) : p->cwd);

	/* 1. explicit directories */
	if (o->ndirs) {
		gmf_script *s = new_script(p, "versions", "--dir");
		for (size_t i = 0; i < o->ndirs; i++)
			add_dir(s, p->cwd, o->dirs[i]);
		return 0;
	}
	/* 2. alembic.ini: explicit, else cwd and its parents up to the top */
	if (o->config) {
		char *ini = gmf_path_absolute(p->cwd, o->config);
		if (!file_exists(ini)) {
			rc = gmf_error_set(GMF_ENOTFOUND, "config file '%s' not found", o->config);
			free(ini);
			return rc;
		}
		rc = load_ini(p, ini, o->name);
		free(ini);
		if (rc < 0)
			return rc;
		if (!p->nscripts)
			return gmf_error_set(GMF_ENOTFOUND,
					     "'%s' has no section with a script_location", o->config);
		return 0;
	}
	{
		char *dir = gmf_xstrdup(p->cwd);
		for (;;) {
			char *ini = gmf_path_join(dir, "alembic.ini");
			char *slash;
			if (file_exists(ini)) {
				rc = load_ini(p, ini, o->name);
				free(ini);
				break;
			}
			free(ini);
			if (!strcmp(dir, p->top) || !gmf_path_is_within(p->top, dir) ||
			    !strcmp(dir, "/"))
				break;
			slash = strrchr(dir, '/');
			*(slash == dir ? slash + 1 : slash) = '\0';
		}
		free(dir);
		if (rc < 0)
			return rc;
		if (p->nscripts)
			return 0;
	}
	/* 3. git config migrate-fix.versions */
	if (o->repo && gmf_repo_config_get_all(o->repo, "migrate-fix.versions",
					       &vals, &nvals) == 0) {
		gmf_script *s = new_script(p, "versions", "git config");
		for (size_t i = 0; i < nvals; i++) {
			add_dir(s, p->top, vals[i]);
			free(vals[i]);
		}
		free(vals);
		return 0;
	}
	/* 4. the default */
	{
		gmf_script *s = new_script(p, "versions", "default");
		add_dir(s, p->top, "migrations/versions");
	}
	return 0;
}

/* --------------------------------------------------------------- scan */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_migration_name(const char *n)
{
	size_t l = strlen(n);
	return l > 3 && !strcmp(n + l - 3, ".py") && strcmp(n, "__init__.py") &&
	       strncmp(n, ".#", 2);
}

static int scan_dir(gmf_graph *g, const char *dir, int recursive, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0;

	if (depth > 32)
		return 0;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return gmf_error_set(GMF_ENOTFOUND,
					     "versions directory '%s' does not exist", dir);
		return gmf_error_set(GMF_EIO, "cannot read directory '%s': %s", dir,
				     strerror(errno));
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (!e->d_name[1] ||
					    (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		GMF_ALLOC_GROW(names, n + 1, alloc);
		names[n++] = gmf_xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_name);
	for (size_t i = 0; i < n; i++) {
		char *path = gmf_path_join(dir, names[i]);
		struct stat st;
		if (is_migration_name(names[i])) {
			gmf_migration m;
			gmf_diag diag;
			int r = gmf_migration_read(&m, path, &diag);
			if (r == 0) {
				/* a rewrite reads the few files it changes again */
				gmf_migration_drop_data(&m);
				gmf_graph_add(g, &m);
			}
			else {
				gmf_graph_add_unreadable(g, path,
							 diag.unreadable ? GMF_F_UNREADABLE
									 : GMF_F_PARSE,
							 &diag);
				gmf_migration_release(&m);
			}
		} else if (recursive && strcmp(names[i], "__pycache__") &&
			   names[i][0] != '.' && stat(path, &st) == 0 &&
			   S_ISDIR(st.st_mode)) {
			rc = scan_dir(g, path, recursive, depth + 1);
		}
		free(path);
		free(names[i]);
		if (rc < 0) {
			for (size_t k = i + 1; k < n; k++)
				free(names[k]);
			break;
		}
	}
	free(names);
	return rc;
}

int gmf_script_load(gmf_graph **out, const gmf_script *s)
{
	gmf_graph *g = gmf_graph_new();
	int rc = 0;
	for (size_t i = 0; i < s->ndirs && rc == 0; i++)
		rc = scan_dir(g, s->dirs[i], s->recursive, 0);
	if (rc < 0) {
		gmf_graph_free(g);
		*out = NULL;
		return rc;
	}
	gmf_graph_build(g);
	*out = g;
	return 0;
}
