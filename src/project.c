/* SPDX-License-Identifier: MIT */
/* project: see include/gmf/project.h. */
#include "gmf/project.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/arena.h"
#include "gmf/cache.h"
#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/ini.h"
#include "gmf/path.h"
#include "gmf/reader.h"
#include "gmf/strbuf.h"
#include "gmf/toml.h"

static void script_release(gmf_script *s)
{
	free(s->name);
	free(s->section);
	free(s->config_path);
	free(s->source);
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	free(s->script_dir);
	free(s->file_template);
	free(s->note);
	free(s->top);
	memset(s, 0, sizeof(*s));
}

void gmf_project_release(gmf_project *p)
{
	for (size_t i = 0; i < p->nscripts; i++)
		script_release(&p->scripts[i]);
	free(p->scripts);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
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
	s->top = p->top ? gmf_xstrdup(p->top) : NULL;
	return s;
}

static void add_dir_abs(gmf_script *s, char *abs)
{
	s->dirs = gmf_xrealloc(s->dirs, (s->ndirs + 1) * sizeof(char *));
	s->dirs[s->ndirs++] = abs;
}

static void add_dir(gmf_script *s, const char *base, const char *dir)
{
	add_dir_abs(s, gmf_path_absolute(base, dir));
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* "'<ini>' found but not used", for -v. */
static void note_unused(gmf_project *p, const char *ini, const char *sec, int flask_hint)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb, "'%s' found but not used: no script_location in [%s]%s", ini,
			sec, flask_hint ? " (and no env.py beside it, as Flask-Migrate has)" : "");
	p->notes = gmf_xrealloc(p->notes, (p->nnotes + 1) * sizeof(char *));
	p->notes[p->nnotes++] = gmf_strbuf_detach(&sb, NULL);
}

/* A script_location with a `{name}` in it: a template of alembic.ini
 * that the project fills in its own code (JupyterHub's); Alembic would
 * read the braces literally, so the file is no configuration as it is. */
static int is_template(const char *loc)
{
	const char *b = strchr(loc, '{');
	return b && strchr(b, '}');
}

/* ... unless a directory of that very name exists (where Alembic would
 * look: the current directory, or next to the config file). */
static int template_exists_at(const char *base, const char *loc)
{
	char *p = gmf_path_absolute(base, loc);
	int there = file_exists(p);
	free(p);
	return there;
}

static void note_template(gmf_project *p, const char *ini, const char *sec, const char *loc)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb, "'%s' found but not used: script_location in [%s] is '%s', a "
			"template the project fills in its own code (Alembic would read it "
			"as it is)", ini, sec, loc);
	/* the search upward and the one over tracked projects may both
	 * meet the same file */
	for (size_t i = 0; i < p->nnotes; i++)
		if (!strcmp(p->notes[i], sb.buf)) {
			gmf_strbuf_release(&sb);
			return;
		}
	p->notes = gmf_xrealloc(p->notes, (p->nnotes + 1) * sizeof(char *));
	p->notes[p->nnotes++] = gmf_strbuf_detach(&sb, NULL);
}

static char *dir_of(const char *path)
{
	char *d = gmf_xstrdup(path), *slash = strrchr(d, '/');
	if (slash)
		*(slash == d ? slash + 1 : slash) = '\0';
	return d;
}

/*
 * One Alembic environment being read: an alembic.ini, a pyproject.toml
 * with [tool.alembic], or both (each key from the ini's main section
 * first, then from the TOML, as Alembic 1.16+ does).
 */
typedef struct {
	gmf_project *p;
	const char *cwd;       /* relative paths: Alembic's current directory */
	const char *ini_path;  /* absolute, or NULL */
	const char *toml_path; /* absolute, or NULL (absent files are skipped) */
	const char *name;      /* -n, or NULL */
	const char *label;     /* monorepo: the directory's path from the top */
	int flask_ok;          /* an ini without script_location may be
	                        * Flask-Migrate's, naming its own directory */
	gmf_ini *ini;
	gmf_toml *toml;
	const gmf_toml_value *tool; /* [tool.alembic], or NULL */
	char *ini_dir, *toml_dir;
	int templated;         /* a section was skipped as a template */
} alembic_env;

static int template_exists(const alembic_env *e, const char *loc)
{
	return (e->cwd && template_exists_at(e->cwd, loc)) ||
	       (e->ini_dir && template_exists_at(e->ini_dir, loc));
}

/* %-formats a [tool.alembic] string as Alembic does: {here} only. */
static int toml_format(const alembic_env *e, const char *key, const gmf_toml_value *v, char **out)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	const char *why = NULL;

	*out = NULL;
	for (const char *c = v->str; *c && !why; c++) {
		if (*c != '%') {
			gmf_strbuf_addch(&sb, *c);
		} else if (c[1] == '%') {
			gmf_strbuf_addch(&sb, '%');
			c++;
		} else if (!strncmp(c, "%(here)s", 8)) {
			gmf_strbuf_adds(&sb, e->toml_dir);
			c += 7;
		} else if (c[1] == '(') {
			why = strstr(c, ")s") ? "names something other than %(here)s"
					      : "has '%(' without ')s'";
		} else {
			why = "has a '%' not followed by '%' or '('";
		}
	}
	if (why) {
		gmf_strbuf_release(&sb);
		return gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] %s %s", e->toml_path,
				     v->line, key, why);
	}
	*out = gmf_strbuf_detach(&sb, NULL);
	return 0;
}

/* A key's value: the ini section's (DEFAULT included), else for the main
 * section [tool.alembic]'s.  *str for a string (caller frees), *tv for the
 * TOML value of another type. */
static int get_key(alembic_env *e, const char *sec, int is_main, const char *key, char **str,
		   const gmf_toml_value **tv)
{
	const char *v = NULL;
	int rc;

	*str = NULL;
	if (tv)
		*tv = NULL;
	if (e->ini && sec) {
		if ((rc = gmf_ini_lookup(e->ini, sec, key, &v)) < 0)
			return rc;
		/* an empty version_locations counts as absent (and is not
		 * looked for in the TOML: the ini has the key) */
		if (v) {
			*str = gmf_xstrdup(v);
			return 0;
		}
	}
	if (is_main && e->tool) {
		gmf_strbuf k = GMF_STRBUF_INIT;
		const gmf_toml_value *t;
		gmf_strbuf_addf(&k, "tool.alembic.%s", key);
		t = gmf_toml_get(e->toml, k.buf);
		gmf_strbuf_release(&k);
		if (!t)
			return 0;
		if (t->type == GMF_TOML_STRING)
			return toml_format(e, key, t, str);
		if (tv) {
			*tv = t;
			return 0;
		}
		return gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] %s must be a string",
				     e->toml_path, t->line, key);
	}
	return 0;
}

static int skip_in_search(const char *n)
{
	static const char *const skip[] = { "node_modules", "__pycache__", "site-packages",
					    "venv", "build", "dist", NULL };
	if (n[0] == '.')
		return 1;
	for (int i = 0; skip[i]; i++)
		if (!strcmp(n, skip[i]))
			return 1;
	return 0;
}

/* A directory pkg (a relative path) below root, breadth first, a few
 * levels deep and a bounded number of directories: the package of a
 * `pkg:dir` script_location, nested below the ini's directory. */
static char *find_below(const char *root, const char *pkg)
{
	char **queue = NULL;
	int *depth = NULL;
	size_t n = 0, alloc = 0, head = 0;
	char *found = NULL;

	GMF_ALLOC_GROW(queue, 1, alloc);
	depth = gmf_xrealloc(depth, alloc * sizeof(int));
	queue[n] = gmf_xstrdup(root);
	depth[n++] = 0;
	while (head < n && !found && head < 4096) {
		char *dir = queue[head];
		int dd = depth[head++];
		DIR *d;
		struct dirent *de;
		if (dd > 0) {
			char *cand = gmf_path_join(dir, pkg);
			if (dir_exists(cand)) {
				found = cand;
				break;
			}
			free(cand);
		}
		if (dd >= 4 || !(d = opendir(dir)))
			continue;
		while ((de = readdir(d)) != NULL) {
			char *sub;
			if (skip_in_search(de->d_name))
				continue;
			sub = gmf_path_join(dir, de->d_name);
			if (!dir_exists(sub)) {
				free(sub);
				continue;
			}
			{
				size_t a = alloc;
				GMF_ALLOC_GROW(queue, n + 1, alloc);
				if (a != alloc)
					depth = gmf_xrealloc(depth, alloc * sizeof(int));
			}
			queue[n] = sub;
			depth[n++] = dd + 1;
		}
		closedir(d);
	}
	for (size_t i = 0; i < n; i++)
		free(queue[i]);
	free(queue);
	free(depth);
	return found;
}

/*
 * The package an ini sits inside (src/pkg/server/db/alembic.ini naming
 * `pkg:server:db:_migrations`): the nearest directory at or above dir,
 * not above top, whose path ends in /pkg (pkg with '/' for dotted names).
 */
static char *enclosing_package(const char *dir, const char *pkg, const char *top)
{
	size_t pl = strlen(pkg);
	char *d = gmf_xstrdup(dir);

	while (top && gmf_path_is_within(top, d) && strcmp(d, top)) {
		size_t dl = strlen(d);
		char *slash;
		if (dl > pl && d[dl - pl - 1] == '/' && !strcmp(d + dl - pl, pkg))
			return d;
		if ((slash = strrchr(d, '/')) == NULL || slash == d)
			break;
		*slash = '\0';
	}
	free(d);
	return NULL;
}

/*
 * `pkg:path`, `pkg:sub:dir`, `pkg.mod:dir`: split on every colon, as
 * Alembic does; the first token is a package, found in the tree instead
 * of imported (prepend_sys_path, the ini's directory and its src/, the
 * current directory, then packages nested below the ini's directory).
 */
