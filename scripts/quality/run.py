#!/usr/bin/env python3
"""Run the whole retrieval-quality benchmark on a built corpus and report.

    run.py --corpus DIR --results DIR --bin KINDRED [--model ONNX] [--smoke]

Baselines (baselines.py) and Kindred's four aspect modes (kindred_rank.py)
are ranked, scored (evaluate.py), and a markdown table plus a goal check are
printed and written to RESULTS/results.md; RESULTS/results.json has every
figure; RESULTS/rankings/*.json the rankings. Called by scripts/quality.sh.
"""

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines  # noqa: E402
import evaluate as ev  # noqa: E402
import kindred_rank  # noqa: E402

ROWS = ["random", "dHash", "pHash", "HSV histogram", "raw CNN pooled",
        "Kindred colour", "Kindred texture", "Kindred shape", "Kindred all"]
BASELINE_ROWS = ROWS[:5]
GOALS = [("Kindred texture", "style"), ("Kindred shape", "content"), ("Kindred colour", "colour"),
         ("Kindred all", "copy")]
GOAL_MARGIN = 0.15
# sources.csv pools -> source types for the per-source-type view of copy and content
SOURCE_TYPES = {"photo": "photographs", "gnome": "illustrated wallpapers", "clipart": "clip-art"}
SPLIT_TASKS = ("content", "copy")
MIN_QUERIES_FULL = 100


def git_state(repo):
    try:
        head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def goal_check(results):
    lines, checks = [], []
    for row, task in GOALS:
        best_name = max(BASELINE_ROWS, key=lambda n: results[n][task]["score"])
        best = results[best_name][task]["score"]
        mine = results[row][task]["score"]
        margin = mine - best
        ok = margin >= GOAL_MARGIN
        checks.append({"kindred": row, "task": task, "score": mine, "best_baseline": best_name,
                       "baseline_score": best, "margin": margin, "goal": GOAL_MARGIN, "met": ok})
        lines.append(f"| {row} | {task} | {mine:.3f} | {best_name} {best:.3f} | {margin:+.3f} | "
                     f"{'met' if ok else 'NOT met'} |")
    means = {r: sum(results[r][t]["score"] for t in ev.TASKS) / len(ev.TASKS) for r in ROWS[5:]}
    best_mode = max(means, key=means.get)
    all_best = means["Kindred all"] >= max(means.values())
    md = ["| Kindred mode | task | score | best baseline | margin | goal ≥ +0.15 |",
          "| --- | --- | ---: | --- | ---: | --- |", *lines, "",
          "Mean over the four tasks: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()) + ". "
          + ("`all` is the best single Kindred mode on average." if all_best
             else f"`all` is NOT the best single Kindred mode on average ({best_mode} is).")]
    return "\n".join(md), {"margins": checks, "mode_means": means, "all_is_best_mode": all_best}


def source_types(corpus, manifest):
    """{file: source type} from sources.csv (pool of each file's source)."""
    import csv
    with open(Path(corpus) / "sources.csv", newline="") as fh:
        pool = {r["source"]: r["pool"] for r in csv.DictReader(fh)}
    missing = sorted({r["source"] for r in manifest} - set(pool))
    if missing:
        raise SystemExit(f"quality: sources.csv lacks sources {missing[:3]}")
    return {r["file"]: SOURCE_TYPES.get(pool[r["source"]], pool[r["source"]]) for r in manifest}


