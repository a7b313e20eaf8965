#!/usr/bin/env bash
# Distributed training on one or more machines with torchrun.
#   bash tools/dist_train.sh CONFIG GPUS [train.py args...]
# GPUS is the number of processes on this machine (on a CPU-only machine:
# processes, using the gloo backend). Multi-node: set NNODES, NODE_RANK,
# MASTER_ADDR and PORT on every machine, as with mmaction2's script.
#
# Faults (docs/troubleshooting.md): when a rank dies, torchrun stops the
# others with SIGTERM (SIGKILL 30 s later) and exits 1, naming the rank under
# "Root Cause"; a rank that hangs is given up after env_cfg.dist_cfg.timeout
# (600 s). A SIGTERM to torchrun reaches every rank, which saves
# preempted_iter_N.pth and exits 75; torchrun itself then exits 1. Either
# way, rerun with --resume.
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
