//! Kindred's HNSW index side of "Index: Kindred vs Faiss" (`scripts/bench-index.sh` runs both
//! sides; `scripts/bench-faiss.py` is the Faiss side). A plain binary, no harness.
//!
//! ```text
//! cargo bench --bench index_compare -- prepare --out DIR [--library LIB] [--query-every 4]
//!                                              [--synthetic 100000] [--queries 1000]
//! cargo bench --bench index_compare -- run --data DIR [--efs 16,32,64,128,256] [--repeats 3]
//!                                          [--storages library,f16cos,f16ip,f32ip,i8cos]
//!                                          [--sets real,synthetic] [--aspects colour,texture,shape]
//!                                          [--json FILE] [--build-threads 2]
//! ```
//!
//! `prepare` writes every vector set both sides use, as little-endian f32 files plus `meta.json`:
//!
//! * `real` (with `--library`): every searchable artwork's vectors from the library's catalog
//!   (`Catalog::for_each_embedding`, current model), in artwork-id order; every `--query-every`-th
//!   artwork is held out as a query, the rest is the base.
//! * `synthetic`: `synthetic_vectors(N, dim, N / 100 clusters, seed 1)` as the base and
//!   `--queries` vectors with seed 2 (same distribution) as queries.
//!
//! Dimensions come from `Aspect::dim`. For each set and aspect, the exact ground truth (the
//! `K + 1` nearest base rows of every query under the cosine metric, `Metric::distance` in f32,
//! ties broken by row) is computed once with `ExactIndex` and written as `*-truth.u32` (row
//! indices) and `*-truth-dist.f32`; both sides score against these files.
//!
//! `run` builds `HnswIndex` per set and aspect exactly as `Library` does (`HnswParams::default()`,
//! cosine, the aspect's `index::hnsw_representation`, `add_batch` in chunks of 2048 on a
//! 2-thread rayon pool) and sweeps ef. Per ef, on one thread: queries/s of `search(q, 10)` (from
//! the thread's CPU time, best of `--repeats` passes, so that other processes on a shared machine
//! do not count; wall-clock QPS is in the JSON), recall@10 by row (as `index::testing::recall_at_k`) and
//! tie-aware (a hit counts if its exact distance is within 1e-6 of the true 10th distance, so
//! duplicate vectors cannot cost recall), and the same for Kindred's search path
//! (`search::nearest`: 50 candidates from the index, exact f32 re-scoring, best 10). Build time,
//! `memory_usage()`, RSS growth during the build, bytes per vector, and the CPU time of one
//! `search` call on a 1-vector index of the same representation (the per-call cost apart from
//! the graph walk) are reported per variant: `library`, and fixed representations for comparison
//! (see `Variant`). The last line printed is a JSON object.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use rayon::prelude::*;
use serde_json::{Value, json};

use kindred::index::testing::synthetic_vectors;
use kindred::index::{
    ExactIndex, HnswIndex, HnswParams, Kernel, Metric, Neighbour, Representation, Storage, VectorIndex, hnsw_representation,
};
use kindred::{Aspect, Library, LibraryOptions};

