#!/usr/bin/env bash
# Precision and recall of `kindred duplicates` on real art: the real-art corpus (scripts/realart.sh
# builds it; its images are all different pictures) plus, for 80 of them picked with a fixed seed,
# three copies each: cropped 6 % a side + scaled to 70 % + JPEG quality 75 on white, scaled to
# 70 % as PNG keeping transparency, and mirrored left-right + scaled to 70 % as PNG (MIRRORS=0
# leaves the mirrors out, for the figures before mirrors were detected). Every pair within a
# reported group counts as predicted.
#   KINDRED_BIN=target/debug/kindred scripts/realart/duplicates_eval.sh [CORPUS_DIR]
set -euo pipefail
corpus=${1:-$HOME/.cache/kindred/realart/full/corpus/images}
bin=${KINDRED_BIN:?set KINDRED_BIN to a kindred binary}
[ -d "$corpus" ] || { echo "no corpus at $corpus: run scripts/realart.sh first" >&2; exit 1; }
command -v convert >/dev/null || { echo "ImageMagick's convert is missing: scripts/apt-install.sh imagemagick" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/copies"
find "$corpus" -type f -name '*.png' | sort | shuf -n 80 --random-source=<(yes kindred) > "$work/picked.txt"
i=0
while read -r f; do
  i=$((i + 1)); b=$(basename "${f%.*}")
  convert "$f" -gravity center -crop 88%x88%+0+0 +repage -resize 70% -background white -flatten -quality 75 "$work/copies/$i-$b-jpg.jpg"
  convert "$f" -resize 70% "$work/copies/$i-$b-small.png"
  [ "${MIRRORS:-1}" = 0 ] || convert "$f" -flop -resize 70% "$work/copies/$i-$b-mirror.png"
done < "$work/picked.txt"
"$bin" --library "$work/lib" import "$corpus" "$work/copies" >/dev/null
start=$(date +%s.%N)
"$bin" --library "$work/lib" duplicates --json > "$work/groups.json"
end=$(date +%s.%N)
python3 - "$work" "$(echo "$end - $start" | bc)" <<'PY'
import itertools, json, os, sys
work, seconds = sys.argv[1], float(sys.argv[2])
groups = json.load(open(f"{work}/groups.json"))["groups"]
picked = [l.strip() for l in open(f"{work}/picked.txt")]
copies = [os.path.join(work, "copies", f) for f in os.listdir(f"{work}/copies")]
source = lambda p: picked[int(os.path.basename(p).split("-")[0]) - 1] if p in copies else p
pairs = lambda members: {tuple(sorted(p)) for p in itertools.combinations(members, 2)}
predicted = set().union(*(pairs([m["path"] for m in g["members"]]) for g in groups)) if groups else set()
by_source = {}
for c in copies:
    by_source.setdefault(source(c), []).append(c)
true = set().union(*(pairs([s] + cs) for s, cs in by_source.items()))
hit = len(predicted & true)
group_of = {m["path"]: i for i, g in enumerate(groups) for m in g["members"]}
found = sum(1 for c in copies if c in group_of and group_of.get(source(c)) == group_of[c])
print(f"{len(groups)} groups; pairs: predicted {len(predicted)}, true {len(true)}, both {hit}; "
      f"precision {hit / max(len(predicted), 1):.3f}, recall {hit / len(true):.3f}; "
      f"copies grouped with their original {found} of {len(copies)}; `duplicates` took {seconds:.2f} s")
PY
