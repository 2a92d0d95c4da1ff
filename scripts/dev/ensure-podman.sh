#!/usr/bin/env bash
# Makes sure Debian's podman is installed, for the tests against Podman's Docker-compatible API
# (tests/src/podman.rs starts a private `podman system service` in a network namespace of its own,
# with private storage; nothing of the machine's Docker is touched). Does nothing when podman is
# there; otherwise installs Debian's podman (which brings conmon, netavark, aardvark-dns).
# Usage: scripts/dev/ensure-podman.sh
set -euo pipefail

say() { echo "ensure-podman: $*" >&2; }

if command -v podman >/dev/null 2>&1; then
  exit 0
fi

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

say "installing Debian's podman"
# Installing must not start a system service (Debian's openssh-server would start sshd on port
# 22): without a policy-rc.d already in place, one that forbids starts is put there for the
# install and removed after it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
fi
# The lock timeout: another test binary may be installing at the same moment.
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq podman >/dev/null
command -v podman >/dev/null 2>&1 || { say "podman installed but not on PATH"; exit 1; }
