/* SPDX-License-Identifier: MIT */
/* repo: see include/gmf/repo.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT on glibc */
#endif
#include "gmf/repo.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <git2.h>
#include <git2/sys/index.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/gitenv.h"
#include "gmf/gitcmd.h"
#include "gmf/reader.h"
#include "gmf/path.h"
#include "gmf/strbuf.h"

struct gmf_repo {
	git_repository *git;
	char *workdir;
	char *gitdir;
	char *commondir;
	char *hooks_dir; /* gmf_repo_hooks_dir's answer, once asked */
};

/*
 * libgit2's initialisation happens on the first open of a repository, so a
 * `check` outside git never pays for it.
 */
static int git_ready;

/*
 * Built with mbedTLS (Debian's, Ubuntu's libgit2), git_libgit2_init reads
 * and decodes the whole system CA bundle: `check` on a tiny project took
 * 12.7 ms with it and 5.1 ms without it here, and every hook that starts
 * the binary pays it.  The certificates serve only
 * libgit2's HTTPS transport, which this tool never uses (git's own
 * fetch and push do the network, gitcmd.h).  So the two loaders are
 * defined here: the dynamic linker binds libgit2's calls to them (or,
 * linked from static archives, -Wl,--wrap does: tools/link-mode.sh), and
 * while git_libgit2_init runs they load nothing and succeed; at any other
 * time they forward to mbedTLS.  Built against OpenSSL or macOS's
 * Security framework, libgit2 never calls them and this changes nothing.
 * The chain type is opaque here: mbedTLS's headers are not a dependency.
 */
static int skip_ca_load;

#if defined(GMF_WRAP_NET_INIT)
/*
 * Linked from static archives (tools/link-mode.sh), libgit2's start-up of
 * the network pieces it was built with is wrapped at link time and put
 * off until they are first used, which in this tool never happens (it
 * opens no remote: git's own fetch and push do the network): mbedTLS's
 * configuration (entropy gathering, the CA bundle) runs on the first TLS
 * stream, libssh2 initialises itself on its first session (as it does for
 * a session opened before libssh2_init), and the HTTP transport's
 * Negotiate scheme is libgit2's own "not offered", as in a build without
 * GSSAPI, so that the link needs no Kerberos libraries.  A program that
 * only opens a repository started in 2.2 ms with all of it and 1.0 ms
 * without (hyperfine, 500 runs).  Types are opaque here: neither
 * libgit2's internal headers nor mbedTLS's are a dependency.
 */
int __real_git_mbedtls_stream_global_init(void);
int __real_git_mbedtls_stream_new(void **out, const char *host, const char *port);
int __real_git_mbedtls_stream_wrap(void **out, void *in, const char *host);
int __real_git_mbedtls__set_cert_location(const char *file, const char *path);
int __wrap_git_mbedtls_stream_global_init(void);
int __wrap_git_mbedtls_stream_new(void **out, const char *host, const char *port);
int __wrap_git_mbedtls_stream_wrap(void **out, void *in, const char *host);
int __wrap_git_mbedtls__set_cert_location(const char *file, const char *path);
int __wrap_libssh2_init(int flags);
int git_http_auth_dummy(void **out, const void *url);
int __wrap_git_http_auth_negotiate(void **out, const void *url);

static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_ready;

static void tls_start(void)
{
	tls_ready = __real_git_mbedtls_stream_global_init();
}

int __wrap_git_mbedtls_stream_global_init(void)
{
	return 0; /* tls_start, on first use */
}

int __wrap_git_mbedtls_stream_new(void **out, const char *host, const char *port)
{
	pthread_once(&tls_once, tls_start);
	return tls_ready < 0 ? tls_ready : __real_git_mbedtls_stream_new(out, host, port);
}

int __wrap_git_mbedtls_stream_wrap(void **out, void *in, const char *host)
{
	pthread_once(&tls_once, tls_start);
	return tls_ready < 0 ? tls_ready : __real_git_mbedtls_stream_wrap(out, in, host);
}

int __wrap_git_mbedtls__set_cert_location(const char *file, const char *path)
{
	pthread_once(&tls_once, tls_start);
	return tls_ready < 0 ? tls_ready : __real_git_mbedtls__set_cert_location(file, path);
}

int __wrap_libssh2_init(int flags)
{
	(void)flags;
	return 0;
}

int __wrap_git_http_auth_negotiate(void **out, const void *url)
{
	return git_http_auth_dummy(out, url);
}
#elif defined(GMF_WRAP_CA_LOADERS)
/* Linked from static archives, the loaders are wrapped at link time:
 * libgit2's calls reach __wrap_*, mbedTLS's own loaders are __real_*. */
int __real_mbedtls_x509_crt_parse_file(void *chain, const char *path);
int __real_mbedtls_x509_crt_parse_path(void *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path);
int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path);

int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	return skip_ca_load ? 0 : __real_mbedtls_x509_crt_parse_file(chain, path);
}

int __wrap_mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	return skip_ca_load ? 0 : __real_mbedtls_x509_crt_parse_path(chain, path);
}
#else
typedef int (*ca_loader)(void *chain, const char *where);

static int forward_ca(const char *name, void *chain, const char *where)
{
	ca_loader next = NULL;
	void *sym = dlsym(RTLD_NEXT, name);
	if (!sym)
		return -1;
	memcpy(&next, &sym, sizeof(next)); /* object to function pointer */
	return next(chain, where);
}

int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	return skip_ca_load ? 0 : forward_ca("mbedtls_x509_crt_parse_file", chain, path);
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	return skip_ca_load ? 0 : forward_ca("mbedtls_x509_crt_parse_path", chain, path);
}
#endif

/* Sets the message from libgit2's last error, prefixed by what. */
static int gmf_error_set_git(const char *what)
{
	const git_error *e = git_error_last(); /* may be NULL on 1.5 */
	return gmf_error_set(GMF_EGIT, "%s: %s", what,
			     e && e->message ? e->message : "unknown libgit2 error");
}

void gmf_repo_global_init(void)
{
}

void gmf_repo_global_shutdown(void)
{
	if (git_ready)
		git_libgit2_shutdown();
	git_ready = 0;
}

static void need_git(void)
{
	if (!git_ready) {
		skip_ca_load = 1;
		git_libgit2_init();
		skip_ca_load = 0;
		/*
		 * libgit2 keeps parsed trees of up to 4 KiB only; a versions
		 * directory of thousands of files is a tree of hundreds of KiB,
		 * inflated and parsed again for every path looked up in it.
		 * Keep trees up to 16 MiB (the cache's total size still bounds
		 * the memory).
		 */
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE,
				 (size_t)16 << 20);
		/* git checks an object's id against its bytes only in fsck;
		 * libgit2 hashes every object it reads again (a tree of ten
		 * thousand migrations is hundreds of KiB per read) */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
		git_ready = 1;
	}
}

/* Is there a `.git` in dir or above it?  Cheap, and false outside git. */
static int maybe_in_git(const char *dir)
{
	char *p;
	struct stat st;
	if (getenv("GIT_DIR"))
		return 1;
	p = gmf_path_absolute("/", dir);
	for (;;) {
		char *dotgit = gmf_path_join(p, ".git");
		char *slash;
		int found = stat(dotgit, &st) == 0;
		free(dotgit);
		if (found) {
			free(p);
			return 1;
		}
		slash = strrchr(p, '/');
		if (!slash || slash == p) {
			if (strcmp(p, "/")) {
				free(p);
				p = gmf_xstrdup("/");
				continue;
			}
			break;
		}
		*slash = '\0';
	}
	free(p);
	return 0;
}

static char *strip_slash(const char *p)
{
	char *s = gmf_xstrdup(p);
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

int gmf_repo_open(gmf_repo **out, const char *dir)
{
	git_repository *git = NULL;
	gmf_repo *r;
	int err;

	*out = NULL;
	if (!maybe_in_git(dir))
		return gmf_error_set(GMF_ENOTFOUND, "'%s' is not inside a git repository", dir);
	need_git();
	err = git_repository_open_ext(&git, dir, 0, NULL);
	if (err == GIT_ENOTFOUND)
		return gmf_error_set(GMF_ENOTFOUND, "'%s' is not inside a git repository", dir);
	if (err < 0)
		return gmf_error_set_git("cannot open the git repository");
	r = gmf_xcalloc(1, sizeof(*r));
	r->git = git;
	/* inside a commit hook git names the index to use (`commit -a` uses
	 * index.lock): what we stage must land in that one */
	{
		const char *ix = getenv("GIT_INDEX_FILE");
		git_index *index = NULL;
		if (ix && *ix && git_repository_workdir(git)) {
			char *abs = gmf_path_absolute(git_repository_workdir(git), ix);
			if (git_index_open(&index, abs) == 0) {
				git_repository_set_index(git, index);
				git_index_free(index);
			}
			free(abs);
		}
	}
	/* git reads the file GIT_CONFIG_GLOBAL names instead of ~/.gitconfig
	 * (the merge driver and the hooks inherit it); libgit2 1.5 does not */
	{
		const char *global = getenv("GIT_CONFIG_GLOBAL");
		git_config *cfg = NULL;
		if (global && *global && git_repository_config(&cfg, git) == 0 &&
		    git_config_add_file_ondisk(cfg, global, GIT_CONFIG_LEVEL_GLOBAL, git, 1) < 0)
			git_error_clear();
		git_config_free(cfg);
	}
	if (git_repository_workdir(git))
		r->workdir = strip_slash(git_repository_workdir(git));
	r->gitdir = strip_slash(git_repository_path(git));
	r->commondir = strip_slash(git_repository_commondir(git));
	*out = r;
	return 0;
}

void gmf_repo_free(gmf_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->workdir);
	free(r->gitdir);
	free(r->commondir);
	free(r->hooks_dir);
	free(r);
}

const char *gmf_repo_workdir(const gmf_repo *r)
{
	return r->workdir;
}

const char *gmf_repo_gitdir(const gmf_repo *r)
{
	return r->gitdir;
}

const char *gmf_repo_commondir(const gmf_repo *r)
{
	return r->commondir;
}

git_repository *gmf_repo_git(gmf_repo *r)
{
	return r->git;
}

