"""client.networks (list, get, create, prune) and Network (attrs, containers, reload, connect,
disconnect, remove, ==/hash) against the real daemon. Mirrors python-bindings/src/network.rs."""

from __future__ import annotations

import re

import pytest

import dockernet

from conftest import LABEL, docker_cli, free_subnet6, host, wait_for_prune


def iface(ifaces, network):
    """The interface of `ifaces` on `network` (by name)."""
    found = [i for i in ifaces if i["network"] == network]
    assert len(found) == 1, ifaces
    return found[0]


def test_default_networks(client):
    """Every daemon has bridge, host and none; list() returns Network objects with docker-py's
    members."""
    builtin = client.networks.list(filters={"type": "builtin"})
    assert isinstance(builtin, list)
    assert sorted(n.name for n in builtin) == ["bridge", "host", "none"]
    for n in builtin:
        assert re.fullmatch(r"[0-9a-f]{64}", n.id), n.id
        assert n.short_id == n.id[:12]
        assert n.attrs["Name"] == n.name
        assert n.attrs["Id"] == n.id
    drivers = {n.name: n.attrs["Driver"] for n in builtin}
    assert drivers == {"bridge": "bridge", "host": "host", "none": "null"}


def test_create_reads_back_every_option(lab, client):
    """A network created with every addressing shortcut (two subnets, gateway, range, aux address,
    IPv6, internal, attachable, labels, driver options) shows each of them in attrs."""
    v6 = free_subnet6()
    v6_gw = v6.replace("::/64", "::1")
    net, s = lab.network_with_subnet(
        "all",
        driver="bridge",
        make=lambda s: {
            "subnet": [str(s), v6],
            "gateway": [host(s, 254), v6_gw],
            "ip_range": f"{host(s, 128)}/25",
            "aux_addresses": {"router": host(s, 2)},
        },
        enable_ipv6=True,
        internal=True,
        attachable=True,
        labels={"tier": "db"},
        options={"com.docker.network.driver.mtu": "1450"},
    )
    assert isinstance(net, dockernet.Network)
    assert net.name.startswith(lab.tag)
    assert len(net.id) == 64
    a = net.attrs
    assert (a["Name"], a["Id"], a["Driver"], a["Scope"]) == (net.name, net.id, "bridge", "local")
    assert (a["Internal"], a["Attachable"], a["EnableIPv6"]) == (True, True, True)
    assert a["Labels"] == {"tier": "db", LABEL: lab.tag}
    assert a["Options"]["com.docker.network.driver.mtu"] == "1450"
    pools = {p["Subnet"]: p for p in a["IPAM"]["Config"]}
    assert set(pools) == {str(s), v6}, pools
    assert pools[str(s)]["Gateway"] == host(s, 254)
    assert pools[str(s)]["IPRange"] == f"{host(s, 128)}/25"
    assert pools[str(s)]["AuxiliaryAddresses"] == {"router": host(s, 2)}
    assert pools[v6]["Gateway"] == v6_gw
    # The docker CLI agrees.
    assert docker_cli("network", "inspect", "-f", "{{.Internal}} {{.EnableIPv6}}", net.name).stdout.split() == [
        "true",
        "true",
    ]

    # A container on it gets its address from the range, never the aux address.
    ctr = lab.container("c", network=net.name)
    i = iface(ctr.interfaces(), net.name)
    last = int(i["ipv4"].split("/")[0].rsplit(".", 1)[1])
    assert i["ipv4"].endswith("/24") and last >= 128, i
    assert i["gateway"] == host(s, 254)
    assert i["ipv6"] and i["ipv6"].endswith("/64"), i


def test_create_with_engine_api_ipam_dict(lab, client):
    """`ipam` takes the Engine API's IPAM shape (Driver, Config with Subnet/Gateway/IPRange/
    AuxiliaryAddresses, Options), as docker-py users write it."""
    net, s = lab.network_with_subnet(
        "ipam",
        subnet=True,
        make=lambda s: {
            "ipam": {
                "Driver": "default",
                "Config": [
                    {
                        "Subnet": str(s),
                        "Gateway": host(s, 1),
                        "IPRange": f"{host(s, 64)}/26",
                        "AuxiliaryAddresses": {"printer": host(s, 3)},
                    }
                ],
                "Options": {},
            }
        },
    )
    ipam = net.attrs["IPAM"]
    assert ipam["Driver"] == "default"
    (pool,) = ipam["Config"]
    assert pool["Subnet"] == str(s)
    assert pool["Gateway"] == host(s, 1)
    assert pool["IPRange"] == f"{host(s, 64)}/26"
    assert pool["AuxiliaryAddresses"] == {"printer": host(s, 3)}


