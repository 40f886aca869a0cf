/* SPDX-License-Identifier: MIT */
/* journal: see include/gmf/journal.h. */
#include "gmf/journal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/strbuf.h"

enum { ST_PREPARED, ST_COMMITTING, ST_DONE };
static const char *const state_names[] = { "prepared", "committing", "done" };

/* What the manifest records of each op's two contents, so that a damaged
 * copy in the journal and a file changed since can both be told. */
typedef struct {
	size_t orig_len, new_len;
	uint64_t orig_hash, new_hash;
} recorded;

typedef struct {
	int state;
	char *label;
	char *description;
	gmf_journal_op *ops;
	recorded *rec;
	size_t n;
} journal;

/* FNV-1a with a final mix: detects damage and edits, not an attacker
 * (a journal from elsewhere is refused by its paths, not its hashes). */
static uint64_t content_hash(const char *data, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)len;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static char *sub(const char *dir, const char *name)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb, "%s/%s", dir, name);
	return gmf_strbuf_detach(&sb, NULL);
}

static char *op_file(const char *dir, size_t i, const char *ext)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	gmf_strbuf_addf(&sb, "%s/%zu.%s", dir, i, ext);
	return gmf_strbuf_detach(&sb, NULL);
}

static char *tmp_for(const char *path)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) : 0;
	gmf_strbuf_add(&sb, path, dl);
	gmf_strbuf_addf(&sb, "%s.%s.gmf-txn.tmp", dl ? "/" : "", slash ? slash + 1 : path);
	return gmf_strbuf_detach(&sb, NULL);
}

void gmf_journal_ops_free(gmf_journal_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ops[i].old_path);
		free(ops[i].new_path);
		free(ops[i].content);
		free(ops[i].orig);
	}
	free(ops);
}

static void journal_release(journal *j)
{
	free(j->label);
	free(j->description);
	gmf_journal_ops_free(j->ops, j->n);
	free(j->rec);
	memset(j, 0, sizeof(*j));
}

static void add_path(gmf_strbuf *sb, const char *key, const char *p)
{
	gmf_strbuf_addf(sb, "%s %zu %s\n", key, strlen(p), p);
}

static int write_manifest(const char *dir, const char *label, const char *desc,
			  const gmf_journal_op *ops, size_t n, int state, int fresh)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char *path = sub(dir, "manifest");
	int rc;

	gmf_strbuf_addf(&sb, "gmf-journal 3\nstate %s\nlabel %s\n", state_names[state], label);
	add_path(&sb, "desc", desc ? desc : "");
	for (size_t i = 0; i < n; i++) {
		gmf_strbuf_addf(&sb, "op %zu %o %d %d %d\n", i, ops[i].mode, ops[i].tracked,
				ops[i].old_path != NULL, ops[i].new_path != NULL);
		if (ops[i].old_path) {
			add_path(&sb, "old", ops[i].old_path);
			gmf_strbuf_addf(&sb, "orig %zu %016llx\n", ops[i].orig_len,
					(unsigned long long)content_hash(ops[i].orig, ops[i].orig_len));
		}
		if (ops[i].new_path) {
			add_path(&sb, "new", ops[i].new_path);
			gmf_strbuf_addf(&sb, "content %zu %016llx\n", ops[i].len,
					(unsigned long long)content_hash(ops[i].content, ops[i].len));
		}
	}
	gmf_strbuf_adds(&sb, "end\n");
	rc = fresh ? gmf_fs_write_new(path, sb.buf, sb.len, 0600)
		   : gmf_fs_write_atomic(path, sb.buf, sb.len, 0600);
	gmf_strbuf_release(&sb);
	free(path);
	return rc;
}

/* Reads "<key> <len> <bytes>\n" at *p. */
static char *read_path(const char **p, const char *end, const char *key)
{
	size_t kl = strlen(key), len;
	char *stop;
	if ((size_t)(end - *p) < kl + 2 || strncmp(*p, key, kl) || (*p)[kl] != ' ' ||
	    (*p)[kl + 1] < '0' || (*p)[kl + 1] > '9')
		return NULL;
	*p += kl + 1;
	errno = 0;
	len = strtoul(*p, &stop, 10);
	if (errno || stop == *p || *stop != ' ' || (size_t)(end - stop - 1) < len + 1 ||
	    stop[1 + len] != '\n')
		return NULL;
	*p = stop + 1 + len + 1;
	return gmf_xstrndup(stop + 1, len);
}

/* Reads "<key> <len> <16 hex digits>\n" at *p. */
static int read_sum(const char **p, const char *end, const char *key, size_t *len,
		    uint64_t *hash)
{
	size_t kl = strlen(key);
	const char *q = *p;
	char *stop;
	uint64_t h = 0;
	if ((size_t)(end - q) < kl + 2 || strncmp(q, key, kl) || q[kl] != ' ' ||
	    q[kl + 1] < '0' || q[kl + 1] > '9')
		return -1;
	q += kl + 1;
	errno = 0;
	*len = strtoul(q, &stop, 10);
	if (errno || *stop != ' ' || end - stop < 18 || stop[17] != '\n')
		return -1;
	for (int i = 1; i <= 16; i++) {
		char c = stop[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		h = h << 4 | (uint64_t)v;
	}
	*hash = h;
	*p = stop + 18;
	return 0;
}

/* What to do about a journal that cannot be used, for its messages. */
static void journal_hint(gmf_strbuf *sb, const char *dir)
{
	size_t n = strlen(dir);
	if (n >= 4 && !strcmp(dir + n - 4, "/txn"))
		gmf_strbuf_adds(sb, "to set that run aside, run `git migrate-fix undo --abandon`");
	else
		gmf_strbuf_addf(sb, "remove '%s' (the last run can then not be undone)", dir);
}

/* An absolute path without empty, "." or ".." components. */
static int path_clean(const char *p)
{
	const char *c;
	if (!p || p[0] != '/')
		return 0;
	for (c = p + 1;;) {
		const char *e = strchr(c, '/');
		size_t l = e ? (size_t)(e - c) : strlen(c);
		if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!e)
			return 1;
		c = e + 1;
	}
}

