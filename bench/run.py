"""The benchmark driver (issue 5): dockernet against the floor, docker-py and the docker CLI.

Run it through bench/run.sh, which builds everything first; see bench/README.md. This file:
  * states the machine (cores, CPU, kernel, daemon and client versions, load);
  * creates the fixtures (all labelled dockernet.bench=1, subnets inside 10.220.0.0/14) and removes
    them again in a `finally`, also after Ctrl-C or SIGTERM; leftovers of a killed run are removed
    at the next start;
  * keeps one long-lived worker per in-process contender (floor, Lua, Python…) and one process
    timer (`floor spawn`) for one-process-per-call contenders, and interleaves them: every round
    asks each contender in turn (rotating the order) for a batch of timed calls;
  * prints Markdown tables (median, p90, ratio of medians to the floor) and writes every raw
    sample to a JSON file.

Scenarios 4 (topology lab) and 5 (plan scale) need topologies (`core/src/topology/` and the
`dockernet up/down/plan FILE` commands); without them they add a note instead of a table (see
`topology_available`).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import ipaddress
import json
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import docker  # docker-py: the driver's own set-up/clean-up client (not timed)

HEAVY = ("createrm", "conndisc")  # daemon-bound pairs (~0.1–0.4 s each): fewer samples
LABEL_KEY = "dockernet.bench"
LABEL = f"{LABEL_KEY}=1"
RANGE = ipaddress.ip_network("10.220.0.0/14")  # everything the bench creates lives in here
PREFIX = "dnbench-"
IMAGE = os.environ.get("DOCKERNET_TEST_IMAGE", "dockernet-testbox:latest")

ROOT = Path(__file__).resolve().parent.parent  # the workspace


class BenchError(Exception):
    """A contender or a set-up step failed: the run stops (after cleaning up)."""


# ------------------------------------------------------------------------------------------------
# Workers
# ------------------------------------------------------------------------------------------------


class Worker:
    """A long-lived process speaking the line protocol: "OP N ARGS…" -> "OK ns ns …" | "ERR …"."""

    def __init__(self, name: str, argv: Sequence[str], logdir: Path, env: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.errlog = logdir / f"{name}.stderr"
        self._err = open(self.errlog, "w")
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
            bufsize=1,
            env=env,
            cwd=ROOT,
        )

    def call(self, line: str) -> Tuple[List[int], int]:
        """Sends one command; returns the per-call wall-clock samples and the batch's CPU time
        (ns), both as the worker measured them."""
        assert self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        resp = self.proc.stdout.readline()
        if resp.startswith("OK"):
            words = resp[2:].split()
            cpu = int(words.pop(0)[4:]) if words and words[0].startswith("cpu=") else 0
            return [int(x) for x in words], cpu
        if resp.startswith("ERR"):
            raise BenchError(f"{self.name}: `{line.strip()}` failed: {resp[4:].strip()}")
        self.proc.poll()
        tail = self.errlog.read_text(errors="replace")[-2000:] if self.errlog.exists() else ""
        raise BenchError(f"{self.name} ({shlex.join(self.argv)}) died (exit {self.proc.returncode}): {tail}")

    def close(self) -> None:
        try:
            if self.proc.poll() is None and self.proc.stdin:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self._err.close()


@dataclass
class Contender:
    """One way of making a call. `serve` contenders run in a Worker; `spawn` ones are argv
    sequences timed by the floor's process timer (one process per call)."""

    key: str
    label: str
    kind: str  # "serve" | "spawn"
    worker: Optional[Worker] = None
    argv: Optional[Callable[[str, List[str]], Optional[List[List[str]]]]] = None
    rtt: Dict[str, str] = field(default_factory=dict)  # op -> round trips per call (documentation)

    def supports(self, op: str, args: List[str]) -> bool:
        if self.kind == "serve":
            # The http.client reference only reads documents.
            return self.key != "py-raw" or op in ("ping", "ls", "inspect")
        return self.argv is not None and self.argv(op, args) is not None

    def run(self, spawner: Worker, op: str, n: int, args: List[str]) -> Tuple[List[int], int]:
        if self.kind == "serve":
            assert self.worker
            return self.worker.call(" ".join([op, str(n), *args]))
        assert self.argv
        seq = self.argv(op, args)
        assert seq is not None
        fields = [str(n)]
        for i, cmd in enumerate(seq):
            if i:
                fields.append(";;")
            fields.extend(cmd)
        try:
            return spawner.call("\t".join(fields))
        except BenchError as e:
            # Show why: rerun the failing commands once with their stderr.
            for cmd in seq:
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    raise BenchError(f"{self.label}: `{shlex.join(cmd)}` exited {r.returncode}: {r.stderr.strip()}") from e
            raise


# ------------------------------------------------------------------------------------------------
# Statistics and tables
# ------------------------------------------------------------------------------------------------


