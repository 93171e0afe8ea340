#!/usr/bin/env python3
"""Build Kindred's retrieval-quality corpus: real images from Debian packages,
plus ImageMagick variants whose ground truth is known.

    make_corpus.py --out DIR [--sources N] [--seed S] [--jobs J] [--smoke]

Sources (see scripts/quality/README.md for packages and licences), chosen
deterministically with random.Random(seed):
  - photo:   Debian `mate-backgrounds` (photos and abstract wallpapers; one
             file per picture: resolution twins and colour-variant series skipped)
  - gnome:   Debian `gnome-backgrounds` raster wallpapers (GNOME_FILES: light
             versions only, the -d files are dark twins of the same picture)
  - clipart: Debian `openclipart-png` (public domain), at most one file per
             folder (folders often hold variants of one drawing), 200 px to
             16 Mpx, 8 KB to 3 MB.

Every source is flattened over white (alpha), downscaled to at most 640 px on
its long side and saved as the `original`. Variants (all ImageMagick, in
parallel over --jobs processes):
  filter  the FILTERS below, each applied to every source
  grade   duotones: luminance mapped onto a two-colour gradient; source i gets
          the 3 palettes (i, i+1, i+2) mod 6 (rotating), so each palette has
          N/2 images
  copy    near-duplicate edits: central 80% crop, 50% resize + JPEG q60,
          horizontal flip, brightness +20%

Output: DIR/images/<source>/<kind>-<variant>.<ext>, DIR/manifest.csv
(file,source,kind,variant; file relative to DIR), DIR/sources.csv (where each
source came from), DIR/corpus.json (parameters + generator hash).
"""

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LONG_SIDE = 640

# name -> ImageMagick operators (applied to the 640-px original). Kept cheap:
# every one runs in well under a second on a 640-px image.
FILTERS = {
    "oil": ["-paint", "4"],
    "charcoal": ["-charcoal", "2"],
    "pixelate": None,  # special-cased: scale down 1/16, back up with -scale (box)
    "posterize": ["+dither", "-posterize", "3"],
    # pencil sketch: grey, colour-dodge with its blurred negative
    "sketch": ["-colorspace", "gray", "(", "+clone", "-negate", "-blur", "0x5", ")",
               "-compose", "ColorDodge", "-composite", "-colorspace", "sRGB"],
    "emboss": ["-colorspace", "gray", "-emboss", "2", "-colorspace", "sRGB"],
    "kuwahara": ["-kuwahara", "5"],
    "edge": ["-edge", "2", "-negate"],
    "spread": ["-seed", "1", "-spread", "6"],  # seeded: -spread is random
    "halftone": ["-ordered-dither", "h6x6a"],
}
SMOKE_FILTERS = ["oil", "pixelate", "halftone"]

# name -> (dark, light); `-colorspace gray` then `+level-colors dark,light`.
PALETTES = {
    "navy-gold": ("#1b1f5e", "#f2c14e"),
    "maroon-salmon": ("#4a0a0a", "#ff9e80"),
    "forest-lime": ("#0b3d20", "#c8f7a1"),
    "plum-lilac": ("#2d0b3d", "#e6b3ff"),
    "teal-cyan": ("#00334d", "#9ff0ff"),
    "sepia": ("#3d2b1f", "#f5deb3"),
}
GRADES_PER_SOURCE = 3
SMOKE_PALETTES = ["navy-gold", "forest-lime"]
SMOKE_GRADES_PER_SOURCE = 1

COPIES = ["crop80", "half-jpeg60", "flip", "bright120"]
SMOKE_COPIES = ["crop80", "half-jpeg60"]

PHOTO_DIR = Path("/usr/share/backgrounds/mate")
PHOTO_FILES = [  # one file per picture (Elephants_* are resolution twins,
    # Ubuntu-Mate-*/MATE-Stripes-* colour-variant series of one design)
    "nature/Aqua.jpg", "nature/Blinds.jpg", "nature/Dune.jpg", "nature/FreshFlower.jpg",
    "nature/Garden.jpg", "nature/GreenMeadow.jpg", "nature/LadyBird.jpg",
    "nature/RainDrops.jpg", "nature/Storm.jpg", "nature/TwoWings.jpg", "nature/Wood.jpg",
    "nature/YellowFlower.jpg", "abstract/Elephants.jpg", "abstract/Flow.png",
    "abstract/Gulp.png", "desktop/GreenTraditional.jpg",
]  # Silk/Spring/Waves (flat, ~150 colours: oil paint leaves them unchanged) left out
GNOME_DIR = Path("/usr/share/backgrounds/gnome")
# the light (-l) raster ones; -d are dark twins; symbolic (539 colours) and vnc
# (256 px, one colour) left out
GNOME_FILES = ["adwaita-l.webp", "grid-l.webp", "licorice-l.webp", "pixels-l.webp",
               "truchet-l.webp", "wood-l.webp"]
CLIPART_DIR = Path("/usr/share/openclipart/png")

PACKAGES = {"photo": "mate-backgrounds", "gnome": "gnome-backgrounds", "clipart": "openclipart-png"}


