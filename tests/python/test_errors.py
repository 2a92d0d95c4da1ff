"""Bad input, table-driven, from Python: the same mistakes as the Rust/Lua table
(tests/tests/bad_input.rs) plus the Python-only ones (unknown keywords, wrong types). Each row is
one call that must fail with its exception class and `.kind`, with a message naming the culprit,
and leave nothing new on the daemon.

The rows share one fixture (two networks, three containers, a removed network and a removed
container for stale handles), built once for the module; each row is its own test.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Sequence, Union

import pytest

import dockernet

from conftest import LABEL, TEST_IMAGE, Lab, daemon_objects, docker_cli, free_subnet6, host, unique, wait_for_prune

# An unknown key of a dict argument (ipam, networks={name: {...}}) is an InvalidArgument, as in core's
# option tables (the package passes it to core, which refuses it naming the key and the keys the call
# takes, models.py _CORE_KEYS); an unknown keyword is a TypeError, as for any Python function.

# A needle is a word the message must contain (case-insensitive), or a tuple of alternatives
# (a network given as a handle may be named by its name or by its id).
Needle = Union[str, tuple]


@dataclass
class Case:
    name: str
    exc: Any  # an exception class, or a tuple of acceptable classes
    kind: str | None  # DockerError.kind, or None for TypeError
    needles: Callable[[Any], Sequence[Needle]]
    run: Callable[[Any], Any]


OUTSIDE = ipaddress.ip_network("10.199.0.0/24")  # outside the test pool and every fixture subnet


def out(n: int) -> str:
    return host(OUTSIDE, n)


def either(obj: Any) -> tuple:
    """The name or the id of a handle."""
    return (obj.name, obj.id)


def first_v4(net: Any) -> tuple[str, str]:
    """The first IPv4 subnet of a network and its 200th address."""
    for pool in net.attrs["IPAM"]["Config"]:
        s = ipaddress.ip_network(pool["Subnet"])
        if s.version == 4:
            return str(s), str(s.network_address + 200)
    raise AssertionError(f"no IPv4 subnet on {net.name}: {net.attrs['IPAM']}")


@pytest.fixture(scope="module")
def f(client) -> Iterable[SimpleNamespace]:
    """The shared fixture: net_a (with a subnet), net_auto (daemon-chosen subnet; its name sorts
    before net_a's), ctr_run on net_a at a static address, ctr_other on net_auto, ctr_stopped on
    net_a (stopped), plus a removed network and a removed container for stale handles."""
    lab = Lab(client, unique("errors"))
    try:
        net_a, s = lab.network_with_subnet("neta")
        net_auto = lab.network("auto", subnet=False)
        assert net_auto.name < net_a.name
        taken_ip = host(s, 10)
        ctr_run = lab.container("run", networks={net_a.name: {"ipv4_address": taken_ip}})
        ctr_other = lab.container("other", network=net_auto.name)
        ctr_stopped = lab.stopped_container("stopped", network=net_a.name)
        gone_net = lab.network("gone")
        gone_net.remove()
        gone_ctr = lab.container("gonectr")
        gone_ctr.remove(force=True)
        version = client.version()
        api = tuple(int(x) for x in version["ApiVersion"].split("."))
        ns = SimpleNamespace(
            lab=lab,
            c=client,
            net_a=net_a,
            s=s,
            net_auto=net_auto,
            ctr_run=ctr_run,
            ctr_other=ctr_other,
            ctr_stopped=ctr_stopped,
            gone_net=gone_net,
            gone_ctr=gone_ctr,
            taken_ip=taken_ip,
            gateway_ip=host(s, 1),
            auto_ip=first_v4(net_auto)[1],
            bridge_ip=first_v4(client.networks.get("bridge"))[1],
            missing_net=lab.name("missing-net"),
            missing_ctr=lab.name("missing-ctr"),
            missing_image=f"{lab.tag}-missing-image:latest",
            prefix2=net_a.id[:2],
            host_bits=f"{host(s, 5)}/24",
            half=f"{host(s, 128)}/25",
            spare=lab.free_subnet(),
            api=api,
            api_str=version["ApiVersion"],
            runs=[],
        )
        ns.before = lab.leftovers()
        yield ns
    finally:
        failures = lab.cleanup()
        assert not failures, f"could not clean up: {failures}"


def fresh(f: Any, what: str) -> str:
    """A tracked name for an object that must never come to exist."""
    return f.lab.track_network(f.lab.name(what))


def labelled(f: Any) -> dict[str, str]:
    return f.lab.labels


def run_named(f: Any, what: str, **kwargs: Any) -> Any:
    """containers.run of the test image under a fresh, tracked name (for runs that must fail)."""
    name = f.lab.track_container(f.lab.name(what))
    f.runs.append(name)
    kwargs.setdefault("labels", f.lab.labels)
    image = kwargs.pop("image", TEST_IMAGE)
    return f.c.containers.run(image, name=name, **kwargs)


def create(f: Any, what: str, **kwargs: Any) -> Any:
    return f.c.networks.create(fresh(f, what), labels=labelled(f), **kwargs)


INV, NF, CONF, FORB = dockernet.InvalidArgument, dockernet.NotFound, dockernet.Conflict, dockernet.Forbidden

CASES: list[Case] = [
    # --- networks.create: addressing, caught before any request
    Case("create: subnet is not a CIDR", INV, "invalid", lambda f: ["subnet", "10.200.0.0/33"],
         lambda f: create(f, "cidr", subnet="10.200.0.0/33")),
    Case("create: subnet has host bits", INV, "invalid", lambda f: ["subnet", f.host_bits, str(f.s)],
         lambda f: create(f, "hostbits", subnet=f.host_bits)),
    Case("create: gateway outside the subnet", INV, "invalid", lambda f: ["gateway", out(1)],
         lambda f: create(f, "gw", subnet=str(f.s), gateway=out(1))),
    Case("create: gateway without a subnet", INV, "invalid", lambda f: ["gateway", out(1), "subnet"],
         lambda f: create(f, "gw2", gateway=out(1))),
    Case("create: gateway is not an address", INV, "invalid", lambda f: ["gateway", "10.1.2"],
         lambda f: create(f, "gw3", subnet=str(f.s), gateway="10.1.2")),
    Case("create: ip_range outside the subnet", INV, "invalid", lambda f: ["ip_range", f"{out(0)}/25"],
         lambda f: create(f, "range", subnet=str(f.s), ip_range=f"{out(0)}/25")),
    Case("create: aux address outside the subnet", INV, "invalid", lambda f: ["aux_addresses.router", out(2)],
         lambda f: create(f, "aux", subnet=str(f.s), aux_addresses={"router": out(2)})),
    Case("create: two overlapping subnets in one request", INV, "invalid", lambda f: ["overlaps", str(f.s), f.half],
         lambda f: create(f, "overlap1", subnet=[str(f.s), f.half])),
    Case("create: ipam pool with an unknown key", INV, "invalid", lambda f: ["Config[0].Subnett", "IPRange"],
         lambda f: create(f, "ipamkey", ipam={"Config": [{"Subnett": str(f.spare)}]})),
    Case("create: ipam dict with an unknown key, not read as create's own internal", INV, "invalid",
         lambda f: ["ipam.internal", "Driver"], lambda f: create(f, "ipamkey2", ipam={"internal": True})),
    Case("create: ipam's Driver given twice (both spellings)", INV, "invalid", lambda f: ["Driver", "driver"],
         lambda f: create(f, "ipamkey3", ipam={"Driver": "default", "driver": "default"})),
    # --- networks.create: against what exists
    Case("create: subnet overlaps an existing network", CONF, "conflict", lambda f: [str(f.s), f.net_a.name],
         lambda f: create(f, "overlap2", subnet=str(f.s))),
    Case("create: ipam subnet overlaps an existing network", CONF, "conflict", lambda f: [str(f.s), f.net_a.name],
         lambda f: create(f, "overlap3", ipam={"Driver": "default", "Config": [{"Subnet": str(f.s)}]})),
    Case("create: duplicate name", CONF, "conflict", lambda f: [f.net_a.name, "already exists"],
         lambda f: f.c.networks.create(f.net_a.name, labels=labelled(f))),
    Case("create: enable_ipv6 without an IPv6 subnet (20.10-26 have no default IPv6 pool)", INV, "invalid",
         lambda f: ["ipv6", "subnet"], lambda f: create(f, "v6", subnet=str(f.spare), enable_ipv6=True)),
    Case("create: empty name", INV, "invalid", lambda f: ["name", "empty"],
         lambda f: f.c.networks.create("", labels=labelled(f))),
    Case("create: blank name", INV, "invalid", lambda f: ["name", "empty"],
         lambda f: f.c.networks.create("  ", labels=labelled(f))),
    Case("create: predefined name bridge", FORB, "forbidden", lambda f: ["bridge", "predefined"],
         lambda f: f.c.networks.create("bridge", labels=labelled(f))),
    # --- Network.remove
    Case("remove: predefined network bridge", FORB, "forbidden", lambda f: ["bridge", "pre-defined"],
         lambda f: f.c.networks.get("bridge").remove()),
    Case("remove: network in use", FORB, "forbidden", lambda f: [either(f.net_a), "active endpoints"],
         lambda f: f.net_a.remove()),
    Case("remove: stale handle of a removed network", NF, "not_found", lambda f: [either(f.gone_net)],
         lambda f: f.gone_net.remove()),
    # --- Network.connect
    Case("connect: running container already connected", CONF, "conflict",
         lambda f: [f.ctr_run.name, either(f.net_a), "already connected"],
         lambda f: f.net_a.connect(f.ctr_run.name)),
    Case("connect: stopped container already connected", CONF, "conflict",
         lambda f: [f.ctr_stopped.name, either(f.net_a), "already connected"],
         lambda f: f.net_a.connect(f.ctr_stopped.name, aliases=["ignored"])),
    Case("connect: static IP outside the subnet", INV, "invalid", lambda f: ["ipv4", out(9), str(f.s)],
         lambda f: f.net_a.connect(f.ctr_other.name, ipv4_address=out(9))),
    Case("connect: ipv4_address given an IPv6 address", INV, "invalid", lambda f: ["ipv4", "fd00::5"],
         lambda f: f.net_a.connect(f.ctr_other.name, ipv4_address="fd00::5")),
    Case("connect: ipv4_address is not an address", INV, "invalid", lambda f: ["ipv4", "10.1.2"],
         lambda f: f.net_a.connect(f.ctr_other.name, ipv4_address="10.1.2")),
    Case("connect: static IP already taken", CONF, "conflict", lambda f: [either(f.net_a), f.taken_ip, "already in use"],
         lambda f: f.net_a.connect(f.ctr_other.name, ipv4_address=f.taken_ip)),
    Case("connect: static IP on the default bridge", INV, "invalid", lambda f: ["bridge", "user defined networks"],
         lambda f: f.c.networks.get("bridge").connect(f.ctr_other.name, ipv4_address=f.bridge_ip)),
    Case("connect: to the host network", INV, "invalid", lambda f: ["host"],
         lambda f: f.c.networks.get("host").connect(f.ctr_other)),
    Case("connect: stale handle of a removed network", NF, "not_found", lambda f: [either(f.gone_net)],
         lambda f: f.gone_net.connect(f.ctr_run.name)),
    Case("connect: stale network handle, stopped container", NF, "not_found", lambda f: [either(f.gone_net)],
         lambda f: f.gone_net.connect(f.ctr_stopped)),
    Case("connect: missing container", NF, "not_found", lambda f: [f.missing_ctr],
         lambda f: f.net_a.connect(f.missing_ctr)),
    Case("connect: unknown keyword (the Lua spelling ipv4)", TypeError, None, lambda f: ["ipv4"],
         lambda f: f.net_a.connect(f.ctr_other.name, ipv4=out(9))),
    # --- Network.disconnect
    Case("disconnect: container not connected", CONF, "conflict",
         lambda f: [f.ctr_other.name, either(f.net_a), "not connected"],
         lambda f: f.net_a.disconnect(f.ctr_other.name)),
    Case("disconnect: missing container", NF, "not_found", lambda f: [f.missing_ctr],
         lambda f: f.net_a.disconnect(f.missing_ctr)),
    Case("disconnect: stale handle of a removed network", NF, "not_found", lambda f: [either(f.gone_net)],
         lambda f: f.gone_net.disconnect(f.ctr_run)),
    # --- networks.get / list / prune
    Case("get: a 2-character id prefix is not a name", NF, "not_found", lambda f: [f.prefix2],
         lambda f: f.c.networks.get(f.prefix2)),
    Case("get: missing network", NF, "not_found", lambda f: [f.missing_net],
         lambda f: f.c.networks.get(f.missing_net)),
    Case("get: empty name", INV, "invalid", lambda f: ["name", "empty"], lambda f: f.c.networks.get("")),
    Case("list: unknown filter key", INV, "invalid", lambda f: ["bogus"],
         lambda f: f.c.networks.list(filters={"bogus": "x"})),
    Case("list: bad type filter value", INV, "invalid", lambda f: ["type", "foo"],
         lambda f: f.c.networks.list(filters={"type": "foo"})),
    Case("list: bad dangling filter value", INV, "invalid", lambda f: ["dangling"],
         lambda f: f.c.networks.list(filters={"dangling": "maybe"})),
    Case("list: get's verbose is not accepted silently", TypeError, None, lambda f: ["verbose"],
         lambda f: f.c.networks.list(verbose=True)),
    Case("prune: filter key prune does not take", INV, "invalid", lambda f: ["name"],
         lambda f: wait_for_prune(lambda: f.c.networks.prune(filters={"name": f.lab.tag, "label": f.lab.label_filter}))),
    # --- containers.run
    Case("run: missing image (never pulled)", NF, "not_found", lambda f: [f.missing_image],
         lambda f: run_named(f, "img", image=f.missing_image, network=f.net_a.name)),
    Case("run: second network missing", NF, "not_found", lambda f: [f.missing_net],
         lambda f: run_named(f, "miss", networks=[f.net_a.name, f.missing_net])),
    Case("run: second network's static IP taken by a running container", CONF, "conflict",
         lambda f: [f.net_a.name, f.taken_ip],
         lambda f: run_named(f, "taken", networks={f.net_auto.name: {}, f.net_a.name: {"ipv4_address": f.taken_ip}})),
    Case("run: second attach fails at the daemon (IP is the gateway), container removed", CONF, "conflict",
         lambda f: [f.gateway_ip, "removed"],
         lambda f: run_named(f, "gw", networks={f.net_auto.name: {}, f.net_a.name: {"ipv4_address": f.gateway_ip}})),
    Case("run: network given twice", INV, "invalid", lambda f: [f.net_a.name, "twice"],
         lambda f: run_named(f, "twice", network=f.net_a.name, networks=[f.net_a.name])),
    Case("run: static IP outside the subnet", INV, "invalid", lambda f: ["ipv4", out(9)],
         lambda f: run_named(f, "outside", networks={f.net_a.name: {"ipv4_address": out(9)}})),
    Case("run: unknown endpoint key inside networks", INV, "invalid", lambda f: ["ipv5", f.net_a.name, "ipv4_address"],
         lambda f: run_named(f, "ipv5", networks={f.net_a.name: {"ipv5": "x"}})),
    Case("run: unknown key in an endpoint's IPAMConfig (networking_config)", INV, "invalid",
         lambda f: ["IPAMConfig.IPv4Adress", f.net_a.name, "IPv4Address"],
         lambda f: run_named(f, "ipamcfg", network=f.net_a.name,
                             networking_config={f.net_a.name: {"IPAMConfig": {"IPv4Adress": out(9)}}})),
    Case("run: empty image", INV, "invalid", lambda f: ["image"], lambda f: f.c.containers.run("")),
    Case("run: container name in use", CONF, "conflict", lambda f: [f.ctr_run.name, "already in use"],
         lambda f: f.c.containers.run(TEST_IMAGE, name=f.ctr_run.name, labels=labelled(f))),
    Case("run: unknown keyword", TypeError, None, lambda f: ["imagee"],
         lambda f: f.c.containers.run(TEST_IMAGE, imagee=TEST_IMAGE)),
    # --- other container operations
    Case("exec_run: stopped container", CONF, "conflict", lambda f: [either(f.ctr_stopped), "not running"],
         lambda f: f.ctr_stopped.exec_run("true")),
    Case("exec_run: empty command", INV, "invalid", lambda f: ["command", "empty"],
         lambda f: f.ctr_run.exec_run([])),
    Case("exec_run: docker-py's stream is not accepted silently", TypeError, None, lambda f: ["stream"],
         lambda f: f.ctr_run.exec_run("true", stream=True)),
    Case("remove: running container without force", CONF, "conflict", lambda f: [either(f.ctr_run), "running"],
         lambda f: f.ctr_run.remove()),
    Case("remove: stale handle of a removed container", NF, "not_found", lambda f: [either(f.gone_ctr)],
         lambda f: f.gone_ctr.remove()),
    Case("stop: stale handle of a removed container", NF, "not_found", lambda f: [either(f.gone_ctr)],
         lambda f: f.gone_ctr.stop()),
    Case("get: missing container", NF, "not_found", lambda f: [f.missing_ctr],
         lambda f: f.c.containers.get(f.missing_ctr)),
    Case("containers.list: unknown filter key", INV, "invalid", lambda f: ["bogus"],
         lambda f: f.c.containers.list(filters={"bogus": "x"})),
    # --- keyword arguments and their types
    Case("create: unknown keyword (a typo)", TypeError, None, lambda f: ["subnt"],
         lambda f: create(f, "kw", subnt=str(f.spare))),
    Case("create: wrong type for a flag", (TypeError, INV), "invalid", lambda f: ["internal"],
         lambda f: create(f, "type", internal="yes")),
    Case("create: the string 'false' for a flag is refused, not read as truthy", (TypeError, INV), "invalid",
         lambda f: ["internal"], lambda f: create(f, "false", internal="false")),
    Case("create: labels of the wrong shape", (TypeError, INV), "invalid", lambda f: ["labels"],
         lambda f: f.c.networks.create(fresh(f, "labels"), labels=42)),
    # --- no daemon
    Case("any call: unreachable daemon", dockernet.DaemonUnavailable, "unavailable",
         lambda f: ["/nonexistent.sock", "dockerd"],
         lambda f: dockernet.Client(base_url="unix:///nonexistent.sock").networks.list()),
]

# Only on old daemons (this one is 20.10, API 1.41): Docker <= 24 refuses a static address on a
# network whose subnet the daemon chose; options a pre-28 daemon would silently ignore are refused.
OLD_DAEMON_CASES: list[Case] = [
    Case("connect: static IP on a network without a user subnet (API < 1.44)", INV, "invalid",
         lambda f: [either(f.net_auto), "IP address"],
         lambda f: f.net_auto.connect(f.ctr_run.name, ipv4_address=f.auto_ip)),
    Case("connect: gw_priority on a daemon before API 1.48", INV, "invalid", lambda f: ["gw_priority", f.api_str],
         lambda f: f.net_a.connect(f.ctr_other.name, gw_priority=1)),
    Case("create: enable_ipv4=False on a daemon before API 1.48", INV, "invalid", lambda f: ["ipv4", f.api_str],
         lambda f: create(f, "v4off", enable_ipv4=False, enable_ipv6=True, subnet=free_subnet6())),
]
OLD_DAEMON_MAX_API = {
    OLD_DAEMON_CASES[0].name: (1, 44),
    OLD_DAEMON_CASES[1].name: (1, 48),
    OLD_DAEMON_CASES[2].name: (1, 48),
}


def _daemon_api() -> tuple[int, ...]:
    """The daemon's API version, read at collection time to choose the rows (via the CLI; with no
    daemon every row is collected and the fixture fails loudly)."""
    try:
        v = docker_cli("version", "--format", "{{.Server.APIVersion}}").stdout.strip()
        return tuple(int(x) for x in v.split("."))
    except Exception:  # noqa: BLE001
        return (0, 0)


ROWS = CASES + [c for c in OLD_DAEMON_CASES if _daemon_api() < OLD_DAEMON_MAX_API[c.name]]


def check(case: Case, f: Any) -> list[str]:
    """Runs one row; returns what is wrong with the outcome (empty when right)."""
    try:
        result = case.run(f)
    except Exception as e:  # noqa: BLE001 - a row may end in any exception; all are judged
        problems = []
        if not isinstance(e, case.exc):
            return [f"raised {type(e).__name__} (expected {case.exc}): {e}"]
        if isinstance(e, dockernet.DockerError):
            if e.kind != case.kind:
                problems.append(f"kind {e.kind!r} (expected {case.kind!r}): {e}")
            if not (e.status_code is None or isinstance(e.status_code, int)):
                problems.append(f"status_code {e.status_code!r} is neither an int nor None")
            if not isinstance(e.explanation, str) or not e.explanation:
                problems.append(f"explanation {e.explanation!r} is not a non-empty str")
        msg = str(e).lower()
        for needle in case.needles(f):
            alts = needle if isinstance(needle, tuple) else (needle,)
            if not any(str(a).lower() in msg for a in alts):
                problems.append(f"message does not name {needle!r}: {e}")
        return problems
    return [f"succeeded ({result!r}), expected {case.exc}"]


def test_the_table_has_at_least_25_rows():
    """The table is the Lua side's, from Python: at least 25 bad inputs."""
    assert len(CASES) >= 25
    assert len({c.name for c in ROWS}) == len(ROWS)


