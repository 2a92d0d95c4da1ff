"""docker-py code ports by changing the import: the same calls against the same daemon, once with
docker-py (the oracle) and once with dockernet, must behave alike where dockernet means to behave
alike — exceptions (`except APIError` catches every answer of the daemon), `containers.create` +
`Network.connect` before the first `start`, `networking_config`, `networks.list(greedy=)`,
`networks.get(scope=, verbose=)`, `links=` pairs, `labels=` lists — plus the first-hour
experience around them: messages that name objects by name, interface tables and decoded exec
output in a REPL and a notebook, SVG without Graphviz, a verify matrix's legend and mismatches,
and `dockernet.aio` without its own import.

Every object is made through the `lab` fixture's names and labels, so its finalizer removes it
even when a test failed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Any, Callable, Iterable

import docker
import pytest

import dockernet
from conftest import LABEL, TEST_IMAGE, Lab, docker_cli, host, unique
from test_topology import free_pool, owned


@pytest.fixture(scope="module")
def dp() -> Iterable[Any]:
    """docker-py's client on the same daemon (the oracle)."""
    c = docker.from_env()
    yield c
    c.close()


def raised(call: Callable[[], Any]) -> BaseException:
    """The exception `call` raises (the test fails when it raises none)."""
    try:
        call()
    except BaseException as e:  # noqa: BLE001 - any class is what is being compared
        return e
    raise AssertionError("expected an exception, none was raised")


# --- exceptions ---------------------------------------------------------------------------------


def test_exception_layout():
    """The classes: DockerException is the root alias, NotFound/Conflict/Forbidden are APIErrors,
    InvalidArgument is not one but InvalidRequest is both; the same for DaemonUnavailable and
    Timeout; docker-py's constructor and predicates work."""
    e = dockernet.errors
    assert e.DockerException is e.DockerError is dockernet.DockerException
    for cls in (e.NotFound, e.Conflict, e.Forbidden, e.InvalidRequest, e.ServiceUnavailable, e.RequestTimeout):
        assert issubclass(cls, e.APIError), cls
    for cls in (e.InvalidArgument, e.DaemonUnavailable, e.Timeout):
        assert not issubclass(cls, e.APIError), cls
    assert issubclass(e.InvalidRequest, e.InvalidArgument)
    assert issubclass(e.ServiceUnavailable, e.DaemonUnavailable)
    assert issubclass(e.RequestTimeout, e.Timeout)
    # Raised by hand, as docker-py's are in test doubles.
    nf = e.NotFound("no such network", explanation="network x not found")
    assert (str(nf), nf.explanation, nf.status_code, nf.response, nf.kind) == (
        "no such network",
        "network x not found",
        None,
        None,
        "not_found",
    )
    assert not nf.is_error() and not nf.is_client_error() and not nf.is_server_error()
    s = e.APIError("boom", status_code=500)
    assert s.is_server_error() and s.is_error() and not s.is_client_error()
    # docker-py's own class hierarchy, for the record: the oracle for the layout above.
    assert issubclass(docker.errors.NotFound, docker.errors.APIError)
    assert not issubclass(docker.errors.InvalidArgument, docker.errors.APIError)


def test_every_daemon_answer_is_an_api_error(client, lab, dp):
    """What the daemon refuses — a missing network or container, a duplicate container name,
    removing a predefined network or one in use, a missing image — is an
    APIError in docker-py and in dockernet; where both have a status it is the same one, and the
    predicates agree."""
    net, s = lab.network_with_subnet("inuse")
    ctr = lab.container("user", network=net.name)
    assert ctr.status == "running"
    missing = lab.name("missing")
    cases = {
        "not found": lambda c: c.networks.get(missing),
        # (Not a duplicate network name: docker-py 7 does not ask 20.10-24 daemons to refuse one.)
        "conflict": lambda c: c.containers.create(TEST_IMAGE, name=ctr.name),
        "forbidden (predefined)": lambda c: c.networks.get("bridge").remove(),
        "in use": lambda c: c.networks.get(net.name).remove(),
        "missing container": lambda c: c.containers.get(missing),
        # create, not run: docker-py's run would try to pull the image (tests never pull).
        "missing image": lambda c: c.containers.create(f"{lab.tag}-no-such-image:latest", name=lab.track_container(lab.name("img"))),
    }
    for what, call in cases.items():
        theirs = raised(lambda: call(dp))
        ours = raised(lambda: call(client))
        assert isinstance(theirs, docker.errors.APIError), (what, theirs)
        assert isinstance(ours, dockernet.errors.APIError), (what, type(ours).__mro__, ours)
        assert isinstance(ours, dockernet.DockerException)
        if ours.status_code is not None:
            assert ours.status_code == theirs.status_code, (what, ours.status_code, theirs.status_code, ours)
            assert ours.is_client_error() == theirs.is_client_error(), (what, ours)
            assert ours.is_server_error() == theirs.is_server_error(), (what, ours)
        assert ours.explanation and ours.kind, (what, ours)
        if isinstance(theirs, docker.errors.NotFound):
            assert isinstance(ours, dockernet.errors.NotFound), (what, ours)