/* p may be written by a journal of t: clean, and inside one of the roots
 * or the state directory, symlinks resolved.  No roots: nothing but the
 * state directory. */
static int path_allowed_lst(const gmf_journal *t, const char *p, int *present,
			    struct stat *st)
{
	const char *const *roots = t->roots;
	size_t n = roots ? t->nroots : 0;
	if (!path_clean(p))
		return 0;
	if (n == 0 && t->root) {
		roots = &t->root;
		n = 1;
	}
	for (size_t i = 0; i < n; i++)
		if (roots[i] && gmf_fs_inside_lstat(roots[i], p, present, st))
			return 1;
	return t->state_dir && path_clean(t->state_dir) &&
	       gmf_fs_inside_lstat(t->state_dir, p, present, st);
}

static int path_allowed_st(const gmf_journal *t, const char *p, int *present)
{
	return path_allowed_lst(t, p, present, NULL);
}

static int path_allowed(const gmf_journal *t, const char *p)
{
	return path_allowed_st(t, p, NULL);
}

/* Every path of a journal read from dir must be allowed; nothing is
 * touched otherwise. */
static int check_journal_paths(const gmf_journal *t, const char *dir, const gmf_journal_op *ops,
			       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *bad = NULL;
		if (ops[i].old_path && !path_allowed(t, ops[i].old_path))
			bad = ops[i].old_path;
		else if (ops[i].new_path && !path_allowed(t, ops[i].new_path))
			bad = ops[i].new_path;
		if (bad)
			return gmf_error_set(GMF_EREFUSED, "the journal in '%s' names '%s', "
					     "which lies outside the version directories this run "
					     "reads; nothing was touched: run it with the -d or -c "
					     "of the run that wrote the journal (or from the top); "
					     "if that path is no project of yours, the journal was "
					     "not made for this project: remove '%s'", dir, bad, dir);
	}
	return 0;
}

/* The manifest's lines up to the description, at *p: its format version
 * (1 or 2), or -1 when they are damaged. */
static int read_header(const char **p, const char *end, journal *j)
{
	const char *q = *p, *line_end;
	int version;

	if (!strncmp(q, "gmf-journal 3\nstate ", 20))
		version = 3; /* every content in one file, `data` */
	else if (!strncmp(q, "gmf-journal 2\nstate ", 20))
		version = 2; /* a file per content, <op>.orig and <op>.new */
	else if (!strncmp(q, "gmf-journal 1\nstate ", 20))
		version = 1; /* before the contents were recorded: trusted as is */
	else
		return -1;
	q += 20;
	for (j->state = 0; j->state < 3; j->state++)
		if (!strncmp(q, state_names[j->state], strlen(state_names[j->state])) &&
		    q[strlen(state_names[j->state])] == '\n')
			break;
	if (j->state == 3)
		return -1;
	if (!(q = strchr(q, '\n')) || strncmp(q + 1, "label ", 6))
		return -1;
	q += 7;
	if (!(line_end = memchr(q, '\n', (size_t)(end - q))))
		return -1;
	j->label = gmf_xstrndup(q, (size_t)(line_end - q));
	q = line_end + 1;
	if (!(j->description = read_path(&q, end, "desc")))
		return -1;
	*p = q;
	return version;
}

/* The manifest's ops at *p, up to its "end" line: 0, or -1 when they are
 * damaged.  Version 1 recorded no lengths or hashes. */
static int read_ops(const char **p, const char *end, journal *j, int version)
{
	while (*p < end && !strncmp(*p, "op ", 3)) {
		gmf_journal_op *op;
		recorded *r;
		size_t idx;
		unsigned mode;
		int tracked, has_old, has_new;
		if (sscanf(*p, "op %zu %o %d %d %d", &idx, &mode, &tracked, &has_old, &has_new) != 5 ||
		    idx != j->n || (!has_old && !has_new))
			return -1;
		*p = memchr(*p, '\n', (size_t)(end - *p));
		if (!*p)
			return -1;
		(*p)++;
		j->ops = gmf_xrealloc(j->ops, (j->n + 1) * sizeof(*j->ops));
		j->rec = gmf_xrealloc(j->rec, (j->n + 1) * sizeof(*j->rec));
		op = &j->ops[j->n];
		r = &j->rec[j->n];
		j->n++;
		memset(op, 0, sizeof(*op));
		memset(r, 0, sizeof(*r));
		op->mode = mode & 07777;
		op->tracked = tracked;
		if (has_old && (!(op->old_path = read_path(p, end, "old")) ||
				(version >= 2 &&
				 read_sum(p, end, "orig", &r->orig_len, &r->orig_hash) < 0)))
			return -1;
		if (has_new && (!(op->new_path = read_path(p, end, "new")) ||
				(version >= 2 &&
				 read_sum(p, end, "content", &r->new_len, &r->new_hash) < 0)))
			return -1;
	}
	if ((size_t)(end - *p) != 4 || strncmp(*p, "end\n", 4))
		return -1;
	return 0;
}

