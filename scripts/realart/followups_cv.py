"""Prototype: two follow-ups to reach 0.85 on real art, each cross-validated (never reported on the split
it was tuned on). Measures only; Kindred is not changed.

    followups_cv.py FEATURES_DIR SIMS_DIR [--bbox | --shape]

FEATURES_DIR holds texture_features.py's lite0-{realart,ref}.npz; SIMS_DIR is weights_cv.py's --out
(Kindred's per-aspect similarities of every pair, both benchmarks). Texture similarities are recomputed
from the features with Kindred's recipe (rendering part for cut-out queries only), so the model's
texture is reproduced and a candidate can be added to it.

1. Deep mean in cut-out texture: the deepest stage's pooled mean (320 channels, blocks 11-15, which
   Kindred's model does not compute today) added to the cut-out texture at weight m; m and the cut-out
   weights of `all` chosen together on the training families (leave one family out, and 2-fold).
2. Calibrated `all`: each aspect's similarity mapped through the corpus's own CDF of pair
   similarities (the "more alike than N % of pairs" score) before weighting; picture weights tuned
   2-fold on the synthetic sources, cut-out weights leave-one-family-out on real art.
"""
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE)); sys.path.insert(0, str(HERE.parent / "quality"))
import weights_cv as wc  # noqa: E402

CORPORA = Path.home() / ".cache/kindred"
TEXTURE = [("cgram40", 1.0), ("igram112@128", 1.0)]  # Kindred's texture: brushwork, rendering (cut-outs)
DEEP_MEAN = (0.0, 0.25, 0.5, 0.75, 1.0)


def blocks(feat, ref):
    """texture_sweep.py's recipe: standardised on the reference set, optional PCA, unit length."""
    cache = {}
    def block(key):
        if key in cache:
            return cache[key]
        name, _, dim = key.partition("@")
        r = ref[name].astype(np.float64); mu = r.mean(0); sd = np.maximum(r.std(0), 1e-6)
        x = (feat[name].astype(np.float64) - mu) / sd
        if dim:
            z = (r - mu) / sd
            x = x @ np.linalg.svd(z - z.mean(0), full_matrices=False)[2][: int(dim)].T
        cache[key] = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return cache[key]
    return lambda spec: np.concatenate([np.sqrt(w) * block(k) for k, w in spec], 1)


def texture_sims(vec, files, queries, cutout, spec):
    v = vec(spec); v /= np.linalg.norm(v, axis=1, keepdims=True)
    brush = vec(spec[:1])
    qi = [files.index(q) for q in queries]
    return np.where(cutout[:, None], v[qi] @ v.T, brush[qi] @ brush.T).astype(np.float32)


def cdf(S, seed=0):
    rng, out = np.random.default_rng(seed), S.copy()
    for a in range(S.shape[0]):
        fin = np.isfinite(S[a]); x = S[a][fin]
        ref = np.sort(rng.choice(x, min(200_000, x.size), replace=False))
        out[a][fin] = np.searchsorted(ref, S[a][fin]) / ref.size
    return out




