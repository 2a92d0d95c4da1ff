"""The Python contenders: one long-lived interpreter per client, a loop of calls timed with
``time.perf_counter_ns``.

    python bench/py/worker.py dockernet   # import dockernet (this workspace's wheel)
    python bench/py/worker.py dockerpy    # import docker (docker-py from PyPI)
    python bench/py/worker.py rawhttp     # http.client over the Unix socket, nothing decoded

It reads one command per line on stdin and answers one line, "OK cpu=NS ns ns …" (the batch's
CPU time, then one wall-clock duration per call) or "ERR message"; the
commands are the floor's (`ping N`, `ls N`, `inspect N NAME`, `createrm N NAME SUBNET LABELKEY`,
`conndisc N NET CTR`, `quit`). Each contender does what a user of that library writes; the
round trips behind one call differ between libraries, and bench/README.md lists them.

`rawhttp` is a reference, not a library: the cost of the Python interpreter itself driving one
keep-alive connection (send, read the whole body, decode nothing). It bounds from below what any
Python binding can reach.
"""

from __future__ import annotations

import os
import socket
import sys
import time


def socket_path() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise SystemExit(f"worker: only a local unix:// daemon socket is benchmarked (DOCKER_HOST={host})")
    return host[len("unix://"):]


def make_dockernet():
    import dockernet

    client = dockernet.from_env()
    cache: dict = {}

    def pair(net: str, ctr: str):
        key = (net, ctr)
        if key not in cache:
            cache[key] = (client.networks.get(net), client.containers.get(ctr))
        return cache[key]

    def createrm(name: str, subnet: str, label: str) -> None:
        client.networks.create(name, subnet=subnet, labels={label: "1"}).remove()

    def conndisc(net: str, ctr: str) -> None:
        n, c = pair(net, ctr)
        n.connect(c)
        n.disconnect(c)

    return {
        "ping": lambda: client.ping(),
        "ls": lambda: client.networks.list(),
        "inspect": lambda name: client.networks.get(name),
        "createrm": createrm,
        "conndisc": conndisc,
    }


def make_dockerpy():
    import docker
    from docker.types import IPAMConfig, IPAMPool

    client = docker.DockerClient(base_url="unix://" + socket_path(), version="auto")
    cache: dict = {}

    def pair(net: str, ctr: str):
        key = (net, ctr)
        if key not in cache:
            cache[key] = (client.networks.get(net), client.containers.get(ctr))
        return cache[key]

    def createrm(name: str, subnet: str, label: str) -> None:
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)])
        client.networks.create(name, driver="bridge", ipam=ipam, labels={label: "1"}, check_duplicate=True).remove()

    def conndisc(net: str, ctr: str) -> None:
        n, c = pair(net, ctr)
        n.connect(c)
        n.disconnect(c)

    return {
        "ping": lambda: client.ping(),
        "ls": lambda: client.networks.list(),
        "inspect": lambda name: client.networks.get(name),
        "createrm": createrm,
        "conndisc": conndisc,
    }


def make_rawhttp():
    import http.client

    class UnixConnection(http.client.HTTPConnection):
        def __init__(self, path: str) -> None:
            super().__init__("docker")
            self._path = path

        def connect(self) -> None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self._path)
            self.sock = s

    conn = UnixConnection(socket_path())
    api = os.environ["DNBENCH_API"]

    def get(path: str) -> bytes:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
        return body

    return {
        "ping": lambda: get("/_ping"),
        "ls": lambda: get(f"/v{api}/networks"),
        "inspect": lambda name: get(f"/v{api}/networks/{name}"),
    }


def main() -> int:
    kind = sys.argv[1]
    ops = {"dockernet": make_dockernet, "dockerpy": make_dockerpy, "rawhttp": make_rawhttp}[kind]()
    clock = time.perf_counter_ns
    out = sys.stdout
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        op = ops.get(words[0])
        if op is None or len(words) < 2:
            out.write(f"ERR unknown command: {line.strip()}\n")
            out.flush()
            continue
        n, args = int(words[1]), words[2:]
        samples = []
        cpu0 = time.process_time_ns()
        try:
            for _ in range(n):
                t0 = clock()
                op(*args)
                samples.append(clock() - t0)
        except Exception as e:  # reported to the driver, which stops the run
            msg = f"{type(e).__name__}: {e}".replace("\n", " ")
            out.write(f"ERR {msg}\n")
        else:
            out.write(f"OK cpu={time.process_time_ns() - cpu0} " + " ".join(map(str, samples)) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
