"""Docker contexts from Python: ``dockernet.contexts()`` lists them as ``docker context ls`` does and
``Client.from_context(name)`` talks to the context's daemon. The context files are made by the
docker CLI itself in a private DOCKER_CONFIG folder (the oracle for their layout)."""

from __future__ import annotations

import os
import pathlib
import subprocess
from typing import Iterator

import pytest

import dockernet


@pytest.fixture
def docker_config(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pathlib.Path]:
    host = os.environ.get("DOCKER_HOST", "")
    socket = host if host.startswith("unix://") else "unix:///var/run/docker.sock"
    subprocess.run(
        ["docker", "context", "create", "lab", "--description", "the lab daemon", "--docker", f"host={socket}"],
        env={**os.environ, "DOCKER_CONFIG": str(tmp_path)},
        check=True,
        capture_output=True,
        timeout=60,
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    yield tmp_path


def test_contexts_are_listed_like_docker_context_ls(docker_config: pathlib.Path) -> None:
    ctxs = dockernet.contexts()
    assert [c["name"] for c in ctxs] == ["default", "lab"]
    assert ctxs[0]["current"] is True and ctxs[1]["current"] is False
    assert ctxs[1]["description"] == "the lab daemon"
    assert ctxs[1]["host"].startswith("unix://")


def test_client_from_context_reaches_its_daemon(docker_config: pathlib.Path) -> None:
    client = dockernet.Client.from_context("lab")
    assert client.ping() is True
    assert client.base_url.startswith("unix://")
    assert "bridge" in [n.name for n in client.networks.list()]
    with pytest.raises(dockernet.InvalidArgument) as e:
        dockernet.Client.from_context("nope")
    assert '"nope"' in str(e.value)
