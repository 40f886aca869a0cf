/* SPDX-License-Identifier: MIT */
/*
 * reader: turns the bytes of one Alembic migration file into a gmf_migration.
 *
 * Owns: recognising the module-level `revision`, `down_revision`,
 * `branch_labels` and `depends_on` assignments in every form listed in the
 * shared alembic-syntax notes, and the docstring header (`Revision ID:`,
 * `Revises:`, `Create Date:`), recording the exact byte span of every value
 * so a writer can later change those bytes and nothing else.
 * It also reads the one form of a branch label held in another module
 * that is safe without Python: a name the migration imports, bound once
 * in that module to a plain string literal (gmf_reader_name_source,
 * gmf_reader_string_constant).
 * Must never: execute or import Python, guess at a value it cannot read
 * (an expression is kept opaque and said so), or crash on hostile bytes.
 */
#ifndef GMF_READER_H
#define GMF_READER_H

#include <stddef.h>
#include <sys/stat.h>

#include "gmf/arena.h"

/* A byte range of the file, plus the 1-based line where it starts (32
 * bits each: a graph holds eight of them per migration, and the reader
 * refuses a file of GMF_READER_MAX_BYTES or more). */
typedef struct {
	unsigned off;
	unsigned len;
	unsigned line;
} gmf_span;

#define GMF_READER_MAX_BYTES 0xfffffff0u

typedef enum {
	GMF_VAL_MISSING = 0, /* no assignment at all (Alembic: None) */
	GMF_VAL_NONE,        /* `= None` */
	GMF_VAL_STRING,      /* `= "abc"`, `= u'abc'`, `= ("abc")` */
	GMF_VAL_SEQ,         /* `= ("a", "b")`, `= ["a"]`, `= ()` */
	GMF_VAL_OPAQUE,      /* an expression: kept, reported, never guessed */
} gmf_value_kind;

typedef struct {
	char *text;    /* the id, without quotes */
	gmf_span span; /* the bytes between the quotes */
} gmf_str;

typedef struct {
	gmf_str *items;  /* STRING: one item; SEQ: zero or more */
	size_t nitems;
	gmf_span whole;  /* the whole value expression (after `=`) */
	gmf_value_kind kind;
	unsigned line;   /* line of the assignment statement */
	int assignments; /* how many top-level assignments were seen, plus
	                  * GMF_VALUE_DIFFERED when two of them differ */
} gmf_value;

/* In gmf_value.assignments: a later assignment gave another value. */
#define GMF_VALUE_DIFFERED 0x40000000
#define GMF_VALUE_COUNT(v) ((v)->assignments & ~GMF_VALUE_DIFFERED)

/* One `Key: value` line of the docstring header. */
typedef struct {
	int present;
	gmf_span value;  /* the value text, trimmed, on that line */
	char *text;      /* copy of the value text */
} gmf_header_field;

typedef struct {
	char *path;      /* as given to the reader */
	char *stem;      /* file name without directory and `.py` */

	gmf_value revision;
	gmf_value down_revision;
	gmf_value branch_labels;
	gmf_value depends_on;

	int has_docstring;
	gmf_span docstring;   /* the header docstring, quotes included */
	char *message;        /* first line of that docstring, trimmed */
	gmf_header_field hdr_revision; /* Revision ID: */
	gmf_header_field hdr_revises;  /* Revises: */
	gmf_header_field hdr_date;     /* Create Date: */
	char **hdr_revises_ids;        /* Revises: split into ids */
	size_t hdr_nrevises;

	gmf_arena *arena;     /* when not NULL, holds the strings above:
	                       * they live and die with it */
	int bom;              /* file starts with a UTF-8 byte order mark */
	int crlf;             /* file uses CRLF line endings */
	char *data;           /* the file's bytes (owned), NUL-terminated, or
	                       * NULL after gmf_migration_drop_data */
	size_t size;
} gmf_migration;

/* Where and why a file could not be read. */
typedef struct {
	unsigned line;        /* 0 when the problem is not tied to a line */
	int unreadable;       /* binary, bad encoding or I/O rather than syntax */
	char message[256];
} gmf_diag;

