"""Ctrl-C interrupts a long call: SIGINT sent to this process while a daemon call waits raises
KeyboardInterrupt within about a second (instead of after the call, or never, as a hung Jupyter
kernel would), and the client stays usable afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest


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
