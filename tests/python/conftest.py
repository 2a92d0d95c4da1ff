"""The shared harness of dockernet's Python suite: a client that fails loudly when no daemon
answers, unique names, the ownership label, free subnets, and a per-test `lab` whose finalizer
removes whatever the test made (containers first, then networks), even when the test failed.

Every test talks to a real Docker daemon; nothing is mocked and nothing is skipped (a skipped test
fails the run, see `pytest_sessionfinish`). The Rust suite may run against the same daemon at the
same moment, so:
- names are `dnt-py-<pid>-<n>[-<what><k>]`, unique per process and per call;
- subnets are random /24s inside 10.202.0.0/16, away from every daemon network and host route;
  two callers that still pick the same one are told so by an overlap `Conflict`, and
  `Lab.network` simply tries another;
- everything a test makes carries `dockernet.test=<the test's tag>`, so a prune or a sweep never
  touches another test's objects.

Clean-up and the "is anything left?" checks go through the `docker` CLI, not through dockernet:
they must work, and tell the truth, even when the binding under test is broken.

What does not live here: assertions about dockernet's behaviour (those are the tests).
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import json
import os
import pathlib
import random
import subprocess
import threading
import time
from typing import Any, Callable, Iterable, Iterator, TypeVar

import pytest

import dockernet

LABEL = "dockernet.test"
TEST_IMAGE = "dockernet-testbox:latest"
SUBNET_POOL = ipaddress.ip_network("10.202.0.0/16")
PREFIX = f"dnt-py-{os.getpid()}"

_counter = itertools.count()
_handed_out: set[ipaddress.IPv4Network] = set()
_handed_out_lock = threading.Lock()

T = TypeVar("T")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def harness_bin(name: str) -> pathlib.Path:
    """A harness binary of tests/src/bin (``private-daemons``, ``private-sshd``, ``private-podman``)
    from `cargo build --workspace --bins`. python-test.sh points CARGO_TARGET_DIR at maturin's own
    target, so the workspace's target/ is looked at first."""
    candidates = [ROOT / "target"]
    if os.environ.get("CARGO_TARGET_DIR"):
        candidates.append(ROOT / os.environ["CARGO_TARGET_DIR"])
    for target in candidates:
        path = target / "debug" / name
        if path.is_file():
            return path
    raise AssertionError(f"{name} is missing under {[str(c) for c in candidates]}: run cargo build --workspace --bins first")


