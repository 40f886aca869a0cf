#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='hostile and broken input: clear message, documented exit code, nothing changed on disk'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# Every case states three things (issue 5, "Hostile and broken input"):
#   - the message names the file (and the line, where there is one);
#   - the exit status is the documented one (check: 0 ok, 1 errors,
#     2 could not run; fix, merge, undo: 0 done, 1 refused, 2 could not
#     run; merge-driver: 0 resolved, 1 conflict, 2 usage);
#   - nothing changed on disk (a content listing before and after);
# and the process did not crash (no status above 128, no sanitizer or
# "Segmentation fault" text).  Everything hostile is generated here; no
# fixture file is committed for it.
#
# docs/security.md cites these cases by title.

# ---------------------------------------------------------------- helpers

# no_crash FILE...: no crash or sanitizer report in the files.
no_crash () {
	for nc_f
	do
		test -f "$nc_f" || continue
		if LC_ALL=C grep -E -a -i 'Segmentation fault|core dumped|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Assertion .* failed|double free|stack smashing|Aborted' "$nc_f" >/dev/null
		then
			echo "no_crash: crash signature in $nc_f:" >&2
			sed -e 's/^/| /' "$nc_f" | head -40 >&2
			return 1
		fi
	done
}

# run CODE OUT args...: gmf_expect (exact status; a signal is 128+N and
# fails it) and no crash text in OUT or OUT.err.
run () {
	gmf_expect "$@" && no_crash "$2" "$2.err"
}

# state DIR: a content listing of everything under DIR (symlinks by target,
# files by checksum and mode), and when DIR is a repository its index and
# the tool's state directory.  Compare two with test_cmp.
state () {
	(
		cd "$1" &&
		{
			find . -path ./.git -prune -o -type f -print0 |
				xargs -0 -r cksum 2>/dev/null
			find . -path ./.git -prune -o -printf "%y %m %p %l\\n"
			find .git/migrate-fix .git-migrate-fix -type f -print0 2>/dev/null |
				xargs -0 -r cksum
		} | LC_ALL=C sort &&
		if test -d .git
		then
			git ls-files -s
		fi
	)
}

# no_pwned: no file named pwned* appeared anywhere the tool could reach.
no_pwned () {
	np_found=$(find "$TRASH" "$TOP" -name 'pwned*' 2>/dev/null | head -5)
	if test -n "$np_found" || test -e /tmp/pwned || test -e /pwned
	then
		echo "no_pwned: found $np_found" >&2
		return 1
	fi
}

# v_mig DIR FILE REV DOWN: a minimal migration in DIR/FILE; REV and DOWN
# are written as Python source (quote them yourself).
v_mig () {
	printf '"""m\n\nRevision ID: x\nRevises: x\n\n"""\nrevision = %s\ndown_revision = %s\n' \
		"$3" "$4" >"$1/$2"
}

# base_dir DIR: DIR/a.py is the root revision "a".
base_dir () {
	mkdir -p "$1" &&
	printf 'revision = "a"\ndown_revision = None\n' >"$1/a.py"
}

# two_heads DIR: a real project in a git repository where a feature branch
# (002_f) and main (002_m) both added a migration on 001_init and the
# feature branch merged main: `fix` would rename 002_f.py to 003_f.py.
# Built once, copied afterwards.
two_heads () {
	if ! test -d "$TRASH/.two-heads/p"
	then
		mkdir -p "$TRASH/.two-heads" &&
		(
			cd "$TRASH/.two-heads" &&
			new_project p && cd p &&
			mig 001_init.py 001_init None "init" &&
			commit_all base && git push -q origin main &&
			git checkout -q -b feature &&
			mig 002_f.py 002_f 001_init "f" && commit_all f &&
			git checkout -q main &&
			mig 002_m.py 002_m 001_init "m" && commit_all m &&
			git push -q origin main &&
			git checkout -q feature && git merge -q --no-edit origin/main
		) >/dev/null || return 1
	fi
	rm -rf "$TRASH/$1" "$TRASH/$1-origin.git" &&
	cp -R "$TRASH/.two-heads/p" "$TRASH/$1" &&
	cp -R "$TRASH/.two-heads/p-origin.git" "$TRASH/$1-origin.git" &&
	git -C "$TRASH/$1" remote set-url origin "../$1-origin.git"
}

# refuse_unchanged CODE DIR args...: `git-migrate-fix args`, run in the
# current directory, exits CODE (output in $TRASH/ru.out and ru.out.err),
# and nothing under DIR, nor the tool's state directory here, changed.
ru_state () {
	state "$ru_dir" &&
	if test -d .git-migrate-fix
	then
		find .git-migrate-fix -type f -print0 | xargs -0 -r cksum | LC_ALL=C sort
	fi
}
refuse_unchanged () {
	ru_code=$1 ru_dir=$2
	shift 2
	ru_state >"$TRASH/ru.before" &&
	run "$ru_code" "$TRASH/ru.out" "$@" &&
	ru_state >"$TRASH/ru.after" &&
	test_cmp "$TRASH/ru.before" "$TRASH/ru.after"
}

test_lazy_prereq NOT_ROOT 'test "$(id -u)" != 0'
test_lazy_prereq MKFIFO 'mkfifo .fifo-probe && rm -f .fifo-probe'

# ---------------------------------------------------------------- unreadable bytes

