#!/usr/bin/env python3
"""Fits Kindred's style whitening (models/style-whitening.f32) on families of artwork that are in
neither real-art benchmark: 12 Debian packages (TRAIN below; install them with the apt-get line
printed when one is missing). Kindred's real-art families and the packages the real-art issue
suggests are never used, so every real-art figure stays held out.

    fit_whitening.py --bin KINDRED --work DIR [--out models/style-whitening.f32]

1. DIR/corpus: up to 80 images per family, built by scripts/realart/make_corpus.py's rules
   (one image per icon name or sprite, no animation frames, no near-duplicates).
2. `kindred import` into DIR/library; the texture vectors' CNN part (brushwork and rendering,
   the first CNN_DIM values, at unit length) of every cut-out (>= 1 % transparent pixels).
3. Within-class whitening: centre on the mean, keep the first K principal axes, then
   `Sw^-1/2` of the within-family covariance shrunk towards its mean variance by LAMBDA.
   Cosines after it count what separates families (how a set is drawn) and discount what varies
   inside one (the subject). K and LAMBDA were chosen by leave-one-family-out on these training
   families only (printed below; models/README.md, "Style whitening").
4. Writes little-endian f32: the mean (CNN_DIM), then the projection (CNN_DIM x K, row-major),
   and its SHA-256 beside it (OUT.sha256).
"""
import argparse, hashlib, sqlite3, subprocess, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "realart"))
import make_corpus as mc  # noqa: E402

CNN_DIM = 948  # brushwork 820 + rendering 128: the model's texture output (models/README.md)
K, LAMBDA = 256, 0.1
CUTOUT_SHARE = 0.01  # QueryKind::CUTOUT_SHARE
F, I, G = mc.Family, "/usr/share/icons", "/usr/share/games"
TRAIN = [
    F("oxygen", "oxygen-icon-theme", f"{I}/oxygen/base/64x64",
      ["apps/*.png", "places/*.png", "devices/*.png", "mimetypes/*.png", "categories/*.png", "actions/*.png"], "LGPL-3"),
    F("gnome", "gnome-icon-theme", f"{I}/gnome/48x48", ["*/*.png"], "GPL-3"),
    F("moka", "moka-icon-theme", f"{I}/Moka/64x64", ["*/*.png"], "GPL-3"),
    F("faenza", "faenza-icon-theme", f"{I}/Faenza", ["*/64/*.png"], "GPL-3"),
    F("mate", "mate-icon-theme", f"{I}/mate/48x48", ["*/*.png"], "GPL-2"),
    F("suru", "suru-icon-theme", f"{I}/suru", ["*/scalable/*.svg"], "CC-BY-SA-3.0"),
    F("gnome-colors", "gnome-colors-common", f"{I}/gnome-colors-common/scalable", ["*/*.svg"], "GPL-2"),
    F("numix", "numix-icon-theme", f"{I}/Numix/64", ["*/*.svg"], "GPL-3"),
    F("supertux", "supertux-data", f"{G}/supertux2/images",
      ["tiles/**/*.png", "creatures/**/*.png", "objects/**/*.png"], "GPL-3", group=mc._first_token),
    F("lincity", "lincity-ng-data", f"{G}/lincity-ng/images", ["tiles/*.png"], "GPL-2", group=mc._stem_no_digits),
    F("hedgewars-themes", "hedgewars-data", f"{G}/hedgewars/Data/Themes", ["*/*.png"], "GPL-2", group=mc._first_token),
    F("warmux", "warmux-data", f"{G}/warmux", ["body/*/*.png", "menu/**/*.png", "weapons/**/*.png"], "GPL-2",
      group=mc._first_token),
]


def transparent_share(path):
    from PIL import Image
    with Image.open(path) as im:
        if "A" not in im.getbands() and "transparency" not in im.info:
            return 0.0
        return float((np.asarray(im.convert("RGBA"))[..., 3] < 250).mean())


