#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the repair engine keeps its promises: published migrations never move, nothing is lost'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# adopt NAME: a project with 001 on main, pushed, and the tool installed.
adopt () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main
}

# plain_merge BRANCH: a merge as git alone makes it (no hooks; the
# lockfile's driver keeps both sides' lines), so two heads are left.
plain_merge () {
	git -c core.hooksPath=/dev/null -c merge.migrate-fix-head.driver='cat %B >>%A' \
		merge -q --no-edit "$1" >/dev/null 2>&1
}

# same_blob REF1 REF2 PATH: PATH is byte-identical in both commits.
same_blob () {
	test "$(git rev-parse "$1:$3")" = "$(git rev-parse "$2:$3")"
}

test_expect_success ALEMBIC 'a dirty migration of the branch: the mainline migration does not move' '
	adopt d1 &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	git checkout -q feature &&
	echo "# work in progress" >>migrations/versions/002_f.py &&
	git merge -q --no-edit origin/main >out 2>&1 &&
	same_blob HEAD origin/main migrations/versions/002_m.py &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/002_m.py" tree &&
	test_grep ! "migrations/versions/003_m.py" tree &&
	test_grep "not repaired automatically" out &&
	test_grep "002_f.py.* has uncommitted changes" out &&
	test_grep "hint: run .git migrate-fix fix." out &&
	test_grep "# work in progress" migrations/versions/002_f.py
'

# flow NAME: git-flow: origin/HEAD is main, develop is pushed with its own
# migration, feature branched off develop before it.
flow () {
	adopt "$1" &&
	git checkout -q -b develop && git push -q -u origin develop 2>/dev/null &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q develop &&
	mig 002_d.py 002_d 001_init "develop" && commit_all develop &&
	git push -q origin develop &&
	git checkout -q feature
}

test_expect_success ALEMBIC 'git-flow: merging origin/develop moves the feature, never develop' '
	flow g1 &&
	git merge -q --no-edit origin/develop >out 2>&1 &&
	same_blob HEAD origin/develop migrations/versions/002_d.py &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/003_f.py" tree &&
	test_grep ! "migrations/versions/003_d.py" tree &&
	gmf check >/dev/null &&
	alembic_cycle
'

test_expect_success ALEMBIC 'git pull on develop keeps the teammate'"'"'s pushed migration' '
	flow g2 &&
	git clone -q ../g2-origin.git ../g2-mate &&
	(
		cd ../g2-mate &&
		git checkout -q develop &&
		gmf install >/dev/null &&
		mig 003_t.py 003_t 002_d "teammate" && commit_all teammate &&
		git push -q origin develop
	) &&
	git checkout -q develop &&
	mig 003_me.py 003_me 002_d "mine" && commit_all mine &&
	git pull -q --no-rebase --no-edit >out 2>&1 &&
	same_blob HEAD origin/develop migrations/versions/003_t.py &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/004_me.py" tree &&
	gmf check >/dev/null &&
	alembic_cycle
'

test_expect_success ALEMBIC 'a branch tracking origin/develop: a teammate'"'"'s migration there stays' '
	flow g2u &&
	git config migrate-fix.mainline develop &&
	git clone -q ../g2u-origin.git ../g2u-mate &&
	(
		cd ../g2u-mate &&
		git checkout -q develop &&
		gmf install >/dev/null &&
		mig 003_t.py 003_t 002_d "teammate" && commit_all teammate &&
		git push -q origin develop
	) &&
	git fetch -q origin &&
	# topic tracks origin/develop, which a mainline names: it publishes
	# (local develop is behind and holds no 003_t)
	git checkout -q -b topic develop &&
	git branch -q --set-upstream-to=origin/develop topic &&
	mig 003_me.py 003_me 002_d "mine" && commit_all mine &&
	git merge -q --no-edit origin/develop >out 2>&1 &&
	same_blob HEAD origin/develop migrations/versions/003_t.py &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/004_me.py" tree &&
	gmf check >/dev/null
'

