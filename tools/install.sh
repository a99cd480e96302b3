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
#
# GPU and air-gapped machines (docs/gpu_and_offline_install.md):
#   --use-system-torch  keep the torch that $PYTHON (default python3) imports
#                       (a CUDA build, from conda or pip): step 1 is skipped,
#                       torch is checked against the supported range and
#                       pinned to the version found, and $VENV is created with
#                       --system-site-packages on top of that Python (layered
#                       with a .pth file when $PYTHON is itself a venv), so
#                       torch is used, never reinstalled.
#   --no-venv           install into $PYTHON's own environment (a conda env, a
#                       container's Python, a venv you made) instead of $VENV.
#   --wheelhouse DIR    install with `pip --no-index --find-links DIR` only:
#                       nothing is fetched. Fill DIR on a connected machine
#                       with tools/make_wheelhouse.sh. nl1d + its runtime
#                       stack + pytest; the test-only extras (TensorBoard,
#                       ONNX) with --with-optional.
#   --with-optional     with --wheelhouse: also TensorBoard, onnx, onnxscript,
#                       onnxruntime (requirements/optional.txt; the online
#                       install always has them through nl1d's [tests] extra).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
WITH_MIM=0
SYSTEM_TORCH=0
NO_VENV=0
WITH_OPTIONAL=0
WHEELHOUSE=
usage() {
  echo "usage: bash tools/install.sh [--with-mim] [--use-system-torch] [--no-venv]" \
    "[--wheelhouse DIR] [--with-optional]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --with-mim) WITH_MIM=1 ;;
    --use-system-torch) SYSTEM_TORCH=1 ;;
    --no-venv) NO_VENV=1 ;;
    --with-optional) WITH_OPTIONAL=1 ;;
    --wheelhouse)
      [ $# -ge 2 ] || usage
      WHEELHOUSE=$2
      shift ;;
    --wheelhouse=*) WHEELHOUSE=${1#--wheelhouse=} ;;
    *) echo "install.sh: unknown argument $1" >&2; usage ;;
  esac
  shift
done

# pip's sources: the package index, or the wheelhouse alone.
SRC=()
if [ -n "$WHEELHOUSE" ]; then
  if [ ! -d "$WHEELHOUSE" ]; then
    echo "install.sh: wheelhouse $WHEELHOUSE is not a directory (make one with" \
      "tools/make_wheelhouse.sh on a connected machine)" >&2
    exit 2
  fi
  WHEELHOUSE=$(cd "$WHEELHOUSE" && pwd)
  SRC=(--no-index --find-links "$WHEELHOUSE")
  if [ "$WITH_MIM" = 1 ]; then
    echo "install.sh: --with-mim needs the package index (openmim and its" \
      "dependencies are not in the wheelhouse)" >&2
    exit 2
  fi
fi

# torch_info PY: "VERSION BUILD PATH" of the torch PY imports, "missing" or
# "broken ERROR".
torch_info() {
  "$1" -W ignore - <<'EOF'
import importlib.util
import sys
if importlib.util.find_spec('torch') is None:
    print('missing')
    sys.exit(0)
try:
    import torch
except Exception as e:  # a broken install: say what broke
    print('broken', f'{type(e).__name__}: {e}'.replace('\n', ' '))
    sys.exit(0)
build = ('CUDA ' + torch.version.cuda if torch.version.cuda else
         'ROCm ' + torch.version.hip if getattr(torch.version, 'hip', None)
         else 'CPU-only')
print(torch.__version__, build.replace(' ', '_'), torch.__file__)
EOF
}

