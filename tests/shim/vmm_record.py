#!/usr/bin/env python3
"""VMM stand-in for container bundles: records the argv the shim built
into <state dir>/vmm.argv (one argument a line), then execs the VMM named
by $SV_REAL_VMM without the agent channel (-device virtio-serial-device,
-chardev socket,id=agent..., -device virtserialport...), which the VMM
does not implement on microvm yet. The exec keeps the pid and the
PR_SET_PDEATHSIG the shim set."""
import os
import sys

args = sys.argv[1:]
for a in args:
    if a.startswith("unix:") and "/qmp.sock" in a:
        state_dir = a[5:a.index("/qmp.sock")]
        with open(os.path.join(state_dir, "vmm.argv"), "w") as f:
            f.write("\n".join(args) + "\n")
out = []
i = 0
while i < len(args):
    nxt = args[i + 1] if i + 1 < len(args) else ""
    if args[i] in ("-device", "-chardev") and (
            nxt.startswith("virtio-serial") or nxt.startswith("virtserialport")
            or ",id=agent" in nxt):
        i += 2
        continue
    out.append(args[i])
    i += 1
real = os.environ["SV_REAL_VMM"]
os.execv(real, [real] + out)