def test_bad_input_refused_before_any_request_is_invalid_argument_only(client):
    """Input dockernet refuses itself is InvalidArgument with no status: not an APIError (as
    docker-py's own InvalidArgument is not), still a DockerException."""
    e = raised(lambda: client.networks.create(unique("never"), subnet="10.0.0.0/33"))
    assert isinstance(e, dockernet.errors.InvalidArgument) and isinstance(e, dockernet.errors.DockerException)
    assert not isinstance(e, dockernet.errors.APIError), type(e).__mro__
    assert e.status_code is None and not e.is_error() and "10.0.0.0/33" in str(e)


def test_daemon_invalid_answer_is_invalid_request(client, lab, dp):
    """The daemon's 400 for bad input (an unknown capability, which dockernet does not check
    itself) is an InvalidRequest: `except InvalidArgument` and `except APIError` both catch it,
    with docker-py's status."""
    theirs = raised(lambda: dp.containers.create(TEST_IMAGE, name=lab.track_container(lab.name("cap")), cap_add=["NOT_A_CAP"]))
    ours = raised(lambda: client.containers.run(TEST_IMAGE, name=lab.track_container(lab.name("cap")), cap_add=["NOT_A_CAP"]))
    assert isinstance(theirs, docker.errors.APIError) and theirs.status_code == 400, theirs
    assert type(ours) is dockernet.errors.InvalidRequest, (type(ours), ours)
    assert isinstance(ours, dockernet.errors.InvalidArgument) and isinstance(ours, dockernet.errors.APIError)
    assert ours.status_code == 400 and ours.is_client_error() and ours.kind == "invalid", ours
    assert "NOT_A_CAP" in str(ours), ours


# --- create, start, networking_config -----------------------------------------------------------


def test_create_connect_start_as_docker_py(client, lab, dp):
    """containers.create leaves a container created, not started; connecting it to a second
    network before its first start and then starting it gives the same attachments as docker-py
    doing the same, and inside it eth0 is the create network, eth1 the connected one."""
    a = lab.network("a")
    b = lab.network("b")
    ours = client.containers.create(TEST_IMAGE, name=lab.track_container(lab.name("ours")), network=a.name, labels=lab.labels)
    theirs = dp.containers.create(TEST_IMAGE, name=lab.track_container(lab.name("theirs")), network=a.name, labels=lab.labels)
    ours.reload()
    theirs.reload()
    assert ours.status == theirs.status == "created", (ours.status, theirs.status)
    b.connect(ours, aliases=["extra"])
    dp.networks.get(b.id).connect(theirs, aliases=["extra"])
    ours.start()
    theirs.start()
    ours.reload()
    theirs.reload()
    assert ours.status == theirs.status == "running"
    nets = lambda attrs: sorted(attrs["NetworkSettings"]["Networks"])  # noqa: E731
    assert nets(ours.attrs) == nets(theirs.attrs) == sorted([a.name, b.name])
    assert "extra" in ours.attrs["NetworkSettings"]["Networks"][b.name]["Aliases"]
    ifaces = ours.interfaces()
    assert [(i["ifname"], i["network"]) for i in ifaces] == [("eth0", a.name), ("eth1", b.name)], ifaces
    ours.start()  # starting a running container is fine, as `docker start` is


