"""dockernet from Python against Podman's Docker-compatible API: a private ``podman system service``
in a network namespace of its own, made by the Rust harness (``private-podman``,
tests/src/podman.rs). The subset: networks, a container connected with a static address and an
alias (Podman answers connect with ``OK``), and a topology's plan/apply/status/verify/destroy,
docker-py's names throughout. See README "Podman notes" for what differs from Docker. Skipped —
loudly — only when Podman cannot be installed on the machine."""

from __future__ import annotations

from typing import Iterator

import pytest

import dockernet
from conftest import harness

TEST_IMAGE = "dockernet-testbox:latest"


@pytest.fixture(scope="module")
def podman() -> Iterator[dockernet.Client]:
    """A client for the private Podman service (one per module: see tests/src/podman.rs)."""
    with harness("private-podman") as lines:
        info: dict[str, str] = {k: v for d in lines for k, v in d.items()}
        if "skip" in info:
            print(f"\n!!!!!!!! SKIPPED: Podman cannot be installed here, the Podman tests did NOT run: {info['skip']}\n")
            pytest.skip(f"PODMAN CANNOT BE INSTALLED HERE: {info['skip']}")
        assert "host" in info, f"private-podman did not start: {info}"
        yield dockernet.Client(base_url=info["host"])


def test_networks_and_a_connected_container(podman: dockernet.Client) -> None:
    # README "Podman notes": Podman's default network only, no host/none.
    assert [n.name for n in podman.networks.list()] == ["bridge"]
    net = podman.networks.create("py-pn", subnet="10.232.20.0/24")
    try:
        assert podman.networks.get("py-pn").attrs["IPAM"]["Config"][0]["Subnet"] == "10.232.20.0/24"
        with pytest.raises(dockernet.errors.Conflict):
            podman.networks.create("py-pn")
        with pytest.raises(dockernet.errors.NotFound):
            podman.networks.get("py-pn-missing")
        ctr = podman.containers.run(TEST_IMAGE, name="py-pc", command="sleep 600")
        try:
            net.connect(ctr, ipv4_address="10.232.20.50", aliases=["al1"])
            ctr.reload()
            ep = ctr.attrs["NetworkSettings"]["Networks"]["py-pn"]
            assert ep["IPAddress"] == "10.232.20.50" and "al1" in ep["Aliases"], ep
            net.disconnect(ctr)
            ctr.reload()
            assert "py-pn" not in ctr.attrs["NetworkSettings"]["Networks"]
        finally:
            ctr.remove(force=True)
    finally:
        net.remove()
    with pytest.raises(dockernet.errors.NotFound):
        podman.networks.get("py-pn")


def test_topology_round_trip(podman: dockernet.Client) -> None:
    spec = {
        "name": "py-plab",
        "image": TEST_IMAGE,
        "networks": {"front": {"subnet": "10.232.10.0/24"}, "back": {"subnet": "10.232.11.0/24"}},
        "nodes": {"web": {"networks": ["front", "back"]}, "db": {"networks": ["back", "front"]}},
        "expect": [{"from": "web", "to": "db", "reach": True}],
    }
    t = podman.topology(spec)
    t.apply()
    try:
        assert t.plan()["actions"] == []
        assert t.status()["up_to_date"] is True
        v = t.verify()
        assert v.ok, str(v)
    finally:
        t.destroy()
    assert [n.name for n in podman.networks.list()] == ["bridge"]
    assert podman.containers.list(all=True) == []
