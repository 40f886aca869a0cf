#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='fix: renumber and re-parent with real git and real alembic'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# simple_fork DIR: a project in DIR whose feature branch (checked out)
# added 002_f and merged main, which added 002_m on the same 001_init.
simple_fork () {
	new_project "$1" &&
	(
		cd "$1" &&
		mig 001_init.py 001_init None "init" &&
		commit_all base && git push -q origin main &&
		git checkout -q -b feature &&
		mig 002_f.py 002_f 001_init "f" && commit_all f &&
		git checkout -q main &&
		mig 002_m.py 002_m 001_init "m" && commit_all m && git push -q origin main &&
		git checkout -q feature && git merge -q --no-edit origin/main
	)
}

# A sequence-numbered project (revision == file stem) where main and a
# feature branch each add migrations on 002; the feature merges main.

test_expect_success ALEMBIC 'sequence-numbered: the local migration moves after the mainline head' '
	new_project seq && cd seq &&
	mig 001_init.py 001_init None "init" &&
	mig 002_add_users.py 002_add_users 001_init "add users" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 003_add_gadgets.py 003_add_gadgets 002_add_users "add gadgets" &&
	commit_all gadgets &&
	git checkout -q main &&
	mig 003_add_widgets.py 003_add_widgets 002_add_users "add widgets" &&
	commit_all widgets && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	test_expect_code 1 gmf check >out &&
	test_grep "multiple-heads" out &&
	cp migrations/versions/003_add_gadgets.py before.py &&
	gmf fix >out &&
	test_grep "rename migrations/versions/003_add_gadgets.py -> migrations/versions/004_add_gadgets.py" out &&
	test_grep "alembic stamp --purge 004_add_gadgets" out &&
	test ! -e migrations/versions/003_add_gadgets.py &&
	git status --porcelain >st &&
	test_grep "^R  migrations/versions/003_add_gadgets.py -> migrations/versions/004_add_gadgets.py" st &&
	gmf check &&
	alembic_cycle
'

test_expect_success ALEMBIC 'the rewrite changes only the id bytes and header fields' '
	cd seq &&
	diff before.py migrations/versions/004_add_gadgets.py >d ||
	test $? = 1 &&
	cat >expect <<-\EOF &&
	3,4c3,4
	< Revision ID: 003_add_gadgets
	< Revises: 002_add_users
	---
	> Revision ID: 004_add_gadgets
	> Revises: 003_add_widgets
	14,15c14,15
	< revision: str = "003_add_gadgets"
	< down_revision: Union[str, Sequence[str], None] = "002_add_users"
	---
	> revision: str = "004_add_gadgets"
	> down_revision: Union[str, Sequence[str], None] = "003_add_widgets"
	EOF
	test_cmp expect d &&
	test_grep "# 003_add_gadgets stays here" migrations/versions/004_add_gadgets.py
'

test_expect_success ALEMBIC 'undo puts back exactly the state before fix' '
	cd seq &&
	{ git stash -q 2>/dev/null; git stash pop -q 2>/dev/null || :; } &&
	gmf undo >out &&
	test_grep "undid" out &&
	test -e migrations/versions/003_add_gadgets.py &&
	test ! -e migrations/versions/004_add_gadgets.py &&
	test_cmp before.py migrations/versions/003_add_gadgets.py &&
	test -z "$(git status --porcelain -- migrations)" &&
	test_expect_code 1 gmf check >/dev/null
'

test_expect_success ALEMBIC 'a chain with its own merge point moves whole, structure intact' '
	new_project chain && cd chain &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_a.py 002_a 001_init "a" &&
	mig 003_b.py 003_b 001_init "b" &&
	mig 004_merge_ab.py 004_merge_ab "002_a 003_b" "merge a and b" &&
	mig 005_c.py 005_c 004_merge_ab "c" &&
	commit_all chain &&
	git checkout -q main &&
	mig 002_main.py 002_main 001_init "main work" &&
	mig 003_main2.py 003_main2 002_main "more main work" &&
	commit_all main && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	gmf fix >out &&
	gmf check &&
	ls migrations/versions >ls &&
	test_grep "^004_a.py$" ls && test_grep "^005_b.py$" ls &&
	test_grep "^006_merge_ab.py$" ls && test_grep "^007_c.py$" ls &&
	test_grep "down_revision: .* = (\"004_a\", \"005_b\")" migrations/versions/006_merge_ab.py &&
	test_grep "^Revises: 004_a, 005_b$" migrations/versions/006_merge_ab.py &&
	test_grep "down_revision: .* = \"003_main2\"" migrations/versions/004_a.py &&
	test_grep "down_revision: .* = \"003_main2\"" migrations/versions/005_b.py &&
	alembic_cycle
'

