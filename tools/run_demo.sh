#!/usr/bin/env bash
# Set up everything (tools/setup_env.sh) and run the main job end to end on
# the embedded default: generate a small synthetic skeleton dataset in the
# NTU-60 pkl format, train LSTA-Net on it on the CPU, then evaluate the
# best checkpoint with mmaction2's metrics. A few minutes on 2 cores.
# Extra arguments go to tools/train.py (e.g. --cfg-options ...).
# CONFIG=configs/lsta_demo_3s.py runs the paper's three streams as one
# model instead (fused and per-stream accuracy).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LSTA_VENV:-$ROOT/.venv}"
CONFIG="${CONFIG:-configs/lsta_demo_joint.py}"
DATA="data/demo/ntu_demo_3d.pkl"
WORK_DIR="${WORK_DIR:-work_dirs/$(basename "$CONFIG" .py)}"

bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
PY="$VENV/bin/python"
if [[ ! -f "$DATA" ]]; then
    "$PY" tools/data/gen_synthetic_ntu.py --out "$DATA"
fi
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
BEST="$(ls -t "$WORK_DIR"/best_*.pth 2>/dev/null | head -n 1 || true)"
if [[ -z "$BEST" ]]; then
    BEST="$WORK_DIR/$(basename "$(cat "$WORK_DIR/last_checkpoint")")"
fi
echo "[demo] evaluating $BEST"
"$PY" tools/test.py "$CONFIG" "$BEST" --work-dir "$WORK_DIR" \
    --dump "$WORK_DIR/test_scores.pkl"