static int resolve_package(alembic_env *e, const char *sec, int is_main, const char *base,
			   const char *value, char **out, char **note)
{
	gmf_strbuf pkg = GMF_STRBUF_INIT, rel = GMF_STRBUF_INIT;
	const char *colon = strchr(value, ':'), *c;
	char *sys_path = NULL, **bases = NULL, *found = NULL;
	size_t nbases = 0;
	int rc = 0;

	*out = NULL;
	for (c = value; c < colon; c++)
		gmf_strbuf_addch(&pkg, *c == '.' ? '/' : *c);
	for (c = colon; *c;) {
		size_t n;
		c++;
		n = strcspn(c, ":");
		if (n && c[0] == '/')
			gmf_strbuf_reset(&rel);
		if (n) {
			if (rel.len && rel.buf[rel.len - 1] != '/')
				gmf_strbuf_addch(&rel, '/');
			gmf_strbuf_add(&rel, c, n);
		}
		c += n;
	}
	if (!pkg.len || value[0] == '.') {
		rc = gmf_error_set(GMF_EPARSE, "script_location '%s': '%.*s' is not a package name",
				   value, (int)(colon - value), value);
		goto out;
	}
	if (rel.len && rel.buf[0] == '/') {
		*out = gmf_xstrdup(rel.buf);
		goto out;
	}
	if ((rc = get_key(e, sec, is_main, "prepend_sys_path", &sys_path, NULL)) < 0)
		goto out;
	if (sys_path) {
		char *copy = gmf_xstrdup(sys_path), *save = copy, *tok;
		while ((tok = strsep(&save, ", :\n")) != NULL)
			if (*tok) {
				bases = gmf_xrealloc(bases, (nbases + 1) * sizeof(char *));
				bases[nbases++] = gmf_path_absolute(e->cwd, tok);
			}
		free(copy);
	}
	bases = gmf_xrealloc(bases, (nbases + 6) * sizeof(char *));
	bases[nbases++] = gmf_xstrdup(base);
	bases[nbases++] = gmf_path_join(base, "src");
	bases[nbases++] = gmf_xstrdup(e->cwd);
	bases[nbases++] = gmf_path_join(e->cwd, "src");
	if (e->p->top) {
		/* the repository's own package, installed from its root
		 * (`pip install -e .`, the src/ layout) */
		bases[nbases++] = gmf_xstrdup(e->p->top);
		bases[nbases++] = gmf_path_join(e->p->top, "src");
	}
	for (size_t i = 0; i < nbases && !found; i++) {
		char *cand = gmf_path_join(bases[i], pkg.buf);
		if (dir_exists(cand))
			found = cand;
		else
			free(cand);
	}
	if (!found)
		found = enclosing_package(base, pkg.buf, e->p->top);
	if (!found)
		found = find_below(base, pkg.buf);
	if (!found) {
		rc = gmf_error_set(GMF_ENOTFOUND,
				   "script_location '%s': cannot find package '%.*s' in '%s' "
				   "or below it (the tool finds packages in the tree, it "
				   "does not import them)", value, (int)(colon - value), value, base);
		goto out;
	}
	*out = rel.len ? gmf_path_join(found, rel.buf) : gmf_xstrdup(found);
	if (note) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&sb, "package resource '%s' found at '%s'", value, *out);
		free(*note);
		*note = gmf_strbuf_detach(&sb, NULL);
	}
out:
	for (size_t i = 0; i < nbases; i++)
		free(bases[i]);
	free(bases);
	free(found);
	free(sys_path);
	gmf_strbuf_release(&pkg);
	gmf_strbuf_release(&rel);
	return rc;
}

/*
 * A path Alembic would make absolute against its current directory.  When
 * that does not exist and the same path next to the config file does, the
 * project runs Alembic from there: take that one, and say so.
 */
static int resolve_path(alembic_env *e, const char *sec, int is_main, const char *base,
			const char *value, char **out, char **note)
{
	char *cwd_rel, *ini_rel;

	if (value[0] != '/' && strchr(value, ':'))
		return resolve_package(e, sec, is_main, base, value, out, note);
	cwd_rel = gmf_path_absolute(e->cwd, value);
	ini_rel = gmf_path_absolute(base, value);
	if (path_exists(cwd_rel) || !strcmp(cwd_rel, ini_rel) || !path_exists(ini_rel)) {
		*out = path_exists(cwd_rel) ? cwd_rel : ini_rel;
		free(*out == cwd_rel ? ini_rel : cwd_rel);
		return 0;
	}
	if (note) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&sb, "'%s' taken relative to the config file ('%s'); "
				"relative to the current directory it does not exist ('%s')",
				value, ini_rel, cwd_rel);
		free(*note);
		*note = gmf_strbuf_detach(&sb, NULL);
	}
	free(cwd_rel);
	*out = ini_rel;
	return 0;
}

/* Splits version_locations the way Alembic does for each separator. */
static int split_locations(alembic_env *e, gmf_script *s, const char *sec, int is_main,
			   const char *base, const char *value, const char *sep)
{
	char *copy = gmf_xstrdup(value), *p = copy;
	const char *delims;
	int rc = 0;

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
	while (*p && rc == 0) {
		size_t n = strcspn(p, delims);
		if (n) {
			char *part = gmf_xstrndup(p, n), *t = part, *abs = NULL;
			size_t tl;
			while (*t == ' ' || *t == '\t')
				t++;
			tl = strlen(t);
			while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
				t[--tl] = '\0';
			if (*t && (rc = resolve_path(e, sec, is_main, base, t, &abs,
						     s->note ? NULL : &s->note)) == 0)
				add_dir_abs(s, abs);
			free(part);
		}
		p += n;
		if (*p)
			p++;
	}
	free(copy);
	return rc;
}

static void script_name(gmf_strbuf *sb, const alembic_env *e, const char *sec)
{
	if (e->label && !strcmp(sec, "alembic"))
		gmf_strbuf_adds(sb, e->label);
	else if (e->label)
		gmf_strbuf_addf(sb, "%s:%s", e->label, sec);
	else
		gmf_strbuf_adds(sb, sec);
}

/* The settings of one script location (section sec; is_main: the one
 * [tool.alembic] also speaks for). */
static int fill_script(alembic_env *e, gmf_script *s, const char *sec, int is_main, const char *base)
{
	char *v = NULL, *sep = NULL;
	const gmf_toml_value *tv;
	int rc;

	if ((rc = get_key(e, sec, is_main, "version_locations", &v, &tv)) < 0)
		goto out;
	if (v && is_main && e->tool && !(e->ini && sec && gmf_ini_get(e->ini, sec,
								      "version_locations"))) {
		/* a TOML string: Alembic iterates it character by character and
		 * silently finds no revisions; refuse it instead */
		const gmf_toml_value *raw = gmf_toml_get(e->toml, "tool.alembic.version_locations");
		rc = gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] version_locations "
				   "must be an array of strings", e->toml_path, raw ? raw->line : 0);
		goto out;
	}
	if (v && *v) {
		if ((rc = get_key(e, sec, 0, "path_separator", &sep, NULL)) < 0)
			goto out;
		if (!sep && (rc = get_key(e, sec, 0, "version_path_separator", &sep, NULL)) < 0)
			goto out;
		if ((rc = split_locations(e, s, sec, is_main, base, v, sep)) < 0)
			goto out;
	} else if (tv) {
		if (tv->type != GMF_TOML_ARRAY) {
			rc = gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] version_locations "
					   "must be an array of strings", e->toml_path, tv->line);
			goto out;
		}
		for (size_t i = 0; i < tv->nitems && rc == 0; i++) {
			char *item = NULL, *abs = NULL;
			if (tv->items[i].type != GMF_TOML_STRING) {
				rc = gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] "
						   "version_locations must be an array of strings",
						   e->toml_path, tv->items[i].line);
				break;
			}
			if ((rc = toml_format(e, "version_locations", &tv->items[i], &item)) == 0 &&
			    (rc = resolve_path(e, sec, is_main, base, item, &abs,
					       s->note ? NULL : &s->note)) == 0)
				add_dir_abs(s, abs);
			free(item);
		}
		if (rc < 0)
			goto out;
	}
	if (!s->ndirs) {
		char *d = gmf_path_join(s->script_dir, "versions");
		add_dir_abs(s, d);
	}
	free(v);
	v = NULL;
	if ((rc = get_key(e, sec, is_main, "recursive_version_locations", &v, &tv)) < 0)
		goto out;
	if (tv && tv->type != GMF_TOML_BOOLEAN) {
		rc = gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] recursive_version_locations "
				   "must be a boolean", e->toml_path, tv->line);
		goto out;
	}
	s->recursive = tv ? tv->boolean : (v && !strcmp(v, "true"));
	free(v);
	v = NULL;
	if ((rc = get_key(e, sec, is_main, "file_template", &v, NULL)) < 0)
		goto out;
	s->file_template = v;
	v = NULL;
	if ((rc = get_key(e, sec, is_main, "truncate_slug_length", &v, &tv)) < 0)
		goto out;
	if (tv && tv->type != GMF_TOML_INTEGER) {
		rc = gmf_error_set(GMF_EPARSE, "'%s':%u: [tool.alembic] truncate_slug_length "
				   "must be an integer", e->toml_path, tv->line);
		goto out;
	}
	if (tv)
		s->truncate_slug_length = (int)tv->integer;
	else if (v)
		s->truncate_slug_length = atoi(v);
	if (s->truncate_slug_length <= 0)
		s->truncate_slug_length = 40;
out:
	free(v);
	free(sep);
	return rc;
}

