/* SPDX-License-Identifier: MIT */
/*
 * cache: the parsed migrations of a set of version directories, kept
 * between runs so that a file nobody touched is not opened, read and
 * parsed again.
 *
 * Owns: one file per set of version directories, in the cache directory
 * (GIT_MIGRATE_FIX_CACHE_DIR, else $XDG_CACHE_HOME/git-migrate-fix, else
 * $HOME/.cache/git-migrate-fix): written whole through a temporary file
 * and a rename, or, when a run only adds entries and few of the file's
 * records are unused, by appending one checksummed segment (a segment
 * cut short by a crash, or damaged, is ignored and the next save writes
 * the file anew).
 *
 * An entry is keyed, like a git index entry, on the file's device, inode,
 * size, modification time and status-change time (nanoseconds where the
 * system keeps them).  Any write to a file moves its status-change time
 * (ctime) to the present, and no program can set it back (short of
 * setting the system clock back).  So an entry is
 * only ever written for a file whose both times lie more than
 * GMF_CACHE_RACY_SECONDS before the run that read it: a later change, even
 * within the same clock tick as the reading, then gives the file a later
 * ctime, and its entry no longer matches.
 *
 * Except one kind of write: through a shared memory map (mmap MAP_SHARED)
 * the times move only when a clean page is first written (on ext4; while
 * the page stays dirty, later writes move nothing) or never (tmpfs), so
 * such a file can hold new bytes under an old identity.  Hence the
 * workspace never opens the cache in CI (gmf_workspace_in_ci,
 * workspace.h), and a writer takes an entry only for a file whose bytes,
 * read again, have the entry's content hash (SipHash-2-4 keyed with a
 * random key kept in the cache file, so that nobody who cannot read the
 * file can make two contents collide).  An entry may also keep the git
 * blob id of its bytes: a load of staged blobs (project.h: gmf_staged)
 * takes it for that blob id alone, which no file's times enter.
 *
 * Must never: hand back a migration for a file whose identity differs from
 * its entry's; keep an entry for a file modified less than
 * GMF_CACHE_RACY_SECONDS before the run that read it; trust a cache file
 * that is short, corrupt (checksummed), of another format or version, not
 * owned by the user or writable by others; make a command fail (every
 * problem with the cache means "read the files", silently); run under the
 * fault injector's points (its writes are not the user's files).
 */
#ifndef GMF_CACHE_H
#define GMF_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "gmf/arena.h"
#include "gmf/reader.h"

/* The length of a git object id kept in an entry (SHA-1: libgit2 before
 * 1.7 opens no other kind of repository). */
#define GMF_BLOB_ID_LEN 20

/* Bump when the reader's results or this file format change. */
#define GMF_CACHE_FORMAT 6u
#define GMF_CACHE_RACY_SECONDS 2

/* What identifies a version of a file. */
typedef struct {
	unsigned long long dev, ino, size;
	long long mtime_s, ctime_s;
	long mtime_ns, ctime_ns;
} gmf_file_id;

void gmf_file_id_from_stat(gmf_file_id *id, const struct stat *st);
/* The same version of a file: every field equal. */
int gmf_file_id_same(const gmf_file_id *a, const gmf_file_id *b);

typedef struct gmf_cache gmf_cache;

/*
 * The cache of the directory set named by key (any bytes the caller
 * builds from the directories' identities), loaded if present and sound.
 * NULL when caching is switched off (GIT_MIGRATE_FIX_CACHE=0) or there is
 * no cache directory to use.
 */
gmf_cache *gmf_cache_open(const char *key);
void gmf_cache_close(gmf_cache *c);
/* Entries (records) loaded from disk, numbered 0..count-1; an entry a
 * later one of the same file replaced is never found. */
size_t gmf_cache_count(const gmf_cache *c);
/* The files they are for (the entries not replaced). */
size_t gmf_cache_live(const gmf_cache *c);

