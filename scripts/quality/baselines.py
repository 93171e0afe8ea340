#!/usr/bin/env python3
"""Baseline searchers for the retrieval-quality benchmark.

    baselines.py --corpus DIR --out RANKDIR [--model ONNX] [--only NAME,...]

Writes RANKDIR/<name>.json (rankings format of evaluate.py) for:
  random     seeded random order (seed 0)
  dhash      imagehash.dhash, 8x8 -> 64 bits, Hamming distance
  phash      imagehash.phash, 8x8 -> 64 bits (32x32 DCT), Hamming distance
  hsv-hist   HSV colour histogram, 16 (H) x 4 (S) x 4 (V) = 256 bins over a
             <=256-px copy, L1-normalised, chi-square distance
             0.5 * sum (a-b)^2/(a+b)
  cnn-pooled EfficientNet-Lite0 global-average-pooled 1280-d head activation
             (the plain ImageNet embedding) from the repo's benchmark-only ONNX model
             models/baseline-efficientnet-lite0-pooled.onnx (output `pooled`;
             exported by models/export.py from the same weights as Kindred's), cosine. Preprocessing as
             models/export.py: EXIF transpose, RGBA over opaque white, RGB,
             224x224 Pillow BILINEAR (aspect ignored), pixel/255, NCHW.
All images are opened with Pillow and flattened over white first (the corpus
images are already opaque).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO / "models" / "baseline-efficientnet-lite0-pooled.onnx"
NAMES = ("random", "dhash", "phash", "hsv-hist", "cnn-pooled")
LABELS = {"random": "random", "dhash": "dHash", "phash": "pHash", "hsv-hist": "HSV histogram",
          "cnn-pooled": "raw CNN pooled"}
Image.MAX_IMAGE_PIXELS = None


def flatten_rgb(path):
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        im = im.convert("RGBA")
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, im).convert("RGB")


def hash_bits(h):
    return np.asarray(h.hash, dtype=np.float64).reshape(-1)


def hsv_hist(im, bins=(16, 4, 4)):
    small = im.copy()
    small.thumbnail((256, 256), Image.BILINEAR)
    hsv = np.asarray(small.convert("HSV"), dtype=np.int64).reshape(-1, 3)
    idx = [(hsv[:, c] * b) // 256 for c, b in enumerate(bins)]
    flat = (idx[0] * bins[1] + idx[1]) * bins[2] + idx[2]
    h = np.bincount(flat, minlength=bins[0] * bins[1] * bins[2]).astype(np.float64)
    return h / h.sum()


def cnn_input(im):
    arr = np.asarray(im.resize((224, 224), Image.BILINEAR), dtype=np.float32) / np.float32(255.0)
    return arr.transpose(2, 0, 1)


class PooledCNN:
    def __init__(self, model_path, threads=2):
        import hashlib
        import onnxruntime as ort
        expected = Path(str(model_path) + ".sha256").read_text().strip()
        actual = hashlib.sha256(Path(model_path).read_bytes()).hexdigest()
        if actual != expected:
            raise SystemExit(f"baselines: {model_path} has sha256 {actual}, its .sha256 file says {expected}")
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
        outs = [o.name for o in self.sess.get_outputs()]
        if "pooled" not in outs:
            raise SystemExit(f"baselines: {model_path} has no `pooled` output ({outs}); see models/README.md")
        self.output = "pooled"
        inputs = [i.name for i in self.sess.get_inputs()]
        if inputs != ["image"]:
            raise SystemExit(f"baselines: {model_path}: inputs are {inputs}, expected ['image']")
        print(f"baselines: raw CNN vector = ONNX output `{self.output}` of {model_path} "
              f"(onnxruntime {ort.__version__})", file=sys.stderr)

    def __call__(self, batch):
        return self.sess.run([self.output], {"image": np.stack(batch)})[0]


def features(corpus, files, want, model_path, batch=32):
    feats = {n: [] for n in want if n != "random"}
    cnn = PooledCNN(model_path) if "cnn-pooled" in want else None
    if "dhash" in want or "phash" in want:
        import imagehash
    pending = []
    for f in files:
        im = flatten_rgb(Path(corpus) / f)
        if "dhash" in want:
            feats["dhash"].append(hash_bits(imagehash.dhash(im, hash_size=8)))
        if "phash" in want:
            feats["phash"].append(hash_bits(imagehash.phash(im, hash_size=8)))
        if "hsv-hist" in want:
            feats["hsv-hist"].append(hsv_hist(im))
        if cnn is not None:
            pending.append(cnn_input(im))
            if len(pending) == batch:
                feats["cnn-pooled"].extend(cnn(pending))
                pending = []
    if cnn is not None and pending:
        feats["cnn-pooled"].extend(cnn(pending))
    meta = {"cnn_output": cnn.output if cnn else None}
    return {n: np.asarray(v) for n, v in feats.items()}, meta


METRIC = {"dhash": "hamming", "phash": "hamming", "hsv-hist": "chi2", "cnn-pooled": "cosine"}


def run(corpus, out, model_path=DEFAULT_MODEL, only=NAMES, top=100):
    """Compute the baselines' rankings, write OUT/<name>.json, return
    {name: rankings} and meta (which CNN output was used, timings)."""
    man = ev.load_manifest(corpus)
    files = ev.corpus_files(man)
    queries = ev.query_files(man)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    feats, meta = features(corpus, files, only, model_path)
    meta["feature_seconds"] = round(time.time() - t0, 1)
    res = {}
    for n in only:
        if n == "random":
            rk = ev.rank_random(files, searcher=LABELS[n], top=top, queries=queries, seed=0)
        else:
            rk = ev.rank_by_vectors(files, feats[n], metric=METRIC[n], searcher=LABELS[n], top=top,
                                    queries=queries)
        ev.save_rankings(rk, out / f"{n}.json")
        res[n] = rk
    meta["seconds"] = round(time.time() - t0, 1)
    print(f"baselines: {', '.join(only)} on {len(files)} images in {meta['seconds']} s", file=sys.stderr)
    return res, meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--only", default=",".join(NAMES))
    a = ap.parse_args(argv)
    only = [n for n in a.only.split(",") if n]
    bad = [n for n in only if n not in NAMES]
    if bad:
        raise SystemExit(f"baselines: unknown {bad}; known {NAMES}")
    run(a.corpus, a.out, a.model, only)


if __name__ == "__main__":
    main()