/* `git -c key=value` and GIT_CONFIG_COUNT's last word on key, or NULL:
 * git reads them after every file, so they win (gitenv.h). */
static const gmf_gitenv_entry *env_config(const char *key)
{
	size_t n;
	const gmf_gitenv_entry *e = gmf_gitenv(&n);
	return gmf_gitenv_last(e, n, key);
}

int gmf_repo_config_get(gmf_repo *r, const char *key, char **out)
{
	git_config *cfg = NULL, *snap = NULL;
	const char *val;
	const gmf_gitenv_entry *env = env_config(key);
	int rc = GMF_ENOTFOUND;

	*out = NULL;
	if (env) {
		/* a key alone has no string value (git: "missing value") */
		if (!env->value)
			return GMF_ENOTFOUND;
		*out = gmf_xstrdup(env->value);
		return 0;
	}
	if (git_repository_config(&cfg, r->git) < 0)
		return gmf_error_set_git("cannot read git config");
	if (git_config_snapshot(&snap, cfg) < 0) {
		rc = gmf_error_set_git("cannot read git config");
		goto cleanup;
	}
	if (git_config_get_string(&val, snap, key) == 0) {
		*out = gmf_xstrdup(val);
		rc = 0;
	}
cleanup:
	git_config_free(snap);
	git_config_free(cfg);
	return rc;
}

int gmf_repo_config_get_bool(gmf_repo *r, const char *key, int *out)
{
	git_config *cfg = NULL, *snap = NULL;
	const gmf_gitenv_entry *env = env_config(key);
	int rc = GMF_ENOTFOUND, v = 0;

	if (env) {
		if ((v = gmf_gitenv_bool(env->value)) < 0)
			return GMF_ENOTFOUND;
		*out = v;
		return 0;
	}
	if (git_repository_config(&cfg, r->git) < 0)
		return gmf_error_set_git("cannot read git config");
	if (git_config_snapshot(&snap, cfg) < 0) {
		rc = gmf_error_set_git("cannot read git config");
		goto cleanup;
	}
	/* git's own reading: true/yes/on/1, false/no/off/0/empty, a bare key */
	if (git_config_get_bool(&v, snap, key) == 0) {
		*out = v;
		rc = 0;
	}
cleanup:
	git_config_free(snap);
	git_config_free(cfg);
	return rc;
}

int gmf_repo_config_get_all(gmf_repo *r, const char *key, char ***out, size_t *n)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	size_t alloc = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (git_repository_config(&cfg, r->git) < 0)
		return gmf_error_set_git("cannot read git config");
	if (git_config_multivar_iterator_new(&it, cfg, key, NULL) < 0) {
		rc = GMF_ENOTFOUND;
		goto cleanup;
	}
	while (git_config_next(&e, it) == 0) {
		GMF_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = gmf_xstrdup(e->value ? e->value : "");
	}
cleanup:
	{
		/* after the files, as git reads them: the environment's */
		size_t nenv;
		const gmf_gitenv_entry *env = gmf_gitenv(&nenv);
		for (size_t i = 0; i < nenv; i++)
			if (gmf_gitenv_key_is(env[i].key, key)) {
				GMF_ALLOC_GROW(*out, *n + 1, alloc);
				(*out)[(*n)++] = gmf_xstrdup(env[i].value ? env[i].value : "");
			}
	}
	rc = *n ? 0 : GMF_ENOTFOUND;
	git_config_iterator_free(it);
	git_config_free(cfg);
	return rc;
}

/* ------------------------------------------------- fix, merge and undo */


static char *rel_to_workdir(gmf_repo *r, const char *abs)
{
	if (!r->workdir || !gmf_path_is_within(r->workdir, abs) || !strcmp(r->workdir, abs))
		return NULL;
	return gmf_xstrdup(abs + strlen(r->workdir) + (strcmp(r->workdir, "/") ? 1 : 0));
}

static int resolve_commit(gmf_repo *r, const char *spec, git_oid *out)
{
	git_object *obj = NULL;
	git_commit *c = NULL;
	if (git_revparse_single(&obj, r->git, spec) < 0)
		return GMF_ENOTFOUND;
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		return GMF_ENOTFOUND;
	}
	git_oid_cpy(out, git_commit_id(c));
	git_commit_free(c);
	git_object_free(obj);
	return 0;
}

int gmf_repo_mainline(gmf_repo *r, const char *override, char **hex, char **name)
{
	static const char *const candidates[] = { "origin/main", "origin/master",
						  "main", "master", NULL };
	char *cfg = NULL, *used = NULL;
	git_oid oid, head;
	git_reference *ref = NULL;
	int found = 0;

	*hex = *name = NULL;
	if (override) {
		if (resolve_commit(r, override, &oid) < 0)
			return gmf_error_set(GMF_ENOTFOUND, "mainline '%s' does not name a commit",
					     override);
		used = gmf_xstrdup(override);
		found = 1;
	}
	if (!found && gmf_repo_config_get(r, "migrate-fix.mainline", &cfg) == 0) {
		if (resolve_commit(r, cfg, &oid) < 0) {
			gmf_error_set(GMF_ENOTFOUND,
				      "migrate-fix.mainline is '%s', which names no commit", cfg);
			free(cfg);
			return GMF_ENOTFOUND;
		}
		used = cfg;
		found = 1;
	}
	if (!found && git_reference_lookup(&ref, r->git, "refs/remotes/origin/HEAD") == 0) {
		const char *target = git_reference_symbolic_target(ref);
		if (target && resolve_commit(r, target, &oid) == 0) {
			used = gmf_xstrdup(strncmp(target, "refs/remotes/", 13) ? target
										: target + 13);
			found = 1;
		}
		git_reference_free(ref);
	}
	for (int i = 0; !found && candidates[i]; i++)
		if (resolve_commit(r, candidates[i], &oid) == 0) {
			used = gmf_xstrdup(candidates[i]);
			found = 1;
		}
	if (!found)
		return gmf_error_set(GMF_ENOTFOUND, "no mainline: set `git config "
				     "migrate-fix.mainline <branch>`, or name the side with "
				     "--onto or --move");
	if (git_reference_name_to_id(&head, r->git, "HEAD") == 0 && git_oid_equal(&head, &oid)) {
		git_commit *c = NULL;
		if (git_commit_lookup(&c, r->git, &oid) == 0 && git_commit_parentcount(c) > 1) {
			gmf_strbuf sb = GMF_STRBUF_INIT;
			git_oid_cpy(&oid, git_commit_parent_id(c, 0));
			gmf_strbuf_addf(&sb, "%s^1 (HEAD is a merge into %s)", used, used);
			free(used);
			used = gmf_strbuf_detach(&sb, NULL);
		}
		git_commit_free(c);
	}
	*hex = gmf_xcalloc(GIT_OID_HEXSZ + 1, 1);
	git_oid_tostr(*hex, GIT_OID_HEXSZ + 1, &oid);
	*name = used;
	return 0;
}

typedef struct {
	char *path;
	size_t node;
} path_ix;

static int cmp_path_ix(const void *a, const void *b)
{
	return strcmp(((const path_ix *)a)->path, ((const path_ix *)b)->path);
}

typedef struct {
	gmf_repo *r;
	git_index *index;
	const char *dir_rel;   /* version dir relative to the work tree */
	path_ix *paths;
	size_t npaths;
	gmf_graph *g;
	unsigned char *on;
	int recursive;
	char **ids;            /* ids read from blobs that matched no node */
	size_t nids, aids;
} mark_ctx;

static int mark_cb(const char *root, const git_tree_entry *e, void *payload)
{
	mark_ctx *m = payload;
	const char *name = git_tree_entry_name(e);
	size_t nl = strlen(name);
	gmf_strbuf rel = GMF_STRBUF_INIT;
	path_ix key, *hit;
	const git_index_entry *ie;
	git_blob *blob = NULL;

	/* subfolders only with recursive_version_locations (1: skip it) */
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return !m->recursive || !strcmp(name, "__pycache__");
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || nl < 4 ||
	    strcmp(name + nl - 3, ".py") || !strcmp(name, "__init__.py") ||
	    !strncmp(name, ".#", 2))
		return 0;
	gmf_strbuf_addf(&rel, "%s%s%s%s", m->dir_rel, *m->dir_rel ? "/" : "", root, name);
	key.path = rel.buf;
	hit = m->npaths ? bsearch(&key, m->paths, m->npaths, sizeof(path_ix), cmp_path_ix)
			: NULL;
	if (hit && (ie = git_index_get_bypath(m->index, rel.buf, 0)) != NULL &&
	    git_oid_equal(&ie->id, git_tree_entry_id(e))) {
		m->on[hit->node] = 1;
		gmf_strbuf_release(&rel);
		return 0;
	}
	if (git_blob_lookup(&blob, m->r->git, git_tree_entry_id(e)) == 0) {
		gmf_migration mig;
		gmf_diag diag;
		if (gmf_migration_parse(&mig, rel.buf, git_blob_rawcontent(blob),
					(size_t)git_blob_rawsize(blob), &diag) == 0) {
			GMF_ALLOC_GROW(m->ids, m->nids + 1, m->aids);
			m->ids[m->nids++] = gmf_xstrdup(mig.revision.items[0].text);
		}
		gmf_migration_release(&mig);
		git_blob_free(blob);
	}
	gmf_strbuf_release(&rel);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gmf_repo_mark_ids_in_commit(gmf_repo *r, const char *commit_hex,
				const char *const *dirs, size_t ndirs, int recursive,
				gmf_graph *g, unsigned char *on)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *root = NULL;
	mark_ctx m;
	size_t n = gmf_graph_count(g);
	int rc = 0;

	memset(&m, 0, sizeof(m));
	memset(on, 0, n);
	if (git_oid_fromstr(&oid, commit_hex) < 0 || git_commit_lookup(&c, r->git, &oid) < 0 ||
	    git_commit_tree(&root, c) < 0) {
		rc = gmf_error_set_git("cannot read the mainline commit");
		goto cleanup;
	}
	if (git_repository_index(&m.index, r->git) < 0) {
		rc = gmf_error_set_git("cannot read the index");
		goto cleanup;
	}
	m.r = r;
	m.g = g;
	m.on = on;
	m.recursive = recursive;
	m.paths = gmf_xcalloc(n + 1, sizeof(path_ix));
	for (size_t i = 0; i < n; i++) {
		char *rel = rel_to_workdir(r, gmf_graph_node(g, i)->mig.path);
		if (!rel)
			continue;
		m.paths[m.npaths].path = rel;
		m.paths[m.npaths++].node = i;
	}
	qsort(m.paths, m.npaths, sizeof(path_ix), cmp_path_ix);
	for (size_t d = 0; d < ndirs; d++) {
		char *rel = rel_to_workdir(r, dirs[d]);
		git_tree_entry *te = NULL;
		git_tree *sub = NULL;
		if (!rel)
			continue;
		if (git_tree_entry_bypath(&te, root, rel) == 0 &&
		    git_tree_entry_type(te) == GIT_OBJECT_TREE &&
		    git_tree_lookup(&sub, r->git, git_tree_entry_id(te)) == 0) {
			m.dir_rel = rel;
			git_tree_walk(sub, GIT_TREEWALK_PRE, mark_cb, &m);
			git_tree_free(sub);
		}
		git_tree_entry_free(te);
		free(rel);
	}
	if (m.nids) {
		qsort(m.ids, m.nids, sizeof(char *), cmp_str);
		for (size_t i = 0; i < n; i++) {
			const char *id = gmf_graph_node(g, i)->id;
			if (!on[i] && bsearch(&id, m.ids, m.nids, sizeof(char *), cmp_str))
				on[i] = 1;
		}
	}