# check_torch PY: the torch PY imports is present and in the supported range;
# sets TORCH_VERSION.
check_torch() {
  local min tested info
  # The supported range: requirements/runtime.txt's `torch>=`; the version
  # the stack is tested with: requirements/torch.txt's pin.
  min=$(sed -n 's/^torch>=\([0-9.]*\).*/\1/p' "$ROOT/requirements/runtime.txt")
  tested=$(sed -n 's/^torch==\([0-9.]*\).*/\1/p' "$ROOT/requirements/torch.txt")
  info=$(torch_info "$1")
  case $info in
    missing)
      echo "install.sh: --use-system-torch, but $1 has no torch. Install a" \
        "PyTorch >= $min for your CUDA first (https://pytorch.org), or set" \
        "PYTHON=/path/to/the/python/that/has/torch; without" \
        "--use-system-torch this script installs torch $tested (CPU)." >&2
      if [ "$1" = "$VENV/bin/python" ] && [ "$NO_VENV" = 0 ]; then
        echo "install.sh: ($VENV already exists and is used as it is:" \
          "remove it, or set VENV=/a/new/path, to layer a new one on" \
          "\$PYTHON)" >&2
      fi
      exit 3 ;;
    broken*)
      echo "install.sh: --use-system-torch, but \`import torch\` fails in $1:" \
        "${info#broken }" >&2
      exit 3 ;;
  esac
  read -r TORCH_VERSION TORCH_BUILD TORCH_PATH <<< "$info"
  TORCH_BUILD=${TORCH_BUILD//_/ }
  if ! "$1" - "$TORCH_VERSION" "$min" <<'EOF'
import re
import sys
def parse(v):
    return tuple(int(x) for x in re.match(r'(\d+)\.(\d+)', v).groups())
sys.exit(0 if parse(sys.argv[1]) >= parse(sys.argv[2]) else 1)
EOF
  then
    echo "install.sh: torch $TORCH_VERSION ($TORCH_PATH) is older than nl1d" \
      "supports: torch >= $min is needed (nl1d's checkpoint loading" \
      "relies on its weights-only unpickler). Upgrade PyTorch in $1, or drop" \
      "--use-system-torch to install torch $tested (CPU) into a venv." >&2
    exit 3
  fi
  echo "[install] using torch $TORCH_VERSION ($TORCH_BUILD build) from" \
    "$(dirname "$TORCH_PATH"); supported: torch >= $min, tested: $tested"
}

if [ "$NO_VENV" = 1 ]; then
  PY=$(command -v "$PYTHON" || true)
  [ -n "$PY" ] || { echo "install.sh: no python at $PYTHON" >&2; exit 2; }
  VENV=$("$PY" -c 'import sys; print(sys.prefix)')
elif [ ! -x "$VENV/bin/python" ]; then
  if [ "$SYSTEM_TORCH" = 1 ]; then
    check_torch "$PYTHON" > /dev/null  # before creating anything
    echo "[install] creating virtual environment $VENV on top of $PYTHON" \
      "(--system-site-packages)"
    "$PYTHON" -m venv --system-site-packages "$VENV"
    # A venv made from a venv sees the base interpreter's site-packages,
    # not its parent's: a .pth file adds the parent's (after the new venv's
    # own, so what is installed here wins).
    SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    "$PYTHON" - "$SITE/_nl1d_base_env.pth" <<'EOF'
import site
import sys
if sys.prefix != sys.base_prefix:
    with open(sys.argv[1], 'w') as f:
        f.write(''.join(p + '\n' for p in site.getsitepackages()))
EOF
  else
    echo "[install] creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  PY=$VENV/bin/python
else
  PY=$VENV/bin/python
fi
# On a failure with the wheelhouse, say what it was made for.
wheelhouse_hint() {
  [ -n "$WHEELHOUSE" ] && [ "$PHASE" = pip ] || return 0
  echo "install.sh: pip failed on $WHEELHOUSE. If it found no matching" \
    "distribution: the wheelhouse was made for" >&2
  sed 's/^/  /' "$WHEELHOUSE/nl1d-wheelhouse.txt" >&2 2>/dev/null \
    || echo "  (it has no nl1d-wheelhouse.txt)" >&2
  echo "and this Python is $("$PY" -c 'import platform, sys; print(platform.python_version(), sys.platform, platform.machine())')" \
    "(make one for it: tools/make_wheelhouse.sh DIR --python-version X.Y" \
    "--platform TAG; torch itself comes from the wheelhouse only without" \
    "--use-system-torch)." >&2
}

