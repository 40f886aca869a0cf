#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='core.hooksPath (tracked, shared), install --global, a moved clone'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would;
# NOBIN_PATH is what a teammate without it has.
NOBIN_PATH=$PATH
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH NOBIN_PATH

test_lazy_prereq NOBIN 'PATH=$NOBIN_PATH && ! command -v git-migrate-fix'

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

test_expect_success 'uninstall where install never ran: exit 1, nothing changed' '
	new_project ni && cd ni &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	git status --porcelain >../ni.before &&
	test_expect_code 1 gmf install --uninstall 2>../ni.err &&
	test_grep "not installed in this repository" ../ni.err &&
	git status --porcelain >../ni.after &&
	test_cmp ../ni.before ../ni.after &&
	test ! -e .git/hooks/pre-commit
'

# project NAME: a project with a head lockfile committed by hand (as a
# teammate's install left it), not installed here.
project () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" &&
	echo 001_init >migrations/versions/.head && commit_all base
}

# add_mig N DOWN: a commit adding migration 00N_x on top of DOWN.
add_mig () {
	mig "00$1_x.py" "00$1_x" "$2" "x $1" &&
	git add "migrations/versions/00$1_x.py" && git commit -q -m "x $1" 2>/dev/null
}

test_expect_success ALEMBIC 'a tracked core.hooksPath: install stages its changes and says what to commit' '
	project tr &&
	mkdir .githooks &&
	printf "#!/bin/sh\necho team \"\$@\" >>\"%s/team.log\"\n" "$TRASH" >.githooks/pre-commit &&
	chmod +x .githooks/pre-commit && git add .githooks && git commit -q -m "team hooks" &&
	git config core.hooksPath .githooks &&
	gmf install >../out &&
	test_grep "is in the work tree: these changes are staged, commit them" ../out &&
	test_grep "\.githooks/post-rewrite" ../out &&
	test_grep "\.githooks/pre-commit.git-migrate-fix-prev" ../out &&
	git diff --name-only >../unstaged && test ! -s ../unstaged &&
	git ls-files --others --exclude-standard >../untracked && test ! -s ../untracked &&
	git diff --cached --name-only >../staged &&
	test_grep "^.githooks/post-merge$" ../staged &&
	test_grep "^.githooks/pre-commit.git-migrate-fix-prev$" ../staged &&
	git commit -q -m adopt &&
	test "$(git status --porcelain)" = "" &&
	test_grep "^team" ../team.log &&
	git push -q origin main &&
	fork_branches && git checkout -q main &&
	git merge -q --no-edit feature >../out 2>&1 &&
	test -e migrations/versions/003_f.py &&
	test "$(cat migrations/versions/.head)" = 003_f &&
	test "$(git status --porcelain --untracked-files=no)" = "" &&
	gmf check >/dev/null
'

test_expect_success NOBIN 'a tracked core.hooksPath: a teammate without the binary commits and rebases' '
	git clone -q tr-origin.git mate && cd mate &&
	git config core.hooksPath .githooks &&
	: >"$TRASH/team.log" &&
	mig 003_t.py 003_t 002_m "teammate" &&
	PATH=$NOBIN_PATH && export PATH &&
	git add migrations/versions/003_t.py && git commit -q -m teammate &&
	test_grep "^team" ../team.log &&
	test "$(cat migrations/versions/.head)" = 002_m &&
	git pull -q --rebase origin main &&
	test "$(git status --porcelain)" = ""
'

test_expect_success 'a tracked core.hooksPath: a clone that did not install is left alone' '
	git clone -q tr-origin.git mate2 && cd mate2 &&
	git config core.hooksPath .githooks &&
	add_mig 4 002_m &&
	test "$(cat migrations/versions/.head)" = 002_m &&
	gmf install >../out &&
	test_grep ! "commit them" ../out &&
	test "$(git status --porcelain)" = "" &&
	add_mig 5 004_x &&
	test "$(cat migrations/versions/.head)" = 005_x &&
	gmf install --uninstall >../out &&
	test -x .githooks/post-rewrite &&
	test "$(git status --porcelain --untracked-files=no)" = ""
'

test_expect_success 'a shared core.hooksPath: hooks act only where install ran, and stay for the others' '
	mkdir shared &&
	git config --global core.hooksPath "$TRASH/shared" &&
	test_when_finished "git config --global --unset core.hooksPath" &&
	project sa && gmf install >out && git commit -q -m adopt &&
	test_grep "is outside this repository" out &&
	test -x ../shared/pre-commit && test -x ../shared/post-merge &&
	test "$(cat ../shared/.git-migrate-fix-repos)" = "$(cd .git && pwd)" &&
	cd .. && project sb &&
	echo note >notes.txt && git add notes.txt &&
	git commit -q -m notes 2>../sb.err &&
	test_grep ! "cannot open" ../sb.err &&
	add_mig 2 001_init &&
	test "$(cat migrations/versions/.head)" = 001_init &&
	gmf install >/dev/null && git commit -q -m adopt &&
	test "$(wc -l <../shared/.git-migrate-fix-repos)" = 2 &&
	add_mig 3 002_x &&
	test "$(cat migrations/versions/.head)" = 003_x &&
	cd ../sa &&
	gmf install --uninstall >out &&
	test_grep "stay while another repository" out &&
	test -x ../shared/pre-commit &&
	git commit -q -m unadopt &&
	add_mig 2 001_init &&
	test "$(cat migrations/versions/.head)" = 001_init &&
	cd ../sb && add_mig 4 003_x &&
	test "$(cat migrations/versions/.head)" = 004_x &&
	gmf install --uninstall >out &&
	test_grep ! "stay while" out &&
	test ! -e ../shared/pre-commit && test ! -e ../shared/post-merge &&
	test ! -e ../shared/.git-migrate-fix-repos
