#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='hook managers, with the real tools: the pre-commit framework, lefthook, husky'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# The real tools (./install.sh --deps-only installs them): skipped where
# missing, a failure when CI is set.
test_lazy_prereq PRECOMMIT 'pre-commit --version'
test_lazy_prereq LEFTHOOK 'lefthook version | grep "^2\."'
test_lazy_prereq HUSKY 'test -f "$(dirname "$(command -v husky)")/../lib/node_modules/husky/package.json"'
test_ci_required_prereqs="$test_ci_required_prereqs PRECOMMIT LEFTHOOK HUSKY "

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

# no_gmf CMD...: CMD with git-migrate-fix off PATH (a teammate without it).
no_gmf () {
	(PATH=$(echo "$PATH" | tr ":" "\n" | while read -r d
		do
			test -x "$d/git-migrate-fix" || printf "%s:" "$d"
		done) && PATH=${PATH%:} && export PATH &&
	 ! command -v git-migrate-fix >/dev/null && "$@")
}

# merge_and_rebase: on the fork, a merge into main, a pull and a pull
# --rebase of main into feature, a rebase of feature and a rebase -x each
# end with one head, repaired by the hooks.
merge_and_rebase () {
	mr_feature=$(git rev-parse feature) &&
	git checkout -q main && git merge -q --no-edit feature >out 2>&1 &&
	test_grep "inside the commit" out &&
	test -e migrations/versions/003_f.py && test ! -e migrations/versions/002_f.py &&
	gmf check >/dev/null &&
	git reset -q --hard HEAD~1 && git checkout -q feature &&
	git pull -q --no-rebase --no-edit origin main >out 2>&1 &&
	test_grep "inside the commit" out &&
	test -e migrations/versions/003_f.py && gmf check >/dev/null &&
	git reset -q --hard "$mr_feature" &&
	git pull -q --rebase origin main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	test -e migrations/versions/003_f.py && gmf check >/dev/null &&
	git reset -q --hard "$mr_feature" &&
	git rebase -q main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	test -e migrations/versions/003_f.py && gmf check >/dev/null &&
	git reset -q --hard "$mr_feature" &&
	git rebase -x "git migrate-fix check" main >out 2>&1 &&
	test_grep "inside this pick" out &&
	test "$(git log --format=%s -1)" = feature &&
	test -e migrations/versions/003_f.py && gmf check >/dev/null
}

# teammate_commits: without git-migrate-fix on PATH a commit still works.
teammate_commits () {
	echo "$1" >teammate.txt && git add teammate.txt &&
	no_gmf git commit -q -m "teammate $1" &&
	test "$(git log --format=%s -1)" = "teammate $1"
}

# snapshot DIR OUT: every file of DIR with its content, to compare.
snapshot () {
	(cd "$1" && for f in $(ls -A | sort)
	do
		test -f "$f" || continue
		echo "== $f" && cat "$f" || return 1
	done) >"$2"
}

# ------------------------------------------------ the pre-commit framework

# precommit_config: a configuration that needs no network.
precommit_config () {
	printf "repos:\n- repo: local\n  hooks:\n  - id: noop\n    name: noop\n    entry: \"true\"\n    language: system\n" \
		>.pre-commit-config.yaml &&
	git add .pre-commit-config.yaml && git commit -q -m "pre-commit config"
}

test_expect_success PRECOMMIT 'pre-commit framework first, then install: merge and rebase repair' '
	new_project pc1 && cd pc1 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	precommit_config && pre-commit install >/dev/null &&
	cp .git/hooks/pre-commit ../pc1.fw &&
	gmf install >../pc1.out && git commit -q -m adopt &&
	test_grep "runs ours as pre-commit.legacy" ../pc1.out &&
	test_grep ! "add a local hook" ../pc1.out &&
	test_cmp ../pc1.fw .git/hooks/pre-commit &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	teammate_commits one &&
	gmf install --uninstall >/dev/null &&
	test_cmp ../pc1.fw .git/hooks/pre-commit &&
	test ! -e .git/hooks/pre-commit.legacy
'

test_expect_success PRECOMMIT 'install first, then the pre-commit framework: merges and rebases still repair' '
	new_project pc2 && cd pc2 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m adopt &&
	precommit_config && pre-commit install >/dev/null &&
	test_grep "git-migrate-fix" .git/hooks/pre-commit.legacy &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	teammate_commits two &&
	gmf install --uninstall >/dev/null &&
	test ! -e .git/hooks/pre-commit.legacy &&
	test_grep "pre-commit" .git/hooks/pre-commit
