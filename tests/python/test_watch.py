"""Drift watch from Python against a real daemon: `Topology.watch()` reports a hand-made
`docker network disconnect` as a `Change` line, `heal=True` reconnects it and reports the lab up
to date again, `until` bounds the watch, a bad option is an error naming it, Ctrl-C raises
`KeyboardInterrupt` and ends the watch, and `show()` prints plain lines outside Jupyter and, in a
real Jupyter kernel, one HTML table updated in place.

The lab has a unique name, the test's ownership label and its own /20 pool inside 10.202.0.0/16
(`free_pool` of test_topology.py); `destroy_later` destroys it by name even when the test failed
and checks through the docker CLI that nothing labelled with it is left. Every wait is bounded by
the watch's own `until`.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Callable

import pytest

import dockernet
from conftest import TEST_IMAGE, docker_cli, unique
from test_topology import destroy_later, free_pool  # noqa: F401  (destroy_later is a fixture)


def test_watch_reports_a_disconnect_and_heals_it(
    client: Any, lab: Any, destroy_later: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A disconnect by hand is reported with what to do; heal=True repairs it; until ends it."""
    name = destroy_later(unique("watch"))
    spec = {
        "name": name,
        "pool": free_pool(client),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": {"front": {}},
        "nodes": {"web": {"networks": ["front"]}},
    }
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


def test_watch_show_is_a_table_updated_in_place_in_a_notebook(
    client: Any, lab: Any, destroy_later: Callable[[str], str]
) -> None:
    """In a real Jupyter kernel, `show()` draws one HTML table through a display handle and
    updates it in place: when the watch ends, that same output shows the last state."""
    import json

    import nbformat
    from nbclient import NotebookClient

    name = destroy_later(unique("watchnb"))
    spec = {
        "name": name,
        "pool": free_pool(client),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": {"front": {}},
        "nodes": {"web": {"networks": ["front"]}},
    }
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
