#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='where check and heads look for migrations'
. "$(dirname "$0")/../lib.sh"

# A migration file with the given id and parent (None for a root).
mig () {
	if test "$2" = None
	then
		down=None
	else
		down="\"$2\""
	fi
	printf '"""%s\n\nRevision ID: %s\nRevises: %s\n"""\nrevision = "%s"\ndown_revision = %s\n' \
		"$1" "$1" "${2#None}" "$1" "$down"
}

# versions DIR ID...: a linear chain of migrations in DIR, in that order.
versions () {
	dir=$1
	shift
	mkdir -p "$dir" &&
	parent=None &&
	for id in "$@"
	do
		mig "$id" "$parent" >"$dir/${id}_step.py" &&
		parent=$id || return 1
	done
}

# The trash directory lies under $TMPDIR with GIT_CEILING_DIRECTORIES set:
# "outside git" tests need no more than that.
test_expect_success GIT 'setup: the trash directory is outside any repository' '
	test_must_fail git rev-parse --git-dir 2>/dev/null
'

test_expect_success 'outside git: alembic.ini in the current directory' '
	copy_fixture good/default-naming plain &&
	cd plain &&
	gmf_expect 0 ../out check &&
	gmf_expect 0 ../heads heads &&
	echo "4d5e6f7a8b9c (head)" >../expect &&
	test_cmp ../expect ../heads
'

test_expect_success GIT 'in a git repository: alembic.ini found from a subdirectory' '
	git init -q repo &&
	cp -R "$FIXTURES/good/sequence-stem/." repo/ &&
	mkdir -p repo/app/models &&
	cd repo/app/models &&
	gmf_expect 0 "$TRASH/heads" heads &&
	echo "037_add_widgets (head)" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/heads"
'

test_expect_success GIT 'relative script_location is relative to alembic.ini, paths to the cwd' '
	git init -q relrepo &&
	cp -R "$FIXTURES/bad/two-heads/versions" relrepo/versions-src &&
	mkdir -p relrepo/db relrepo/app &&
	mv relrepo/versions-src relrepo/db/versions &&
	printf "[alembic]\nscript_location = db\n" >relrepo/alembic.ini &&
	cd relrepo/app &&
	line=$(line_of "^revision = " ../db/versions/b2b2b2b2b2b2_left.py) &&
	gmf_expect 1 "$TRASH/out" check &&
	test_grep "error\[multiple-heads\]" "$TRASH/out" &&
	test_grep -E "^\.\./db/versions/(b2b2b2b2b2b2_left|c3c3c3c3c3c3_right)\.py:$line: " "$TRASH/out"
'

test_expect_success '--dir reads those directories and ignores alembic.ini' '
	copy_fixture good/default-naming dirproj &&
	versions dirproj/other w1 w2 w3 &&
	cd dirproj &&
	gmf_expect 0 ../heads heads --dir other &&
	echo "w3 (head)" >../expect &&
	test_cmp ../expect ../heads
'

test_expect_success '--dir repeated: one graph over several directories' '
	copy_fixture good/version-locations multidir &&
	cd multidir &&
	gmf_expect 0 ../out check --dir versions_a --dir versions_b --dir versions_c &&
	gmf_expect 0 ../heads heads --dir versions_a --dir versions_b --dir versions_c &&
	echo "aaa000000004 (head)" >../expect &&
	test_cmp ../expect ../heads
'

test_expect_success '--dir works with an absolute path' '
	versions abs/v x1 x2 &&
	gmf_expect 0 out heads --dir "$TRASH/abs/v" &&
	echo "x2 (head)" >expect &&
	test_cmp expect out
'

test_expect_success GIT 'git config migrate-fix.versions, repeated, relative to the top' '
	test_when_finished "rm -rf \"$TRASH/cfgrepo\"" &&
	git init -q cfgrepo &&
	versions cfgrepo/db/one c1 c2 &&
	versions cfgrepo/db/two d1 &&
	sed -e "s/^down_revision = None/down_revision = \"c2\"/" cfgrepo/db/two/d1_step.py >tmp &&
	mv tmp cfgrepo/db/two/d1_step.py &&
	git -C cfgrepo config --add migrate-fix.versions db/one &&
	git -C cfgrepo config --add migrate-fix.versions db/two &&
	mkdir cfgrepo/src &&
	cd cfgrepo/src &&
	gmf_expect 0 "$TRASH/heads" heads &&
	echo "d1 (head)" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/heads"
