#!/bin/sh
# SPDX-License-Identifier: MIT
test_description='the git setups real teams have: signed commits, hook managers, core.hooksPath'
. "$(dirname "$0")/../lib.sh"
. "$TEST_DIRECTORY/project-lib.sh"

# The hooks run `git-migrate-fix` from PATH, as an installed copy would.
PATH=$(dirname "$GMF_BIN"):$PATH
export PATH

test_lazy_prereq GPG 'command -v gpg && command -v gpg-agent'
test_lazy_prereq SSHSIGN 'command -v ssh-keygen'

# setup NAME: a project adopting the tool; main and feature each add a
# migration on 001; main is pushed, feature is checked out.
setup () {
	new_project "$1" && cd "$1" &&
	mig 001_init.py 001_init None "init" && commit_all base &&
	gmf install >/dev/null && git commit -q -m "adopt git-migrate-fix" &&
	git push -q origin main &&
	fork_branches
}

# fork_branches: feature and main each add a migration on 001_init.
fork_branches () {
	git checkout -q -b feature &&
	mig 002_f.py 002_f 001_init "feature" && commit_all feature &&
	git checkout -q main &&
	mig 002_m.py 002_m 001_init "main" && commit_all main &&
	git push -q origin main &&
	git checkout -q feature
}

# gpg_key: a real OpenPGP key without a passphrase in a GNUPGHOME of the
# trash directory; the repository signs with it.
gpg_key () {
	GNUPGHOME=$TRASH/gnupg && export GNUPGHOME &&
	if ! test -d "$GNUPGHOME"
	then
		mkdir -m 700 "$GNUPGHOME" &&
		gpg --batch --passphrase "" --quick-gen-key \
			"Signer <signer@example.com>" ed25519 sign never >/dev/null 2>&1
	fi &&
	git config user.signingkey signer@example.com &&
	git config gpg.format openpgp &&
	git config commit.gpgsign true
}

# ssh_key: a real ed25519 ssh key, and the allowed-signers file that
# `git verify-commit` checks it with.
ssh_key () {
	if ! test -f "$TRASH/ssh/key"
	then
		mkdir -p "$TRASH/ssh" &&
		ssh-keygen -q -t ed25519 -N "" -C signer -f "$TRASH/ssh/key" &&
		printf "%s %s\n" "$GIT_COMMITTER_EMAIL" "$(cat "$TRASH/ssh/key.pub")" \
			>"$TRASH/ssh/allowed"
	fi &&
	git config gpg.format ssh &&
	git config user.signingkey "$TRASH/ssh/key.pub" &&
	git config gpg.ssh.allowedSignersFile "$TRASH/ssh/allowed" &&
	git config commit.gpgsign true
}

# signed REV: git checks the signature of REV, and it is good.
signed () {
	git verify-commit "$1" >/dev/null 2>"$TRASH/verify.err" &&
	test_grep -i "good" "$TRASH/verify.err"
}

test_expect_success GPG 'gpg: the amended merge commit is signed' '
	setup g1 && gpg_key && git checkout -q main &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "inside the commit" out &&
	test -e migrations/versions/003_f.py &&
	test "$(git rev-list --parents -1 HEAD | wc -w)" = 3 &&
	signed HEAD &&
	git log --show-signature -1 >log 2>&1 &&
	test_grep "Good signature" log &&
	gmf check >/dev/null
'

test_expect_success GPG 'gpg: the new commit after a rebase is signed, and the rebased ones' '
	setup g2 && gpg_key &&
	git rebase -q main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	signed HEAD && signed HEAD~1 &&
	gmf check >/dev/null
'

test_expect_success GPG 'gpg: migrate-fix.rebase=amend keeps the signature of the tip' '
	setup g3 && gpg_key && git config migrate-fix.rebase amend &&
	git rebase -q main >out 2>&1 &&
	test "$(git log --format=%s -1)" = feature &&
	test -e migrations/versions/003_f.py &&
	signed HEAD &&
	gmf check >/dev/null
'

test_expect_success GPG 'gpg: merge -S without commit.gpgsign: the repair is signed too' '
	setup g4 && gpg_key && git config --unset commit.gpgsign &&
	git checkout -q main &&
	git merge -q -S --no-edit feature >out 2>&1 &&
	test_grep "inside the commit" out &&
	signed HEAD
'

test_expect_success 'unsigned setups stay unsigned' '
	setup u1 && git checkout -q main &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "inside the commit" out &&
	git cat-file commit HEAD >obj &&
	test_grep ! "^gpgsig" obj
'

test_expect_success SSHSIGN 'ssh: the amended merge and the rebase commit are signed' '
	setup s1 && ssh_key && git checkout -q main &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "inside the commit" out &&
	signed HEAD &&
	git log --show-signature -1 >log 2>&1 &&
	test_grep "Good \"git\" signature" log &&
	cd .. && setup s2 && ssh_key &&
	git rebase -q main >out 2>&1 &&
	test "$(git log --format=%s -1)" = "Renumber migrations after rebase" &&
	signed HEAD
'

test_expect_success SSHSIGN 'ssh: rebase -x amends each pick signed, as git signed it' '
	setup s3 && ssh_key &&
	mig 003_f3.py 003_f3 002_f f3 && commit_all f3 &&
	git rebase -x "git migrate-fix check >/dev/null" main >out 2>&1 &&
	test_grep "inside this pick" out &&
	test "$(git log --format=%s -2 | tr "\n" " ")" = "f3 feature " &&
	signed HEAD && signed HEAD~1 &&
	git checkout -q HEAD~1 && gmf check >/dev/null && git checkout -q feature &&
	gmf check >/dev/null
'

# a gpg that signs git's own merge commit, then fails (a card pulled out)
test_expect_success GPG 'a signing failure stops: nothing unsigned is committed, the repair is staged' '
	setup f1 && gpg_key && git checkout -q main &&
	cat >../flakygpg <<-EOF &&
	#!/bin/sh
	case "\$*" in
	*-bsau*)
		if test -e "$TRASH/signed-once"
		then
			echo "gpg: signing failed: Card removed" >&2
			exit 2
		fi
		: >"$TRASH/signed-once" ;;
	esac
	exec gpg "\$@"
	EOF
	chmod +x ../flakygpg &&
	git config gpg.program "$TRASH/flakygpg" &&
	git merge -q --no-edit feature >out 2>&1 &&
	test_grep "cannot sign the commit" out &&
	test_grep "the repair is staged, not committed" out &&
	signed HEAD &&
	git cat-file commit HEAD >obj &&
	test_grep ! "Renamed revision ids" obj &&
	git diff --cached --name-only >staged &&
	test_grep "003_f.py" staged &&
	rm "$TRASH/signed-once" &&
	git commit -q --amend --no-edit &&
	signed HEAD &&
	gmf check >/dev/null
'

test_done
