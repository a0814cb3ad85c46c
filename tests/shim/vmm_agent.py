#!/usr/bin/env python3
"""VMM stand-in for container bundles on a host where no Linux guest can
run (no /dev/kvm, or PVM): the shim's whole container path is exercised,
with sv-agent running ON THE HOST in its own namespaces standing in for
the agent inside the guest.

- Records the argv the shim built into <state dir>/vmm.argv.
- Runs the VMM named by $SV_REAL_VMM (the emulated-CPU build, with the
  test guest the bundle names) without the agent channel, so QMP, pause
  and resume are the real VMM's.
- If $SV_AGENT is set: runs `unshare -m -n -p -f --kill-child -u
  --mount-proc $SV_AGENT --root $SV_AGENT_ROOT --listen <the agent.sock
  the shim gave>`, which is where the shim's monitor connects (the agent
  dies with unshare, which dies with this process). When the agent ends (the workload
  ended and the shim asked for POWEROFF) the VMM is stopped and this
  process exits 0, as a powered-off VM does. Its own network namespace
  also gives it its own sysfs: the spec's /sys mounts never touch the
  host's.
Children get PR_SET_PDEATHSIG, so the shim killing this process (the
"VMM" it knows) takes everything down."""
import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
libc = ctypes.CDLL(None, use_errno=True)


def die_with_parent():
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def split_args(args):
    """(argv without the agent channel, agent socket path or None)."""
    out, sock, i = [], None, 0
    while i < len(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if args[i] in ("-device", "-chardev") and (
                nxt.startswith("virtio-serial") or
                nxt.startswith("virtserialport") or ",id=agent" in nxt or
                nxt.startswith("socket,id=agent")):
            for kv in nxt.split(","):
                if kv.startswith("path="):
                    sock = kv[5:]
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out, sock


def main():
    args = sys.argv[1:]
    for a in args:
        if a.startswith("unix:") and "/qmp.sock" in a:
            state_dir = a[5:a.index("/qmp.sock")]
            with open(os.path.join(state_dir, "vmm.argv"), "w") as f:
                f.write("\n".join(args) + "\n")
    vmm_args, sock = split_args(args)
    real = os.environ["SV_REAL_VMM"]
    agent_bin = os.environ.get("SV_AGENT")
    if not agent_bin or not sock:
        os.execv(real, [real] + vmm_args)
    agent = subprocess.Popen(
        ["unshare", "-m", "-n", "-p", "-f", "--kill-child", "-u",
         "--mount-proc", agent_bin,
         "--root", os.environ["SV_AGENT_ROOT"], "--listen", sock],
        stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    vmm = subprocess.Popen([real] + vmm_args, preexec_fn=die_with_parent)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda n, f: vmm.send_signal(n))
    while True:
        if agent.poll() is not None:
            vmm.terminate()
            vmm.wait()
            sys.exit(0)
        rc = vmm.poll()
        if rc is not None:
            agent.kill()
            sys.exit(rc if rc >= 0 else 128 - rc)
        time.sleep(0.02)


main()