test_expect_success ALEMBIC 'both sides published and no merge-migration convention: nothing moves, one command' '
	flow g3 &&
	# a teammate'"'"'s branch holds the feature migration too (the
	# branch'"'"'s own origin/feature alone would not publish it)
	git push -q -u origin feature 2>/dev/null &&
	git push -q origin feature:review 2>/dev/null && git fetch -q origin &&
	git merge -q --no-edit origin/develop >out 2>&1 &&
	same_blob HEAD origin/develop migrations/versions/002_d.py &&
	same_blob HEAD origin/feature migrations/versions/002_f.py &&
	test_grep "both sides are published" out &&
	test_grep "hint: run .git migrate-fix merge." out
'

test_expect_success 'both sides published, a template that writes no merge: no hint that fails' '
	flow g3t &&
	# airflow'"'"'s script.py.mako quotes down_revision: a tuple cannot be
	# rendered, so `git migrate-fix merge` would fail
	sed "s/^down_revision: .*/down_revision = \"\${down_revision}\"/" migrations/script.py.mako >t &&
	mv t migrations/script.py.mako && git commit -q -am "quoted template" &&
	git push -q -u origin feature 2>/dev/null &&
	git push -q origin feature:review 2>/dev/null && git fetch -q origin &&
	git merge -q --no-edit origin/develop >out 2>&1 &&
	test_grep "both sides are published" out &&
	test_grep "no merge migration can be written from this project.s template" out &&
	test_grep ! "hint: run .git migrate-fix merge." out &&
	test_expect_code 1 gmf fix 2>err &&
	test_grep "no merge migration can be written" err &&
	test_grep ! "^hint:" err
'

test_expect_success ALEMBIC 'both sides published, strategy merge: a merge migration, nothing moves' '
	flow g4 &&
	git config migrate-fix.strategy merge &&
	git push -q -u origin feature 2>/dev/null &&
	git merge -q --no-edit origin/develop >out 2>&1 &&
	same_blob HEAD origin/develop migrations/versions/002_d.py &&
	same_blob HEAD origin/feature migrations/versions/002_f.py &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	git status --porcelain --untracked-files=no >st && test_line_count = 0 st &&
	gmf check >/dev/null &&
	alembic_cycle
'

# killed_fix NAME: a fix killed after its renames were staged (the last
# kill point at which `check` already says the chain is repaired).
killed_fix () {
	adopt "$1" &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	git checkout -q feature &&
	plain_merge main &&
	cd .. && cp -R "$1" "$1.pristine" && cp -R "$1-origin.git" "$1-origin.pristine" &&
	cd "$1" &&
	rm -f ../count && GMF_FAULT_COUNT=../count "$GMF_FAULTY_BIN" fix >/dev/null &&
	points=$(cat ../count) &&
	n=$points && found= &&
	while test "$n" -gt 1 && test -z "$found"
	do
		n=$((n - 1)) &&
		cd .. && rm -rf "$1" && cp -R "$1.pristine" "$1" && cd "$1" &&
		{ GMF_KILLPOINT=$n "$GMF_FAULTY_BIN" fix >/dev/null 2>&1; true; } &&
		if test -d .git/migrate-fix/txn && gmf check --no-cache >/dev/null 2>&1
		then
			found=$n
		fi || return 1
	done &&
	test -n "$found"
}

test_expect_success 'a fix killed after staging: the next fix keeps an edit made since' '
	killed_fix k1 &&
	echo "# added a column" >>migrations/versions/003_f.py &&
	test_expect_code 1 gmf fix >out 2>err &&
	test_grep "003_f.py" err &&
	test_grep "undo --abandon" err &&
	test_grep "# added a column" migrations/versions/003_f.py &&
	gmf undo --abandon >out &&
	test_grep "no file was changed" out &&
	test_grep "# added a column" migrations/versions/003_f.py &&
	test ! -d .git/migrate-fix/txn
'

test_expect_success 'a fix killed after staging: undo and merge keep the edit too' '
	killed_fix k2 &&
	echo "# added a column" >>migrations/versions/003_f.py &&
	test_expect_code 1 gmf undo 2>err &&
	test_grep "003_f.py" err &&
	test_expect_code 1 gmf merge 2>err &&
	test_grep "undo --abandon" err &&
	test_grep "# added a column" migrations/versions/003_f.py
'

