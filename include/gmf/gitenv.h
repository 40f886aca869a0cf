/* SPDX-License-Identifier: MIT */
/*
 * gitenv: the configuration git hands the programs it runs through the
 * environment: `git -c key=value` (GIT_CONFIG_PARAMETERS, as git quotes
 * it) and GIT_CONFIG_COUNT with GIT_CONFIG_KEY_<n> / GIT_CONFIG_VALUE_<n>.
 * git reads both after every configuration file, the count first, so
 * they win over the files, and `-c` over the count.  libgit2 reads
 * neither: repo.c asks here first.
 *
 * Owns: parsing those variables (read once per process) and looking keys
 * up in them the way git compares keys: section and variable name without
 * regard to case, a subsection exactly.
 * Must never: read a file, or accept a malformed variable in part (a
 * GIT_CONFIG_PARAMETERS that does not parse counts as empty, as git
 * refuses to run with it).
 */
#ifndef GMF_GITENV_H
#define GMF_GITENV_H

#include <stddef.h>

typedef struct {
	char *key;
	char *value; /* NULL: the key alone (`git -c key`), which is true */
} gmf_gitenv_entry;

/* Parses the two variables from the strings given (either may be NULL):
 * params as GIT_CONFIG_PARAMETERS, and count/keys/values as
 * GIT_CONFIG_COUNT and its pairs, read through get (getenv for the
 * process).  Entries in git's order (the count's, then -c's); 0, or -1
 * when params is malformed (then no entry of it is kept). */
int gmf_gitenv_parse(const char *params, const char *(*get)(const char *name),
		     gmf_gitenv_entry **out, size_t *n);
void gmf_gitenv_free(gmf_gitenv_entry *e, size_t n);

/* The process's entries, parsed on first use. */
const gmf_gitenv_entry *gmf_gitenv(size_t *n);

/* 1 when key names the same configuration variable as name. */
int gmf_gitenv_key_is(const char *key, const char *name);

/* The last entry for key among e[0..n), or NULL. */
const gmf_gitenv_entry *gmf_gitenv_last(const gmf_gitenv_entry *e, size_t n, const char *key);

/* git's reading of a boolean: 1 or 0, or -1 when it is not one. */
int gmf_gitenv_bool(const char *value);

#endif
