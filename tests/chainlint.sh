#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/chainlint.sh: checks that the && chains of the integration tests
# are unbroken, in the spirit of git's t/chainlint.
#
#   sh tests/chainlint.sh [FILE...]     lint FILEs (default: the scripts
#                                       tests/integration/t[0-9]*.sh)
#   sh tests/chainlint.sh --self-test   lint the samples in tests/chainlint/
#                                       and check the verdicts
# AWK picks the awk (default: awk).
#
# Inside the body of every test_expect_success / test_expect_failure (the
# last argument, single- or double-quoted), a command followed by another
# command must be joined to it by && (or ||, |), so that its failure
# fails the test.  A line may also end by opening something: then, do,
# else, {, (, a case arm's pattern, "case ... in", a here-document (the
# chain goes on after the operator on the line with <<), a continuation
# (\) or a quoted string or $( ) that goes on to the next line.  The next
# command may also be a closing word (fi, done, esac, }, ), ;;, else, elif,
# then, do).  Accepted on purpose: a line ending in "return N" or "exit N"
# (its failure already stops the test: "cmd || return 1") and a command
# whose status the next command reads through $? ("cmd; rc=$?", "cmd
# <newline> echo exit $?").
#
# In a for/while/until loop, the last command of the body must end with
# "|| return 1" (or "|| exit 1" in a subshell; any nonzero number, or
# "|| { ...; return 1; }"): the status of a loop is that of its last
# iteration, so a failure in an earlier one would be lost.
#
# Also flagged: "! test_grep ..." (and "!" before the other helpers):
# it passes when the file is missing; test_grep ! does not.
#
# Comments and blank lines are ignored.  Each problem is printed as
# FILE:LINE: what: the line; the exit status is 1 when there is one.
# Not checked: commands joined by ";" within a line.  POSIX sh and awk.

here=$(cd "$(dirname "$0")" && pwd) || exit 2

chainlint_awk='
function err(ln, what) {
	printf "%s:%d: %s: %s\n", FILENAME, ln, what, src[ln]
	nerr++
}

# ---- the outer level: find the bodies -------------------------------

# Scans text s (one line of the file, without its newline) at the level
# of the test script, collecting the words of a test_expect_* call.  The
# body is the value of its last word, built in blines[] with the line
# each of its lines comes from.
function outer_scan(s, ln,    i, c, n) {
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (oq == "s") {
			if (c == "\047") oq = ""
			else word = word c
		} else if (oq == "d") {
			if (c == "\\" && i < n && index("\"\\$`", substr(s, i + 1, 1))) {
				i++
				word = word substr(s, i, 1)
			} else if (c == "\"")
				oq = ""
			else
				word = word c
		} else if (c == "\047") {
			oq = "s"; inword = 1
		} else if (c == "\"") {
			oq = "d"; inword = 1
		} else if (c == "\\") {
			if (i == n) { ocont = 1; return }
			i++; word = word substr(s, i, 1); inword = 1
		} else if (c == " " || c == "\t") {
			if (inword) endword()
		} else if (c == ";" || c == "&" || c == "|" || c == "#") {
			if (inword) endword()
			odone = 1
			return
		} else {
			word = word c; inword = 1
		}
	}
}

function endword() {
	nwords++
	lastword = word
	word = ""
	inword = 0
}

# Splits the value of the body into lines and lints them.
function lint_body(v, firstln,    nl, k, parts) {
	nl = split(v, parts, "\n")
	nb = 0
	for (k = 1; k <= nl; k++) {
		nb++
		bline[nb] = parts[k]
		bln[nb] = bodyln[k]
	}
	lint_lines()
}

# ---- the inner level: tokens of the body ----------------------------

function emit(t, ln) {
	ntok++
	tok[ntok] = t
	tokln[ntok] = ln
}

function flushword(ln) {
	if (w != "") emit(w, ln)
	w = ""
}

