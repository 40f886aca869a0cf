#!/bin/sh
# tests/bench/run.sh: benchmarks of git-migrate-fix against the real
# alternatives.  Run by `make bench` (after the binary is built); never
# fails on a time, only when something could not run.
#
# usage: sh tests/bench/run.sh [--quick] [--fresh] [--help]
#
#   --quick   a 1,000-migration project instead of 10,000 (smoke runs)
#   --fresh   regenerate the project even if a cached one matches
#
# Environment:
#   BENCH_ONLY        benchmarks to run, separated by spaces or commas
#                     (default: all; known: see BENCHMARKS below)
#   BENCH_RUNS        hyperfine runs for the fast commands (default 20)
#   BENCH_SLOW_RUNS   hyperfine runs for alembic (default 3)
#   BENCH_WRITE_DOCS  when 1, rewrite the measured sections of
#                     docs/benchmarks.md (full-size runs only); otherwise
#                     nothing in the repository is written
#   GMF_BIN           the binary (default: <top>/git-migrate-fix)
#   ALEMBIC           the alembic command (default: alembic)
#   TMPDIR            where the generated project is cached and the
#                     scratch directory is made (default /tmp)
#   BENCH_KEEP        when 1, keep the scratch directory (the fix
#                     benchmark's repository is $WORK/fix-repo, for
#                     profiling) and print its path
#
# Exit status: 0 all selected benchmarks ran (targets met or not),
# 2 something could not run (a missing tool, a wrong result, bad usage).
#
# Adding a benchmark NAME: write bench_NAME (use $PROJ, $VERSIONS, hf,
# hf_stats, peak_rss, target and the helpers below; append the markdown for
# docs to "$WORK/NAME.md"), add NAME to BENCHMARKS, and add the markers
# <!-- bench:NAME:begin --> / <!-- bench:NAME:end --> to docs/benchmarks.md.
#
# POSIX sh only; python3 generates the project and measures peak memory;
# the fix benchmark needs git.

BENCHMARKS="check fix"

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd) || exit 2
TOP=$(cd "$SCRIPT_DIR/../.." && pwd) || exit 2
DOCS=$TOP/docs/benchmarks.md

usage() {
	sed -n '/^# usage:/,/^#   --fresh/p' "$SCRIPT_DIR/run.sh" | sed 's/^# \{0,1\}//'
}

die() {
	echo "bench: error: $*" >&2
	exit 2
}

say() {
	echo "bench: $*" >&2
}

# ---------------------------------------------------------------- options

count=10000
quick=0
fresh=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; count=1000 ;;
	--fresh) fresh=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
BENCH_ONLY=$(printf '%s\n' "${BENCH_ONLY:-}" | tr ',' ' ')
for b in $BENCH_ONLY; do
	case " $BENCHMARKS " in
	*" $b "*) ;;
	*) die "unknown benchmark '$b' in BENCH_ONLY (known: $BENCHMARKS)" ;;
	esac
done

want() {
	[ -z "$BENCH_ONLY" ] && return 0
	case " $BENCH_ONLY " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# ---------------------------------------------------------------- tools

GMF_BIN=${GMF_BIN:-$TOP/git-migrate-fix}
case $GMF_BIN in
/*) ;;
*) GMF_BIN=$(pwd)/$GMF_BIN ;;
esac
ALEMBIC=${ALEMBIC:-alembic}
PYTHON=${PYTHON:-python3}

have() {
	command -v "$1" >/dev/null 2>&1
}

[ -x "$GMF_BIN" ] || die "$GMF_BIN is missing: run 'make' first"
have hyperfine || die "hyperfine is missing: ./install.sh --deps-only --bench"
have "$PYTHON" || die "python3 is missing (it generates the project)"

# Other work on a shared machine skews the figures: record the load (each
# benchmark records it again when it starts).
loadavg() {
	cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null ||
		uptime | sed 's/.*load averages*: *//'
}
LOADAVG=$(loadavg)

STATUS=0
could_not_run() {
	echo "bench: could not run: $*" >&2
	STATUS=2
}

