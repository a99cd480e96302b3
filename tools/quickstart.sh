#!/usr/bin/env bash
# Quick start: set up, make the demo data, train a non-local R18 and the
# plain R18 baseline, test both with multi-clip testing, dump result.pkl and
# print AUROC / AUPRC side by side.
#
# Usage: bash tools/quickstart.sh            (EPOCHS=N to change the length)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
EPOCHS=${EPOCHS:-8}
WORK=${WORK:-work_dirs/quickstart}

VENV=$VENV bash "$ROOT/tools/install.sh"
PY="$VENV/bin/python"
cd "$ROOT"

if [ ! -f data/demo/test.txt ]; then
  "$PY" tools/data/demo/generate_demo.py --out data/demo --seed 0
fi

RESULTS=()
for name in nl_r18_res5_8xb32_signal r18_8xb32_signal; do
  cfg=configs/nl1d/$name.py
  echo "[quickstart] training $cfg for $EPOCHS epochs"
  "$PY" tools/train.py "$cfg" --work-dir "$WORK/$name" --seed 0 \
    --cfg-options train_cfg.max_epochs="$EPOCHS" \
    "param_scheduler.0.milestones=[$((EPOCHS * 3 / 4)),$((EPOCHS * 9 / 10))]" \
    param_scheduler.0.end="$EPOCHS"
  best=$(ls -t "$WORK/$name"/best_*.pth | head -n 1)
  echo "[quickstart] multi-clip test of $best"
  "$PY" tools/test.py "$cfg" "$best" --work-dir "$WORK/$name" \
    --dump "$WORK/$name/result.pkl"
  "$PY" tools/analysis/eval_metric.py "$cfg" "$WORK/$name/result.pkl" \
    --checkpoint "$best" --out "$WORK/$name/metrics.json" > /dev/null
  RESULTS+=("$name=$WORK/$name/metrics.json")
done

echo
echo "[quickstart] test set of data/demo (multi-clip, 5 windows per record):"
"$PY" tools/analysis/results_table.py "${RESULTS[@]}"
