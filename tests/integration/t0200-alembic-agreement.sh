#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='git-migrate-fix agrees with the real alembic on every good fixture'
. "$(dirname "$0")/../lib.sh"

# Alembic 1.10 added recursive_version_locations; 1.8 (Debian bookworm)
# silently ignores it and sees only the top folder.
test_lazy_prereq ALEMBIC_RECURSIVE 'alembic_at_least 1 10'
# version_path_separator = newline is refused by older Alembic.
test_lazy_prereq ALEMBIC_NEWLINE_SEP '
	cp -R "$FIXTURES/good/version-locations" probe &&
	(cd probe && "$ALEMBIC" -n newline heads)
'

# agree FIXTURE [SECTION]: in a copy of good/FIXTURE, the heads of
# `alembic heads` and `git-migrate-fix heads` are the same set, and both
# read the same number of revisions (alembic history has one line per
# revision; our JSON counts migrations).
agree () {
	fixture=$1 section=$2
	copy_fixture "good/$fixture" &&
	alembic_heads_set "$fixture" "$section" >alembic.heads &&
	test -s alembic.heads &&
	gmf_heads_set "$fixture" "$section" >gmf.heads &&
	test_cmp alembic.heads gmf.heads &&
	(
		cd "$fixture" &&
		"$ALEMBIC" ${section:+-n "$section"} history >../alembic.history
	) &&
	n=$(wc -l <alembic.history | tr -d " ") &&
	(
		cd "$fixture" &&
		gmf_expect 0 ../gmf.json check ${section:+-n "$section"} --format=json
	) &&
	json_check gmf.json "sum(s[\"migrations\"] for s in d[\"scripts\"]) == $n"
}

for fixture in default-naming sequence-stem airflow-style sequence-hash \
	date-prefixed merges numeric-ids expand-contract expression-labels \
	label-constants docstrings encodings
do
	test_expect_success ALEMBIC "alembic and gmf agree: $fixture" "
		agree $fixture
	"
done

for section in alembic space os colon semicolon
do
	test_expect_success ALEMBIC "alembic and gmf agree: version-locations [$section]" "
		agree version-locations $section
	"
done

test_expect_success ALEMBIC,ALEMBIC_NEWLINE_SEP 'alembic and gmf agree: version-locations [newline]' '
	agree version-locations newline
'

for section in core tenant
do
	test_expect_success ALEMBIC "alembic and gmf agree: multi-section [$section]" "
		agree multi-section $section
	"
done

test_expect_success ALEMBIC,ALEMBIC_RECURSIVE 'alembic and gmf agree: recursive' '
	agree recursive
'

# Older Alembic cannot walk the folders itself, but it reads them when
# they are listed: the recursive walk must find exactly that graph.
test_expect_success ALEMBIC 'recursive walk agrees with alembic reading the folders listed' '
	copy_fixture good/recursive &&
	v=%\(here\)s/migrations/versions &&
	cat >>recursive/alembic.ini <<-EOF &&

	[flat]
	script_location = %(here)s/migrations
	version_locations = $v $v/2023 $v/2024/q1 $v/2024/q2
	sqlalchemy.url = sqlite:///%(here)s/test.db
	EOF
	alembic_heads_set recursive flat >alembic.heads &&
	echo 3d4e5f607182 >expect &&
	test_cmp expect alembic.heads &&
	gmf_heads_set recursive alembic >gmf.heads &&
	test_cmp alembic.heads gmf.heads &&
	(cd recursive && "$ALEMBIC" -n flat history >../alembic.history) &&
	test_line_count = 4 alembic.history
'

test_expect_success ALEMBIC 'alembic and gmf agree on two heads left unmerged' '
	copy_fixture good/default-naming twoheads &&
	v=twoheads/migrations/versions &&
	sed -e "s/4d5e6f7a8b9c/5e6f7a8b9cad/g" -e "s/add index on users.name/a second head/" \
		"$v/4d5e6f7a8b9c_add_index.py" >"$v/5e6f7a8b9cad_second_head.py" &&
	alembic_heads_set twoheads >alembic.heads &&
	printf "%s\n" 4d5e6f7a8b9c 5e6f7a8b9cad >expect &&
	test_cmp expect alembic.heads &&
	gmf_heads_set twoheads >gmf.heads &&
	test_cmp alembic.heads gmf.heads