# Quote one word for hyperfine's command line (POSIX shell quoting, which
# hyperfine's --shell=none word splitting understands too).
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gmf-bench.XXXXXX") || die "cannot make a scratch directory"
cleanup() {
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		say "kept the scratch directory $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 2' HUP INT TERM

# Measure a snapshot, so a rebuild during the run cannot disturb it.
cp "$GMF_BIN" "$WORK/git-migrate-fix" || die "cannot copy $GMF_BIN"
GMF_BIN=$WORK/git-migrate-fix

# ---------------------------------------------------------------- project

# The generated project is cached in $TMPDIR under a key made of the
# generator's checksum and the size, so repeated runs skip the generation
# and a changed generator never reuses a stale tree.  Older trees of the
# same size are removed when a new one is made.
gen_project() {
	key=$(cksum <"$SCRIPT_DIR/gen_project.py" | awk '{print $1}')
	base=${TMPDIR:-/tmp}/gmf-bench-project-$count
	PROJ=$base-$key
	# shellcheck disable=SC2034 # for the benchmarks appended later
	VERSIONS=$PROJ/migrations/versions
	if [ "$fresh" = 0 ] && [ -f "$PROJ/.gmf-bench-project" ]; then
		read -r _n BYTES HEAD <"$PROJ/.gmf-bench-project"
		say "reusing the cached $count-migration project"
		return 0
	fi
	for old in "$base"-*; do
		[ -f "$old/.gmf-bench-project" ] && rm -rf "$old"
	done
	say "generating a $count-migration Alembic project ..."
	rm -rf "$PROJ.tmp"
	"$PYTHON" "$SCRIPT_DIR/gen_project.py" "$PROJ.tmp" "$count" >"$WORK/gen.out" ||
		die "the project generator failed"
	if ! mv "$WORK/gen.out" "$PROJ.tmp/.gmf-bench-project" ||
		! mv "$PROJ.tmp" "$PROJ"; then
		die "cannot move the project into place"
	fi
	read -r _n BYTES HEAD <"$PROJ/.gmf-bench-project"
}

# ---------------------------------------------------------------- helpers

# hf JSON RUNS WARMUP NAME CMD [NAME CMD]...: one hyperfine run, in the
# project directory, without an intermediate shell.
hf() {
	_json=$1 _runs=$2 _warm=$3
	shift 3
	_args=
	while [ $# -ge 2 ]; do
		_args="$_args -n $(q "$1") $(q "$2")"
		shift 2
	done
	(cd "$PROJ" && eval "hyperfine -N --warmup $_warm --runs $_runs \
		--export-json $(q "$_json") $_args") >&2
}

# hf_stats JSON: one line per command, in seconds:
# name<TAB>mean<TAB>stddev<TAB>min<TAB>max<TAB>user<TAB>system
hf_stats() {
	"$PYTHON" - "$1" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f" % (
        r["command"], r["mean"], r["stddev"] or 0.0, r["min"], r["max"],
        r["user"], r["system"]))
EOF
}

# stat_of FILE NAME FIELD (2 mean, 3 stddev, 4 min, 5 max, 6 user, 7 system)
stat_of() {
	awk -F '	' -v n="$2" -v f="$3" '$1 == n { print $f }' "$1"
}

# peak_rss CMD [ARG]...: prints the peak RSS in KiB, in the project dir;
# the method used (see maxrss.py) goes to $WORK/rss.method.
peak_rss() {
	(cd "$PROJ" && "$PYTHON" "$SCRIPT_DIR/maxrss.py" "$@") >"$WORK/rss.out" || return
	awk '{print $3}' "$WORK/rss.out" >"$WORK/rss.method"
	awk '{print $1}' "$WORK/rss.out"
}

# fmt_time SECONDS: 12.3 ms / 4.56 s
fmt_time() {
	awk -v s="$1" 'BEGIN {
		if (s == "") print "n/a";
		else if (s < 1) printf "%.1f ms\n", s * 1000;
		else printf "%.2f s\n", s }'
}

fmt_mib() {
	awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f MiB\n", k / 1024 }'
}