# Tokenizes the body lines bline[1..nb] into tok[]; "\n" tokens end the
# lines that end a command list (not inside quotes, $( ), or after \).
function lint_lines(    b, s, n, i, c, c2, ln, top, d, strip, k, rest) {
	ntok = 0; w = ""; ctx = ""; nhd = 0; hdi = 0
	for (b = 1; b <= nb; b++) {
		s = bline[b]; ln = bln[b]
		if (hdi > 0) {
			d = s
			if (hdstrip[hdi]) sub(/^\t+/, "", d)
			if (d == hddelim[hdi]) {
				hdi++
				if (hdi > nhd) { hdi = 0; nhd = 0 }
			}
			continue
		}
		n = length(s)
		cont = 0
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			c2 = substr(s, i, 2)
			top = substr(ctx, length(ctx), 1)
			if (top == "s") {
				if (c == "\047") ctx = substr(ctx, 1, length(ctx) - 1)
				continue
			}
			if (top == "d" || top == "`") {
				if (c == "\\") { i++; continue }
				if (top == "d" && c == "\"") { ctx = substr(ctx, 1, length(ctx) - 1); continue }
				if (top == "`" && c == "`") { ctx = substr(ctx, 1, length(ctx) - 1); continue }
				if (top == "d" && c2 == "$(") { ctx = ctx "("; i++; continue }
				if (top == "d" && c == "`") { ctx = ctx "`"; continue }
				continue
			}
			if (top == "(") {
				if (c == "\\") { i++; continue }
				if (c == "\047") { ctx = ctx "s"; continue }
				if (c == "\"") { ctx = ctx "d"; continue }
				if (c == "`") { ctx = ctx "`"; continue }
				if (c == "(") { ctx = ctx "("; continue }
				if (c == ")") { ctx = substr(ctx, 1, length(ctx) - 1); continue }
				continue
			}
			# the top level of the body
			if (c == " " || c == "\t") { flushword(ln); continue }
			if (c == "#" && w == "") break
			if (c == "\\") {
				if (i == n) { cont = 1; break }
				i++; w = w "x"; continue
			}
			if (c == "\047") { ctx = ctx "s"; w = w "Q"; continue }
			if (c == "\"") { ctx = ctx "d"; w = w "Q"; continue }
			if (c == "`") { ctx = ctx "`"; w = w "Q"; continue }
			if (c2 == "$(") { ctx = ctx "("; w = w "Q"; i++; continue }
			if (c2 == "<<") {
				# a here-document: its delimiter, then its lines are skipped
				flushword(ln)
				i += 2
				strip = 0
				if (substr(s, i, 1) == "-") { strip = 1; i++ }
				while (substr(s, i, 1) == " " || substr(s, i, 1) == "\t") i++
				d = ""
				while (i <= n) {
					c = substr(s, i, 1)
					if (c == " " || c == "\t" || c == ";" || c == "&" || c == "|" || c == ")" || c == "<" || c == ">") break
					if (c != "\\" && c != "\047" && c != "\"") d = d c
					i++
				}
				i--
				nhd++
				hddelim[nhd] = d
				hdstrip[nhd] = strip
				w = "<<" d
				flushword(ln)
				continue
			}
			if (c == ">" || c == "<") {
				w = w c
				c = substr(s, i + 1, 1)
				if (c == "&" || c == "|") { w = w c; i++ }
				continue
			}
			if (c2 == "&&" || c2 == "||" || c2 == ";;") {
				flushword(ln); emit(c2, ln); i++; continue
			}
			if (c == ";" || c == "&" || c == "|" || c == "(" || c == ")") {
				flushword(ln); emit(c, ln); continue
			}
			w = w c
		}
		if (ctx == "" && !cont) {
			flushword(ln)
			emit("\n", ln)
			if (nhd > 0) hdi = 1
		}
	}
	flushword(ln)
	parse_tokens()
}

# ---- the parser -----------------------------------------------------

function closer(t) {
	return t == "then" || t == "do" || t == "else" || t == "elif" || \
		t == "fi" || t == "done" || t == "esac" || t == "}" || \
		t == ")" || t == ";;" || t == "&&" || t == "||" || t == "|"
}

