"""The client: connecting (from_env, base_url, DOCKER_HOST), version, ping, close and the context
manager; the exception hierarchy. Mirrors python-bindings/src/client.rs."""

from __future__ import annotations

import pytest

import dockernet

from conftest import docker_cli


def test_from_env_pings_and_reports_the_daemon_version(client):
    """from_env() reaches the running daemon: ping() is True and version() is the daemon's
    /version document, the one `docker version` prints."""
    assert client.ping() is True
    v = client.version()
    assert isinstance(v, dict)
    assert v["Version"] == docker_cli("version", "--format", "{{.Server.Version}}").stdout.strip()
    assert v["ApiVersion"] == docker_cli("version", "--format", "{{.Server.APIVersion}}").stdout.strip()
    for key in ("Os", "Arch", "MinAPIVersion"):
        assert key in v, v


def test_client_with_base_url_and_context_manager():
    """Client(base_url=...) takes DOCKER_HOST syntax, and `with` closes it afterwards."""
    with dockernet.Client(base_url="unix:///var/run/docker.sock", timeout=30.0) as c:
        assert c.ping() is True
        assert "bridge" in [n.name for n in c.networks.list(names=["bridge"])]
    c2 = dockernet.Client()
    assert c2.ping() is True
    c2.close()


def test_from_env_honours_docker_host(monkeypatch):
    """from_env() reads DOCKER_HOST like the docker CLI: an unreachable socket is
    DaemonUnavailable, naming the address and what to do."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/dockernet.sock")
    c = dockernet.from_env(timeout=5.0)
    with pytest.raises(dockernet.DaemonUnavailable) as ei:
        c.ping()
    e = ei.value
    assert e.kind == "unavailable"
    assert e.status_code is None
    assert "/nonexistent/dockernet.sock" in str(e)
    assert "dockerd" in str(e)


def test_unknown_keyword_is_a_type_error():
    """Unknown keyword arguments are TypeErrors, as for any Python function."""
    with pytest.raises(TypeError, match="base_ur"):
        dockernet.Client(base_ur="unix:///var/run/docker.sock")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="timout"):
        dockernet.from_env(timout=3)  # type: ignore[call-arg]


def test_exception_hierarchy():
    """Every error class derives from DockerError (itself an Exception), one class per kind."""
    classes = {
        "not_found": dockernet.NotFound,
        "conflict": dockernet.Conflict,
        "forbidden": dockernet.Forbidden,
        "invalid": dockernet.InvalidArgument,
        "unavailable": dockernet.DaemonUnavailable,
        "timeout": dockernet.Timeout,
        "api": dockernet.APIError,
    }
    assert issubclass(dockernet.DockerError, Exception)
    for cls in classes.values():
        assert issubclass(cls, dockernet.DockerError), cls
    assert len(set(classes.values())) == len(classes)