def test_create_without_subnet_lets_the_daemon_choose(lab, client):
    """With no addressing option the daemon picks a subnet, and create returns it in attrs; the
    bool flags default to docker-py's defaults."""
    net = lab.network("auto", subnet=False)
    assert net.attrs["IPAM"]["Config"][0]["Subnet"]
    assert (net.attrs["Internal"], net.attrs["Attachable"], net.attrs["Ingress"]) == (False, False, False)
    assert net.attrs["Driver"] == "bridge"


def test_get_by_name_id_and_short_id(lab, client):
    """get() finds a network by name, full id and 12-character short id, all equal (== and hash
    by id), and a missing one is NotFound."""
    net = lab.network("get")
    by_name = client.networks.get(net.name)
    by_id = client.networks.get(net.id)
    by_short = client.networks.get(net.short_id)
    assert by_name == by_id == by_short == net
    assert len({by_name, by_id, by_short, net}) == 1
    assert by_name.name == net.name and by_short.id == net.id
    other = client.networks.get("bridge")
    assert other != net and hash(other) != hash(net)
    with pytest.raises(dockernet.NotFound) as ei:
        client.networks.get(lab.name("nope"))
    assert ei.value.kind == "not_found"


def test_list_names_and_ids_are_exact(lab, client):
    """names= and ids= match exactly (docker-py's match substrings: asking for `web` also
    returned `web2`)."""
    a = lab.network("web")
    b = lab.network(name=a.name + "x")
    assert [n.name for n in client.networks.list(names=[a.name])] == [a.name]
    assert [n.name for n in client.networks.list(names=[a.name[:-1]])] == []
    assert sorted(n.name for n in client.networks.list(names=[a.name, b.name])) == sorted([a.name, b.name])
    assert client.networks.list(ids=[b.id]) == [b]
    assert client.networks.list(ids=[a.id, b.id, "0" * 64]) in ([a, b], [b, a])
    assert client.networks.list(names=[lab.name("nope")]) == []


def test_list_filters(lab, client):
    """filters take docker-py dicts (a value or a list of values; bools allowed): label, driver,
    type, dangling, name (a regex, as the daemon's), id."""
    n1 = lab.network("one")
    n2 = lab.network("two", labels={"role": "spare"})
    lab.container("c", network=n1.name)
    mine = lab.label_filter

    def names(**filters):
        return sorted(n.name for n in client.networks.list(filters=filters))

    both = sorted([n1.name, n2.name])
    assert names(label=mine) == both
    assert names(label=[mine, "role=spare"]) == [n2.name]
    assert names(label=mine, driver="bridge") == both
    assert names(label=mine, driver="null") == []
    assert names(label=mine, type="custom") == both
    assert names(type="builtin") == ["bridge", "host", "none"]
    assert names(name=f"^{n1.name}$") == [n1.name]
    assert names(id=n2.id) == [n2.name]
    dangling = names(dangling=True)
    assert n2.name in dangling and not {"bridge", "host", "none"} & set(dangling)
    assert n2.name not in names(label=mine, dangling=False)
    assert names(label=mine, dangling="true") == names(label=mine, dangling=True)
    # Objects from list() carry the daemon's own documents.
    (doc,) = client.networks.list(ids=[n1.id])
    assert doc.attrs["Id"] == n1.id and isinstance(doc.attrs["IPAM"]["Config"], list)


def test_containers_include_stopped_ones_even_from_list(lab, client):
    """Network.containers lists the containers attached, stopped ones included, also on an object
    that came from list() (docker-py's is empty there and misses stopped containers)."""
    net = lab.network("members")
    up = lab.container("up", network=net.name)
    down = lab.stopped_container("down", network=net.name)
    assert down.status == "exited"
    expected = sorted([up.id, down.id])
    assert sorted(c.id for c in net.containers) == expected
    assert all(isinstance(c, dockernet.Container) for c in net.containers)
    (listed,) = client.networks.list(names=[net.name])
    assert sorted(c.id for c in listed.containers) == expected
    assert sorted(c.name for c in client.networks.get(net.id).containers) == sorted([up.name, down.name])
    # The daemon's own inspect shows only the running one.
    assert list(net.attrs["Containers"] or {}) in ([], [up.id])
    net.reload()
    assert list(net.attrs["Containers"]) == [up.id]


