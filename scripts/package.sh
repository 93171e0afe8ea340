#!/usr/bin/env bash
# Builds Kindred's Debian package, OUT_DIR/kindred_<version>_<arch>.deb, with dpkg-deb:
#   /usr/bin/kindred                       the release binary, stripped (the CNN is embedded in it)
#   /usr/lib/kindred/libonnxruntime.so.<v> ONNX Runtime from the PyPI wheel; the binary finds it
#                                          relative to itself (<prefix>/lib/kindred, src/runtime.rs)
#   /usr/share/applications/kindred.desktop  menu entry and "Open with Kindred" for images
#   /usr/share/icons/hicolor/*/apps/kindred.{png,svg}
#   /usr/share/doc/kindred/                copyright (Kindred, ONNX Runtime, EfficientNet weights)
#                                          and the licence texts it points to
# Beside the .deb: kindred_<version>_<arch>.debug, the binary's debug info (line tables, for
# symbolised backtraces: `gdb -s FILE /usr/bin/kindred`, or drop it in /usr/lib/debug/.build-id).
#
# Usage: scripts/package.sh OUT_DIR
# Reuses $CARGO_TARGET_DIR (default ./target): when the release binary is up to date (CI built it
# already for scripts/bench-index.sh) nothing is recompiled. Prints how long the build took.
# Needs: cargo, dpkg-deb, dpkg-shlibdeps (Debian: dpkg-dev), objcopy/strip (binutils), python3+pip
# (scripts/fetch-onnxruntime.sh, for the runtime and its licence files).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || { echo "usage: scripts/package.sh OUT_DIR" >&2; exit 2; }
for tool in dpkg-deb dpkg-shlibdeps objcopy strip; do
    command -v "$tool" >/dev/null || { echo "package: $tool not found (Debian: apt-get install dpkg-dev binutils)" >&2; exit 1; }
done
mkdir -p "$1"
OUT=$(cd "$1" && pwd -P)
cd "$KINDRED_REPO"

VERSION=$(awk '/^\[/ { in_package = ($0 == "[package]"); next }
               in_package && /^version[ \t]*=/ { gsub(/.*=[ \t]*"|".*/, ""); print; exit }' Cargo.toml)
[ -n "$VERSION" ] || { echo "package: no version in Cargo.toml's [package]" >&2; exit 1; }
ORT=$(ort_version)
ARCH=$(dpkg --print-architecture)
TARGET=${CARGO_TARGET_DIR:-$KINDRED_REPO/target}
NAME="kindred_${VERSION}_${ARCH}"

echo "package: cargo build --locked --release --bin kindred (CARGO_TARGET_DIR=$TARGET)"
start=$(date +%s)
cargo build --locked --release --bin kindred
echo "package: release build took $(( $(date +%s) - start )) s"
BIN="$TARGET/release/kindred"

ORT_LIB=$(scripts/fetch-onnxruntime.sh)
ORT_DIR=$(dirname "$ORT_LIB")

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$NAME"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/kindred" "$root/usr/share/applications" \
    "$root/usr/share/doc/kindred" "$root/usr/share/icons/hicolor/scalable/apps"

# The binary: debug info split off beside the .deb, the shipped copy stripped and linked to it.
objcopy --only-keep-debug "$BIN" "$OUT/$NAME.debug"
strip --strip-all -o "$root/usr/bin/kindred" "$BIN"
(cd "$OUT" && objcopy --add-gnu-debuglink="$NAME.debug" "$root/usr/bin/kindred")
# The shipped binary's size limit (issue 18): a stripped binary over it means something large got in.
max_mb=80
bin_bytes=$(stat -c %s "$root/usr/bin/kindred")
[ "$bin_bytes" -le $(( max_mb * 1024 * 1024 )) ] \
    || { echo "package: the stripped binary is $(( bin_bytes / 1024 / 1024 )) MiB, over the ${max_mb} MiB limit" >&2; exit 1; }
install -m 0644 "$ORT_LIB" "$root/usr/lib/kindred/libonnxruntime.so.$ORT"

install -m 0644 packaging/kindred.desktop "$root/usr/share/applications/kindred.desktop"
install -m 0644 assets/icon/kindred.svg "$root/usr/share/icons/hicolor/scalable/apps/kindred.svg"
for png in assets/icon/kindred-*.png; do
    n=${png##*/kindred-}; n=${n%.png}
    install -D -m 0644 "$png" "$root/usr/share/icons/hicolor/${n}x${n}/apps/kindred.png"
done

doc="$root/usr/share/doc/kindred"
install -m 0644 LICENSE-MIT LICENSE-APACHE "$doc/"
install -m 0644 "$ORT_DIR/LICENSE" "$doc/onnxruntime-LICENSE"
install -m 0644 "$ORT_DIR/ThirdPartyNotices.txt" "$doc/onnxruntime-ThirdPartyNotices.txt"
install -m 0644 models/LICENSE-efficientnet-lite "$doc/efficientnet-lite-LICENSE"
packaging/copyright.sh "$ORT" >"$doc/copyright"
# The Rust crates linked into the binary (normal dependencies: no build or test-only crates).
cargo tree --locked --edges normal --prefix none --format '{p} {l}' | sed 's/ (\*)$//; s/ (proc-macro)//' \
    | grep -v '^kindred ' | sort -u >"$doc/rust-crates.txt"
chmod 0644 "$doc/copyright" "$doc/rust-crates.txt"

# Depends: what the binary and the runtime link (dpkg-shlibdeps, with minimum versions), plus what
# the desktop app opens at run time (OpenGL/EGL, keyboard and cursor libraries for X11/Wayland).
mkdir "$stage/debian" && echo "Source: kindred" >"$stage/debian/control"
shlibs=$(cd "$stage" && dpkg-shlibdeps -O -e"$NAME/usr/bin/kindred" -e"$NAME/usr/lib/kindred/libonnxruntime.so.$ORT" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: kindred
Version: $VERSION
Architecture: $ARCH
Maintainer: ${KINDRED_MAINTAINER:-Kindred developers <kindred@localhost>}
Installed-Size: $size_kb
Depends: $shlibs, libgl1, libegl1, libxkbcommon-x11-0, libxcursor1, libxrandr2, libxi6
Section: graphics
Priority: optional
Description: find kindred artworks in your own image library, offline
 Point Kindred at a folder of images and, for any image, it shows the works
 most alike in colour, texture/style and shape/composition, or any weighting
 of the three. Everything runs locally: a CNN (EfficientNet-Lite0) run by
 ONNX Runtime, a SQLite catalog and an HNSW index.
 .
 "kindred" opens the desktop app; "kindred import | search | info" is the
 same library from the command line. Right-click an image in the file manager
 and choose "Open with Kindred" to see its kindred works.
CONTROL

dpkg-deb --root-owner-group --build "$root" "$OUT/$NAME.deb" >/dev/null
echo "package: $OUT/$NAME.deb ($(du -h "$OUT/$NAME.deb" | cut -f1)); binary $(du -h "$root/usr/bin/kindred" | cut -f1) stripped, $(du -h "$BIN" | cut -f1) as built; debug info $OUT/$NAME.debug ($(du -h "$OUT/$NAME.debug" | cut -f1))"
