"""One dockernet client shared by 1 and by 8 Python threads: calls per second, and how much
faster 8 threads get through the same work than 1 (issue 14: "the same call run from 8 Python
threads at once scales at least as well as today").

Usage: python bench/py/threads.py [ping|ls|inspect] [calls per thread] [rounds]
Contacts only the daemon of DOCKER_HOST (or the local socket); creates nothing. Rounds alternate
1 and 8 threads so that both see the same load; the best round of each is printed with the median.
"""
import statistics
import sys
import threading
import time

import dockernet

op = sys.argv[1] if len(sys.argv) > 1 else "ping"
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
client = dockernet.from_env()
f = {"ping": client.ping, "ls": lambda: client.networks.list(), "inspect": lambda: client.networks.get("bridge")}[op]


def run(threads: int) -> float:
    """Calls per second with `threads` threads each making `calls` calls."""
    start = threading.Barrier(threads + 1)

    def worker() -> None:
        start.wait()
        for _ in range(calls):
            f()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return threads * calls / (time.perf_counter() - t0)


for _ in range(50):
    f()  # warm-up: connections open
rates = {1: [], 8: []}
for _ in range(rounds):
    for n in (1, 8):
        rates[n].append(run(n))
for n in (1, 8):
    print(f"{op} x{n} threads: median {statistics.median(rates[n]):,.0f} calls/s, best {max(rates[n]):,.0f}")
print(f"{op} 8 threads / 1 thread: {statistics.median(rates[8]) / statistics.median(rates[1]):.2f}x (medians)")