/* Checks op i's copy of its original (which = 0) or of its new content
 * (which = 1), read from f, against its record (version 2 and later);
 * rc is how reading it went.  Takes *dst's data in either case. */
static int check_copy(const char *dir, const char *f, journal *j, size_t i, int which,
		      int version, int rc)
{
	gmf_journal_op *op = &j->ops[i];
	char **dst = which ? &op->content : &op->orig;
	size_t *dlen = which ? &op->len : &op->orig_len;
	size_t want_len = which ? j->rec[i].new_len : j->rec[i].orig_len;
	uint64_t want_hash = which ? j->rec[i].new_hash : j->rec[i].orig_hash;

	if (rc == 0 && version >= 2 &&
	    (*dlen != want_len || content_hash(*dst, *dlen) != want_hash)) {
		gmf_strbuf sb = GMF_STRBUF_INIT;
		journal_hint(&sb, dir);
		rc = gmf_error_set(GMF_EREFUSED, "the journal in '%s' is damaged: "
				   "'%s' is not what it recorded; nothing was "
				   "touched; %s", dir, f, sb.buf);
		gmf_strbuf_release(&sb);
	} else if (rc < 0) {
		char *saved = gmf_xstrdup(gmf_error_last());
		gmf_strbuf sb = GMF_STRBUF_INIT;
		journal_hint(&sb, dir);
		rc = gmf_error_set(rc == GMF_ENOTFOUND ? GMF_EREFUSED : rc,
				   "the journal in '%s' is damaged (%s); nothing "
				   "was touched; %s", dir, saved, sb.buf);
		gmf_strbuf_release(&sb);
		free(saved);
	}
	return rc;
}

/* Versions 1 and 2: op i's copy in a file of its own. */
static int read_copy(const char *dir, journal *j, size_t i, int which, int version)
{
	gmf_journal_op *op = &j->ops[i];
	char *f;
	int rc;

	if (!(which ? op->new_path : op->old_path))
		return 0;
	f = op_file(dir, i, which ? "new" : "orig");
	rc = gmf_fs_read(f, which ? &op->content : &op->orig, which ? &op->len : &op->orig_len);
	rc = check_copy(dir, f, j, i, which, version, rc);
	free(f);
	return rc;
}

/* Version 3: every copy in `data`, in the order of the ops, each op's
 * original before its new content, at the lengths the manifest records. */
static int read_data(const char *dir, journal *j)
{
	char *f = sub(dir, "data"), *data = NULL;
	size_t len = 0, at = 0, want = 0;
	int rc;

	for (size_t i = 0; i < j->n; i++)
		want += (j->ops[i].old_path ? j->rec[i].orig_len : 0) +
			(j->ops[i].new_path ? j->rec[i].new_len : 0);
	/* one byte more than recorded is read too, to be told as damage */
	rc = gmf_fs_read_max(f, &data, &len, want < (size_t)-1 ? want + 1 : want);
	if (rc == 0 && len != want)
		rc = gmf_error_set(GMF_EREFUSED, "'%s' holds %zu bytes, not the %zu its "
				   "manifest records", f, len, want);
	for (size_t i = 0; i < j->n; i++)
		for (int which = 0; which < 2; which++) {
			gmf_journal_op *op = &j->ops[i];
			size_t l = which ? j->rec[i].new_len : j->rec[i].orig_len;
			if (!(which ? op->new_path : op->old_path))
				continue;
			if (rc == 0) {
				char *copy = gmf_xmalloc(l + 1);
				memcpy(copy, data + at, l);
				copy[l] = '\0';
				at += l;
				*(which ? &op->content : &op->orig) = copy;
				*(which ? &op->len : &op->orig_len) = l;
			}
			if ((rc = check_copy(dir, f, j, i, which, 3, rc)) < 0)
				goto out;
		}
out:
	free(data);
	free(f);
	return rc;
}

static int read_copies(const char *dir, journal *j, int version)
{
	int rc;
	if (version >= 3)
		return read_data(dir, j);
	for (size_t i = 0; i < j->n; i++)
		for (int which = 0; which < 2; which++)
			if ((rc = read_copy(dir, j, i, which, version)) < 0)
				return rc;
	return 0;
}

/* A manifest that cannot be parsed. */
static int journal_damaged(const char *dir)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc;
	journal_hint(&sb, dir);
	rc = gmf_error_set(GMF_EPARSE, "the journal in '%s' is damaged; check your "
			   "migrations by hand, then %s", dir, sb.buf);
	gmf_strbuf_release(&sb);
	return rc;
}

static int read_journal(const gmf_journal *t, const char *dir, journal *j, int with_content)
{
	char *path = sub(dir, "manifest"), *data = NULL;
	const char *p;
	size_t len;
	int rc, version;

	memset(j, 0, sizeof(*j));
	rc = gmf_fs_read(path, &data, &len);
	free(path);
	if (rc < 0)
		return rc;
	p = data;
	if ((version = read_header(&p, data + len, j)) < 0 ||
	    read_ops(&p, data + len, j, version) < 0)
		rc = journal_damaged(dir);
	else if ((rc = check_journal_paths(t, dir, j->ops, j->n)) == 0 && with_content)
		rc = read_copies(dir, j, version);
	free(data);
	if (rc < 0)
		journal_release(j);
	return rc;
}

