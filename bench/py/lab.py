"""Scenario 4's docker-py contenders: build or tear down the lab with docker-py, sequentially or
from a thread pool.

    python bench/py/lab.py up   LAB.json [--threads N]
    python bench/py/lab.py down LAB.json [--threads N]

LAB.json (written by bench/run.py) is the neutral description every contender builds:
``{"prefix", "image", "label", "networks": {name: subnet}, "nodes": {name: [network, …]}}``.
Up: create the networks, then per node create the container on its first network, connect the
others, start it. Down: remove the containers (forced), then the networks. With --threads N > 1
each phase runs N at a time (``concurrent.futures``): the fastest schedule a plain client reaches
with threads. Prints ``{"seconds": …}``: the time inside the script, interpreter start and
``import docker`` excluded.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["up", "down"])
    ap.add_argument("lab")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    lab = json.load(open(a.lab))

    import docker
    from docker.types import IPAMConfig, IPAMPool

    client = docker.DockerClient(version="auto", max_pool_size=max(10, a.threads))
    key, value = lab["label"].split("=", 1)
    labels = {key: value}
    pre = lab["prefix"]

    def each(fn, items) -> None:
        items = list(items)
        if a.threads <= 1:
            for it in items:
                fn(it)
        else:
            with concurrent.futures.ThreadPoolExecutor(a.threads) as pool:
                list(pool.map(fn, items))

    def make_net(item) -> None:
        name, subnet = item
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)])
        client.networks.create(pre + name, driver="bridge", ipam=ipam, labels=labels, check_duplicate=True)

    def make_node(item) -> None:
        name, nets = item
        c = client.containers.create(lab["image"], name=pre + name, labels=labels, network=pre + nets[0], detach=True)
        for n in nets[1:]:
            client.api.connect_container_to_network(c.id, pre + n)
        c.start()

    def rm_node(name: str) -> None:
        client.api.remove_container(pre + name, force=True)

    def rm_net(name: str) -> None:
        client.api.remove_network(pre + name)

    t0 = time.perf_counter()
    if a.mode == "up":
        each(make_net, lab["networks"].items())
        each(make_node, lab["nodes"].items())
    else:
        each(rm_node, lab["nodes"])
        each(rm_net, lab["networks"])
    print(json.dumps({"seconds": time.perf_counter() - t0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
