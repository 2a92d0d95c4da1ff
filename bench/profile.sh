#!/usr/bin/env bash
# The evidence behind bench/README.md's "What bounds the missed targets": profiles of the release
# build, reproducible. Run bench/run.sh (or --quick) once first: it builds what this uses.
#   1. the daemon's own cost of the handshake dockernet does today (GET /version) against the
#      one the docker CLI does (GET /_ping), timed by the floor;
#   2. the round trips of one `dockernet network ls` process (strace);
#   3. `import dockernet`: python -X importtime, largest entries;
#   4. client CPU per call (perf stat) for ping and ls, floor vs Lua vs Python vs docker-py;
#   5. perf record of a Lua `docker.network.ls()` loop and of a Python `networks.list()` loop with
#      NETWORKS extra networks on the daemon, summed into cost buckets (bench/perf_categories.py);
#   6. the decode micro-benchmark (bench/decode): today's Value-tree path against decoding the
#      daemon's bytes straight into Lua values, on the same body;
#   7. perf of `dockernet plan` of a 1,000-network / 2,000-node topology against the harness's
#      stand-in daemon (FakeDaemon in bench/run.py; no real daemon involved).
# Creates NETWORKS networks labelled dockernet.bench=1 in 10.221.0.0/16–10.222.0.0/16 and removes
# them on exit. Only the local daemon socket is contacted.
# Usage: bench/profile.sh [NETWORKS]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
WS=$PWD
STATE=${DNBENCH_STATE:-$WS/target-bench}
N=${1:-300}
PY=$STATE/venv/bin/python
FLOOR=$STATE/floor
DN=${CARGO_TARGET_DIR:-$WS/target}/release/dockernet
SOCK=/var/run/docker.sock
for f in "$PY" "$FLOOR" "$DN"; do
  [ -x "$f" ] || { echo "profile: $f is missing: run bench/run.sh --quick first" >&2; exit 1; }
done
command -v perf >/dev/null || { echo "profile: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
exec 9>"$STATE/lock"
flock -n 9 || { echo "profile: a bench run holds $STATE/lock" >&2; exit 1; }
API=$(docker version --format '{{.Server.APIVersion}}')
TMP=$(mktemp -d)

cleanup() {
  local ids
  ids=$(docker network ls -q --filter label=dockernet.bench=1 2>/dev/null || true)
  if [ -n "$ids" ]; then docker network rm $ids >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
  return 0
}
trap cleanup EXIT

median() { "$PY" -c 'import sys,statistics; x=[int(v) for v in sys.stdin.read().split()[1:]]; print(f"{statistics.median(x)/1e6:.3f} ms")'; }

echo "== 1. handshake cost on the daemon (floor, median of 30)"
printf 'get 30 /_ping\nquit\n' | "$FLOOR" serve "$SOCK" "$API" | { printf '  GET /_ping   (docker CLI; Api-Version and Server headers) '; median; }
printf 'get 30 /version\nquit\n' | "$FLOOR" serve "$SOCK" "$API" | { printf '  GET /version (dockernet connect)                         '; median; }

echo
echo "== 2. one \`dockernet network ls\` process: its requests (strace -r)"
strace -f -r -e trace=connect,sendto,recvfrom "$DN" network ls 2>&1 >/dev/null | grep -E 'connect\(|sendto|recvfrom' \
  | sed -E 's/(sendto\([0-9]+, "[^\\]*).*/\1"/; s/(recvfrom\([0-9]+, "[^\\]*).*/\1"/' | sed 's/^/  /'

echo
echo "== 3. import dockernet (python -X importtime; cumulative µs, largest 12)"
"$PY" -X importtime -c 'import dockernet' 2>&1 | sort -t'|' -k2 -n | tail -12 | sed 's/^/  /'
for mod in "pass" "import typing" "import dockernet"; do
  best=$("$PY" - "$mod" <<'EOF'
import subprocess, sys, time
ts = []
for _ in range(15):
    t = time.perf_counter(); subprocess.run([sys.executable, "-c", sys.argv[1]], check=True); ts.append(time.perf_counter() - t)
ts.sort(); print(f"{ts[len(ts)//2]*1000:.1f} ms")
EOF
)
  printf '  python -c %-28s %s (median of 15)\n' "'$mod'" "$best"
done

echo
echo "== 4. client CPU per call (perf stat task-clock over 2000 calls, start-up subtracted; load-independent)"
cpu() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1; }
for op in ping ls; do
  f0=$(echo "" | cpu "$FLOOR" serve "$SOCK" "$API"); f1=$(echo "$op 2000" | cpu "$FLOOR" serve "$SOCK" "$API")
  printf 'for i = 1, 2000 do docker.%s() end\n' "$([ $op = ls ] && echo network.ls || echo ping)" > "$TMP/cpu.lua"
  : > "$TMP/none.lua"
  l0=$(cpu "$DN" "$TMP/none.lua"); l1=$(cpu "$DN" "$TMP/cpu.lua")
  p0=$(echo "" | DNBENCH_API=$API cpu "$PY" bench/py/worker.py dockernet)
  p1=$(echo "$op 2000" | DNBENCH_API=$API cpu "$PY" bench/py/worker.py dockernet)
  d0=$(echo "" | DNBENCH_API=$API cpu "$PY" bench/py/worker.py dockerpy)
  d1=$(echo "$op 2000" | DNBENCH_API=$API cpu "$PY" bench/py/worker.py dockerpy)
  "$PY" -c "import sys; a=list(map(float, sys.argv[2:])); print(f'  {sys.argv[1]:5} µs CPU/call: floor {(a[1]-a[0])/2:.0f} · Lua {(a[3]-a[2])/2:.0f} · dockernet Python {(a[5]-a[4])/2:.0f} · docker-py {(a[7]-a[6])/2:.0f}')" \
    "$op" "$f0" "$f1" "$l0" "$l1" "$p0" "$p1" "$d0" "$d1"