def test_connect_with_aliases_and_static_ip(lab, client):
    """connect() with aliases and a static address: both show in container attrs, network attrs
    and interfaces() (eth1); the alias resolves for a neighbour on that network."""
    home = lab.network("z-home")
    extra, s2 = lab.network_with_subnet("b-extra")
    ctr = lab.container("c", network=home.name)
    before = ctr.interfaces()
    assert [(i["network"], i["ifname"]) for i in before] == [(home.name, "eth0")]

    extra.connect(ctr, aliases=["db", "cache"], ipv4_address=host(s2, 77))

    ctr.reload()
    ep = ctr.attrs["NetworkSettings"]["Networks"][extra.name]
    assert ep["IPAMConfig"]["IPv4Address"] == host(s2, 77)
    assert ep["IPAddress"] == host(s2, 77)
    assert ep["NetworkID"] == extra.id
    assert {"db", "cache"} <= set(ep["Aliases"])
    extra.reload()
    assert extra.attrs["Containers"][ctr.id]["IPv4Address"] == f"{host(s2, 77)}/24"
    assert [c.id for c in extra.containers] == [ctr.id]

    ifaces = ctr.interfaces()
    assert sorted(i["ifname"] for i in ifaces) == ["eth0", "eth1"]
    x = iface(ifaces, extra.name)
    assert set(x) >= {
        "network",
        "network_id",
        "ipv4",
        "ipv6",
        "mac",
        "gateway",
        "ipv6_gateway",
        "aliases",
        "ifname",
        "default_route",
    }
    assert x["ifname"] == "eth1"
    assert x["ipv4"] == f"{host(s2, 77)}/24"
    assert x["gateway"] == host(s2, 1)
    assert x["network_id"] == extra.id
    assert x["mac"]
    assert {"db", "cache"} <= set(x["aliases"])
    assert sum(1 for i in ifaces if i["default_route"]) == 1

    out = ctr.exec_run("ifconfig eth1")
    assert out.exit_code == 0 and host(s2, 77).encode() in out.output, out

    peer = lab.container("peer", network=extra.name)
    res = peer.exec_run(["ping", "-c", "1", "-W", "2", "db"])
    assert res.exit_code == 0, res
    assert host(s2, 77).encode() in res.output


def test_connect_by_name_and_endpoint_options(lab, client):
    """connect() takes containers by name or id too, and passes links, link-local addresses and
    driver options to the endpoint."""
    net = lab.network("opts")
    target = lab.container("target", network=net.name)
    ctr = lab.container("c")
    net.connect(ctr.name, links=[f"{target.name}:tgt"], link_local_ips=["169.254.10.10"], driver_opt={"k": "v"})
    ctr.reload()
    ep = ctr.attrs["NetworkSettings"]["Networks"][net.name]
    assert ep["IPAMConfig"]["LinkLocalIPs"] == ["169.254.10.10"], ep
    assert ep["DriverOpts"] == {"k": "v"}, ep
    assert ep["Links"] == [f"{target.name}:tgt"], ep
    net.disconnect(ctr.id)
    ctr.reload()
    assert net.name not in ctr.attrs["NetworkSettings"]["Networks"]
    # A Network object from get() connects the same way, with the container's id.
    client.networks.get(net.name).connect(ctr.id)
    assert net.name in [i["network"] for i in ctr.interfaces()]


def test_disconnect_removes_the_interface(lab, client):
    """disconnect() takes the attachment away: container attrs, network attrs and interfaces();
    the eth1 device is gone inside the container. A stopped container can be disconnected too."""
    home = lab.network("z-home")
    extra = lab.network("b-extra")
    ctr = lab.container("c", networks=[home.name, extra.name])
    assert len(ctr.interfaces()) == 2

    extra.disconnect(ctr)

    ctr.reload()
    assert list(ctr.attrs["NetworkSettings"]["Networks"]) == [home.name]
    extra.reload()
    assert not extra.attrs["Containers"]
    assert extra.containers == []
    ifaces = ctr.interfaces()
    assert [i["network"] for i in ifaces] == [home.name]
    assert ifaces[0]["default_route"] is True
    # Which network became eth0 at start is the daemon's choice; one eth device remains, home's.
    out = ctr.exec_run("ls /sys/class/net")
    assert sorted(w for w in out.output.decode().split() if w.startswith("eth")) == [ifaces[0]["ifname"]], out

    ctr.stop(timeout=0)
    home.disconnect(ctr.name)
    ctr.reload()
    assert home.name not in ctr.attrs["NetworkSettings"]["Networks"]


