#!/bin/sh
# SPDX-License-Identifier: MIT
# Turns the hook shims in hooks/ into C string constants for
# `git migrate-fix install` (build/gen/hooks.c; see the Makefile).
echo '/* generated from hooks/ by src/cli/embed-hooks.sh: do not edit */'
echo '#include "gmf/shims.h"'
echo 'const gmf_hook_shim gmf_hook_shims[] = {'
for f in "$@"; do
	printf '\t{ "%s",\n' "$(basename "$f")"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t  "/' -e 's/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '	{ 0, 0 },'
echo '};'