done
echo "  ($(docker network ls -q | wc -l) networks on the daemon)"

echo
echo "== 5. creating $N networks for the ls profiles"
"$PY" - "$N" <<'EOF'
import concurrent.futures as cf, sys, docker
c = docker.APIClient(version="auto")
def mk(i):
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=f"10.{221 + i // 256}.{i % 256}.0/24")])
    c.create_network(f"dnbench-p{i:03d}", driver="bridge", ipam=ipam, labels={"dockernet.bench": "1"}, check_duplicate=True)
with cf.ThreadPoolExecutor(4) as p:
    list(p.map(mk, range(int(sys.argv[1]))))
print(f"  {len(c.networks())} networks on the daemon")
EOF
curl -s --unix-socket "$SOCK" "http://d/v$API/networks" > "$TMP/body.json"
printf 'ls 5\nls 100\nquit\n' | "$FLOOR" serve "$SOCK" "$API" | tail -n 1 | { printf '  floor ls: '; median; }
cat > "$TMP/ls.lua" <<'EOF'
for _ = 1, 5 do docker.network.ls() end
local t = {}
for i = 1, tonumber(arg[1]) do local t0 = docker.clock(); docker.network.ls(); t[i] = docker.clock() - t0 end
table.sort(t)
io.write(string.format("  Lua ls (in the profiled run): %.3f ms median\n", t[#t // 2 + 1] * 1000))
EOF
perf record -q -F 4000 -o "$TMP/lua.data" "$DN" "$TMP/ls.lua" 100 2>/dev/null
echo "  Lua docker.network.ls() loop, self time by bucket:"
"$PY" bench/perf_categories.py "$TMP/lua.data"
cat > "$TMP/ls.py" <<'EOF'
import sys, time, dockernet
c = dockernet.from_env()
for _ in range(5): c.networks.list()
t = []
for _ in range(int(sys.argv[1])):
    t0 = time.perf_counter(); c.networks.list(); t.append(time.perf_counter() - t0)
t.sort(); print(f"  Python networks.list() (in the profiled run): {t[len(t)//2]*1000:.3f} ms median")
EOF
perf record -q -F 4000 -o "$TMP/py.data" "$PY" "$TMP/ls.py" 100 2>/dev/null
echo "  Python networks.list() loop, self time by bucket:"
"$PY" bench/perf_categories.py "$TMP/py.data"
"$PY" - "$TMP/body.json" <<'EOF'
import json, sys, time
b = open(sys.argv[1], "rb").read()
t = []
for _ in range(50):
    t0 = time.perf_counter(); sorted(json.loads(b), key=lambda d: d["Name"]); t.append(time.perf_counter() - t0)
t.sort(); print(f"  reference: Python's json.loads + sort of the same body: {t[25]*1000:.3f} ms")
EOF

echo
echo "== 6. decode micro-benchmark (bench/decode, no daemon): the same $(wc -c < "$TMP/body.json")-byte body"
(cd bench/decode && CARGO_TARGET_DIR=$STATE/decode-target cargo build --release --offline -q 2>/dev/null \
  || CARGO_TARGET_DIR=$STATE/decode-target cargo build --release -q)
"$STATE/decode-target/release/dockernet-bench-decode" "$TMP/body.json" 300 | sed 's/^/  /'

echo
echo "== 7. plan scale: perf of \`dockernet plan\` (1,000 networks / 2,000 nodes) against the stand-in daemon"
"$PY" - "$DN" "$TMP" <<'PYEOF'
import json, os, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, "bench")
import run  # the harness: plan_spec and FakeDaemon
dn, tmp = sys.argv[1], Path(sys.argv[2])
spec = tmp / "plan-big.yaml"
spec.write_text(json.dumps(run.Bench.plan_spec(run.Bench.__new__(run.Bench), 1000, 2000)))
with run.FakeDaemon(tmp / "fake.sock", run.FakeDaemon.empty()) as fake:
    env = dict(os.environ, DOCKER_HOST=f"unix://{fake.path}")
    ts = []
    for _ in range(5):
        t = time.perf_counter(); subprocess.run([dn, "plan", str(spec), "--json"], env=env, check=True, capture_output=True)
        ts.append(time.perf_counter() - t)
    print(f"  dockernet plan, empty state: {sorted(ts)[2]*1000:.0f} ms (median of 5, whole process)")
    subprocess.run(["perf", "record", "-q", "-F", "10000", "-o", str(tmp / "plan.data"), dn, "plan", str(spec), "--json"],
                   env=env, check=True, capture_output=True)
out = subprocess.run(["perf", "report", "-i", str(tmp / "plan.data"), "--no-children", "--sort", "symbol", "-g", "none"],
                     capture_output=True, text=True).stdout
print("  self time, largest 8:")
rows = [l.strip() for l in out.splitlines() if l.strip()[:1].isdigit()]
for l in rows[:8]:
    print("   ", l[:110])
PYEOF
