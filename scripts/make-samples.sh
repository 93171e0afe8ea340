#!/usr/bin/env bash
# make-samples.sh - (re)build the sample artworks in assets/samples/.
#
# Run by hand (it is not part of the build and not run by CI):
#
#     scripts/make-samples.sh
#
# Requirements (Debian/Ubuntu package names):
#   - openclipart-png  public-domain clip art from the Open Clip Art Library,
#                      installed under /usr/share/openclipart/png
#   - imagemagick      provides `convert` (version 6 is fine)
#
# What it does:
#   * takes the fixed list of source images below (paths relative to
#     /usr/share/openclipart/png), so the selection is deterministic;
#   * trims empty (transparent/uniform) borders - many originals are whole
#     A4 pages with a small drawing in the middle - then downscales so the
#     longest side is at most 384 px (never upscales) and strips metadata;
#   * writes PNG (alpha kept) for most, JPEG (flattened over white, quality
#     88) for a few, and WebP (alpha kept) for two if ImageMagick can write
#     WebP; if it cannot, those two are written as PNG instead;
#   * regenerates assets/samples/README.md (provenance and licence).
#
# Output names are <category>-<short-name>.<ext>; <category> is the
# top-level openclipart directory (underscores turned into hyphens).
#
# Files in assets/samples/ with extension png/jpg/webp are deleted first, so
# the folder always matches the list below exactly.

set -euo pipefail

SRC_DIR=${OPENCLIPART_PNG_DIR:-/usr/share/openclipart/png}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR="$ROOT/assets/samples"
MAX_SIZE=384
JPEG_QUALITY=88
WEBP_QUALITY=90

# Make ImageMagick behave the same on every run / machine.
export LC_ALL=C
export MAGICK_THREAD_LIMIT=1

command -v convert >/dev/null 2>&1 || {
    echo "error: ImageMagick 'convert' not found (apt-get install imagemagick)" >&2
    exit 1
}
[ -d "$SRC_DIR" ] || {
    echo "error: $SRC_DIR not found (apt-get install openclipart-png)" >&2
    exit 1
}

if convert -list format 2>/dev/null | grep -Eqi '^ *WEBP\*? +WEBP +r?w'; then
    HAVE_WEBP=1
else
    HAVE_WEBP=0
    echo "note: ImageMagick cannot write WebP here; webp samples become png" >&2
fi

