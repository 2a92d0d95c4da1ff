"""One client shared by many threads: 8 threads x 200 mixed calls with no error and no leaked
object; the GIL is released while a call waits on the daemon, so other Python threads run and
slow calls from several threads overlap."""

from __future__ import annotations

import threading
import time
import traceback

import dockernet

from conftest import is_overlap

THREADS = 8
CALLS = 200


def test_8_threads_x_200_mixed_calls(lab, client):
    """8 threads share one client for 200 calls each (list, get, inspect, reload, ping, container
    get/list, and a few network create+remove on each thread's own subnets): every call succeeds,
    results are right, and nothing a thread made is left on the daemon."""
    shared = lab.network("shared")
    ctr = lab.container("c", network=shared.name)
    before = lab.leftovers()
    errors: list[str] = []
    done = [0] * THREADS
    made: list[list[str]] = [[] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    def create_and_remove(t: int, i: int) -> None:
        name = lab.track_network(lab.name(f"t{t}-{i}-"))
        for _ in range(20):
            s = lab.free_subnet()
            try:
                net = client.networks.create(name, subnet=str(s), labels=lab.labels)
                break
            except dockernet.Conflict as e:
                if not is_overlap(e):
                    raise
        else:
            raise AssertionError(f"{name}: no free subnet after 20 tries")
        made[t].append(name)
        assert net.attrs["IPAM"]["Config"][0]["Subnet"] == str(s)
        assert client.networks.get(name) == net
        net.remove()
        try:
            client.networks.get(name)
            raise AssertionError(f"{name} still exists after remove()")
        except dockernet.NotFound:
            pass

    def worker(t: int) -> None:
        handle = client.networks.get(shared.name)
        start.wait()
        for i in range(CALLS):
            try:
                op = i % 10
                if i % 50 == 9:
                    create_and_remove(t, i)
                elif op == 0:
                    assert shared.name in [n.name for n in client.networks.list()]
                elif op == 1:
                    assert client.networks.get(shared.name).id == shared.id
                elif op == 2:
                    assert client.networks.get("bridge").attrs["Driver"] == "bridge"
                elif op == 3:
                    handle.reload()
                    assert ctr.id in handle.attrs["Containers"]
                elif op == 4:
                    assert client.containers.get(ctr.name).id == ctr.id
                elif op == 5:
                    assert client.networks.list(names=[shared.name]) == [shared]
                elif op == 6:
                    assert client.ping() is True
                elif op == 7:
                    listed = client.containers.list(filters={"label": lab.label_filter})
                    assert [c.id for c in listed] == [ctr.id]
                elif op == 8:
                    assert "ApiVersion" in client.version()
                else:
                    assert [i["network"] for i in client.containers.get(ctr.id).interfaces()] == [shared.name]
                done[t] += 1
            except Exception:  # noqa: BLE001 - every failure is collected and reported
                errors.append(f"thread {t} call {i}: {traceback.format_exc()}")

    threads = [threading.Thread(target=worker, args=(t,), name=f"dnt-{t}") for t in range(THREADS)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    elapsed = time.monotonic() - t0
    assert not any(th.is_alive() for th in threads), "a thread hung"
    assert not errors, f"{len(errors)} errors, first ones:\n" + "\n".join(errors[:5])
    assert done == [CALLS] * THREADS
    assert sum(len(m) for m in made) == THREADS * 4
    assert lab.leftovers() == before, "objects made by the threads are still on the daemon"
    print(f"{THREADS * CALLS} calls in {elapsed:.1f}s")


def test_gil_is_released_while_waiting_on_the_daemon(lab, client):
    """While exec_run waits for `sleep 2` in the main thread, another Python thread keeps
    running (the binding released the GIL)."""
    ctr = lab.container("gil")
    ticks: list[float] = []
    stop = threading.Event()

    def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    th = threading.Thread(target=ticker)
    th.start()
    try:
        t0 = time.monotonic()
        res = ctr.exec_run(["sleep", "2"])
        t1 = time.monotonic()
    finally:
        stop.set()
        th.join()
    assert res.exit_code == 0
    assert t1 - t0 >= 1.9
    during = [t for t in ticks if t0 + 0.2 < t < t1 - 0.2]
    # ~160 ticks expected in 1.6 s; a held GIL gives none.
    assert len(during) > 40, f"only {len(during)} ticks of another thread during a {t1 - t0:.1f}s call"


def test_slow_calls_from_several_threads_overlap(lab, client):
    """Four threads each exec `sleep 1` through the same client; they overlap (well under the
    4 s they would take one after the other)."""
    ctr = lab.container("par")
    results: list[int] = []

    def one() -> None:
        results.append(ctr.exec_run(["sleep", "1"]).exit_code)

    threads = [threading.Thread(target=one) for _ in range(4)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    elapsed = time.monotonic() - t0
    assert results == [0, 0, 0, 0]
    assert elapsed < 3.0, f"4 x sleep 1 took {elapsed:.1f}s: calls are serialised"