'

test_expect_success GIT 'alembic.ini wins over git config' '
	git init -q both &&
	cp -R "$FIXTURES/good/numeric-ids/." both/ &&
	versions both/elsewhere e1 &&
	git -C both config migrate-fix.versions elsewhere &&
	cd both &&
	gmf_expect 0 ../heads heads &&
	echo "011 (head)" >../expect &&
	test_cmp ../expect ../heads
'

test_expect_success GIT 'default: migrations/versions at the top of the repository' '
	git init -q defrepo &&
	versions defrepo/migrations/versions m1 m2 &&
	mkdir -p defrepo/lib/sub &&
	cd defrepo/lib/sub &&
	gmf_expect 0 "$TRASH/heads" heads &&
	echo "m2 (head)" >"$TRASH/expect" &&
	test_cmp "$TRASH/expect" "$TRASH/heads"
'

test_expect_success 'default outside git: migrations/versions in the current directory' '
	versions nogit/migrations/versions n1 n2 n3 &&
	cd nogit &&
	gmf_expect 0 ../heads heads &&
	echo "n3 (head)" >../expect &&
	test_cmp ../expect ../heads
'

test_expect_success '-n picks one section of a multi-section alembic.ini' '
	copy_fixture good/multi-section &&
	cd multi-section &&
	gmf_expect 0 ../core heads -n core &&
	echo "002 (core) (head)" >../expect &&
	test_cmp ../expect ../core &&
	gmf_expect 0 ../tenant heads --name tenant &&
	echo "003 (tenant) (head)" >../expect &&
	test_cmp ../expect ../tenant &&
	gmf_expect 0 ../out.json check -n tenant --format=json &&
	json_check ../out.json "[s[\"name\"] for s in d[\"scripts\"]] == [\"tenant\"]" &&
	json_check ../out.json "d[\"scripts\"][0][\"migrations\"] == 3"
'

test_expect_success 'without -n every section with script_location is checked' '
	copy_fixture good/multi-section &&
	cd multi-section &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "sorted(s[\"name\"] for s in d[\"scripts\"]) == [\"core\", \"tenant\"]" &&
	json_check ../out.json "all(s[\"config\"] is not None and s[\"config\"].endswith(\"alembic.ini\") for s in d[\"scripts\"])"
'

test_expect_success 'the ok line names the location of each head' '
	copy_fixture good/multi-section &&
	cd multi-section &&
	gmf_expect 0 ../out check &&
	test_grep "^ok: 5 migrations in 2 script locations, 2 heads (002 in core; 003 in tenant)$" ../out
'

test_expect_success '-n with a section that does not exist fails, naming it' '
	copy_fixture good/multi-section &&
	cd multi-section &&
	gmf_expect 2 ../out check -n nosuchsection &&
	test_grep nosuchsection ../out.err
'

test_expect_success '-c names the alembic.ini' '
	copy_fixture good/merges proj &&
	mkdir elsewhere &&
	cd elsewhere &&
	gmf_expect 0 ../heads heads -c ../proj/alembic.ini &&
	echo "hhhh00000001 (head)" >../expect &&
	test_cmp ../expect ../heads &&
	gmf_expect 0 ../heads heads --config ../proj/alembic.ini &&
	test_cmp ../expect ../heads
'

test_expect_success 'each version_path_separator gives the same graph' '
	copy_fixture good/version-locations &&
	cd version-locations &&
	echo "aaa000000004 (head)" >../expect &&
	for s in alembic space os colon semicolon newline
	do
		gmf_expect 0 ../heads heads -n $s &&
		test_cmp ../expect ../heads &&
		gmf_expect 0 ../out.json check -n $s --format=json &&
		json_check ../out.json "d[\"scripts\"][0][\"migrations\"] == 4" ||
		{ echo "section $s"; return 1; }
	done
