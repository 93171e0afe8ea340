#!/usr/bin/env bash
# Kindred's HNSW index vs Faiss IndexHNSWFlat on the same vectors, same queries, same ground truth.
#
#   scripts/bench-index.sh [--smoke] [--images DIR] [--real N] [--synthetic N] [--queries N]
#                          [--efs 16,32,64,128,256] [--storages library,f16cos,f16ip,f32ip,i8cos] [--repeats 3]
#                          [--keep-vectors]   (reuse the vectors and ground truth of the last run)
#
# Default (full, ~20 min on 2 cores): N = 4100 real images (about 3000 base + 1000 queries), 100,000 synthetic vectors per aspect,
# 1000 synthetic queries. --smoke: 300 real images, 2000 synthetic, 200 queries (a minute or two
# once built; checks that the scripts run and every figure is computed, not the values).
#
# 1. `cargo build --release` and `kindred --library LIB import` of a deterministic subset of N PNGs
#    of --images (default /usr/share/openclipart/png, Debian openclipart-png): of every regular
#    *.png sorted by path (C locale), lines floor(i * total / N), i < N (scripts/lib.sh
#    even_subset). LIB is kept between runs (re-import is incremental).
# 2. `cargo bench --bench index_compare -- prepare`: dumps each aspect's vectors from the catalog
#    (every 4th artwork held out as a query) and synthetic vectors of the same dimensions
#    (`Aspect::dim`) to little-endian f32 files, with the exact ground truth.
# 3. `cargo bench --bench index_compare -- run`: Kindred's `HnswIndex` (library parameters).
# 4. scripts/bench-faiss.py run: Faiss `IndexHNSWFlat`, same M / efConstruction / metric.
# 5. scripts/bench-faiss.py report: one table per vector set; exits 1 if a figure is missing.
#
# Data (vectors, library, JSON results, logs) go to $KINDRED_BENCH_DATA (default
# ${XDG_CACHE_HOME:-~/.cache}/kindred/bench-data/index[-smoke]); the Python side runs in a venv
# outside the repository: $KINDRED_FAISS_VENV, default ${XDG_CACHE_HOME:-~/.cache}/kindred/venvs/faiss,
# created with `pip install faiss-cpu numpy` when missing (scripts/lib.sh make_venv).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$KINDRED_REPO"

IMAGES=/usr/share/openclipart/png
REAL=4100
SYNTHETIC=100000
QUERIES=1000
EFS=16,32,64,128,256
STORAGES=library,f16cos,f16ip,f32ip,i8cos
REPEATS=3
SMOKE=
KEEP=
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) SMOKE=1; REAL=300; SYNTHETIC=2000; QUERIES=200; shift ;;
        --images) IMAGES=$2; shift 2 ;;
        --real) REAL=$2; shift 2 ;;
        --synthetic) SYNTHETIC=$2; shift 2 ;;
        --queries) QUERIES=$2; shift 2 ;;
        --efs) EFS=$2; shift 2 ;;
        --storages) STORAGES=$2; shift 2 ;;
        --repeats) REPEATS=$2; shift 2 ;;
        --keep-vectors) KEEP=1; shift ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kindred
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
VENV=${KINDRED_FAISS_VENV:-$CACHE/venvs/faiss}
DATA=${KINDRED_BENCH_DATA:-$CACHE/bench-data/index${SMOKE:+-smoke}}
for d in "$VENV" "$DATA"; do
    outside_repo "$d" || exit 2
done
mkdir -p "$DATA"
START=$(date +%s)
# The machine may be shared: sample the load average every 20 s for the record.
( while :; do echo "$(date -u +%H:%M:%S)$(uptime | sed 's/.*load average:/ load/')"; sleep 20; done ) >"$DATA/load.log" &
LOADPID=$!
trap 'kill $LOADPID 2>/dev/null || true' EXIT
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'); $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load:$(uptime | sed 's/.*load average://')"
echo "== data: $DATA"