cleanup:
	for (size_t i = 0; i < m.npaths; i++)
		free(m.paths[i].path);
	free(m.paths);
	for (size_t i = 0; i < m.nids; i++)
		free(m.ids[i]);
	free(m.ids);
	git_index_free(m.index);
	git_tree_free(root);
	git_commit_free(c);
	return rc;
}

/*
 * One file's state against the index and HEAD, without a status pass over
 * the whole repository (that costs a tree walk per call): the index entry
 * against HEAD's entry (unless a merge is being concluded, whose staged
 * files are the merge's), and the file's content id (filters applied, as
 * `git add` would) against the index entry.
 */
/*
 * Staging from memory.  git_index_add_bypath looks up every path's
 * attributes (about 30 stat calls), reads the file back and resolves links
 * (some 80 system calls a file).  The content a repair writes is in memory
 * already: when no conversion can apply, the blob is written from it and
 * the entry takes the stat data of the file just written, which is what
 * `git add` records.  A conversion could apply when core.autocrlf is set,
 * or when any attribute file in effect for the directory (system, global,
 * info/attributes, every .gitattributes from the top down, in the work
 * tree or only in the index) mentions filter, text, eol, ident, crlf or
 * defines a macro: then the old path, which applies the filters, is taken.
 */

/* Is p "filter=<our pass-through filter>", as a whole word?  That filter
 * converts nothing (repo.h). */
static int is_arm_filter(const char *p)
{
	static const char arm[] = "filter=" GMF_ARM_FILTER;
	char next;
	if (strncmp(p, arm, sizeof(arm) - 1))
		return 0;
	next = p[sizeof(arm) - 1];
	return next == '\0' || next == ' ' || next == '\t' || next == '\r' || next == '\n';
}

/* 1 when the attribute file could name a conversion (or cannot be read). */
static int attr_file_may_convert(const char *path)
{
	static const char *const words[] = { "filter", "text", "eol", "ident", "crlf",
					     "[attr]" };
	char *data = NULL;
	size_t len = 0;
	int rc = gmf_fs_read(path, &data, &len);
	int hit = 0;
	if (rc == GMF_ENOTFOUND)
		return 0;
	if (rc < 0)
		return 1;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && !hit; i++)
		for (const char *p = data; !hit && (p = strstr(p, words[i])) != NULL;
		     p += strlen(words[i]))
			hit = !(i == 0 && is_arm_filter(p));
	/* a NUL inside hides the rest from strstr: be safe */
	if (!hit && strlen(data) != len)
		hit = 1;
	free(data);
	return hit;
}

/* 1 when conversion could apply anywhere regardless of directory. */
static int global_may_convert(gmf_repo *r)
{
	char *v = NULL;
	int conv = 0;
	git_buf sys = GIT_BUF_INIT;

	if (gmf_repo_config_get(r, "core.autocrlf", &v) == 0) {
		int b;
		conv = !(gmf_repo_config_get_bool(r, "core.autocrlf", &b) == 0 && !b);
		free(v);
		v = NULL;
	}
	gmf_error_clear();
	if (!conv && gmf_repo_config_get(r, "core.attributesfile", &v) == 0) {
		git_buf ex = GIT_BUF_INIT;
		/* a leading ~ as git expands it */
		if (git_config_parse_path(&ex, v) == 0)
			conv = attr_file_may_convert(ex.ptr);
		else
			conv = 1;
		git_buf_dispose(&ex);
		free(v);
	} else if (!conv) {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		char *p = NULL;
		if (xdg && *xdg)
			p = gmf_path_join(xdg, "git/attributes");
		else if (home && *home)
			p = gmf_path_join(home, ".config/git/attributes");
		if (p)
			conv = attr_file_may_convert(p);
		free(p);
	}
	gmf_error_clear();
	if (!conv && !getenv("GIT_ATTR_NOSYSTEM")) {
		conv = attr_file_may_convert("/etc/gitattributes");
		if (!conv && git_libgit2_opts(GIT_OPT_GET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM,
					      &sys) == 0 && sys.ptr) {
			char *list = gmf_xstrdup(sys.ptr), *save = NULL;
			for (char *d = strtok_r(list, ":", &save); d && !conv;
			     d = strtok_r(NULL, ":", &save)) {
				char *p = gmf_path_join(d, "gitattributes");
				conv = attr_file_may_convert(p);
				free(p);
			}
			free(list);
		}
		git_buf_dispose(&sys);
	}
	git_error_clear();
	for (int i = 0; i < 2 && !conv; i++) {
		char *p = gmf_path_join(i ? r->commondir : r->gitdir, "info/attributes");
		conv = attr_file_may_convert(p);
		free(p);
	}
	return conv;
}

/* 1 when a .gitattributes from the top of the work tree down to rel_dir
 * (relative, "" for the top) could name a conversion. */
static int dir_may_convert(gmf_repo *r, git_index *index, const char *rel_dir)
{
	gmf_strbuf rel;
	size_t at = 0, dlen = strlen(rel_dir);
	int conv = 0;
	gmf_strbuf_init(&rel, 64);
	for (;;) {
		char *abs;
		gmf_strbuf_reset(&rel);
		gmf_strbuf_add(&rel, rel_dir, at);
		if (at)
			gmf_strbuf_addch(&rel, '/');
		gmf_strbuf_adds(&rel, ".gitattributes");
		abs = gmf_path_join(r->workdir, rel.buf);
		if (gmf_fs_exists(abs))
			conv = attr_file_may_convert(abs);
		else /* only in the index: libgit2 would read it from there */
			conv = git_index_get_bypath(index, rel.buf, 0) != NULL;
		free(abs);
		if (conv || at == dlen)
			break;
		/* the next directory down: rel_dir[0..at) */
		at = at ? at + 1 : 0;
		while (at < dlen && rel_dir[at] != '/')
			at++;
	}
	gmf_strbuf_release(&rel);
	return conv;
}

#if defined(__APPLE__)
#define ST_MTIM(st) ((st)->st_mtimespec)
#define ST_CTIM(st) ((st)->st_ctimespec)
#else
#define ST_MTIM(st) ((st)->st_mtim)
#define ST_CTIM(st) ((st)->st_ctim)
#endif

typedef struct {
	int checked;      /* global_may_convert asked */
	int global_conv;  /* a conversion could apply everywhere */
	int filemode;     /* core.filemode */
	char *dir;        /* the last directory asked about, and its answer */
	int dir_conv;
} stage_filters;

/* 1 when rel may be staged from memory. */
static int may_stage_from_memory(gmf_repo *r, git_index *index, stage_filters *f,
				 const char *rel)
{
	const char *slash = strrchr(rel, '/');
	size_t dlen = slash ? (size_t)(slash - rel) : 0;
	if (!f->checked) {
		int b;
		f->checked = 1;
		f->global_conv = global_may_convert(r);
		f->filemode = !(gmf_repo_config_get_bool(r, "core.filemode", &b) == 0 && !b);
		gmf_error_clear();
	}
	if (f->global_conv)
		return 0;
	if (!f->dir || strlen(f->dir) != dlen || strncmp(f->dir, rel, dlen)) {
		free(f->dir);
		f->dir = gmf_xcalloc(dlen + 1, 1);
		memcpy(f->dir, rel, dlen);
		f->dir_conv = dir_may_convert(r, index, f->dir);
	}
	return !f->dir_conv;
}

/*
 * The content id of the work tree file abs (rel in the index) when no
 * conversion applies: the index's id when the file's stat data match its
 * entry and the entry is older than the index (not racily clean), else the
 * hash of the file as read.  1 when the file is not a regular one (the
 * caller hashes it through the filters).
 */
static int worktree_id(const git_index_entry *ie, const struct stat *index_st,
		       const char *abs, const struct stat *known, git_oid *out)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rc;
	if (known)
		st = *known;
	else if (lstat(abs, &st) < 0)
		return 1;
	if (!S_ISREG(st.st_mode))
		return 1;
	if (index_st && (uint32_t)st.st_size == ie->file_size &&
	    (uint32_t)st.st_ino == ie->ino &&
	    (int32_t)ST_MTIM(&st).tv_sec == ie->mtime.seconds &&
	    (uint32_t)ST_MTIM(&st).tv_nsec == ie->mtime.nanoseconds &&
	    (int32_t)ST_CTIM(&st).tv_sec == ie->ctime.seconds &&
	    (uint32_t)ST_CTIM(&st).tv_nsec == ie->ctime.nanoseconds &&
	    (ie->mtime.seconds < (int32_t)ST_MTIM(index_st).tv_sec ||
	     (ie->mtime.seconds == (int32_t)ST_MTIM(index_st).tv_sec &&
	      ie->mtime.nanoseconds < (uint32_t)ST_MTIM(index_st).tv_nsec))) {
		git_oid_cpy(out, &ie->id);
		return 0;
	}
	if (gmf_fs_read(abs, &data, &len) < 0) {
		gmf_error_clear();
		return 1;
	}
	rc = git_odb_hash(out, data, len, GIT_OBJECT_BLOB) < 0 ? 1 : 0;
	free(data);
	return rc;
}

