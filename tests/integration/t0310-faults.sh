#!/bin/sh
# SPDX-License-Identifier: MIT
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

# After a kill at every point, someone edits every migration before the
# next run: whatever that run does (recover, refuse, complete), no edit is
# lost, and a run the journal cannot verify says which file and what to do.
test_expect_success FAULTY 'fix: a kill at every step, then edits: the next run keeps every edit' '
	cd repo &&
	n=$(count_points fix) &&
	i=1 && refused=0 && stale=0 &&
	while test $i -le "$n"
	do
		reset_repo &&
		{ GMF_KILLPOINT=$i "$FAULTY" fix >/dev/null 2>&1; test $? -ge 128; } &&
		if test -e .git/migrate-fix/lock
		then
			stale=$((stale + 1))
		fi &&
		for f in migrations/versions/*.py
		do
			echo "# edited after the kill" >>"$f" || return 1
		done &&
		edited=$(grep -l "# edited after the kill" migrations/versions/*.py | wc -l) &&
		{ gmf fix >../out 2>&1; true; } &&
		test "$(grep -l "# edited after the kill" migrations/versions/*.py | wc -l)" = "$edited" &&
		if test -d .git/migrate-fix/txn
		then
			test_grep "undo --abandon" ../out &&
			refused=$((refused + 1)) &&
			gmf undo --abandon >/dev/null &&
			test "$(grep -l "# edited after the kill" migrations/versions/*.py | wc -l)" = "$edited"
		fi &&
		test ! -e .git/migrate-fix/lock &&
		i=$((i + 1)) || return 1
	done &&
	echo "fix kill + edit: $n of $n points kept every edit ($refused refused to recover, $stale left a stale lock that the next run took)" |
		tee -a "$TRASH/summary"
'

# Eighteen files to move: the temporaries beside them are synced on
# several threads (src/fs.c, from 8 files a batch), and their blobs are
# staged as one pack (src/repo.c, from 16); a failure or a kill at any of
# their points, or at any other, leaves the tree as before or as after.
test_expect_success FAULTY 'fix of 18 files: failures and kills at every step' '
	new_project repo12 && cd repo12 &&
	mig 001_init.py 001_init None "init" &&
	commit_all base && git push -q origin main &&
	git checkout -q -b feature &&
	prev=001_init && i=30 &&
	while test $i -le 47
	do
		mig "0${i}_f.py" "0${i}_f" "$prev" "f$i" &&
		prev="0${i}_f" && i=$((i + 1)) || return 1
	done &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all m && git push -q origin main &&
	git checkout -q feature && git merge -q --no-edit origin/main &&
	snapshot >../before12 &&
	gmf fix >../fix12.out &&
	snapshot >../after12 &&
	test "$(grep -c "stamp --purge" ../fix12.out)" = 18 &&
	test "$(git status --porcelain | grep -c "^R  migrations/versions/0[34]._f.py -> ")" = 18 &&
	reset_repo &&
	run_faults FAILPOINT ../before12 ../after12 fix &&
	run_faults KILLPOINT ../before12 ../after12 fix
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
		test_might_fail env GMF_FAILPOINT=$i "$FAULTY" undo >/dev/null 2>&1 &&
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
		test_might_fail env GMF_FAILPOINT=$i "$FAULTY" merge -m "merge heads" >/dev/null 2>&1 &&
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

# The state install touches: the hooks directory (names, modes, contents),
# .gitattributes, the lockfile, the index and the driver's config.
isnapshot () {
	for f in .git/hooks/*
	do
		test -f "$f" || continue
		printf '%s %s %s\n' "$(ls -l "$f" | cut -c1-10)" "$(git hash-object "$f")" "$f"
	done &&
	{ test ! -e .gitattributes || git hash-object .gitattributes; } &&
	{ test ! -e migrations/versions/.head || git hash-object migrations/versions/.head; } &&
	git ls-files -s &&
	{ git config --local --get-regexp "^(merge|migrate-fix)\." || :; }
}

# A repository with a hook of its own and a .gitattributes of its own.
reset_install () {
	cd "$TRASH" && rm -rf irepo && cp -R irepo.orig irepo && cd irepo
}

test_expect_success FAULTY 'install and --uninstall: failures and kills at every step' '
	new_project irepo.orig && cd irepo.orig &&
	mig 001_init.py 001_init None "init" &&
	printf "*.py text\n" >.gitattributes &&
	commit_all base &&
	printf "#!/bin/sh\necho own hook\n" >.git/hooks/post-merge &&
	chmod +x .git/hooks/post-merge &&
	reset_install && isnapshot >../ibefore &&
	gmf install >/dev/null && isnapshot >../iafter &&
	gmf install --uninstall >/dev/null && isnapshot >../now &&
	test_cmp ../ibefore ../now &&
	for what in install uninstall
	do
		reset_install &&
		if test $what = uninstall
		then
			gmf install >/dev/null && args="install --uninstall"
		else
			args=install
		fi &&
		rm -f ../count &&
		GMF_FAULT_COUNT=$TRASH/count "$FAULTY" $args >/dev/null &&
		n=$(tail -n 1 ../count) && test "$n" -gt 5 &&
		i=1 && ok=0 &&
		while test $i -le "$n"
		do
			for mode in FAILPOINT KILLPOINT
			do
				reset_install &&
				if test $what = uninstall
				then
					gmf install >/dev/null
				fi &&
				env GMF_$mode=$i "$FAULTY" $args >/dev/null 2>&1
				rc=$? &&
				if test $mode = KILLPOINT && test $rc -lt 128
				then
					echo "$what: point $i not killed (exit $rc)"; return 1
				fi &&
				# whatever it left, --uninstall puts back the state before
				# install ("not installed" when it stopped before its record)
				test_might_fail gmf install --uninstall >/dev/null 2>&1 &&
				isnapshot >../now &&
				{ test_cmp ../ibefore ../now ||
					{ echo "$what $mode $i: --uninstall did not restore"; false; }; } &&
				if test $what = install
				then
					# and install run again completes the job
					reset_install &&
					{ env GMF_$mode=$i "$FAULTY" $args >/dev/null 2>&1 || :; } &&
					gmf install >/dev/null 2>&1 &&
					isnapshot >../now &&
					{ test_cmp ../iafter ../now ||
						{ echo "install $mode $i: a second install did not complete"; false; }; }
				fi || return 1
			done &&
			ok=$((ok + 1)) &&
			i=$((i + 1)) || return 1
		done &&
		echo "$what: $ok of $n points (failure and kill each) left the repository restorable" |
			tee -a "$TRASH/summary" || return 1
	done
'

# The post-merge hook inside a real `git merge`: the hooks run a wrapper
# named git-migrate-fix that injects the fault into `hook` runs only (the
# merge driver runs clean).  Whatever happens, git's merge stands, and the
# next `git migrate-fix fix` leaves the files repaired with the merge's
# parents intact.
test_expect_success FAULTY 'post-merge hook: failures and kills at every step of the repair' '
	mkdir fbin &&
	# the repair run of the hook takes the faults (the armed shim then
	# runs `hook disarm`, which does not)
	cat >fbin/git-migrate-fix <<-EOF &&
	#!/bin/sh
	if test "\$1" = hook && test "\$2" != disarm && test -n "\$HOOK_FAULT"
	then
		exec env "\$HOOK_FAULT" "$FAULTY" "\$@"
	fi
	exec "$GMF_BIN" "\$@"
	EOF
	chmod +x fbin/git-migrate-fix &&
	PATH=$TRASH/fbin:$PATH && export PATH &&
	new_project hrepo.orig && cd hrepo.orig &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "f" && mig 003_g.py 003_g 002_f "g" &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all main &&
	git push -q origin main &&
	cd .. && rm -rf hrepo && cp -R hrepo.orig hrepo && cd hrepo &&
	git merge -q --no-edit feature >/dev/null 2>&1 &&
	gmf check >/dev/null && snapshot >../hafter &&
	main=$(git rev-parse main^) && feature=$(git rev-parse feature) &&
	test "$(git rev-parse HEAD^1) $(git rev-parse HEAD^2)" = "$main $feature" &&
	cd .. && rm -rf hrepo && cp -R hrepo.orig hrepo && cd hrepo &&
	rm -f ../count &&
	HOOK_FAULT=GMF_FAULT_COUNT=$TRASH/count git merge -q --no-edit feature >/dev/null 2>&1 &&
	n=$(tail -n 1 ../count) && test "$n" -gt 5 &&
	i=1 && ok=0 &&
	while test $i -le "$n"
	do
		for mode in FAILPOINT KILLPOINT
		do
			cd "$TRASH" && rm -rf hrepo && cp -R hrepo.orig hrepo && cd hrepo &&
			main=$(git rev-parse main) &&
			HOOK_FAULT=GMF_$mode=$i git merge -q --no-edit feature >../out 2>&1 ||
				{ echo "$mode $i: git merge failed"; return 1; }
			# a failure leaves the merge as git made it, or (when only the
			# commit failed) the repair staged, and says so
			if test $mode = FAILPOINT &&
				test -n "$(git status --porcelain --untracked-files=no)" &&
				! grep -q "the repair is staged: commit it yourself" ../out
			then
				echo "$mode $i: a failed repair left changes behind"; git status --short; return 1
			fi &&
			# the next run rolls back an interrupted repair, or does it
			gmf fix >/dev/null 2>&1 &&
			snapshot | sed -n "/ migrations\//p" | grep -v "^ \?[MADR]" >../now &&
			sed -n "/ migrations\//p" ../hafter | grep -v "^ \?[MADR]" >../want &&
			{ test_cmp ../want ../now || { echo "$mode $i: not repaired"; false; }; } &&
			gmf check >/dev/null &&
			test "$(git rev-parse HEAD^1) $(git rev-parse HEAD^2)" = "$main $feature" ||
				{ echo "$mode $i: parents or check"; return 1; }
		done &&
		ok=$((ok + 1)) &&
		i=$((i + 1)) || return 1
	done &&
	echo "post-merge hook: $ok of $n points (failure and kill each) left the merge repairable" |
		tee -a "$TRASH/summary"
'

# The post-rewrite hook after a real `git rebase` (its repair goes into a
# new commit on top): whatever a failure or kill in the hook did, the
# rebase stands and the next `git migrate-fix fix` leaves the files
# repaired on top of main.
test_expect_success FAULTY 'post-rewrite hook: failures and kills at every step of the repair' '
	PATH=$TRASH/fbin:$PATH && export PATH &&
	new_project rrepo.orig && cd rrepo.orig &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "f" && commit_all f &&
	mig 003_g.py 003_g 002_f "g" && commit_all g &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all main &&
	git push -q origin main && git checkout -q feature &&
	cd .. && rm -rf rrepo && cp -R rrepo.orig rrepo && cd rrepo &&
	git rebase -q main >/dev/null 2>&1 &&
	gmf check >/dev/null && snapshot >../rafter &&
	cd .. && rm -rf rrepo && cp -R rrepo.orig rrepo && cd rrepo &&
	rm -f ../count &&
	HOOK_FAULT=GMF_FAULT_COUNT=$TRASH/count git rebase -q main >/dev/null 2>&1 &&
	n=$(tail -n 1 ../count) && test "$n" -gt 5 &&
	i=1 && ok=0 &&
	while test $i -le "$n"
	do
		for mode in FAILPOINT KILLPOINT
		do
			cd "$TRASH" && rm -rf rrepo && cp -R rrepo.orig rrepo && cd rrepo &&
			HOOK_FAULT=GMF_$mode=$i git rebase -q main >../out 2>&1 ||
				{ echo "$mode $i: git rebase failed"; cat ../out; return 1; }
			test ! -d .git/rebase-merge && git merge-base --is-ancestor main HEAD ||
				{ echo "$mode $i: the rebase did not stand"; return 1; }
			gmf fix >/dev/null 2>&1 &&
			snapshot | sed -n "/ migrations\//p" | grep -v "^ \?[MADR]" >../now &&
			sed -n "/ migrations\//p" ../rafter | grep -v "^ \?[MADR]" >../want &&
			{ test_cmp ../want ../now || { echo "$mode $i: not repaired"; false; }; } &&
			gmf check >/dev/null ||
				{ echo "$mode $i: check"; return 1; }
		done &&
		ok=$((ok + 1)) &&
		i=$((i + 1)) || return 1
	done &&
	echo "post-rewrite hook: $ok of $n points (failure and kill each) left the rebase repairable" |
		tee -a "$TRASH/summary"
'

# A merge that stopped on the head lockfile (the driver kept out): fix
# resolves the conflict; a failure or a kill at any step of fix, or of the
# undo after it, leaves the conflict git recorded (stages 1-3 in the
# index, the markers in the file) or the repair, never a file staged
# with its markers.
test_expect_success FAULTY 'a conflicted lockfile: fix and undo, failures and kills at every step' '
	# the merge driver on PATH, as installed: it writes the conflict
	# markers when GIT_MIGRATE_FIX_DRIVER=0 keeps it out
	PATH=$(dirname "$GMF_BIN"):$PATH && export PATH &&
	new_project crepo && cd crepo &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "f" && echo 002_f >migrations/versions/.head &&
	commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && echo 002_m >migrations/versions/.head &&
	commit_all main && git push -q origin main &&
	git tag cbase &&
	reset_conflict () {
		git reset -q --hard cbase && git clean -fdq migrations &&
		rm -rf .git/migrate-fix &&
		GIT_MIGRATE_FIX_DRIVER=0 test_must_fail git merge -q --no-edit feature >/dev/null 2>&1
	} &&
	reset_conflict && snapshot >../cbefore &&
	test "$(git ls-files -u | wc -l)" = 3 &&
	test_grep "^=======$" migrations/versions/.head &&
	gmf fix >/dev/null && snapshot >../cafter &&
	gmf undo >/dev/null && snapshot >../cundone &&
	test_cmp ../cbefore ../cundone &&
	reset_conflict && rm -f ../count &&
	GMF_FAULT_COUNT=$TRASH/count "$FAULTY" fix >/dev/null &&
	n=$(tail -n 1 ../count) && test "$n" -gt 5 &&
	i=1 && ok=0 &&
	while test $i -le "$n"
	do
		reset_conflict &&
		test_might_fail env GMF_FAILPOINT=$i "$FAULTY" fix >/dev/null 2>&1 &&
		snapshot >../now &&
		{ cmp -s ../now ../cbefore || cmp -s ../now ../cafter || {
			echo "fix failpoint $i: neither"; diff ../cbefore ../now; false; }; } &&
		reset_conflict &&
		{ GMF_KILLPOINT=$i "$FAULTY" fix >/dev/null 2>&1; test $? -ge 128; } &&
		gmf fix >/dev/null 2>&1 && snapshot >../now &&
		{ cmp -s ../cafter ../now || { echo "after fix killpoint $i"; diff ../cafter ../now; false; }; } &&
		ok=$((ok + 1)) &&
		i=$((i + 1)) || return 1
	done &&
	echo "fix of a conflicted lockfile: $ok of $n points (failure and kill each) left the tree intact" |
		tee -a "$TRASH/summary" &&
	reset_conflict && gmf fix >/dev/null &&
	rm -rf ../cstate && cp -R .git/migrate-fix ../cstate && cp .git/index ../cindex &&
	reset_fixed () {
		rm -rf .git/migrate-fix && cp -R ../cstate .git/migrate-fix &&
		cp ../cindex .git/index && git checkout-index -f -a &&
		rm -f migrations/versions/002_f.py
	} &&
	reset_fixed && snapshot >../now && test_cmp ../cafter ../now &&
	rm -f ../count &&
	GMF_FAULT_COUNT=$TRASH/count "$FAULTY" undo >/dev/null &&
	n=$(tail -n 1 ../count) && test "$n" -gt 5 &&
	i=1 && ok=0 &&
	while test $i -le "$n"
	do
		reset_fixed &&
		test_might_fail env GMF_FAILPOINT=$i "$FAULTY" undo >/dev/null 2>&1 &&
		snapshot >../now &&
		{ cmp -s ../now ../cafter || cmp -s ../now ../cbefore || {
			echo "undo failpoint $i: neither"; diff ../cafter ../now; false; }; } &&
		reset_fixed &&
		{ GMF_KILLPOINT=$i "$FAULTY" undo >/dev/null 2>&1; test $? -ge 128; } &&
		snapshot >../now &&
		{ cmp -s ../now ../cbefore || gmf undo >/dev/null 2>&1; } &&
		snapshot >../now &&
		{ cmp -s ../cbefore ../now || { echo "after undo killpoint $i"; diff ../cbefore ../now; false; }; } &&
		ok=$((ok + 1)) &&
		i=$((i + 1)) || return 1
	done &&
	echo "undo of that fix: $ok of $n points (failure and kill each) left the tree intact" |
		tee -a "$TRASH/summary"
'

test_expect_success FAULTY 'summary' '
	cat "$TRASH/summary"
'

test_done
