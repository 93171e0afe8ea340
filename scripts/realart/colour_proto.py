#!/usr/bin/env python3
"""Prototype (issue 11): colour that sees the artwork, not the paper.

A faithful Python copy of Kindred's colour vector (src/colour.rs: soft-binned
5x7x7 CIELAB histogram of the picture squashed to 96x96, fourth root, unit
length; src/preprocess.rs: transparency flattened over white first), and
variants of it, scored on both benchmarks:

  today   flatten over white (Kindred as landed)
  alpha   pixel weight = alpha/255 (colours resized premultiplied); an image
          with no visible pixel falls back to `today`
  border  alpha + the colour of the outer frame (4 %) down-weighted when the
          frame is nearly uniform
  soft    transparent area counted as white at a small weight

Texture and shape similarities are Kindred's own (weights_cv.py's cached
DIR/<name>-sims.npz); only colour is recomputed, so `all` = c*colour +
t*texture + s*shape exactly as Kindred ranks it.

    colour_proto.py --realart CORPUS --synthetic CORPUS --sims DIR [--out DIR]
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

QUALITY = Path(__file__).resolve().parents[1] / "quality"
sys.path.insert(0, str(QUALITY))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402
import weights_cv as wc  # noqa: E402

BINS = np.array([5, 7, 7])
LO = np.array([0.0, -100.0, -100.0], np.float32)
HI = np.array([100.0, 100.0, 100.0], np.float32)
SIDE = 96
WHITE = np.array([0.95047, 1.0, 1.08883], np.float32)
M = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.072175],
              [0.0193339, 0.119192, 0.9503041]], np.float32)


def lab(rgb):
    c = rgb.astype(np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ M.T / WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def histogram(rgb, w):
    """rgb: (n,3) uint8, w: (n,) weights -> unit 245-d vector (colour.rs `histogram`)."""
    keys, inv = np.unique(rgb, axis=0, return_inverse=True)
    wt = np.bincount(inv.ravel(), weights=w, minlength=len(keys))
    L = lab(keys)
    pos = np.clip((L - LO) / (HI - LO) * BINS - 0.5, 0, BINS - 1)
    lo = np.minimum(np.floor(pos).astype(int), BINS - 1)
    fr = pos - lo
    h = np.zeros(int(BINS.prod()))
    for corner in range(8):
        up = np.array([(corner >> d) & 1 for d in range(3)])
        idx = np.minimum(lo + up, BINS - 1)
        ww = wt * np.prod(np.where(up == 1, fr, 1 - fr), 1)
        np.add.at(h, (idx[:, 0] * BINS[1] + idx[:, 1]) * BINS[2] + idx[:, 2], ww)
    r = np.sqrt(np.sqrt(np.maximum(h, 0)))
    return r / max(np.linalg.norm(r), 1e-30)


def flatten(rgba):
    a = rgba[..., 3:4].astype(np.uint32)
    return ((rgba[..., :3].astype(np.uint32) * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def load(path):
    im = Image.open(path)
    im.load()
    alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
    return im.convert("RGBA" if alpha else "RGB"), alpha


def resize(im):
    return np.asarray(im.resize((SIDE, SIDE), Image.BILINEAR))


def vector(path, variant, frame=0.04, tol=10.0, uniform=0.9, down=0.1, soft=0.05):
    im, alpha = load(path)
    if not alpha:
        px = resize(im).reshape(-1, 3)
        w = np.ones(len(px))
    else:
        flat = resize(Image.fromarray(flatten(np.asarray(im))))
        if variant == "today":
            return histogram(flat.reshape(-1, 3), np.ones(SIDE * SIDE))
        rgba = resize(im)  # PIL resizes RGBA premultiplied, as fast_image_resize does
        px, w = rgba[..., :3].reshape(-1, 3), rgba[..., 3].reshape(-1) / 255.0
        if w.sum() <= 0:
            return histogram(flat.reshape(-1, 3), np.ones(SIDE * SIDE))
        if variant == "soft":
            px = np.concatenate([px, [[255, 255, 255]]])
            w = np.concatenate([w, [soft * (SIDE * SIDE - w.sum())]])
            return histogram(px, w)
    if variant == "border":
        b = max(1, round(frame * SIDE))
        mask = np.zeros((SIDE, SIDE), bool)
        mask[:b], mask[-b:], mask[:, :b], mask[:, -b:] = True, True, True, True
        mask = mask.ravel()
        fw = w[mask]
        if fw.sum() > 0.5 * mask.sum():  # frame mostly visible
            L = lab(px)
            med = np.median(L[mask][fw > 0.5], 0)
            near = np.linalg.norm(L - med, axis=1) < tol
            if (fw * near[mask]).sum() >= uniform * fw.sum():
                w = np.where(near, w * down, w)
    return histogram(px, w)


def colour_sims(bench, corpus, variant, **kw):
    root = Path(corpus)
    V = np.stack([vector(root / f, variant, **kw) for f in bench.files]).astype(np.float32)
    qi = [bench.files.index(q) for q in bench.queries]
    return V[qi] @ V.T


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--realart", required=True)
    ap.add_argument("--synthetic", required=True)
    ap.add_argument("--sims", required=True, help="weights_cv.py's output dir (cached sims)")
    ap.add_argument("--variants", default="today,alpha,border,soft")
    a = ap.parse_args(argv)
    sims = Path(a.sims)
    benches = {}
    for name, corpus in (("realart", a.realart), ("synthetic", a.synthetic)):
        z = np.load(sims / f"{name}-sims.npz", allow_pickle=False)
        benches[name] = (corpus, list(z["files"]), list(z["queries"]), z["S"])
    cands = wc.grid()
    for variant in a.variants.split(","):
        R = Y = None
        out = {}
        for name, (corpus, files, queries, S) in benches.items():
            S = S.copy()
            b = wc.Bench(name, corpus, files, queries, S)
            Sc = colour_sims(b, corpus, variant)
            if variant == "today":
                ok = np.isfinite(S[0])
                print(f"{name}: |python - kindred| colour sim max {np.abs(Sc[ok] - S[0][ok]).max():.4f}", file=sys.stderr)
            S[0] = Sc
            b.S = S
            out[name] = b
        R, Y = out["realart"], out["synthetic"]
        fams = R.groups
        det = {w: ev.evaluate_detailed(Y.man, wc.rank(Y.files, Y.queries, Y.S, w)) for w in [(1.0, 0, 0), wc.DEFAULT]}
        line = [variant, R.score((1.0, 0, 0), fams), R.score(wc.DEFAULT, fams), Y.score((1.0, 0, 0), [0, 1]),
                Y.score(wc.DEFAULT, [0, 1])]

        def both(w, ff, yy):
            return (R.score(w, ff) + Y.score(w, yy)) / 2
        # 2-fold families x sources, and leave-one-family-out, held out only
        folds = [fams[0::2], fams[1::2]]
        ho_r, ho_y, chosen = [], [], []
        for i in (0, 1):
            w = wc.best(lambda w: both(w, folds[i], [i]), cands)
            chosen.append(w)
            ho_r.append(R.score(w, folds[1 - i]))
            ho_y.append(Y.score(w, [1 - i]))
        lofo = []
        for f in fams:
            tr = [g for g in fams if g != f]
            w = wc.best(lambda w: both(w, tr, [0, 1]), cands)
            lofo.append(R.score(w, [f]))
        print(f"| {variant} | {line[1]:.3f} | {line[2]:.3f} | {line[3]:.3f} | {line[4]:.3f} | "
              f"{np.mean(ho_r):.3f} | {np.mean(ho_y):.3f} | {np.mean(lofo):.3f} | {chosen} |", flush=True)
        for w in det:
            print(f"   synthetic per task {w}: " + ", ".join(f"{t} {ev_task(det[w], t):.3f}" for t in ev.TASKS),
                  flush=True)
            print(f"   realart per family {w}: " + ", ".join(f"{g} {R.detail(w)[g]:.3f}" for g in fams), flush=True)


def ev_task(d, t):
    return d[t]["score"]


if __name__ == "__main__":
    main()
