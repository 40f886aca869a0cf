#!/bin/sh
# SPDX-License-Identifier: MIT
# install.sh: install git-migrate-fix, or only what building and testing it
# needs.
#
#   ./install.sh                      dependencies, build, install under /usr/local
#   ./install.sh --prefix ~/.local    the same under another prefix
#   ./install.sh --deps-only          build and test dependencies only
#   ./install.sh PATH...              also wire each repository given
#
# `make test` runs `./install.sh --deps-only --quiet` before every build, so
# the path where everything is already present must stay silent and fast:
# one dpkg-query per package and nothing else.
#
# POSIX sh: must run under dash and the macOS /bin/sh.
#
# Testing only: INSTALL_SH_FORCE_NONROOT=1 behaves as if not run by root;
# INSTALL_SH_FORCE_MISSING="pkg ..." treats those packages as missing.

set -eu

me=install.sh

usage() {
	cat <<'EOF'
usage: ./install.sh [--deps-only] [--bench] [--quiet] [--prefix DIR] [PATH...]

Installs the build dependencies, builds git-migrate-fix and installs it with
its man page under a prefix, so `git migrate-fix` and `git help migrate-fix`
work. Each PATH is a repository to wire with `git migrate-fix install`.

    --deps-only     install the build and test dependencies only (Debian and
                    Ubuntu as root; otherwise print the command to run)
    --bench         also the benchmark tools (hyperfine)
    --prefix DIR    install under DIR (default /usr/local); DESTDIR is
                    honoured for staged installs
    -q, --quiet     print nothing when there is nothing to do
    -h, --help      show this help

Exit status: 0 done, 1 something is missing or failed, 2 usage error.
EOF
}

say() {
	[ "$quiet" = 1 ] || printf '%s: %s\n' "$me" "$*"
}

warn() {
	printf '%s: %s\n' "$me" "$*" >&2
}

die() {
	warn "$*"
	exit 1
}

# Quote one argument for a later `eval "set -- ..."` (keeps spaces).
shquote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

deps_only=0
bench=0
quiet=0
prefix=/usr/local
repos=

while [ $# -gt 0 ]; do
	case $1 in
	--deps-only) deps_only=1 ;;
	--bench) bench=1 ;;
	-q | --quiet) quiet=1 ;;
	--prefix)
		[ $# -ge 2 ] || { warn "option '--prefix' needs a directory"; exit 2; }
		prefix=$2
		shift
		;;
	--prefix=*) prefix=${1#--prefix=} ;;
	-h | --help) usage; exit 0 ;;
	--)
		shift
		for arg in "$@"; do
			repos="$repos $(shquote "$arg")"
		done
		break
		;;
	-*)
		warn "unknown option '$1'"
		usage >&2
		exit 2
		;;
	*) repos="$repos $(shquote "$1")" ;;
	esac
	shift
done

if [ -z "$prefix" ]; then
	warn "option '--prefix' needs a directory"
	exit 2
fi
if [ "$deps_only" = 1 ] && [ -n "$repos" ]; then
	warn "'--deps-only' wires no repository; drop the PATH arguments"
	exit 2
fi

# The checkout this script lives in: `make` runs there.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

is_root() {
	[ "${INSTALL_SH_FORCE_NONROOT:-0}" != 1 ] && [ "$(id -u)" -eq 0 ]
}

