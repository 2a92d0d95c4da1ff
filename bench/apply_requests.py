#!/usr/bin/env python3
"""Issue 12's measurements: an apply's daemon requests per kind, and apply time, before and after.

Two `dockernet` binaries (before / after) apply the same labs in interleaved rounds, each through a
recording proxy on 127.0.0.1 that forwards every connection to the local daemon's Unix socket and
logs each request's method and path; `dockernet down` tears each lab down (on the socket, not
through the proxy) in a `finally`, and the run checks that nothing of the lab is left.

    python3 bench/apply_requests.py --before /work/target-before/release/dockernet \\
        --after target/release/dockernet [--rounds 3] [--concurrency 8]

Labs: `scripts/labs/lab50.yaml` (10 networks, 50 nodes) with a `pool:` line added so its subnets
come from 10.242.0.0/16 (the file's default pool, 10.210.0.0/16, is the tests' own), and `lab200`,
generated here: 200 networks with explicit /24s in 10.241.0.0/16 and 60 nodes of
`dockernet-testbox:latest`, node j on every network k with k mod 60 == j (so each network has one
node; 200 attachments). Prints Markdown tables, writes raw results to bench/results/.

Python 3.11 standard library only. Only the local daemon socket and loopback are contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "dockernet-testbox:latest"
LAB50_POOL = "10.242.0.0/16"
LAB200_NET = "10.241"  # 10.241.0.0/16, one /24 per network
LAB200_NETWORKS = 200
LAB200_NODES = 60
UP_TIMEOUT = 900  # seconds; every process is bounded
DOWN_TIMEOUT = 900


# ---------------------------------------------------------------------------------------------
# The recording proxy


def daemon_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        return host[len("unix://"):]
    if host:
        sys.exit(f"apply_requests: DOCKER_HOST={host!r} is not a unix:// socket; only the local daemon is used")
    return "/var/run/docker.sock"


VERSION = re.compile(r"^/v\d+(?:\.\d+)?(?=/)")
# Second path segments that are words, not ids, per collection.
WORDS = {
    "networks": {"create", "prune"},
    "containers": {"json", "create", "prune"},
    "volumes": {"create", "prune"},
    "exec": set(),
    "images": {"json", "create", "prune", "load", "search", "get"},
}


def classify(method: str, target: str) -> str:
    """`POST /v1.41/networks/abc/connect?x=1` -> `POST /networks/{id}/connect`."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # an absolute-form target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    path = VERSION.sub("", path)
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "images" and len(parts) >= 3 and parts[-1] in {"json", "history", "push", "tag"}:
        parts = ["images", "{name}", parts[-1]]  # image names may hold slashes
    elif len(parts) >= 2 and parts[0] in WORDS and parts[1] not in WORDS[parts[0]]:
        parts[1] = "{id}"
    return f"{method} /" + "/".join(parts)


class RequestParser:
    """Finds request heads in one connection's client-to-daemon byte stream: heads, then bodies
    framed by Content-Length or chunked transfer coding, so several requests of a kept-alive
    connection are each seen once and no body byte is taken for a request line. After an upgrade
    request (exec/attach hijack) the stream is raw and parsing stops."""

    MAX_HEAD = 1 << 20

    def __init__(self, record):
        self.record = record
        self.buf = bytearray()
        self.state = "head"  # head | body | chunk-size | chunk-data | chunk-crlf | trailer | raw
        self.remaining = 0
        self.error: str | None = None

    def feed(self, data: bytes) -> None:
        if self.state == "raw":
            return
        self.buf += data
        for _ in range(1_000_000):  # bounded: each pass consumes input or returns
            if not self.step():
                return
        self.fail("parser made no progress")

    def fail(self, why: str) -> None:
        self.error = why
        self.state = "raw"
        self.buf.clear()

    def step(self) -> bool:
        b = self.buf
        if self.state == "head":
            while b.startswith(b"\r\n"):  # tolerated blank lines between requests
                del b[:2]
            end = b.find(b"\r\n\r\n")
            if end < 0:
                if len(b) > self.MAX_HEAD:
                    self.fail("request head over 1 MiB")
                return False
            head = bytes(b[:end]).decode("latin-1")
            del b[: end + 4]
            lines = head.split("\r\n")
            fields = lines[0].split(" ")
            if len(fields) != 3 or not fields[2].startswith("HTTP/") or not fields[0].isalpha():
                self.fail(f"not a request line: {lines[0][:80]!r}")
                return False
            method, target = fields[0], fields[1]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.record(method, target)
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self.state = "chunk-size"
            elif "upgrade" in headers or method == "CONNECT":
                self.state = "raw"
                b.clear()
                return False
            else:
                self.remaining = int(headers.get("content-length", "0") or 0)
                self.state = "body" if self.remaining else "head"
            return True
        if self.state == "body":
            n = min(self.remaining, len(b))
            del b[:n]
            self.remaining -= n
            if self.remaining:
                return False
            self.state = "head"
            return True
        if self.state in ("chunk-size", "trailer"):
            end = b.find(b"\r\n")
            if end < 0:
                if len(b) > self.MAX_HEAD:
                    self.fail("chunk line over 1 MiB")
                return False
            line = bytes(b[:end]).decode("latin-1")
            del b[: end + 2]
            if self.state == "trailer":
                if line == "":
                    self.state = "head"
                return True
            size = int(line.split(";", 1)[0].strip() or "0", 16)
            if size == 0:
                self.state = "trailer"
            else:
                self.remaining, self.state = size, "chunk-data"
            return True
        if self.state == "chunk-data":
            n = min(self.remaining, len(b))
            del b[:n]
            self.remaining -= n
            if self.remaining:
                return False
            self.state = "chunk-crlf"
            return True
        if self.state == "chunk-crlf":
            if len(b) < 2:
                return False
            del b[:2]
            self.state = "chunk-size"
            return True
        return False


