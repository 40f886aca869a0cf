#!/bin/sh
test_description='fix, merge and undo: a failure or a kill at every file-system step loses nothing'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The same program with fault points compiled in (make builds it).
FAULTY=${GMF_FAULTY_BIN:-$TOP/build/faults/git-migrate-fix}

test_lazy_prereq FAULTY 'test -x "$FAULTY"'

# A feature branch with a chain of two migrations, main with one, merged:
# `fix` renames two files and edits them.
test_expect_success FAULTY 'set up a repository that needs fixing' '
	new_project repo && cd repo &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_a.py 002_a 001_init "a" &&
	mig 003_b.py 003_b 002_a "b" &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	snapshot >../before &&
	gmf fix >/dev/null &&
	snapshot >../after &&
	gmf undo >/dev/null &&
	snapshot >../undone &&
	test_cmp ../before ../undone &&
	git reset -q --hard && rm -rf .git/migrate-fix
'

# The merge migration carries its creation time: mask its content ids.
msnapshot () {
	snapshot | sed 's/^[0-9a-f]\{40\}\( .*_merge_heads\.py\)$/<id>\1/; s/^\(100644 \)[0-9a-f]\{40\}\( 0.*_merge_heads\.py\)$/\1<id>\2/'
}

reset_repo () {
	git reset -q --hard &&
	git clean -fdq migrations &&
	rm -rf .git/migrate-fix
}

# count_points CMD...: how many fault points a clean run of CMD reaches.
count_points () {
	reset_repo &&
	rm -f ../count &&
	GMF_FAULT_COUNT=$TRASH/count "$FAULTY" "$@" >/dev/null 2>&1 &&
	tail -n 1 ../count
}

# run_faults MODE BEFORE AFTER CMD...: for every point, inject MODE
# (FAILPOINT or KILLPOINT), then check the tree is BEFORE or AFTER at
# once (a failure) and AFTER once the normal program ran CMD again.
run_faults () {
	mode=$1 before=$2 after=$3
	shift 3
	n=$(count_points "$@") &&
	test "$n" -gt 5 &&
	intact=0 &&
	i=1 &&
	while test $i -le "$n"
	do
		reset_repo &&
		if test "$mode" = FAILPOINT
		then
			GMF_FAILPOINT=$i "$FAULTY" "$@" >/dev/null 2>&1
			snapshot >../now &&
			if cmp -s ../now "$before" || cmp -s ../now "$after"
			then :
			else
				echo "point $i of $n: the tree is neither as before nor as after" &&
				diff "$before" ../now
				return 1
			fi
		else
			GMF_KILLPOINT=$i "$FAULTY" "$@" >/dev/null 2>&1
			rc=$?
			test $rc -ge 128 || { echo "point $i: not killed (exit $rc)"; return 1; }
		fi &&
		# the next run rolls back what was interrupted and does the job
		gmf "$@" >/dev/null 2>&1 &&
		snapshot >../now &&
		if cmp -s ../now "$after"
		then
			intact=$((intact + 1))
		else
			echo "point $i of $n: the next run did not complete the job" &&
			diff "$after" ../now
			return 1
		fi &&
		i=$((i + 1)) || return 1
	done &&
	echo "$mode: $intact of $n left the tree intact" | tee -a "$TRASH/summary"
}

test_expect_success FAULTY 'fix: an injected failure at every step leaves before or after' '
	cd repo && run_faults FAILPOINT ../before ../after fix
'

test_expect_success FAULTY 'fix: a SIGKILL at every step is rolled back and redone by the next run' '
	cd repo && run_faults KILLPOINT ../before ../after fix
'

test_expect_success FAULTY 'undo: failures and kills at every step' '
	cd repo && reset_repo && gmf fix >/dev/null && git commit -q -m fixed &&
	git tag fixed && snapshot >../fixed &&
	rm -rf ../state && cp -R .git/migrate-fix ../state &&
	reset_undo () {
		git reset -q --hard fixed && git clean -fdq migrations &&
		rm -rf .git/migrate-fix && cp -R ../state .git/migrate-fix
	} &&
	gmf undo >/dev/null && snapshot >../undone && reset_undo &&
	rm -f ../count &&
	GMF_FAULT_COUNT=$TRASH/count "$FAULTY" undo >/dev/null &&
	n=$(tail -n 1 ../count) && test "$n" -gt 5 &&
	i=1 && ok=0 &&
	while test $i -le "$n"
	do
		reset_undo &&
		GMF_FAILPOINT=$i "$FAULTY" undo >/dev/null 2>&1
		snapshot >../now &&
		{ cmp -s ../now ../fixed || cmp -s ../now ../undone || {
			echo "undo failpoint $i: neither"; diff ../fixed ../now; false; }; } &&
		{ cmp -s ../now ../undone || gmf undo >/dev/null 2>&1; } &&
		snapshot >../now &&
		{ cmp -s ../undone ../now || { echo "after failpoint $i"; false; }; } &&
		reset_undo &&
		{ GMF_KILLPOINT=$i "$FAULTY" undo >/dev/null 2>&1; test $? -ge 128; } &&
		# killed after its last step the undo is complete; before it, the
		# next undo rolls the interrupted one back and does it again
		snapshot >../now &&
		{ cmp -s ../now ../undone || gmf undo >/dev/null 2>&1; } &&
		snapshot >../now &&
		{ cmp -s ../undone ../now || { echo "after killpoint $i"; false; }; } &&
		ok=$((ok + 1)) &&
		i=$((i + 1)) || return 1
	done &&
	echo "undo: $ok of $n points (failure and kill each) left the tree intact" | tee -a "$TRASH/summary"
'

test_expect_success FAULTY 'merge: failures and kills at every step' '
	cd repo && git checkout -q -b m2 fixed~1 &&
	reset_repo &&
	msnapshot >../mbefore &&
	gmf merge -m "merge heads" >/dev/null && msnapshot >../mafter && reset_repo &&
	n=$(count_points merge -m "merge heads") &&
	i=1 && ok=0 &&
	while test $i -le "$n"
	do
		reset_repo &&
		GMF_FAILPOINT=$i "$FAULTY" merge -m "merge heads" >/dev/null 2>&1
		msnapshot >../now &&
		{ cmp -s ../now ../mbefore || cmp -s ../now ../mafter || {
			echo "merge failpoint $i: neither"; diff ../mbefore ../now; false; }; } &&
		reset_repo &&
		{ GMF_KILLPOINT=$i "$FAULTY" merge -m "merge heads" >/dev/null 2>&1; test $? -ge 128; } &&
		gmf merge -m "merge heads" >/dev/null 2>&1 &&
		msnapshot >../now && test_cmp ../mafter ../now &&
		ok=$((ok + 1)) &&
		i=$((i + 1)) || return 1
	done &&
	echo "merge: $ok of $n points left the tree intact" | tee -a "$TRASH/summary"
'

test_expect_success FAULTY 'summary' '
	cat "$TRASH/summary"
'

test_done
