"""Rich display: Network, Container and lists of them render as HTML tables in Jupyter
(`_repr_html_`), naming what they show, escaping what users wrote; a plain `repr` elsewhere."""

from __future__ import annotations

import re

from conftest import LABEL

EVIL = "<script>alert('dnt')</script>&"


def test_network_repr_and_html(lab, client):
    """repr(Network) is `<Network: name>`; its HTML names the network, its driver and subnet."""
    net, s = lab.network_with_subnet("disp", labels={"note": EVIL})
    assert repr(net) == f"<Network: {net.name}>"
    assert "<table" not in str(net)
    html = net._repr_html_()
    assert isinstance(html, str) and "<table" in html.lower()
    assert net.name in html
    assert net.short_id in html
    assert "bridge" in html
    assert str(s) in html
    assert EVIL not in html and "<script>" not in html, "user text must be escaped"


def test_container_repr_and_html(lab, client):
    """repr(Container) is plain (`<Container: …>`); its HTML names the container, its status
    and its networks."""
    net = lab.network("disp")
    ctr = lab.container("disp", network=net.name, labels={"note": EVIL}, command=["sh", "-c", f"# {EVIL}\nsleep 1000"])
    r = repr(ctr)
    assert r in (f"<Container: {ctr.name}>", f"<Container: {ctr.short_id}>"), r
    html = ctr._repr_html_()
    assert "<table" in html.lower()
    assert ctr.name in html and "running" in html and net.name in html
    assert EVIL not in html and "<script>" not in html, "user text must be escaped"


def test_lists_render_as_tables(lab, client):
    """networks.list() and containers.list() return list subclasses whose HTML names every item
    and whose repr is the plain list repr."""
    a = lab.network("la")
    b = lab.network("lb")
    c1 = lab.container("c", network=a.name)
    nets = client.networks.list(filters={"label": f"{LABEL}={lab.tag}"})
    assert isinstance(nets, list)
    assert sorted(n.name for n in nets) == sorted([a.name, b.name])
    html = nets._repr_html_()
    assert "<table" in html.lower() and a.name in html and b.name in html
    # One row per network (the header row aside).
    assert len(re.findall(r"<tr", html, re.I)) >= 2
    assert repr(nets) == repr(list(nets))
    assert repr(nets).startswith("[<Network: ")

    ctrs = client.containers.list(all=True, filters={"label": f"{LABEL}={lab.tag}"})
    assert isinstance(ctrs, list) and [c.id for c in ctrs] == [c1.id]
    assert c1.name in ctrs._repr_html_()
    assert repr(ctrs) == repr(list(ctrs))


def test_empty_list_renders(client):
    """An empty result still renders (no exception, some HTML)."""
    empty = client.networks.list(names=["dnt-py-no-such-network"])
    assert empty == []
    html = empty._repr_html_()
    assert isinstance(html, str) and html
    assert repr(empty) == "[]"