static int path_dirty(gmf_repo *r, git_index *index, git_tree *head, int merging,
		      stage_filters *f, const struct stat *index_st, const char *rel,
		      const struct stat *known)
{
	const git_index_entry *ie = git_index_get_bypath(index, rel, 0);
	git_tree_entry *te = NULL;
	git_oid wt;
	int dirty = 0;
	if (!ie)
		return 1; /* untracked, or still in conflict */
	if (!merging) {
		if (!head || git_tree_entry_bypath(&te, head, rel) < 0 ||
		    !git_oid_equal(git_tree_entry_id(te), &ie->id))
			dirty = 1;
		git_tree_entry_free(te);
	}
	if (!dirty) {
		char *abs = gmf_path_join(r->workdir, rel);
		int slow = 1;
		if (may_stage_from_memory(r, index, f, rel))
			slow = worktree_id(ie, index_st, abs, known, &wt);
		if ((slow && git_repository_hashfile(&wt, r->git, abs, GIT_OBJECT_BLOB, rel) < 0) ||
		    !git_oid_equal(&wt, &ie->id))
			dirty = 1;
		free(abs);
	}
	return dirty;
}

int gmf_repo_first_dirty(gmf_repo *r, const char *const *abs_paths,
			 const struct stat *const *sts, size_t n, size_t *which)
{
	git_index *index = NULL;
	git_reference *ref = NULL;
	git_commit *c = NULL;
	git_tree *head = NULL;
	int merging = git_repository_state(r->git) == GIT_REPOSITORY_STATE_MERGE;
	int found = 0, have_index_st;
	stage_filters filters;
	struct stat index_st;
	const char *idx_path;

	if (git_repository_index(&index, r->git) < 0)
		return 1;
	if (git_repository_head(&ref, r->git) == 0 &&
	    git_commit_lookup(&c, r->git, git_reference_target(ref)) == 0)
		git_commit_tree(&head, c);
	memset(&filters, 0, sizeof(filters));
	/* the entries compared with must be those of the file stat'd */
	if (git_index_read(index, 0) < 0)
		git_error_clear();
	idx_path = git_index_path(index);
	have_index_st = idx_path && stat(idx_path, &index_st) == 0;
	for (size_t i = 0; i < n && !found; i++) {
		char *rel = rel_to_workdir(r, abs_paths[i]);
		if (rel && path_dirty(r, index, head, merging, &filters,
				      have_index_st ? &index_st : NULL, rel,
				      sts ? sts[i] : NULL)) {
			*which = i;
			found = 1;
		}
		free(rel);
	}
	git_tree_free(head);
	git_commit_free(c);
	git_reference_free(ref);
	free(filters.dir);
	git_index_free(index);
	return found;
}

static int in_index(gmf_repo *r, git_index *index, const char *abs_path)
{
	char *rel = rel_to_workdir(r, abs_path);
	int found = 0;
	if (rel && git_index_get_bypath(index, rel, 0))
		found = GMF_JOURNAL_TRACKED;
	/* an unmerged path (stages 1-3 only) is tracked too */
	for (int stage = 1; rel && stage <= 3 && !found; stage++)
		if (git_index_get_bypath(index, rel, stage))
			found = GMF_JOURNAL_TRACKED | GMF_JOURNAL_OLD_UNMERGED;
	free(rel);
	return found;
}

int gmf_repo_is_tracked(gmf_repo *r, const char *abs_path)
{
	git_index *index = NULL;
	int found = 0;
	if (git_repository_index(&index, r->git) == 0)
		found = in_index(r, index, abs_path);
	git_index_free(index);
	return found;
}

