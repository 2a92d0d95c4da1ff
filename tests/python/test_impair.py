"""Link impairment from Python: ``Container.impair("wan", delay=...)`` / ``impair("wan", None)``,
read back, shown by ``interfaces()``, bad values refused before anything is touched, restored by
``reapply_impairment()`` after a restart. Loss and rate are used (they need no netem in the kernel);
tests/tests/impair.rs measures their effect and covers delay."""

from __future__ import annotations

import re
from typing import Any

import pytest

import dockernet


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Any, monkeypatch: Any) -> None:
    """Records go to this test's own directory, not the host's /var/lib/dockernet."""
    monkeypatch.setenv("DOCKERNET_STATE_DIR", str(tmp_path))


def pair(lab: Any) -> tuple[Any, Any, str]:
    net, subnet = lab.network_with_subnet("wan")
    a = lab.container("a", network=net.name)
    b = lab.container("b", network=net.name)
    b.reload()
    ip = b.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
    return net, a, ip


def loss_of(a: Any, ip: str, count: int) -> float:
    code, out = a.exec_run(["ping", "-c", str(count), "-i", "0.01", "-W", "2", ip], timeout=60)
    m = re.search(r"([\d.]+)% packet loss", out.decode())
    assert m, out
    return float(m.group(1))


def test_impair_reads_back_shows_in_interfaces_and_clears(lab: Any) -> None:
    """A set impairment reads back as asked, shows on its interface, and None clears it."""
    net, a, ip = pair(lab)
    loss_of(a, ip, 1)  # the neighbour is resolved before anything is dropped
    assert a.impairment(net) is None
    a.impair(net, loss="40%", rate="10mbit")
    assert a.impairment(net.name) == {"loss": "40%", "rate": "10mbit"}
    (iface,) = a.interfaces()
    assert iface["impairment"] == {"loss": "40%", "rate": "10mbit"}
    assert 20.0 <= loss_of(a, ip, 200) <= 60.0
    a.impair(net.name, None)
    assert a.impairment(net) is None
    assert a.interfaces()[0]["impairment"] is None
    assert loss_of(a, ip, 30) == 0.0


def test_bad_values_are_refused_before_anything_is_touched(lab: Any) -> None:
    """A bad value or an unknown key is InvalidArgument naming it; what was set stays."""
    net, a, _ = pair(lab)
    a.impair(net, rate="2mbit")
    for kwargs, named in [({"delay": "40"}, '"40"'), ({"loss": "120%"}, '"120%"'), ({"dealy": "5ms"}, "dealy")]:
        with pytest.raises(dockernet.InvalidArgument) as e:
            a.impair(net, **kwargs)
        assert named in str(e.value) and list(kwargs)[0] in str(e.value)
        assert a.impairment(net) == {"rate": "2mbit"}
    with pytest.raises(dockernet.InvalidArgument):
        a.impair(net, "fast")  # type: ignore[arg-type]
    with pytest.raises(dockernet.NotFound, match="not connected"):
        a.impair("no-such-network", rate="1mbit")


def test_reapply_after_restart(lab: Any) -> None:
    """A restart drops the qdisc; reapply_impairment() puts the recorded one back, once."""
    net, a, _ = pair(lab)
    a.impair(net, rate="3mbit", loss=5)
    a.stop(timeout=0)
    a.start()
    assert a.impairment(net) is None
    assert a.reapply_impairment() == [(net.name, {"loss": "5%", "rate": "3mbit"})]
    assert a.impairment(net) == {"loss": "5%", "rate": "3mbit"}
    assert a.reapply_impairment() == []
