#!/usr/bin/env bash
# Builds dockernet's tiny local test image, `dockernet-testbox:latest`, without any registry:
# a root filesystem holding Debian's statically linked busybox (sh, ping, ip, ifconfig, nc, sleep…),
# imported with `docker import`. Idempotent: does nothing when the image already exists.
# Usage: scripts/dev/test-image.sh [--force]
set -euo pipefail
IMAGE=${DOCKERNET_TEST_IMAGE:-dockernet-testbox:latest}
if [ "${1:-}" != "--force" ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi
# Debian's busybox-static installs /bin/busybox, linked statically so the image needs no libc.
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  echo "test-image: installing Debian's busybox-static" >&2
  (apt-get update -qq || true) >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
fi
BUSYBOX=/bin/busybox
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,var/run}
cp "$BUSYBOX" "$root/bin/busybox"
# One symlink per applet, the way `busybox --install -s` lays them out.
for applet in $("$BUSYBOX" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
tar -C "$root" -c . | docker import \
  --change 'CMD ["/bin/sleep", "infinity"]' \
  --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
  --message "dockernet test image: busybox-static" - "$IMAGE" >/dev/null
echo "test-image: built $IMAGE" >&2
