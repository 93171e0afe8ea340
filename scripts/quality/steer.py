#!/usr/bin/env python3
"""Quality of the steered query kinds (issue 16) on the retrieval-quality corpus, through the CLI.

    steer.py --corpus DIR --bin KINDRED [--library LIB] [--pairs 200] [--json OUT]

Imports the corpus into a fresh library (or reuses LIB when it already holds it), then measures:

palette   `--palette DARK,LIGHT` of each of the 6 duotone gradings: precision of the grading's 24
          images among the first 10 and the first 24 (R-precision). And, for each of the 144
          graded images, its own 6-colour palette (PIL median cut + k-means, shares by pixel count, colours
          under 1 % left out): P@10 of
          the same grading among other sources (the image itself removed), as the `colour` task.
mix       colour of A + shape of B, A = a graded image (source s1, grading g), B = the original of
          another source s2 that has grading g: the rank of "s2 graded g" (A and B removed), against
          colour of A alone, shape of B alone and `--mix A B` (both whole).
region    two originals side by side (source i and i+1 of the first N), each fitted into a 320 x 320 white cell; `--region` of one
          cell: the rank of that cell's original, against searching with the whole composite.
several   two example images as one query, their vectors blended (`--mix`, mean of unit vectors:
          what boards use) against best-of (each result's best raw similarity to either image,
          from the two single searches): P@10 on style (two images of one filter, other sources;
          texture), content (two filter renditions of one source; shape) and colour (two images of
          one grading; colour), the two examples removed.
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402
from make_corpus import PALETTES  # noqa: E402

CELL = 320


class Kindred:
    def __init__(self, kbin, lib, corpus):
        self.kbin, self.lib, self.root = str(kbin), str(lib), Path(corpus).resolve()
        self.calls = 0

    def run(self, *args):
        self.calls += 1
        r = subprocess.run([self.kbin, "--library", self.lib, *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"steer: kindred {' '.join(args[:8])} failed ({r.returncode}): {r.stderr.strip()[-1500:]}")
        return r.stdout

    def rel(self, path):
        p = Path(path).resolve()
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            raise SystemExit(f"steer: result {p} is outside the corpus {self.root}")

    def abs(self, rel):
        return str(self.root / rel)

    def search(self, *args, k=900):
        """[(file, cosine)] per query entry."""
        out = json.loads(self.run("search", "--json", "-k", str(k), *args))
        return [[(self.rel(h["path"]), float(h["cosine"])) for h in entry["results"]] for entry in out]


def rank_of(target, ranking, removed=()):
    files = [f for f, _ in ranking if f not in removed]
    return files.index(target) + 1 if target in files else len(files) + 1


def summary(ranks):
    return {
        "n": len(ranks),
        "median_rank": statistics.median(ranks),
        "mean_rank": round(statistics.fmean(ranks), 2),
        "r@1": round(sum(r == 1 for r in ranks) / len(ranks), 3),
        "r@10": round(sum(r <= 10 for r in ranks) / len(ranks), 3),
    }


def precision(ranking, relevant, k, removed=()):
    files = [f for f, _ in ranking if f not in removed][:k]
    return sum(f in relevant for f in files) / min(k, len(relevant))


def own_palette(path, n=6):
    img = Image.open(path).convert("RGB")
    img.thumbnail((256, 256))
    q = img.quantize(colors=n, method=Image.Quantize.MEDIANCUT, kmeans=3)
    pal = q.getpalette()
    counts = sorted(q.getcolors(), reverse=True)
    total = sum(c for c, _ in counts)
    # Colours under 1 % of the pixels are left out (a share must be positive).
    return ",".join(f"#{pal[3 * i]:02x}{pal[3 * i + 1]:02x}{pal[3 * i + 2]:02x}:{c / total:.3f}" for c, i in counts if c / total >= 0.01)


def measure_palette(kd, man):
    grades = [r for r in man if r["kind"] == "grade"]
    by_grade = {}
    for r in grades:
        by_grade.setdefault(r["variant"], set()).add(r["file"])
    p10, p24 = [], []
    for name, (dark, light) in PALETTES.items():
        ranking = kd.search("--palette", f"{dark},{light}", k=100)[0]
        rel = by_grade[name]
        p10.append(precision(ranking, rel, 10))
        p24.append(precision(ranking, rel, len(rel)))
    own = []
    for r in grades:
        ranking = kd.search("--palette", own_palette(kd.abs(r["file"])), k=100)[0]
        rel = {f for f in by_grade[r["variant"]] if ev_source(man, f) != r["source"]}
        own.append(precision(ranking, rel, 10, removed={r["file"]}))
    # The image itself, whole, for comparison (the `colour` task).
    whole = []
    for r, ranking in zip(grades, kd.search("--aspect", "colour", *[kd.abs(r["file"]) for r in grades], k=100)):
        rel = {f for f in by_grade[r["variant"]] if ev_source(man, f) != r["source"]}
        whole.append(precision(ranking, rel, 10, removed={r["file"]}))
    return {
        "grading_colours": {"queries": len(p10), "p@10": round(statistics.fmean(p10), 3), "r_precision": round(statistics.fmean(p24), 3)},
        "own_palette": {"queries": len(own), "p@10": round(statistics.fmean(own), 3)},
        "whole_image_colour": {"queries": len(whole), "p@10": round(statistics.fmean(whole), 3)},
    }


_SOURCE = {}


def ev_source(man, f):
    if not _SOURCE:
        _SOURCE.update({r["file"]: r["source"] for r in man})
    return _SOURCE[f]


def measure_mix(kd, man, pairs, rng):
    grade = {(r["source"], r["variant"]): r["file"] for r in man if r["kind"] == "grade"}
    original = {r["source"]: r["file"] for r in man if r["kind"] == "original"}
    cases = []
    for g in PALETTES:
        sources = sorted(s for s, v in grade if v == g)
        cases += [(grade[(s1, g)], original[s2], grade[(s2, g)]) for s1 in sources for s2 in sources if s1 != s2]
    cases = rng.sample(cases, min(pairs, len(cases)))
    ranks = {"colour of A + shape of B": [], "colour of A alone": [], "shape of B alone": [], "A + B mixed (all aspects)": []}
    colour_a = kd.search("--aspect", "colour", *[kd.abs(a) for a, _, _ in cases])
    shape_b = kd.search("--aspect", "shape", *[kd.abs(b) for _, b, _ in cases])
    for (a, b, target), ca, sb in zip(cases, colour_a, shape_b):
        removed = {a, b}
        composed = kd.search("--colour-from", kd.abs(a), "--shape-from", kd.abs(b))[0]
        mixed = kd.search(kd.abs(a), kd.abs(b), "--mix")[0]
        ranks["colour of A + shape of B"].append(rank_of(target, composed, removed))
        ranks["colour of A alone"].append(rank_of(target, ca, removed))
        ranks["shape of B alone"].append(rank_of(target, sb, removed))
        ranks["A + B mixed (all aspects)"].append(rank_of(target, mixed, removed))
    return {k: summary(v) for k, v in ranks.items()}


def fitted(path):
    img = Image.open(path).convert("RGB")
    img.thumbnail((CELL, CELL))
    cell = Image.new("RGB", (CELL, CELL), "white")
    cell.paste(img, ((CELL - img.width) // 2, (CELL - img.height) // 2))
    return cell


def measure_region(kd, man, tmp, n):
    originals = sorted((r["source"], r["file"]) for r in man if r["kind"] == "original")[:n]
    ranks = {"region of the cell": [], "whole composite": []}
    for i, (_, left) in enumerate(originals):
        right = originals[(i + 1) % len(originals)][1]
        comp = Image.new("RGB", (2 * CELL, CELL), "white")
        comp.paste(fitted(kd.abs(left)), (0, 0))
        comp.paste(fitted(kd.abs(right)), (CELL, 0))
        path = Path(tmp) / f"composite-{i:02d}.png"
        comp.save(path)
        whole = kd.search(str(path))[0]
        for x, target in ((0, left), (CELL, right)):
            part = kd.search(str(path), "--region", f"{x},0,{CELL},{CELL}")[0]
            ranks["region of the cell"].append(rank_of(target, part))
            ranks["whole composite"].append(rank_of(target, whole))
    return {k: summary(v) for k, v in ranks.items()}


def measure_several(kd, man, n, rng):
    filters = [r for r in man if r["kind"] == "filter"]
    grades = [r for r in man if r["kind"] == "grade"]
    tasks = {}
    # style: two images of one filter from different sources; relevant: that filter, other sources.
    cases = []
    for _ in range(n):
        a = rng.choice(filters)
        b = rng.choice([r for r in filters if r["variant"] == a["variant"] and r["source"] != a["source"]])
        rel = {r["file"] for r in filters if r["variant"] == a["variant"] and r["source"] not in (a["source"], b["source"])}
        cases.append((a["file"], b["file"], rel, set()))
    tasks["style (texture)"] = ("texture", cases)
    cases = []
    for _ in range(n):
        a = rng.choice(filters)
        b = rng.choice([r for r in filters if r["source"] == a["source"] and r["variant"] != a["variant"]])
        rel = {r["file"] for r in man if r["source"] == a["source"] and r["kind"] in ("original", "filter")} - {a["file"], b["file"]}
        ignored = {r["file"] for r in man if r["source"] == a["source"] and r["kind"] in ("grade", "copy")}
        cases.append((a["file"], b["file"], rel, ignored))
    tasks["content (shape)"] = ("shape", cases)
    cases = []
    for _ in range(n):
        a = rng.choice(grades)
        b = rng.choice([r for r in grades if r["variant"] == a["variant"] and r["source"] != a["source"]])
        rel = {r["file"] for r in grades if r["variant"] == a["variant"] and r["source"] not in (a["source"], b["source"])}
        cases.append((a["file"], b["file"], rel, set()))
    tasks["colour (colour)"] = ("colour", cases)
    out = {}
    for task, (aspect, cases) in tasks.items():
        singles_a = kd.search("--aspect", aspect, *[kd.abs(a) for a, _, _, _ in cases])
        singles_b = kd.search("--aspect", aspect, *[kd.abs(b) for _, b, _, _ in cases])
        mean, best, one = [], [], []
        for (a, b, rel, ignored), ra, rb in zip(cases, singles_a, singles_b):
            removed = {a, b} | ignored
            mixed = kd.search("--aspect", aspect, "--mix", kd.abs(a), kd.abs(b))[0]
            mean.append(precision(mixed, rel, 10, removed))
            scores = {}
            for f, s in ra + rb:
                scores[f] = max(s, scores.get(f, -2.0))
            best.append(precision(sorted(scores.items(), key=lambda x: -x[1]), rel, 10, removed))
            one.append(precision(ra, rel, 10, removed))
        out[task] = {
            "queries": len(cases),
            "p@10 one image (A)": round(statistics.fmean(one), 3),
            "p@10 mean of unit vectors (--mix)": round(statistics.fmean(mean), 3),
            "p@10 best-of": round(statistics.fmean(best), 3),
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--library", help="library dir: imported into when empty, reused when it holds the corpus")
    ap.add_argument("--pairs", type=int, default=200, help="colour-of-A + shape-of-B cases (default 200)")
    ap.add_argument("--composites", type=int, default=48, help="region composites: the first N sources, each beside the next (default 48)")
    ap.add_argument("--several", type=int, default=100, help="two-image queries per task (default 100)")
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--only", help="comma-separated measurements to run (palette, mix, region, several; default all)")
    ap.add_argument("--json", help="write the figures here too")
    a = ap.parse_args(argv)
    man = ev.load_manifest(a.corpus)
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="kindred-steer-") as tmp:
        lib = Path(a.library or Path(tmp) / "lib")
        kd = Kindred(a.bin, lib, a.corpus)
        t0 = time.time()
        info = json.loads(kd.run("info", "--json")) if lib.exists() else {}
        if info.get("counts", {}).get("ok") != len(man):
            summary_ = json.loads(kd.run("import", "--json", str(Path(a.corpus) / "images")))
            if summary_.get("failed"):
                raise SystemExit(f"steer: import failed for some images: {summary_.get('errors')}")
        res = {"corpus_images": len(man), "import_seconds": round(time.time() - t0, 1)}
        only = set(a.only.split(",")) if a.only else {"palette", "mix", "region", "several"}
        for name, fn in (
            ("palette", lambda: measure_palette(kd, man)),
            ("mix", lambda: measure_mix(kd, man, a.pairs, rng)),
            ("region", lambda: measure_region(kd, man, tmp, a.composites)),
            ("several", lambda: measure_several(kd, man, a.several, rng)),
        ):
            if name not in only:
                continue
            t = time.time()
            res[name] = fn()
            print(f"steer: {name} in {time.time() - t:.0f} s: {json.dumps(res[name], indent=1)}", file=sys.stderr)
        res["cli_calls"] = kd.calls
    text = json.dumps(res, indent=2)
    print(text)
    if a.json:
        Path(a.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
