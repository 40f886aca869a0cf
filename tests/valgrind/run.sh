#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/valgrind/run.sh: the unit tests and the integration suite with every
# run of git-migrate-fix under valgrind memcheck (`make valgrind`).
#
# Each run of the binary, including those the installed hooks make from
# inside git, goes through a wrapper named git-migrate-fix that execs
# valgrind with one log file per process.  The suite must pass as usual,
# and then every log must be empty: valgrind -q writes only errors, so an
# empty log means no invalid read or write, no use of uninitialised memory,
# no bad free and no byte definitely or indirectly lost.  Prints the number
# of processes checked and exits non-zero on any finding.
#
# Usage: sh tests/valgrind/run.sh BINARY [UNIT_TEST...]
#   TEST_SCRIPTS  integration scripts to run (default: all)
#   VALGRIND      the valgrind command (default: valgrind)
#
# The fault-injection binary (t0310) runs without valgrind: its runs are
# killed on purpose, and a killed process cannot report leaks.

bin=${1:?usage: run.sh BINARY [UNIT_TEST...]}
shift
here=$(cd "$(dirname "$0")" && pwd) || exit 2
top=$(cd "$here/../.." && pwd) || exit 2
case $bin in
/*) ;;
*) bin=$(pwd)/$bin ;;
esac
VALGRIND=${VALGRIND:-valgrind}
if ! command -v "$VALGRIND" >/dev/null 2>&1; then
	echo "valgrind: '$VALGRIND' not found (apt-get install valgrind)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gmf-valgrind.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
mkdir "$work/bin" "$work/logs" || exit 2

# --errors-for-leak-kinds makes definite and indirect leaks count as
# errors; "possible" and "reachable" blocks (libgit2's and PCRE2's global
# caches, freed by the OS at exit) do not.
opts="-q --error-exitcode=0 --leak-check=full \
--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
--track-origins=yes --num-callers=30"

cat >"$work/bin/git-migrate-fix" <<EOF
#!/bin/sh
exec $VALGRIND $opts --log-file="$work/logs/vg.%p.log" "$bin" "\$@"
EOF
chmod +x "$work/bin/git-migrate-fix" || exit 2

status=0
if test $# -gt 0; then
	echo "*** unit tests under valgrind ***"
	for t in "$@"; do
		name=$(basename "$t")
		if ! $VALGRIND $opts --log-file="$work/logs/unit.$name.log" "$t" >"$work/unit.out" 2>&1; then
			cat "$work/unit.out"
			echo "valgrind: unit test $name failed"
			status=1
		fi
	done
fi

echo "*** integration tests under valgrind ***"
# shellcheck disable=SC2086
GMF_BIN=$work/bin/git-migrate-fix sh "$top/tests/run-integration.sh" $TEST_SCRIPTS ||
	status=1

processes=$(find "$work/logs" -name 'vg.*.log' | wc -l | tr -d ' ')
units=$(find "$work/logs" -name 'unit.*.log' | wc -l | tr -d ' ')
dirty=0
for log in "$work/logs"/*.log; do
	test -s "$log" || continue
	dirty=$((dirty + 1))
	if test "$dirty" -le 5; then
		echo "--- $(basename "$log")"
		head -n 60 "$log"
	fi
done
echo "valgrind: $processes runs of git-migrate-fix and $units unit test programs checked, $dirty with findings"
if test "$dirty" != 0; then
	status=1
fi
exit $status
