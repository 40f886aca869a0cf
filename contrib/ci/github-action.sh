#!/bin/sh
# SPDX-License-Identifier: MIT
# contrib/ci/github-action.sh: the steps of action.yml after the build, as
# one POSIX sh script, so that they can be run (and tested) outside
# GitHub with the same variables:
#   INPUT_MODE      check | sync | comment
#   INPUT_BASE      the base branch (default: the pull request's base from
#                   the event file, else the remote's default branch)
#   INPUT_REBASE    true: rebase instead of merge
#   INPUT_TOKEN     a token that may push (sync); a personal or app token
#                   if the push must start a new workflow run
#   GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_SERVER_URL,
#   GITHUB_REPOSITORY, GITHUB_HEAD_REF, GITHUB_BASE_REF as GitHub sets them.
# Outputs (GITHUB_OUTPUT): state (up-to-date|no-fork|done|conflict|refused
# or check's clean|errors), comment (comment mode: a file with the
# Markdown body).
set -u
gmf=${GMF:-git-migrate-fix}
mode=${INPUT_MODE:-check}
base=${INPUT_BASE:-${GITHUB_BASE_REF:-}}
out=${GITHUB_OUTPUT:-/dev/null}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

# the base of a pull_request event, when the input and GITHUB_BASE_REF say
# nothing (a workflow_dispatch or a push handing the event on)
if test -z "$base" && test -n "${GITHUB_EVENT_PATH:-}" && test -r "$GITHUB_EVENT_PATH"
then
	base=$(sed -n 's/.*"base": *{[^}]*"ref": *"\([^"]*\)".*/\1/p' "$GITHUB_EVENT_PATH" | head -n 1)
fi
set --
test -z "$base" || set -- --base "$base"
test "${INPUT_REBASE:-false}" != true || set -- "$@" --rebase

# a detached checkout (actions/checkout of a pull request) is put on the
# head branch, so that sync has a branch to commit to
if ! git symbolic-ref -q HEAD >/dev/null && test -n "${GITHUB_HEAD_REF:-}" && test "$mode" != check
then
	git checkout -q -B "$GITHUB_HEAD_REF" "origin/$GITHUB_HEAD_REF" 2>/dev/null ||
		git checkout -q -B "$GITHUB_HEAD_REF" || exit 2
	git branch -q --set-upstream-to="origin/$GITHUB_HEAD_REF" 2>/dev/null || :
fi

state_of () {
	sed -n 's/.*"state":"\([a-z-]*\)".*/\1/p' "$1"
}

case $mode in
check)
	# check itself appends the whole report to GITHUB_STEP_SUMMARY
	"$gmf" check --format=github
	rc=$?
	if test $rc = 0; then echo "state=clean" >>"$out"; else echo "state=errors" >>"$out"; fi
	exit $rc
	;;
sync)
	# the token pushes instead of the one actions/checkout left behind
	if test -n "${INPUT_TOKEN:-}"
	then
		git config --local --replace-all "http.${GITHUB_SERVER_URL:-https://github.com}/.extraheader" \
			"AUTHORIZATION: basic $(printf 'x-access-token:%s' "$INPUT_TOKEN" | base64 | tr -d '\n')"
	fi
	"$gmf" sync "$@" --dry-run --format=json >"$tmp/gmf-sync.json"
	rc=$?
	echo "state=$(state_of "$tmp/gmf-sync.json")" >>"$out"
	test $rc = 0 || { "$gmf" sync "$@" --dry-run --format=markdown >>"$summary" 2>/dev/null; exit $rc; }
	"$gmf" sync "$@" --push --format=markdown >"$tmp/gmf-sync.md"
	rc=$?
	cat "$tmp/gmf-sync.md"
	cat "$tmp/gmf-sync.md" >>"$summary"
	exit $rc
	;;
comment)
	"$gmf" sync "$@" --dry-run --format=json >"$tmp/gmf-sync.json"
	rc=$?
	"$gmf" sync "$@" --dry-run --format=markdown >"$tmp/gmf-comment.md" 2>/dev/null
	cat "$tmp/gmf-comment.md" >>"$summary"
	{
		echo "state=$(state_of "$tmp/gmf-sync.json")"
		echo "comment=$tmp/gmf-comment.md"
	} >>"$out"
	exit $rc
	;;
*)
	echo "git-migrate-fix action: mode is '$mode'; it takes check, sync or comment" >&2
	exit 2
	;;
esac
