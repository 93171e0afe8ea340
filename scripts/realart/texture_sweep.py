"""Prototype: scores candidate texture recipes built from texture_features.py's output, each block
standardised on the reference set (optionally projected on its first N principal axes: KEY@N),
scaled to unit length and concatenated with a weight; real-art P@10 per family and synthetic
P@10/R@10 per task. Example (the landed recipe):

    texture_sweep.py DIR '[["cgram40",1],["igram112@128",1]]'"""
import sys, json, numpy as np
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality")); import evaluate as ev  # noqa: E402
H = Path.home()/".cache/kindred"
V = __import__("os").environ.get("VARIANT", "lite0")  # lite0 | lite2
D = Path(sys.argv[1])
ref = np.load(D / f"{V}-ref.npz"); RA = np.load(D / f"{V}-realart.npz")
SYN = D / f"{V}-synthetic.npz"; SY = np.load(SYN) if SYN.exists() else None
MR = ev.load_manifest(str(H/"realart/full/corpus")); MS = ev.load_manifest(str(H/"quality/full/corpus"))
_pca = {}
def block(D, k):
    name, _, dim = k.partition("@")
    r = ref[name].astype(np.float64); mu = r.mean(0); sd = np.maximum(r.std(0), 1e-6)
    x = (D[name].astype(np.float64)-mu)/sd
    if dim:
        if k not in _pca:
            z = (r-mu)/sd; _, s, vt = np.linalg.svd(z - z.mean(0), full_matrices=False); _pca[k] = vt[:int(dim)].T
        x = x @ _pca[k]
    return x/np.maximum(np.linalg.norm(x,axis=1,keepdims=True),1e-12)
def vec(D, spec): return np.concatenate([np.sqrt(w)*block(D,k) for k,w in spec],1)
def run(spec):
    d = ev.evaluate_detailed(MR, ev.rank_by_vectors(list(RA["names"]), vec(RA,spec), top=60))["family"]["by_variant"]
    line = f"{json.dumps(spec):55s} real {np.mean(list(d.values())):.3f}"
    if SY is not None:
        s = {t: v["score"] for t,v in ev.evaluate_detailed(MS, ev.rank_by_vectors(list(SY["names"]), vec(SY,spec), top=60)).items()}
        line += "  syn " + " ".join(f"{t[:4]} {v:.3f}" for t,v in s.items())
    print(line, "|", " ".join(f"{v:.2f}" for v in d.values()), flush=True)
for s in sys.argv[2:]: run(json.loads(s))
