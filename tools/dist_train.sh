#!/usr/bin/env bash
# Train with torchrun: GPUS processes per node (one per GPU; on a CPU-only
# machine, processes that talk over gloo).
#   bash tools/dist_train.sh CONFIG GPUS [train.py arguments]
# Several nodes: run it on every node with NNODES, NODE_RANK (0..NNODES-1),
# MASTER_ADDR (node 0's address) and PORT set the same way on all of them.

set -x

CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

# Any arguments from the third one are captured by ${@:3}
PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
$PYTHON -m torch.distributed.run --nnodes=$NNODES --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR --nproc_per_node=$GPUS --master_port=$PORT \
    $(dirname "$0")/train.py $CONFIG --launcher pytorch ${@:3}
