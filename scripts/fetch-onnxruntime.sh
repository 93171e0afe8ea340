#!/usr/bin/env bash
# Puts ONNX Runtime's shared library where Kindred looks for it, from the PyPI `onnxruntime` wheel.
# `cargo build` does this by itself (build.rs); this script is for machines that only get a binary.
# Usage: scripts/fetch-onnxruntime.sh [DEST_DIR]   (default: ~/.cache/kindred/onnxruntime-<ver>)
# Then run kindred with KINDRED_ORT_LIB=DEST_DIR/libonnxruntime.so.<ver> (or copy it next to the binary
# as libonnxruntime.so).
# <ver> is the one in Cargo.toml ([package.metadata.kindred] onnxruntime), read relative to this
# script. Without a checkout around it, pass the version kindred's "library not found" message names:
#   KINDRED_ORT_VERSION=<ver> fetch-onnxruntime.sh [DEST_DIR]
set -euo pipefail
here=$(dirname "$0")
if [ -f "$here/lib.sh" ] && [ -f "$here/../Cargo.toml" ]; then
    . "$here/lib.sh"
    VERSION=$(ort_version)
elif [ -n "${KINDRED_ORT_VERSION:-}" ]; then
    VERSION=$KINDRED_ORT_VERSION
else
    echo "fetch-onnxruntime: no Cargo.toml next to this script; set KINDRED_ORT_VERSION to the ONNX Runtime version kindred names" >&2
    exit 2
fi
DEST=${1:-${KINDRED_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kindred}/onnxruntime-$VERSION}
LIB="$DEST/libonnxruntime.so.$VERSION"
if [ -f "$LIB" ]; then echo "$LIB"; exit 0; fi
mkdir -p "$DEST"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check -q -d "$tmp" "onnxruntime==$VERSION"
python3 - "$tmp"/onnxruntime-*.whl "$LIB" "$VERSION" <<'PY'
import sys, zipfile, shutil
wheel, dest, ver = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(f"onnxruntime/capi/libonnxruntime.so.{ver}") as src, open(dest + ".partial", "wb") as out:
    shutil.copyfileobj(src, out)
PY
mv "$LIB.partial" "$LIB"
echo "$LIB"