@contextlib.contextmanager
def harness(name: str, *args: str, start_within: float = 180) -> Iterator[list[dict[str, Any]]]:
    """Runs a harness binary, which prints one JSON object a line about what it started, then
    ``ready``; yields those objects. Closing its stdin (on leaving, also after a failure) makes it
    tear everything down; leaving waits for that, at most 120 s."""
    proc = subprocess.Popen([str(harness_bin(name)), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    lines: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + start_within
        for line in proc.stdout:
            if line.strip() == "ready":
                break
            lines.append(json.loads(line))
            assert time.monotonic() < deadline, f"{name} took more than {start_within} s to start"
        yield lines
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)


def unique(what: str = "") -> str:
    """`dnt-py-<pid>-<n>` (with `-<what>` appended when given): no other call, test or process
    uses it."""
    name = f"{PREFIX}-{next(_counter)}"
    return f"{name}-{what}" if what else name


# --- the docker CLI, the independent oracle ----------------------------------------------------


def docker_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs `docker ARGS...` and returns the finished process (raising on failure when `check`)."""
    p = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def daemon_objects() -> tuple[dict[str, str], dict[str, str]]:
    """Every network and container on the daemon as `{name: value of the dockernet.test label}`
    (the value is "" when unlabelled), as the docker CLI sees them."""
    fmt = '{{.Name}}\t{{.Label "%s"}}' % LABEL
    nets = docker_cli("network", "ls", "--format", fmt).stdout
    ctrs = docker_cli("ps", "-a", "--format", fmt.replace(".Name", ".Names")).stdout

    def parse(text: str) -> dict[str, str]:
        out = {}
        for line in text.splitlines():
            name, _, label = line.partition("\t")
            if name:
                out[name] = label
        return out

    return parse(nets), parse(ctrs)


_privileged: list[bool] = []


def privileged_works() -> bool:
    """Whether this daemon can run privileged containers at all (asked once, via the docker CLI):
    inside some sandboxes runc cannot apply the full capability set ("unable to apply caps")."""
    if not _privileged:
        p = docker_cli("run", "--rm", "--privileged", "--label", f"{LABEL}={PREFIX}-probe", TEST_IMAGE, "true", check=False)
        _privileged.append(p.returncode == 0)
    return _privileged[0]


def wait_for_prune(call: Callable[[], T]) -> T:
    """Runs a prune, waiting (up to ~10 s) while another prune on the daemon is running: the
    daemon runs one at a time and answers 409 "a prune operation is already running" to the rest,
    which the Rust suite's prunes on the same daemon do provoke."""
    for _ in range(100):
        try:
            return call()
        except dockernet.Conflict as e:
            if "already running" not in str(e):
                raise
            time.sleep(0.1)
    return call()


# --- subnets -----------------------------------------------------------------------------------


def _host_routes() -> list[Any]:
    """The host's IPv4 routes (default route excepted), from /proc/net/route."""
    out: list[Any] = []
    try:
        lines = open("/proc/net/route").read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        f = line.split()
        if len(f) < 8:
            continue
        dest = int(f[1], 16).to_bytes(4, "little")
        mask = int(f[7], 16).to_bytes(4, "little")
        if mask == b"\0\0\0\0":
            continue
        out.append(ipaddress.ip_network(f"{ipaddress.IPv4Address(dest)}/{ipaddress.IPv4Address(mask)}", strict=False))
    return out


def daemon_subnets(client: Any) -> list[Any]:
    """The IPv4 subnets of every network on the daemon (network inspect documents via dockernet)."""
    out = []
    for net in client.networks.list():
        for pool in (net.attrs.get("IPAM") or {}).get("Config") or []:
            subnet = (pool or {}).get("Subnet")
            if subnet:
                n = ipaddress.ip_network(subnet, strict=False)
                if n.version == 4:
                    out.append(n)
    return out


def free_subnet(client: Any) -> ipaddress.IPv4Network:
    """A random /24 inside 10.202.0.0/16 that overlaps no daemon network and no host route, and
    that this process has not handed out before. Another process may pick the same one at the
    same moment: create through `Lab.network`, which retries on the overlap Conflict."""
    taken = daemon_subnets(client) + _host_routes()
    slots: list[ipaddress.IPv4Network] = list(SUBNET_POOL.subnets(new_prefix=24))  # type: ignore[arg-type]
    random.shuffle(slots)
    for s in slots:
        if any(s.overlaps(t) for t in taken):
            continue
        with _handed_out_lock:
            if s in _handed_out:
                continue
            _handed_out.add(s)
        return s
    raise AssertionError(f"no free /24 left in {SUBNET_POOL} (is the daemon full of leftover test networks?)")


def host(subnet: Any, n: int) -> str:
    """The n-th address of a subnet as a string: host(10.202.7.0/24, 5) == "10.202.7.5"."""
    return str(subnet.network_address + n)


def free_subnet6() -> str:
    """A random IPv6 ULA /64 in canonical spelling (what inspect returns)."""
    r = random.getrandbits(56)
    return str(ipaddress.ip_network(((0xFD << 120) | (r << 64), 64)))


def is_overlap(e: BaseException) -> bool:
    """True for the answer a subnet race gives: dockernet's own check or the daemon's."""
    return isinstance(e, dockernet.Conflict) and "overlap" in str(e).lower()


# --- the per-test lab --------------------------------------------------------------------------


class Lab:
    """What one test makes on the daemon: names, labels, tracked objects, and their removal."""

    def __init__(self, client: Any, tag: str) -> None:
        self.client = client
        self.tag = tag
        self._n = itertools.count()
        self._lock = threading.Lock()
        self.networks: list[str] = []
        self.containers: list[str] = []

    @property
    def labels(self) -> dict[str, str]:
        """`{"dockernet.test": <tag>}`."""
        return {LABEL: self.tag}

    @property
    def label_filter(self) -> str:
        """`dockernet.test=<tag>`, as a `label` filter value."""
        return f"{LABEL}={self.tag}"

    def name(self, what: str = "x") -> str:
        """A fresh name for this test: `<tag>-<what><k>` (every name starts with the tag)."""
        return f"{self.tag}-{what}{next(self._n)}"

    def track_network(self, name: str) -> str:
        with self._lock:
            self.networks.append(name)
        return name

    def track_container(self, name: str) -> str:
        with self._lock:
            self.containers.append(name)
        return name

    def with_labels(self, labels: dict[str, str] | None) -> dict[str, str]:
        """`labels` plus the ownership label (unless `labels` sets one of its own)."""
        return {**self.labels, **(labels or {})}

    def free_subnet(self) -> ipaddress.IPv4Network:
        return free_subnet(self.client)

    def network(self, what: str = "net", *, subnet: bool = True, client: Any = None, **kwargs: Any) -> Any:
        """Creates a tracked, labelled bridge network `<tag>-<what><k>`; with `subnet` (default) on
        a free /24, retried on an overlap Conflict. Returns the Network; its subnet is
        `lab.subnet_of(net)`."""
        net, _ = self.network_with_subnet(what, subnet=subnet, client=client, **kwargs)
        return net

    def network_with_subnet(
        self, what: str = "net", *, subnet: bool = True, client: Any = None, **kwargs: Any
    ) -> tuple[Any, ipaddress.IPv4Network | None]:
        """Like `network`, returning `(network, subnet)`. `kwargs` may be a callable of the subnet
        under the key `make` (to place gateways and ranges in it)."""
        c = client or self.client
        name = self.track_network(kwargs.pop("name", None) or self.name(what))
        make = kwargs.pop("make", None)
        labels = self.with_labels(kwargs.pop("labels", None))
        last: BaseException | None = None
        for _ in range(20 if subnet else 1):
            s = self.free_subnet() if subnet else None
            opts = dict(kwargs)
            if make is not None:
                opts.update(make(s))
            elif s is not None:
                opts["subnet"] = str(s)
            try:
                return c.networks.create(name, labels=labels, **opts), s
            except dockernet.Conflict as e:
                if not is_overlap(e):
                    raise
                last = e
        raise AssertionError(f"setup: cannot create network {name}: {last}")

    def container(self, what: str = "ctr", image: str = TEST_IMAGE, client: Any = None, **kwargs: Any) -> Any:
        """Runs a tracked, labelled container `<tag>-<what><k>` from the test image (which sleeps
        forever unless `command` says otherwise). Returns the Container."""
        c = client or self.client
        name = self.track_container(kwargs.pop("name", None) or self.name(what))
        labels = self.with_labels(kwargs.pop("labels", None))
        return c.containers.run(image, name=name, labels=labels, **kwargs)

    def stopped_container(self, what: str = "stopped", **kwargs: Any) -> Any:
        """A container that ran and was stopped (`stop(timeout=0)`)."""
        ctr = self.container(what, **kwargs)
        ctr.stop(timeout=0)
        ctr.reload()
        return ctr

    def leftovers(self) -> tuple[list[str], list[str]]:
        """Networks and containers on the daemon that this lab made or owns: tracked names, names
        starting with the tag, and anything labelled with the tag (via the docker CLI)."""
        nets, ctrs = daemon_objects()
        with self._lock:
            tracked_n, tracked_c = set(self.networks), set(self.containers)

        def mine(objs: dict[str, str], tracked: set[str]) -> list[str]:
            return sorted(n for n, label in objs.items() if n in tracked or n.startswith(self.tag + "-") or label == self.tag)

        return mine(nets, tracked_n), mine(ctrs, tracked_c)

    def cleanup(self) -> list[str]:
        """Removes everything this lab made, containers first (forced), then networks; returns what
        could not be removed."""
        _, ctrs = self.leftovers()
        if ctrs:
            docker_cli("rm", "-f", *ctrs, check=False)
        nets, _ = self.leftovers()
        if nets:
            docker_cli("network", "rm", *nets, check=False)
        nets, ctrs = self.leftovers()
        return [f"network {n}" for n in nets] + [f"container {c}" for c in ctrs]


# --- fixtures ----------------------------------------------------------------------------------

NO_DAEMON = """

NO DOCKER DAEMON ANSWERS: dockernet's Python tests need a running Docker daemon.
  {error}
  Start one with scripts/dev/ensure-docker.sh (or set DOCKER_HOST), build the test image with
  scripts/dev/test-image.sh, then run scripts/dev/python-test.sh.
"""


def connect_or_fail(**kwargs: Any) -> Any:
    """A connected client, or a loud failure (never a skip) saying what to do."""
    error = None
    try:
        c = dockernet.from_env(**kwargs)
        assert c.ping() is True
    except dockernet.DockerError as e:
        error = e
    if error is not None:
        pytest.fail(NO_DAEMON.format(error=error), pytrace=False)
    return c


@pytest.fixture(scope="session")
def client() -> Iterable[Any]:
    """One client for the whole run (the binding says it is safe to share)."""
    c = connect_or_fail()
    yield c
    c.close()


@pytest.fixture
def lab(client: Any) -> Iterable[Lab]:
    """A fresh Lab with its own tag; its finalizer removes what the test made, even on failure,
    and fails the test's teardown if anything could not be removed."""
    the_lab = Lab(client, unique())
    yield the_lab
    failures = the_lab.cleanup()
    if failures:
        pytest.fail(f"lab {the_lab.tag}: could not clean up: {failures}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind() -> Iterable[None]:
    """After the whole run: no network or container named after this process remains."""
    yield
    try:
        nets, ctrs = daemon_objects()
    except AssertionError:
        return  # no daemon answers the CLI either: the client fixture has said so loudly
    left = [f"network {n}" for n in nets if n.startswith(PREFIX + "-")]
    left += [f"container {c}" for c in ctrs if c.startswith(PREFIX + "-")]
    if left:
        docker_cli("rm", "-f", *[c.split(" ", 1)[1] for c in left if c.startswith("container")], check=False)
        docker_cli("network", "rm", *[n.split(" ", 1)[1] for n in left if n.startswith("network")], check=False)
        pytest.fail(f"objects of this run were left on the daemon (now removed): {left}", pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A skipped test is a failed run: this suite never skips (a test that silently does not run
    is a test that never runs)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if reporter and skipped and session.exitstatus == 0:
        reporter.ensure_newline()
        reporter.write_line(f"FAILED: {len(skipped)} test(s) were skipped; this suite never skips", red=True)
        session.exitstatus = 1


# --- topologies --------------------------------------------------------------------------------

TOPOLOGY_LABEL = "dockernet.topology"


def free_pool(client: Any, prefix: int = 20) -> str:
    """A random /`prefix` inside SUBNET_POOL overlapping no daemon network and no host route."""
    taken = [n for n in daemon_subnets(client) if n.version == 4] + [r for r in _host_routes() if r.version == 4]
    blocks = list(SUBNET_POOL.subnets(new_prefix=prefix))
    random.shuffle(blocks)
    for b in blocks:
        if not any(b.overlaps(t) for t in taken):
            return str(b)
    raise AssertionError(f"no free /{prefix} left in {SUBNET_POOL}")


def owned(name: str) -> tuple[list[str], list[str]]:
    """Networks and containers labelled as topology `name`, as the docker CLI sees them."""
    f = f"label={TOPOLOGY_LABEL}={name}"
    nets = docker_cli("network", "ls", "--filter", f, "--format", "{{.Name}}").stdout.split()
    ctrs = docker_cli("ps", "-a", "--filter", f, "--format", "{{.Names}}").stdout.split()
    return nets, ctrs


@pytest.fixture
def destroy_later(client: Any) -> Iterable[Callable[[str], str]]:
    """`destroy_later(name)` registers a topology name; the finalizer destroys each by name (even
    when the test failed) and fails the teardown if anything labelled with it remains."""
    names: list[str] = []
    yield lambda name: names.append(name) or name
    problems = []
    for name in names:
        try:
            dockernet._native.Topology.destroy_by_name(client._native, name)
        except Exception as e:  # still check what is left
            problems.append(f"destroy {name}: {e}")
        nets, ctrs = owned(name)
        if nets or ctrs:
            docker_cli("rm", "-f", *ctrs, check=False) if ctrs else None
            docker_cli("network", "rm", *nets, check=False) if nets else None
            problems.append(f"{name}: left behind networks {nets}, containers {ctrs}")
    if problems:
        pytest.fail(f"topology clean-up: {problems}", pytrace=False)


@pytest.fixture
def web_lab(client: Any, lab: Lab, destroy_later: Callable[[str], str]) -> Callable[[str], dict[str, Any]]:
    """`web_lab(what)`: the spec of the smallest lab — network `front`, node `web` on it — under a
    unique name ending in `what` (destroyed by name when the test ends, see `destroy_later`), with
    its own pool (`free_pool`) and the test's ownership label."""

    def make(what: str) -> dict[str, Any]:
        return {
            "name": destroy_later(unique(what)),
            "pool": free_pool(client),
            "image": TEST_IMAGE,
            "labels": lab.labels,
            "networks": {"front": {}},
            "nodes": {"web": {"networks": ["front"]}},
        }

    return make
