"""Swarm from Python with docker-py's names (``client.swarm``, ``client.nodes``), on two private
daemons started by the Rust harness (``target/debug/private-daemons``, tests/src/daemons.rs): the
machine's own daemon is never put in a swarm. An attachable overlay created with
``client.networks.create(driver="overlay")`` carries traffic between containers on both hosts."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import time
from typing import Any, Dict, Iterator

import pytest

import dockernet

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEST_IMAGE = "dockernet-testbox:latest"


def _private_daemons_bin() -> pathlib.Path:
    """The harness binary from `cargo build --workspace --bins`. python-test.sh points
    CARGO_TARGET_DIR at maturin's own target, so the workspace's target/ is looked at first."""
    candidates = [ROOT / "target"]
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(ROOT / os.environ["CARGO_TARGET_DIR"])
    for target in candidates:
        path = target / "debug" / "private-daemons"
        if path.is_file():
            return path
    raise AssertionError(f"private-daemons is missing under {[str(c) for c in candidates]}: run cargo build --workspace --bins first")


@pytest.fixture
def hosts() -> Iterator[Dict[str, Dict[str, str]]]:
    """Two private daemons, ``a`` and ``b``; torn down when the fixture ends (stdin closed)."""
    proc = subprocess.Popen(
        [str(_private_daemons_bin()), "a", "b"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdin is not None
    found: Dict[str, Dict[str, str]] = {}
    try:
        deadline = time.monotonic() + 180
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            d = json.loads(line)
            found[d["name"]] = d
            assert time.monotonic() < deadline, "private daemons took more than 180 s"
        assert set(found) == {"a", "b"}, f"private-daemons did not start: {found}"
        yield found
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)


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