const K: usize = 10;
/// Candidates per aspect `search::nearest` asks the index for when k = 10: max(5k, 50).
const RERANK_CANDIDATES: usize = 50;
/// `Library` inserts in chunks of this many artworks (`index::BUILD_CHUNK`).
const BUILD_CHUNK: usize = 2048;
/// The machine has 2 cores; `Library` builds on rayon's default pool (one thread per core).
const BUILD_THREADS: usize = 2;
const METRIC: Metric = Metric::Cosine;
/// Tolerance of the tie-aware recall.
const TIE_EPS: f32 = 1e-6;
/// Variants measured by default: the library and the representations it was chosen from.
const DEFAULT_VARIANTS: &str = "library,f16cos,f16ip,f32ip,i8cos";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mode = args.next().context("usage: index_compare prepare|run ... (see benches/index_compare.rs)")?;
    let mut opts = std::collections::HashMap::new();
    while let Some(a) = args.next() {
        let Some(name) = a.strip_prefix("--") else { bail!("unexpected argument `{a}`") };
        let value = args.next().with_context(|| format!("--{name} needs a value"))?;
        opts.insert(name.to_string(), value);
    }
    let opt = |name: &str| opts.get(name).map(String::as_str);
    let threads = opt("build-threads").map_or(Ok(BUILD_THREADS), str::parse).context("--build-threads N")?;
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global()?;
    match mode.as_str() {
        "prepare" => {
            let known = ["out", "library", "query-every", "synthetic", "queries", "build-threads"];
            check_known(&opts, &known)?;
            prepare(
                Path::new(opt("out").context("prepare needs --out DIR")?),
                opt("library").map(Path::new),
                opt("query-every").unwrap_or("4").parse().context("--query-every N")?,
                opt("synthetic").unwrap_or("100000").parse().context("--synthetic N")?,
                opt("queries").unwrap_or("1000").parse().context("--queries N")?,
            )
        }
        "run" => {
            check_known(&opts, &["data", "efs", "storages", "json", "repeats", "build-threads", "sets", "aspects"])?;
            let repeats: usize = opt("repeats").unwrap_or("3").parse().context("--repeats N")?;
            let efs = opt("efs").unwrap_or("16,32,64,128,256").split(',').map(|s| s.trim().parse()).collect::<Result<Vec<usize>, _>>()?;
            let storages =
                opt("storages").unwrap_or(DEFAULT_VARIANTS).split(',').map(|s| s.trim().parse()).collect::<Result<Vec<Variant>>>()?;
            ensure!(!efs.is_empty() && !storages.is_empty(), "--efs and --storages must not be empty");
            let only = |name: &str| opt(name).map(|v| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>());
            let filter = Filter { sets: only("sets"), aspects: only("aspects") };
            run(Path::new(opt("data").context("run needs --data DIR")?), &efs, &storages, repeats, &filter, opt("json").map(Path::new))
        }
        other => bail!("unknown mode `{other}` (prepare, run)"),
    }
}

