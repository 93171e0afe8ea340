#!/usr/bin/env python3
"""Prototype, measured and not shipped (BENCHMARKS.md, "Real art", follow-ups): two candidates for
`all`, cross-validated as weights_cv.py does (never reported on the split they were chosen on).

    expansion_cv.py --bin KINDRED --realart CORPUS --synthetic CORPUS --out DIR [--colour-use]

- Query expansion, in score space: each candidate's score gains alpha x its score against each of
  the query's first m hits (Kindred's per-query weights). m, alpha chosen on the training families
  and synthetic sources together; leave one family out, and two-fold (families x sources).
- --colour-use: a hue-blind vector of a cut-out's opaque pixels (lightness and saturation
  histograms, colourfulness, colour count, gradient steps, outline contrast, alpha softness; 31
  values standardised on 1,500 openclipart PNGs), mixed into cut-out texture at share c2, chosen the
  same way (real art only: the synthetic corpus has no cut-outs).

Similarities come from Kindred's CLI (weights_cv.similarities, cached in DIR); query expansion needs
a row for every file, so the synthetic originals (not queries) are searched too.
"""
import argparse, random, shutil, sys, tempfile
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE)); sys.path.insert(0, str(HERE.parent / "quality"))
import weights_cv as W  # noqa: E402
import evaluate as ev  # noqa: E402
import kindred_rank as kr  # noqa: E402

CUT, PIC = (0.0, 1.0, 0.25), (1.0, 0.5, 0.2)  # Kindred's `all` (QueryKind::CUTOUT_WEIGHTS, Weights::ALL)


def full_rows(kbin, corpus, files, queries, S, cache):
    """S with a row for every file (synthetic originals are not queries: searched here)."""
    missing = [f for f in files if f not in set(queries)]
    extra = {}
    if missing:
        if cache.exists():
            z = np.load(cache)
            extra = {f: z["E"][i] for i, f in enumerate(z["files"])}
        else:
            idx = {f: i for i, f in enumerate(files)}
            E = np.full((len(missing), 3, len(files)), -np.inf, np.float32)
            lib = tempfile.mkdtemp(prefix="kindred-expansion-")
            try:
                kr.import_corpus(kbin, lib, corpus)
                for a, aspect in enumerate(W.ASPECTS):
                    sc = {}
                    rk = kr.search_mode(kbin, lib, corpus, missing, aspect, len(files) - 1, scores=sc)
                    for i, q in enumerate(missing):
                        E[i, a, [idx[f] for f in rk[q]]] = sc[q]
            finally:
                shutil.rmtree(lib, ignore_errors=True)
            np.savez(cache, files=np.array(missing), E=E)
            extra = {f: E[i] for i, f in enumerate(missing)}
    qi = {q: i for i, q in enumerate(queries)}
    out = np.stack([S[:, qi[f], :] if f in qi else extra[f] for f in files], axis=1)
    return np.nan_to_num(out, neginf=np.nan)


class Scorer:
    """P@10 per group (families, or synthetic halves) of a ranking rule, cached by its key."""

    def __init__(self, bench, rows):
        self.b, self.rows, self.cache = bench, rows, {}
        fidx = {f: i for i, f in enumerate(bench.files)}
        self.qrow = np.array([fidx[q] for q in bench.queries])
        w = np.where(bench.cutout[:, None], np.asarray(CUT, np.float32), np.asarray(PIC, np.float32))
        self.w = w / w.sum(1, keepdims=True)

    def matrix(self, key):
        kind = key[0]
        M = np.empty((len(self.b.queries), len(self.b.files)), np.float32)
        for k, r in enumerate(self.qrow):
            w = self.w[k]
            if kind == "colour-use":
                tex = self.rows[1, r, :]
                if self.b.cutout[k]:
                    tex = (1 - key[1]) * tex + key[1] * self.use[r]
                base = w[0] * self.rows[0, r, :] + w[1] * tex + w[2] * self.rows[2, r, :]
            else:
                base = np.tensordot(w, self.rows[:, r, :], axes=1)
            base = np.nan_to_num(base, nan=-np.inf)
            base[r] = -np.inf
            if kind == "qe" and key[1] > 0:
                m, alpha = key[1], key[2]
                nb = np.argpartition(-base, m)[:m]
                add = np.zeros_like(base)
                for x in nb:
                    sx = np.nan_to_num(np.tensordot(w, self.rows[:, x, :], axes=1), nan=0.0)
                    sx[x] = 1.0
                    add += alpha * sx
                base = np.where(np.isfinite(base), base + add, -np.inf)
            M[k] = base
        return M

    def detail(self, key):
        if key not in self.cache:
            M, rk = self.matrix(key), {}
            for k, q in enumerate(self.b.queries):
                top = np.argpartition(-M[k], W.TOP)[:W.TOP]
                rk[q] = [self.b.files[j] for j in top[np.lexsort((top, -M[k][top]))]]
            det = ev.evaluate_detailed(self.b.man, {"searcher": str(key), "rankings": rk}, group_of=self.b.group_of)
            if self.b.family:
                self.cache[key] = {g: det["family"]["by_variant"][g] for g in self.b.groups}
            else:
                self.cache[key] = {g: float(np.mean([det[t]["by_group"][g] for t in ev.TASKS])) for g in self.b.groups}
        return self.cache[key]

    def score(self, key, groups):
        d = self.detail(key)
        return float(np.mean([d[g] for g in groups]))


