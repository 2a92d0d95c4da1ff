"""``ssh://`` hosts from Python (``Client(base_url="ssh://…")``, ``from_env`` with ``DOCKER_HOST``):
a private daemon behind a private sshd on loopback, both made by the Rust harness
(``private-sshd``, tests/src/sshd.rs). dockernet runs the system ``ssh`` with ``docker system
dial-stdio``, as the docker CLI does; the harness's ``PATH`` puts first an ``ssh`` that uses the
test's key and known_hosts (nothing in ``~/.ssh`` is read or changed)."""

from __future__ import annotations

import subprocess
import time
from typing import Dict, Iterator

import pytest

import dockernet
from conftest import harness

TEST_IMAGE = "dockernet-testbox:latest"


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dict[str, str]]:
    """``{"url", "path", "host"}`` of a daemon behind sshd; ``PATH`` set for the test's ssh."""
    with harness("private-sshd") as lines:
        info: Dict[str, str] = {k: v for d in lines for k, v in d.items()}
        assert "url" in info, f"private-sshd did not start: {info}"
        monkeypatch.setenv("PATH", info["path"])
        monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
        yield info


def _on_daemon(info: Dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The docker CLI against the private daemon's own socket: the oracle."""
    return subprocess.run(["docker", "-H", info["host"], *args], capture_output=True, text=True, timeout=60)


def test_client_over_ssh_reaches_the_daemon_behind_sshd(remote: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    c = dockernet.Client(base_url=remote["url"])
    assert c.base_url == remote["url"]
    assert c.ping()
    net = c.networks.create("ssh-py-net", labels={"dockernet.test": "ssh-py"})
    try:
        seen = _on_daemon(remote, "network", "inspect", "--format", "{{.Name}}", "ssh-py-net")
        assert seen.returncode == 0 and seen.stdout.strip() == "ssh-py-net", seen
        ctr = c.containers.run(TEST_IMAGE, name="ssh-py-ctr", command="sleep 600")
        try:
            net.connect(ctr)
            net.reload()
            assert [x.name for x in net.containers] == ["ssh-py-ctr"]
            net.disconnect(ctr)
        finally:
            ctr.remove(force=True)
        # DOCKER_HOST=ssh://… through from_env, as docker-py reads it.
        monkeypatch.setenv("DOCKER_HOST", remote["url"])
        assert "ssh-py-net" in [n.name for n in dockernet.from_env().networks.list()]
    finally:
        net.remove()
    gone = _on_daemon(remote, "network", "inspect", "ssh-py-net")
    assert gone.returncode != 0, gone


def test_ssh_failures_raise_daemon_unavailable_with_what_ssh_said(remote: Dict[str, str]) -> None:
    port = remote["url"].rsplit(":", 1)[1]
    started = time.monotonic()
    with pytest.raises(dockernet.errors.DaemonUnavailable) as info:
        dockernet.Client(base_url=f"ssh://nobody@127.0.0.1:{port}").networks.list()
    assert info.value.kind == "unavailable"
    assert "Permission denied" in str(info.value), info.value
    with pytest.raises(dockernet.errors.DaemonUnavailable) as info:
        dockernet.Client(base_url=f"{remote['url']}/nonexistent/docker.sock").ping()
    assert "/nonexistent/docker.sock" in str(info.value), info.value
    assert time.monotonic() - started < 30
    with pytest.raises(dockernet.errors.InvalidArgument) as bad:
        dockernet.Client(base_url=f"ssh://root:pw@127.0.0.1:{port}")
    assert "password" in str(bad.value) and ":pw@" not in str(bad.value)
