#!/usr/bin/env python3
"""Kindred's own rankings, through its CLI.

    kindred_rank.py --corpus DIR --out RANKDIR --bin KINDRED [--library LIB] [-k 100]

`kindred --library LIB import DIR/images`, then for each aspect MODE in
all, colour, texture, shape: `kindred --library LIB search --json -k K
--aspect MODE q1 q2 ...` over every query file of the corpus (chunked so
command lines stay short), absolute result paths mapped back to
corpus-relative files. Writes RANKDIR/kindred-<mode>.json.

The library is created fresh (a temporary dir unless --library is given and
empty/nonexistent): Kindred's features may change between builds.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402

MODES = ("colour", "texture", "shape", "all")
CHUNK_CHARS = 60_000  # per search command line (ARG_MAX is far larger; stay modest)


def _run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"kindred_rank: {what} failed (exit {r.returncode}): {' '.join(cmd[:6])} ...\n"
                         f"{r.stderr.strip()[-2000:]}")
    return r.stdout


def import_corpus(kbin, lib, corpus):
    out = _run([kbin, "--library", str(lib), "import", "--json", str(Path(corpus) / "images")], "import")
    summary = json.loads(out)
    return summary


def search_mode(kbin, lib, corpus, queries, mode, k, scores=None):
    """{query: [result files, best first]} for one aspect MODE (or weights
    "c,t,s"). With `scores` (a dict), also scores[query] = [Kindred's score of
    each result]: for a single aspect, that aspect's similarity."""
    root = Path(corpus).resolve()
    rankings, known = {}, {}
    chunks, cur, size = [], [], 0
    for q in queries:
        a = str(root / q)
        if cur and size + len(a) + 1 > CHUNK_CHARS:
            chunks.append(cur)
            cur, size = [], 0
        cur.append(a)
        size += len(a) + 1
    if cur:
        chunks.append(cur)
    for ch in chunks:
        out = _run([kbin, "--library", str(lib), "search", "--json", "-k", str(k), "--aspect", mode, *ch],
                   f"search --aspect {mode}")
        res = json.loads(out)
        if len(res) != len(ch):
            raise SystemExit(f"kindred_rank: search returned {len(res)} results for {len(ch)} queries")
        for item, qabs in zip(res, ch):
            q = Path(qabs).relative_to(root).as_posix()
            hits = []
            for h in item["results"]:
                rel = known.get(h["path"])
                if rel is None:  # resolve each distinct path once (1M+ hits when k ~ the corpus)
                    p = Path(h["path"])
                    try:
                        rel = known[h["path"]] = p.resolve().relative_to(root).as_posix()
                    except ValueError:
                        raise SystemExit(f"kindred_rank: result {p} is outside the corpus {root}")
                hits.append(rel)
            rankings[q] = hits
            if scores is not None:
                # Raw similarity (`score` is calibrated per weighting: not a sum across aspects).
                scores[q] = [float(h.get("cosine", h["score"])) for h in item["results"]]
    return rankings


def run(corpus, out, kbin, library=None, k=100, modes=MODES):
    man = ev.load_manifest(corpus)
    queries = ev.query_files(man)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = None
    if library is None:
        tmp = tempfile.mkdtemp(prefix="kindred-quality-lib-")
        library = tmp
    lib = Path(library)
    if lib.exists() and any(lib.iterdir()):
        raise SystemExit(f"kindred_rank: library {lib} is not empty (needs a fresh one)")
    meta = {"bin": str(kbin), "k": k}
    try:
        t0 = time.time()
        summary = import_corpus(kbin, lib, corpus)
        meta["import_seconds"] = round(time.time() - t0, 1)
        meta["import"] = {x: summary.get(x) for x in ("added", "failed")}
        n = len(man)
        if summary.get("added") != n or summary.get("failed"):
            raise SystemExit(f"kindred_rank: import added {summary.get('added')} of {n} images, "
                             f"failed {summary.get('failed')}: {summary.get('errors')}")
        print(f"kindred_rank: imported {n} images in {meta['import_seconds']} s", file=sys.stderr)
        info = json.loads(_run([kbin, "--library", str(lib), "info", "--json"], "info"))
        meta["info"] = {x: info.get(x) for x in ("model", "runtime", "metric", "index")}
        res = {}
        for mode in modes:
            t1 = time.time()
            rk = {"searcher": f"Kindred {mode}", "rankings": search_mode(kbin, lib, corpus, queries, mode, k)}
            meta[f"search_{mode}_seconds"] = round(time.time() - t1, 1)
            ev.save_rankings(rk, out / f"kindred-{mode}.json")
            res[mode] = rk
            print(f"kindred_rank: {mode}: {len(queries)} queries in {meta[f'search_{mode}_seconds']} s",
                  file=sys.stderr)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return res, meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bin", default=os.environ.get("KINDRED_BIN"), help="kindred binary (default $KINDRED_BIN)")
    ap.add_argument("--library", help="fresh library dir (default: a temporary one, deleted after)")
    ap.add_argument("-k", type=int, default=100, help="results per query (default 100)")
    ap.add_argument("--modes", default=",".join(MODES))
    a = ap.parse_args(argv)
    if not a.bin:
        raise SystemExit("kindred_rank: give --bin or set KINDRED_BIN")
    run(a.corpus, a.out, a.bin, a.library, a.k, [m for m in a.modes.split(",") if m])


if __name__ == "__main__":
    main()
