#!/usr/bin/env bash
# Installs what Kindred's build, tests and app need on a fresh Debian machine (idempotent).
#  - Xvfb, Mesa (GL + lavapipe) and X11 client libraries: the desktop app and its screenshot script.
#  - ONNX Runtime's shared library from PyPI (build.rs would fetch it too; doing it here fails early
#    and clearly if PyPI is unreachable).
set -euo pipefail
need=(xvfb xauth libgl1-mesa-dri libegl1 libgl1 mesa-vulkan-drivers libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
"$(dirname "$0")/fetch-onnxruntime.sh" >/dev/null
echo "setup: system packages and ONNX Runtime ready"