/* Reads the TOML file when it can speak for Alembic at all. */
static int open_toml(alembic_env *e)
{
	gmf_toml *t = NULL;
	unsigned bad = 0;
	FILE *f;
	char buf[4096];
	size_t n;
	int mentions = 0, rc;

	if (!e->toml_path || !file_exists(e->toml_path))
		return 0;
	/* cheap: a pyproject.toml that never says "alembic" has no
	 * [tool.alembic], and another tool's syntax is no concern of ours */
	if (!(f = fopen(e->toml_path, "rb")))
		return gmf_error_set(GMF_EIO, "cannot read '%s': %s", e->toml_path,
				     strerror(errno));
	{
		gmf_strbuf sb = GMF_STRBUF_INIT;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			gmf_strbuf_add(&sb, buf, n);
		mentions = sb.len && strstr(sb.buf, "alembic") != NULL;
		gmf_strbuf_release(&sb);
	}
	fclose(f);
	if (!mentions)
		return 0;
	if ((rc = gmf_toml_read(&t, e->toml_path, &bad)) < 0)
		return rc;
	e->toml = t;
	e->toml_dir = dir_of(e->toml_path);
	e->tool = gmf_toml_get(t, "tool.alembic");
	if (e->tool && e->tool->type != GMF_TOML_TABLE)
		return gmf_error_set(GMF_EPARSE, "'%s':%u: tool.alembic is not a table "
				     "(Alembic: Incorrect TOML format)", e->toml_path,
				     e->tool->line);
	return 0;
}

/* Adds the environment's script locations; *added says how many. */
static int load_env(alembic_env *e, size_t *added)
{
	const char *main_sec = e->name ? e->name : "alembic";
	size_t before = e->p->nscripts;
	gmf_strbuf name = GMF_STRBUF_INIT;
	unsigned bad = 0;
	int rc = 0, has_main = 0;

	*added = 0;
	if (e->ini_path) {
		if ((rc = gmf_ini_read(&e->ini, e->ini_path, &bad)) < 0)
			goto out;
		e->ini_dir = dir_of(e->ini_path);
		has_main = gmf_ini_has_section(e->ini, main_sec);
	}
	if ((rc = open_toml(e)) < 0)
		goto out;
	for (size_t i = 0; e->ini && i < gmf_ini_section_count(e->ini); i++) {
		const char *sec = gmf_ini_section_name(e->ini, i);
		int is_main = !strcmp(sec, main_sec);
		char *loc = NULL;
		gmf_script *s;

		if (!strcmp(sec, "DEFAULT") || (e->name && !is_main))
			continue;
		/* [DEFAULT]'s script_location speaks for the main section
		 * only; another section is a script location of its own */
		if (!is_main && !gmf_ini_has_own(e->ini, sec, "script_location"))
			continue;
		if ((rc = get_key(e, sec, is_main, "script_location", &loc, NULL)) < 0)
			goto out;
		if (loc && is_template(loc) && !template_exists(e, loc)) {
			note_template(e->p, e->ini_path, sec, loc);
			e->templated = 1;
			free(loc);
			continue;
		}
		gmf_strbuf_reset(&name);
		script_name(&name, e, sec);
		if (!loc) {
			char *envpy = gmf_path_join(e->ini_dir, "env.py");
			int flask = e->flask_ok && file_exists(envpy);
			free(envpy);
			if (!flask)
				continue;
			/* Flask-Migrate sets script_location to the ini's directory */
			s = new_script(e->p, name.buf, "Flask-Migrate");
			s->config_path = gmf_xstrdup(e->ini_path);
			s->section = gmf_xstrdup(sec);
			s->script_dir = gmf_xstrdup(e->ini_dir);
		} else {
			s = new_script(e->p, name.buf, e->toml && e->tool &&
				       !gmf_ini_has_own(e->ini, sec, "script_location") &&
				       !gmf_ini_has_own(e->ini, "DEFAULT", "script_location")
				       ? "pyproject.toml" : "alembic.ini");
			s->config_path = gmf_xstrdup(e->ini_path);
			s->section = gmf_xstrdup(sec);
			rc = resolve_path(e, sec, is_main, e->ini_dir, loc, &s->script_dir,
					  &s->note);
			free(loc);
			if (rc < 0)
				goto out;
		}
		if ((rc = fill_script(e, s, sec, is_main, e->ini_dir)) < 0)
			goto out;
	}
	if (!has_main && !e->name && e->tool) {
		/* no [alembic] in the ini (or no ini): [tool.alembic] alone */
		char *loc = NULL;
		gmf_script *s;
		if ((rc = get_key(e, NULL, 1, "script_location", &loc, NULL)) < 0)
			goto out;
		if (loc) {
			gmf_strbuf_reset(&name);
			script_name(&name, e, "alembic");
			s = new_script(e->p, name.buf, "pyproject.toml");
			s->config_path = gmf_xstrdup(e->toml_path);
			s->section = gmf_xstrdup("tool.alembic");
			rc = resolve_path(e, NULL, 1, e->toml_dir, loc, &s->script_dir, &s->note);
			free(loc);
			if (rc == 0)
				rc = fill_script(e, s, NULL, 1, e->toml_dir);
			if (rc < 0)
				goto out;
		}
	}
	*added = e->p->nscripts - before;
out:
	gmf_strbuf_release(&name);
	gmf_ini_free(e->ini);
	gmf_toml_free(e->toml);
	free(e->ini_dir);
	free(e->toml_dir);
	e->ini = NULL;
	e->toml = NULL;
	e->tool = NULL;
	e->ini_dir = e->toml_dir = NULL;
	return rc;
}

static void env_init(alembic_env *e, gmf_project *p, const gmf_discover_opts *o, const char *cwd)
{
	memset(e, 0, sizeof(*e));
	e->p = p;
	e->cwd = cwd;
	e->name = o->name;
	e->flask_ok = 1;
}

/* An explicit -c: an ini, or (basename pyproject.toml) the TOML file;
 * the other kind is the one in the current directory, as in Alembic. */
static int load_explicit(gmf_project *p, const gmf_discover_opts *o)
{
	char *path = gmf_path_absolute(p->cwd, o->config);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *other;
	alembic_env e;
	size_t added = 0;
	int rc, is_toml = !strcmp(base, "pyproject.toml");

	if (!file_exists(path)) {
		rc = gmf_error_set(GMF_ENOTFOUND, "config file '%s' not found", o->config);
		free(path);
		return rc;
	}
	other = gmf_path_join(p->cwd, is_toml ? "alembic.ini" : "pyproject.toml");
	env_init(&e, p, o, p->cwd);
	e.ini_path = is_toml ? (file_exists(other) ? other : NULL) : path;
	e.toml_path = is_toml ? path : other;
	rc = load_env(&e, &added);
	if (rc == 0 && o->name && !added)
		rc = gmf_error_set(GMF_ENOTFOUND, "'%s' has no section [%s] with a script_location",
				   o->config, o->name);
	else if (rc == 0 && !added)
		rc = gmf_error_set(GMF_ENOTFOUND, "'%s' has no section with a script_location",
				   o->config);
	free(other);
	free(path);
	return rc;
}

/* Directory dir: its alembic.ini (with the pyproject.toml beside it), its
 * pyproject.toml alone, or a Flask-Migrate migrations/alembic.ini. */
static int load_dir(gmf_project *p, const gmf_discover_opts *o, const char *dir,
		    const char *cwd, const char *label, size_t *added)
{
	char *ini = gmf_path_join(dir, "alembic.ini");
	char *toml = gmf_path_join(dir, "pyproject.toml");
	char *flask = gmf_path_join(dir, "migrations/alembic.ini");
	alembic_env e;
	int rc = 0;

	*added = 0;
	env_init(&e, p, o, cwd);
	e.label = label;
	e.toml_path = toml;
	if (file_exists(ini)) {
		e.ini_path = ini;
		if ((rc = load_env(&e, added)) < 0)
			goto out;
		if (!*added && !e.templated)
			note_unused(p, ini, o->name ? o->name : "alembic", 1);
	} else if (file_exists(toml)) {
		if ((rc = load_env(&e, added)) < 0)
			goto out;
	}
	if (!*added && file_exists(flask)) {
		char *mdir = gmf_path_join(dir, "migrations");
		env_init(&e, p, o, cwd);
		e.label = label;
		e.ini_path = flask;
		rc = load_env(&e, added);
		free(mdir);
	}
out:
	free(ini);
	free(toml);
	free(flask);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is the tracked file path in a directory at or below here? */
static int tracked_under(const char *path, const char *here)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) : 0, hl;
	if (!here || !strcmp(here, ".") || !*here)
		return 1;
	hl = strlen(here);
	return dl >= hl && !strncmp(path, here, hl) && (dl == hl || path[hl] == '/');
}

/*
 * A monorepo at the top of the work tree: every Alembic environment the
 * repository tracks below the current directory (all of them when none
 * is below it), from the tracked file list (no walk of the work tree).
 */
static int load_tracked(gmf_project *p, const gmf_discover_opts *o)
{
	char **paths = NULL, *here, *last = NULL;
	size_t n = 0, nunder = 0;
	int rc;

	if ((rc = o->tracked(o->tracked_data, &paths, &n)) < 0) {
		gmf_error_clear();
		return 0;
	}
	here = gmf_path_relative(p->top, p->cwd);
	for (size_t i = 0; i < n; i++)
		nunder += tracked_under(paths[i], here);
	if (!nunder && here) {
		/* a directory holding none (docs/, a tool's subproject): every
		 * environment of the repository, as from the top */
		if (n) {
			gmf_strbuf note = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&note, "no Alembic environment below %s: read every one the "
					"repository tracks, as from the top", here);
			p->notes = gmf_xrealloc(p->notes, (p->nnotes + 1) * sizeof(char *));
			p->notes[p->nnotes++] = gmf_strbuf_detach(&note, NULL);
		}
		free(here);
		here = NULL;
	}
	qsort(paths, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *slash = strrchr(paths[i], '/');
		char *rel = slash ? gmf_xstrndup(paths[i], (size_t)(slash - paths[i]))
				  : gmf_xstrdup(".");
		const char *base = slash ? slash + 1 : paths[i];
		int under = !here || !strcmp(here, ".") || !strcmp(here, "") ||
			    !strcmp(rel, here) ||
			    (!strncmp(rel, here, strlen(here)) && rel[strlen(here)] == '/');
		int dup = last && !strcmp(last, rel);
		size_t added = 0;

		/* one environment per directory: its alembic.ini and
		 * pyproject.toml are read together (alembic.ini sorts first) */
		if (under && !dup && (!strcmp(base, "alembic.ini") || !strcmp(base, "pyproject.toml"))) {
			char *dir = gmf_path_absolute(p->top, rel);
			alembic_env e;
			char *ini = gmf_path_join(dir, "alembic.ini");
			char *toml = gmf_path_join(dir, "pyproject.toml");
			env_init(&e, p, o, dir);
			e.label = rel;
			e.ini_path = file_exists(ini) ? ini : NULL;
			e.toml_path = toml;
			rc = load_env(&e, &added);
			if (rc == 0 && !added && e.ini_path && !e.templated)
				note_unused(p, ini, o->name ? o->name : "alembic", 1);
			free(ini);
			free(toml);
			free(dir);
			free(last);
			last = rel;
			rel = NULL;
		}
		free(rel);
	}
	free(last);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(here);
	return rc;
}

