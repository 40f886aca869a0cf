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

test_expect_success ALEMBIC 'git am -3: the applied migrations move after the branch, one commit on top' '
	setup am3 &&
	mig 003_f3.py 003_f3 002_f2 f3 && commit_all f3 &&
	git format-patch -q -2 -o ../am3-patches &&
	git checkout -q main && before=$(git rev-parse HEAD) &&
	test -x .git/hooks/post-applypatch &&
	git am -3 ../am3-patches/*.patch >out 2>&1 &&
	test_grep "moved 2 migrations after 002_m in a new commit" out &&
	test "$(git log --format=%s -1)" = "Renumber migrations after git am" &&
	test "$(git log --format=%s -1 HEAD~2)" = feature &&
	test "$(git rev-parse HEAD~3)" = "$before" &&
	test -e migrations/versions/003_f2.py && test -e migrations/versions/004_f3.py &&
	test_grep "down_revision: .* = \"002_m\"" migrations/versions/003_f2.py &&
	consistent 004_f3 &&
	gmf check >/dev/null && alembic_cycle &&
	gmf undo >/dev/null &&
	test "$(git log --format=%s -1)" = f3
'

test_expect_success ALEMBIC 'plain git am: told before it stops what to run; am.threeWay then works' '
	setup am1 &&
	git format-patch -q -1 -o ../am1-patches &&
	git checkout -q -b fresh main~1 &&
	git am ../am1-patches/*.patch >clean.out 2>&1 &&
	test_grep ! "git-migrate-fix" clean.out &&
	git checkout -q main && before=$(git rev-parse HEAD) &&
	test_must_fail git am ../am1-patches/*.patch >out 2>&1 &&
	test_grep "this patch changes the head lockfile migrations/versions/.head, which has moved on here" out &&
	test_grep "run .git am --abort., then .git am -3. with the same patches" out &&
	git am --abort &&
	test "$(git rev-parse HEAD)" = "$before" &&
	git config am.threeWay true &&
	git am ../am1-patches/*.patch >out 2>&1 &&
	test_grep "moved 1 migration after 002_m in a new commit" out &&
	consistent 003_f2 &&
	alembic_cycle
'

test_expect_success 'git am -3 without the post-applypatch hook: a conflict that says what to run' '
	setup am4 &&
	git format-patch -q -1 -o ../am4-patches &&
	git checkout -q main && rm .git/hooks/post-applypatch &&
	test_must_fail git am -3 ../am4-patches/*.patch >out 2>&1 &&
	test_grep "git am. needs the post-applypatch hook" out &&
	test_grep "^<<<<<<<" migrations/versions/.head &&
	git am --abort &&
	test "$(git log --format=%s -1)" = main
'

test_expect_success 'an octopus merge stops before anything changes; one branch at a time works' '
	setup oct &&
	git checkout -q -b f3 main~1 && mig 002_f3.py 002_f3 001_init f3 && commit_all f3 &&
	git checkout -q main && before=$(git rev-parse HEAD) &&
	test_must_fail git merge --no-edit feature f3 >out 2>&1 &&
	test "$(git rev-parse HEAD)" = "$before" &&
	test -z "$(git status --porcelain --untracked-files=no)" &&
	test ! -e .git/migrate-fix/pending &&
	test "$(cat migrations/versions/.head)" = 002_m &&
	git merge -q --no-edit feature >out 2>&1 &&
	git merge -q --no-edit f3 >out 2>&1 &&
	gmf check >/dev/null &&
	test "$(git show HEAD:migrations/versions/.head)" = "$(cat migrations/versions/.head)"
'

test_expect_success ALEMBIC 'rebase (commit mode): the body says what moved where; without -x only the tip is repaired' '
	setup rx &&
	mig 003_f3.py 003_f3 002_f2 f3 && commit_all f3 &&
	git rebase -q main >out 2>&1 &&
	git log -1 --format=%B >body &&
	test "$(head -n 1 body)" = "Renumber migrations after rebase" &&
	test_grep "^Moved after 002_m:$" body &&
	test_grep "^  migrations/versions/002_f2.py -> migrations/versions/003_f2.py$" body &&
	test_grep "^  migrations/versions/003_f3.py -> migrations/versions/004_f3.py$" body &&
	test_grep "^  003_f2: down_revision 001_init -> 002_m$" body &&
	test_grep "^  002_f2 -> 003_f2$" body &&
	consistent 004_f3 && alembic_cycle &&
	# as documented: only the tip is repaired, the picks keep two heads
	git checkout -q HEAD~1 &&
	test_expect_code 1 gmf check >pick.out &&
	test_grep "error\[multiple-heads\]" pick.out &&
	git checkout -q feature
'

test_expect_success ALEMBIC 'rebase -x check: each pick is repaired as it is made, the end too' '
	setup rx2 &&
	mig 003_f3.py 003_f3 002_f2 f3 && commit_all f3 &&
	git rebase -x "git migrate-fix check >/dev/null && $ALEMBIC heads >>../rx2.heads" main \
		>x.out 2>&1 &&
	test_grep "inside this pick, so the command after it sees one head" x.out &&
	# the command saw one head at each pick: 003_f2, then 004_f3
	test "$(sed -e "s/ .*//" ../rx2.heads)" = "$(printf "003_f2\n004_f3")" &&
	test "$(git log --format=%s -3 | tr "\n" " ")" = "f3 feature main " &&
	git log -1 --format=%B HEAD~1 >body &&
	test_grep "^git-migrate-fix moved 1 migration after 002_m\.$" body &&
	test_grep "^  migrations/versions/002_f2.py -> migrations/versions/003_f2.py$" body &&
	test_grep "^  002_f2 -> 003_f2$" body &&
	git log -1 --format=%B >body3 &&
	test_grep "^  migrations/versions/003_f3.py -> migrations/versions/004_f3.py$" body3 &&
	test_grep "^  003_f3 -> 004_f3$" body3 &&
	consistent 004_f3 && alembic_cycle &&
	git checkout -q HEAD~1 && gmf check >/dev/null &&
	test "$(cat migrations/versions/.head)" = 003_f2 &&
	git checkout -q feature &&
	test ! -e .git/migrate-fix/replay && test ! -e .git/migrate-fix/pending