class Proxy:
    """127.0.0.1:<free port> -> the daemon's Unix socket, bytes forwarded unchanged both ways
    (keep-alive, chunked answers and streams as the daemon sends them); the client's requests are
    logged as (method, target)."""

    IDLE = 600  # seconds a connection may sit idle before the proxy drops it

    def __init__(self, unix_path: str):
        self.unix_path = unix_path
        self.lock = threading.Lock()
        self.log: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.connections = 0
        self.stopping = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def record(self, method: str, target: str) -> None:
        with self.lock:
            self.log.append((method, target))

    def take(self) -> list[tuple[str, str]]:
        with self.lock:
            out, self.log = self.log, []
            return out

    def accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client: socket.socket) -> None:
        daemon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            daemon.connect(self.unix_path)
        except OSError as e:
            with self.lock:
                self.errors.append(f"connect {self.unix_path}: {e}")
            client.close()
            return
        for s in (client, daemon):
            s.settimeout(self.IDLE)
        parser = RequestParser(self.record)

        def pump(src: socket.socket, dst: socket.socket, parse) -> None:
            try:
                while True:  # ends at EOF, an error or the idle timeout
                    data = src.recv(65536)
                    if not data:
                        break
                    if parse:
                        parser.feed(data)
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        back = threading.Thread(target=pump, args=(daemon, client, False), daemon=True)
        back.start()
        pump(client, daemon, True)
        back.join(self.IDLE + 5)
        if parser.error:
            with self.lock:
                self.errors.append(parser.error)
        client.close()
        daemon.close()

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(5)


# ---------------------------------------------------------------------------------------------
# Labs


def lab50_file(tmp: Path) -> Path:
    text = (ROOT / "scripts/labs/lab50.yaml").read_text()
    assert re.search(r"^name: lab50$", text, re.M) and not re.search(r"^pool:", text, re.M), "lab50.yaml changed"
    text = text.replace("name: lab50\n", f"name: lab50\npool: {LAB50_POOL}\n", 1)
    path = tmp / "lab50.yaml"
    path.write_text(text)
    return path


def lab200_file(tmp: Path) -> Path:
    lines = [
        "# generated by bench/apply_requests.py: 200 networks (explicit /24s in 10.241.0.0/16),",
        f"# {LAB200_NODES} nodes, node j on every network k with k mod {LAB200_NODES} == j.",
        "name: lab200",
        f"image: {IMAGE}",
        "networks:",
    ]
    for k in range(LAB200_NETWORKS):
        lines.append(f"  m{k:03}: {{subnet: {LAB200_NET}.{k}.0/24}}")
    lines.append("nodes:")
    for j in range(LAB200_NODES):
        nets = ", ".join(f"m{k:03}" for k in range(j, LAB200_NETWORKS, LAB200_NODES))
        lines.append(f"  h{j:02}: {{networks: [{nets}]}}")
    path = tmp / "lab200.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def leftovers(name: str) -> dict[str, list[str]]:
    flt = f"label=dockernet.topology={name}"
    out = {}
    for kind, argv in (
        ("networks", ["docker", "network", "ls", "-q", "--filter", flt]),
        ("containers", ["docker", "ps", "-aq", "--filter", flt]),
    ):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {r.stderr.strip()}")
        out[kind] = r.stdout.split()
    return out


def clear(name: str) -> None:
    """Removes what is left of a lab by its label (containers, then networks)."""
    left = leftovers(name)
    if left["containers"]:
        subprocess.run(["docker", "rm", "-f", *left["containers"]], capture_output=True, timeout=300)
    if left["networks"]:
        subprocess.run(["docker", "network", "rm", *left["networks"]], capture_output=True, timeout=300)