def test_networking_config_as_docker_py_writes_it(client, lab, dp):
    """run(network=, networking_config={net: EndpointConfig}) — docker-py's own EndpointConfig
    object and a plain dict of its keywords — gives the aliases and static address docker-py
    gives on the same daemon."""
    net, s = lab.network_with_subnet("cfg")
    runs = {
        "theirs": (dp, dp.api.create_endpoint_config(aliases=["svc"], ipv4_address=host(s, 10)), host(s, 10)),
        "ours-endpointconfig": (client, dp.api.create_endpoint_config(aliases=["svc"], ipv4_address=host(s, 11)), host(s, 11)),
        "ours-keywords": (client, {"aliases": ["svc"], "ipv4_address": host(s, 12)}, host(s, 12)),
        "ours-engine-keys": (client, {"Aliases": ["svc"], "IPAMConfig": {"IPv4Address": host(s, 13)}}, host(s, 13)),
        "ours-network-object-key": (client, {"aliases": ["svc"], "ipv4_address": host(s, 14)}, host(s, 14)),
    }
    seen = {}
    for what, (c, endpoint, ip) in runs.items():
        name = lab.track_container(lab.name(what))
        c.containers.run(
            TEST_IMAGE,
            name=name,
            labels=lab.labels,
            detach=True,
            network=net.name,
            networking_config={(net if what.endswith("object-key") else net.name): endpoint},
        )
        ep = dp.containers.get(name).attrs["NetworkSettings"]["Networks"][net.name]
        seen[what] = ep
        assert ep["IPAddress"] == ip, (what, ep)
        assert "svc" in (ep["Aliases"] or []), (what, ep)
        assert (ep.get("IPAMConfig") or {}).get("IPv4Address") == ip, (what, ep)
    # Both spellings of one option at once is refused, naming them.
    with pytest.raises(dockernet.InvalidArgument, match="'ipv4_address' and 'IPv4Address'"):
        client.containers.run(
            TEST_IMAGE,
            name=lab.track_container(lab.name("twice")),
            labels=lab.labels,
            network=net.name,
            networking_config={net.name: {"ipv4_address": host(s, 20), "IPv4Address": host(s, 21)}},
        )


def test_networking_config_attaches_every_network_before_start(client, lab):
    """With networking_config naming more networks than `network`, every one is attached before
    the container starts (two interfaces, eth0 and eth1, right away) and `network` is the one the
    container was created on (its NetworkMode), as in docker-py."""
    first = lab.network("zz-first")
    other = lab.network("aa-other")
    ctr = lab.container(
        "multi", network=first.name, networking_config={first.name: None, other.name: {"aliases": ["o"]}}
    )
    assert ctr.attrs["HostConfig"]["NetworkMode"] == first.name, ctr.attrs["HostConfig"]
    ifaces = ctr.interfaces()
    assert [i["ifname"] for i in ifaces] == ["eth0", "eth1"], ifaces
    assert {i["network"] for i in ifaces} == {first.name, other.name}, ifaces
    assert "o" in ctr.attrs["NetworkSettings"]["Networks"][other.name]["Aliases"]


# --- networks.list(greedy=), networks.get(scope=, verbose=) ---------------------------------------


def test_networks_list_greedy_as_docker_py(client, lab, dp):
    """greedy=True returns inspect documents (Containers filled in), as docker-py's does."""
    net = lab.network("greedy")
    ctr = lab.container("member", network=net.name)
    flt = {"label": lab.label_filter}
    ours = {n.name: n.attrs for n in client.networks.list(filters=flt, greedy=True)}
    theirs = {n.name: n.attrs for n in dp.networks.list(filters=flt, greedy=True)}
    assert sorted(ours) == sorted(theirs) == [net.name]
    assert sorted(ours[net.name]["Containers"]) == sorted(theirs[net.name]["Containers"]) == [ctr.id]
    plain = client.networks.list(filters=flt)
    assert not plain[0].attrs.get("Containers"), plain[0].attrs


def test_networks_get_scope_and_verbose_as_docker_py(client, dp):
    """scope= finds a network of that scope and is NotFound otherwise (docker-py's 404);
    verbose= is accepted; a scope that does not exist is InvalidArgument."""
    for scope in ("local", "swarm", "global"):
        theirs: Any
        try:
            theirs = dp.networks.get("bridge", scope=scope).attrs["Name"]
        except docker.errors.NotFound:
            theirs = "NotFound"
        try:
            ours = client.networks.get("bridge", scope=scope).attrs["Name"]
        except dockernet.errors.NotFound as e:
            ours = "NotFound"
            assert "bridge" in str(e) and scope in str(e), e
        assert ours == theirs, (scope, ours, theirs)
    assert client.networks.get("bridge", verbose=True).name == dp.networks.get("bridge", verbose=True).name
    e = raised(lambda: client.networks.get("bridge", scope="planet"))
    assert isinstance(e, dockernet.errors.InvalidArgument) and "planet" in str(e), e


# --- links, labels --------------------------------------------------------------------------------