test_expect_success 'a fix killed after staging: git commit -am keeps the edit in the commit' '
	killed_fix k3 &&
	echo "# added a column" >>migrations/versions/003_f.py &&
	git commit -q -am "add a column" >out 2>&1 &&
	git show HEAD:migrations/versions/003_f.py >committed &&
	test_grep "# added a column" committed &&
	test_grep "# added a column" migrations/versions/003_f.py
'

test_expect_success 'a journal shipped in a project outside git changes nothing outside it' '
	mkdir -p ship/versions && cd ship &&
	printf "revision = \"a1\"\ndown_revision = None\n" >versions/a1_x.py &&
	printf "revision = \"b1\"\ndown_revision = \"a1\"\n" >versions/b1_x.py &&
	printf "revision = \"c1\"\ndown_revision = \"a1\"\n" >versions/c1_x.py &&
	echo precious >"$HOME/victim" &&
	mkdir -p .git-migrate-fix/txn &&
	{
		echo "gmf-journal 1" &&
		echo "state committing" &&
		echo "label fix" &&
		echo "desc 4 evil" &&
		echo "op 0 644 0 1 1" &&
		printf "old %s %s\n" "$(printf %s "$HOME/victim" | wc -c | tr -d " ")" "$HOME/victim" &&
		printf "new %s %s\n" "$(printf %s "$HOME/created" | wc -c | tr -d " ")" "$HOME/created" &&
		echo "end"
	} >.git-migrate-fix/txn/manifest &&
	echo precious >.git-migrate-fix/txn/0.orig &&
	echo evil >.git-migrate-fix/txn/0.new &&
	{ gmf fix --dir versions --onto b1 >out 2>&1; true; } &&
	test "$(cat "$HOME/victim")" = precious &&
	test ! -e "$HOME/created"
'

test_expect_success 'a journal naming a path outside the version directories is refused' '
	mkdir -p ship2/versions && cd ship2 &&
	printf "revision = \"a1\"\ndown_revision = None\n" >versions/a1_x.py &&
	printf "revision = \"b1\"\ndown_revision = \"a1\"\n" >versions/b1_x.py &&
	printf "revision = \"c1\"\ndown_revision = \"a1\"\n" >versions/c1_x.py &&
	gmf fix --dir versions --onto b1 >/dev/null &&
	state=$(find "$HOME/.local/state/git-migrate-fix/projects" -name "ship2-*" -type d) &&
	test -n "$state" &&
	echo precious >"$HOME/victim2" &&
	mkdir "$state/txn" &&
	{
		echo "gmf-journal 1" &&
		echo "state committing" &&
		echo "label fix" &&
		echo "desc 4 evil" &&
		echo "op 0 644 0 1 0" &&
		printf "old %s %s\n" "$(printf %s "$HOME/victim2" | wc -c | tr -d " ")" "$HOME/victim2" &&
		echo "end"
	} >"$state/txn/manifest" &&
	echo precious >"$state/txn/0.orig" &&
	test_expect_code 1 gmf undo --dir versions 2>err &&
	test "$(cat "$HOME/victim2")" = precious
'

test_expect_success 'a live lock: a second writer refuses, naming the holder; nothing changes' '
	adopt l1 &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	plain_merge feature &&
	{ sleep 300 & } &&
	holder=$! &&
	mkdir -p .git/migrate-fix &&
	printf "%s %s %s\n" "$holder" "$(uname -n)" "$(date +%s)" >.git/migrate-fix/lock &&
	GIT_MIGRATE_FIX_LOCK_TIMEOUT=300 test_expect_code 1 gmf fix 2>err &&
	kill $holder &&
	test_grep "process $holder" err &&
	test_grep "lock" err &&
	test -e migrations/versions/002_f.py &&
	wait $holder 2>/dev/null; true
'

test_expect_success 'a stale lock is recognised, explained and taken' '
	adopt l2 &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	plain_merge feature &&
	{ sh -c "exit 0" & } &&
	dead=$! && wait $dead &&
	mkdir -p .git/migrate-fix &&
	printf "%s %s %s\n" "$dead" "$(uname -n)" "$(date +%s)" >.git/migrate-fix/lock &&
	gmf fix >out 2>&1 &&
	test_grep "stale lock" out &&
	test -e migrations/versions/003_f.py &&
	test ! -e .git/migrate-fix/lock