# format | output name (without extension) | source path relative to SRC_DIR
# format: png = PNG with alpha, jpg = JPEG over white, webp = WebP with alpha
SAMPLES=$(cat <<'EOF'
png |animals-tiger                 |animals/mammals/big_cats/color_tiger_susan_park_01.png
png |animals-tiger-outline         |animals/mammals/big_cats/b_w_tiger_susan_park_01.png
png |animals-butterfly             |animals/bugs/butterfly_jonathan_dietr_01.png
png |animals-dragonfly             |animals/bugs/blue_dragonfly_ghuul_ghu_01.png
png |animals-owl-on-branch         |animals/birds/owl_on_branch_ganson.png
png |animals-giraffe-silhouette    |animals/mammals/contour_giraffe.png
png |animals-bulldog-puppy         |animals/mammals/dogs/bulldog_puppy_ganson.png
png |animals-crawfish              |animals/fish/crawfish1_ganson.png
png |animals-crawfish-outline      |animals/fish/crawfish1_bw_ganson.png
png |animals-wolf-head             |animals/mammals/stylized_wolf_head_geral_01.png
png |animals-seascape              |animals/fish/paesaggio_marino_archite_01.png
png |buildings-library             |buildings/carnegie_library_building_01.png
png |buildings-castle              |buildings/ch_teau-fort_01.png
png |buildings-lighthouse          |buildings/lighthouse_matthew_gates_.png
png |buildings-capitol-ink         |buildings/us_capitol_building_ink_01.png
png |buildings-igloo               |buildings/homes/home10.png
png |buildings-factory             |buildings/factory_gabrielle_nowick_.png
png |people-einstein               |people/einstein_01.png
jpg |people-grandpa                |people/grandpa_01.png
png |people-boy-soccer             |people/a_boy_plays_soccer_01.png
png |people-dancers-sketch         |people/dancers_erich_schubert_01.png
png |people-coltrane-portrait      |people/john_coltrane_portrait_j_01.png
png |people-bach                   |people/bach_ganson.png
jpg |people-van-gogh-room          |people/van_gogh_s_room_enrique__01.png
webp|plants-pink-rose              |plants/flowers/pink-rose_tess_brady_01.png
png |plants-sunflower              |plants/flowers/sun_flower_ganson.png
png |plants-daffodil               |plants/flowers/daffodil_susan_park_01.png
png |plants-autumn-tree            |plants/fall_coloured_tree_geral_01.png
png |plants-fern                   |plants/trees/fern_mo_01.png
png |plants-bamboo-silhouette      |plants/bamboo_danny_allen_r.png
png |plants-cactus                 |plants/cacuts_01.png
png |plants-palm-island            |plants/island_palm_and_the_sun_01.png
png |plants-autumn-scene           |plants/fall_scene_in_a_circle_a_01.png
jpg |unsorted-river-landscape      |unsorted/landscape_near_the_river_01.png
jpg |unsorted-van-gogh-sunflowers  |unsorted/van_gogh_s_sun_flower_en_01.png
png |geography-mount-hood          |geography/mount_hood_dan_gerhards_01.png
png |geography-ayers-rock          |geography/ayers_rock_ganson.png
png |geography-planet-earth        |geography/planet_earth_dan_gerhard_01.png
webp|science-saturn                |science/astronomy/saturn_dan_gerhards_01.png
png |recreation-sailing-sunset     |recreation/holiday/sailing_sunset.png
jpg |recreation-fireworks          |recreation/holiday/fireworks_ganson2.png
png |recreation-xylophone          |recreation/music/xylophone_ganson.png
png |recreation-guitar             |recreation/music/guitar_profile_philippe__01.png
png |recreation-cello-woodcut      |recreation/music/cello_mo_01.png
png |recreation-balloons           |recreation/party/balloons-aj.png
png |recreation-heart-tiles        |recreation/holiday/valentines/heart_tiles_jon_phillips_01.png
png |signs-and-symbols-yin-yang    |signs_and_symbols/jin-jang_multimotyl_01.png
png |signs-and-symbols-kanji-peace |signs_and_symbols/kanji_peace_peterm_01.png
png |signs-and-symbols-recycle     |signs_and_symbols/recycle.png
png |signs-and-symbols-peace      |signs_and_symbols/peace_symbol_petri_lumme_01.png
png |signs-and-symbols-traffic-light|signs_and_symbols/traffic_light_dan_gerhar_01.png
png |decorations-solomons-knot     |decorations/solomons_knot_ganson.png
png |decorations-triskel           |decorations/triskel_kilian_valkhof_.png
png |decorations-flourish          |decorations/flourish_two_horizontal_01.png
png |special-blocks-pattern        |special/patterns/blokken_arjen_meijer_01.png
png |special-diamond-pattern       |special/patterns/pattern-diamond-squares-3.png
png |food-strawberry               |food/fruit/strawberry_jonathan_diet_01.png
jpg |food-fruit-still-life         |food/fruitcollection_leif_lod_07.png
png |food-teapot                   |food/beverages/teapot_ganson.png
png |transportation-bicycle        |transportation/vehicles/bicycle_01.png
png |transportation-sailboat       |transportation/boating/sailboat_illustration.png
png |transportation-bus            |transportation/vehicles/bus1_jarno_vasamaa_01.png
png |transportation-old-car        |transportation/old_car_lumen_design_st_r.png
png |tools-paint-brush             |tools/paint_brush_costea_bogda_01.png
png |education-old-book            |education/books/stara_ksiega_-_old_book_01.png
EOF
)

mkdir -p "$OUT_DIR"
find "$OUT_DIR" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.webp' \) -delete

# Common operations: drop profiles/comments, normalise to sRGB, trim empty
# borders, shrink to fit MAX_SIZE x MAX_SIZE (the '>' means never enlarge).
common=(-strip -colorspace sRGB -trim +repage -resize "${MAX_SIZE}x${MAX_SIZE}>")