static int discover(gmf_project *p, const gmf_discover_opts *o);

static size_t count_migrations(const char *dir, int depth);

/* A copy of script s for the one versions directory dir, named
 * "<s's name>/<sub>". */
static void add_sub_script(gmf_project *p, size_t s, char *dir, const char *sub)
{
	gmf_strbuf name = GMF_STRBUF_INIT;
	gmf_script *n, *o;
	gmf_strbuf_addf(&name, "%s/%s", p->scripts[s].name, sub);
	n = new_script(p, name.buf, p->scripts[s].source);
	o = &p->scripts[s]; /* new_script may move the array */
	gmf_strbuf_release(&name);
	add_dir_abs(n, dir);
	n->config_path = o->config_path ? gmf_xstrdup(o->config_path) : NULL;
	n->section = o->section ? gmf_xstrdup(o->section) : NULL;
	n->script_dir = o->script_dir ? gmf_xstrdup(o->script_dir) : NULL;
	n->file_template = o->file_template ? gmf_xstrdup(o->file_template) : NULL;
	n->truncate_slug_length = o->truncate_slug_length;
	n->note = o->note ? gmf_xstrdup(o->note) : NULL;
	free(n->top);
	n->top = o->top ? gmf_xstrdup(o->top) : NULL;
}

static int is_migration_name(const char *n);

/* migrate-fix.recursive=separate: each subdirectory of a versions
 * directory that holds migrations becomes a script of its own; a script
 * left with no migration of its own goes. */
static void split_subdirs(gmf_project *p)
{
	size_t n0 = p->nscripts;
	unsigned char *drop = gmf_xcalloc(n0 + 1, 1);

	for (size_t s = 0; s < n0; s++) {
		size_t own = 0, subs = 0;
		for (size_t i = 0; i < p->scripts[s].ndirs; i++) {
			DIR *d = opendir(p->scripts[s].dirs[i]);
			struct dirent *e;
			char **names = NULL;
			size_t nn = 0;
			if (!d)
				continue;
			while ((e = readdir(d)) != NULL) {
				char *path;
				if (e->d_name[0] == '.' || !strcmp(e->d_name, "__pycache__"))
					continue;
				path = gmf_path_join(p->scripts[s].dirs[i], e->d_name);
				if (!dir_exists(path))
					own += is_migration_name(e->d_name);
				else if (count_migrations(path, 1)) {
					names = gmf_xrealloc(names, (nn + 1) * sizeof(char *));
					names[nn++] = gmf_xstrdup(e->d_name);
				}
				free(path);
			}
			closedir(d);
			if (nn)
				qsort(names, nn, sizeof(char *), cmp_str);
			for (size_t k = 0; k < nn; k++) {
				add_sub_script(p, s, gmf_path_join(p->scripts[s].dirs[i], names[k]),
					       names[k]);
				free(names[k]);
			}
			free(names);
			subs += nn;
		}
		drop[s] = subs && !own;
	}
	for (size_t s = n0; s-- > 0;)
		if (drop[s]) {
			script_release(&p->scripts[s]);
			memmove(&p->scripts[s], &p->scripts[s + 1],
				(p->nscripts - s - 1) * sizeof(*p->scripts));
			p->nscripts--;
		}
	free(drop);
}

int gmf_project_discover(gmf_project *p, const gmf_discover_opts *o)
{
	int rc = discover(p, o);
	if (rc == 0 && o->recursive == GMF_SUBDIRS_SEPARATE)
		split_subdirs(p);
	else if (rc == 0 && o->recursive)
		for (size_t s = 0; s < p->nscripts; s++)
			p->scripts[s].recursive = 1;
	return rc;
}

static int discover(gmf_project *p, const gmf_discover_opts *o)
{
	int rc = 0;

	memset(p, 0, sizeof(*p));
	p->cwd = o->cwd ? gmf_xstrdup(o->cwd) : gmf_path_cwd();
	if (!p->cwd)
		return gmf_error_set_errno(GMF_EIO, "cannot determine the current directory");
	p->top = gmf_xstrdup(o->worktree ? o->worktree : p->cwd);

	/* 1. explicit directories */
	if (o->ndirs) {
		gmf_script *s = new_script(p, "versions", "--dir");
		for (size_t i = 0; i < o->ndirs; i++)
			add_dir(s, p->cwd, o->dirs[i]);
		return 0;
	}
	/* 2. -c, else the cwd and its parents up to the top: alembic.ini,
	 * pyproject.toml with [tool.alembic], Flask-Migrate's migrations/ */
	if (o->config)
		return load_explicit(p, o);
	{
		char *dir = gmf_xstrdup(p->cwd);
		for (;;) {
			size_t added = 0;
			char *slash;
			if ((rc = load_dir(p, o, dir, p->cwd, NULL, &added)) < 0 || added)
				break;
			if (!strcmp(dir, p->top) || !gmf_path_is_within(p->top, dir) ||
			    !strcmp(dir, "/"))
				break;
			slash = strrchr(dir, '/');
			*(slash == dir ? slash + 1 : slash) = '\0';
		}
		free(dir);
		if (rc < 0)
			return rc;
		if (o->name && !p->nscripts && p->nnotes)
			return gmf_error_set(GMF_ENOTFOUND, "no section [%s] with a script_location "
					     "(%s)", o->name, p->notes[0]);
		if (p->nscripts)
			return 0;
	}
	/* 3. git config migrate-fix.versions */
	if (o->nconfig_versions || o->nconfig_envs) {
		if (o->nconfig_versions) {
			gmf_script *s = new_script(p, "versions", "git config");
			for (size_t i = 0; i < o->nconfig_versions; i++)
				add_dir(s, p->top, o->config_versions[i]);
		}
		/* migrate-fix.environment: one graph each, named by its path */
		for (size_t i = 0; i < o->nconfig_envs; i++)
			add_dir(new_script(p, o->config_envs[i], "git config"), p->top,
				o->config_envs[i]);
		return 0;
	}
	/* 4. a monorepo: the environments the repository tracks */
	if (o->tracked) {
		char *def = gmf_path_join(p->top, "migrations/versions");
		int has_default = dir_exists(def);
		free(def);
		if (!has_default && (rc = load_tracked(p, o)) < 0)
			return rc;
		if (p->nscripts)
			return 0;
	}
	/* 5. the default */
	{
		gmf_script *s = new_script(p, "versions", "default");
		add_dir(s, p->top, "migrations/versions");
	}
	return 0;
}

/* --------------------------------------------------------------- scan */

/* Names sort as strcmp does; the first eight bytes, big-end first, decide
 * most comparisons without following the pointers. */
typedef struct {
	uint64_t key;
	const char *name;
} sort_name;

static uint64_t name_key(const char *s)
{
	uint64_t k = 0;
	int i = 0;
	for (; i < 8 && s[i]; i++)
		k = (k << 8) | (unsigned char)s[i];
	for (; i < 8; i++)
		k <<= 8;
	return k;
}

static int cmp_name(const void *a, const void *b)
{
	const sort_name *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int is_migration_name(const char *n)
{
	size_t l = strlen(n);
	return l > 3 && !strcmp(n + l - 3, ".py") && strcmp(n, "__init__.py") &&
	       strncmp(n, ".#", 2);
}

/*
 * The migration files of a script location: each is a name inside one of
 * the directories listed, which stay open so files are opened relative to
 * them (no path walk per file).  Names live in one arena.
 */
typedef struct {
	const char **names;
	size_t *dir;      /* index into dirs of each file's directory */
	size_t n, alloc;
	char **dirs;      /* every directory listed, as a path */
	int *dirfds;      /* and open */
	unsigned *droot;  /* which of the script's directories it is under */
	const char **dprefix; /* its path below that one, "" or ending in '/' */
	size_t ndirs, adirs;
	gmf_arena *arena;
	int maybe_subdirs; /* not recursing, an entry that may be a directory
	                    * was passed over (gmf_script_check_nested) */
} file_list;

/* "dir/name" of file i, into sb (reset first). */
static void file_path(gmf_strbuf *sb, const file_list *f, size_t i)
{
	const char *d = f->dirs[f->dir[i]];
	size_t dl = strlen(d);
	gmf_strbuf_reset(sb);
	gmf_strbuf_add(sb, d, dl);
	if (dl && d[dl - 1] != '/')
		gmf_strbuf_addch(sb, '/');
	gmf_strbuf_adds(sb, f->names[i]);
}

/* Opens dir for listing (*d) and keeps a second descriptor of it (*keep)
 * for opening its files. */
static int open_dir(const char *dir, DIR **d, int *keep)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	*keep = dfd >= 0 ? dup(dfd) : -1;
	*d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!*d || *keep < 0) {
		int err = errno;
		if (*d)
			closedir(*d);
		else if (dfd >= 0)
			close(dfd);
		if (*keep >= 0)
			close(*keep);
		if (err == ENOENT || err == ENOTDIR)
			return gmf_error_set(GMF_ENOTFOUND,
					     "versions directory '%s' does not exist", dir);
		return gmf_error_set(GMF_EIO, "cannot read directory '%s': %s", dir,
				     strerror(err));
	}
	return 0;
}