'

test_expect_success 'two fix at once: a repaired tree and at most one clear refusal' '
	adopt c1 &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	plain_merge feature &&
	{ { gmf fix >out1 2>&1; echo $? >rc1; } & } &&
	p1=$! &&
	{ { gmf fix >out2 2>&1; echo $? >rc2; } & } &&
	p2=$! &&
	wait $p1 && wait $p2 &&
	gmf check >/dev/null &&
	test -e migrations/versions/003_f.py &&
	cat out1 out2 >both &&
	test "$(grep -c "^moved 1 migration" both)" = 1 &&
	test "$(cat rc1)$(cat rc2)" = 00 || {
		test_grep "another git-migrate-fix" both &&
		test "$(grep -c "^moved 1 migration" both)" = 1
	}
'

# worktrees NAME: main with 002_m pushed; two linked worktrees on f1 and
# f2, each adding its own 002 migration.
worktrees () {
	adopt "$1" &&
	git checkout -q -b f1 && mig 002_a.py 002_a 001_init "a" && commit_all a &&
	git checkout -q main && git checkout -q -b f2 &&
	mig 002_b.py 002_b 001_init "b" && commit_all b &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	git worktree add -q ../"$1-w1" f1 &&
	git worktree add -q ../"$1-w2" f2
}

test_expect_success ALEMBIC 'two worktrees: one merge never disarms the hook another merge still needs' '
	worktrees w1 &&
	gitdir2=$(git -C ../w1-w2 rev-parse --absolute-git-dir) &&
	mkdir -p "$gitdir2/migrate-fix" &&
	# the second merge is under way: its driver has left its note
	printf "orig %s\ncontext merge\n" "$(git -C ../w1-w2 rev-parse HEAD)" \
		>"$gitdir2/migrate-fix/pending" &&
	(cd ../w1-w1 && git merge -q --no-edit main >../w1-out1 2>&1) &&
	test -x .git/hooks/post-merge &&
	rm "$gitdir2/migrate-fix/pending" &&
	(cd ../w1-w2 && git merge -q --no-edit main >../w1-out2 2>&1) &&
	(cd ../w1-w1 && gmf check >/dev/null && alembic_cycle) &&
	(cd ../w1-w2 && gmf check >/dev/null && alembic_cycle) &&
	test ! -e .git/hooks/post-merge
'

test_expect_success ALEMBIC 'two worktrees merging at once both end with one head' '
	worktrees w2 &&
	{ (cd ../w2-w1 && git merge -q --no-edit main >../w2-out1 2>&1) & } &&
	p1=$! &&
	{ (cd ../w2-w2 && git merge -q --no-edit main >../w2-out2 2>&1) & } &&
	p2=$! &&
	wait $p1 && wait $p2 &&
	(cd ../w2-w1 && gmf check >/dev/null && alembic_cycle) &&
	(cd ../w2-w2 && gmf check >/dev/null && alembic_cycle)
'

test_expect_success ALEMBIC 'the hook names the renamed ids, in its output and in the commit' '
	adopt r1 &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main && git push -q origin main &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "002_f -> 003_f" out &&
	test_grep "alembic stamp --purge 003_f" out &&
	git log -1 --format=%B >msg &&
	test_grep "^Merge branch .feature." msg &&
	test_grep "002_f -> 003_f" msg &&
	alembic_cycle
'

# hooked_hash_fork DIR: an installed project with generated ids and a
# merge migration in its tree (the merge-migration convention); feature
# and main (pushed) each add one migration on that merge; ends on main.
hooked_hash_fork () {
	new_project "$1" && cd "$1" &&
	mig a1a1a1a1a1a1_init.py a1a1a1a1a1a1 None "init" &&
	mig b1b1b1b1b1b1_a.py b1b1b1b1b1b1 a1a1a1a1a1a1 "a" &&
	mig b2b2b2b2b2b2_b.py b2b2b2b2b2b2 a1a1a1a1a1a1 "b" &&
	mig c1c1c1c1c1c1_merge.py c1c1c1c1c1c1 "b1b1b1b1b1b1 b2b2b2b2b2b2" "merge" &&
	commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig d2d2d2d2d2d2_f.py d2d2d2d2d2d2 c1c1c1c1c1c1 "feature" && commit_all feature &&
	git checkout -q main &&
	mig d1d1d1d1d1d1_m.py d1d1d1d1d1d1 c1c1c1c1c1c1 "main" && commit_all main &&
	git push -q origin main
}

