#!/usr/bin/env bash
# One prepared GPU session for lsta_mm, in time-boxed phases (each phase's
# log and results land in OUT; a phase that runs out of time is cut and the
# next one starts):
#   0. environment: GPU, torch, `import lsta_mm, mmaction.models` (stops here
#      on failure);
#   1. learning benchmark runs on the GPU, several runs sharing it
#      (tools/analysis/learning_benchmark.py; two schedulers, one per budget);
#   2. the training paths of our configs on CUDA: tools/train.py eager,
#      with --amp, with compile=True (mmengine's torch.compile), then
#      tools/test.py on the eager checkpoint;
#   3. GPU throughput, one model per fresh process
#      (tools/analysis/benchmark.py --device cuda: fp32, AMP, AMP + compile).
# Usage:
#   OUT=work_dirs/gpu_check bash tools/analysis/gpu_check.sh
# On a machine whose python has torch but not the OpenMMLab packages (the
# lent H200 of 2026-12-04), copy the pure-Python packages of this venv
# (mmengine, mmcv, mmaction, addict, yapf, yapf_third_party, termcolor,
# importlib_metadata, lazy_importer, platformdirs, with their dist-info)
# into an ignored folder, e.g. .devsite, carry it, and
# `export PYTHONPATH=$PWD:$PWD/.devsite` before this script. On 2026-12-04,
# 14 learning runs sharing the H200 took 0.19-0.23 s per iteration each
# (an 8-epoch run: 2 minutes), so phase 1 finished only 8-epoch runs.
# Environment: PYTHON (default python3), LEARN_SECONDS (phase 1, default
# 280), DEVICE (cuda; cpu to rehearse), SMOKE_SECONDS (phase 2, 90),
# BENCH_SECONDS (phase 3, 140),
# WORK (run folders, default OUT/work), LEARN_E24 / LEARN_E8 (models per budget), LEARN_SEEDS, LEARN_ANN (the
# hard benchmark pkl; generated when absent).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${OUT:-work_dirs/gpu_check}"
PY="${PYTHON:-python3}"
DEVICE="${DEVICE:-cuda}"  # DEVICE=cpu rehearses the script on a CPU machine
LEARN_SECONDS="${LEARN_SECONDS:-280}"
SMOKE_SECONDS="${SMOKE_SECONDS:-90}"
BENCH_SECONDS="${BENCH_SECONDS:-140}"
LEARN_E24="${LEARN_E24:-lsta lsta_lr4x stgcnpp stgcn lsta_fragment_act lsta_fragment_act_lr4x}"
LEARN_E8="${LEARN_E8:-lsta lsta_lr4x stgcn stgcnpp lsta_fragment_act lsta_fragment_act_lr4x lsta_bone stgcn_bone stgcnpp_bone}"
LEARN_SEEDS="${LEARN_SEEDS:-0 1 2}"
LEARN_ANN="${LEARN_ANN:-data/benchmark/ntu_hard_3d.pkl}"
WORK="${WORK:-$OUT/work}"  # run folders (checkpoints stay out of the archive)
mkdir -p "$OUT" "$WORK"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
START=$(date +%s)
say() { echo "[gpu_check +$(($(date +%s) - START))s] $*"; }

# 0. Environment ------------------------------------------------------------
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
DEVICE="$DEVICE" "$PY" - <<'EOF' || { say "environment check failed"; exit 3; }
import torch
import lsta_mm
import mmaction.models  # noqa: F401
import os
if os.environ['DEVICE'] == 'cuda':
    assert torch.cuda.is_available(), 'torch sees no CUDA device'
    print('cuda', torch.version.cuda, torch.cuda.get_device_name(0))
print('torch', torch.__version__, 'lsta_mm', lsta_mm.__version__)
EOF
nproc

# 1. Learning benchmark on the GPU ------------------------------------------
if [[ ! -f "$LEARN_ANN" ]]; then
    "$PY" tools/data/gen_synthetic_ntu.py --preset hard --out "$LEARN_ANN"
fi
say "phase 1: learning runs for ${LEARN_SECONDS}s"
# shellcheck disable=SC2086
"$PY" tools/analysis/learning_benchmark.py --ann-file "$LEARN_ANN" \
    --models $LEARN_E24 --epochs 24 --seeds $LEARN_SEEDS --threads 1 \
    --jobs 9 --work-dir "$WORK/learn_e24" > "$OUT/learn_e24.log" 2>&1 &
