"""client.containers (run, get, list) and Container (attrs, status, labels, reload, exec_run, stop,
remove, interfaces) against the real daemon. Mirrors python-bindings/src/container.rs."""

from __future__ import annotations

import re
import threading
import time

import pytest

import dockernet

from conftest import LABEL, TEST_IMAGE, docker_cli, host, privileged_works


def test_run_on_two_networks_with_options(lab, client):
    """run() with networks={name: endpoint options} attaches both networks before the process
    starts (static address, aliases), and applies hostname, environment and labels."""
    front, s1 = lab.network_with_subnet("front")
    back, s2 = lab.network_with_subnet("back")
    ctr = lab.container(
        "c",
        command=["sh", "-c", "ip -4 addr > /tmp/boot; exec sleep 1000"],
        networks={front.name: {"ipv4_address": host(s1, 20)}, back.name: {"aliases": ["store"]}},
        hostname="twonets",
        environment={"ROLE": "test"},
        labels={"tier": "app"},
    )
    assert isinstance(ctr, dockernet.Container)
    assert ctr.name.startswith(lab.tag)
    assert re.fullmatch(r"[0-9a-f]{64}", ctr.id) and ctr.short_id == ctr.id[:12]
    assert ctr.status == "running"
    assert ctr.labels == {"tier": "app", LABEL: lab.tag}
    a = ctr.attrs
    assert a["Config"]["Hostname"] == "twonets"
    assert "ROLE=test" in a["Config"]["Env"]
    assert a["Config"]["Image"] == TEST_IMAGE
    nets = a["NetworkSettings"]["Networks"]
    assert nets[front.name]["IPAddress"] == host(s1, 20)
    assert nets[back.name]["IPAddress"].startswith(host(s2, 0).rsplit(".", 1)[0] + ".")
    assert "store" in nets[back.name]["Aliases"]

    boot = ctr.exec_run("cat /tmp/boot")
    assert boot.exit_code == 0
    assert f"{host(s1, 20)}/24".encode() in boot.output, boot
    assert f"inet {host(s2, 0).rsplit('.', 1)[0]}.".encode() in boot.output, boot

    ifaces = ctr.interfaces()
    assert sorted(i["ifname"] for i in ifaces) == ["eth0", "eth1"]
    assert sorted(i["network"] for i in ifaces) == sorted([front.name, back.name])
    assert sum(1 for i in ifaces if i["default_route"]) == 1
    assert all(i["mac"] and i["gateway"] for i in ifaces)


def test_run_networks_as_a_list_and_single_network(lab, client):
    """networks= also takes a list of names, network= a single one; a container given the
    default bridge sits on bridge."""
    a = lab.network("a")
    b = lab.network("b")
    two = lab.container("two", networks=[a.name, b.name])
    assert sorted(two.attrs["NetworkSettings"]["Networks"]) == sorted([a.name, b.name])
    one = lab.container("one", network=a.name)
    assert list(one.attrs["NetworkSettings"]["Networks"]) == [a.name]
    default = lab.container("default")
    assert [i["network"] for i in default.interfaces()] == ["bridge"]


def test_run_host_config_options(lab, client):
    """run() applies command (string or list), entrypoint, user, working_dir, cap_add, cap_drop,
    sysctls and ports as docker-py does."""
    ctr = lab.container(
        "hc",
        command="sleep 1000",
        user="1000",
        working_dir="/tmp",
        cap_add=["NET_ADMIN"],
        cap_drop=["MKNOD"],
        sysctls={"net.ipv4.ip_forward": "1"},
        ports={"8080/tcp": None},
    )
    hc = ctr.attrs["HostConfig"]
    assert ctr.attrs["Config"]["Cmd"] == ["sleep", "1000"]
    assert ctr.attrs["Config"]["User"] == "1000"
    assert ctr.attrs["Config"]["WorkingDir"] == "/tmp"
    assert "NET_ADMIN" in hc["CapAdd"] and "MKNOD" in hc["CapDrop"]
    assert hc["Sysctls"] == {"net.ipv4.ip_forward": "1"}
    assert "8080/tcp" in hc["PortBindings"]
    assert ctr.exec_run("cat /proc/sys/net/ipv4/ip_forward").output.strip() == b"1"
    assert ctr.exec_run("id -u").output.strip() == b"1000"
    assert ctr.exec_run("pwd").output.strip() == b"/tmp"

    ep = lab.container("ep", entrypoint=["/bin/sh", "-c"], command=["exec sleep 1000"])
    assert ep.attrs["Config"]["Entrypoint"] == ["/bin/sh", "-c"]
    assert ep.attrs["Config"]["Cmd"] == ["exec sleep 1000"]
    assert ep.status == "running"