test_expect_success 'binary file: fatal unreadable with file and line, exit 2; fix refuses' '
	base_dir bin &&
	{ printf "revision = \"b\"\ndown_revision = \"a\"\n"; printf "\177ELF\002\001\001\000\000\000\377\376"; } >bin/b.py &&
	state bin >before &&
	run 2 out check --dir bin &&
	test_grep_prefix "bin/b.py:3: fatal[unreadable]: binary file: NUL byte" out &&
	run 1 out fix --dir bin --onto a &&
	test_grep "bin/b.py" out.err &&
	state bin >after && test_cmp before after
'

test_expect_success 'NUL byte inside an otherwise valid migration: the line of the NUL' '
	base_dir nul &&
	printf "\"\"\"doc\n\n\"\"\"\nrevision = \"b\"\ndown_revision = \"a\"  # \000 here\n" >nul/b.py &&
	state nul >before &&
	run 2 out check --dir nul &&
	test_grep_prefix "nul/b.py:5: fatal[unreadable]: binary file: NUL byte at offset" out &&
	run 2 out.json check --dir nul --format=json &&
	json_check out.json "d[\"status\"] == \"fatal\"" \
		"d[\"findings\"][0][\"locations\"][0][\"line\"] == 5" &&
	state nul >after && test_cmp before after
'

test_expect_success 'a 10 MB single line (a comment) is read, quickly' '
	base_dir long &&
	{
		printf "revision = \"b\"\ndown_revision = \"a\"\n# " &&
		dd if=/dev/zero bs=1048576 count=10 2>/dev/null | tr "\000" x &&
		printf "\n"
	} >long/b.py &&
	test $(wc -c <long/b.py) -gt 10000000 &&
	state long >before &&
	start=$(date +%s) &&
	run 0 out check --dir long &&
	test $(($(date +%s) - start)) -le 10 &&
	test_grep "^ok: 2 migrations, 1 head (b)" out &&
	state long >after && test_cmp before after
'

test_expect_success 'a 10 MB revision id on one line: reported at its line, exit 1' '
	base_dir longid &&
	{
		printf "revision = \"b\"\ndown_revision = \"" &&
		dd if=/dev/zero bs=1048576 count=10 2>/dev/null | tr "\000" x &&
		printf "\"\n"
	} >longid/b.py &&
	state longid >before &&
	run 1 out check --dir longid &&
	test_grep_prefix "longid/b.py:2: error[missing-parent]: " out &&
	state longid >after && test_cmp before after
'

test_expect_success 'a 10 MB unterminated string: parse-error at its line, exit 2' '
	base_dir longun &&
	{
		printf "revision = \"b\"\ndown_revision = \"" &&
		dd if=/dev/zero bs=1048576 count=10 2>/dev/null | tr "\000" x
	} >longun/b.py &&
	run 2 out check --dir longun &&
	test_grep_prefix "longun/b.py:2: fatal[parse-error]: unterminated string" out
'

test_expect_success 'a file above the 64 MiB limit: unreadable (too large), exit 2' '
	base_dir huge &&
	printf "revision = \"b\"\ndown_revision = \"a\"\n" >huge/b.py &&
	truncate -s 65M huge/b.py &&
	run 2 out check --dir huge &&
	test_grep_prefix "huge/b.py: fatal[unreadable]: file too large" out
'

test_expect_success 'invalid UTF-8 (Latin-1 byte): unreadable at its line, exit 2' '
	base_dir latin &&
	printf "\"\"\"Ajout du pr\351nom\n\"\"\"\nrevision = \"b\"\ndown_revision = \"a\"\n" >latin/b.py &&
	state latin >before &&
	run 2 out check --dir latin &&
	test_grep_prefix "latin/b.py:1: fatal[unreadable]: invalid UTF-8 (byte 0xe9" out &&
	run 1 out fix --dir latin --onto a &&
	state latin >after && test_cmp before after
'

test_expect_success 'invalid UTF-8 (a UTF-16 surrogate, an overlong form): unreadable, exit 2' '
	base_dir sur &&
	printf "revision = \"b\"\ndown_revision = \"a\"\n# \355\240\200\n" >sur/b.py &&
	printf "revision = \"c\"\n\n# \300\257\ndown_revision = \"b\"\n" >sur/c.py &&
	run 2 out check --dir sur &&
	test_grep_prefix "sur/b.py:3: fatal[unreadable]: invalid UTF-8" out &&
	test_grep_prefix "sur/c.py:3: fatal[unreadable]: invalid UTF-8" out
'

# ---------------------------------------------------------------- broken Python

test_expect_success 'unterminated string: parse-error at its line, exit 2; fix refuses' '
	base_dir unterm &&
	printf "revision = \"b\"\n\ndown_revision = \"a\n" >unterm/b.py &&
	state unterm >before &&
	run 2 out check --dir unterm &&
	test_grep_prefix "unterm/b.py:3: fatal[parse-error]: unterminated string" out &&
	run 1 out fix --dir unterm --onto a &&
	test_grep "unterm/b.py" out.err &&
	state unterm >after && test_cmp before after
'

test_expect_success 'unterminated docstring: parse-error at its first line, exit 2' '
	base_dir undoc &&
	printf "\n\"\"\"never closed\n\nrevision = \"b\"\ndown_revision = \"a\"\n" >undoc/b.py &&
	run 2 out check --dir undoc &&
	test_grep_prefix "undoc/b.py:2: fatal[parse-error]: unterminated triple-quoted string" out
'

