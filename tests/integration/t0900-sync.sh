#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='sync: a pull request that conflicts on the migrations is brought up to date where CI runs'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The developer who pushed has the hooks (they run `git-migrate-fix` from
# PATH and keep the head lockfile current); the clones CI makes have no
# hooks and no driver in their configuration.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# hosted NAME: the hosting side: a bare origin NAME-origin.git whose main
# and pr branches both added a migration on 001 (the project adopted the
# tool, so both changed the head lockfile), and a working copy NAME of the
# developer who pushed them.
hosted () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b pr &&
	mig 002_pr.py 002_pr 001_init "pull request" && commit_all "pr: add 002_pr" &&
	echo "pr" >pr.txt && git add pr.txt && git commit -q -m "pr: a file" &&
	git push -q -u origin pr 2>/dev/null &&
	git checkout -q main &&
	mig 002_main.py 002_main 001_init "main" && commit_all "main: add 002_main" &&
	git push -q origin main &&
	cd ..
}

# ci_clone NAME DIR [--depth 1]: what actions/checkout makes of the pr branch.
ci_clone () {
	git clone -q ${3+"$3"} ${4+"$4"} --single-branch --branch pr \
		"file://$TRASH/$1-origin.git" "$2"
}

# origin_merges NAME: the hosting side merges pr into main without a
# conflict, and the merged tree has one head that upgrades on SQLite.
origin_merges () {
	git --git-dir="$1-origin.git" merge-tree --write-tree main pr >tree.out &&
	rm -rf merged && git init -q merged &&
	git --git-dir="$1-origin.git" archive "$(head -n 1 tree.out)" | (cd merged && tar xf -) &&
	(cd merged && alembic_cycle)
}

test_expect_success 'the hosting side sees a conflict in the head lockfile' '
	hosted h0 &&
	test_must_fail git --git-dir=h0-origin.git merge-tree --write-tree main pr >out &&
	test_grep "migrations/versions/.head" out
'

test_expect_success ALEMBIC 'sync --push from a shallow single-branch clone: origin merges cleanly, main untouched' '
	hosted h1 &&
	main_before=$(git --git-dir=h1-origin.git rev-parse main) &&
	ci_clone h1 c1 --depth 1 &&
	test "$(git -C c1 rev-parse --is-shallow-repository)" = true &&
	(cd c1 && gmf sync --push >../out 2>&1) &&
	test_grep "merged origin/main into pr" out &&
	test "$(git --git-dir=h1-origin.git rev-parse main)" = "$main_before" &&
	test "$(git --git-dir=h1-origin.git rev-parse pr:migrations/versions/002_main.py)" = \
		"$(git --git-dir=h1-origin.git rev-parse main:migrations/versions/002_main.py)" &&
	test "$(git --git-dir=h1-origin.git rev-list --parents -n 1 pr | wc -w)" = 3 &&
	git --git-dir=h1-origin.git log -1 --format=%B pr >msg &&
	test_grep "^Merge origin/main into pr" msg &&
	test_grep "002_pr -> " msg &&
	git --git-dir=h1-origin.git ls-tree -r --name-only pr >tree &&
	test_grep "migrations/versions/003_pr.py" tree &&
	test_grep ! "migrations/versions/002_pr.py" tree &&
	origin_merges h1 &&
	test "$(git -C c1 status --porcelain --untracked-files=no)" = "" &&
	test -z "$(git -C c1 for-each-ref refs/migrate-fix/)" &&
	git -C c1 rev-parse --verify -q refs/remotes/origin/pr
'

test_expect_success ALEMBIC 'a second sync right after pushes nothing' '
	pr_before=$(git --git-dir=h1-origin.git rev-parse pr) &&
	(cd c1 && gmf sync --push >../out 2>&1) &&
	test_grep "up to date" out &&
	test "$(git --git-dir=h1-origin.git rev-parse pr)" = "$pr_before"
'

test_expect_success ALEMBIC 'sync --push from a fresh full clone' '
	hosted h2 &&
	ci_clone h2 c2 &&
	(cd c2 && gmf sync --push >../out 2>&1) &&
	origin_merges h2
'

test_expect_success ALEMBIC 'no fork of the migration graph: no commit, exit 0' '
	new_project h3 && (
		cd h3 &&
		mig 001_init.py 001_init None "init" && commit_all base &&
		git push -q origin main &&
		git checkout -q -b pr && echo pr >pr.txt && commit_all "pr: a file" &&
		git push -q -u origin pr 2>/dev/null &&
		git checkout -q main &&
		mig 002_main.py 002_main 001_init "main" && commit_all main &&
		git push -q origin main
	) &&
	ci_clone h3 c3 --depth 1 &&
	before=$(git -C c3 rev-parse HEAD) &&
	(cd c3 && gmf sync --push >../out 2>&1) &&
	test_grep "nothing to do" out &&
	test "$(git -C c3 rev-parse HEAD)" = "$before" &&
	test "$(git --git-dir=h3-origin.git rev-parse pr)" = "$before" &&
	test "$(git -C c3 status --porcelain)" = ""
