"""Link impairment declared in a topology from Python: a dict's ``link`` (numbers or texts) is
applied, a second plan is empty, ``verify()`` measures the loss next to the declaration (cells'
``loss_pct``, ``rtt_ms``, ``count``, ``link``; the notebook matrix shows it), and a bad value is
``InvalidArgument`` naming its path with nothing created. Loss and rate are used: they need no
netem in the kernel (tests/tests/topology_impair.rs covers delay on kernels that have it)."""

from __future__ import annotations

from typing import Any, Callable

import pytest

import dockernet
from conftest import TEST_IMAGE, unique
from test_topology import destroy_later, free_pool, owned  # noqa: F401 (destroy_later is a fixture)


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Any, monkeypatch: Any) -> None:
    """Records go to this test's own directory, not the host's /var/lib/dockernet."""
    monkeypatch.setenv("DOCKERNET_STATE_DIR", str(tmp_path))


def lossy(lab: Any, client: Any, loss: Any) -> dict[str, Any]:
    return {
        "name": unique("lnk"),
        "pool": free_pool(client),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": ["wan"],
        "nodes": {
            "client": {"networks": {"wan": {"link": {"loss": loss, "rate": "10mbit"}}}},
            "server": {"networks": ["wan"]},
        },
        "expect": [
            {"from": "client", "to": "server", "loss_pct": {"min": 10, "max": 55}, "count": 100},
            {"from": "server", "to": "client", "count": 20},
        ],
    }


def test_declared_loss_is_applied_and_measured(client: Any, lab: Any, destroy_later: Callable[[str], str]) -> None:
    """A dict's link is applied after the node starts, plans nothing afterwards, and verify
    measures its loss within a tolerance, shown next to the declaration (and in the HTML matrix)."""
    spec = lossy(lab, client, 30)
    destroy_later(spec["name"])
    t = dockernet.Topology.from_dict(spec, client=client)
    plan = t.plan()
    assert "impair node client on wan: loss 30% rate 10mbit" in str(plan), str(plan)
    t.apply()
    assert t.plan()["actions"] == [], str(t.plan())
    v = t.verify()
    assert v.ok, str(v)
    cell = next(c for c in v["cells"] if c["from"] == "client" and c["to"] == "server")
    assert cell["count"] == 100
    assert 10.0 <= cell["loss_pct"] <= 55.0, cell
    assert cell["link"] == "client: loss 30% rate 10mbit"
    assert set(cell["rtt_ms"]) == {"min", "avg", "max"}
    assert cell["expect_loss_pct"] == {"min": 10.0, "max": 55.0}
    html = v._repr_html_()
    assert "declared client: loss 30% rate 10mbit" in html and "% of 100" in html, html
    t.destroy()
    assert owned(t.name) == ([], [])


def test_bad_link_names_its_path_and_creates_nothing(client: Any, lab: Any) -> None:
    """A loss of 130 % is refused with its path before the daemon is asked anything."""
    spec = lossy(lab, client, "130%")
    with pytest.raises(dockernet.InvalidArgument) as e:
        dockernet.Topology.from_dict(spec, client=client).apply()
    assert "nodes.client.networks.wan.link.loss" in str(e.value), str(e.value)
    assert owned(spec["name"]) == ([], [])