'

test_expect_success PRECOMMIT 'the shipped check hook runs on a merge whose only conflict was .head' '
	new_project pc3 && cd pc3 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m adopt &&
	printf "repos:\n- repo: local\n  hooks:\n" >.pre-commit-config.yaml &&
	sed -n "/^- id:/,\$p" "$TOP/.pre-commit-hooks.yaml" | sed "s/^/  /" >>.pre-commit-config.yaml &&
	git add .pre-commit-config.yaml && git commit -q -m "pre-commit config" &&
	pre-commit install >/dev/null &&
	git push -q origin main && fork_branches && git checkout -q main &&
	GIT_MIGRATE_FIX_DRIVER=0 test_must_fail git merge -q --no-edit feature >/dev/null 2>&1 &&
	git checkout --ours migrations/versions/.head && git add migrations/versions/.head &&
	# our own hook off: the check hook alone must refuse the two heads
	test_must_fail env GIT_MIGRATE_FIX_ACTIVE=1 git commit -q --no-edit >out 2>&1 &&
	test_grep "alembic revision graph" out &&
	test_grep ! "no files to check" out
'

test_expect_success PRECOMMIT 'a hook of the user, then install, then the framework: it still runs, and comes back' '
	new_project pc4 && cd pc4 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	printf "#!/bin/sh\necho mine >>.git/mine-ran\n" >.git/hooks/pre-commit &&
	chmod +x .git/hooks/pre-commit && cp .git/hooks/pre-commit ../pc4.mine &&
	gmf install >/dev/null && git commit -q -m adopt &&
	precommit_config && pre-commit install >/dev/null &&
	cp .git/hooks/pre-commit ../pc4.fw &&
	rm -f .git/mine-ran && teammate_commits one && test_grep mine .git/mine-ran &&
	rm -f .git/mine-ran && echo y >y.txt && git add y.txt && git commit -q -m y &&
	test_grep mine .git/mine-ran &&
	gmf install --uninstall >/dev/null &&
	test_cmp ../pc4.fw .git/hooks/pre-commit &&
	test_cmp ../pc4.mine .git/hooks/pre-commit.legacy &&
	test ! -e .git/hooks/pre-commit.git-migrate-fix-prev
'

# ------------------------------------------------------------- lefthook

# lefthook_config: a tracked lefthook.yml whose pre-commit job leaves a
# trace, so the test sees lefthook still runs its own jobs.
lefthook_config () {
	printf "pre-commit:\n  commands:\n    trace:\n      run: echo ran >>.git/lefthook-ran\n" \
		>lefthook.yml &&
	git add lefthook.yml && git commit -q -m "lefthook config"
}

test_expect_success LEFTHOOK 'lefthook first, then install: merge, rebase, teammate, uninstall' '
	new_project lh1 && cd lh1 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	lefthook_config && lefthook install >/dev/null 2>&1 &&
	snapshot .git/hooks ../lh1.hooks && cp lefthook.yml ../lh1.yml &&
	gmf install >../lh1.out && git commit -q -m adopt &&
	test_grep "added our jobs to lefthook-local.yml" ../lh1.out &&
	cp lefthook-local.yml ../lh1.local && gmf install >/dev/null &&
	test_cmp ../lh1.local lefthook-local.yml &&
	test "$(grep -c lefthook-local .git/info/exclude)" = 1 &&
	test_grep "git-migrate-fix hook post-rewrite {1}" lefthook-local.yml &&
	test_cmp ../lh1.yml lefthook.yml &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	rm -f .git/lefthook-ran && teammate_commits one &&
	test_grep ran .git/lefthook-ran &&
	test_grep "^/lefthook-local.yml\$" .git/info/exclude &&
	gmf install --uninstall >/dev/null &&
	test ! -e lefthook-local.yml && test_cmp ../lh1.yml lefthook.yml &&
	test_grep ! "lefthook-local" .git/info/exclude &&
	snapshot .git/hooks ../lh1.hooks.after && test_cmp ../lh1.hooks ../lh1.hooks.after
'

test_expect_success LEFTHOOK 'install first, then lefthook: merges and rebases still repair' '
	new_project lh2 && cd lh2 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	lefthook_config &&
	gmf install >../lh2.out && git commit -q -m adopt &&
	test_grep "lefthook-local.yml" ../lh2.out &&
	lefthook install >/dev/null 2>&1 &&
	test_grep "call_lefthook" .git/hooks/post-rewrite &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	teammate_commits two &&
	gmf install --uninstall >/dev/null &&
	test ! -e lefthook-local.yml &&
	! ls .git/hooks | grep "\.old\$" &&
	test_grep "call_lefthook" .git/hooks/pre-commit
