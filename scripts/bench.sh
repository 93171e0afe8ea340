#!/usr/bin/env bash
# Kindred vs a hand-written Python pipeline, on the same image files.
#
#   scripts/bench.sh [--images DIR] [--limit N]      (defaults: /usr/share/openclipart/png, 1000)
#
# 1. `cargo bench --bench kindred_bench -- inference import`: pure inference rate and the
#    end-to-end `Library::import` rate of the file subset (see benches/kindred_bench.rs).
# 2. scripts/bench-python.py on the same subset (PIL + numpy + onnxruntime, batch 8, 2 threads).
# 3. Prints Kindred import images/s / Python images/s (target >= 1.5x).
#
# The Python side runs in a venv outside the repository: $KINDRED_BENCH_VENV, default
# ${XDG_CACHE_HOME:-~/.cache}/kindred/bench-venv, with onnxruntime==<Cargo.toml's version>, pillow
# and numpy (installed when the request changes). Logs go to $KINDRED_BENCH_LOGS (default: a temp dir).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KINDRED_REPO"

IMAGES=/usr/share/openclipart/png
LIMIT=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --images) IMAGES=$2; shift 2 ;;
        --limit) LIMIT=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kindred/target}"
VENV=${KINDRED_BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kindred/bench-venv}
ORT_VERSION=$(ort_version)
LOGS=${KINDRED_BENCH_LOGS:-$(mktemp -d -t kindred-bench.XXXXXX)}
mkdir -p "$LOGS"

outside_repo "$VENV" || exit 2
make_venv "$VENV" "onnxruntime==$ORT_VERSION" pillow numpy || exit 1
"$VENV/bin/python" -c "import numpy, PIL, onnxruntime as o; assert o.__version__ == '$ORT_VERSION', o.__version__" \
    || { echo "bench: venv $VENV lacks numpy, pillow or onnxruntime $ORT_VERSION" >&2; exit 1; }

echo "== Kindred (cargo bench, release profile); log: $LOGS/kindred.log"
cargo bench --locked --bench kindred_bench -- inference import --images "$IMAGES" --limit "$LIMIT" 2>"$LOGS/cargo.stderr" | tee "$LOGS/kindred.log"

echo
echo "== Python baseline ($VENV); log: $LOGS/python.log"
"$VENV/bin/python" scripts/bench-python.py --images "$IMAGES" --limit "$LIMIT" | tee "$LOGS/python.log"

echo
"$VENV/bin/python" - "$LOGS/kindred.log" "$LOGS/python.log" <<'PY'
import json, sys
kindred = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["import"]
python = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
if kindred["list_sha256"] != python["list_sha256"]:
    sys.exit(f"file lists differ: kindred {kindred['list_sha256']} vs python {python['list_sha256']}")
k, p = kindred["import_images_per_s"], python["images_per_s"]
print(f"same {python['files']} files (list sha256 {python['list_sha256'][:16]}...)")
print(f"Kindred import (end to end, model load, SQLite, thumbnails, index included): {k:.1f} images/s")
print(f"Python PIL + onnxruntime (session creation excluded):                    {p:.1f} images/s")
print(f"ratio Kindred / Python: {k / p:.2f}x (target >= 1.5x)")
print(json.dumps({"kindred_import_images_per_s": k, "python_images_per_s": p, "ratio": round(k / p, 3)}))
PY
