/* txn: see include/gmf/txn.h. */
#include "gmf/txn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gmf/error.h"
#include "gmf/fs.h"
#include "gmf/strbuf.h"

enum { ST_PREPARED, ST_COMMITTING, ST_DONE };
static const char *const state_names[] = { "prepared", "committing", "done" };

typedef struct {
	int state;
	char *label;
	char *description;
	gmf_txn_op *ops;
	size_t n;
} journal;

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

void gmf_txn_ops_free(gmf_txn_op *ops, size_t n)
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
	gmf_txn_ops_free(j->ops, j->n);
	memset(j, 0, sizeof(*j));
}

static void add_path(gmf_strbuf *sb, const char *key, const char *p)
{
	gmf_strbuf_addf(sb, "%s %zu %s\n", key, strlen(p), p);
}

static int write_manifest(const char *dir, const char *label, const char *desc,
			  const gmf_txn_op *ops, size_t n, int state, int fresh)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char *path = sub(dir, "manifest");
	int rc;

	gmf_strbuf_addf(&sb, "gmf-journal 1\nstate %s\nlabel %s\n", state_names[state], label);
	add_path(&sb, "desc", desc ? desc : "");
	for (size_t i = 0; i < n; i++) {
		gmf_strbuf_addf(&sb, "op %zu %o %d %d %d\n", i, ops[i].mode, ops[i].tracked,
				ops[i].old_path != NULL, ops[i].new_path != NULL);
		if (ops[i].old_path)
			add_path(&sb, "old", ops[i].old_path);
		if (ops[i].new_path)
			add_path(&sb, "new", ops[i].new_path);
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
	if ((size_t)(end - *p) < kl + 2 || strncmp(*p, key, kl) || (*p)[kl] != ' ')
		return NULL;
	*p += kl + 1;
	len = strtoul(*p, &stop, 10);
	if (stop == *p || *stop != ' ' || (size_t)(end - stop - 1) < len + 1)
		return NULL;
	*p = stop + 1 + len + 1;
	return gmf_xstrndup(stop + 1, len);
}

static int read_journal(const char *dir, journal *j, int with_content)
{
	char *path = sub(dir, "manifest"), *data = NULL, *line_end;
	const char *p, *end;
	size_t len;
	int rc;

	memset(j, 0, sizeof(*j));
	rc = gmf_fs_read(path, &data, &len);
	free(path);
	if (rc < 0)
		return rc;
	p = data;
	end = data + len;
	if (strncmp(p, "gmf-journal 1\nstate ", 20))
		goto bad;
	p += 20;
	for (j->state = 0; j->state < 3; j->state++)
		if (!strncmp(p, state_names[j->state], strlen(state_names[j->state])))
			break;
	if (j->state == 3)
		goto bad;
	if (!(p = strchr(p, '\n')) || strncmp(p + 1, "label ", 6))
		goto bad;
	p += 7;
	if (!(line_end = memchr(p, '\n', (size_t)(end - p))))
		goto bad;
	j->label = gmf_xstrndup(p, (size_t)(line_end - p));
	p = line_end + 1;
	if (!(j->description = read_path(&p, end, "desc")))
		goto bad;
	while (p < end && !strncmp(p, "op ", 3)) {
		gmf_txn_op *op;
		size_t idx;
		unsigned mode;
		int tracked, has_old, has_new;
		if (sscanf(p, "op %zu %o %d %d %d", &idx, &mode, &tracked, &has_old, &has_new) != 5 ||
		    idx != j->n)
			goto bad;
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			goto bad;
		p++;
		j->ops = gmf_xrealloc(j->ops, (j->n + 1) * sizeof(*j->ops));
		op = &j->ops[j->n++];
		memset(op, 0, sizeof(*op));
		op->mode = mode;
		op->tracked = tracked;
		if (has_old && !(op->old_path = read_path(&p, end, "old")))
			goto bad;
		if (has_new && !(op->new_path = read_path(&p, end, "new")))
			goto bad;
		if (with_content) {
			char *f;
			if (has_old) {
				f = op_file(dir, idx, "orig");
				rc = gmf_fs_read(f, &op->orig, &op->orig_len);
				free(f);
				if (rc < 0)
					goto fail;
			}
			if (has_new) {
				f = op_file(dir, idx, "new");
				rc = gmf_fs_read(f, &op->content, &op->len);
				free(f);
				if (rc < 0)
					goto fail;
			}
		}
	}
	if (strncmp(p, "end\n", 4))
		goto bad;
	free(data);
	return 0;
bad:
	rc = gmf_error_set(GMF_EPARSE, "the journal in '%s' is damaged; remove that "
			   "directory after checking your migrations by hand", dir);
fail:
	free(data);
	journal_release(j);
	return rc;
}