static int is_new_path(const gmf_journal_op *ops, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].new_path && !strcmp(ops[i].new_path, p))
			return 1;
	return 0;
}

static int is_old_path(const gmf_journal_op *ops, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].old_path && !strcmp(ops[i].old_path, p))
			return 1;
	return 0;
}

/* path and other lie in the same directory (by their text). */
static int same_dir(const char *path, const char *other)
{
	const char *a = strrchr(path, '/'), *b = strrchr(other, '/');
	size_t la = a ? (size_t)(a - path) : 0, lb = b ? (size_t)(b - other) : 0;
	return la == lb && !strncmp(path, other, la);
}

static void free_paths(char **paths, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(paths[i]);
	*n = 0;
}

static void sync_parent(const char *path)
{
	char *d = gmf_xstrdup(path), *s = strrchr(d, '/');
	if (s) {
		*(s == d ? s + 1 : s) = '\0';
		(void)gmf_fs_sync_dir(d);
	}
	free(d);
}

/* What path held before the run (which = 0) or after it (which = 1):
 * 1 with the content, or 0 for "absent". */
static int content_of(const gmf_journal_op *ops, size_t n, const char *path, int which,
		      const char **data, size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = which ? ops[i].new_path : ops[i].old_path;
		if (p && !strcmp(p, path)) {
			*data = which ? ops[i].content : ops[i].orig;
			*len = which ? ops[i].len : ops[i].orig_len;
			return 1;
		}
	}
	*data = NULL;
	*len = 0;
	return 0;
}

typedef struct {
	int present;   /* something is there */
	int readable;  /* and it is a regular file read into data */
	char *data;
	size_t len;
} current;

static int read_current(const char *path, current *c)
{
	int rc = gmf_fs_read(path, &c->data, &c->len);
	c->present = rc == 0 || gmf_fs_exists(path); /* a dangling symlink is there */
	c->readable = rc == 0;
	if (rc < 0 && rc != GMF_ENOTFOUND)
		return rc;
	return 0;
}

static int current_is(const current *c, int present, const char *data, size_t len)
{
	if (!c->present || !present)
		return !c->present && !present;
	return c->readable && c->len == len && (!len || !memcmp(c->data, data, len));
}

/* Every path of the run holds what it held before the run or what the
 * run wrote (absent being one of those where it is legitimate): else
 * someone wrote it since, and it must not be overwritten. */
static int verify_files(const gmf_journal_op *ops, size_t n, const char *label,
			const char *txn_dir)
{
	for (size_t i = 0; i < 2 * n; i++) {
		const char *path = i % 2 ? ops[i / 2].new_path : ops[i / 2].old_path;
		const char *before, *after;
		size_t blen, alen;
		int had, has, ok, rc;
		current c = { 0, 0, NULL, 0 };
		if (!path)
			continue;
		had = content_of(ops, n, path, 0, &before, &blen);
		has = content_of(ops, n, path, 1, &after, &alen);
		if ((rc = read_current(path, &c)) < 0) {
			char *saved = gmf_xstrdup(gmf_error_last());
			rc = gmf_error_set(GMF_EREFUSED, "cannot check '%s' before rolling back "
					   "(%s); nothing was touched, and the journal in '%s' "
					   "is kept", path, saved, txn_dir);
			free(saved);
			return rc;
		}
		ok = current_is(&c, had, before, blen) || current_is(&c, has, after, alen);
		free(c.data);
		if (!ok)
			return gmf_error_set(GMF_EREFUSED, "'%s' has changed since the "
					     "interrupted %s wrote it; it is left as it is, and "
					     "so is the journal in '%s'; to keep the files as "
					     "they are now and set that run aside, run "
					     "`git migrate-fix undo --abandon`", path, label,
					     txn_dir);
	}
	return 0;
}

/* Puts every original back. Used on failure and by recovery.  Past the
 * point of no return every file is verified first (verify_files). */
