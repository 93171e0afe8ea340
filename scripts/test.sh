#!/usr/bin/env bash
# The test command: every test, with the real model, real SQLite and real images.
set -euo pipefail
cd "$(dirname "$0")/.."
"$(dirname "$0")/setup.sh"
cargo test --locked "$@"