'

test_expect_success 'a missing --dir: exit 2 and a message naming it' '
	gmf_expect 2 out check --dir no-such-dir &&
	test_grep no-such-dir out.err &&
	gmf_expect 2 out heads --dir no-such-dir &&
	test_grep no-such-dir out.err
'

test_expect_success 'script_location pointing nowhere: exit 2 naming it' '
	mkdir badini &&
	printf "[alembic]\nscript_location = %%(here)s/gone\n" >badini/alembic.ini &&
	cd badini &&
	gmf_expect 2 ../out check &&
	test_grep gone ../out.err
'

test_expect_success 'nothing to find: exit 2 naming migrations/versions' '
	mkdir empty &&
	cd empty &&
	gmf_expect 2 ../out check &&
	test_grep "migrations/versions" ../out.err
'

test_expect_success 'a missing -c file: exit 2 naming it' '
	gmf_expect 2 out check -c no-such.ini &&
	test_grep no-such.ini out.err
'

# Prefect's layout: the ini names _migrations, whose versions directory
# holds only postgresql/ and sqlite/, which the project passes to Alembic
# in code.  Not an empty project: a warning says where the files are.
test_expect_success GIT 'an alembic.ini template filled in code is skipped, and the hint names the directory' '
	git init -q tpl &&
	mkdir -p tpl/hub &&
	printf "[alembic]\nscript_location = {alembic_dir}\nsqlalchemy.url = {db_url}\n" \
		>tpl/hub/alembic.ini &&
	versions tpl/hub/alembic/versions t1 t2 &&
	git -C tpl add -A && git -C tpl commit -q -m tpl &&
	cd tpl &&
	gmf_expect 2 ../out check &&
	test_grep "found but not used: script_location in \[alembic\] is .{alembic_dir}., a template" ../out.err &&
	test_grep "hint: no usable alembic.ini found; pass --dir PATH or set .git config migrate-fix.versions hub/alembic/versions." ../out.err &&
	(cd hub && gmf_expect 2 ../../out2 check) &&
	test_grep "a template the project fills in its own code" ../out2.err &&
	git config migrate-fix.versions hub/alembic/versions &&
	gmf_expect 0 ../out check &&
	test_grep "^ok: 2 migrations, 1 head (t2)" ../out &&
	(cd hub && gmf_expect 0 ../../out2 check) &&
	test_grep "^ok: 2 migrations, 1 head (t2)" ../out2
'

test_expect_success 'migrations only in subdirectories: an error names them (nothing was read)' '
	mkdir -p nested/migrations &&
	printf "[alembic]\nscript_location = migrations\n" >nested/alembic.ini &&
	versions nested/migrations/versions/postgresql p1 p2 &&
	versions nested/migrations/versions/sqlite s1 &&
	mkdir nested/migrations/versions/__pycache__ &&
	cd nested &&
	gmf_expect 1 ../out check &&
	test_grep "error\[nested-migrations\]: no migration directly in the versions directory, but 3 in its subdirectories postgresql/ (2), sqlite/ (1)" ../out &&
	test_grep "^migrations/versions: " ../out &&
	test_grep "git config migrate-fix.recursive true" ../out &&
	test_grep "git config migrate-fix.recursive separate" ../out &&
	gmf check --dir migrations/versions/postgresql >../out 2>&1 &&
	test_grep "ok: 2 migrations, 1 head (p2)" ../out &&
	test_grep ! nested-migrations ../out &&
	printf "recursive_version_locations = true\n" >>alembic.ini &&
	gmf_expect 1 ../out check &&
	test_grep "error\[multiple-heads\]" ../out &&
	test_grep ! nested-migrations ../out
'