def test_disconnect_force(lab, client):
    """disconnect(force=True) is accepted and disconnects."""
    net = lab.network("f")
    ctr = lab.container("c", network=net.name)
    net.disconnect(ctr, force=True)
    assert net.containers == []


def test_remove(lab, client):
    """remove() deletes the network; afterwards get() and remove() are NotFound."""
    a = lab.network("a")
    b = lab.network("b")
    a.remove()
    client.networks.get(b.id).remove()
    for n in (a, b):
        with pytest.raises(dockernet.NotFound):
            client.networks.get(n.name)
    with pytest.raises(dockernet.NotFound):
        a.remove()
    assert client.networks.list(filters={"label": lab.label_filter}) == []


def test_reload_refreshes_attrs(lab, client):
    """reload() re-reads the inspect document: a connect made by another handle shows up."""
    net = lab.network("r")
    stale = client.networks.get(net.name)
    ctr = lab.container("c")
    net.connect(ctr)
    assert not stale.attrs.get("Containers")
    assert stale.reload() is None
    assert list(stale.attrs["Containers"]) == [ctr.id]


def test_prune_removes_only_own_unused_networks(lab, client):
    """prune(filters=label) removes only this test's unused networks and returns their names:
    not the one in use, not another test's."""
    unused = lab.network("unused")
    used = lab.network("used")
    lab.container("c", network=used.name)
    # Another test's unused network: another label value (its name still starts with this lab's
    # tag, so this lab's finalizer removes it).
    other = lab.network("other", labels={LABEL: lab.tag + "-other"})

    res = wait_for_prune(lambda: client.networks.prune(filters={"label": lab.label_filter}))
    assert res == {"NetworksDeleted": [unused.name]}
    with pytest.raises(dockernet.NotFound):
        client.networks.get(unused.name)
    assert client.networks.get(used.name) == used
    assert client.networks.get(other.name) == other

    res = wait_for_prune(lambda: client.networks.prune(filters={"label": lab.label_filter}))
    assert res == {"NetworksDeleted": []}


def test_documents_are_the_daemons_json_in_its_key_order(lab, client):
    """Inspect and list documents reach Python exactly as the daemon sent them: every key, value
    and null, in the daemon's key order (dockernet decodes the daemon's bytes straight into dicts,
    core/src/document.rs). The reference is docker-py's low-level client, which returns
    `json.loads` of the same body."""
    import docker

    net = lab.network(labels={"k": "v"})
    api = docker.from_env(version=client.version()["ApiVersion"]).api
    try:
        want = api.inspect_network(net.id)
        got = client.networks.get(net.name).attrs
        assert got == want
        assert list(got) == list(want)
        assert list(got["IPAM"]) == list(want["IPAM"])
        # Other tests change the daemon's list meanwhile: compare this test's own entry.
        (ours,) = [n.attrs for n in client.networks.list() if n.id == net.id]
        (theirs,) = [d for d in api.networks() if d["Id"] == net.id]
        assert ours == theirs
        assert list(ours) == list(theirs)
        names = [d.name for d in client.networks.list()]
        assert names == sorted(names), "list() is sorted by name, as the docker CLI sorts"
    finally:
        api.close()


def test_attrs_are_decoded_once_on_first_read(lab, client):
    """A model holds the daemon's text until ``attrs`` is read (listing networks for their names
    builds no dicts, bench/README.md item 9); what a user sees is docker-py's plain attribute: a
    dict, the same one on every read, assignable, in ``vars()``, fresh after ``reload``."""
    import copy
    import json

    net = lab.network(labels={"k": "v"})
    (listed,) = [n for n in client.networks.list() if n.id == net.id]
    assert "attrs" not in vars(listed), "nothing is decoded before attrs is read"
    assert (listed.name, listed.id, listed.short_id) == (net.name, net.id, net.id[:12])
    assert "attrs" not in vars(listed), "name and id are read from the text"
    early = copy.copy(listed)
    attrs = listed.attrs
    assert type(attrs) is dict and attrs is listed.attrs and vars(listed)["attrs"] is attrs
    assert attrs["Name"] == net.name and attrs["Labels"]["k"] == "v"
    assert json.loads(json.dumps(attrs)) == attrs
    assert early.attrs == attrs and early.attrs is not attrs, "a copy made before the read decodes its own"
    # A user's change to attrs is what name and id answer from, as in docker-py.
    listed.attrs = dict(attrs, Name="renamed")
    assert listed.name == "renamed" and listed.id == net.id
    listed.reload()
    assert listed.name == net.name and listed.attrs["Name"] == net.name
    got = client.networks.get(net.id)
    assert "attrs" not in vars(got) and got.name == net.name
    assert got.attrs == client.networks.get(net.name).attrs
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        listed.nope  # noqa: B018
    ctr = lab.container(network=net.name)
    c = client.containers.get(ctr.id)
    assert "attrs" not in vars(c) and c.name == ctr.name and c.id == ctr.id
    assert c.attrs["Name"] == "/" + ctr.name and c.status == "running"


