#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='install, merge driver and hooks: merges, pulls and rebases repair themselves'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# setup NAME [CHAIN]: a project adopting the tool; main and feature each
# add migrations on 001 (feature: CHAIN migrations, default 1); main is
# pushed, feature is checked out.
setup () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	prev=001_init && n=2 &&
	while test $n -le $((1 + ${2:-1}))
	do
		mig "00${n}_f$n.py" "00${n}_f$n" "$prev" "feature $n" &&
		prev="00${n}_f$n" && n=$((n + 1)) || return 1
	done &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main &&
	git push -q origin main &&
	git checkout -q feature
}

# repaired: one head, alembic upgrades, nothing left to commit.
repaired () {
	gmf check >../check.out &&
	test "$(git status --porcelain --untracked-files=no)" = "" &&
	alembic_cycle
}

test_expect_success 'install wires config, attributes, lockfile and hooks; twice is the same' '
	setup inst &&
	git config merge.migrate-fix-head.driver >drv &&
	test_grep "^git-migrate-fix merge-driver %O %A %B %L %P %S %X %Y$" drv &&
	git config merge.migrate-fix-head.name &&
	test_grep "^/migrations/versions/.head merge=migrate-fix-head -text$" .gitattributes &&
	test "$(cat migrations/versions/.head)" = 002_f2 &&
	for h in pre-commit post-rewrite post-commit applypatch-msg post-applypatch
	do
		test -x .git/hooks/$h || return 1
	done &&
	# no post-merge hook to start on every merge: the driver arms one
	test ! -e .git/hooks/post-merge &&
	test "$(git config migrate-fix.postmerge)" = on-demand &&
	cp .git/hooks/pre-commit pc1 &&
	gmf install >/dev/null &&
	test_cmp pc1 .git/hooks/pre-commit && test ! -e .git/hooks/post-merge &&
	test "$(grep -c migrate-fix-head .gitattributes)" = 1
'

test_expect_success ALEMBIC 'git merge feature into main: the merge commit is repaired in place' '
	setup m1 && git checkout -q main &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "moved 1 migration after 002_m inside the commit" out &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	test "$(git log --format=%s -1)" = "Merge branch '\''feature'\''" &&
	test -e migrations/versions/003_f2.py &&
	test "$(cat migrations/versions/.head)" = 003_f2 &&
	repaired &&
	gmf undo >out &&
	test_grep "branch is back" out &&
	test -e migrations/versions/002_f2.py &&
	test "$(git status --porcelain --untracked-files=no)" = "" &&
	test_expect_code 1 gmf check >/dev/null
'

test_expect_success ALEMBIC 'git merge main into the feature: the feature side moves' '
	setup m2 &&
	git merge -q --no-edit main >out 2>&1 &&
	test -e migrations/versions/003_f2.py && test -e migrations/versions/002_m.py &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	repaired
'

test_expect_success ALEMBIC 'git pull (merge) on the feature' '
	setup p1 &&
	git pull -q --no-rebase --no-edit origin main >out 2>&1 &&
	test -e migrations/versions/003_f2.py &&
	repaired
'

test_expect_success ALEMBIC 'a rebase that only re-points a migration says so in its commit' '
	new_project hexr && cd hexr &&
	mig a1b2c3d4e5f6_init.py a1b2c3d4e5f6 None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig 0f1e2d3c4b5a_feat.py 0f1e2d3c4b5a a1b2c3d4e5f6 "feat" && commit_all feature &&
	git checkout -q main &&
	mig 9a8b7c6d5e4f_main.py 9a8b7c6d5e4f a1b2c3d4e5f6 "main" && commit_all main &&
	git push -q origin main && git checkout -q feature &&
	git rebase -q origin/main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "Re-parent migrations after rebase" &&
	test -e migrations/versions/0f1e2d3c4b5a_feat.py &&
	test_grep "^down_revision: .* = .9a8b7c6d5e4f.$" migrations/versions/0f1e2d3c4b5a_feat.py &&
	repaired
'

