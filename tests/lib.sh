# SPDX-License-Identifier: MIT
# tests/lib.sh: a tiny test library for the integration scripts, in the
# spirit of git's t/test-lib.sh.  POSIX sh only: dash must run it.
#
# A test script looks like this:
#
#	#!/bin/sh
#	test_description='what this script covers'
#	. "$(dirname "$0")/../lib.sh"
#
#	test_expect_success 'title' '
#		gmf check --dir versions >out &&
#		grep "ok:" out
#	'
#	test_expect_success ALEMBIC 'needs the real alembic' '...'
#	test_done
#
# Each test body runs in a subshell, in the script's throwaway directory
# ($TRASH), and must chain its commands with && (set -e is not used).
# It passes when the last command exits 0 and every test_when_finished
# command succeeds.
#
# Environment:
#   GMF_BIN            the binary under test (default: <top>/git-migrate-fix)
#   ALEMBIC            the alembic command (default: alembic)
#   CI                 when set, a test needing a missing ALEMBIC prerequisite
#                      fails instead of being skipped
#   GMF_TEST_VERBOSE   when set, show the output of passing tests too
#   GMF_TEST_KEEP      when set, keep the throwaway directory and say where
#   PYTHON             the python3 used to read JSON (default: the real
#                      interpreter behind `python3`)

# ---------------------------------------------------------------- paths

TEST_NAME=$(basename "$0" .sh)
TEST_SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd) || exit 1
TEST_DIRECTORY=$(cd "$TEST_SCRIPT_DIR/.." && pwd) || exit 1
TOP=$(cd "$TEST_DIRECTORY/.." && pwd) || exit 1
FIXTURES=$TEST_DIRECTORY/fixtures
TEST_ORIG_CWD=$(pwd)