# Prefect: one alembic.ini, and env.py picks versions/sqlite or
# versions/postgresql by the database: two graphs.
test_expect_success 'migrate-fix.recursive separate: a graph per subdirectory' '
	git init -q pref && cd pref &&
	mkdir -p migrations &&
	printf "[alembic]\nscript_location = migrations\n" >alembic.ini &&
	versions migrations/versions/postgresql p1 p2 &&
	versions migrations/versions/sqlite s1 s2 s3 &&
	git config migrate-fix.recursive separate &&
	gmf check --format=json >../out.json &&
	json_check ../out.json "[s[\"name\"] for s in d[\"scripts\"]] == [\"alembic/postgresql\", \"alembic/sqlite\"]" \
		"[s[\"heads\"] for s in d[\"scripts\"]] == [[\"p2\"], [\"s3\"]]" &&
	gmf check >../out &&
	test_grep "^ok: 5 migrations in 2 script locations, 2 heads (p2 in alembic/postgresql; s3 in alembic/sqlite)" ../out &&
	# a fork in one of them is that one'"'"'s alone
	mig s4 s1 >migrations/versions/sqlite/s4_step.py &&
	gmf_expect 1 ../out check &&
	test_grep "error\[multiple-heads\]: 2 heads in one chain: s3, s4 \[alembic/sqlite\]" ../out &&
	test "$(grep -c "error\[" ../out)" = 1 &&
	git config migrate-fix.recursive sometimes &&
	test_expect_code 2 gmf check >../out 2>../err &&
	test_grep "migrate-fix.recursive is .sometimes.: use true, false or separate" ../err
'

# neutron's layout: one migration in versions/ and the rest in release
# directories two levels down (versions/<release>/expand), named in code.
# The warning counts them; migrate-fix.recursive reads them all.
test_expect_success 'migrate-fix.recursive reads what the project names in code' '
	git init -q neut && cd neut &&
	mkdir -p migrations &&
	printf "[alembic]\nscript_location = migrations\n" >alembic.ini &&
	versions migrations/versions k0 &&
	mkdir -p migrations/versions/r1/expand migrations/versions/r2 &&
	mig e1 k0 >migrations/versions/r1/expand/e1_step.py &&
	mig e2 e1 >migrations/versions/r1/expand/e2_step.py &&
	printf "X = 1\n" >migrations/versions/r2/helper.py &&
	gmf check >../out 2>&1 &&
	test_grep "warning\[nested-migrations\]: 2 migrations in subdirectory r1/ (2) are not read, only the 1 directly in the versions directory" ../out &&
	test_grep "ok: 1 migration, 1 head (k0), 1 warning" ../out &&
	# install writes a lockfile of what it read, and says why it is short
	gmf install >../out 2>&1 &&
	test_grep "^warning\[nested-migrations\]: 2 migrations in subdirectory r1/" ../out &&
	test "$(cat migrations/versions/.head)" = k0 &&
	# read recursively, a module that is no migration is an error, as
	# for Alembic
	rm migrations/versions/r2/helper.py &&
	git config migrate-fix.recursive true &&
	gmf_expect 1 ../out check &&
	test_grep "stale-lockfile" ../out &&
	gmf fix >/dev/null &&
	test "$(cat migrations/versions/.head)" = e2 &&
	gmf check >../out 2>&1 &&
	test_grep "ok: 3 migrations, 1 head (e2)" ../out &&
	test_grep ! nested-migrations ../out
'

# aiida-core: no alembic.ini, two storage backends, a graph each.
test_expect_success 'migrate-fix.environment: a graph per directory named' '
	git init -q aiida && cd aiida &&
	versions storage/psql/versions main_0001 main_0002 &&
	versions storage/sqlite/versions main_0001 main_0002 main_0003 &&
	# as one graph (version_locations) the same ids clash
	git config --add migrate-fix.versions storage/psql/versions &&
	git config --add migrate-fix.versions storage/sqlite/versions &&
	gmf_expect 1 ../out check &&
	test_grep "duplicate-revision" ../out &&
	git config --unset-all migrate-fix.versions &&
	git config --add migrate-fix.environment storage/psql/versions &&
	git config --add migrate-fix.environment storage/sqlite/versions &&
	gmf check >../out &&
	test_grep "^ok: 5 migrations in 2 script locations, 2 heads (main_0002 in storage/psql/versions; main_0003 in storage/sqlite/versions)" ../out
'

test_done