'

# labels_from_listing: `heads` output as "ID LABEL,LABEL" lines, the labels
# sorted (Alembic prints them in set order, which changes between runs).
labels_from_listing () {
	"$PYTHON" -c '
import re, sys
for line in sys.stdin:
    m = re.match(r"(\S+)(?: \(([^)]*)\))? \((?:effective )?head\)", line)
    if m:
        print(m.group(1), ",".join(sorted((m.group(2) or "").split(", "))))
' | LC_ALL=C sort
}

test_expect_success ALEMBIC,PYTHON3 'alembic and gmf agree on labels held in module constants' '
	copy_fixture good/label-constants &&
	(cd label-constants && "$ALEMBIC" heads) >alembic.raw &&
	(cd label-constants && gmf heads) >gmf.raw &&
	labels_from_listing <alembic.raw >alembic.labels &&
	labels_from_listing <gmf.raw >gmf.labels &&
	cat >expect <<-\EOF &&
	d4e5f6a1b2c3 expand
	e5f6a1b2c3d4 contract,ocata01
	f6a1b2c3d4e5 feature
	EOF
	grep -v "^a7b8c9d0e1f2 " alembic.labels >alembic.read &&
	test_cmp expect alembic.read &&
	grep -v "^a7b8c9d0e1f2 " gmf.labels >gmf.read &&
	test_cmp expect gmf.read &&
	echo "a7b8c9d0e1f2 feature-a" >expect.unread &&
	grep "^a7b8c9d0e1f2 " alembic.labels >alembic.unread &&
	test_cmp expect.unread alembic.unread &&
	echo "a7b8c9d0e1f2 branches.UNREADABLE_BRANCH" >expect.unread &&
	grep "^a7b8c9d0e1f2 " gmf.labels >gmf.unread &&
	test_cmp expect.unread gmf.unread
'

test_expect_success ALEMBIC 'the fixtures are real: alembic upgrade heads runs them' '
	copy_fixture good/default-naming &&
	cd default-naming &&
	"$ALEMBIC" upgrade heads &&
	test -f test.db &&
	"$ALEMBIC" current >../current.raw &&
	heads_from_listing <../current.raw >../current &&
	echo 4d5e6f7a8b9c >../expect &&
	test_cmp ../expect ../current
'

test_expect_success ALEMBIC 'alembic upgrade heads through the merge points' '
	copy_fixture good/merges &&
	cd merges &&
	"$ALEMBIC" upgrade heads &&
	"$ALEMBIC" current >../current.raw &&
	heads_from_listing <../current.raw >../current &&
	echo hhhh00000001 >../expect &&
	test_cmp ../expect ../current
'

# ---------------------------------------------------------------------
# The configurations and verdicts of issue 11, each where the real
# Alembic 1.8 loads it.  pyproject.toml [tool.alembic] is not here:
# Alembic reads it from 1.16 on, Debian's 1.8 ignores it (t0610 covers
# our reading of it).

# project_of BAD DEST: a loadable Alembic project (default-naming's
# alembic.ini, env.py and script.py.mako) around bad/BAD's versions.
project_of () {
	copy_fixture good/default-naming "$2" &&
	rm -f "$TRASH/$2/migrations/versions/"*.py &&
	cp "$FIXTURES/bad/$1/versions/"*.py "$TRASH/$2/migrations/versions/"
}

# ini_lines DIR LINE...: DIR/alembic.ini made of these lines.
ini_lines () {
	il_dir=$1
	shift
	printf '%s\n' "$@" >"$il_dir/alembic.ini"
}

