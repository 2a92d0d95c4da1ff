"""Ctrl-C interrupts a long call: SIGINT sent to this process while a daemon call waits raises
KeyboardInterrupt within about a second (instead of after the call, or never, as a hung Jupyter
kernel would), and the client stays usable afterwards. A topology apply is the exception: Ctrl-C
rolls it back first, then raises KeyboardInterrupt saying so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import docker_cli, unique


def interrupt_after(delay: float) -> tuple[threading.Timer, list[float]]:
    """Sends SIGINT to this process after `delay` seconds; the list receives the time it was sent."""
    sent: list[float] = []

    def fire() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(delay, fire)
    timer.start()
    return timer, sent


def test_ctrl_c_interrupts_exec_run(lab, client):
    """SIGINT during exec_run of `sleep 5` raises KeyboardInterrupt within ~1 s of the signal;
    the same client then works, and the container too."""
    assert threading.current_thread() is threading.main_thread()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    ctr = lab.container("int")
    timer, sent = interrupt_after(0.5)
    t0 = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            ctr.exec_run(["sleep", "5"])
    finally:
        timer.cancel()
    raised = time.monotonic()
    assert sent, "the timer did not fire"
    assert raised - sent[0] < 1.2, f"KeyboardInterrupt came {raised - sent[0]:.2f}s after SIGINT"
    assert raised - t0 < 2.0
    assert client.ping() is True
    assert ctr.exec_run("true").exit_code == 0


def test_ctrl_c_interrupts_stop(lab, client):
    """SIGINT during a stop that waits (the test image's sleep ignores SIGTERM, so stop waits its
    whole timeout) raises KeyboardInterrupt within ~1 s."""
    ctr = lab.container("stop")
    timer, sent = interrupt_after(0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            ctr.stop(timeout=8)
    finally:
        timer.cancel()
    assert sent and time.monotonic() - sent[0] < 1.2
    assert client.ping() is True


def test_ctrl_c_in_a_script_exits_with_keyboard_interrupt(lab):
    """A script blocked in a call, interrupted like a terminal's Ctrl-C (SIGINT to the process),
    ends with a KeyboardInterrupt traceback within ~1 s."""
    ctr = lab.container("script")
    script = textwrap.dedent(
        f"""
        import sys, dockernet
        c = dockernet.from_env()
        ctr = c.containers.get({ctr.name!r})
        print("calling", flush=True)
        ctr.exec_run(["sleep", "20"])
        print("returned", flush=True)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "calling"
        time.sleep(0.5)
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=15)
        took = time.monotonic() - sent
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "KeyboardInterrupt" in err, err
    assert "returned" not in out
    assert p.returncode != 0
    assert took < 1.5, f"the script ended {took:.2f}s after SIGINT"


def test_ctrl_c_rolls_an_apply_back(lab, client):
    """SIGINT to a script in the middle of `Topology.apply()`: the apply finishes no new step, undoes
    what it did, and then KeyboardInterrupt is raised saying so; nothing labelled with the
    topology is left. (Before, the apply was dropped half-way: half a lab stayed.)"""
    from test_topology import free_pool, owned

    name = unique("int-apply")
    spec = {
        "name": name,
        "pool": free_pool(client),
        "image": "dockernet-testbox:latest",
        "labels": lab.labels,
        "networks": {"a": {}, "b": {}},
        "nodes": {f"n{i}": {"networks": ["a" if i % 2 == 0 else "b"]} for i in range(6)},
    }
    script = textwrap.dedent(
        f"""
        import json, sys, dockernet
        topo = dockernet.Topology.from_dict(json.loads({json.dumps(json.dumps(spec))}))
        def progress(event):
            print(event["event"], event["done"], flush=True)
        try:
            topo.apply(concurrency=1, progress=progress)
        except KeyboardInterrupt as e:
            print("KeyboardInterrupt:", e, flush=True)
            raise
        print("applied", flush=True)
        """
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            assert line, f"the script ended before its first step: {lines} {p.stderr.read() if p.stderr else ''}"
            lines.append(line.strip())
            if line.startswith("finished 3"):
                break
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        nets, ctrs = owned(name)
        if nets or ctrs:
            docker_cli("rm", "-f", *ctrs, check=False)
            docker_cli("network", "rm", *nets, check=False)
    assert p.returncode != 0
    assert "applied" not in out, out
    assert "Traceback" in err and "KeyboardInterrupt" in err, err
    said = [line for line in out.splitlines() if line.startswith("KeyboardInterrupt:")]
    assert len(said) == 1, out
    assert f'apply "{name}": interrupted (Ctrl-C) after ' in said[0], said
    assert "nothing of this apply is left" in said[0], said
    assert "interrupted" in out.split("KeyboardInterrupt:")[0], "progress heard the interrupt: " + out
    assert (nets, ctrs) == ([], []), f"left behind: {nets} {ctrs}"
    assert took < 30, f"the rollback took {took:.1f}s"
