#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the integration test scripts (tests/integration/t*.sh, or the ones
# named on the command line), shows each script's results and ends with
# the grand total, exactly "N passed, M failed".  Exits non-zero when a
# test failed or a script died before reporting.
#
# Runnable from any directory.  See tests/lib.sh for the environment
# variables (GMF_BIN, ALEMBIC, CI, GMF_TEST_VERBOSE, GMF_TEST_KEEP).
# TEST_SHELL picks the shell that runs the scripts (default: sh).

here=$(cd "$(dirname "$0")" && pwd) || exit 2
shell=${TEST_SHELL:-sh}

# Resolve python3 once for all scripts (see tests/lib.sh).
if test -z "$PYTHON"
then
	PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	PYTHON=${PYTHON:-python3}
fi
export PYTHON

if test $# = 0
then
	set -- "$here"/integration/t[0-9]*.sh
fi

out=$(mktemp "${TMPDIR:-/tmp}/gmf-run-integration.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT TERM HUP

passed=0
failed=0
skipped=0
broken=

for script in "$@"
do
	if ! test -f "$script"
	then
		echo "error: no such test script: $script" >&2
		failed=$((failed + 1))
		continue
	fi
	name=$(basename "$script" .sh)
	echo "*** $name ***"
	$shell "$script" >"$out" 2>&1
	rc=$?
	cat "$out"
	last=$(tail -n 1 "$out")
	case $last in
	*" passed, "*" failed")
		p=${last%% passed,*}
		f=${last#*passed, }
		f=${f%% failed}
		;;
	*)
		echo "error: $name did not finish (exit $rc)"
		p=0
		f=1
		;;
	esac
	case $p$f in
	*[!0-9]*)
		echo "error: $name: cannot read the tally '$last'"
		p=0
		f=1
		;;
	esac
	if test "$rc" != 0 && test "$f" = 0
	then
		echo "error: $name exited $rc but reported no failure"
		f=1
	fi
	s=$(grep -c '^ok [0-9]* # skip' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if test "$f" != 0
	then
		broken="$broken $name"
	fi
done

echo "***"
if test "$skipped" != 0
then
	echo "# $skipped skipped"
fi
if test -n "$broken"
then
	echo "# failures in:$broken"
fi
echo "$passed passed, $failed failed"
test "$failed" = 0
