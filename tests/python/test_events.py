"""The daemon's events from Python: ``client.events(decode=True, filters=, since=, until=)`` as
docker-py, events for the test's own network and container within a second, ``until`` ending the
stream, bytes without ``decode``, bad filters refused, and the async iterator of ``dockernet.aio``."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from typing import Any

import pytest

import dockernet
from dockernet.aio import AsyncClient


def test_events_arrive_within_a_second(client: Any, lab: Any) -> None:
    """create, connect, disconnect and destroy come within a second of each step."""
    stream = client.events(decode=True, filters={"type": ["network", "container"]}, until="+30s")
    seen: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()

    def read() -> None:
        for ev in stream:
            seen.put((time.monotonic(), ev))

    threading.Thread(target=read, daemon=True).start()
    steps: list[tuple[float, str, str, str]] = []
    net = lab.network("ev")
    steps.append((time.monotonic(), "network", "create", net.id))
    ctr = lab.container("c", network=net.name)
    now = time.monotonic()
    steps += [(now, "container", "create", ctr.id), (now, "network", "connect", ctr.id), (now, "container", "start", ctr.id)]
    net.disconnect(ctr)
    steps.append((time.monotonic(), "network", "disconnect", ctr.id))
    ctr.remove(force=True)
    steps.append((time.monotonic(), "container", "destroy", ctr.id))
    net.remove()
    steps.append((time.monotonic(), "network", "destroy", net.id))

    got: list[tuple[float, dict[str, Any]]] = []

    def matches(ev: dict[str, Any], ty: str, action: str, oid: str) -> bool:
        actor = ev.get("Actor", {})
        ids = {actor.get("ID"), actor.get("Attributes", {}).get("container")}
        return ev.get("Type") == ty and ev.get("Action") == action and oid in ids

    for done, ty, action, oid in steps:
        deadline = done + 1.0
        while not any(matches(ev, ty, action, oid) for _, ev in got):
            # Events that came while later steps ran are already queued: drain first.
            try:
                got.append(seen.get(timeout=max(deadline - time.monotonic(), 0) + 0.01))
            except queue.Empty:
                pytest.fail(f"no {ty} {action} event for {oid[:12]} within a second")
        at = next(t for t, ev in got if matches(ev, ty, action, oid))
        assert at <= deadline, f"{ty} {action} came {at - done:.2f} s after the step"
    stream.close()


def test_until_ends_and_bytes_without_decode(client: Any, lab: Any) -> None:
    """until ends the iteration; without decode each event is its JSON as bytes."""
    net = lab.network("evb")
    since = time.time() - 5
    started = time.monotonic()
    raw = list(client.events(since=since, until=time.time() + 1, filters={"network": net.id}))
    assert time.monotonic() - started < 5
    assert raw and all(isinstance(r, bytes) for r in raw)
    assert json.loads(raw[0])["Action"] == "create"


def test_bad_filters_and_times_are_refused(client: Any) -> None:
    """An unknown filter or a bad time is InvalidArgument naming it, before any request."""
    with pytest.raises(dockernet.InvalidArgument, match='"tpye"'):
        client.events(filters={"tpye": "network"})
    with pytest.raises(dockernet.InvalidArgument, match="yesterday"):
        client.events(since="yesterday")


def test_async_iterator_gets_events_and_cancels(lab: Any) -> None:
    """``async for`` gets the test's own event; a cancelled wait lets go promptly."""
    net_name = lab.name("aio")

    async def main() -> None:
        client = AsyncClient()
        events = client.events(decode=True, filters={"network": net_name}, until="+20s")
        it = events.__aiter__()
        first = asyncio.ensure_future(it.__anext__())
        await asyncio.sleep(0.3)
        lab.network(name=net_name)
        ev = await asyncio.wait_for(first, 5)
        assert ev["Action"] == "create" and ev["Actor"]["Attributes"]["name"] == net_name
        quiet = client.events(filters={"network": lab.name("none")})
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(quiet.__anext__(), 0.5)
        assert time.monotonic() - started < 2
        await events.aclose()
        with pytest.raises(StopAsyncIteration):
            await events.__anext__()

    asyncio.run(main())
