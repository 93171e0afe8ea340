#!/usr/bin/env bash
# Renders Kindred's icon (assets/icon/kindred.svg, the source) to the PNG sizes the package installs
# in the hicolor theme and the window icon uses (assets/icon/kindred-<N>.png, committed so building
# the package needs no SVG renderer). Run it after editing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
dir="$(dirname "$0")/../assets/icon"
command -v rsvg-convert >/dev/null || { echo "render-icons: rsvg-convert not found (Debian: apt-get install librsvg2-bin)" >&2; exit 1; }
for n in 16 24 32 48 64 128 256 512; do
    rsvg-convert --width "$n" --height "$n" "$dir/kindred.svg" --output "$dir/kindred-$n.png"
done
echo "render-icons: $(ls "$dir"/kindred-*.png | wc -l) sizes in $dir"