/*
 * The directory's size says roughly how many entries it has (ext4: some
 * 32 bytes each); room for them up front saves regrowing, and fresh
 * pages, on a large directory.
 */
static void presize(file_list *out, int keep, sort_name **names, size_t *alloc)
{
	struct stat st;

	if (fstat(keep, &st) != 0 || st.st_size <= 4096)
		return;
	*alloc = (size_t)st.st_size / 32;
	if (*alloc > ((size_t)1 << 20))
		*alloc = (size_t)1 << 20;
	*names = gmf_xmalloc(*alloc * sizeof(**names));
	if (out->alloc < out->n + *alloc) {
		out->alloc = out->n + *alloc;
		out->names = gmf_xrealloc(out->names, out->alloc * sizeof(char *));
		out->dir = gmf_xrealloc(out->dir, out->alloc * sizeof(size_t));
	}
}

/* Every entry of d but . and .., names in the arena; closes d. */
static size_t read_names(file_list *out, DIR *d, sort_name **names, size_t *alloc)
{
	struct dirent *e;
	size_t n = 0;

	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (!e->d_name[1] ||
					    (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		GMF_ALLOC_GROW(*names, n + 1, *alloc);
		(*names)[n].name = gmf_arena_strndup(out->arena, e->d_name, strlen(e->d_name));
		(*names)[n].key = name_key((*names)[n].name);
		n++;
	}
	closedir(d);
	return n;
}

/* Lists dir among out's directories, open as keep; returns its index. */
static size_t list_dir(file_list *out, const char *dir, int keep, unsigned root,
		       const char *prefix)
{
	size_t me;

	GMF_ALLOC_GROW(out->dirs, out->ndirs + 1, out->adirs);
	out->dirfds = gmf_xrealloc(out->dirfds, out->adirs * sizeof(int));
	out->droot = gmf_xrealloc(out->droot, out->adirs * sizeof(unsigned));
	out->dprefix = gmf_xrealloc(out->dprefix, out->adirs * sizeof(char *));
	me = out->ndirs++;
	out->dirs[me] = gmf_xstrdup(dir);
	out->dirfds[me] = keep;
	out->droot[me] = root;
	out->dprefix[me] = prefix;
	return me;
}

/* Lists the migration files under dir, sorted, subfolders in place. */
static int collect(file_list *out, const char *dir, int recursive, int depth,
		   unsigned root, const char *prefix)
{
	DIR *d;
	sort_name *names = NULL;
	size_t n, alloc = 0, me;
	int rc = 0;
	int keep;

	if (depth > 32)
		return 0;
	if ((rc = open_dir(dir, &d, &keep)) < 0)
		return rc;
	presize(out, keep, &names, &alloc);
	n = read_names(out, d, &names, &alloc);
	me = list_dir(out, dir, keep, root, prefix);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		if (is_migration_name(names[i].name)) {
			size_t a = out->alloc;
			GMF_ALLOC_GROW(out->names, out->n + 1, out->alloc);
			if (a != out->alloc)
				out->dir = gmf_xrealloc(out->dir, out->alloc * sizeof(size_t));
			out->dir[out->n] = me;
			out->names[out->n++] = names[i].name;
		} else if (recursive && strcmp(names[i].name, "__pycache__") &&
			   names[i].name[0] != '.' &&
			   fstatat(keep, names[i].name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
			char *path = gmf_path_join(dir, names[i].name);
			gmf_strbuf sub = GMF_STRBUF_INIT;
			gmf_strbuf_addf(&sub, "%s%s/", prefix, names[i].name);
			rc = collect(out, path, recursive, depth + 1, root,
				     gmf_arena_strndup(out->arena, sub.buf, sub.len));
			gmf_strbuf_release(&sub);
			free(path);
		} else if (!recursive && names[i].name[0] != '.' &&
			   strcmp(names[i].name, "__pycache__")) {
			size_t l = strlen(names[i].name);
			/* __init__.py and compiled files are no directories */
			if (!(l > 3 && !strcmp(names[i].name + l - 3, ".py")) &&
			    !(l > 4 && !strcmp(names[i].name + l - 4, ".pyc")))
				out->maybe_subdirs = 1;
		}
	}
	free(names);
	return rc;
}

static void file_list_release(file_list *f)
{
	for (size_t i = 0; i < f->ndirs; i++) {
		close(f->dirfds[i]);
		free(f->dirs[i]);
	}
	free(f->dirs);
	free(f->dirfds);
	free(f->droot);
	free(f->dprefix);
	free(f->names);
	free(f->dir);
	gmf_arena_free(f->arena);
	memset(f, 0, sizeof(*f));
}

/* Where file i's migration goes, and how its reading went. */
typedef struct {
	const file_list *files;
	gmf_graph *g;         /* node i receives file i */
	int *rc;
	gmf_diag **diag;      /* allocated only for a file that failed */
	gmf_cache *cache;     /* NULL: read every file, remember nothing */
	const unsigned char *valid; /* entries already checked unchanged, or NULL */
	gmf_file_id *ids;     /* with a cache: the identity of each file read
	                       * (those with rc 0 and no entry) */
	uint64_t *content;    /* and the hash of its bytes */
	uint32_t *entry;      /* and of each taken from it, its entry number */
	int verify;           /* take an entry only for the same bytes, read
	                       * now and hashed (a writer: cache.h) */
	const gmf_staged *staged; /* staged files: taken by blob id (project.h) */
	unsigned char *blob;  /* with staged and a cache: the blob id of
	                       * file i's bytes, where has_blob[i] */
	unsigned char *has_blob;
	const gmf_staged_entry **later; /* with staged: file i's blob is
	                       * read after the threads, by the calling
	                       * thread (libgit2 is not shared) */
	_Atomic size_t next;
	_Atomic size_t hits;
	_Atomic size_t kept;  /* files read that the cache would keep */
	_Atomic size_t verified; /* files whose bytes matched their entry */
} work;

enum { CHUNK = 32 };

/* A migration decoded from the cache gets the path and stem of file i,
 * which the entry does not hold. */
static void name_entry(gmf_migration *m, gmf_arena *arena, const gmf_strbuf *path,
		       const char *name)
{
	m->path = gmf_arena_strndup(arena, path->buf, path->len);
	m->stem = gmf_arena_strndup(arena, name, strlen(name) - 3);
}

/* ------------------------------------------------ the index's word */

void gmf_staged_release(gmf_staged *s)
{
	free(s->entries);
	free(s->strings);
	memset(s, 0, sizeof(*s));
}

const gmf_staged_entry *gmf_staged_find(const gmf_staged *s, const char *path)
{
	size_t lo = 0, hi = s ? s->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->entries[mid].path, path);
		if (!c)
			return &s->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * File i, staged as se (w->staged): its staged blob, from the cache when
 * entry was parsed from that blob (not read); else from the file when
 * its bytes are the blob (hashed to see), and then remembered with the
 * blob id; else, as_blob, from the object database after the threads
 * (w->later), or the file as it is.  1 when done here, 0 when the file
 * is to be read as any other.
 */
static int staged_file(work *w, gmf_arena *arena, size_t i, size_t entry,
		       const gmf_staged_entry *se, const gmf_strbuf *path)
{
	const file_list *f = w->files;
	gmf_migration *m = &gmf_graph_node(w->g, i)->mig;
	unsigned char oid[GMF_BLOB_ID_LEN];
	struct stat st;
	gmf_diag diag;
	char *buf = NULL;
	size_t len = 0;

	if (entry && gmf_cache_entry_blob(w->cache, entry, oid) &&
	    !memcmp(oid, se->oid, GMF_BLOB_ID_LEN)) {
		if (gmf_cache_decode(w->cache, entry, m, arena)) {
			name_entry(m, arena, path, f->names[i]);
			w->rc[i] = 0;
			/* kept as it is: the entry's key is the file's, and
			 * the file was not looked at */
			w->entry[i] = (uint32_t)entry;
			atomic_fetch_add(&w->hits, 1);
			atomic_fetch_add(&w->verified, 1);
			return 1;
		}
		memset(m, 0, sizeof(*m));
	}
	if (!w->cache && !w->staged->as_blob)
		return 0; /* the file as it is, and no entry to keep its id */
	if (gmf_migration_read_bytes(f->dirfds[f->dir[i]], f->names[i], path->buf, &buf, &len,
				     &st, &diag) < 0) {
		if (!w->staged->as_blob)
			return 0; /* read as any other file, and fail as it does */
		w->later[i] = se; /* not in the work tree: the blob still is */
		return 1;
	}
	w->staged->blob_id(buf, len, oid);
	if (memcmp(oid, se->oid, GMF_BLOB_ID_LEN) && w->staged->as_blob) {
		free(buf); /* changed since it was staged */
		w->later[i] = se;
		return 1;
	}
	/* the staged blob, or (not as_blob) the file as it is: a repair
	 * rewrites the file, and a filter (core.autocrlf) or an edit left
	 * unstaged makes it differ from the blob; only a blob's id is kept */
	if (w->cache) {
		w->content[i] = gmf_cache_content_hash(w->cache, buf, len);
		if (!memcmp(oid, se->oid, GMF_BLOB_ID_LEN)) {
			memcpy(w->blob + i * GMF_BLOB_ID_LEN, oid, GMF_BLOB_ID_LEN);
			w->has_blob[i] = 1;
		}
		gmf_file_id_from_stat(&w->ids[i], &st);
	}
	w->rc[i] = gmf_migration_parse_taking(m, arena, path->buf, buf, len, &diag);
	if (w->rc[i] < 0) {
		w->diag[i] = gmf_xmalloc(sizeof(diag));
		*w->diag[i] = diag;
		gmf_migration_release(m);
		return 1;
	}
	gmf_migration_drop_data(m);
	if (w->cache && gmf_cache_keeps(w->cache, &w->ids[i]))
		atomic_fetch_add(&w->kept, 1);
	return 1;
}

static int verified_hit(work *w, gmf_arena *arena, size_t i, size_t entry,
			const gmf_file_id *had, const gmf_strbuf *path, char **buf,
			size_t *len, struct stat *st, int *rc, gmf_diag *diag)
{
	const file_list *f = w->files;
	gmf_migration *m = &gmf_graph_node(w->g, i)->mig;
	gmf_file_id id;
	uint64_t h;

	*rc = gmf_migration_read_bytes(f->dirfds[f->dir[i]], f->names[i], path->buf, buf, len,
				       st, diag);
	if (*rc < 0)
		return 0;
	h = gmf_cache_content_hash(w->cache, *buf, *len);
	w->content[i] = h;
	if (h != gmf_cache_entry_content(w->cache, entry) ||
	    !gmf_cache_decode(w->cache, entry, m, arena) || m->size != *len) {
		memset(m, 0, sizeof(*m));
		return 0;
	}
	free(*buf);
	*buf = NULL;
	name_entry(m, arena, path, f->names[i]);
	w->rc[i] = 0;
	gmf_file_id_from_stat(&id, st);
	if (gmf_file_id_same(had, &id)) {
		w->entry[i] = (uint32_t)entry;
		atomic_fetch_add(&w->hits, 1);
	} else {
		/* the same bytes under a new identity (a checkout wrote them
		 * again): saved anew, so that a plain check finds them too */
		w->ids[i] = id;
		if (gmf_cache_keeps(w->cache, &id))
			atomic_fetch_add(&w->kept, 1);
	}
	atomic_fetch_add(&w->verified, 1);
	return 1;
}

/* Reads chunks of files until none is left; strings go into arena. */
static void read_chunks(work *w, gmf_arena *arena)
{
	gmf_diag diag;
	gmf_strbuf path = GMF_STRBUF_INIT;
	const file_list *f = w->files;
	for (;;) {
		size_t start = atomic_fetch_add(&w->next, CHUNK);
		if (start >= f->n)
			break;
		for (size_t i = start; i < start + CHUNK && i < f->n; i++) {
			gmf_migration *m = &gmf_graph_node(w->g, i)->mig;
			int dfd = f->dirfds[f->dir[i]];
			struct stat st;
			size_t entry = 0, vlen = 0;
			char *vbuf;
			int vrc;
			file_path(&path, f, i);
			gmf_file_id had;
			if (w->cache)
				entry = gmf_cache_find(w->cache, i, f->droot[f->dir[i]],
						       f->dprefix[f->dir[i]], f->names[i], &had);
			vbuf = NULL;
			vrc = 0;
			if (w->staged) {
				/* what the commit records: the staged blob */
				const gmf_staged_entry *se = gmf_staged_find(w->staged, path.buf);
				if (se && staged_file(w, arena, i, entry, se, &path))
					continue;
			}
			if (entry && w->verify) {
				if (verified_hit(w, arena, i, entry, &had, &path, &vbuf, &vlen, &st,
						 &vrc, &diag))
					continue;
			} else if (entry) {
				/* unchanged: checked by the loading thread, or now */
				int same = w->valid && w->valid[entry - 1];
				if (!same && fstatat(dfd, f->names[i], &st, 0) == 0 &&
				    S_ISREG(st.st_mode)) {
					gmf_file_id id;
					gmf_file_id_from_stat(&id, &st);
					same = gmf_file_id_same(&had, &id);
				}
				if (same && gmf_cache_decode(w->cache, entry, m, arena)) {
					name_entry(m, arena, &path, f->names[i]);
					w->rc[i] = 0;
					w->entry[i] = (uint32_t)entry;
					atomic_fetch_add(&w->hits, 1);
					continue;
				}
			}
			if (vbuf) {
				/* read by verified_hit: other bytes than its entry's */
				w->rc[i] = gmf_migration_parse_taking(m, arena, path.buf, vbuf, vlen,
								      &diag);
			} else if (vrc < 0) {
				w->rc[i] = vrc; /* it could not be read: diag says why */
				memset(m, 0, sizeof(*m));
			} else {
				w->rc[i] = gmf_migration_readat_st(m, arena, dfd, f->names[i],
								   path.buf, &diag,
								   w->cache ? &st : NULL);
			}
			if (w->cache && w->rc[i] == 0) {
				/* the identity and content of what was read */
				gmf_file_id_from_stat(&w->ids[i], &st);
				if (!w->content[i]) /* unless verified_hit hashed it */
					w->content[i] = gmf_cache_content_hash(w->cache, m->data,
									       m->size);
				if (gmf_cache_keeps(w->cache, &w->ids[i]))
					atomic_fetch_add(&w->kept, 1);
			}
			if (w->rc[i] < 0) {
				w->diag[i] = gmf_xmalloc(sizeof(diag));
				*w->diag[i] = diag;
				gmf_migration_release(m);
			} else {
				/* a rewrite reads the few files it changes again */
				gmf_migration_drop_data(m);
			}
		}
	}
	gmf_strbuf_release(&path);
}

/* The files whose staged blob was not in the cache, read from the
 * object database on this thread (w->later). */
static void read_staged_blobs(work *w)
{
	gmf_arena *arena = NULL;
	gmf_strbuf path = GMF_STRBUF_INIT;
	for (size_t i = 0; i < w->files->n; i++) {
		gmf_migration *m = &gmf_graph_node(w->g, i)->mig;
		gmf_diag diag;
		char *buf = NULL;
		size_t len = 0;
		if (!w->later[i])
			continue;
		if (!arena)
			arena = gmf_arena_new(0);
		file_path(&path, w->files, i);
		memset(m, 0, sizeof(*m));
		if (w->staged->read_blob(w->staged->ctx, w->later[i]->oid, &buf, &len) < 0) {
			memset(&diag, 0, sizeof(diag));
			diag.unreadable = 1;
			snprintf(diag.message, sizeof(diag.message),
				 "cannot read the staged content from the object database");
			w->rc[i] = GMF_EIO;
		} else {
			w->rc[i] = gmf_migration_parse_taking(m, arena, path.buf, buf, len, &diag);
		}
		if (w->rc[i] < 0) {
			w->diag[i] = gmf_xmalloc(sizeof(diag));
			*w->diag[i] = diag;
			gmf_migration_release(m);
		} else {
			gmf_migration_drop_data(m);
		}
	}
	if (arena)
		gmf_graph_adopt_arena(w->g, arena);
	gmf_strbuf_release(&path);
}

typedef struct {
	work *w;
	gmf_arena *arena;
} worker_arg;

static void *worker(void *arg)
{
	worker_arg *a = arg;
	read_chunks(a->w, a->arena);
	gmf_reader_thread_cleanup();
	return NULL;
}

/*
 * Reading is mostly system calls and a byte scan per file, and files are
 * independent: spread them over the processors.  Each file lands in its
 * own node, so the graph is the same whatever the thread count.  Each
 * thread keeps its strings in an arena of its own, which the graph adopts.
 */
static size_t read_all(const file_list *files, gmf_graph *g, int *rc, gmf_diag **diag,
		       gmf_cache *cache, const unsigned char *valid, int verify,
		       const gmf_staged *staged, size_t *verified)
{
	work w;
	pthread_t tids[4];
	worker_arg args[4];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cpus > 1 ? (size_t)cpus : 1, started = 0, hint;
	const char *env = getenv("GIT_MIGRATE_FIX_THREADS");

	if (env && atoi(env) > 0)
		nthreads = (size_t)atoi(env);
	if (nthreads > 4)
		nthreads = 4;
	if (files->n < 256)
		nthreads = 1;
	w.files = files;
	w.g = g;
	w.rc = rc;
	w.diag = diag;
	w.cache = cache;
	w.valid = valid;
	/* written only for the files read (and calloc's fresh pages cost
	 * nothing until written): with a warm cache, hardly any */
	w.ids = cache ? gmf_xcalloc(files->n + 1, sizeof(gmf_file_id)) : NULL;
	w.content = cache ? gmf_xcalloc(files->n + 1, sizeof(uint64_t)) : NULL;
	w.entry = cache ? gmf_xcalloc(files->n + 1, sizeof(uint32_t)) : NULL;
	w.verify = verify;
	w.staged = staged && staged->n ? staged : NULL;
	w.blob = w.staged && cache ? gmf_xcalloc(files->n + 1, GMF_BLOB_ID_LEN) : NULL;
	w.has_blob = w.staged && cache ? gmf_xcalloc(files->n + 1, 1) : NULL;
	w.later = w.staged ? gmf_xcalloc(files->n + 1, sizeof(*w.later)) : NULL;
	atomic_init(&w.next, 0);
	atomic_init(&w.hits, 0);
	atomic_init(&w.kept, 0);
	atomic_init(&w.verified, 0);
	/* measured: about 330 bytes of strings per generated migration */
	hint = files->n * 384 / nthreads;
	for (size_t t = 1; t < nthreads; t++) {
		args[started].w = &w;
		args[started].arena = gmf_arena_new(hint);
		if (pthread_create(&tids[started], NULL, worker, &args[started]) == 0)
			started++;
		else
			gmf_arena_free(args[started].arena);
	}
	{
		/* the calling thread works too */
		gmf_arena *mine = gmf_arena_new(hint);
		read_chunks(&w, mine);
		gmf_graph_adopt_arena(g, mine);
	}
	for (size_t t = 0; t < started; t++) {
		pthread_join(tids[t], NULL);
		gmf_graph_adopt_arena(g, args[t].arena);
	}
	if (w.later)
		read_staged_blobs(&w);
	/* written when an entry is to be added, or many dropped */
	if (gmf_cache_needs_save(cache, atomic_load(&w.hits), atomic_load(&w.kept))) {
		gmf_cache_file *cf = gmf_xcalloc(files->n + 1, sizeof(*cf));
		for (size_t i = 0; i < files->n; i++) {
			cf[i].root = files->droot[files->dir[i]];
			cf[i].prefix = files->dprefix[files->dir[i]];
			cf[i].name = files->names[i];
			cf[i].entry = w.entry[i];
			/* a staged blob's bytes are not the file's: not saved */
			cf[i].id = rc[i] == 0 && !w.entry[i] && !(w.later && w.later[i]) ? &w.ids[i]
											: NULL;
			cf[i].content = w.content[i];
			cf[i].blob = w.has_blob && w.has_blob[i] ? w.blob + i * GMF_BLOB_ID_LEN : NULL;
			cf[i].mig = rc[i] == 0 ? &gmf_graph_node(g, i)->mig : NULL;
		}
		gmf_cache_save(cache, cf, files->n, atomic_load(&w.hits));
		free(cf);
	}
	free(w.ids);
	free(w.content);
	free(w.entry);
	free(w.blob);
	free(w.has_blob);
	free(w.later);
	*verified = atomic_load(&w.verified);
	return atomic_load(&w.hits);
}

int gmf_script_load(gmf_graph **out, const gmf_script *s)
{
	return gmf_script_load_opts(out, s, NULL);
}

/*
 * The cache loads on a thread of its own while the directories are listed,
 * and with the time left it checks its entries' files (one fstatat each,
 * the work a reading thread would do later): valid[e] says entry e's file
 * had the entry's identity then.  It stops when the listing is done.
 */
typedef struct {
	const char *key;
	const gmf_script *script;
	gmf_cache *cache;
	unsigned char *valid; /* per entry: 1 checked and unchanged; read after join */
	int verify;           /* a writer's load: no entry is checked here */
	_Atomic int stop;
} cache_loader;

/* For gmf_graph_keep: the strings of the migrations taken from the cache
 * point into it. */
static void close_cache(void *cache)
{
	gmf_cache_close(cache);
}

static void *load_cache(void *arg)
{
	cache_loader *l = arg;
	size_t n;
	int *fds;

	l->cache = gmf_cache_open(l->key);
	n = gmf_cache_count(l->cache);
	if (!n || l->verify)
		return NULL; /* a writer reads every file anyway */
	l->valid = gmf_xcalloc(n, 1);
	fds = gmf_xcalloc(l->script->ndirs + 1, sizeof(int));
	for (size_t d = 0; d < l->script->ndirs; d++)
		fds[d] = open(l->script->dirs[d], O_RDONLY | O_DIRECTORY);
	for (size_t e = 0; e < n && !atomic_load_explicit(&l->stop, memory_order_relaxed); e++) {
		unsigned root;
		const char *name;
		gmf_file_id id;
		struct stat st;
		if (gmf_cache_entry(l->cache, e, &root, &name, &id) &&
		    root < l->script->ndirs && fds[root] >= 0 &&
		    fstatat(fds[root], name, &st, 0) == 0 && S_ISREG(st.st_mode)) {
			gmf_file_id now;
			gmf_file_id_from_stat(&now, &st);
			l->valid[e] = gmf_file_id_same(&id, &now);
		}
	}
	for (size_t d = 0; d < l->script->ndirs; d++)
		if (fds[d] >= 0)
			close(fds[d]);
	free(fds);
	return NULL;
}

/* The cache is named by the identities of the script's directories. */
static void cache_key(gmf_strbuf *key, const gmf_script *s)
{
	gmf_strbuf_addf(key, "recursive=%d\n", s->recursive);
	for (size_t i = 0; i < s->ndirs; i++) {
		struct stat st;
		if (stat(s->dirs[i], &st) == 0)
			gmf_strbuf_addf(key, "%zu %llu:%llu\n", i,
					(unsigned long long)st.st_dev,
					(unsigned long long)st.st_ino);
		else
			gmf_strbuf_addf(key, "%zu ?%s\n", i, s->dirs[i]);
	}
}

/* ------------------------------------------- labels held in modules */

/* A module file already looked for: its path and bytes (NULL: none). */
typedef struct {
	char *module;
	char *path;
	char *data;
	size_t len;
} module_file;

typedef struct {
	const gmf_script *script;
	module_file *mods;
	size_t nmods;
	gmf_arena *arena;
} label_ctx;

/* Tries dir/rel.py and dir/rel/__init__.py, in dir and dir/src. */
static char *module_in(const char *dir, const char *rel)
{
	static const char *const pre[] = { "", "", "/src", "/src" };
	static const char *const post[] = { "/__init__.py", ".py", "/__init__.py", ".py" };
	gmf_strbuf sb = GMF_STRBUF_INIT;
	for (size_t i = 0; i < 4; i++) {
		gmf_strbuf_reset(&sb);
		gmf_strbuf_addf(&sb, "%s%s/%s%s", dir, pre[i], rel, post[i]);
		if (file_exists(sb.buf))
			return gmf_strbuf_detach(&sb, NULL);
	}
	gmf_strbuf_release(&sb);
	return NULL;
}

/*
 * The file of a dotted module, found in the tree as package-resource
 * script_locations are: from the config file's directory, the script
 * directory and the version directory up to the project's top, each
 * level flat or with a src/ layout.  Never outside the project.
 */
static module_file *find_module(label_ctx *c, const char *module)
{
	const gmf_script *s = c->script;
	const char *starts[3];
	char *rel = gmf_xstrdup(module), *found = NULL, *cfg_dir = NULL;
	module_file *mf;

	for (size_t i = 0; i < c->nmods; i++)
		if (!strcmp(c->mods[i].module, module)) {
			free(rel);
			return &c->mods[i];
		}
	for (char *d = rel; *d; d++)
		if (*d == '.')
			*d = '/';
	cfg_dir = s->config_path ? dir_of(s->config_path) : NULL;
	starts[0] = cfg_dir;
	starts[1] = s->script_dir;
	starts[2] = s->ndirs ? s->dirs[0] : NULL;
	for (size_t i = 0; i < 3 && !found; i++) {
		char *dir;
		if (!starts[i])
			continue;
		dir = gmf_xstrdup(starts[i]);
		for (;;) {
			char *slash;
			if ((found = module_in(dir, rel)) != NULL)
				break;
			if (!s->top || !strcmp(dir, s->top) || !gmf_path_is_within(s->top, dir))
				break;
			slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
		}
		free(dir);
	}
	c->mods = gmf_xrealloc(c->mods, (c->nmods + 1) * sizeof(*c->mods));
	mf = &c->mods[c->nmods++];
	memset(mf, 0, sizeof(*mf));
	mf->module = gmf_xstrdup(module);
	if (found && gmf_fs_read(found, &mf->data, &mf->len) == 0)
		mf->path = found;
	else
		free(found);
	gmf_error_clear();
	free(cfg_dir);
	free(rel);
	return mf;
}

/* Was item k of v an expression (not a string literal) in buf? */
static int is_expression_item(const gmf_value *v, size_t k, const char *buf, size_t len)
{
	const gmf_str *it = &v->items[k];
	size_t n = strlen(it->text);
	if (it->span.off + n > len || memcmp(buf + it->span.off, it->text, n))
		return 0;
	return !it->span.off || (buf[it->span.off - 1] != '"' && buf[it->span.off - 1] != '\'');
}

/* Reads the labels of one migration that name a module constant. */
static void resolve_node_labels(label_ctx *c, gmf_migration *m)
{
	gmf_value *v = &m->branch_labels;
	char *buf = NULL;
	size_t len = 0, left = 0;

	if (gmf_fs_read(m->path, &buf, &len) < 0) {
		gmf_error_clear();
		return;
	}
	for (size_t k = 0; k < v->nitems; k++) {
		char *module = NULL, *name = NULL, *value = NULL;
		const char *src = buf;
		size_t srclen = len;
		if (!is_expression_item(v, k, buf, len))
			continue;
		left++;
		if (!gmf_reader_name_source(buf, len, v->items[k].text, &module, &name))
			continue;
		if (module) {
			module_file *mf = find_module(c, module);
			src = mf->data;
			srclen = mf->len;
		}
		if (src && gmf_reader_string_constant(src, srclen, name, &value, NULL)) {
			if (m->arena) {
				v->items[k].text = gmf_arena_strndup(c->arena, value, strlen(value));
			} else {
				free(v->items[k].text);
				v->items[k].text = gmf_xstrdup(value);
			}
			left--;
		}
		free(value);
		free(module);
		free(name);
	}
	/* every name read: the labels are as good as literals */
	if (!left)
		v->kind = GMF_VAL_SEQ;
	free(buf);
}

/*
 * `branch_labels = (cli.CONTRACT_BRANCH,)`: where the name is the
 * project's module constant bound once to a string literal, the label is
 * that string.  Done after the parse cache is saved, so the cache keeps
 * what the file says and a changed module is read again next run.
 */
static void resolve_labels(gmf_graph *g, const gmf_script *s)
{
	label_ctx c;
	memset(&c, 0, sizeof(c));
	c.script = s;
	for (size_t i = 0; i < gmf_graph_count(g); i++) {
		gmf_migration *m = &gmf_graph_node(g, i)->mig;
		if (m->branch_labels.kind != GMF_VAL_OPAQUE || !m->branch_labels.nitems)
			continue;
		if (!c.arena)
			c.arena = gmf_arena_new(0);
		resolve_node_labels(&c, m);
	}
	for (size_t i = 0; i < c.nmods; i++) {
		free(c.mods[i].module);
		free(c.mods[i].path);
		free(c.mods[i].data);
	}
	free(c.mods);
	if (c.arena)
		gmf_graph_adopt_arena(g, c.arena);
}

/* The graph of the files listed: each read (or taken from cache), the
 * ones that failed set aside as unreadable.  *hits: how many from cache. */
static gmf_graph *build_graph(const gmf_script *s, const file_list *files, gmf_cache *cache,
			      const unsigned char *valid, int verify, const gmf_staged *staged,
			      size_t *hits, size_t *verified)
{
	gmf_strbuf path = GMF_STRBUF_INIT;
	gmf_graph *g = gmf_graph_new();
	int *rcs = gmf_xcalloc(files->n + 1, sizeof(int));
	gmf_diag **diags = gmf_xcalloc(files->n + 1, sizeof(gmf_diag *));

	gmf_graph_resize(g, files->n);
	*hits = read_all(files, g, rcs, diags, cache, valid, verify, staged, verified);
	/* failed files leave the graph for the list of unreadable ones */
	gmf_graph_compact(g, rcs);
	for (size_t i = 0; i < files->n; i++)
		if (rcs[i] < 0) {
			file_path(&path, files, i);
			gmf_graph_add_unreadable(g, path.buf,
						 diags[i]->unreadable ? GMF_F_UNREADABLE
								     : GMF_F_PARSE,
						 diags[i]);
			free(diags[i]);
		}
	gmf_strbuf_release(&path);
	resolve_labels(g, s);
	gmf_graph_build(g);
	free(rcs);
	free(diags);
	return g;
}

int gmf_script_load_opts(gmf_graph **out, const gmf_script *s, gmf_load_opts *o)
{
	gmf_cache *cache = NULL;
	gmf_strbuf key = GMF_STRBUF_INIT;
	cache_loader loader;
	pthread_t loader_tid;
	int loading = 0;
	file_list files;
	size_t hits, verified = 0;
	int rc = 0;

	*out = NULL;
	memset(&files, 0, sizeof(files));
	memset(&loader, 0, sizeof(loader));
	loader.script = s;
	loader.verify = o && o->verify_cache;
	atomic_init(&loader.stop, 0);
	if ((rc = gmf_reader_init()) < 0)
		return rc;
	files.arena = gmf_arena_new(0);
	if (o && o->use_cache) {
		/* it loads on a thread of its own while the directories are listed */
		cache_key(&key, s);
		loader.key = key.buf;
		loading = pthread_create(&loader_tid, NULL, load_cache, &loader) == 0;
		if (!loading)
			loader.cache = gmf_cache_open(key.buf);
	}
	for (size_t i = 0; i < s->ndirs && rc == 0; i++)
		rc = collect(&files, s->dirs[i], s->recursive, 0, (unsigned)i, "");
	if (loading) {
		atomic_store(&loader.stop, 1);
		pthread_join(loader_tid, NULL);
	}
	cache = loader.cache;
	if (rc != 0 || !files.n) {
		gmf_cache_close(cache);
		cache = NULL;
	}
	if (o) {
		o->ncached = 0;
		o->nfiles = files.n;
		o->maybe_subdirs = files.maybe_subdirs;
		o->cache_used = cache != NULL;
	}
	if (rc == 0) {
		*out = build_graph(s, &files, cache, loader.valid, o && o->verify_cache,
				   o ? o->staged : NULL, &hits, &verified);
		if (o) {
			o->ncached = o->verify_cache ? verified : hits;
		}
		if (hits || verified) {
			/* the graph holds on to what its strings point into */
			gmf_cache_drop_index(cache);
			gmf_graph_keep(*out, close_cache, cache);
			cache = NULL;
		}
	}
	gmf_cache_close(cache);
	free(loader.valid);
	gmf_strbuf_release(&key);
	file_list_release(&files);
	return rc;
}

typedef struct {
	const gmf_file_bytes *f;
	size_t dir;
} bytes_ix;

static int cmp_bytes_ix(const void *a, const void *b)
{
	const bytes_ix *x = a, *y = b;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return strcmp(x->f->path, y->f->path);
}

int gmf_script_load_files(gmf_graph **out, const gmf_script *s, const gmf_file_bytes *files,
			  size_t n)
{
	gmf_graph *g;
	bytes_ix *ix;
	int rc;

	*out = NULL;
	if ((rc = gmf_reader_init()) < 0)
		return rc;
	g = gmf_graph_new();
	ix = gmf_xcalloc(n + 1, sizeof(*ix));
	/* the order a listing of the directories gives */
	for (size_t i = 0; i < n; i++) {
		ix[i].f = &files[i];
		ix[i].dir = s->ndirs;
		for (size_t d = 0; d < s->ndirs; d++)
			if (gmf_path_is_within(s->dirs[d], files[i].path)) {
				ix[i].dir = d;
				break;
			}
	}
	if (n)
		qsort(ix, n, sizeof(*ix), cmp_bytes_ix);
	gmf_graph_reserve(g, n);
	for (size_t i = 0; i < n; i++) {
		gmf_migration m;
		gmf_diag diag;
		memset(&diag, 0, sizeof(diag));
		if (gmf_migration_parse(&m, ix[i].f->path, ix[i].f->data, ix[i].f->len,
					&diag) == 0) {
			gmf_graph_add(g, &m);
		} else {
			gmf_migration_release(&m);
			gmf_graph_add_unreadable(g, ix[i].f->path, diag.unreadable
					? GMF_F_UNREADABLE : GMF_F_PARSE, &diag);
		}
	}
	free(ix);
	resolve_labels(g, s);
	gmf_graph_build(g);
	*out = g;
	return 0;
}

/* ------------------------------------------------ nested migrations */

/* How many migration files dir and its subdirectories hold, a few
 * levels down (named *.py and naming down_revision: a helper module of
 * the project's is not one). */
static size_t count_migrations(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *path;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "__pycache__"))
			continue;
		path = gmf_path_join(dir, e->d_name);
		if (!dir_exists(path))
			n += is_migration_name(e->d_name) && gmf_fs_contains(path, "down_revision");
		else if (depth < 3)
			n += count_migrations(path, depth + 1);
		free(path);
	}
	closedir(d);
	return n;
}

