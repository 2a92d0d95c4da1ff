"""Topologies from Python against a real daemon: `Topology.from_dict` / `.from_file` /
`client.topology`, the plan → apply → plan (empty) → status → verify → graph → destroy round trip,
path-naming errors, the apply progress callback, and the notebook reprs (`Verification._repr_html_`,
`Topology._repr_svg_` with and without Graphviz: the built-in layout draws it when `dot` is missing).

Each topology gets a unique name (`unique(...)`, so its Docker names start with this run's prefix
and the session's leftover check sees them), the test's ownership label, and its own /20 pool
inside 10.202.0.0/16 away from every daemon network and host route. A finalizer destroys it by
name, even when the test failed, and checks through the docker CLI that nothing labelled with it
is left.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Callable

import pytest

import dockernet
# free_pool, owned and the destroy_later fixture live in conftest.py (shared by the topology,
# watch and races suites); they are imported here too, where other suites have long found them.
from conftest import TEST_IMAGE, TOPOLOGY_LABEL, destroy_later, docker_cli, free_pool, owned, unique  # noqa: F401

def three_tier(lab: Any, client: Any) -> dict[str, Any]:
    """The three-tier lab as a dict, under a unique name and pool, with the test's label."""
    return {
        "name": unique("topo"),
        "pool": free_pool(client),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": {"front": {}, "back": {"internal": True}},
        "nodes": {
            "web": {"networks": {"front": {"aliases": ["www"]}, "back": {}}},
            "db": {"networks": {"back": {"aliases": ["database"]}}},
            "client": {"networks": ["front"]},
        },
        "expect": [
            {"from": "client", "to": "web", "reach": True},
            {"from": "web", "to": "db", "reach": True},
            {"from": "client", "to": "db", "reach": False},
        ],
    }


def round_trip(t: dockernet.Topology, nodes: list[str]) -> None:
    plan = t.plan()
    assert plan["actions"], str(plan)
    assert t.name in str(plan)
    events: list[dict[str, Any]] = []
    report = t.apply(progress=events.append)
    assert t.name in str(report)
    again = t.plan()
    assert again["actions"] == [], str(again)
    status = t.status()
    assert status["up_to_date"] is True, str(status)
    v = t.verify()
    assert isinstance(v, dockernet.Verification)
    assert v.ok, str(v)
    mermaid = t.graph("mermaid")
    assert mermaid.startswith("graph"), mermaid
    for n in nodes:
        assert n in mermaid, mermaid
    destroyed = t.destroy()
    assert "destroyed" in str(destroyed), str(destroyed)
    assert owned(t.name) == ([], []), owned(t.name)


def test_from_dict_round_trip(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    spec = three_tier(lab, client)
    destroy_later(spec["name"])
    t = dockernet.Topology.from_dict(spec, client=client)
    assert t.name == spec["name"]
    round_trip(t, ["web", "db", "client"])


def test_from_file_round_trip(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    name = destroy_later(unique("topo"))
    src = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "labs", "router.yaml")
    with open(src) as f:
        text = f.read()
    assert "\nname: router-lab\n" in text
    text = text.replace("\nname: router-lab\n", f"\nname: {name}\npool: {free_pool(client)}\n", 1)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        t = dockernet.Topology.from_file(path, client=client)
        assert t.name == name
        round_trip(t, ["router", "client", "server", "bystander"])
    finally:
        os.unlink(path)


def test_client_topology_dict_and_path(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    spec = three_tier(lab, client)
    destroy_later(spec["name"])
    t = client.topology(spec)
    assert isinstance(t, dockernet.Topology) and t.name == spec["name"]
    round_trip(t, ["web", "db", "client"])
    # a path works too (only loaded and planned here)
    src = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "labs", "three-tier.yaml")
    tf = client.topology(src)
    assert tf.name == "three-tier"
    assert tf.plan()["topology"] == "three-tier"


def test_bad_spec_raises_invalid_argument_naming_the_path(client: Any) -> None:
    spec = {"name": unique("topo"), "image": TEST_IMAGE, "networks": {"a": {}}, "nodes": {"x": {"networks": ["nope"]}}}
    with pytest.raises(dockernet.InvalidArgument) as info:
        dockernet.Topology.from_dict(spec, client=client)
    assert "nodes.x.networks.nope" in str(info.value)


def test_progress_callback_receives_events(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    spec = three_tier(lab, client)
    destroy_later(spec["name"])
    t = dockernet.Topology.from_dict(spec, client=client)
    n = len(t.plan()["actions"])
    events: list[dict[str, Any]] = []
    t.apply(concurrency=2, progress=events.append)
    try:
        assert events, "no progress events"
        assert all(e["topology"] == spec["name"] for e in events), events
        finished = [e for e in events if str(e["event"]).lower() == "finished"]
        started = [e for e in events if str(e["event"]).lower() == "started"]
        assert len(finished) == n and len(started) == n, events
        assert all(e["total"] == n for e in events), events
        assert max(e["done"] for e in events) == n, events
        assert any("web" in e["description"] for e in events), events
    finally:
        t.destroy()


def test_verification_html_and_graph_svg(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    spec = three_tier(lab, client)
    destroy_later(spec["name"])
    t = dockernet.Topology.from_dict(spec, client=client)
    t.apply()
    try:
        v = t.verify()
        html = v._repr_html_()
        assert html.startswith("<table"), html
        for n in ["web", "db", "client"]:
            assert f"<th>{n}</th>" in html, html
        assert "all pairs as expected" in html, html
        # An SVG with or without Graphviz: `dot` when installed, else the built-in layout.
        svg = t._repr_svg_()
        assert svg is not None and "<svg" in svg, svg
        for n in ["web", "db", "client"]:
            assert n in svg
        saved = os.environ["PATH"]
        with tempfile.TemporaryDirectory() as empty:
            os.environ["PATH"] = empty  # no Graphviz on PATH
            try:
                builtin = t._repr_svg_()
            finally:
                os.environ["PATH"] = saved
        assert builtin is not None and "<svg" in builtin, builtin
        for n in ["web", "db", "client", "front", "back"]:
            assert f">{n}<" in builtin, (n, builtin)
    finally:
        t.destroy()
    assert owned(spec["name"]) == ([], [])
