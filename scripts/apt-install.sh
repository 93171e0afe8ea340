#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are not installed yet (idempotent; sudo
# when not root). Exits 1 with a one-line reason if apt-get fails.
#   scripts/apt-install.sh PACKAGE...
set -euo pipefail
missing=()
for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "$(basename "$0"): installing ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq || { echo "apt-get update failed" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  || { echo "apt-get install ${missing[*]} failed" >&2; exit 1; }
