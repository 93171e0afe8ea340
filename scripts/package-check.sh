#!/usr/bin/env bash
# The package end to end, as an artist would get it (CI runs this, .ci/run): builds the .deb
# (scripts/package.sh, reusing $CARGO_TARGET_DIR's release build), checks the .desktop entry with
# desktop-file-validate, installs it with dpkg -i, then, from a temporary directory outside the
# checkout with a fresh HOME and no runtime variables, runs /usr/bin/kindred --version, imports a
# copy of the samples into a temporary library, searches it, and checks that ONNX Runtime came from
# the package's own lib dir (/usr/lib/kindred). The package is removed (dpkg -r) however it ends.
# Needs root or sudo (dpkg), and desktop-file-utils (installed here when missing).
# Usage: scripts/package-check.sh [OUT_DIR]   (default: a temporary directory, removed after)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
"$KINDRED_REPO/scripts/apt-install.sh" desktop-file-utils dpkg-dev binutils

work=$(mktemp -d)
installed=
cleanup() {
    if [ -n "$installed" ]; then $SUDO dpkg -r kindred >/dev/null || echo "package-check: dpkg -r kindred failed" >&2; fi
    rm -rf "$work"
}
trap cleanup EXIT
OUT=${1:-$work/out}

start=$(date +%s)
"$KINDRED_REPO/scripts/package.sh" "$OUT"
echo "package-check: package step took $(( $(date +%s) - start )) s"
deb=$(ls "$OUT"/kindred_*.deb)

desktop-file-validate "$KINDRED_REPO/packaging/kindred.desktop"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/applications/kindred.desktop >"$work/kindred.desktop"
desktop-file-validate "$work/kindred.desktop"

if dpkg -s kindred >/dev/null 2>&1; then
    echo "package-check: a kindred package is already installed on this machine; not replacing it" >&2
    exit 1
fi
installed=1
$SUDO dpkg -i "$deb"

# Nothing from the build tree: another directory, another HOME (so no ~/.local/lib/kindred and no
# cache), no runtime or library variables, and a copy of the samples.
mkdir -p "$work/home" "$work/art"
find "$KINDRED_REPO/assets/samples" -maxdepth 1 -type f ! -name "*.md" -exec cp -t "$work/art" {} +
cd "$work"
run() { env -i HOME="$work/home" PATH=/usr/bin:/bin LANG=C.UTF-8 /usr/bin/kindred "$@"; }

run --version | tee "$work/version.txt"
grep -q "^kindred [0-9]" "$work/version.txt"
grep -q "^model efficientnet-lite0@" "$work/version.txt"
grep -q "^ONNX Runtime $(ort_version) (/usr/lib/kindred/libonnxruntime.so" "$work/version.txt" \
    || { echo "package-check: --version does not report ONNX Runtime from /usr/lib/kindred" >&2; exit 1; }

run --library "$work/library" import "$work/art" | tee "$work/import.txt"
grep -q "^added $(ls "$work/art" | wc -l), .* failed 0$" "$work/import.txt" \
    || { echo "package-check: not every sample was imported" >&2; exit 1; }
run --library "$work/library" search "$work/art/animals-tiger.png" --top 3 | tee "$work/search.txt"
[ "$(grep -c "^ *[0-9]\. " "$work/search.txt")" -eq 3 ] || { echo "package-check: the search did not return 3 results" >&2; exit 1; }

run --library "$work/library" info --json >"$work/info.json"
python3 - "$work/info.json" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
assert info["runtime_source"] == "install-lib-dir", info["runtime_source"]
assert info["runtime_path"].startswith("/usr/lib/kindred/"), info["runtime_path"]
print(f"package-check: info reports ONNX Runtime {info['runtime']} from {info['runtime_path']} ({info['runtime_source']})")
PY

$SUDO dpkg -r kindred >/dev/null
installed=
[ ! -e /usr/bin/kindred ] && [ ! -e /usr/lib/kindred ] || { echo "package-check: dpkg -r left files behind" >&2; exit 1; }
echo "package-check: ok ($(du -h "$deb" | cut -f1) package; installed, used and removed)"
