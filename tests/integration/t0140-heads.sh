#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='heads prints what alembic heads prints'
. "$(dirname "$0")/../lib.sh"

test_expect_success 'one head: "<rev> (head)"' '
	copy_fixture good/default-naming &&
	cd default-naming &&
	gmf_expect 0 ../out heads &&
	echo "4d5e6f7a8b9c (head)" >../expect &&
	test_cmp ../expect ../out
'

test_expect_success 'labelled heads: "<rev> (label) (head)", depends_on does not count' '
	copy_fixture good/expand-contract &&
	cd expand-contract &&
	gmf_expect 0 ../out heads &&
	LC_ALL=C sort ../out >../sorted &&
	cat >../expect <<-\EOF &&
	2a16083502f3 (expand) (head)
	4ffceebfada (contract) (head)
	EOF
	test_cmp ../expect ../sorted
'

test_expect_success 'a merge point is the only head' '
	copy_fixture good/merges &&
	cd merges &&
	gmf_expect 0 ../out heads &&
	echo "hhhh00000001 (head)" >../expect &&
	test_cmp ../expect ../out
'

test_expect_success 'heads lists every head even when check fails' '
	copy_fixture bad/two-heads &&
	cd two-heads &&
	gmf_expect 0 ../out heads --dir versions &&
	LC_ALL=C sort ../out >../sorted &&
	printf "%s (head)\n" b2b2b2b2b2b2 c3c3c3c3c3c3 >../expect &&
	test_cmp ../expect ../sorted
'

test_expect_success 'heads -v adds the file path after a tab' '
	copy_fixture good/sequence-hash &&
	cd sequence-hash &&
	gmf_expect 0 ../out heads -v &&
	# relative to the current directory, or absolute
	tab=$(printf "\t") &&
	sed -e "s|$tab$(pwd)/|$tab|" -e "s|$tab$(pwd -P)/|$tab|" ../out >../norm &&
	mv ../norm ../out &&
	printf "a1b2c3d4e5f6 (head)\tmigrations/versions/086_a1b2c3d4e5f6_add_owner.py\n" >../expect &&
	test_cmp ../expect ../out
'

test_expect_success 'heads --format=json is valid JSON naming the head' '
	copy_fixture good/numeric-ids &&
	cd numeric-ids &&
	gmf_expect 0 ../out.json heads --format=json &&
	json_valid ../out.json &&
	test_grep "\"011\"" ../out.json
'

test_expect_success 'heads on a missing directory: exit 2' '
	gmf_expect 2 out heads --dir nowhere &&
	test_grep nowhere out.err
'

test_done