make_venv "$VENV" faiss-cpu numpy || exit 1
"$VENV/bin/python" -c "import faiss, numpy; print('== faiss', faiss.__version__, 'numpy', numpy.__version__)"

echo "== cargo build --release (kindred binary) and bench binary"
cargo build --locked --release --bin kindred 2>"$DATA/cargo-build.stderr" || { cat "$DATA/cargo-build.stderr" >&2; exit 1; }
# Built once, then run directly: edits to the tree during the run cannot change the binary midway.
BENCH=$(cargo bench --locked --bench index_compare --no-run --message-format=json 2>"$DATA/cargo-bench.stderr" \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "index_compare":
        print(m["executable"])') || { cat "$DATA/cargo-bench.stderr" >&2; exit 1; }
KINDRED="$CARGO_TARGET_DIR/release/kindred"
[ -x "$KINDRED" ] || { echo "bench-index: no $KINDRED after the build" >&2; exit 1; }
[ -n "$BENCH" ] && [ -x "$BENCH" ] || { echo "bench-index: no index_compare executable after the build" >&2; exit 1; }
cp "$BENCH" "$DATA/index_compare" && BENCH="$DATA/index_compare"   # immune to rebuilds during the run

if [ -n "$KEEP" ] && [ -f "$DATA/vectors/meta.json" ]; then
    echo "== --keep-vectors: reusing $DATA/vectors (import and prepare skipped)"
else
    [ -d "$IMAGES" ] || { echo "bench-index: no image folder $IMAGES (Debian: apt-get install openclipart-png)" >&2; exit 1; }
    LIB="$DATA/library-$REAL"
    LIST="$DATA/files-$REAL.txt"
    find "$IMAGES" -type f -iname '*.png' ! -path '*/.*' | LC_ALL=C sort >"$DATA/all-files.txt"
    TOTAL=$(wc -l <"$DATA/all-files.txt")
    [ "$TOTAL" -gt 0 ] || { echo "bench-index: no PNG files under $IMAGES" >&2; exit 1; }
    even_subset "$REAL" <"$DATA/all-files.txt" >"$LIST"
    echo "== import: $(wc -l <"$LIST") of $TOTAL PNGs (evenly spread over the sorted list) into $LIB"
    T=$(date +%s.%N)
    mapfile -t FILES <"$LIST"
    "$KINDRED" --library "$LIB" import "${FILES[@]}"
    echo "   import took $(awk -v t="$T" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - t }') s"

    echo "== prepare: vectors and exact ground truth -> $DATA/vectors"
    rm -rf "$DATA/vectors"
    "$BENCH" prepare --out "$DATA/vectors" --library "$LIB" --synthetic "$SYNTHETIC" --queries "$QUERIES"
fi

echo "== Kindred HnswIndex (log: $DATA/kindred.log)"
"$BENCH" run --data "$DATA/vectors" --efs "$EFS" --storages "$STORAGES" --repeats "$REPEATS" --json "$DATA/kindred.json" \
    | grep -v '^{' | tee "$DATA/kindred.log"

echo "== Faiss IndexHNSWFlat (log: $DATA/faiss.log)"
"$VENV/bin/python" scripts/bench-faiss.py run --data "$DATA/vectors" --efs "$EFS" --repeats "$REPEATS" --json "$DATA/faiss.json" \
    | grep -v '^{' | tee "$DATA/faiss.log"

echo
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), load at the end:$(uptime | sed 's/.*load average://'); total $(( $(date +%s) - START )) s"
awk '{ l = $3 + 0; s += l; if (NR == 1 || l < lo) lo = l; if (l > hi) hi = l } END { if (NR) printf "== 1-minute load average during the run (%d samples, %s): min %.2f, mean %.2f, max %.2f\n", NR, FILENAME, lo, s / NR, hi }' "$DATA/load.log"
"$VENV/bin/python" scripts/bench-faiss.py report --kindred "$DATA/kindred.json" --faiss "$DATA/faiss.json" | tee "$DATA/report.md"