function isnum(t) {
	return t ~ /^[0-9]+$/
}

# The words before "done" (ignoring ";" and line ends) end with
# "|| return [N]", "|| exit [N]" or "|| { ... return|exit [N]; }".
function loop_tail_ok(    k, a, b, c, d) {
	k = nsig
	a = sig[k]; b = sig[k - 1]; c = sig[k - 2]; d = sig[k - 3]
	if (a == "}") {
		if (b == "return" || b == "exit") return 1
		if (isnum(b) && b != 0 && (c == "return" || c == "exit")) return 1
		return 0
	}
	if ((a == "return" || a == "exit") && b == "||") return 1
	if (isnum(a) && a != 0 && (b == "return" || b == "exit") && c == "||") return 1
	return 0
}

# The words so far end with "return [N]", "exit [N]" or such a "{ ...; }":
# a command ending so cannot let a failure go on.
function ends_in_exit(    a, b, c) {
	a = sig[nsig]; b = sig[nsig - 1]; c = sig[nsig - 2]
	if (a == "}") { a = b; b = c }
	if (a == "return" || a == "exit") return 1
	return isnum(a) && a != 0 && (b == "return" || b == "exit")
}

# Does the line of token k (up to its "\n") read $? ?
function reads_status(k) {
	return index(src[tokln[k]], "$?") > 0
}

function parse_tokens(    k, t, start, sp, pend, pendln, pendret) {
	sp = 0          # stack: stk[sp] = if, loop, case, brace, sub
	start = 1       # at the start of a command
	pend = 0        # a command ended a line: the next must be a closer
	nsig = 0
	for (k = 1; k <= ntok; k++) {
		t = tok[k]
		if (t == "\n") {
			if (sp > 0 && stk[sp] == "case" && cstate[sp] != "arm") continue
			if (!start && !pend) { pend = 1; pendln = tokln[k]; pendret = ends_in_exit() }
			start = 1
			continue
		}
		if (pend) {
			pend = 0
			if (!closer(t) && !pendret && !reads_status(k))
				err(pendln, "broken && chain")
		}
		if (t != ";") { nsig++; sig[nsig] = t }
		# the case header and patterns
		if (sp > 0 && stk[sp] == "case" && cstate[sp] == "head") {
			if (t == "in") cstate[sp] = "pat"
			continue
		}
		if (sp > 0 && stk[sp] == "case" && cstate[sp] == "pat") {
			if (t == "esac") { sp--; start = 0; continue }
			if (t == ")") { cstate[sp] = "arm"; start = 1 }
			continue
		}
		if (t == ";;") {
			if (sp > 0 && stk[sp] == "case") cstate[sp] = "pat"
			start = 1
			continue
		}
		if (t == "&&" || t == "||" || t == "|") { start = 1; continue }
		if (t == ";" || t == "&") {
			start = 1
			# "cmd;" at the end of a line is no better than "cmd"
			if (k < ntok && tok[k + 1] == "\n") {
				pend = 1; pendln = tokln[k]; pendret = ends_in_exit(); k++
			}
			continue
		}
		if (t == "(") {
			# "name () {": a function definition
			if (!start && tok[k + 1] == ")") { k++; start = 1; continue }
			if (start) { stk[++sp] = "sub" }
			start = 1
			continue
		}
		if (t == ")") {
			if (sp > 0 && stk[sp] == "sub") sp--
			start = 0
			continue
		}
		if (!start) continue
		# a word at the start of a command
		start = 0
		if (t == "if") { stk[++sp] = "if"; start = 1 }
		else if (t == "while" || t == "until") { stk[++sp] = "loop"; start = 1 }
		else if (t == "for") { stk[++sp] = "loop" }
		else if (t == "case") { stk[++sp] = "case"; cstate[sp] = "head" }
		else if (t == "then" || t == "else" || t == "elif" || t == "do") start = 1
		else if (t == "!") {
			start = 1
			if (tok[k + 1] ~ /^test_(grep|grep_prefix|cmp|line_count|must_fail|might_fail|expect_code)$/)
				err(tokln[k], "\"! " tok[k + 1] "\" also passes when its file is missing or it cannot run (use test_grep ! ...)")
		}
		else if (t == "{") { stk[++sp] = "brace"; start = 1 }
		else if (t == "fi" || t == "}" || t == "esac") { if (sp > 0) sp-- }
		else if (t == "done") {
			# sig[nsig] is "done" itself
			nsig--
			if (sp > 0 && stk[sp] == "loop" && !loop_tail_ok())
				err(lastln(k), "loop body does not end with || return 1")
			nsig++
			if (sp > 0) sp--
		}
	}
}

