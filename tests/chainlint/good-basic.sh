# SPDX-License-Identifier: MIT
# chainlint sample: bodies the lint must accept (see tests/chainlint.sh).
test_expect_success 'a plain chain, comments and blank lines' '
	mkdir a &&
	# a comment, with no && after it

	cd a && echo x >file &&   # a trailing comment
	test_grep x file
'

test_expect_success 'compound commands' '
	if test -f a
	then
		echo a &&
		echo b
	elif test -f b; then
		echo c
	else
		echo d
	fi &&
	{ echo e || echo f; } &&
	(
		cd a &&
		echo g
	) &&
	case $x in
	a|b)
		echo h &&
		echo i
		;;
	(c) echo j ;;
	*)
		echo k
	esac &&
	x=$(
		echo l
	) &&
	echo "a string
	over lines" | sed -e "s/a/b/" |
	cat >out &&
	echo m \
		n &&
	! grep z out
'

test_expect_success 'here-documents' '
	cat >expect <<-\EOF &&
	no && here
	done
	EOF
	cat >>expect <<EOF &&
	"unbalanced quote
EOF
	test_cmp expect expect
'

test_expect_success 'loops end with || return 1' '
	for f in a b; do
		echo $f &&
		echo again || return 1
	done &&
	while read x
	do
		(
			echo $x || exit 1
		) || return 1
	done <file &&
	for f in a; do echo $f || return 1; done &&
	for f in a
	do
		if test -f $f
		then
			echo yes
		fi || { echo "failed on $f"; return 1; }
	done
'

test_expect_success 'a status read through $?, and return' '
	cmd >out 2>&1
	rc=$? &&
	test $rc = 1 &&
	test -f out || { echo missing; return 1; }
	echo after &&
	reset () {
		rm -f out &&
		: >out
	} &&
	test_grep ! x out &&
	test "$(echo "done; fi")" = "done; fi" &&
	echo "it'\''s" >q
'

test_expect_success "a double-quoted body" "
	echo \"\$x\" &&
	echo 'a' &&
	echo b
"

test_expect_success 'one-liner' 'echo a'

test_expect_failure 'test_expect_failure bodies too' '
	echo a &&
	false
'