test_expect_success 'a file that is only a docstring: parse-error naming the file, exit 2' '
	base_dir doconly &&
	printf "\"\"\"add users\n\nRevision ID: b\nRevises: a\n\"\"\"\n" >doconly/b.py &&
	run 2 out check --dir doconly &&
	test_grep_prefix "doconly/b.py: fatal[parse-error]: no module-level" out
'

test_expect_success 'revision = some_call(): parse-error at that line, exit 2' '
	base_dir call &&
	printf "import uuid\nrevision = uuid.uuid4().hex\ndown_revision = \"a\"\n" >call/b.py &&
	state call >before &&
	run 2 out check --dir call &&
	test_grep_prefix "call/b.py:2: fatal[parse-error]: " out &&
	test_grep "revision" out &&
	run 1 out fix --dir call --onto a &&
	state call >after && test_cmp before after
'

test_expect_success 'down_revision = some_var: parse-error at that line, exit 2' '
	base_dir var &&
	printf "PREV = \"a\"\nrevision = \"b\"\ndown_revision = PREV\n" >var/b.py &&
	run 2 out check --dir var &&
	test_grep_prefix "var/b.py:3: fatal[parse-error]: \`down_revision\` is an expression" out
'

test_expect_success 'brackets nested 100,000 deep: parse-error, no stack overflow' '
	base_dir nest &&
	{
		printf "revision = \"b\"\ndown_revision = " &&
		dd if=/dev/zero bs=1000 count=100 2>/dev/null | tr "\000" "(" &&
		printf "\"a\"\n"
	} >nest/b.py &&
	run 2 out check --dir nest &&
	test_grep_prefix "nest/b.py:2: fatal[parse-error]: " out
'

test_expect_success 'CRLF line endings: read as usual' '
	mkdir crlf &&
	printf "\"\"\"x\r\n\r\nRevision ID: a\r\nRevises:\r\n\"\"\"\r\nrevision = \"a\"\r\ndown_revision = None\r\n" >crlf/a.py &&
	printf "revision = \"b\"\r\ndown_revision = \"a\"\r\n" >crlf/b.py &&
	run 0 out check --dir crlf &&
	test_grep "^ok: 2 migrations, 1 head (b)" out
'

test_expect_success 'a UTF-8 BOM and CRLF: read as usual' '
	mkdir bom &&
	printf "\357\273\277\"\"\"x\r\n\r\nRevision ID: a\r\nRevises:\r\n\"\"\"\r\nrevision = \"a\"\r\ndown_revision = None\r\n" >bom/a.py &&
	printf "\357\273\277revision = \"b\"\r\ndown_revision = \"a\"\r\n" >bom/b.py &&
	run 0 out check --dir bom &&
	test_grep "^ok: 2 migrations, 1 head (b)" out
'

# Python reads a lone CR as a line end (universal newlines), so Alembic
# sees down_revision = "a" here.  Reading it differently without a word
# would give a different graph than Alembic's.
test_expect_success 'lone CR line endings: read as Python does, or refused; never a different graph' '
	base_dir cr &&
	printf "revision = \"b\"\rdown_revision = \"a\"\r" >cr/b.py &&
	"$GMF_BIN" check --dir cr >out 2>out.err
	rc=$? &&
	no_crash out out.err &&
	if test $rc = 0
	then
		test_grep "^ok: 2 migrations, 1 head (b)" out
	else
		test $rc = 2 && test_grep_prefix "cr/b.py:" out
	fi
'

# ---------------------------------------------------------------- hostile ids

# unsafe_id NAME PYLITERAL: a migration whose revision is PYLITERAL beside
# the root and a sibling: check reports unsafe-revision-id at line 7 of
# NAME/b.py (exit 1), fix and merge refuse (exit 1), nothing changes and
# nothing runs.
unsafe_id () {
	base_dir "$1" &&
	v_mig "$1" b.py "$2" "\"a\"" &&
	state "$1" >"$1.before" &&
	run 1 "$1.out" check --dir "$1" &&
	test_grep_prefix "$1/b.py:7: error[unsafe-revision-id]: revision id " "$1.out" &&
	run 1 "$1.json" check --dir "$1" --format=json &&
	json_valid "$1.json" &&
	run 1 "$1.gh" check --dir "$1" --format=github &&
	test_grep "^::error file=$1/b.py,line=7,title=unsafe-revision-id::" "$1.gh" &&
	run 0 "$1.heads" heads --dir "$1" &&
	run 0 "$1.graph" graph --dir "$1" &&
	v_mig "$1" c.py "\"c\"" "\"a\"" &&
	run 1 "$1.fix" fix --dir "$1" --onto c &&
	test_grep "$1/b.py" "$1.fix.err" &&
	run 1 "$1.fix" fix --dir "$1" --onto c --force &&
	run 1 "$1.dry" merge --dir "$1" --dry-run &&
	test_grep "unsafe-revision-id" "$1.dry.err" &&
	rm "$1/c.py" &&
	state "$1" >"$1.after" &&
	test_cmp "$1.before" "$1.after" &&
	test ! -e .git-migrate-fix/last &&
	no_pwned
}

test_expect_success 'revision id with a slash: unsafe-revision-id, fix refuses' '
	unsafe_id slash "\"x/y\""
'

test_expect_success 'revision id with .. : unsafe-revision-id, fix refuses' '
	unsafe_id dotdot "\"../../../etc/passwd\""
'

test_expect_success 'revision id with spaces: unsafe-revision-id, fix refuses' '
	unsafe_id spaces "\"add users\""
