"""Drift watch from Python against a real daemon: `Topology.watch()` reports a hand-made
`docker network disconnect` as a `Change` line, `heal=True` reconnects it and reports the lab up
to date again, `until` bounds the watch, a bad option is an error naming it, Ctrl-C raises
`KeyboardInterrupt` and ends the watch, and `show()` prints plain lines outside Jupyter and, in a
real Jupyter kernel, one HTML table updated in place.

The lab (`web_lab` of conftest.py: network `front`, node `web`) has a unique name, the test's
ownership label and its own /20 pool inside 10.202.0.0/16; it is destroyed by name even when the
test failed, and the docker CLI checks that nothing labelled with it is left. Every wait is
bounded by the watch's own `until`.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Callable

import pytest

import dockernet
from conftest import docker_cli


def test_watch_reports_a_disconnect_and_heals_it(
    client: Any, web_lab: Callable[[str], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A disconnect by hand is reported with what to do; heal=True repairs it; until ends it."""
    spec = web_lab("watch")
    name = spec["name"]
    t = dockernet.Topology.from_dict(spec, client=client)
    t.apply()

    with pytest.raises(dockernet.InvalidArgument) as e:
        t.watch(retries=0)
    assert "option retries" in str(e.value) and "got 0" in str(e.value)

    # Report only: the first record is the lab's state; the disconnect follows within seconds.
    seen: list[dockernet.topology.Change] = []
    timer = threading.Timer(2.0, lambda: docker_cli("network", "disconnect", f"{name}-front", f"{name}-web"))
    started = time.monotonic()
    with t.watch(until=12) as w:
        timer.start()
        for change in w:
            seen.append(change)
            if change.change == "drift":
                break
    timer.join()
    assert seen[0].change == "up_to_date", [str(c) for c in seen]
    drift = seen[-1]
    assert drift.change == "drift", [str(c) for c in seen]
    assert drift["path"] == "nodes.web.networks.front" and drift["state"] == "missing", dict(drift)
    assert str(drift) == "node web: disconnected from front by hand — run topology.apply() or watch(heal=True)"
    assert time.monotonic() - started < 10

    # Heal: the drift is re-applied, each step logged, and the lab reported up to date again.
    kinds: list[str] = []
    for change in t.watch(heal=True, until=30):
        kinds.append(change.change)
        if change.change == "up_to_date" and "healed" in kinds:
            break
    assert kinds[:2] == ["drift", "heal"], kinds
    assert "healed" in kinds and kinds[-1] == "up_to_date", kinds
    assert t.status()["up_to_date"] is True

    # `until` bounds it; show() prints plain lines outside Jupyter.
    started = time.monotonic()
    t.watch(until="2s").show()
    assert time.monotonic() - started < 10
    out = capsys.readouterr().out
    assert f"topology {name}: up to date" in out, out

    # Ctrl-C (SIGINT to this process) while the watch waits: KeyboardInterrupt within ~1 s.
    w = t.watch(until=30)
    assert next(w).change == "up_to_date"
    sent: list[float] = []
    timer = threading.Timer(0.5, lambda: (sent.append(time.monotonic()), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    with pytest.raises(KeyboardInterrupt) as k:
        next(w)
    raised = time.monotonic()
    timer.join()
    assert raised - sent[0] < 1.5, f"KeyboardInterrupt came {raised - sent[0]:.2f}s after SIGINT"
    assert "interrupted (Ctrl-C)" in str(k.value), str(k.value)
    with pytest.raises(StopIteration):
        next(w)  # the interrupt ended the watch


def test_watch_show_is_a_table_updated_in_place_in_a_notebook(client: Any, web_lab: Callable[[str], dict[str, Any]]) -> None:
    """In a real Jupyter kernel, `show()` draws one HTML table through a display handle and
    updates it in place: when the watch ends, that same output shows the last state."""
    import json

    import nbformat
    from nbclient import NotebookClient

    spec = web_lab("watchnb")
    name = spec["name"]
    dockernet.Topology.from_dict(spec, client=client).apply()
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import json, dockernet\n"
            f"t = dockernet.Topology.from_dict(json.loads({json.dumps(json.dumps(spec))}))\n"
            "t.watch(until=3).show()\n"
        )
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors
    shown = [o for o in outputs if o.output_type == "display_data"]
    assert len(shown) == 1, outputs  # one table, updated in place (not one per change)
    html = shown[0].data["text/html"]
    assert f"watch {name}: ended (up to date)" in html, html
    assert f"topology {name}: up to date (3 elements as declared)" in html, html


def test_async_watch_reports_drift_and_cancelling_ends_the_wait(
    client: Any, web_lab: Callable[[str], dict[str, Any]]
) -> None:
    """`dockernet.aio`: `async for` over `topology.watch()` gives the blocking watch's `Change`
    records (a disconnect by hand, with what to do); a bad option raises at the first step; and a
    task cancelled while it waits (`asyncio.wait_for`) closes the watch, which ends the worker
    thread's wait at once instead of at the next change (which here never comes)."""
    import asyncio

    from dockernet.aio import AsyncClient

    spec = web_lab("awatch")
    name = spec["name"]
    dockernet.Topology.from_dict(spec, client=client).apply()

    class Spy:
        """Wraps the blocking watch; `returned` is set when a wait ends."""

        def __init__(self, native: Any) -> None:
            self.native = native
            self.returned = threading.Event()

        def __next__(self) -> Any:
            try:
                return next(self.native)
            finally:
                self.returned.set()

        def close(self) -> None:
            self.native.close()

    async def main() -> None:
        topo = AsyncClient().topology(spec)
        with pytest.raises(dockernet.InvalidArgument) as e:
            async for _ in topo.watch(retries=0):
                pass
        assert "option retries" in str(e.value), str(e.value)

        seen: list[dockernet.topology.Change] = []
        async with topo.watch(until=20) as w:
            async for change in w:
                seen.append(change)
                if change.change == "up_to_date":
                    await asyncio.to_thread(docker_cli, "network", "disconnect", f"{name}-front", f"{name}-web")
                if change.change == "drift":
                    break
        assert [c.change for c in seen] == ["up_to_date", "drift"], [str(c) for c in seen]
        assert str(seen[-1]) == "node web: disconnected from front by hand — run topology.apply() or watch(heal=True)"

        # The lab stays disconnected: the first record says so, then nothing comes until `until`.
        w = topo.watch(until=60)
        assert (await w.__anext__()).change == "drift"
        spy = Spy(w._native)
        w._native = spy
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(w.__anext__(), 1.0)
        assert await asyncio.to_thread(spy.returned.wait, 5), "the worker thread still waits after the cancel"
        assert time.monotonic() - started < 5
        with pytest.raises(StopAsyncIteration):
            await w.__anext__()

    asyncio.run(main())