# alembic_python: a Python that imports alembic ($PYTHON, else the one
# the alembic script runs with).
alembic_python () {
	for ap_py in "$PYTHON" $(sed -n "1s/^#! *//p" "$(command -v "$ALEMBIC")") python3
	do
		if "$ap_py" -c "import alembic" 2>/dev/null
		then
			echo "$ap_py"
			return 0
		fi
	done
	return 1
}

# flask_heads DIR: the heads Alembic reports for DIR/migrations the way
# Flask-Migrate runs it (Config of migrations/alembic.ini, script_location
# set to that directory), sorted.
flask_heads () {
	(
		cd "$1" &&
		fh_py=$(alembic_python) &&
		"$fh_py" - >"$TRASH/.flask-heads" <<-\EOF &&
		from alembic import command
		from alembic.config import Config
		config = Config("migrations/alembic.ini")
		config.set_main_option("script_location", "migrations")
		command.heads(config)
		EOF
		heads_from_listing <"$TRASH/.flask-heads"
	)
}

# depends_on = "" on the only root is a DependencyCycleDetected traceback
# in Alembic (alembic-config.md, section 6), so the root here has
# down_revision = "" alone and a later migration has depends_on = "".
test_expect_success ALEMBIC 'alembic and gmf agree: down_revision = "" and depends_on = ""' '
	project_of empty-strings empty &&
	v=empty/migrations/versions &&
	grep -v "^depends_on" "$v/a1_root.py" >a1 &&
	mv a1 "$v/a1_root.py" &&
	sed -e "s/^revision = .*/revision = \"c3\"/" -e "s/^down_revision = .*/down_revision = \"b2\"/" \
		"$v/b2_next.py" >"$v/c3_last.py" &&
	printf "depends_on = \"\"\n" >>"$v/c3_last.py" &&
	alembic_heads_set empty >alembic.heads &&
	echo c3 >expect &&
	test_cmp expect alembic.heads &&
	gmf_heads_set empty >gmf.heads &&
	test_cmp alembic.heads gmf.heads &&
	(cd empty && gmf_expect 0 ../out check)
'

test_expect_success ALEMBIC 'alembic and gmf agree: depends_on = "" on the root fails' '
	project_of empty-dependency-root emptyroot &&
	(cd emptyroot && test_must_fail alembic heads >../alembic.out 2>&1) &&
	test_grep "DependencyCycleDetected" alembic.out &&
	(cd emptyroot && gmf_expect 1 ../out check) &&
	test_grep "error.cycle.: depends_on of the root a1 is an empty string" out
'

test_expect_success ALEMBIC 'alembic and gmf agree: two roots without labels are two heads' '
	project_of two-roots-unlabelled roots &&
	alembic_heads_set roots >alembic.heads &&
	printf "%s\n" a1 b1 >expect &&
	test_cmp expect alembic.heads &&
	gmf_heads_set roots >gmf.heads &&
	test_cmp alembic.heads gmf.heads &&
	(
		cd roots &&
		test_expect_code 255 "$ALEMBIC" upgrade head >../upgrade.out 2>&1 &&
		test_grep "Multiple head revisions" ../upgrade.out &&
		gmf_expect 1 ../out check
	) &&
	test_grep "error\[multiple-heads\]" out
'

