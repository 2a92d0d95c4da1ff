"""scripts/notebooks/walkthrough.ipynb runs headless in a real Jupyter kernel (nbclient + the
venv's ipykernel) against the real daemon, and each step shows what it should (including the
topology section: plan, apply, the verify matrix, the graph, destroy); when a step fails,
the notebook's hook removes what it had made. A notebook cell can also `await` dockernet.aio, and
interrupting the kernel stops a long call without killing the kernel.

The kernel inherits this process's environment: DOCKERNET_SUFFIX fixes the names the notebook
uses (so the lab can track and remove them), DOCKERNET_IMAGE the image."""

from __future__ import annotations

import copy
import pathlib
import sys
import time
from types import SimpleNamespace

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import daemon_objects, docker_cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "scripts" / "notebooks" / "walkthrough.ipynb"


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Runs every cell in a fresh kernel of this interpreter (stops at the first error)."""
    NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()
    return nb


def by_tag(nb: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"one cell tagged {tag!r} expected, found {len(cells)}"
    return cells[0]


def text_of(cell: nbformat.NotebookNode) -> tuple[str, str]:
    """(plain text: streams and text/plain results, HTML results) of a cell's outputs."""
    plain, html = [], []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            plain.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            plain.append(out.data.get("text/plain", ""))
            html.append(out.data.get("text/html", ""))
        elif out.output_type == "error":
            raise AssertionError(f"cell {cell.metadata.get('tags')} raised {out.ename}: {out.evalue}")
    return "".join(plain), "".join(html)


@pytest.fixture
def walkthrough(lab, monkeypatch):
    """The notebook with its names fixed (DOCKERNET_SUFFIX) and tracked by the lab, plus a last
    cell reporting the kernel's interpreter (in memory only)."""
    suffix = lab.tag
    monkeypatch.setenv("DOCKERNET_SUFFIX", suffix)
    names = SimpleNamespace(
        net=f"walkthrough-net-{suffix}", ctr=f"walkthrough-ctr-{suffix}", topo=f"walkthrough-lab-{suffix}"
    )
    lab.track_container(names.ctr)
    lab.track_network(names.net)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    yield nb, names
    # the topology section's lab, by its label, whatever the notebook managed to do
    left = topology_objects(names.topo)
    if left != ([], []):
        docker_cli("rm", "-f", *left[1], check=False) if left[1] else None
        docker_cli("network", "rm", *left[0], check=False) if left[0] else None
        pytest.fail(f"the notebook's topology {names.topo} left {left} behind", pytrace=False)


def topology_objects(name: str) -> tuple[list[str], list[str]]:
    """(networks, containers) labelled as topology `name`, as the docker CLI sees them."""
    f = f"label=dockernet.topology={name}"
    nets = docker_cli("network", "ls", "--filter", f, "--format", "{{.Name}}").stdout.split()
    ctrs = docker_cli("ps", "-a", "--filter", f, "--format", "{{.Names}}").stdout.split()
    return nets, ctrs


def test_walkthrough_notebook_runs_and_shows_each_step(walkthrough):
    """Every step of the walkthrough runs and prints what it claims: the three default networks
    (as an HTML table), the new network, eth0 on bridge, eth1 after connect (ifconfig shows it),
    eth1 gone after disconnect, the inspect summary, the removal; nothing is left behind."""
    nb, n = walkthrough
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    probe = nbformat.v4.new_code_cell("import sys; print('KERNEL', sys.executable)")
    nb.cells.append(probe)
    execute(nb)

    plain, _ = text_of(nb.cells[-1])
    assert plain.strip() == f"KERNEL {sys.executable}", "the kernel is not this venv's interpreter"

    plain, _ = text_of(by_tag(nb, "setup"))
    assert n.net in plain and n.ctr in plain and "API 1." in plain

    plain, html = text_of(by_tag(nb, "default-networks"))
    assert "<table" in html.lower()
    for name in ("bridge", "host", "none"):
        assert name in html and f"<Network: {name}>" in plain

    plain, html = text_of(by_tag(nb, "create"))
    assert n.net in html and plain.strip() == f"<Network: {n.net}>"

    plain, _ = text_of(by_tag(nb, "run"))
    lines = plain.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("eth0  bridge") and "default route: True" in lines[0], plain

    plain, _ = text_of(by_tag(nb, "connect"))
    assert "connect: eth1 appeared with " in plain
    assert "eth1" in plain.splitlines()[1] and "inet addr:" in plain, plain

    plain, _ = text_of(by_tag(nb, "disconnect"))
    assert "disconnect: eth1 gone" in plain
    assert f"interfaces now: [('eth0', 'bridge')]" in plain

    plain, html = text_of(by_tag(nb, "inspect"))
    assert f"Name={n.net} Driver=bridge Subnet=" in plain and "Containers=0" in plain
    assert "'IPAM'" in plain and "'Labels'" in plain and "'dockernet.example': 'walkthrough'" in plain

    plain, _ = text_of(by_tag(nb, "remove"))
    assert plain.strip() == f"removed {n.ctr} and {n.net}"

    plain, _ = text_of(by_tag(nb, "topology-build"))
    lines = plain.strip().splitlines()
    assert lines[0].startswith("pool 10.203.") and lines[0].endswith("/20"), plain
    assert f'topology "{n.topo}": 5 actions' in plain, plain
    for node in ("web", "db", "client"):
        assert f"run node {node} ({n.topo}-{node})" in plain, plain

    plain, _ = text_of(by_tag(nb, "topology-apply"))
    assert f'applied topology "{n.topo}": 5 actions' in plain and "steps finished: 5" in plain, plain

    plain, html = text_of(by_tag(nb, "topology-verify"))
    assert f'verify "{n.topo}": 6 pairs, 6 as expected, 0 mismatches' in plain, plain
    assert "<table" in html and "all pairs as expected" in html, html
    for node in ("web", "db", "client"):
        assert f"<th>{node}</th>" in html, html

    cell = by_tag(nb, "topology-graph")
    plain, _ = text_of(cell)
    assert plain.startswith("graph LR"), plain
    for node in ("web", "db", "client", "front", "back"):
        assert node in plain, plain
    shown = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(shown) == 1 and f"<Topology: {n.topo}>" in shown[0].data["text/plain"], cell.outputs
    # A picture with or without Graphviz (the built-in layout draws it when `dot` is missing).
    svg = shown[0].data.get("image/svg+xml", "")
    assert "<svg" in svg, shown[0].data.keys()
    for node in ("web", "db", "client", "front", "back"):
        assert f">{node}<" in svg, (node, svg)

    plain, _ = text_of(by_tag(nb, "topology-destroy"))
    assert f'destroyed topology "{n.topo}": 3 containers, 2 networks' in plain, plain
    assert "lab left over: nothing" in plain, plain
    assert topology_objects(n.topo) == ([], [])

    plain, _ = text_of(by_tag(nb, "cleanup"))
    assert plain.strip() == "left over: nothing"

    nets, ctrs = daemon_objects()
    assert n.net not in nets and n.ctr not in ctrs


