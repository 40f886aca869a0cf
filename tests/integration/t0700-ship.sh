#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='shipping: shell completion, the version, make dist and make install'
. "$(dirname "$0")/../lib.sh"

# The builds below are a user's own `make`, not part of the one running
# the suite: `make test SANITIZE=1` must not pass SANITIZE (and with it
# another binary's path) down to them.
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE WERROR V

# bash-completion and git's completion for bash, as Debian installs them
# (install.sh --deps-only installs bash-completion; git ships its part).
BASH_COMPLETION_SH=${GMF_BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
GIT_COMPLETION_DIR=$(dirname "$BASH_COMPLETION_SH")/completions
export BASH_COMPLETION_SH

test_lazy_prereq BASH_COMPLETION '
	command -v bash &&
	test -f "$BASH_COMPLETION_SH" &&
	test -f "$GIT_COMPLETION_DIR/git"
'
test_lazy_prereq ZSH 'command -v zsh'
# make dist packs a commit: it needs the git checkout, not a tarball.
test_lazy_prereq GIT_CHECKOUT 'git -C "$TOP" rev-parse --verify -q HEAD'

VERSION=$(cat "$TOP/VERSION")
export VERSION

test_lazy_prereq STRACE 'command -v strace'
# LeakSanitizer (make test SANITIZE=1) refuses to run under ptrace
NO_LSAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
# linked from static archives (tools/link-mode.sh), as `make` links here
test_lazy_prereq STATIC_LINK 'grep -q -e "-Bstatic" "$TOP/build/link-mode"'

test_expect_success STRACE 'a run inside git reads no CA bundle and loads no Kerberos' '
	git init -q tiny && mkdir -p tiny/migrations/versions &&
	printf "[alembic]\nscript_location = migrations\n" >tiny/alembic.ini &&
	printf "revision = \"a\"\ndown_revision = None\n" >tiny/migrations/versions/a.py &&
	(cd tiny && ASAN_OPTIONS=$NO_LSAN strace -f -e trace=open,openat -o ../trace \
		"$GMF_BIN" check >../out) &&
	test_grep "ok: 1 migration" out &&
	test_grep "/\.git/config" trace &&
	test_grep ! -e "certs" -e "\.pem" -e "\.crt" trace &&
	if test_have_prereq STATIC_LINK
	then
		test_grep ! -e "libkrb5" -e "libgssapi" -e "libssh2" -e "libcrypto" trace
	fi
'

test_expect_success STATIC_LINK 'link-mode.sh --wrappers: what the link names, defined' '
	sh "$TOP/tools/link-mode.sh" --wrappers "$(sed -n 2p "$TOP/build/link-mode")" >wrap.c &&
	case $(sed -n 2p "$TOP/build/link-mode") in
	*--wrap=git_http_auth_negotiate*)
		test_grep "__wrap_git_http_auth_negotiate" wrap.c &&
		test_grep "__wrap_libssh2_init" wrap.c ;;
	esac &&
	sh "$TOP/tools/link-mode.sh" --wrappers "" >none.c &&
	test_line_count = 0 none.c
'

test_expect_success 'VERSION is one line, a version' '
	test_line_count = 1 "$TOP/VERSION" &&
	grep -E "^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$" "$TOP/VERSION"
'

test_expect_success 'the Debian package has the version of VERSION' '
	sed -n "1s/^git-migrate-fix (\([^)]*\)-[0-9][0-9]*) .*/\1/p" "$TOP/debian/changelog" >out &&
	echo "$VERSION" | sed "s/-/~/" >expect &&
	test_cmp expect out
'

test_lazy_prereq RUBY 'command -v ruby'

test_expect_success 'the Homebrew formula builds the tarball of VERSION' '
	formula=$TOP/packaging/homebrew/git-migrate-fix.rb &&
	test_grep "^  url \".*/git-migrate-fix-$VERSION\.tar\.gz\"$" "$formula" &&
	test_grep "^  sha256 \"[0-9a-f]\{64\}\"$" "$formula" &&
	test_grep "^  test do$" "$formula"
'

test_expect_success RUBY 'the Homebrew formula is valid Ruby' '
	ruby -c "$TOP/packaging/homebrew/git-migrate-fix.rb"
'

test_expect_success '--version says the version of VERSION' '
	gmf_expect 0 out --version &&
	echo "git-migrate-fix $VERSION" >expect &&
	test_cmp expect out
'

test_expect_success 'the completion command is hidden from --help and typo hints' '
	gmf_expect 0 out --help &&
	test_grep ! "^    completion " out &&
	gmf_expect 2 out complet &&
	test_grep ! "completion" out.err
'