fn check_known(opts: &std::collections::HashMap<String, String>, known: &[&str]) -> Result<()> {
    for k in opts.keys() {
        ensure!(known.contains(&k.as_str()), "unknown option --{k} (known: {})", known.join(", "));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// prepare

fn prepare(out: &Path, library: Option<&Path>, query_every: usize, synthetic: usize, nq: usize) -> Result<()> {
    ensure!(query_every >= 2, "--query-every must be at least 2");
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let params = HnswParams::default();
    let mut sets = Vec::new();

    if let Some(dir) = library {
        let lib = Library::open(dir, LibraryOptions::default())?;
        let mut base: Vec<Vec<Vec<f32>>> = vec![Vec::new(); Aspect::ALL.len()];
        let mut queries: Vec<Vec<Vec<f32>>> = vec![Vec::new(); Aspect::ALL.len()];
        let mut i = 0usize;
        lib.catalog().for_each_embedding(lib.model(), |_id, e| {
            let target = if i % query_every == query_every - 1 { &mut queries } else { &mut base };
            for (a, aspect) in Aspect::ALL.iter().enumerate() {
                target[a].push(e.get(*aspect).to_vec());
            }
            i += 1;
            Ok(())
        })?;
        ensure!(!queries[0].is_empty() && base[0].len() > K, "library {} has only {i} searchable artworks", dir.display());
        println!("real: {i} artworks from {} -> {} base, {} queries", dir.display(), base[0].len(), queries[0].len());
        let mut aspects = Vec::new();
        for (a, aspect) in Aspect::ALL.iter().enumerate() {
            aspects.push(write_aspect(out, "real", *aspect, &base[a], &queries[a])?);
        }
        sets.push(
            json!({"name": "real", "source": dir.display().to_string(), "artworks": i, "query_every": query_every, "aspects": aspects}),
        );
    }

    if synthetic > 0 {
        let clusters = (synthetic / 100).max(1);
        let mut aspects = Vec::new();
        for aspect in Aspect::ALL {
            let t = Instant::now();
            let base = synthetic_vectors(synthetic, aspect.dim(), clusters, 1);
            let queries = synthetic_vectors(nq, aspect.dim(), clusters, 2);
            println!(
                "synthetic {aspect}: {synthetic} + {nq} vectors of {} dims generated in {:.1}s",
                aspect.dim(),
                t.elapsed().as_secs_f64()
            );
            aspects.push(write_aspect(out, "synthetic", aspect, &base, &queries)?);
        }
        sets.push(json!({"name": "synthetic", "clusters": clusters, "seeds": [1, 2], "aspects": aspects}));
    }
    ensure!(!sets.is_empty(), "nothing to prepare: give --library and/or --synthetic > 0");

    let meta = json!({
        "k": K,
        "truth_k": K + 1,
        "metric": METRIC.name(),
        "hnsw": {"M": params.connectivity, "ef_construction": params.expansion_add, "ef_search_default": params.expansion_search},
        "build_threads": BUILD_THREADS,
        "rerank_candidates": RERANK_CANDIDATES,
        "sets": sets,
    });
    fs::write(out.join("meta.json"), serde_json::to_string_pretty(&meta)?)?;
    println!("wrote {}", out.join("meta.json").display());
    Ok(())
}

/// Writes base, queries and exact ground truth of one aspect; returns its `meta.json` entry.
fn write_aspect(out: &Path, set: &str, aspect: Aspect, base: &[Vec<f32>], queries: &[Vec<f32>]) -> Result<Value> {
    let dim = aspect.dim();
    ensure!(base.iter().chain(queries).all(|v| v.len() == dim), "{set} {aspect}: vectors are not {dim}-dimensional");
    let stem = format!("{set}-{aspect}");
    write_f32(&out.join(format!("{stem}-base.f32")), base.iter().flatten().copied())?;
    write_f32(&out.join(format!("{stem}-queries.f32")), queries.iter().flatten().copied())?;

    let t = Instant::now();
    let mut exact = ExactIndex::new(dim, METRIC);
    let items: Vec<(u64, &[f32])> = base.iter().enumerate().map(|(i, v)| (i as u64, v.as_slice())).collect();
    exact.add_batch(&items)?;
    let truth_k = (K + 1).min(base.len());
    let truth: Vec<Vec<(u32, f32)>> = queries
        .par_iter()
        .map(|q| Ok(exact.search(q, truth_k)?.into_iter().map(|n| (n.key as u32, n.distance)).collect()))
        .collect::<Result<_>>()?;
    let ties = truth.iter().filter(|t| t.len() > K && (t[K].1 - t[K - 1].1).abs() <= TIE_EPS).count();
    println!(
        "{stem}: base {} x {dim}, {} queries, exact ground truth in {:.1}s ({ties} queries with a tie at rank {K})",
        base.len(),
        queries.len(),
        t.elapsed().as_secs_f64()
    );
    let mut ids = Vec::with_capacity(truth.len() * truth_k);
    let mut dists = Vec::with_capacity(truth.len() * truth_k);
    for t in &truth {
        ensure!(t.len() == truth_k, "short ground truth");
        ids.extend(t.iter().map(|p| p.0));
        dists.extend(t.iter().map(|p| p.1));
    }
    let mut f = std::io::BufWriter::new(fs::File::create(out.join(format!("{stem}-truth.u32")))?);
    for id in ids {
        f.write_all(&id.to_le_bytes())?;
    }
    f.flush()?;
    write_f32(&out.join(format!("{stem}-truth-dist.f32")), dists.into_iter())?;
    Ok(json!({
        "aspect": aspect.name(),
        "dim": dim,
        "n": base.len(),
        "nq": queries.len(),
        "truth_k": truth_k,
        "ties_at_k": ties,
        "base": format!("{stem}-base.f32"),
        "queries": format!("{stem}-queries.f32"),
        "truth": format!("{stem}-truth.u32"),
        "truth_dist": format!("{stem}-truth-dist.f32"),
    }))
}

fn write_f32(path: &Path, values: impl Iterator<Item = f32>) -> Result<()> {
    let mut f = std::io::BufWriter::new(fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    for v in values {
        f.write_all(&v.to_le_bytes())?;
    }
    f.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// run

/// What is measured: the library's `HnswIndex` as `Library` builds it for the aspect
/// (`index::hnsw_representation`), or a fixed representation for comparison, named
/// `<storage><kernel>`: `f16cos` (f16, cosine kernel: the library's choice before inner product),
/// `f16ip` / `f32ip` (inner product over unit vectors), `f32cos`, `i8cos`. `f16ip-usearch` /
/// `f32ip-usearch` are the same inner product with usearch's own kernel instead of Kindred's
/// (`src/index/dot.rs`): a bare `usearch::Index` (queries converted to f16 by `half`, as
/// `HnswIndex` does), otherwise the same build and search calls.
#[derive(Clone, Copy, Debug)]
enum Variant {
    Library,
    Fixed(Representation),
    Usearch(Storage),
}

impl std::str::FromStr for Variant {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        if s == "library" {
            return Ok(Variant::Library);
        }
        if let Some(storage) = s.strip_suffix("ip-usearch") {
            return Ok(Variant::Usearch(storage.parse()?));
        }
        let (storage, kernel) = if let Some(st) = s.strip_suffix("cos") {
            (st, Kernel::Metric)
        } else if let Some(st) = s.strip_suffix("ip") {
            (st, Kernel::UnitIp)
        } else {
            bail!("unknown variant `{s}` (library, <f32|f16|i8><cos|ip>, <f32|f16>ip-usearch)")
        };
        Ok(Variant::Fixed(Representation { storage: storage.parse()?, kernel }))
    }
}

impl Variant {
    fn name(self) -> String {
        match self {
            Variant::Library => "library".into(),
            Variant::Fixed(r) => format!("{}{}", r.storage.name(), if r.kernel == Kernel::UnitIp { "ip" } else { "cos" }),
            Variant::Usearch(s) => format!("{}ip-usearch", s.name()),
        }
    }

    fn representation(self, aspect: Aspect) -> Representation {
        match self {
            Variant::Library => hnsw_representation(aspect, METRIC),
            Variant::Fixed(r) => r,
            Variant::Usearch(s) => Representation::unit_ip(s),
        }
    }

    fn build(self, aspect: Aspect, dim: usize, params: HnswParams, capacity: usize) -> Result<Measured> {
        Ok(match self {
            Variant::Usearch(storage) => {
                ensure!(storage != Storage::I8, "no i8ip-usearch");
                let options = usearch::IndexOptions {
                    dimensions: dim,
                    metric: usearch::MetricKind::IP,
                    quantization: if storage == Storage::F16 { usearch::ScalarKind::F16 } else { usearch::ScalarKind::F32 },
                    connectivity: params.connectivity,
                    expansion_add: params.expansion_add,
                    expansion_search: params.expansion_search,
                    multi: false,
                };
                let inner = usearch::Index::new(&options)?;
                inner.reserve_capacity_and_threads(capacity.max(16), rayon::current_num_threads())?;
                Measured::Usearch(inner, storage)
            }
            _ => Measured::Kindred(HnswIndex::new(dim, METRIC, self.representation(aspect), params, capacity)?),
        })
    }
}

enum Measured {
    Kindred(HnswIndex),
    Usearch(usearch::Index, Storage),
}

/// `v` as f16 bits (the vectors are unit length already, as `HnswIndex` would make them).
fn f16_bits(v: &[f32]) -> Vec<i16> {
    v.iter().map(|x| half::f16::from_f32(*x).to_bits() as i16).collect()
}

impl Measured {
    fn add_batch(&mut self, items: &[(u64, &[f32])]) -> Result<()> {
        match self {
            Measured::Kindred(ix) => Ok(ix.add_batch(items)?),
            Measured::Usearch(ix, storage) => items.par_iter().try_for_each(|(key, v)| {
                match storage {
                    Storage::F16 => ix.add(*key, usearch::f16::from_i16s(&f16_bits(v))),
                    _ => ix.add(*key, v),
                }
                .map_err(|e| anyhow::anyhow!("adding: {e}"))
            }),
        }
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>> {
        match self {
            Measured::Kindred(ix) => Ok(ix.search(query, k)?),
            Measured::Usearch(ix, storage) => {
                let m = match storage {
                    Storage::F16 => {
                        let mut h = vec![half::f16::ZERO; query.len()];
                        half::slice::HalfFloatSliceExt::convert_from_f32_slice(h.as_mut_slice(), query);
                        let bits: Vec<i16> = h.iter().map(|x| x.to_bits() as i16).collect();
                        ix.search(usearch::f16::from_i16s(&bits), k)
                    }
                    _ => ix.search(query, k),
                }
                .map_err(|e| anyhow::anyhow!("search: {e}"))?;
                Ok(m.keys.into_iter().zip(m.distances).map(|(key, distance)| Neighbour { key, distance }).collect())
            }
        }
    }

    fn add(&mut self, key: u64, v: &[f32]) -> Result<()> {
        self.add_batch(&[(key, v)])
    }

    fn set_expansion_search(&self, ef: usize) {
        match self {
            Measured::Kindred(ix) => ix.set_expansion_search(ef),
            Measured::Usearch(ix, _) => ix.change_expansion_search(ef),
        }
    }

    fn memory_usage(&self) -> usize {
        match self {
            Measured::Kindred(ix) => ix.memory_usage(),
            Measured::Usearch(ix, _) => ix.memory_usage(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Measured::Kindred(ix) => ix.len(),
            Measured::Usearch(ix, _) => ix.size(),
        }
    }

    fn reinserted(&self) -> usize {
        match self {
            Measured::Kindred(ix) => ix.reinserted(),
            Measured::Usearch(..) => 0,
        }
    }
}

fn read_f32(path: &Path, dim: usize) -> Result<Vec<Vec<f32>>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    ensure!(bytes.len() % (4 * dim) == 0, "{}: size {} is not a multiple of {dim} f32", path.display(), bytes.len());
    let flat: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
    Ok(flat.chunks_exact(dim).map(<[f32]>::to_vec).collect())
}

fn read_u32(path: &Path) -> Result<Vec<u32>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes.chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap())).collect())
}