/*
 * Parses buf (len bytes; need not be NUL-terminated).  The migration takes
 * a copy of the bytes.  Returns 0, or GMF_EPARSE with diag filled in (binary
 * data, invalid UTF-8, no `revision`, an expression where a literal id is
 * needed, an unterminated string).  Opaque branch_labels/depends_on are not
 * errors: their kind says so.
 */
int gmf_migration_parse(gmf_migration *out, const char *path,
			const char *buf, size_t len, gmf_diag *diag);
/* Reads the file at path and parses it; GMF_EIO when it cannot be read. */
int gmf_migration_read(gmf_migration *out, const char *path, gmf_diag *diag);
/* The same, opening `name` relative to the open directory dirfd (no path
 * walk per file); path is what the migration records. */
int gmf_migration_readat(gmf_migration *out, int dirfd, const char *name,
			 const char *path, gmf_diag *diag);
/* The same, taking the strings from arena (one per thread; the caller
 * keeps it alive as long as the migration). */
int gmf_migration_readat_in(gmf_migration *out, gmf_arena *arena, int dirfd,
			    const char *name, const char *path, gmf_diag *diag);
/* The same, also giving the file's status as read (when it could be
 * opened and is a regular file), for the parse cache. */
int gmf_migration_readat_st(gmf_migration *out, gmf_arena *arena, int dirfd,
			    const char *name, const char *path, gmf_diag *diag,
			    struct stat *st_out);
/* The two halves of gmf_migration_readat_st: the file's bytes (*out,
 * malloc'd, NUL-terminated; *st_out its fstat), then their parse, which
 * takes buf over (the migration owns it, as after readat_st). */
int gmf_migration_read_bytes(int dirfd, const char *name, const char *path, char **out,
			     size_t *out_len, struct stat *st_out, gmf_diag *diag);
int gmf_migration_parse_taking(gmf_migration *m, gmf_arena *arena, const char *path,
			       char *buf, size_t len, gmf_diag *diag);
void gmf_migration_release(gmf_migration *m);
/* Frees the file's bytes (m->data becomes NULL): spans, ids and header
 * texts stay.  A checker reading ten thousand files keeps none of them. */
void gmf_migration_drop_data(gmf_migration *m);
/* Reads the bytes back for a rewrite; GMF_ECONFLICT when the file no
 * longer holds what was parsed (same size, same spans and ids). */
int gmf_migration_load_data(gmf_migration *m);
/* The same, giving in *st the status of the file as read (st_mode 0 when
 * nothing was read: the bytes were still there). */
int gmf_migration_load_data_st(gmf_migration *m, struct stat *st);

/* Compiles the patterns; call once before parsing on several threads. */
int gmf_reader_init(void);
/* Frees this thread's match data (a thread that parsed calls it). */
void gmf_reader_thread_cleanup(void);

/*
 * What a name in branch_labels stands for (`cli.CONTRACT_BRANCH`,
 * `CONTRACT_BRANCH`), from the module-level imports in a migration's
 * bytes: `from a.b import cli` gives *module "a.b.cli" and *name
 * "CONTRACT_BRANCH"; `from a.b.cli import CONTRACT_BRANCH` the same; a
 * bare name no import binds gives *module NULL (the file's own constant).
 * 1 when found (the caller frees both), 0 when the name cannot be
 * followed (a relative or star import, two different imports, not a
 * dotted name).  Nothing is imported.
 */
int gmf_reader_name_source(const char *buf, size_t len, const char *expr, char **module,
			   char **name);
/*
 * The value of a module-level `name = "literal"` (a plain one-line string)
 * in a Python file's bytes: 1 with *value (freed by the caller) and *line
 * when that is the only way the file binds name (no second value, no
 * import, loop, `global`, `del`, keyword argument or star import that
 * could rebind it); 0 otherwise.
 */
int gmf_reader_string_constant(const char *buf, size_t len, const char *name, char **value,
			       unsigned *line);

/* 1-based line number of byte offset off in buf. */
unsigned gmf_line_of(const char *buf, size_t len, size_t off);

/*
 * True when id is safe to use as a revision id and inside a file name:
 * non-empty, no '/', '\\', NUL, control characters, quotes, whitespace, no
 * "..", and none of the characters Alembic forbids (@ - + :).
 */
int gmf_revision_id_is_safe(const char *id);

#endif
