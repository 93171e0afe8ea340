#!/usr/bin/env bash
# Screenshots of the desktop app for the README, under Xvfb (no real display needed).
#   scripts/screenshot.sh [OUT_DIR]     (default: assets/)
# Builds Kindred, imports assets/samples into a throw-away library, opens the app with a query
# (`kindred --open IMAGE`, as if the image had been dropped on the window) and grabs the screen:
#   screenshot-gallery.png    the query's results (the painting is in the library three times:
#                             once in the samples, twice more in a folder of copies, one tile)
#   screenshot-copies.png     the same with the copies unfolded (the tile's badge clicked)
#   screenshot-lightbox.png   the lightbox on the third result (its magnifier clicked)
# Clicks are xdotool's at fixed places of the 1200x800 window (key presses do not reach the app
# under Xvfb); look at the pictures before committing them.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-assets}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kindred/target}"
scripts/setup.sh
command -v import >/dev/null || scripts/apt-install.sh imagemagick
command -v xdotool >/dev/null || scripts/apt-install.sh xdotool
cargo build --locked
bin="$CARGO_TARGET_DIR/debug/kindred"
work=$(mktemp -d); trap 'kill $app $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
# The artist's second folder holds the same painting twice: an exact copy and a smaller JPEG.
mkdir -p "$work/old-exports"
cp assets/samples/unsorted-van-gogh-sunflowers.jpg "$work/old-exports/"
convert assets/samples/unsorted-van-gogh-sunflowers.jpg -resize 60% -quality 70 "$work/old-exports/sunflowers-small.jpg"
"$bin" --library "$work/lib" import assets/samples "$work/old-exports"
cp assets/samples/unsorted-van-gogh-sunflowers.jpg "$work/query.jpg"   # a file outside the library
d=97; while [ -e /tmp/.X11-unix/X$d ] || [ -e /tmp/.X$d-lock ]; do d=$((d + 1)); done   # a free display
Xvfb ":$d" -screen 0 1200x800x24 -nolisten tcp & xvfb=$!
sleep 1
export DISPLAY=":$d"
XDG_CONFIG_HOME="$work/config" "$bin" --library "$work/lib" --open "$work/query.jpg" & app=$!
sleep 15  # window up, model loaded, results and thumbnails in (a debug build, a busy machine)
xdotool mousemove 700 200   # off the tiles: no hover frame, no tooltip
sleep 1
import -window root "$OUT/screenshot-gallery.png"
echo "saved $OUT/screenshot-gallery.png"
# The "+2 copies" badge in the first tile's lower left corner unfolds them; a second click folds.
xdotool mousemove 35 386 click 1
sleep 2
xdotool mousemove 700 200
sleep 1
import -window root "$OUT/screenshot-copies.png"
echo "saved $OUT/screenshot-copies.png"
xdotool mousemove 35 386 click 1
sleep 2
# The magnifier in the corner of the third result (shown on hover) opens the lightbox on it.
xdotool mousemove 340 330
sleep 1
xdotool mousemove 392 286 click 1
sleep 3   # decoded at screen size on the loader thread
xdotool mousemove 1190 790
sleep 1
import -window root "$OUT/screenshot-lightbox.png"
echo "saved $OUT/screenshot-lightbox.png"
