#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the pre-commit hook judges what the commit records: the staged blobs'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The parse cache is part of what is shown here.
test_cache_outside_ci

# The hooks find `git-migrate-fix` on PATH, as an installed copy would.
mkdir "$TRASH/bin" || exit 1
ln -s "$GMF_BIN" "$TRASH/bin/git-migrate-fix" || exit 1
PATH=$TRASH/bin:$PATH
export PATH

command -v strace >/dev/null 2>&1 && test_set_prereq STRACE
# LeakSanitizer (make test SANITIZE=1) refuses to run under ptrace
NO_LSAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

# stage_then_unroot FILE ID DOWN MSG: migration ID staged on DOWN, then
# its work-tree file made to revise 001_a (two heads there, none staged)
stage_then_unroot () {
	mig "$1" "$2" "$3" "$4" &&
	git add "migrations/versions/$1" &&
	sed "s/^down_revision.*/down_revision = \"001_a\"/" "migrations/versions/$1" >unroot.tmp &&
	mv unroot.tmp "migrations/versions/$1"
}

test_expect_success 'setup: three migrations, adopted, old enough to be cached' '
	new_project p && cd p &&
	mig 001_a.py 001_a None "a" &&
	mig 002_b.py 002_b 001_a "b" &&
	mig 003_c.py 003_c 002_b "c" &&
	commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	test "$(cat migrations/versions/.head)" = 003_c &&
	sleep 3
'

test_expect_success 'an edit left unstaged does not reach the lockfile' '
	cd p &&
	stage_then_unroot 004_d.py 004_d 003_c "d" &&
	git commit -q -m d &&
	test "$(git show HEAD:migrations/versions/.head)" = 004_d &&
	git show HEAD:migrations/versions/004_d.py >recorded &&
	test_grep "^down_revision.*003_c" recorded &&
	git checkout -q -- migrations/versions/004_d.py
'

test_expect_success 'a work-tree file that no longer parses: the staged one counts' '
	cd p &&
	mig 005_e.py 005_e 004_d "e" &&
	git add migrations/versions/005_e.py &&
	printf "revision = (\n" >migrations/versions/005_e.py &&
	git commit -q -m e 2>err &&
	test_grep ! "parse" err &&
	test "$(git show HEAD:migrations/versions/.head)" = 005_e &&
	git checkout -q -- migrations/versions/005_e.py
'

test_expect_success 'the staged blob is what counts with the parse cache off too' '
	cd p &&
	stage_then_unroot 006_f.py 006_f 005_e "f" &&
	GIT_MIGRATE_FIX_CACHE=0 git commit -q -m f &&
	test "$(git show HEAD:migrations/versions/.head)" = 006_f &&
	git checkout -q -- migrations/versions/006_f.py
'

test_expect_success 'a migration staged and left untouched is not opened again' '
	cd p &&
	sleep 3 &&
	mig 007_g.py 007_g 006_f "g" &&
	git add migrations/versions/007_g.py && git commit -q -m g &&
	mig 008_h.py 008_h 007_g "h" &&
	git add migrations/versions/008_h.py &&
	if test_have_prereq STRACE
	then
		ASAN_OPTIONS=$NO_LSAN strace -f -e trace=open,openat -o ../trace \
			git-migrate-fix hook pre-commit >../out 2>&1 &&
		test_grep "008_h.py" ../trace &&
		test_grep ! "00[1-6]_[a-f].py" ../trace
	else
		git-migrate-fix hook pre-commit >../out 2>&1
	fi &&
	test_grep "updated the head lockfile" ../out &&
	test "$(git show :migrations/versions/.head)" = 008_h &&
	git commit -q -m h &&
	test "$(git show HEAD:migrations/versions/.head)" = 008_h
'

test_expect_success 'a staged file the cache holds under another blob is read' '
	cd p &&
	sleep 3 &&
	gmf check >/dev/null &&
	sed "s/^down_revision.*/down_revision = \"007_g\"/" migrations/versions/008_h.py >h.tmp &&
	sed "s/\"h\"/\"h2\"/" h.tmp >migrations/versions/008_h.py && rm -f h.tmp &&
	mig 009_i.py 009_i 008_h "i" &&
	git add migrations/versions &&
	git commit -q -m i &&
	test "$(git show HEAD:migrations/versions/.head)" = 009_i &&
	gmf check >../out &&
	test_grep "ok: 9 migrations" ../out
'

# crlf NAME: a project whose work tree has CRLF files that git stores
# with LF (core.autocrlf): no file's bytes are its staged blob.
crlf () {
	new_project "$1" && cd "$1" &&
	git config core.autocrlf true &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main &&
	git push -q origin main &&
	git checkout -q feature &&
	rm migrations/versions/*.py && git checkout -q -- migrations/versions &&
	"$PYTHON" -c "import sys; sys.exit(b\"\\r\\n\" not in open(sys.argv[1], \"rb\").read())" \
		migrations/versions/002_f.py
}

test_expect_success 'a merge repaired where the work tree is CRLF and git stores LF' '
	crlf c1 &&
	sleep 3 &&
	git merge -q --no-edit origin/main >out 2>&1 &&
	test_grep "moved 1 migration" out &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/003_f.py" tree &&
	test_grep "migrations/versions/002_m.py" tree &&
	gmf check >check.out &&
	test_grep "ok: 3 migrations" check.out &&
	test "$(git status --porcelain --untracked-files=no)" = ""
'

test_done