fn rss_bytes() -> Result<u64> {
    let status = fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS in /proc/self/status")?;
    let kb: u64 = line.split_whitespace().nth(1).context("bad VmRSS line")?.parse()?;
    Ok(kb * 1024)
}

struct Truth {
    ids: Vec<Vec<u32>>,
    /// Exact distance of the K-th true neighbour.
    kth: Vec<f32>,
}

impl Truth {
    /// (recall by row, tie-aware recall) of one query's result rows.
    fn score(&self, qi: usize, query: &[f32], base: &[Vec<f32>], rows: &[u64]) -> (f64, f64) {
        let truth = &self.ids[qi][..K];
        let by_id = rows.iter().take(K).filter(|r| truth.contains(&(**r as u32))).count();
        let mut seen = Vec::with_capacity(K);
        let by_dist = rows
            .iter()
            .take(K)
            .filter(|r| {
                let new = !seen.contains(*r);
                seen.push(**r);
                new && METRIC.distance(query, &base[**r as usize]) <= self.kth[qi] + TIE_EPS
            })
            .count();
        (by_id as f64 / K as f64, by_dist as f64 / K as f64)
    }
}

/// `--sets` / `--aspects`: measure only these (all when absent).
struct Filter {
    sets: Option<Vec<String>>,
    aspects: Option<Vec<String>>,
}

