#!/usr/bin/env bash
# THE test command (README, CI): every test of dockernet, against a real Docker daemon.
#   1. make sure a daemon answers (scripts/dev/ensure-docker.sh) and the local test image exists
#      (scripts/dev/test-image.sh; never pulled);
#   2. build every binary (the tests drive target/debug/dockernet);
#   3. run the Rust tests of the whole workspace: unit tests beside the code, the integration tests
#      in tests/ (real daemon), and the Lua / CLI / REPL tests;
#   4. the Python suite: the package built into .venv, stubtest, pytest, the notebook (python-test.sh);
#   5. one smoke run of the benchmark harness, `bench/run.sh --quick` (proves the harness works:
#      builds, fixtures, every contender, tables, JSON, clean-up; its numbers are never asserted).
# Prints a summary and exits non-zero when anything failed. Extra arguments go to `cargo test`
# (e.g. `scripts/dev/test.sh -p dockernet-tests -- ping`); with them, --workspace is not added.
# Usage: scripts/dev/test.sh [cargo test arguments...]
set -uo pipefail
cd "$(dirname "$0")/../.."

declare -a SUMMARY=()
FAILED=0

# step NAME COMMAND...: runs one step, records PASS/FAIL and its duration.
step() {
  local name=$1
  shift
  echo
  echo "==> $name: $*"
  local start=$SECONDS
  if "$@"; then
    SUMMARY+=("PASS  $name ($((SECONDS - start))s)")
    return 0
  else
    local rc=$?
    SUMMARY+=("FAIL  $name (exit $rc, $((SECONDS - start))s)")
    FAILED=1
    return $rc
  fi
}

skip() {
  SUMMARY+=("SKIP  $1 (a prerequisite failed)")
}

summary() {
  echo
  echo "==================== dockernet test summary ===================="
  printf '  %s\n' "${SUMMARY[@]}"
  if [ "$FAILED" -eq 0 ]; then
    echo "  ALL PASSED"
  else
    echo "  FAILED"
  fi
  echo "================================================================"
}

# Prerequisites: without a daemon, the image and the binaries, no test can run.
ready=1
for prereq in "docker daemon|scripts/dev/ensure-docker.sh" \
              "test image|scripts/dev/test-image.sh" \
              "stock lua5.4 (tests/tests/lua_module.rs)|scripts/dev/lua-module.sh ensure-lua" \
              "build|cargo build --workspace --bins"; do
  name=${prereq%%|*}
  if [ "$ready" -eq 1 ]; then
    # shellcheck disable=SC2086 # the command is word-split on purpose
    step "$name" ${prereq#*|} || ready=0
  else
    skip "$name"
  fi
done

if [ "$ready" -eq 1 ]; then
  if [ "$#" -gt 0 ]; then
    step "Rust tests (cargo test $*)" cargo test "$@"
  else
    step "Rust tests (cargo test --workspace --no-fail-fast)" cargo test --workspace --no-fail-fast
  fi

  # ---- Python suite: add it here -------------------------------------------------------------
  # Builds python-bindings/ into .venv (pip install ./python-bindings, cargo target target-maturin/),
  # checks the stubs (stubtest) and runs tests/python and the notebook test. Only in the full run:
  # with cargo arguments (a subset of the Rust tests) it is left out; run scripts/dev/python-test.sh.
  if [ "$#" -eq 0 ]; then
    step "Python tests (scripts/dev/python-test.sh)" scripts/dev/python-test.sh
  else
    SUMMARY+=("SKIP  Python tests (cargo test arguments given; run scripts/dev/python-test.sh)")
  fi

  # The benchmark harness, once, in its quick mode: it must run end to end (release build, venv
  # with docker-py, every scenario, JSON written, everything it made removed). Timing is reported,
  # never asserted. After the tests, so it measures a daemon no test is using.
  if [ "$#" -eq 0 ]; then
    step "benchmark harness (bench/run.sh --quick)" bench/run.sh --quick
  else
    SUMMARY+=("SKIP  benchmark harness (cargo test arguments given; run bench/run.sh --quick)")
  fi
  # ---------------------------------------------------------------------------------------------

else
  skip "Rust tests"
fi

# Every test removes what it made (the harness's Guard); anything still labelled dockernet.test is
# reported. Only a warning: another run sharing this daemon may be in the middle of its tests.
if [ "$ready" -eq 1 ]; then
  leftovers=$( (docker network ls -q --filter label=dockernet.test; docker ps -aq --filter label=dockernet.test) 2>/dev/null)
  if [ -n "$leftovers" ]; then
    SUMMARY+=("WARN  objects labelled dockernet.test are on the daemon (leaked, or another run's):")
    while read -r line; do SUMMARY+=("        $line"); done < <(docker network ls --filter label=dockernet.test --format 'network {{.Name}}'; docker ps -a --filter label=dockernet.test --format 'container {{.Names}}')
  fi
fi

summary
exit "$FAILED"
