#!/bin/sh
# SPDX-License-Identifier: MIT
# run-unit.sh: run cmocka unit test binaries and sum up their results.
#
#   sh tests/run-unit.sh build/tests/test_reader build/tests/test_graph ...
#
# Called by `make test` and `make unit`. Shows each binary's output, then
# prints one last line, exactly `N passed, M failed`. Exits 1 when any test
# failed, or any binary crashed, could not run, or exited non-zero without
# reporting a failure (each such binary counts as one failed test).
#
# cmocka prints per group `[  PASSED  ] N test(s).` and, when something
# failed, `[  FAILED  ] N test(s), listed below:`; a binary may run several
# groups, so every such line is added up.

set -u

# Keep cmocka's plain format whatever the caller's environment says.
CMOCKA_MESSAGE_OUTPUT=STDOUT
export CMOCKA_MESSAGE_OUTPUT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

total_pass=0
total_fail=0
total_skip=0
broken=
ran=0

# The loop's list is fixed here; "set --" below reuses the positional
# parameters for the parsed counts.
for bin in "$@"; do
	ran=$((ran + 1))
	name=${bin##*/}
	printf '\n--- %s\n' "$name"
	case $bin in
	*/*) ;;
	*) bin=./$bin ;;
	esac
	if [ ! -x "$bin" ]; then
		printf 'run-unit.sh: %s: not an executable file\n' "$bin"
		total_fail=$((total_fail + 1))
		broken="$broken $name"
		continue
	fi

	# Show the output as it comes and keep a copy to parse; the exit
	# status travels through a file because POSIX sh has no pipefail.
	{
		"$bin" </dev/null 2>&1
		echo "$?" >"$tmp/rc"
	} | tee "$tmp/out"
	rc=$(cat "$tmp/rc" 2>/dev/null) || rc=255
	[ -n "$rc" ] || rc=255

	# pass fail skip ok-lines failed-name-lines summary-lines (six numbers)
	# shellcheck disable=SC2046
	set -- $(awk '
		/^\[  PASSED  \] [0-9]+ test\(s\)/   { pass += $4; summary++; next }
		/^\[  FAILED  \] [0-9]+ test\(s\)/   { fail += $4; next }
		/^\[  SKIPPED \] [0-9]+ test\(s\)/   { skip += $4; next }
		/^\[       OK \] /                   { ok++; next }
		/^\[  FAILED  \] /                   { failed++; next }
		END { printf "%d %d %d %d %d %d\n", pass, fail, skip, ok, failed, summary }
	' "$tmp/out")
	pass=$1 fail=$2 skip=$3 ok=$4 failed=$5 summary=$6

	if [ "$summary" -eq 0 ]; then
		# No summary: the binary died mid-run (a crash, an abort, a
		# failing group setup). Count what it finished, plus the rest
		# as one failure.
		pass=$ok
		fail=$((failed + 1))
		if [ "$rc" -gt 128 ]; then
			printf 'run-unit.sh: %s: killed by signal %d\n' "$name" $((rc - 128))
		else
			printf 'run-unit.sh: %s: exited %d without a summary\n' "$name" "$rc"
		fi
		broken="$broken $name"
	elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		printf 'run-unit.sh: %s: exited %d but reported no failure\n' "$name" "$rc"
		fail=1
		broken="$broken $name"
	elif [ "$fail" -gt 0 ]; then
		broken="$broken $name"
	fi

	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
done

[ "$ran" -eq 0 ] || printf '\n'
if [ -n "$broken" ]; then
	printf 'failing:%s\n' "$broken"
fi
if [ "$total_skip" -gt 0 ]; then
	printf '%d skipped\n' "$total_skip"
fi
printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" -eq 0 ]