@pytest.mark.parametrize("case", ROWS, ids=lambda c: c.name)
def test_bad_input(case: Case, f: Any) -> None:
    """One bad input fails with its class and kind, the message names the culprit, and the
    daemon holds nothing new afterwards."""
    problems = check(case, f)
    after = f.lab.leftovers()
    if after != f.before:
        problems.append(f"the daemon holds new objects: before {f.before}, after {after}")
        # Remove them, so that the rows after this one are judged on their own.
        new_nets = [n for n in after[0] if n not in f.before[0]]
        new_ctrs = [c for c in after[1] if c not in f.before[1]]
        if new_ctrs:
            docker_cli("rm", "-f", *new_ctrs, check=False)
        if new_nets:
            docker_cli("network", "rm", *new_nets, check=False)
    assert not problems, "\n".join(problems)


def test_failed_runs_left_no_container_and_no_alias(f: Any) -> None:
    """Runs that failed left no container behind, and connecting the already-connected stopped
    container did not record its aliases."""
    nets, ctrs = daemon_objects()
    assert [n for n in f.runs if n in ctrs] == []
    f.ctr_stopped.reload()
    aliases = f.ctr_stopped.attrs["NetworkSettings"]["Networks"][f.net_a.name]["Aliases"] or []
    assert "ignored" not in aliases
    assert LABEL in f.ctr_stopped.labels
