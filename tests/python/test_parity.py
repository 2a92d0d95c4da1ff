"""docker-py naming parity: for every method dockernet shares with docker-py's high-level models,
the parameter names dockernet accepts include docker-py's, except the ones listed below with the
reason dockernet deliberately does not take them. Checked with inspect.signature against the
installed `docker` package.

docker-py's model methods often take `*args, **kwargs` and hand them to a low-level APIClient
method (Network.connect -> APIClient.connect_container_to_network), or pop keywords out of
**kwargs in their body (NetworkCollection.list pops `greedy`, ContainerCollection.run forwards to
create_container's RUN_CREATE_KWARGS / RUN_HOST_CONFIG_KWARGS). The accepted names are therefore
the model's explicit parameters, plus the delegate's, plus the keywords popped in the source.
"""

from __future__ import annotations

import inspect
import re
from types import SimpleNamespace
from typing import Any, Callable, Iterable

import docker
import pytest
from docker.api.client import APIClient
from docker.models import containers as dpc
from docker.models import networks as dpn

import dockernet
import dockernet.aio

from conftest import Lab, host, unique

VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def names_of(fn: Callable[..., Any], drop: Iterable[str] = ()) -> list[str]:
    """The named parameters of `fn` (no self, no *args/**kwargs, none of `drop`)."""
    skip = {"self", *drop}
    return [p.name for p in inspect.signature(fn).parameters.values() if p.kind not in VARIADIC and p.name not in skip]


def popped(*fns: Callable[..., Any]) -> list[str]:
    """Keywords a docker-py function takes out of **kwargs in its body (`kwargs.pop('x', …)`)."""
    out: list[str] = []
    for fn in fns:
        out += re.findall(r"kwargs\.pop\(\s*['\"](\w+)['\"]", inspect.getsource(fn))
    return out


def delegate(model_fn: Callable[..., Any], api_fn: Callable[..., Any], drop: Iterable[str] = ()) -> list[str]:
    """A model method's own parameters plus those of the APIClient method it forwards **kwargs
    to (checked in the model's source, so a docker-py refactor fails here, not silently)."""
    assert api_fn.__name__ in inspect.getsource(model_fn), f"{model_fn.__qualname__} no longer calls {api_fn.__name__}"
    return names_of(model_fn) + names_of(api_fn, drop)


# (owner, method) -> the parameter names docker-py accepts.
DOCKER_PY: dict[tuple[str, str], list[str]] = {
    ("networks", "create"): delegate(dpn.NetworkCollection.create, APIClient.create_network, ["name"]),
    ("networks", "list"): delegate(dpn.NetworkCollection.list, APIClient.networks) + popped(dpn.NetworkCollection.list),
    ("networks", "get"): delegate(dpn.NetworkCollection.get, APIClient.inspect_network, ["net_id"]),
    ("networks", "prune"): names_of(dpn.NetworkCollection.prune),
    ("network", "connect"): delegate(
        dpn.Network.connect, APIClient.connect_container_to_network, ["container", "net_id"]
    ),
    ("network", "disconnect"): delegate(
        dpn.Network.disconnect, APIClient.disconnect_container_from_network, ["container", "net_id"]
    ),
    ("network", "remove"): names_of(dpn.Network.remove),
    ("network", "reload"): names_of(dpn.Network.reload),
    ("containers", "run"): names_of(dpc.ContainerCollection.run)
    + popped(dpc.ContainerCollection.run, dpc._create_container_args)
    + list(dpc.RUN_CREATE_KWARGS)
    + list(dpc.RUN_HOST_CONFIG_KWARGS),
    ("containers", "create"): names_of(dpc.ContainerCollection.create)
    + popped(dpc._create_container_args)
    + list(dpc.RUN_CREATE_KWARGS)
    + list(dpc.RUN_HOST_CONFIG_KWARGS),
    ("containers", "get"): names_of(dpc.ContainerCollection.get),
    ("containers", "list"): names_of(dpc.ContainerCollection.list),
    ("container", "exec_run"): names_of(dpc.Container.exec_run),
    ("container", "start"): names_of(dpc.Container.start),
    ("container", "stop"): delegate(dpc.Container.stop, APIClient.stop, ["container"]),
    ("container", "remove"): delegate(dpc.Container.remove, APIClient.remove_container, ["container"]),
    ("container", "reload"): names_of(dpc.Container.reload),
}

