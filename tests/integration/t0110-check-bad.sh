#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='check reports each problem of the bad fixtures with code, file and line'
. "$(dirname "$0")/../lib.sh"

# check_bad FIXTURE EXIT SEVERITY CODE LOCATION...
#   Runs `check --dir versions` in a copy of bad/FIXTURE in the text, JSON
#   and GitHub formats.  Each must exit EXIT and report a SEVERITY finding
#   CODE whose primary location is one of the LOCATIONs.  A LOCATION is
#   FILE@PATTERN (the first line of versions/FILE matching the basic
#   regular expression PATTERN) or FILE@* (any line, or none).
check_bad () {
	fixture=$1 want=$2 sev=$3 code=$4
	shift 4
	copy_fixture "bad/$fixture" &&
	cd "$fixture" &&
	locs= &&
	for loc in "$@"
	do
		file=versions/${loc%%@*} &&
		pat=${loc#*@} &&
		test -f "$file" &&
		if test "$pat" = "*"
		then
			line="*"
		else
			line=$(line_of "$pat" "$file") || return 1
		fi &&
		locs="$locs $file:$line" || return 1
	done &&

	gmf_expect "$want" ../out.txt check --dir versions &&
	expect_text ../out.txt "$sev" "$code" $locs &&

	gmf_expect "$want" ../out.json check --dir versions --format=json &&
	expect_json ../out.json "$want" "$sev" "$code" $locs &&

	gmf_expect "$want" ../out.gh check --dir versions --format=github &&
	expect_github ../out.gh "$sev" "$code" $locs
}

# expect_text OUT SEVERITY CODE PATH:LINE...: a finding block starts with
# "PATH:LINE: SEVERITY[CODE]: " for one of the locations, and after any
# "  also: <location>" lines comes the hint.
expect_text () {
	out=$1 sev=$2 code=$3
	shift 3
	awk -v sev="$sev" -v code="$code" -v locs="$*" '
		BEGIN { n = split(locs, L, " ") }
		want_hint && index($0, "  also: ") == 1 { next }
		want_hint { if (index($0, "  hint: ") == 1) ok = 1; want_hint = 0 }
		{
			for (i = 1; i <= n; i++) {
				p = L[i]; sub(/:[^:]*$/, "", p)
				ln = L[i]; sub(/^.*:/, "", ln)
				tag = " " sev "[" code "]: "
				if (ln == "*") {
					if (index($0, p ":") != 1)
						continue
					rest = substr($0, length(p) + 2)
					sub(/^[0-9]+:/, "", rest)
					if (index(rest, tag) == 1) { found = 1; want_hint = 1 }
				} else if (index($0, p ":" ln ":" tag) == 1) {
					found = 1; want_hint = 1
				}
			}
		}
		END { exit !(found && ok) }
	' "$out" && return 0
	echo "expect_text: no \"${sev}[$code]\" finding followed by a hint at one of:$(printf " %s" "$@")" >&2
	sed -e 's/^/| /' "$out" >&2
	return 1
}

# expect_json OUT EXIT SEVERITY CODE PATH:LINE...
expect_json () {
	"$PYTHON" - "$@" <<-\EOF
	import json, sys
	out, want, sev, code = sys.argv[1:5]
	locs = [l.rsplit(":", 1) for l in sys.argv[5:]]
	with open(out, encoding="utf-8") as f:
	    d = json.load(f)
	status = {"0": "ok", "1": "errors", "2": "fatal"}[want]
	problems = []
	if d.get("version") != 1:
	    problems.append("version is not 1")
	if d.get("status") != status:
	    problems.append("status is %r, expected %r" % (d.get("status"), status))
	key = {"fatal": "fatal", "error": "errors", "warning": "warnings"}[sev]
	if d.get("summary", {}).get(key, 0) < 1:
	    problems.append("summary.%s is not at least 1" % key)
	def at(loc, path, line):
	    p = loc.get("path", "")
	    if p != path and not p.endswith("/" + path):
	        return False
	    return line == "*" or loc.get("line") == int(line)
	hits = [f for f in d.get("findings", [])
	        if f.get("code") == code and f.get("severity") == sev
	        and f.get("locations")
	        and any(at(f["locations"][0], p, l) for p, l in locs)]
	if not hits:
	    problems.append("no %s[%s] finding whose first location is one of %s"
	                    % (sev, code, sys.argv[5:]))
	for f in hits:
	    for k in ("message", "hint", "script", "revisions"):
	        if k not in f:
	            problems.append("finding has no %r" % k)
	if problems:
	    sys.stderr.write("expect_json: " + "; ".join(problems) + "\n")
	    json.dump(d, sys.stderr, indent=1)
	    sys.stderr.write("\n")
	    sys.exit(1)
	EOF
}

# expect_github OUT SEVERITY CODE PATH:LINE...: a workflow command
# "::error file=PATH,line=LINE,title=CODE::" (fatal is an error there).
expect_github () {
	out=$1 sev=$2 code=$3
	shift 3
	case $sev in
	fatal) sev=error ;;
	esac
	for loc in "$@"
	do
		p=${loc%:*} ln=${loc##*:}
		if test "$ln" = "*"
		then
			awk -v a="::$sev file=$p," -v b="title=$code::" '
				index($0, a) == 1 && index($0, b) { found = 1 }
				END { exit !found }' "$out" && return 0
		else
			awk -v a="::$sev file=$p,line=$ln,title=$code::" '
				index($0, a) == 1 { found = 1 }
				END { exit !found }' "$out" && return 0
		fi
	done
	echo "expect_github: no ::$sev ... title=$code at one of:$(printf " %s" "$@")" >&2
	sed -e 's/^/| /' "$out" >&2
	return 1
}

A=a1a1a1a1a1a1 B=b2b2b2b2b2b2 C=c3c3c3c3c3c3

test_expect_success 'two heads: multiple-heads error at a head' "
	check_bad two-heads 1 error multiple-heads \
		'${B}_left.py@^revision = ' '${C}_right.py@^revision = '
"

test_expect_success 'one revision in two files: duplicate-revision' "
	check_bad duplicate-revision 1 error duplicate-revision \
		'${B}_add_x.py@^revision = ' '${B}_add_x_again.py@^revision = '
"

test_expect_success 'down_revision names a missing revision: missing-parent' "
	check_bad missing-parent 1 error missing-parent \
		'${A}_base.py@^down_revision = '
"

test_expect_success 'depends_on names nothing known: missing-dependency' "
	check_bad missing-dependency 1 error missing-dependency \
		'${B}_next.py@^depends_on = '
"

test_expect_success 'three revisions in a loop: cycle' "
	check_bad cycle 1 error cycle \
		'${A}_one.py@^down_revision = ' '${B}_two.py@^down_revision = ' \
		'${C}_three.py@^down_revision = '
"

test_expect_success 'a revision that is its own parent: cycle' "
	check_bad self-parent 1 error cycle '${B}_loop.py@^down_revision = '
"

test_expect_success 'two roots merged later: multiple-roots' "
	check_bad two-roots 1 error multiple-roots \
		'${A}_root_one.py@^down_revision = ' '${B}_root_two.py@^down_revision = ' \
		'${A}_root_one.py@^revision = ' '${B}_root_two.py@^revision = '
"

# Alembic runs such a tree fine: an error only where the revision is
# the file stem, or where the convention is configured (below)
test_expect_success 'file name and revision disagree (hash prefix): filename-mismatch' "
	check_bad filename-mismatch 0 warning filename-mismatch \
		'd4d4d4d4d4d4_add_z.py@^revision = '
"

test_expect_success 'file name and revision disagree (sequence stem): filename-mismatch' "
	check_bad filename-mismatch-stem 1 error filename-mismatch \
		'037_add_widgets.py@^revision = '
"

test_expect_success 'filename-mismatch also with an explicit --naming' '
	copy_fixture bad/filename-mismatch &&
	cd filename-mismatch &&
	gmf_expect 1 ../out.txt check --dir versions --naming=prefix &&
	test_grep "error\[filename-mismatch\]" ../out.txt &&
	gmf_expect 0 ../out.txt check --dir versions --naming=none &&
	test_grep ! "filename-mismatch" ../out.txt
'

test_expect_success 'stale Revises: header: docstring-mismatch warning, exit 0' "
	check_bad docstring-mismatch 0 warning docstring-mismatch \
		'${B}_next.py@^Revises: ' '${B}_next.py@^down_revision = '
"

test_expect_success 'stale Revision ID: header: docstring-mismatch warning, exit 0' "
	check_bad docstring-mismatch 0 warning docstring-mismatch \
		'${C}_last.py@^Revision ID: ' '${C}_last.py@^revision = '
"

test_expect_success 'two files numbered 036_: duplicate-sequence warning, exit 0' "
	check_bad duplicate-sequence 0 warning duplicate-sequence \
		'036_add_users.py@*' '036_add_teams.py@*'
"

test_expect_success 'a shared sequence number in a four-file project still warns' '
	copy_fixture bad/duplicate-sequence small &&
	rm small/versions/033_base.py small/versions/034_add_accounts.py \
		small/versions/038_add_perms.py &&
	sed -e "s/^down_revision = .*/down_revision = None/" -e "s/^Revises: .*/Revises:/" \
		"$FIXTURES/bad/duplicate-sequence/versions/035_initial.py" \
		>small/versions/035_initial.py &&
	cd small &&
	gmf_expect 0 ../out.txt check --dir versions &&
	test_grep "warning\[duplicate-sequence\]" ../out.txt
'

test_expect_success 'a binary file: unreadable, exit 2' "
	check_bad binary 2 fatal unreadable '${B}_blob.py@*'
"

test_expect_success 'invalid UTF-8: unreadable at the offending line, exit 2' "
	check_bad invalid-utf8 2 fatal unreadable '${B}_latin1.py@^Ajout du pr'
"

test_expect_success 'no revision variable: parse-error, exit 2' "
	check_bad no-revision 2 fatal parse-error '${B}_norev.py@*'
"

test_expect_success 'revision = some_call(): parse-error at that line, exit 2' "
	check_bad revision-call 2 fatal parse-error '${B}_call.py@^revision = '
"

test_expect_success 'unterminated string: parse-error at that line, exit 2' "
	check_bad unterminated 2 fatal parse-error '${B}_broken.py@^down_revision = '
"

test_expect_success 'a dash in a revision id: unsafe-revision-id' "
	check_bad unsafe-id 1 error unsafe-revision-id 'b2b2-b2b2_dash.py@^revision = '
"

test_expect_success 'a fatal finding wins over an error: exit 2' '
	copy_fixture bad/binary mixed &&
	cp "$FIXTURES/bad/two-heads/versions/c3c3c3c3c3c3_right.py" mixed/versions/ &&
	sed -e "s/b2b2b2b2b2b2/e5e5e5e5e5e5/" \
		"$FIXTURES/bad/two-heads/versions/b2b2b2b2b2b2_left.py" \
		>mixed/versions/e5e5e5e5e5e5_left.py &&
	cd mixed &&
	gmf_expect 2 ../out.txt check --dir versions &&
	test_grep "fatal\[unreadable\]" ../out.txt
'

test_expect_success 'paths in findings are relative to the current directory' '
	copy_fixture bad/missing-parent &&
	mkdir -p missing-parent/sub/deeper &&
	cd missing-parent/sub/deeper &&
	line=$(line_of "^down_revision" ../../versions/${A}_base.py) &&
	gmf_expect 1 "$TRASH/out.txt" check --dir ../../versions &&
	test_grep_prefix "../../versions/${A}_base.py:$line: error[missing-parent]: " "$TRASH/out.txt"
'

# Fail closed (issue 11): where Alembic may read another value than the
# reader, an error naming the line; Alembic itself sees two heads or
# cannot load these files.
test_expect_success 'down_revision assigned inside an if: parse-error' "
	check_bad fail-closed-indented 2 fatal parse-error 'b2_next.py@^    down_revision'
"

test_expect_success 'down_revision after a semicolon: parse-error' "
	check_bad fail-closed-semicolon 2 fatal parse-error 'b2_next.py@^import os; down'
"

test_expect_success 'a homoglyph of down_revision: parse-error' "
	check_bad fail-closed-homoglyph 2 fatal parse-error 'b2_next.py@own_revision = None'
"

test_expect_success 'unresolved conflict markers: parse-error' "
	check_bad conflict-markers 2 fatal parse-error 'b2_next.py@^<<<<<<<'
"

test_expect_success 'unresolved conflict markers: the hint says to resolve them' '
	copy_fixture bad/conflict-markers &&
	cd conflict-markers &&
	gmf_expect 2 ../out.txt check --dir versions &&
	test_grep "hint: resolve the conflict in this file" ../out.txt &&
	test_grep ! "write the value as a literal" ../out.txt
'

test_expect_success 'two roots without branch labels: multiple-heads' "
	check_bad two-roots-unlabelled 1 error multiple-heads \
		'a1_root.py@^revision = ' 'b1_other_root.py@^revision = '
"

test_expect_success 'depends_on = \"\" on the root: cycle, as Alembic' "
	check_bad empty-dependency-root 1 error cycle 'a1_root.py@^depends_on = '
"

test_expect_success 'down_revision = \"\" is a root, depends_on = \"\" on a child nothing' '
	copy_fixture bad/empty-strings &&
	cd empty-strings &&
	gmf_expect 0 ../out.txt check --dir versions &&
	test_grep "1 head (b2)" ../out.txt
'

test_done
