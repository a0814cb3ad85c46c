#!/usr/bin/env python3
"""A console reader that stalls must not hold the VMM.

usage: console_stall.py SOCK VMM ARGS...

Runs the VMM (ARGS must include -qmp unix:SOCK,server,nowait and a guest
that prints without end on -serial stdio) with its stdout on a pipe that
nobody reads. Once the pipe has been full for half a second (the vCPU is
blocked in its console write), QMP stop must answer and quit must end the
VMM, each within 5 s. Prints one line, "ok: ..." or "fail: ...", and exits
0 or 1.
"""
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import termios
import time


def queued(fd):
    raw = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
    return struct.unpack("i", raw)[0]


def wait_full(fd, limit):
    """True once the pipe's fill level stops moving for 0.5 s."""
    last, since = -1, time.time()
    end = time.time() + limit
    while time.time() < end:
        n = queued(fd)
        if n != last:
            last, since = n, time.time()
        elif n > 0 and time.time() - since >= 0.5:
            return True
        time.sleep(0.05)
    return False


def qmp(sock_path, cmds, limit):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(limit)
    s.connect(sock_path)
    f = s.makefile("rw")
    f.readline()  # greeting
    for c in ["qmp_capabilities"] + cmds:
        f.write(json.dumps({"execute": c}) + "\n")
        f.flush()
        while True:  # skip events up to the reply
            msg = json.loads(f.readline())
            if "return" in msg or "error" in msg:
                break
        if "error" in msg:
            raise RuntimeError(f"{c}: {msg['error']}")
    s.close()


def main():
    sock_path, argv = sys.argv[1], sys.argv[2:]
    rd, wr = os.pipe()
    vmm = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=wr,
                           stderr=subprocess.DEVNULL)
    os.close(wr)
    try:
        if not wait_full(rd, 30):
            print("fail: the guest never filled the console pipe")
            return 1
        for cmd in ("stop", "quit"):
            t0 = time.time()
            try:
                qmp(sock_path, [cmd], 5)
            except (OSError, RuntimeError, ValueError) as err:
                print(f"fail: QMP {cmd} with the reader stalled: {err}")
                return 1
        try:
            rc = vmm.wait(5)
        except subprocess.TimeoutExpired:
            print("fail: the VMM did not exit within 5 s of quit")
            return 1
        print(f"ok: stop and quit answered with the pipe full "
              f"({queued(rd)} bytes queued), exit {rc}, "
              f"{(time.time() - t0) * 1000:.0f} ms for quit")
        return 0 if rc == 0 else 1
    finally:
        if vmm.poll() is None:
            vmm.kill()
            vmm.wait()


if __name__ == "__main__":
    sys.exit(main())