def quantile(sorted_xs: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_xs:
        return float("nan")
    pos = (len(sorted_xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def summary(samples_ns: Sequence[int]) -> Dict[str, float]:
    s = sorted(samples_ns)
    return {"n": len(s), "median_ms": quantile(s, 0.5) / 1e6, "p90_ms": quantile(s, 0.9) / 1e6, "min_ms": s[0] / 1e6 if s else float("nan")}


def fmt_ms(x: float) -> str:
    if x != x:
        return "–"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    rounds: int
    batch: int  # in-process calls per contender per round
    pbatch: int  # process-per-call runs per contender per round
    warm: int
    pwarm: int
    heavy_rounds: int  # create+rm, connect+disconnect (each ~0.2–0.5 s on the daemon)
    heavy_batch: int
    extras: List[int]
    s3_rounds: int
    s3_runs: int
    s3_warm: int
    lab: Tuple[int, int]  # networks, nodes
    lab_rounds: int
    lab_sweep: List[int]  # dockernet concurrency bounds


QUICK = Plan(rounds=4, batch=15, pbatch=2, warm=5, pwarm=1, heavy_rounds=2, heavy_batch=1, extras=[0, 50],
             s3_rounds=2, s3_runs=3, s3_warm=1, lab=(3, 6), lab_rounds=1, lab_sweep=[8])
FULL = Plan(rounds=10, batch=30, pbatch=5, warm=20, pwarm=2, heavy_rounds=8, heavy_batch=2, extras=[0, 100, 300],
            s3_rounds=10, s3_runs=5, s3_warm=3, lab=(10, 50), lab_rounds=2, lab_sweep=[1, 2, 4, 8, 16])


class Bench:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.plan = QUICK if opts.quick else FULL
        self.sock = socket_path()
        self.api_client = docker.APIClient(base_url="unix://" + self.sock, version="auto", timeout=120)
        self.api = self.api_client.api_version
        self.results: List[Dict] = []
        self.notes: List[str] = []
        self.workers: List[Worker] = []
        self.logdir = Path(tempfile.mkdtemp(prefix="dnbench-"))
        self.dockernet = str(Path(opts.dockernet).resolve())
        self.floor = str(Path(opts.floor).resolve())
        self.py = opts.python
        self.meta: Dict = {}
        self.extras_made = 0
        self.run_id = os.urandom(2).hex()  # in lab names: a network stuck on the daemon never blocks the next run
        self.stuck: set = set()
        self.failure: Optional[str] = None
        self.interrupted = False

    # ---- machine --------------------------------------------------------------------------

    def machine(self) -> Dict:
        v = self.api_client.version()
        cpu = ""
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass

        def out(argv: List[str]) -> str:
            try:
                return subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=ROOT).stdout.strip()
            except Exception:
                return ""

        rev = out(["git", "rev-parse", "--short", "HEAD"])
        if out(["git", "status", "--porcelain", "--untracked-files=no"]):
            rev += " (+ uncommitted changes)"
        meta = {
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": "quick" if self.opts.quick else "full",
            "cores": os.cpu_count(),
            "cpu": cpu,
            "kernel": platform.release(),
            "daemon": v.get("Version"),
            "daemon_api": v.get("ApiVersion"),
            "api_used": self.api,
            "docker_cli": out(["docker", "version", "--format", "{{.Client.Version}}"]),
            "python": platform.python_version(),
            "docker_py": docker.__version__,
            "dockernet_rev": rev,
            "hyperfine": out(["hyperfine", "--version"]) if shutil.which("hyperfine") else "",
            "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
            "networks_on_daemon_start": len(self.api_client.networks()),
        }
        return meta

    def machine_line(self) -> str:
        m = self.meta
        return (
            f"{m['date']} · {m['mode']} run · {m['cores']} cores ({m['cpu']}) · kernel {m['kernel']} · "
            f"Docker {m['daemon']} (API {m['daemon_api']}; all clients speak {m['api_used']}) · docker CLI {m['docker_cli']} · "
            f"Python {m['python']} · docker-py {m['docker_py']} · dockernet {m['dockernet_rev']} · "
            f"load average {' '.join(m['loadavg_start'])} at start, "
            + (f"{' '.join(m['loadavg_before_lab'])} before the lab, " if "loadavg_before_lab" in m else "")
            + f"{' '.join(m.get('loadavg_end', ['?']))} at end"
        )

    # ---- fixtures ---------------------------------------------------------------------------

    def check_range(self) -> None:
        """Refuses to run when anything else on the daemon or the host uses 10.220.0.0/14."""
        for n in self.api_client.networks():
            if (n.get("Labels") or {}).get(LABEL_KEY) == "1":
                continue
            for cfg in (n.get("IPAM") or {}).get("Config") or []:
                sub = cfg.get("Subnet") or ""
                if sub and ":" not in sub and ipaddress.ip_network(sub, strict=False).overlaps(RANGE):
                    raise BenchError(f"network {n['Name']} uses {sub}, inside the bench's range {RANGE}; remove it first")
        # The bridges of the bench's own networks (one the daemon refused to remove) are ours.
        own = {"br-" + n["Id"][:12] for n in self.api_client.networks(filters={"label": LABEL})}
        routes = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True).stdout
        for line in routes.splitlines():
            words = line.split()
            dst = words[0] if words else ""
            if dst in ("default", "") or "/" not in dst:
                continue
            if "dev" in words and words.index("dev") + 1 < len(words) and words[words.index("dev") + 1] in own:
                continue
            if ipaddress.ip_network(dst, strict=False).overlaps(RANGE):
                raise BenchError(f"host route `{line.strip()}` overlaps the bench's range {RANGE}")

    def cleanup(self, quiet: bool = False) -> List[str]:
        """Removes everything labelled dockernet.bench=1; never raises. Returns what could not be
        removed (Docker 20.10 can leave a network with a stale endpoint count after containers on
        it are force-removed: "has active endpoints" with no container on it; only a daemon
        restart clears that, which the harness never does on a shared daemon)."""
        c = self.api_client
        stuck: List[str] = []
        try:
            ctrs = c.containers(all=True, filters={"label": LABEL})
            nets = c.networks(filters={"label": LABEL})
        except Exception as e:  # the daemon itself is gone: nothing to do here
            return [f"(cannot list: {e})"]
        for ctr in ctrs:
            try:
                c.remove_container(ctr["Id"], force=True)
            except docker.errors.NotFound:
                pass
            except Exception as e:
                stuck.append(f"container {ctr['Names'][0].lstrip('/')}: {e}")
        if nets and not quiet:
            print(f"bench: removing {len(nets)} networks labelled {LABEL}", file=sys.stderr)

        def rm(n: Dict) -> None:
            try:
                c.remove_network(n["Id"])
            except docker.errors.NotFound:
                pass
            except Exception as e:
                stuck.append(f"network {n['Name']}: {getattr(e, 'explanation', None) or e}")

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(rm, nets))
        self.extras_made = 0
        if stuck:
            print("bench: WARNING: could not remove: " + "; ".join(stuck), file=sys.stderr)
        return stuck

    def taken_subnets(self) -> List["ipaddress.IPv4Network | ipaddress.IPv6Network"]:
        out = []
        for n in self.api_client.networks():
            for cfg in (n.get("IPAM") or {}).get("Config") or []:
                sub = cfg.get("Subnet") or ""
                if sub and ":" not in sub:
                    out.append(ipaddress.ip_network(sub, strict=False))
        return out

    def create_net(self, name: str, subnet: str) -> None:
        ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
        self.api_client.create_network(name, driver="bridge", ipam=ipam, labels={LABEL_KEY: "1"}, check_duplicate=True)

    def fixtures(self) -> None:
        self.create_net(PREFIX + "target", "10.220.250.0/24")
        self.create_net(PREFIX + "conn", "10.220.251.0/24")
        c = self.api_client
        try:
            c.inspect_image(IMAGE)
        except docker.errors.ImageNotFound:
            raise BenchError(f"image {IMAGE} is missing: run scripts/dev/test-image.sh")
        ctr = c.create_container(IMAGE, ["sleep", "7200"], name=PREFIX + "ctr", labels={LABEL_KEY: "1"})
        c.start(ctr["Id"])

    @staticmethod
    def extra_subnet(i: int) -> str:
        # 10.221.0.0/24 … 10.221.255.0/24, then 10.222.0.0/24 …: up to 512 networks.
        return f"10.{221 + i // 256}.{i % 256}.0/24"

    def remove_extras(self) -> None:
        names = [f"{PREFIX}x{i:03d}" for i in range(self.extras_made)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(self.api_client.remove_network, names))
        self.extras_made = 0

    def grow_extras(self, target: int) -> None:
        todo = list(range(self.extras_made, target))
        if not todo:
            return
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: self.create_net(f"{PREFIX}x{i:03d}", self.extra_subnet(i)), todo))
        self.extras_made = target
        print(f"bench: created {len(todo)} extra networks in {time.monotonic() - t0:.1f}s", file=sys.stderr)

    # ---- contenders -------------------------------------------------------------------------

    def start_workers(self) -> None:
        env = dict(os.environ, DNBENCH_API=self.api)
        w = lambda name, argv: self._worker(name, argv, env)  # noqa: E731
        self.spawner = w("spawner", [self.floor, "spawn"])
        dn, dk = self.dockernet, "docker"

        def dn_cli(op: str, a: List[str]) -> Optional[List[List[str]]]:
            return cli_argv(dn, op, a)

        def dk_cli(op: str, a: List[str]) -> Optional[List[List[str]]]:
            return cli_argv(dk, op, a)

        def floor_proc(op: str, a: List[str]) -> Optional[List[List[str]]]:
            return [[self.floor, "once", self.sock, self.api, "ls"]] if op == "ls" else None

        self.contenders = {
            "floor": Contender("floor", "floor (C, raw HTTP/1.1)", "serve", w("floor", [self.floor, "serve", self.sock, self.api]),
                               rtt=RTT["floor"]),
            "lua": Contender("lua", "dockernet Lua loop", "serve", w("lua", [self.dockernet, "bench/lua/worker.lua"]), rtt=RTT["lua"]),
            "py-dn": Contender("py-dn", "dockernet Python", "serve", w("py-dn", [self.py, "bench/py/worker.py", "dockernet"]),
                               rtt=RTT["py-dn"]),
            "docker-py": Contender("docker-py", "docker-py", "serve", w("docker-py", [self.py, "bench/py/worker.py", "dockerpy"]),
                                   rtt=RTT["docker-py"]),
            "py-raw": Contender("py-raw", "Python http.client (reference)", "serve",
                                w("py-raw", [self.py, "bench/py/worker.py", "rawhttp"]), rtt=RTT["py-raw"]),
            "dn-cli": Contender("dn-cli", "`dockernet network …` (process)", "spawn", argv=dn_cli, rtt=RTT["dn-cli"]),
            "docker-cli": Contender("docker-cli", "`docker network …` (process)", "spawn", argv=dk_cli, rtt=RTT["docker-cli"]),
            "floor-proc": Contender("floor-proc", "floor, one process per call", "spawn", argv=floor_proc, rtt=RTT["floor"]),
        }

    def _worker(self, name: str, argv: List[str], env: Dict[str, str]) -> Worker:
        wk = Worker(name, argv, self.logdir, env)
        self.workers.append(wk)
        return wk

    # ---- measuring --------------------------------------------------------------------------

    def measure(self, scenario: str, case: str, op: str, keys: List[str], args: Dict[str, List[str]], heavy: bool = False,
                extra: Optional[Dict] = None) -> None:
        """Interleaves `keys` on one operation: warm-up, then rounds A B C …, rotating the order."""
        p = self.plan
        cons = [self.contenders[k] for k in keys if self.contenders[k].supports(op, args[k] if k in args else args["*"])]
        argsof = lambda c: args.get(c.key, args.get("*", []))  # noqa: E731
        samples: Dict[str, List[int]] = {c.key: [] for c in cons}
        cpu: Dict[str, int] = {c.key: 0 for c in cons}
        t0 = time.monotonic()
        for c in cons:  # warm-up: connections opened, code paths and caches hot; discarded
            n = (1 if heavy else (p.warm if c.kind == "serve" else p.pwarm))
            c.run(self.spawner, op, n, argsof(c))
        rounds = p.heavy_rounds if heavy else p.rounds
        for r in range(rounds):
            order = cons[r % len(cons):] + cons[: r % len(cons)]
            for c in order:
                n = p.heavy_batch if heavy else (p.batch if c.kind == "serve" else p.pbatch)
                got, used = c.run(self.spawner, op, n, argsof(c))
                samples[c.key].extend(got)
                cpu[c.key] += used
        floor_med = summary(samples["floor"])["median_ms"] if "floor" in samples else None
        load = Path("/proc/loadavg").read_text().split()[:3]
        for c in cons:
            s = summary(samples[c.key])
            self.results.append({
                "scenario": scenario, "case": case, "op": op, "contender": c.key, "label": c.label,
                **s,
                "ratio_to_floor": (s["median_ms"] / floor_med) if floor_med else None,
                # client CPU (user + system) per call: load-independent, unlike wall-clock time
                "cpu_us_per_call": cpu[c.key] / 1e3 / max(1, len(samples[c.key])),
                "round_trips": c.rtt.get(op, ""),
                "loadavg_after": load,
                "samples_ns": samples[c.key],
                **(extra or {}),
            })
        print(f"bench: {scenario} {case}: {len(cons)} contenders, {time.monotonic() - t0:.1f}s", file=sys.stderr)

    # ---- scenarios --------------------------------------------------------------------------

    def scenario_calls(self) -> None:
        """1. Per call: ping, network ls, network inspect, create+rm pair, connect+disconnect pair."""
        everyone = ["floor", "lua", "py-dn", "docker-py", "py-raw", "dn-cli", "docker-cli"]
        self.measure("1", "ping", "ping", everyone, {"*": []})
        self.measure("1", "network ls", "ls", everyone + ["floor-proc"], {"*": []},
                     extra={"networks_on_daemon": len(self.api_client.networks())})
        self.measure("1", "network inspect", "inspect", everyone, {"*": [PREFIX + "target"]})
        heavy = ["floor", "lua", "py-dn", "docker-py", "dn-cli", "docker-cli"]
        cr_args = {k: [f"{PREFIX}cr-{k}", f"10.220.{i + 1}.0/24", LABEL_KEY] for i, k in enumerate(heavy)}
        self.measure("1", "create+rm pair", "createrm", heavy, cr_args, heavy=True)
        self.measure("1", "connect+disconnect pair", "conndisc", heavy, {"*": [PREFIX + "conn", PREFIX + "ctr"]}, heavy=True)

    def scenario_ls_scale(self) -> None:
        """2. ls as the daemon holds 0, 100, 300 extra networks (explicit subnets in 10.221/10.222)."""
        keys = ["floor", "lua", "py-dn", "docker-py", "py-raw", "dn-cli", "docker-cli", "floor-proc"]
        for extra in self.plan.extras:
            self.grow_extras(extra)
            total = len(self.api_client.networks())
            self.measure("2", f"ls, {extra} extra networks", "ls", keys, {"*": []},
                         extra={"extra_networks": extra, "networks_on_daemon": total})
        self.remove_extras()  # the later scenarios start from the daemon as it was

    def scenario_startup(self) -> None:
        """3. Start-up: one process each, timed by hyperfine (if installed) or the floor's timer."""
        py = self.py
        cmds = [
            ("floor-once", "floor process: one GET /networks", [self.floor, "once", self.sock, self.api, "ls"]),
            ("dn-e", "`dockernet -e 'return 1'`", [self.dockernet, "-e", "return 1"]),
            ("dn-ls", "`dockernet network ls`", [self.dockernet, "network", "ls"]),
            ("docker-ls", "`docker network ls`", ["docker", "network", "ls"]),
            ("docker-version", "`docker --version` (CLI bare start)", ["docker", "--version"]),
            ("py-bare", "`python -c pass` (bare interpreter)", [py, "-c", "pass"]),
            ("py-import-dn", "`python -c 'import dockernet'`", [py, "-c", "import dockernet"]),
            ("py-dn-first", "`import dockernet` + first call (networks.list)", [py, "-c", "import dockernet; dockernet.from_env().networks.list()"]),
            ("py-import-docker", "`python -c 'import docker'`", [py, "-c", "import docker"]),
            ("py-docker-first", "`import docker` + first call (networks.list)", [py, "-c", "import docker; docker.from_env().networks.list()"]),
        ]
        p = self.plan
        samples: Dict[str, List[int]] = {k: [] for k, _, _ in cmds}
        use_hf = bool(shutil.which("hyperfine")) and not self.opts.no_hyperfine
        self.meta["startup_timer"] = "hyperfine -N (no shell)" if use_hf else "floor spawn (posix_spawn + waitpid)"
        t0 = time.monotonic()
        if not use_hf:
            for k, _, argv in cmds:  # warm-up
                self.spawner.call("\t".join([str(p.s3_warm), *argv]))
        for r in range(p.s3_rounds):
            order = cmds[r % len(cmds):] + cmds[: r % len(cmds)]
            if use_hf:
                out = self.logdir / f"hf-{r}.json"
                argv = ["hyperfine", "-N", "--style", "none", "--runs", str(p.s3_runs), "--export-json", str(out)]
                if r == 0:
                    argv += ["--warmup", str(p.s3_warm)]
                argv += [shlex.join(a) for _, _, a in order]
                res = subprocess.run(argv, capture_output=True, text=True)
                if res.returncode != 0:
                    raise BenchError(f"hyperfine failed: {res.stderr.strip()[-2000:]}")
                data = json.loads(out.read_text())["results"]
                for (k, _, _), d in zip(order, data):
                    samples[k].extend(int(t * 1e9) for t in d["times"])
            else:
                for k, _, argv in order:
                    samples[k].extend(self.spawner.call("\t".join([str(p.s3_runs), *argv]))[0])
        floor_med = summary(samples["floor-once"])["median_ms"]
        for k, label, argv in cmds:
            s = summary(samples[k])
            self.results.append({
                "scenario": "3", "case": "start-up", "op": k, "contender": k, "label": label, "argv": argv, **s,
                "ratio_to_floor": s["median_ms"] / floor_med if floor_med else None, "samples_ns": samples[k],
            })
        print(f"bench: 3 start-up: {len(cmds)} commands, {time.monotonic() - t0:.1f}s", file=sys.stderr)

    # ---- scenarios 4 and 5: topologies ----------------------------------------------------------

    def topology_available(self) -> Optional[str]:
        """None when dockernet has topologies (`core/src/topology/` and `dockernet up/down FILE`);
        otherwise why not."""
        if not (ROOT / "core" / "src" / "topology").is_dir():
            return "core/src/topology/ does not exist yet"
        # Today `dockernet up …` runs a script named "up" ("cannot open up"); `--help` would print
        # the program's help and succeed, so probe with a file that does not exist instead: a real
        # `up` refuses it without touching the daemon.
        r = subprocess.run([self.dockernet, "up", "/nonexistent/dnbench-probe.yaml"], capture_output=True, text=True)
        if "cannot open up" in r.stderr:
            return "the `dockernet up/down FILE` command is not there yet"
        return None

    def lab(self, nets: int, nodes: int) -> Dict:
        """The lab every contender builds: `nets` networks with explicit subnets in 10.223.0.0/16;
        `nodes` containers, about a third on 3 networks, a third on 2, a third on 1 (for 10 and
        50: 17×3 + 15×2 + 18×1 = 99 endpoints)."""
        # Explicit subnets from 10.223.0.0/16, skipping any taken (a network the daemon could not
        # remove in an earlier run keeps its subnet).
        taken = self.taken_subnets()
        free = (f"10.223.{k}.0/24" for k in range(256)
                if not any(ipaddress.ip_network(f"10.223.{k}.0/24").overlaps(t) for t in taken))
        networks = {f"n{i}": next(free) for i in range(nets)}
        out: Dict[str, List[str]] = {}
        three, two = round(nodes * 17 / 50), round(nodes * 32 / 50)
        for i in range(nodes):
            k = 3 if i < three else 2 if i < two else 1
            out[f"h{i:02d}"] = [f"n{(i + o) % nets}" for o in range(min(k, nets))]
        return {"image": IMAGE, "label": LABEL, "networks": networks, "nodes": out}

    def lab_files(self, lab: Dict) -> Dict[str, Path]:
        """Writes the lab as each contender reads it: a topology, a compose file, docker-py's JSON
        and two shell scripts (JSON is YAML, so the topology and compose files are JSON)."""
        d = self.logdir
        files = {k: d / v for k, v in (("topo", "lab-topology.yaml"), ("compose", "lab-compose.yml"), ("py", "lab-py.json"),
                                        ("cli_up", "lab-cli-up.sh"), ("cli_down", "lab-cli-down.sh"))}
        topo = {"name": f"dnbench-lab-{self.run_id}", "image": lab["image"], "labels": {LABEL_KEY: "1"},
                "networks": {n: {"subnet": sub} for n, sub in lab["networks"].items()},
                "nodes": {n: {"networks": nets} for n, nets in lab["nodes"].items()}}
        files["topo"].write_text(json.dumps(topo, indent=1))
        compose = {"version": "2.4",
                   "networks": {n: {"labels": {LABEL_KEY: "1"}, "ipam": {"config": [{"subnet": sub}]}}
                                for n, sub in lab["networks"].items()},
                   "services": {n: {"image": lab["image"], "labels": {LABEL_KEY: "1"}, "networks": nets}
                                for n, nets in lab["nodes"].items()}}
        files["compose"].write_text(json.dumps(compose, indent=1))
        files["py"].write_text(json.dumps({**lab, "prefix": f"{PREFIX}{self.run_id}-py-"}))
        pre = f"{PREFIX}{self.run_id}-cli-"
        up = ["set -e"]
        up += [f"docker network create --subnet {sub} --label {LABEL} {pre}{n} >/dev/null" for n, sub in lab["networks"].items()]
        for n, nets in lab["nodes"].items():
            up.append(f"docker run -d --name {pre}{n} --label {LABEL} --network {pre}{nets[0]} {lab['image']} >/dev/null")
            up += [f"docker network connect {pre}{x} {pre}{n}" for x in nets[1:]]
        files["cli_up"].write_text("\n".join(up) + "\n")
        down = ["set -e",
                "docker rm -f " + " ".join(pre + n for n in lab["nodes"]) + " >/dev/null",
                "docker network rm " + " ".join(pre + n for n in lab["networks"]) + " >/dev/null"]
        files["cli_down"].write_text("\n".join(down) + "\n")
        return files

    def timed(self, what: str, argv: List[str]) -> float:
        """Runs one command to completion; its wall-clock seconds (or, for the docker-py script,
        the seconds it measured itself, interpreter start and import excluded)."""
        t0 = time.perf_counter()
        r = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
        took = time.perf_counter() - t0
        if r.returncode != 0:
            raise BenchError(f"{what}: `{shlex.join(argv)}` exited {r.returncode}: {(r.stderr or r.stdout).strip()[-1500:]}")
        if argv[:2] == [self.py, "bench/py/lab.py"]:
            return float(json.loads(r.stdout.strip().splitlines()[-1])["seconds"])
        return took

    def lab_leftovers(self) -> List[str]:
        """Removes what a lab contender left (never raises); returns what was found."""
        c = self.api_client
        keep = {PREFIX + "target", PREFIX + "conn", PREFIX + "ctr"} | self.stuck
        found: List[str] = []
        for x in c.containers(all=True, filters={"label": LABEL}):
            name = x["Names"][0].lstrip("/")
            if name not in keep:
                found.append(f"container {name}")
                try:
                    c.remove_container(x["Id"], force=True)
                except Exception as e:
                    print(f"bench: WARNING: cannot remove container {name}: {e}", file=sys.stderr)
        for x in c.networks(filters={"label": LABEL}):
            if x["Name"] not in keep:
                found.append(f"network {x['Name']}")
                try:
                    c.remove_network(x["Id"])
                except Exception as e:
                    self.stuck.add(x["Name"])
                    print(f"bench: WARNING: cannot remove network {x['Name']} (left on the daemon): "
                          f"{getattr(e, 'explanation', None) or e}", file=sys.stderr)
        return found

    def scenario_lab(self) -> None:
        """4. The lab: N networks and M containers on 1–3 networks each, built and torn down by
        dockernet's topology apply/destroy (`dockernet up/down FILE`), docker-compose (Debian's)
        up -d / down -t 0, docker-py sequential and from a thread pool (8), and a sequential docker
        CLI script; then dockernet's apply against its concurrency bound. Interleaved by rounds."""
        why = self.topology_available()
        if why:
            note = f"scenario 4 (topology lab): not run — {why}"
            self.notes.append(note)
            print("bench: " + note, file=sys.stderr)
            return
        p = self.plan
        lab = self.lab(*p.lab)
        f = self.lab_files(lab)
        endpoints = sum(len(v) for v in lab["nodes"].values())
        dn, py = self.dockernet, self.py
        compose = ["docker-compose", "-p", f"dnbench{self.run_id}compose", "-f", str(f["compose"])]

        def dockernet(c: int) -> Tuple[List[str], List[str]]:
            return [dn, "up", str(f["topo"]), "--concurrency", str(c)], [dn, "down", str(f["topo"])]

        contenders: List[Tuple[str, str, List[str], List[str]]] = [
            ("dockernet", "dockernet up/down (concurrency 8)", *dockernet(8)),
            ("compose", "docker-compose up -d / down -t 0", compose + ["up", "-d"], compose + ["down", "-t", "0"]),
            ("docker-py-seq", "docker-py, sequential", [py, "bench/py/lab.py", "up", str(f["py"])],
             [py, "bench/py/lab.py", "down", str(f["py"])]),
            ("docker-py-threads", "docker-py, 8 threads (raw client with threads)",
             [py, "bench/py/lab.py", "up", str(f["py"]), "--threads", "8"],
             [py, "bench/py/lab.py", "down", str(f["py"]), "--threads", "8"]),
            ("cli", "docker CLI script, sequential", ["bash", str(f["cli_up"])], ["bash", str(f["cli_down"])]),
        ]
        for c in p.lab_sweep:
            if c != 8:
                contenders.append((f"dockernet-c{c}", f"dockernet up/down (concurrency {c})", *dockernet(c)))
        samples: Dict[str, Dict[str, List[float]]] = {k: {"up": [], "down": []} for k, _, _, _ in contenders}
        self.lab_leftovers()
        t0 = time.monotonic()
        for r in range(p.lab_rounds):
            order = contenders[r % len(contenders):] + contenders[: r % len(contenders)]
            for key, label, up, down in order:
                try:
                    samples[key]["up"].append(self.timed(f"{label}: build", up))
                    samples[key]["down"].append(self.timed(f"{label}: tear-down", down))
                except BenchError as e:
                    left = self.lab_leftovers()
                    raise BenchError(f"{e} (the harness then removed: {', '.join(left) or 'nothing'})") from None
                left = self.lab_leftovers()
                if left:
                    raise BenchError(f"{label}: its tear-down left {', '.join(left)} (removed by the harness)")
                print(f"bench: 4 {label}: up {samples[key]['up'][-1]:.1f}s, down {samples[key]['down'][-1]:.1f}s",
                      file=sys.stderr)
        ref = samples["docker-py-threads"]
        for key, label, up, down in contenders:
            for phase in ("up", "down"):
                xs = sorted(samples[key][phase])
                med = quantile(xs, 0.5)
                self.results.append({
                    "scenario": "4", "case": f"lab {p.lab[0]} networks, {p.lab[1]} containers, {endpoints} endpoints",
                    "op": phase, "contender": key, "label": label, "argv": up if phase == "up" else down,
                    "n": len(xs), "median_s": med, "p90_s": quantile(xs, 0.9),
                    "ratio_to_threads": med / quantile(sorted(ref[phase]), 0.5),
                    "samples_ns": [int(x * 1e9) for x in samples[key][phase]],
                })
        print(f"bench: 4 lab: {time.monotonic() - t0:.1f}s", file=sys.stderr)

    def plan_spec(self, nets: int, nodes: int, subnet_size: int = 25) -> Dict:
        """A topology of `nets` networks without subnets (the planner allocates /`subnet_size`s
        from 10.220.0.0/14) and `nodes` containers on two networks each (as core's own scale
        test). Node names have five digits, so the 64,000-node file sorts like the small one."""
        return {"name": "dnbench-plan", "pool": str(RANGE), "subnet_size": subnet_size, "image": IMAGE,
                "labels": {LABEL_KEY: "1"},
                "networks": {f"n{i:04d}": {} for i in range(nets)},
                "nodes": {f"h{i:05d}": {"networks": sorted({f"n{i % nets:04d}", f"n{(i * 7 + 1) % nets:04d}"})}
                          for i in range(nodes)}}

    def scenario_plan(self) -> None:
        """5. Plan scale: `dockernet plan FILE --json` of a 1,000-network / 2,000-node topology
        against a stand-in daemon (FakeDaemon: a local socket serving /_ping, /version and the
        list documents) that is empty, or populated with 1,000 foreign networks whose subnets
        take every other /25 of the pool; and a 1,000-network / 64,000-node topology (128,000
        endpoints, /24s) against the empty one (issue 10: validation was quadratic, 17 s for
        64,000 nodes). Core keeps the planner crate-private (make_plan), so the engine is timed
        through its CLI: process start, reading the file and two list reads are included; the tiny
        topology's row shows that fixed part."""
        why = self.topology_available()
        if why:
            note = f"scenario 5 (plan scale): not run — {why}"
            self.notes.append(note)
            print("bench: " + note, file=sys.stderr)
            return
        big = self.logdir / "plan-big.yaml"
        huge = self.logdir / "plan-64k.yaml"
        tiny = self.logdir / "plan-tiny.yaml"
        big.write_text(json.dumps(self.plan_spec(1000, 2000)))
        huge.write_text(json.dumps(self.plan_spec(1000, 64000, subnet_size=24)))
        tiny.write_text(json.dumps(self.plan_spec(1, 1)))
        cases = [("empty", "1,000 networks / 2,000 nodes, empty daemon", big, FakeDaemon.empty()),
                 ("populated", "1,000 networks / 2,000 nodes, 1,000 foreign networks", big, FakeDaemon.populated(1000)),
                 ("tiny", "1 network / 1 node, 1,000 foreign networks (fixed part)", tiny, FakeDaemon.populated(1000)),
                 ("64k", "1,000 networks / 64,000 nodes, empty daemon", huge, FakeDaemon.empty())]
        runs = 3 if self.opts.quick else 10
        samples: Dict[str, List[int]] = {k: [] for k, _, _, _ in cases}
        t0 = time.monotonic()
        for r in range(runs + 1):  # the first run of each case is a warm-up
            for key, _, spec, networks in cases[r % len(cases):] + cases[: r % len(cases)]:
                with FakeDaemon(self.logdir / f"fake-{key}.sock", networks) as fake:
                    env = dict(os.environ, DOCKER_HOST=f"unix://{fake.path}")
                    argv = [self.dockernet, "plan", str(spec), "--json"]
                    t = time.perf_counter_ns()
                    res = subprocess.run(argv, capture_output=True, text=True, env=env)
                    took = time.perf_counter_ns() - t
                if res.returncode != 0:
                    raise BenchError(f"scenario 5 {key}: `{shlex.join(argv)}` exited {res.returncode}: {res.stderr.strip()[-1500:]}")
                if r:
                    samples[key].append(took)
                    if r == 1:
                        self.meta[f"plan_{key}_actions"] = len(json.loads(res.stdout).get("actions", []))
        for key, label, _, _ in cases:
            s = summary(samples[key])
            self.results.append({"scenario": "5", "case": "plan", "op": key, "contender": "dockernet plan", "label": label,
                                 **s, "actions": self.meta.get(f"plan_{key}_actions"), "samples_ns": samples[key]})
        print(f"bench: 5 plan scale: {time.monotonic() - t0:.1f}s", file=sys.stderr)

    def scenario_hosts(self) -> None:
        """6. Labs across hosts on paper (issue 9): `dockernet plan` and `dockernet up` of a lab
        over N stand-in engines (bench/standin.py: Unix sockets, swarm, networks and containers
        kept in memory, no container anywhere) with 100 nodes per host, N = 1, 5, 10, 20 (quick:
        2 hosts × 20 nodes, one round). Each round starts from fresh stand-ins; the re-plan after
        up must be empty."""
        why = self.topology_available()
        if why:
            note = f"scenario 6 (hosts on paper): not run — {why}"
            self.notes.append(note)
            print("bench: " + note, file=sys.stderr)
            return
        sys.path.insert(0, str(ROOT / "bench"))
        import standin  # noqa: E402 (bench/standin.py, beside this file)

        counts, nodes, runs = ([2], 20, 1) if self.opts.quick else ([1, 5, 10, 20], 100, 3)
        t0 = time.monotonic()
        try:
            rows = standin.measure(self.dockernet, counts, nodes, runs, self.logdir)
        except RuntimeError as e:
            raise BenchError(f"scenario 6: {e}") from e
        for r in rows:
            self.results.append({"scenario": "6", "case": "hosts", "op": f"{r['hosts']}x{nodes}", "contender": "dockernet",
                                 "label": f"{r['hosts']} hosts × {nodes} nodes", "nodes_per_host": nodes, **r})
        print(f"bench: 6 hosts on paper: {time.monotonic() - t0:.1f}s", file=sys.stderr)

    # ---- report -----------------------------------------------------------------------------

    def tables(self) -> str:
        out: List[str] = []
        out.append(f"Machine: {self.machine_line()}")
        if self.meta.get("busy"):
            out.append("")
            out.append(f"**Provisional:** {self.meta['busy']}")
        out.append("")
        out.append("Cells: median / p90 in ms, then the ratio of medians to the floor (the in-process C client on one "
                   "keep-alive connection) in the same run. n = samples per contender.")
        for scen, title in (("1", "Scenario 1: per call"), ("2", "Scenario 2: `network ls` as the daemon holds more networks")):
            rows = [r for r in self.results if r["scenario"] == scen]
            if not rows:
                continue
            keys = [k for k in self.contenders if any(r["contender"] == k for r in rows)]
            out.append("")
            out.append(f"### {title}")
            out.append("")
            out.append("| case | " + " | ".join(self.contenders[k].label for k in keys) + " |")
            out.append("|---" * (len(keys) + 1) + "|")
            for case in dict.fromkeys(r["case"] for r in rows):
                cells = []
                n = None
                for k in keys:
                    r = next((r for r in rows if r["case"] == case and r["contender"] == k), None)
                    if r is None:
                        cells.append("n/a")
                        continue
                    n = r["n"] if n is None else n
                    ratio = f" · **{r['ratio_to_floor']:.2f}×**" if r["ratio_to_floor"] else ""
                    cells.append(f"{fmt_ms(r['median_ms'])} / {fmt_ms(r['p90_ms'])}{ratio}")
                label = case
                nd = next((r.get("networks_on_daemon") for r in rows if r["case"] == case and r.get("networks_on_daemon")), None)
                if nd:
                    label += f" ({nd} on daemon)"
                out.append(f"| {label} | " + " | ".join(cells) + " |")
            out.append("")
            out.append("Client CPU per call, µs (user + system of the client process, or of the spawned processes; "
                       "independent of the load):")
            out.append("")
            out.append("| case | " + " | ".join(self.contenders[k].label for k in keys) + " |")
            out.append("|---" * (len(keys) + 1) + "|")
            for case in dict.fromkeys(r["case"] for r in rows):
                cells = []
                for k in keys:
                    r = next((r for r in rows if r["case"] == case and r["contender"] == k), None)
                    cells.append("n/a" if r is None else f"{r['cpu_us_per_call']:,.0f}")
                out.append(f"| {case} | " + " | ".join(cells) + " |")
            counts: Dict[str, int] = {}
            for r in rows:
                kind = ("create/connect pairs" if r["op"] in HEAVY else
                        "in-process" if self.contenders[r["contender"]].kind == "serve" else "one process per call")
                counts[kind] = r["n"]
            out.append("")
            out.append("n (samples per contender and case): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        rows = [r for r in self.results if r["scenario"] == "3"]
        if rows:
            out.append("")
            out.append(f"### Scenario 3: start-up (one process each; timer: {self.meta.get('startup_timer')})")
            out.append("")
            out.append("| command | median ms | p90 ms | × floor process | n |")
            out.append("|---|---|---|---|---|")
            for r in rows:
                out.append(f"| {r['label']} | {fmt_ms(r['median_ms'])} | {fmt_ms(r['p90_ms'])} | {r['ratio_to_floor']:.2f}× | {r['n']} |")
        rows = [r for r in self.results if r["scenario"] == "4"]
        if rows:
            out.append("")
            out.append(f"### Scenario 4: {rows[0]['case']} (built, then torn down; seconds)")
            out.append("")
            out.append("The reference is docker-py from 8 threads: the fastest schedule a plain client reaches with threads. "
                       "docker-py times are measured inside the script (interpreter start and import excluded); the others "
                       "are whole processes.")
            out.append("")
            out.append("| contender | build median / p90 | × threads | tear-down median / p90 | × threads | n |")
            out.append("|---|---|---|---|---|---|")
            for key in dict.fromkeys(r["contender"] for r in rows):
                up = next(r for r in rows if r["contender"] == key and r["op"] == "up")
                down = next(r for r in rows if r["contender"] == key and r["op"] == "down")
                out.append(f"| {up['label']} | {up['median_s']:.2f} / {up['p90_s']:.2f} | {up['ratio_to_threads']:.2f}× | "
                           f"{down['median_s']:.2f} / {down['p90_s']:.2f} | {down['ratio_to_threads']:.2f}× | {up['n']} |")
        rows = [r for r in self.results if r["scenario"] == "5"]
        if rows:
            out.append("")
            out.append("### Scenario 5: plan scale (`dockernet plan FILE --json` against a stand-in daemon; one process each)")
            out.append("")
            out.append("| topology and state | median ms | p90 ms | actions | n |")
            out.append("|---|---|---|---|---|")
            for r in rows:
                out.append(f"| {r['label']} | {fmt_ms(r['median_ms'])} | {fmt_ms(r['p90_ms'])} | {r.get('actions')} | {r['n']} |")
        rows = [r for r in self.results if r["scenario"] == "6"]
        if rows:
            import standin  # noqa: E402 (imported by scenario_hosts)

            out.append("")
            out.append("### Scenario 6: labs across hosts on paper (`dockernet plan` / `up` against stand-in engines; one process each)")
            out.append("")
            out.append(standin.table(rows, rows[0]["nodes_per_host"]))
        out.append("")
        out.append("### Targets (issue 5; informational, never asserted)")
        out.append("")
        out.append("| target | measured | |")
        out.append("|---|---|---|")
        for t in self.targets():
            out.append(f"| {t[0]} | {t[1]} | {t[2]} |")
        for note in self.notes:
            out.append("")
            out.append(f"- {note}")
        return "\n".join(out)

    def targets(self) -> List[List[str]]:
        def get(scen: str, case: str, key: str) -> Optional[Dict]:
            return next((r for r in self.results if r["scenario"] == scen and r["case"] == case and r["contender"] == key), None)

        rows: List[List[str]] = []

        def ratio(desc: str, scen: str, case: str, key: str, limit: float) -> None:
            r = get(scen, case, key)
            if r and r["ratio_to_floor"]:
                rows.append([desc, f"{r['ratio_to_floor']:.2f}×", "met" if r["ratio_to_floor"] <= limit else "**missed**"])

        for case, op in (("network ls", "ls"), ("network inspect", "inspect")):
            ratio(f"{op}: Lua loop ≤ 1.25× floor", "1", case, "lua", 1.25)
            ratio(f"{op}: Python ≤ 1.5× floor", "1", case, "py-dn", 1.5)
        if self.plan.extras:
            big = max(self.plan.extras)
            case = f"ls, {big} extra networks"
            tag = "" if big >= 300 else f" (quick run: at {big}, not 300)"
            ratio(f"ls with 300 networks: Lua ≤ 1.4×{tag}", "2", case, "lua", 1.4)
            ratio(f"ls with 300 networks: Python ≤ 1.8×{tag}", "2", case, "py-dn", 1.8)
        s3 = {r["op"]: r for r in self.results if r["scenario"] == "3"}
        if s3:
            sp = s3["docker-ls"]["median_ms"] / s3["dn-ls"]["median_ms"]
            rows.append(["`dockernet network ls` ≥ 2.5× faster than `docker network ls`", f"{sp:.2f}× faster",
                         "met" if sp >= 2.5 else "**missed**"])
            e = s3["dn-e"]["median_ms"]
            rows.append(["`dockernet -e 'return 1'` ≤ 5 ms", f"{fmt_ms(e)} ms", "met" if e <= 5 else "**missed**"])
            add = s3["py-import-dn"]["median_ms"] - s3["py-bare"]["median_ms"]
            rows.append(["`import dockernet` adds ≤ 3 ms to a bare interpreter", f"+{fmt_ms(add)} ms", "met" if add <= 3 else "**missed**"])
            addd = s3["py-import-docker"]["median_ms"] - s3["py-bare"]["median_ms"]
            rows.append(["(reference) `import docker` adds", f"+{fmt_ms(addd)} ms", ""])
        lab = {(r["contender"], r["op"]): r["median_s"] for r in self.results if r["scenario"] == "4"}
        if lab:
            tag = "" if self.plan.lab == (10, 50) else f" (quick run: {self.plan.lab[0]} networks, {self.plan.lab[1]} containers)"
            up, down = lab[("dockernet", "up")], lab[("dockernet", "down")]

            def faster(desc: str, other: float, mine: float, limit: float) -> None:
                rows.append([desc + tag, f"{other / mine:.2f}× faster", "met" if other / mine >= limit else "**missed**"])

            r = up / lab[("docker-py-threads", "up")]
            rows.append(["lab apply within 1.1× of docker-py with 8 threads" + tag, f"{r:.2f}×", "met" if r <= 1.1 else "**missed**"])
            faster("lab apply ≥ 1.1× faster than compose up", lab[("compose", "up")], up, 1.1)
            faster("lab apply ≥ 1.6× faster than sequential docker-py", lab[("docker-py-seq", "up")], up, 1.6)
            faster("lab destroy ≥ 1.1× faster than compose down", lab[("compose", "down")], down, 1.1)
        else:
            rows.append(["lab apply/destroy (scenario 4)", "not run", "see the notes"])
        plans = {r["op"]: r for r in self.results if r["scenario"] == "5"}
        if plans:
            for op, r in plans.items():
                if op == "tiny":
                    continue
                if op == "64k":
                    rows.append([f"64,000-node plan < 2 s (issue 10; {r['label']})", f"{fmt_ms(r['median_ms'])} ms",
                                 "met" if r["median_ms"] < 2000 else "**missed**"])
                    continue
                rows.append([f"1,000-network / 2,000-node plan < 100 ms ({r['label']})", f"{fmt_ms(r['median_ms'])} ms",
                             "met" if r["median_ms"] < 100 else "**missed**"])
        else:
            rows.append(["1,000-network plan < 100 ms (scenario 5)", "not run", "see the notes"])
        return rows

    # ---- main -------------------------------------------------------------------------------

    def run(self) -> int:
        started = time.monotonic()
        # run.sh has just built the wheel and the binary: the 1-minute load average still carries
        # that. Let it settle (at most 90 s; 20 s for --quick) before judging whether other work
        # shares the machine.
        cores = os.cpu_count() or 1
        settle = time.monotonic() + (20 if self.opts.quick else 90)
        while float(Path("/proc/loadavg").read_text().split()[0]) > 0.5 * cores and time.monotonic() < settle:
            time.sleep(5)
        self.meta = self.machine()
        load1 = float(self.meta["loadavg_start"][0])
        if load1 > 0.5 * (self.meta["cores"] or 1):
            self.meta["busy"] = (f"load average {load1:.2f} on {self.meta['cores']} cores at start: other work shares the "
                                 "machine; treat these numbers as provisional.")
        print("bench: " + self.machine_line(), file=sys.stderr)
        self.stuck = {x.split(":")[0].split(" ", 1)[1] for x in self.cleanup() if x.startswith("network ")}
        self.check_range()
        try:
            self.fixtures()
            self.start_workers()
            wanted = set(self.opts.scenarios.split(","))
            if "1" in wanted:
                self.scenario_calls()
            if "2" in wanted:
                self.scenario_ls_scale()
            if "3" in wanted:
                self.scenario_startup()
            if "4" in wanted:
                # The lab loads the machine itself (50 container starts on 2 cores): whether other
                # work shared the machine is judged from the load before it.
                self.meta["loadavg_before_lab"] = Path("/proc/loadavg").read_text().split()[:3]
                self.scenario_lab()
            if "5" in wanted:
                self.scenario_plan()
            if "6" in wanted:
                self.scenario_hosts()
        except BenchError as e:
            self.failure = str(e)
        except KeyboardInterrupt as e:
            self.failure = f"interrupted ({e or 'Ctrl-C'})"
            self.interrupted = True
        finally:
            for wk in self.workers:
                wk.close()
            stuck = self.cleanup(quiet=True)
            if stuck:
                self.notes.append("left on the daemon (it refused to remove them): " + "; ".join(stuck))
        if self.failure:
            self.notes.append(f"**the run stopped early**: {self.failure}")
        self.meta["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
        self.meta["seconds"] = round(time.monotonic() - started, 1)
        judged, when = self.meta["loadavg_end"], "at the end"
        if "loadavg_before_lab" in self.meta:
            judged, when = self.meta["loadavg_before_lab"], "before the lab (scenario 4 loads the machine itself)"
        if not self.meta.get("busy") and float(judged[0]) > 0.5 * (self.meta["cores"] or 1):
            self.meta["busy"] = (f"load average {judged[0]} {when}: other work shared the machine; "
                                 "treat these numbers as provisional.")
        table = self.tables()
        print(table)
        out = Path(self.opts.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"machine": self.meta, "notes": self.notes, "results": self.results}, indent=1))
        out.with_suffix(".md").write_text(table + "\n")
        if self.opts.update_readme and not self.failure:
            update_readme(table)
        print(f"\nbench: {self.meta['seconds']}s; raw samples in {out}, table in {out.with_suffix('.md')}", file=sys.stderr)
        if self.failure:
            print(f"bench: FAILED: {self.failure} (partial results written; logs in {self.logdir})", file=sys.stderr)
            return 130 if self.interrupted else 1
        shutil.rmtree(self.logdir, ignore_errors=True)  # workers' stderr: kept only when a run fails
        return 0


