/* SPDX-License-Identifier: MIT */
/*
 * path: lexical path arithmetic (join, make absolute, normalise, relative).
 * Must never: touch the file system (no realpath), so results are
 * predictable and symlinks are the caller's decision.
 */
#ifndef GMF_PATH_H
#define GMF_PATH_H

/* All return newly allocated strings. */
char *gmf_path_join(const char *a, const char *b);
/* Makes p absolute against base (unless it already is) and normalises it:
 * no `.` parts, `..` folded lexically, no repeated or trailing '/'. */
char *gmf_path_absolute(const char *base, const char *p);
/* The path of `to` as seen from directory `from` (both absolute). */
char *gmf_path_relative(const char *from, const char *to);
/* The current directory, or NULL. */
char *gmf_path_cwd(void);
/* True when `inner` is `outer` or below it (both absolute, normalised). */
int gmf_path_is_within(const char *outer, const char *inner);

#endif
