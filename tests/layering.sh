#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/layering.sh: the module rules of docs/architecture.md, checked on
# the sources (make test runs it):
#   - no include cycle between library modules (a module is
#     include/gmf/NAME.h with src/NAME.c);
#   - only src/repo.c includes libgit2;
#   - only the modules in $spawners start processes (fork, exec*, popen,
#     system, posix_spawn): git is run with one environment
#     (GIT_MIGRATE_FIX_ACTIVE=1), never through a shell;
#   - no library file includes the command-line layer (src/cli/).
# Prints each violation and exits 1; POSIX sh and awk.
set -u
top=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd) || exit 2
cd "$top" || exit 2
status=0
# gitcmd: the commit objects, the hooks directory, and the sync
# workflow's fetch, merge, commit and push.
spawners=" src/gitcmd.c "

for f in src/*.c include/gmf/*.h
do
	case $f in src/repo.c) continue ;; esac
	if grep -n '#include <git2' "$f" >/dev/null
	then
		echo "$f: includes libgit2 (only src/repo.c may)"
		status=1
	fi
	case $f in src/*.c)
		case $spawners in *" $f "*) ;; *)
		if grep -n '\<\(fork\|vfork\|execv[pe]*\|execl[pe]*\|popen\|system\|posix_spawnp\{0,1\}\) *(' "$f" >/dev/null
		then
			echo "$f: starts a process (only${spawners% } may)"
			status=1
		fi ;;
		esac ;;
	esac
	if grep -n '#include "\(cli\|options\)\.h"\|#include "cli/' "$f" >/dev/null
	then
		echo "$f: includes the command-line layer"
		status=1
	fi
done

# edges "module dependency", one per line
for f in src/*.c include/gmf/*.h
do
	m=$(basename "$f"); m=${m%.*}
	sed -n 's/^#include "gmf\/\([a-z_]*\)\.h".*/\1/p' "$f" |
	while read -r d
	do
		test "$d" = "$m" || echo "$m $d"
	done
done | sort -u | awk '
	{ n[$1] = n[$1] " " $2; mods[$1] = 1; mods[$2] = 1 }
	function visit(m, path,    i, k, deps) {
		if (state[m] == 2) return
		if (state[m] == 1) { print "include cycle: " path; bad = 1; return }
		state[m] = 1
		k = split(n[m], deps, " ")
		for (i = 1; i <= k; i++) visit(deps[i], path " -> " deps[i])
		state[m] = 2
	}
	END {
		for (m in mods) visit(m, m)
		exit bad
	}' || status=1

test $status = 0 && echo "layering: no include cycle, libgit2 only in repo.c, processes only in gitcmd.c, no library file includes the CLI"
exit $status
