#!/usr/bin/env python3
"""Retrieval-quality evaluator for Kindred (importable module + CLI).

Corpus: DIR/manifest.csv with columns file,source,kind,variant (file relative
to DIR; kind original|filter|grade|copy), as written by make_corpus.py; or a
real-art manifest (scripts/realart/make_corpus.py) with a `family` column and
no `kind`, whose one task is `family`.

Rankings (one per searcher), JSON:
    {"searcher": NAME, "rankings": {query_file: [result_file, ...]}}
files relative to the corpus dir, best first, 50 or more results per query
(the query itself may or may not be in its list: it is always removed).

Tasks (every query's ranking has the query and the task's "ignored" files
removed before scoring):
  style    queries: filter images; relevant: same filter, other source.
           Other renditions of the query's source are ordinary negatives.
  content  queries: filter images; relevant: the original and the other
           filter renditions of the same source; ignored: grade/copy images
           of the same source.
  colour   queries: grade images; relevant: same palette, other source.
  copy     queries: copy images; relevant: the original and the other
           copies of the same source; ignored: filter/grade images of the
           same source.
  family   (real-art manifests) queries: every image; relevant: the other
           images of its family.

Score: precision@10 = relevant among the first 10 / min(10, #relevant) for
style, content, colour; recall@10 = relevant among the first 10 / #relevant
for copy (with #relevant <= 10 the two formulas agree). Averaged over the
task's queries. Secondary: mAP@50 (AP truncated at rank 50, normalised by
min(50, #relevant)).

Python use (another engineer's feature variant, say):
    import sys; sys.path.insert(0, "scripts/quality")
    import evaluate as ev
    man = ev.load_manifest("~/.cache/kindred/quality/full/corpus")
    files = [r["file"] for r in man]
    vecs = my_features(files)                       # (n, d) numpy array
    rk = ev.rank_by_vectors(files, vecs, metric="cosine", searcher="mine")
    print(ev.evaluate(man, rk))                     # {"style": .., "content": .., ...}
    print(ev.evaluate_detailed(man, rk))            # + mAP@50 and query counts

CLI:
    evaluate.py --corpus DIR rankings.json [more.json ...] [--json OUT] [--markdown OUT]
"""

import argparse
import csv
import json
import os
import sys
from pathlib import Path

import numpy as np

TASKS = ("style", "content", "colour", "copy")
FAMILY_TASKS = ("family",)
KINDS = ("original", "filter", "grade", "copy")
K = 10
MAP_DEPTH = 50


# ---------------------------------------------------------------------------
# Manifest and ground truth
# ---------------------------------------------------------------------------

