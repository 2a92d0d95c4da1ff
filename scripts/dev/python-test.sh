#!/usr/bin/env bash
# The Python suite of dockernet, against a real Docker daemon (scripts/dev/test.sh runs it as a step):
#   1. creates (or reuses) the virtualenv .venv and installs the test tools from PyPI: maturin, pytest,
#      nbclient, ipykernel, nbformat, mypy (for stubtest) and docker (docker-py, for the naming-parity test);
#   2. builds and installs the package the way a user does, `pip install ./python-bindings`, with the cargo
#      target kept apart in target-maturin/ (so the release/abi3 build never invalidates target/);
#   3. checks the .pyi stubs against the built module: `python -m mypy.stubtest dockernet`
#      (with tests/python/stubtest-allowlist.txt when that file exists; each entry says why);
#   4. runs the pytest suite tests/python (all but the notebook), then the notebook test
#      (scripts/notebooks/walkthrough.ipynb in a real kernel). Pytest's exit code 5, "no tests ran",
#      is a failure.
# Needs python3 (>= 3.9) with venv, cargo, a running daemon and the test image (scripts/dev/test.sh
# makes sure of those two). Exits non-zero when anything failed.
# Usage: scripts/dev/python-test.sh [pytest arguments...]
#   With arguments, steps 1-3 run and then only `pytest ARGS` (e.g. `-k threads tests/python/test_threads.py`).
#   PYTHON_TEST_SKIP_BUILD=1 reuses the installed build (for iterating on tests only).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=${DOCKERNET_VENV:-.venv}
export CARGO_TARGET_DIR=${DOCKERNET_MATURIN_TARGET:-$PWD/target-maturin}

say() { echo "python-test: $*" >&2; }

# runs pytest and turns exit code 5 (nothing collected / no test ran) into a failure.
run_pytest() {
  local rc=0
  "$VENV/bin/python" -m pytest "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then
    say "pytest ran no test ($*): that is a failure"
    return 1
  fi
  return "$rc"
}

# 1. The virtualenv and the tools.
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  python3 -m venv "$VENV" || { say "python3 -m venv failed (on Debian: apt-get install python3-venv)"; exit 1; }
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  maturin pytest nbclient ipykernel nbformat mypy docker

# 2. Build and install, as a user would.
if [ "${PYTHON_TEST_SKIP_BUILD:-0}" != 1 ]; then
  say "pip install ./python-bindings (cargo target: $CARGO_TARGET_DIR)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --force-reinstall --no-deps ./python-bindings
fi
PY=$VENV/bin/python
"$PY" -c 'import dockernet, dockernet._native, dockernet.aio; print("python-test: imported", dockernet.__file__)' \
  || { say "the installed package does not import"; exit 1; }

# 3. The stubs against the built module.
allowlist=()
if [ -f tests/python/stubtest-allowlist.txt ]; then
  allowlist=(--allowlist tests/python/stubtest-allowlist.txt)
fi
say "python -m mypy.stubtest dockernet ${allowlist[*]}"
failed=()
"$PY" -m mypy.stubtest dockernet "${allowlist[@]}" || failed+=("stubtest")

# 4. The suite, then the notebook (each runs even when an earlier step failed).
if [ "$#" -gt 0 ]; then
  run_pytest "$@" || failed+=("pytest $*")
else
  run_pytest tests/python -q -r fEs --ignore=tests/python/test_notebook.py || failed+=("pytest tests/python")
  run_pytest tests/python/test_notebook.py -q -r fEs || failed+=("notebook test")
fi
if [ "${#failed[@]}" -gt 0 ]; then
  say "FAILED: ${failed[*]}"
  exit 1
fi
say "all passed"
