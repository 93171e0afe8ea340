#!/usr/bin/env bash
# Kindred's retrieval-quality benchmark, one command (see scripts/quality/README.md):
#   scripts/quality.sh            full corpus (~870 images), baselines + Kindred, table + goal check
#   scripts/quality.sh --smoke    tiny corpus (42 images): checks the harness works (CI), not the values
# Steps: Debian packages (imagemagick + image packages), a venv outside the repo with
# scripts/quality/requirements.txt, the corpus (cached, rebuilt when the generator or the source
# packages change), the kindred binary ($KINDRED_BIN, else `cargo build --release`), then
# scripts/quality/run.py. Results (markdown, JSON, rankings) go to a dir outside the repo, printed
# at the end. Any missing piece is an error (exit 1).
# Environment: KINDRED_BIN, CARGO_TARGET_DIR (default ~/.cache/kindred/target),
# KINDRED_QUALITY_CACHE (default ~/.cache/kindred/quality), KINDRED_QUALITY_VENV
# (default ~/.cache/kindred/venvs/quality).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fail() { echo "quality: ERROR: $*" >&2; exit 1; }
MODE=full
for a in "$@"; do
  case "$a" in
    --smoke) MODE=smoke ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) fail "unknown argument '$a' (usage: scripts/quality.sh [--smoke])" ;;
  esac
done
T0=$(date +%s)
REPO=$KINDRED_REPO
Q="$REPO/scripts/quality"
CACHE=${KINDRED_QUALITY_CACHE:-$HOME/.cache/kindred/quality}
VENV=${KINDRED_QUALITY_VENV:-$HOME/.cache/kindred/venvs/quality}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kindred/target}

# 1. Debian packages: ImageMagick (the variants) and the source images.
need=(imagemagick openclipart-png gnome-backgrounds mate-backgrounds)
"$REPO/scripts/apt-install.sh" "${need[@]}" || fail "Debian packages missing"
convert -version 2>/dev/null | grep -q ImageMagick || fail "'convert' is not ImageMagick's (apt-get install imagemagick)"

# 2. Python venv outside the repo, pinned requirements; reinstalled when requirements.txt changes.
PY=$("$Q/venv.sh" "$VENV") || fail "venv $VENV not usable (see above)"

# 3. Corpus, cached; the stamp covers the generator, the mode and the source packages' versions.
CORPUS="$CACHE/$MODE/corpus"
ARGS=(); [ "$MODE" = smoke ] && ARGS=(--smoke)
STAMP="$(sha256sum "$Q/make_corpus.py" | cut -d' ' -f1) $MODE ${ARGS[*]:-} $(dpkg-query -W -f='${Package}=${Version} ' "${need[@]}")"
if [ "$(cat "$CACHE/$MODE/stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -f "$CORPUS/manifest.csv" ]; then
  echo "quality: building the $MODE corpus in $CORPUS" >&2
  mkdir -p "$CACHE/$MODE"
  rm -f "$CACHE/$MODE/stamp"
  TC=$(date +%s)
  "$PY" "$Q/make_corpus.py" --out "$CORPUS" "${ARGS[@]}" || fail "corpus generation failed"
  echo "$STAMP" > "$CACHE/$MODE/stamp"
  echo "quality: corpus built in $(( $(date +%s) - TC )) s" >&2
else
  echo "quality: corpus up to date ($CORPUS)" >&2
fi

# 4. The kindred binary ($KINDRED_BIN, else a release build).
BIN=$(kindred_bin quality) || fail "no kindred binary (see above)"

# 5. Baselines, Kindred, evaluation, report.
RESULTS="$CACHE/results/$MODE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
SMOKE=(); [ "$MODE" = smoke ] && SMOKE=(--smoke)
"$PY" "$Q/run.py" --corpus "$CORPUS" --results "$RESULTS" --bin "$BIN" "${SMOKE[@]}" \
  || fail "benchmark run failed (see above); partial results in $RESULTS"
ln -sfn "$RESULTS" "$CACHE/results/latest-$MODE"
echo "quality: $MODE run OK in $(( $(date +%s) - T0 )) s; results in $RESULTS (also $CACHE/results/latest-$MODE)"
