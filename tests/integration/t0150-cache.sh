#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the parse cache: unchanged files come from it, any change is read again'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The binary never uses the cache in CI (CI or GITHUB_ACTIONS set), which
# is what .ci/run sets; this script tests the cache, t0650 the CI rule.
test_cache_outside_ci

# Files changed less than 2 s before a run are never cached (the racy
# rule, docs/guide.md), so the first test builds every tree, then waits
# once for all of them.

# cached_count OUT: the "N of M files unchanged" figure of check -v.
cached_count () {
	sed -n 's/.*(\([0-9]*\) of [0-9]* files unchanged, from the cache).*/\1/p' "$1" |
	awk '{ n += $1; seen = 1 } END { if (seen) print n }'
}

test_expect_success 'setup: trees older than the racy window' '
	for d in plain edit renamed replaced damaged off git writer; do
		new_project $d &&
		(
			cd $d &&
			mig 001_a.py 001_a None "first" &&
			mig 002_b.py 002_b 001_a "second" &&
			mig 003_c.py 003_c 002_b "third" &&
			commit_all "three"
		) || return 1
	done &&
	for f in "$FIXTURES"/good/* "$FIXTURES"/bad/*; do
		copy_fixture "${f#"$FIXTURES"/}" "fx-${f##*/}" || return 1
	done &&
	(
		cd git &&
		git checkout -q -b feature &&
		mig 004_feature.py 004_feature 003_c "feature" &&
		commit_all "feature" &&
		git checkout -q main &&
		mig 004_main.py 004_main 003_c "main" &&
		commit_all "main" &&
		git push -q origin main &&
		git checkout -q feature &&
		git merge -q --no-edit main
	) &&
	sleep 3
'

test_expect_success 'the first run reads every file, the next takes them from the cache' '
	cd plain &&
	gmf_expect 0 ../out1 check -v &&
	test "$(cached_count ../out1)" = 0 &&
	test -n "$(ls "$XDG_CACHE_HOME"/git-migrate-fix/)" &&
	gmf_expect 0 ../out2 check -v &&
	test "$(cached_count ../out2)" = 3 &&
	# the same findings and heads either way
	gmf_expect 0 ../heads1 heads &&
	gmf_expect 0 ../heads2 heads --no-cache &&
	test_cmp ../heads1 ../heads2 &&
	gmf_expect 0 ../json1 check --format=json &&
	gmf_expect 0 ../json2 check --format=json --no-cache &&
	test_cmp ../json1 ../json2
'

test_expect_success 'every fixture: the same output from the cache as from the files' '
	n=0 &&
	for d in fx-*; do
		(
			cd $d &&
			if test -f alembic.ini; then set --; else set -- --dir versions; fi &&
			"$GMF_BIN" check --format=json "$@" >../$d.cold 2>&1
			echo "exit $?" >>../$d.cold &&
			"$GMF_BIN" check --format=json "$@" >../$d.warm 2>&1
			echo "exit $?" >>../$d.warm &&
			test_might_fail "$GMF_BIN" check -v "$@" >../$d.v 2>&1 &&
			"$GMF_BIN" check --format=json --no-cache "$@" >../$d.none 2>&1
			echo "exit $?" >>../$d.none &&
			test_might_fail "$GMF_BIN" graph "$@" >../$d.graph 2>&1 &&
			"$GMF_BIN" graph --no-cache "$@" >../$d.graph-none 2>&1
		) &&
		test_cmp $d.none $d.cold &&
		test_cmp $d.none $d.warm &&
		test_cmp $d.graph-none $d.graph || return 1
		# the third run took every readable file from the cache
		c=$(cached_count $d.v) &&
		m=$(sed -n "s/.*: \([0-9]*\) migrations* (.*/\1/p" $d.v |
			awk "{ n += \$1 } END { print n }") &&
		if test -n "$c" && test "$c" -gt 0; then
			test "$c" = "$m" || { cat $d.v; return 1; }
			n=$((n + 1))
		fi || return 1
	done &&
	test $n -ge 20
'

test_expect_success 'a label constant changed in its module: read again, migrations from the cache' '
	cd fx-label-constants &&
	gmf_expect 0 ../lc1 check -v &&
	gmf_expect 0 ../lc2 check -v &&
	test "$(cached_count ../lc2)" = 7 &&
	gmf_expect 0 ../lc.heads heads &&
	test_grep "^f6a1b2c3d4e5 (feature) (head)$" ../lc.heads &&
	m=proj/db/migration/cli.py &&
	sed "s/^FEATURE_BRANCH = \"feature\"$/FEATURE_BRANCH = \"feature-2\"/" $m >../cli.py &&
	cat ../cli.py >$m &&
	gmf_expect 0 ../lc3 check -v &&
	test "$(cached_count ../lc3)" = 7 &&
	gmf_expect 0 ../lc.heads heads &&
	test_grep "^f6a1b2c3d4e5 (feature-2) (head)$" ../lc.heads
'