def main():
    feats, sims = Path(sys.argv[1]), Path(sys.argv[2])
    if sys.argv[3:] == ["--bbox"]:
        return bbox_cv(feats, sims)
    if sys.argv[3:] == ["--shape"]:
        return shape_cv(feats, sims)
    real_corpus, syn_corpus = CORPORA / "realart/full/corpus", CORPORA / "quality/full/corpus"
    z = np.load(sims / "realart-sims.npz"); files, queries, S = list(z["files"]), list(z["queries"]), z["S"].copy()
    feat, ref = np.load(feats / "lite0-realart.npz"), np.load(feats / "lite0-ref.npz")
    assert list(feat["names"]) == files, "feature and similarity files list different images"
    vec = blocks(feat, ref)
    R = wc.Bench("real art", str(real_corpus), files, queries, S)
    fams = R.groups

    print("## 1. Deep mean in cut-out texture (m = its weight)")
    by_m = {}
    for m in DEEP_MEAN:
        spec = TEXTURE + ([("imean320", m)] if m else [])
        Rm = wc.Bench("real art", str(real_corpus), files, queries, S.copy())
        Rm.S[1] = texture_sims(vec, files, queries, Rm.cutout, spec)
        by_m[m] = Rm
        print(f"m {m}: cut-out all (0,1,0.25) on every family {Rm.score(((0, 1, .25), wc.DEFAULT), fams):.3f}", flush=True)
    cands = [(m, w) for m in DEEP_MEAN for w in wc.GRID_CUT]
    score = lambda c, fs: by_m[c[0]].score((c[1], wc.DEFAULT), fs)
    for label, space in (("m and cut-out weights tuned", cands), ("m = 0 (Kindred's texture)", [(0.0, w) for w in wc.GRID_CUT])):
        held = []
        for f in fams:
            c = max(space, key=lambda c: (round(score(c, [g for g in fams if g != f]), 6), c == (0.0, (0, 1, .25))))
            held.append(score(c, [f])); print(f"  {f:18s} chose {c} held-out {held[-1]:.3f}")
        print(f"{label}: leave-one-family-out mean {np.mean(held):.3f}")
        for i in (0, 1):
            tr, te = fams[i::2], fams[1 - i::2]
            c = max(space, key=lambda c: (round(score(c, tr), 6), c == (0.0, (0, 1, .25))))
            print(f"  2-fold {i}: chose {c} held-out {score(c, te):.3f}")

    print("\n## 2. Calibrated all (per-aspect CDF) vs raw cosines")
    zs = np.load(sims / "synthetic-sims.npz")
    S[1] = by_m[0.0].S[1]
    for label, T in (("raw", lambda x: x), ("cdf", cdf)):
        Rc = wc.Bench("real art", str(real_corpus), files, queries, T(S))
        Y = wc.Bench("synthetic", str(syn_corpus), list(zs["files"]), list(zs["queries"]), T(zs["S"].copy()))
        for i in (0, 1):
            w = wc.best(lambda w: Y.score(w, [i]), wc.grid())
            print(f"{label}: synthetic fold {i} chose {w}, held-out {Y.score(w, [1 - i]):.3f}")
        picture = wc.DEFAULT if label == "raw" else wc.best(lambda w: Y.score(w, [0, 1]), wc.grid())
        held = []
        for f in fams:
            wcut = wc.best(lambda w: Rc.score((w, picture), [g for g in fams if g != f]), wc.GRID_CUT)
            held.append(Rc.score((wcut, picture), [f]))
        print(f"{label}: picture weights {picture}, real-art leave-one-family-out mean {np.mean(held):.3f}", flush=True)


def bbox_cv(feats, sims):
    """3. Cut-outs cropped to their content (texture_features.py lite0-bbox): shape and texture of
    cut-out queries recomputed from the features for both the baseline and the candidate, cut-out
    weights chosen leave-one-family-out."""
    z = np.load(sims / "realart-sims.npz"); files, queries, S = list(z["files"]), list(z["queries"]), z["S"].copy()
    ref = np.load(feats / "lite0-ref.npz")
    R = wc.Bench("real art", str(CORPORA / "realart/full/corpus"), files, queries, S)
    qi = [files.index(q) for q in queries]
    print("\n## 3. Cut-outs cropped to their content before the CNN")
    for name in ("lite0", "lite0-bbox"):
        feat = np.load(feats / f"{name}-realart.npz"); assert list(feat["names"]) == files
        vec = blocks(feat, ref)
        Rb = wc.Bench("real art", str(CORPORA / "realart/full/corpus"), files, queries, S.copy())
        Rb.S[1] = texture_sims(vec, files, queries, Rb.cutout, TEXTURE)
        sh = vec([("igrid112", 1.0)])
        Rb.S[2] = (sh[qi] @ sh.T).astype(np.float32)
        if name == "lite0":
            print(f"shape from features vs Kindred's: correlation {np.corrcoef(S[2][np.isfinite(S[2])], Rb.S[2][np.isfinite(S[2])])[0, 1]:.4f}")
        fams, held = Rb.groups, []
        for f in fams:
            w = wc.best(lambda w: Rb.score((w, wc.DEFAULT), [g for g in fams if g != f]), wc.GRID_CUT)
            held.append(Rb.score((w, wc.DEFAULT), [f]))
        folds = []
        for i in (0, 1):
            w = wc.best(lambda w: Rb.score((w, wc.DEFAULT), fams[i::2]), wc.GRID_CUT)
            folds.append(f"{Rb.score((w, wc.DEFAULT), fams[1 - i::2]):.3f}")
        print(f"{name}: all (0,1,0.25) on every family {Rb.score(((0, 1, .25), wc.DEFAULT), fams):.3f}; "
              f"leave-one-family-out {np.mean(held):.3f}; 2-fold held out {' / '.join(folds)}; "
              f"texture alone {Rb.score(((0, 1, 0), (0, 1, 0)), fams):.3f}; shape alone {Rb.score(((0, 0, 1), (0, 0, 1)), fams):.3f}")
        print("  per family (LOFO):", " ".join(f"{f} {h:.3f}" for f, h in zip(fams, held)), flush=True)