# docker-py's first parameter of get() names an id; dockernet's takes a name or an id and may say
# so (`name_or_id`): either spelling passes. Both are positional in docker-py's docs and examples.
RENAMED: dict[tuple[str, str], dict[str, str]] = {
    ("networks", "get"): {"network_id": "name_or_id"},
    ("containers", "get"): {"container_id": "name_or_id"},
}


def _reason(reason: str, *params: str) -> dict[str, str]:
    return {p: reason for p in params}


# The docker-py parameters dockernet deliberately does not take, with the reason. Passing one is
# a TypeError (never silently ignored; see test_errors.py).
UNSUPPORTED: dict[tuple[str, str], dict[str, str]] = {
    ("networks", "create"): _reason(
        "dockernet always refuses a duplicate name itself (docker-py's default None let 20.10-24 daemons "
        "create same-named networks, docker-py#1693): there is nothing to switch",
        "check_duplicate",
    ),
    ("containers", "run"): {
        **_reason(
            "run is always detached and returns a Container, never output: use exec_run for output and "
            "auto_remove for removal on exit",
            "stdout",
            "stderr",
            "remove",
            "stream",
        ),
        **_reason("interactive containers: dockernet never attaches to a container", "tty", "stdin_open"),
        **_reason("dockernet never pulls images, so there is no platform to choose", "platform"),
        **_reason(
            "host/none/container:<id> modes share or drop the network stack, leaving no endpoint to manage; "
            "not supported (use network= / networks=)",
            "network_mode",
            "network_disabled",
        ),
        **_reason(
            "networking-adjacent settings not in core's RunOptions yet (candidates for a follow-up)",
            "mac_address",
            "dns",
            "dns_opt",
            "dns_search",
            "extra_hosts",
            "links",
            "publish_all_ports",
            "domainname",
        ),
        **_reason(
            "resource limits: out of scope for a networking tool",
            "blkio_weight_device",
            "blkio_weight",
            "cpu_count",
            "cpu_percent",
            "cpu_period",
            "cpu_quota",
            "cpu_shares",
            "cpuset_cpus",
            "cpuset_mems",
            "cpu_rt_period",
            "cpu_rt_runtime",
            "device_read_bps",
            "device_read_iops",
            "device_write_bps",
            "device_write_iops",
            "kernel_memory",
            "mem_limit",
            "mem_reservation",
            "mem_swappiness",
            "memswap_limit",
            "nano_cpus",
            "oom_kill_disable",
            "oom_score_adj",
            "pids_limit",
            "shm_size",
            "ulimits",
            "storage_opt",
        ),
        **_reason(
            "devices and storage: out of scope for a networking tool",
            "devices",
            "device_cgroup_rules",
            "device_requests",
            "volumes",
            "mounts",
            "tmpfs",
            "volume_driver",
            "volumes_from",
            "read_only",
        ),
        **_reason(
            "isolation other than the network's (cgroups, namespaces, security profiles, runtimes): out of scope",
            "isolation",
            "cgroup_parent",
            "cgroupns",
            "ipc_mode",
            "pid_mode",
            "uts_mode",
            "userns_mode",
            "group_add",
            "security_opt",
            "runtime",
            "init",
            "init_path",
            "lxc_conf",
        ),
        **_reason(
            "lifecycle and logging of long-lived services: out of scope",
            "healthcheck",
            "stop_signal",
            "restart_policy",
            "log_config",
        ),
        **_reason("reads the docker CLI's proxy settings; dockernet sends only what it is given", "use_config_proxy"),
        **_reason("docker-py internal (API version for HostConfig); dockernet negotiates the version", "version"),
    },
    ("containers", "list"): {
        **_reason("pagination of `docker ps`; use filters ({'before': …}, {'since': …})", "before", "since", "limit"),
        **_reason("dockernet always returns the daemon's full documents", "sparse"),
        **_reason(
            "docker-py works around containers vanishing between list and inspect; dockernet lists in one call",
            "ignore_removed",
        ),
    },
    ("container", "exec_run"): {
        **_reason("both streams are always captured (demux=True returns them apart)", "stdout", "stderr"),
        **_reason(
            "interactive or streaming exec: exec_run returns when the command ends",
            "stdin",
            "tty",
            "detach",
            "stream",
            "socket",
        ),
    },
    ("container", "remove"): {
        **_reason("containers dockernet runs have no volumes (run takes none)", "v"),
        **_reason("legacy links are removed with their network endpoint; there is no link to remove alone", "link"),
    },
}