# Alembic loads these files and sees another graph than a reader of
# plain assignments would: gmf must refuse them, naming the line.
for form in indented semicolon homoglyph
do
	case $form in
	indented) pat="^    down_revision" ;;
	semicolon) pat="^import os;" ;;
	*) pat="own_revision = None" ;;
	esac
	test_expect_success ALEMBIC "alembic loads fail-closed-$form, gmf refuses it at its line" "
		project_of fail-closed-$form closed &&
		(cd closed && \"\$ALEMBIC\" heads) >alembic.raw &&
		test -s alembic.raw &&
		(cd closed && gmf_expect 2 ../out check) &&
		cat out out.err >all &&
		f=migrations/versions/b2_next.py &&
		n=\$(line_of \"$pat\" closed/\$f) &&
		test_grep \"\$f:\$n: \" all
	"
done

test_expect_success ALEMBIC 'alembic cannot load conflict markers; gmf refuses them too' '
	project_of conflict-markers markers &&
	(cd markers && test_must_fail "$ALEMBIC" heads >../alembic.out 2>&1) &&
	(cd markers && gmf_expect 2 ../out check) &&
	cat out out.err >all &&
	test_grep "conflict markers" all
'

test_expect_success ALEMBIC 'alembic and gmf agree: script_location in [DEFAULT]' '
	copy_fixture good/default-naming dflt &&
	ini_lines dflt "[DEFAULT]" "script_location = %(here)s/migrations" "" \
		"[alembic]" "sqlalchemy.url = sqlite:///%(here)s/test.db" "" \
		"[loggers]" "keys = root" "" "[handlers]" "keys = console" &&
	alembic_heads_set dflt >alembic.heads &&
	echo 4d5e6f7a8b9c >expect &&
	test_cmp expect alembic.heads &&
	gmf_heads_set dflt >gmf.heads &&
	test_cmp alembic.heads gmf.heads
'

for loc in app:db/migrations app:db:migrations app.db:migrations
do
	test_expect_success ALEMBIC "alembic and gmf agree: package resource $loc" "
		copy_fixture good/default-naming pkg &&
		mkdir -p pkg/app/db &&
		: >pkg/app/__init__.py &&
		: >pkg/app/db/__init__.py &&
		mv pkg/migrations pkg/app/db/migrations &&
		ini_lines pkg \"[alembic]\" \"script_location = $loc\" \"prepend_sys_path = .\" \
			\"sqlalchemy.url = sqlite:///%(here)s/test.db\" &&
		alembic_heads_set pkg >alembic.heads &&
		echo 4d5e6f7a8b9c >expect &&
		test_cmp expect alembic.heads &&
		gmf_heads_set pkg >gmf.heads &&
		test_cmp alembic.heads gmf.heads
	"
done

test_expect_success ALEMBIC 'alembic and gmf agree: a relative script_location, here and with -c' '
	mkdir rel &&
	copy_fixture good/default-naming rel/sub &&
	copy_fixture good/merges rel/other &&
	mv rel/other/migrations rel/migrations &&
	ini_lines rel/sub "[alembic]" "script_location = migrations" \
		"sqlalchemy.url = sqlite:///%(here)s/test.db" &&
	alembic_heads_set rel/sub >alembic.heads &&
	echo 4d5e6f7a8b9c >expect &&
	test_cmp expect alembic.heads &&
	gmf_heads_set rel/sub >gmf.heads &&
	test_cmp alembic.heads gmf.heads &&
	(cd rel && "$ALEMBIC" -c sub/alembic.ini heads) >alembic.raw &&
	heads_from_listing <alembic.raw >alembic.heads &&
	echo hhhh00000001 >expect &&
	test_cmp expect alembic.heads &&
	(cd rel && gmf heads -c sub/alembic.ini) >gmf.raw &&
	heads_from_listing <gmf.raw >gmf.heads &&
	test_cmp alembic.heads gmf.heads
'

test_expect_success ALEMBIC,PYTHON3 'alembic run as Flask-Migrate runs it and gmf agree' '
	copy_fixture good/merges flask &&
	rm flask/alembic.ini &&
	ini_lines flask/migrations "# A generic, single database configuration." "" \
		"[alembic]" "sqlalchemy.url = sqlite:///%(here)s/test.db" "" \
		"[loggers]" "keys = root" &&
	flask_heads flask >alembic.heads &&
	echo hhhh00000001 >expect &&
	test_cmp expect alembic.heads &&
	(cd flask && gmf heads) >gmf.raw &&
	heads_from_listing <gmf.raw >gmf.heads &&
	test_cmp alembic.heads gmf.heads &&
	(cd flask && gmf heads -c migrations/alembic.ini) >gmf.raw &&
	heads_from_listing <gmf.raw >gmf.heads &&
	test_cmp alembic.heads gmf.heads
'

test_done
