#!/usr/bin/env bash
# Makes sure OpenSSH's server and client are installed, for the tests of ssh:// hosts
# (tests/src/sshd.rs, tests/python/test_ssh.py start a private sshd on 127.0.0.1; no system sshd
# is started or configured). Does nothing when /usr/sbin/sshd, ssh and ssh-keygen are there;
# otherwise installs Debian's openssh-server and openssh-client.
# Usage: scripts/dev/ensure-sshd.sh
set -euo pipefail

say() { echo "ensure-sshd: $*" >&2; }

if [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; then
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

say "installing Debian's openssh-server and openssh-client"
# Installing must not start a system service (Debian's openssh-server would start sshd on port
# 22): without a policy-rc.d already in place, one that forbids starts is put there for the
# install and removed after it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
fi
# The lock timeout: another test binary may be installing at the same moment.
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  openssh-server openssh-client >/dev/null
[ -x /usr/sbin/sshd ] || { say "openssh-server installed but /usr/sbin/sshd is missing"; exit 1; }
