/* SPDX-License-Identifier: MIT */
/* state: see include/gmf/state.h. */
#include "gmf/state.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gmf/error.h"
#include "gmf/strbuf.h"

/* FNV-1a with a final mix: names a directory, not a secret. */
static uint64_t path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* base with symlinks resolved as far as it exists */
static char *resolve_existing(const char *base)
{
	char *r = realpath(base, NULL);
	return r ? r : gmf_xstrdup(base);
}

char *gmf_state_dir(const char *gitdir, const char *project_top)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	char *top = NULL, *base = NULL, *out = NULL;
	const char *e, *name;

	if (gitdir && *gitdir) {
		size_t n = strlen(gitdir);
		while (n > 1 && gitdir[n - 1] == '/')
			n--;
		gmf_strbuf_add(&sb, gitdir, n);
		gmf_strbuf_adds(&sb, "/migrate-fix");
		return gmf_strbuf_detach(&sb, NULL);
	}
	if (!project_top || !(top = realpath(project_top, NULL))) {
		gmf_error_set(GMF_ENOTFOUND, "cannot resolve the project directory '%s': %s",
			      project_top ? project_top : "", strerror(errno));
		goto cleanup;
	}
	if ((e = getenv("XDG_STATE_HOME")) && e[0] == '/')
		gmf_strbuf_addf(&sb, "%s", e);
	else if ((e = getenv("HOME")) && e[0] == '/')
		gmf_strbuf_addf(&sb, "%s/.local/state", e);
	else {
		gmf_error_set(GMF_ENOTFOUND, "no place for the state of '%s' outside git: "
			      "set HOME or XDG_STATE_HOME to an absolute path", top);
		goto cleanup;
	}
	/* the user's own state directory, even when the project contains it
	 * (a project that is the home directory): what a project ships is
	 * never read because no project names this place, and whatever a
	 * journal names must still lie in the version directories (journal.h) */
	base = resolve_existing(sb.buf);
	gmf_strbuf_reset(&sb);
	name = strrchr(top, '/');
	name = name && name[1] ? name + 1 : "root";
	gmf_strbuf_addf(&sb, "%s/git-migrate-fix/projects/", base);
	/* the name is only for people: anything unusual becomes '_' */
	for (; *name; name++) {
		char c = *name;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		gmf_strbuf_addch(&sb, plain ? c : '_');
	}
	gmf_strbuf_addf(&sb, "-%016llx", (unsigned long long)path_hash(top));
	out = gmf_strbuf_detach(&sb, NULL);
cleanup:
	gmf_strbuf_release(&sb);
	free(top);
	free(base);
	return out;
}

int gmf_state_dir_make(const char *dir)
{
	char *p = NULL;
	struct stat st;
	int rc = 0;

	if (!dir || dir[0] != '/')
		return gmf_error_set(GMF_EUSAGE, "the state directory '%s' is not absolute",
				     dir ? dir : "");
	p = gmf_xstrdup(dir);
	/* each missing component 0700, the last one included */
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST) {
				rc = gmf_error_set(GMF_EIO, "cannot create directory '%s': %s", p,
						   strerror(errno));
				goto cleanup;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (lstat(dir, &st) < 0) {
		rc = gmf_error_set(GMF_EIO, "cannot read '%s': %s", dir, strerror(errno));
		goto cleanup;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		rc = gmf_error_set(GMF_EREFUSED, "refusing to use the state directory '%s': %s",
				   dir, !S_ISDIR(st.st_mode) ? "it is not a directory"
				   : st.st_uid != geteuid() ? "another user owns it"
				   : "others can write to it");
		goto cleanup;
	}
cleanup:
	free(p);
	return rc;
}
