#!/usr/bin/env python3
"""console_recv.py SOCK OUT SECONDS: accept one connection on the unix
socket SOCK, receive the pty master sent with SCM_RIGHTS (runc's
--console-socket protocol), then copy what it reads to OUT for SECONDS.
Prints the payload name received (runc sends "/dev/ptmx")."""
import os
import socket
import sys
import time

sock_path, out_path, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
srv.settimeout(30)
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 4)
print(msg.decode(errors="replace"), len(fds), flush=True)
if len(fds) != 1:
    sys.exit(1)
os.set_blocking(fds[0], False)
end = time.time() + secs
with open(out_path, "wb") as out:
    while time.time() < end:
        try:
            data = os.read(fds[0], 4096)
        except BlockingIOError:
            time.sleep(0.05)
            continue
        except OSError:
            break
        if not data:
            break
        out.write(data)
        out.flush()
