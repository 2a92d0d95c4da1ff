"""dockernet.aio: the same collections and handles with coroutine methods, for asyncio programs
and notebooks (top-level await). Calls run concurrently and never block the event loop."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any

import pytest

import dockernet
import dockernet.aio

from conftest import TEST_IMAGE, host, is_overlap


async def maybe_await(x: Any) -> Any:
    return await x if inspect.isawaitable(x) else x


async def create_network(lab, client, what: str, **kwargs: Any):
    """An async create on a free /24, retried on an overlap Conflict; tracked by the lab."""
    name = lab.track_network(lab.name(what))
    for _ in range(20):
        s = lab.free_subnet()
        try:
            return await client.networks.create(name, subnet=str(s), labels=lab.labels, **kwargs), s
        except dockernet.Conflict as e:
            if not is_overlap(e):
                raise
    raise AssertionError(f"no free subnet for {name}")


def test_async_walkthrough(lab):
    """The seed walkthrough with await: list, create, run, connect (a new interface eth1),
    exec_run, disconnect (gone), reload/attrs, remove."""

    async def main() -> None:
        client = dockernet.aio.AsyncClient(timeout=60.0)
        try:
            assert await client.ping() is True
            assert "ApiVersion" in await client.version()
            builtin = await client.networks.list(filters={"type": "builtin"})
            assert sorted(n.name for n in builtin) == ["bridge", "host", "none"]

            net, s = await create_network(lab, client, "anet")
            assert net.name.startswith(lab.tag) and len(net.id) == 64
            assert (await client.networks.get(net.name)).id == net.id
            assert [n.id for n in await client.networks.list(names=[net.name])] == [net.id]

            name = lab.track_container(lab.name("actr"))
            ctr = await client.containers.run(TEST_IMAGE, name=name, labels=lab.labels)
            assert ctr.name == name and ctr.status == "running"
            assert [i["network"] for i in await ctr.interfaces()] == ["bridge"]

            await net.connect(ctr, ipv4_address=host(s, 33), aliases=["web"])
            ifaces = await ctr.interfaces()
            added = [i for i in ifaces if i["network"] == net.name]
            assert len(added) == 1 and added[0]["ifname"] == "eth1", ifaces
            assert added[0]["ipv4"] == f"{host(s, 33)}/24"
            res = await ctr.exec_run("ifconfig eth1")
            assert res.exit_code == 0 and host(s, 33).encode() in res.output

            await net.reload()
            assert ctr.id in net.attrs["Containers"]

            await net.disconnect(ctr)
            assert (await ctr.exec_run("ifconfig eth1")).exit_code != 0
            assert [i["network"] for i in await ctr.interfaces()] == ["bridge"]

            got = await client.containers.get(ctr.id)
            assert got.name == name
            assert [c.id for c in await client.containers.list(filters={"label": lab.label_filter})] == [ctr.id]
            await ctr.stop(timeout=0)
            await ctr.reload()
            assert ctr.status == "exited"
            await ctr.remove(force=True)
            await net.remove()
            with pytest.raises(dockernet.NotFound):
                await client.networks.get(net.name)
            with pytest.raises(dockernet.NotFound):
                await client.containers.get(name)
        finally:
            await maybe_await(client.close())

    asyncio.run(main())
    assert lab.leftovers() == ([], [])


def test_async_methods_return_awaitables(lab):
    """Collection and handle methods return awaitables; awaiting one gives the value."""

    async def main() -> None:
        client = dockernet.aio.AsyncClient()
        try:
            pending = client.networks.list()
            assert inspect.isawaitable(pending)
            assert "bridge" in [n.name for n in await pending]
            net = await client.networks.get("bridge")
            pending = net.reload()
            assert inspect.isawaitable(pending)
            await pending
        finally:
            await maybe_await(client.close())

    asyncio.run(main())


def test_async_errors_are_the_same_classes(lab):
    """Errors from awaited calls are the same DockerError subclasses with the same kinds and
    messages as the blocking API; unknown keywords are TypeErrors."""

    async def main() -> None:
        client = dockernet.aio.AsyncClient()
        try:
            missing = lab.name("missing")
            with pytest.raises(dockernet.NotFound) as ei:
                await client.networks.get(missing)
            assert ei.value.kind == "not_found" and missing in str(ei.value)
            bad = lab.track_network(lab.name("bad"))
            with pytest.raises(dockernet.InvalidArgument) as ei:
                await client.networks.create(bad, subnet="10.200.0.0/33", labels=lab.labels)
            assert "subnet" in str(ei.value) and "10.200.0.0/33" in str(ei.value)
            with pytest.raises(dockernet.Forbidden):
                await (await client.networks.get("bridge")).remove()
            with pytest.raises(TypeError):
                await client.networks.list(nmes=["x"])
        finally:
            await maybe_await(client.close())
        unreachable = dockernet.aio.AsyncClient(base_url="unix:///nonexistent.sock")
        with pytest.raises(dockernet.DaemonUnavailable):
            await unreachable.ping()

    asyncio.run(main())
    assert lab.leftovers() == ([], [])


def test_async_calls_overlap_and_do_not_block_the_loop(lab, client):
    """Four awaited exec_run(`sleep 1`) gathered together take about one second, and a ticking
    coroutine keeps running on the same loop meanwhile."""
    name = lab.container("par").name

    async def main() -> tuple[float, int]:
        aclient = dockernet.aio.AsyncClient()
        try:
            ctr = await aclient.containers.get(name)
            ticks = 0
            done = asyncio.Event()

            async def ticker() -> None:
                nonlocal ticks
                while not done.is_set():
                    ticks += 1
                    await asyncio.sleep(0.01)

            tick_task = asyncio.ensure_future(ticker())
            t0 = time.monotonic()
            results = await asyncio.gather(*(ctr.exec_run(["sleep", "1"]) for _ in range(4)))
            elapsed = time.monotonic() - t0
            done.set()
            await tick_task
            assert [r.exit_code for r in results] == [0, 0, 0, 0]
            return elapsed, ticks
        finally:
            await maybe_await(aclient.close())

    elapsed, ticks = asyncio.run(main())
    assert elapsed < 3.0, f"4 x sleep 1 took {elapsed:.1f}s: awaited calls are serialised"
    assert ticks > 30, f"the loop ticked only {ticks} times in {elapsed:.1f}s: a call blocked it"


def test_async_swarm_and_nodes_are_coroutines() -> None:
    """``client.swarm`` and ``client.nodes`` are there too; on a daemon in no swarm (the machine's
    own, which no test ever puts in one) the state reads inactive and listing nodes says why not."""

    async def main() -> None:
        client = dockernet.aio.AsyncClient()
        state = await client.swarm.state()
        assert state["local_node_state"] == "inactive"
        with pytest.raises(dockernet.Conflict) as e:
            await client.nodes.list()
        assert "not in a swarm" in str(e.value)

    asyncio.run(main())
