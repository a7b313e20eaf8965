#!/usr/bin/env bash
# Training under slurm (one task per GPU).
#   GPUS=8 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py args]
# GPUS (total), GPUS_PER_NODE, CPUS_PER_TASK and SRUN_ARGS as in mmaction2.
#
# Preemption and time limits: slurm sends SIGTERM to every task before it
# kills a job (at preemption; at the time limit, or earlier with --signal).
# Each task then finishes its iteration, preempted_iter_N.pth is written
# atomically and every task exits with status 75, which srun passes on.
# Ask for the signal early enough for one iteration plus a checkpoint write
# and always pass --resume (with no checkpoint yet it starts afresh):
#   SRUN_ARGS="--signal=TERM@120" bash tools/slurm_train.sh P J CONFIG --resume
# In an sbatch script, requeue on 75 (PreemptMode=REQUEUE requeues itself):
#   #SBATCH --requeue --signal=TERM@120
#   srun ... python -u tools/train.py CONFIG --launcher=slurm --resume
#   if [ $? -eq 75 ]; then scontrol requeue "$SLURM_JOB_ID"; fi
# --kill-on-bad-exit=1 ends the whole step when one task fails (a dead
# rank); the collective timeout (env_cfg.dist_cfg.timeout, 600 s) ends it
# when one hangs. See docs/troubleshooting.md.
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