class FakeDaemon:
    """A stand-in Docker daemon on a local Unix socket, for scenario 5 only: answers /_ping,
    /version, the network list (given) and an empty container list, like Docker 20.10 (API 1.41);
    404 for anything else. Served from a thread of the driver; no real daemon is touched."""

    def __init__(self, path: Path, networks: bytes) -> None:
        import http.server
        import socketserver
        import threading

        self.path = path
        version = json.dumps({"Version": "20.10.24", "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux",
                              "Arch": "amd64", "KernelVersion": platform.release(), "Components": []}).encode()
        routes = {"/_ping": (b"OK", "text/plain"), "/version": (version, "application/json")}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                if path.startswith("/v1."):
                    path = "/" + path.split("/", 2)[2]
                body, ctype = routes.get(path, (b"", ""))
                if path == "/networks":
                    body, ctype = networks, "application/json"
                elif path == "/containers/json":
                    body, ctype = b"[]", "application/json"
                status = 200 if ctype else 404
                if not ctype:
                    body, ctype = b'{"message":"not served by the bench\'s stand-in daemon"}', "application/json"
                self.send_response(status)
                self.send_header("Api-Version", "1.41")
                self.send_header("Server", "Docker/20.10.24 (linux)")
                self.send_header("Ostype", "linux")
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

            def address_string(self) -> str:
                return "local"

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        if path.exists():
            path.unlink()
        self.server = Server(str(path), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeDaemon":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.path.unlink(missing_ok=True)

    @staticmethod
    def empty() -> bytes:
        return b"[]"

    @staticmethod
    def populated(n: int) -> bytes:
        """`n` foreign bridge networks, the i-th on the i-th even /25 of 10.220.0.0/14."""
        base = int(RANGE.network_address)
        docs = []
        for i in range(n):
            subnet = f"{ipaddress.IPv4Address(base + 2 * i * 128)}/25"
            docs.append({"Name": f"other-{i:04d}", "Id": f"{i:064x}", "Created": "2026-01-01T00:00:00Z", "Scope": "local",
                         "Driver": "bridge", "EnableIPv6": False,
                         "IPAM": {"Driver": "default", "Options": None, "Config": [{"Subnet": subnet}]},
                         "Internal": False, "Attachable": False, "Ingress": False, "ConfigFrom": {"Network": ""},
                         "ConfigOnly": False, "Containers": {}, "Options": {}, "Labels": {}})
        return json.dumps(docs).encode()


# Round trips to the daemon behind one call of each contender (read from the code; the README's
# table explains them). The floor does the protocol minimum.
RTT: Dict[str, Dict[str, str]] = {
    "floor": {"ping": "1", "ls": "1", "inspect": "1", "createrm": "2 (create, delete)", "conndisc": "2 (connect, disconnect)"},
    "lua": {"ping": "1", "ls": "1", "inspect": "1", "createrm": "4 (ls, create; inspect, delete)",
            "conndisc": "6 (inspect net, inspect ctr, connect; the same for disconnect)"},
    "py-dn": {"ping": "1", "ls": "1", "inspect": "1", "createrm": "5 (ls, create, inspect; inspect, delete)",
              "conndisc": "6 (inspect net, inspect ctr, connect; the same for disconnect)"},
    "docker-py": {"ping": "1", "ls": "1", "inspect": "1", "createrm": "3 (create, inspect; delete)", "conndisc": "2"},
    "py-raw": {"ping": "1", "ls": "1", "inspect": "1"},
    "dn-cli": {"ls": "1 + /version", "inspect": "1 + /version", "createrm": "2 processes", "conndisc": "2 processes"},
    "docker-cli": {"ls": "1 + /_ping", "inspect": "1 + /_ping", "createrm": "2 processes", "conndisc": "2 processes"},
}


def cli_argv(prog: str, op: str, a: List[str]) -> Optional[List[List[str]]]:
    """The docker-CLI-syntax command lines for one operation (same for `docker` and `dockernet`)."""
    if op == "ls":
        return [[prog, "network", "ls"]]
    if op == "inspect":
        return [[prog, "network", "inspect", a[0]]]
    if op == "createrm":
        name, subnet, label = a
        return [[prog, "network", "create", "--subnet", subnet, "--label", f"{label}=1", name], [prog, "network", "rm", name]]
    if op == "conndisc":
        net, ctr = a
        return [[prog, "network", "connect", net, ctr], [prog, "network", "disconnect", net, ctr]]
    return None  # ping: neither CLI has a command for it


README = ROOT / "bench" / "README.md"
BEGIN, END = "<!-- latest-table:begin (bench/run.py writes this block) -->", "<!-- latest-table:end -->"


def update_readme(table: str) -> None:
    """Puts the latest full run's tables between the markers of bench/README.md."""
    text = README.read_text()
    if BEGIN not in text or END not in text:
        print(f"bench: {README} has no table markers; not updated", file=sys.stderr)
        return
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
    print(f"bench: updated the table in {README}", file=sys.stderr)


def socket_path() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        raise SystemExit(f"bench: only a local unix:// daemon socket is benchmarked (DOCKER_HOST={host})")
    return host[len("unix://"):]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: fewer samples, 0/50 extra networks, a 6-container lab (< 2 min)")
    ap.add_argument("--scenarios", default="1,2,3,4,5,6", help="comma-separated subset of 1,2,3,4,5,6")
    ap.add_argument("--out", required=True, help="JSON file of raw samples (the table goes beside it as .md)")
    ap.add_argument("--dockernet", required=True, help="the release `dockernet` binary")
    ap.add_argument("--floor", required=True, help="the floor binary (bench/floor/floor.c)")
    ap.add_argument("--python", default=sys.executable, help="the venv python with dockernet and docker-py")
    ap.add_argument("--no-hyperfine", action="store_true", help="time start-up with the floor's own timer")
    ap.add_argument("--update-readme", action="store_true", help="put the tables into bench/README.md (run.sh: full runs)")
    opts = ap.parse_args()

    def stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    try:
        return Bench(opts).run()
    except BenchError as e:
        print(f"bench: FAILED: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted (everything it created was removed)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