'

test_expect_success 'revision id with quotes: unsafe-revision-id, fix refuses' '
	unsafe_id quote1 "\"a\\\"q\"" &&
	unsafe_id quote2 "'"'"'a\"q'"'"'"
'

test_expect_success 'revision id with an escaped newline in the literal: unsafe, exit 1' '
	unsafe_id escnl "\"a\\nb\""
'

test_expect_success 'revision id with a raw newline: the string is unterminated, exit 2' '
	base_dir rawnl &&
	printf "revision = \"a\nb\"\ndown_revision = \"a\"\n" >rawnl/b.py &&
	run 2 out check --dir rawnl &&
	test_grep_prefix "rawnl/b.py:1: fatal[parse-error]: unterminated string" out
'

test_expect_success 'revision id $(touch pwned): unsafe, never run by any command' '
	unsafe_id dollar "\"\$(touch pwned)\"" &&
	unsafe_id dollar2 "\"\${IFS}touch\${IFS}pwned_ifs\"" &&
	no_pwned
'

test_expect_success 'revision id with backticks and ;|&: unsafe, never run' '
	unsafe_id backtick "\"\`touch pwned_bt\`\"" &&
	unsafe_id semi "\"x;touch pwned_semi|cat&\"" &&
	no_pwned
'

# An id is copied into the merge migration merge writes: in its docstring
# a """ would end the docstring and turn the rest of the id into code that
# runs when Alembic imports the new file.
test_expect_success 'merge never copies an id that breaks out of the docstring into code' '
	base_dir brk &&
	printf "revision = '"'"'x\"\"\"; import os; os.system(\"touch pwned_merge\"); \"\"\"'"'"'\ndown_revision = \"a\"\n" >brk/b.py &&
	v_mig brk c.py "\"c\"" "\"a\"" &&
	run 1 out check --dir brk &&
	test_grep_prefix "brk/b.py:1: error[unsafe-revision-id]" out &&
	refuse_unchanged 1 brk merge --dir brk &&
	refuse_unchanged 1 brk fix --dir brk --strategy=merge &&
	v_mig brk b.py "\"\$(touch pwned_merge2)\"" "\"a\"" &&
	refuse_unchanged 1 brk merge --dir brk &&
	no_pwned
'

test_expect_success 'control characters in an id: JSON escapes them, GitHub output is one line' '
	base_dir ctl &&
	printf "revision = \"c\001\033[31md\"\ndown_revision = \"a\"\n" >ctl/b.py &&
	run 1 out.json check --dir ctl --format=json &&
	json_check out.json "any(\"\\x1b\" in h for s in d[\"scripts\"] for h in s[\"heads\"])" &&
	run 1 out.gh check --dir ctl --format=github &&
	test_line_count = 2 out.gh
'

test_expect_success 'control characters in an id are not sent raw to the terminal (text format)' '
	base_dir ctl2 &&
	printf "revision = \"c\033]0;owned\007\033[2Jd\"\ndown_revision = \"a\"\n" >ctl2/b.py &&
	run 1 out check --dir ctl2 &&
	test_grep_prefix "ctl2/b.py:1: error[unsafe-revision-id]" out &&
	! LC_ALL=C grep -q "$(printf "\033")" out &&
	! LC_ALL=C grep -q "$(printf "\007")" out
'

test_expect_success 'a %0A in an id cannot inject a GitHub workflow command' '
	base_dir inj &&
	printf "revision = \"x%%0A::error title=pwn::hi\"\ndown_revision = \"a\"\nrevision = \"x%%0Ay\"\n" >inj/b.py &&
	printf "revision = \"x%%0D%%0A%%3A%%3Aerror\"\ndown_revision = \"a\"\n" >inj/c.py &&
	run 1 out check --dir inj --format=github &&
	! grep "^::" out | grep -v "^::\(error\|warning\|notice\) file=inj/[bc].py,line=[0-9]*,title=[a-z-]*::" &&
	! grep "title=pwn" out &&
	! grep "%0A" out
'

test_expect_success 'file names with shell metacharacters: named as they are, never run' '
	mkdir -p meta && cd meta && git init -q && cd .. &&
	base_dir meta/v &&
	v_mig meta/v "002_\$(touch pwned_fn).py" "\"b\"" "\"a\"" &&
	v_mig meta/v "002_\`touch pwned_fn2\`.py" "\"c\"" "\"a\"" &&
	state meta >before &&
	(cd meta && run 1 ../out check --dir v) &&
	test_grep "v/002_\$(touch pwned_fn).py" out &&
	(cd meta && run 0 ../out fix --dir v --onto b --dry-run) &&
	state meta >after && test_cmp before after &&
	no_pwned
'

# ---------------------------------------------------------------- file system

test_expect_success 'file name with spaces, and names starting with a dash' '
	mkdir -p dash/v &&
	base_dir dash/v &&
	v_mig dash/v "b with spaces.py" "\"b\"" "\"a\"" &&
	v_mig dash/v "-rf.py" "\"c\"" "\"a\"" &&
	v_mig dash/v "--help.py" "\"d\"" "\"c\"" &&
	(cd dash && run 1 ../out check --dir v) &&
	test_grep "v/b with spaces.py:7" out &&
	test_grep "v/--help.py:7" out &&
	(cd dash && run 0 ../out fix --dir v --onto b) &&
	test_grep "down_revision = \"b\"" "dash/v/-rf.py" &&
	test -f "dash/v/b with spaces.py" &&
	(cd dash && run 0 ../out check --dir v) &&
	(cd dash && run 0 ../out undo --dir v) &&
	test_grep "down_revision = \"a\"" "dash/v/-rf.py"
