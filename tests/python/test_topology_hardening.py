"""Issue 10's topology items from Python against a real daemon: a plan and a status name a changed
environment variable but never hold its value, nor does the configuration label (item 13); a
subnet too small for its nodes and a node name that cannot be a hostname are `InvalidArgument`
errors naming their paths before anything is made (item 17); a list where options belong is refused
as YAML refuses it.

Topologies get a unique name, the test's label and their own pool; `destroy_later` (from
test_topology) destroys them by name even when a test fails and checks nothing is left.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Callable

import pytest

import dockernet
from conftest import TEST_IMAGE, unique
from test_topology import destroy_later, free_pool, owned  # noqa: F401 (destroy_later is a fixture)


def lab_spec(lab: Any, client: Any, env: dict[str, str]) -> dict[str, Any]:
    return {
        "name": unique("topo"),
        "pool": free_pool(client),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": {"a": {}},
        "nodes": {"db": {"networks": ["a"], "env": env}},
    }


def test_plan_status_and_label_never_hold_env_values(
    client: Any, lab: Any, destroy_later: Callable[[str], str]
) -> None:
    old, new, key = (f"hunter2-{secrets.token_hex(4)}", f"s3cret-{secrets.token_hex(4)}", f"k3y-{secrets.token_hex(4)}")
    spec = lab_spec(lab, client, {"DB_PASSWORD": old})
    destroy_later(spec["name"])
    dockernet.Topology.from_dict(spec, client=client).apply()
    label = client.containers.get(f"{spec['name']}-db").attrs["Config"]["Labels"]["dockernet.topology.config"]
    assert old not in label and "sha256:" in label, label

    spec["nodes"]["db"]["env"] = {"DB_PASSWORD": new, "API_KEY": key}
    t = dockernet.Topology.from_dict(spec, client=client)
    plan, status = t.plan(), t.status()
    shown = "\n".join([str(plan), repr(plan), json.dumps(dict(plan), default=str), str(status), repr(status),
                       json.dumps(dict(status), default=str)])
    assert "env: API_KEY added, DB_PASSWORD changed" in shown, shown
    for value in (old, new, key):
        assert value not in shown, f"{value} is shown:\n{shown}"
    t.apply()
    assert t.plan()["actions"] == []


def test_labs_that_cannot_fit_are_refused(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    spec = {
        "name": destroy_later(unique("topo")),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": {"wan": {"subnet": "10.202.250.0/30"}},
        "nodes": {f"n{i}": {"networks": ["wan"]} for i in range(6)} | {"x" * 64: {"networks": ["wan"]}},
    }
    with pytest.raises(dockernet.InvalidArgument) as e:
        dockernet.Topology.from_dict(spec, client=client)
    message = str(e.value)
    assert "networks.wan.subnet: 10.202.250.0/30 has room for 1 container address" in message, message
    assert "7 nodes are attached" in message, message
    assert f"nodes.{'x' * 64}: the name is 64 characters long" in message, message
    assert owned(spec["name"]) == ([], [])


def test_a_list_where_options_belong_is_refused(client: Any) -> None:
    with pytest.raises(dockernet.InvalidArgument) as e:
        dockernet.Topology.from_dict({"name": "x", "networks": ["a"], "nodes": {"web": ["img"]}}, client=client)
    assert "nodes.web: invalid type: sequence, expected a table of options" in str(e.value), str(e.value)