manifest=()
count=0
while IFS='|' read -r fmt name src; do
    fmt=${fmt// /}; name=${name// /}; src=${src// /}
    [ -n "$fmt" ] || continue
    in="$SRC_DIR/$src"
    [ -f "$in" ] || { echo "error: missing source $in" >&2; exit 1; }
    case "$name" in
        *[!a-z0-9-]*) echo "error: bad output name '$name'" >&2; exit 1 ;;
    esac
    if [ "$fmt" = webp ] && [ "$HAVE_WEBP" = 0 ]; then
        fmt=png
    fi
    case "$fmt" in
        png)
            out="$name.png"
            convert "$in" "${common[@]}" \
                -define png:exclude-chunks=date,time \
                "PNG32:$OUT_DIR/$out"
            ;;
        jpg)
            out="$name.jpg"
            convert "$in" "${common[@]}" \
                -background white -alpha remove -alpha off \
                -sampling-factor 4:2:0 -interlace none -quality "$JPEG_QUALITY" \
                "JPEG:$OUT_DIR/$out"
            ;;
        webp)
            out="$name.webp"
            convert "$in" "${common[@]}" \
                -quality "$WEBP_QUALITY" -define webp:method=6 \
                "WEBP:$OUT_DIR/$out"
            ;;
        *) echo "error: unknown format '$fmt' for $name" >&2; exit 1 ;;
    esac
    manifest+=("$out|$src")
    count=$((count + 1))
done <<<"$SAMPLES"

# ---------------------------------------------------------------- README.md
pkg_version=$(dpkg-query -W -f='${Version}' openclipart-png 2>/dev/null || echo unknown)

{
    cat <<EOF
# Sample artworks

$count small public-domain clip-art images used as sample/test artworks for
Kindred. They were chosen by hand for variety: colourful and monochrome, line
art, silhouettes and filled/shaded drawings, animals, buildings, people,
plants, landscapes and scenes, symbols, and decorative patterns.

Do not edit these files by hand; regenerate them with the script (see below).

## Provenance

All images come from the Debian package **openclipart-png**, version
\`$pkg_version\` (Open Clip Art Library 0.18, <http://www.openclipart.org>),
installed under \`/usr/share/openclipart/png/\`.

Each original was trimmed of empty borders, downscaled so its longest side
is at most ${MAX_SIZE} px (never upscaled) and stripped of metadata. Most are
PNG with alpha; the \`.jpg\` files were flattened over white (quality ${JPEG_QUALITY})
and the \`.webp\` files keep their alpha (quality ${WEBP_QUALITY}), so the
folder contains more than one image format. Two subjects come as a coloured
and an outline version of the same drawing (tiger, crawfish), which is handy
for checking style similarity.

Output file, then original path relative to \`/usr/share/openclipart/png/\`:

\`\`\`
EOF
    width=0
    for entry in "${manifest[@]}"; do
        out=${entry%%|*}
        [ ${#out} -gt "$width" ] && width=${#out}
    done
    for entry in "${manifest[@]}"; do
        printf '%-*s  %s\n' "$width" "${entry%%|*}" "${entry#*|}"
    done
    cat <<'EOF'
```

## Licence

The Open Clip Art Library images are in the **public domain**. The package's
copyright file (`/usr/share/doc/openclipart-png/copyright`) states:

> Copyright:
>
>  creative commons Public Domain Dedication
>
>  Copyright-Only Dedication (based on United States law) or Public Domain
>  Certification
>
> [...]
>
>  Dedicator recognizes that, once placed in the public domain, the Work may be
>  freely reproduced, distributed, transmitted, used, modified, built upon, or
>  otherwise exploited by anyone for any purpose, commercial or non-commercial,
>  and in any way, including by methods that have not yet been invented or
>  conceived.

and the package description calls the collection "100% license-free,
royalty-free, and restriction-free art that you can use for any purpose".
The downscaled copies here are likewise free to use for any purpose.

## Regenerating

```sh
# needs: apt-get install openclipart-png imagemagick
scripts/make-samples.sh
```

The script holds the fixed list of source images, deletes the existing
`*.png`, `*.jpg` and `*.webp` files in this folder, rewrites them and this
README. If ImageMagick lacks WebP support the two WebP samples are written as
PNG instead.
EOF
} >"$OUT_DIR/README.md"

total=$(du -sk "$OUT_DIR" | cut -f1)
echo "wrote $count samples to ${OUT_DIR#"$ROOT"/} (${total} KiB)"
