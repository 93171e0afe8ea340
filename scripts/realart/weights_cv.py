#!/usr/bin/env python3
"""Prototype: the weights of `all` (colour, texture, shape), cross-validated
across real-art families AND synthetic sources, and across the two
benchmarks. Measures only; Kindred is not changed.

    weights_cv.py --bin KINDRED --realart CORPUS --synthetic CORPUS --out DIR

1. Per corpus, a fresh library: `kindred import`, then `search --json -k N-1
   --aspect A` for each single aspect A over every query: with one aspect
   active, Kindred's score IS that aspect's similarity, and with an exact index
   (< 2000 artworks) and k = N-1 every other artwork is scored. Cached in
   DIR/<name>-sims.npz.
2. `all` with weights w ranks by sum_a w_a sim_a (Kindred's weighted mean;
   dividing by sum w does not change the order). Each grid point is scored with
   evaluate.py: real art = mean over a set of families of P@10 of same family;
   synthetic = mean of the four tasks over the queries of a set of sources.
3. Splits (never tuned on the split that is reported):
   - 2-fold: families (alternate in sorted order) x sources (alternate in
     sorted order); tune on fold i of both benchmarks (objective: mean of the
     two benchmark scores), report fold 1-i of both;
   - leave-one-family-out on real art (tuned on the other families + all
     synthetic sources), reported per held-out family;
   - cross-benchmark: tuned on one benchmark only, reported on the other.
"""

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

QUALITY = Path(__file__).resolve().parents[1] / "quality"
sys.path.insert(0, str(QUALITY))
import evaluate as ev  # noqa: E402
import kindred_rank as kr  # noqa: E402

ASPECTS = ("colour", "texture", "shape")
DEFAULT = (1.0, 0.5, 0.2)
GRID_C = (0.0, 0.25, 0.5, 1.0)
GRID_T = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
GRID_S = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
TOP = 80  # >= 50 left after removing up to 13 ignored files
CUTOUT_SHARE = 0.01  # Kindred's QueryKind::CUTOUT_SHARE (src/query.rs)
GRID_CUT = [(c, 1.0, s) for c in (0.0, 0.1, 0.25, 0.5) for s in (0.0, 0.1, 0.25, 0.5, 0.75, 1.0)]


def transparent_share(path):
    """Share of pixels with alpha < 250, as Kindred's preprocess::transparent_share measures it."""
    from PIL import Image
    with Image.open(path) as im:
        if "A" not in im.getbands() and "transparency" not in im.info:
            return 0.0
        a = np.asarray(im.convert("RGBA"))[..., 3]
    return float((a < 250).mean())


def similarities(kbin, corpus, cache):
    """(files, queries, S[3, len(queries), len(files)]) from Kindred's CLI."""
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        return list(z["files"]), list(z["queries"]), z["S"]
    man = ev.load_manifest(corpus)
    files, queries = ev.corpus_files(man), ev.query_files(man)
    idx = {f: i for i, f in enumerate(files)}
    S = np.full((3, len(queries), len(files)), -np.inf, np.float32)
    lib = Path(tempfile.mkdtemp(prefix="kindred-weights-lib-"))
    try:
        t0 = time.time()
        summary = kr.import_corpus(kbin, lib, corpus)
        if summary.get("added") != len(files):
            raise SystemExit(f"weights_cv: import added {summary.get('added')} of {len(files)}")
        for a, aspect in enumerate(ASPECTS):
            sc = {}
            rk = kr.search_mode(kbin, lib, corpus, queries, aspect, len(files) - 1, scores=sc)
            for qi, q in enumerate(queries):
                if len(rk[q]) < len(files) - 1:
                    raise SystemExit(f"weights_cv: {aspect} returned {len(rk[q])} results for {q}")
                S[a, qi, [idx[f] for f in rk[q]]] = sc[q]
        print(f"weights_cv: {corpus}: similarities in {time.time() - t0:.0f} s", file=sys.stderr)
    finally:
        shutil.rmtree(lib, ignore_errors=True)
    np.savez(cache, files=np.array(files), queries=np.array(queries), S=S)
    return files, queries, S