'

test_expect_success LEFTHOOK 'a local lefthook config of the user: our block in it, then out byte for byte' '
	new_project lh3 && cd lh3 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	lefthook_config &&
	printf "pre-push:\n  commands:\n    mine:\n      run: \"true\"\n" >lefthook-local.yml &&
	echo /lefthook-local.yml >>.git/info/exclude &&
	cp lefthook-local.yml ../lh3.local &&
	lefthook install >/dev/null 2>&1 &&
	gmf install >/dev/null && git commit -q -m adopt &&
	test_grep "pre-push:" lefthook-local.yml &&
	test_grep "git-migrate-fix hook post-merge {1}" lefthook-local.yml &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	gmf install --uninstall >/dev/null &&
	test_cmp ../lh3.local lefthook-local.yml
'

test_expect_success LEFTHOOK 'a local lefthook config that has our hooks: install says so, the merge stops' '
	new_project lh4 && cd lh4 &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	lefthook_config &&
	printf "post-merge:\n  commands:\n    mine:\n      run: \"true\"\n" >lefthook-local.yml &&
	echo /lefthook-local.yml >>.git/info/exclude &&
	lefthook install >/dev/null 2>&1 &&
	gmf install >../lh4.out && git commit -q -m adopt &&
	test_grep "cannot add our jobs to lefthook-local.yml" ../lh4.out &&
	git push -q origin main &&
	# teammates whose hooks work keep the lockfile current on both sides
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && git add -A && gmf hook pre-commit &&
	git commit -q -m feature && git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && git add -A && gmf hook pre-commit &&
	git commit -q -m main &&
	test_must_fail git merge -q --no-edit feature >out 2>&1 &&
	test_grep "hooks that finish the repair are not installed" out &&
	test -n "$(git ls-files -u migrations/versions/.head)"
'

# ---------------------------------------------------------------- husky

# husky_project NAME: a project whose tracked .husky/pre-commit leaves a
# trace; husky 9 set up by `husky init` (core.hooksPath=.husky/_).
husky_project () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	printf "{\"name\": \"t\", \"private\": true}\n" >package.json &&
	husky init >/dev/null &&
	echo "echo ran >>.git/husky-ran" >.husky/pre-commit &&
	git add package.json .husky/pre-commit && git commit -q -m "husky"
}

test_expect_success HUSKY 'husky first, then install: merge, rebase, teammate, uninstall' '
	husky_project hu1 &&
	test "$(git config core.hooksPath)" = .husky/_ &&
	cp .husky/pre-commit ../hu1.pre-commit && snapshot .husky/_ ../hu1.stubs &&
	gmf install >../hu1.out &&
	test_grep "husky runs the scripts in .husky/" ../hu1.out &&
	git diff --cached --name-only >staged &&
	test_grep "^.husky/post-merge\$" staged &&
	git commit -q -m adopt &&
	gmf install >/dev/null && git diff --cached --quiet && git diff --quiet &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	rm -f .git/husky-ran && teammate_commits one &&
	test_grep ran .git/husky-ran &&
	gmf install --uninstall >/dev/null &&
	test_cmp ../hu1.pre-commit .husky/pre-commit &&
	test ! -e .husky/post-merge && test ! -e .husky/post-rewrite &&
	test ! -e .husky/post-commit &&
	snapshot .husky/_ ../hu1.stubs.after && test_cmp ../hu1.stubs ../hu1.stubs.after
'

test_expect_success HUSKY 'install first (a clone before npm install), then husky' '
	husky_project hu2 &&
	git config --unset core.hooksPath && rm -rf .husky/_ &&
	cp .husky/pre-commit ../hu2.pre-commit &&
	gmf install >../hu2.out && git commit -q -m adopt &&
	test_grep "husky runs the scripts in .husky/" ../hu2.out &&
	husky >/dev/null &&
	test "$(git config core.hooksPath)" = .husky/_ &&
	git push -q origin main && fork_branches && merge_and_rebase &&
	teammate_commits two &&
	gmf install --uninstall >/dev/null &&
	test_cmp ../hu2.pre-commit .husky/pre-commit &&
	test ! -e .husky/post-merge &&
	test ! -e .git/hooks/pre-commit && test ! -e .git/hooks/post-rewrite
'

test_done
