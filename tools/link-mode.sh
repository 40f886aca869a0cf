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
# with mbedTLS, libgit2's start-up of its network pieces is wrapped
# (-Wl,--wrap, NET_WRAP below), which also leaves Kerberos out of the
# link; failing that, only its CA loaders (CA_WRAP): see src/repo.c.
# The answer is kept in CACHE, keyed by everything it was made from, so
# `make` probes once.
#
# tools/link-mode.sh --wrappers FLAGS: prints C definitions of the
# __wrap_ functions FLAGS name, enough for another program linked with
# FLAGS (the probe, the benchmark's floor) to link and run.
set -u

NET_WRAP="-Wl,--wrap=git_mbedtls_stream_global_init -Wl,--wrap=git_mbedtls_stream_new \
-Wl,--wrap=git_mbedtls_stream_wrap -Wl,--wrap=git_mbedtls__set_cert_location \
-Wl,--wrap=libssh2_init -Wl,--wrap=git_http_auth_negotiate"
CA_WRAP="-Wl,--wrap=mbedtls_x509_crt_parse_file -Wl,--wrap=mbedtls_x509_crt_parse_path"

# wrappers FLAGS: the C of the __wrap_ functions (forwarding, or doing
# nothing where src/repo.c puts the work off)
wrappers() {
	case " $1 " in
	*--wrap=mbedtls_x509_crt_parse_file*)
		for f in file path; do
			printf 'int __real_mbedtls_x509_crt_parse_%s(void *c, const char *p);\n' $f
			printf 'int __wrap_mbedtls_x509_crt_parse_%s(void *c, const char *p);\n' $f
			printf 'int __wrap_mbedtls_x509_crt_parse_%s(void *c, const char *p) ' $f
			printf '{ return __real_mbedtls_x509_crt_parse_%s(c, p); }\n' $f
		done ;;
	esac
	case " $1 " in
	*--wrap=git_http_auth_negotiate*)
		cat <<'EOF_WRAP'
int __wrap_git_mbedtls_stream_global_init(void);
int __wrap_git_mbedtls_stream_global_init(void) { return 0; }
int __real_git_mbedtls_stream_new(void **o, const char *h, const char *p);
int __wrap_git_mbedtls_stream_new(void **o, const char *h, const char *p);
int __wrap_git_mbedtls_stream_new(void **o, const char *h, const char *p) { return __real_git_mbedtls_stream_new(o, h, p); }
int __real_git_mbedtls_stream_wrap(void **o, void *i, const char *h);
int __wrap_git_mbedtls_stream_wrap(void **o, void *i, const char *h);
int __wrap_git_mbedtls_stream_wrap(void **o, void *i, const char *h) { return __real_git_mbedtls_stream_wrap(o, i, h); }
int __real_git_mbedtls__set_cert_location(const char *f, const char *p);
int __wrap_git_mbedtls__set_cert_location(const char *f, const char *p);
int __wrap_git_mbedtls__set_cert_location(const char *f, const char *p) { return __real_git_mbedtls__set_cert_location(f, p); }
int __wrap_libssh2_init(int flags);
int __wrap_libssh2_init(int flags) { (void)flags; return 0; }
int git_http_auth_dummy(void **o, const void *u);
int __wrap_git_http_auth_negotiate(void **o, const void *u);
int __wrap_git_http_auth_negotiate(void **o, const void *u) { return git_http_auth_dummy(o, u); }
EOF_WRAP
		;;
	esac
}

if [ "${1-}" = --wrappers ]; then
	wrappers "${2-}"
	exit 0
fi

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
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/gmf-link.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	cat >"$tmp/probe.c" <<'EOF'
#define PCRE2_CODE_UNIT_WIDTH 8
#include <git2.h>
#include <pcre2.h>
#include "wrap.h"
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
	# with mbedTLS: its start-up put off and no Kerberos (NET_WRAP),
	# else the CA loaders wrapped and Kerberos shared; without: as is
	case " $archives " in
	*" -lmbedx509 "*) wraps="NET CA" ;;
	*) wraps="NONE" ;;
	esac
	for w in $wraps; do
		case $w in
		NET) wrap=$NET_WRAP shared_sets="none" ;;
		CA) wrap=$CA_WRAP shared_sets="none -lgssapi_krb5 -l:libgssapi_krb5.so.2" ;;
		*) wrap= shared_sets="none -lgssapi_krb5 -l:libgssapi_krb5.so.2" ;;
		esac
		wrappers "$wrap" >"$tmp/wrap.h"
		for extra_static in "" "-lcrypto" "-lssl -lcrypto"; do
			for extra_shared in $shared_sets; do
				[ "$extra_shared" = none ] && extra_shared=
				libs="$static_L -Wl,-Bstatic$archives $extra_static -Wl,-Bdynamic $extra_shared$system $wrap"
				# shellcheck disable=SC2086 # word splitting of flag lists is meant
				if $cc $cflags -I"$tmp" -o "$tmp/probe" "$tmp/probe.c" $libs -pthread -ldl \
					>/dev/null 2>&1 && (cd "$tmp" && ./probe); then
					answer=$libs
					break 3
				fi
			done
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