test_expect_success 'completion options: one line per option, LONG ends in = when it takes a value' '
	gmf_expect 0 out completion options fix &&
	test_grep "^--dry-run	" out &&
	test_grep "^--strategy=		" out &&
	test_grep "^--dir=	-d	PATH	" out &&
	gmf_expect 0 strategies completion values fix --strategy &&
	test_grep "^auto$" strategies &&
	test_grep "^renumber$" strategies &&
	test_grep "^merge$" strategies &&
	gmf_expect 2 out completion values fix --no-such &&
	test_grep "has no option .--no-such." out.err
'

# What the completion must offer, read from what a user reads: the
# commands --help lists and the options help fix lists.
test_expect_success 'the binary on PATH; the commands and the options of fix' '
	mkdir -p bin &&
	ln -s "$GMF_BIN" bin/git-migrate-fix &&
	gmf_expect 0 help --help &&
	sed -n "/^Commands:/,/^$/s/^    \([a-z-]*\) .*/\1/p" help >commands &&
	test_grep "^fix$" commands &&
	test_grep "^merge-driver$" commands &&
	gmf_expect 0 help-fix help fix &&
	sed -n "s/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p" help-fix |
		grep -v "^--help$" >fix-options &&
	test_grep "^--strategy$" fix-options &&
	test_grep "^--dir$" fix-options
'

# A prefix laid out as make install lays it out, the binary first on PATH,
# and a bash driving the completion as readline would: COMP_WORDS and
# COMP_CWORD from a command line, then the function bash-completion
# registered for its first word.
test_expect_success BASH_COMPLETION 'set up bash with bash-completion and git completion' '
	mkdir -p share/bash-completion/completions &&
	cp "$TOP/contrib/completion/git-migrate-fix.bash" \
		share/bash-completion/completions/git-migrate-fix &&
	cat >complete.bash <<-\EOF &&
	. "$BASH_COMPLETION_SH"
	COMP_LINE=$1
	COMP_POINT=${#COMP_LINE}
	read -r -a COMP_WORDS <<<"$COMP_LINE"
	case $COMP_LINE in *" ") COMP_WORDS+=("") ;; esac
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	__load_completion "${COMP_WORDS[0]}" || exit 1
	spec=$(complete -p "${COMP_WORDS[0]}") || exit 1
	fn=${spec##*-F }
	fn=${fn%% *}
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	for w in "${COMPREPLY[@]}"; do printf "%s\n" "${w% }"; done
	EOF
	cat >complete <<-\EOF &&
	#!/bin/sh
	PATH=$TRASH/bin:$PATH XDG_DATA_DIRS=$TRASH/share:/usr/share \
		exec bash --norc --noprofile "$TRASH/complete.bash" "$1"
	EOF
	chmod +x complete
'

test_expect_success BASH_COMPLETION 'git migrate-fix <TAB> offers the commands' '
	TRASH=$TRASH ./complete "git migrate-fix " >out &&
	test_cmp commands out
'

test_expect_success BASH_COMPLETION 'git migrate-fix fix --<TAB> offers the options of fix' '
	TRASH=$TRASH ./complete "git migrate-fix fix --" >out &&
	sed "s/=$//" out >names &&
	test_cmp fix-options names &&
	test_grep "^--onto=$" out &&
	test_grep "^--dry-run$" out
'

test_expect_success BASH_COMPLETION 'git migrate-fix fix --strategy=<TAB> offers its values' '
	TRASH=$TRASH ./complete "git migrate-fix fix --strategy=" >out &&
	test_cmp strategies out
'

test_expect_success BASH_COMPLETION 'git migrate-fix -C dir che<TAB> and git-migrate-fix he<TAB>' '
	TRASH=$TRASH ./complete "git -C . migrate-fix che" >out &&
	echo check >expect &&
	test_cmp expect out &&
	TRASH=$TRASH ./complete "git-migrate-fix he" >out &&
	printf "%s\n" heads help >expect &&
	test_cmp expect out
'

# zsh: the completion system itself needs a terminal; its entry points
# (_describe, compset, _files) are replaced by stubs that print what they
# were given, and the function is autoloaded from $fpath as compinit
# would.
test_expect_success ZSH 'zsh: the script parses and offers the commands and options' '
	zsh -n "$TOP/contrib/completion/_git-migrate-fix" &&
	mkdir -p zfunc &&
	cp "$TOP/contrib/completion/_git-migrate-fix" zfunc/ &&
	cat >complete.zsh <<-\EOF &&
	fpath=($TRASH/zfunc $fpath)
	autoload -Uz _git-migrate-fix
	_describe () {
		local a
		shift 3
		while (( $# )); do
			case $1 in
			--) shift ;;
			-S) shift 2 ;;
			*) for a in ${(P)1}; do print -r -- "${a%%:*}"; done; shift ;;
			esac
		done
	}
	compset () { : }
	_files () { print -r -- FILES }
	words=("$@")
	CURRENT=$#
	_git-migrate-fix
	EOF
	PATH=$TRASH/bin:$PATH TRASH=$TRASH zsh -f complete.zsh migrate-fix "" >out &&
	test_cmp commands out &&
	PATH=$TRASH/bin:$PATH TRASH=$TRASH zsh -f complete.zsh migrate-fix fix -- >out &&
	sort fix-options >expect &&
	sed "s/=$//" out | sort >names &&
	test_cmp expect names &&
	PATH=$TRASH/bin:$PATH TRASH=$TRASH zsh -f complete.zsh migrate-fix fix --strategy= >out &&
	test_cmp strategies out