def test_run_privileged(lab, client):
    """privileged=True reaches the daemon: where the daemon can run privileged containers the
    container runs privileged; where it cannot (runc "unable to apply caps" in a sandbox, as the
    docker CLI shows too), run fails with that daemon error and leaves no container behind."""
    if privileged_works():
        priv = lab.container("priv", privileged=True)
        assert priv.attrs["HostConfig"]["Privileged"] is True
        assert priv.status == "running"
    else:
        with pytest.raises(dockernet.DockerError) as ei:
            lab.container("priv", privileged=True)
        assert "apply caps" in str(ei.value), ei.value
        assert lab.leftovers() == ([], [])


def test_run_auto_remove_and_detach(lab, client):
    """auto_remove=True: the container is gone once its command exits; detach=True is accepted
    (run is always detached)."""
    ctr = lab.container("gone", command=["sleep", "1"], auto_remove=True, detach=True)
    assert ctr.attrs["HostConfig"]["AutoRemove"] is True
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not client.containers.list(all=True, filters={"name": f"^{ctr.name}$"}):
            break
        time.sleep(0.2)
    with pytest.raises(dockernet.NotFound):
        client.containers.get(ctr.name)


def test_exec_run_output_demux_env_workdir_user(lab, client):
    """exec_run returns ExecResult(exit_code, output): output is stdout+stderr as bytes, or the
    pair (stdout, stderr) with demux=True; environment, workdir, user and privileged apply."""
    ctr = lab.container("x")
    res = ctr.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert isinstance(res, tuple) and res._fields == ("exit_code", "output")
    code, output = res
    assert code == 3 == res.exit_code
    assert isinstance(output, bytes)
    assert sorted(output.decode().split()) == ["err", "out"]

    res = ctr.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"], demux=True)
    assert res.exit_code == 3
    assert res.output == (b"out\n", b"err\n")

    res = ctr.exec_run("true")
    assert (res.exit_code, res.output) == (0, b"")

    res = ctr.exec_run(["sh", "-c", "echo $GREETING; pwd; id -u"], environment={"GREETING": "hi"}, workdir="/tmp")
    assert res.output == b"hi\n/tmp\n0\n"
    res = ctr.exec_run("id -u", user="1234")
    assert res.output == b"1234\n"
    # privileged reaches the daemon (which may be unable to grant it inside a sandbox).
    res = ctr.exec_run("id -u", privileged=True)
    if privileged_works():
        assert (res.exit_code, res.output) == (0, b"0\n")
    else:
        assert res.exit_code != 0 and b"apply caps" in res.output, res
    # environment in docker-py's other spelling, a list of KEY=VALUE.
    assert ctr.exec_run("sh -c 'echo $A'", environment=["A=b"]).output == b"b\n"

    try:
        res = ctr.exec_run("/no/such/program")
        assert res.exit_code != 0, res
    except dockernet.DockerError as e:
        assert "/no/such/program" in str(e)


def test_exec_run_binary_output(lab, client):
    """Output that is not UTF-8 comes back byte for byte."""
    ctr = lab.container("bin")
    res = ctr.exec_run(["sh", "-c", r"printf '\377\000\001'"])
    assert res.output == b"\xff\x00\x01"