test_expect_success ALEMBIC 'the hook says which convention strategy auto followed' '
	hooked_hash_fork hc &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "strategy auto: 1 merge migration in the tree (c1c1c1c1c1c1)" out &&
	grep -l "^down_revision: .* = (.d[12]d[12]" migrations/versions/*.py >../merges &&
	test_line_count = 1 ../merges &&
	test_grep "^down_revision: .* = \"c1c1c1c1c1c1\"$" migrations/versions/d2d2d2d2d2d2_f.py &&
	gmf check &&
	alembic_cycle
'

test_expect_success ALEMBIC 'a rebase in that project re-parents the branch: no merge migration' '
	hooked_hash_fork hr &&
	git checkout -q feature &&
	git rebase origin/main >out 2>&1 &&
	test_grep "a fork gets a merge migration; but a rebase keeps the history linear" out &&
	test "$(git log --format=%s -1)" = "Re-parent migrations after rebase" &&
	ls migrations/versions/*.py >../files &&
	test_line_count = 6 ../files &&
	test_grep "^down_revision: .* = \"d1d1d1d1d1d1\"$" migrations/versions/d2d2d2d2d2d2_f.py &&
	test_grep "^Revises: d1d1d1d1d1d1$" migrations/versions/d2d2d2d2d2d2_f.py &&
	git diff --quiet origin/main HEAD -- migrations/versions/d1d1d1d1d1d1_m.py &&
	test "$(gmf heads)" = "d2d2d2d2d2d2 (head)" &&
	gmf check &&
	alembic_cycle
'

test_expect_success ALEMBIC 'a project that re-parented by hand since its last merge migration re-parents' '
	new_project hp && cd hp &&
	mig a1a1a1a1a1a1_init.py a1a1a1a1a1a1 None "init" &&
	mig b1b1b1b1b1b1_a.py b1b1b1b1b1b1 a1a1a1a1a1a1 "a" &&
	mig b2b2b2b2b2b2_b.py b2b2b2b2b2b2 a1a1a1a1a1a1 "b" &&
	mig c1c1c1c1c1c1_merge.py c1c1c1c1c1c1 "b1b1b1b1b1b1 b2b2b2b2b2b2" "merge" &&
	mig c2c2c2c2c2c2_c.py c2c2c2c2c2c2 c1c1c1c1c1c1 "c" &&
	# made on c1, moved onto c2 by hand: its docstring still says c1
	mig c3c3c3c3c3c3_d.py c3c3c3c3c3c3 c1c1c1c1c1c1 "d" &&
	sed "s/^\(down_revision: .* = \)\"c1c1c1c1c1c1\"$/\1\"c2c2c2c2c2c2\"/" \
		migrations/versions/c3c3c3c3c3c3_d.py >tmp && mv tmp migrations/versions/c3c3c3c3c3c3_d.py &&
	commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig d2d2d2d2d2d2_f.py d2d2d2d2d2d2 c3c3c3c3c3c3 "feature" && commit_all feature &&
	git checkout -q main &&
	mig d1d1d1d1d1d1_m.py d1d1d1d1d1d1 c3c3c3c3c3c3 "main" && commit_all main &&
	git push -q origin main &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "strategy auto: 1 merge migration in the tree (the last c1c1c1c1c1c1), but c3c3c3c3c3c3, further down the chain, was re-parented by hand" out &&
	ls migrations/versions/*.py >../hp-files &&
	test_line_count = 8 ../hp-files &&
	test_grep "^down_revision: .* = \"d1d1d1d1d1d1\"$" migrations/versions/d2d2d2d2d2d2_f.py &&
	test_grep "^Revises: d1d1d1d1d1d1$" migrations/versions/d2d2d2d2d2d2_f.py &&
	test "$(gmf heads)" = "d2d2d2d2d2d2 (head)" &&
	alembic_cycle
'

test_done
