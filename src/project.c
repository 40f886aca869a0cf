/* SPDX-License-Identifier: MIT */
/* project: see include/gmf/project.h. */
#include "gmf/project.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
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
	if (o->nconfig_versions) {
		gmf_script *s = new_script(p, "versions", "git config");
		for (size_t i = 0; i < o->nconfig_versions; i++)
			add_dir(s, p->top, o->config_versions[i]);
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
	uint32_t *entry;      /* and of each taken from it, its entry number */
	_Atomic size_t next;
	_Atomic size_t hits;
	_Atomic size_t kept;  /* files read that the cache would keep */
} work;

enum { CHUNK = 32 };

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
			size_t entry = 0;
			file_path(&path, f, i);
			gmf_file_id had;
			if (w->cache)
				entry = gmf_cache_find(w->cache, i, f->droot[f->dir[i]],
						       f->dprefix[f->dir[i]], f->names[i], &had);
			if (entry) {
				/* unchanged: checked by the loading thread, or now */
				int same = w->valid && w->valid[entry - 1];
				if (!same && fstatat(dfd, f->names[i], &st, 0) == 0 &&
				    S_ISREG(st.st_mode)) {
					gmf_file_id id;
					gmf_file_id_from_stat(&id, &st);
					same = gmf_file_id_same(&had, &id);
				}
				if (same && gmf_cache_decode(w->cache, entry, m, arena)) {
					m->path = gmf_arena_strndup(arena, path.buf, path.len);
					m->stem = gmf_arena_strndup(arena, f->names[i],
								    strlen(f->names[i]) - 3);
					w->rc[i] = 0;
					w->entry[i] = (uint32_t)entry;
					atomic_fetch_add(&w->hits, 1);
					continue;
				}
			}
			w->rc[i] = gmf_migration_readat_st(m, arena, dfd, f->names[i], path.buf,
							   &diag, w->cache ? &st : NULL);
			if (w->cache && w->rc[i] == 0) {
				/* the identity of what was read */
				gmf_file_id_from_stat(&w->ids[i], &st);
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
		       gmf_cache *cache, const unsigned char *valid)
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
	w.entry = cache ? gmf_xcalloc(files->n + 1, sizeof(uint32_t)) : NULL;
	atomic_init(&w.next, 0);
	atomic_init(&w.hits, 0);
	atomic_init(&w.kept, 0);
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
	/* rewritten when an entry is to be added or dropped */
	if (cache && (atomic_load(&w.kept) || atomic_load(&w.hits) != gmf_cache_count(cache))) {
		gmf_cache_file *cf = gmf_xcalloc(files->n + 1, sizeof(*cf));
		for (size_t i = 0; i < files->n; i++) {
			cf[i].root = files->droot[files->dir[i]];
			cf[i].prefix = files->dprefix[files->dir[i]];
			cf[i].name = files->names[i];
			cf[i].entry = w.entry[i];
			cf[i].id = rc[i] == 0 && !w.entry[i] ? &w.ids[i] : NULL;
			cf[i].mig = rc[i] == 0 ? &gmf_graph_node(g, i)->mig : NULL;
		}
		gmf_cache_save(cache, cf, files->n, atomic_load(&w.hits));
		free(cf);
	}
	free(w.ids);
	free(w.entry);
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
	_Atomic int stop;
} cache_loader;

static void *load_cache(void *arg)
{
	cache_loader *l = arg;
	size_t n;
	int *fds;

	l->cache = gmf_cache_open(l->key);
	n = gmf_cache_count(l->cache);
	if (!n)
		return NULL;
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

/* The graph of the files listed: each read (or taken from cache), the
 * ones that failed set aside as unreadable.  *hits: how many from cache. */
static gmf_graph *build_graph(const file_list *files, gmf_cache *cache,
			      const unsigned char *valid, size_t *hits)
{
	gmf_strbuf path = GMF_STRBUF_INIT;
	gmf_graph *g = gmf_graph_new();
	int *rcs = gmf_xcalloc(files->n + 1, sizeof(int));
	gmf_diag **diags = gmf_xcalloc(files->n + 1, sizeof(gmf_diag *));

	gmf_graph_resize(g, files->n);
	*hits = read_all(files, g, rcs, diags, cache, valid);
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
	size_t hits;
	int rc = 0;

	*out = NULL;
	memset(&files, 0, sizeof(files));
	memset(&loader, 0, sizeof(loader));
	loader.script = s;
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
		o->cache_used = cache != NULL;
	}
	if (rc == 0) {
		*out = build_graph(&files, cache, loader.valid, &hits);
		if (o)
			o->ncached = hits;
	}
	gmf_cache_close(cache);
	free(loader.valid);
	gmf_strbuf_release(&key);
	file_list_release(&files);
	return rc;
}