'

test_expect_success '__pycache__ holding .py files is ignored (also when recursive)' '
	two_heads pyc && cd pyc &&
	mkdir -p migrations/versions/__pycache__ &&
	printf "revision = \"zz\"\ndown_revision = \"002_m\"\n" >migrations/versions/__pycache__/zz.py &&
	printf "garbage \000\n" >migrations/versions/__pycache__/002_f.cpython-311.py &&
	run 1 ../out check &&
	test_grep "2 heads in one chain: 002_f, 002_m" ../out &&
	test_grep ! "__pycache__" ../out &&
	printf "recursive_version_locations = true\n" >>alembic.ini &&
	run 1 ../out check &&
	test_grep ! "__pycache__" ../out
'

test_expect_success 'a huge number of tiny files: each named, exit 2, quickly' '
	mkdir tiny &&
	(cd tiny && awk "BEGIN { for (i = 0; i < 3000; i++) printf \"\" > sprintf(\"t%04d.py\", i) }") &&
	base_dir tiny &&
	test $(ls tiny | wc -l) = 3001 &&
	start=$(date +%s) &&
	run 2 out check --dir tiny &&
	test $(($(date +%s) - start)) -le 10 &&
	test_grep_prefix "tiny/t0000.py: fatal[parse-error]" out &&
	test_grep_prefix "tiny/t2999.py: fatal[parse-error]" out
'

test_expect_success 'an empty versions directory: ok, 0 migrations; fix and merge do nothing' '
	mkdir empty &&
	state empty >before &&
	run 0 out check --dir empty &&
	test_grep "^ok: 0 migrations, 0 heads" out &&
	run 0 out heads --dir empty &&
	run 0 out fix --dir empty &&
	test_grep "nothing to fix" out &&
	run 0 out merge --dir empty &&
	test_grep "nothing to merge" out &&
	state empty >after && test_cmp before after
'

test_expect_success 'a versions directory that does not exist, or is a file: exit 2, named' '
	run 2 out check --dir no/such/dir &&
	test_grep "no/such/dir" out.err &&
	printf "x\n" >afile &&
	run 2 out check --dir afile &&
	test_grep "afile" out.err
'

test_expect_success MKFIFO 'a FIFO named like a migration: unreadable, no hang, exit 2' '
	base_dir fifo &&
	mkfifo fifo/b.py &&
	timeout 20 "$GMF_BIN" check --dir fifo >out 2>out.err
	test $? = 2 &&
	no_crash out out.err &&
	test_grep_prefix "fifo/b.py: fatal[unreadable]: not a regular file" out
'

test_expect_success 'a directory and a dangling symlink named like migrations: unreadable, exit 2' '
	base_dir odd &&
	mkdir odd/dir.py &&
	ln -s /nonexistent/x.py odd/dangling.py &&
	state odd >before &&
	run 2 out check --dir odd &&
	test_grep_prefix "odd/dir.py: fatal[unreadable]" out &&
	test_grep_prefix "odd/dangling.py: fatal[unreadable]: cannot open" out &&
	state odd >after && test_cmp before after
'

test_expect_success NOT_ROOT 'an unreadable file (chmod 000): unreadable, exit 2' '
	base_dir perm &&
	printf "revision = \"b\"\ndown_revision = \"a\"\n" >perm/b.py &&
	chmod 000 perm/b.py &&
	test_when_finished "chmod 644 perm/b.py" &&
	state perm >before &&
	run 2 out check --dir perm &&
	test_grep_prefix "perm/b.py: fatal[unreadable]: cannot open: Permission denied" out &&
	run 1 out fix --dir perm --onto a &&
	state perm >after && test_cmp before after
'

# ---------------------------------------------------------------- symlinks

test_expect_success 'a symlinked versions directory pointing outside: read like alembic does' '
	mkdir -p outside1/versions slink/migrations &&
	v_mig outside1/versions a.py "\"a\"" None &&
	v_mig outside1/versions b.py "\"b\"" "\"a\"" &&
	v_mig outside1/versions c.py "\"c\"" "\"a\"" &&
	(
		cd slink && git init -q &&
		printf "[alembic]\nscript_location = %%(here)s/migrations\n" >alembic.ini &&
		ln -s ../../outside1/versions migrations/versions &&
		git add -A && git commit -q -m symlink
	) &&
	(cd slink && run 1 ../out check) &&
	test_grep_prefix "migrations/versions/b.py:7: error[multiple-heads]" out
'

test_expect_success 'fix never writes through a symlinked versions directory' '
	state outside1 >out.before &&
	state slink >in.before &&
	(cd slink && "$GMF_BIN" fix --onto b >../out 2>../out.err; echo $? >../rc) &&
	no_crash out out.err &&
	{ test $(cat rc) = 0 || test $(cat rc) = 1; } &&
	state outside1 >out.after &&
	test_cmp out.before out.after
'

test_expect_success 'fix --force never writes through a symlinked versions directory' '
	state outside1 >out.before &&
	(cd slink && "$GMF_BIN" fix --onto b --force >../out 2>../out.err; echo $? >../rc) &&
	no_crash out out.err &&
	{ test $(cat rc) = 0 || test $(cat rc) = 1; } &&
	state outside1 >out.after &&
	test_cmp out.before out.after
