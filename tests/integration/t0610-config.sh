#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='reading every Alembic configuration the way Alembic does'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

# chain DIR ID...: a linear chain of migrations in DIR, in that order.
chain () {
	ch_dir=$1
	shift
	mkdir -p "$ch_dir" &&
	ch_parent=None &&
	for ch_id in "$@"
	do
		if test "$ch_parent" = None
		then
			ch_down=None
		else
			ch_down="\"$ch_parent\""
		fi &&
		printf '"""%s\n\nRevision ID: %s\nRevises: %s\n"""\nrevision = "%s"\ndown_revision = %s\n' \
			"$ch_id" "$ch_id" "${ch_parent#None}" "$ch_id" "$ch_down" \
			>"$ch_dir/${ch_id}_step.py" &&
		ch_parent=$ch_id || return 1
	done
}

# ini DIR LINE...: DIR/alembic.ini made of these lines.
ini () {
	ini_dir=$1
	shift
	mkdir -p "$ini_dir" &&
	printf '%s\n' "$@" >"$ini_dir/alembic.ini"
}

# heads_are EXPECTED ARGS...: `heads ARGS` prints exactly EXPECTED.
heads_are () {
	ha_want=$1
	shift
	gmf_expect 0 "$TRASH/heads.out" heads "$@" &&
	printf '%s\n' "$ha_want" >"$TRASH/heads.want" &&
	test_cmp "$TRASH/heads.want" "$TRASH/heads.out"
}

test_expect_success '[DEFAULT] script_location: only [alembic] is a script location' '
	ini dflt "[DEFAULT]" "script_location = %(here)s/db" "[alembic]" \
		"[loggers]" "keys = root" "[handlers]" "keys = console" &&
	chain dflt/db/versions d1 d2 &&
	cd dflt &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "[s[\"name\"] for s in d[\"scripts\"]] == [\"alembic\"]" &&
	heads_are "d2 (head)" &&
	heads_are "d2 (head)" -n loggers
'

test_expect_success '[DEFAULT] without [alembic]: not a script location' '
	ini noalembic "[DEFAULT]" "script_location = %(here)s/db" "[loggers]" "keys = root" &&
	chain noalembic/db/versions e1 &&
	cd noalembic &&
	gmf_expect 2 ../out check &&
	test_grep "migrations/versions" ../out.err
'

test_expect_success GIT 'an alembic.ini found but not used: -v says so, the parent is read' '
	git init -q unused &&
	ini unused "[alembic]" "script_location = %(here)s/db" &&
	chain unused/db/versions u1 u2 &&
	ini unused/tools "[loggers]" "keys = root" &&
	cd unused/tools &&
	heads_are "u2 (head)" &&
	gmf_expect 0 "$TRASH/out" check -v &&
	test_grep "tools/alembic.ini. found but not used: no script_location in \[alembic\]" "$TRASH/out"
'

test_expect_success 'a section of its own keeps its script_location beside [DEFAULT]' '
	ini own "[DEFAULT]" "script_location = %(here)s/db" "[alembic]" \
		"[tenant]" "script_location = %(here)s/tenant" &&
	chain own/db/versions o1 &&
	chain own/tenant/versions t1 t2 &&
	cd own &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "sorted(s[\"name\"] for s in d[\"scripts\"]) == [\"alembic\", \"tenant\"]"
'

test_expect_success 'package resource: pkg:path, pkg:sub:dir and pkg.mod:dir' '
	mkdir -p pkg/app/db pkg/src/lib/store &&
	: >pkg/app/__init__.py &&
	: >pkg/src/lib/__init__.py &&
	chain pkg/app/db/migrations/versions p1 p2 &&
	chain pkg/src/lib/store/alembic/versions q1 &&
	cd pkg &&
	for loc in app:db/migrations app:db:migrations app.db:migrations app:db:migrations:
	do
		ini . "[alembic]" "script_location = $loc" &&
		heads_are "p2 (head)" || { echo "script_location $loc"; return 1; }
	done &&
	ini . "[alembic]" "script_location = lib.store:alembic" &&
	heads_are "q1 (head)" &&
	gmf_expect 0 ../out check -v &&
	test_grep "package resource .lib.store:alembic." ../out
'

test_expect_success 'package resource nested below the ini, and one that is nowhere' '
	mkdir -p nest/backend/app &&
	: >nest/backend/app/__init__.py &&
	chain nest/backend/app/alembic/versions n1 n2 n3 &&
	ini nest "[alembic]" "script_location = app:alembic" &&
	cd nest &&
	heads_are "n3 (head)" &&
	ini . "[alembic]" "script_location = nosuchpkg:alembic" &&
	gmf_expect 2 ../out check &&
	test_grep "cannot find package .nosuchpkg." ../out.err
