#!/usr/bin/env bash
# Sweeps what the private-daemon test harness (tests/src/daemons.rs) left after a test run that was
# killed before it could clean up: dockerd/containerd/shim processes started from a private daemon's
# folder, mounts below it, the network namespaces and the folders. Everything it touches is named
# with the harness's prefix "dnt" (/tmp/dnt*, /run/netns/dnt*); the machine's own daemon is never
# touched.
# Usage: scripts/dev/private-daemons.sh clean
set -euo pipefail

case "${1:-}" in
  clean) ;;
  *) echo "usage: $0 clean" >&2; exit 2 ;;
esac

tmp=${TMPDIR:-/tmp}
shopt -s nullglob
for dir in "$tmp"/dnt[0-9]*; do
  [ -d "$dir" ] || continue
  # dockerd first (by its pidfile), then whatever still names the folder (containerd, shims).
  for pidfile in "$dir"/*/run/docker.pid; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in $(pgrep -f "$dir/" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  sleep 0.5
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$dir"
  echo "private-daemons: removed $dir"
done
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^dnt[0-9]' || true); do
  ip netns del "$ns" && echo "private-daemons: removed namespace $ns"
done
