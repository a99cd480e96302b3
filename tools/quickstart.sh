#!/usr/bin/env bash
# Quick start: set up, make the demo data, train a non-local R18 and the
# plain R18 baseline, test both with multi-clip testing (result.json) and
# print AUROC / AUPRC side by side.
#
# The terminal shows a short story: one line per epoch (loss, validation
# AUROC), the test, the results table and the wall time. The full logs go to
# the work dirs: WORK/<config>/train.log and test.log (the tools' console
# output) and WORK/<config>/<timestamp>/<timestamp>.log (the Runner's log).
#
# Usage: bash tools/quickstart.sh
#   EPOCHS=N     epochs per training, the config's schedule shortened
#                (default 8; EPOCHS= for the configs' own schedules)
#   WORK=DIR     work dir (default work_dirs/quickstart)
#   AMP=0        train in float32 (default: --amp, bfloat16 on a CPU,
#                float16 on a GPU)
#   CONFIGS="a b"  config names of configs/nl1d/ (default: the non-local
#                R18 and the plain R18)
#   INSTALL_ARGS="..."  arguments for tools/install.sh, e.g. on a machine
#                without internet: "--wheelhouse DIR --use-system-torch"
set -euo pipefail
START=$SECONDS
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
EPOCHS=${EPOCHS-8}
WORK=${WORK:-work_dirs/quickstart}
AMP=${AMP:-1}
CONFIGS=${CONFIGS:-nl_r18_res5_8xb32_signal r18_8xb32_signal}
cd "$ROOT"
mkdir -p "$WORK"

elapsed() {  # seconds -> 1m05s
  local s=$1
  if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60));
  else printf '%ds' "$s"; fi
}

# run LOG CMD...: CMD's output to LOG; on failure, its last lines and exit
run() {
  local log=$1
  shift
  if ! "$@" > "$log" 2>&1; then
    echo "failed: $*" >&2
    echo "---- last lines of $log ----" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
}

read -r -a NAMES <<< "$CONFIGS"
STEPS=$((2 + ${#NAMES[@]} + 1))
EPOCHS_ARG=()
[ -n "$EPOCHS" ] && EPOCHS_ARG=(--epochs "$EPOCHS")
echo "nl1d quick start: ${#NAMES[@]} models on the demo task, ${EPOCHS:+$EPOCHS epochs each, }logs in $WORK/"

t=$SECONDS
echo "[1/$STEPS] install: $VENV"
# shellcheck disable=SC2086  # INSTALL_ARGS is a list of arguments
run "$WORK/install.log" env VENV="$VENV" bash "$ROOT/tools/install.sh" ${INSTALL_ARGS:-}
PY="$VENV/bin/python"
echo "      $(tail -n 1 "$WORK/install.log") ($(elapsed $((SECONDS - t))))"
AFTER_INSTALL=$SECONDS

echo "[2/$STEPS] demo data: data/demo"
if [ ! -f data/demo/test.txt ]; then
  t=$SECONDS
  run "$WORK/demo_data.log" "$PY" tools/data/demo/generate_demo.py \
    --out data/demo --seed 0
  sed 's/^/      /' "$WORK/demo_data.log"
  echo "      ($(elapsed $((SECONDS - t))))"
else
  echo "      already there ($(wc -l < data/demo/train.txt) / $(wc -l < data/demo/val.txt) / $(wc -l < data/demo/test.txt) records)"
fi

AMP_ARG=()
[ "$AMP" = 1 ] && AMP_ARG=(--amp)
RESULTS=()
step=3
for name in "${NAMES[@]}"; do
  cfg=configs/nl1d/$name.py
  dir=$WORK/$name
  mkdir -p "$dir"
  # the config + ProgressBarHook, which writes the story to stderr
  run "$dir/config.log" "$PY" tools/quickstart_config.py "$cfg" \
    "$WORK/configs/$name.py" "${EPOCHS_ARG[@]}"
  echo "[$step/$STEPS] train $cfg${AMP_ARG:+ with ${AMP_ARG[*]}}"
  "$PY" tools/train.py "$WORK/configs/$name.py" --work-dir "$dir" --seed 0 \
    "${AMP_ARG[@]}" > "$dir/train.log" \
    || { echo "training failed; the log: $dir/train.log" >&2;
         tail -n 25 "$dir/train.log" >&2; exit 1; }
  best=$(ls -t "$dir"/best_*.pth | head -n 1)
  echo "      log: $(ls -t "$dir"/*/*.log | head -n 1)"
  echo "      multi-clip test of $(basename "$best")"
  rm -rf "$dir/test"
  "$PY" tools/test.py "$WORK/configs/$name.py" "$best" \
    --work-dir "$dir/test" --dump "$dir/result.json" > "$dir/test.log" \
    || { echo "test failed; the log: $dir/test.log" >&2;
         tail -n 25 "$dir/test.log" >&2; exit 1; }
  # the test metrics, as mmengine writes them: test/<timestamp>/<timestamp>.json
  metrics=$(ls "$dir"/test/*/*.json | head -n 1)
  cp "$metrics" "$dir/metrics.json"
  RESULTS+=("$name=$dir/metrics.json")
  step=$((step + 1))
done

echo "[$STEPS/$STEPS] test set of data/demo (multi-clip, windows averaged per record):"
"$PY" tools/analysis/results_table.py "${RESULTS[@]}"
echo
echo "Full logs: $WORK/<config>/train.log, test.log (console) and <timestamp>/<timestamp>.log"
echo "(the Runner's); checkpoints, result.json and metrics.json in $WORK/<config>/."
echo "Quick start took $(elapsed $((SECONDS - START))) ($(elapsed $((SECONDS - AFTER_INSTALL))) after the install)."