test_expect_success ALEMBIC 'git pull --rebase: one new commit on top says what moved' '
	setup p2 &&
	git pull -q --rebase origin main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	test -e migrations/versions/003_f2.py &&
	repaired &&
	gmf undo >/dev/null &&
	test "$(git log --format=%s -1)" = "feature"
'

test_expect_success ALEMBIC 'git rebase main with a chain of three migrations' '
	setup r1 3 &&
	git rebase -q main >out 2>&1 &&
	ls migrations/versions >ls &&
	test_grep "^003_f2.py$" ls && test_grep "^004_f3.py$" ls && test_grep "^005_f4.py$" ls &&
	test_grep "down_revision: .* = \"002_m\"" migrations/versions/003_f2.py &&
	repaired
'

test_expect_success ALEMBIC 'migrate-fix.rebase=amend folds the repair into the tip' '
	setup r2 &&
	git config migrate-fix.rebase amend &&
	git rebase -q main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "feature" &&
	test -e migrations/versions/003_f2.py &&
	repaired
'

test_expect_success ALEMBIC 'a merge that conflicts on another file is repaired when committed' '
	setup c1 &&
	echo feature >other.txt && commit_all "other on feature" &&
	git checkout -q main && echo main >other.txt && commit_all "other on main" &&
	test_must_fail git merge -q --no-edit feature >out 2>&1 &&
	echo resolved >other.txt && git add other.txt &&
	git commit -q --no-edit >out 2>&1 &&
	test_grep "moved 1 migration after 002_m in this merge" out &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	# the message says what moved, as an automatic merge'"'"'s does
	git log -1 --format=%B >msg &&
	test_grep "^Merge branch .feature." msg &&
	test_grep "^git-migrate-fix moved 1 migration after 002_m" msg &&
	test_grep "^  002_f2 -> 003_f2$" msg &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/003_f2.py" tree &&
	repaired
'

test_expect_success ALEMBIC 'merge --no-commit: the repair is staged before git commit' '
	setup c2 && git checkout -q main &&
	git merge -q --no-commit --no-ff feature >out 2>&1 &&
	git commit -q --no-edit >out 2>&1 &&
	git ls-tree -r --name-only HEAD >tree &&
	test_grep "migrations/versions/003_f2.py" tree &&
	repaired
'

test_expect_success 'a fast-forward rewrites nothing' '
	setup ff && git checkout -q main && git reset -q --hard HEAD~1 &&
	head=$(git rev-parse feature) &&
	git merge -q --ff-only feature >out 2>&1 &&
	test "$(git rev-parse HEAD)" = "$head" &&
	test ! -e .git/migrate-fix/pending
'

test_expect_success '--squash rewrites nothing and says what to do' '
	setup sq && git checkout -q main &&
	git merge -q --squash feature >out 2>&1 &&
	test_grep "run .git migrate-fix fix." out &&
	test -e migrations/versions/002_f2.py &&
	test ! -e .git/migrate-fix/pending
'

test_expect_success 'cherry-pick rewrites nothing and says what to do' '
	setup cp && git checkout -q main &&
	git cherry-pick feature >out 2>&1 &&
	test_grep "run .git migrate-fix fix." out &&
	test -e migrations/versions/002_f2.py
'

test_expect_success 'merge --abort and rebase --abort leave nothing that acts later' '
	setup ab &&
	echo feature >other.txt && commit_all "other on feature" &&
	git checkout -q main && echo main >other.txt && commit_all "other on main" &&
	test_must_fail git merge -q --no-edit feature >/dev/null 2>&1 &&
	git merge --abort &&
	test -z "$(git status --porcelain --untracked-files=no)" &&
	git checkout -q feature &&
	test_must_fail git rebase -q main >/dev/null 2>&1 &&
	git rebase --abort &&
	test -z "$(git status --porcelain --untracked-files=no)" &&
	# a later merge that touches no migration is left exactly as git made it
	git checkout -q main && git checkout -q -b unrelated &&
	echo x >unrelated.txt && commit_all unrelated &&
	git checkout -q main && git merge -q --no-ff --no-edit unrelated &&
	git reflog -1 >reflog &&
	test_grep ! git-migrate-fix reflog &&
	test "$(git log --format=%s -1)" = "Merge branch '\''unrelated'\''"
