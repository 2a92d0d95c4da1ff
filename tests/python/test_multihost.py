"""A lab across two hosts from Python (issue 9): ``Topology.from_yaml(text, client).apply()`` with
``hosts:`` naming two private daemons (target/debug/private-daemons, tests/src/daemons.rs), a swarm
the lab forms, an overlay for the network both hosts use; plan names each step's host, verify
measures across hosts, destroy leaves both daemons as found. The machine's own daemon only serves
as the default client and is never part of the lab."""

from __future__ import annotations

import subprocess
from typing import Dict

import dockernet
from test_swarm import TEST_IMAGE, hosts  # noqa: F401  (the two-daemon fixture)


def _docker(host: str, *args: str) -> str:
    p = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"docker -H {host} {' '.join(args)}: {p.stdout}{p.stderr}"
    return p.stdout


def test_a_lab_across_two_hosts_from_python(hosts: Dict[str, Dict[str, str]]) -> None:  # noqa: F811
    a, b = hosts["a"], hosts["b"]
    yaml = f"""
name: pywan
hosts:
  a: {{host: "{a['host']}", advertise_addr: "{a['ip']}"}}
  b: {{host: "{b['host']}", advertise_addr: "{b['ip']}"}}
swarm: {{manager: a}}
pool: 10.234.0.0/16
image: {TEST_IMAGE}
networks: [span, only_b]
nodes:
  web: {{host: a, command: [sleep, infinity], networks: [span]}}
  db: {{host: b, command: [sleep, infinity], networks: [span, only_b]}}
  cache: {{host: b, command: [sleep, infinity], networks: [only_b]}}
"""
    client = dockernet.Client(base_url=a["host"])
    lab = dockernet.Topology.from_yaml(yaml, client)
    plan = str(lab.plan())
    for want in ("[a] form a swarm with a as its manager", "[b] join the swarm of a", "[a] create network span",
                 "an attachable overlay, created on the manager", "[b] run node db"):
        assert want in plan, f"{want!r} not in:\n{plan}"
    try:
        lab.apply()
        assert "up to date" in str(lab.plan())
        v = lab.verify()
        assert v.ok, str(v)
        assert "web → cache" not in str(v)  # no mismatch: web and cache share no network
        assert _docker(a["host"], "info", "--format", "{{.Swarm.LocalNodeState}}").strip() == "active"
    finally:
        report = str(lab.destroy())
    assert "destroyed" in report, report
    for h in (a, b):
        assert _docker(h["host"], "ps", "-aq", "--filter", "label=dockernet.topology=pywan").strip() == ""
        assert _docker(h["host"], "network", "ls", "-q", "--filter", "label=dockernet.topology=pywan").strip() == ""
        assert _docker(h["host"], "info", "--format", "{{.Swarm.LocalNodeState}}").strip() == "inactive"
