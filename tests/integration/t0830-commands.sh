#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='everyday commands: commit <paths>, am, octopus merges, rebase -x, CI output'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# setup NAME: a project adopting the tool; main and feature each add a
# migration on 001; main is pushed, feature is checked out.
setup () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_f2.py 002_f2 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main &&
	git push -q origin main &&
	git checkout -q feature
}

# consistent: the lockfile in HEAD, the index and the work tree agree,
# and nothing is left staged or modified.
consistent () {
	test "$(git show HEAD:migrations/versions/.head)" = "$1" &&
	test "$(git show :migrations/versions/.head)" = "$1" &&
	test "$(cat migrations/versions/.head)" = "$1" &&
	test -z "$(git status --porcelain --untracked-files=no)"
}

test_expect_success 'git commit <paths> keeps the lockfile of HEAD and the index in step' '
	setup only &&
	mig 003_more.py 003_more 002_f2 more &&
	git add migrations/versions/003_more.py &&
	git commit -q -m more migrations/versions/003_more.py >out 2>&1 &&
	consistent 003_more &&
	mig 004_again.py 004_again 003_more again &&
	git add migrations/versions/004_again.py &&
	git commit -q -m again migrations/versions/004_again.py >out 2>&1 &&
	consistent 004_again &&
	gmf check >/dev/null
'

test_expect_success 'git commit --only with another migration staged but not committed' '
	setup only2 &&
	mig 003_a.py 003_a 002_f2 a && mig 004_b.py 004_b 003_a b &&
	git add migrations/versions/003_a.py migrations/versions/004_b.py &&
	git commit -q --only -m a migrations/versions/003_a.py >out 2>&1 &&
	test "$(git show HEAD:migrations/versions/.head)" = 003_a &&
	test "$(git show :migrations/versions/.head)" = 004_b &&
	git commit -q -m b >out 2>&1 &&
	consistent 004_b
'

test_done