static int roll_back(gmf_journal *t, const char *txn_dir, gmf_journal_op *ops, size_t n,
		     int state, const char *label)
{
	int rc = 0;
	if (state >= ST_COMMITTING) {
		if ((rc = verify_files(ops, n, label, txn_dir)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++)
			if (ops[i].new_path && !is_old_path(ops, n, ops[i].new_path) &&
			    gmf_fs_exists(ops[i].new_path) && gmf_fs_unlink(ops[i].new_path) < 0)
				rc = GMF_EIO;
		for (size_t i = 0; i < n; i++) {
			current c = { 0, 0, NULL, 0 };
			if (!ops[i].old_path)
				continue;
			/* already the original: nothing to write */
			if (read_current(ops[i].old_path, &c) == 0 &&
			    current_is(&c, 1, ops[i].orig, ops[i].orig_len)) {
				free(c.data);
				continue;
			}
			free(c.data);
			if (gmf_fs_write_atomic(ops[i].old_path, ops[i].orig, ops[i].orig_len,
						ops[i].mode) < 0)
				rc = GMF_EIO;
		}
		if (t->stage && rc == 0 && t->stage(t->stage_data, ops, n, 1) < 0)
			rc = GMF_EIO;
	}
	for (size_t i = 0; i < n; i++)
		if (ops[i].new_path) {
			char *tmp = tmp_for(ops[i].new_path);
			if (gmf_fs_exists(tmp))
				(void)gmf_fs_unlink(tmp);
			free(tmp);
		}
	if (rc == 0 && gmf_fs_rmdir_flat(txn_dir) < 0)
		rc = GMF_EIO;
	if (rc < 0)
		gmf_error_set(GMF_EIO, "could not roll back completely (%s); the journal "
			      "in '%s' is kept: run the command again to retry",
			      gmf_error_last(), txn_dir);
	return rc;
}

/* The last step: txn/ becomes last/. Safe to repeat. */
static int finish(gmf_journal *t, const char *txn_dir)
{
	char *last = sub(t->state_dir, "last");
	int rc = gmf_fs_rmdir_flat(last);
	if (rc == 0)
		rc = gmf_fs_rename(txn_dir, last);
	if (rc == 0)
		rc = gmf_fs_sync_dir(t->state_dir);
	free(last);
	return rc;
}

int gmf_journal_pending(const char *state_dir)
{
	char *d = sub(state_dir, "txn");
	int r = gmf_fs_exists(d);
	free(d);
	return r;
}

int gmf_journal_recover(gmf_journal *t, char **what, char **completed)
{
	char *txn_dir = sub(t->state_dir, "txn"), *tmp_dir = sub(t->state_dir, "txn.tmp");
	gmf_strbuf sb = GMF_STRBUF_INIT;
	journal j;
	int rc = 0;

	/* each run resolves each directory once, as it finds it now */
	gmf_fs_inside_forget();

	memset(&j, 0, sizeof(j));
	*what = NULL;
	if (completed)
		*completed = NULL;
	if (gmf_fs_exists(tmp_dir))
		rc = gmf_fs_rmdir_flat(tmp_dir); /* never got going: nothing changed */
	if (rc < 0 || !gmf_fs_exists(txn_dir))
		goto cleanup;
	if ((rc = read_journal(t, txn_dir, &j, 1)) < 0)
		goto cleanup;
	if (j.state == ST_DONE) {
		/* the files are final and staged: only the record is left to
		 * file, but not over files someone changed since */
		if ((rc = verify_files(j.ops, j.n, j.label, txn_dir)) < 0 ||
		    (rc = finish(t, txn_dir)) < 0)
			goto cleanup;
		gmf_strbuf_addf(&sb, "completed an interrupted %s: %s", j.label, j.description);
		if (completed)
			*completed = gmf_xstrdup(j.label);
	} else {
		if ((rc = roll_back(t, txn_dir, j.ops, j.n, j.state, j.label)) < 0)
			goto cleanup;
		gmf_strbuf_addf(&sb, "rolled back an interrupted %s: %s", j.label,
				j.description);
	}
	*what = gmf_strbuf_detach(&sb, NULL);
cleanup:
	gmf_strbuf_release(&sb);
	journal_release(&j);
	free(txn_dir);
	free(tmp_dir);
	return rc;
}

int gmf_journal_abandon(gmf_journal *t, char **where)
{
	char *txn_dir = sub(t->state_dir, "txn");
	gmf_strbuf dest = GMF_STRBUF_INIT;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	journal j;
	int rc;

	/* each run resolves each directory once, as it finds it now */
	gmf_fs_inside_forget();

	*where = NULL;
	if (!gmf_fs_exists(txn_dir)) {
		rc = gmf_error_set(GMF_ENOTFOUND, "there is no interrupted run to abandon");
		goto cleanup;
	}
	/* a journal that names paths elsewhere is refused here too; one too
	 * damaged to read is set aside all the same (that touches nothing) */
	rc = read_journal(t, txn_dir, &j, 0);
	if (rc == GMF_EREFUSED)
		goto cleanup;
	if (rc == 0)
		journal_release(&j);
	gmf_error_clear();
	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	for (int k = 1;; k++) {
		gmf_strbuf_reset(&dest);
		gmf_strbuf_addf(&dest, "%s/abandoned-%s", t->state_dir, stamp);
		if (k > 1)
			gmf_strbuf_addf(&dest, "-%d", k);
		if (!gmf_fs_exists(dest.buf))
			break;
	}
	if ((rc = gmf_fs_rename(txn_dir, dest.buf)) < 0 ||
	    (rc = gmf_fs_sync_dir(t->state_dir)) < 0)
		goto cleanup;
	*where = gmf_strbuf_detach(&dest, NULL);
cleanup:
	gmf_strbuf_release(&dest);
	free(txn_dir);
	return rc;
}

/* What check_op found at an op's paths. */
typedef struct {
	int new_present;
	int old_present;
	struct stat old_st; /* lstat of old_path, when old_present */
} op_found;

/* Op i names a path to replace or one to write, no path an earlier op
 * names, and nothing t does not allow; *found says what is there. */
static int check_op(const gmf_journal *t, const gmf_journal_op *ops, size_t i, op_found *found)
{
	const gmf_journal_op *op = &ops[i];
	const char *outside = NULL;

	if (!op->old_path && !op->new_path)
		return gmf_error_set(GMF_EUSAGE, "an operation with neither a path to "
				     "replace nor one to write");
	for (size_t k = 0; k < i; k++)
		if ((op->old_path && ops[k].old_path && !strcmp(op->old_path, ops[k].old_path)) ||
		    (op->new_path && ops[k].new_path && !strcmp(op->new_path, ops[k].new_path)))
			return gmf_error_set(GMF_EUSAGE, "'%s' appears twice in one change",
					     op->new_path ? op->new_path : op->old_path);
	if (op->old_path &&
	    !path_allowed_lst(t, op->old_path, &found->old_present, &found->old_st))
		outside = op->old_path;
	if (op->new_path && !path_allowed_st(t, op->new_path, &found->new_present))
		outside = outside ? outside : op->new_path;
	if (outside)
		return gmf_error_set(GMF_EREFUSED, "refusing to write '%s': it lies "
				     "outside the repository's version directories (a "
				     "symlink, a version location outside it, or not an "
				     "absolute path without '.' and '..'); nothing was "
				     "changed", outside);
	return 0;
}

#if defined(__APPLE__)
#define J_MTIM(st) ((st)->st_mtimespec)
#define J_CTIM(st) ((st)->st_ctimespec)
#else
#define J_MTIM(st) ((st)->st_mtim)
#define J_CTIM(st) ((st)->st_ctim)
#endif

/* Does the file old_path holds now (its lstat, a) still hold the bytes
 * the caller read (op->known, read when b was its status)?  Only when a
 * regular file's every identity field is unchanged and both its times
 * lie GMF_JOURNAL_RACY_SECONDS before the read: a write after the read
 * then moved its status-change time (a write within the same clock tick
 * as the one before the read could not). */
static int known_still_there(const gmf_journal_op *op, const struct stat *a)
{
	const struct stat *b = &op->known_st;
	time_t limit = op->known_at - GMF_JOURNAL_RACY_SECONDS;
	return S_ISREG(a->st_mode) && S_ISREG(b->st_mode) && a->st_dev == b->st_dev &&
	       a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       (size_t)b->st_size == op->known_len && a->st_mode == b->st_mode &&
	       J_MTIM(a).tv_sec == J_MTIM(b).tv_sec && J_MTIM(a).tv_nsec == J_MTIM(b).tv_nsec &&
	       J_CTIM(a).tv_sec == J_CTIM(b).tv_sec && J_CTIM(a).tv_nsec == J_CTIM(b).tv_nsec &&
	       J_MTIM(b).tv_sec < limit && J_CTIM(b).tv_sec < limit;
}

/* Fills in op's original and mode; the path it writes must be free
 * unless the run replaces what is there.  An original the caller read
 * and that is provably unchanged is taken from it; one read here must
 * be what the caller read, if it read one (its new content was made
 * from those bytes). */
static int read_original(gmf_journal_op *ops, size_t n, gmf_journal_op *op,
			 const op_found *found)
{
	struct stat st;
	int rc;

	free(op->orig);
	op->orig = NULL;
	op->orig_len = 0;
	if (op->old_path && op->have_known && found->old_present &&
	    known_still_there(op, &found->old_st)) {
		op->orig = gmf_xmalloc(op->known_len + 1);
		memcpy(op->orig, op->known, op->known_len);
		op->orig[op->known_len] = '\0';
		op->orig_len = op->known_len;
		op->mode = found->old_st.st_mode & 07777;
	} else if (op->old_path) {
		/* the mode of what was read (a symlink's target, as stat gave) */
		if ((rc = gmf_fs_read_st(op->old_path, &op->orig, &op->orig_len, &st)) < 0)
			return rc;
		op->mode = st.st_mode & 07777;
		if (op->have_known && (op->orig_len != op->known_len ||
				       memcmp(op->orig, op->known, op->known_len)))
			return gmf_error_set(GMF_ECONFLICT, "'%s' changed while "
					     "git-migrate-fix was working on it; nothing "
					     "was changed; run the command again",
					     op->old_path);
	} else if (!op->mode) {
		mode_t um = umask(0);
		umask(um);
		op->mode = 0666 & ~um;
	}
	if (op->new_path && found->new_present && !is_old_path(ops, n, op->new_path))
		return gmf_error_set(GMF_EREFUSED, "'%s' already exists", op->new_path);
	return 0;
}

/* Before touching anything: every op checked and its original read. */
static int read_originals(const gmf_journal *t, gmf_journal_op *ops, size_t n)
{
	int rc;
	for (size_t i = 0; i < n; i++) {
		op_found found;
		memset(&found, 0, sizeof(found));
		if ((rc = check_op(t, ops, i, &found)) < 0 ||
		    (rc = read_original(ops, n, &ops[i], &found)) < 0)
			return rc;
	}
	return 0;
}

/* The journal's copies of every original and new content in tmp_dir:
 * one file, `data` (op by op, the original before the new content),
 * written and fsync'd before the manifest that names them.  One file
 * however many ops: creating a file costs far more than writing one. */
static int write_copies(const char *tmp_dir, const gmf_journal_op *ops, size_t n)
{
	gmf_strbuf data = GMF_STRBUF_INIT;
	char *name = sub(tmp_dir, "data");
	gmf_fs_new_file file;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (ops[i].old_path)
			gmf_strbuf_add(&data, ops[i].orig, ops[i].orig_len);
		if (ops[i].new_path)
			gmf_strbuf_add(&data, ops[i].content, ops[i].len);
	}
	file = (gmf_fs_new_file){ name, data.buf, data.len, 0600, 0 };
	rc = gmf_fs_write_new_all(&file, 1);
	gmf_strbuf_release(&data);
	free(name);
	return rc;
}