def rank(files, queries, S, w):
    """Rankings of `all` with weights w: one (c, t, s) for every query, or a (queries, 3) array."""
    w = np.asarray(w, np.float32)
    comb = np.einsum("qa,aqf->qf", w, np.nan_to_num(S, neginf=-1e9)) if w.ndim == 2 else np.tensordot(w, S, axes=1)
    qidx = {f: i for i, f in enumerate(files)}
    out = {}
    for qi, q in enumerate(queries):
        row = comb[qi].copy()
        row[qidx[q]] = -np.inf
        top = np.argpartition(-row, TOP)[:TOP]
        top = top[np.lexsort((top, -row[top]))]
        out[q] = [files[j] for j in top]
    return {"searcher": f"all {w}", "rankings": out}


class Bench:
    def __init__(self, name, corpus, files, queries, S):
        self.name, self.files, self.queries, self.S = name, files, queries, S
        self.man = ev.load_manifest(corpus)
        self.family = ev.is_family_manifest(self.man)
        if self.family:
            self.groups = sorted({r["family"] for r in self.man})
            self.group_of = None
        else:
            srcs = sorted({r["source"] for r in self.man})
            half = {s: i % 2 for i, s in enumerate(srcs)}
            self.groups = [0, 1]
            self.group_of = {r["file"]: half[r["source"]] for r in self.man}
        self.cache = {}
        self.cutout = np.array([transparent_share(Path(corpus) / q) >= CUTOUT_SHARE for q in queries])

    def weights(self, w):
        """(queries, 3) weights: `w` = (cut-out weights, picture weights), or one triple for all."""
        if isinstance(w[0], tuple):
            return np.where(self.cutout[:, None], np.asarray(w[0], np.float32), np.asarray(w[1], np.float32))
        return w

    def detail(self, w):
        if w not in self.cache:
            det = ev.evaluate_detailed(self.man, rank(self.files, self.queries, self.S, self.weights(w)), group_of=self.group_of)
            if self.family:
                self.cache[w] = {g: det["family"]["by_variant"][g] for g in self.groups}
            else:  # per half: mean of the four tasks
                self.cache[w] = {g: float(np.mean([det[t]["by_group"][g] for t in ev.TASKS])) for g in self.groups}
        return self.cache[w]

    def score(self, w, groups):
        d = self.detail(w)
        return float(np.mean([d[g] for g in groups]))


def grid():
    out = []
    for c, t, s in itertools.product(GRID_C, GRID_T, GRID_S):
        if c + t + s > 0:
            out.append((c, t, s))
    return out


