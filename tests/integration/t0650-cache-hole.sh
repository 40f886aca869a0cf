#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the cache hole: a write through a shared memory map moves no file time'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The runs that show the cache at work must not inherit the CI of the
# run (where the binary never uses it: the point of this script).
test_cache_outside_ci

# A file written through mmap(MAP_SHARED) gets new times only when a clean
# page is first written (ext4; later writes to the dirty page move
# nothing) or never (tmpfs).  The helper dirties the page of 003_c.py
# (writing a byte back unchanged: the one write whose fault may move the
# times), says "ready", waits for "go", then makes 003_c revise 001_a, not
# 002_b: two heads.  It neither calls msync nor unmaps nor closes before
# the checks run; it sleeps until killed.
cat >"$TRASH/mmap-writer.py" <<'PY'
import mmap, os, sys, time
path, ready, go, done = sys.argv[1:5]
fd = os.open(path, os.O_RDWR)
m = mmap.mmap(fd, os.fstat(fd).st_size, mmap.MAP_SHARED,
              mmap.PROT_READ | mmap.PROT_WRITE)
m[0:1] = m[0:1]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
i = m.find(b"down_revision")
j = m.find(b"002_b", i)
m[j:j + 5] = b"001_a"
open(done, "w").close()
time.sleep(120)
PY

# What the cache keys an entry on (stat -c is not portable).
cat >"$TRASH/stat-id.py" <<'PY'
import os, sys
s = os.stat(sys.argv[1])
print(s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)
PY

# The hook the pre-commit framework runs, from .pre-commit-hooks.yaml.
sed -n 's/^  entry: git-migrate-fix //p' "$TOP/.pre-commit-hooks.yaml" >"$TRASH/framework-args"

start_writer () {
	"$PYTHON" "$TRASH/mmap-writer.py" "$1" "$TRASH/ready" "$TRASH/go" "$TRASH/done" \
		>/dev/null 2>&1 &
	echo $! >"$TRASH/writer.pid"
}

# wait_for FILE: up to 20 s.
wait_for () {
	wf_n=0
	while ! test -e "$1"
	do
		wf_n=$((wf_n + 1))
		test $wf_n -le 20 || return 1
		sleep 1
	done
}

# On tmpfs the times never move, so the hole is open every time; on ext4
# only while the page stays dirty (writeback may clean it first).  The
# project goes to /dev/shm where that is a directory we can write.
HOLE_TOP=$TRASH
if test -d /dev/shm && test -w /dev/shm
then
	HOLE_TOP=$(mktemp -d /dev/shm/gmf-t0650.XXXXXX) || HOLE_TOP=$TRASH
fi
test "$HOLE_TOP" = "$TRASH" || hole_tmp="$HOLE_TOP"
stop_writer () {
	test -f "$TRASH/writer.pid" && kill "$(cat "$TRASH/writer.pid")" 2>/dev/null
	test -z "$hole_tmp" || rm -rf "$hole_tmp"
}
trap 'stop_writer; test_cleanup_trash' EXIT

test_expect_success 'setup: one chain, its last file mapped shared and dirty' '
	new_project "$HOLE_TOP/hole" &&
	ln -s "$HOLE_TOP/hole" hole &&
	cd hole &&
	mig 001_a.py 001_a None "first" &&
	mig 002_b.py 002_b 001_a "second" &&
	mig 003_c.py 003_c 002_b "third" &&
	commit_all "three" &&
	start_writer "$HOLE_TOP/hole/migrations/versions/003_c.py" &&
	wait_for "$TRASH/ready" &&
	sleep 3 &&
	gmf_expect 0 ../out0 check &&
	gmf_expect 0 ../out1 check -v &&
	test_grep "3 of 3 files unchanged, from the cache" ../out1
'

test_expect_success 'the write through the map: two heads in the file' '
	f=hole/migrations/versions/003_c.py &&
	"$PYTHON" "$TRASH/stat-id.py" $f >stat-before &&
	: >"$TRASH/go" &&
	wait_for "$TRASH/done" &&
	"$PYTHON" "$TRASH/stat-id.py" $f >stat-after &&
	test_grep "down_revision.*001_a" $f &&
	if test_cmp stat-before stat-after >/dev/null 2>&1
	then
		echo "the stat data did not move: the hole is open" &&
		: >hole-open
	else
		echo "the write moved the file times here: nothing to show"
	fi
'

test -f "$TRASH/hole-open" && test_set_prereq HOLE

test_expect_success HOLE 'the hole: a check by hand answers from the cache' '
	cd hole &&
	gmf_expect 0 ../out7 check -v &&
	test_grep "3 of 3 files unchanged, from the cache" ../out7 &&
	test_grep "ok: 3 migrations" ../out7
'

test_expect_success HOLE 'with CI or GITHUB_ACTIONS set every file is read' '
	cd hole &&
	CI=true gmf_expect 1 ../out2 check &&
	test_grep "multiple-heads" ../out2 &&
	CI=1 gmf_expect 1 ../out3 check -v &&
	test_grep ! "from the cache" ../out3 &&
	GITHUB_ACTIONS=true gmf_expect 1 ../out4 check --format=github &&
	test_grep "multiple-heads" ../out4 &&
	CI=yes gmf_expect 0 ../out5 heads &&
	test_line_count = 2 ../out5
'

test_expect_success HOLE 'a command that writes reads every file, a dry run too' '
	cd hole &&
	test_might_fail "$GMF_BIN" fix --dry-run >../fix.out 2>&1 &&
	test_grep "003_c" ../fix.out &&
	test_grep ! "nothing to" ../fix.out &&
	test_might_fail "$GMF_BIN" merge --dry-run >../merge.out 2>&1 &&
	test_grep "002_b" ../merge.out &&
	test_grep "003_c" ../merge.out
'

test_expect_success HOLE 'the pre-commit framework hook reads every file' '
	test "$(cat framework-args)" = "check --no-cache" &&
	cd hole &&
	gmf_expect 1 ../out6 $(cat "$TRASH/framework-args") &&
	test_grep "multiple-heads" ../out6
'

test_expect_success 'cleanup: the writer stopped' '
	kill "$(cat "$TRASH/writer.pid")" &&
	rm -f "$TRASH/writer.pid"
'

test_done