'

test_expect_success ALEMBIC 'a hook that was there before still runs, with its arguments and input' '
	new_project prev && cd prev &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	printf "#!/bin/sh\necho \"old post-merge \$*\" >>../prev.log\n" >.git/hooks/post-merge &&
	printf "#!/bin/sh\necho \"old post-rewrite \$*\" >>../prev.log\ncat >>../prev.log\n" >.git/hooks/post-rewrite &&
	chmod +x .git/hooks/post-merge .git/hooks/post-rewrite &&
	gmf install >/dev/null && git commit -q -m adopt &&
	test -x .git/hooks/post-merge.git-migrate-fix-prev &&
	git checkout -q -b feature && mig 002_f.py 002_f 001_init f && commit_all f &&
	git checkout -q main && mig 002_m.py 002_m 001_init m && commit_all m &&
	git merge -q --no-edit feature >/dev/null 2>&1 &&
	test_grep "old post-merge 0" ../prev.log &&
	git checkout -q -b f2 HEAD~1 && git commit -q --amend -m "m again" &&
	test_grep "old post-rewrite amend" ../prev.log &&
	test "$(grep -c "^[0-9a-f]\{40\} [0-9a-f]\{40\}$" ../prev.log)" = 1 &&
	repaired_dir=$(pwd) && cd "$repaired_dir" && git checkout -q main && repaired
'

test_expect_success ALEMBIC 'core.hooksPath is honoured' '
	new_project hp && cd hp &&
	git config core.hooksPath .githooks &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git add -A && git commit -q -m adopt &&
	test -x .githooks/post-merge && test ! -e .git/hooks/post-merge &&
	git checkout -q -b feature && mig 002_f.py 002_f 001_init f && commit_all f &&
	git checkout -q main && mig 002_m.py 002_m 001_init m && commit_all m &&
	git merge -q --no-edit feature >/dev/null 2>&1 &&
	test -e migrations/versions/003_f.py &&
	repaired
'

test_expect_success ALEMBIC 'a linked worktree, and a merge run from a subdirectory' '
	setup wt &&
	git worktree add -q ../wt-main main &&
	cd ../wt-main/migrations &&
	git merge -q --no-edit feature >../out 2>&1 &&
	cd .. &&
	test -e migrations/versions/003_f2.py &&
	repaired
'

test_expect_success 'GIT_MIGRATE_FIX_DRIVER=0 gives an ordinary conflict' '
	setup off && git checkout -q main &&
	GIT_MIGRATE_FIX_DRIVER=0 test_must_fail git merge -q --no-edit feature >out 2>&1 &&
	# labelled as git labels its own conflicts: from git 2.44 on, git
	# passes the labels (%X, %Y); before, it passes the placeholders
	v=$(git version | sed "s/^git version \([0-9]*\)\.\([0-9]*\).*/\1 \2/") &&
	if test "${v% *}" -gt 2 || test "${v#* }" -ge 44
	then
		test_grep "^<<<<<<< HEAD$" migrations/versions/.head &&
		test_grep "^>>>>>>> feature$" migrations/versions/.head
	else
		test_grep "^<<<<<<< ours$" migrations/versions/.head &&
		test_grep "^>>>>>>> theirs$" migrations/versions/.head
	fi &&
	test_expect_code 1 gmf check >chk &&
	test_grep "stale-lockfile" chk &&
	gmf fix >/dev/null &&
	test "$(cat migrations/versions/.head)" = 003_f2 &&
	git commit -q --no-edit &&
	gmf check
'

