/* SPDX-License-Identifier: MIT */
/*
 * diff: a unified diff of two versions of one file, for `--dry-run`.
 * Owns: turning old and new bytes into `---`/`+++`/`@@` text with three
 * lines of context.  The repair only ever replaces bytes inside lines, so
 * equal line counts are compared line by line; otherwise the changed middle
 * (after the common head and tail) is shown as one hunk.
 */
#ifndef GMF_DIFF_H
#define GMF_DIFF_H

#include <stddef.h>

#include "gmf/strbuf.h"

void gmf_diff_unified(gmf_strbuf *out, const char *old_label, const char *a,
		      size_t alen, const char *new_label, const char *b, size_t blen);

#endif