# ---------------------------------------------------------------------------------------------
# Runs


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_one(proxy: Proxy, binary: str, lab: str, path: Path, concurrency: int, env: dict) -> dict:
    proxy.take()
    row: dict = {"lab": lab, "loadavg_before": list(os.getloadavg())}
    argv = [binary, "-H", proxy.url, "up", str(path), "--concurrency", str(concurrency)]
    try:
        cpu0, t0 = children_cpu(), time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True, timeout=UP_TIMEOUT, env=env, cwd=ROOT)
        row["up_s"] = time.monotonic() - t0
        row["up_cpu_s"] = children_cpu() - cpu0
        row["up_rc"] = r.returncode
        if r.returncode != 0:
            row["up_stderr"] = r.stderr[-4000:]
        time.sleep(0.2)  # a closing connection's last bytes
        reqs = proxy.take()
        row["requests"] = dict(sorted(Counter(classify(m, p) for m, p in reqs).items()))
        row["requests_total"] = len(reqs)
    finally:
        t0 = time.monotonic()
        d = subprocess.run([binary, "down", str(path)], capture_output=True, text=True,
                           timeout=DOWN_TIMEOUT, env=env, cwd=ROOT)
        row["down_s"] = time.monotonic() - t0
        row["down_rc"] = d.returncode
        if d.returncode != 0:
            row["down_stderr"] = d.stderr[-4000:]
        left = leftovers(lab)
        if left["networks"] or left["containers"]:
            row["left_after_down"] = left
            clear(lab)
            if any(leftovers(lab).values()):
                raise RuntimeError(f"{lab}: could not remove what down left: {leftovers(lab)}")
    return row


def median(xs):
    return statistics.median(xs) if xs else None


def fmt_count(values: list[int]) -> str:
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{int(median(values)) if len(values) % 2 else median(values)} ({lo}–{hi})"


KIND_ORDER = [
    "GET /_ping", "GET /version", "GET /info", "GET /networks", "GET /networks/{id}", "POST /networks/create",
    "POST /networks/{id}/connect", "GET /containers/json", "GET /containers/{id}/json",
    "POST /containers/create", "POST /containers/{id}/start", "DELETE /containers/{id}",
]


def tables(rows: list[dict], labels: dict) -> str:
    out = []
    for lab in dict.fromkeys(r["lab"] for r in rows):
        kinds = set()
        for r in rows:
            if r["lab"] == lab:
                kinds |= set(r["requests"])
        order = [k for k in KIND_ORDER if k in kinds] + sorted(kinds - set(KIND_ORDER))
        out.append(f"Requests of one `up` of {lab}, per kind (a range where rounds differ; n = rounds):\n")
        out.append("| request | " + " | ".join(labels[s] for s in ("before", "after")) + " |")
        out.append("|---|---|---|")
        for k in order + ["all"]:
            cells = []
            for side in ("before", "after"):
                vals = [r["requests_total"] if k == "all" else r["requests"].get(k, 0)
                        for r in rows if r["lab"] == lab and r["side"] == side and "requests" in r]
                cells.append(fmt_count(vals) if vals else "n/a")
            name = f"`{k}`" if k != "all" else "all"
            out.append(f"| {name} | {cells[0]} | {cells[1]} |")
        out.append("")
    out.append("Apply (`up --concurrency C`, the whole process) and tear-down (`down`), seconds, median "
               "(min–max) of the rounds; ratio = after ÷ before of the medians:\n")
    out.append("| lab | up before | up after | up after ÷ before | dockernet CPU s before / after | "
               "down before | down after | n |")
    out.append("|---|---|---|---|---|---|---|---|")
    for lab in dict.fromkeys(r["lab"] for r in rows):
        ok = {s: [r for r in rows if r["lab"] == lab and r["side"] == s and r.get("up_rc") == 0]
              for s in ("before", "after")}

        def cell(side, key):
            v = [r[key] for r in ok[side]]
            return f"{median(v):.2f} ({min(v):.2f}–{max(v):.2f})" if v else "n/a"

        ub, ua = (median([r["up_s"] for r in ok[s]]) for s in ("before", "after"))
        ratio = f"**{ua / ub:.2f}×**" if ub and ua else "n/a"
        cpu = " / ".join(f"{median([r['up_cpu_s'] for r in ok[s]]):.2f}" if ok[s] else "n/a"
                         for s in ("before", "after"))
        n = min(len(ok["before"]), len(ok["after"]))
        out.append(f"| {lab} | {cell('before', 'up_s')} | {cell('after', 'up_s')} | {ratio} | {cpu} | "
                   f"{cell('before', 'down_s')} | {cell('after', 'down_s')} | {n} |")
    return "\n".join(out) + "\n"


