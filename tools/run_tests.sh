#!/usr/bin/env bash
# Set up everything (tools/setup_env.sh --tests) and run the test suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k msda`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LSTA_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/setup_env.sh" --tests
# The deployment tests need the `deploy` extra (onnx, onnxruntime): install
# it when it is missing, so they run here rather than skip.
if ! "$VENV/bin/python" -c 'import onnx, onnxruntime' 2>/dev/null; then
    echo "[setup] installing requirements-deploy.txt"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q \
        -r "$ROOT/requirements-deploy.txt"
fi
cd "$ROOT"
set +e
"$VENV/bin/python" -m pytest -q "$@" tests
status=$?
set -e
# pytest exits 5 when it collected no test: that is a failure here too.
if [[ $status -eq 5 ]]; then
    echo "no tests were collected" >&2
    exit 1
fi
exit $status