def source_type_table(results, rows):
    """Markdown: content P@10 and copy R@10 per source type and the worst one
    (nothing is tuned on these splits, so each is a held-out figure)."""
    types = list(results[rows[0]][SPLIT_TASKS[0]]["by_group"])
    head = " | ".join(f"{t} {ty}" for t in SPLIT_TASKS for ty in types)
    lines = [f"| searcher | {head} | " + " | ".join(f"{t} worst" for t in SPLIT_TASKS) + " |",
             "| --- |" + " ---: |" * (len(types) * len(SPLIT_TASKS) + len(SPLIT_TASKS))]
    worst = {}
    for n in rows:
        vals = [results[n][t]["by_group"][ty] for t in SPLIT_TASKS for ty in types]
        w = []
        for t in SPLIT_TASKS:
            g = results[n][t]["by_group"]
            ty = min(g, key=g.get)
            w.append(f"{g[ty]:.3f} ({ty})")
            worst.setdefault(n, {})[t] = {"type": ty, "score": g[ty]}
        lines.append(f"| {n} | " + " | ".join(f"{v:.3f}" for v in vals) + " | " + " | ".join(w) + " |")
    return "\n".join(lines), worst


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
    rank_dir = res_dir / "rankings"
    man = ev.load_manifest(corpus)
    corpus_meta = json.loads((corpus / "corpus.json").read_text())
    ev.selftest(man)  # oracle rankings score 1.0: the metric code is sane on this manifest

    rankings = {}
    base, base_meta = baselines.run(corpus, rank_dir, a.model)
    rankings.update({rk["searcher"]: rk for rk in base.values()})
    kin, kin_meta = kindred_rank.run(corpus, rank_dir, a.bin, k=a.k)
    rankings.update({rk["searcher"]: rk for rk in kin.values()})

    stype = source_types(corpus, man)
    results = {name: ev.evaluate_detailed(man, rankings[name], group_of=stype) for name in ROWS}
    problems = []
    for name in ROWS:
        for t in ev.TASKS:
            r = results[name][t]
            if not math.isfinite(r["score"]) or not math.isfinite(r["map50"]) or r["queries"] == 0:
                problems.append(f"{name}/{t}: score {r['score']}, {r['queries']} queries")
            if not a.smoke and r["queries"] < MIN_QUERIES_FULL:
                problems.append(f"{name}/{t}: only {r['queries']} queries (< {MIN_QUERIES_FULL})")
            if r["short"]:
                problems.append(f"{name}/{t}: {r['short']} rankings shorter than {ev.K} after removals")

    table = ev.markdown_table(results, ROWS)
    goals_md, goals = goal_check(results)
    split_md, split_worst = source_type_table(results, ROWS)
    n_src = {}
    for r in man:
        if r["kind"] == "original":
            n_src[stype[r["file"]]] = n_src.get(stype[r["file"]], 0) + 1
    counts = corpus_meta["counts"]
    header = [
        f"# Kindred retrieval quality ({'smoke' if a.smoke else 'full'} corpus)", "",
        f"Corpus: {corpus_meta['images']} images from {corpus_meta['sources']} sources "
        f"({', '.join(f'{k} {v}' for k, v in corpus_meta['pools'].items())}); "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; generator {corpus_meta['generator']}, seed {corpus_meta['seed']}.",
        f"Kindred: {a.bin} (repo {git_state(baselines.REPO)}), model {kin_meta['info'].get('model', {})}. "
        f"Raw CNN baseline used ONNX output `{base_meta['cnn_output']}`. "
        "HSV histogram: 16x4x4 bins, L1-normalised, chi-square. dHash/pHash: 64-bit, Hamming.", "",
    ]
    md = ("\n".join(header) + "\n" + table + "\n\n## Goal check\n\n" + goals_md + "\n"
          + "\n## Copy and content by source type\n\nEach source type's queries alone (sources: "
          + ", ".join(f"{k} {v}" for k, v in sorted(n_src.items()))
          + "); the worst type is the figure to watch, not the mean.\n\n" + split_md + "\n")
    if problems:
        md += "\n## Problems\n\n" + "\n".join(f"- {p}" for p in problems) + "\n"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / "results.md").write_text(md)
    out = {
        "scores": {n: {t: results[n][t]["score"] for t in ev.TASKS} for n in ROWS},
        "detailed": results, "goal_check": goals, "source_type_worst": split_worst, "corpus": corpus_meta,
        "baselines": base_meta, "kindred": kin_meta, "repo": git_state(baselines.REPO),
        "python": platform.python_version(), "smoke": a.smoke, "problems": problems,
        "seconds": round(time.time() - t0, 1),
    }
    (res_dir / "results.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(md)
    print(f"results: {res_dir}/results.md, results.json, rankings/ ({out['seconds']} s)")
    if problems:
        print("quality: FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