'

test_expect_success 'package resource the ini sits inside (src layout), from the top and from the ini' '
	mkdir -p enc/src/shop/server/db &&
	: >enc/src/shop/__init__.py &&
	chain enc/src/shop/server/db/_migrations/versions e1 e2 &&
	ini enc/src/shop/server/db "[alembic]" "script_location = shop:server:db:_migrations" &&
	(cd enc && git init -q . && git add -A && git commit -q -m init) &&
	(cd enc && heads_are "e2 (head)") &&
	(cd enc/src/shop/server/db && heads_are "e2 (head)") &&
	(cd enc && heads_are "e2 (head)" -c src/shop/server/db/alembic.ini) &&
	mv enc/src/shop enc/src/store &&
	(cd enc/src/store/server/db && gmf_expect 2 "$TRASH/out" check) &&
	test_grep "cannot find package .shop." "$TRASH/out.err"
'

test_expect_success 'relative script_location: the current directory first, as Alembic' '
	ini rel/sub "[alembic]" "script_location = db" &&
	chain rel/sub/db/versions r1 &&
	chain rel/db/versions c1 c2 &&
	cd rel &&
	heads_are "c2 (head)" -c sub/alembic.ini
'

test_expect_success 'relative script_location missing from the cwd: the ini-relative one, said in -v' '
	ini rel2/sub "[alembic]" "script_location = db" &&
	chain rel2/sub/db/versions r1 r2 &&
	cd rel2 &&
	heads_are "r2 (head)" -c sub/alembic.ini &&
	gmf_expect 0 ../out check -v -c sub/alembic.ini &&
	test_grep "taken relative to the config file" ../out
'

# flask DIR: a Flask-Migrate project (migrations/alembic.ini without
# script_location, env.py and versions/ beside it) with two heads.
flask () {
	ini "$1/migrations" "# A generic, single database configuration." "" "[alembic]" \
		"# template used to generate migration files" \
		"file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s" "" \
		"[loggers]" "keys = root,sqlalchemy,alembic,flask_migrate" &&
	echo "# env.py" >"$1/migrations/env.py" &&
	printf "%s\n" "\"\"\"\${message}" "" "Revision ID: \${up_revision}" \
		"Revises: \${down_revision | comma,n}" "" "\"\"\"" \
		"revision = \${repr(up_revision)}" "down_revision = \${repr(down_revision)}" \
		"branch_labels = None" "depends_on = None" >"$1/migrations/script.py.mako" &&
	chain "$1/migrations/versions" f1 f2 &&
	chain "$1/tmp" x &&
	sed -e "s/^revision = \"x\"/revision = \"f3\"/" -e "s/^down_revision = None/down_revision = \"f1\"/" \
		"$1/tmp/x_step.py" >"$1/migrations/versions/f3_other.py" &&
	rm -r "$1/tmp"
}

test_expect_success 'Flask-Migrate: found from the project and from migrations/' '
	flask fm &&
	cd fm &&
	gmf_expect 1 ../out check &&
	test_grep "multiple-heads" ../out &&
	gmf_expect 1 ../out check -v &&
	test_grep "from Flask-Migrate" ../out &&
	cd migrations &&
	gmf_expect 1 ../../out check &&
	test_grep "multiple-heads" ../../out
'

test_expect_success 'Flask-Migrate: merge names the file with its file_template' '
	flask fm2 &&
	cd fm2/migrations &&
	gmf_expect 0 ../../out merge --dry-run -m "join heads" &&
	test_grep -E "versions/[0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9a-f]+_join_heads\.py" ../../out
'

test_expect_success 'pyproject.toml [tool.alembic] alone' '
	mkdir -p tp &&
	cat >tp/pyproject.toml <<-\EOF &&
	[project]
	name = "app"
	version = "1.0"

	[tool.black]
	line-length = 88.5

	[tool.alembic]
	# where env.py is
	script_location = "%(here)s/db"
	version_locations = [
	    "%(here)s/db/va",
	    "%(here)s/db/vb",
	]
	file_template = "%%(rev)s_%%(slug)s"
	truncate_slug_length = 30
	recursive_version_locations = false
	EOF
	chain tp/db/va a1 a2 &&
	chain tp/db/vb b1 &&
	sed -e "s/^down_revision = None/down_revision = \"a2\"/" tp/db/vb/b1_step.py >tp/b1 &&
	mv tp/b1 tp/db/vb/b1_step.py &&
	cd tp &&
	heads_are "b1 (head)" &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "d[\"scripts\"][0][\"source\"] == \"pyproject.toml\"" &&
	json_check ../out.json "d[\"scripts\"][0][\"migrations\"] == 3"