# target LABEL VALUE OP LIMIT UNIT: prints a table row (text) and records
# a markdown row in $WORK/targets.md; VALUE may be empty (not measured).
target() {
	awk -v l="$1" -v v="$2" -v op="$3" -v lim="$4" -v u="$5" -v md="$WORK/targets.md" 'BEGIN {
		if (v == "") { m = "n/a"; shown = "n/a" }
		else {
			if (op == ">=") ok = (v + 0 >= lim + 0)
			else if (op == "<=") ok = (v + 0 <= lim + 0)
			else ok = (v + 0 < lim + 0)
			m = ok ? "yes" : "NO"
			shown = (u == "x") ? sprintf("%.1fx", v) : (u == "MiB") ? sprintf("%.1f MiB", v) : sprintf("%.2f", v)
		}
		tgt = op " " lim (u == "x" ? "x" : u == "MiB" ? " MiB" : "")
		printf "  %-32s %-10s %-12s %s\n", l, tgt, shown, m
		printf "| %s | %s | %s | %s |\n", l, tgt, shown, (m == "NO" ? "**no**" : m) >> md
	}'
}

# The Python that runs alembic (from its #! line), as " on Python X.Y.Z".
alembic_python() {
	_py=$(sed -n '1s,^#! *\([^ ]*\).*,\1,p' "$(command -v "$ALEMBIC")" 2>/dev/null)
	[ -n "$_py" ] && [ -x "$_py" ] && "$_py" -V 2>&1 | awk '{ print " on Python " $2 }'
}

machine_facts_md() {
	ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo "?")
	cpu=$(sed -n 's/^model name[	 ]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
	[ -n "$cpu" ] || cpu=$(sysctl -n machdep.cpu.brand_string 2>/dev/null || uname -m)
	os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	[ -n "$os" ] || os=$(uname -sr)
	cc_v=$(${CC:-cc} --version 2>/dev/null | head -n 1)
	mem=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
	rev=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null)
	[ -n "$(git -C "$TOP" status --porcelain -- src include 2>/dev/null)" ] && rev="$rev (with uncommitted changes to src/)"
	cat <<EOF