def git(*args) -> str:
    r = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=30)
    return r.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", default="/work/target-before/release/dockernet")
    ap.add_argument("--before-rev", default="efba391")
    ap.add_argument("--after", default=str(ROOT / "target/release/dockernet"))
    ap.add_argument("--after-rev", default=None, help="default: git HEAD")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--labs", default="lab50,lab200")
    ap.add_argument("--out", default=str(ROOT / "bench/results/apply_requests.json"))
    args = ap.parse_args()
    if not 1 <= args.rounds <= 20:
        sys.exit("--rounds: 1..20")
    sock = daemon_socket()
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    env["DOCKER_HOST"] = f"unix://{sock}"  # for `down`; `up` is given -H
    binaries = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    for side, b in binaries.items():
        if not os.access(b, os.X_OK):
            sys.exit(f"apply_requests: no {side} binary at {b}")
    revs = {"before": args.before_rev, "after": args.after_rev or git("rev-parse", "--short", "HEAD")}
    labels = {s: f"{s} ({revs[s]})" for s in revs}
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, timeout=60).returncode:
        sys.exit(f"apply_requests: image {IMAGE} missing (scripts/dev/test-image.sh builds it)")

    machine = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "kernel": os.uname().release,
        "daemon": subprocess.run(["docker", "version", "-f", "{{.Server.Version}}"], capture_output=True,
                                 text=True, timeout=60).stdout.strip(),
        "git_head": git("rev-parse", "--short", "HEAD"),
        "before": {"rev": revs["before"], "binary": binaries["before"]},
        "after": {"rev": revs["after"], "binary": binaries["after"]},
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "loadavg_start": list(os.getloadavg()),
    }
    notes: list[str] = []
    rows: list[dict] = []
    proxy = Proxy(sock)
    with tempfile.TemporaryDirectory(prefix="dn-apply-req-") as tmpd:
        tmp = Path(tmpd)
        files = {"lab50": lab50_file(tmp), "lab200": lab200_file(tmp)}
        labs = [x for x in args.labs.split(",") if x]
        for lab in labs:
            if lab not in files:
                sys.exit(f"apply_requests: unknown lab {lab} (lab50, lab200)")
            if any(leftovers(lab).values()):
                sys.exit(f"apply_requests: {lab} exists on the daemon already: {leftovers(lab)}; "
                         f"`dockernet down` it first")
        try:
            for rnd in range(args.rounds):
                for lab in labs:
                    order = ["before", "after"] if (rnd + labs.index(lab)) % 2 == 0 else ["after", "before"]
                    for side in order:
                        row = run_one(proxy, binaries[side], lab, files[lab], args.concurrency, env)
                        row.update(side=side, rev=revs[side], round=rnd)
                        rows.append(row)
                        print(f"round {rnd + 1}/{args.rounds} {lab:6} {side:6} up {row.get('up_s', 0):7.2f} s "
                              f"(rc {row.get('up_rc')}), {row.get('requests_total', 0)} requests, "
                              f"down {row['down_s']:6.2f} s (rc {row['down_rc']}), "
                              f"load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
                        if row.get("up_rc"):
                            notes.append(f"round {rnd} {lab} {side}: up failed: {row.get('up_stderr', '')[-500:]}")
                        if row.get("left_after_down"):
                            notes.append(f"round {rnd} {lab} {side}: down left {row['left_after_down']} (removed)")
        finally:
            proxy.close()
            for lab in labs:
                try:
                    clear(lab)
                except Exception as e:  # noqa: BLE001 - reported, never hidden
                    notes.append(f"clean-up of {lab}: {e}")
    machine["loadavg_end"] = list(os.getloadavg())
    if proxy.errors:
        notes.append(f"proxy: {sorted(set(proxy.errors))}")
    la = lambda v: " ".join(f"{x:.2f}" for x in v)  # noqa: E731
    md = (f"Machine: {machine['date']} · {machine['cores']} cores · kernel {machine['kernel']} · Docker "
          f"{machine['daemon']} · before = `{revs['before']}`, after = `{revs['after']}` · concurrency "
          f"{args.concurrency} · {args.rounds} interleaved rounds · load average {la(machine['loadavg_start'])} "
          f"at start, {la(machine['loadavg_end'])} at end\n\n" + tables(rows, labels))
    if notes:
        md += "\nNotes:\n" + "".join(f"- {n}\n" for n in notes)
    print(md)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "notes": notes, "results": rows}, indent=1) + "\n")
    out.with_suffix(".md").write_text(md)
    print(f"wrote {out} and {out.with_suffix('.md')}", file=sys.stderr)
    return 1 if notes and any("up failed" in n for n in notes) else 0


if __name__ == "__main__":
    sys.exit(main())
