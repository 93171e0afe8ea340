#!/usr/bin/env bash
# Kindred on real art, one command (see scripts/realart/README.md):
#   scripts/realart.sh            11 families of Debian game art and icon sets (~1,070 images),
#                                 baselines + Kindred per aspect, P@10 of same family per family
#   scripts/realart.sh --smoke    4 families x 8 images: checks the harness works (CI), not the values
# Steps: Debian packages (the art, librsvg2-bin), the quality venv (scripts/quality/venv.sh), the
# corpus (cached, rebuilt when the generator, the mode or the packages' versions change), the
# kindred binary ($KINDRED_BIN, else `cargo build --release`), then scripts/realart/run.py.
# Results go to a dir outside the repo, printed at the end. Any missing piece is an error (exit 1).
# Environment: KINDRED_BIN, CARGO_TARGET_DIR (default ~/.cache/kindred/target),
# KINDRED_REALART_CACHE (default ~/.cache/kindred/realart), KINDRED_QUALITY_VENV
# (default ~/.cache/kindred/venvs/quality).
set -euo pipefail

fail() { echo "realart: ERROR: $*" >&2; exit 1; }
MODE=full
for a in "$@"; do
  case "$a" in
    --smoke) MODE=smoke ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) fail "unknown argument '$a' (usage: scripts/realart.sh [--smoke])" ;;
  esac
done
T0=$(date +%s)
REPO=$(cd "$(dirname "$0")/.." && pwd)
R="$REPO/scripts/realart"
. "$REPO/scripts/lib.sh"
CACHE=${KINDRED_REALART_CACHE:-$HOME/.cache/kindred/realart}
VENV=${KINDRED_QUALITY_VENV:-$HOME/.cache/kindred/venvs/quality}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/kindred/target}

# 1. Debian packages: the art (smoke: only the smoke families' packages) and the SVG renderer.
if [ "$MODE" = smoke ]; then
  need=(librsvg2-bin tango-icon-theme freeciv-data neverball-data wesnoth-1.16-data)
else
  need=(librsvg2-bin papirus-icon-theme breeze-icon-theme tango-icon-theme elementary-xfce-icon-theme
        freeciv-data pingus-data neverball-data teeworlds-data wesnoth-1.16-data tuxpaint-stamps-default)
fi
"$REPO/scripts/apt-install.sh" "${need[@]}" || fail "Debian packages missing"
command -v rsvg-convert >/dev/null || fail "rsvg-convert not found (apt-get install librsvg2-bin)"

# 2. The quality benchmark's venv (same pinned requirements).
PY=$("$REPO/scripts/quality/venv.sh" "$VENV") || fail "venv $VENV not usable (see above)"

# 3. Corpus, cached; the stamp covers the generator, the mode and the packages' versions.
CORPUS="$CACHE/$MODE/corpus"
ARGS=(); [ "$MODE" = smoke ] && ARGS=(--smoke)
STAMP="$(sha256sum "$R/make_corpus.py" | cut -d' ' -f1) $MODE $(dpkg-query -W -f='${Package}=${Version} ' "${need[@]}")"
if [ "$(cat "$CACHE/$MODE/stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -f "$CORPUS/manifest.csv" ]; then
  echo "realart: building the $MODE corpus in $CORPUS" >&2
  mkdir -p "$CACHE/$MODE"
  rm -f "$CACHE/$MODE/stamp"
  TC=$(date +%s)
  "$PY" "$R/make_corpus.py" --out "$CORPUS" "${ARGS[@]}" || fail "corpus generation failed"
  echo "$STAMP" > "$CACHE/$MODE/stamp"
  echo "realart: corpus built in $(( $(date +%s) - TC )) s" >&2
else
  echo "realart: corpus up to date ($CORPUS)" >&2
fi

# 4. The kindred binary ($KINDRED_BIN, else a release build).
BIN=$(kindred_bin realart) || fail "no kindred binary (see above)"

# 5. Baselines, Kindred, evaluation, report.
RESULTS="$CACHE/results/$MODE-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
SMOKE=(); [ "$MODE" = smoke ] && SMOKE=(--smoke)
"$PY" "$R/run.py" --corpus "$CORPUS" --results "$RESULTS" --bin "$BIN" "${SMOKE[@]}" \
  || fail "benchmark run failed (see above); partial results in $RESULTS"
ln -sfn "$RESULTS" "$CACHE/results/latest-$MODE"
echo "realart: $MODE run OK in $(( $(date +%s) - T0 )) s; results in $RESULTS (also $CACHE/results/latest-$MODE)"
