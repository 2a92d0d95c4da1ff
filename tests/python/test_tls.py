"""Client-certificate TLS from Python (``Client(base_url, tls=TLSConfig(...))`` and ``tls=True``) to a
private daemon on tcp+TLS made by the Rust harness (``private-daemons --tls``). The TLS port is
inside the daemon's network namespace, so the client runs there in a child interpreter (nsenter):
nothing listens on the machine's own network."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Dict, Iterator

import pytest

import dockernet
from conftest import harness

HOST = "tcp://127.0.0.1:2376"


@pytest.fixture
def tls_daemon() -> Iterator[Dict[str, Any]]:
    with harness("private-daemons", "--tls", "t") as lines:
        info: Dict[str, Any] = {k: v for d in lines for k, v in d.items()}
        assert "tls" in info and "netns" in info, info
        yield info


def _in_netns(info: Dict[str, Any], code: str, env: Dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["nsenter", f"--net=/run/netns/{info['netns']}", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def test_tls_config_and_tls_true_reach_the_daemon(tls_daemon: Dict[str, Any]) -> None:
    client_dir = tls_daemon["tls"]["client"]
    code = f"""
import dockernet, os
d = {client_dir!r}
tls = dockernet.TLSConfig(client_cert=(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")), ca_cert=os.path.join(d, "ca.pem"))
c = dockernet.Client(base_url={HOST!r}, tls=tls)
print("config", c.ping(), "bridge" in [n.name for n in c.networks.list()])
print("true", dockernet.Client(base_url={HOST!r}, tls=True).ping())
try:
    dockernet.Client(base_url={HOST!r}).ping()
except dockernet.DaemonUnavailable as e:
    print("plain", "speaks TLS" in str(e))
"""
    p = _in_netns(tls_daemon, code, {"DOCKER_CERT_PATH": client_dir})
    assert p.returncode == 0, p.stdout + p.stderr
    assert "config True True" in p.stdout and "true True" in p.stdout and "plain True" in p.stdout, p.stdout + p.stderr


def test_wrong_ca_is_refused(tls_daemon: Dict[str, Any]) -> None:
    code = f"""
import dockernet
try:
    dockernet.Client(base_url={HOST!r}, tls=True).ping()
    print("connected")
except dockernet.DockerError as e:
    print("refused", e.kind, "certificate" in str(e).lower())
"""
    p = _in_netns(tls_daemon, code, {"DOCKER_CERT_PATH": tls_daemon["tls"]["wrong_ca"]})
    assert "refused unavailable True" in p.stdout, p.stdout + p.stderr


def test_tls_config_is_checked() -> None:
    with pytest.raises(dockernet.InvalidArgument):
        dockernet.TLSConfig(client_cert=("c", "k"), ca_cert="a", verify=False)
    with pytest.raises(dockernet.InvalidArgument):
        dockernet.TLSConfig(ca_cert="a")
    with pytest.raises(dockernet.InvalidArgument) as e:
        dockernet.Client(base_url="unix:///x.sock", tls=dockernet.TLSConfig(client_cert=("c", "k"), ca_cert="a"))
    assert "tcp://" in str(e.value)
    with pytest.raises(dockernet.InvalidArgument):
        dockernet.Client(base_url=HOST, tls="yes")  # type: ignore[arg-type]