'

test_expect_success 'alembic.ini keys win over [tool.alembic]; the rest falls through' '
	mkdir -p both &&
	printf "[tool.alembic]\nscript_location = \"%%(here)s/toml\"\nversion_locations = [\"%%(here)s/shared\"]\n" \
		>both/pyproject.toml &&
	ini both "[alembic]" "script_location = %(here)s/ini" &&
	mkdir -p both/ini both/toml &&
	chain both/shared s1 s2 &&
	chain both/ini/versions i1 &&
	cd both &&
	heads_are "s2 (head)" &&
	gmf_expect 0 ../out check -v &&
	test_grep "shared" ../out
'

test_expect_success 'a broken pyproject.toml or a wrong type: exit 2 naming file and line' '
	mkdir -p badtoml &&
	printf "[tool.alembic]\nscript_location = \"db\nx = 1\n" >badtoml/pyproject.toml &&
	cd badtoml &&
	gmf_expect 2 ../out check &&
	test_grep "pyproject.toml.*line 2" ../out.err &&
	printf "[tool.alembic]\nscript_location = \"db\"\nversion_locations = \"db/v\"\n" >pyproject.toml &&
	chain db/v z1 &&
	gmf_expect 2 ../out check &&
	test_grep "pyproject.toml.:3:.*version_locations must be an array" ../out.err &&
	printf "[tool]\nalembic = 1\n" >pyproject.toml &&
	gmf_expect 2 ../out check &&
	test_grep "not a table" ../out.err
'

test_expect_success 'a broken alembic.ini is an error, never the default directory' '
	chain brk/migrations/versions m1 &&
	cd brk &&
	ini . "[alembic]" "a = %(b)s" "b = %(a)s" "script_location = %(a)s" &&
	gmf_expect 2 ../out check &&
	test_grep "alembic.ini.:4:" ../out.err &&
	ini . "[alembic]" "" "script_location = %(nosuch)s/migrations" &&
	gmf_expect 2 ../out check &&
	test_grep "alembic.ini.:3:.*nosuch" ../out.err &&
	ini . "[alembic]" "script_location = %(here/migrations" &&
	gmf_expect 2 ../out check &&
	test_grep "alembic.ini.:2:" ../out.err &&
	ini . "[alembic]" "script_location = migrations" "script_location = migrations" &&
	gmf_expect 2 ../out check &&
	test_grep "alembic.ini.*line 3" ../out.err
'

# service DIR: an Alembic project in DIR of the cwd's repository, its
# versions in DIR/migrations/versions, with a first migration.
service () {
	mkdir -p "$1/migrations/versions" &&
	printf "[alembic]\nscript_location = %%(here)s/migrations\n" >"$1/alembic.ini" &&
	(cd "$1" && mig 001_init.py 001_init None "init")
}

# monorepo NAME: services/a and services/b, pushed, the tool installed
# from the top.
monorepo () {
	git init -q -b main "$1" &&
	cd "$1" &&
	service services/a && service services/b &&
	echo "readme" >README && commit_all base &&
	git clone -q --bare . "../$1-origin.git" &&
	git remote add origin "../$1-origin.git" && git fetch -q origin &&
	git branch -q --set-upstream-to=origin/main main &&
	git remote set-head origin main >/dev/null &&
	gmf install >../install.out && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main
}

test_expect_success GIT 'monorepo: check at the top covers every tracked environment' '
	monorepo mono &&
	test_grep "services/a" ../install.out &&
	test_grep "services/b" ../install.out &&
	test -f services/a/migrations/versions/.head &&
	test -f services/b/migrations/versions/.head &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "[s[\"name\"] for s in d[\"scripts\"]] == [\"services/a\", \"services/b\"]" &&
	(cd services/a && gmf_expect 0 "$TRASH/a.json" check --format=json) &&
	json_check ../a.json "[s[\"name\"] for s in d[\"scripts\"]] == [\"alembic\"]" &&
	# a directory holding no environment (docs/): all of them, as from
	# the top, and -v says why
	mkdir -p docs/api && (cd docs/api && gmf_expect 0 "$TRASH/d.json" check --format=json) &&
	json_check ../d.json "[s[\"name\"] for s in d[\"scripts\"]] == [\"services/a\", \"services/b\"]" &&
	(cd docs/api && gmf check -v >"$TRASH/d.out" 2>&1) &&
	test_grep "no Alembic environment below docs/api: read every one" ../d.out
'

