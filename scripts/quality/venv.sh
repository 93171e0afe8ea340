#!/usr/bin/env bash
# Prints the Python of the benchmarks' venv (scripts/quality.sh, scripts/realart.sh), creating it
# (or reinstalling it when scripts/quality/requirements.txt changed) outside the repo first, with
# scripts/lib.sh's make_venv; its onnxruntime pin must be Cargo.toml's.
#   PY=$(scripts/quality/venv.sh VENV_DIR)
# Exits 1 with a one-line reason when the pin disagrees, venv or pip fails, or a package does not import.
set -euo pipefail
VENV=${1:?usage: venv.sh VENV_DIR}
. "$(dirname "$0")/../lib.sh"
REQ="$KINDRED_REPO/scripts/quality/requirements.txt"
check_ort_pin "$REQ" || { echo "venv: scripts/quality/requirements.txt and Cargo.toml disagree on ONNX Runtime" >&2; exit 1; }
make_venv "$VENV" -r "$REQ" >&2 || { echo "venv: $VENV could not be prepared" >&2; exit 1; }
"$VENV/bin/python" -c "import numpy, PIL, imagehash, onnxruntime" \
  || { echo "venv: $VENV lacks a required package" >&2; exit 1; }
echo "$VENV/bin/python"