fn run(data: &Path, efs: &[usize], storages: &[Variant], repeats: usize, filter: &Filter, json_out: Option<&Path>) -> Result<()> {
    let meta: Value = serde_json::from_str(&fs::read_to_string(data.join("meta.json")).context("no meta.json: run `prepare` first")?)?;
    ensure!(meta["k"] == K && meta["metric"] == METRIC.name(), "meta.json is for another k or metric");
    let params = HnswParams::default();
    ensure!(
        meta["hnsw"]["M"] == params.connectivity && meta["hnsw"]["ef_construction"] == params.expansion_add,
        "meta.json was prepared with other HNSW parameters than HnswParams::default(): run `prepare` again"
    );
    println!(
        "Kindred HnswIndex: HnswParams::default() M {} ef_construction {} (library ef {}), cosine, build on {} threads \
         (add_batch, chunks of {BUILD_CHUNK}), queries on 1 thread, k = {K}; QPS from thread CPU time, best of {repeats} passes",
        params.connectivity,
        params.expansion_add,
        params.expansion_search,
        rayon::current_num_threads(),
    );
    let mut out_sets = Vec::new();
    for set in meta["sets"].as_array().context("meta.json: no sets")? {
        let set_name = set["name"].as_str().context("set name")?;
        if filter.sets.as_ref().is_some_and(|only| !only.iter().any(|s| s == set_name)) {
            continue;
        }
        let mut out_aspects = Vec::new();
        for a in set["aspects"].as_array().context("aspects")? {
            let aspect_name = a["aspect"].as_str().context("aspect")?;
            if filter.aspects.as_ref().is_some_and(|only| !only.iter().any(|s| s == aspect_name)) {
                continue;
            }
            let aspect = *Aspect::ALL.iter().find(|x| x.name() == aspect_name).with_context(|| format!("unknown aspect {aspect_name}"))?;
            let dim = a["dim"].as_u64().context("dim")? as usize;
            ensure!(dim == aspect.dim(), "{set_name} {aspect}: data has {dim} dims, the library now {}: run `prepare` again", aspect.dim());
            let base = read_f32(&data.join(a["base"].as_str().context("base")?), dim)?;
            let queries = read_f32(&data.join(a["queries"].as_str().context("queries")?), dim)?;
            let truth_k = a["truth_k"].as_u64().context("truth_k")? as usize;
            let ids = read_u32(&data.join(a["truth"].as_str().context("truth")?))?;
            let dists = read_f32(&data.join(a["truth_dist"].as_str().context("truth_dist")?), truth_k)?;
            ensure!(
                ids.len() == queries.len() * truth_k && dists.len() == queries.len(),
                "{set_name} {aspect}: ground truth size mismatch"
            );
            let truth =
                Truth { ids: ids.chunks_exact(truth_k).map(<[u32]>::to_vec).collect(), kth: dists.iter().map(|d| d[K - 1]).collect() };
            let (n, nq) = (base.len(), queries.len());
            println!("\n== {set_name} / {aspect}: n {n}, dim {dim}, {nq} queries");
            println!(
                "{:>8} {:>5} | {:>9} {:>9} {:>10} | {:>10} {:>9}",
                "variant", "ef", "R@10 ids", "R@10", "QPS (CPU)", "rerank R@10", "rr QPS"
            );

            let mut out_storages = Vec::new();
            for &variant in storages {
                let rss0 = rss_bytes()?;
                let (t, cpu0) = (Instant::now(), cpu_seconds(CLOCK_PROCESS_CPUTIME_ID));
                let representation = variant.representation(aspect);
                let mut index = variant.build(aspect, dim, params, n)?;
                for (c, chunk) in base.chunks(BUILD_CHUNK).enumerate() {
                    let items: Vec<(u64, &[f32])> =
                        chunk.iter().enumerate().map(|(i, v)| ((c * BUILD_CHUNK + i) as u64, v.as_slice())).collect();
                    index.add_batch(&items)?;
                }
                let build_s = t.elapsed().as_secs_f64();
                let build_cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
                let rss_delta = rss_bytes()?.saturating_sub(rss0);
                let memory = index.memory_usage();
                ensure!(index.len() == n, "index has {} vectors, expected {n}", index.len());

                // Cost of one call apart from the graph walk: the same representation holding one
                // vector (Rust -> C++ call, thread context, query conversion, one distance, results).
                let single = variant.build(aspect, dim, params, 1)?;
                let mut single = single;
                single.add(0, &base[0])?;
                let (_, _, single_cpu) = timed(repeats, || queries.iter().try_for_each(|q| single.search(q, K).map(drop)))?;
                let call_us = single_cpu / nq as f64 * 1e6;
                drop(single);

                let mut per_ef = Vec::new();
                for &ef in efs {
                    index.set_expansion_search(ef);
                    for q in queries.iter().take(20) {
                        index.search(q, K)?; // warm-up
                    }
                    let (results, wall, cpu) = timed(repeats, || {
                        queries
                            .iter()
                            .map(|q| Ok(index.search(q, K)?.into_iter().map(|h| h.key).collect::<Vec<u64>>()))
                            .collect::<Result<Vec<_>>>()
                    })?;
                    let (qps, qps_wall) = (nq as f64 / cpu, nq as f64 / wall);
                    let (r_id, r_tie) = mean_recall(&truth, &queries, &base, &results);

                    // Kindred's search path: 50 candidates, exact f32 re-scoring, best K.
                    let (reranked, rr_wall, rr_cpu) = timed(repeats, || {
                        queries
                            .iter()
                            .map(|q| {
                                let mut c: Vec<(f32, u64)> = index
                                    .search(q, RERANK_CANDIDATES)?
                                    .into_iter()
                                    .map(|h| (METRIC.distance(q, &base[h.key as usize]), h.key))
                                    .collect();
                                c.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                                Ok(c.into_iter().take(K).map(|p| p.1).collect::<Vec<u64>>())
                            })
                            .collect::<Result<Vec<_>>>()
                    })?;
                    let (rr_qps, rr_qps_wall) = (nq as f64 / rr_cpu, nq as f64 / rr_wall);
                    let (rr_id, rr_tie) = mean_recall(&truth, &queries, &base, &reranked);
                    println!("{:>8} {ef:>5} | {r_id:>9.4} {r_tie:>9.4} {qps:>10.0} | {rr_tie:>10.4} {rr_qps:>9.0}", variant.name());
                    per_ef.push(json!({
                        "ef": ef,
                        "recall_at_10": round(r_tie, 4),
                        "recall_at_10_ids": round(r_id, 4),
                        "qps": round(qps, 1),
                        "qps_wall": round(qps_wall, 1),
                        "rerank_recall_at_10": round(rr_tie, 4),
                        "rerank_recall_at_10_ids": round(rr_id, 4),
                        "rerank_qps": round(rr_qps, 1),
                        "rerank_qps_wall": round(rr_qps_wall, 1),
                    }));
                }
                println!(
                    "{:>8} ({representation}) build {build_s:.2}s ({:.0} vectors/s, CPU {build_cpu:.1}s), memory_usage() {:.1} MiB = {:.0} B/vector, RSS +{:.1} MiB; {} re-inserted; one call on a 1-vector index {call_us:.2} us",
                    variant.name(),
                    n as f64 / build_s,
                    mib(memory as u64),
                    memory as f64 / n as f64,
                    mib(rss_delta),
                    index.reinserted()
                );
                out_storages.push(json!({
                    "storage": variant.name(),
                    "representation": representation.name(),
                    "build_seconds": round(build_s, 3),
                    "build_cpu_seconds": round(build_cpu, 3),
                    "memory_usage_bytes": memory,
                    "rss_delta_bytes": rss_delta,
                    "bytes_per_vector": round(memory as f64 / n as f64, 1),
                    "call_overhead_us": round(call_us, 3),
                    "reinserted": index.reinserted(),
                    "efs": per_ef,
                }));
                drop(index);
            }
            out_aspects.push(json!({"aspect": aspect.name(), "dim": dim, "n": n, "nq": nq, "storages": out_storages}));
        }
        out_sets.push(json!({"name": set_name, "aspects": out_aspects}));
    }
    let report = json!({
        "searcher": "kindred",
        "usearch": "2.26",
        "M": params.connectivity,
        "ef_construction": params.expansion_add,
        "ef_search_default": params.expansion_search,
        "build_threads": rayon::current_num_threads(),
        "query_threads": 1,
        "repeats": repeats,
        "qps_clock": "thread CPU time, best of repeats (qps_wall: wall clock, best of repeats)",
        "sets": out_sets,
    });
    let text = serde_json::to_string(&report)?;
    if let Some(p) = json_out {
        fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?;
    }
    println!("{text}");
    Ok(())
}

