#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/dist.sh: the release tarball, as `make dist` makes it.
#
#   sh tools/dist.sh VERSION OUTDIR
#
# Writes OUTDIR/git-migrate-fix-VERSION.tar.gz, every file committed at
# HEAD under git-migrate-fix-VERSION/, and OUTDIR/...tar.gz.sha256 in the
# format `sha256sum -c` and `shasum -a 256 -c` read.
#
# Reproducible: the same commit gives the same bytes on any machine.  git
# archive writes the entries in tree order (sorted), owner and group 0,
# modes 644 and 755 (tar.umask 022), and every mtime set to the commit's
# time; here that commit is a synthetic one of HEAD's tree whose date is
# SOURCE_DATE_EPOCH (else HEAD's committer time), so its id, recorded in
# the archive, is fixed too.  gzip -n leaves out the name and time.
# GNU tar, bsdtar and busybox unpack it.
#
# Uncommitted changes are not packed (a warning says so).  POSIX sh.

set -eu

me=dist.sh
die() {
	printf '%s: %s\n' "$me" "$*" >&2
	exit 1
}

[ $# = 2 ] || die "usage: sh tools/dist.sh VERSION OUTDIR"
version=$1
out=$2
name=git-migrate-fix-$version

mkdir -p "$out"
out=$(CDPATH='' cd -- "$out" && pwd)
top=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$top"
git rev-parse --verify -q HEAD >/dev/null 2>&1 ||
	die "make dist needs a git checkout with at least one commit"

head_version=$(git show HEAD:VERSION 2>/dev/null) ||
	die "VERSION is not committed"
[ "$head_version" = "$version" ] ||
	die "VERSION says '$version' but HEAD has '$head_version': commit it first"
if ! git diff --quiet HEAD -- 2>/dev/null; then
	printf '%s: warning: uncommitted changes are not in the tarball (it packs HEAD)\n' "$me" >&2
fi

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct HEAD)}
case $epoch in
'' | *[!0-9]*) die "SOURCE_DATE_EPOCH must be seconds since 1970, not '$epoch'" ;;
esac

# No identity or date of the person running it may reach the commit.
commit=$(printf 'git-migrate-fix %s\n' "$version" |
	GIT_AUTHOR_NAME='git-migrate-fix' GIT_AUTHOR_EMAIL='dist@git-migrate-fix' \
	GIT_AUTHOR_DATE="@$epoch +0000" \
	GIT_COMMITTER_NAME='git-migrate-fix' GIT_COMMITTER_EMAIL='dist@git-migrate-fix' \
	GIT_COMMITTER_DATE="@$epoch +0000" \
	git -c commit.gpgSign=false commit-tree 'HEAD^{tree}') ||
	die "cannot make the commit to archive"

tar=$out/$name.tar
rm -f "$tar" "$tar.gz" "$tar.gz.sha256"
git -c tar.umask=022 archive --format=tar --prefix="$name/" -o "$tar" "$commit" ||
	die "git archive failed"
gzip -n -9 "$tar" || die "gzip failed"

(
	cd "$out"
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$name.tar.gz"
	else
		shasum -a 256 "$name.tar.gz"
	fi
) >"$tar.gz.sha256.tmp" || die "cannot compute the sha256"
mv "$tar.gz.sha256.tmp" "$tar.gz.sha256"
cat "$tar.gz.sha256"