def colour_use(path):
    from PIL import Image
    im = Image.open(path).convert("RGBA")
    if max(im.size) > 256:
        im.thumbnail((256, 256))
    a = np.asarray(im, np.float32) / 255.0
    rgb, al = a[..., :3], a[..., 3]
    op = al >= 0.5
    if op.sum() < 16:
        op = np.ones_like(op)
    px = rgb[op]
    mx, mn = px.max(1), px.min(1)
    L, S = (mx + mn) / 2, np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0)
    lum = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    f = list(np.histogram(L, bins=8, range=(0, 1))[0] / len(L)) + list(np.histogram(S, bins=8, range=(0, 1))[0] / len(S))
    rg, yb = px[:, 0] - px[:, 1], 0.5 * (px[:, 0] + px[:, 1]) - px[:, 2]
    f.append(np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))
    q = (px * 31).astype(np.int32)
    counts = np.sort(np.unique(q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2], return_counts=True)[1])[::-1]
    p = counts / counts.sum()
    f += [np.log(len(counts)) / np.log(max(len(q), 2)), counts[:8].sum() / len(q), -(p * np.log(p)).sum() / 10]
    gm = np.maximum(np.abs(np.diff(lum, axis=1))[:-1, :], np.abs(np.diff(lum, axis=0))[:, :-1])
    inner = op[:-1, :-1] & op[1:, :-1] & op[:-1, 1:]
    gv = gm[inner] if inner.sum() > 8 else gm.ravel()
    f += list(np.histogram(gv, bins=[0, 1 / 255, 4 / 255, 16 / 255, 64 / 255, 2])[0] / max(len(gv), 1))
    pad = np.pad(op, 1, constant_values=False)
    nb = pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:]
    edge, interior = op & ~nb, op & nb
    le = lum[edge].mean() if edge.any() else 0.5
    li = lum[interior].mean() if interior.any() else le
    f += [le, li - le, edge.sum() / max(op.sum(), 1), ((al > 0) & (al < 1)).sum() / max((al > 0).sum(), 1), op.mean()]
    ys, xs = np.nonzero(op)
    f.append((ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1) / op.size)
    return np.array(f, np.float32)


def cv(name, scorer, grid, groups, other=None):
    """Leave one group out and two-fold; `other` (a Scorer over the synthetic halves) joins the objective."""
    base = grid[0]
    def best(tr, half=None):
        obj = lambda k: scorer.score(k, tr) + (other.score(k, [half] if half is not None else [0, 1]) if other else 0)
        return max(grid, key=lambda k: (round(obj(k), 6), k == base))
    lofo = [scorer.score(best([g for g in groups if g != f]), [f]) for f in groups]
    print(f"{name}: leave one family out {np.mean(lofo):.3f} (rule before: {scorer.score(base, groups):.3f})")
    ff = [groups[0::2], groups[1::2]]
    for i in (0, 1):
        k = best(ff[i], i)
        line = f"{name}: fold {i} chose {k}: held out {scorer.score(k, ff[1 - i]):.3f} (before {scorer.score(base, ff[1 - i]):.3f})"
        if other:
            line += f", synthetic {other.score(k, [1 - i]):.3f} (before {other.score(base, [1 - i]):.3f})"
        print(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for a in ("--bin", "--realart", "--synthetic", "--out"):
        ap.add_argument(a, required=True)
    ap.add_argument("--colour-use", action="store_true")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rf, rq, rS = W.similarities(a.bin, a.realart, out / "realart-sims.npz")
    R = W.Bench("real art", a.realart, rf, rq, rS)
    rs = Scorer(R, full_rows(a.bin, a.realart, rf, rq, rS, out / "realart-extra.npz"))
    if a.colour_use:
        fs = sorted(Path("/usr/share/openclipart/png").rglob("*.png"))
        random.Random(7).shuffle(fs)
        ref = []
        for f in fs[:1500]:
            try:
                ref.append(colour_use(f))
            except Exception as e:  # noqa: BLE001 - one openclipart PNG is over Pillow's bomb limit
                print(f"expansion_cv: skipped {f.name}: {type(e).__name__}", file=sys.stderr)
        ref = np.stack(ref)
        X = np.stack([colour_use(Path(a.realart) / f) for f in rf])
        Z = (X - ref.mean(0)) / (ref.std(0) + 1e-6)
        U = Z / np.linalg.norm(Z, axis=1, keepdims=True)
        rs.use = U @ U.T
        cv("colour-use", rs, [("colour-use", c) for c in (0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)], R.groups)
        return
    yf, yq, yS = W.similarities(a.bin, a.synthetic, out / "synthetic-sims.npz")
    Y = W.Bench("synthetic", a.synthetic, yf, yq, yS)
    ys = Scorer(Y, full_rows(a.bin, a.synthetic, yf, yq, yS, out / "synthetic-extra.npz"))
    grid = [("qe", 0, 0.0)] + [("qe", m, al) for m in (1, 2, 3, 5) for al in (0.25, 0.5, 1.0)]
    cv("query expansion", rs, grid, R.groups, ys)


if __name__ == "__main__":
    main()
