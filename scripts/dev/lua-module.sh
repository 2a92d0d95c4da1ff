#!/usr/bin/env bash
# `require "dockernet"` from a stock Lua 5.4: builds lua-module/ (the dockernet-lua bindings as
# dockernet.so) with its own target directory, target-luamodule/ (it cannot share a build with the
# workspace: see lua-module/Cargo.toml).
#
#   scripts/dev/lua-module.sh install [DIR]   release build, copied to DIR/dockernet.so
#                                             (default /usr/local/lib/lua/5.4, on lua5.4's package.cpath)
#   scripts/dev/lua-module.sh build [--release]   build only; prints the directory to put in LUA_CPATH
#   scripts/dev/lua-module.sh ensure-lua      installs Debian's lua5.4 when it is missing (tests need it)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET_DIR=${DOCKERNET_LUAMODULE_TARGET:-$ROOT/target-luamodule}

ensure_lua() {
  if command -v lua5.4 >/dev/null 2>&1; then
    return 0
  fi
  echo "lua-module: installing Debian's lua5.4" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lua5.4 >/dev/null
  command -v lua5.4 >/dev/null
}

# build PROFILE: builds and leaves DIR/dockernet.so, prints DIR.
build() {
  local profile=$1 flag=() dir
  [ "$profile" = release ] && flag=(--release)
  # The workspace's lock file pins the same versions as the `dockernet` program's build (cargo
  # drops what the module does not use); lua-module/Cargo.lock is a copy, not tracked.
  cp -f Cargo.lock lua-module/Cargo.lock
  cargo build --manifest-path lua-module/Cargo.toml --target-dir "$TARGET_DIR" "${flag[@]}" >&2
  dir=$TARGET_DIR/$profile
  # Lua looks for NAME.so; cargo names a cdylib libNAME.so.
  cp -f "$dir/libdockernet.so" "$dir/dockernet.so"
  echo "$dir"
}

case "${1:-install}" in
  ensure-lua)
    ensure_lua
    ;;
  build)
    if [ "${2:-}" = --release ]; then build release; else build debug; fi
    ;;
  install)
    dest=${2:-/usr/local/lib/lua/5.4}
    dir=$(build release)
    mkdir -p "$dest"
    install -m 0755 "$dir/dockernet.so" "$dest/dockernet.so"
    echo "installed $dest/dockernet.so: lua5.4 -e 'print(#require(\"dockernet\").network.ls())'"
    ;;
  *)
    sed -n '2,9p' "$0" >&2
    exit 2
    ;;
esac
