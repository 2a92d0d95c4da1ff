#!/usr/bin/env python3
"""Stand-in Docker engines for scenario 6 (issue 9, "scale on paper"): plan and apply of a lab
across 1, 5, 10 and 20 hosts × 100 nodes, with no container anywhere.

Each host is a `StandIn`: a Unix socket in a temporary folder, served from a thread of this
process, that answers the Engine API requests `dockernet plan` and `dockernet up` make for a lab
across hosts — `/_ping`, `/version`, `/info` (with the swarm state), `/nodes`, `/swarm`
(+ `init`, `join`, `leave`), `/images/{name}/json`, `/images/json`, `/networks` (list, inspect,
create, connect, disconnect, delete), `/containers` (list, create, start, inspect, rename,
delete) — with plausible JSON kept in memory, shaped like Docker 20.10's (API 1.41). The hosts
share one `Swarm` object: an overlay created on the manager gets its addresses from one place,
and a join puts the worker's node id into the manager's `/nodes`. Anything else is answered 404
and recorded, so a request the engine starts making shows up in the results (`unknown`) instead
of passing silently.

What this measures is dockernet's own bookkeeping: survey of every host, subnet planning against
all of them, the plan with its cross-host dependencies, apply's scheduling, the requests, and
the answers' decoding. What a real daemon does (containerd, iptables, VXLAN, Raft, gossip) costs
nothing here; bench/README.md says what that leaves out. The stand-ins run in the same Python
process as the timer, in threads behind one GIL, so their own cost is part of the wall clock;
the requests per host are exact.

Run on its own (no Docker daemon needed):
    python3 bench/standin.py --dockernet target/release/dockernet [--hosts 1,5,10,20] [--nodes 100] [--runs 3]
bench/run.py's scenario 6 imports `measure` from here.
"""

import argparse
import ipaddress
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

IMAGE = "dockernet-testbox:latest"
API = "1.41"


