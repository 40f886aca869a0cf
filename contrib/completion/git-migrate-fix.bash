# SPDX-License-Identifier: MIT
# bash completion for git-migrate-fix, through git's own completion:
# `git migrate-fix <TAB>` offers the commands, `git migrate-fix fix --<TAB>`
# the options of fix, `--strategy=<TAB>` its values; `git-migrate-fix
# <TAB>` the same.
#
# `make install` puts this file, named git-migrate-fix, into
# bash-completion's completions directory.  git's completion has no
# function _git_migrate_fix of its own, so the first time `git
# migrate-fix` is completed it asks bash-completion to load
# "git-migrate-fix", which defines it.
#
# The words come from the binary (`git-migrate-fix completion`, a hidden
# command that reads the option tables its parser and usage use), so a new
# command or option needs no change here.

__git_migrate_fix_words ()
{
	git migrate-fix completion "$@" 2>/dev/null
}

# The first tab-separated field of each line of `completion ARGS...`.
__git_migrate_fix_first ()
{
	local line
	while IFS= read -r line; do
		printf '%s\n' "${line%%$'\t'*}"
	done < <(__git_migrate_fix_words "$@")
}

_git_migrate_fix ()
{
	local cmds sub
	cmds=$(__git_migrate_fix_first commands)
	sub=$(__git_find_on_cmdline "$cmds")

	if [ -z "$sub" ]; then
		case "$cur" in
		--*) __gitcomp "--version --help" ;;
		*) __gitcomp "$cmds" ;;
		esac
		return
	fi

	case "$cur" in
	--*=*)
		__gitcomp "$(__git_migrate_fix_words values "$sub" "${cur%%=*}")" "" "${cur#*=}"
		;;
	--*)
		__gitcomp "$(__git_migrate_fix_first options "$sub")"
		;;
	*)
		# help takes a command; everything else falls back to file names
		# (the complete -o default git's completion sets)
		if [ "$sub" = help ]; then
			__gitcomp "$cmds"
		fi
		;;
	esac
}

# `git-migrate-fix <TAB>`: bash-completion loads this file by that name;
# git's completion supplies the helpers (__gitcomp and the wrapper).
if ! declare -F __git_complete >/dev/null 2>&1 &&
	declare -F __load_completion >/dev/null 2>&1; then
	__load_completion git
fi
if declare -F __git_complete >/dev/null 2>&1; then
	__git_complete git-migrate-fix _git_migrate_fix
fi
