#!/usr/bin/env bash
# THE benchmark command (issue 5): dockernet against the floor, docker-py and the docker CLI.
#   1. make sure a daemon answers and the local test image exists (scripts/dev/);
#   2. build dockernet in release (`cargo build --release -p dockernet-lua`), the floor
#      (bench/floor/floor.c, gcc -O2), and the Python module (maturin, release) into a venv
#      (target-bench/venv) that also holds docker-py from PyPI;
#   3. run bench/run.py: warm-up, interleaved contenders, Markdown table on stdout, raw samples
#      as JSON (full runs: bench/results/latest.json + .md and the table in bench/README.md;
#      --quick: target-bench/results/ only).
# Everything it creates on the daemon is labelled dockernet.bench=1 and removed on exit, also
# after a failure or Ctrl-C. Only the local daemon socket is ever contacted.
# Usage: bench/run.sh [--quick] [--scenarios 1,2,3] [--out FILE.json] [--no-hyperfine]
set -euo pipefail
cd "$(dirname "$0")/.."
WS=$PWD
STATE=${DNBENCH_STATE:-$WS/target-bench}   # venv, wheels, floor binary, quick results (gitignored)
mkdir -p "$STATE/results" "$STATE/wheels"

say() { echo "bench: $*" >&2; }

# One benchmark at a time on this machine: two would share subnets, names and the CPU.
exec 9>"$STATE/lock"
if ! flock -n 9; then
  say "another bench run holds $STATE/lock"
  exit 1
fi

quick=0
for a in "$@"; do [ "$a" = "--quick" ] && quick=1; done
have_out=0
for a in "$@"; do case $a in --out|--out=*) have_out=1 ;; esac; done

# ---- 1. daemon and image -----------------------------------------------------------------------
scripts/dev/ensure-docker.sh
scripts/dev/test-image.sh

# ---- 2. builds ---------------------------------------------------------------------------------
say "building dockernet (release)"
cargo build --release -p dockernet-lua
DOCKERNET=${CARGO_TARGET_DIR:-$WS/target}/release/dockernet

FLOOR=$STATE/floor
if [ ! -x "$FLOOR" ] || [ bench/floor/floor.c -nt "$FLOOR" ]; then
  say "building the floor (gcc -O2)"
  gcc -O2 -Wall -o "$FLOOR" bench/floor/floor.c
fi

VENV=$STATE/venv
PY=$VENV/bin/python
if [ ! -f "$VENV/.deps-ok" ]; then
  say "creating $VENV with docker-py and maturin from PyPI"
  python3 -m venv "$VENV"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q 'docker>=7,<8' 'maturin>=1.9.4,<2'
  touch "$VENV/.deps-ok"
fi

say "building the Python module (maturin, release)"
rm -f "$STATE"/wheels/dockernet-*.whl
# target-maturin/ is shared with scripts/dev/python-test.sh (same release profile, so the builds
# reuse each other's work); a build running there at the same moment can remove the artifact
# maturin is about to read, so a failed build is tried once more.
build_wheel() { (cd python-bindings && CARGO_TARGET_DIR=$WS/target-maturin "$VENV/bin/maturin" build --release -q -o "$STATE/wheels"); }
if ! build_wheel; then
  say "maturin failed (a concurrent build in target-maturin/?); trying once more"
  sleep 5
  build_wheel
fi
WHEEL=$(ls -t "$STATE"/wheels/dockernet-*.whl | head -n 1)
SUM=$(sha256sum "$WHEEL" | cut -d' ' -f1)
if [ "$(cat "$VENV/.wheel-sum" 2>/dev/null)" != "$SUM" ]; then
  "$PY" -m pip install -q --force-reinstall --no-deps "$WHEEL"
  # Start-up is measured: make sure every module has its bytecode (PYTHONDONTWRITEBYTECODE may be set).
  "$PY" -m compileall -q "$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null || true
  echo "$SUM" > "$VENV/.wheel-sum"
fi

# Start-up times use hyperfine when Debian's package is there (installed here if we are root).
if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  say "installing Debian's hyperfine"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1; }; } \
    || say "hyperfine is not installable; start-up will be timed by the floor's own process timer"
fi

# ---- 3. run ------------------------------------------------------------------------------------
# Safety net: run.py removes what it made in a `finally`; this catches a run.py killed hard.
cleanup() {
  local ids
  ids=$(docker ps -aq --filter label=dockernet.bench=1 2>/dev/null || true)
  if [ -n "$ids" ]; then docker rm -f $ids >/dev/null 2>&1 || true; fi
  ids=$(docker network ls -q --filter label=dockernet.bench=1 2>/dev/null || true)
  # A network the daemon refuses to remove (run.py has already warned about it) is left as is.
  if [ -n "$ids" ]; then docker network rm $ids >/dev/null 2>&1 || true; fi
  return 0
}
child=
trap 'cleanup' EXIT
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 130' INT TERM HUP

extra=()
if [ "$have_out" -eq 0 ]; then
  if [ "$quick" -eq 1 ]; then
    extra=(--out "$STATE/results/quick-$(date +%Y%m%d-%H%M%S).json")
  else
    extra=(--out "$WS/bench/results/latest.json" --update-readme)
  fi
fi
"$PY" bench/run.py --dockernet "$DOCKERNET" --floor "$FLOOR" --python "$PY" "${extra[@]}" "$@" &
child=$!
set +e
wait "$child"
rc=$?
set -e
exit "$rc"
