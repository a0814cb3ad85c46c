#!/usr/bin/env python3
"""reaper.py PIDFILE CMD...: become a child sub-reaper (as conmon and
containerd-shim are), run CMD (a `create`), read the pid it wrote to
PIDFILE, then wait for that re-parented process and print
"pid PID status N" (exit code, or 128+signal)."""
import ctypes
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl failed")
rc = subprocess.call(sys.argv[2:])
if rc != 0:
    print("create failed", rc)
    sys.exit(2)
with open(sys.argv[1]) as f:
    pid = int(f.read())
print("created", pid, flush=True)
while True:
    try:
        got, st = os.waitpid(-1, 0)
    except ChildProcessError:
        print("pid lost")
        sys.exit(3)
    if got == pid:
        code = os.waitstatus_to_exitcode(st)
        print("pid", pid, "status", code if code >= 0 else 128 - code)
        sys.exit(0)