void gmf_repo_tracked_each(gmf_repo *r, const char *const *abs_paths, size_t n,
			   unsigned char *on)
{
	git_index *index = NULL;
	memset(on, 0, n);
	if (git_repository_index(&index, r->git) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		on[i] = (unsigned char)in_index(r, index, abs_paths[i]);
	git_index_free(index);
}

/*
 * The new blobs of one staging run.  A few are written as loose objects,
 * one file each, as `git add` writes them; from PACK_MIN_BLOBS on they
 * are gathered in memory (an odb of its own, holding only a mempack) and
 * written as one pack before the index that names them: a repair moving
 * a thousand migrations creates two files in objects/pack instead of a
 * thousand loose objects (about 13 system calls each in libgit2, half of
 * them a rescan of objects/pack after the failed freshen).  Blobs that
 * exist are freshened, as git does, and not packed again.
 */
#define PACK_MIN_BLOBS 16

typedef struct {
	git_odb *odb;           /* only the mempack: NULL when writing loose */
	git_odb_backend *mem;
	git_repository *wrap;   /* odb wrapped, for the pack builder */
	git_oid *ids;
	size_t n, cap;
} blob_batch;

static void batch_close(blob_batch *b)
{
	git_repository_free(b->wrap);
	git_odb_free(b->odb); /* frees the mempack with it */
	free(b->ids);
	memset(b, 0, sizeof(*b));
}

/* Sets b up to gather blobs; left writing loose when that fails. */
static void batch_open(blob_batch *b)
{
	memset(b, 0, sizeof(*b));
	if (git_odb_new(&b->odb) < 0)
		goto loose;
	if (git_mempack_new(&b->mem) < 0)
		goto loose;
	if (git_odb_add_backend(b->odb, b->mem, 1) < 0) {
		b->mem->free(b->mem);
		b->mem = NULL;
		goto loose;
	}
	if (git_repository_wrap_odb(&b->wrap, b->odb) < 0)
		goto loose;
	return;
loose:
	git_error_clear();
	batch_close(b);
}

/* The blob data (id) stored: into b's pack when gathering and it is not
 * stored yet, else written (or freshened) in the repository's odb. */
static int write_blob(gmf_repo *r, blob_batch *b, const git_oid *id, const char *data,
		      size_t len)
{
	git_odb *odb = NULL;
	git_oid got;
	int rc;
	if (git_repository_odb(&odb, r->git) < 0)
		return -1;
	if (b && b->odb && !git_odb_exists_ext(odb, id, GIT_ODB_LOOKUP_NO_REFRESH)) {
		git_odb_free(odb);
		if (git_odb_exists(b->odb, id))
			return 0; /* two files with the same bytes: gathered once */
		if (b->mem->write(b->mem, id, data, len, GIT_OBJECT_BLOB) < 0)
			return -1;
		if (b->n == b->cap) {
			b->cap = b->cap ? 2 * b->cap : 64;
			b->ids = gmf_xrealloc(b->ids, b->cap * sizeof(*b->ids));
		}
		git_oid_cpy(&b->ids[b->n++], id);
		return 0;
	}
	/* git_odb_write only freshens an object that exists; the blob
	 * stream of git_index_add_from_buffer creates a temporary file first */
	rc = git_odb_write(&got, odb, data, len, GIT_OBJECT_BLOB);
	git_odb_free(odb);
	return rc;
}

/* The blobs b gathered, written as one pack into the repository (and
 * seen by its odb from now on).  Before the index is written: it must
 * never name an object that is not stored. */
static int batch_flush(gmf_repo *r, blob_batch *b)
{
	git_packbuilder *pb = NULL;
	git_buf pack = GIT_BUF_INIT;
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats;
	git_odb *odb = NULL;
	int rc = 0;

	if (!b->odb || !b->n)
		return 0;
	if (gmf_fs_faultpoint("pack") < 0)
		return gmf_error_set(GMF_EIO, "cannot write the new blobs as a pack: "
				     "injected fault");
	memset(&stats, 0, sizeof(stats));
	if (git_packbuilder_new(&pb, b->wrap) < 0)
		rc = -1;
	else
		git_packbuilder_set_threads(pb, 1);
	for (size_t i = 0; i < b->n && rc == 0; i++)
		if (git_packbuilder_insert(pb, &b->ids[i], NULL) < 0)
			rc = -1;
	/* built in memory, then indexed from that one buffer (the pack
	 * builder's own writer hands the indexer each object apart: three
	 * pwrites, two mmaps and two munmaps per object); the odb then
	 * sees the new pack */
	if (rc == 0 && (git_packbuilder_write_buf(&pack, pb) < 0 ||
			git_repository_odb(&odb, r->git) < 0 ||
			git_odb_write_pack(&wp, odb, NULL, NULL) < 0 ||
			wp->append(wp, pack.ptr, pack.size, &stats) < 0 ||
			wp->commit(wp, &stats) < 0 || git_odb_refresh(odb) < 0))
		rc = -1;
	if (wp)
		wp->free(wp);
	git_odb_free(odb);
	git_buf_dispose(&pack);
	git_packbuilder_free(pb);
	if (rc < 0)
		return gmf_error_set_git("cannot write the new blobs as a pack");
	b->n = 0;
	return 0;
}

/*
 * Stages rel (abs on disk, just written with data) from memory: 0, or 1
 * when the file on disk is not a regular file of that length (the caller
 * takes the old path), or a negative error code.  A new blob goes into
 * b when it is gathering.
 */
static int stage_from_memory(gmf_repo *r, git_index *index, const stage_filters *f,
			     const char *rel, const char *abs, const char *data, size_t len,
			     const git_oid *known, blob_batch *b)
{
	struct stat st;
	git_index_entry e;
	int rc;
	if (lstat(abs, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len ||
	    len > 0xffffffffu)
		return 1;
	memset(&e, 0, sizeof(e));
	e.ctime.seconds = (int32_t)ST_CTIM(&st).tv_sec;
	e.ctime.nanoseconds = (uint32_t)ST_CTIM(&st).tv_nsec;
	e.mtime.seconds = (int32_t)ST_MTIM(&st).tv_sec;
	e.mtime.nanoseconds = (uint32_t)ST_MTIM(&st).tv_nsec;
	e.dev = (uint32_t)st.st_dev;
	e.ino = (uint32_t)st.st_ino;
	e.uid = (uint32_t)st.st_uid;
	e.gid = (uint32_t)st.st_gid;
	e.file_size = (uint32_t)st.st_size;
	e.path = rel;
	if (f->filemode) {
		e.mode = (st.st_mode & 0100) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
	} else {
		/* as git add: the mode the index has for the path, else 644 */
		const git_index_entry *old = git_index_get_bypath(index, rel, 0);
		e.mode = old && (old->mode == GIT_FILEMODE_BLOB_EXECUTABLE)
				 ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
	}
	/* an unmerged path: git_index_add_bypath moves its stages to REUC */
	for (int stage = 1; stage <= 3; stage++)
		if (git_index_get_bypath(index, rel, stage))
			return 1;
	/* the content of the path's old entry (a file renamed, its bytes
	 * unchanged): the blob is there, and the index keeps it from being
	 * pruned, so it is not written or freshened again */
	if (git_odb_hash(&e.id, data, len, GIT_OBJECT_BLOB) < 0)
		return gmf_error_set_git("cannot hash a blob");
	if ((!known || !git_oid_equal(&e.id, known)) && write_blob(r, b, &e.id, data, len) < 0)
		return gmf_error_set_git("cannot write a blob");
	/* the object was just written: strict creation would read it back */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	rc = git_index_add(index, &e);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	if (rc < 0)
		return gmf_error_set_git("cannot update the index");
	return 0;
}

/*
 * Puts back the conflict rel had before a repair staged it: its stages
 * as the resolve-undo record of the index kept them (git_index_add_bypath
 * files them there, as `git add` does; `git checkout -m` reads them the
 * same way).  1 done (or still in conflict), 0 no record (the caller
 * stages the file), or a negative error code.
 */
static int unresolve(git_index *index, const char *rel)
{
	const git_index_reuc_entry *u = git_index_reuc_get_bypath(index, rel);
	git_index_entry e[3];
	size_t pos;
	/* still in conflict (the run failed before it staged the path) */
	for (int stage = 1; stage <= 3; stage++)
		if (git_index_get_bypath(index, rel, stage))
			return 1;
	if (!u)
		return 0;
	for (int k = 0; k < 3; k++) {
		memset(&e[k], 0, sizeof(e[k]));
		e[k].path = rel;
		e[k].mode = u->mode[k];
		git_oid_cpy(&e[k].id, &u->oid[k]);
	}
	if (git_index_conflict_add(index, u->mode[0] ? &e[0] : NULL, u->mode[1] ? &e[1] : NULL,
				   u->mode[2] ? &e[2] : NULL) < 0)
		return gmf_error_set_git("cannot put a conflict back in the index");
	if (git_index_reuc_find(&pos, index, rel) == 0 && git_index_reuc_remove(index, pos) < 0)
		return gmf_error_set_git("cannot update the index");
	return 1;
}

int gmf_repo_stage(void *data, const gmf_journal_op *ops, size_t n, int rollback)
{
	gmf_repo *r = data;
	git_index *index = NULL;
	stage_filters filters;
	blob_batch batch;
	size_t nblobs = 0;
	int rc = 0;

	memset(&filters, 0, sizeof(filters));
	memset(&batch, 0, sizeof(batch));
	if (gmf_fs_faultpoint("index") < 0)
		return gmf_error_set(GMF_EIO, "cannot update the index: injected fault");
	if (git_repository_index(&index, r->git) < 0 || git_index_read(index, 0) < 0) {
		rc = gmf_error_set_git("cannot read the index");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		if (ops[i].tracked && (rollback ? ops[i].old_path && ops[i].orig
						: ops[i].new_path && ops[i].content))
			nblobs++;
	if (nblobs >= PACK_MIN_BLOBS)
		batch_open(&batch);
	for (size_t i = 0; i < n; i++) {
		const char *from = rollback ? ops[i].new_path : ops[i].old_path;
		const char *to = rollback ? ops[i].old_path : ops[i].new_path;
		const char *content = rollback ? ops[i].orig : ops[i].content;
		size_t len = rollback ? ops[i].orig_len : ops[i].len;
		const git_index_entry *oe;
		const git_oid *known;
		git_oid known_id;
		char *rf, *rt;
		if (!ops[i].tracked)
			continue;
		rf = from ? rel_to_workdir(r, from) : NULL;
		rt = to ? rel_to_workdir(r, to) : NULL;
		known = NULL;
		if (rf && (oe = git_index_get_bypath(index, rf, 0)) != NULL &&
		    !(oe->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD)) {
			git_oid_cpy(&known_id, &oe->id);
			known = &known_id;
		}
		if (rf && (!rt || strcmp(rf, rt)) && git_index_remove_bypath(index, rf) < 0)
			rc = gmf_error_set_git("cannot update the index");
		/* a file put back as it was in a conflict: the conflict too */
		if (rc == 0 && rt &&
		    (ops[i].tracked & (rollback ? GMF_JOURNAL_OLD_UNMERGED : GMF_JOURNAL_NEW_UNMERGED)) &&
		    (rc = unresolve(index, rt)) != 0) {
			if (rc > 0)
				rc = 0;
		} else if (rc == 0 && rt) {
			int fast = 1;
			if (content && may_stage_from_memory(r, index, &filters, rt))
				fast = stage_from_memory(r, index, &filters, rt, to, content, len,
							 known, &batch);
			if (fast < 0)
				rc = fast;
			else if (fast > 0 && git_index_add_bypath(index, rt) < 0)
				rc = gmf_error_set_git("cannot update the index");
		}
		free(rf);
		free(rt);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = batch_flush(r, &batch)) == 0 && git_index_write(index) < 0)
		rc = gmf_error_set_git("cannot write the index");
cleanup:
	batch_close(&batch);
	free(filters.dir);
	git_index_free(index);
	return rc;
}

int gmf_repo_in_sequence(gmf_repo *r)
{
	switch (git_repository_state(r->git)) {
	case GIT_REPOSITORY_STATE_REBASE:
	case GIT_REPOSITORY_STATE_REBASE_INTERACTIVE:
	case GIT_REPOSITORY_STATE_REBASE_MERGE:
	case GIT_REPOSITORY_STATE_APPLY_MAILBOX:
	case GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE:
	case GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE:
	case GIT_REPOSITORY_STATE_REVERT_SEQUENCE:
		return 1;
	default:
		return 0;
	}
}

static char *oid_hex(const git_oid *id)
{
	char *hex = gmf_xcalloc(GIT_OID_HEXSZ + 1, 1);
	git_oid_tostr(hex, GIT_OID_HEXSZ + 1, id);
	return hex;
}

char *gmf_repo_resolve(gmf_repo *r, const char *spec)
{
	git_oid oid;
	if (resolve_commit(r, spec, &oid) < 0)
		return NULL;
	return oid_hex(&oid);
}

int gmf_repo_move_ref(gmf_repo *r, const char *ref, const char *old_hex,
		      const char *new_hex, const char *log_message)
{
	git_oid old, new;
	git_reference *out = NULL;
	int err;
	if (git_oid_fromstr(&old, old_hex) < 0 || git_oid_fromstr(&new, new_hex) < 0)
		return gmf_error_set(GMF_EUSAGE, "bad commit id");
	if (gmf_fs_faultpoint("ref") < 0)
		return gmf_error_set(GMF_EIO, "cannot move %s: injected fault", ref);
	err = git_reference_create_matching(&out, r->git, ref, &new, 1, &old, log_message);
	git_reference_free(out);
	if (err == GIT_EMODIFIED)
		return gmf_error_set(GMF_ECONFLICT, "%s moved meanwhile; left as it is", ref);
	if (err < 0)
		return gmf_error_set_git("cannot move the branch");
	return 0;
}

/*
 * Whether the index can be written as the tree git would write: every
 * blob it names in the object database (libgit2 checks that itself while
 * writing a tree, strict object creation, by reading each object's
 * header, which in a pack means resolving its delta chain: at ten
 * thousand files most of an amend; a lookup of the id is enough), and
 * no intent-to-add entry (git leaves those out of a tree; libgit2 1.5
 * writes them as empty files).  0, or an error naming the entry.
 */
static int index_writable(gmf_repo *r, git_index *index)
{
	git_odb *odb = NULL;
	size_t n = git_index_entrycount(index);
	int rc = 0;

	if (git_repository_odb(&odb, r->git) < 0)
		return gmf_error_set_git("cannot open the object database");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		if (!e || e->mode == GIT_FILEMODE_COMMIT) /* a submodule's commit */
			continue;
		if (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD)
			rc = gmf_error_set(GMF_ERROR, "'%s' is in the index as intent to add "
					   "(git add -N), which a commit leaves out; add it or "
					   "`git rm --cached` it first", e->path);
		else if (!git_odb_exists(odb, &e->id))
			rc = gmf_error_set(GMF_EGIT, "cannot write the index as a tree: '%s' "
					   "names a blob the object database does not have",
					   e->path);
	}
	git_odb_free(odb);
	return rc;
}

/* The index written as a tree; GMF_ENOTFOUND when it is cur's tree. */
static int index_tree(gmf_repo *r, git_commit *cur, git_oid *out)
{
	git_index *index = NULL;
	int rc = 0, written;
	if (git_repository_index(&index, r->git) < 0) {
		rc = gmf_error_set_git("cannot read the index");
		goto out;
	}
	if ((rc = index_writable(r, index)) < 0)
		goto out;
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	written = git_index_write_tree(out, index);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	if (written < 0)
		rc = gmf_error_set_git("cannot write the index as a tree");
	else if (git_oid_equal(out, git_commit_tree_id(cur)))
		rc = GMF_ENOTFOUND;
out:
	git_index_free(index);
	return rc;
}

/* 1 when c carries a signature (OpenPGP, ssh or x509 alike). */
static int is_signed(git_commit *c)
{
	git_buf b = GIT_BUF_INIT;
	int s = git_commit_header_field(&b, c, "gpgsig") == 0 ||
		git_commit_header_field(&b, c, "gpgsig-sha256") == 0;
	git_buf_dispose(&b);
	git_error_clear();
	return s;
}

/* GIT_AUTHOR_* naming cur's author, so the amended commit keeps it. */
static void author_env(git_commit *cur, gmf_strbuf *sb, const char *env[4])
{
	const git_signature *a = git_commit_author(cur);
	int off = a->when.offset < 0 ? -a->when.offset : a->when.offset;
	size_t name, email;
	gmf_strbuf_addf(sb, "GIT_AUTHOR_NAME=%s", a->name);
	name = sb->len;
	gmf_strbuf_addch(sb, '\0');
	gmf_strbuf_addf(sb, "GIT_AUTHOR_EMAIL=%s", a->email);
	email = sb->len;
	gmf_strbuf_addch(sb, '\0');
	gmf_strbuf_addf(sb, "GIT_AUTHOR_DATE=@%lld %c%02d%02d", (long long)a->when.time,
			a->when.offset < 0 ? '-' : '+', off / 60, off % 60);
	env[0] = sb->buf;
	env[1] = sb->buf + name + 1;
	env[2] = sb->buf + email + 1;
	env[3] = NULL;
}

/*
 * git creates the commit (commit-tree), so it is signed exactly as the
 * user's git signs: with commit.gpgsign, or when the commit replaced or
 * extended was signed (`git merge -S`, `git rebase -S`); format, key and
 * program are git's own configuration.
 */
static int make_commit(gmf_repo *r, git_commit *cur, const git_oid *tree, int amend,
		      const char *message, git_oid *out)
{
	size_t np = amend ? git_commit_parentcount(cur) : 1;
	char **parents = gmf_xcalloc(np + 1, sizeof(char *)), *tree_hex = oid_hex(tree);
	char *new_hex = NULL;
	gmf_strbuf msg = GMF_STRBUF_INIT, env_buf = GMF_STRBUF_INIT;
	const char *env[4] = { NULL, NULL, NULL, NULL };
	int rc = 0, sign = is_signed(cur) || gmf_gitcmd_sign_default(r->gitdir);

	for (size_t i = 0; i < np; i++)
		parents[i] = oid_hex(amend ? git_commit_parent_id(cur, (unsigned)i)
					   : git_commit_id(cur));
	if (amend) {
		gmf_strbuf_adds(&msg, git_commit_message(cur));
		if (message && *message) {
			while (msg.len && msg.buf[msg.len - 1] == '\n')
				msg.buf[--msg.len] = '\0';
			gmf_strbuf_addf(&msg, "\n\n%s", message);
		}
		author_env(cur, &env_buf, env);
	} else {
		gmf_strbuf_adds(&msg, message);
	}
	if (msg.len && msg.buf[msg.len - 1] != '\n')
		gmf_strbuf_addch(&msg, '\n');
	if (gmf_fs_faultpoint("commit") < 0) {
		rc = gmf_error_set(GMF_EIO, "cannot create the commit: injected fault");
	} else if ((rc = gmf_gitcmd_commit_tree(r->gitdir, tree_hex, (const char *const *)parents,
						np, msg.buf, env, sign, &new_hex)) < 0) {
		rc = sign ? gmf_error_set(GMF_EREFUSED, "cannot sign the commit: %s",
					  gmf_error_last())
			  : gmf_error_set(GMF_ERROR, "cannot create the commit: %s",
					  gmf_error_last());
	} else if (git_oid_fromstr(out, new_hex) < 0) {
		rc = gmf_error_set(GMF_ERROR, "git commit-tree printed '%s'", new_hex);
	}
	for (size_t i = 0; i < np; i++)
		free(parents[i]);
	free(parents);
	free(tree_hex);
	free(new_hex);
	gmf_strbuf_release(&msg);
	gmf_strbuf_release(&env_buf);
	return rc;
}

int gmf_repo_commit_index(gmf_repo *r, int amend, const char *message,
			  char **old_hex, char **new_hex, char **ref_out)
{
	git_reference *head = NULL;
	git_commit *cur = NULL;
	git_oid tree, new_id;
	int rc;

	*old_hex = *new_hex = *ref_out = NULL;
	if (git_repository_head(&head, r->git) < 0 ||
	    git_commit_lookup(&cur, r->git, git_reference_target(head)) < 0) {
		rc = gmf_error_set_git("cannot read HEAD");
		goto cleanup;
	}
	if ((rc = index_tree(r, cur, &tree)) < 0)
		goto cleanup;
	if ((rc = make_commit(r, cur, &tree, amend, message, &new_id)) < 0)
		goto cleanup;
	*old_hex = oid_hex(git_commit_id(cur));
	*new_hex = oid_hex(&new_id);
	/* HEAD's branch, or HEAD itself when detached */
	*ref_out = gmf_xstrdup(git_repository_head_detached(r->git) ? "HEAD"
								     : git_reference_name(head));
	rc = gmf_repo_move_ref(r, *ref_out, *old_hex, *new_hex,
			       amend ? "git-migrate-fix: amend with the renumbered migrations"
				     : "git-migrate-fix: renumber migrations");
	if (rc < 0) {
		free(*old_hex);
		free(*new_hex);
		free(*ref_out);
		*old_hex = *new_hex = *ref_out = NULL;
	}
cleanup:
	git_commit_free(cur);
	git_reference_free(head);
	return rc;
}

static char *hooks_dir_of(gmf_repo *r)
{
	char *v = NULL, *out;
	/* git itself knows: -c and GIT_CONFIG_PARAMETERS, GIT_CONFIG_GLOBAL,
	 * includes, `~` and relative paths, linked worktrees */
	if ((out = gmf_gitcmd_hooks_dir(r->gitdir, r->workdir)) != NULL)
		return out;
	if (gmf_repo_config_get(r, "core.hooksPath", &v) == 0 && *v) {
		if (v[0] == '~' && (v[1] == '/' || !v[1]) && getenv("HOME")) {
			out = gmf_path_join(getenv("HOME"), v[1] ? v + 2 : ".");
			char *abs = gmf_path_absolute("/", out);
			free(out);
			out = abs;
		} else {
			out = gmf_path_absolute(r->workdir ? r->workdir : r->gitdir, v);
		}
		free(v);
		return out;
	}
	free(v);
	return gmf_path_join(r->commondir, "hooks");
}

/* Asked once per open repository: each answer costs a git process (about
 * 2 ms), and the merge driver and the hooks ask several times. */
char *gmf_repo_hooks_dir(gmf_repo *r)
{
	if (!r->hooks_dir)
		r->hooks_dir = hooks_dir_of(r);
	return gmf_xstrdup(r->hooks_dir);
}

int gmf_repo_config_set(gmf_repo *r, const char *key, const char *value)
{
	git_config *cfg = NULL, *local = NULL;
	int rc = 0;
	if (gmf_fs_faultpoint("config") < 0)
		return gmf_error_set(GMF_EIO, "cannot write the repository's config");
	if (git_repository_config(&cfg, r->git) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0) {
		rc = gmf_error_set_git("cannot open the repository's config");
		goto cleanup;
	}
	if (!strcasecmp(key, "core.hooksPath")) {
		free(r->hooks_dir); /* asked again after the change */
		r->hooks_dir = NULL;
	}
	if (value ? git_config_set_string(local, key, value) < 0
		  : (git_config_delete_entry(local, key) < 0 &&
		     git_error_last() && git_error_last()->klass != GIT_ERROR_CONFIG))
		rc = gmf_error_set_git("cannot write the repository's config");
cleanup:
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

int gmf_repo_index_touches(gmf_repo *r, const char *const *abs_dirs, size_t n)
{
	git_diff_options opts;
	git_reference *ref = NULL;
	git_commit *c = NULL;
	git_tree *head = NULL;
	git_index *index = NULL;
	git_diff *diff = NULL;
	char **rel = gmf_xcalloc(n + 1, sizeof(char *));
	size_t nrel = 0;
	int touches = 1; /* when in doubt, do the work */

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	for (size_t i = 0; i < n; i++)
		if ((rel[nrel] = rel_to_workdir(r, abs_dirs[i])) != NULL)
			nrel++;
	if (!nrel)
		goto cleanup;
	opts.pathspec.strings = rel;
	opts.pathspec.count = nrel;
	if (git_repository_index(&index, r->git) < 0)
		goto cleanup;
	if (git_repository_head(&ref, r->git) == 0 &&
	    git_commit_lookup(&c, r->git, git_reference_target(ref)) == 0)
		git_commit_tree(&head, c);
	if (git_diff_tree_to_index(&diff, r->git, head, index, &opts) == 0)
		touches = git_diff_num_deltas(diff) > 0;
cleanup:
	git_diff_free(diff);
	git_index_free(index);
	git_tree_free(head);
	git_commit_free(c);
	git_reference_free(ref);
	for (size_t i = 0; i < nrel; i++)
		free(rel[i]);
	free(rel);
	return touches;
}

/* ------------------------------------------------ what is published */

typedef struct {
	git_oid *oids;
	char **names;
	size_t n, alloc;
} tip_list;

static void tip_add(gmf_repo *r, tip_list *t, const git_oid *oid, const char *name)
{
	git_oid head, use;
	git_commit *c = NULL;
	gmf_strbuf sb = GMF_STRBUF_INIT;

	git_oid_cpy(&use, oid);
	gmf_strbuf_adds(&sb, name);
	/* HEAD as a merge commit is the merge being repaired: what its branch
	 * had published is what its first parent holds */
	if (git_reference_name_to_id(&head, r->git, "HEAD") == 0 && git_oid_equal(&head, oid) &&
	    git_commit_lookup(&c, r->git, oid) == 0 && git_commit_parentcount(c) > 1) {
		git_oid_cpy(&use, git_commit_parent_id(c, 0));
		gmf_strbuf_adds(&sb, "^1");
	}
	git_commit_free(c);
	for (size_t i = 0; i < t->n; i++)
		if (git_oid_equal(&t->oids[i], &use)) {
			gmf_strbuf_release(&sb);
			return;
		}
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 8;
		t->oids = gmf_xrealloc(t->oids, t->alloc * sizeof(git_oid));
		t->names = gmf_xrealloc(t->names, t->alloc * sizeof(char *));
	}
	git_oid_cpy(&t->oids[t->n], &use);
	t->names[t->n++] = gmf_strbuf_detach(&sb, NULL);
}

/* Each configured mainline value: several keys, or one key naming
 * several branches separated by spaces or commas. */
static int add_mainlines(gmf_repo *r, tip_list *t, int *configured)
{
	char **vals = NULL;
	size_t nv = 0;
	int rc = 0;

	*configured = 0;
	if (gmf_repo_config_get_all(r, "migrate-fix.mainline", &vals, &nv) < 0)
		nv = 0;
	for (size_t i = 0; i < nv; i++) {
		char *s = vals[i];
		while (rc == 0 && *s) {
			size_t len = strcspn(s, " ,\t");
			if (len) {
				char *spec = gmf_xstrndup(s, len);
				git_oid oid;
				*configured = 1;
				if (resolve_commit(r, spec, &oid) < 0)
					rc = gmf_error_set(GMF_ENOTFOUND, "migrate-fix.mainline names "
							   "'%s', which names no commit", spec);
				else
					tip_add(r, t, &oid, spec);
				free(spec);
			}
			s += len;
			s += strspn(s, " ,\t");
		}
	}
	for (size_t i = 0; i < nv; i++)
		free(vals[i]);
	free(vals);
	return rc;
}

/* The default mainline (gmf_repo_mainline, which already steps off a
 * merge at HEAD); 1 when there is one. */
static int add_default_mainline(gmf_repo *r, tip_list *t)
{
	char *mh = NULL, *mn = NULL;
	git_oid oid;
	int found = gmf_repo_mainline(r, NULL, &mh, &mn) == 0 && git_oid_fromstr(&oid, mh) == 0;
	if (found) {
		if (t->n == t->alloc) {
			t->alloc = t->alloc ? 2 * t->alloc : 8;
			t->oids = gmf_xrealloc(t->oids, t->alloc * sizeof(git_oid));
			t->names = gmf_xrealloc(t->names, t->alloc * sizeof(char *));
		}
		git_oid_cpy(&t->oids[t->n], &oid);
		t->names[t->n++] = gmf_xstrdup(mn);
	}
	free(mh);
	free(mn);
	return found;
}

static int skipped(const char *name, const char *const *skip, size_t nskip)
{
	for (size_t i = 0; i < nskip; i++)
		if (skip[i] && !strcmp(skip[i], name))
			return 1;
	return 0;
}

/* Every remote-tracking branch and every tag, but those skipped. */
static int add_remotes_and_tags(gmf_repo *r, tip_list *t, const char *const *skip,
				size_t nskip)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	if (git_reference_iterator_glob_new(&it, r->git, "refs/*") < 0)
		return gmf_error_set_git("cannot list the references");
	while (git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);
		git_object *obj = NULL;
		int remote = !strncmp(name, "refs/remotes/", 13), tag = !strncmp(name, "refs/tags/", 10);
		if ((remote || tag) && git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
		    !skipped(name, skip, nskip) &&
		    git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0)
			tip_add(r, t, git_object_id(obj), name + (remote ? 13 : 10));
		git_object_free(obj);
		git_reference_free(ref);
		ref = NULL;
	}
	git_reference_iterator_free(it);
	return 0;
}

