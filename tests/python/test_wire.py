"""The client's wire from Python (issue 10, items 8, 14, 15): the timeout from DOCKERNET_TIMEOUT,
``exec_run(timeout=)``, a stop longer than the client's timeout, passwords in ``base_url`` never
shown, and a server that is not a Docker daemon named for what it is.

Misbehaving servers are played by small servers on 127.0.0.1 started by the test (a thread each,
closed at the end of the test); everything else runs against the real daemon."""

from __future__ import annotations

import socket
import threading
import time
from typing import Callable, Iterator

import pytest

import dockernet
import dockernet.aio


class FakeServer:
    """A TCP server on 127.0.0.1 that hands every accepted connection to ``serve`` on a thread."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = "tcp://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.conns: list[socket.socket] = []
        self.serve = serve
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        deadline = time.monotonic() + 120
        while not self.stopped.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


def silent(conn: socket.socket) -> None:
    """Reads the request and never answers."""
    conn.settimeout(30)
    try:
        conn.recv(65536)
        time.sleep(30)
    except OSError:
        pass


def web_server(conn: socket.socket) -> None:
    """Answers every request with nginx's 404 page."""
    page = b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
    conn.settimeout(10)
    try:
        conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(page), page)
        )
        time.sleep(1)
    except OSError:
        pass


@pytest.fixture
def fake() -> Iterator[Callable[[Callable[[socket.socket], None]], FakeServer]]:
    servers: list[FakeServer] = []

    def start(serve: Callable[[socket.socket], None]) -> FakeServer:
        servers.append(FakeServer(serve))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_timeout_comes_from_the_environment(fake, monkeypatch):
    """from_env() and Client() without timeout= take DOCKERNET_TIMEOUT; an explicit timeout= wins."""
    server = fake(silent)
    monkeypatch.setenv("DOCKER_HOST", server.url)
    monkeypatch.setenv("DOCKERNET_TIMEOUT", "1")
    for make in (dockernet.from_env, dockernet.Client, dockernet.aio.AsyncClient):
        client = make()
        client = getattr(client, "_sync", client)
        start = time.monotonic()
        with pytest.raises(dockernet.Timeout) as ei:
            client.ping()
        assert time.monotonic() - start < 8
        assert "did not answer GET /_ping within 1s" in str(ei.value), ei.value
    start = time.monotonic()
    with pytest.raises(dockernet.Timeout) as ei:
        dockernet.Client(timeout=0.5).ping()
    assert "within 500ms" in str(ei.value), ei.value
    monkeypatch.setenv("DOCKERNET_TIMEOUT", "later")
    with pytest.raises(dockernet.InvalidArgument) as ei:
        dockernet.from_env()
    assert 'DOCKERNET_TIMEOUT: expected a positive number of seconds, got "later"' in str(ei.value), ei.value


def test_exec_run_timeout(lab):
    """exec_run(timeout=1) on a command that runs 30 s raises Timeout within a few seconds and says
    the process may still be running."""
    ctr = lab.container()
    start = time.monotonic()
    with pytest.raises(dockernet.Timeout) as ei:
        ctr.exec_run("sleep 30", timeout=1)
    assert time.monotonic() - start < 6
    assert "may still be running in the container" in str(ei.value), ei.value
    assert ctr.exec_run("echo hi", timeout=10) == (0, b"hi\n")


def test_stop_grace_period_outlasts_the_client_timeout(lab):
    """stop(timeout=4) on a container that ignores SIGTERM succeeds with a 2-second client
    timeout: the request waits the grace period on top."""
    quick = dockernet.from_env(timeout=2)
    ctr = lab.container(command=["sh", "-c", "trap '' TERM; sleep 600 & wait"])
    start = time.monotonic()
    quick.containers.get(ctr.id).stop(timeout=4)
    assert time.monotonic() - start >= 3.5
    ctr.reload()
    assert ctr.status == "exited"


def test_password_in_base_url_is_never_shown():
    """A password in base_url shows as *** in base_url, repr and the error of a failed call."""
    client = dockernet.Client("tcp://admin:s3cret@127.0.0.1:1", timeout=5)
    with pytest.raises(dockernet.DaemonUnavailable) as ei:
        client.ping()
    for text in (client.base_url, repr(client), repr(client._native), str(ei.value), ei.value.explanation):
        assert "s3cret" not in text, text
        assert "tcp://admin:***@127.0.0.1:1" in text, text


def test_web_server_is_not_taken_for_a_daemon(fake):
    """A web server's 404 page at the address raises DaemonUnavailable naming the status, the
    route and the Server header, not an empty APIError."""
    server = fake(web_server)
    with pytest.raises(dockernet.DaemonUnavailable) as ei:
        dockernet.Client(server.url, timeout=5).networks.list()
    text = str(ei.value)
    for want in ("answered GET /_ping with 404 Not Found", "Server: nginx/1.22.1", "does not look like a Docker daemon"):
        assert want in text, text
    assert ei.value.status_code is None