# The line of the last command before token k (skipping line ends).
function lastln(k) {
	k--
	while (k > 1 && (tok[k] == "\n" || tok[k] == ";")) k--
	return tokln[k]
}

# ---- main -----------------------------------------------------------

FNR == 1 { inbody = 0; oq = "" }
{ src[FNR] = $0 }
inbody {
	# the body goes on: collect its value
	if (oq != "") { word = word "\n"; bodyln[++nbl] = FNR }
	outer_scan($0, FNR)
	if (oq == "" && !ocont) {
		if (inword) endword()
		inbody = 0
		lint_body(lastword, bodyln[1])
	}
	ocont = 0
	next
}
/^[ \t]*test_expect_(success|failure)[ \t]/ {
	s = $0
	sub(/^[ \t]*test_expect_(success|failure)[ \t]+/, "", s)
	oq = ""; word = ""; inword = 0; nwords = 0; lastword = ""; odone = 0; ocont = 0
	nbl = 1; bodyln[1] = FNR
	outer_scan(s, FNR)
	if (oq != "" || ocont) {
		inbody = 1
		ocont = 0
	} else {
		if (inword) endword()
		if (nwords >= 2) lint_body(lastword, FNR)
	}
}
END { exit nerr > 0 }
'

chainlint () {
	${AWK:-awk} "$chainlint_awk" "$@"
}

if test "$1" = --self-test
then
	# Every sample must get its verdict: good-*.sh no complaint at all,
	# bad-*.sh a complaint on exactly the lines marked "# LINT".
	samples=$here/chainlint
	fail=0
	count=0
	for f in "$samples"/good-*.sh "$samples"/bad-*.sh
	do
		if ! test -f "$f"
		then
			echo "chainlint self-test: no sample $f" >&2
			fail=1
			continue
		fi
		count=$((count + 1))
		got=$(chainlint "$f")
		rc=$?
		case ${f##*/} in
		good-*)
			if test "$rc" != 0 || test -n "$got"
			then
				echo "chainlint self-test: rejected the good sample $f (exit $rc):" >&2
				printf '%s\n' "$got" >&2
				fail=1
			fi
			;;
		bad-*)
			want=$(awk '/# LINT$/ { print FNR }' "$f")
			lines=$(printf '%s\n' "$got" | sed -n 's/^[^:]*:\([0-9][0-9]*\):.*/\1/p')
			if test "$rc" = 0 || test -z "$want" || test "$want" != "$lines"
			then
				echo "chainlint self-test: wrong verdict on the bad sample $f (exit $rc)" >&2
				echo "  expected complaints on lines:" $want >&2
				echo "  got:" >&2
				printf '%s\n' "$got" | sed -e 's/^/  | /' >&2
				fail=1
			fi
			;;
		esac
	done
	if test "$fail" = 0
	then
		echo "chainlint self-test: $count samples ok"
	fi
	exit "$fail"
fi

if test $# = 0
then
	set -- "$here"/integration/t[0-9]*.sh
fi
for f in "$@"
do
	if ! test -f "$f"
	then
		echo "chainlint: no such file: $f" >&2
		exit 2
	fi
done
chainlint "$@"
