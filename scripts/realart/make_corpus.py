#!/usr/bin/env python3
"""Build Kindred's real-art benchmark corpus: families of artwork that share a
style because one team drew them, taken from Debian packages (no filters).

    make_corpus.py --out DIR [--cap N] [--seed S] [--jobs J] [--smoke]

A family is one package or one clearly-styled set in it (FAMILIES below; see
scripts/realart/README.md for versions and licences). For each family the
candidate files (globs under the package's data dir, symlinks skipped) are
reduced to one file per GROUP (icon name, or a game sprite's base name: the
shortest name in the group wins, so `bowman.png` stands for
`bowman-attack-1.png`, `bowman-ne.png`, ...), ordered by
sha256(seed:path), and taken in that order until CAP images are accepted
(full 100, smoke 8). Each candidate is

  - rendered: SVG with `rsvg-convert` (librsvg2-bin) to fit 256x256; raster
    with Pillow: first frame, RGBA, shrunk to fit 512x512 (never enlarged);
  - rejected when: smaller than 32 px on a side, a strip/sheet (aspect > 3),
    near-blank (< 2% visible pixels, or grey std < 4 when flattened over
    white), byte-identical pixels to an accepted image (any family), or a
    near-duplicate of an accepted image of its family (64-bit pHash of the
    flattened image within Hamming distance PHASH_MAX_DIST).

Images keep their alpha channel (transparent backgrounds are part of the
problem the benchmark measures). Output: DIR/images/<family>/<NNN>-<name>.png,
DIR/manifest.csv (file,family,package,version,licence,source; file relative
to DIR), DIR/corpus.json (parameters, per-family counts and rejections,
generator hash). Exits 1 with a one-line reason when a package is missing or
a family ends up below --min images.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

Image.MAX_IMAGE_PIXELS = None
SVG_BOX = 256
RASTER_BOX = 512
MIN_SIDE = 32
MAX_ASPECT = 3.0
PHASH_MAX_DIST = 4
FULL_CAP, FULL_MIN = 100, 40
SMOKE_CAP, SMOKE_MIN = 8, 8
SMOKE_FAMILIES = ["tango", "freeciv", "neverball", "wesnoth-units"]


def _first_token(p):
    """Game sprites: frames and facings share the name before the first -/_."""
    return (str(p.parent), re.split(r"[-_]", p.stem)[0])


def _icon_name(p):
    """Icon themes: one image per icon name (sizes/categories are duplicates)."""
    return p.stem


def _stem_no_digits(p):
    """Numbered variants of one piece (block1, block2, ...) are one group."""
    return (str(p.parent), re.sub(r"[-_]?\d+$", "", p.stem))


@dataclass
class Family:
    name: str
    package: str
    root: str
    globs: list
    licence: str
    group: object = _icon_name
    note: str = ""
    exclude: str = ""  # regex on the path relative to root
    files: list = field(default_factory=list)


W = "/usr/share/games/wesnoth/1.16/data/core/images"
FAMILIES = [
    Family("papirus", "papirus-icon-theme", "/usr/share/icons/Papirus/64x64",
           ["apps/*.svg", "places/*.svg", "devices/*.svg", "mimetypes/*.svg", "categories/*.svg"],
           "GPL-3", note="64x64 SVG icons (flat)"),
    Family("breeze", "breeze-icon-theme", "/usr/share/icons/breeze",
           ["apps/48/*.svg", "places/64/*.svg", "devices/64/*.svg", "mimetypes/64/*.svg"],
           "LGPL-3+", note="light theme, 48/64 px SVG icons"),
    Family("tango", "tango-icon-theme", "/usr/share/icons/Tango/scalable", ["*/*.svg"],
           "public-domain", note="scalable SVG icons (glossy 2000s style)"),
    Family("elementary-xfce", "elementary-xfce-icon-theme", "/usr/share/icons/elementary-xfce",
           ["*/64/*.png"], "GPL-2+", note="64 px PNG icons"),
    Family("freeciv", "freeciv-data", "/usr/share/games/freeciv", ["buildings/*.png", "wonders/*.png"],
           "GPL-2+", group=_first_token, note="city improvement and wonder pictures (64x48)"),
    Family("pingus", "pingus-data", "/usr/share/games/pingus/data/images/groundpieces",
           ["*/*/*.png"], "GPL-2+", group=_stem_no_digits, note="level ground pieces"),
    Family("neverball", "neverball-data", "/usr/share/games/neverball", ["shot-*/*.jpg"],
           "GPL-2+", group=_icon_name, note="level screenshots (3D renders)"),
    Family("teeworlds-flags", "teeworlds-data", "/usr/share/games/teeworlds/data/countryflags", ["*.png"],
           "Zlib", note="country flags drawn for the game (128x64)"),
    Family("wesnoth-units", "wesnoth-1.16-data", f"{W}/units", ["*/*.png", "*/*/*.png"], "GPL-2+",
           group=_first_token, note="unit sprites (72x72), base pose only"),
    Family("wesnoth-portraits", "wesnoth-1.16-data", f"{W}/portraits", ["*/*.png", "*/*/*.png"], "GPL-2+",
           group=_first_token, exclude=r"(^|/)transparent/", note="painted unit portraits"),
    Family("tuxpaint-cartoon", "tuxpaint-stamps-default", "/usr/share/tuxpaint/stamps",
           ["**/cartoon/*.png", "**/cartoon/*.svg"], "GPL-2", group=_first_token,
           note="the stamps in `cartoon` folders (houses, fruit, insects, ...)"),
]


def generator_hash():
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def package_version(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}|${Version}", pkg], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.startswith("install ok installed"):
        raise SystemExit(f"make_corpus: Debian package {pkg} is not installed (scripts/realart.sh installs it)")
    return r.stdout.split("|", 1)[1]


def candidates(fam, seed):
    root = Path(fam.root)
    if not root.is_dir():
        raise SystemExit(f"make_corpus: {root} missing (Debian package {fam.package})")
    paths = set()
    for g in fam.globs:
        for p in root.glob(g):
            if p.is_file() and not p.is_symlink():
                rel = p.relative_to(root).as_posix()
                if fam.exclude and re.search(fam.exclude, rel):
                    continue
                paths.add(p)
    groups = {}
    for p in sorted(paths):
        groups.setdefault(fam.group(p), []).append(p)
    # the shortest name (then the PNG before the SVG, then alphabetical) represents its group
    reps = [min(g, key=lambda p: (len(p.stem), p.suffix != ".png", p.name)) for g in groups.values()]
    key = lambda p: hashlib.sha256(f"{seed}:{p.relative_to(root).as_posix()}".encode()).hexdigest()
    return sorted(reps, key=key), len(paths), len(groups)


def render(path):
    """RGBA Pillow image of one candidate, or (None, reason)."""
    try:
        if path.suffix == ".svg":
            r = subprocess.run(["rsvg-convert", "-w", str(SVG_BOX), "-h", str(SVG_BOX), "-a", "-f", "png",
                                str(path)], capture_output=True)
            if r.returncode != 0:
                return None, "render failed"
            im = Image.open(io.BytesIO(r.stdout))
        else:
            im = Image.open(path)
            im.seek(0)
        im.load()
        im = im.convert("RGBA")
    except Exception as e:  # noqa: BLE001 - a broken file is a rejection, recorded
        return None, f"unreadable ({type(e).__name__})"
    w, h = im.size
    if min(w, h) < MIN_SIDE:
        return None, "tiny"
    if max(w, h) / min(w, h) > MAX_ASPECT:
        return None, "strip"
    if max(w, h) > RASTER_BOX:
        im.thumbnail((RASTER_BOX, RASTER_BOX), Image.LANCZOS)
    a = np.asarray(im)
    if (a[..., 3] > 16).mean() < 0.02:
        return None, "blank"
    white = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im).convert("L")
    if np.asarray(white, dtype=np.float64).std() < 4:
        return None, "blank"
    return im, None


def phash_bits(im):
    import imagehash
    white = Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im).convert("RGB")
    return np.asarray(imagehash.phash(white, hash_size=8).hash, dtype=bool).reshape(-1)


def build_family(fam, out_dir, cap, seed, jobs, seen_pixels):
    cands, n_files, n_groups = candidates(fam, seed)
    fdir = out_dir / "images" / fam.name
    fdir.mkdir(parents=True)
    kept, hashes, rejected = [], [], {}
    with ThreadPoolExecutor(jobs) as pool:
        for s in range(0, len(cands), 4 * jobs):
            if len(kept) >= cap:
                break
            chunk = cands[s:s + 4 * jobs]
            for p, (im, why) in zip(chunk, pool.map(render, chunk)):
                if len(kept) >= cap:
                    break
                if im is None:
                    rejected[why] = rejected.get(why, 0) + 1
                    continue
                digest = hashlib.sha256(im.tobytes() + repr(im.size).encode()).hexdigest()
                if digest in seen_pixels:
                    rejected["identical"] = rejected.get("identical", 0) + 1
                    continue
                bits = phash_bits(im)
                if hashes and (np.stack(hashes) != bits).sum(1).min() <= PHASH_MAX_DIST:
                    rejected["near-duplicate"] = rejected.get("near-duplicate", 0) + 1
                    continue
                seen_pixels.add(digest)
                hashes.append(bits)
                name = re.sub(r"[^A-Za-z0-9._-]+", "_", p.stem)[:60]
                dst = fdir / f"{len(kept):03d}-{name}.png"
                im.save(dst, optimize=False)
                kept.append((dst, p))
    return kept, {"files": n_files, "groups": n_groups, "candidates": len(cands), "rejected": rejected}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cap", type=int, help=f"images per family (default {FULL_CAP}, smoke {SMOKE_CAP})")
    ap.add_argument("--min", type=int, help=f"fewest images a family may have (default {FULL_MIN}, smoke {SMOKE_MIN})")
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--smoke", action="store_true", help=f"only {', '.join(SMOKE_FAMILIES)}, {SMOKE_CAP} each")
    ap.add_argument("--families", help="comma-separated subset (default: all; smoke: SMOKE_FAMILIES)")
    a = ap.parse_args(argv)
    cap = a.cap or (SMOKE_CAP if a.smoke else FULL_CAP)
    minimum = a.min or (SMOKE_MIN if a.smoke else FULL_MIN)
    want = a.families.split(",") if a.families else (SMOKE_FAMILIES if a.smoke else [f.name for f in FAMILIES])
    fams = [f for f in FAMILIES if f.name in want]
    unknown = set(want) - {f.name for f in fams}
    if unknown:
        raise SystemExit(f"make_corpus: unknown families {sorted(unknown)}")
    if shutil.which("rsvg-convert") is None:
        raise SystemExit("make_corpus: rsvg-convert not found (Debian package librsvg2-bin)")
    try:
        import imagehash  # noqa: F401
    except ImportError:
        raise SystemExit("make_corpus: Python package imagehash missing (use the quality venv)")
    versions = {f.package: package_version(f.package) for f in fams}
    for f in fams:
        if not Path(f"/usr/share/doc/{f.package}/copyright").is_file():
            raise SystemExit(f"make_corpus: /usr/share/doc/{f.package}/copyright missing")
    out = Path(a.out)
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    t0 = time.time()
    rows, stats, seen = [], {}, set()
    for fam in fams:
        kept, st = build_family(fam, out, cap, a.seed, a.jobs, seen)
        st["images"] = len(kept)
        stats[fam.name] = st
        print(f"make_corpus: {fam.name}: {len(kept)} images ({st['files']} files, {st['groups']} groups, "
              f"rejected {st['rejected']})", file=sys.stderr)
        if len(kept) < minimum:
            raise SystemExit(f"make_corpus: family {fam.name} has {len(kept)} images (< {minimum})")
        for dst, src in kept:
            rows.append({"file": dst.relative_to(out).as_posix(), "family": fam.name, "package": fam.package,
                         "version": versions[fam.package], "licence": fam.licence, "source": str(src)})
    with open(out / "manifest.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    meta = {
        "generator": generator_hash(), "seed": a.seed, "cap": cap, "min": minimum, "smoke": a.smoke,
        "images": len(rows), "families": {f.name: {"package": f.package, "version": versions[f.package],
                                                   "licence": f.licence, "note": f.note, **stats[f.name]}
                                          for f in fams},
        "rules": {"svg_box": SVG_BOX, "raster_box": RASTER_BOX, "min_side": MIN_SIDE, "max_aspect": MAX_ASPECT,
                  "phash_max_dist": PHASH_MAX_DIST},
        "seconds": round(time.time() - t0, 1),
    }
    (out / "corpus.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"make_corpus: {len(rows)} images in {len(fams)} families in {meta['seconds']} s -> {out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
