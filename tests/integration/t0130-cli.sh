#!/bin/sh
# SPDX-License-Identifier: MIT
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

test_expect_success 'an unknown --format is a usage error naming the formats (exit 2)' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check --format=xml &&
	test_grep "option .--format. takes text, json or github, not .xml." ../out.err &&
	gmf_expect 2 ../out heads --format=github &&
	test_grep "option .--format. takes text or json, not .github." ../out.err
'

test_expect_success 'graph takes no --format (exit 2, nothing printed)' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out graph --format=json &&
	test_grep "unknown option .--format. for .graph." ../out.err &&
	test_grep "usage: git migrate-fix graph" ../out.err &&
	test_line_count = 0 ../out
'

test_expect_success 'an unknown option gets "did you mean" and the usage' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out heads --formt=json &&
	head -n 1 ../out.err >../first &&
	echo "git-migrate-fix: unknown option '"'"'--formt'"'"' for '"'"'heads'"'"'; did you mean '"'"'--format'"'"'?" >../expect &&
	test_cmp ../expect ../first &&
	test_grep "usage: git migrate-fix heads" ../out.err &&
	gmf_expect 2 ../out check -verbose &&
	test_grep "did you mean .--verbose.?" ../out.err
'

test_expect_success 'an unknown option far from every option gets no guess' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check --frobnicate &&
	test_grep "unknown option .--frobnicate. for .check.$" ../out.err
'

test_expect_success 'an unknown command gets the most similar command' '
	gmf_expect 2 out chek &&
	printf "%s\n" \
		"git-migrate-fix: '"'"'chek'"'"' is not a git-migrate-fix command; see '"'"'git migrate-fix --help'"'"'" \
		"" "The most similar command is" "	check" >expect &&
	test_cmp expect out.err &&
	gmf_expect 2 out help grph &&
	test_grep "^	graph$" out.err &&
	gmf_expect 2 out zzzzzz &&
	test_grep ! "most similar" out.err
'

test_expect_success 'help check is check --help and lists every option' '
	gmf_expect 0 help help check &&
	gmf_expect 0 dashdash check --help &&
	gmf_expect 0 dash check -h &&
	test_cmp help dashdash &&
	test_cmp help dash &&
	for opt in "--format=text|json|github" "-v, --verbose" "-d, --dir PATH" \
		"-c, --config FILE" "-n, --name SECTION" "--naming=MODE" "--no-cache" \
		"-h, --help"
	do
		test_grep -F -e "    $opt" help || return 1
	done &&
	test_grep "^Exit status: 0 no errors" help
'

test_expect_success 'every command --help lists has help' '
	gmf_expect 0 main --help &&
	sed -n "/^Commands:/,/^\$/s/^    \([a-z-]*\) .*/\1/p" main >commands &&
	test_line_count -gt 8 commands &&
	while read c
	do
		gmf_expect 0 out help "$c" &&
		test_grep "^usage: git[ -]migrate-fix $c" out || return 1
	done <commands
'

test_expect_success '--opt=value, --opt value and -ovalue are the same' '
	copy_fixture good/version-locations vl &&
	cd vl &&
	gmf_expect 0 ../eq check --format=json --dir=versions_a --dir=versions_b --dir=versions_c &&
	gmf_expect 0 ../sp check --format json --dir versions_a --dir versions_b --dir versions_c &&
	gmf_expect 0 ../sh check -dversions_a -d versions_b -dversions_c --format json &&
	test_grep versions_c ../eq &&
	test_cmp ../eq ../sp &&
	test_cmp ../eq ../sh
'

test_expect_success 'arguments where none are taken, and after --, are usage errors' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check versions &&
	test_grep "takes no arguments, not .versions." ../out.err &&
	gmf_expect 2 ../out graph -- -v &&
	test_grep "takes no arguments, not .-v." ../out.err
'

test_expect_success 'a value missing at the end, or given to a flag (exit 2)' '
	gmf_expect 2 out check --dir &&
	test_grep "option .--dir. needs a value" out.err &&
	gmf_expect 2 out check --no-cache=yes &&
	test_grep "option .--no-cache. takes no value" out.err
'

test_expect_success 'an unknown --naming is a usage error (exit 2)' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 2 ../out check --naming=whatever &&
	test_grep whatever ../out.err
'

test_expect_success 'an unknown command fails and names it (exit 2)' '
	gmf_expect 2 out no-such-command &&
	test_grep no-such-command out.err
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
