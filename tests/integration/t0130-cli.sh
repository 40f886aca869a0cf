#!/bin/sh
test_description='help, version, usage errors and colour'
. "$(dirname "$0")/../lib.sh"

test_expect_success '--help lists the commands' '
	gmf_expect 0 out --help &&
	test_grep check out &&
	test_grep heads out
'

test_expect_success 'help check shows the check options' '
	gmf_expect 0 out help check &&
	test_grep -e "--format" out &&
	test_grep -e "--dir" out
'

test_expect_success 'check -h shows the usage of check' '
	gmf check -h >out 2>&1
	rc=$? &&
	{ test $rc = 0 || test $rc = 129; } &&
	test_grep -i usage out &&
	test_grep -e "--format" out
'

test_expect_success '--version' '
	gmf_expect 0 out --version &&
	test_grep git-migrate-fix out
'

test_expect_success 'an unknown option is a usage error (exit 2)' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check --no-such-option &&
	test_grep -e "--no-such-option" ../out.err
'

test_expect_success 'an unknown --format is a usage error (exit 2)' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check --format=xml &&
	test_grep xml ../out.err
'

test_expect_success 'an unknown --naming is a usage error (exit 2)' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check --naming=whatever &&
	test_grep whatever ../out.err
'

test_expect_success 'an unknown command fails and names it' '
	test_must_fail gmf no-such-command >out 2>&1 &&
	test_grep no-such-command out
'

# Colour: only on a terminal, and never with NO_COLOR.  A terminal needs
# script(1) from util-linux.
test_lazy_prereq TTY 'script -qec true /dev/null'

esc=$(printf "\033")

test_expect_success 'no colour when stdout is not a terminal' '
	copy_fixture bad/two-heads &&
	cd two-heads &&
	gmf_expect 1 ../out check --dir versions &&
	test_grep ! "$esc" ../out &&
	test_grep ! "$esc" ../out.err
'

test_expect_success TTY 'colour on a terminal' '
	copy_fixture bad/two-heads &&
	cd two-heads &&
	test_expect_code 1 script -qec "\"$GMF_BIN\" check --dir versions" /dev/null >../out 2>&1 </dev/null &&
	test_grep "$esc\[" ../out &&
	test_grep "multiple-heads" ../out
'

test_expect_success TTY 'NO_COLOR turns colour off on a terminal' '
	copy_fixture bad/two-heads &&
	cd two-heads &&
	test_expect_code 1 env NO_COLOR=1 script -qec "\"$GMF_BIN\" check --dir versions" /dev/null >../out 2>&1 </dev/null &&
	test_grep "multiple-heads" ../out &&
	test_grep ! "$esc" ../out
'

test_expect_success 'JSON and GitHub output never carry colour' '
	copy_fixture bad/two-heads &&
	cd two-heads &&
	gmf_expect 1 ../out.json check --dir versions --format=json &&
	test_grep ! "$esc" ../out.json &&
	json_valid ../out.json
'

test_done