'

test_expect_success 'merge never writes through a symlinked versions directory' '
	v_mig outside1/versions c.py "\"c\"" "\"a\"" &&
	(cd slink && rm -rf .git/migrate-fix && run 1 ../out check) &&
	state outside1 >out.before &&
	(cd slink && "$GMF_BIN" merge -m m >../out 2>../out.err; echo $? >../rc) &&
	no_crash out out.err &&
	{ test $(cat rc) = 0 || test $(cat rc) = 1; } &&
	state outside1 >out.after &&
	test_cmp out.before out.after
'

test_expect_success 'a migration that is a symlink to a file outside: read; the outside file is never written' '
	two_heads mlink && cd mlink &&
	mv migrations/versions/002_f.py ../outside_f.py &&
	ln -s ../../../outside_f.py migrations/versions/002_f.py &&
	commit_all "symlinked migration" &&
	cksum <../outside_f.py >../o.before &&
	run 1 ../out check &&
	test_grep_prefix "migrations/versions/002_f.py:14: error[multiple-heads]" ../out &&
	"$GMF_BIN" fix >../out 2>../out.err; echo $? >../rc &&
	no_crash ../out ../out.err &&
	{ test $(cat ../rc) = 0 || test $(cat ../rc) = 1; } &&
	cksum <../outside_f.py >../o.after && test_cmp ../o.before ../o.after &&
	"$GMF_BIN" fix --force >../out 2>../out.err; echo $? >../rc &&
	no_crash ../out ../out.err &&
	test $(cat ../rc) = 0 &&
	cksum <../outside_f.py >../o.after && test_cmp ../o.before ../o.after &&
	test -f migrations/versions/003_f.py && ! test -h migrations/versions/003_f.py &&
	test_grep "down_revision: .* = \"002_m\"" migrations/versions/003_f.py
'

test_expect_success 'version_locations with .. pointing outside the repository: fix writes nothing there' '
	two_heads vloc && mkdir ext && cd vloc &&
	git rm -q --cached migrations/versions/002_f.py &&
	mv migrations/versions/002_f.py ../ext/ &&
	sed "s|^script_location.*|&\\
version_locations = %(here)s/migrations/versions %(here)s/../ext|" alembic.ini >x &&
	mv x alembic.ini &&
	commit_all "outside location" &&
	run 1 ../out check &&
	test_grep "^  also: ../ext/002_f.py:14" ../out &&
	state ../ext >../ext.before &&
	"$GMF_BIN" fix >../out 2>../out.err; echo $? >../rc &&
	no_crash ../out ../out.err &&
	{ test $(cat ../rc) = 0 || test $(cat ../rc) = 1; } &&
	state ../ext >../ext.after &&
	test_cmp ../ext.before ../ext.after
'

# ---------------------------------------------------------------- graph shapes

test_expect_success 'a cycle: check names every file, fix refuses, nothing changed' '
	mkdir cyc &&
	v_mig cyc a.py "\"a\"" "\"c\"" &&
	v_mig cyc b.py "\"b\"" "\"a\"" &&
	v_mig cyc c.py "\"c\"" "\"b\"" &&
	run 1 out check --dir cyc &&
	test_grep "error\[cycle\]" out &&
	test_grep "cyc/a.py:8" out && test_grep "cyc/b.py:8" out && test_grep "cyc/c.py:8" out &&
	refuse_unchanged 1 cyc fix --dir cyc --onto a &&
	test_grep "cycle" ru.out.err &&
	refuse_unchanged 1 cyc merge --dir cyc
'

test_expect_success 'a self-parent: cycle at its line, fix refuses, nothing changed' '
	base_dir self &&
	v_mig self b.py "\"b\"" "\"b\"" &&
	run 1 out check --dir self &&
	test_grep_prefix "self/b.py:8: error[cycle]: revision b names itself" out &&
	refuse_unchanged 1 self fix --dir self --onto a &&
	test_grep "self/b.py:8" ru.out.err
'

test_expect_success 'a 10,000-deep chain: one head, quickly' '
	mkdir deep &&
	(cd deep && awk "BEGIN { for (i = 0; i < 10000; i++) { f = sprintf(\"r%05d.py\", i); printf \"revision = \\\"r%05d\\\"\\ndown_revision = %s\\n\", i, (i ? sprintf(\"\\\"r%05d\\\"\", i - 1) : \"None\") > f; close(f) } }") &&
	test $(ls deep | wc -l) = 10000 &&
	start=$(date +%s) &&
	run 0 out check --dir deep &&
	test_grep "^ok: 10000 migrations, 1 head (r09999)" out &&
	run 0 out heads --dir deep &&
	test_line_count = 1 out &&
	run 0 out fix --dir deep &&
	test_grep "nothing to fix" out &&
	run 0 out graph --dir deep &&
	test $(($(date +%s) - start)) -le 20
'

test_expect_success 'a 10,000-deep chain closed into a cycle: reported, no stack overflow' '
	cp -R deep deepcyc &&
	v_mig deepcyc r00000.py "\"r00000\"" "\"r09999\"" &&
	run 1 out check --dir deepcyc &&
	test_grep "error\[cycle\]" out
'