'

test_expect_success ALEMBIC 'rebase -i with one exec: that pick is repaired, the end finishes the plan' '
	setup rx3 &&
	mig 003_f3.py 003_f3 002_f2 f3 && commit_all f3 &&
	mig 004_f4.py 004_f4 003_f3 f4 && commit_all f4 &&
	cat >../rx3.seq <<-\EOF &&
	#!/bin/sh
	awk "{ print } / f3\$/ { print \"exec git migrate-fix check >../rx3.check\" }" \
		"$1" >"$1.new" && mv "$1.new" "$1"
	EOF
	chmod +x ../rx3.seq &&
	GIT_SEQUENCE_EDITOR=../rx3.seq git rebase -i main >x.out 2>&1 &&
	test_grep "^ok" ../rx3.check &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	git log -1 --format=%B >body &&
	test_grep "^  migrations/versions/004_f4.py -> migrations/versions/005_f4.py$" body &&
	test_grep "^  004_f4 -> 005_f4$" body &&
	consistent 005_f4 && alembic_cycle && gmf check >/dev/null
'

test_expect_success ALEMBIC 'rebase -x with a pick that changes a migration again: no wrong amend' '
	setup rx4 &&
	printf "\n# tuned\n" >>migrations/versions/002_f2.py && commit_all tune &&
	git rebase -x "git migrate-fix check >>../rx4.check 2>&1 || :" main >x.out 2>&1 &&
	# the first pick holds 002_f2 as it was before "tune": left alone
	test_grep "this pick keeps its migrations as they are" x.out &&
	test_grep "error\[multiple-heads\]" ../rx4.check &&
	consistent 003_f2 && gmf check >/dev/null && alembic_cycle &&
	test_grep "# tuned" migrations/versions/003_f2.py &&
	test ! -e migrations/versions/002_f2.py
'

# twoheads NAME: a repository whose main has two heads on 001 (002_a and
# 002_b, the same sequence number), committed; cwd is the project.
twoheads () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None init &&
	mig 002_a.py 002_a 001_init a && mig 002_b.py 002_b 001_init b &&
	commit_all two && mkdir -p app/sub
}

test_expect_success 'github annotations: paths from GITHUB_WORKSPACE, one per file involved' '
	twoheads gh1 && top=$(pwd) &&
	(cd app/sub && GITHUB_WORKSPACE=$top test_expect_code 1 gmf check --format=github) >out &&
	grep "^::error " out >errors &&
	test "$(wc -l <errors)" = 2 &&
	test_grep "^::error file=migrations/versions/002_a.py,line=[0-9]*,title=multiple-heads::" errors &&
	test_grep "^::error file=migrations/versions/002_b.py,line=[0-9]*,title=multiple-heads::" errors &&
	grep "^::warning " out >warnings &&
	test_grep "^::warning file=migrations/versions/002_a.py,title=duplicate-sequence::" warnings &&
	test_grep "^::warning file=migrations/versions/002_b.py,title=duplicate-sequence::" warnings &&
	test_grep ! "\.\./" out &&
	# a workspace above the repository: paths from there
	(cd app && GITHUB_WORKSPACE=$(dirname "$top") test_expect_code 1 gmf check --format=github) >out2 &&
	test_grep "^::error file=gh1/migrations/versions/002_a.py," out2 &&
	# no GITHUB_WORKSPACE: from the repository root, not the cwd
	(cd app/sub && unset GITHUB_WORKSPACE && test_expect_code 1 gmf check --format=github) >out3 &&
	test_grep "^::error file=migrations/versions/002_b.py," out3
'

