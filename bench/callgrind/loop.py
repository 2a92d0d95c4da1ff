"""bench/callgrind/run.sh's Python workload: N calls of one operation (after 5 warm-up calls).
Usage: python loop.py N ls|inspect|ping"""
import sys

import dockernet

n, op = int(sys.argv[1]), sys.argv[2]
c = dockernet.from_env()
f = {"ls": lambda: c.networks.list(), "inspect": lambda: c.networks.get("bridge"), "ping": c.ping}[op]
for _ in range(5 + n):
    f()
