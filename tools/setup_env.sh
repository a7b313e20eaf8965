#!/usr/bin/env bash
# Set up lsta_mm on a fresh machine: a virtual environment in .venv (or the
# one named by LSTA_VENV), torch first (the local CPU wheel 2.13.0 when no
# torch is present), then requirements and `pip install -e .`.
# Idempotent: it re-installs only when requirements or setup.py change.
# --tests adds pytest and the `deploy` extra (onnx, onnxruntime), which the
# deployment tests exercise.
# Usage: bash tools/setup_env.sh [--tests]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LSTA_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_VERSION="${LSTA_TORCH_VERSION:-2.13.0}"
WITH_TESTS=0
[[ "${1:-}" == "--tests" ]] && WITH_TESTS=1

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "[setup] creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
STAMP="$VENV/.lsta_mm_setup"
WANT="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-tests.txt" \
        "$ROOT/requirements-deploy.txt" "$ROOT/setup.py" \
        | sha256sum | cut -c1-16)-$WITH_TESTS"
if [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$WANT" || \
      ( "$WITH_TESTS" == 0 && "$(cat "$STAMP")" == "${WANT%-0}-1" ) ]]; then
    echo "[setup] $VENV is up to date"
    exit 0
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$PY" -m pip install -q --upgrade pip 'setuptools<81' wheel
if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "[setup] installing torch==$TORCH_VERSION"
    "$PY" -m pip install -q "torch==$TORCH_VERSION"
fi
echo "[setup] installing requirements"
"$PY" -m pip install -q -r "$ROOT/requirements.txt"
if [[ "$WITH_TESTS" == 1 ]]; then
    "$PY" -m pip install -q -r "$ROOT/requirements-tests.txt" \
        -r "$ROOT/requirements-deploy.txt"
fi
"$PY" -m pip install -q --no-build-isolation --no-deps -e "$ROOT"
"$PY" -c 'import lsta_mm, mmaction.models; print("[setup] lsta_mm", lsta_mm.__version__, "ready")'
echo "$WANT" > "$STAMP"