test_expect_success ALEMBIC 'merging the feature into main moves the feature side (first parent is mainline)' '
	new_project into && cd into &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_f1.py 002_f1 001_init "f1" &&
	mig 003_f2.py 003_f2 002_f1 "f2" &&
	mig 004_f3.py 004_f3 003_f2 "f3" &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all m &&
	git merge -q --no-edit feature &&
	gmf fix --mainline main >out &&
	test_grep "after 002_m" out &&
	ls migrations/versions >ls &&
	test_grep "^003_f1.py$" ls && test_grep "^004_f2.py$" ls && test_grep "^005_f3.py$" ls &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	alembic_cycle
'

test_expect_success ALEMBIC 'sequence prefix with opaque ids: files renumbered, ids kept' '
	new_project opaque && cd opaque &&
	mig 0001_init.py a1b2c3d4e5f6 None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 0002_add_owner.py b2c3d4e5f6a7 a1b2c3d4e5f6 "add owner" &&
	commit_all owner &&
	git checkout -q main &&
	mig 0002_add_team.py c3d4e5f6a7b8 a1b2c3d4e5f6 "add team" &&
	commit_all team && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	gmf fix >out &&
	test -e migrations/versions/0003_add_owner.py &&
	test_grep "^revision: str = \"b2c3d4e5f6a7\"$" migrations/versions/0003_add_owner.py &&
	test_grep "down_revision: .* = \"c3d4e5f6a7b8\"" migrations/versions/0003_add_owner.py &&
	test_grep ! "alembic stamp" out &&
	alembic_cycle
'

test_expect_success ALEMBIC 'alembic default names: only down_revision and Revises change' '
	new_project hashes && cd hashes &&
	mig a1b2c3d4e5f6_init.py a1b2c3d4e5f6 None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig b2c3d4e5f6a7_add_owner.py b2c3d4e5f6a7 a1b2c3d4e5f6 "add owner" &&
	mig d4e5f6a7b8c9_owner_index.py d4e5f6a7b8c9 b2c3d4e5f6a7 "owner index" &&
	commit_all owner &&
	git checkout -q main &&
	mig c3d4e5f6a7b8_add_team.py c3d4e5f6a7b8 a1b2c3d4e5f6 "add team" &&
	commit_all team && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	cp migrations/versions/b2c3d4e5f6a7_add_owner.py before.py &&
	gmf fix >out &&
	test_grep ! rename out &&
	diff before.py migrations/versions/b2c3d4e5f6a7_add_owner.py >d; test $? = 1 &&
	test "$(grep -c "^[<>]" d)" = 4 &&
	test_grep "^> Revises: c3d4e5f6a7b8$" d &&
	git status --porcelain >st &&
	test_grep "^M  migrations/versions/b2c3d4e5f6a7_add_owner.py" st &&
	alembic_cycle
'

test_expect_success ALEMBIC 'date-prefixed names with file_template: re-pointed, not renamed' '
	new_project dated "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s" &&
	cd dated &&
	mig 2024_03_01_1015-aaaaaaaaaaaa_init.py aaaaaaaaaaaa None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 2024_03_05_0900-bbbbbbbbbbbb_feature.py bbbbbbbbbbbb aaaaaaaaaaaa "feature" &&
	commit_all f &&
	git checkout -q main &&
	mig 2024_03_04_1200-cccccccccccc_main.py cccccccccccc aaaaaaaaaaaa "main" &&
	commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	gmf fix >out &&
	test_grep ! rename out &&
	test_grep "down_revision: .* = \"cccccccccccc\"" migrations/versions/2024_03_05_0900-bbbbbbbbbbbb_feature.py &&
	alembic_cycle
'

test_expect_success ALEMBIC 'depends_on naming a renamed id is rewritten too' '
	new_project deps && cd deps &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_a.py 002_a 001_init "a" &&
	mig 003_b.py 003_b 002_a "b" &&
	sed "s/^depends_on: \(.*\) = None/depends_on: \1 = \"002_a\"/" migrations/versions/003_b.py >x &&
	mv x migrations/versions/003_b.py &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	gmf fix &&
	test_grep "^depends_on: .* = \"003_a\"$" migrations/versions/004_b.py &&
	alembic_cycle
'

test_expect_success ALEMBIC '--strategy=merge writes a merge migration from the project template' '
	simple_fork strat && cd strat &&
	gmf fix --strategy=merge -m "merge parallel branches" >out &&
	test -e migrations/versions/003_merge_parallel_branches.py &&
	test_grep "^down_revision: Union\[str, Sequence\[str\], None\] = (.002_f., .002_m.)$" migrations/versions/003_merge_parallel_branches.py &&
	git status --porcelain >st &&
	test_grep "^A  migrations/versions/003_merge_parallel_branches.py" st &&
	gmf check &&
	alembic_cycle &&
	gmf undo &&
	test ! -e migrations/versions/003_merge_parallel_branches.py
