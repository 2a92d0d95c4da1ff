"""Races from Python (issue 10, items 10-11): `Topology.apply`'s lock options against a real
daemon, and duplicate network names from threads.

The topology lock is a container `dockernet-lock-<name>` on the daemon (see core's
topology/lock.rs); a test plants one with the docker CLI, as a holder on another machine would
leave it, and checks what `wait`, `lock_timeout` and `break_lock` do with it.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

import dockernet
from conftest import TEST_IMAGE, docker_cli, owned


def plant_foreign_lock(lab: Any, topology: str) -> str:
    """A lock of topology `topology` held by pid 4242 on host `elsewhere` (which cannot be checked
    from here, so it is never broken unless asked)."""
    name = f"dockernet-lock-{topology}"
    labels = {
        "dockernet.lock": topology,
        "dockernet.lock.operation": "apply",
        "dockernet.lock.pid": "4242",
        "dockernet.lock.host": "elsewhere",
        "dockernet.lock.since": "2026-01-01T00:00:00Z",
        "dockernet.lock.process": "linux/another-boot/pid:[1]/4242/7",
        "dockernet.lock.token": "planted",
        **lab.labels,
    }
    args = ["create", "--name", name, "--network", "none"]
    for k, v in labels.items():
        args += ["--label", f"{k}={v}"]
    docker_cli(*args, TEST_IMAGE, "true")
    lab.track_container(name)
    return name


def test_apply_lock_options(client: Any, lab: Any, web_lab: Callable[[str], dict[str, Any]]) -> None:
    """With another apply's lock in place: `wait=False` raises Conflict naming the holder,
    `lock_timeout` raises Timeout after waiting (and reports the wait), `break_lock=True` removes
    the lock and applies."""
    spec = web_lab("race")
    name = spec["name"]
    t = dockernet.Topology.from_dict(spec, client=client)
    lock = plant_foreign_lock(lab, name)
    with pytest.raises(dockernet.Conflict) as e:
        t.apply(wait=False)
    assert "pid 4242 on host elsewhere" in str(e.value), str(e.value)
    assert owned(name) == ([], []), "a refused apply must not touch the daemon"
    events: list[dict[str, Any]] = []
    with pytest.raises(dockernet.Timeout) as e:
        t.apply(lock_timeout=0.5, progress=events.append)
    assert "gave up after" in str(e.value), str(e.value)
    assert any(ev["event"] == "waiting" and "pid 4242 on host elsewhere" in ev["description"] for ev in events), events
    events.clear()
    t.apply(break_lock=True, progress=events.append)
    assert any(ev["event"] == "note" and "asked to break it" in ev["description"] for ev in events), events
    assert t.status()["up_to_date"] is True
    gone = docker_cli("container", "inspect", lock, check=False)
    assert gone.returncode != 0, "the lock must be released after the apply"


def test_threads_creating_one_name_leave_one_network(client: Any, lab: Any) -> None:
    """Four threads create the same network name at once (the GIL released around each call):
    one succeeds, three raise Conflict, one network of that name remains."""
    name = lab.track_network(lab.name("dup"))
    subnets = [str(lab.free_subnet()) for _ in range(4)]
    barrier = threading.Barrier(4)
    results: list[Any] = [None] * 4

    def create(i: int) -> None:
        barrier.wait()
        try:
            results[i] = client.networks.create(name, subnet=subnets[i], labels=lab.labels)
        except dockernet.DockerError as e:
            results[i] = e

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    errors = [r for r in results if isinstance(r, dockernet.DockerError)]
    assert len(errors) == 3, results
    assert all(isinstance(e, dockernet.Conflict) and "already exists" in str(e) for e in errors), errors
    names = docker_cli("network", "ls", "--filter", f"name={name}", "--format", "{{.Name}}").stdout.split()
    assert names.count(name) == 1, names