test_expect_success '1,000 heads: listed, check exit 1, fix refuses and names them' '
	mkdir wide &&
	(cd wide && awk "BEGIN { print \"revision = \\\"root\\\"\\ndown_revision = None\" > \"root.py\"; for (i = 0; i < 1000; i++) { f = sprintf(\"h%04d.py\", i); printf \"revision = \\\"h%04d\\\"\\ndown_revision = \\\"root\\\"\\n\", i > f; close(f) } }") &&
	run 1 out check --dir wide &&
	test_grep_prefix "wide/h0000.py:1: error[multiple-heads]: 1000 heads in one chain" out &&
	run 0 out heads --dir wide &&
	test_line_count = 1000 out &&
	refuse_unchanged 1 wide fix --dir wide &&
	test_grep "the branch has heads h0000, h0001" ru.out.err
'

test_expect_success 'duplicate revision ids: check names both files, fix refuses' '
	base_dir dup &&
	v_mig dup b.py "\"b\"" "\"a\"" &&
	v_mig dup b_copy.py "\"b\"" "\"a\"" &&
	v_mig dup c.py "\"c\"" "\"a\"" &&
	run 1 out check --dir dup &&
	test_grep_prefix "dup/b.py:7: error[duplicate-revision]" out &&
	test_grep "also: dup/b_copy.py:7" out &&
	refuse_unchanged 1 dup fix --dir dup --onto c &&
	test_grep "duplicate-revision" ru.out.err &&
	refuse_unchanged 1 dup merge --dir dup
'

test_expect_success 'a missing parent: check names the line, fix refuses' '
	base_dir miss &&
	v_mig miss b.py "\"b\"" "\"nowhere\"" &&
	v_mig miss c.py "\"c\"" "\"a\"" &&
	run 1 out check --dir miss &&
	test_grep_prefix "miss/b.py:8: error[missing-parent]" out &&
	refuse_unchanged 1 miss fix --dir miss --onto c &&
	test_grep "miss/b.py:8" ru.out.err
'

# ---------------------------------------------------------------- configuration

test_expect_success 'alembic.ini with a bad section header: the line, exit 2, nothing changed' '
	two_heads ini && cd ini &&
	printf "\n[loggers\nkeys = root\n" >>alembic.ini &&
	n=$(grep -n "^\[loggers$" alembic.ini | cut -d: -f1) &&
	commit_all "broken ini" &&
	run 2 ../out check &&
	test_grep "alembic.ini.*line $n: malformed section header" ../out.err &&
	refuse_unchanged 2 . fix &&
	refuse_unchanged 2 . merge &&
	refuse_unchanged 2 . heads
'

test_expect_success 'alembic.ini with a line that is not key = value: the line, exit 2' '
	two_heads ini2 && cd ini2 &&
	printf "this line is not an option\n" >>alembic.ini &&
	n=$(wc -l <alembic.ini | tr -d " ") &&
	run 2 ../out check &&
	test_grep "alembic.ini.*line $n: expected" ../out.err
'

test_expect_success 'alembic.ini that is binary, or -c naming a missing file: exit 2, named' '
	mkdir inibin && cd inibin &&
	printf "\000\001\002[alembic\377\n" >alembic.ini &&
	run 2 ../out check &&
	test_grep "alembic.ini" ../out.err &&
	run 2 ../out check -c no-such.ini &&
	test_grep "no-such.ini" ../out.err
'

test_expect_success 'a lockfile holding conflict markers: stale-lockfile; fix repairs it' '
	two_heads lock && cd lock &&
	printf "<<<<<<< ours\n002_f\n=======\n002_m\n>>>>>>> theirs\n" >migrations/versions/.head &&
	commit_all "conflicted lockfile" &&
	run 1 ../out check &&
	test_grep_prefix "migrations/versions/.head:1: error[stale-lockfile]: the head lockfile holds conflict markers" ../out &&
	run 0 ../out fix &&
	echo 003_f >../expect && test_cmp ../expect migrations/versions/.head &&
	run 0 ../out check
'

test_expect_success 'a lockfile that is binary garbage: stale, exit 1, no crash' '
	two_heads lock2 && cd lock2 &&
	printf "\000\377\376<<<<<<<\n" >migrations/versions/.head &&
	run 1 ../out check &&
	test_grep "migrations/versions/.head" ../out
'

# git stores symlinks, so a branch can make the lockfile point at a
# device that never ends.  The read must stop at a limit, not at memory
# exhaustion (ulimit keeps this test from taking the machine down).
test_expect_success 'a lockfile that is a symlink to /dev/zero: an error naming it, no abort' '
	base_dir zero &&
	ln -s /dev/zero zero/.head &&
	# (no ulimit -v: AddressSanitizer builds reserve terabytes of address
	# space; the timeout is the guard, and /dev/zero is never read at all)
	timeout 30 "$GMF_BIN" check --dir zero >out 2>out.err
	rc=$? &&
	no_crash out out.err &&
	{ test $rc = 1 || test $rc = 2; } &&
	grep "zero/.head" out out.err
'

# ---------------------------------------------------------------- merge driver

test_expect_success 'merge driver with too few arguments: usage, exit 2' '
	two_heads drv && cd drv &&
	state . >../before &&
	run 2 ../out merge-driver &&
	run 2 ../out merge-driver only-one &&
	test_grep "usage" ../out.err &&
	state . >../after && test_cmp ../before ../after
'

test_expect_success 'merge driver given missing paths: exit 1, names the path, nothing written' '
	cd drv &&
	printf "002_f\n" >../A &&
	state . >../before && cksum <../A >../a.before &&
	run 1 ../out merge-driver /nonexistent/O /nonexistent/A /nonexistent/B &&
	test_grep "/nonexistent/A" ../out.err &&
	run 1 ../out merge-driver ../O ../A /nonexistent/B &&
	test_grep "/nonexistent/B" ../out.err &&
	cksum <../A >../a.after && test_cmp ../a.before ../a.after &&
	state . >../after && test_cmp ../before ../after &&
	test ! -e /nonexistent