'

test_expect_success ALEMBIC 'a conflict in another file: exit 1, files named, nothing pushed, tree as it was' '
	hosted h4 && (
		cd h4 &&
		git checkout -q pr && echo "pr side" >shared.txt && commit_all "pr: shared" &&
		git push -q origin pr &&
		git checkout -q main && echo "main side" >shared.txt && commit_all "main: shared" &&
		git push -q origin main
	) &&
	ci_clone h4 c4 --depth 1 &&
	before=$(git -C c4 rev-parse HEAD) &&
	(cd c4 && test_expect_code 1 gmf sync --push >../out 2>&1) &&
	test_grep "conflict: shared.txt" out &&
	test_grep "nothing pushed" out &&
	test "$(git -C c4 rev-parse HEAD)" = "$before" &&
	test "$(git --git-dir=h4-origin.git rev-parse pr)" = "$before" &&
	test "$(git -C c4 status --porcelain)" = "" &&
	test_must_fail git -C c4 rev-parse -q --verify MERGE_HEAD
'

test_expect_success ALEMBIC 'sync --rebase --push: the branch is rebased onto main and repaired' '
	hosted h5 &&
	ci_clone h5 c5 --depth 1 &&
	(cd c5 && gmf sync --rebase --push >../out 2>&1) &&
	test_grep "rebased pr onto origin/main" out &&
	main=$(git --git-dir=h5-origin.git rev-parse main) &&
	git --git-dir=h5-origin.git merge-base --is-ancestor "$main" pr &&
	test "$(git --git-dir=h5-origin.git rev-list --merges "$main..pr" | wc -l)" = 0 &&
	git --git-dir=h5-origin.git log -1 --format=%s pr >msg &&
	test_grep "Renumber migrations after rebase onto origin/main" msg &&
	origin_merges h5
'

test_expect_success ALEMBIC 'sync --dry-run --format=markdown: a comment body, nothing changed' '
	hosted h6 &&
	ci_clone h6 c6 --depth 1 &&
	before=$(git -C c6 rev-parse HEAD) &&
	(cd c6 && gmf sync --dry-run --format=markdown >../out 2>../err) &&
	test_grep "^### git-migrate-fix sync" out &&
	test_grep "would" out &&
	test_grep "002_pr.py. -> .migrations/versions/003_pr.py" out &&
	test "$(git -C c6 rev-parse HEAD)" = "$before" &&
	test "$(git -C c6 status --porcelain)" = "" &&
	test "$(git --git-dir=h6-origin.git rev-parse pr)" = "$before"
'

test_expect_success ALEMBIC,PYTHON3 'sync --dry-run --format=json says what it would do' '
	(cd c6 && gmf sync --dry-run --format=json >../out) &&
	json_valid out &&
	test_grep "\"state\":\"done\"" out &&
	test_grep "\"dry_run\":true" out
'

# action NAME DIR MODE: runs the GitHub Action's steps in DIR, as GitHub
# would, with an event file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
action () {
	printf '{"pull_request":{"base":{"ref":"main"},"head":{"ref":"pr"}}}\n' >event.json &&
	: >"$1.output" && : >"$1.summary" &&
	(
		cd "$2" &&
		GMF=$GMF_BIN INPUT_MODE=$3 GITHUB_EVENT_PATH=$TRASH/event.json \
		GITHUB_OUTPUT=$TRASH/$1.output GITHUB_STEP_SUMMARY=$TRASH/$1.summary \
		GITHUB_HEAD_REF=pr RUNNER_TEMP=$TRASH sh "$TOP/contrib/ci/github-action.sh"
	)
}

test_expect_success ALEMBIC 'the action, comment mode: the Markdown body, nothing pushed' '
	hosted a1 &&
	ci_clone a1 ca1 --depth 1 &&
	before=$(git --git-dir=a1-origin.git rev-parse pr) &&
	git -C ca1 checkout -q --detach &&
	action a1 ca1 comment >out 2>&1 &&
	test_grep "^state=done" a1.output &&
	test_grep "^comment=" a1.output &&
	test_grep "^### git-migrate-fix sync" a1.summary &&
	test_grep "003_pr" a1.summary &&
	test "$(git --git-dir=a1-origin.git rev-parse pr)" = "$before"
'

test_expect_success ALEMBIC 'the action, sync mode: pushed, summarised; check mode: clean' '
	action a1 ca1 sync >out 2>&1 &&
	test_grep "^state=done" a1.output &&
	test_grep "merged .origin/main. into .pr." a1.summary &&
	origin_merges a1 &&
	action a1 ca1 check >out 2>&1 &&
	test_grep "^state=clean" a1.output
'

test_done
