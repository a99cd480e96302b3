#!/usr/bin/env bash
# Create (or update) a virtual environment with nl1d and its pinned stack.
#
# Usage: bash tools/install.sh            # -> .venv in the repository root
#        VENV=/path/to/venv bash tools/install.sh
#
# The order matters (see README, "Known breakages"):
#   1. torch 2.13.0 alone (CPU wheel): anything that resolves a bare `torch`
#      first pulls the newest CUDA build (GBs);
#   2. mmaction2 1.2.0 with --no-deps: its declared deps drag in decord and
#      opencv-contrib-python (which overwrites opencv-python's cv2/);
#   3. nl1d itself (editable) under requirements/constraints.txt, which pins
#      mmengine 0.10.7, mmcv-lite 2.1.0 and numpy 2.x; what mmaction2 really
#      needs at import (einops, scipy, importlib-metadata, ...) is in
#      requirements/runtime.txt.
# openmim is optional: pass --with-mim (installed with --no-deps, see
# requirements/mim.txt).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
WITH_MIM=0
for arg in "$@"; do
  case $arg in
    --with-mim) WITH_MIM=1 ;;
    *) echo "install.sh: unknown argument $arg (only --with-mim)" >&2; exit 2 ;;
  esac
done

if [ ! -x "$VENV/bin/python" ]; then
  echo "[install] creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip)

# Skip the pip calls when nothing the install depends on has changed.
STAMP="$VENV/.nl1d-install-stamp"
HASH=$(cat "$ROOT/setup.py" "$ROOT"/requirements/*.txt "$0" | sha256sum | cut -c1-16)-$WITH_MIM
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; then
  echo "[install] $VENV is up to date"
  exit 0
fi

echo "[install] torch (CPU wheel) first"
"${PIP[@]}" install -q -r "$ROOT/requirements/torch.txt"
echo "[install] mmaction2 without its declared dependencies"
"${PIP[@]}" install -q --no-deps -c "$ROOT/requirements/constraints.txt" \
  -r "$ROOT/requirements/mmaction.txt"
echo "[install] nl1d (editable) with the pinned stack and test requirements"
"${PIP[@]}" install -q -c "$ROOT/requirements/constraints.txt" \
  -e "$ROOT[tests]"
if [ "$WITH_MIM" = 1 ]; then
  echo "[install] openmim without its declared dependencies"
  "${PIP[@]}" install -q --no-deps -c "$ROOT/requirements/constraints.txt" openmim
  "${PIP[@]}" install -q -c "$ROOT/requirements/constraints.txt" \
    -r "$ROOT/requirements/mim.txt" "setuptools<82"
fi
"$VENV/bin/python" -c "import nl1d; print('[install] nl1d', nl1d.__version__, 'ready in $VENV')"
echo "$HASH" > "$STAMP"
