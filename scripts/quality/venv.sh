#!/usr/bin/env bash
# Prints the Python of the benchmarks' venv (scripts/quality.sh, scripts/realart.sh), creating it
# (or reinstalling it when scripts/quality/requirements.txt changed) outside the repo first.
#   PY=$(scripts/quality/venv.sh VENV_DIR)
# Exits 1 with a one-line reason when python3 -m venv or pip fails or a package does not import.
set -euo pipefail
VENV=${1:?usage: venv.sh VENV_DIR}
Q=$(cd "$(dirname "$0")" && pwd)
REQ_SUM=$(sha256sum "$Q/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null)" != "$REQ_SUM" ]; then
  echo "venv: preparing $VENV" >&2
  python3 -m venv "$VENV" || { echo "venv: python3 -m venv $VENV failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$Q/requirements.txt" >&2 \
    || { echo "venv: pip install -r scripts/quality/requirements.txt failed" >&2; exit 1; }
  echo "$REQ_SUM" > "$VENV/.requirements.sha256"
fi
"$VENV/bin/python" -c "import numpy, PIL, imagehash, onnxruntime" \
  || { echo "venv: $VENV lacks a required package" >&2; exit 1; }
echo "$VENV/bin/python"