test_expect_success 'GITHUB_STEP_SUMMARY gets the whole report as Markdown, appended' '
	twoheads gh2 &&
	echo "earlier step" >summary.md &&
	GITHUB_STEP_SUMMARY=$(pwd)/summary.md test_expect_code 1 gmf check --format=github >out &&
	test "$(head -n 1 summary.md)" = "earlier step" &&
	test_grep "^### git-migrate-fix check$" summary.md &&
	test_grep "^\*\*1 error\*\* in 3 migrations\.$" summary.md &&
	test_grep "^| error | .multiple-heads. | .migrations/versions/002_a.py:[0-9]*.<br>.migrations/versions/002_b.py:[0-9]*. | 2 heads in one chain: 002_a, 002_b | " summary.md &&
	test_grep "^| warning | .duplicate-sequence. | " summary.md &&
	test_grep "^1 error, 1 warning\.$" summary.md &&
	git rm -q migrations/versions/002_b.py && git commit -q -m one &&
	GITHUB_STEP_SUMMARY=$(pwd)/summary.md gmf check --format=github >out &&
	test "$(grep -c "^### git-migrate-fix check$" summary.md)" = 2 &&
	test_grep "^No errors in 2 migrations: head .002_a.\.$" summary.md
'

test_expect_success ALEMBIC 'duplicate-sequence: a true hint, and migrate-fix.ignore silences it' '
	new_project ign && cd ign &&
	mig 001_init.py 001_init None init &&
	mig 002_a.py 002_a 001_init a && mig 002_b.py 002_b 002_a b &&
	commit_all seq &&
	gmf check >out &&
	test_grep "warning\[duplicate-sequence\]" out &&
	test_grep "hint: Alembic orders by revision id, not by file name" out &&
	test_grep "git config migrate-fix.ignore duplicate-sequence" out &&
	test_grep ! "migrate-fix fix" out &&
	# what the old hint said to run has nothing to do, indeed
	gmf fix >fix.out &&
	test -z "$(git status --porcelain --untracked-files=no)" &&
	git config migrate-fix.ignore "duplicate-sequence, docstring-mismatch" &&
	gmf check >out &&
	test_grep ! duplicate-sequence out &&
	test_grep "^ok: 3 migrations, 1 head (002_b), 1 ignored (migrate-fix.ignore)$" out &&
	gmf check --format=github >out &&
	test_grep ! "^::warning" out &&
	test_grep "1 ignored" out &&
	gmf check --format=json >out.json &&
	json_check out.json "d[\"summary\"] == {\"fatal\": 0, \"errors\": 0, \"warnings\": 0, \"ignored\": 1} and d[\"findings\"] == []" &&
	alembic_cycle
'

test_expect_success 'migrate-fix.ignore never silences an error, nor a typo' '
	twoheads ign2 &&
	git config migrate-fix.ignore multiple-heads &&
	test_expect_code 2 gmf check >out 2>err &&
	test_grep "names .multiple-heads., an error: only warnings can be ignored" err &&
	git config migrate-fix.ignore duplicate-sequense &&
	test_expect_code 2 gmf check >out 2>err &&
	test_grep "names .duplicate-sequense., which is no finding code" err &&
	git config --unset migrate-fix.ignore &&
	git config --add migrate-fix.ignore duplicate-sequence &&
	test_expect_code 1 gmf check >out &&
	test_grep "error\[multiple-heads\]" out &&
	test_grep "1 warning ignored" out
'

test_expect_success 'git -c and GIT_CONFIG_COUNT settings count, as git reads them' '
	new_project envc && cd envc &&
	mig 001_init.py 001_init None init &&
	mig 002_a.py 002_a 001_init a && mig 002_b.py 002_b 002_a b &&
	commit_all seq &&
	gmf check >out &&
	test_grep "warning\[duplicate-sequence\]" out &&
	# git passes -c to the programs it runs in GIT_CONFIG_PARAMETERS
	git -c migrate-fix.ignore=duplicate-sequence migrate-fix check >out &&
	test_grep "1 ignored (migrate-fix.ignore)" out &&
	GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=Migrate-Fix.Ignore \
		GIT_CONFIG_VALUE_0=duplicate-sequence gmf check >out &&
	test_grep "1 ignored (migrate-fix.ignore)" out &&
	# the environment comes after the files, -c last: it wins
	git config migrate-fix.naming none &&
	test_expect_code 2 git -c migrate-fix.naming=stme migrate-fix check >out 2>err &&
	test_grep "migrate-fix.naming is .stme.: use auto, stem, prefix, contains or none" err &&
	git config migrate-fix.naming stme &&
	test_expect_code 2 gmf check >out 2>err &&
	test_grep "migrate-fix.naming is .stme." err &&
	git -c migrate-fix.naming=none migrate-fix check >out
'

test_expect_success 'fix --format=json says why it refused, on standard output too' '
	twoheads jref &&
	test_expect_code 1 gmf fix --dry-run --format=json >out.json 2>err &&
	test_grep "which side stays cannot be told" err &&
	json_check out.json "d[\"plans\"] == []" \
		"d[\"refused\"][\"reason\"] != \"\"" \
		"d[\"refused\"][\"command\"].startswith(\"git migrate-fix \")" \
		"d[\"refused\"][\"path\"] is None" &&
	gmf fix --onto 002_a >/dev/null &&
	gmf undo -q >out &&
	test ! -s out &&
	test "$(gmf heads | wc -l)" = 2
'

test_done