void gmf_script_check_nested(const gmf_script *s, const gmf_load_opts *lo, size_t nfound,
			     gmf_findings *out)
{
	gmf_strbuf where = GMF_STRBUF_INIT;
	size_t total = 0, nsub = 0;
	const char *first_dir = NULL;

	if (s->recursive || (lo && !lo->maybe_subdirs))
		return; /* the listing saw no directory: no second one */
	for (size_t i = 0; i < s->ndirs; i++) {
		DIR *d = opendir(s->dirs[i]);
		struct dirent *e;
		char **names = NULL;
		size_t nnames = 0;
		if (!d)
			continue;
		while ((e = readdir(d)) != NULL) {
			size_t l = strlen(e->d_name);
			/* a versions directory is mostly files: no stat of each */
			if (e->d_name[0] == '.' || !strcmp(e->d_name, "__pycache__") ||
			    (l > 3 && !strcmp(e->d_name + l - 3, ".py")))
				continue;
#ifdef DT_DIR
			if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN &&
			    e->d_type != DT_LNK)
				continue;
#endif
			names = gmf_xrealloc(names, (nnames + 1) * sizeof(char *));
			names[nnames++] = gmf_xstrdup(e->d_name);
		}
		closedir(d);
		if (nnames) /* a stable message */
			qsort(names, nnames, sizeof(char *), cmp_str);
		for (size_t k = 0; k < nnames; k++) {
			char *sub = gmf_path_join(s->dirs[i], names[k]);
			size_t n = count_migrations(sub, 1); /* 0 for a file */
			if (n) {
				if (nsub < 4)
					gmf_strbuf_addf(&where, "%s%s/ (%zu)", nsub ? ", " : "",
							names[k], n);
				total += n;
				nsub++;
				if (!first_dir)
					first_dir = s->dirs[i];
			}
			free(sub);
			free(names[k]);
		}
		free(names);
	}
	if (nsub > 4)
		gmf_strbuf_addf(&where, " and %zu more", nsub - 4);
	if (total) {
		static const char hint[] =
			"Alembic reads subdirectories only with `recursive_version_locations = "
			"true`; if the project names them in code (version_locations set in "
			"env.py or a script), `git config migrate-fix.recursive true` reads "
			"them all as one graph, and `git config migrate-fix.recursive "
			"separate` each as a graph of its own (a database each)";
		gmf_finding *f = nfound
			? gmf_findings_add(out, GMF_F_NESTED, hint,
					   "%zu migration%s in subdirector%s %s %s not read, only "
					   "the %zu directly in the versions directory", total,
					   total == 1 ? "" : "s", nsub == 1 ? "y" : "ies",
					   where.buf, total == 1 ? "is" : "are", nfound)
			: gmf_findings_add(out, GMF_F_NESTED, hint,
					   "no migration directly in the versions directory, but "
					   "%zu in its subdirector%s %s", total,
					   nsub == 1 ? "y" : "ies", where.buf);
		/* nothing read at all: an "ok" would say nothing, and the
		 * lockfile and the hooks would watch no migration */
		if (!nfound)
			f->severity = GMF_SEV_ERROR;
		gmf_finding_add_loc(f, first_dir, 0);
	}
	gmf_strbuf_release(&where);
}

