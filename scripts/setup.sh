#!/usr/bin/env bash
# Installs what Kindred's build, tests and app need on a fresh Debian machine (idempotent).
#  - Xvfb, Mesa (GL + lavapipe) and X11 client libraries: the desktop app and its screenshot script.
#  - libheif (HEIC and AVIF decoding; its -dev package for the build, with libde265 and dav1d) and the
#    tools the format tests make real files with: ImageMagick (PSD, TGA, ICO), heif-enc, avifenc, cjxl.
#  - ONNX Runtime's shared library from PyPI (build.rs would fetch it too; doing it here fails early
#    and clearly if PyPI is unreachable).
set -euo pipefail
"$(dirname "$0")/apt-install.sh" xvfb xauth libgl1-mesa-dri libegl1 libgl1 mesa-vulkan-drivers libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
"$(dirname "$0")/apt-install.sh" pkg-config libheif-dev imagemagick libheif-examples libavif-bin libjxl-tools
"$(dirname "$0")/fetch-onnxruntime.sh" >/dev/null
echo "setup: system packages and ONNX Runtime ready"