def test_links_as_pairs_dicts_and_strings(client, lab, dp):
    """links= as (name, alias) pairs, {name: alias} and "name:alias" give the Links docker-py
    writes for its own pairs."""
    net = lab.network("links")
    target = lab.container("target", network=net.name)
    forms = {
        "theirs": None,
        "pairs": [(target.name, "db")],
        "dict": {target.name: "db"},
        "strings": [f"{target.name}:db"],
    }
    links = {}
    for what, form in forms.items():
        c = lab.container(what)
        if form is None:
            dp.networks.get(net.id).connect(c.name, links=[(target.name, "db")])
        else:
            net.connect(c, links=form)
        links[what] = dp.containers.get(c.name).attrs["NetworkSettings"]["Networks"][net.name]["Links"]
    assert links["theirs"], links
    assert all(v == links["theirs"] for v in links.values()), links


def test_labels_list_as_docker_py(client, lab, dp):
    """labels= as a list of names gives the labels docker-py gives (empty values)."""
    got = {}
    for what, c in (("theirs", dp), ("ours", client)):
        name = lab.track_container(lab.name(what))
        c.containers.run(TEST_IMAGE, name=name, labels=[f"{LABEL}.list", "plain"], detach=True)
        got[what] = dp.containers.get(name).attrs["Config"]["Labels"]
    assert got["ours"] == got["theirs"], got
    assert got["ours"].get("plain") == "", got


# --- messages name objects by name ----------------------------------------------------------------


FULL_ID = re.compile(r"\b[0-9a-f]{64}\b")


def test_messages_name_objects_by_name(client, lab):
    """A failure on a handle (which passes its full id to the engine) names the object by name,
    never by its 64-character id: exec in a stopped container (the daemon's "Container <id> is
    not running"), removing a network in use (the daemon's "network N id <id> has active
    endpoints"), and every call on handles whose objects were removed meanwhile."""
    net = lab.network("named")
    ctr = lab.container("named", network=net.name)
    gone_net = lab.network("gone")
    gone_ctr = lab.container("gone")
    gone_ctr.remove(force=True)
    gone_net.remove()
    stopped = lab.stopped_container("stopped")
    calls = {
        "exec in a stopped container": (stopped, lambda: stopped.exec_run("true")),
        "remove a network in use": (net, net.remove),
        "start a removed container": (gone_ctr, gone_ctr.start),
        "reload a removed container": (gone_ctr, gone_ctr.reload),
        "remove a removed container": (gone_ctr, gone_ctr.remove),
        "interfaces of a removed container": (gone_ctr, gone_ctr.interfaces),
        "remove a removed network": (gone_net, gone_net.remove),
        "connect to a removed network": (gone_net, lambda: gone_net.connect(ctr)),
        "connect a removed container": (gone_ctr, lambda: net.connect(gone_ctr)),
    }
    for what, (obj, call) in calls.items():
        e = raised(call)
        assert isinstance(e, dockernet.DockerError), (what, type(e), e)
        assert not FULL_ID.search(str(e)) and not FULL_ID.search(e.explanation), (what, str(e))
        assert f'"{obj.name}"' in str(e), (what, str(e))


# --- display ------------------------------------------------------------------------------------------


def test_interfaces_render_as_tables(client, lab):
    """interfaces() shows as a text table in a REPL (repr) and an HTML table in a notebook: one
    row per interface, eth0 first, with network, addresses, MAC, gateway and default route; it is
    still a list of dicts."""
    a, sa = lab.network_with_subnet("ifa")
    b, sb = lab.network_with_subnet("ifb")
    ctr = lab.container("if", network=a.name)
    b.connect(ctr, ipv4_address=host(sb, 20))
    ifaces = ctr.interfaces()
    assert isinstance(ifaces, list) and isinstance(ifaces[0], dict)
    text = repr(ifaces)
    lines = text.splitlines()
    assert lines[0].split() == ["IFNAME", "NETWORK", "IPV4", "IPV6", "MAC", "GATEWAY", "DEFAULT", "ROUTE"], text
    assert lines[1].startswith("eth0") and a.name in lines[1] and "yes" in lines[1], text
    assert lines[2].startswith("eth1") and b.name in lines[2] and host(sb, 20) in lines[2], text
    assert ifaces[0]["mac"] in lines[1] and ifaces[0]["gateway"] in lines[1], text
    html = ifaces._repr_html_()
    assert html.startswith("<table") and "<th style='text-align:left'>IFNAME</th>" in html, html
    assert html.index("eth0") < html.index("eth1") and "2 interfaces" in html, html


def test_container_html_one_row_per_interface(client, lab):
    """A container's HTML names the container once and then has one row per interface,
    eth0, eth1, … in order."""
    a = lab.network("zz-h")  # sorts after b by name, but is eth0
    b = lab.network("aa-h")
    ctr = lab.container("html", network=a.name)
    b.connect(ctr)
    ctr.reload()
    html = ctr._repr_html_()
    assert html.count(ctr.name) == 1, html
    rows = re.findall(r"<tr><td[^>]*><code>(eth\d+)</code></td><td[^>]*><code>([^<]*)</code>", html)
    assert rows == [("eth0", a.name), ("eth1", b.name)], html