E24=$!
# shellcheck disable=SC2086
"$PY" tools/analysis/learning_benchmark.py --ann-file "$LEARN_ANN" \
    --models $LEARN_E8 --epochs 8 --seeds $LEARN_SEEDS --threads 1 \
    --jobs 5 --work-dir "$WORK/learn_e8" > "$OUT/learn_e8.log" 2>&1 &
E8=$!
DEADLINE=$(($(date +%s) + LEARN_SECONDS))
while (kill -0 $E24 || kill -0 $E8) 2>/dev/null; do
    [[ $(date +%s) -ge $DEADLINE ]] && break
    sleep 5
done
# A terminated scheduler stops its training processes (they can resume);
# whatever still runs 30 s later is killed.
kill -TERM $E24 $E8 2>/dev/null
for _ in $(seq 30); do
    (kill -0 $E24 || kill -0 $E8) 2>/dev/null || break
    sleep 1
done
kill -KILL $E24 $E8 2>/dev/null
pkill -KILL -f tools/train.py 2>/dev/null
wait 2>/dev/null
grep -h "done\|FAILED" "$OUT"/learn_e*.log | tail -80
nvidia-smi --query-gpu=memory.used --format=csv

# 2. Training paths on CUDA -------------------------------------------------
say "phase 2: tools/train.py eager / --amp / compile=True"
DEMO=data/demo/ntu_demo_3d.pkl
[[ -f "$DEMO" ]] || "$PY" tools/data/gen_synthetic_ntu.py --out "$DEMO" \
    > /dev/null
smoke() {  # smoke NAME SECONDS [train.py args]
    local name=$1 seconds=$2
    shift 2
    local begin
    begin=$(date +%s)
    timeout -k 5 "$seconds" "$PY" tools/train.py configs/lsta_demo_joint.py \
        --work-dir "$WORK/smoke_$name" "$@" > "$OUT/smoke_$name.log" 2>&1
    local rc=$?
    say "smoke $name: rc $rc in $(($(date +%s) - begin))s; $(grep -o \
        'acc/top1: [0-9.]*' "$OUT/smoke_$name.log" | tail -1)"
}
smoke eager $((SMOKE_SECONDS / 4)) --cfg-options train_cfg.max_epochs=2
smoke amp $((SMOKE_SECONDS / 4)) --amp --cfg-options train_cfg.max_epochs=2
smoke compile $((SMOKE_SECONDS / 2)) \
    --cfg-options train_cfg.max_epochs=2 compile=True
CKPT="$WORK/smoke_eager/epoch_2.pth"
if [[ -f "$CKPT" ]]; then
    timeout -k 5 30 "$PY" tools/test.py configs/lsta_demo_joint.py "$CKPT" \
        --work-dir "$WORK/smoke_eager" > "$OUT/smoke_test.log" 2>&1
    say "tools/test.py: rc $? $(grep -o 'acc/top1: [0-9.]*' \
        "$OUT/smoke_test.log" | tail -1)"
fi

# 3. Throughput, one model per fresh process --------------------------------
say "phase 3: throughput"
BENCH_END=$(($(date +%s) + BENCH_SECONDS))
bench() {  # bench TAG MODEL [benchmark.py args]
    local tag=$1 model=$2
    shift 2
    local left=$((BENCH_END - $(date +%s)))
    [[ $left -lt 10 ]] && { say "bench $tag $model: no time left"; return; }
    timeout -k 5 "$left" "$PY" tools/analysis/benchmark.py --device "$DEVICE" \
        --models "$model" --T 300 --batch 32 --warmup 5 --repeats 15 \
        --json "$WORK/bench_${tag}_$model.json" "$@" \
        > "$WORK/bench_${tag}_$model.log" 2>&1
    say "bench $tag $model: rc $? $(grep -m1 '^| [A-Z].*| [0-9]' \
        "$WORK/bench_${tag}_$model.log")"
}
for model in lsta stgcn stgcnpp; do bench fp32 $model; done
for model in lsta stgcn stgcnpp; do bench amp $model --amp; done
for model in lsta stgcn; do bench amp_compile $model --amp --compile; done

# Results: one archive without checkpoints --------------------------------
tar -czf "$OUT/gpu_check.tar.gz" --exclude='*.pth' --exclude='last_checkpoint' \
    -C "$WORK" .
say "done: $OUT/gpu_check.tar.gz ($(du -h "$OUT/gpu_check.tar.gz" | cut -f1))"
