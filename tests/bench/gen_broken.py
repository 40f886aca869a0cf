#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generates a broken versions directory for the scaling rows of `make bench`.

usage: gen_broken.py KIND N DIR

  dup     a chain of N migrations, every file also present under another
          name (2N files, N duplicate-revision findings)
  heads   a root and N heads on it (one multiple-heads finding naming N)
  cycle   N migrations in one cycle (r0 <- r1 <- ... <- r(N-1) <- r0)
  moved   a root, a mainline head on it and a local chain of N on it with
          a side branch every 8 and its merge: `fix --onto m` moves N

Files are minimal (the reader's cost per file is measured elsewhere); ids
are 12 hex digits.  Prints nothing; exit 2 on bad usage.
"""
import os
import sys


def rid(i):
    return "%012x" % (0xA00000000000 + i)


def write(d, name, rev, down):
    if down is None:
        dv = "None"
    elif isinstance(down, tuple):
        dv = "(%s)" % ", ".join('"%s"' % x for x in down)
    else:
        dv = '"%s"' % down
    with open(os.path.join(d, name), "w") as f:
        f.write('"""m\n\nRevision ID: %s\n"""\nrevision = "%s"\ndown_revision = %s\n'
                % (rev, rev, dv))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("dup", "heads", "cycle", "moved"):
        sys.stderr.write(__doc__)
        return 2
    kind, n, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(d)
    if kind == "dup":
        for i in range(n):
            down = rid(i - 1) if i else None
            write(d, "%s_a.py" % rid(i), rid(i), down)
            write(d, "%s_b.py" % rid(i), rid(i), down)
    elif kind == "heads":
        write(d, "%s_root.py" % rid(0), rid(0), None)
        for i in range(1, n + 1):
            write(d, "%s_h.py" % rid(i), rid(i), rid(0))
    elif kind == "cycle":
        for i in range(n):
            write(d, "%s_c.py" % rid(i), rid(i), rid((i - 1) % n))
    else:
        write(d, "000000000000_root.py", "000000000000", None)
        write(d, "0000000000ff_main.py", "0000000000ff", "000000000000")
        prev = "000000000000"
        i = 1
        while i <= n:
            if i % 8 == 0 and i + 1 <= n:
                # a side branch and its merge
                write(d, "%s_s.py" % rid(i), rid(i), prev)
                write(d, "%s_m.py" % rid(i + 1), rid(i + 1), (prev, rid(i)))
                prev = rid(i + 1)
                i += 2
                continue
            write(d, "%s_l.py" % rid(i), rid(i), prev)
            prev = rid(i)
            i += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
