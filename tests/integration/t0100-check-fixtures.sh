#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='check accepts every good fixture, in every output format'
. "$(dirname "$0")/../lib.sh"

# The fixtures hold bytes that git could rewrite on checkout (CRLF, BOM,
# NUL, Latin-1).  If that happened, the tests below would quietly test
# something else: say so first.
test_expect_success 'fixtures kept their bytes (BOM, CRLF, NUL, Latin-1)' '
	v=$FIXTURES/good/encodings/migrations/versions &&
	for f in b1c2d3e4f5a6_bom.py d3e4f5a6b7c8_bom_crlf.py
	do
		test "$(dd if="$v/$f" bs=3 count=1 2>/dev/null | od -An -tx1 | tr -d " \n")" = efbbbf ||
		{ echo "$f lost its BOM"; return 1; }
	done &&
	for f in c2d3e4f5a6b7_crlf.py d3e4f5a6b7c8_bom_crlf.py
	do
		lf=$(wc -l <"$v/$f") &&
		cr=$(tr -cd "\r" <"$v/$f" | wc -c) &&
		test "$lf" -eq "$cr" ||
		{ echo "$f: $lf lines but $cr carriage returns"; return 1; }
	done &&
	test "$(tr -cd "\r" <"$v/a0b1c2d3e4f5_unicode.py" | wc -c)" -eq 0 &&
	test "$(tr -cd "\000" <"$FIXTURES/bad/binary/versions/b2b2b2b2b2b2_blob.py" | wc -c)" -gt 0 &&
	test "$(tr -cd "\351" <"$FIXTURES/bad/invalid-utf8/versions/b2b2b2b2b2b2_latin1.py" | wc -c)" -eq 1
'

# check_good NAME WARNINGS MIGRATIONS SCRIPTS HEADS [WARNING-CODE]
#   The fixture good/NAME, checked from its top directory (alembic.ini
#   discovery): exit 0, no error or fatal finding, exactly WARNINGS
#   warnings (all of WARNING-CODE), MIGRATIONS files read over SCRIPTS
#   scripts, and HEADS (comma-separated, sorted) as the union of heads.
#   The same in JSON and GitHub formats; and check writes nothing.
check_good () {
	name=$1 warnings=$2 migrations=$3 scripts=$4 heads=$5 wcode=${6:-none}
	copy_fixture "good/$name" &&
	cd "$name" &&

	gmf_expect 0 ../out.txt check &&
	test_grep ! -E "^[^ ].*: (error|fatal)\[" ../out.txt &&
	n=$(grep -c -E "^[^ ].*: warning\[" ../out.txt || :) &&
	if test "$n" != "$warnings"
	then
		echo "expected $warnings warnings, got $n" && cat ../out.txt && return 1
	fi &&
	if test "$warnings" != 0
	then
		test_grep -E "^[^ ].*:[0-9]+: warning\[$wcode\]: " ../out.txt
	fi &&

	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json \
		"d[\"version\"] == 1 and d[\"status\"] == \"ok\"" \
		"d[\"summary\"] == {\"fatal\": 0, \"errors\": 0, \"warnings\": $warnings, \"ignored\": 0}" \
		"len(d[\"findings\"]) == $warnings" \
		"all(f[\"code\"] == \"$wcode\" and f[\"severity\"] == \"warning\" for f in d[\"findings\"])" \
		"len(d[\"scripts\"]) == $scripts" \
		"sum(s[\"migrations\"] for s in d[\"scripts\"]) == $migrations" \
		"\",\".join(sorted(set(h for s in d[\"scripts\"] for h in s[\"heads\"]))) == \"$heads\"" &&

	gmf_expect 0 ../out.gh check --format=github &&
	n=$(grep -c "^::" ../out.gh || :) &&
	test "$n" = "$warnings" &&
	test_grep ! "^::error" ../out.gh &&
	if test "$warnings" != 0
	then
		test_grep -E "^::warning file=[^,]+,line=[0-9]+,title=$wcode::" ../out.gh
	fi &&

	cd .. &&
	diff -r "$FIXTURES/good/$name" "$name"
}

#        fixture           warn migr scripts heads                      warning code
while read -r name warn migr scripts heads wcode
do
	test_expect_success "check good/$name" "
		check_good $name $warn $migr $scripts $heads $wcode
	"
done <<\EOF
default-naming     0  4  1 4d5e6f7a8b9c
sequence-stem      0  3  1 037_add_widgets
airflow-style      0  3  1 98ae134e6fff
sequence-hash      0  3  1 a1b2c3d4e5f6
date-prefixed      0  5  1 e5f6a7b8c9d0
merges             0 16  1 hhhh00000001
numeric-ids        0  3  1 011
expand-contract    0  5  1 2a16083502f3,4ffceebfada
version-locations  0 24  6 aaa000000004
multi-section      0  5  2 002,003
recursive          0  4  1 3d4e5f607182
expression-labels  1  3  1 7c3d4e5f6a7b opaque-value
label-constants    1  7  1 a7b8c9d0e1f2,d4e5f6a1b2c3,e5f6a1b2c3d4,f6a1b2c3d4e5 opaque-value
docstrings         0  4  1 3c4b5a697887
encodings          0  4  1 d3e4f5a6b7c8
EOF

test_expect_success 'the opaque branch_labels is reported at its line' '
	copy_fixture good/expression-labels &&
	cd expression-labels &&
	f=migrations/versions/6b2c3d4e5f6a_expand_start.py &&
	line=$(line_of "^branch_labels = " "$f") &&
	gmf_expect 0 ../out.txt check &&
	test_grep_prefix "$f:$line: warning[opaque-value]: " ../out.txt
'

test_expect_success 'editor droppings, __pycache__ and non-Python files are not read' '
	copy_fixture good/default-naming &&
	v=default-naming/migrations/versions &&
	mkdir "$v/__pycache__" &&
	printf "\\000\\001garbage\\377" >"$v/__pycache__/1a2b3c4d5e6f_create_users.cpython-311.pyc" &&
	printf "revision = broken(\\n" >"$v/__pycache__/leftover.py" &&
	printf "revision = broken(\\n" >"$v/.#4d5e6f7a8b9c_add_index.py" &&
	printf "revision = \"1a2b3c4d5e6f\"\\n" >"$v/__init__.py" &&
	printf "\\377\\376 not text\\n" >"$v/notes.txt" &&
	printf "4d5e6f7a8b9c\\n" >"$v/HEAD_LOCK" &&
	cd default-naming &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "d[\"summary\"][\"fatal\"] == 0 and d[\"scripts\"][0][\"migrations\"] == 4"
'

test_expect_success 'nested __pycache__ is skipped with recursive_version_locations' '
	copy_fixture good/recursive &&
	v=recursive/migrations/versions/2024/q1 &&
	mkdir "$v/__pycache__" &&
	printf "revision = \"0a1b2c3d4e5f\"\\ndown_revision = None\\n" >"$v/__pycache__/copy.py" &&
	cd recursive &&
	gmf_expect 0 ../out.json check --format=json &&
	json_check ../out.json "d[\"scripts\"][0][\"migrations\"] == 4 and d[\"findings\"] == []"
'

test_expect_success 'text output of a good check ends with an ok summary' '
	copy_fixture good/sequence-stem &&
	cd sequence-stem &&
	gmf_expect 0 ../out.txt check &&
	tail -n 1 ../out.txt >../last &&
	test_grep "^ok: 3 migrations, 1 head (037_add_widgets)" ../last
'

test_done
