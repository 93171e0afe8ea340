#!/usr/bin/env bash
# Screenshots of the desktop app for the README, under Xvfb (no real display needed).
#   scripts/screenshot.sh [OUT_DIR]     (default: assets/)
# Builds Kindred, imports assets/samples into a throw-away library, opens the app with a query
# (`kindred --open IMAGE`, as if the image had been dropped on the window) and grabs the screen:
#   screenshot-gallery.png    the query's results (the painting is in the library three times:
#                             once in the samples, twice more in a folder of copies, one tile)
#   screenshot-copies.png     the same with the copies unfolded (the tile's badge clicked)
#   screenshot-lightbox.png   the lightbox on the third result (its magnifier clicked)
#   screenshot-board-grid.png    a board ("Warm light", made with `kindred board add`) as a grid
#   screenshot-board-canvas.png  the same board as a free canvas, two artworks dragged and one scaled
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
kill $app; wait $app 2>/dev/null || true

# A board, made on the command line, then opened from the Boards menu.
s=assets/samples
"$bin" --library "$work/lib" board add "Warm light" $s/plants-sunflower.png $s/people-van-gogh-room.jpg \
  $s/food-fruit-still-life.jpg $s/plants-autumn-tree.png $s/recreation-sailing-sunset.png $s/unsorted-river-landscape.jpg \
  $s/plants-pink-rose.webp $s/recreation-balloons.png $s/plants-autumn-scene.png
XDG_CONFIG_HOME="$work/config" "$bin" --library "$work/lib" & app=$!
sleep 10
xdotool mousemove 121 12 click 1   # Boards
sleep 1
xdotool mousemove 130 62 click 1   # Warm light (9), below Favourites (0)
sleep 3
xdotool mousemove 700 600
sleep 1
import -window root "$OUT/screenshot-board-grid.png"
echo "saved $OUT/screenshot-board-grid.png"
xdotool mousemove 264 44 click 1   # Canvas
sleep 2
xdotool mousemove 450 400 click --repeat 2 --delay 30 5   # zoom out around the pointer
sleep 1
# Drags as a hand makes them: press, move in steps, release.
drag() {
  xdotool mousemove "$1" "$2" mousedown 1
  for t in 1 2 3 4 5 6 7 8; do
    xdotool mousemove $(($1 + ($3 - $1) * t / 8)) $(($2 + ($4 - $2) * t / 8)); sleep 0.05
  done
  xdotool mouseup 1; sleep 0.5
}
drag 363 248 330 560   # Van Gogh's room, down
drag 495 232 610 530   # the still life, down and right
xdotool mousemove 218 253 click 1   # the sunflowers: selected, their scale handle shows
sleep 0.5
drag 267 314 330 430   # scaled up by their corner handle, on top of the landscape
xdotool mousemove 1000 650   # over the detail panel: no hover frame, no tooltip
sleep 1
import -window root "$OUT/screenshot-board-canvas.png"
echo "saved $OUT/screenshot-board-canvas.png"