| | |
|---|---|
| date | $(date -u +%Y-%m-%d) |
| git-migrate-fix | $("$GMF_BIN" --version 2>/dev/null | head -n 1 | sed 's/^git-migrate-fix //'), commit $rev |
| CPU | $cpu, $ncpu online (\`nproc\`: $(nproc 2>/dev/null || echo "$ncpu")) |
| memory | ${mem:-?} |
| load average at start | $LOADAVG (other work on the machine adds noise) |
| OS | $os, $(uname -sr) |
| compiler | $cc_v, \`CFLAGS=-O2 -g\` (the Makefile default) |
| hyperfine | $(hyperfine --version 2>/dev/null | awk '{print $2}') |
| alembic | $($ALEMBIC --version 2>/dev/null | awk '{print $2}')$(alembic_python) |
| grep | $(grep --version 2>/dev/null | head -n 1) |
EOF
}

# ---------------------------------------------------------------- check

# bench_check: `check` on the whole tree against `alembic heads` (what a
# Python-based checker has to do: import every file) and against grep
# reading every byte once (the floor for any tool that reads the files).
bench_check() {
	echo
	LOADAVG=$(loadavg)
	echo "== check: $count migrations, $(fmt_mib $((BYTES / 1024))) of Python, one linear chain"
	rel=migrations/versions
	: >"$WORK/targets.md"

	# Correctness first; these runs also warm the page cache.
	(cd "$PROJ" && "$GMF_BIN" check --dir "$rel") >"$WORK/check.out" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		cat "$WORK/check.out" >&2
		could_not_run "git-migrate-fix check exited $rc on the generated project"
		return
	fi
	got=$(cd "$PROJ" && "$GMF_BIN" heads --dir "$rel" | awk '{print $1}')
	[ "$got" = "$HEAD" ] || { could_not_run "git-migrate-fix heads printed '$got', expected '$HEAD'"; return; }
	(cd "$PROJ" && grep -rc down_revision "$rel") >/dev/null

	alembic_ok=0
	if ! have "$ALEMBIC"; then
		could_not_run "$ALEMBIC not found (./install.sh --deps-only installs it)"
	else
		# Bytecode is cached (as on a developer's machine, even where the
		# environment says PYTHONDONTWRITEBYTECODE), so alembic is measured
		# at its best; it goes outside versions/, so grep and check see
		# only the .py files.
		unset PYTHONDONTWRITEBYTECODE
		PYTHONPYCACHEPREFIX=$PROJ/.pycache
		export PYTHONPYCACHEPREFIX
		got=$(cd "$PROJ" && $ALEMBIC heads 2>"$WORK/alembic.err" | awk '{print $1}')
		if [ "$got" = "$HEAD" ]; then
			alembic_ok=1
		else
			cat "$WORK/alembic.err" >&2
			could_not_run "alembic heads printed '$got', expected '$HEAD'"
		fi
	fi

	say "timing check and grep ($BENCH_RUNS runs, 3 warmup) ..."
	hf "$WORK/fast.json" "$BENCH_RUNS" 3 \
		"git-migrate-fix check --dir $rel" "$(q "$GMF_BIN") check --dir $rel" \
		"grep -rc down_revision $rel" "grep -rc down_revision $rel" ||
		{ could_not_run "hyperfine failed"; return; }
	hf_stats "$WORK/fast.json" >"$WORK/stats.tsv"
	if [ $alembic_ok = 1 ]; then
		say "timing alembic heads ($BENCH_SLOW_RUNS runs, 1 warmup) ..."
		hf "$WORK/slow.json" "$BENCH_SLOW_RUNS" 1 \
			"alembic heads" "$(q "$(command -v "$ALEMBIC")") heads" &&
			hf_stats "$WORK/slow.json" >>"$WORK/stats.tsv" ||
			could_not_run "hyperfine failed on alembic heads"
	fi

	say "measuring peak RSS ..."
	rss_check=$(peak_rss "$GMF_BIN" check --dir "$rel")
	rss_method=$(cat "$WORK/rss.method" 2>/dev/null)
	rss_grep=$(peak_rss grep -rc down_revision "$rel")
	rss_alembic=
	[ $alembic_ok = 1 ] && rss_alembic=$(peak_rss "$(command -v "$ALEMBIC")" heads)

	n_check="git-migrate-fix check --dir $rel"
	n_grep="grep -rc down_revision $rel"
	n_alembic="alembic heads"
	t_check=$(stat_of "$WORK/stats.tsv" "$n_check" 2)
	t_grep=$(stat_of "$WORK/stats.tsv" "$n_grep" 2)
	t_alembic=$(stat_of "$WORK/stats.tsv" "$n_alembic" 2)

	echo "   (warm page cache: every command ran once, plus hyperfine warmups, before timing;"
	echo "    peak RSS by $rss_method, see tests/bench/maxrss.py)"
	echo
	printf '  %-48s %9s %9s %9s %9s %9s %9s\n' command mean "± σ" min user sys "peak RSS"
	: >"$WORK/rows.md"
	for n in "$n_check" "$n_alembic" "$n_grep"; do
		case $n in
		"$n_check") r=$rss_check ;;
		"$n_grep") r=$rss_grep ;;
		*) r=$rss_alembic ;;
		esac
		m=$(stat_of "$WORK/stats.tsv" "$n" 2)
		[ -n "$m" ] || continue
		sd=$(fmt_time "$(stat_of "$WORK/stats.tsv" "$n" 3)")
		mn=$(fmt_time "$(stat_of "$WORK/stats.tsv" "$n" 4)")
		us=$(fmt_time "$(stat_of "$WORK/stats.tsv" "$n" 6)")
		sy=$(fmt_time "$(stat_of "$WORK/stats.tsv" "$n" 7)")
		printf '  %-48s %9s %9s %9s %9s %9s %9s\n' "$n" "$(fmt_time "$m")" "$sd" "$mn" "$us" "$sy" "$(fmt_mib "$r")"
		printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$n" "$(fmt_time "$m")" "$sd" "$mn" "$us" "$sy" "$(fmt_mib "$r")" >>"$WORK/rows.md"
	done

	r_alembic='' r_grep='' m_rss=''
	[ -n "$t_alembic" ] && r_alembic=$(awk -v a="$t_alembic" -v c="$t_check" 'BEGIN { printf "%.4f", a / c }')
	[ -n "$t_grep" ] && r_grep=$(awk -v c="$t_check" -v g="$t_grep" 'BEGIN { printf "%.4f", c / g }')
	[ -n "$rss_check" ] && m_rss=$(awk -v k="$rss_check" 'BEGIN { printf "%.4f", k / 1024 }')
	echo
	printf '  %-32s %-10s %-12s %s\n' target limit measured met
	target "wall time: alembic/check" "$r_alembic" ">=" 50 x
	target "wall time: check/grep" "$r_grep" "<=" 1.0 ""
	target "check peak RSS" "$m_rss" "<" 32 MiB

	# CPU time (user + sys) is less disturbed by other work on the machine
	# than wall time: shown for comparison, judged the same way.
	cpu_of() {
		awk -F '	' -v n="$1" '$1 == n { printf "%.6f", $6 + $7 }' "$WORK/stats.tsv"
	}
	c_check=$(cpu_of "$n_check") c_grep=$(cpu_of "$n_grep") c_alembic=$(cpu_of "$n_alembic")
	c_ra='' c_rg=''
	[ -n "$c_alembic" ] && c_ra=$(awk -v a="$c_alembic" -v c="$c_check" 'BEGIN { printf "%.4f", a / c }')
	[ -n "$c_grep" ] && c_rg=$(awk -v c="$c_check" -v g="$c_grep" 'BEGIN { printf "%.4f", c / g }')
	target "CPU time: alembic/check" "$c_ra" ">=" 50 x
	target "CPU time: check/grep" "$c_rg" "<=" 1.0 ""

	{
		echo "Measured with \`sh tests/bench/run.sh\`: $count migrations in one"
		echo "chain, $(fmt_mib $((BYTES / 1024))) of Python in \`migrations/versions/\`, warm page cache."
		echo "hyperfine \`-N\`: $BENCH_RUNS runs after 3 warmups for check and grep,"
		echo "$BENCH_SLOW_RUNS runs after 1 warmup for alembic. Peak RSS: one more run each, measured"
		echo "by \`$rss_method\` (see \`tests/bench/maxrss.py\`)."
		echo
		echo "| command | mean | ± σ | min | user | sys | peak RSS |"
		echo "|---|---|---|---|---|---|---|"
		cat "$WORK/rows.md"
		echo
		echo "| target | limit | measured | met |"
		echo "|---|---|---|---|"
		cat "$WORK/targets.md"
		echo
		echo "Machine:"
		echo
		machine_facts_md
	} >"$WORK/check.md"
}

# ---------------------------------------------------------------- fix

# The repository of the fix benchmark is built from the generated project
# once per run, in $WORK, with a git identity and configuration of its own
# (an empty HOME, no system or global config), so the user's settings
# change nothing.
fix_git_env() {
	HOME=$WORK/fix-home XDG_CONFIG_HOME=$WORK/fix-home/.config
	GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.invalid
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.invalid
	GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
	export HOME XDG_CONFIG_HOME GIT_CONFIG_NOSYSTEM GIT_CONFIG_GLOBAL \
		GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
		GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
		GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CEILING_DIRECTORIES
	mkdir -p "$HOME"
}

# fix_migration DIR REV DOWN N: one small migration in the template's form
# (the revision id is the file stem).
fix_migration() {
	cat >"$1/$2.py" <<EOF_MIG
"""add column c$4

Revision ID: $2
Revises: $3
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '$2'
down_revision: Union[str, None] = '$3'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("table_1", sa.Column("c$4", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("table_1", "c$4")
EOF_MIG
}

# fix_repo REPO ORIGIN: the project committed on main, pushed to a bare
# origin (origin/HEAD -> main); branch feature adds 50 migrations in a chain
# on the head, numbered from count+1; main meanwhile gets one migration with
# the number count+1 on the same head; feature merges origin/main, so the
# tree has two heads and one number used twice.  Runs in a subshell.
FIX_MOVED=50
fix_repo() (
	set -e
	fix_git_env
	repo=$1 origin=$2
	width=5
	[ ${#count} -gt 5 ] && width=${#count}
	mkdir -p "$repo"
	cp -R "$PROJ/alembic.ini" "$PROJ/migrations" "$repo/"
	cd "$repo"
	v=migrations/versions
	git init -q .
	git symbolic-ref HEAD refs/heads/main
	git add -A
	git commit -q -m "$count migrations"
	git init -q --bare "$origin"
	git remote add origin "$origin"
	git push -q origin main
	git remote set-head origin main
	git checkout -q -b feature main
	prev=$HEAD i=1
	while [ $i -le $FIX_MOVED ]; do
		rev=$(printf '%0*d_feature_%d' "$width" $((count + i)) $i)
		fix_migration "$v" "$rev" "$prev" $i
		prev=$rev i=$((i + 1))
	done
	git add -A
	git commit -q -m "feature: $FIX_MOVED migrations"
	git checkout -q main
	fix_migration "$v" "$(printf '%0*d_x' "$width" $((count + 1)))" "$HEAD" 0
	git add -A
	git commit -q -m "main: one migration"
	git push -q origin main
	git checkout -q feature
	git merge -q --no-edit origin/main
	# Objects packed, as in a clone.
	git repack -adq
	git -C "$origin" repack -adq
)

# The state before fix, put back between timed runs (hyperfine --prepare,
# outside the timed command).
FIX_RESTORE='git reset -q --hard && git clean -fdq migrations && rm -rf .git/migrate-fix'

# bench_fix: `fix` moving 50 migrations onto a 10,000-migration tree,
# against `check` on the same tree (the target: under 3 times as long).
bench_fix() {
	LOADAVG=$(loadavg)
	echo
	echo "== fix: $FIX_MOVED migrations moved after the mainline head, on $count migrations"
	have git || { could_not_run "git is missing (the fix benchmark needs it)"; return; }
	: >"$WORK/targets.md"
	repo=$WORK/fix-repo
	say "building the repository (main, origin, feature with $FIX_MOVED migrations, merged) ..."
	fix_repo "$repo" "$WORK/fix-origin.git" >"$WORK/fix-setup.out" 2>&1 || {
		cat "$WORK/fix-setup.out" >&2
		could_not_run "building the fix repository failed"
		return
	}

	# Correctness first: two heads before, dry-run changes nothing, one
	# real fix leaves one head and FIX_MOVED staged renames.
	st=$( (
		fix_git_env
		cd "$repo" || exit 2
		"$GMF_BIN" check >"$WORK/fix-check0.out" 2>&1
		rc=$?
		[ $rc = 1 ] || { echo "check exited $rc before fix, expected 1 (two heads)"; exit 0; }
		grep -q 'multiple-heads' "$WORK/fix-check0.out" || { echo "check did not report two heads before fix"; exit 0; }
		"$GMF_BIN" fix --dry-run >"$WORK/fix-dry.out" 2>&1 || { echo "fix --dry-run exited $?"; exit 0; }
		[ -z "$(git status --porcelain)" ] || { echo "fix --dry-run changed the tree"; exit 0; }
		"$GMF_BIN" fix >"$WORK/fix-fix.out" 2>&1 || { echo "fix exited $?"; exit 0; }
		"$GMF_BIN" check >"$WORK/fix-check1.out" 2>&1 || { echo "check exited $? after fix"; exit 0; }
		nh=$("$GMF_BIN" heads | wc -l | tr -d ' ')
		[ "$nh" = 1 ] || { echo "$nh heads after fix"; exit 0; }
		nr=$(git status --porcelain | grep -c '^R ')
		nall=$(git status --porcelain | wc -l | tr -d ' ')
		[ "$nr" = $FIX_MOVED ] && [ "$nall" = $FIX_MOVED ] ||
			{ echo "git status shows $nr renames in $nall changes after fix, expected $FIX_MOVED renames"; exit 0; }
		sh -c "$FIX_RESTORE" || { echo "restoring the repository failed"; exit 0; }
		[ -z "$(git status --porcelain)" ] || { echo "the restore left changes"; exit 0; }
	) )
	if [ -n "$st" ]; then
		for f in fix-check0 fix-dry fix-fix fix-check1; do
			[ -f "$WORK/$f.out" ] && tail -n 5 "$WORK/$f.out" >&2
		done
		could_not_run "fix benchmark: $st"
		return
	fi

	n_check="git-migrate-fix check"
	n_dry="git-migrate-fix fix --dry-run"
	n_force="git-migrate-fix fix --force"
	n_fix="git-migrate-fix fix"
	say "timing check, fix --dry-run, fix --force and fix ($BENCH_RUNS runs, 3 warmup, repository restored before each) ..."
	( fix_git_env && cd "$repo" && hyperfine -N -i --warmup 3 --runs "$BENCH_RUNS" \
		--prepare "sh -c '$FIX_RESTORE'" --export-json "$WORK/fix.json" \
		-n "$n_check" "$(q "$GMF_BIN") check" \
		-n "$n_dry" "$(q "$GMF_BIN") fix --dry-run" \
		-n "$n_force" "$(q "$GMF_BIN") fix --force" \
		-n "$n_fix" "$(q "$GMF_BIN") fix" ) >&2 ||
		{ could_not_run "hyperfine failed on the fix repository"; return; }
	hf_stats "$WORK/fix.json" >"$WORK/fix-stats.tsv"
	# The last timed command was a fix: it must have done the same again.
	nr=$( (fix_git_env && cd "$repo" && git status --porcelain | grep -c '^R ') )
	[ "$nr" = $FIX_MOVED ] || { could_not_run "after the timed fix runs git status shows $nr renames"; return; }

	say "measuring peak RSS ..."
	fix_rss() {
		( fix_git_env && cd "$repo" && sh -c "$FIX_RESTORE" &&
			"$PYTHON" "$SCRIPT_DIR/maxrss.py" "$@" ) >"$WORK/rss.out" || return
		awk '{print $3}' "$WORK/rss.out" >"$WORK/rss.method"
		awk '{print $1}' "$WORK/rss.out"
	}
	rss_check=$(fix_rss "$GMF_BIN" check)
	rss_dry=$(fix_rss "$GMF_BIN" fix --dry-run)
	rss_force=$(fix_rss "$GMF_BIN" fix --force)
	rss_fix=$(fix_rss "$GMF_BIN" fix)
	rss_method=$(cat "$WORK/rss.method" 2>/dev/null)

	echo "   (warm page cache; before every run, including warmups: $FIX_RESTORE;"
	echo "    check exits 1 here (two heads), hence hyperfine -i; peak RSS by $rss_method)"
	echo
	printf '  %-32s %9s %9s %9s %9s %9s %9s\n' command mean "± σ" min user sys "peak RSS"
	: >"$WORK/rows.md"
	for n in "$n_check" "$n_dry" "$n_force" "$n_fix"; do
		case $n in
		"$n_check") r=$rss_check ;;
		"$n_dry") r=$rss_dry ;;
		"$n_force") r=$rss_force ;;
		*) r=$rss_fix ;;
		esac
		m=$(fmt_time "$(stat_of "$WORK/fix-stats.tsv" "$n" 2)")
		sd=$(fmt_time "$(stat_of "$WORK/fix-stats.tsv" "$n" 3)")
		mn=$(fmt_time "$(stat_of "$WORK/fix-stats.tsv" "$n" 4)")
		us=$(fmt_time "$(stat_of "$WORK/fix-stats.tsv" "$n" 6)")
		sy=$(fmt_time "$(stat_of "$WORK/fix-stats.tsv" "$n" 7)")
		printf '  %-32s %9s %9s %9s %9s %9s %9s\n' "$n" "$m" "$sd" "$mn" "$us" "$sy" "$(fmt_mib "$r")"
		printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$n" "$m" "$sd" "$mn" "$us" "$sy" "$(fmt_mib "$r")" >>"$WORK/rows.md"
	done

	ratio() {
		awk -F '	' -v a="$1" -v b="$n_check" -v f="$2" '
			$1 == a { x = (f == "cpu") ? $6 + $7 : (f == "min") ? $4 : $2 }
			$1 == b { y = (f == "cpu") ? $6 + $7 : (f == "min") ? $4 : $2 }
			END { if (x != "" && y > 0) printf "%.4f", x / y }' "$WORK/fix-stats.tsv"
	}
	echo
	printf '  %-32s %-10s %-12s %s\n' target limit measured met
	target "wall time (mean): fix/check" "$(ratio "$n_fix" mean)" "<" 3.0 ""
	target "wall time (min): fix/check" "$(ratio "$n_fix" min)" "<" 3.0 ""
	target "CPU time: fix/check" "$(ratio "$n_fix" cpu)" "<" 3.0 ""
	# Not targets: how far the plan alone, and fix without its per-file
	# uncommitted-change check, are from check.
	others=$(awk -v d="$(ratio "$n_dry" mean)" -v f="$(ratio "$n_force" mean)" -v dc="$(ratio "$n_dry" cpu)" -v fc="$(ratio "$n_force" cpu)" \
		'BEGIN { printf "fix --dry-run %.2f (CPU %.2f), fix --force %.2f (CPU %.2f)", d, dc, f, fc }')
	echo "  for comparison, mean wall time / check: $others"

	{
		echo "Measured with \`BENCH_ONLY=fix sh tests/bench/run.sh\` (or a full run): $count"
		echo "migrations plus $((FIX_MOVED + 1)), two heads, $FIX_MOVED to move. In the repository, warm page"
		echo "cache, after the correctness checks above:"
		echo
		echo '```sh'
		echo "hyperfine -N -i --warmup 3 --runs $BENCH_RUNS \\"
		echo "    --prepare \"sh -c '$FIX_RESTORE'\" \\"
		echo "    'git-migrate-fix check' 'git-migrate-fix fix --dry-run' \\"
		echo "    'git-migrate-fix fix --force' 'git-migrate-fix fix'"
		echo '```'
		echo
		echo "Peak RSS: one more run of each after a restore, by \`$rss_method\` (see"
		echo "\`tests/bench/maxrss.py\`). CPU time is user + sys."
		echo
		echo "| command | mean | ± σ | min | user | sys | peak RSS |"
		echo "|---|---|---|---|---|---|---|"
		cat "$WORK/rows.md"
		echo
		echo "| target | limit | measured | met |"
		echo "|---|---|---|---|"
		cat "$WORK/targets.md"
		echo
		echo "For comparison (not targets), mean wall time relative to \`check\`: $others."
		echo
		echo "Machine:"
		echo
		machine_facts_md
	} >"$WORK/fix.md"
}

