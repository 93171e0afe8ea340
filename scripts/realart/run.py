#!/usr/bin/env python3
"""Run the real-art benchmark on a built corpus and report.

    run.py --corpus DIR --results DIR --bin KINDRED [--model ONNX] [--smoke]

The baselines (scripts/quality/baselines.py: random, dHash, pHash, HSV
histogram, raw CNN pooled) and Kindred's four aspect modes
(scripts/quality/kindred_rank.py) rank every image against the corpus;
evaluate.py scores P@10 of same family. The table (per family, mean over
families, mean over queries, mAP@50) is printed and written to
RESULTS/results.md; RESULTS/results.json has every figure, RESULTS/rankings/
the rankings. Called by scripts/realart.sh. Exits 1 when a figure is NaN,
rankings are short, or (full) the corpus has < 8 families or a family < 40
images.
"""

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

QUALITY = Path(__file__).resolve().parents[1] / "quality"
sys.path.insert(0, str(QUALITY))
import baselines  # noqa: E402
import evaluate as ev  # noqa: E402
import kindred_rank  # noqa: E402

def _quality_run():
    import importlib.util
    spec = importlib.util.spec_from_file_location("quality_run", QUALITY / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_q = _quality_run()
ROWS, git_state = _q.ROWS, _q.git_state

MIN_FAMILIES_FULL = 8
MIN_PER_FAMILY_FULL = 40


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--bin", required=True, help="kindred binary")
    ap.add_argument("--model", default=str(baselines.DEFAULT_MODEL))
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("-k", type=int, default=100, help="Kindred results per query")
    a = ap.parse_args(argv)
    t0 = time.time()
    corpus, res_dir = Path(a.corpus), Path(a.results)
    for need in (Path(a.model), Path(a.model + ".sha256"), Path(a.bin), corpus / "corpus.json"):
        if not need.is_file():
            raise SystemExit(f"realart: {need} missing")
    rank_dir = res_dir / "rankings"
    man = ev.load_manifest(corpus)
    if not ev.is_family_manifest(man):
        raise SystemExit(f"realart: {corpus}/manifest.csv has no family column (not a real-art corpus)")
    corpus_meta = json.loads((corpus / "corpus.json").read_text())
    ev.selftest(man)  # the oracle scores 1.0: the metric code is sane on this manifest

    problems = []
    counts = {}
    for r in man:
        counts[r["family"]] = counts.get(r["family"], 0) + 1
    if not a.smoke:
        if len(counts) < MIN_FAMILIES_FULL:
            problems.append(f"only {len(counts)} families (< {MIN_FAMILIES_FULL})")
        problems += [f"family {f}: {n} images (< {MIN_PER_FAMILY_FULL})" for f, n in counts.items()
                     if n < MIN_PER_FAMILY_FULL]

    rankings = {}
    base, base_meta = baselines.run(corpus, rank_dir, a.model)
    rankings.update({rk["searcher"]: rk for rk in base.values()})
    kin, kin_meta = kindred_rank.run(corpus, rank_dir, a.bin, k=a.k)
    rankings.update({rk["searcher"]: rk for rk in kin.values()})

    results = {name: ev.evaluate_detailed(man, rankings[name]) for name in ROWS}
    for name in ROWS:
        r = results[name]["family"]
        if not math.isfinite(r["score"]) or not math.isfinite(r["map50"]) or r["queries"] != len(man):
            problems.append(f"{name}: score {r['score']}, {r['queries']} queries of {len(man)}")
        if r["short"]:
            problems.append(f"{name}: {r['short']} rankings shorter than {ev.K}")

    means = {n: ev.family_mean(results[n]) for n in ROWS}
    modes = {n: means[n] for n in ROWS if n.startswith("Kindred")}
    best_mode = max(modes, key=modes.get)
    fam_lines = [f"| {f} | {m['package']} | {m['version']} | {m['licence']} | {m['images']} | {m['note']} |"
                 for f, m in corpus_meta["families"].items()]
    md = "\n".join([
        f"# Kindred on real art ({'smoke' if a.smoke else 'full'} corpus): P@10 of same family", "",
        f"Corpus: {corpus_meta['images']} images in {len(counts)} families, generator "
        f"{corpus_meta['generator']}, seed {corpus_meta['seed']}, cap {corpus_meta['cap']} per family.",
        f"Kindred: {a.bin} (repo {git_state(baselines.REPO)}), model {kin_meta['info'].get('model', {})}. "
        "HSV histogram: 16x4x4 bins over the image flattened over white, chi-square; pHash/dHash: 64-bit, "
        "Hamming; raw CNN pooled: 1280-d, cosine.", "",
        ev.family_markdown_table(results, ROWS), "",
        "Kindred modes, mean over families: " + ", ".join(f"{n[8:]} {v:.3f}" for n, v in modes.items()) + ". "
        + ("`all` is the best Kindred mode." if modes["Kindred all"] >= max(modes.values())
           else f"`all` is NOT the best Kindred mode ({best_mode[8:]} is, "
                f"{modes[best_mode] - modes['Kindred all']:+.3f})."), "",
        "## Families", "",
        "| family | Debian package | version | licence | images | what |",
        "| --- | --- | --- | --- | ---: | --- |", *fam_lines, "",
    ])
    if problems:
        md += "\n## Problems\n\n" + "\n".join(f"- {p}" for p in problems) + "\n"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "results.md").write_text(md)
    out = {
        "family_mean": means,
        "query_mean": {n: results[n]["family"]["score"] for n in ROWS},
        "detailed": results, "corpus": corpus_meta, "baselines": base_meta, "kindred": kin_meta,
        "repo": git_state(baselines.REPO), "python": platform.python_version(), "smoke": a.smoke,
        "problems": problems, "seconds": round(time.time() - t0, 1),
    }
    (res_dir / "results.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(md)
    print(f"results: {res_dir}/results.md, results.json, rankings/ ({out['seconds']} s)")
    if problems:
        print("realart: FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
