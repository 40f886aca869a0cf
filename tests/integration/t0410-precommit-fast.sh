#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the pre-commit shim skips the binary only when it would do nothing'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks find `git-migrate-fix` on PATH: a wrapper that logs every start
# of the binary to $TRASH/starts, then runs it.
mkdir "$TRASH/bin" || exit 1
cat >"$TRASH/bin/git-migrate-fix" <<EOF || exit 1
#!/bin/sh
echo "\$*" >>"$TRASH/starts"
exec "$GMF_BIN" "\$@"
EOF
chmod +x "$TRASH/bin/git-migrate-fix" || exit 1
PATH=$TRASH/bin:$PATH
export PATH

# age: every file of the trash directory (the repository, its git
# configuration, the wrapper) but the tool's state dated 2000, so that a
# list written now is newer than all of them without waiting for the clock.
age () {
	find "$TRASH" ! -path "*/.git/migrate-fix/*" -exec touch -t 200001010000 {} +
}

# setup NAME: an adopted project, aged, and one ordinary commit that ran
# the binary (which wrote the list); the start log emptied.
setup () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	echo one >README && age && rm -f .git/migrate-fix/pre-commit-paths &&
	git add README && git commit -q -m one &&
	test -f .git/migrate-fix/pre-commit-paths &&
	test_grep "^path :(top)migrations/versions\$" .git/migrate-fix/pre-commit-paths &&
	test "$(cat .git/migrate-fix/pre-commit-head)" = "$(git rev-parse HEAD)" &&
	: >"$TRASH/starts"
}

# started: the binary ran `hook pre-commit` since the log was emptied
started () {
	test_grep "^hook pre-commit" "$TRASH/starts"
}

not_started () {
	test_grep ! "^hook pre-commit" "$TRASH/starts"
}

test_expect_success 'commits of other files do not start the binary' '
	setup plain &&
	echo two >>README && git add README && git commit -q -m two &&
	echo three >>README && git commit -q -a -m three &&
	not_started &&
	test "$(cat .git/migrate-fix/pre-commit-head)" = "$(git rev-parse HEAD)" &&
	test "$(git log -1 --format=%s)" = three
'

test_expect_success 'a staged migration starts it, and the lockfile follows' '
	setup mig &&
	mig 002_two.py 002_two 001_init two &&
	git add migrations/versions/002_two.py && git commit -q -m two &&
	started &&
	test "$(git show HEAD:migrations/versions/.head)" = 002_two &&
	: >"$TRASH/starts" &&
	git rm -q migrations/versions/002_two.py && git commit -q -m "drop two" &&
	started &&
	test "$(git show HEAD:migrations/versions/.head)" = 001_init
'

test_expect_success 'the lockfile names tracked heads only (one look at the index)' '
	setup tracked &&
	mig 002_two.py 002_two 001_init two &&
	mig 003_wip.py 003_wip 002_two wip &&
	git add migrations/versions/002_two.py && git commit -q -m two &&
	started &&
	test "$(git show HEAD:migrations/versions/.head)" = 002_two &&
	test "$(git ls-files migrations/versions/003_wip.py)" = ""
'

test_expect_success 'a staged lockfile, alembic.ini or pyproject.toml starts it' '
	setup cfg &&
	echo 001_init >migrations/versions/.head && echo junk >>migrations/versions/.head &&
	git add migrations/versions/.head && git commit -q -m lock &&
	started && : >"$TRASH/starts" &&
	mkdir -p svc && printf "[tool.black]\n" >svc/pyproject.toml &&
	git add svc/pyproject.toml && git commit -q -m toml &&
	started && : >"$TRASH/starts" &&
	echo "# note" >>alembic.ini && git add alembic.ini && git commit -q -m ini &&
	started
'

test_expect_success 'a configuration edited but not staged makes the list stale' '
	setup edit &&
	echo "# note" >>alembic.ini &&
	echo two >>README && git add README && git commit -q -m two &&
	started
'

test_expect_success 'git config, a moved HEAD or a missing list start it' '
	setup moved &&
	git config migrate-fix.naming auto &&
	echo two >>README && git add README && git commit -q -m two &&
	started && : >"$TRASH/starts" && age &&
	echo three >>README && git add README && git commit -q -m three &&
	not_started &&
	git reset -q --hard HEAD^ &&
	echo four >>README && git add README && git commit -q -m four &&
	started && : >"$TRASH/starts" &&
	rm .git/migrate-fix/pre-commit-paths &&
	echo five >>README && git add README && git commit -q -m five &&
	started
'

test_expect_success 'settings given for one commit (git -c, GIT_CONFIG_COUNT) start it' '
	setup envcfg &&
	echo two >>README && git add README && git commit -q -m two &&
	: >"$TRASH/starts" && age &&
	echo three >>README && git add README && git commit -q -m three &&
	not_started &&
	echo four >>README && git add README &&
	git -c migrate-fix.naming=auto commit -q -m four &&
	started && : >"$TRASH/starts" && age &&
	echo five >>README && git add README &&
	GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=migrate-fix.naming GIT_CONFIG_VALUE_0=auto \
		git commit -q -m five &&
	started
'

test_expect_success 'a new environment that came with a merge is seen' '
	setup mono &&
	git checkout -q -b svc &&
	mkdir -p svc/migrations/versions &&
	cp alembic.ini svc/alembic.ini && cp migrations/env.py svc/migrations/ &&
	git add svc && git commit -q -m "svc environment" &&
	git checkout -q main && git merge -q --ff-only svc &&
	: >"$TRASH/starts" &&
	echo two >>README && git add README && git commit -q -m two &&
	started
'

test_expect_success 'a merge that stopped on a conflict starts it' '
	setup stop &&
	git checkout -q -b side &&
	echo side >README && git commit -q -a -m side &&
	git checkout -q main &&
	echo main >README && git commit -q -a -m main &&
	: >"$TRASH/starts" &&
	test_must_fail git merge -q side >/dev/null 2>&1 &&
	echo both >README && git add README && git commit -q --no-edit &&
	started
'

test_expect_success 'a stale post-commit note from another commit moves nothing' '
	setup note &&
	printf "1 %s\n" "$(git rev-parse HEAD)" >.git/migrate-fix/pre-commit-ok &&
	echo two >>README && git add README && git commit -q --no-verify -m two &&
	test "$(cat .git/migrate-fix/pre-commit-head)" = "$(git rev-parse HEAD^)" &&
	echo three >>README && git add README && git commit -q -m three &&
	started
'

# Each start of the binary costs a merge several milliseconds: the merge
# driver and the post-merge hook it arms, and nothing else (the armed shim
# is removed by the hook run itself, not by a `hook disarm` of its own).
test_expect_success 'a repair merge starts the binary twice: the driver and post-merge' '
	setup repair &&
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "f" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "m" && commit_all main &&
	: >"$TRASH/starts" &&
	git merge -q --no-edit feature >../out 2>&1 &&
	test_grep "moved 1 migration" ../out &&
	gmf check >/dev/null &&
	test "$(git rev-list --parents -n 1 HEAD | wc -w | tr -d " ")" = 3 &&
	test ! -e .git/hooks/post-merge &&
	test "$(wc -l <"$TRASH/starts" | tr -d " ")" = 2 &&
	test_grep "^merge-driver " "$TRASH/starts" &&
	test_grep "^hook post-merge" "$TRASH/starts"
'

test_done
