#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: the main job on a built-in sample.  A scratch Alembic project
# (SQLite) in a git repository with a bare `origin`; main and a feature
# branch each add migrations on the same parent; the feature merges main
# and has two heads; `git migrate-fix` finds and repairs it; the real
# alembic then shows one head and upgrades.  Everything happens in a
# temporary directory that is removed at the end (DEMO_KEEP=1 keeps it).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/git-migrate-fix
work=$(mktemp -d "${TMPDIR:-/tmp}/git-migrate-fix-demo.XXXXXX")
if [ "${DEMO_KEEP:-0}" = 1 ]; then
	echo "(keeping $work)"
else
	trap 'rm -rf "$work"' EXIT
fi

# the sample's commits are the demo's own, whatever the user's git setup
export GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME=Demo GIT_COMMITTER_EMAIL=demo@example.com
export GIT_CONFIG_NOSYSTEM=1 HOME="$work"
PATH=$top:$PATH # so `git migrate-fix` finds the binary just built
export PATH
. "$top/tests/project-lib.sh"

say() { printf '\n\033[1m== %s\033[m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cd "$work"
new_project shop >/dev/null
cd shop
mig 001_create_users.py 001_create_users None "create users"
mig 002_add_orders.py 002_add_orders 001_create_users "add orders"
commit_all "users and orders"
git push -q origin main

git checkout -q -b feature/gadgets
mig 003_add_gadgets.py 003_add_gadgets 002_add_orders "add gadgets"
mig 004_gadget_owner.py 004_gadget_owner 003_add_gadgets "gadget owner"
commit_all "gadgets"

git checkout -q main
mig 003_add_widgets.py 003_add_widgets 002_add_orders "add widgets"
commit_all "widgets"
git push -q origin main

say "main and feature/gadgets both added migration 003 on top of 002"
run git log --oneline --graph --all

say "by hand: the feature branch merges main and has two heads"
git checkout -q feature/gadgets
git branch -q before-merge
run git merge --no-edit origin/main
run ls migrations/versions
run alembic heads
printf '$ alembic upgrade head\n'
alembic upgrade head 2>&1 | tail -n 1 || true
run git migrate-fix check || true

say "the repair, previewed, then done"
run git migrate-fix fix --dry-run
run git migrate-fix fix
run git status --short
run git migrate-fix graph

say "the real alembic agrees"
run alembic heads
run alembic upgrade head
run alembic downgrade base
rm -f app.db

say "undo puts everything back"
run git migrate-fix undo
git reset -q --hard before-merge

say "automatic: a team that installed git-migrate-fix merges as usual"
cd "$work"
new_project team >/dev/null
cd team
mig 001_create_users.py 001_create_users None "create users"
mig 002_add_orders.py 002_add_orders 001_create_users "add orders"
commit_all "users and orders"
run git migrate-fix install
run git commit -q -m "adopt git-migrate-fix"
git push -q origin main
git checkout -q -b feature/gadgets
mig 003_add_gadgets.py 003_add_gadgets 002_add_orders "add gadgets"
mig 004_gadget_owner.py 004_gadget_owner 003_add_gadgets "gadget owner"
git add -A && git commit -q -m "gadgets"
git checkout -q main
mig 003_add_widgets.py 003_add_widgets 002_add_orders "add widgets"
git add -A && git commit -q -m "widgets"
run git merge --no-edit feature/gadgets
run git log --oneline --graph -n 4
run ls migrations/versions
run cat migrations/versions/.head
run git status --short
run alembic heads
run alembic upgrade head
run git migrate-fix check
