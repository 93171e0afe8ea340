#!/usr/bin/env python3
"""Python baseline for Kindred's import benchmark: the pipeline a user would write by hand.

PIL open -> EXIF transpose -> RGBA composited over white -> RGB -> resize 224x224 BILINEAR + centre crop of the picture fitted in 640 px ->
float32 / 255, CHW -> onnxruntime (intra_op_num_threads=2) on models/kindred-efficientnet-lite0.onnx,
batches of 8, decoding and inference one after the other in one process.

Usage: scripts/bench-python.py [--images DIR] [--limit N] [--threads T] [--batch B] [--repeat R] [--no-limits] [--draft]

--draft: what an expert would add for large JPEGs: Pillow's `Image.draft` (libjpeg-turbo's scaled DCT
decoding), with Kindred's rule (reduce by 2, 4 or 8 while the long side stays above 1024 px). Off by
default: the baseline is the plain pipeline.

Images beyond Kindred's decoder limits (a side over 16384 px, or over 640 MiB as RGBA) are skipped
from their header, as Kindred refuses them, so both sides decode the same images (--no-limits
decodes them anyway; a single 170-megapixel PNG then dominates a 1000-file run).

File subset (identical to benches/kindred_bench.rs): every regular file (symlinks and hidden
entries skipped, directories not followed through symlinks) under DIR whose extension is one of
Kindred's image extensions, sorted by relative path bytes; with `total` files and limit N,
step = max(1, total // N) and the subset is sorted[0], sorted[step], ..., first N. The sha256 of
the relative paths joined by "\n" is printed so the two lists can be compared.

Prints images/s for the timed loop (decode + preprocess + inference, session creation excluded;
with --repeat R the loop runs R times and the median run is reported) and, on the last line, a
JSON object with all figures.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "kindred-efficientnet-lite0.onnx")
EXTENSIONS = {b"jpg", b"jpeg", b"jpe", b"png", b"webp", b"gif", b"bmp", b"tif", b"tiff"}
SIDE = 224


def collect(directory: bytes, prefix: bytes, out: list) -> None:
    with os.scandir(directory) as it:
        for entry in it:
            name = entry.name
            if name.startswith(b"."):
                continue
            rel = prefix + b"/" + name if prefix else name
            if entry.is_dir(follow_symlinks=False):
                collect(entry.path, rel, out)
            elif entry.is_file(follow_symlinks=False):
                ext = name.rsplit(b".", 1)[1].lower() if b"." in name else b""
                if ext in EXTENSIONS:
                    out.append(rel)


def subset(images: str, limit: int):
    rel: list = []
    collect(os.fsencode(images), b"", rel)
    if not rel:
        sys.exit(f"no image files under {images}")
    rel.sort()
    total = len(rel)
    step = max(1, total // limit)
    picked = rel[::step][:limit]
    digest = hashlib.sha256(b"\n".join(picked)).hexdigest()
    files = [os.path.join(os.fsencode(images), r) for r in picked]
    return files, picked, total, step, digest


# Kindred's decoder limits (src/decode.rs: MAX_SIDE, MAX_ALLOC): images beyond them are refused from
# the header, before decoding. Applied here too so that both sides process the same images.
MAX_SIDE = 16_384
MAX_ALLOC = 640 * 1024 * 1024
CROP_CONTEXT = 640
WORKING_SIDE = 1024  # src/preprocess.rs: never reduce a JPEG's long side to this or below (--draft)


class TooLarge(Exception):
    pass


def load(path: bytes, kindred_limits: bool = True, draft: bool = False) -> np.ndarray:
    with Image.open(path) as im:
        w, h = im.size
        if kindred_limits and (w > MAX_SIDE or h > MAX_SIDE or w * h * 4 > MAX_ALLOC):
            raise TooLarge(f"image too large ({w}x{h}; Kindred's limits)")
        n = next((n for n in (8, 4, 2) if max(w, h) > n * WORKING_SIDE), 1)
        if draft and im.format == "JPEG" and n > 1:
            im.draft("RGB", (w // n, h // n))
        im = ImageOps.exif_transpose(im)
        rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    image = rgb.resize((SIDE, SIDE), Image.BILINEAR)
    # The model's second view: the centre 224x224 of the picture fitted in 640 px (enlarged to a
    # 224 short side if smaller), as models/README.md describes.
    w, h = rgb.size
    if max(w, h) > CROP_CONTEXT:
        s = CROP_CONTEXT / max(w, h)
        rgb = rgb.resize((max(1, int(w * s + 0.5)), max(1, int(h * s + 0.5))), Image.BILINEAR)
        w, h = rgb.size
    if min(w, h) < SIDE:
        s = SIDE / min(w, h)
        rgb = rgb.resize((max(SIDE, int(w * s + 0.5)), max(SIDE, int(h * s + 0.5))), Image.BILINEAR)
        w, h = rgb.size
    x, y = (w - SIDE) // 2, (h - SIDE) // 2
    crop = rgb.crop((x, y, x + SIDE, y + SIDE))
    return tuple((np.asarray(v, dtype=np.float32) / 255.0).transpose(2, 0, 1) for v in (image, crop))


def timed_pass(session, files: list, batch_size: int, kindred_limits: bool, draft: bool) -> dict:
    done = failed = 0
    decode_s = infer_s = 0.0
    batch: list = []

    def run(batch: list) -> None:
        nonlocal infer_s
        t = time.perf_counter()
        feeds = {"image": np.stack([b[0] for b in batch]), "crop": np.stack([b[1] for b in batch])}
        outputs = session.run(["shape", "texture"], feeds)  # as Kindred: the baseline-only head is skipped
        infer_s += time.perf_counter() - t
        assert outputs[0].shape[0] == len(batch)

    start = time.perf_counter()
    for f in files:
        t = time.perf_counter()
        try:
            tensor = load(f, kindred_limits, draft)
        except Exception as e:  # a user's script would skip unreadable files too
            failed += 1
            print(f"  failed: {os.fsdecode(f)}: {e}", file=sys.stderr)
            continue
        finally:
            decode_s += time.perf_counter() - t
        batch.append(tensor)
        done += 1
        if len(batch) == batch_size:
            run(batch)
            batch = []
    if batch:
        run(batch)
    return {"images": done, "failed": failed, "seconds": time.perf_counter() - start,
            "decode_s": decode_s, "infer_s": infer_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", default="/usr/share/openclipart/png")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--no-limits", action="store_true",
                    help="decode images beyond Kindred's size limits too (by default they are skipped, as Kindred does)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the files (median reported)")
    ap.add_argument("--draft", action="store_true",
                    help="decode large JPEGs reduced with Image.draft (libjpeg-turbo DCT scaling), as Kindred does")
    args = ap.parse_args()

    files, rel, total, step, digest = subset(args.images, args.limit)
    print(f"subset: {len(files)} of {total} image files under {args.images} (every {step}th of the sorted list), "
          f"list sha256 {digest}")
    print(f"first {os.fsdecode(rel[0])}, last {os.fsdecode(rel[-1])}")
    # Same page-cache state as the Rust benchmark, which reads every file before importing.
    for f in files:
        with open(f, "rb") as fh:
            fh.read()

    t = time.perf_counter()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(MODEL, sess_options=opts, providers=["CPUExecutionProvider"])
    load_s = time.perf_counter() - t
    inputs = [i.name for i in session.get_inputs()]
    if inputs != ["image", "crop"]:
        sys.exit(f"model inputs {inputs}, expected ['image', 'crop'] (see models/README.md)")
    print(f"onnxruntime {ort.__version__}, session created in {load_s * 1000:.0f} ms, "
          f"intra_op_num_threads={args.threads}, batch {args.batch}")

    runs = []
    for r in range(max(1, args.repeat)):
        run = timed_pass(session, files, args.batch, not args.no_limits, args.draft)
        runs.append(run)
        print(f"python run {r + 1}: {run['images']} images ({run['failed']} failed) in {run['seconds']:.2f} s = "
              f"{run['images'] / run['seconds']:.1f} images/s (decode+preprocess {run['decode_s']:.2f} s = "
              f"{1000 * run['decode_s'] / max(run['images'], 1):.2f} ms/image, inference {run['infer_s']:.2f} s = "
              f"{1000 * run['infer_s'] / max(run['images'], 1):.2f} ms/image)")
    runs.sort(key=lambda r: r["images"] / r["seconds"])
    run = runs[len(runs) // 2]
    done, failed, elapsed, decode_s, infer_s = run["images"], run["failed"], run["seconds"], run["decode_s"], run["infer_s"]
    rate = done / elapsed
    print(f"python (median of {len(runs)}): {done} images in {elapsed:.2f} s = {rate:.1f} images/s; "
          f"with session creation {done / (elapsed + load_s):.1f} images/s")
    print(json.dumps({
        "images_dir": args.images,
        "files": len(files),
        "files_total": total,
        "step": step,
        "list_sha256": digest,
        "images": done,
        "failed": failed,
        "seconds": round(elapsed, 3),
        "images_per_s": round(rate, 2),
        "images_per_s_all_runs": [round(r["images"] / r["seconds"], 2) for r in runs],
        "images_per_s_with_session": round(done / (elapsed + load_s), 2),
        "session_seconds": round(load_s, 3),
        "decode_ms_per_image": round(1000 * decode_s / max(done, 1), 3),
        "inference_ms_per_image": round(1000 * infer_s / max(done, 1), 3),
        "kindred_limits": not args.no_limits,
        "draft": args.draft,
        "threads": args.threads,
        "batch": args.batch,
        "onnxruntime": ort.__version__,
    }))


if __name__ == "__main__":
    main()