# ---------------------------------------------------------------- docs

# write_docs NAME: replace the text between the NAME markers in
# docs/benchmarks.md with $WORK/NAME.md.
write_docs() {
	b="<!-- bench:$1:begin -->" e="<!-- bench:$1:end -->"
	if ! grep -qF "$b" "$DOCS" 2>/dev/null || ! grep -qF "$e" "$DOCS"; then
		could_not_run "docs/benchmarks.md has no $b ... $e markers"
		return
	fi
	awk -v b="$b" -v e="$e" -v frag="$WORK/$1.md" '
		$0 == b { print; while ((getline l < frag) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip { print }' "$DOCS" >"$WORK/docs.tmp" &&
		cat "$WORK/docs.tmp" >"$DOCS" &&
		say "rewrote the $1 section of docs/benchmarks.md"
}

# ---------------------------------------------------------------- main

gen_project
ran=
for b in $BENCHMARKS; do
	want "$b" || continue
	"bench_$b"
	ran="$ran $b"
done

if [ "${BENCH_WRITE_DOCS:-}" = 1 ]; then
	if [ $quick = 1 ]; then
		say "not writing docs/benchmarks.md from a --quick run"
	else
		for b in $ran; do
			[ -s "$WORK/$b.md" ] && write_docs "$b"
		done
	fi
fi

echo
[ $STATUS = 0 ] && echo "bench: done (times never fail the run; see 'met' above)" ||
	echo "bench: some benchmarks could not run (see above)"
exit $STATUS