# The binary: make a relative $GMF_BIN absolute (tests change directory).
GMF_BIN=${GMF_BIN:-$TOP/git-migrate-fix}
case $GMF_BIN in
/*) ;;
*) GMF_BIN=$TEST_ORIG_CWD/$GMF_BIN ;;
esac
ALEMBIC=${ALEMBIC:-alembic}
# python3 validates JSON.  A pyenv shim costs most of a second per call:
# ask it once for the real interpreter (run-integration.sh exports it).
if test -z "$PYTHON"
then
	PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	PYTHON=${PYTHON:-python3}
fi
export GMF_BIN ALEMBIC PYTHON TOP FIXTURES TEST_DIRECTORY

# ---------------------------------------------------------------- isolation

# Neither the user's git configuration nor their colour or pager wishes
# may leak into the tests.
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/gmf-$TEST_NAME.XXXXXX") || {
	echo "error: cannot create a temporary directory" >&2
	exit 1
}
HOME=$TRASH/.home
mkdir "$HOME" || exit 1
export HOME
XDG_CONFIG_HOME=$HOME/.config
# the parse cache goes to $HOME/.cache, inside the trash directory
XDG_CACHE_HOME=$HOME/.cache
GIT_CONFIG_NOSYSTEM=1
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL='author@example.com'
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL='committer@example.com'
GIT_CEILING_DIRECTORIES=${TMPDIR:-/tmp}
export XDG_CONFIG_HOME XDG_CACHE_HOME GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
	GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_CEILING_DIRECTORIES
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG GIT_CONFIG_GLOBAL \
	GIT_CONFIG_PARAMETERS NO_COLOR CLICOLOR_FORCE PAGER GIT_PAGER \
	GIT_MIGRATE_FIX GIT_MIGRATE_FIX_CACHE GIT_MIGRATE_FIX_CACHE_DIR 2>/dev/null
# lib.sh's own CI rule (a missing required prerequisite fails) follows
# the CI of the run, even in a script that unsets CI for the binary.
TEST_CI=${CI-}

# test_cache_outside_ci: for a script that exercises the parse cache,
# which the binary never uses when CI or GITHUB_ACTIONS is set
# (docs/guide.md): its commands run without them.
test_cache_outside_ci () {
	unset CI GITHUB_ACTIONS
}

# The trash directory sits in $TMPDIR, outside any repository: tests that
# want "outside git" get it for free; GIT_CEILING_DIRECTORIES makes sure.

test_count=0
test_passed=0
test_failed=0
test_skipped=0

test_cleanup_trash () {
	if test -n "$GMF_TEST_KEEP"
	then
		echo "# kept $TRASH"
	else
		cd / && rm -rf "$TRASH"
	fi
}
trap 'test_cleanup_trash' EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- prerequisites

# test_set_prereq NAME: declares a prerequisite as present.
test_set_prereq () {
	test_prereqs_set="$test_prereqs_set $1 "
}

# test_lazy_prereq NAME 'script': the prerequisite holds when the script,
# run once on first use in a subshell of $TRASH, exits 0.
test_lazy_prereq () {
	eval "test_lazy_prereq_script_$1=\$2"
}

# Prerequisites whose absence fails the test (instead of skipping it)
# when $CI is set ($TEST_CI: see above): the CI image must have them.
test_ci_required_prereqs=' ALEMBIC '

test_have_prereq () {
	case "$test_prereqs_set" in
	*" $1 "*) return 0 ;;
	esac
	case "$test_prereqs_missing" in
	*" $1 "*) return 1 ;;
	esac
	eval "test_lazy_script=\${test_lazy_prereq_script_$1-}"
	if test -n "$test_lazy_script" &&
		(cd "$TRASH" && eval "$test_lazy_script") >/dev/null 2>&1
	then
		test_set_prereq "$1"
		return 0
	fi
	test_prereqs_missing="$test_prereqs_missing $1 "
	return 1
}

# ---------------------------------------------------------------- running tests

# test_when_finished 'commands': run after the current test body, pass or
# fail, in reverse order of registration.  A failing cleanup fails the test.
test_when_finished () {
	test_cleanup="{ $*
} || test_cleanup_failed=1
$test_cleanup"
}

test_say_indented () {
	sed -e 's/^/#	/'
}

# test_expect_success [PREREQ[,PREREQ]] 'title' 'body'
test_expect_success () {
	test_prereq=
	if test $# = 3
	then
		test_prereq=$1
		shift
	fi
	if test $# != 2
	then
		echo "bug in the test script: test_expect_success needs 2 or 3 arguments" >&2
		exit 1
	fi
	test_count=$((test_count + 1))

	test_missing=
	test_missing_required=
	if test -n "$test_prereq"
	then
		test_old_ifs=$IFS
		IFS=,
		for test_p in $test_prereq
		do
			IFS=$test_old_ifs
			if ! test_have_prereq "$test_p"
			then
				test_missing="$test_missing${test_missing:+,}$test_p"
				case "$test_ci_required_prereqs" in
				*" $test_p "*) test -n "$TEST_CI" && test_missing_required=$test_p ;;
				esac
			fi
		done
		IFS=$test_old_ifs
	fi
	if test -n "$test_missing_required"
	then
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		echo "#	prerequisite $test_missing_required is missing and CI is set"
		return 0
	fi
	if test -n "$test_missing"
	then
		test_skipped=$((test_skipped + 1))
		echo "ok $test_count # skip $1 (missing $test_missing)"
		return 0
	fi

	test_out=$TRASH/.test-output
	(
		test_cleanup=:
		test_cleanup_failed=
		cd "$TRASH" || exit 1
		# A function, so that a body may say "return 1".
		test_body=$2
		test_eval_body () {
			eval "$test_body"
		}
		test_eval_body
		test_rc=$?
		eval "$test_cleanup"
		if test "$test_rc" = 0 && test -n "$test_cleanup_failed"
		then
			echo "error: a test_when_finished command failed"
			test_rc=1
		fi
		exit "$test_rc"
	) >"$test_out" 2>&1 </dev/null
	test_rc=$?
	if test "$test_rc" = 0
	then
		test_passed=$((test_passed + 1))
		echo "ok $test_count - $1"
		if test -n "$GMF_TEST_VERBOSE"
		then
			test_say_indented <"$test_out"
		fi
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		printf '%s\n' "$2" | test_say_indented
		echo "#	--- output (exit $test_rc) ---"
		test_say_indented <"$test_out"
	fi
	rm -f "$test_out"
	return 0
}

# test_done: prints the tally (the last line is exactly "N passed, M failed")
# and exits non-zero when a test failed.
test_done () {
	# every test the script writes at the start of a line must have run:
	# a quote inside a single-quoted body ends it early, and the rest
	# runs as plain code, its tests silently gone
	test_written=$(grep -c '^test_expect_\(success\|failure\) ' "$0")
	if test "$test_count" -lt "$test_written"
	then
		echo "not ok - only $test_count of the $test_written tests written in $0 ran (a quote inside a test body?)"
		test_failed=$((test_failed + 1))
	fi
	if test "$test_skipped" != 0
	then
		echo "# $test_skipped skipped"
	fi
	echo "$test_passed passed, $test_failed failed"
	if test "$test_failed" != 0
	then
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- assertions

# test_file_exists HELPER FILE: FILE is a regular file (or /dev/null),
# else says so, naming the helper that needs it.  An assertion about a
# file that is not there must not pass, be it negative ("does not match")
# or about its length.
test_file_exists () {
	if test -f "$2" || test "x$2" = x/dev/null
	then
		return 0
	fi
	if test -d "$2"
	then
		echo "$1: '$2' is a directory, not a file" >&2
	else
		echo "$1: no such file: '$2'" >&2
	fi
	return 1
}

# test_cmp EXPECTED ACTUAL: the files are equal, else show a diff.
test_cmp () {
	if test $# != 2
	then
		echo "bug in the test script: test_cmp needs 2 arguments, got $#" >&2
		return 1
	fi
	test_file_exists test_cmp "$1" &&
	test_file_exists test_cmp "$2" &&
	diff -u "$1" "$2"
}

# test_expect_code N command...: the command exits with status N.
test_expect_code () {
	test_want=$1
	shift
	"$@"
	test_got=$?
	if test "$test_got" = "$test_want"
	then
		return 0
	fi
	echo "test_expect_code: '$*' exited $test_got, expected $test_want" >&2
	return 1
}

# test_must_fail command...: the command exits non-zero but did not crash
# (a signal gives 128+N) and did run: 127 (command not found) and 126
# (not executable) are the shell's failures, not the command's.
test_must_fail () {
	"$@"
	test_got=$?
	if test "$test_got" = 0
	then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif test "$test_got" -gt 128
	then
		echo "test_must_fail: '$*' died with status $test_got" >&2
		return 1
	elif test "$test_got" = 127 || test "$test_got" = 126
	then
		echo "test_must_fail: '$*' could not be run (status $test_got)" >&2
		return 1
	fi
	return 0
}

# test_might_fail command...: the command may exit non-zero, but must run
# and not crash (as test_must_fail).  For a command whose status does not
# matter, in place of breaking the && chain.
test_might_fail () {
	"$@"
	test_got=$?
	if test "$test_got" -gt 128
	then
		echo "test_might_fail: '$*' died with status $test_got" >&2
		return 1
	elif test "$test_got" = 127 || test "$test_got" = 126
	then
		echo "test_might_fail: '$*' could not be run (status $test_got)" >&2
		return 1
	fi
	return 0
}

# test_grep [!] [grep options] PATTERN FILE: like grep ("!": must not
# match), but shows the file when the expectation does not hold.  FILE
# must exist, and grep must not fail (a bad pattern is no "no match").
test_grep () {
	test_negate=
	if test "$1" = "!"
	then
		test_negate=1
		shift
	fi
	if test $# -lt 2
	then
		echo "bug in the test script: test_grep needs a pattern and a file" >&2
		return 1
	fi
	eval "test_grep_file=\${$#}"
	test_file_exists test_grep "$test_grep_file" || return 1
	grep "$@" >/dev/null
	test_got=$?
	if test "$test_got" -gt 1
	then
		echo "test_grep: grep failed (status $test_got) on '$*'" >&2
		return 1
	fi
	if test -n "$test_negate"
	then
		if test "$test_got" = 1
		then
			return 0
		fi
		echo "test_grep: found unexpected '$*' in:" >&2
	else
		if test "$test_got" = 0
		then
			return 0
		fi
		echo "test_grep: did not find '$*' in:" >&2
	fi
	sed -e 's/^/| /' "$test_grep_file" >&2
	return 1
}

# test_line_count OP N FILE: the file has OP N lines (OP: = -lt -gt ...).
test_line_count () {
	if test $# != 3
	then
		echo "bug in the test script: test_line_count needs 3 arguments, got $#" >&2
		return 1
	fi
	test_file_exists test_line_count "$3" || return 1
	test_n=$(wc -l <"$3" | tr -d ' ')
	if test "$test_n" "$1" "$2"
	then
		return 0
	fi
	echo "test_line_count: $3 has $test_n lines, expected $1 $2" >&2
	sed -e 's/^/| /' "$3" >&2
	return 1
}

# test_grep_prefix STRING FILE: some line of FILE starts with STRING
# (compared as plain text, not as a pattern).
test_grep_prefix () {
	test_file_exists test_grep_prefix "$2" || return 1
	if awk -v s="$1" 'index($0, s) == 1 { found = 1 } END { exit !found }' "$2"
	then
		return 0
	fi
	echo "test_grep_prefix: no line starts with '$1' in:" >&2
	sed -e 's/^/| /' "$2" >&2
	return 1
}

# gmf_expect CODE OUT args...: runs gmf args with stdout in OUT and
# stderr in OUT.err; the exit status must be CODE.  Shows both otherwise.
gmf_expect () {
	test_want=$1
	test_outf=$2
	shift 2
	"$GMF_BIN" "$@" >"$test_outf" 2>"$test_outf.err"
	test_got=$?
	if test "$test_got" = "$test_want"
	then
		return 0
	fi
	echo "gmf_expect: 'git-migrate-fix $*' (in $(pwd)) exited $test_got, expected $test_want" >&2
	echo "--- stdout" >&2
	cat "$test_outf" >&2
	echo "--- stderr" >&2
	cat "$test_outf.err" >&2
	return 1
}

# line_of PATTERN FILE: the number of the first line matching the
# extended regular expression PATTERN (fails when none does).  awk, not
# grep: grep calls a file with invalid UTF-8 "binary" and prints no line.
line_of () {
	test_file_exists line_of "$2" || return 1
	test_n=$(LC_ALL=C awk -v pat="$1" '$0 ~ pat { print NR; exit }' "$2")
	if test -z "$test_n"
	then
		echo "line_of: no line matches '$1' in $2" >&2
		return 1
	fi
	echo "$test_n"
}

# json_valid FILE: FILE holds one valid JSON document.
json_valid () {
	"$PYTHON" -c 'import json, sys; json.load(sys.stdin)' <"$1"
}

# json_check FILE 'python expression'...: FILE is valid JSON and every
# expression, evaluated with the document bound to d, is true.  Names the
# false ones and shows the document when one is not.
json_check () {
	"$PYTHON" - "$@" <<-\EOF
	import json, sys
	with open(sys.argv[1], encoding="utf-8") as f:
	    d = json.load(f)
	bad = []
	for e in sys.argv[2:]:
	    try:
	        ok = eval(e, {"d": d})
	    except Exception as x:
	        ok = False
	        e += "  (%s: %s)" % (type(x).__name__, x)
	    if not ok:
	        bad.append(e)
	if bad:
	    for e in bad:
	        sys.stderr.write("json_check: false: %s\n" % e)
	    json.dump(d, sys.stderr, indent=1)
	    sys.stderr.write("\n")
	    sys.exit(1)
	EOF
}

# ---------------------------------------------------------------- helpers

# top: the repository's top directory.
top () {
	echo "$TOP"
}

# gmf args...: runs the binary under test.
gmf () {
	"$GMF_BIN" "$@"
}

# have_alembic: the alembic command runs.
have_alembic () {
	"$ALEMBIC" --version >/dev/null 2>&1
}

# alembic_version: prints the version of alembic ("1.8.1").
alembic_version () {
	"$ALEMBIC" --version 2>/dev/null | sed -n 's/^alembic \([0-9][0-9.]*\).*/\1/p'
}

