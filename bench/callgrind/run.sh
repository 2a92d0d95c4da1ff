#!/usr/bin/env bash
# Client instructions per call, counted by callgrind: repeatable whatever else the machine does
# (wall-clock and CPU time on a shared 2-core machine move by ±30 %), so a change to the decode
# path can be judged by one number. Each workload runs twice under callgrind, with 2 and with 12
# calls after its warm-up; (I12 − I2) / 10 is the cost of one call, start-up excluded.
# Needs valgrind, a release dockernet (`cargo build --release -p dockernet-lua`) and, for Python,
# the bench venv with this workspace's wheel (bench/run.sh makes both). Contacts only the local
# daemon; creates nothing (to measure at scale, create networks first, e.g. as scenario 2 does).
# Python's counts move by a few thousand between runs (its collector and the GIL hand-over run at
# different points), so REPEAT=K runs each pair K times and prints the median; PYTHONHASHSEED is
# fixed for the same reason. DOCKERNET_HTTP=hyper (passed through) measures hyper's client instead
# of dockernet's own HTTP/1.1 (core/src/h1.rs), in the same build.
# Usage: bench/callgrind/run.sh [--replay N] [ls|inspect|ping|ls_names|ls_attrs]...   (default: ls)
#   --replay N: ask bench/callgrind/replay.py instead of the daemon — a stand-in on a private socket
#   that answers with Docker 20.10's own bytes for the three predefined networks plus N more (0:
#   the "3 networks" rows, 300: the "303 networks" rows), so the counts stay put while other work
#   creates networks on a shared daemon. DOCKERNET=path and PY=path pick other builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
DOCKERNET=${DOCKERNET:-${CARGO_TARGET_DIR:-$PWD/target}/release/dockernet}
PY=${PY:-${DNBENCH_STATE:-$PWD/target-bench}/venv/bin/python}
command -v valgrind >/dev/null || { echo "callgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
if [ "${1:-}" = --replay ]; then
  dir=$(mktemp -d)
  python3 bench/callgrind/replay.py "$dir/docker.sock" "$2" &
  replay=$!
  trap 'kill $replay 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 100); do [ -S "$dir/docker.sock" ] && break; sleep 0.1; done
  export DOCKER_HOST=unix://$dir/docker.sock
  shift 2
fi
export PYTHONHASHSEED=0
REPEAT=${REPEAT:-1}
count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
echo "networks on the daemon: $("$DOCKERNET" -e 'print(#docker.network.ls())')${DOCKER_HOST:+ ($DOCKER_HOST)}"
for op in "${@:-ls}"; do
  for who in lua python; do
    case $who in
      lua) run=("$DOCKERNET" bench/callgrind/loop.lua) ;;
      python) [ -x "$PY" ] || { echo "python: $PY missing (run bench/run.sh --quick once)"; continue; }; run=("$PY" bench/callgrind/loop.py) ;;
    esac
    per=()
    for _ in $(seq "$REPEAT"); do
      a=$(count "${run[@]}" 2 "$op"); b=$(count "${run[@]}" 12 "$op")
      per+=($(( (b - a) / 10 )))
    done
    median=$(printf '%s\n' "${per[@]}" | sort -n | sed -n "$(( (REPEAT + 1) / 2 ))p")
    echo "$op $who: $median instructions per call${DOCKERNET_HTTP:+ (DOCKERNET_HTTP=$DOCKERNET_HTTP)}$( [ "$REPEAT" -gt 1 ] && echo " (median of ${per[*]})")"
  done
done
