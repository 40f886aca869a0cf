# SPDX-License-Identifier: MIT
# chainlint sample: every line marked LINT must be reported, no other.
test_expect_success 'a missing &&' '
	mkdir a # LINT
	cd a &&
	echo x >file; # LINT
	test_grep x file
'

test_expect_success 'in compound commands' '
	if test -f a
	then
		echo a # LINT
		echo b
	fi # LINT
	{
		echo e # LINT
		echo f
	} # LINT
	(
		cd a # LINT
		echo g
	) # LINT
	case $x in
	a)
		echo h # LINT
		echo i
		;;
	esac # LINT
	echo "a string
	over lines" # LINT
	cat >expect <<-\EOF # LINT
	text
	EOF
	echo m \
		n # LINT
	echo "ok"
'

test_expect_success 'loops' '
	for f in a b; do
		echo $f # LINT
	done &&
	while read x
	do
		echo $x &&
		echo again # LINT
	done <file &&
	for f in a; do echo $f; done && # LINT
	for f in a
	do
		if test -f $f
		then
			echo yes
		fi || { echo "failed on $f"; false; } # LINT
	done
'

test_expect_success 'misused helpers, or (in a double-quoted body)' "
	! test_grep x out && # LINT
	echo \"done\" # LINT
	echo b
"

test_expect_failure 'test_expect_failure bodies too' '
	echo a # LINT
	false
'
