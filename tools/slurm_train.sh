#!/usr/bin/env bash
# Train on a SLURM cluster: one task per GPU, GPUS tasks in all.
#   GPUS=16 GPUS_PER_NODE=8 bash tools/slurm_train.sh PARTITION JOB_NAME \
#       CONFIG [train.py arguments]
# CPU-only partitions: GPUS_PER_NODE=0 and set TASKS_PER_NODE (gloo is used).

export MASTER_PORT=${MASTER_PORT:-$((12000 + $RANDOM % 20000))}
set -x

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
TASKS_PER_NODE=${TASKS_PER_NODE:-$GPUS_PER_NODE}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}
PY_ARGS=${@:4}  # Any arguments from the fourth one are captured by this

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
srun -p ${PARTITION} \
    --job-name=${JOB_NAME} \
    --gres=gpu:${GPUS_PER_NODE} \
    --ntasks=${GPUS} \
    --ntasks-per-node=${TASKS_PER_NODE} \
    --cpus-per-task=${CPUS_PER_TASK} \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    $PYTHON -u $(dirname "$0")/train.py ${CONFIG} --launcher="slurm" ${PY_ARGS}