def load_manifest(path):
    """Rows of manifest.csv as dicts (file, source, kind, variant; or file,
    family, ... for a real-art corpus). `path` is the corpus dir or the
    manifest file itself."""
    p = Path(os.path.expanduser(str(path)))
    if p.is_dir():
        p = p / "manifest.csv"
    with open(p, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{p}: empty manifest")
    if "family" in rows[0]:
        if any(not r["family"] for r in rows):
            raise ValueError(f"{p}: a row has an empty family")
    else:
        for r in rows:
            if r["kind"] not in KINDS:
                raise ValueError(f"{p}: unknown kind {r['kind']!r} for {r['file']}")
    files = [r["file"] for r in rows]
    if len(set(files)) != len(files):
        raise ValueError(f"{p}: duplicate files")
    return rows


def corpus_files(manifest):
    return [r["file"] for r in manifest]


def is_family_manifest(manifest):
    return "family" in manifest[0]


def manifest_tasks(manifest):
    """The tasks a manifest defines: ("family",) for real art, else TASKS."""
    return FAMILY_TASKS if is_family_manifest(manifest) else TASKS


def query_group(row):
    """What a query's scores are broken down by: its filter/palette/copy
    variant (synthetic corpus) or its family (real art)."""
    return row["family"] if "family" in row else row["variant"]


def task_queries(manifest, task):
    """[(query, relevant: set, ignored: set)] for one task."""
    by_source = {}
    for r in manifest:
        by_source.setdefault(r["source"], []).append(r)
    out = []
    if task == "family":
        if not is_family_manifest(manifest):
            raise ValueError("task family needs a real-art manifest (family column)")
        by_family = {}
        for r in manifest:
            by_family.setdefault(r["family"], set()).add(r["file"])
        return [(r["file"], by_family[r["family"]] - {r["file"]}, set()) for r in manifest]
    if is_family_manifest(manifest):
        raise ValueError(f"task {task!r} needs a synthetic manifest (kind column)")
    if task in ("style", "colour"):
        kind = "filter" if task == "style" else "grade"
        by_variant = {}
        for r in manifest:
            if r["kind"] == kind:
                by_variant.setdefault(r["variant"], []).append(r)
        for r in manifest:
            if r["kind"] != kind:
                continue
            rel = {x["file"] for x in by_variant[r["variant"]] if x["source"] != r["source"]}
            out.append((r["file"], rel, set()))
    elif task in ("content", "copy"):
        kind = "filter" if task == "content" else "copy"
        ignored_kinds = ("grade", "copy") if task == "content" else ("filter", "grade")
        for r in manifest:
            if r["kind"] != kind:
                continue
            same = by_source[r["source"]]
            rel = {x["file"] for x in same if x["kind"] in ("original", kind) and x["file"] != r["file"]}
            ign = {x["file"] for x in same if x["kind"] in ignored_kinds}
            out.append((r["file"], rel, ign))
    else:
        raise ValueError(f"unknown task {task!r}")
    return out


def query_files(manifest):
    """Every file that is a query of at least one task (filter, grade, copy;
    every file of a real-art corpus)."""
    if is_family_manifest(manifest):
        return corpus_files(manifest)
    return [r["file"] for r in manifest if r["kind"] in ("filter", "grade", "copy")]


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def _ranking_map(rankings):
    if isinstance(rankings, dict) and "rankings" in rankings and isinstance(rankings["rankings"], dict):
        return rankings["rankings"]
    return rankings


def _score_one(ranking, query, rel, ign, k=K, depth=MAP_DEPTH):
    kept = [f for f in ranking if f != query and f not in ign]
    nrel = len(rel)
    if nrel == 0:
        return None
    hits_k = sum(1 for f in kept[:k] if f in rel)
    at_k = hits_k / min(k, nrel)
    hits, ap = 0, 0.0
    for i, f in enumerate(kept[:depth], 1):
        if f in rel:
            hits += 1
            ap += hits / i
    ap /= min(depth, nrel)
    return at_k, ap, len(kept)


def evaluate_detailed(manifest, rankings, tasks=None, k=K, strict=True, group_of=None):
    """{task: {"score": P@10 (R@10 for copy), "map50": mAP@50, "queries": n,
    "metric": "P@10"|"R@10", "short": #queries whose ranking had < k results
    left after removals, "by_variant": {query variant (family for real art):
    mean score}}}; with group_of ({file: group}, e.g. a source type) also
    "by_group": {group: mean score}. tasks default to manifest_tasks(). Raises
    ValueError if a query has no ranking or a ranking names a file outside the
    manifest (strict)."""
    tasks = manifest_tasks(manifest) if tasks is None else tasks
    rmap = _ranking_map(rankings)
    known = set(corpus_files(manifest))
    variant = {r["file"]: query_group(r) for r in manifest}
    if strict:
        for q, lst in rmap.items():
            bad = [f for f in lst if f not in known]
            if bad:
                raise ValueError(f"ranking of {q} names files outside the corpus, e.g. {bad[0]!r}")
    out = {}
    for task in tasks:
        qs = task_queries(manifest, task)
        if not qs:
            raise ValueError(f"task {task}: no queries in this manifest")
        scores, aps, short = [], [], 0
        by_var, by_group = {}, {}
        for q, rel, ign in qs:
            if q not in rmap:
                raise ValueError(f"task {task}: no ranking for query {q}")
            s = _score_one(rmap[q], q, rel, ign, k=k)
            if s is None:
                continue
            scores.append(s[0])
            aps.append(s[1])
            by_var.setdefault(variant[q], []).append(s[0])
            if group_of is not None:
                by_group.setdefault(group_of[q], []).append(s[0])
            if s[2] < k:
                short += 1
        out[task] = {
            "score": float(np.mean(scores)) if scores else float("nan"),
            "map50": float(np.mean(aps)) if aps else float("nan"),
            "queries": len(scores),
            "metric": "R@10" if task == "copy" else "P@10",
            "short": short,
            "by_variant": {v: float(np.mean(x)) for v, x in sorted(by_var.items())},
        }
        if group_of is not None:
            out[task]["by_group"] = {g: float(np.mean(x)) for g, x in sorted(by_group.items())}
    return out


def evaluate(manifest, rankings, tasks=None):
    """{task: score}: P@10 for style/content/colour/family, R@10 for copy."""
    return {t: v["score"] for t, v in evaluate_detailed(manifest, rankings, tasks).items()}


# ---------------------------------------------------------------------------
# Vector searchers
# ---------------------------------------------------------------------------

METRICS = ("cosine", "ip", "l2", "euclidean", "l1", "manhattan", "hamming", "chi2", "intersection")


def _distances(Q, X, metric):
    """Distance matrix (len(Q), len(X)); smaller = more similar."""
    if metric == "cosine":
        qn = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-12)
        xn = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        return -(qn @ xn.T)
    if metric == "ip":
        return -(Q @ X.T)
    if metric in ("l2", "euclidean"):
        d2 = (Q * Q).sum(1)[:, None] + (X * X).sum(1)[None, :] - 2 * (Q @ X.T)
        return np.sqrt(np.maximum(d2, 0))
    if metric == "hamming":  # 0/1 (or bool) vectors
        return Q @ (1 - X).T + (1 - Q) @ X.T
    out = np.empty((len(Q), len(X)), np.float64)
    step = max(1, int(2e7 // max(1, len(X) * X.shape[1])))
    for i in range(0, len(Q), step):
        a = Q[i:i + step, None, :]
        b = X[None, :, :]
        if metric in ("l1", "manhattan"):
            out[i:i + step] = np.abs(a - b).sum(-1)
        elif metric == "chi2":  # 0.5 * sum (a-b)^2 / (a+b)
            s = a + b
            out[i:i + step] = 0.5 * np.where(s > 0, (a - b) ** 2 / np.where(s > 0, s, 1), 0).sum(-1)
        elif metric == "intersection":  # 1 - sum min(a, b) (L1-normalised histograms)
            out[i:i + step] = 1.0 - np.minimum(a, b).sum(-1)
        else:
            raise ValueError(f"unknown metric {metric!r}; one of {METRICS}")
    return out


def rank_by_vectors(files, vectors, metric="cosine", searcher=None, top=100, queries=None, seed=0):
    """Rank the whole corpus for each query file by vector distance.

    files: corpus-relative names, one per row of `vectors` (n, d).
    queries: subset of `files` to rank for (default: all of them).
    Ties are broken by a seeded random order of the corpus (not file order,
    which groups renditions of one source). The query is left out of its own
    list. Returns {"searcher": ..., "metric": ..., "rankings": {q: [files...]}}."""
    X = np.asarray(vectors, dtype=np.float64)
    if X.ndim != 2 or len(X) != len(files):
        raise ValueError(f"vectors shape {X.shape} does not match {len(files)} files")
    if not np.all(np.isfinite(X)):
        raise ValueError("vectors contain NaN or inf")
    idx = {f: i for i, f in enumerate(files)}
    qlist = list(files) if queries is None else list(queries)
    tiebreak = np.random.default_rng(seed).permutation(len(files))
    rankings = {}
    for s in range(0, len(qlist), 256):
        chunk = qlist[s:s + 256]
        qi = np.array([idx[q] for q in chunk])
        D = _distances(X[qi], X, metric)
        for row, q in enumerate(chunk):
            d = D[row].copy()
            d[qi[row]] = np.inf
            order = np.lexsort((tiebreak, d))[: top + 1]
            rankings[q] = [files[j] for j in order if j != qi[row]][:top]
    return {"searcher": searcher or metric, "metric": metric, "rankings": rankings}


def rank_random(files, searcher="random", top=100, queries=None, seed=0):
    rng = np.random.default_rng(seed)
    qlist = list(files) if queries is None else list(queries)
    rankings = {}
    for q in qlist:
        perm = rng.permutation(len(files))
        rankings[q] = [files[j] for j in perm if files[j] != q][:top]
    return {"searcher": searcher, "metric": "random", "rankings": rankings}


def oracle_rankings(manifest, task):
    """Ground-truth-first rankings for one task (relevant files, then the
    rest in manifest order): every query must score 1.0. For self-tests."""
    files = corpus_files(manifest)
    rk = {}
    for q, rel, ign in task_queries(manifest, task):
        rk[q] = sorted(rel) + [f for f in files if f not in rel and f != q]
    return {"searcher": f"oracle-{task}", "rankings": rk}


def selftest(manifest):
    """Raise AssertionError unless the oracle scores 1.0 on every task and a
    reversed oracle scores 0 at rank 10 where possible."""
    for task in manifest_tasks(manifest):
        det = evaluate_detailed(manifest, oracle_rankings(manifest, task), tasks=[task])[task]
        assert abs(det["score"] - 1.0) < 1e-12 and abs(det["map50"] - 1.0) < 1e-12, (task, det)
        worst = {q: lst[::-1] for q, lst in oracle_rankings(manifest, task)["rankings"].items()}
        det = evaluate_detailed(manifest, worst, tasks=[task])[task]
        assert det["score"] < 1.0, (task, det)
    return True


# ---------------------------------------------------------------------------
# I/O and reporting
# ---------------------------------------------------------------------------

def save_rankings(rk, path):
    Path(path).write_text(json.dumps(rk))


def load_rankings(path):
    rk = json.loads(Path(path).read_text())
    if "rankings" not in rk:
        raise ValueError(f"{path}: no 'rankings' key")
    rk.setdefault("searcher", Path(path).stem)
    return rk


def markdown_table(results, order=None):
    """results: {searcher: evaluate_detailed(...)} -> markdown table of the
    headline scores (P@10; R@10 for copy) + mean, then one of mAP@50."""
    names = order or list(results)
    lines = ["| searcher | style P@10 | content P@10 | colour P@10 | copy R@10 | mean |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for n in names:
        r = results[n]
        vals = [r[t]["score"] for t in TASKS]
        lines.append(f"| {n} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {np.mean(vals):.3f} |")
    lines += ["", "mAP@50 (secondary):", "",
              "| searcher | style | content | colour | copy | mean |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for n in names:
        r = results[n]
        vals = [r[t]["map50"] for t in TASKS]
        lines.append(f"| {n} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {np.mean(vals):.3f} |")
    for task in ("style", "colour"):
        variants = list(results[names[0]][task]["by_variant"])
        lines += ["", f"{task} {results[names[0]][task]['metric']} by query variant:", "",
                  "| searcher | " + " | ".join(variants) + " |",
                  "| --- |" + " ---: |" * len(variants)]
        for n in names:
            bv = results[n][task]["by_variant"]
            lines.append(f"| {n} | " + " | ".join(f"{bv[v]:.2f}" for v in variants) + " |")
    q = results[names[0]]
    lines += ["", "Queries: " + ", ".join(f"{t} {q[t]['queries']}" for t in TASKS) + "."]
    shorts = {n: {t: results[n][t]["short"] for t in TASKS if results[n][t]["short"]} for n in names}
    shorts = {n: v for n, v in shorts.items() if v}
    if shorts:
        lines.append(f"Rankings with fewer than {K} results after removals: {shorts}.")
    return "\n".join(lines)


def family_markdown_table(results, order=None):
    """results: {searcher: evaluate_detailed(...)} on a real-art manifest ->
    markdown table: P@10 of same family per family, the mean over families
    (each family counts once) and the mean over queries, plus mAP@50."""
    names = order or list(results)
    fams = list(results[names[0]]["family"]["by_variant"])
    lines = ["| searcher | " + " | ".join(fams) + " | **mean over families** | mean over queries | mAP@50 |",
             "| --- |" + " ---: |" * (len(fams) + 3)]
    for n in names:
        r = results[n]["family"]
        bv = r["by_variant"]
        lines.append(f"| {n} | " + " | ".join(f"{bv[f]:.3f}" for f in fams)
                     + f" | **{family_mean(results[n]):.3f}** | {r['score']:.3f} | {r['map50']:.3f} |")
    lines += ["", f"Queries: {results[names[0]]['family']['queries']} (every image; relevant = the other "
              "images of its family)."]
    shorts = {n: results[n]["family"]["short"] for n in names if results[n]["family"]["short"]}
    if shorts:
        lines.append(f"Rankings with fewer than {K} results after removals: {shorts}.")
    return "\n".join(lines)


def family_mean(detailed):
    """Mean over families of the per-family P@10 (every family weighs the same)."""
    return float(np.mean(list(detailed["family"]["by_variant"].values())))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Score rankings JSON files against a corpus manifest.")
    ap.add_argument("--corpus", required=True, help="corpus dir (with manifest.csv)")
    ap.add_argument("rankings", nargs="+", help="rankings JSON files")
    ap.add_argument("--json", help="write {searcher: detailed results} here")
    ap.add_argument("--markdown", help="write the markdown table here")
    a = ap.parse_args(argv)
    man = load_manifest(a.corpus)
    results = {}
    for p in a.rankings:
        rk = load_rankings(p)
        results[rk["searcher"]] = evaluate_detailed(man, rk)
    md = (family_markdown_table if is_family_manifest(man) else markdown_table)(results)
    print(md)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2) + "\n")
    if a.markdown:
        Path(a.markdown).write_text(md + "\n")


if __name__ == "__main__":
    sys.exit(main())
