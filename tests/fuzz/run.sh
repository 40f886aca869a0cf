#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each libFuzzer target in build/fuzz for FUZZ_SECONDS seconds (default
# 60; `make test` uses a short smoke), seeded from the test fixtures, and
# prints the executions each made.  Exit non-zero on any crash, leak,
# timeout or sanitizer report.  Usage: sh tests/fuzz/run.sh TARGET...
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
secs=${FUZZ_SECONDS:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/gmf-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
status=0
total=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=$work/$name
	mkdir -p "$corpus"
	# seeds: the fixtures that suit the target
	case $name in
	fuzz_reader) find "$top/tests/fixtures" -name '*.py' -exec cp {} "$corpus/" \; 2>/dev/null ;;
	fuzz_ini) i=0; for f in $(find "$top/tests/fixtures" -name 'alembic.ini'); do
			i=$((i + 1)); cp "$f" "$corpus/ini$i"; done ;;
	fuzz_template) i=0; for f in $(find "$top/tests/fixtures" -name 'script.py.mako'); do
			i=$((i + 1)); cp "$f" "$corpus/mako$i"; done
		printf '%%(year)d_%%(month).2d-%%(rev)s_%%(slug)s' >"$corpus/tpl" ;;
	fuzz_lockfile) printf '037_a\n<<<<<<< ours\n038_b\n=======\n038_c\n>>>>>>> theirs\n' >"$corpus/lock" ;;
	fuzz_cache)
		# a real cache's records, after their count (one byte); the
		# harness adds the header.  Needs the built tool; without it
		# the fuzzer starts from nothing.
		if [ -x "$top/git-migrate-fix" ]; then
			cdir=$work/cache-seed
			for fx in default-naming merges docstrings; do
				d=$top/tests/fixtures/good/$fx/migrations/versions
				[ -d "$d" ] || continue
				GIT_MIGRATE_FIX_CACHE_DIR=$cdir "$top/git-migrate-fix" check \
					--dir "$d" >/dev/null 2>&1
			done
			i=0
			# header: magic, format, byte order, key length (at 16),
			# the key, the content-hash key and its checksum (24);
			# then the segment head: magic, count, length, checksum
			for cf in "$cdir"/v*-*; do
				[ -f "$cf" ] || continue
				i=$((i + 1))
				klen=$(od -An -tu4 -j16 -N4 "$cf" | tr -d ' ')
				n=$(od -An -tu4 -j$((20 + klen + 24 + 4)) -N4 "$cf" | tr -d ' ')
				[ "$n" -lt 256 ] || continue
				{ printf "\\$(printf %o "$n")"; tail -c +$((20 + klen + 24 + 24 + 1)) "$cf"; } \
					>"$corpus/seed$i"
			done
		fi ;;
	esac
	log=$work/$name.log
	mkdir -p "$top/build/fuzz/artifacts"
	# seeds only: the fixtures are small, inputs stay under 64 KiB
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$top/build/fuzz/artifacts/" \
		-print_final_stats=1 "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	runs=${runs:-0}
	total=$((total + runs))
	if [ $rc -ne 0 ]; then
		echo "fuzz: $name FAILED (exit $rc) after $runs runs:"
		tail -n 40 "$log"
		status=1
	else
		echo "fuzz: $name: $runs runs in ${secs}s, no crash, leak or sanitizer report"
	fi
done
echo "fuzz: $total executions in all"
exit $status