/*
 * The entry for (root, prefix + name), if its identity equals *id: fills
 * *m and returns its number (index + 1); 0 when there is none.  Its
 * strings point into the loaded cache file (read-only: valid until
 * gmf_cache_close, never to be written), its arrays are in arena; path,
 * stem and data are left NULL.  hint: the entry's likely position (the
 * file's index).  Thread-safe.
 */
size_t gmf_cache_get(const gmf_cache *c, size_t hint, unsigned root,
		  const char *prefix, const char *name, const gmf_file_id *id,
		  gmf_migration *m, gmf_arena *arena);

/* The hash of a content as entries record it (keyed with this cache
 * file's own random key; never 0); 0 without a cache. */
uint64_t gmf_cache_content_hash(const gmf_cache *c, const void *data, size_t n);
/* The content hash entry recorded for its file (0: unknown). */
uint64_t gmf_cache_entry_content(const gmf_cache *c, size_t entry);
/* The git blob id (GMF_BLOB_ID_LEN bytes) of the content entry was
 * parsed from, into out: 1, or 0 when the entry does not record one (a
 * writer records it where the index can vouch for a file: project.h). */
int gmf_cache_entry_blob(const gmf_cache *c, size_t entry, unsigned char *out);
/* SipHash-2-4 of the n bytes at data with key (for tests). */
uint64_t gmf_siphash24(const uint64_t key[2], const void *data, size_t n);

/* The parts of gmf_cache_get, for a caller that learns a file's identity
 * another way: the entry number of (root, prefix + name) or 0, with the
 * identity it was saved for in *id; *m from entry (1, or 0 when it does
 * not decode).  Thread-safe. */
size_t gmf_cache_find(const gmf_cache *c, size_t hint, unsigned root, const char *prefix,
		      const char *name, gmf_file_id *id);
int gmf_cache_decode(const gmf_cache *c, size_t entry, gmf_migration *m, gmf_arena *arena);

/* One file of a run, for gmf_cache_save. */
typedef struct {
	unsigned root;
	const char *prefix, *name;
	size_t entry;                 /* from the cache: gmf_cache_get's number */
	const gmf_file_id *id;        /* else read: NULL when unknown, not saved */
	uint64_t content;             /* and the hash of the bytes read, or 0 */
	const unsigned char *blob;    /* and their git blob id, or NULL */
	const gmf_migration *mig;     /* NULL: unreadable, not saved */
} gmf_cache_file;

/* Whether a file of this identity, just read, would be saved (not racy). */
int gmf_cache_keeps(const gmf_cache *c, const gmf_file_id *id);
/* Whether gmf_cache_save may write anything after a run that took hits
 * entries from the cache and read kept files it would keep. */
int gmf_cache_needs_save(const gmf_cache *c, size_t hits, size_t kept);

/*
 * Writes the entries of files that are not racy (see above), when they
 * differ from what was loaded: appends those of the files read when the
 * file loaded is sound and holds few unused records, else replaces the
 * file with exactly the entries of files (unused ones dropped).  Returns 1
 * when it wrote, 0 when nothing needed writing, -1 when writing failed (no
 * error is set: the cache is an optimisation).
 */
int gmf_cache_save(gmf_cache *c, const gmf_cache_file *files, size_t n,
		   size_t hits);

/* Entry i's key (for tests and fuzzing); 0 when there is no such entry. */
int gmf_cache_entry(const gmf_cache *c, size_t i, unsigned *root, const char **name,
		    gmf_file_id *id);

/* The checksum of a cache file's records (for tests and fuzzing). */
uint64_t gmf_cache_checksum(const void *data, size_t n);

/* Frees the index (after the last get and save): only gmf_cache_close
 * may follow, and the strings handed out stay valid until then. */
void gmf_cache_drop_index(gmf_cache *c);

/* The file the cache lives in (for messages and tests). */
const char *gmf_cache_path(const gmf_cache *c);

/* Is caching switched off (GIT_MIGRATE_FIX_CACHE=0, false, no or off)?
 * The parse cache and the workspace's environment list both obey it. */
int gmf_cache_switched_off(void);

#endif