/* Step 1: the journal, built as tmp_dir and renamed to txn_dir (state
 * prepared) once durable.  A failure removes both. */
static int write_journal(const gmf_journal *t, const gmf_journal_op *ops, size_t n,
			 const char *label, const char *description, const char *tmp_dir,
			 const char *txn_dir)
{
	int rc;

	if ((rc = gmf_fs_mkdir(t->state_dir, 0700)) < 0)
		return rc;
	if (gmf_fs_exists(tmp_dir) && (rc = gmf_fs_rmdir_flat(tmp_dir)) < 0)
		return rc;
	if ((rc = gmf_fs_mkdir(tmp_dir, 0700)) < 0)
		return rc;
	rc = write_copies(tmp_dir, ops, n);
	if (rc == 0)
		rc = write_manifest(tmp_dir, label, description, ops, n, ST_PREPARED, 1);
	if (rc == 0)
		rc = gmf_fs_sync_dir(tmp_dir);
	if (rc == 0)
		rc = gmf_fs_rename(tmp_dir, txn_dir);
	if (rc == 0)
		rc = gmf_fs_sync_dir(t->state_dir);
	if (rc < 0) {
		char *saved = gmf_xstrdup(gmf_error_last());
		(void)gmf_fs_rmdir_flat(tmp_dir);
		(void)gmf_fs_rmdir_flat(txn_dir);
		gmf_error_set(rc, "%s (nothing was changed)", saved);
		free(saved);
	}
	return rc;
}

