"""bench/callgrind/run.sh's Python workload: N calls of one operation (after 5 warm-up calls).
Usage: python loop.py N ls|inspect|ping|ls_names|ls_attrs

The models decode ``attrs`` on first read (python-bindings/src/document.rs): ``ls`` and ``ls_names``
(each network's ``name``) build no dicts, ``ls_attrs`` reads every ``attrs`` and so pays for them
all — the row to compare with an eager decode."""
import sys

import dockernet

n, op = int(sys.argv[1]), sys.argv[2]
c = dockernet.from_env()
f = {
    "ls": lambda: c.networks.list(),
    "inspect": lambda: c.networks.get("bridge"),
    "ping": c.ping,
    "ls_names": lambda: [n.name for n in c.networks.list()],
    "ls_attrs": lambda: [n.attrs for n in c.networks.list()],
}[op]
for _ in range(5 + n):
    f()