def generator_hash():
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def png_size(path):
    """(w, h) from a PNG header, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def clipart_pool():
    if not CLIPART_DIR.is_dir():
        raise SystemExit(f"make_corpus: {CLIPART_DIR} missing (Debian package openclipart-png)")
    by_dir = {}
    for root, dirs, files in os.walk(CLIPART_DIR):
        dirs.sort()
        for name in sorted(files):
            p = Path(root) / name
            if not name.endswith(".png") or p.is_symlink():
                continue
            by_dir.setdefault(root, []).append(p)
    return by_dir


def candidates(n, seed):
    """Deterministic candidate lists per pool, in preference order, and each
    pool's quota: ~25% photos/abstract wallpapers, ~10% GNOME wallpapers,
    the rest clip art (one per openclipart folder). Candidates whose
    original comes out near-blank are replaced by the next ones (build())."""
    rng = random.Random(seed)
    n_photo = min(len(PHOTO_FILES), max(1, round(n * 0.25)))
    gnome_files = [f for f in GNOME_FILES if (GNOME_DIR / f).is_file()]
    n_gnome = min(len(gnome_files), max(1, round(n * 0.10)))
    missing = [PACKAGES[k] for k, ok in (("photo", PHOTO_DIR.is_dir()), ("gnome", bool(gnome_files))) if not ok]
    if missing:
        raise SystemExit(f"make_corpus: Debian package(s) missing: {' '.join(missing)}")
    n_clip = n - n_photo - n_gnome
    if n_clip < 1:
        raise SystemExit("make_corpus: --sources must be at least 3")
    for rel in PHOTO_FILES:
        if not (PHOTO_DIR / rel).is_file():
            raise SystemExit(f"make_corpus: {PHOTO_DIR / rel} missing (Debian package mate-backgrounds)")
    photos = [PHOTO_DIR / rel for rel in rng.sample(PHOTO_FILES, len(PHOTO_FILES))]
    gnomes = [GNOME_DIR / name for name in rng.sample(gnome_files, len(gnome_files))]
    by_dir = clipart_pool()
    dirs = sorted(by_dir)
    rng.shuffle(dirs)

    def cliparts():
        for d in dirs:
            cands = by_dir[d][:]
            rng.shuffle(cands)
            for p in cands:
                sz = png_size(p)
                fsize = p.stat().st_size
                if sz and 200 <= min(sz) and sz[0] * sz[1] <= 16_000_000 and 8_000 <= fsize <= 3_000_000:
                    yield p
                    break

    return [("photo", n_photo, iter(photos)), ("gnome", n_gnome, iter(gnomes)), ("clipart", n_clip, cliparts())]


def near_blank(path):
    """True for an original with almost no content (e.g. a white overlay
    wallpaper flattened over white): grey std < 12 or < 2% non-white pixels."""
    from PIL import Image
    import numpy as np
    with Image.open(path) as im:
        g = np.asarray(im.convert("L"), dtype=np.float64)
    return g.std() < 12 or (g < 245).mean() < 0.02


def run_im(args):
    r = subprocess.run(["convert", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"convert {' '.join(args)} failed: {r.stderr.strip()}")


def identify_size(path):
    r = subprocess.run(["identify", "-format", "%w %h", str(path)], capture_output=True, text=True, check=True)
    w, h = r.stdout.split()
    return int(w), int(h)


def make_original(src, dst):
    # [0]: first frame/layer; flatten over white; sRGB; shrink only.
    run_im([f"{src}[0]", "-auto-orient", "-colorspace", "sRGB", "-background", "white",
            "-alpha", "remove", "-alpha", "off", "-resize", f"{LONG_SIDE}x{LONG_SIDE}>",
            "-strip", f"PNG24:{dst}"])


def variant_jobs(orig, outdir, sid, filters, grades, copies):
    """[(kind, variant, dst, convert-args)] for one source."""
    w, h = identify_size(orig)
    jobs = []
    for name in filters:
        dst = outdir / f"filter-{name}.png"
        if name == "pixelate":
            ops = ["-scale", f"{max(1, w // 16)}x{max(1, h // 16)}!", "-scale", f"{w}x{h}!"]
        else:
            ops = FILTERS[name]
        jobs.append(("filter", name, dst, [str(orig), *ops, "-strip", f"PNG24:{dst}"]))
    for name in grades:
        dark, light = PALETTES[name]
        dst = outdir / f"grade-{name}.png"
        jobs.append(("grade", name, dst, [str(orig), "-colorspace", "gray", "-colorspace", "sRGB",
                                          "+level-colors", f"{dark},{light}", "-strip", f"PNG24:{dst}"]))
    for name in copies:
        if name == "crop80":
            dst = outdir / "copy-crop80.png"
            ops = ["-gravity", "center", "-crop", "80%x80%+0+0", "+repage"]
        elif name == "half-jpeg60":
            dst = outdir / "copy-half-jpeg60.jpg"
            ops = ["-resize", "50%", "-quality", "60"]
        elif name == "flip":
            dst = outdir / "copy-flip.png"
            ops = ["-flop"]
        elif name == "bright120":
            dst = outdir / "copy-bright120.png"
            ops = ["-modulate", "120"]
        else:
            raise ValueError(name)
        out = str(dst) if dst.suffix == ".jpg" else f"PNG24:{dst}"
        jobs.append(("copy", name, dst, [str(orig), *ops, "-strip", out]))
    return jobs


def build(out, n, seed, jobs, smoke):
    t0 = time.time()
    if shutil.which("convert") is None:
        raise SystemExit("make_corpus: ImageMagick `convert` not found (Debian package imagemagick)")
    r = subprocess.run(["convert", "-version"], capture_output=True, text=True)
    if "ImageMagick" not in r.stdout:
        raise SystemExit("make_corpus: `convert` is not ImageMagick (apt-get install imagemagick)")
    filters = SMOKE_FILTERS if smoke else list(FILTERS)
    palettes = SMOKE_PALETTES if smoke else list(PALETTES)
    per_source = SMOKE_GRADES_PER_SOURCE if smoke else GRADES_PER_SOURCE
    copies = SMOKE_COPIES if smoke else COPIES
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "images").mkdir(parents=True)
    os.environ["MAGICK_THREAD_LIMIT"] = "1"  # one thread per convert; parallelism is ours

    # Originals, pool by pool; near-blank ones are replaced by the pool's next candidates.
    srcs, rejected = [], []
    scratch = tmp / "scratch"
    scratch.mkdir()
    with ThreadPoolExecutor(jobs) as ex:
        for pool, quota, cands in candidates(n, seed):
            got = []
            while len(got) < quota:
                batch = [p for _, p in zip(range(quota - len(got)), cands)]
                if not batch:
                    raise SystemExit(f"make_corpus: not enough usable {pool} sources ({PACKAGES[pool]})")
                dsts = [scratch / f"{len(srcs) + len(got)}-{k}.png" for k in range(len(batch))]
                list(ex.map(make_original, batch, dsts))
                for p, d in zip(batch, dsts):
                    if near_blank(d):
                        rejected.append(str(p))
                        d.unlink()
                    else:
                        got.append((p, d))
            for p, d in got:
                sid = f"s{len(srcs):03d}"
                sd = tmp / "images" / sid
                sd.mkdir()
                d.rename(sd / "original.png")
                srcs.append((sid, pool, p, sd))
    shutil.rmtree(scratch)
    if rejected:
        print(f"make_corpus: near-blank originals skipped: {rejected}", file=sys.stderr)

    rows, work = [], []
    for i, (sid, pool, path, d) in enumerate(srcs):
        rows.append((f"images/{sid}/original.png", sid, "original", "original"))
        grades = [palettes[(i + k) % len(palettes)] for k in range(per_source)]
        for kind, name, dst, args in variant_jobs(d / "original.png", d, sid, filters, grades, copies):
            rows.append((dst.relative_to(tmp).as_posix(), sid, kind, name))
            work.append(args)
    with ThreadPoolExecutor(jobs) as ex:
        list(ex.map(run_im, work))

    # Sanity: every file present, no byte-identical pair (would confuse ground truth
    # and Kindred's move detection).
    seen = {}
    for f, *_ in rows:
        p = tmp / f
        if not p.is_file() or p.stat().st_size == 0:
            raise SystemExit(f"make_corpus: {f} was not written")
        hsh = hashlib.sha256(p.read_bytes()).hexdigest()
        if hsh in seen:
            raise SystemExit(f"make_corpus: {f} is byte-identical to {seen[hsh]}")
        seen[hsh] = f

    with open(tmp / "manifest.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["file", "source", "kind", "variant"])
        wr.writerows(rows)
    with open(tmp / "sources.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["source", "pool", "package", "path"])
        for sid, pool, path, _ in srcs:
            wr.writerow([sid, pool, PACKAGES[pool], str(path)])
    counts = {}
    for _, _, kind, _ in rows:
        counts[kind] = counts.get(kind, 0) + 1
    meta = {
        "generator": generator_hash(), "sources": n, "seed": seed, "smoke": smoke,
        "filters": filters, "palettes": palettes, "grades_per_source": per_source,
        "copies": copies, "counts": counts, "images": len(rows),
        "pools": {p: sum(1 for s in srcs if s[1] == p) for p in PACKAGES},
        "rejected_near_blank": rejected,
        "imagemagick": r.stdout.splitlines()[0],
        "seconds": round(time.time() - t0, 1),
    }
    (tmp / "corpus.json").write_text(json.dumps(meta, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    print(f"make_corpus: {len(rows)} images ({counts}) from {n} sources in {meta['seconds']} s -> {out}",
          file=sys.stderr)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sources", type=int, default=None, help="number of sources (default 48, smoke 6)")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--smoke", action="store_true", help="tiny corpus for CI")
    a = ap.parse_args(argv)
    n = a.sources if a.sources is not None else (6 if a.smoke else 48)
    build(a.out, n, a.seed, a.jobs, a.smoke)


if __name__ == "__main__":
    main()