/* Step 2: new contents beside their targets, durable before the point
 * of no return: each temporary fsync'd (a stale one from a killed run
 * replaced), never the whole file system. */
static int write_beside(const gmf_journal_op *ops, size_t n)
{
	gmf_fs_new_file *files = gmf_xcalloc(n + 1, sizeof(*files));
	char **names = gmf_xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (ops[i].new_path) {
			names[k] = tmp_for(ops[i].new_path);
			files[k] = (gmf_fs_new_file){ names[k], ops[i].content, ops[i].len,
						      ops[i].mode, 1 };
			k++;
		}
	rc = gmf_fs_write_new_all(files, k);
	free_paths(names, &k);
	free(names);
	free(files);
	return rc;
}

/* The temporaries renamed over their targets, then the paths replaced
 * by none removed. */
static int move_into_place(const gmf_journal_op *ops, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (ops[i].new_path) {
			char *tmp = tmp_for(ops[i].new_path);
			rc = gmf_fs_rename(tmp, ops[i].new_path);
			free(tmp);
		}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (ops[i].old_path && !is_new_path(ops, n, ops[i].old_path))
			rc = gmf_fs_unlink(ops[i].old_path);
	return rc;
}

/* Syncs each directory of the run once (a fix renames many files in one). */
static void sync_dirs(const gmf_journal_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = ops[i].new_path ? ops[i].new_path : ops[i].old_path;
		size_t k;
		for (k = 0; k < i; k++) {
			const char *q = ops[k].new_path ? ops[k].new_path : ops[k].old_path;
			if (same_dir(p, q))
				break;
		}
		if (k == i)
			sync_parent(p);
	}
}

/* Step 3: the point of no return is journaled first (*state then says
 * so), then the files are moved into place. */
static int commit(const char *txn_dir, const gmf_journal_op *ops, size_t n, const char *label,
		  const char *description, int *state)
{
	int rc = write_manifest(txn_dir, label, description, ops, n, ST_COMMITTING, 0);
	if (rc == 0) {
		*state = ST_COMMITTING;
		rc = move_into_place(ops, n);
	}
	if (rc == 0)
		sync_dirs(ops, n);
	return rc;
}

/* Step 4: the index, then the done marker. */
static int stage_and_mark_done(gmf_journal *t, const char *txn_dir, gmf_journal_op *ops, size_t n,
			       const char *label, const char *description)
{
	int rc = 0;
	if (t->stage)
		rc = t->stage(t->stage_data, ops, n, 0);
	if (rc == 0)
		rc = write_manifest(txn_dir, label, description, ops, n, ST_DONE, 0);
	return rc;
}

/* After a step failed with rc in state: every original put back.
 * Returns the code to report, its message saying whether the roll-back
 * worked too. */
static int fail_run(gmf_journal *t, const char *txn_dir, gmf_journal_op *ops, size_t n, int state,
		    const char *label, int rc)
{
	char *saved = gmf_xstrdup(gmf_error_last());
	int code = rc;
	int rb = roll_back(t, txn_dir, ops, n, state, label);
	if (rb < 0) {
		/* a file changed under us is the one thing to act on */
		if (rb == GMF_EREFUSED)
			code = GMF_EREFUSED;
		gmf_error_set(code, "%s; and then %s", saved, gmf_error_last());
	} else {
		gmf_error_set(code, "%s (nothing was changed)", saved);
	}
	free(saved);
	return code;
}

int gmf_journal_apply(gmf_journal *t, gmf_journal_op *ops, size_t n, const char *label,
		  const char *description)
{
	char *txn_dir = sub(t->state_dir, "txn"), *tmp_dir = sub(t->state_dir, "txn.tmp");
	int rc, state = ST_PREPARED;

	/* each run resolves each directory once, as it finds it now */
	gmf_fs_inside_forget();

	if (gmf_fs_exists(txn_dir)) {
		rc = gmf_error_set(GMF_ECONFLICT, "an interrupted run is pending in '%s'",
				   txn_dir);
		goto out;
	}
	if ((rc = read_originals(t, ops, n)) < 0 ||
	    (rc = write_journal(t, ops, n, label, description, tmp_dir, txn_dir)) < 0)
		goto out;
	if (rc == 0)
		rc = write_beside(ops, n);
	if (rc == 0)
		rc = commit(txn_dir, ops, n, label, description, &state);
	if (rc == 0)
		rc = stage_and_mark_done(t, txn_dir, ops, n, label, description);
	if (rc < 0) {
		rc = fail_run(t, txn_dir, ops, n, state, label, rc);
		goto out;
	}
	/* 5. done: keep the record for undo */
	if (finish(t, txn_dir) < 0) {
		gmf_error_set(GMF_EIO, "the change is complete, but its undo record could "
			      "not be saved yet: %s", gmf_error_last());
		rc = GMF_JOURNAL_UNDO_UNSAVED;
	}
out:
	free(txn_dir);
	free(tmp_dir);
	return rc;
}

