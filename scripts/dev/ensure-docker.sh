#!/usr/bin/env bash
# Makes sure a Docker daemon answers `docker info`. Does nothing when one already does. Otherwise,
# on a fresh Debian machine: installs Debian's `docker.io` when dockerd is missing, starts `dockerd`
# in the background (log: $DOCKERD_LOG, default /tmp/dockerd.log) and waits up to
# $DOCKERD_WAIT seconds (default 60) for it to answer.
# Usage: scripts/dev/ensure-docker.sh
set -euo pipefail

LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
WAIT=${DOCKERD_WAIT:-60}

say() { echo "ensure-docker: $*" >&2; }

# Root runs commands directly; anyone else goes through sudo (non-interactively).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    say "need root to run: $* (and sudo is not available)"
    return 1
  fi
}

answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if answers; then
  exit 0
fi

# A remote or non-default daemon cannot be started from here.
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  say "DOCKER_HOST=$DOCKER_HOST does not answer; start that daemon, or unset DOCKER_HOST to use a local one"
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  say "installing Debian's docker.io"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

# A daemon may be running while this user cannot use its socket: starting another will not help.
if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null 2>&1; then
  if docker info 2>&1 | grep -qi 'permission denied'; then
    say "dockerd is running but $(id -un) may not use /var/run/docker.sock: add the user to the docker group (then log in again), or run as root"
    exit 1
  fi
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    say "starting docker.service"
    as_root systemctl start docker || true
  fi
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd in the background (log: $LOG)"
  as_root sh -c "nohup dockerd >>'$LOG' 2>&1 </dev/null &"
fi

for ((i = 0; i < WAIT; i++)); do
  if answers; then
    say "the daemon answers (after ${i}s)"
    exit 0
  fi
  sleep 1
done

say "no Docker daemon answered within ${WAIT}s; the end of $LOG:"
tail -n 30 "$LOG" >&2 2>/dev/null || true
exit 1
