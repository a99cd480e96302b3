#!/usr/bin/env bash
# Check nl1d on a CUDA machine in one command, offline, in under 8 minutes:
# the environment, the CUDA tests (pytest -m cuda), a short --amp training and
# test of the quick-start config on the demo data, a 2-process NCCL training
# (2+ GPUs), and the non-local benchmark on the GPU with and without --amp.
# One report: OUT/report.json and OUT/report.md (+ OUT/logs/<step>.log); a
# failing step does not stop the others. See docs/gpu_and_offline_install.md.
#
# Usage: bash tools/gpu_check.sh [--wheelhouse DIR] [--out DIR] [--budget SECONDS]
#                                [--bench-lengths "1024 8192 32768"]
#   --wheelhouse DIR  if nl1d does not import, first install it offline from
#                     DIR on top of the system's torch (tools/install.sh
#                     --wheelhouse DIR --use-system-torch, into $VENV)
#   --out DIR         the report's folder (default work_dirs/gpu_check)
#   --budget S        seconds for everything, install included (default 480)
#   --bench-lengths L the benchmark's signal lengths (default "1024 8192 32768")
#   VENV=...          the venv to check, or to create with --wheelhouse
#                     (default .venv)
#   PYTHON=...        the Python to check when VENV is not given (default:
#                     .venv's if it exists, else python3); with --wheelhouse,
#                     the Python with torch that the venv is made on top of
# Exit codes: 0 every step that ran passed; 1 a step failed or timed out;
# 2 usage; 3 no CUDA device (the environment is printed, nothing is checked).
set -uo pipefail
START=$(date +%s)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/work_dirs/gpu_check
BUDGET=480
WHEELHOUSE=
LENGTHS=()
usage() {
  echo "usage: bash tools/gpu_check.sh [--wheelhouse DIR] [--out DIR]" \
    "[--budget SECONDS] [--bench-lengths \"L1 L2 ...\"]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --wheelhouse) [ $# -ge 2 ] || usage; WHEELHOUSE=$2; shift ;;
    --wheelhouse=*) WHEELHOUSE=${1#*=} ;;
    --out) [ $# -ge 2 ] || usage; OUT=$2; shift ;;
    --out=*) OUT=${1#*=} ;;
    --budget) [ $# -ge 2 ] || usage; BUDGET=$2; shift ;;
    --budget=*) BUDGET=${1#*=} ;;
    --bench-lengths) [ $# -ge 2 ] || usage; read -r -a LENGTHS <<< "$2"; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument $1" >&2; usage ;;
  esac
  shift
done
mkdir -p "$OUT/logs" || exit 2
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/logs/*.log  # an earlier run's
[ -z "$WHEELHOUSE" ] || WHEELHOUSE=$(cd "$WHEELHOUSE" 2>/dev/null && pwd) \
  || { echo "gpu_check.sh: no wheelhouse at $WHEELHOUSE" >&2; exit 2; }
# The Python to check: $VENV's when VENV is given or PYTHON is not, and it
# exists; else $PYTHON (default python3).
VENV_GIVEN=${VENV:+1}
VENV=${VENV:-$ROOT/.venv}
if [ -x "$VENV/bin/python" ] && { [ -n "$VENV_GIVEN" ] || [ -z "${PYTHON:-}" ]; }; then
  PY=$VENV/bin/python
else
  PY=${PYTHON:-python3}
fi
command -v "$PY" > /dev/null || { echo "gpu_check.sh: no python at $PY" >&2; exit 2; }
cd "$ROOT"

INSTALL_ARGS=()
if [ -n "$WHEELHOUSE" ] && ! "$PY" -c 'import nl1d' > /dev/null 2>&1; then
  echo "[gpu_check] nl1d does not import with $PY: installing it from" \
    "$WHEELHOUSE into $VENV on top of the system's torch"
  t=$(date +%s)
  LOG=$OUT/logs/install.log
  # PYTHON: the Python with torch that the venv is layered on.
  BASE=$PY
  [ "$PY" = "$VENV/bin/python" ] && BASE=${PYTHON:-python3}
  PYTHON=$BASE VENV=$VENV bash "$ROOT/tools/install.sh" \
    --wheelhouse "$WHEELHOUSE" --use-system-torch 2>&1 | tee "$LOG"
  rc=${PIPESTATUS[0]}
  INSTALL_ARGS=(--install-log "$LOG" --install-rc "$rc"
                --install-seconds "$(( $(date +%s) - t ))"
                --wheelhouse "$WHEELHOUSE")
  [ -x "$VENV/bin/python" ] && PY=$VENV/bin/python
fi

[ ${#LENGTHS[@]} = 0 ] || INSTALL_ARGS+=(--bench-lengths "${LENGTHS[@]}")
exec "$PY" "$ROOT/tools/gpu_check.py" --out "$OUT" --start "$START" \
  --budget "$BUDGET" ${INSTALL_ARGS[@]+"${INSTALL_ARGS[@]}"}