class Swarm:
    """What the stand-ins of one run share: the swarm (who is in it, who manages it), its
    overlay networks and their address allocation."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.id = ""
        self.labels: Dict[str, str] = {}
        self.members: Dict[str, str] = {}  # node id -> host name
        self.manager: Optional[str] = None
        self.networks: Dict[str, Dict] = {}  # id -> document (scope swarm)
        self.next_ip: Dict[str, int] = {}  # network id -> next host offset


class StandIn:
    """One stand-in engine on a Unix socket (see the module notes)."""

    def __init__(self, name: str, path: Path, swarm: Swarm, ip: str) -> None:
        import http.server
        import socketserver

        self.name, self.path, self.swarm, self.ip = name, path, swarm, ip
        self.node_id = f"node{name:0>21}"[:25]
        self.requests: Counter = Counter()  # "METHOD /path-shape" -> count
        self.unknown: Counter = Counter()
        self.networks: Dict[str, Dict] = {}  # local networks: id -> document
        self.containers: Dict[str, Dict] = {}  # id -> inspect document
        self.by_name: Dict[str, str] = {}  # "/name" -> id (a scan per request made 2,000 nodes quadratic here)
        self.next_ip: Dict[str, int] = {}
        self.seq = 0
        self.mu = threading.Lock()
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                status, doc = engine.route(self.command, self.path, body)
                out = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Api-Version", API)
                self.send_header("Server", "Docker/20.10.24 (linux)")
                self.send_header("Ostype", "linux")
                self.send_header("Content-Type", "text/plain" if isinstance(doc, bytes) else "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_DELETE = do_HEAD = _serve  # noqa: N815 (http.server's naming)

            def log_message(self, *args: object) -> None:
                pass

            def address_string(self) -> str:
                return "local"

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that closes a kept-alive connection at exit is not news
            # dockernet opens up to its read concurrency in connections at once; the default
            # backlog of 5 refused some of them (EAGAIN on a Unix socket).
            request_queue_size = 512

        self.server = Server(str(path), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.path.unlink(missing_ok=True)

    @property
    def url(self) -> str:
        return f"unix://{self.path}"

    # ---- helpers ------------------------------------------------------------------------

    def new_id(self) -> str:
        with self.mu:
            self.seq += 1
            return f"{abs(hash(self.name)) % 0xFFFF:04x}{self.seq:060x}"

    def in_swarm(self) -> bool:
        return self.node_id in self.swarm.members

    def all_networks(self) -> List[Dict]:
        """Local networks, plus the swarm's on the manager (a worker lists a swarm network only
        once a container of its uses it: here, once it has an endpoint on this host)."""
        out = list(self.networks.values())
        for n in self.swarm.networks.values():
            if self.swarm.manager == self.name or any(self.name == h for h in n["_hosts"]):
                out.append(n)
        return out

    def find_network(self, ref: str) -> Optional[Dict]:
        for n in list(self.networks.values()) + list(self.swarm.networks.values()):
            if n["Id"] == ref or n["Name"] == ref or (len(ref) >= 12 and n["Id"].startswith(ref)):
                return n
        return None

    def find_container(self, ref: str) -> Optional[Dict]:
        ref = ref.lstrip("/")
        hit = self.containers.get(ref) or self.containers.get(self.by_name.get("/" + ref, ""))
        if hit or len(ref) < 12:
            return hit
        for c in self.containers.values():
            if c["Id"] == ref or c["Name"] == "/" + ref or (len(ref) >= 12 and c["Id"].startswith(ref)):
                return c
        return None

    def allocate(self, net: Dict, want: Optional[str]) -> Tuple[str, int]:
        subnet = ipaddress.ip_network(net["IPAM"]["Config"][0]["Subnet"])
        if want:
            return want, subnet.prefixlen
        table = self.swarm.next_ip if net["Scope"] == "swarm" else self.next_ip
        with self.swarm.lock:
            off = table.get(net["Id"], 2)
            table[net["Id"]] = off + 1
        return str(subnet.network_address + off), subnet.prefixlen

    def endpoint(self, c: Dict, net: Dict, cfg: Dict) -> None:
        ipam = cfg.get("IPAMConfig") or {}
        ip, plen = self.allocate(net, ipam.get("IPv4Address"))
        short = c["Id"][:12]
        aliases = list(cfg.get("Aliases") or []) + [short]
        c["NetworkSettings"]["Networks"][net["Name"]] = {
            "IPAMConfig": ipam or None, "Links": None, "Aliases": aliases, "NetworkID": net["Id"],
            "EndpointID": self.new_id(), "Gateway": net["IPAM"]["Config"][0].get("Gateway", ""),
            "IPAddress": ip, "IPPrefixLen": plen, "IPv6Gateway": "", "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0, "MacAddress": "02:42:0a:00:00:02", "DriverOpts": cfg.get("DriverOpts"),
        }
        net["Containers"][c["Id"]] = {"Name": c["Name"].lstrip("/"), "EndpointID": "", "MacAddress": "",
                                      "IPv4Address": f"{ip}/{plen}", "IPv6Address": ""}
        if net["Scope"] == "swarm" and self.name not in net["_hosts"]:
            net["_hosts"].append(self.name)

    def public(self, doc: Dict) -> Dict:
        """A network's document as this host shows it. A swarm network's `Containers` holds only
        this host's endpoints, as Docker's does (the others are `Peers` of a verbose inspect):
        one shared list of all 2,000 would make every inspect grow with the whole lab."""
        out = {k: v for k, v in doc.items() if not k.startswith("_")}
        if doc.get("Scope") == "swarm":
            out["Containers"] = {k: v for k, v in doc["Containers"].items() if k in self.containers}
        return out

    def summary(self, c: Dict) -> Dict:
        return {"Id": c["Id"], "Names": [c["Name"]], "Image": c["Config"]["Image"], "ImageID": "sha256:" + "1" * 64,
                "Command": "sleep infinity", "Created": 1764864000, "Ports": [], "Labels": c["Config"]["Labels"],
                "State": c["State"]["Status"], "Status": "Up" if c["State"]["Running"] else "Created",
                "HostConfig": {"NetworkMode": c["HostConfig"]["NetworkMode"]},
                "NetworkSettings": {"Networks": c["NetworkSettings"]["Networks"]}, "Mounts": []}

    # ---- the API ---------------------------------------------------------------------------

    def route(self, method: str, raw: str, body: bytes) -> Tuple[int, object]:
        u = urlsplit(raw)
        path = u.path
        if path.startswith("/v1."):
            path = "/" + path.split("/", 2)[2]
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        shape = "/".join(p if i == 0 or p in ("json", "create", "connect", "disconnect", "start", "rename", "init", "join", "leave")
                         else "{id}" for i, p in enumerate(parts))
        self.requests[f"{method} /{shape}"] += 1
        try:
            r = self.dispatch(method, parts, q, json.loads(body) if body else {})
        except KeyError as e:
            return 404, {"message": f"stand-in: no such object: {e}"}
        if r is None:
            self.unknown[f"{method} /{shape}"] += 1
            return 404, {"message": f"not served by the bench's stand-in daemon: {method} {path}"}
        return r

    def dispatch(self, m: str, p: List[str], q: Dict[str, str], b: Dict) -> Optional[Tuple[int, object]]:
        sw = self.swarm
        if p == ["_ping"]:
            return 200, b"OK"
        if p == ["version"]:
            return 200, {"Version": "20.10.24", "ApiVersion": API, "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64",
                         "KernelVersion": "6.1.0", "Components": []}
        if p == ["info"]:
            active = self.in_swarm()
            return 200, {"ID": self.node_id, "Name": f"standin-{self.name}", "ServerVersion": "20.10.24",
                         "Containers": len(self.containers), "Swarm": {
                             "NodeID": self.node_id if active else "", "NodeAddr": self.ip if active else "",
                             "LocalNodeState": "active" if active else "inactive",
                             "ControlAvailable": active and sw.manager == self.name, "Error": "",
                             "RemoteManagers": None, "Cluster": {"ID": sw.id} if active else None}}
        if p == ["nodes"] and m == "GET":
            if sw.manager != self.name:
                return 503, {"message": "This node is not a swarm manager."}
            return 200, [{"ID": nid, "Description": {"Hostname": h}, "Status": {"State": "ready", "Addr": "0.0.0.0"},
                          "Spec": {"Role": "manager" if h == sw.manager else "worker", "Availability": "active"}}
                         for nid, h in sw.members.items()]
        if p == ["swarm"] and m == "GET":
            if sw.manager != self.name:
                return 503, {"message": "This node is not a swarm manager."}
            return 200, {"ID": sw.id, "Spec": {"Name": "default", "Labels": sw.labels},
                         "JoinTokens": {"Worker": "SWMTKN-1-standin-worker", "Manager": "SWMTKN-1-standin-manager"}}
        if p == ["swarm", "init"] and m == "POST":
            with sw.lock:
                if self.in_swarm():
                    return 503, {"message": "This node is already part of a swarm."}
                sw.id, sw.manager, sw.labels = "swarm" + self.node_id, self.name, (b.get("Spec") or {}).get("Labels") or {}
                sw.members[self.node_id] = self.name
            return 200, self.node_id
        if p == ["swarm", "join"] and m == "POST":
            with sw.lock:
                sw.members[self.node_id] = self.name
            return 200, b""
        if p == ["swarm", "leave"] and m == "POST":
            with sw.lock:
                sw.members.pop(self.node_id, None)
                if sw.manager == self.name:
                    sw.manager, sw.id, sw.labels = None, "", {}
                    sw.networks.clear()
            return 200, b""
        if p[0] == "images":
            if p == ["images", "json"]:
                return 200, [{"Id": "sha256:" + "1" * 64, "RepoTags": [IMAGE], "Size": 2_000_000, "Created": 1764864000}]
            if len(p) >= 3 and p[-1] == "json" and m == "GET":
                name = "/".join(p[1:-1])
                if name in (IMAGE, IMAGE.split(":")[0]):
                    return 200, {"Id": "sha256:" + "1" * 64, "RepoTags": [IMAGE], "Config": {"Cmd": ["sh"]}}
                return 404, {"message": f"No such image: {name}"}
            return None
        if p[0] == "networks":
            return self.networks_api(m, p, q, b)
        if p[0] == "containers":
            return self.containers_api(m, p, q, b)
        return None

    def networks_api(self, m: str, p: List[str], q: Dict[str, str], b: Dict) -> Optional[Tuple[int, object]]:
        sw = self.swarm
        if p == ["networks"] and m == "GET":
            return 200, [self.public(n) for n in self.all_networks()]
        if p == ["networks", "create"] and m == "POST":
            if self.find_network(b["Name"]):
                return 409, {"message": f"network with name {b['Name']} already exists"}
            overlay = b.get("Driver") == "overlay"
            if overlay and sw.manager != self.name:
                return 403, {"message": "Cannot create a multi-host network from a worker node."}
            nid = self.new_id()
            cfg = [dict(c) for c in ((b.get("IPAM") or {}).get("Config") or [])]
            for c in cfg:
                net = ipaddress.ip_network(c["Subnet"])
                c.setdefault("Gateway", str(net.network_address + 1))
            doc = {"Name": b["Name"], "Id": nid, "Created": "2026-12-04T00:00:00Z",
                   "Scope": "swarm" if overlay else "local", "Driver": b.get("Driver") or "bridge",
                   "EnableIPv6": bool(b.get("EnableIPv6")),
                   "IPAM": {"Driver": "default", "Options": (b.get("IPAM") or {}).get("Options"), "Config": cfg},
                   "Internal": bool(b.get("Internal")), "Attachable": bool(b.get("Attachable")),
                   "Ingress": bool(b.get("Ingress")), "ConfigFrom": {"Network": ""}, "ConfigOnly": False,
                   "Containers": {}, "Options": b.get("Options") or {}, "Labels": b.get("Labels") or {}, "_hosts": []}
            if overlay:
                with sw.lock:
                    sw.networks[nid] = doc
            else:
                self.networks[nid] = doc
            return 201, {"Id": nid, "Warning": ""}
        if len(p) == 2 and m == "GET":
            n = self.find_network(p[1])
            return (200, self.public(n)) if n else (404, {"message": f"network {p[1]} not found"})
        if len(p) == 2 and m == "DELETE":
            n = self.find_network(p[1])
            if not n:
                return 404, {"message": f"network {p[1]} not found"}
            (sw.networks if n["Scope"] == "swarm" else self.networks).pop(n["Id"], None)
            return 204, b""
        if len(p) == 3 and p[2] in ("connect", "disconnect") and m == "POST":
            n, c = self.find_network(p[1]), self.find_container(b["Container"])
            if not n or not c:
                return 404, {"message": "no such network or container"}
            if p[2] == "connect":
                self.endpoint(c, n, b.get("EndpointConfig") or {})
            else:
                c["NetworkSettings"]["Networks"].pop(n["Name"], None)
                n["Containers"].pop(c["Id"], None)
            return 200, b""
        return None

    def containers_api(self, m: str, p: List[str], q: Dict[str, str], b: Dict) -> Optional[Tuple[int, object]]:
        if p == ["containers", "json"] and m == "GET":
            return 200, [self.summary(c) for c in self.containers.values()]
        if p == ["containers", "create"] and m == "POST":
            name = q.get("name", "")
            if self.find_container(name):
                return 409, {"message": f'Conflict. The container name "/{name}" is already in use'}
            if b.get("Image") not in (IMAGE, IMAGE.split(":")[0]):
                return 404, {"message": f"No such image: {b.get('Image')}"}
            cid = self.new_id()
            hc = b.get("HostConfig") or {}
            c = {"Id": cid, "Name": "/" + name, "Created": "2026-12-04T00:00:00Z",
                 "State": {"Status": "created", "Running": False, "Pid": 0, "ExitCode": 0},
                 "Config": {"Image": b.get("Image"), "Labels": b.get("Labels") or {}, "Hostname": b.get("Hostname") or cid[:12],
                            "Cmd": b.get("Cmd"), "Env": b.get("Env")},
                 "HostConfig": {"NetworkMode": hc.get("NetworkMode") or "default", "CapAdd": hc.get("CapAdd"),
                                "Sysctls": hc.get("Sysctls"), "Privileged": bool(hc.get("Privileged"))},
                 "NetworkSettings": {"Networks": {}}}
            eps = ((b.get("NetworkingConfig") or {}).get("EndpointsConfig") or {})
            for ref, cfg in eps.items():
                n = self.find_network(ref)
                if not n:
                    return 404, {"message": f"network {ref} not found"}
                self.endpoint(c, n, cfg or {})
            self.containers[cid] = c
            self.by_name[c["Name"]] = cid
            return 201, {"Id": cid, "Warnings": []}
        if len(p) < 2:
            return None
        c = self.find_container(p[1])
        if not c:
            return 404, {"message": f"No such container: {p[1]}"}
        if len(p) == 3 and p[2] == "json" and m == "GET":
            return 200, c
        if len(p) == 3 and p[2] == "start" and m == "POST":
            if c["State"]["Running"]:
                return 304, b""
            c["State"].update(Status="running", Running=True, Pid=4242)
            return 204, b""
        if len(p) == 3 and p[2] == "rename" and m == "POST":
            self.by_name.pop(c["Name"], None)
            c["Name"] = "/" + q["name"]
            self.by_name[c["Name"]] = c["Id"]
            return 204, b""
        if len(p) == 2 and m == "DELETE":
            for name in list(c["NetworkSettings"]["Networks"]):
                n = self.find_network(name)
                if n:
                    n["Containers"].pop(c["Id"], None)
            del self.containers[c["Id"]]
            self.by_name.pop(c["Name"], None)
            return 204, b""
        return None


def lab(hosts: List[StandIn], nodes_per_host: int, name: str = "dnscale") -> Dict:
    """The lab: `span`, one network every node uses (an overlay across all hosts, given a /20
    as 2,000 endpoints need: an allocated /24 would hold 253), and per host a bridge `l<host>`
    every node of that host uses too. A swarm formed by the topology (hosts start outside one)."""
    return {
        "name": name, "pool": "10.220.0.0/14", "image": IMAGE, "labels": {"dockernet.bench": "1"},
        "hosts": {h.name: {"host": h.url, "advertise_addr": h.ip} for h in hosts},
        "swarm": {"manager": hosts[0].name},
        "networks": {"span": {"subnet": "10.221.0.0/20"}, **{f"l{h.name}": {} for h in hosts}},
        "nodes": {f"{h.name}n{i:03d}": {"host": h.name, "command": ["sleep", "infinity"], "networks": ["span", f"l{h.name}"]}
                  for h in hosts for i in range(nodes_per_host)},
    }


def measure(dockernet: str, host_counts: List[int], nodes_per_host: int, runs: int, workdir: Path,
            log=lambda s: print(s, file=sys.stderr)) -> List[Dict]:
    """For each host count: `runs` rounds (after one warm-up) of plan, then up (default
    concurrency, 8 steps at once in all), then a re-plan, against fresh stand-ins; and `up
    --concurrency 8×hosts` against another fresh set (`upwide`: what 8 steps per host would
    give). Per process: wall clock, dockernet's CPU time (getrusage of the child) and the
    stand-ins' CPU time (this process's); requests per host from the last round. Checks: every
    command succeeds, and the re-plan of the applied lab is empty (the stand-ins answer
    plausibly enough for dockernet to recognise its own work)."""
    results = []
    phases = ("plan", "up", "replan", "upwide")
    for n in host_counts:
        samples: Dict[str, List[int]] = {p: [] for p in phases}
        cpu: Dict[str, List[float]] = {p: [] for p in phases}
        served: Dict[str, List[float]] = {p: [] for p in phases}
        last: Dict = {}
        for r in range(runs + 1):
            d = Path(tempfile.mkdtemp(prefix=f"h{n}-", dir=workdir))
            swarm, wide_swarm = Swarm(), Swarm()
            hosts = [StandIn(f"h{i:02d}", d / f"h{i:02d}.sock", swarm, f"10.99.250.{i + 1}") for i in range(n)]
            wide = [StandIn(f"h{i:02d}", d / f"w{i:02d}.sock", wide_swarm, f"10.99.251.{i + 1}") for i in range(n)]
            try:
                spec, wide_spec = d / "lab.json", d / "wide.json"
                spec.write_text(json.dumps(lab(hosts, nodes_per_host)))
                wide_spec.write_text(json.dumps(lab(wide, nodes_per_host)))
                env = dict(os.environ, DOCKER_HOST=hosts[0].url, NO_COLOR="1")
                counts: Dict[str, Counter] = {}
                for phase, argv in (("plan", [dockernet, "plan", str(spec), "--json"]),
                                    ("up", [dockernet, "up", str(spec)]),
                                    ("replan", [dockernet, "plan", str(spec), "--json"]),
                                    ("upwide", [dockernet, "up", str(wide_spec), "--concurrency", str(8 * n)])):
                    group = wide if phase == "upwide" else hosts
                    before = [Counter(h.requests) for h in group]
                    ru, py = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
                    t = time.perf_counter_ns()
                    res = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
                    took = time.perf_counter_ns() - t
                    py = time.process_time() - py
                    ru2 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    child = (ru2.ru_utime - ru.ru_utime) + (ru2.ru_stime - ru.ru_stime)
                    if res.returncode != 0:
                        unknown = sorted({k for h in group for k in h.unknown})
                        raise RuntimeError(f"{n} hosts, {phase}: `{' '.join(argv)}` exited {res.returncode}: "
                                           f"{res.stderr.strip()[-2000:]} (requests the stand-ins do not serve: {unknown})")
                    counts[phase] = Counter({h.name: sum((h.requests - b).values()) for h, b in zip(group, before)})
                    if phase == "plan" and r == runs:
                        last["plan_actions"] = len(json.loads(res.stdout)["actions"])
                    if phase == "replan":
                        left = json.loads(res.stdout)["actions"]
                        if left:
                            raise RuntimeError(f"{n} hosts: the re-plan after up is not empty: {left[:3]}")
                    if r:
                        samples[phase].append(took)
                        cpu[phase].append(child * 1e3)
                        served[phase].append(py * 1e3)
                if r == runs:
                    last["requests"] = counts
                    last["by_kind"] = sum((h.requests for h in hosts), Counter())
                    last["unknown"] = sum((h.unknown for h in hosts), Counter())
            finally:
                for h in hosts + wide:
                    h.close()
                shutil.rmtree(d, ignore_errors=True)
        row = {"hosts": n, "nodes": n * nodes_per_host, "actions": last.get("plan_actions"), "runs": runs}
        for phase, xs in samples.items():
            xs = sorted(xs)
            row[f"{phase}_median_ms"] = statistics.median(xs) / 1e6
            row[f"{phase}_min_ms"] = xs[0] / 1e6
            row[f"{phase}_samples_ns"] = xs
            row[f"{phase}_cpu_ms"] = statistics.median(cpu[phase])
            row[f"{phase}_standin_cpu_ms"] = statistics.median(served[phase])
            per = last["requests"][phase]
            row[f"{phase}_requests_per_host"] = {"max": max(per.values()), "mean": sum(per.values()) / n,
                                                 "manager": per.get("h00", 0)}
        row["requests_by_kind"] = dict(last["by_kind"].most_common())
        row["unknown"] = dict(last["unknown"])
        log(f"bench: 6 hosts={n}: plan {row['plan_median_ms']:.0f} ms, up {row['up_median_ms']:.0f} ms "
            f"(dockernet CPU {row['up_cpu_ms']:.0f} ms, stand-ins {row['up_standin_cpu_ms']:.0f} ms), "
            f"up --concurrency {8 * n} {row['upwide_median_ms']:.0f} ms, {row['up_requests_per_host']['mean']:.0f} requests per host")
        results.append(row)
    return results


def table(rows: List[Dict], nodes_per_host: int) -> str:
    # `upwide` (8 steps per host) is left out of the table: past ~40 concurrent requests the
    # stand-ins' threads (one GIL) are what it measures; it stays in the JSON.
    out = ["| hosts | nodes | actions | plan ms | plan: dockernet CPU ms | up ms | up ms per node | "
           "up: dockernet / stand-ins CPU ms | re-plan ms (applied lab) | requests per host: plan / up (manager's up) | n |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['hosts']} | {r['nodes']} | {r['actions']} | {r['plan_median_ms']:.0f} | {r['plan_cpu_ms']:.0f} | "
                   f"{r['up_median_ms']:.0f} | {r['up_median_ms'] / r['nodes']:.1f} | "
                   f"{r['up_cpu_ms']:.0f} / {r['up_standin_cpu_ms']:.0f} | {r['replan_median_ms']:.0f} | "
                   f"{r['plan_requests_per_host']['mean']:.0f} / {r['up_requests_per_host']['mean']:.0f} "
                   f"({r['up_requests_per_host']['manager']}) | {r['runs']} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dockernet", required=True, help="the `dockernet` binary (release for numbers)")
    ap.add_argument("--hosts", default="1,5,10,20", help="host counts, comma-separated")
    ap.add_argument("--nodes", type=int, default=100, help="nodes per host")
    ap.add_argument("--runs", type=int, default=3, help="timed rounds per size (after one warm-up)")
    ap.add_argument("--out", help="write the rows as JSON here")
    o = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dnbench-standin-"))
    try:
        rows = measure(str(Path(o.dockernet).resolve()), [int(x) for x in o.hosts.split(",")], o.nodes, o.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(table(rows, o.nodes))
    if o.out:
        Path(o.out).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