# As the environment being installed sees it.
[ "$SYSTEM_TORCH" = 1 ] && check_torch "$PY"
PIP=("$PY" -m pip)

# The constraints: the repository's, with torch pinned to the torch already
# there under --use-system-torch (pip then never replaces it).
CONSTRAINTS=$ROOT/requirements/constraints.txt
TMP_CONSTRAINTS=
PHASE=pip
cleanup() {
  local rc=$?
  [ -n "$TMP_CONSTRAINTS" ] && rm -f "$TMP_CONSTRAINTS"
  [ $rc = 0 ] || wheelhouse_hint
  exit $rc
}
trap cleanup EXIT
if [ "$SYSTEM_TORCH" = 1 ]; then
  TMP_CONSTRAINTS=$(mktemp "${TMPDIR:-/tmp}/nl1d-constraints.XXXXXX")
  CONSTRAINTS=$TMP_CONSTRAINTS
  grep -v '^torch[=<>!~ ]' "$ROOT/requirements/constraints.txt" > "$CONSTRAINTS"
  echo "torch==$TORCH_VERSION" >> "$CONSTRAINTS"
fi

# Skip the pip calls when nothing the install depends on has changed.
STAMP="$VENV/.nl1d-install-stamp"
HASH=$(cat "$ROOT/setup.py" "$ROOT"/requirements/*.txt "$0" | sha256sum | cut -c1-16)-$WITH_MIM
if [ "$SYSTEM_TORCH$WITH_OPTIONAL" != 00 ] || [ -n "$WHEELHOUSE" ]; then
  HASH=$HASH-torch${TORCH_VERSION:-pinned}-wheelhouse${WHEELHOUSE:+1}-optional$WITH_OPTIONAL
fi
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; then
  echo "[install] $VENV is up to date"
  exit 0
fi


if [ "$SYSTEM_TORCH" = 1 ]; then
  echo "[install] torch: keeping torch $TORCH_VERSION"
else
  echo "[install] torch (CPU wheel) first"
  "${PIP[@]}" install -q ${SRC[@]+"${SRC[@]}"} -r "$ROOT/requirements/torch.txt"
fi
echo "[install] mmaction2 without its declared dependencies"
"${PIP[@]}" install -q ${SRC[@]+"${SRC[@]}"} --no-deps -c "$CONSTRAINTS" \
  -r "$ROOT/requirements/mmaction.txt"
if [ -n "$WHEELHOUSE" ]; then
  # Offline: nl1d + its runtime stack + pytest (tools/gpu_check.sh runs the
  # CUDA tests); the TensorBoard/ONNX extras only when asked for.
  EXTRA=
  [ "$WITH_OPTIONAL" = 1 ] && EXTRA='[tests]'
  echo "[install] nl1d (editable) with the pinned stack from $WHEELHOUSE"
  "${PIP[@]}" install -q ${SRC[@]+"${SRC[@]}"} -c "$CONSTRAINTS" \
    -e "$ROOT$EXTRA" -r "$ROOT/requirements/wheelhouse.txt"
else
  echo "[install] nl1d (editable) with the pinned stack and test requirements"
  "${PIP[@]}" install -q -c "$CONSTRAINTS" -e "$ROOT[tests]"
fi
if [ "$WITH_MIM" = 1 ]; then
  echo "[install] openmim without its declared dependencies"
  "${PIP[@]}" install -q --no-deps -c "$CONSTRAINTS" openmim
  "${PIP[@]}" install -q -c "$CONSTRAINTS" \
    -r "$ROOT/requirements/mim.txt" "setuptools<82"
fi
PHASE=check
"$PY" -c "import nl1d; print('[install] nl1d', nl1d.__version__, 'ready in $VENV')"
echo "$HASH" > "$STAMP"