int gmf_repo_published_tips(gmf_repo *r, const char *override, const char *const *extra,
			    size_t nextra, const char *const *skip, size_t nskip,
			    char ***hex, char ***names, size_t *n, int *mainline_found)
{
	tip_list t;
	int rc = 0, configured = 0;

	memset(&t, 0, sizeof(t));
	*hex = *names = NULL;
	*n = 0;
	*mainline_found = 0;
	if (override) {
		git_oid oid;
		if (resolve_commit(r, override, &oid) < 0)
			return gmf_error_set(GMF_ENOTFOUND, "mainline '%s' does not name a commit",
					     override);
		tip_add(r, &t, &oid, override);
		*mainline_found = 1;
	} else if ((rc = add_mainlines(r, &t, &configured)) < 0) {
		goto out;
	} else if (configured) {
		*mainline_found = 1;
	} else {
		*mainline_found = add_default_mainline(r, &t);
	}
	for (size_t i = 0; i < nextra; i++) {
		git_oid oid;
		if (extra[i] && resolve_commit(r, extra[i], &oid) == 0)
			tip_add(r, &t, &oid, extra[i]);
	}
	if ((rc = add_remotes_and_tags(r, &t, skip, nskip)) < 0)
		goto out;
	*hex = gmf_xcalloc(t.n + 1, sizeof(char *));
	for (size_t i = 0; i < t.n; i++)
		(*hex)[i] = oid_hex(&t.oids[i]);
	*names = t.names;
	*n = t.n;
	t.names = NULL;
	t.n = 0;
out:
	for (size_t i = 0; i < t.n; i++)
		free(t.names[i]);
	free(t.names);
	free(t.oids);
	return rc;
}