int gmf_journal_load_undo(gmf_journal *t, gmf_journal_op **out, size_t *nout, char **label,
		      char **description, int force)
{
	char *last = sub(t->state_dir, "last");
	journal j;
	gmf_journal_op *inv;
	int rc;

	/* each run resolves each directory once, as it finds it now */
	gmf_fs_inside_forget();

	*out = NULL;
	*nout = 0;
	rc = read_journal(t, last, &j, 1);
	free(last);
	if (rc == GMF_ENOTFOUND)
		return gmf_error_set(GMF_ENOTFOUND, "nothing to undo");
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < j.n && !force; i++) {
		char *cur = NULL;
		size_t len = 0;
		if (!j.ops[i].new_path)
			continue;
		if (gmf_fs_read(j.ops[i].new_path, &cur, &len) < 0 || len != j.ops[i].len ||
		    memcmp(cur, j.ops[i].content, len)) {
			rc = gmf_error_set(GMF_EREFUSED,
					   "'%s' has changed since the %s it would undo; "
					   "use --force to put the old files back anyway",
					   j.ops[i].new_path, j.label);
			free(cur);
			journal_release(&j);
			return rc;
		}
		free(cur);
	}
	inv = gmf_xcalloc(j.n + 1, sizeof(*inv));
	for (size_t i = 0; i < j.n; i++) {
		inv[i].old_path = j.ops[i].new_path ? gmf_xstrdup(j.ops[i].new_path) : NULL;
		inv[i].new_path = j.ops[i].old_path ? gmf_xstrdup(j.ops[i].old_path) : NULL;
		if (j.ops[i].old_path) {
			inv[i].content = j.ops[i].orig;
			inv[i].len = j.ops[i].orig_len;
			j.ops[i].orig = NULL;
		}
		inv[i].mode = j.ops[i].mode;
		/* what was old is new now: the unmerged bits swap */
		inv[i].tracked = (j.ops[i].tracked & GMF_JOURNAL_TRACKED) |
				 (j.ops[i].tracked & GMF_JOURNAL_OLD_UNMERGED ? GMF_JOURNAL_NEW_UNMERGED : 0) |
				 (j.ops[i].tracked & GMF_JOURNAL_NEW_UNMERGED ? GMF_JOURNAL_OLD_UNMERGED : 0);
	}
	*out = inv;
	*nout = j.n;
	*label = gmf_xstrdup(j.label);
	*description = gmf_xstrdup(j.description);
	journal_release(&j);
	return 0;
}

int gmf_journal_last_description(const char *state_dir, char **label, char **description)
{
	char *last = sub(state_dir, "last"), *path = sub(last, "manifest"), *data = NULL;
	const char *p;
	size_t len;
	journal j;
	int rc;

	*label = *description = NULL;
	memset(&j, 0, sizeof(j));
	rc = gmf_fs_read(path, &data, &len);
	if (rc == 0) {
		p = data;
		if (read_header(&p, data + len, &j) < 0) {
			rc = journal_damaged(last);
		} else {
			*label = j.label;
			*description = j.description;
			j.label = j.description = NULL;
		}
	}
	journal_release(&j);
	free(data);
	free(path);
	free(last);
	return rc;
}

int gmf_journal_record_ref(gmf_journal *t, const char *ref, const char *old_hex,
		       const char *new_hex)
{
	char *last = sub(t->state_dir, "last"), *path = sub(last, "ref");
	gmf_strbuf sb = GMF_STRBUF_INIT;
	int rc;
	gmf_strbuf_addf(&sb, "%s\n%s\n%s\n", ref, old_hex, new_hex);
	rc = gmf_fs_write_atomic(path, sb.buf, sb.len, 0600);
	gmf_strbuf_release(&sb);
	free(path);
	free(last);
	return rc;
}

int gmf_journal_last_ref(gmf_journal *t, char **ref, char **old_hex, char **new_hex)
{
	char *last = sub(t->state_dir, "last"), *path = sub(last, "ref"), *data = NULL;
	char *a, *b, *c;
	size_t len;
	int rc = gmf_fs_read(path, &data, &len);
	*ref = *old_hex = *new_hex = NULL;
	free(path);
	free(last);
	if (rc < 0)
		return rc;
	a = data;
	b = strchr(a, '\n');
	c = b ? strchr(b + 1, '\n') : NULL;
	if (!b || !c || !strchr(c + 1, '\n')) {
		free(data);
		return gmf_error_set(GMF_EPARSE, "the undo record is damaged");
	}
	*ref = gmf_xstrndup(a, (size_t)(b - a));
	*old_hex = gmf_xstrndup(b + 1, (size_t)(c - b - 1));
	*new_hex = gmf_xstrndup(c + 1, (size_t)(strchr(c + 1, '\n') - c - 1));
	free(data);
	return 0;
}
