"""Swarm from Python with docker-py's names (``client.swarm``, ``client.nodes``), on two private
daemons started by the Rust harness (``target/debug/private-daemons``, tests/src/daemons.rs): the
machine's own daemon is never put in a swarm. An attachable overlay created with
``client.networks.create(driver="overlay")`` carries traffic between containers on both hosts."""

from __future__ import annotations

import subprocess
import time
from typing import Any, Dict, Iterator

import pytest

import dockernet
from conftest import harness

TEST_IMAGE = "dockernet-testbox:latest"


@pytest.fixture
def hosts() -> Iterator[Dict[str, Dict[str, str]]]:
    """Two private daemons, ``a`` and ``b``; torn down when the fixture ends."""
    with harness("private-daemons", "a", "b") as lines:
        found = {d["name"]: d for d in lines}
        assert set(found) == {"a", "b"}, f"private-daemons did not start: {found}"
        yield found


def _docker(host: str, *args: str) -> str:
    p = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"docker -H {host} {' '.join(args)}: {p.stdout}{p.stderr}"
    return p.stdout


def test_swarm_and_overlay_with_docker_py_names(hosts: Dict[str, Dict[str, str]]) -> None:
    """init/join/nodes/leave through ``client.swarm`` and ``client.nodes``; an overlay across the
    two hosts; the errors users meet most (init twice, leave outside a swarm, last manager)."""
    a = dockernet.Client(base_url=hosts["a"]["host"])
    b = dockernet.Client(base_url=hosts["b"]["host"])
    assert a.swarm.state()["local_node_state"] == "inactive"
    assert a.swarm.attrs == {}
    with pytest.raises(dockernet.Conflict) as e:
        b.swarm.leave()
    assert "not in a swarm" in str(e.value)

    node_id = a.swarm.init(advertise_addr=hosts["a"]["ip"], default_addr_pool=["10.170.0.0/16"])
    assert node_id and a.swarm.id
    with pytest.raises(dockernet.Conflict):
        a.swarm.init()
    token = a.swarm.attrs["JoinTokens"]["Worker"]
    assert b.swarm.join([f"{hosts['a']['ip']}:2377"], token) is True
    nodes = a.nodes.list()
    assert len(nodes) == 2 and all(n.id for n in nodes)
    assert [n.attrs["Spec"]["Role"] for n in a.nodes.list(filters={"role": "manager"})] == ["manager"]
    with pytest.raises(dockernet.InvalidArgument):
        a.nodes.list(filters={"colour": "blue"})

    net = a.networks.create("span", driver="overlay", attachable=True)
    assert net.name == "span" and net.attrs["Scope"] == "swarm"
    _docker(hosts["a"]["host"], "run", "-d", "--name", "web", "--network", "span", TEST_IMAGE, "sleep", "600")
    _docker(hosts["b"]["host"], "run", "-d", "--name", "db", "--network", "span", TEST_IMAGE, "sleep", "600")
    web = a.containers.get("web")
    for _ in range(8):  # the overlay's peers converge over gossip: bounded tries
        code, out = web.exec_run(["ping", "-c", "1", "-W", "2", "db"])
        if code == 0:
            break
        time.sleep(1)
    assert code == 0, out

    web.remove(force=True)
    b.containers.get("db").remove(force=True)
    assert b.swarm.leave() is True
    with pytest.raises(dockernet.Conflict) as e:
        a.swarm.leave()
    assert "force" in str(e.value)
    assert a.swarm.leave(force=True) is True
    assert a.swarm.state()["local_node_state"] == "inactive"
