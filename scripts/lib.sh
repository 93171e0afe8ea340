# Helpers shared by scripts/*.sh. Source it, do not run it:
#   . "$(dirname "$0")/lib.sh"
#
#   KINDRED_REPO            the checkout's root (absolute, symlinks resolved)
#   ort_version             prints the ONNX Runtime release pinned in Cargo.toml
#                           ([package.metadata.kindred] onnxruntime), the one place it is written
#   check_ort_pin FILE      fails unless FILE's `onnxruntime==X.Y.Z` pin equals ort_version
#   outside_repo PATH       fails if PATH is the checkout or inside it
#   make_venv DIR PIP_ARGS...
#                           a Python venv outside the checkout with `pip install PIP_ARGS...`;
#                           (re)installed when the arguments or the content of a `-r FILE` changed
#                           (stamp file DIR/.kindred-venv-stamp)
#   even_subset N           stdin: a sorted list, one item a line; stdout: N items evenly spread
#                           over it, line floor(i * total / N) for i = 0 .. N-1 (all when N >= total)
#
# Functions print a one-line reason on stderr and return non-zero; they never exit the caller.

KINDRED_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# The `onnxruntime = "X.Y.Z"` line of [package.metadata.kindred] in Cargo.toml (default: the
# checkout's; build.rs reads the same line the same way).
ort_version() {
    local toml=${1:-$KINDRED_REPO/Cargo.toml} v
    [ -f "$toml" ] || { echo "ort_version: no $toml" >&2; return 1; }
    v=$(awk '
        /^[ \t]*\[/ { h = $0; sub(/#.*/, "", h); gsub(/[ \t]/, "", h); in_table = (h == "[package.metadata.kindred]"); next }
        in_table && /^[ \t]*onnxruntime[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]*(#.*)?$/, ""); print; exit }
    ' "$toml")
    if [[ "$v" =~ ^\"([0-9]+\.[0-9]+\.[0-9]+)\"$ ]]; then
        echo "${BASH_REMATCH[1]}"
    else
        echo "ort_version: no 'onnxruntime = \"X.Y.Z\"' line under [package.metadata.kindred] in $toml (found: '${v}')" >&2
        return 1
    fi
}

# Python requirement files cannot read Cargo.toml: their pin must equal it, or the venv would test
# another ONNX Runtime than the one Kindred is built against.
check_ort_pin() {
    local file=$1 want pin
    want=$(ort_version) || return 1
    pin=$(sed -n 's/^[ \t]*onnxruntime[ \t]*==[ \t]*\([^ \t#]*\).*/\1/p' "$file")
    if [ "$pin" != "$want" ]; then
        echo "$file pins onnxruntime==${pin:-<nothing>} but Cargo.toml [package.metadata.kindred] says $want: make them equal" >&2
        return 1
    fi
}

outside_repo() {
    case "$(realpath -m "$1")/" in
        "$KINDRED_REPO"/*) echo "$1 must live outside the repository ($KINDRED_REPO)" >&2; return 1 ;;
    esac
}

make_venv() {
    local dir=$1 stamp_file want a prev=
    shift
    outside_repo "$dir" || return 1
    # What is asked for: the pip arguments, and the content of every requirements file among them
    # (paths relative to the checkout, so two checkouts sharing a venv agree on its stamp).
    want="pip install $*"
    want=${want//"$KINDRED_REPO/"/}
    for a in "$@"; do
        if [ "$prev" = -r ]; then
            [ -f "$a" ] && [ -r "$a" ] || { echo "make_venv: cannot read requirements file $a" >&2; return 1; }
            want+=$'\n'"${a#"$KINDRED_REPO/"} $(sha256sum <"$a" | cut -d' ' -f1)"
        fi
        prev=$a
    done
    stamp_file="$dir/.kindred-venv-stamp"
    if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    echo "$(basename "$0" .sh): preparing Python venv $dir (pip install $*)" >&2
    rm -f "$stamp_file"
    # An existing venv is kept (re-running `venv` could switch its interpreter), only pip runs again.
    [ -x "$dir/bin/python" ] || python3 -m venv "$dir" \
        || { echo "python3 -m venv $dir failed (Debian: apt-get install python3-venv)" >&2; return 1; }
    "$dir/bin/pip" install --disable-pip-version-check -q "$@" \
        || { echo "pip install $* into $dir failed" >&2; return 1; }
    printf '%s\n' "$want" >"$stamp_file"
}

even_subset() {
    awk -v n="$1" '{ line[NR] = $0 } END {
        total = NR
        if (n >= total) { for (i = 1; i <= total; i++) print line[i] }
        else { for (i = 0; i < n; i++) print line[int(i * total / n) + 1] }
    }'
}

# kindred_bin NAME: the kindred binary a benchmark script runs, printed on stdout: $KINDRED_BIN when
# set, else a release build in $CARGO_TARGET_DIR (messages prefixed with NAME go to stderr).
kindred_bin() {
    local name=$1 bin
    if [ -n "${KINDRED_BIN:-}" ]; then
        bin=$KINDRED_BIN
    else
        echo "$name: cargo build --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
        (cd "$KINDRED_REPO" && cargo build --release --quiet) || { echo "$name: cargo build --release failed" >&2; return 1; }
        bin="$CARGO_TARGET_DIR/release/kindred"
    fi
    [ -x "$bin" ] || { echo "$name: kindred binary '$bin' not found or not executable (set KINDRED_BIN or build)" >&2; return 1; }
    echo "$bin"
}
