#!/usr/bin/env bash
# Builds the large-JPEG benchmark folder, deterministically, outside the repository:
#
#   scripts/make-large-jpegs.sh [--out DIR] [--count N]
#       (defaults: ${XDG_CACHE_HOME:-~/.cache}/kindred/bench-data/large-jpeg, 120 files)
#   scripts/bench.sh --images ~/.cache/kindred/bench-data/large-jpeg --limit 120
#
# Sources: the 16 JPEG photos/wallpapers of Debian `mate-backgrounds` (1.3-18 Mpx) and the 14
# 4096x4096 WebP wallpapers of `gnome-backgrounds`, installed with `imagemagick` when missing.
# File k (0-based) takes source (7k mod 30) and size (k mod 12) from typical camera and scan
# sizes, 2.1-24 Mpx (mean 11 Mpx): 1920x1080, 2048x1536, 2592x1944, 3000x2000, 3264x2448,
# A4 300 dpi 2480x3508, 4000x3000, 4032x3024, 4608x3456, A4 400 dpi 3307x4677, 5472x3648,
# 6000x4000; every 5th landscape size turned portrait. The source is scaled to cover the size and
# cut (gravity cycles), every other file mirrored, then film grain is added (Gaussian noise,
# attenuate 0.5, seeded by k) so files are as large as a camera's at the same quality (a clean
# upscale compresses several times better than a photo and decodes faster than one).
# Encoding (libjpeg via ImageMagick, metadata stripped): quality 90 (85 for k mod 7 = 4, 95 for
# k mod 7 = 6); chroma 4:4:4 for k mod 4 = 1, 4:2:2 for k mod 4 = 3, else 4:2:0; progressive for
# k mod 10 = 3; greyscale for k mod 40 = 17; CMYK (Adobe) for k mod 60 = 29. EXIF orientation
# for k mod 12 = 5 (6, rotate 90 CW), k mod 12 = 8 (8, rotate 90 CCW) and k mod 24 = 11 (3, 180):
# the pixels are stored turned the other way, as a camera does, so the upright picture is the one
# a viewer shows. ImageMagick runs single-threaded (its noise is then the same on every run).
#
# The folder is rebuilt when the generator, the count or the packages' versions change (stamp
# file). The last line printed is the sha256 of the files' `sha256sum` list, to compare runs.
set -euo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"

fail() { echo "make-large-jpegs: ERROR: $*" >&2; exit 1; }
OUT=${XDG_CACHE_HOME:-$HOME/.cache}/kindred/bench-data/large-jpeg
COUNT=120
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT=$2; shift 2 ;;
        --count) COUNT=$2; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) fail "unknown argument: $1" ;;
    esac
done
REPO=$KINDRED_REPO
outside_repo "$OUT" 2>/dev/null || fail "the output folder must live outside the repository: $OUT"

need=(imagemagick mate-backgrounds gnome-backgrounds)
"$REPO/scripts/apt-install.sh" "${need[@]}" || fail "Debian packages missing"
convert -version 2>/dev/null | grep -q ImageMagick || fail "'convert' is not ImageMagick's (apt-get install imagemagick)"

mapfile -t SOURCES < <(
    find /usr/share/backgrounds/mate -type f -name '*.jpg' | sort
    find /usr/share/backgrounds/gnome -type f -name '*.webp' | sort | while read -r f; do
        [ "$(identify -format '%w' "$f")" -ge 4096 ] && echo "$f"
    done
)
[ ${#SOURCES[@]} -eq 30 ] || fail "expected 30 source images (16 mate JPEGs, 14 gnome 4096px WebPs), found ${#SOURCES[@]}"
SIZES=(1920x1080 2048x1536 2592x1944 3000x2000 3264x2448 2480x3508 4000x3000 4032x3024 4608x3456 3307x4677 5472x3648 6000x4000)
GRAVITY=(center northwest southeast northeast southwest)

STAMP="$(sha256sum "$0" | cut -d' ' -f1) $COUNT $(dpkg-query -W -f='${Package}=${Version} ' "${need[@]}")"
if [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP" ]; then
    echo "make-large-jpegs: $OUT is up to date ($COUNT files)"
else
    rm -rf "$OUT"
    mkdir -p "$OUT"
    jobs=()
    for ((k = 0; k < COUNT; k++)); do
        src=${SOURCES[$(( (7 * k) % 30 ))]}
        size=${SIZES[$(( k % 12 ))]}
        w=${size%x*}; h=${size#*x}
        if [ $((k % 5)) -eq 1 ] && [ "$w" -gt "$h" ]; then t=$w; w=$h; h=$t; fi
        q=90; [ $((k % 7)) -eq 4 ] && q=85; [ $((k % 7)) -eq 6 ] && q=95
        case $((k % 4)) in 1) sf=1x1 ;; 3) sf=2x1 ;; *) sf=2x2 ;; esac
        orient=1
        [ $((k % 12)) -eq 5 ] && orient=6
        [ $((k % 12)) -eq 8 ] && orient=8
        [ $((k % 24)) -eq 11 ] && orient=3
        args=(-limit thread 1 "$src" -strip -colorspace sRGB -resize "${w}x${h}^" -gravity "${GRAVITY[$((k % 5))]}" -extent "${w}x${h}")
        [ $((k % 2)) -eq 1 ] && args+=(-flop)
        args+=(-seed "$k" -attenuate 0.5 +noise Gaussian)
        case $orient in 6) args+=(-rotate -90) ;; 8) args+=(-rotate 90) ;; 3) args+=(-rotate 180) ;; esac
        [ $((k % 40)) -eq 17 ] && args+=(-colorspace Gray)
        [ $((k % 60)) -eq 29 ] && args+=(-colorspace CMYK)
        [ $((k % 10)) -eq 3 ] && args+=(-interlace JPEG)
        args+=(-sampling-factor "$sf" -quality "$q")
        name=$(printf 'large-%03d-%dx%d.jpg' "$k" "$w" "$h")
        jobs+=("$(printf '%q ' convert "${args[@]}" "$OUT/$name")${orient}")
    done
    # One job per line: the convert command, then the EXIF orientation to insert (1 = none).
    printf '%s\n' "${jobs[@]}" | xargs -P 2 -d '\n' -n 1 bash -c '
        set -euo pipefail
        line=$1; orient=${line##* }; cmd=${line% *}
        eval "$cmd"
        out=$(eval "set -- $cmd"; echo "${!#}")
        if [ "$orient" != 1 ]; then
            python3 -I - "$out" "$orient" <<"PY"
import struct, sys
path, orientation = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
assert data[:2] == b"\xff\xd8"
# Big-endian TIFF header, one IFD with one entry: Orientation (0x0112), SHORT, 1 value.
tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) \
    + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
pos = 2
if data[2:4] == b"\xff\xe0":  # keep the JFIF APP0 first
    pos = 4 + struct.unpack(">H", data[4:6])[0]
open(path, "wb").write(data[:pos] + app1 + data[pos:])
PY
        fi
    ' _ || fail "a convert job failed"
    echo "$STAMP" > "$OUT/.stamp"
fi
n=$(find "$OUT" -maxdepth 1 -name '*.jpg' | wc -l)
[ "$n" -eq "$COUNT" ] || fail "$OUT has $n JPEGs, expected $COUNT"
echo "make-large-jpegs: $n files, $(du -sh "$OUT" | cut -f1) in $OUT"
(cd "$OUT" && sha256sum -- *.jpg) | sha256sum | cut -d' ' -f1
