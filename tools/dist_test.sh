#!/usr/bin/env bash
# Test with torchrun: GPUS processes per node; predictions of all processes
# are gathered so that each record counts exactly once.
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py arguments]
# Several nodes: NNODES, NODE_RANK, MASTER_ADDR and PORT as for dist_train.sh.

set -x

CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

# Arguments starting from the fourth one are captured by ${@:4}
PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
$PYTHON -m torch.distributed.run --nnodes=$NNODES --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR --nproc_per_node=$GPUS --master_port=$PORT \
    $(dirname "$0")/test.py $CONFIG $CHECKPOINT --launcher pytorch ${@:4}
