#!/usr/bin/env bash
# Bounded fuzzing of every cargo-fuzz target in fuzz/ (see fuzz/src/lib.rs and docs/RELIABILITY.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 seconds, every target)
#
# Installs cargo-fuzz if missing (crates.io), builds the targets (stable Rust with
# RUSTC_BOOTSTRAP=1, AddressSanitizer), runs each for the given time, prints executions and
# findings per target, and exits 1 if anything was found. Nothing is written into the repo: build
# output goes to ~/.cache/kindred/fuzz-target, growing corpora and crash inputs to
# ~/.cache/kindred/fuzz/ (override with KINDRED_FUZZ_TARGET_DIR / KINDRED_FUZZ_DIR). The committed
# seeds in fuzz/seeds/ and the regression inputs in tests/data/fuzz-regressions/ are read only.
# A crash input worth keeping goes to tests/data/fuzz-regressions/<target>/, where
# tests/fuzz_regressions.rs replays it in every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
all_targets=(decode index_state catalog_records)
targets=("${@:-${all_targets[@]}}")
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2; }

export RUSTC_BOOTSTRAP=1 # cargo-fuzz needs nightly flags (-Zsanitizer); stable accepts them with this
export CARGO_TARGET_DIR="${KINDRED_FUZZ_TARGET_DIR:-$HOME/.cache/kindred/fuzz-target}"
work="${KINDRED_FUZZ_DIR:-$HOME/.cache/kindred/fuzz}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked
fi

started=$(date +%s)
cargo fuzz build -O
echo "fuzz: targets built in $(($(date +%s) - started)) s (build output in $CARGO_TARGET_DIR)"

found=0
summary=()
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    artifacts="$work/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    seeds=(fuzz/seeds/"$target")
    [[ -d tests/data/fuzz-regressions/$target ]] && seeds+=(tests/data/fuzz-regressions/"$target")
    stamp="$work/$target.started"
    touch "$stamp"
    log="$work/$target.log"
    echo "fuzz: $target for ${seconds}s (corpus $corpus)"
    set +e
    # -rss_limit_mb: the decoder may legitimately use ~1.3 GB for a 16384-px image (limits in decode.rs)
    # plus AddressSanitizer's overhead. -timeout: one input taking longer is a finding.
    LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" cargo fuzz run -O "$target" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=16384 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
    status=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    new=$(find "$artifacts" -type f -newer "$stamp" | wc -l)
    if [[ $status -ne 0 || $new -gt 0 ]]; then
        found=1
        echo "fuzz: $target FOUND SOMETHING (exit $status); last lines of $log:"
        tail -n 40 "$log"
        find "$artifacts" -type f -newer "$stamp" | sed 's/^/  input: /'
    fi
    line="$target: ${execs:-?} executions in ${seconds}s, corpus $(find "$corpus" -type f | wc -l) inputs, findings $new (exit $status)"
    summary+=("$line")
    echo "fuzz: $line"
done

echo "fuzz: summary ($(($(date +%s) - started)) s in all)"
printf '  %s\n' "${summary[@]}"
if [[ $found -ne 0 ]]; then
    echo "fuzz: findings above; crash inputs are in $work/artifacts/" >&2
    exit 1
fi