def best(objective, cands):
    return max(cands, key=lambda w: (round(objective(w), 6), w == DEFAULT))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--realart", required=True)
    ap.add_argument("--synthetic", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    R = Bench("real art", a.realart, *similarities(a.bin, a.realart, out / "realart-sims.npz"))
    Y = Bench("synthetic", a.synthetic, *similarities(a.bin, a.synthetic, out / "synthetic-sims.npz"))
    cands = grid()
    fams = R.groups
    fold_f = [fams[0::2], fams[1::2]]
    singles = {"colour": (1.0, 0, 0), "texture": (0, 1.0, 0), "shape": (0, 0, 1.0)}
    lines = [f"# Weights of `all`, cross-validated ({len(cands)} grid points: colour {GRID_C}, "
             f"texture {GRID_T}, shape {GRID_S})", ""]

    def both(w, ff, yy):
        return (R.score(w, ff) + Y.score(w, yy)) / 2

    lines += ["## Whole benchmarks (no tuning; reference)", "",
              "| weights c,t,s | real art (mean over families) | synthetic (mean of 4 tasks) | mean |",
              "| --- | ---: | ---: | ---: |"]
    for name, w in [("default", DEFAULT), *singles.items()]:
        r, y = R.score(w, fams), Y.score(w, [0, 1])
        lines.append(f"| {name} {w} | {r:.3f} | {y:.3f} | {(r + y) / 2:.3f} |")
    lines += ["", "## 2-fold: families x sources (tune on fold i of both, report on the other fold)", "",
              "| tuned on | chosen c,t,s | tuned score | held-out real art | held-out synthetic | "
              "default held-out real art | default held-out synthetic | best single aspect held-out real art |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    res = {"folds": []}
    for i in (0, 1):
        tr_f, te_f, tr_y, te_y = fold_f[i], fold_f[1 - i], [i], [1 - i]
        w = best(lambda w: both(w, tr_f, tr_y), cands)
        bs = max(R.score(v, te_f) for v in singles.values())
        row = {"fold": i, "weights": w, "tuned": both(w, tr_f, tr_y), "heldout_realart": R.score(w, te_f),
               "heldout_synthetic": Y.score(w, te_y), "default_realart": R.score(DEFAULT, te_f),
               "default_synthetic": Y.score(DEFAULT, te_y), "best_single_realart": bs}
        res["folds"].append(row)
        lines.append(f"| fold {i} | {w} | {row['tuned']:.3f} | **{row['heldout_realart']:.3f}** | "
                     f"**{row['heldout_synthetic']:.3f}** | {row['default_realart']:.3f} | "
                     f"{row['default_synthetic']:.3f} | {bs:.3f} |")
    lines += ["", "## Leave one family out (tune on the other families + all synthetic sources)", "",
              "| held-out family | chosen c,t,s | held-out P@10 | default | texture alone |", "| --- | --- | ---: | ---: | ---: |"]
    lofo = []
    for f in fams:
        tr = [g for g in fams if g != f]
        w = best(lambda w: both(w, tr, [0, 1]), cands)
        lofo.append((f, w, R.score(w, [f]), R.score(DEFAULT, [f]), R.score(singles["texture"], [f])))
        lines.append(f"| {f} | {w} | {lofo[-1][2]:.3f} | {lofo[-1][3]:.3f} | {lofo[-1][4]:.3f} |")
    m = np.mean([x[2] for x in lofo]), np.mean([x[3] for x in lofo]), np.mean([x[4] for x in lofo])
    lines.append(f"| **mean over families** | | **{m[0]:.3f}** | {m[1]:.3f} | {m[2]:.3f} |")
    res["lofo"] = lofo
    lines += ["", "## Cross-benchmark (tune on one benchmark only, report on the other)", "",
              "| tuned on | chosen c,t,s | score there | other benchmark | default on the other |",
              "| --- | --- | ---: | ---: | ---: |"]
    wr = best(lambda w: R.score(w, fams), cands)
    wy = best(lambda w: Y.score(w, [0, 1]), cands)
    lines.append(f"| real art | {wr} | {R.score(wr, fams):.3f} | synthetic {Y.score(wr, [0, 1]):.3f} | "
                 f"{Y.score(DEFAULT, [0, 1]):.3f} |")
    lines.append(f"| synthetic | {wy} | {Y.score(wy, [0, 1]):.3f} | real art {R.score(wy, fams):.3f} | "
                 f"{R.score(DEFAULT, fams):.3f} |")
    res["cross"] = {"realart": wr, "synthetic": wy}
    # Issue 11: `all` for cut-outs (queries on a transparent background); pictures keep DEFAULT.
    lines += ["", f"## `all` for cut-outs ({int(R.cutout.sum())} of {len(R.cutout)} real-art queries, "
              f"{int(Y.cutout.sum())} synthetic): cut-out weights tuned on the other families", "",
              "| held-out | chosen cut-out c,t,s | held-out `all` | texture alone | shape alone | default `all` |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    tex, shp = singles["texture"], singles["shape"]
    cut = []
    for name, te in [(f, [f]) for f in fams] + [(f"fold {i} of 2", fold_f[1 - i]) for i in (0, 1)]:
        tr = [g for g in fams if g not in te]
        w = best(lambda w: R.score((w, DEFAULT), tr), GRID_CUT)
        row = (name, w, R.score((w, DEFAULT), te), R.score(tex, te), R.score(shp, te), R.score(DEFAULT, te))
        cut.append(row)
        lines.append(f"| {name} | {w} | **{row[2]:.3f}** | {row[3]:.3f} | {row[4]:.3f} | {row[5]:.3f} |")
    lofo_cut = [r for r in cut if not r[0].startswith("fold")]
    means = [float(np.mean([r[k] for r in lofo_cut])) for k in (2, 3, 4, 5)]
    lines.append(f"| **mean over held-out families** | | **{means[0]:.3f}** | {means[1]:.3f} | {means[2]:.3f} | {means[3]:.3f} |")
    res["cutout"] = cut
    # check: the prototype's default ranking equals Kindred's own `all` (within ties)
    lines += ["", f"({time.time() - t0:.0f} s)"]
    md = "\n".join(lines) + "\n"
    (out / "weights_cv.md").write_text(md)
    (out / "weights_cv.json").write_text(json.dumps(res, indent=2, default=str) + "\n")
    print(md)


if __name__ == "__main__":
    main()