# create takes run's arguments but for run's output and removal ones (docker-py's create has none).
UNSUPPORTED[("containers", "create")] = {
    k: v for k, v in UNSUPPORTED[("containers", "run")].items() if k not in ("stdout", "stderr", "remove", "stream")
}


@pytest.fixture(scope="module")
def objs(client) -> Iterable[SimpleNamespace]:
    """One object of each kind whose methods are compared: the collections, a Network, a
    Container, and the same from dockernet.aio."""
    lab = Lab(client, unique("parity"))
    try:
        ctr = lab.container("c")
        yield SimpleNamespace(
            networks=client.networks,
            network=client.networks.get("bridge"),
            containers=client.containers,
            container=ctr,
            lab=lab,
        )
    finally:
        failures = lab.cleanup()
        assert not failures, failures


def dockernet_params(obj: Any, method: str) -> tuple[list[str], list[str]]:
    """(all parameter names, leading positional names) of a dockernet bound method."""
    fn = getattr(obj, method)
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as e:
        pytest.fail(f"inspect.signature cannot read dockernet's {method}: {e} (missing __text_signature__?)")
    params = list(sig.parameters.values())
    variadic = [p.name for p in params if p.kind in VARIADIC]
    assert not variadic, f"dockernet's {method}{sig} takes *{variadic}: unknown keywords would not be TypeErrors"
    positional = [
        p.name
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return [p.name for p in params], positional


def leading_required(fn: Callable[..., Any]) -> list[str]:
    """docker-py's leading required positional parameters (what users pass positionally)."""
    out = []
    for p in inspect.signature(fn).parameters.values():
        if p.name == "self":
            continue
        if p.kind != inspect.Parameter.POSITIONAL_OR_KEYWORD or p.default is not inspect.Parameter.empty:
            break
        out.append(p.name)
    return out


MODEL: dict[str, Any] = {
    "networks": dpn.NetworkCollection,
    "network": dpn.Network,
    "containers": dpc.ContainerCollection,
    "container": dpc.Container,
}


def test_docker_py_is_the_expected_one():
    """The parity table was written against docker 7.x (the reference's docker 7.1 and later)."""
    assert int(docker.__version__.split(".")[0]) >= 7, docker.__version__


@pytest.mark.parametrize("key", list(DOCKER_PY), ids=lambda k: f"{k[0]}.{k[1]}")
def test_parameter_names_include_docker_pys(key: tuple[str, str], objs: SimpleNamespace) -> None:
    """dockernet's method accepts every docker-py parameter name of the same method, except the
    documented renames and the deliberately unsupported ones; the positional order of docker-py's
    required parameters is kept; and the unsupported list names only docker-py parameters that
    dockernet indeed does not take."""
    owner, method = key
    theirs = list(dict.fromkeys(DOCKER_PY[key]))
    ours, our_positional = dockernet_params(getattr(objs, owner), method)
    renamed = RENAMED.get(key, {})
    unsupported = UNSUPPORTED.get(key, {})

    missing = [p for p in theirs if p not in ours and p not in unsupported and renamed.get(p) not in ours]
    assert not missing, f"{owner}.{method}: docker-py's {missing} are neither accepted nor listed as unsupported"

    stale = [p for p in unsupported if p in ours]
    assert not stale, f"{owner}.{method}: {stale} are accepted now: take them off UNSUPPORTED"
    unknown = [p for p in unsupported if p not in theirs]
    assert not unknown, f"{owner}.{method}: {unknown} are not docker-py parameters (typo?)"
    for old in renamed:
        assert old in theirs, f"{owner}.{method}: {old} is not a docker-py parameter"

    model_fn = getattr(MODEL[owner], method)
    expected = leading_required(model_fn)
    if key == ("containers", "run"):
        expected.append("command")  # run("alpine", "echo hi") is docker-py's own first example
    got = our_positional[: len(expected)]
    ok = len(got) == len(expected) and all(g == e or g == renamed.get(e) for g, e in zip(got, expected))
    assert ok, f"{owner}.{method}: positional parameters {our_positional} should start with {expected}"


def test_unsupported_keywords_are_type_errors(objs: SimpleNamespace) -> None:
    """A docker-py keyword dockernet does not take is a TypeError naming it, never ignored."""
    lab = objs.lab
    for (owner, method), params in UNSUPPORTED.items():
        for param in list(params)[:3]:
            # Arguments that would make the call valid without the unsupported keyword (names and
            # labels such that anything wrongly made is swept by the lab).
            args, kwargs = {
                ("networks", "create"): ([lab.name("never")], {"labels": lab.labels}),
                ("networks", "get"): (["bridge"], {}),
                ("containers", "run"): (
                    ["dockernet-testbox:latest"],
                    {"name": lab.name("never"), "labels": lab.labels},
                ),
                ("containers", "create"): (
                    ["dockernet-testbox:latest"],
                    {"name": lab.name("never"), "labels": lab.labels},
                ),
                ("container", "exec_run"): (["true"], {}),
            }.get((owner, method), ([], {}))
            with pytest.raises(TypeError, match=param):
                getattr(getattr(objs, owner), method)(*args, **kwargs, **{param: True})


def test_aio_has_the_same_parameters(objs: SimpleNamespace) -> None:
    """dockernet.aio's collections take exactly the blocking API's parameters."""
    aclient = dockernet.aio.AsyncClient()
    for owner, method in [k for k in DOCKER_PY if k[0] in ("networks", "containers")]:
        sync_names, _ = dockernet_params(getattr(objs, owner), method)
        async_names, _ = dockernet_params(getattr(aclient, owner), method)
        assert async_names == sync_names, f"aio {owner}.{method}: {async_names} != {sync_names}"


def test_docker_py_ipam_types_are_accepted(lab, client):
    """docker.types.IPAMConfig / IPAMPool (dicts in the Engine API shape, unset keys as None) work
    as `ipam`, so docker-py code ports unchanged."""
    name = lab.track_network(lab.name("dpipam"))
    for _ in range(20):
        s = lab.free_subnet()
        ipam = docker.types.IPAMConfig(
            pool_configs=[docker.types.IPAMPool(subnet=str(s), gateway=host(s, 1), aux_addresses={"r": host(s, 2)})]
        )
        try:
            net = client.networks.create(name, driver="bridge", ipam=ipam, labels=lab.labels)
            break
        except dockernet.Conflict as e:
            if "overlap" not in str(e).lower():
                raise
    else:
        raise AssertionError("no free subnet")
    (pool,) = net.attrs["IPAM"]["Config"]
    assert (pool["Subnet"], pool["Gateway"], pool["AuxiliaryAddresses"]) == (str(s), host(s, 1), {"r": host(s, 2)})