test_expect_success ALEMBIC 'a pushed feature branch catching up: its own migrations move, a teammate'"'"'s stay' '
	setup pushed &&
	git push -q -u origin feature &&
	# a teammate'"'"'s branch holds the same migration: published by it
	git push -q origin feature:teammate &&
	git fetch -q origin &&
	# the merge stands as git made it, not repaired, and says why
	git merge -q --no-edit origin/main >out 2>&1 &&
	test_grep "both sides are published: 002_f2 is on origin/teammate" out &&
	git reset -q --hard origin/feature &&
	git push -q origin --delete teammate && git fetch -q --prune origin &&
	# its own remote-tracking branch is what the merge brings up to
	# date: the feature migration moves, main'"'"'s stays
	git merge -q --no-edit origin/main >out 2>&1 &&
	test_grep "moved 1 migration after 002_m" out &&
	test -e migrations/versions/003_f2.py &&
	test "$(git rev-parse HEAD:migrations/versions/002_m.py)" = \
		"$(git rev-parse origin/main:migrations/versions/002_m.py)" &&
	repaired &&
	# the same with a rebase (then a push --force-with-lease)
	git reset -q --hard origin/feature &&
	git rebase -q origin/main >out 2>&1 &&
	test -e migrations/versions/003_f2.py && test ! -e migrations/versions/002_f2.py &&
	repaired &&
	# a team whose review apps apply a branch'"'"'s migrations says so
	git reset -q --hard origin/feature &&
	git config migrate-fix.upstreamPublishes true &&
	git merge -q --no-edit origin/main >out 2>&1 &&
	test_grep "both sides are published: 002_f2 is on origin/feature" out &&
	git reset -q --hard origin/feature &&
	# on main, merging the pushed branch: its upstream publishes it, as
	# origin/main publishes main'"'"'s (catch the branch up first instead)
	git config --unset migrate-fix.upstreamPublishes &&
	git checkout -q main && git merge -q --no-edit feature >out 2>&1 &&
	test_grep "both sides are published: 002_f2 is on origin/feature and 002_m is on origin/main" out
'

test_expect_success 'undo after fix in a conflicted merge puts the conflict back' '
	setup unres && git checkout -q main &&
	GIT_MIGRATE_FIX_DRIVER=0 test_must_fail git merge -q --no-edit feature >out 2>&1 &&
	cp migrations/versions/.head conflicted &&
	git ls-files -u migrations/versions/.head >stages &&
	test_line_count = 3 stages &&
	gmf fix >/dev/null &&
	test "$(git ls-files -u | wc -l)" = 0 &&
	gmf undo >/dev/null &&
	# the markers are back, and so is the conflict git recorded: git
	# refuses to commit it, as before the fix
	test_cmp conflicted migrations/versions/.head &&
	git ls-files -u migrations/versions/.head >stages2 &&
	test_cmp stages stages2 &&
	git status --porcelain migrations/versions/.head >st &&
	test_grep "^UU " st &&
	test_must_fail git -c core.hooksPath=/dev/null commit -q --no-edit 2>err &&
	# and fix again resolves it, as the first time
	gmf fix >/dev/null &&
	test "$(git ls-files -u | wc -l)" = 0 &&
	test "$(cat migrations/versions/.head)" = 003_f2
'

test_expect_success 'the driver merges the heads as sets against the base' '
	setup drv3 &&
	# base a; ours built b beside it; theirs built c on a: a is no head
	printf "a1\n" >O && printf "a1\nb2\n" >A && printf "c2\n" >B &&
	git-migrate-fix merge-driver O A B 7 migrations/versions/.head &&
	printf "b2\nc2\n" >expect && test_cmp expect A &&
	# a head both kept, and heads only one side added, stay
	printf "a1\n" >O && printf "a1\nb2\n" >A && printf "a1\nc2\n" >B &&
	git-migrate-fix merge-driver O A B 7 migrations/versions/.head &&
	printf "a1\nb2\nc2\n" >expect && test_cmp expect A &&
	# no base (both added the file): the union
	: >O && printf "b2\n" >A && printf "c2\n" >B &&
	git-migrate-fix merge-driver O A B 7 migrations/versions/.head &&
	printf "b2\nc2\n" >expect && test_cmp expect A
'