def test_walkthrough_cleans_up_when_a_step_fails(walkthrough, lab, monkeypatch):
    """With an image that does not exist, step 3 fails (NotFound; dockernet never pulls); the
    failure hook then removes the network step 2 created, and says so."""
    nb, n = walkthrough
    monkeypatch.setenv("DOCKERNET_IMAGE", f"{lab.tag}-missing:latest")
    with pytest.raises(CellExecutionError) as ei:
        execute(nb)
    assert "NotFound" in str(ei.value)
    run = by_tag(nb, "run")
    streams = "".join(o.text for o in run.outputs if o.output_type == "stream")
    assert f"a cell failed; removed: ['{n.net}']" in streams, run.outputs
    nets, ctrs = daemon_objects()
    assert n.net not in nets and n.ctr not in ctrs


def test_top_level_await_in_a_notebook(lab, client):
    """A notebook cell can `await` dockernet.aio directly (top-level await in IPython)."""
    name = lab.track_network(lab.name("nbaio"))
    s = lab.free_subnet()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import dockernet.aio\naclient = dockernet.aio.AsyncClient()"),
        nbformat.v4.new_code_cell(
            f"net = await aclient.networks.create({name!r}, subnet={str(s)!r}, labels={lab.labels!r})\n"
            "nets = await aclient.networks.list(filters={'type': 'builtin'})\n"
            "print(sorted(n.name for n in nets), net.name)"
        ),
        nbformat.v4.new_code_cell("await net.remove()\nprint('removed')"),
    ]
    execute(nb)
    plain, _ = text_of(nb.cells[1])
    assert plain.strip() == f"['bridge', 'host', 'none'] {name}"
    assert text_of(nb.cells[2])[0].strip() == "removed"
    assert name not in daemon_objects()[0]


def test_notebook_file_is_valid_and_tagged():
    """The committed notebook is valid nbformat 4, has a markdown cell before each step, and its
    code cells are tagged for this test."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(copy.deepcopy(nb))
    tags = [c.metadata.get("tags", [None])[0] for c in nb.cells if c.cell_type == "code"]
    assert tags == [
        "setup",
        "cleanup-hook",
        "default-networks",
        "create",
        "run",
        "connect",
        "disconnect",
        "inspect",
        "remove",
        "topology-build",
        "topology-apply",
        "topology-verify",
        "topology-graph",
        "topology-destroy",
        "cleanup",
    ]
    kinds = [c.cell_type for c in nb.cells]
    for i, k in enumerate(kinds):
        if k == "code":
            assert kinds[i - 1] == "markdown", f"code cell {i} has no explanation before it"
    assert "dockernet-testbox:latest" in "".join(c.source for c in nb.cells)


def test_interrupting_the_kernel_stops_a_long_call(lab, client):
    """Jupyter's "interrupt kernel" (SIGINT to the kernel) stops a long dockernet call with
    KeyboardInterrupt, and the kernel goes on: the next cell runs."""
    ctr = lab.container("nbint")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import time, dockernet\nctr = dockernet.from_env().containers.get({ctr.name!r})"),
        nbformat.v4.new_code_cell("t0 = time.monotonic()\nctr.exec_run(['sleep', '60'])"),
        nbformat.v4.new_code_cell("print('alive after', round(time.monotonic() - t0), 's')"),
    ]
    t0 = time.monotonic()
    # nbclient interrupts a cell that outruns `timeout` (interrupt_on_timeout), like the button.
    NotebookClient(
        nb, timeout=5, kernel_name="python3", interrupt_on_timeout=True, allow_errors=True,
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()
    took = time.monotonic() - t0
    errors = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["KeyboardInterrupt"], nb.cells[1].outputs
    plain, _ = text_of(nb.cells[2])
    assert plain.startswith("alive after "), plain
    assert int(plain.split()[2]) < 15, plain
    assert took < 40, f"the notebook took {took:.0f}s: the call was not interrupted"
