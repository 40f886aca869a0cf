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

test_done