static int is_new_path(const gmf_txn_op *ops, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].new_path && !strcmp(ops[i].new_path, p))
			return 1;
	return 0;
}

static int is_old_path(const gmf_txn_op *ops, size_t n, const char *p)
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

/* Puts every original back. Used on failure and by recovery. */
static int roll_back(gmf_txn *t, const char *txn_dir, gmf_txn_op *ops, size_t n,
		     int state)
{
	int rc = 0;
	if (state >= ST_COMMITTING) {
		for (size_t i = 0; i < n; i++)
			if (ops[i].new_path && !is_old_path(ops, n, ops[i].new_path) &&
			    gmf_fs_unlink(ops[i].new_path) < 0)
				rc = GMF_EIO;
		for (size_t i = 0; i < n; i++)
			if (ops[i].old_path &&
			    gmf_fs_write_atomic(ops[i].old_path, ops[i].orig, ops[i].orig_len,
						ops[i].mode) < 0)
				rc = GMF_EIO;
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
static int finish(gmf_txn *t, const char *txn_dir)
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

int gmf_txn_pending(const char *state_dir)
{
	char *d = sub(state_dir, "txn");
	int r = gmf_fs_exists(d);
	free(d);
	return r;
}

int gmf_txn_recover(gmf_txn *t, char **what, char **completed)
{
	char *txn_dir = sub(t->state_dir, "txn"), *tmp_dir = sub(t->state_dir, "txn.tmp");
	journal j;
	int rc = 0;

	*what = NULL;
	if (completed)
		*completed = NULL;
	if (gmf_fs_exists(tmp_dir))
		rc = gmf_fs_rmdir_flat(tmp_dir); /* never got going: nothing changed */
	if (rc == 0 && gmf_fs_exists(txn_dir)) {
		rc = read_journal(txn_dir, &j, 1);
		if (rc == 0) {
			gmf_strbuf sb = GMF_STRBUF_INIT;
			if (j.state == ST_DONE) {
				rc = finish(t, txn_dir);
				gmf_strbuf_addf(&sb, "completed an interrupted %s: %s", j.label,
						j.description);
				if (rc == 0 && completed)
					*completed = gmf_xstrdup(j.label);
			} else {
				rc = roll_back(t, txn_dir, j.ops, j.n, j.state);
				gmf_strbuf_addf(&sb, "rolled back an interrupted %s: %s", j.label,
						j.description);
			}
			if (rc == 0)
				*what = gmf_strbuf_detach(&sb, NULL);
			gmf_strbuf_release(&sb);
			journal_release(&j);
		}
	}
	free(txn_dir);
	free(tmp_dir);
	return rc;
}

int gmf_txn_apply(gmf_txn *t, gmf_txn_op *ops, size_t n, const char *label,
		  const char *description)
{
	char *txn_dir = sub(t->state_dir, "txn"), *tmp_dir = sub(t->state_dir, "txn.tmp");
	char **synced = NULL; /* files written, to be made durable together */
	size_t nsynced = 0;
	int rc = 0, state = ST_PREPARED;
	size_t i;

	if (gmf_fs_exists(txn_dir)) {
		rc = gmf_error_set(GMF_ECONFLICT, "an interrupted run is pending in '%s'",
				   txn_dir);
		goto out;
	}
	/* read originals and check targets before touching anything */
	for (i = 0; i < n; i++) {
		gmf_txn_op *op = &ops[i];
		const char *outside = NULL;
		if (t->root && op->old_path && !gmf_fs_inside(t->root, op->old_path))
			outside = op->old_path;
		if (t->root && op->new_path && !gmf_fs_inside(t->root, op->new_path))
			outside = outside ? outside : op->new_path;
		if (outside) {
			rc = gmf_error_set(GMF_EREFUSED, "refusing to write '%s': it lies "
					   "outside the repository (a symlink, or a version "
					   "location outside it); nothing was changed", outside);
			goto out;
		}
		free(op->orig);
		op->orig = NULL;
		op->orig_len = 0;
		if (op->old_path) {
			if ((rc = gmf_fs_read(op->old_path, &op->orig, &op->orig_len)) < 0)
				goto out;
			op->mode = gmf_fs_mode(op->old_path);
		} else if (!op->mode) {
			mode_t um = umask(0);
			umask(um);
			op->mode = 0666 & ~um;
		}
		if (op->new_path && gmf_fs_exists(op->new_path) &&
		    !is_old_path(ops, n, op->new_path)) {
			rc = gmf_error_set(GMF_EREFUSED, "'%s' already exists", op->new_path);
			goto out;
		}
	}
	/* 1. the journal */
	if ((rc = gmf_fs_mkdir(t->state_dir, 0700)) < 0)
		goto out;
	if (gmf_fs_exists(tmp_dir) && (rc = gmf_fs_rmdir_flat(tmp_dir)) < 0)
		goto out;
	if ((rc = gmf_fs_mkdir(tmp_dir, 0700)) < 0)
		goto out;
	/* written first, then made durable together (one journal commit on
	 * Linux), before the manifest that names them */
	synced = gmf_xcalloc(2 * n + 1, sizeof(char *));
	for (i = 0; i < n && rc == 0; i++) {
		char *f;
		if (ops[i].old_path) {
			f = op_file(tmp_dir, i, "orig");
			rc = gmf_fs_write_new_unsynced(f, ops[i].orig, ops[i].orig_len, 0600);
			synced[nsynced++] = f;
		}
		if (rc == 0 && ops[i].new_path) {
			f = op_file(tmp_dir, i, "new");
			rc = gmf_fs_write_new_unsynced(f, ops[i].content, ops[i].len, 0600);
			synced[nsynced++] = f;
		}
	}
	if (rc == 0)
		rc = gmf_fs_sync_files((const char *const *)synced, nsynced);
	free_paths(synced, &nsynced);
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
		goto out;
	}
	/* 2. new contents beside their targets, durable before the point of
	 * no return */
	for (i = 0; i < n && rc == 0; i++)
		if (ops[i].new_path) {
			char *tmp = tmp_for(ops[i].new_path);
			if (gmf_fs_exists(tmp))
				(void)gmf_fs_unlink(tmp);
			rc = gmf_fs_write_new_unsynced(tmp, ops[i].content, ops[i].len,
						       ops[i].mode);
			if (rc == 0)
				synced[nsynced++] = tmp;
			else
				free(tmp);
		}
	if (rc == 0)
		rc = gmf_fs_sync_files((const char *const *)synced, nsynced);
	free_paths(synced, &nsynced);
	/* 3. the point of no return is journaled first */
	if (rc == 0 && (rc = write_manifest(txn_dir, label, description, ops, n,
					    ST_COMMITTING, 0)) == 0)
		state = ST_COMMITTING;
	for (i = 0; i < n && rc == 0; i++)
		if (ops[i].new_path) {
			char *tmp = tmp_for(ops[i].new_path);
			rc = gmf_fs_rename(tmp, ops[i].new_path);
			free(tmp);
		}
	for (i = 0; i < n && rc == 0; i++)
		if (ops[i].old_path && !is_new_path(ops, n, ops[i].old_path))
			rc = gmf_fs_unlink(ops[i].old_path);
	for (i = 0; i < n && rc == 0; i++) {
		/* each directory once (a fix renames many files in one) */
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
	/* 4. the index */
	if (rc == 0 && t->stage)
		rc = t->stage(t->stage_data, ops, n, 0);
	if (rc == 0)
		rc = write_manifest(txn_dir, label, description, ops, n, ST_DONE, 0);
	if (rc < 0) {
		char *saved = gmf_xstrdup(gmf_error_last());
		int code = rc;
		if (roll_back(t, txn_dir, ops, n, state) < 0) {
			gmf_error_set(code, "%s; and then %s", saved, gmf_error_last());
		} else {
			gmf_error_set(code, "%s (nothing was changed)", saved);
		}
		free(saved);
		rc = code;
		goto out;
	}
	/* 5. done: keep the record for undo */
	if (finish(t, txn_dir) < 0) {
		gmf_error_set(GMF_EIO, "the change is complete, but its undo record could "
			      "not be saved yet: %s", gmf_error_last());
		rc = GMF_TXN_UNDO_UNSAVED;
	}
out:
	if (synced)
		free_paths(synced, &nsynced);
	free(synced);
	free(txn_dir);
	free(tmp_dir);
	return rc;
}

int gmf_txn_load_undo(gmf_txn *t, gmf_txn_op **out, size_t *nout, char **label,
		      char **description, int force)
{
	char *last = sub(t->state_dir, "last");
	journal j;
	gmf_txn_op *inv;
	int rc;

	*out = NULL;
	*nout = 0;
	rc = read_journal(last, &j, 1);
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
		inv[i].tracked = j.ops[i].tracked;
	}
	*out = inv;
	*nout = j.n;
	*label = gmf_xstrdup(j.label);
	*description = gmf_xstrdup(j.description);
	journal_release(&j);
	return 0;
}

int gmf_txn_record_ref(gmf_txn *t, const char *ref, const char *old_hex,
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

int gmf_txn_last_ref(gmf_txn *t, char **ref, char **old_hex, char **new_hex)
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