/* Does dir hold an entry named *.py? */
static int holds_py(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;
	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		found = n > 3 && !strcmp(e->d_name + n - 3, ".py");
	}
	closedir(d);
	return found;
}

/* Looks for `versions` directories under dir, depth levels down; stops
 * at a second one (*n counts them, *found is the first). */
static void versions_under(const char *dir, int depth, size_t *budget, size_t *n,
			   char **found)
{
	DIR *d;
	struct dirent *e;
	if (depth < 0 || *n > 1 || !(d = opendir(dir)))
		return;
	while (*n <= 1 && *budget && (e = readdir(d)) != NULL) {
		char *sub;
		struct stat st;
		(*budget)--;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "node_modules") ||
		    !strcmp(e->d_name, "__pycache__"))
			continue;
		sub = gmf_path_join(dir, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!strcmp(e->d_name, "versions") && holds_py(sub)) {
				if (++*n == 1) {
					*found = sub;
					sub = NULL;
				}
			} else {
				versions_under(sub, depth - 1, budget, n, found);
			}
		}
		free(sub);
	}
	closedir(d);
}

char *gmf_project_versions_near(const char *dir)
{
	size_t n = 0, budget = 20000;
	char *found = NULL;
	versions_under(dir, 3, &budget, &n, &found);
	if (n != 1) {
		free(found);
		return NULL;
	}
	return found;
}