forced_missing() {
	case " ${INSTALL_SH_FORCE_MISSING:-} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# --- Debian and Ubuntu -------------------------------------------------------

# One dpkg-query for every package of interest (the fast path matters):
# sets deb_present to the space-separated names whose status is installed.
deb_query() {
	# shellcheck disable=SC2016,SC2086
	deb_present=" $(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		awk '$NF == "installed" { printf "%s ", $1 }')"
}

deb_installed() {
	forced_missing "$1" && return 1
	case $deb_present in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

deps_debian() {
	# Build: a C compiler and make (build-essential, or a compiler and make
	# already there), pkg-config, libgit2, PCRE2, git.
	wanted="pkg-config libgit2-dev libpcre2-dev git"
	if [ "$deps_only" = 1 ]; then
		# Tests: cmocka for the unit tests; the real alembic (which pulls
		# python3-sqlalchemy) for the agreement and end-to-end tests;
		# clang and its libFuzzer runtime for the fuzzing smoke;
		# valgrind for `make valgrind`; bash-completion for the
		# completion test (git ships its own part of it).
		wanted="$wanted libcmocka-dev python3 alembic clang libclang-rt-dev valgrind bash-completion"
		# The hook managers' tests: the pre-commit framework is Debian's;
		# lefthook and husky come from npm (deps_npm), so npm too where
		# no Node.js install brought its own.
		wanted="$wanted pre-commit"
		if ! have npm || forced_missing npm; then
			wanted="$wanted npm"
		fi
	fi
	if [ "$bench" = 1 ]; then
		# hyperfine times the runs; GNU time reports peak memory.
		wanted="$wanted hyperfine time"
	fi

	# shellcheck disable=SC2086
	deb_query build-essential libc6-dev $wanted
	missing=
	if ! deb_installed build-essential; then
		if forced_missing build-essential || ! have cc || ! have make ||
			! deb_installed libc6-dev; then
			missing=build-essential
		fi
	fi
	for pkg in $wanted; do
		deb_installed "$pkg" || missing="$missing $pkg"
	done
	missing=${missing# }

	if [ -z "$missing" ]; then
		say "all dependencies are installed"
		return 0
	fi

	if ! is_root; then
		warn "missing packages: $missing"
		warn "installing them needs root; run:"
		printf '\n    sudo apt-get update\n    sudo apt-get install -y --no-install-recommends %s\n\n' \
			"$missing" >&2
		warn "then run this script again"
		exit 1
	fi

	# Said even with --quiet: this is real work that can take minutes.
	printf '%s: installing %s\n' "$me" "$missing"
	log=
	if [ "$quiet" = 1 ]; then
		log=$(mktemp "${TMPDIR:-/tmp}/install-sh.XXXXXX")
		exec 3>&1 4>&2 >"$log" 2>&1
	fi
	rc=0
	apt-get update || rc=$?
	if [ "$rc" = 0 ]; then
		# $missing is a list of package names: split it on purpose.
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $missing || rc=$?
	fi
	if [ -n "$log" ]; then
		exec >&3 2>&4 3>&- 4>&-
		[ "$rc" = 0 ] || cat "$log" >&2
		rm -f "$log"
	fi
	[ "$rc" = 0 ] || die "apt-get failed (exit $rc) installing: $missing"
}

# --- npm: the hook managers the tests drive ---------------------------------

# Pinned: the tests were written against these releases.
LEFTHOOK_VERSION=2.2.1
HUSKY_VERSION=9.1.7

# The version of a globally installed npm package whose command is $1,
# read from the package.json beside npm's global bin directory (never by
# running it: `husky` with no argument installs itself in the current
# repository).
npm_global_version() {
	nv_bin=$(command -v "$1" 2>/dev/null) || return 0
	nv_pkg=$(dirname -- "$nv_bin")/../lib/node_modules/$1/package.json
	[ -f "$nv_pkg" ] || return 0
	sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$nv_pkg" | sed -n 1p
}

deps_npm() {
	[ "$deps_only" = 1 ] || return 0
	npm_missing=
	for spec in "lefthook@$LEFTHOOK_VERSION" "husky@$HUSKY_VERSION"; do
		name=${spec%@*}
		if forced_missing "$name" || [ "$(npm_global_version "$name")" != "${spec#*@}" ]; then
			npm_missing="$npm_missing $spec"
		fi
	done
	npm_missing=${npm_missing# }
	[ -n "$npm_missing" ] || return 0
	# --ignore-scripts: lefthook's postinstall would run `lefthook
	# install` in the current directory, a repository.
	npm_cmd="npm install --global --ignore-scripts --no-audit --no-fund $npm_missing"
	if ! is_root; then
		warn "missing npm packages: $npm_missing"
		warn "installing them needs root; run:"
		printf '\n    sudo %s\n\n' "$npm_cmd" >&2
		warn "then run this script again"
		exit 1
	fi
	have npm || die "npm is missing: cannot install $npm_missing"
	printf '%s: installing %s\n' "$me" "$npm_missing"
	rc=0
	if [ "$quiet" = 1 ]; then
		npm_log=$(cd / && $npm_cmd 2>&1) || rc=$?
		[ "$rc" = 0 ] || printf '%s\n' "$npm_log" >&2
	else
		(cd / && $npm_cmd) || rc=$?
	fi
	[ "$rc" = 0 ] || die "npm failed (exit $rc) installing: $npm_missing"
}

# --- macOS with Homebrew (best effort) ---------------------------------------

deps_macos() {
	brew_pkgs="libgit2 pcre2 pkg-config"
	pc_mods="libgit2 libpcre2-8"
	if [ "$deps_only" = 1 ]; then
		brew_pkgs="$brew_pkgs cmocka"
		pc_mods="$pc_mods cmocka"
	fi
	[ "$bench" = 1 ] && brew_pkgs="$brew_pkgs hyperfine"

	need_brew=0
	# shellcheck disable=SC2086
	if ! have cc || ! have make || ! have pkg-config ||
		! pkg-config --exists $pc_mods 2>/dev/null; then
		need_brew=1
	fi
	[ "$bench" = 1 ] && ! have hyperfine && need_brew=1
	need_alembic=0
	[ "$deps_only" = 1 ] && ! have alembic && need_alembic=1

	if [ "$need_brew" = 0 ] && [ "$need_alembic" = 0 ]; then
		say "all dependencies are installed"
		return 0
	fi
	if ! have cc; then
		warn "no C compiler: run 'xcode-select --install' first"
		exit 1
	fi
	if ! have brew; then
		warn "missing dependencies and no Homebrew; install https://brew.sh, then:"
		printf '\n    brew install %s\n' "$brew_pkgs" >&2
		[ "$need_alembic" = 1 ] && printf '    brew install pipx && pipx install alembic\n' >&2
		printf '\n' >&2
		exit 1
	fi
	if [ "$need_brew" = 1 ]; then
		say "brew install $brew_pkgs"
		# shellcheck disable=SC2086
		brew install $brew_pkgs || die "brew install failed"
	fi
	if [ "$need_alembic" = 1 ]; then
		have pipx || brew install pipx || die "brew install pipx failed"
		say "pipx install alembic"
		pipx install alembic || die "pipx install alembic failed"
		have alembic || warn "alembic is installed but not on PATH: run 'pipx ensurepath'"
	fi
}

# --- anything else: check, and say what is needed ----------------------------

deps_other() {
	pc_mods="libgit2 libpcre2-8"
	[ "$deps_only" = 1 ] && pc_mods="$pc_mods cmocka"
	problems=
	have cc || problems="$problems, a C compiler (cc)"
	have make || problems="$problems, make (GNU make)"
	have git || problems="$problems, git"
	if ! have pkg-config; then
		problems="$problems, pkg-config"
	else
		for mod in $pc_mods; do
			pkg-config --exists "$mod" || problems="$problems, $mod (pkg-config module)"
		done
	fi
	if [ "$deps_only" = 1 ]; then
		have alembic || problems="$problems, alembic (for the integration tests)"
	fi
	[ "$bench" = 1 ] && ! have hyperfine && problems="$problems, hyperfine"
	if [ -n "$problems" ]; then
		warn "this system is neither Debian/Ubuntu nor macOS with Homebrew;"
		warn "install these with its package manager: ${problems#, }"
		exit 1
	fi
	say "all dependencies are installed"
}

install_deps() {
	case $(uname -s) in
	Darwin) deps_macos ;;
	*)
		if have dpkg-query && have apt-get; then
			deps_debian
			deps_npm
		else
			deps_other
		fi
		;;
	esac
}

install_deps
[ "$deps_only" = 1 ] && exit 0

# --- build and install -------------------------------------------------------

# The Makefile needs GNU make (gmake on the BSDs).
mk="make"
have gmake && mk=gmake

cd "$here"
say "building"
if [ "$quiet" = 1 ]; then
	"$mk" --no-print-directory >/dev/null || die "build failed: run '$mk' to see why"
else
	"$mk" --no-print-directory || die "build failed"
fi

dest=${DESTDIR:-}
say "installing into $dest$prefix"
if ! "$mk" --no-print-directory install prefix="$prefix" DESTDIR="$dest" >/dev/null; then
	die "could not install into '$dest$prefix': run as root, or choose another --prefix"
fi

if [ -z "$dest" ]; then
	# man finds <dir>/../share/man for every <dir> on PATH, so the
	# MANPATH only needs a word when PATH is already right.
	case ":$PATH:" in
	*":$prefix/bin:"*)
		if have manpath; then
			case ":$(manpath 2>/dev/null):" in
			*":$prefix/share/man:"*) ;;
			*) warn "'$prefix/share/man' is not on your MANPATH: add it so 'git help migrate-fix' finds the page" ;;
			esac
		fi
		;;
	*) warn "'$prefix/bin' is not on your PATH: add it so 'git migrate-fix' and 'git help migrate-fix' work" ;;
	esac
	say "installed: try 'git migrate-fix check' and 'git help migrate-fix'"
fi

# --- wire repositories -------------------------------------------------------

[ -n "$repos" ] || exit 0
eval "set -- $repos"

bin=$here/git-migrate-fix
if ! "$bin" help install >/dev/null 2>&1; then
	for repo in "$@"; do
		warn "not wiring '$repo': 'git migrate-fix install' comes with a later version"
	done
	exit 0
fi

status=0
for repo in "$@"; do
	if ! git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
		warn "'$repo' is not a git repository"
		status=1
		continue
	fi
	say "wiring $repo"
	(cd "$repo" && "$bin" install) || status=1
done
exit "$status"
