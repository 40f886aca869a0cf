#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='core.hooksPath (tracked, shared), install --global, a moved clone'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# fork_branches: feature and main each add a migration on 001_init; main
# is pushed, feature is checked out.
fork_branches () {
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main &&
	git push -q origin main &&
	git checkout -q feature
}

test_expect_success 'uninstall after the clone was moved removes the hooks' '
	new_project mv1 && cd mv1 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m adopt &&
	test -x .git/hooks/pre-commit &&
	cd .. && mv mv1 mv2 && cd mv2 &&
	gmf install --uninstall >out &&
	test_grep "uninstalled" out &&
	test ! -e .git/hooks/pre-commit && test ! -e .git/hooks/post-rewrite &&
	test ! -e .git/hooks/post-commit &&
	test_must_fail git config merge.migrate-fix-head.driver &&
	test ! -e .gitattributes && test ! -e migrations/versions/.head &&
	git diff --cached --name-status >staged &&
	test_grep "^D	.gitattributes$" staged &&
	test_grep "^D	migrations/versions/.head$" staged
'

test_done