test_expect_success 'the driver labels its conflict markers with what git passes' '
	mkdir lbl && cd lbl &&
	printf "a1\n" >O && printf "b2\n" >A && printf "c2\n" >B &&
	GIT_MIGRATE_FIX_DRIVER=0 test_expect_code 1 git-migrate-fix merge-driver O A B 7 \
		migrations/versions/.head "merged common ancestors" HEAD "feature: add c" &&
	printf "<<<<<<< HEAD\nb2\n=======\nc2\n>>>>>>> feature: add c\n" >expect &&
	test_cmp expect A &&
	# the placeholders themselves (git before 2.44), or a label that is
	# not one line: the default labels
	printf "b2\n" >A &&
	GIT_MIGRATE_FIX_DRIVER=0 test_expect_code 1 git-migrate-fix merge-driver O A B 7 \
		migrations/versions/.head %S %X "$(printf "two\nlines")" &&
	printf "<<<<<<< ours\nb2\n=======\nc2\n>>>>>>> theirs\n" >expect &&
	test_cmp expect A
'

test_expect_success 'a merge that touches no migration starts no hook; one that does arms post-merge once' '
	setup arm && git checkout -q main &&
	git checkout -q -b docs && echo doc >README.md && git add README.md &&
	git commit -q -m doc && git checkout -q main && echo more >other.txt &&
	git add other.txt && git commit -q -m other &&
	GIT_TRACE=$TRASH/arm.trace git merge -q --no-edit docs >/dev/null 2>&1 &&
	! grep -q "hooks/post-merge" "$TRASH/arm.trace" &&
	test ! -e .git/hooks/post-merge &&
	GIT_TRACE=$TRASH/arm2.trace git merge -q --no-edit feature >out 2>&1 &&
	grep -q "hooks/post-merge" "$TRASH/arm2.trace" &&
	test_grep "moved 1 migration" out &&
	test ! -e .git/hooks/post-merge &&
	gmf check >/dev/null &&
	test "$(git rev-list --parents -n 1 HEAD | wc -w)" = 3
'

test_expect_success 'a post-merge hook added after install: a conflict until install runs again' '
	setup foreign && git checkout -q main &&
	printf "#!/bin/sh\necho mine >>../foreign.log\n" >.git/hooks/post-merge &&
	chmod +x .git/hooks/post-merge &&
	test_must_fail git merge -q --no-edit feature >/dev/null 2>&1 &&
	test_grep "^=======" migrations/versions/.head &&
	git merge --abort &&
	gmf install >/dev/null &&
	test -x .git/hooks/post-merge.git-migrate-fix-prev &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "moved 1 migration" out &&
	test_grep mine ../foreign.log &&
	gmf check >/dev/null
'

test_expect_success 'without the hooks the driver leaves a conflict (a hosted merge sees the same)' '
	setup nohooks && git checkout -q main &&
	rm .git/hooks/pre-commit &&
	test_must_fail git merge -q --no-edit feature >/dev/null 2>&1 &&
	test_grep "^=======" migrations/versions/.head
'

test_expect_success 'install --uninstall restores exactly the previous state' '
	new_project un && cd un &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	printf "#!/bin/sh\nexit 0\n" >.git/hooks/pre-commit && chmod +x .git/hooks/pre-commit &&
	cp .git/hooks/pre-commit pc.orig &&
	git config --list --local | sort >cfg.before &&
	ls -a .git/hooks | sort >hooks.before &&
	gmf install >/dev/null &&
	gmf install --uninstall >/dev/null &&
	git config --list --local | sort >cfg.after &&
	ls -a .git/hooks | sort >hooks.after &&
	test_cmp cfg.before cfg.after &&
	test_cmp hooks.before hooks.after &&
	test_cmp pc.orig .git/hooks/pre-commit &&
	test ! -e .gitattributes && test ! -e migrations/versions/.head &&
	test -z "$(git status --porcelain --untracked-files=no)"
'

test_expect_success 'a commit that adds a migration keeps the lockfile current' '
	setup lk &&
	mig 003_more.py 003_more 002_f2 more &&
	git add migrations/versions/003_more.py && git commit -q -m more >out 2>&1 &&
	test "$(git show HEAD:migrations/versions/.head)" = 003_more
'

test_done
