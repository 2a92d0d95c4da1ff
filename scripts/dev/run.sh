#!/usr/bin/env bash
# The main job: makes sure a Docker daemon answers and the local test image exists, builds
# dockernet in release mode, and runs the seed walkthrough (scripts/seed-walkthrough.lua).
# Extra arguments are passed to the script (its `arg` table).
# Usage: scripts/dev/run.sh [script arguments...]
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/dev/ensure-docker.sh
scripts/dev/test-image.sh
cargo build --release -p dockernet-lua

target_dir=${CARGO_TARGET_DIR:-target}
script=scripts/seed-walkthrough.lua
if [ ! -f "$script" ]; then
  echo "run: $script is missing" >&2
  exit 1
fi
exec "$target_dir/release/dockernet" "$script" "$@"