'

test_expect_success GIT_CHECKOUT 'make dist twice gives the same bytes; sorted entries, owner 0, fixed modes' '
	SOURCE_DATE_EPOCH=1767225600 sh "$TOP/tools/dist.sh" "$VERSION" one >/dev/null 2>dist.err &&
	SOURCE_DATE_EPOCH=1767225600 sh "$TOP/tools/dist.sh" "$VERSION" two >/dev/null 2>>dist.err &&
	name=git-migrate-fix-$VERSION &&
	cmp one/$name.tar.gz two/$name.tar.gz &&
	test_cmp one/$name.tar.gz.sha256 two/$name.tar.gz.sha256 &&
	(cd one && sha256sum -c $name.tar.gz.sha256) &&
	gzip -dc one/$name.tar.gz >one.tar &&
	tar -tf one.tar >list &&
	LC_ALL=C sort -c list &&
	awk -v p="$name/" "index(\$0, p) != 1" list >outside &&
	test_line_count = 0 outside &&
	tar -tvf one.tar >long &&
	awk "!/^(-rw-r--r--|-rwxr-xr-x|drwxr-xr-x) root\/root /" long >odd &&
	test_line_count = 0 odd &&
	test_grep ! "^$name/\.git/" list &&
	for f in LICENSE VERSION README.md CHANGELOG.md docs/git-migrate-fix.1 \
		contrib/completion/git-migrate-fix.bash contrib/completion/_git-migrate-fix
	do
		test_grep "^$name/$f$" list || return 1
	done &&
	SOURCE_DATE_EPOCH=1767225601 sh "$TOP/tools/dist.sh" "$VERSION" three >/dev/null 2>>dist.err &&
	! cmp -s one/$name.tar.gz three/$name.tar.gz
'

test_expect_success GIT_CHECKOUT 'the tarball unpacked without git builds and says the version' '
	mkdir unpacked &&
	(cd unpacked && gzip -dc ../one/git-migrate-fix-$VERSION.tar.gz | tar -xf -) &&
	src=unpacked/git-migrate-fix-$VERSION &&
	! test -e "$src/.git" &&
	GIT_CEILING_DIRECTORIES=$TRASH make -C "$src" -j4 >build.log 2>&1 &&
	"$src/git-migrate-fix" --version >out &&
	echo "git-migrate-fix $VERSION" >expect &&
	test_cmp expect out &&
	test_grep "^\.TH .*\"git-migrate-fix $VERSION\"" "$src/build/git-migrate-fix.1"
'

test_expect_success GIT_CHECKOUT 'make install puts everything in place; make uninstall takes it out' '
	src=unpacked/git-migrate-fix-$VERSION &&
	make -C "$src" install prefix=/usr/local DESTDIR="$TRASH/stage" >install.log 2>&1 &&
	(cd stage && find . -type f | LC_ALL=C sort) >files &&
	test_grep "^\./usr/local/bin/git-migrate-fix$" files &&
	test_grep "^\./usr/local/share/man/man1/git-migrate-fix\.1$" files &&
	test_grep "^\./usr/local/share/doc/git-migrate-fix/LICENSE$" files &&
	test_grep "^\./usr/local/share/doc/git-migrate-fix/docs/guide\.md$" files &&
	test_grep "^\./usr/local/share/bash-completion/completions/git-migrate-fix$" files &&
	test_grep "^\./usr/local/share/zsh/site-functions/_git-migrate-fix$" files &&
	test -x stage/usr/local/bin/git-migrate-fix &&
	make -C "$src" uninstall prefix=/usr/local DESTDIR="$TRASH/stage" >>install.log 2>&1 &&
	(cd stage && find . -type f) >left &&
	test_line_count = 0 left
'

test_done
