#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the cache hole: a write through a shared memory map moves no file time'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The binary switches the cache off when CI is set (the point of this
# test): the runs that need the cache must not inherit it.
unset CI GITHUB_ACTIONS

# A file written through mmap(MAP_SHARED) gets new times only when a clean
# page is first written (ext4; later writes to the dirty page move
# nothing) or never (tmpfs).  The helper below dirties the page of
# 003_c.py (writing a byte back unchanged: the one write whose fault may
# move the times), waits for "go", then makes 003_c revise 001_a, not
# 002_b: two heads, the file's stat data unchanged.  It neither calls
# msync nor unmaps nor closes before check runs; it sleeps until killed.
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

PY3=${PYTHON:-python3}

start_writer () {
	"$PY3" "$TRASH/mmap-writer.py" "$1" "$TRASH/ready" "$TRASH/go" "$TRASH/done" \
		>/dev/null 2>&1 &
	echo $! >"$TRASH/writer.pid"
}

# wait_for FILE: up to 10 s.
wait_for () {
	n=0
	while ! test -e "$1"
	do
		n=$((n + 1))
		test $n -le 200 || return 1
		sleep 0.05
	done
}

test_expect_success 'setup: one chain, its last file mapped shared and dirty' '
	new_project hole &&
	cd hole &&
	mig 001_a.py 001_a None "first" &&
	mig 002_b.py 002_b 001_a "second" &&
	mig 003_c.py 003_c 002_b "third" &&
	commit_all "three" &&
	start_writer "$TRASH/hole/migrations/versions/003_c.py" &&
	wait_for "$TRASH/ready" &&
	sleep 3 &&
	gmf_expect 0 ../out0 check &&
	gmf_expect 0 ../out1 check -v &&
	grep "3 of 3 files unchanged, from the cache" ../out1
'

test_expect_success 'the write through the map: two heads, the times unchanged' '
	cd hole/migrations/versions &&
	stat -c "%y %z %s %i" 003_c.py >../../../stat-before &&
	: >"$TRASH/go" &&
	wait_for "$TRASH/done" &&
	stat -c "%y %z %s %i" 003_c.py >../../../stat-after &&
	grep "down_revision.*001_a" 003_c.py &&
	if test_cmp ../../../stat-before ../../../stat-after 2>/dev/null
	then
		echo "the write left the stat data as it was: the hole is open here"
	else
		echo "the write moved the file times here (the page was clean)"
	fi
'

test_expect_success 'with CI set the cache is not used: the verdict is right' '
	cd hole &&
	CI=true gmf_expect 1 ../out2 check &&
	grep "multiple-heads" ../out2 &&
	CI=1 gmf_expect 1 ../out3 check -v &&
	! grep "from the cache" ../out3 &&
	GITHUB_ACTIONS=true gmf_expect 1 ../out4 check --format=github &&
	grep "multiple-heads" ../out4 &&
	gmf_expect 1 ../out5 check --no-cache &&
	grep "multiple-heads" ../out5
'

test_expect_success 'CI set to a false value keeps the cache' '
	cd hole &&
	{ CI=false gmf check -v >../out6 2>&1 || :; } &&
	grep "files unchanged, from the cache" ../out6
'

test_expect_success 'cleanup: the writer stopped' '
	kill "$(cat "$TRASH/writer.pid")" &&
	rm -f "$TRASH/writer.pid"
'

test_done