# alembic_at_least MAJOR MINOR: alembic is at least that version.
alembic_at_least () {
	test_v=$(alembic_version) &&
	test -n "$test_v" &&
	test_maj=${test_v%%.*} &&
	test_min=${test_v#*.} &&
	test_min=${test_min%%.*} &&
	{ test "$test_maj" -gt "$1" ||
	  { test "$test_maj" -eq "$1" && test "$test_min" -ge "$2"; }; }
}

# heads_from_listing: reads `heads` output and prints the sorted revision
# ids, one per line, without "(head)", "(effective head)", labels or the
# path that -v appends.
heads_from_listing () {
	sed -n -e 's/^\([^ 	(][^ 	]*\).*/\1/p' | LC_ALL=C sort
}

# alembic_heads_set DIR [SECTION]: the heads the real Alembic reports in
# DIR (where alembic.ini is), sorted.  Fails when alembic fails.
alembic_heads_set () {
	(
		cd "$1" &&
		if test -n "$2"
		then
			"$ALEMBIC" -n "$2" heads
		else
			"$ALEMBIC" heads
		fi >"$TRASH/.alembic-heads" &&
		heads_from_listing <"$TRASH/.alembic-heads"
	)
}

# gmf_heads_set DIR [SECTION]: the heads git-migrate-fix reports in DIR,
# sorted.  Fails when it fails.
gmf_heads_set () {
	(
		cd "$1" &&
		if test -n "$2"
		then
			gmf heads -n "$2"
		else
			gmf heads
		fi >"$TRASH/.gmf-heads" &&
		heads_from_listing <"$TRASH/.gmf-heads"
	)
}

# copy_fixture KIND/NAME [DEST]: copies a fixture into the trash directory
# (DEST defaults to NAME) and prints nothing.  Tests never run in
# tests/fixtures: alembic would leave test.db and __pycache__ there.
copy_fixture () {
	test_dest=${2:-${1#*/}}
	rm -rf "${TRASH:?}/$test_dest" &&
	cp -R "$FIXTURES/$1" "$TRASH/$test_dest"
}

test_lazy_prereq ALEMBIC 'have_alembic'
test_lazy_prereq GIT 'git --version'
test_lazy_prereq PYTHON3 '"$PYTHON" -c "import json"'
