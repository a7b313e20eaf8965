#!/usr/bin/env bash
# Set up everything (tools/setup_env.sh --tests) and run the test suite.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k msda`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LSTA_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/setup_env.sh" --tests
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