def test_get_list_stop_remove(lab, client):
    """get() by name, id and short id; list() sees a stopped container only with all=True;
    stop() then remove(); afterwards NotFound."""
    ctr = lab.container("life")
    by_name = client.containers.get(ctr.name)
    assert by_name == client.containers.get(ctr.id) == client.containers.get(ctr.short_id) == ctr
    assert hash(by_name) == hash(ctr)
    assert by_name.attrs["Id"] == ctr.id and by_name.name == ctr.name

    mine = {"label": lab.label_filter}
    assert [c.name for c in client.containers.list(filters=mine)] == [ctr.name]
    assert ctr.name in [c.name for c in client.containers.list()]

    ctr.stop(timeout=1)
    ctr.reload()
    assert ctr.status == "exited"
    assert ctr.attrs["State"]["Running"] is False
    assert client.containers.list(filters=mine) == []
    assert [c.name for c in client.containers.list(all=True, filters=mine)] == [ctr.name]
    ctr.stop()  # stopping a stopped container is fine

    # A stopped container keeps its attachment, with no interface name or route to show.
    ifaces = ctr.interfaces()
    assert [i["network"] for i in ifaces] == ["bridge"]
    assert all(i["ifname"] is None and i["default_route"] is None for i in ifaces), ifaces

    ctr.remove()
    with pytest.raises(dockernet.NotFound):
        client.containers.get(ctr.name)
    assert client.containers.list(all=True, filters=mine) == []
    assert docker_cli("ps", "-aq", "--filter", f"label={lab.label_filter}").stdout.strip() == ""


def test_remove_force_running(lab, client):
    """remove(force=True) removes a running container at once; get(name).remove works on names."""
    ctr = lab.container("rmf")
    client.containers.get(ctr.name).remove(force=True)
    with pytest.raises(dockernet.NotFound):
        ctr.reload()


def test_ping_between_own_containers(lab, client):
    """Two containers on the test's network ping each other by address and by name; a third on
    another network is unreachable from them."""
    net, s = lab.network_with_subnet("lan")
    other, s_other = lab.network_with_subnet("other")
    a = lab.container("a", networks={net.name: {"ipv4_address": host(s, 11)}})
    b = lab.container("b", networks={net.name: {"ipv4_address": host(s, 12)}})
    lab.container("far", networks={other.name: {"ipv4_address": host(s_other, 13)}})

    def ping(frm, to):
        return frm.exec_run(["ping", "-c", "1", "-W", "2", to])

    out = ping(a, host(s, 12))
    assert out.exit_code == 0 and b"1 packets received" in out.output, out
    out = ping(b, a.name)
    assert out.exit_code == 0 and host(s, 11).encode() in out.output, out
    assert ping(a, host(s_other, 13)).exit_code != 0


def test_container_objects_and_names_are_interchangeable(lab, client):
    """Every call that takes a container takes a Container, a name or an id, and every call that
    takes a network takes a Network, a name or an id."""
    net = lab.network("n")
    ctr = lab.container("c")
    for who in (ctr, ctr.name, ctr.id):
        net.connect(who)
        assert [c.id for c in net.containers] == [ctr.id]
        net.disconnect(who)
        assert net.containers == []
    by_obj = lab.container("o", network=net)
    by_id = lab.container("i", network=net.id)
    by_list = lab.container("l", networks=[net])
    assert {c.id for c in net.containers} == {by_obj.id, by_id.id, by_list.id}


def test_run_auto_remove_of_a_command_that_ends_at_once(lab, client):
    """run(auto_remove=True) of a command that exits immediately still returns its Container
    (the daemon may remove it before run could read it back)."""
    for i in range(3):
        ctr = lab.container(f"quick{i}-", command="true", auto_remove=True)
        assert ctr.name.startswith(lab.tag) and len(ctr.id) == 64


def test_listing_survives_containers_vanishing(lab, client):
    """containers.list() and Network.containers never fail because a listed container was removed
    before it was read (docker-py needed ignore_removed for this): short-lived auto_remove
    containers come and go on a network while another thread lists them for a few seconds."""
    net = lab.network("churn")
    stop = threading.Event()
    churn_errors: list[str] = []

    def churn() -> None:
        i = 0
        while not stop.is_set():
            try:
                lab.container(f"churn{i}-", command=["sleep", "0.3"], auto_remove=True, network=net.name)
            except dockernet.DockerError as e:
                churn_errors.append(str(e))
            i += 1

    th = threading.Thread(target=churn)
    th.start()
    failures: list[str] = []
    calls = 0
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            calls += 1
            try:
                client.containers.list(all=True, filters={"label": lab.label_filter})
            except dockernet.NotFound as e:
                failures.append(f"containers.list: {e}")
            try:
                net.containers
            except dockernet.NotFound as e:
                failures.append(f"Network.containers: {e}")
    finally:
        stop.set()
        th.join(timeout=60)
    assert not failures, f"{len(failures)} of {calls} rounds failed; first: {failures[0]}"
    assert not churn_errors, churn_errors[:3]