def test_exec_result_shows_decoded_text(client, lab):
    """exec_run's result keeps docker-py's bytes (and its repr) but shows its output as text in a
    notebook and IPython, and has `.text`."""
    ctr = lab.container("exec")
    r = ctr.exec_run(["sh", "-c", "printf 'héllo <world>\\n'; exit 3"])
    assert r.exit_code == 3 and r.output == "héllo <world>\n".encode()
    assert repr(r).startswith("ExecResult(exit_code=3, output=b'")
    assert r.text == "héllo <world>\n"
    html = r._repr_html_()
    assert "héllo &lt;world&gt;" in html and "exit code 3" in html and "b'" not in html, html

    class P:
        out = ""

        def text(self, s: str) -> None:
            P.out += s

    r._repr_pretty_(P(), False)
    assert "héllo <world>" in P.out and "exit_code=3" in P.out, P.out
    demuxed = ctr.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
    assert demuxed.text == "out\nerr\n", demuxed


# --- pictures -----------------------------------------------------------------------------------------


def _tiny_topology(lab: Lab, client: Any) -> dict[str, Any]:
    """Two nodes on one network, with an expectation the daemon contradicts (a mismatch)."""
    return {
        "name": unique("fid"),
        "pool": free_pool(client),
        "image": TEST_IMAGE,
        "labels": lab.labels,
        "networks": {"lan": {}},
        "nodes": {"n1": {"networks": ["lan"], "command": ["sleep", "600"]}, "n2": {"networks": ["lan"], "command": ["sleep", "600"]}},
        "expect": [{"from": "n1", "to": "n2", "reach": False}],
    }


def test_verify_html_has_legend_and_lists_mismatches(client, lab):
    """A verification with a mismatch renders a legend and lists each mismatch in the words of the
    text output."""
    spec = _tiny_topology(lab, client)
    t = dockernet.Topology.from_dict(spec, client=client)
    try:
        t.apply()
        v = t.verify()
        assert not v.ok, str(v)
        text = str(v)
        listed = text.split("mismatches:", 1)[1].strip().splitlines()
        assert listed, text
        html = v._repr_html_()
        assert "✓ reachable" in html and "✗ unreachable" in html and "highlighted" in html, html
        for line in listed:
            from html import escape

            assert f"<li>{escape(line.strip())}</li>" in html, (line, html)
    finally:
        t.destroy()
    assert owned(spec["name"]) == ([], [])


def test_svg_without_graphviz(client, lab):
    """With no `dot` program on PATH, graph('svg') is still one SVG document naming every network
    and node (the built-in layout), in a fresh interpreter."""
    spec = {
        "name": unique("svg"),
        "networks": {"front": {"subnet": "10.1.0.0/24"}, "back": {"internal": True}},
        "nodes": {
            "web": {"image": "img", "networks": {"front": {"ipv4": "10.1.0.10"}, "back": {}}},
            "cli": {"image": "img", "networks": ["front"]},
        },
    }
    code = (
        "import json, dockernet\n"
        f"t = dockernet.Topology.from_dict({spec!r})\n"
        "print(json.dumps(t.graph('svg', live=False)))\n"
    )
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "PATH": empty}
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    svg = json.loads(p.stdout)
    assert svg.count("<svg") == 1 and svg.rstrip().endswith("</svg>"), svg
    for name in ("front", "back", "web", "cli", "10.1.0.10", f"topology {spec['name']}"):
        assert f">{name}<" in svg, (name, svg)
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)  # well-formed


def test_aio_without_its_own_import():
    """`import dockernet` then `dockernet.aio.AsyncClient` works without `import dockernet.aio`,
    and `import dockernet` alone still does not load asyncio."""
    code = (
        "import json, sys\n"
        "import dockernet\n"
        "before = 'asyncio' in sys.modules\n"
        "cls = dockernet.aio.AsyncClient\n"
        "print(json.dumps([before, cls.__name__, 'aio' in dir(dockernet), dockernet.aio is sys.modules['dockernet.aio']]))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [False, "AsyncClient", True, True]


def test_docker_client_alias(client):
    """docker.DockerClient(...) ports as dockernet.DockerClient(...)."""
    assert dockernet.DockerClient is dockernet.Client
    assert dockernet.DockerClient(base_url=client.base_url).ping() is True