class _Recorder:
    """A stand-in for the native client that records the options each call would send to core."""

    def __init__(self) -> None:
        self.sent: dict = {}

    def network_create(self, name, options):
        self.sent["create"] = options
        raise dockernet.InvalidArgument("recorded")

    def network_connect(self, network, container, options):
        self.sent["connect"] = options

    def container_run(self, options):
        self.sent["run"] = options
        raise dockernet.InvalidArgument("recorded")

    def container_exec(self, container, cmd, options):
        self.sent["exec"] = options
        return {"exit_code": 0, "stdout": b"", "stderr": b""}


def test_docker_py_keys_reach_core_as_core_keys():
    """Keywords and dict keys go to core through the one docker-py → core key map (models.py
    _CORE_KEYS): docker-py's and the Engine API's spellings become core's keys, an unknown key is
    passed on unchanged (core refuses it), and one inside ipam or IPAMConfig under its place, so
    it is never read as an option of the call around it. No daemon needed."""
    c = dockernet.Client(base_url="unix:///nonexistent/dockernet-keys.sock")
    rec = c._native = _Recorder()
    with pytest.raises(dockernet.InvalidArgument):
        c.networks.create(
            "n", enable_ipv6=True, subnet="10.1.0.0/24",
            ipam={"Driver": "default", "Config": [{"Subnet": "10.2.0.0/24", "IPRange": "10.2.0.0/25", "Bogus": 1}],
                  "internal": True},
        )
    sent = rec.sent["create"]
    assert sent["ipv6"] is True and "enable_ipv6" not in sent
    assert sent["subnet"] == ["10.1.0.0/24", "10.2.0.0/24"] and sent["ip_range"] == ["10.2.0.0/25"]
    assert sent["ipam_driver"] == "default" and sent["internal"] is False
    assert sent["ipam.Config[0].Bogus"] == 1 and sent["ipam.internal"] is True

    dockernet.Network(c, {"Id": "x" * 64, "Name": "n"}).connect("ctr", ipv4_address="10.1.0.5", driver_opt={"a": "b"})
    assert rec.sent["connect"] == {"ipv4": "10.1.0.5", "driver_opts": {"a": "b"}}

    with pytest.raises(dockernet.InvalidArgument):
        c.containers.run(
            "img", environment={"A": "1"}, working_dir="/w", network="front",
            networking_config={"front": {"Aliases": ["a"], "IPAMConfig": {"IPv4Address": "10.1.0.6", "Typo": 1},
                                         "ipv5": "x"}},
        )
    sent = rec.sent["run"]
    assert sent["env"] == {"A": "1"} and sent["workdir"] == "/w"
    assert sent["networks"] == [{"name": "front", "aliases": ["a"], "ipv4": "10.1.0.6", "IPAMConfig.Typo": 1, "ipv5": "x"}]

    dockernet.Container(c, {"Id": "y" * 64, "Name": "/c"}).exec_run("true", environment=["A=1"])
    assert rec.sent["exec"]["env"] == ["A=1"]

    with pytest.raises(dockernet.InvalidArgument, match="'ipv4_address' and 'IPv4Address'"):
        c.containers.run("img", networks={"front": {"ipv4_address": "10.1.0.5", "IPv4Address": "10.1.0.6"}})

    # `name` in an endpoint is no endpoint option: it must not pick the network of core's list entry.
    with pytest.raises(dockernet.InvalidArgument):
        c.containers.run("img", network="front", networking_config={"front": {"name": "back"}})
    assert rec.sent["run"]["networks"] == [{"name": "front", "networking_config.name": "back"}]
