#!/usr/bin/env bash
# Puts ONNX Runtime's shared library where Kindred looks for it, from the PyPI `onnxruntime` wheel,
# with the wheel's licence files beside it (LICENSE, ThirdPartyNotices.txt: the package ships them).
# `cargo build` does this by itself (build.rs); this script is for machines that only get a binary.
# Usage: scripts/fetch-onnxruntime.sh [DEST_DIR]   (default: ~/.cache/kindred/onnxruntime-<ver>)
# Prints the library's path. `scripts/fetch-onnxruntime.sh ~/.local/lib/kindred` is the per-user
# runtime dir an installed kindred searches (src/runtime.rs); anywhere else, run kindred with
# KINDRED_ORT_LIB=DEST_DIR/libonnxruntime.so.<ver>.
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
NOTICES=(LICENSE ThirdPartyNotices.txt)
complete() { [ -f "$LIB" ] && for f in "${NOTICES[@]}"; do [ -f "$DEST/$f" ] || return 1; done; }
if complete; then echo "$LIB"; exit 0; fi
mkdir -p "$DEST"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check -q -d "$tmp" "onnxruntime==$VERSION"
python3 - "$tmp"/onnxruntime-*.whl "$DEST" "$VERSION" "${NOTICES[@]}" <<'PY'
import os, sys, zipfile, shutil
wheel, dest, ver, *notices = sys.argv[1:]
members = {f"onnxruntime/capi/libonnxruntime.so.{ver}": f"libonnxruntime.so.{ver}"}
members.update({f"onnxruntime/{n}": n for n in notices})
with zipfile.ZipFile(wheel) as z:
    for member, name in members.items():
        target = os.path.join(dest, name)
        with z.open(member) as src, open(target + ".partial", "wb") as out:
            shutil.copyfileobj(src, out)
        os.replace(target + ".partial", target)
PY
echo "$LIB"
