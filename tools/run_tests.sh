#!/usr/bin/env bash
# Set up the environment (tools/install.sh) and run the whole test suite: the
# fast tests and the end-to-end ones marked slow (a plain `pytest` runs the
# fast ones only).
# Usage: bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$ROOT/.venv}
VENV=$VENV bash "$ROOT/tools/install.sh"
cd "$ROOT"
exec "$VENV/bin/python" -m pytest tests -m "slow or not slow" "$@"