'

test_expect_success 'merge driver given garbage paths: exit 1, nothing written, nothing run' '
	cd drv &&
	state . >../before &&
	run 1 ../out merge-driver "" "" "" &&
	run 1 ../out merge-driver . . . &&
	run 1 ../out merge-driver x "\$(touch pwned_drv)" "\`touch pwned_drv2\`" &&
	run 1 ../out merge-driver x "$(printf "a\nb")" -rf &&
	run 1 ../out merge-driver -x -y -z 99999999999999999999 &&
	state . >../after && test_cmp ../before ../after &&
	no_pwned
'

test_expect_success 'merge driver with %A holding conflict markers: exit 1, a conflict in %A only' '
	cd drv &&
	printf "<<<<<<< a\n002_f\n=======\n002_m\n>>>>>>> b\n" >../A &&
	printf "001_init\n" >../O && printf "002_x\n" >../B &&
	state . >../before &&
	run 1 ../out merge-driver ../O ../A ../B 7 migrations/versions/.head &&
	test_grep "^<<<<<<< a$" ../A &&
	test_grep "^002_x$" ../A &&
	test ! -e .git/migrate-fix/pending &&
	state . >../after && test_cmp ../before ../after
'

test_expect_success 'merge driver with binary %A and %B and a silly marker size: exit 1' '
	cd drv &&
	printf "\000\377<<<<<<<\n" >../A && printf "\377\000\n" >../B &&
	run 1 ../out merge-driver ../O ../A ../B -5 &&
	run 1 ../out merge-driver ../O ../A ../B 2147483648
'

# ---------------------------------------------------------------- fix, merge, undo states

test_expect_success 'fix in the middle of a rebase: refused, nothing changed' '
	two_heads reb && cd reb &&
	mkdir .git/rebase-merge &&
	echo refs/heads/feature >.git/rebase-merge/head-name &&
	git rev-parse HEAD >.git/rebase-merge/onto &&
	git rev-parse HEAD >.git/rebase-merge/orig-head &&
	echo 1 >.git/rebase-merge/msgnum && echo 2 >.git/rebase-merge/end &&
	refuse_unchanged 1 . fix &&
	test_grep "rebase" ../ru.out.err &&
	# the lock was taken and given back; no journal was started
	test ! -e .git/migrate-fix/lock && test ! -e .git/migrate-fix/txn &&
	test ! -e .git/migrate-fix/last
'

test_expect_success 'fix --move of a nonexistent revision: refused, named, nothing changed' '
	two_heads mv && cd mv &&
	refuse_unchanged 1 . fix --move no_such_rev &&
	test_grep "no_such_rev" ../ru.out.err &&
	refuse_unchanged 1 . fix --move "../x" &&
	refuse_unchanged 1 . fix --onto "\$(touch pwned_onto)" &&
	no_pwned
'

test_expect_success 'merge with an unsafe --rev-id: refused, nothing changed, nothing run' '
	two_heads rid && cd rid &&
	for id in ../x a/b "\$(touch pwned_rid)" "\`touch pwned_rid2\`" "a b" "" "a-1" ".." "x\$IFS"
	do
		refuse_unchanged 1 . merge --rev-id "$id" -m m &&
		test_grep "not a safe revision id" ../ru.out.err || return 1
	done &&
	no_pwned
'

test_expect_success 'merge with a hostile -m message: the slug is safe, the file stays inside' '
	two_heads msg && cd msg &&
	run 0 ../out merge -m "../../../../tmp/pwned \$(touch pwned_msg) \`id\` ; rm -rf /" &&
	test -z "$(find .. -newer ../out.err -name "*.py" ! -path "./msg/migrations/versions/*" ! -path "../msg/migrations/versions/*" 2>/dev/null | grep -v "^../msg/migrations/versions/")" &&
	ls migrations/versions >../ls &&
	test_line_count = 4 ../ls &&
	! grep "/" ../ls &&
	run 0 ../out check &&
	no_pwned
'

test_expect_success 'undo with nothing to undo: refused, exit 1, nothing changed' '
	two_heads un && cd un &&
	refuse_unchanged 1 . undo &&
	test_grep "nothing to undo" ../ru.out.err
'

test_expect_success 'undo after the files changed since: refused without -f, works with it' '
	cd un &&
	run 0 ../out fix &&
	echo "# edited after the fix" >>migrations/versions/003_f.py &&
	refuse_unchanged 1 . undo &&
	test_grep "migrations/versions/003_f.py.* has changed since" ../ru.out.err &&
	run 0 ../out undo -f &&
	test -f migrations/versions/002_f.py && test ! -e migrations/versions/003_f.py
'

test_expect_success 'a damaged undo record: refused with the reason, exit 1, nothing changed' '
	two_heads dmg && cd dmg &&
	run 0 ../out fix &&
	printf "gmf-journal 1\nstate done\nlabel fix\ndesc 99999 x\n" >.git/migrate-fix/last/manifest &&
	refuse_unchanged 1 . undo &&
	test_grep "damaged" ../ru.out.err
'

test_expect_success 'no pwned file appeared anywhere, ever' '
	no_pwned
'

test_done