def shape_cv(feats, sims):
    """4. A multi-scale shape grid (the 80-channel stage's 3x3 grid beside the 112-channel one) or
    shape plus a global mean: real-art LOFO of `all` (cut-out weights re-chosen), synthetic shape
    content/copy and `all`'s mean with its weights."""
    ref = np.load(feats / "lite0-ref.npz")
    def bench(name, corpus):
        z = np.load(sims / f"{name}-sims.npz"); files, queries = list(z["files"]), list(z["queries"])
        fe = np.load(feats / f"lite0-{name}.npz"); assert list(fe["names"]) == files
        return wc.Bench(name, str(corpus), files, queries, z["S"].copy()), blocks(fe, ref), [files.index(q) for q in queries]
    R, rv, rqi = bench("realart", CORPORA / "realart/full/corpus")
    R.S[1] = texture_sims(rv, R.files, R.queries, R.cutout, TEXTURE)
    Y, yv, yqi = bench("synthetic", CORPORA / "quality/full/corpus")
    print("\n## 4. Shape: multi-scale grid, global mean")
    specs = {"Kindred's shape": [("igrid112", 1)], "+ 80-channel grid x0.5": [("igrid112", 1), ("igrid80", .5)],
             "+ 80-channel grid x1": [("igrid112", 1), ("igrid80", 1)], "+ 112-channel mean x0.25": [("igrid112", 1), ("imean112", .25)],
             "+ 112-channel mean x0.5": [("igrid112", 1), ("imean112", .5)]}
    for label, spec in specs.items():
        for B, vec, qi in ((R, rv, rqi), (Y, yv, yqi)):
            x = vec(spec); x /= np.linalg.norm(x, axis=1, keepdims=True); B.S[2] = (x[qi] @ x.T).astype(np.float32); B.cache = {}
        fams, held = R.groups, []
        for f in fams:
            w = wc.best(lambda w: R.score((w, wc.DEFAULT), [g for g in fams if g != f]), wc.GRID_CUT)
            held.append(R.score((w, wc.DEFAULT), [f]))
        shape = wc.ev.evaluate_detailed(Y.man, wc.rank(Y.files, Y.queries, Y.S, (0, 0, 1)))
        both = wc.ev.evaluate_detailed(Y.man, wc.rank(Y.files, Y.queries, Y.S, wc.DEFAULT))
        print(f"{label:26s} real art LOFO {np.mean(held):.3f}, shape alone {R.score(((0, 0, 1), (0, 0, 1)), fams):.3f} | synthetic shape "
              f"content {shape['content']['score']:.3f} copy {shape['copy']['score']:.3f}, all mean {np.mean([both[t]['score'] for t in wc.ev.TASKS]):.3f}", flush=True)


if __name__ == "__main__":
    main()