'

# hash_merge_project DIR: an alembic-default project (12-hex ids) whose
# history already joined a fork with a merge migration; main and a local
# feature branch then each add one migration on that merge.
hash_merge_project () {
	new_project "$1" && cd "$1" &&
	mig a1a1a1a1a1a1_init.py a1a1a1a1a1a1 None "init" &&
	mig b1b1b1b1b1b1_a.py b1b1b1b1b1b1 a1a1a1a1a1a1 "a" &&
	mig b2b2b2b2b2b2_b.py b2b2b2b2b2b2 a1a1a1a1a1a1 "b" &&
	mig c1c1c1c1c1c1_merge.py c1c1c1c1c1c1 "b1b1b1b1b1b1 b2b2b2b2b2b2" "merge" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig d2d2d2d2d2d2_f.py d2d2d2d2d2d2 c1c1c1c1c1c1 "f" && commit_all f &&
	git checkout -q main &&
	mig d1d1d1d1d1d1_m.py d1d1d1d1d1d1 c1c1c1c1c1c1 "m" && commit_all m &&
	git push -q origin main &&
	git checkout -q feature
}

test_expect_success ALEMBIC 'strategy auto: merge migrations and hash ids, the project joins with a merge' '
	hash_merge_project conv &&
	git merge -q --no-edit origin/main &&
	test_expect_code 1 gmf check -v >out &&
	test_grep "^  convention: merge migrations (1 merge migration in the tree (c1c1c1c1c1c1) and generated revision ids" out &&
	gmf fix -v >out &&
	test_grep "^strategy auto: 1 merge migration in the tree (c1c1c1c1c1c1) and generated revision ids: a fork gets a merge migration" out &&
	test_grep "a merge migration, not a renumbering: the project.s convention (strategy auto)" out &&
	test -e migrations/versions/d2d2d2d2d2d2_f.py &&
	test_grep "^down_revision: .* = \"c1c1c1c1c1c1\"$" migrations/versions/d2d2d2d2d2d2_f.py &&
	git status --porcelain -- migrations >../st &&
	test_line_count = 1 ../st &&
	f=$(sed -n "s|^A  migrations/versions/||p" ../st) &&
	test_grep "^down_revision: .* = (.*d1d1d1d1d1d1" "migrations/versions/$f" &&
	test_grep "^down_revision: .* = (.*d2d2d2d2d2d2" "migrations/versions/$f" &&
	gmf check &&
	alembic_cycle
'

test_expect_success ALEMBIC 'strategy move in the same project still renumbers, and says nothing of a convention' '
	hash_merge_project convmove &&
	git merge -q --no-edit origin/main &&
	git config migrate-fix.strategy move &&
	gmf fix -v >out &&
	test_grep ! "strategy auto" out &&
	test_grep "^down_revision: .* = \"d1d1d1d1d1d1\"$" migrations/versions/d2d2d2d2d2d2_f.py &&
	gmf check
'

test_expect_success ALEMBIC 'strategy auto: numbered files are renumbered, -v says why' '
	new_project convseq && cd convseq &&
	mig 001_init.py 001_init None "init" &&
	mig 002_a.py 002_a 001_init "a" &&
	mig 003_b.py 003_b 001_init "b" &&
	mig 004_merge_ab.py 004_merge_ab "002_a 003_b" "merge a and b" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 005_f.py 005_f 004_merge_ab "f" && commit_all f &&
	git checkout -q main &&
	mig 005_m.py 005_m 004_merge_ab "m" && commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	test_expect_code 1 gmf check -v >out &&
	test_grep "^  convention: renumber (the files are numbered in sequence: a fork is renumbered (1 merge migration" out &&
	gmf fix -v >out &&
	test_grep "^strategy auto: the files are numbered in sequence: a fork is renumbered" out &&
	test_grep "rename migrations/versions/005_f.py -> migrations/versions/006_f.py" out &&
	gmf check
'

