#!/usr/bin/env bash
# Import speed per file format: the same pictures converted to each format Kindred reads (with the
# Debian tools scripts/setup.sh installs), each set imported into a fresh library by
# `kindred import`; prints a Markdown table (files/s and ms per file) for BENCHMARKS.md.
#
#   scripts/bench-formats.sh [--images DIR] [--limit N] [--bin PATH]
#
# Defaults: the bundled samples (assets/samples, 66 public-domain PNGs up to ~1000 px), 24 of
# them, and target/release/kindred (built with `cargo build --release --locked` when --bin is not
# given). Work files go to a temporary directory, removed at the end.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KINDRED_REPO"

IMAGES=assets/samples
LIMIT=24
BIN=
while [ $# -gt 0 ]; do
    case "$1" in
        --images) IMAGES=$2; shift 2 ;;
        --limit) LIMIT=$2; shift 2 ;;
        --bin) BIN=$2; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
for tool in convert heif-enc avifenc cjxl zip; do
    command -v "$tool" >/dev/null || { echo "bench-formats: $tool missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
if [ -z "$BIN" ]; then
    cargo build --release --locked --bin kindred
    BIN="${CARGO_TARGET_DIR:-target}/release/kindred"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t sources < <(find "$IMAGES" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' \) | sort | even_subset "$LIMIT")
echo "bench-formats: ${#sources[@]} pictures from $IMAGES, converting" >&2

formats=(png jpg psd kra ora svg tga heic avif jxl)
for f in "${formats[@]}"; do mkdir -p "$work/$f"; done
for src in "${sources[@]}"; do
    name=$(basename "${src%.*}")
    png="$work/png/$name.png"
    convert "$src" -strip "$png"
    convert "$png" -quality 90 "$work/jpg/$name.jpg"
    convert "$png" "$work/psd/$name.psd"
    convert "$png" -orient TopLeft "$work/tga/$name.tga"
    heif-enc -q 85 "$png" -o "$work/heic/$name.heic" >/dev/null
    avifenc -s 8 "$png" "$work/avif/$name.avif" >/dev/null
    cjxl "$png" "$work/jxl/$name.jxl" -d 1 >/dev/null 2>&1
    # Krita and OpenRaster: a stored mimetype first, then the merged image (as their programs write).
    for kind in kra:application/x-krita ora:image/openraster; do
        ext=${kind%%:*}
        doc="$work/doc-$name"
        rm -rf "$doc"; mkdir -p "$doc"
        printf '%s' "${kind#*:}" >"$doc/mimetype"
        cp "$png" "$doc/mergedimage.png"
        (cd "$doc" && zip -q -0 -X "../$ext/$name.$ext" mimetype && zip -q -X "../$ext/$name.$ext" mergedimage.png)
        rm -rf "$doc"
    done
    # SVG: the picture traced into 8 x 8 coloured cells (a vector drawing of similar weight to a logo).
    read -r w h < <(identify -format '%w %h\n' "$png")
    {
        echo "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"$w\" height=\"$h\">"
        convert "$png" -resize '8x8!' -depth 8 txt:- | awk -v w="$w" -v h="$h" 'NR > 1 {
            split($1, xy, /[,:]/); c = $3
            printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n", xy[1] * w / 8, xy[2] * h / 8, w / 8 + 1, h / 8 + 1, substr(c, 1, 7)
        }'
        echo "<circle cx=\"$((w / 2))\" cy=\"$((h / 2))\" r=\"$((h / 3))\" fill=\"none\" stroke=\"#222\" stroke-width=\"6\"/></svg>"
    } >"$work/svg/$name.svg"
done

echo "| Format | Files | Total MB | Import s | Files/s | ms/file |"
echo "|---|---|---|---|---|---|"
for f in "${formats[@]}"; do
    lib="$work/lib-$f"
    mb=$(du -sm "$work/$f" | cut -f1)
    start=$(date +%s.%N)
    "$BIN" --library "$lib" import "$work/$f" >"$work/$f.log" 2>&1 || { cat "$work/$f.log" >&2; exit 1; }
    end=$(date +%s.%N)
    grep -q "failed 0" "$work/$f.log" || { echo "bench-formats: $f: $(cat "$work/$f.log")" >&2; exit 1; }
    awk -v f="$f" -v n="${#sources[@]}" -v mb="$mb" -v s="$start" -v e="$end" \
        'BEGIN { t = e - s; printf "| %s | %d | %d | %.2f | %.1f | %.0f |\n", f, n, mb, t, n / t, 1000 * t / n }'
done