def vectors(lib, corpus):
    con = sqlite3.connect(lib / "catalog.sqlite")
    rows = con.execute("SELECT a.path, e.texture FROM artworks a JOIN embeddings e ON e.artwork_id = a.id "
                       "ORDER BY a.path").fetchall()
    root = corpus.resolve()
    X, fam = [], []
    for p, t in rows:
        p = Path(p.decode() if isinstance(p, bytes) else p)
        if transparent_share(p) < CUTOUT_SHARE:
            continue
        v = np.frombuffer(t, "<f4")[:CNN_DIM].astype(np.float64)
        X.append(v / np.linalg.norm(v))
        fam.append(p.relative_to(root).parts[1])
    return np.stack(X), np.array(fam)


def fit(X, y, k=K, lam=LAMBDA):
    mu = X.mean(0)
    Xc = X - mu
    V = np.linalg.svd(Xc, full_matrices=False)[2][:k].T
    Z = Xc @ V
    Sw = sum((Z[y == c] - Z[y == c].mean(0)).T @ (Z[y == c] - Z[y == c].mean(0)) for c in np.unique(y)) / len(Z)
    Sw = (1 - lam) * Sw + lam * np.trace(Sw) / k * np.eye(k)
    e, Q = np.linalg.eigh(Sw)
    return mu, V @ (Q @ np.diag(e ** -0.5) @ Q.T)


def p10_held_out(X, y, k, lam):
    """Leave one training family out: fit on the others, P@10 of its images among all."""
    out = []
    for f in np.unique(y):
        mu, P = fit(X[y != f], y[y != f], k, lam)
        Z = (X - mu) @ P
        U = Z / np.linalg.norm(Z, axis=1, keepdims=True)
        M = U @ U.T
        np.fill_diagonal(M, -np.inf)
        out += [(y[np.argpartition(-M[i], 10)[:10]] == f).mean() for i in np.where(y == f)[0]]
    return float(np.mean(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", default=str(ROOT / "models" / "style-whitening.f32"))
    ap.add_argument("--choose", action="store_true", help="also print the held-out grid K x LAMBDA")
    a = ap.parse_args()
    work = Path(a.work)
    missing = [f.package for f in TRAIN if subprocess.run(["dpkg", "-s", f.package], capture_output=True).returncode]
    if missing:
        raise SystemExit(f"fit_whitening: apt-get install --no-install-recommends {' '.join(sorted(set(missing)))}")
    corpus, lib = work / "corpus", work / "library"
    if not corpus.exists():
        mc.FAMILIES = TRAIN
        mc.main(["--out", str(corpus), "--cap", "80", "--min", "30"])
    if not lib.exists():
        subprocess.run([a.bin, "--library", str(lib), "import", str(corpus / "images")], check=True,
                       stdout=subprocess.DEVNULL)
    X, y = vectors(lib, corpus)
    print(f"fit_whitening: {len(X)} cut-outs in {len(np.unique(y))} families", file=sys.stderr)
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    if a.choose:
        M = unit @ unit.T
        np.fill_diagonal(M, -np.inf)
        base = np.mean([(y[np.argpartition(-M[i], 10)[:10]] == y[i]).mean() for i in range(len(y))])
        print(f"held-out P@10 without whitening: {base:.3f}")
        for k in (32, 64, 128, 256, 384, 512):
            for lam in (0.1, 0.3, 0.6):
                print(f"K={k} LAMBDA={lam}: held-out P@10 {p10_held_out(X, y, k, lam):.3f}", flush=True)
    mu, P = fit(X, y)
    blob = np.concatenate([mu, P.ravel()]).astype("<f4").tobytes()
    Path(a.out).write_bytes(blob)
    Path(a.out + ".sha256").write_text(hashlib.sha256(blob).hexdigest() + "\n")
    print(f"fit_whitening: {a.out}: {len(blob)} bytes, sha256 {hashlib.sha256(blob).hexdigest()[:12]}")


if __name__ == "__main__":
    main()
