#!/usr/bin/env bash
# Training under slurm (one task per GPU).
#   GPUS=8 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]
# GPUS (total), GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS as in mmaction2.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
export MASTER_PORT=${MASTER_PORT:-$((12000 + RANDOM % 20000))}

# shellcheck disable=SC2086
PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$TOOLS/train.py" "$CONFIG" --launcher=slurm "${@:4}"