test_expect_success 'a change of the same size, mtime put back, is read again' '
	cd edit &&
	gmf_expect 0 ../warm check -v &&
	gmf_expect 0 ../warm check -v &&
	test "$(cached_count ../warm)" = 3 &&
	f=migrations/versions/003_c.py &&
	touch -r $f ../stamp &&
	sed "s/= \"002_b\"/= \"002_x\"/" $f >../new &&
	test $(wc -c <../new) = $(wc -c <$f) &&
	cat ../new >$f &&
	touch -r ../stamp $f &&
	# same size and modification time: only the ctime tells
	gmf_expect 1 ../out check -v &&
	test_grep "missing-parent" ../out &&
	test "$(cached_count ../out)" = 2
'

test_expect_success 'a renamed file and a replaced file are read again' '
	cd renamed &&
	gmf_expect 0 ../w check && gmf_expect 0 ../w check -v &&
	test "$(cached_count ../w)" = 3 &&
	git mv migrations/versions/003_c.py migrations/versions/003_renamed.py &&
	gmf_expect 0 ../out check -v &&
	test "$(cached_count ../out)" = 2 &&
	cd ../replaced &&
	gmf_expect 0 ../w check && gmf_expect 0 ../w check -v &&
	test "$(cached_count ../w)" = 3 &&
	f=migrations/versions/002_b.py &&
	sed "s/= \"001_a\"/= \"001_z\"/" $f >../tmp.py &&
	touch -r $f ../tmp.py &&
	mv ../tmp.py $f &&
	gmf_expect 1 ../out check -v &&
	test_grep "001_z" ../out &&
	test "$(cached_count ../out)" = 2
'

test_expect_success 'a damaged or unwritable cache is ignored' '
	cd damaged &&
	gmf_expect 0 ../w check &&
	gmf_expect 0 ../w check -v &&
	test "$(cached_count ../w)" = 3 &&
	for c in "$XDG_CACHE_HOME"/git-migrate-fix/v*; do
		head -c 100 "$c" >../cut && cat ../cut >"$c" || return 1
	done &&
	gmf_expect 0 ../out check -v &&
	test "$(cached_count ../out)" = 0 &&
	gmf_expect 0 ../out check -v &&
	test "$(cached_count ../out)" = 3 &&
	# nowhere to write it: the check runs the same
	GIT_MIGRATE_FIX_CACHE_DIR=/dev/null/cache gmf_expect 0 ../out check -v &&
	test "$(cached_count ../out)" = 0 &&
	test_grep "ok: 3 migrations" ../out
'

test_expect_success 'switched off: --no-cache, migrate-fix.cache, GIT_MIGRATE_FIX_CACHE=0' '
	cd off &&
	rm -rf "$XDG_CACHE_HOME" &&
	gmf_expect 0 ../out check -v --no-cache &&
	! grep -q "from the cache" ../out &&
	GIT_MIGRATE_FIX_CACHE=0 gmf_expect 0 ../out check -v &&
	! grep -q "from the cache" ../out &&
	git config migrate-fix.cache false &&
	gmf_expect 0 ../out check -v &&
	! grep -q "from the cache" ../out &&
	test ! -e "$XDG_CACHE_HOME" &&
	git config migrate-fix.cache true &&
	gmf_expect 0 ../out check -v &&
	test_grep "from the cache" ../out
'

test_expect_success 'fix and undo on a cached tree' '
	cd git &&
	gmf_expect 1 ../out check && gmf_expect 1 ../out check -v &&
	test "$(cached_count ../out)" = 5 &&
	gmf_expect 0 ../fix fix &&
	gmf_expect 0 ../out check -v &&
	gmf_expect 0 ../heads heads &&
	test_line_count = 1 ../heads &&
	if have_alembic; then alembic_cycle; fi &&
	gmf_expect 0 ../undo undo &&
	gmf_expect 1 ../out check
'

# A writer (fix, a dry run too, and the hooks) reads every file and takes
# an entry only for the same bytes (their content hash), whatever the
# file's identity; a check takes it on the identity alone.
test_expect_success 'a writer takes from the cache only files with the same bytes' '
	cd writer &&
	gmf_expect 0 ../w-check1 check -v &&
	gmf_expect 0 ../w-check2 check -v &&
	test "$(cached_count ../w-check2)" = 3 &&
	gmf fix --dry-run -v >../w-fix1 &&
	test_grep "^read 3 files, 3 with the bytes the parse cache holds\$" ../w-fix1 &&
	# the same bytes in a new file: the identity changed, the content not
	cp migrations/versions/002_b.py ../b.copy &&
	rm migrations/versions/002_b.py &&
	cp ../b.copy migrations/versions/002_b.py &&
	gmf_expect 0 ../w-check3 check -v &&
	test "$(cached_count ../w-check3)" = 2 &&
	gmf fix --dry-run -v >../w-fix2 &&
	test_grep "^read 3 files, 3 with the bytes the parse cache holds\$" ../w-fix2 &&
	# other bytes: read and parsed
	echo "# changed" >>migrations/versions/003_c.py &&
	gmf fix --dry-run -v >../w-fix3 &&
	test_grep "^read 3 files, 2 with the bytes the parse cache holds\$" ../w-fix3 &&
	gmf fix --dry-run -v --no-cache >../w-fix4 &&
	test_grep ! "parse cache" ../w-fix4
'

test_done