test_expect_success GIT 'monorepo: a diverging merge repairs both projects' '
	cd mono &&
	git checkout -q -b feature &&
	(cd services/a && mig 002_fa.py 002_fa 001_init "feature a") &&
	(cd services/b && mig 002_fb.py 002_fb 001_init "feature b") &&
	commit_all feature &&
	git checkout -q main &&
	(cd services/a && mig 002_ma.py 002_ma 001_init "main a") &&
	(cd services/b && mig 002_mb.py 002_mb 001_init "main b") &&
	commit_all main && git push -q origin main &&
	git checkout -q feature &&
	git merge -q --no-edit origin/main >../merge.out 2>&1 &&
	git ls-tree -r --name-only HEAD >../tree &&
	test_grep "services/a/migrations/versions/003_fa.py" ../tree &&
	test_grep "services/b/migrations/versions/003_fb.py" ../tree &&
	gmf_expect 0 ../out check &&
	heads_are "003_fa (head)" --dir services/a/migrations/versions &&
	heads_are "003_fb (head)" --dir services/b/migrations/versions
'

# scripts_are NAMES: `check --format=json` at the cwd covers exactly these
# scripts (a Python list literal, in double quotes).
scripts_are () {
	gmf_expect 0 "$TRASH/scripts.json" check --format=json &&
	json_check "$TRASH/scripts.json" "[s[\"name\"] for s in d[\"scripts\"]] == $1"
}

test_expect_success GIT 'monorepo: the environment list is cached on the index, never stale' '
	monorepo cachemono &&
	env=$(git rev-parse --git-dir)/migrate-fix/environments &&
	scripts_are "[\"services/a\", \"services/b\"]" &&
	test_grep "^services/a/alembic.ini$" "$env" &&
	test_grep "^services/b/alembic.ini$" "$env" &&
	# the list is read from the cache while the index is unchanged:
	# a cache naming only services/a gives only services/a
	grep -v "^services/b/" "$env" >../env.cut &&
	cat ../env.cut >"$env" &&
	scripts_are "[\"services/a\"]" &&
	(
		GIT_MIGRATE_FIX_CACHE=0 &&
		export GIT_MIGRATE_FIX_CACHE &&
		scripts_are "[\"services/a\", \"services/b\"]"
	) &&
	# a new environment staged (not committed) is seen at once
	service services/c &&
	git add services/c &&
	scripts_are "[\"services/a\", \"services/b\", \"services/c\"]" &&
	test_grep "^services/c/alembic.ini$" "$env" &&
	# and still after the commit, and after it is removed again
	git commit -q -m "service c" &&
	scripts_are "[\"services/a\", \"services/b\", \"services/c\"]" &&
	git rm -q -r services/c &&
	scripts_are "[\"services/a\", \"services/b\"]" &&
	# a cache that is not ours is ignored
	echo "garbage" >"$env" &&
	scripts_are "[\"services/a\", \"services/b\"]"
'

test_expect_success GIT 'backend/alembic.ini with script_location app/alembic: from the top and from backend/' '
	git init -q -b main be &&
	cd be &&
	mkdir -p backend/app/alembic/versions &&
	printf "[alembic]\nscript_location = app/alembic\n" >backend/alembic.ini &&
	(cd backend/app/alembic && mkdir -p migrations && ln -s ../versions migrations/versions &&
	 mig 001_init.py 001_init None init && rm -r migrations) &&
	commit_all base &&
	git clone -q --bare . ../be-origin.git &&
	git remote add origin ../be-origin.git && git fetch -q origin &&
	git branch -q --set-upstream-to=origin/main main &&
	git remote set-head origin main >/dev/null &&
	gmf install >../install.out &&
	test -f backend/app/alembic/versions/.head &&
	git commit -q -m adopt && git push -q origin main &&
	(cd backend && gmf_expect 0 "$TRASH/out" check -v) &&
	test_grep "backend/alembic.ini\|alembic.ini" ../out &&
	git checkout -q -b feature &&
	(cd backend/app/alembic && mkdir migrations && ln -s ../versions migrations/versions &&
	 mig 002_f.py 002_f 001_init f && rm -r migrations) &&
	commit_all feature &&
	git checkout -q main &&
	(cd backend/app/alembic && mkdir migrations && ln -s ../versions migrations/versions &&
	 mig 002_m.py 002_m 001_init m && rm -r migrations) &&
	commit_all main && git push -q origin main &&
	git checkout -q feature &&
	cd backend &&
	git merge -q --no-edit origin/main >../../merge.out 2>&1 &&
	git ls-tree -r --full-tree --name-only HEAD >../../tree &&
	test_grep "backend/app/alembic/versions/003_f.py" ../../tree &&
	heads_are "003_f (head)"
'

test_done