/*
 * branch.<name>.remote and .merge mapped through the remote's fetch
 * refspecs, as git_branch_upstream_name does; read here because that
 * function's remote lookup (its url.*.insteadOf scan) leaks PCRE2 match
 * data in libgit2 1.5, one block per configuration entry.
 */
char *gmf_repo_upstream_of(gmf_repo *r, const char *branch_ref)
{
	gmf_strbuf key = GMF_STRBUF_INIT;
	char *remote = NULL, *merge = NULL, *out = NULL, **fetch = NULL;
	size_t nfetch = 0;

	if (strncmp(branch_ref, "refs/heads/", 11))
		return NULL;
	gmf_strbuf_addf(&key, "branch.%s.remote", branch_ref + 11);
	if (gmf_repo_config_get(r, key.buf, &remote) < 0)
		goto out;
	gmf_strbuf_reset(&key);
	gmf_strbuf_addf(&key, "branch.%s.merge", branch_ref + 11);
	if (gmf_repo_config_get(r, key.buf, &merge) < 0)
		goto out;
	if (!strcmp(remote, ".")) {
		/* a local branch as upstream: the reference itself */
		out = merge;
		merge = NULL;
		goto out;
	}
	gmf_strbuf_reset(&key);
	gmf_strbuf_addf(&key, "remote.%s.fetch", remote);
	if (gmf_repo_config_get_all(r, key.buf, &fetch, &nfetch) < 0)
		nfetch = 0;
	for (size_t i = 0; i < nfetch && !out; i++) {
		git_refspec *spec = NULL;
		git_buf buf = GIT_BUF_INIT;
		if (git_refspec_parse(&spec, fetch[i], 1) == 0 &&
		    git_refspec_src_matches(spec, merge) &&
		    git_refspec_transform(&buf, spec, merge) == 0)
			out = gmf_xstrndup(buf.ptr, buf.size);
		git_buf_dispose(&buf);
		git_refspec_free(spec);
	}
	for (size_t i = 0; i < nfetch; i++)
		free(fetch[i]);
	free(fetch);
out:
	git_error_clear();
	gmf_error_clear();
	free(remote);
	free(merge);
	gmf_strbuf_release(&key);
	return out;
}

/* Does spec (a mainline as configured or found: "main", "origin/main",
 * "refs/remotes/origin/main") name the branch short, on any remote? */
static int spec_names_branch(const char *spec, const char *short_name)
{
	const char *slash;
	if (!strncmp(spec, "refs/heads/", 11))
		return !strcmp(spec + 11, short_name);
	if (!strncmp(spec, "refs/remotes/", 13))
		spec += 13;
	if (!strcmp(spec, short_name))
		return 1;
	slash = strchr(spec, '/');
	return slash && !strcmp(slash + 1, short_name);
}

/* Is the branch short (or the remote branch behind a tracking ref) one
 * a mainline names, or main/master? */
static int mainline_branch(gmf_repo *r, const char *short_name)
{
	char **vals = NULL, *mh = NULL, *mn = NULL;
	size_t nv = 0;
	int hit = !strcmp(short_name, "main") || !strcmp(short_name, "master");

	if (!hit && gmf_repo_config_get_all(r, "migrate-fix.mainline", &vals, &nv) == 0)
		for (size_t i = 0; i < nv && !hit; i++) {
			char *v = vals[i];
			while (*v && !hit) {
				size_t len = strcspn(v, " ,\t");
				char *spec = gmf_xstrndup(v, len);
				hit = len && spec_names_branch(spec, short_name);
				free(spec);
				v += len;
				v += strspn(v, " ,\t");
			}
		}
	for (size_t i = 0; i < nv; i++)
		free(vals[i]);
	free(vals);
	if (!hit && gmf_repo_mainline(r, NULL, &mh, &mn) == 0 && mn)
		hit = spec_names_branch(mn, short_name);
	free(mh);
	free(mn);
	gmf_error_clear();
	return hit;
}

int gmf_repo_own_tracking(gmf_repo *r, char ***out, size_t *n)
{
	char *branch = gmf_repo_head_branch(r), *remote = NULL, *up;
	const char *short_name;
	gmf_strbuf key = GMF_STRBUF_INIT;

	*out = NULL;
	*n = 0;
	if (!branch) {
		/* a rebase detaches HEAD: the branch it rebases */
		static const char *const names[] = { "rebase-merge/head-name",
						     "rebase-apply/head-name" };
		for (size_t i = 0; i < 2 && !branch; i++) {
			char *path = gmf_path_join(r->gitdir, names[i]), *data = NULL, *nl;
			size_t len;
			if (gmf_fs_read(path, &data, &len) == 0) {
				if ((nl = strchr(data, '\n')) != NULL)
					*nl = '\0';
				branch = data;
			}
			free(path);
		}
	}
	if (!branch || strncmp(branch, "refs/heads/", 11) || mainline_branch(r, branch + 11)) {
		free(branch);
		return 0;
	}
	short_name = branch + 11;
	*out = gmf_xcalloc(3, sizeof(char *));
	/* its upstream, unless that is a mainline's branch (`git checkout
	 * -b topic origin/develop` tracks the mainline itself): the name it
	 * has on the remote, branch.<name>.merge, says */
	up = gmf_repo_upstream_of(r, branch);
	gmf_strbuf_addf(&key, "branch.%s.merge", short_name);
	if (up && !strncmp(up, "refs/remotes/", 13) &&
	    gmf_repo_config_get(r, key.buf, &remote) == 0 &&
	    !strncmp(remote, "refs/heads/", 11) && !mainline_branch(r, remote + 11))
		(*out)[(*n)++] = up;
	else
		free(up);
	free(remote);
	remote = NULL;
	gmf_strbuf_reset(&key);
	/* and where it pushes: pushRemote, pushDefault, else its remote */
	gmf_strbuf_addf(&key, "branch.%s.pushRemote", short_name);
	if (gmf_repo_config_get(r, key.buf, &remote) < 0 &&
	    gmf_repo_config_get(r, "remote.pushDefault", &remote) < 0) {
		gmf_strbuf_reset(&key);
		gmf_strbuf_addf(&key, "branch.%s.remote", short_name);
		if (gmf_repo_config_get(r, key.buf, &remote) < 0)
			remote = NULL;
	}
	if (remote && *remote && strcmp(remote, ".")) {
		gmf_strbuf_reset(&key);
		gmf_strbuf_addf(&key, "refs/remotes/%s/%s", remote, short_name);
		if (!*n || strcmp((*out)[0], key.buf))
			(*out)[(*n)++] = gmf_strbuf_detach(&key, NULL);
	}
	free(remote);
	gmf_strbuf_release(&key);
	free(branch);
	gmf_error_clear();
	return 0;
}

