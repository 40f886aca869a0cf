#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tools/link-mode.sh CC MODE CACHE: prints the flags that link libgit2 and
# PCRE2 into git-migrate-fix (the Makefile's DEP_LIBS).
#
# MODE no: pkg-config's shared libraries.  MODE auto (the default) or yes:
# libgit2, PCRE2 and the libraries libgit2 needs for TLS and ssh from
# their static archives, the C library and any library without an
# archive (Kerberos, on Debian) shared.  Why: the binary starts in every
# hook, and loading libgit2's 17 shared libraries took about 2.5 ms of a
# 4 ms `check` here; git itself starts in about 1 ms.
#
# auto links and runs a probe program with each candidate set and falls
# back to shared libraries when none works (another distribution's
# archives, macOS, a missing -dev package); yes fails instead.  Built
# with mbedTLS, libgit2's CA loaders are wrapped (-Wl,--wrap): see
# src/repo.c.  The answer is kept in CACHE, keyed by everything it was
# made from, so `make` probes once.
set -u
cc=$1 mode=$2 cache=$3
pc=${PKG_CONFIG:-pkg-config}

shared=$($pc --libs libgit2 libpcre2-8 2>/dev/null) || shared="-lgit2 -lpcre2-8"
static_l=$($pc --static --libs-only-l libgit2 libpcre2-8 2>/dev/null) || static_l=
static_L=$($pc --static --libs-only-L libgit2 libpcre2-8 2>/dev/null) || static_L=
cflags=$($pc --cflags libgit2 libpcre2-8 2>/dev/null) || cflags=
key="$(cksum <"$0" | cut -d" " -f1)|$cc|$mode|$shared|$static_l|$static_L|$cflags|$(uname -s)"

if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ]; then
	sed -n 2p "$cache"
	exit 0
fi

# the answer is written to CACHE in every mode: the Makefile rebuilds
# what depends on it when it changes
answer=
if [ "$mode" != no ] && [ "$(uname -s)" = Linux ] && [ -n "$static_l" ]; then
	archives= system=
	for l in $static_l; do
		case $l in
		-lrt | -lpthread | -ldl | -lm | -lc) system="$system $l" ;;
		*) archives="$archives $l" ;;
		esac
	done
	wrap=
	case " $archives " in
	*" -lmbedx509 "*)
		wrap="-Wl,--wrap=mbedtls_x509_crt_parse_file -Wl,--wrap=mbedtls_x509_crt_parse_path" ;;
	esac
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmf-link.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	cat >"$tmp/probe.c" <<'EOF'
#define PCRE2_CODE_UNIT_WIDTH 8
#include <git2.h>
#include <pcre2.h>
#ifdef WRAP_CA
int __real_mbedtls_x509_crt_parse_file(void *c, const char *p);
int __real_mbedtls_x509_crt_parse_path(void *c, const char *p);
int __wrap_mbedtls_x509_crt_parse_file(void *c, const char *p);
int __wrap_mbedtls_x509_crt_parse_path(void *c, const char *p);
int __wrap_mbedtls_x509_crt_parse_file(void *c, const char *p)
{
	return __real_mbedtls_x509_crt_parse_file(c, p);
}
int __wrap_mbedtls_x509_crt_parse_path(void *c, const char *p)
{
	return __real_mbedtls_x509_crt_parse_path(c, p);
}
#endif
int main(void)
{
	int err;
	PCRE2_SIZE off;
	git_repository *r = NULL;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR) "a+", PCRE2_ZERO_TERMINATED, 0, &err, &off,
				       NULL);
	if (!re || git_libgit2_init() < 1)
		return 1;
	(void)git_repository_open_ext(&r, ".", GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	git_repository_free(r);
	git_libgit2_shutdown();
	pcre2_code_free(re);
	return 0;
}
EOF
	def=
	[ -n "$wrap" ] && def=-DWRAP_CA
	for extra_static in "" "-lcrypto" "-lssl -lcrypto"; do
		for extra_shared in "" "-lgssapi_krb5" "-l:libgssapi_krb5.so.2"; do
			libs="$static_L -Wl,-Bstatic$archives $extra_static -Wl,-Bdynamic $extra_shared$system $wrap"
			# shellcheck disable=SC2086 # word splitting of flag lists is meant
			if $cc $cflags $def -o "$tmp/probe" "$tmp/probe.c" $libs -pthread -ldl \
				>/dev/null 2>&1 && (cd "$tmp" && ./probe); then
				answer=$libs
				break 2
			fi
		done
	done
fi
if [ -z "$answer" ]; then
	if [ "$mode" = yes ]; then
		echo "tools/link-mode.sh: LIBGIT2_STATIC=yes, but no static link of libgit2 works here" >&2
		exit 1
	fi
	answer=$shared
fi
mkdir -p "$(dirname "$cache")"
printf '%s\n%s\n' "$key" "$answer" >"$cache.$$" && mv "$cache.$$" "$cache"
printf '%s\n' "$answer"
