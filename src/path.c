/* SPDX-License-Identifier: MIT */
/* path: see include/gmf/path.h. */
#include "gmf/path.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmf/strbuf.h"

char *gmf_path_join(const char *a, const char *b)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	if (b[0] == '/' || !a[0])
		return gmf_xstrdup(b);
	gmf_strbuf_adds(&sb, a);
	if (sb.len && sb.buf[sb.len - 1] != '/')
		gmf_strbuf_addch(&sb, '/');
	gmf_strbuf_adds(&sb, b);
	return gmf_strbuf_detach(&sb, NULL);
}

char *gmf_path_absolute(const char *base, const char *p)
{
	char *joined = p[0] == '/' ? gmf_xstrdup(p) : gmf_path_join(base, p);
	gmf_strbuf out = GMF_STRBUF_INIT;
	const char *s = joined;

	while (*s) {
		const char *e;
		size_t n;
		while (*s == '/')
			s++;
		if (!*s)
			break;
		e = strchr(s, '/');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = strrchr(out.buf, '/');
			gmf_strbuf_setlen(&out, slash ? (size_t)(slash - out.buf) : 0);
		} else {
			gmf_strbuf_addch(&out, '/');
			gmf_strbuf_add(&out, s, n);
		}
		s += n;
	}
	if (!out.len)
		gmf_strbuf_addch(&out, '/');
	free(joined);
	return gmf_strbuf_detach(&out, NULL);
}

int gmf_path_is_within(const char *outer, const char *inner)
{
	size_t n = strlen(outer);
	if (n == 1 && outer[0] == '/')
		return inner[0] == '/';
	return !strncmp(outer, inner, n) && (inner[n] == '\0' || inner[n] == '/');
}

char *gmf_path_relative(const char *from, const char *to)
{
	gmf_strbuf sb = GMF_STRBUF_INIT;
	size_t common = 0, i;
	const char *rest;

	if (!strcmp(from, to))
		return gmf_xstrdup(".");
	/* longest common directory prefix */
	for (i = 0; from[i] && to[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	if (!from[i] && (to[i] == '/' || !to[i]))
		common = i;
	else if (!to[i] && from[i] == '/')
		common = i;
	/* climb out of from's remaining parts */
	for (const char *f = from + common; *f; f++)
		if (*f == '/' && f[1])
			gmf_strbuf_adds(&sb, "../");
	rest = to + common;
	while (*rest == '/')
		rest++;
	gmf_strbuf_adds(&sb, rest);
	if (!sb.len)
		gmf_strbuf_addch(&sb, '.');
	else if (sb.buf[sb.len - 1] == '/')
		gmf_strbuf_setlen(&sb, sb.len - 1);
	return gmf_strbuf_detach(&sb, NULL);
}

char *gmf_path_cwd(void)
{
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof(buf)))
		return NULL;
	return gmf_xstrdup(buf);
}