char *gmf_repo_head_branch(gmf_repo *r)
{
	git_reference *head = NULL;
	char *out = NULL;
	if (git_reference_lookup(&head, r->git, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		out = gmf_xstrdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	return out;
}

/* A basename discovery reads (project.h, gmf_tracked_fn). */
static int is_config_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strcmp(base, "alembic.ini") || !strcmp(base, "pyproject.toml");
}

int gmf_repo_tracked_configs(gmf_repo *r, char ***out, size_t *n)
{
	git_index *index = NULL;
	size_t count, alloc = 0;

	*out = NULL;
	*n = 0;
	if (git_repository_index(&index, r->git) < 0)
		return gmf_error_set(GMF_EGIT, "cannot read the index");
	count = git_index_entrycount(index);
	for (size_t i = 0; i < count; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		/* stage 0 only: a conflicted file is listed once */
		if (!e || git_index_entry_stage(e) != 0 || !is_config_name(e->path))
			continue;
		GMF_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = gmf_xstrdup(e->path);
	}
	git_index_free(index);
	return 0;
}

/* ------------------------------------------------- the index's word */

static void blob_id(const void *data, size_t n, unsigned char *out)
{
	git_oid oid;
	if (git_odb_hash(&oid, data, n, GIT_OBJECT_BLOB) < 0) {
		git_error_clear();
		memset(out, 0, GMF_BLOB_ID_LEN); /* never matches an entry */
		return;
	}
	memcpy(out, oid.id, GMF_BLOB_ID_LEN);
}

static int read_blob(void *ctx, const unsigned char *id, char **buf, size_t *len)
{
	gmf_repo *r = ctx;
	git_oid oid;
	git_blob *b = NULL;
	size_t n;

	memcpy(oid.id, id, GMF_BLOB_ID_LEN);
	if (git_blob_lookup(&b, r->git, &oid) < 0) {
		git_error_clear();
		return GMF_EIO;
	}
	n = (size_t)git_blob_rawsize(b);
	*buf = gmf_xmalloc(n + 1);
	memcpy(*buf, git_blob_rawcontent(b), n);
	(*buf)[n] = '\0';
	*len = n;
	git_blob_free(b);
	return 0;
}

static int cmp_staged(const void *a, const void *b)
{
	return strcmp(((const gmf_staged_entry *)a)->path, ((const gmf_staged_entry *)b)->path);
}

int gmf_repo_staged(gmf_repo *r, const char *const *abs_dirs, size_t ndirs, gmf_staged *out)
{
	git_index *index = NULL;
	gmf_strbuf names = GMF_STRBUF_INIT;
	size_t alloc = 0, *offs = NULL;
	int sorted = 1;

	memset(out, 0, sizeof(*out));
	out->blob_id = blob_id;
	out->read_blob = read_blob;
	out->ctx = r;
	if (!r->workdir || git_repository_index(&index, r->git) < 0 ||
	    git_index_read(index, 0) < 0) {
		git_index_free(index);
		git_error_clear();
		return GMF_EGIT;
	}
	for (size_t d = 0; d < ndirs; d++) {
		char *rel = rel_to_workdir(r, abs_dirs[d]);
		gmf_strbuf prefix = GMF_STRBUF_INIT;
		size_t pos, count = git_index_entrycount(index);
		if (!rel)
			continue;
		gmf_strbuf_addf(&prefix, "%s/", rel);
		if (git_index_find_prefix(&pos, index, prefix.buf) < 0)
			pos = count;
		git_error_clear();
		for (; pos < count; pos++) {
			const git_index_entry *e = git_index_get_byindex(index, pos);
			gmf_staged_entry *se;
			if (!e || strncmp(e->path, prefix.buf, prefix.len))
				break;
			/* what a commit records: a merged entry of a file
			 * (intent-to-add is no content yet) */
			if (git_index_entry_stage(e) != 0 ||
			    (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD) ||
			    (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE))
				continue;
			GMF_ALLOC_GROW(out->entries, out->n + 1, alloc);
			offs = gmf_xrealloc(offs, alloc * sizeof(size_t));
			se = &out->entries[out->n];
			offs[out->n] = names.len;
			gmf_strbuf_addf(&names, "%s/%s", abs_dirs[d], e->path + prefix.len);
			gmf_strbuf_addch(&names, '\0');
			memcpy(se->oid, e->id.id, GMF_BLOB_ID_LEN);
			out->n++;
		}
		gmf_strbuf_release(&prefix);
		free(rel);
	}
	git_index_free(index);
	out->strings = gmf_strbuf_detach(&names, NULL);
	for (size_t i = 0; i < out->n; i++) {
		out->entries[i].path = out->strings + offs[i];
		if (i && strcmp(out->entries[i - 1].path, out->entries[i].path) >= 0)
			sorted = 0;
	}
	free(offs);
	if (!sorted)
		qsort(out->entries, out->n, sizeof(*out->entries), cmp_staged);
	return 0;
}

/* ------------------------------------------------- a rebase's trees */

typedef struct {
	gmf_repo *r;
	const char *dir_abs;
	int recursive;
	gmf_tree_file *v;
	size_t n, alloc;
	int rc;
} tree_files_ctx;

static int tree_files_cb(const char *root, const git_tree_entry *e, void *payload)
{
	tree_files_ctx *t = payload;
	const char *name = git_tree_entry_name(e);
	size_t nl = strlen(name);
	git_blob *blob = NULL;
	gmf_tree_file *f;

	/* as discovery lists a directory (project.c): subfolders only with
	 * recursive_version_locations, never __pycache__ or dot-folders */
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return !t->recursive || !strcmp(name, "__pycache__") || name[0] == '.';
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || nl < 4 ||
	    strcmp(name + nl - 3, ".py") || !strcmp(name, "__init__.py") ||
	    !strncmp(name, ".#", 2))
		return 0;
	if (git_blob_lookup(&blob, t->r->git, git_tree_entry_id(e)) < 0) {
		t->rc = gmf_error_set_git("cannot read a migration of the rebase");
		return -1;
	}
	GMF_ALLOC_GROW(t->v, t->n + 1, t->alloc);
	f = &t->v[t->n++];
	memset(f, 0, sizeof(*f));
	{
		gmf_strbuf p = GMF_STRBUF_INIT;
		gmf_strbuf_addf(&p, "%s/%s%s", t->dir_abs, root, name);
		f->path = gmf_strbuf_detach(&p, NULL);
	}
	git_oid_tostr(f->oid, sizeof(f->oid), git_tree_entry_id(e));
	f->len = (size_t)git_blob_rawsize(blob);
	f->data = gmf_xstrndup(git_blob_rawcontent(blob), f->len);
	git_blob_free(blob);
	return 0;
}

int gmf_repo_tree_files(gmf_repo *r, const char *commit_hex, const char *abs_dir,
			int recursive, gmf_tree_file **out, size_t *n)
{
	git_oid oid;
	git_commit *c = NULL;
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	tree_files_ctx t;
	char *rel = rel_to_workdir(r, abs_dir);

	memset(&t, 0, sizeof(t));
	*out = NULL;
	*n = 0;
	if (!rel) {
		free(rel);
		return gmf_error_set(GMF_EREFUSED, "%s lies outside the work tree", abs_dir);
	}
	if (git_oid_fromstr(&oid, commit_hex) < 0 || git_commit_lookup(&c, r->git, &oid) < 0 ||
	    git_commit_tree(&root, c) < 0) {
		t.rc = gmf_error_set_git("cannot read a commit of the rebase");
		goto cleanup;
	}
	if (git_tree_entry_bypath(&te, root, rel) < 0) {
		git_error_clear(); /* the commit has no such directory: no files */
		goto cleanup;
	}
	if (git_tree_entry_type(te) != GIT_OBJECT_TREE ||
	    git_tree_lookup(&sub, r->git, git_tree_entry_id(te)) < 0)
		goto cleanup;
	t.r = r;
	t.dir_abs = abs_dir;
	t.recursive = recursive;
	if (git_tree_walk(sub, GIT_TREEWALK_PRE, tree_files_cb, &t) < 0 && !t.rc)
		t.rc = gmf_error_set_git("cannot list a directory of the rebase");
cleanup:
	if (t.rc < 0) {
		gmf_tree_files_free(t.v, t.n);
	} else {
		*out = t.v;
		*n = t.n;
	}
	git_tree_free(sub);
	git_tree_entry_free(te);
	git_tree_free(root);
	git_commit_free(c);
	free(rel);
	return t.rc;
}

void gmf_tree_files_free(gmf_tree_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].data);
	}
	free(f);
}

char *gmf_repo_merge_base(gmf_repo *r, const char *a_hex, const char *b_hex)
{
	git_oid a, b, base;
	if (git_oid_fromstr(&a, a_hex) < 0 || git_oid_fromstr(&b, b_hex) < 0 ||
	    git_merge_base(&base, r->git, &a, &b) < 0) {
		git_error_clear();
		return NULL;
	}
	return oid_hex(&base);
}