const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
}

/// CPU time of this thread or process (Linux x86_64 clock ids), in seconds.
fn cpu_seconds(clock: i32) -> f64 {
    let mut t = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec to a valid pointer.
    let rc = unsafe { clock_gettime(clock, &mut t) };
    assert_eq!(rc, 0, "clock_gettime failed");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Runs `f` `repeats` times on this thread; returns its result and the best wall and the best
/// thread-CPU seconds of one run. On a shared machine the CPU time is the robust figure: it does
/// not count the time other processes hold the core.
fn timed<T>(repeats: usize, mut f: impl FnMut() -> Result<T>) -> Result<(T, f64, f64)> {
    let (mut best_wall, mut best_cpu, mut out) = (f64::INFINITY, f64::INFINITY, None);
    for _ in 0..repeats.max(1) {
        let (t, c) = (Instant::now(), cpu_seconds(CLOCK_THREAD_CPUTIME_ID));
        let r = f()?;
        best_cpu = best_cpu.min(cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c);
        best_wall = best_wall.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    Ok((out.unwrap(), best_wall, best_cpu.max(1e-9)))
}

fn mean_recall(truth: &Truth, queries: &[Vec<f32>], base: &[Vec<f32>], results: &[Vec<u64>]) -> (f64, f64) {
    let (mut a, mut b) = (0.0, 0.0);
    for (qi, rows) in results.iter().enumerate() {
        let (x, y) = truth.score(qi, &queries[qi], base, rows);
        a += x;
        b += y;
    }
    (a / results.len() as f64, b / results.len() as f64)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1u64 << 20) as f64
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}