test_expect_success ALEMBIC 'merge in an alembic-default project: a fresh 12-hex id' '
	new_project mh && cd mh &&
	mig a1b2c3d4e5f6_init.py a1b2c3d4e5f6 None "init" &&
	mig b2c3d4e5f6a7_one.py b2c3d4e5f6a7 a1b2c3d4e5f6 "one" &&
	mig c3d4e5f6a7b8_two.py c3d4e5f6a7b8 a1b2c3d4e5f6 "two" &&
	commit_all base &&
	gmf merge -m "merge heads" >out &&
	f=$(ls migrations/versions | grep "_merge_heads.py$") &&
	rev=${f%_merge_heads.py} &&
	test ${#rev} = 12 &&
	test_grep "^revision: str = .$rev.$" "migrations/versions/$f" &&
	alembic_cycle
'

test_expect_success 'a moving file with uncommitted edits: refused, nothing changed' '
	simple_fork dirty && cd dirty &&
	echo "# local edit" >>migrations/versions/002_f.py &&
	snapshot >before &&
	test_expect_code 1 gmf fix 2>err &&
	test_grep "002_f.py.* uncommitted changes" err &&
	snapshot >after &&
	test_cmp before after &&
	gmf fix --force >/dev/null &&
	test -e migrations/versions/003_f.py
'

test_expect_success 'outside git, fix refuses and names the choices' '
	mkdir -p plain/versions && cd plain &&
	printf "revision = \"001\"\ndown_revision = None\n" >versions/001_a.py &&
	printf "revision = \"002\"\ndown_revision = \"001\"\n" >versions/002_b.py &&
	printf "revision = \"003\"\ndown_revision = \"001\"\n" >versions/002_c.py &&
	test_expect_code 1 gmf fix --dir versions 2>err &&
	test_grep "heads 002, 003" err &&
	test_grep -- "--onto" err &&
	gmf fix --dir versions --onto 002 >out &&
	test_grep "down_revision 001 -> 002" out &&
	gmf check --dir versions
'

test_expect_success '--move of a published migration is refused' '
	cd seq &&
	test_expect_code 1 gmf fix --move 002_add_users 2>err &&
	test_grep "002_add_users is published (on origin/main)" err
'

test_expect_success 'a graph with a cycle is refused with the reason' '
	mkdir -p cyc/versions && cd cyc &&
	printf "revision = \"a\"\ndown_revision = \"b\"\n" >versions/a_.py &&
	printf "revision = \"b\"\ndown_revision = \"a\"\n" >versions/b_.py &&
	test_expect_code 1 gmf fix --dir versions --onto a 2>err &&
	test_grep "cycle" err
'

test_expect_success '--dry-run and --format=json change nothing' '
	simple_fork dry && cd dry &&
	snapshot >../before &&
	gmf fix --dry-run >../out &&
	test_grep "^--- a/migrations/versions/002_f.py" ../out &&
	test_grep "^+++ b/migrations/versions/003_f.py" ../out &&
	test_grep "^+Revision ID: 003_f" ../out &&
	gmf fix --format=json --dry-run >../out.json &&
	json_valid ../out.json &&
	snapshot >../after &&
	test_cmp ../before ../after &&
	test ! -d .git/migrate-fix
'

# Staging from memory is only for files no attribute converts: with ident
# the index must hold the collapsed "$Id$", as git add would stage it.
test_expect_success 'a file an attribute converts is staged through its filter (ident)' '
	new_project ident && cd ident &&
	echo "*.py ident" >.gitattributes &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "f" &&
	echo "# \$Id\$" >>migrations/versions/002_f.py &&
	commit_all f &&
	rm migrations/versions/002_f.py &&
	git checkout -- migrations/versions/002_f.py &&
	grep -F "\$Id: " migrations/versions/002_f.py &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	gmf fix >out &&
	git status --porcelain >st &&
	test_grep "^R  migrations/versions/002_f.py -> migrations/versions/003_f.py\$" st &&
	git show :migrations/versions/003_f.py >blob &&
	grep -F "# \$Id\$" blob &&
	! grep -F "\$Id: " blob &&
	grep -F "\$Id: " migrations/versions/003_f.py
'

# From 16 new blobs on, staging writes them as one pack, not one loose
# object each; the index must never name an object that is not stored.
test_expect_success ALEMBIC 'a fix of many migrations stores their blobs in one pack' '
	new_project many && cd many &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	prev=001_init i=2 &&
	while test $i -le 21
	do
		rev=$(printf "%03d_f%d" $i $i) &&
		mig $rev.py $rev $prev "f $i" &&
		prev=$rev i=$((i + 1)) || return 1
	done &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	git repack -adq &&
	git count-objects -v >../before &&
	test_grep "^count: 0\$" ../before &&
	test_grep "^packs: 1\$" ../before &&
	gmf fix >../out &&
	git count-objects -v >../after &&
	test_grep "^count: 0\$" ../after &&
	test_grep "^packs: 2\$" ../after &&
	git fsck --no-dangling >../fsck 2>&1 &&
	test ! -s ../fsck &&
	test "$(git diff --cached --name-status | grep -c "^R")" = 20 &&
	git diff --quiet &&
	git commit -q -m fixed &&
	git fsck --no-dangling &&
	alembic_cycle
'

test_expect_success 'a fix of one migration writes one loose object, as git add does' '
	simple_fork few && cd few &&
	git repack -adq &&
	gmf fix >../few-out &&
	git count-objects -v >../few-after &&
	test_grep "^count: 1\$" ../few-after &&
	test_grep "^packs: 1\$" ../few-after &&
	git fsck --no-dangling
'

test_done