'

# adopted NAME: a project adopted (install, committed) whose main and
# feature each add a migration on 001_init, both pushed.
adopted () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	fork_branches && git push -q origin feature && cd ..
}

# global_setup: a global configuration of the test's own, with a key of
# the user's, and install --global in it.
global_setup () {
	GIT_CONFIG_GLOBAL=$TRASH/global.gitconfig && export GIT_CONFIG_GLOBAL &&
	printf "[user]\n\tname = Some One\n" >"$GIT_CONFIG_GLOBAL" &&
	cp "$GIT_CONFIG_GLOBAL" "$TRASH/global.before" &&
	gmf install --global >"$TRASH/global.out"
}

# fresh NAME DIR: a new clone of NAME-origin.git, which never ran install.
fresh () {
	git clone -q "$1-origin.git" "$2" && cd "$2" &&
	test_must_fail git config --local merge.migrate-fix-head.driver &&
	test ! -e .git/hooks/pre-commit && test ! -e .git/hooks/post-rewrite
}

# local_work: in a fresh clone, a local branch from before main's
# migration adds one of its own; adding it arms pre-commit, which keeps
# the lockfile current and removes itself.
local_work () {
	git checkout -q -b loc origin/main~1 &&
	mig 002_l.py 002_l 001_init "local" &&
	git add migrations/versions/002_l.py &&
	test -x .git/hooks/pre-commit &&
	git commit -q -m local &&
	test "$(git show HEAD:migrations/versions/.head)" = 002_l &&
	test ! -e .git/hooks/pre-commit
}

test_expect_success ALEMBIC 'install --global: a fresh clone repairs a merge with no step of its own' '
	adopted ga && global_setup &&
	test_grep "installed in your global git configuration" global.out &&
	test "$(git config --global merge.migrate-fix-head.driver)" = "git-migrate-fix merge-driver %O %A %B %L %P %S %X %Y" &&
	test "$(git config --global migrate-fix.ondemand)" = true &&
	fresh ga c1 && local_work &&
	git merge -q --no-edit origin/main >../out 2>&1 &&
	test_grep "inside the commit" ../out &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	test -e migrations/versions/003_l.py && test ! -e migrations/versions/002_l.py &&
	test ! -e .git/hooks/post-merge && test ! -e .git/hooks/pre-commit &&
	test "$(cat migrations/versions/.head)" = 003_l &&
	test "$(git status --porcelain --untracked-files=no)" = "" &&
	gmf check >/dev/null && alembic_cycle
'

test_expect_success ALEMBIC 'install --global: a fresh clone repairs a pull and a rebase' '
	global_setup &&
	fresh ga c2 && local_work &&
	git pull -q --no-rebase origin main >../out 2>&1 &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	test -e migrations/versions/003_l.py &&
	test "$(cat migrations/versions/.head)" = 003_l &&
	test ! -e .git/hooks/post-merge &&
	cd .. && fresh ga c3 && local_work &&
	git rebase -q origin/main >../out 2>&1 &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	test -e migrations/versions/003_l.py &&
	test "$(cat migrations/versions/.head)" = 003_l &&
	test "$(git status --porcelain --untracked-files=no)" = "" &&
	test ! -e .git/hooks/post-rewrite &&
	gmf check >/dev/null && alembic_cycle
'

test_expect_success 'install --global: a merge that stops elsewhere is repaired when it is committed' '
	global_setup &&
	fresh ga c4 && local_work &&
	echo local >notes.txt && git add notes.txt && git commit -q -m "notes local" &&
	git checkout -q -b m2 origin/main &&
	echo main >notes.txt && git add notes.txt && git commit -q -m "notes main" &&
	git checkout -q loc &&
	test_must_fail git merge -q --no-edit m2 >../out 2>&1 &&
	test -x .git/hooks/pre-commit &&
	echo both >notes.txt && git add notes.txt &&
	git commit -q --no-edit >../out 2>&1 &&
	test -e migrations/versions/003_l.py &&
	test "$(git show HEAD:migrations/versions/.head)" = 003_l &&
	test ! -e .git/hooks/pre-commit && test ! -e .git/hooks/post-merge &&
	gmf check >/dev/null
'

test_expect_success 'install --uninstall --global undoes exactly what it did' '
	global_setup &&
	gmf install --global >again.out &&
	cp "$GIT_CONFIG_GLOBAL" global.installed &&
	gmf install --uninstall --global >out &&
	test_grep "uninstalled from your global git configuration" out &&
	test_cmp global.before "$GIT_CONFIG_GLOBAL" &&
	test_expect_code 1 gmf install --uninstall --global 2>err &&
	test_grep "not installed in your global" err &&
	fresh ga c5 &&
	test_must_fail git merge -q --no-edit origin/feature >../out 2>&1 &&
	test_grep "^<<<<<<<" migrations/versions/.head &&
	test ! -e .git/hooks/post-merge
'

test_expect_success 'install --global refuses a driver of someone else and writes nothing' '
	GIT_CONFIG_GLOBAL=$TRASH/other.gitconfig && export GIT_CONFIG_GLOBAL &&
	git config --global merge.migrate-fix-head.driver "my-own %O %A %B" &&
	cp "$GIT_CONFIG_GLOBAL" other.before &&
	test_expect_code 1 gmf install --global 2>err &&
	test_grep "already set in your global git configuration" err &&
	test_cmp other.before "$GIT_CONFIG_GLOBAL"
'

test_done
