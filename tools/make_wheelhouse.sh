#!/usr/bin/env bash
# Fill a wheelhouse for the air-gapped install (docs/gpu_and_offline_install.md):
# on a connected machine, download every wheel that `tools/install.sh
# --wheelhouse DIR --use-system-torch` installs on top of an existing PyTorch,
# for the target machine's Python and platform. Wheels only (nothing is built
# on the target); torch itself is not downloaded (the target has its own).
#
# Usage: bash tools/make_wheelhouse.sh DIR [--python-version X.Y]
#          [--platform TAG] [--with-optional] [--dry-run]
#   --python-version 3.12   the target's Python (default: this Python's)
#   --platform TAG          the target's platform tag, e.g. manylinux_2_28_x86_64
#                           (the default when --python-version is given: the
#                           glibc 2.28 floor of recent torch wheels, this
#                           machine's arch), manylinux_2_28_aarch64,
#                           manylinux2014_x86_64 (= manylinux_2_17). Every older
#                           manylinux tag of the same arch is accepted too (pip
#                           takes only the exact tags it is given), so wheels
#                           tagged manylinux2014 or manylinux_2_17 are found.
#                           Without --python-version/--platform: this machine's.
#   --with-optional         also TensorBoard, onnx, onnxscript, onnxruntime
#                           (requirements/optional.txt)
#   --dry-run               print the pip commands, download nothing
#   PYTHON=python3          the Python whose pip downloads (pip >= 20.3)
# Run it again with another --python-version into the same DIR to serve
# several Pythons (the pure-Python wheels are shared).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
DIR=
PYVER=
PLATFORM=
WITH_OPTIONAL=0
DRY=0
usage() {
  echo "usage: bash tools/make_wheelhouse.sh DIR [--python-version X.Y]" \
    "[--platform TAG] [--with-optional] [--dry-run]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --python-version) [ $# -ge 2 ] || usage; PYVER=$2; shift ;;
    --python-version=*) PYVER=${1#*=} ;;
    --platform) [ $# -ge 2 ] || usage; PLATFORM=$2; shift ;;
    --platform=*) PLATFORM=${1#*=} ;;
    --with-optional) WITH_OPTIONAL=1 ;;
    --dry-run) DRY=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "make_wheelhouse.sh: unknown argument $1" >&2; usage ;;
    *) [ -z "$DIR" ] || usage; DIR=$1 ;;
  esac
  shift
done
[ -n "$DIR" ] || usage

# The target: --python-version / --platform, or this machine.
TARGET=()
if [ -n "$PYVER$PLATFORM" ]; then
  [ -n "$PYVER" ] || PYVER=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ -n "$PLATFORM" ] || PLATFORM=manylinux_2_28_$(uname -m)
  TARGET=(--python-version "$PYVER" --implementation cp)
  # manylinux_2_N_ARCH (or a legacy alias) -> every manylinux tag of ARCH
  # with a glibc floor <= 2.N: pip matches --platform exactly.
  case $PLATFORM in
    manylinux2014_*) GLIBC=17; ARCH=${PLATFORM#manylinux2014_} ;;
    manylinux2010_*) GLIBC=12; ARCH=${PLATFORM#manylinux2010_} ;;
    manylinux1_*) GLIBC=5; ARCH=${PLATFORM#manylinux1_} ;;
    manylinux_2_*_*)
      rest=${PLATFORM#manylinux_2_}
      GLIBC=${rest%%_*}
      ARCH=${rest#*_} ;;
    *) GLIBC= ;;
  esac
  if [ -n "$GLIBC" ]; then
    for ((k = GLIBC; k >= 5; k--)); do
      TARGET+=(--platform "manylinux_2_${k}_$ARCH")
      case $k in
        17) TARGET+=(--platform "manylinux2014_$ARCH") ;;
        12) TARGET+=(--platform "manylinux2010_$ARCH") ;;
        5) TARGET+=(--platform "manylinux1_$ARCH") ;;
      esac
    done
  else
    TARGET+=(--platform "$PLATFORM")  # macOS, Windows: pip expands these itself
  fi
fi

# runtime.txt without its torch line: torch is the target's own (and a bare
# torch resolved here would be the newest CUDA build, GBs).
REQS=$(mktemp "${TMPDIR:-/tmp}/nl1d-wheelhouse-reqs.XXXXXX")
trap 'rm -f "$REQS"' EXIT
grep -v '^torch[=<>!~ ]' "$ROOT/requirements/runtime.txt" > "$REQS"
cat "$ROOT/requirements/wheelhouse.txt" >> "$REQS"
[ "$WITH_OPTIONAL" = 1 ] && cat "$ROOT/requirements/optional.txt" >> "$REQS"

DL=("$PYTHON" -m pip download --only-binary=:all: --dest "$DIR"
    --find-links "$DIR" ${TARGET[@]+"${TARGET[@]}"})
run() {
  echo "+ $*"
  [ "$DRY" = 1 ] || "$@"
}
if [ "$DRY" = 1 ]; then
  echo "[wheelhouse] requirements besides mmaction2:"
  grep -v '^ *#' "$REQS" | grep . | sed 's/^/  req: /'
fi
[ "$DRY" = 1 ] || mkdir -p "$DIR"
echo "[wheelhouse] mmaction2 without its declared dependencies"
run "${DL[@]}" --no-deps -r "$ROOT/requirements/mmaction.txt"
WHAT="nl1d's runtime stack, pytest, setuptools, wheel"
[ "$WITH_OPTIONAL" = 1 ] && WHAT="$WHAT, TensorBoard and ONNX"
echo "[wheelhouse] $WHAT"
run "${DL[@]}" -c "$ROOT/requirements/constraints.txt" -r "$REQS"
[ "$DRY" = 1 ] && exit 0

# What the wheelhouse was made for (tools/install.sh shows it when a wheel
# is missing), and its size.
{
  [ -s "$DIR/nl1d-wheelhouse.txt" ] && echo
  if [ -n "$PYVER" ]; then
    echo "python: $PYVER"
    echo "platform: $PLATFORM and older manylinux tags"
  else
    echo "python: $("$PYTHON" -c 'import platform; print(platform.python_version())') (the machine that made it)"
    echo "platform: $("$PYTHON" -c 'import sysconfig; print(sysconfig.get_platform())') (the machine that made it)"
  fi
  echo "optional extras: $([ "$WITH_OPTIONAL" = 1 ] && echo yes || echo no)"
  echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ) by tools/make_wheelhouse.sh"
} >> "$DIR/nl1d-wheelhouse.txt"
pure=$(find "$DIR" -maxdepth 1 -name '*-none-any.whl' -print0 | du -ch --files0-from=- | tail -n 1 | cut -f1)
echo "[wheelhouse] $DIR: $(find "$DIR" -maxdepth 1 -name '*.whl' | wc -l) wheels," \
  "$(du -sh "$DIR" | cut -f1) ($pure of them pure Python)"
