#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print the peak resident set size of one command, in KiB.

usage: maxrss.py COMMAND [ARG]...

Runs COMMAND once (its output discarded) and prints
"<kib> <exit status> <method>".

Methods, best first:

  time-v     GNU time's "Maximum resident set size" (`/usr/bin/time -v`,
             Linux).  GNU time is a small C program, so the figure is the
             command's own.
  time-l     BSD/macOS `/usr/bin/time -l` ("maximum resident set size",
             bytes).
  getrusage  getrusage(RUSAGE_CHILDREN).ru_maxrss around a subprocess
             (KiB on Linux, bytes on macOS).  On Linux a process's maxrss
             survives exec, and the child starts as a (v)fork of this
             Python process, so the figure is never below Python's own
             peak (about 10-15 MiB); when the command stays under that,
             the method is reported as "getrusage-floor" and the figure is
             only an upper bound.
"""
import os
import re
import resource
import subprocess
import sys
import tempfile

TIME = "/usr/bin/time"


def gnu_time(cmd):
    fd, out = tempfile.mkstemp(prefix="gmf-maxrss.")
    os.close(fd)
    try:
        rc = subprocess.call([TIME, "-v", "-o", out] + cmd,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        with open(out) as f:
            text = f.read()
    finally:
        os.unlink(out)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    s = re.search(r"Exit status: (\d+)", text)
    if not m or not s:
        return None
    return int(m.group(1)), int(s.group(1)), "time-v"


def bsd_time(cmd):
    p = subprocess.run([TIME, "-l"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, universal_newlines=True,
                       errors="replace")
    m = re.findall(r"^\s*(\d+)\s+maximum resident set size", p.stderr, re.M)
    if not m:
        return None
    return int(m[-1]) // 1024, p.returncode, "time-l"


def rusage(cmd):
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rc = subprocess.call(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":
        peak //= 1024
        floor //= 1024
    method = "getrusage"
    if sys.platform.startswith("linux") and peak <= floor + 1024:
        method = "getrusage-floor"
    return peak, rc, method


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: maxrss.py COMMAND [ARG]...\n")
        return 2
    cmd = argv[1:]
    res = None
    try:
        if os.access(TIME, os.X_OK) and not os.environ.get("MAXRSS_GETRUSAGE"):
            if sys.platform.startswith("linux"):
                res = gnu_time(cmd)
            elif sys.platform == "darwin" or "bsd" in sys.platform:
                res = bsd_time(cmd)
        if res is None:
            res = rusage(cmd)
    except OSError as e:
        sys.stderr.write("maxrss.py: %s: %s\n" % (cmd[0], e.strerror))
        return 2
    sys.stdout.write("%d %d %s\n" % res)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
