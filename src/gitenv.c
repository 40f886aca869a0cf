/* SPDX-License-Identifier: MIT */
/* gitenv: see include/gmf/gitenv.h. */
#include "gmf/gitenv.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gmf/strbuf.h"

static void push(gmf_gitenv_entry **e, size_t *n, size_t *alloc, const char *key, size_t klen,
		 const char *value, size_t vlen)
{
	GMF_ALLOC_GROW(*e, *n + 1, *alloc);
	(*e)[*n].key = gmf_xstrndup(key, klen);
	(*e)[*n].value = value ? gmf_xstrndup(value, vlen) : NULL;
	(*n)++;
}

/*
 * One shell-quoted word at *p, as git writes them: '...' with a quote or
 * a ! inside written '\'' or '\!'.  The word goes into sb; *p moves past
 * it.  -1 when *p does not start one or it does not end.
 */
static int sq_word(const char **p, gmf_strbuf *sb)
{
	const char *s = *p;
	gmf_strbuf_reset(sb);
	if (*s != '\'')
		return -1;
	s++;
	for (;;) {
		if (!*s)
			return -1;
		if (*s != '\'') {
			gmf_strbuf_addch(sb, *s++);
			continue;
		}
		/* a quote: the end of the word, unless '\'' or '\!' follows */
		if (s[1] == '\\' && (s[2] == '\'' || s[2] == '!') && s[3] == '\'') {
			gmf_strbuf_addch(sb, s[2]);
			s += 4;
			continue;
		}
		*p = s + 1;
		return 0;
	}
}

static int parse_params(const char *s, gmf_gitenv_entry **e, size_t *n, size_t *alloc)
{
	gmf_strbuf key = GMF_STRBUF_INIT, val = GMF_STRBUF_INIT;
	int rc = 0;

	while (isspace((unsigned char)*s))
		s++;
	while (*s && rc == 0) {
		if (sq_word(&s, &key) < 0) {
			rc = -1;
		} else if (!*s || isspace((unsigned char)*s)) {
			/* the old form, 'key=value' in one word; a key alone is true */
			const char *eq = strchr(key.buf, '=');
			if (eq)
				push(e, n, alloc, key.buf, (size_t)(eq - key.buf), eq + 1,
				     key.len - (size_t)(eq - key.buf) - 1);
			else
				push(e, n, alloc, key.buf, key.len, NULL, 0);
		} else if (*s == '=') {
			/* the form of git 2.31 on: 'key'='value' */
			s++;
			if (*s == '\'') {
				if (sq_word(&s, &val) < 0 || (*s && !isspace((unsigned char)*s)))
					rc = -1;
				else
					push(e, n, alloc, key.buf, key.len, val.buf, val.len);
			} else if (!*s || isspace((unsigned char)*s)) {
				push(e, n, alloc, key.buf, key.len, NULL, 0);
			} else {
				rc = -1;
			}
		} else {
			rc = -1;
		}
		while (isspace((unsigned char)*s))
			s++;
	}
	gmf_strbuf_release(&key);
	gmf_strbuf_release(&val);
	return rc;
}

int gmf_gitenv_parse(const char *params, const char *(*get)(const char *name),
		     gmf_gitenv_entry **out, size_t *n)
{
	size_t alloc = 0, before;
	const char *count = get ? get("GIT_CONFIG_COUNT") : NULL;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (count && *count) {
		char *end;
		long c = strtol(count, &end, 10);
		gmf_strbuf name = GMF_STRBUF_INIT;
		/* git refuses a bad count or a missing pair: so do we, whole */
		for (long i = 0; !*end && c > 0 && c < 100000 && i < c; i++) {
			const char *k, *v;
			gmf_strbuf_reset(&name);
			gmf_strbuf_addf(&name, "GIT_CONFIG_KEY_%ld", i);
			k = get(name.buf);
			gmf_strbuf_reset(&name);
			gmf_strbuf_addf(&name, "GIT_CONFIG_VALUE_%ld", i);
			v = get(name.buf);
			if (!k || !*k || !v) {
				gmf_gitenv_free(*out, *n);
				*out = NULL;
				*n = 0;
				alloc = 0;
				rc = -1;
				break;
			}
			push(out, n, &alloc, k, strlen(k), v, strlen(v));
		}
		gmf_strbuf_release(&name);
	}
	before = *n;
	if (params && parse_params(params, out, n, &alloc) < 0) {
		for (size_t i = before; i < *n; i++) {
			free((*out)[i].key);
			free((*out)[i].value);
		}
		*n = before;
		rc = -1;
	}
	return rc;
}

void gmf_gitenv_free(gmf_gitenv_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].value);
	}
	free(e);
}

static gmf_gitenv_entry *env_entries;
static size_t env_n;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static const char *get_env(const char *name)
{
	return getenv(name);
}

static void env_load(void)
{
	(void)gmf_gitenv_parse(getenv("GIT_CONFIG_PARAMETERS"), get_env, &env_entries, &env_n);
}

const gmf_gitenv_entry *gmf_gitenv(size_t *n)
{
	pthread_once(&env_once, env_load);
	*n = env_n;
	return env_entries;
}

int gmf_gitenv_key_is(const char *key, const char *name)
{
	const char *kd = strchr(key, '.'), *nd = strchr(name, '.');
	const char *kl = strrchr(key, '.'), *nl = strrchr(name, '.');
	size_t ks, ns;
	if (!kd || !nd)
		return 0;
	ks = (size_t)(kd - key);
	ns = (size_t)(nd - name);
	/* section and variable: any case; a subsection between: exactly */
	if (ks != ns || strncasecmp(key, name, ks) || strcasecmp(kl + 1, nl + 1))
		return 0;
	if ((kd == kl) != (nd == nl))
		return 0;
	return kd == kl || ((size_t)(kl - kd) == (size_t)(nl - nd) &&
			    !strncmp(kd, nd, (size_t)(kl - kd)));
}

const gmf_gitenv_entry *gmf_gitenv_last(const gmf_gitenv_entry *e, size_t n, const char *key)
{
	for (size_t i = n; i > 0; i--)
		if (gmf_gitenv_key_is(e[i - 1].key, key))
			return &e[i - 1];
	return NULL;
}

int gmf_gitenv_bool(const char *v)
{
	char *end;
	long l;
	if (!v)
		return 1;
	if (!*v || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
		return 0;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
		return 1;
	l = strtol(v, &end, 10);
	if (end != v && !*end)
		return l != 0;
	return -1;
}
