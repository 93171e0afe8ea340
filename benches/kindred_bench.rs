//! Kindred benchmarks: a plain binary (no harness) that prints the figures BENCHMARKS.md reports.
//!
//! ```text
//! cargo bench --bench kindred_bench -- [inference] [import] [search] [query] [library] [pipeline]
//!                                      [reduced] [--images DIR] [--limit N] [--search-sizes 10000,100000]
//!                                      [--queries N] [--seconds S] [--library-n N]
//! ```
//!
//! Without section names the first four run (about 4 minutes on 2 cores). Sections:
//!
//! * `inference`: pure model throughput (`Embedder::new(2)`) at batch 1 and batch `import::BATCH`
//!   on tensors prepared beforehand (only `embed` is timed).
//! * `import`: `Library::import` of a deterministic subset of an image folder into a fresh
//!   temporary library, its ratio to the batch-8 inference rate, and the single-threaded
//!   decode + prepare time of the same files (is the import decode- or inference-bound?).
//! * `search`: exact vs HNSW index search latency, recall@10, build time and memory on synthetic
//!   vectors of the real dimensions (shape 1008, texture 820, colour 245) at 10k and 100k.
//! * `query`: end-to-end `Library::search(&Query::File(..))` latency, model warm, on a library of
//!   `assets/samples`, with query files that are copies outside the library.
//! * `library` (not run by default, a few minutes): a catalog of `--library-n` synthetic artworks
//!   (default 100k) written through `Catalog::writer`, then `Library::search` by artwork id: first
//!   search (HNSW build + save), reopen (index load), warm latency, `Catalog::counts` alone, and
//!   `Library::duplicates` with one artwork in 50 a planted copy of its neighbour.
//! * `pipeline` (not run by default, about a minute): the import's decode -> batch -> embed pipeline
//!   rebuilt from the public API without the catalog (read, blake3, decode, prepare in W worker
//!   threads; `Embedder::new(T)` on the main thread; flush at 8 or when the channel is empty),
//!   for several (W, T): how the two cores are best shared, and what the catalog writes cost.
//! * `reduced` (not run by default): for each file of the subset, full decode (`decode::decode`)
//!   against the pipeline's decode (`preprocess::decode_for_prepare`, large JPEGs reduced in the
//!   DCT domain): decode and prepare CPU time (best of 3, this thread's CPU clock) and the cosine
//!   between the two decodes' vectors per aspect (min / mean over the reduced files).
//!
//! File subset (shared with `scripts/bench-python.py`): every regular file (symlinks and hidden
//! entries skipped, directories not followed through symlinks) under `--images DIR` whose
//! extension is a Kindred image extension, sorted by relative path bytes; with `total` files and
//! `--limit N`, `step = max(1, total / N)` and the subset is `sorted[0], sorted[step], ...`, first N.
//! Both programs print the sha256 of the subset's relative paths joined by "\n" so the lists can
//! be checked to be identical.
//!
//! The last line printed is a JSON object with every figure.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use kindred::catalog::Status;
use kindred::colour::COLOUR_DIM;
use kindred::embed::Embedder;
use kindred::import::{BATCH, Phase, Progress};
use kindred::index::testing::{recall_at_k, synthetic_vectors};
use kindred::index::{ExactIndex, HnswIndex, HnswParams, Metric, Neighbour, VectorIndex, hnsw_representation};
use kindred::model::{SHAPE_DIM, TEXTURE_DIM};
use kindred::preprocess::{self, Prepared};
use kindred::vectors::Embedding;
use kindred::{Aspect, Library, LibraryOptions, Query, Weights, decode};

const DEFAULT_IMAGES: &str = "/usr/share/openclipart/png";
const DEFAULT_LIMIT: usize = 1000;
/// Same list as `IMAGE_EXTENSIONS` in src/import.rs.
const EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "png", "webp", "gif", "bmp", "tif", "tiff"];
/// Intra-op threads: the machine has 2 cores, and the library uses `available_parallelism`.
const THREADS: usize = 2;
/// Tensors prepared for the inference section (cycled through).
const INFERENCE_TENSORS: usize = 64;
const K: usize = 10;
/// Imports per `import` section (fresh library each); the median is reported.
const IMPORT_RUNS: usize = 3;

struct Args {
    sections: Vec<String>,
    images: PathBuf,
    limit: usize,
    search_sizes: Vec<usize>,
    queries: usize,
    seconds: f64,
    library_n: usize,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        sections: Vec::new(),
        images: PathBuf::from(DEFAULT_IMAGES),
        limit: DEFAULT_LIMIT,
        search_sizes: vec![10_000, 100_000],
        queries: 200,
        seconds: 10.0,
        library_n: 100_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match a.as_str() {
            "--bench" => {} // appended by `cargo bench`
            "--images" => args.images = PathBuf::from(value("--images")?),
            "--limit" => args.limit = value("--limit")?.parse().context("--limit N")?,
            "--queries" => args.queries = value("--queries")?.parse().context("--queries N")?,
            "--seconds" => args.seconds = value("--seconds")?.parse().context("--seconds S")?,
            "--library-n" => args.library_n = value("--library-n")?.parse().context("--library-n N")?,
            "--search-sizes" => {
                args.search_sizes =
                    value("--search-sizes")?.split(',').map(|s| s.trim().parse()).collect::<Result<_, _>>().context("--search-sizes N,N")?
            }
            "inference" | "import" | "search" | "query" | "library" | "pipeline" | "reduced" => args.sections.push(a),
            "-h" | "--help" => {
                println!(
                    "usage: cargo bench --bench kindred_bench -- [inference] [import] [search] [query] [library] [pipeline] [reduced] \
                     [--images DIR] [--limit N] [--search-sizes N,N] [--queries N] [--seconds S] [--library-n N]"
                );
                std::process::exit(0);
            }
            other if other.starts_with("--") => bail!("unknown option {other}"),
            other => bail!("unknown section `{other}` (inference, import, search, query, library, pipeline, reduced)"),
        }
    }
    if args.sections.is_empty() {
        args.sections = ["inference", "import", "search", "query"].map(String::from).to_vec();
    }
    if args.limit == 0 {
        bail!("--limit must be positive");
    }
    Ok(args)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let mut report = Map::new();
    report.insert("machine".into(), machine());
    println!("Kindred benchmarks — {} cores, {}", num_cores(), cpu_model());
    println!("load average at start: {}", loadavg());
    let started = Instant::now();
    let mut inference_b8: Option<f64> = None;
    let mut inference_b8_ms: Option<f64> = None;
    for section in args.sections.clone() {
        let load_before = loadavg();
        let mut value = match section.as_str() {
            "inference" => {
                let v = inference(&args)?;
                inference_b8 = v["batch8_images_per_s"].as_f64();
                inference_b8_ms = v["batch8_ms_per_image"].as_f64();
                v
            }
            "import" => import(&args, inference_b8, inference_b8_ms)?,
            "search" => search(&args)?,
            "query" => query(&args)?,
            "library" => library_scale(&args)?,
            "pipeline" => pipeline(&args)?,
            "reduced" => reduced(&args)?,
            _ => unreachable!(),
        };
        if let Some(obj) = value.as_object_mut() {
            obj.insert("loadavg_before".into(), json!(load_before));
            obj.insert("loadavg_after".into(), json!(loadavg()));
        }
        report.insert(section, value);
    }
    report.insert("total_seconds".into(), json!(round(started.elapsed().as_secs_f64(), 1)));
    println!("\ntotal time {:.1} s; load average at end: {}", started.elapsed().as_secs_f64(), loadavg());
    println!("{}", Value::Object(report));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// inference

fn inference(args: &Args) -> Result<Value> {
    header("inference: Embedder::embed on prepared tensors");
    let files = subset(&args.images, INFERENCE_TENSORS)?.files;
    let prepared: Vec<Prepared> = files.iter().filter_map(|f| prepare_file(f).ok()).collect();
    if prepared.is_empty() {
        bail!("no decodable image under {}", args.images.display());
    }
    let tensors: Vec<&[f32]> = prepared.iter().map(|p| p.tensor.as_slice()).collect();
    println!("{} tensors prepared from {}", tensors.len(), args.images.display());

    let t = Instant::now();
    let mut embedder = Embedder::new(THREADS)?;
    let load_ms = ms(t.elapsed());
    println!("Embedder::new({THREADS}) (runtime + model load): {load_ms:.0} ms; ONNX Runtime {}", embedder.runtime.version);

    let mut out = Map::new();
    out.insert("tensors".into(), json!(tensors.len()));
    out.insert("threads".into(), json!(THREADS));
    out.insert("model_load_ms".into(), json!(round(load_ms, 1)));
    out.insert("onnxruntime".into(), json!(embedder.runtime.version));
    for batch in [1, BATCH] {
        // Warm-up: the first runs allocate and tune.
        for i in 0..3 {
            embedder.embed(&cycle(&tensors, i * batch, batch))?;
        }
        let mut calls = Vec::new();
        let t = Instant::now();
        let mut images = 0;
        let min_images = 32.max(batch * 8);
        while t.elapsed().as_secs_f64() < args.seconds || images < min_images {
            let b = cycle(&tensors, images, batch);
            let c = Instant::now();
            let v = embedder.embed(&b)?;
            calls.push(ms(c.elapsed()));
            assert_eq!(v.len(), batch);
            images += batch;
        }
        let secs = t.elapsed().as_secs_f64();
        let rate = images as f64 / secs;
        let p50 = percentile(&mut calls, 0.50);
        println!(
            "batch {batch}: {rate:6.1} images/s ({:.1} ms/image; {images} images in {secs:.1} s; per call p50 {p50:.1} ms, p99 {:.1} ms)",
            1000.0 / rate,
            percentile(&mut calls, 0.99)
        );
        let key = format!("batch{batch}");
        out.insert(format!("{key}_images_per_s"), json!(round(rate, 2)));
        out.insert(format!("{key}_ms_per_image"), json!(round(1000.0 / rate, 2)));
        out.insert(format!("{key}_call_p50_ms"), json!(round(p50, 2)));
        out.insert(format!("{key}_images"), json!(images));
    }
    // After inference each image's vectors are normalised and its texture whitened into its style
    // (Embedding::new, kindred::style): the CPU this adds per image, against the inference above.
    let cnn = embedder.embed(&cycle(&tensors, 0, BATCH))?;
    let (t, mut made) = (Instant::now(), 0usize);
    while t.elapsed().as_secs_f64() < 1.0 {
        for (c, p) in cnn.iter().zip(prepared.iter().cycle()) {
            std::hint::black_box(Embedding::new(&p.colour, c));
            made += 1;
        }
    }
    let vectors_us = t.elapsed().as_secs_f64() * 1e6 / made as f64;
    println!("Embedding::new (normalising + the style whitening): {vectors_us:.1} µs/image");
    out.insert("embedding_new_us".into(), json!(round(vectors_us, 1)));
    drop(embedder);
    // For reference: one intra-op thread (how much of the second core inference really uses; the
    // import shares the cores between ONNX Runtime and its decode workers).
    let mut one = Embedder::new(1)?;
    for i in 0..3 {
        one.embed(&cycle(&tensors, i * BATCH, BATCH))?;
    }
    let (t, mut images) = (Instant::now(), 0);
    while t.elapsed().as_secs_f64() < args.seconds / 2.0 || images < BATCH * 8 {
        one.embed(&cycle(&tensors, images, BATCH))?;
        images += BATCH;
    }
    let rate1 = images as f64 / t.elapsed().as_secs_f64();
    println!("batch {BATCH} with Embedder::new(1): {rate1:6.1} images/s ({:.1} ms/image) — for reference", 1000.0 / rate1);
    out.insert("batch8_1thread_images_per_s".into(), json!(round(rate1, 2)));
    Ok(Value::Object(out))
}

fn cycle<'a>(tensors: &[&'a [f32]], start: usize, n: usize) -> Vec<&'a [f32]> {
    (0..n).map(|i| tensors[(start + i) % tensors.len()]).collect()
}

// ---------------------------------------------------------------------------------------------
// import

fn import(args: &Args, inference_b8: Option<f64>, inference_b8_ms: Option<f64>) -> Result<Value> {
    header("import: Library::import of a real folder into a fresh library");
    let sub = subset(&args.images, args.limit)?;
    println!(
        "subset: {} of {} image files under {} (every {}th of the sorted list), list sha256 {}",
        sub.files.len(),
        sub.total,
        args.images.display(),
        sub.step,
        sub.sha256
    );
    println!("first {}, last {}", sub.rel[0], sub.rel[sub.rel.len() - 1]);
    let bytes: u64 = sub.files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();

    // 1. Single-threaded decode + prepare of every file (this also warms the page cache, so the
    //    import below reads from memory as the Python baseline does).
    let (mut read_ms, mut hash_ms, mut decode_ms, mut prepare_ms, mut colour_ms) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut decoded_ok = 0;
    let mut pixels: u64 = 0;
    let t_split = Instant::now();
    for f in &sub.files {
        let t = Instant::now();
        let Ok(bytes) = std::fs::read(f) else { continue };
        read_ms += ms(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(blake3::hash(&bytes));
        hash_ms += ms(t.elapsed());
        let t = Instant::now();
        let Ok(d) = preprocess::decode_for_prepare(&bytes) else { continue };
        decode_ms += ms(t.elapsed());
        pixels += u64::from(d.width()) * u64::from(d.height());
        // What the colour features alone cost (histogram + k-means palette on 96x96 pixels).
        let small = image::imageops::resize(&d.image.to_rgb8(), 96, 96, image::imageops::FilterType::Triangle);
        let t = Instant::now();
        std::hint::black_box(preprocess::prepare(d, true));
        prepare_ms += ms(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(kindred::colour::features(small.as_raw()));
        colour_ms += ms(t.elapsed());
        decoded_ok += 1;
    }
    let split_s = t_split.elapsed().as_secs_f64();
    let n_ok = decoded_ok.max(1) as f64;
    let per_image = (read_ms + hash_ms + decode_ms + prepare_ms) / n_ok;
    println!(
        "single-threaded read+hash+decode+prepare: {:.1} ms/image = {:.1} images/s ({decoded_ok} decoded, {:.1} MB, mean {:.2} Mpx/image)",
        per_image,
        1000.0 / per_image,
        bytes as f64 / 1e6,
        pixels as f64 / n_ok / 1e6
    );
    println!(
        "  read {:.2} + blake3 {:.2} + decode {:.2} + prepare {:.2} ms/image (colour::features alone {:.2} ms/image); pass took {split_s:.1} s",
        read_ms / n_ok,
        hash_ms / n_ok,
        decode_ms / n_ok,
        prepare_ms / n_ok,
        colour_ms / n_ok
    );

    // 2. The import itself, everything included (walk, hash, decode, prepare, model load, embed,
    //    SQLite, index). Several runs, each into a fresh library; the median run is reported.
    let mut runs: Vec<ImportRun> = Vec::new();
    for run in 1..=IMPORT_RUNS {
        let r = import_once(&sub.files)?;
        println!(
            "import run {run}: {} added, {} failed in {:.2} s = {:.1} images/s (scan {:.2} s, decode+embed+store {:.2} s, index {:.2} s; {} model calls, mean batch {:.2}, sizes {})",
            r.imported, r.failed, r.seconds, r.rate, r.scan, r.embedding, r.indexing, r.calls, r.mean_batch, r.histogram
        );
        runs.push(r);
    }
    runs.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let all_rates: Vec<f64> = runs.iter().map(|r| round(r.rate, 2)).collect();
    let r = &runs[runs.len() / 2];
    let (imported, rate) = (r.imported, r.rate);
    println!(
        "import (median of {IMPORT_RUNS}): {imported} images in {:.2} s = {rate:.1} images/s end to end; decode+embed+store phase {:.1} images/s",
        r.seconds, r.rate_embedding
    );
    for (path, err) in r.errors.iter().take(5) {
        println!("  failed: {} — {err}", path.display());
    }

    let mut out = json!({
        "images_dir": args.images.display().to_string(),
        "files": sub.files.len(),
        "files_total": sub.total,
        "step": sub.step,
        "list_sha256": sub.sha256,
        "megabytes": round(bytes as f64 / 1e6, 1),
        "mean_megapixels": round(pixels as f64 / n_ok / 1e6, 3),
        "single_thread_ms_per_image": round(per_image, 2),
        "single_thread_images_per_s": round(1000.0 / per_image, 1),
        "read_ms_per_image": round(read_ms / n_ok, 3),
        "blake3_ms_per_image": round(hash_ms / n_ok, 3),
        "decode_ms_per_image": round(decode_ms / n_ok, 3),
        "prepare_ms_per_image": round(prepare_ms / n_ok, 3),
        "colour_features_ms_per_image": round(colour_ms / n_ok, 3),
        "imported": imported,
        "failed": r.failed,
        "import_runs": IMPORT_RUNS,
        "import_images_per_s_all_runs": all_rates,
        "import_seconds": round(r.seconds, 2),
        "import_images_per_s": round(rate, 2),
        "scan_seconds": round(r.scan, 3),
        "embedding_phase_seconds": round(r.embedding, 2),
        "embedding_phase_images_per_s": round(r.rate_embedding, 2),
        "index_seconds": round(r.indexing, 3),
        "model_calls": r.calls,
        "mean_batch": round(r.mean_batch, 2),
        "batch_histogram": r.histogram,
    });
    if let (Some(b8), Some(b8_ms)) = (inference_b8, inference_b8_ms) {
        let ratio = rate / b8;
        // CPU budget: inference keeps both cores busy for b8_ms per image; decode + prepare needs
        // per_image on one core. If the two shared the cores perfectly, the import could not beat
        // one image per (b8_ms + per_image / cores).
        let ceiling = b8_ms / (b8_ms + per_image / num_cores() as f64);
        println!(
            "  import / pure inference (batch {BATCH}, {b8:.1} images/s) = {:.1}% (target >= 85%); CPU-budget ceiling for this ratio {:.1}%",
            100.0 * ratio,
            100.0 * ceiling
        );
        out["ratio_to_inference_batch8"] = json!(round(ratio, 4));
        out["ratio_ceiling_cpu_budget"] = json!(round(ceiling, 4));
    } else {
        println!("  (run the `inference` section in the same invocation for the ratio to pure inference)");
    }
    Ok(out)
}

struct ImportRun {
    imported: usize,
    failed: usize,
    seconds: f64,
    rate: f64,
    scan: f64,
    embedding: f64,
    indexing: f64,
    rate_embedding: f64,
    calls: usize,
    mean_batch: f64,
    histogram: String,
    errors: Vec<(PathBuf, String)>,
}

/// One `Library::import` of `files` into a fresh temporary library.
fn import_once(files: &[PathBuf]) -> Result<ImportRun> {
    let tmp = tempfile::Builder::new().prefix("kindred-bench-lib").tempdir()?;
    let mut lib = Library::open(tmp.path(), LibraryOptions::default())?;
    let cancel = AtomicBool::new(false);
    let t0 = Instant::now();
    let mut embedding_at = None;
    let mut indexing_at = None;
    let mut last_done = 0usize;
    // Each model call is followed by one progress report whose `done` grew by the batch size.
    let mut flushes: Vec<usize> = Vec::new();
    let summary = lib.import(files, &cancel, &mut |p: &Progress| match p.phase {
        Phase::Embedding => {
            embedding_at.get_or_insert_with(|| t0.elapsed());
            if p.done > last_done {
                flushes.push(p.done - last_done);
                last_done = p.done;
            }
        }
        Phase::Indexing => indexing_at = Some(t0.elapsed()),
        _ => {}
    })?;
    let total = t0.elapsed();
    let scan = embedding_at.unwrap_or_default();
    let indexing = total - indexing_at.unwrap_or(total);
    let embedding = indexing_at.unwrap_or(total) - scan;
    let imported = summary.added + summary.updated;
    let mut sizes = [0usize; BATCH + 1];
    for &f in &flushes {
        sizes[f.min(BATCH)] += 1;
    }
    let histogram: Vec<String> = (1..=BATCH).filter(|&b| sizes[b] > 0).map(|b| format!("{b}:{}", sizes[b])).collect();
    Ok(ImportRun {
        imported,
        failed: summary.failed,
        seconds: total.as_secs_f64(),
        rate: imported as f64 / total.as_secs_f64(),
        scan: scan.as_secs_f64(),
        embedding: embedding.as_secs_f64(),
        indexing: indexing.as_secs_f64(),
        rate_embedding: imported as f64 / embedding.as_secs_f64(),
        calls: flushes.len(),
        mean_batch: flushes.iter().sum::<usize>() as f64 / flushes.len().max(1) as f64,
        histogram: histogram.join(" "),
        errors: summary.errors,
    })
}

// ---------------------------------------------------------------------------------------------
// search

fn search(args: &Args) -> Result<Value> {
    header("search: exact vs HNSW over synthetic vectors of the real dimensions, k = 10, cosine");
    let nq = args.queries.max(1);
    let params = HnswParams::default();
    println!(
        "HnswParams::default(): M {}, ef_construction {}, ef {}; {nq} queries (drawn like the data, other seed); clusters = n / 100",
        params.connectivity, params.expansion_add, params.expansion_search
    );
    println!(
        "{:>7} {:>7} {:>5} | {:>10} {:>9} {:>9} | {:>10} {:>9} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>8}",
        "aspect",
        "n",
        "dim",
        "exact bld",
        "exact p50",
        "exact p99",
        "hnsw bld",
        "hnsw MB",
        "ef64 p50",
        "ef128 p50",
        "ef256 p50",
        "ef64 R@10",
        "ef128 R@10",
        "ef256 R@10",
        "k50 p50"
    );
    let mut rows = Vec::new();
    for &n in &args.search_sizes {
        for (aspect, dim) in [(Aspect::Shape, SHAPE_DIM), (Aspect::Texture, TEXTURE_DIM), (Aspect::Colour, COLOUR_DIM)] {
            let clusters = (n / 100).max(1);
            let t = Instant::now();
            let data = synthetic_vectors(n, dim, clusters, 1);
            let queries = synthetic_vectors(nq, dim, clusters, 2);
            let gen_s = t.elapsed().as_secs_f64();

            let t = Instant::now();
            let mut exact = ExactIndex::new(dim, Metric::Cosine);
            for (i, v) in data.iter().enumerate() {
                exact.add(i as u64, v)?;
            }
            let exact_build = t.elapsed().as_secs_f64();
            for q in queries.iter().take(3) {
                exact.search(q, K)?; // warm-up
            }
            let mut exact_lat = Vec::with_capacity(nq);
            let mut truth: Vec<Vec<Neighbour>> = Vec::with_capacity(nq);
            for q in &queries {
                let t = Instant::now();
                let hits = exact.search(q, K)?;
                exact_lat.push(ms(t.elapsed()));
                truth.push(hits);
            }
            drop(exact);

            let t = Instant::now();
            let mut hnsw = HnswIndex::new(dim, Metric::Cosine, hnsw_representation(aspect, Metric::Cosine), params, n)?;
            for (i, v) in data.iter().enumerate() {
                hnsw.add(i as u64, v)?;
            }
            let hnsw_build = t.elapsed().as_secs_f64();
            let memory = hnsw.memory_usage();
            drop(data);

            let mut per_ef = Map::new();
            let mut p50s = Vec::new();
            let mut recalls = Vec::new();
            for ef in [64, 128, 256] {
                hnsw.set_expansion_search(ef);
                for q in queries.iter().take(10) {
                    hnsw.search(q, K)?; // warm-up
                }
                let mut lat = Vec::with_capacity(nq);
                let mut recall = 0.0;
                for (q, t_hits) in queries.iter().zip(&truth) {
                    let t = Instant::now();
                    let hits = hnsw.search(q, K)?;
                    lat.push(ms(t.elapsed()));
                    recall += recall_at_k(t_hits, &hits);
                }
                recall /= nq as f64;
                let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
                p50s.push(p50);
                recalls.push(recall);
                per_ef
                    .insert(format!("ef{ef}"), json!({"p50_ms": round(p50, 4), "p99_ms": round(p99, 4), "recall_at_10": round(recall, 4)}));
            }
            // What `search::nearest` asks each index for: max(5k, 50) = 50 candidates.
            hnsw.set_expansion_search(params.expansion_search);
            let mut lat50: Vec<f64> = queries
                .iter()
                .map(|q| {
                    let t = Instant::now();
                    hnsw.search(q, 50).map(|_| ms(t.elapsed()))
                })
                .collect::<kindred::Result<_>>()?;
            let k50_p50 = percentile(&mut lat50, 0.5);
            let (e50, e99) = (percentile(&mut exact_lat, 0.5), percentile(&mut exact_lat, 0.99));
            println!(
                "{aspect:>7} {n:>7} {dim:>5} | {:>9.2}s {:>7.2}ms {:>7.2}ms | {:>9.1}s {:>9.1} | {:>7.3}ms {:>7.3}ms {:>7.3}ms | {:>9.4} {:>10.4} {:>10.4} | {:>6.3}ms",
                exact_build,
                e50,
                e99,
                hnsw_build,
                memory as f64 / (1 << 20) as f64,
                p50s[0],
                p50s[1],
                p50s[2],
                recalls[0],
                recalls[1],
                recalls[2],
                k50_p50
            );
            rows.push(json!({
                "aspect": aspect,
                "n": n,
                "dim": dim,
                "clusters": clusters,
                "queries": nq,
                "generate_seconds": round(gen_s, 2),
                "exact_build_seconds": round(exact_build, 3),
                "exact_p50_ms": round(e50, 3),
                "exact_p99_ms": round(e99, 3),
                "hnsw_build_seconds": round(hnsw_build, 2),
                "hnsw_memory_bytes": memory,
                "hnsw": Value::Object(per_ef),
                "hnsw_k50_ef128_p50_ms": round(k50_p50, 4),
            }));
        }
    }
    Ok(json!({ "k": K, "metric": "cosine", "rows": rows }))
}

// ---------------------------------------------------------------------------------------------
// query

fn query(_args: &Args) -> Result<Value> {
    header("query: Library::search(&Query::File(..), &Weights::ALL, 10), model warm");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&samples)
        .with_context(|| format!("reading {}", samples.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| has_image_extension(p))
        .collect();
    files.sort();
    let tmp = tempfile::Builder::new().prefix("kindred-bench-query").tempdir()?;
    let lib_dir = tmp.path().join("library");
    let mut lib = Library::open(&lib_dir, LibraryOptions::default())?;
    let t = Instant::now();
    let summary = lib.import(std::slice::from_ref(&samples), &AtomicBool::new(false), &mut |_| {})?;
    println!("library: {} sample artworks imported in {:.1} s", summary.added, t.elapsed().as_secs_f64());

    // Query files: copies outside the library (not catalogued, so every query runs the model).
    let qdir = tmp.path().join("queries");
    std::fs::create_dir_all(&qdir)?;
    let queries: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            let dest = qdir.join(f.file_name().expect("file name"));
            std::fs::copy(f, &dest).map(|_| dest)
        })
        .collect::<std::io::Result<_>>()?;

    // The library's model is already loaded by the import; one more query to warm everything.
    let t = Instant::now();
    lib.search(&Query::File(queries[0].clone()), &Weights::ALL, K)?;
    let first_ms = ms(t.elapsed());
    let rounds = 50usize.div_ceil(queries.len()).max(2);
    let mut lat = Vec::new();
    for _ in 0..rounds {
        for q in &queries {
            let t = Instant::now();
            let r = lib.search(&Query::File(q.clone()), &Weights::ALL, K)?;
            lat.push(ms(t.elapsed()));
            assert!(r.query_id.is_none() && !r.hits.is_empty());
        }
    }
    let n = lat.len();
    let mean = lat.iter().sum::<f64>() / n as f64;
    let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
    println!(
        "end to end over {n} queries ({} files x {rounds}): p50 {p50:.1} ms, p99 {p99:.1} ms, mean {mean:.1} ms (target p50 <= 50 ms); first after import {first_ms:.1} ms",
        queries.len()
    );

    // Where the time goes: the same steps by hand, and a search without inference.
    let mut embedder = Embedder::new(THREADS)?;
    let (mut dec, mut prep, mut emb) = (Vec::new(), Vec::new(), Vec::new());
    for q in queries.iter().chain(&queries) {
        let t = Instant::now();
        let bytes = std::fs::read(q)?;
        let d = preprocess::decode_for_prepare(&bytes)?;
        dec.push(ms(t.elapsed()));
        let t = Instant::now();
        let p = preprocess::prepare(d, false);
        prep.push(ms(t.elapsed()));
        let t = Instant::now();
        embedder.embed(&[&p.tensor])?;
        emb.push(ms(t.elapsed()));
    }
    drop(embedder);
    let ids: Vec<_> = lib.catalog().artworks_with_status(Status::Ok)?.into_iter().map(|a| a.id).collect();
    let mut by_id = Vec::new();
    for _ in 0..2 {
        for &id in &ids {
            let t = Instant::now();
            lib.search(&Query::Artwork(id), &Weights::ALL, K)?;
            by_id.push(ms(t.elapsed()));
        }
    }
    let (d50, p50p, e50, s50) =
        (percentile(&mut dec, 0.5), percentile(&mut prep, 0.5), percentile(&mut emb, 0.5), percentile(&mut by_id, 0.5));
    println!(
        "  breakdown (p50): read+decode {d50:.2} ms, prepare {p50p:.2} ms, embed batch 1 {e50:.1} ms, search by artwork id (no inference) {s50:.2} ms"
    );
    Ok(json!({
        "library_artworks": summary.added,
        "queries": n,
        "query_files": queries.len(),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "mean_ms": round(mean, 2),
        "first_query_ms": round(first_ms, 2),
        "decode_p50_ms": round(d50, 3),
        "prepare_p50_ms": round(p50p, 3),
        "embed_b1_p50_ms": round(e50, 2),
        "search_by_id_p50_ms": round(s50, 3),
    }))
}

// ---------------------------------------------------------------------------------------------
// library (optional)

fn library_scale(args: &Args) -> Result<Value> {
    use kindred::catalog::{Catalog, NewArtwork};
    use kindred::vectors::{ArtworkFeatures, Embedding};
    let n = args.library_n;
    header(&format!("library: Library::search by artwork id on a catalog of {n} synthetic artworks"));
    let tmp = tempfile::Builder::new().prefix("kindred-bench-scale").tempdir()?;
    let dir = tmp.path().join("library");
    std::fs::create_dir_all(&dir)?;
    let model = kindred::model::ModelId::current();
    let clusters = (n / 100).max(1);
    let t = Instant::now();
    let mut colour = synthetic_vectors(n, COLOUR_DIM, clusters, 11);
    let texture = synthetic_vectors(n, TEXTURE_DIM, clusters, 12);
    let mut shape = synthetic_vectors(n, SHAPE_DIM, clusters, 13);
    // Planted copies for `duplicates`: every COPY_EVERY-th artwork is a near-duplicate of the one
    // before it (its colour and shape, slightly perturbed; its own texture and content hash).
    let planted = plant_copies(&mut colour, &mut shape);
    let gen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    {
        let mut catalog = Catalog::open(&dir.join("catalog.sqlite"))?;
        for start in (0..n).step_by(1000) {
            let mut w = catalog.writer()?;
            for i in start..(start + 1000).min(n) {
                let path = PathBuf::from(format!("/nonexistent/kindred-bench/{i:07}.png"));
                let mut hash = [0u8; 32];
                hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let meta = NewArtwork { path: &path, size: 1000, mtime_ns: 1, hash: &hash, width: 100, height: 100, format: "png" };
                let id = w.put_artwork(&meta)?;
                let embedding = Embedding { colour: colour[i].clone(), texture: texture[i].clone(), shape: shape[i].clone() };
                w.put_features(id, &model, &ArtworkFeatures { embedding, palette: Vec::new(), transparent: 0.0 })?;
            }
            w.commit()?;
        }
    }
    drop((colour, texture, shape));
    let insert_s = t.elapsed().as_secs_f64();
    let db_mb = std::fs::metadata(dir.join("catalog.sqlite")).map_or(0, |m| m.len()) as f64 / 1e6;
    println!("catalog written in {insert_s:.1} s ({db_mb:.0} MB; vectors generated in {gen_s:.1} s)");

    let mut lib = Library::open(&dir, LibraryOptions::default())?;
    // Median time of `runs` calls of `Catalog::counts` (the full join `update_index` used to do).
    let counts_p50 = |lib: &Library, runs: usize| -> Result<f64> {
        let mut t: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                lib.catalog().counts(&model).map(|_| ms(start.elapsed()))
            })
            .collect::<kindred::Result<_>>()?;
        Ok(percentile(&mut t, 0.5))
    };
    let cold_counts_p50 = counts_p50(&lib, 5)?;
    let t = Instant::now();
    lib.search(&Query::Artwork(1), &Weights::ALL, K)?;
    let first_s = t.elapsed().as_secs_f64();
    let info = lib.info()?;
    println!("Catalog::counts: {cold_counts_p50:.1} ms; first search (index {} {}): {first_s:.1} s", info.index.kind, info.index.state);
    drop(lib);
    let mut lib = Library::open(&dir, LibraryOptions::default())?;
    let t = Instant::now();
    lib.search(&Query::Artwork(2), &Weights::ALL, K)?;
    let reopen_s = t.elapsed().as_secs_f64();
    let state = lib.info()?.index.state;
    let step = (n / 200).max(1);
    let mut lat = Vec::new();
    for id in (1..=n as i64).step_by(step).take(200) {
        let t = Instant::now();
        let r = lib.search(&Query::Artwork(id), &Weights::ALL, K)?;
        lat.push(ms(t.elapsed()));
        assert_eq!(r.hits.len(), K);
    }
    let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
    let counts_warm_p50 = counts_p50(&lib, 20)?;
    println!(
        "after reopen: first search {reopen_s:.2} s (index {state}); warm search by id over {} queries: p50 {p50:.2} ms, p99 {p99:.2} ms; Catalog::counts now {counts_warm_p50:.2} ms",
        lat.len()
    );
    let kinds = steered_latency(&mut lib, n)?;
    let t = Instant::now();
    let groups = lib.duplicates(None)?;
    let duplicates_s = t.elapsed().as_secs_f64();
    let found = groups.iter().filter(|g| g.members.len() == 2 && g.members[0].id.abs_diff(g.members[1].id) == 1).count();
    println!(
        "duplicates (index warm): {duplicates_s:.1} s, {} groups; {found} of {planted} planted pairs found as a group of exactly that pair",
        groups.len()
    );
    Ok(json!({
        "steered_query_ms": kinds,
        "artworks": n,
        "catalog_mb": round(db_mb, 1),
        "catalog_write_seconds": round(insert_s, 2),
        "counts_p50_ms": round(cold_counts_p50, 2),
        "counts_warm_p50_ms": round(counts_warm_p50, 3),
        "first_search_seconds": round(first_s, 2),
        "reopen_first_search_seconds": round(reopen_s, 3),
        "search_by_id_p50_ms": round(p50, 3),
        "search_by_id_p99_ms": round(p99, 3),
        "queries": lat.len(),
        "duplicates_seconds": round(duplicates_s, 2),
        "duplicate_groups": groups.len(),
        "planted_copies": planted,
        "planted_found": found,
    }))
}

/// One artwork in this many is a planted near-duplicate of the artwork before it.
const COPY_EVERY: usize = 50;

/// Makes every [`COPY_EVERY`]-th artwork's colour and shape a perturbed copy of the previous
/// artwork's (cosine about 0.99, as a re-encoded copy); returns how many were planted.
fn plant_copies(colour: &mut [Vec<f32>], shape: &mut [Vec<f32>]) -> usize {
    let mut planted = 0;
    for i in (COPY_EVERY - 1..colour.len()).step_by(COPY_EVERY) {
        for (vectors, salt) in [(&mut *colour, 1u64), (&mut *shape, 2)] {
            let noisy: Vec<f32> = vectors[i - 1]
                .iter()
                .enumerate()
                .map(|(d, x)| x + 0.002 * (((i as u64 * 31 + d as u64 * 17 + salt) % 7) as f32 - 3.0))
                .collect();
            vectors[i] = kindred::vectors::normalised(&noisy);
        }
        planted += 1;
    }
    planted
}

/// The `i`-th query of one kind.
type MakeQuery<'a> = Box<dyn Fn(usize) -> Query + 'a>;

/// Warm latency of each steered query kind (issue 16) on the scale library: p50 / p99 over 50
/// queries each, and the calibration's build time (the first search after a change pays it).
fn steered_latency(lib: &mut Library, n: usize) -> Result<Value> {
    use kindred::calibration::{Calibration, Source};
    use kindred::compose::Composition;
    use kindred::region::Region;
    let source = Source { generation: lib.catalog().generation()?, metric: lib.metric()? };
    let t = Instant::now();
    let calibration = Calibration::build(lib.catalog(), lib.model(), source)?;
    let calibration_ms = ms(t.elapsed());
    println!("calibration: {} pairs sampled in {calibration_ms:.0} ms", calibration.pairs());
    let ids = |i: usize, k: usize| (1 + (i * 7919 + k * 104_729) % n) as i64;
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/animals-tiger.png");
    let kinds: Vec<(&str, MakeQuery<'_>)> = vec![
        ("artwork", Box::new(|i| Query::Artwork(ids(i, 0)))),
        (
            "palette",
            Box::new(|i| Query::Palette(kindred::palette::parse(&format!("#{:06x}:0.6,#fbbf24", i * 2_654_435 % 0xFF_FFFF)).unwrap())),
        ),
        (
            "per-aspect sources (colour of A, texture of B, shape of C)",
            Box::new(move |i| {
                let mut c = Composition::default();
                c.sources.colour.push(Query::Artwork(ids(i, 0)));
                c.sources.texture.push(Query::Artwork(ids(i, 1)));
                c.sources.shape.push(Query::Artwork(ids(i, 2)));
                c.query().unwrap()
            }),
        ),
        (
            "mix of 3",
            Box::new(move |i| {
                Composition { whole: (0..3).map(|k| Query::Artwork(ids(i, k))).collect(), ..Default::default() }.query().unwrap()
            }),
        ),
        (
            "push away (A, not B, not colour C)",
            Box::new(move |i| {
                let away = vec![(Query::Artwork(ids(i, 1)), None), (Query::Artwork(ids(i, 2)), Some(Aspect::Colour))];
                Composition { whole: vec![Query::Artwork(ids(i, 0))], away, ..Default::default() }.query().unwrap()
            }),
        ),
        (
            "region of a file (model inference)",
            Box::new(move |i| {
                // Inside the 233 × 384 tiger, moving a little each time.
                let region = Region { x: (i % 8) as u32 * 10, y: 0, w: 150, h: 150 };
                Query::Region { image: Box::new(Query::File(sample.clone())), region }
            }),
        ),
    ];
    let mut out = Map::new();
    for (name, make) in &kinds {
        lib.search(&make(999), &Weights::ALL, K)?; // warm: model loaded, calibration built
        let mut lat = Vec::new();
        for i in 0..50 {
            let query = make(i);
            let t = Instant::now();
            let r = lib.search(&query, &Weights::ALL, K)?;
            lat.push(ms(t.elapsed()));
            assert_eq!(r.hits.len(), K, "{name}");
        }
        let (p50, p99) = (percentile(&mut lat, 0.5), percentile(&mut lat, 0.99));
        println!("{name}: p50 {p50:.2} ms, p99 {p99:.2} ms");
        out.insert(name.to_string(), json!({ "p50": round(p50, 3), "p99": round(p99, 3) }));
    }
    out.insert("calibration_build".into(), json!(round(calibration_ms, 1)));
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// pipeline (optional)

fn pipeline(args: &Args) -> Result<Value> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    header("pipeline: the import's decode/embed pipeline without the catalog, W decode workers x T intra-op threads");
    let sub = subset(&args.images, args.limit)?;
    for f in &sub.files {
        let _ = std::fs::read(f); // page cache
    }
    let files = &sub.files;
    println!("{} files from {} (list sha256 {})", files.len(), args.images.display(), &sub.sha256[..16]);
    let mut rows = Vec::new();
    for (workers, threads) in [(2usize, 2usize), (1, 2), (2, 1), (1, 1), (0, 2)] {
        let mut embedder = Embedder::new(threads)?;
        let warm = prepare_file(&files[0])?;
        embedder.embed(&[warm.tensor.as_slice(); BATCH])?;
        let t = Instant::now();
        let mut embedded = 0usize;
        let mut calls = 0usize;
        let mut embed_s = 0.0;
        let mut flush = |batch: &mut Vec<Prepared>, embedder: &mut Embedder| -> Result<()> {
            if batch.is_empty() {
                return Ok(());
            }
            let c = Instant::now();
            let tensors: Vec<&[f32]> = batch.iter().map(|p| p.tensor.as_slice()).collect();
            let out = embedder.embed(&tensors)?;
            for (p, cnn) in batch.iter().zip(&out) {
                std::hint::black_box(kindred::vectors::Embedding::new(&p.colour, cnn));
            }
            embed_s += c.elapsed().as_secs_f64();
            embedded += batch.len();
            calls += 1;
            batch.clear();
            Ok(())
        };
        let prepare_one = |f: &PathBuf| -> Option<Prepared> {
            let bytes = std::fs::read(f).ok()?;
            std::hint::black_box(blake3::hash(&bytes));
            preprocess::decode_for_prepare(&bytes).ok().map(|d| preprocess::prepare(d, true))
        };
        let mut batch: Vec<Prepared> = Vec::with_capacity(BATCH);
        if workers == 0 {
            // Sequential, like the Python baseline: prepare, and embed every BATCH images.
            for f in files {
                if let Some(p) = prepare_one(f) {
                    batch.push(p);
                    if batch.len() == BATCH {
                        flush(&mut batch, &mut embedder)?;
                    }
                }
            }
            flush(&mut batch, &mut embedder)?;
        } else {
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| -> Result<()> {
                let (tx, rx) = crossbeam_channel::bounded::<Prepared>(BATCH * 2);
                for _ in 0..workers {
                    let (tx, next, prepare_one) = (tx.clone(), &next, &prepare_one);
                    scope.spawn(move || {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(f) = files.get(i) else { break };
                            if let Some(p) = prepare_one(f)
                                && tx.send(p).is_err()
                            {
                                break;
                            }
                        }
                    });
                }
                drop(tx);
                while let Ok(p) = rx.recv() {
                    batch.push(p);
                    if batch.len() >= BATCH || rx.is_empty() {
                        flush(&mut batch, &mut embedder)?;
                    }
                }
                flush(&mut batch, &mut embedder)
            })?;
        }
        let secs = t.elapsed().as_secs_f64();
        let rate = embedded as f64 / secs;
        println!(
            "W={workers} T={threads}: {rate:6.1} images/s ({embedded} images in {secs:.2} s; {calls} model calls, mean batch {:.2}; main thread in embed {:.0}% of the time)",
            embedded as f64 / calls.max(1) as f64,
            100.0 * embed_s / secs
        );
        rows.push(json!({
            "workers": workers,
            "threads": threads,
            "images_per_s": round(rate, 2),
            "images": embedded,
            "model_calls": calls,
            "embed_share": round(embed_s / secs, 3),
        }));
    }
    Ok(json!({ "files": files.len(), "list_sha256": sub.sha256, "rows": rows }))
}

// ---------------------------------------------------------------------------------------------
// helpers

// ---------------------------------------------------------------------------------------------
// reduced: DCT-domain reduced JPEG decoding against the full decode

fn reduced(args: &Args) -> Result<Value> {
    header("reduced: full decode vs decode_for_prepare (large JPEGs reduced in the DCT domain)");
    let sub = subset(&args.images, args.limit)?;
    println!("subset: {} of {} image files under {}, list sha256 {}", sub.files.len(), sub.total, args.images.display(), sub.sha256);
    let mut embedder = Embedder::new(THREADS)?;
    let best_of = |f: &mut dyn FnMut()| (0..3).map(|_| cpu_ms(f)).fold(f64::INFINITY, f64::min);
    let (mut n_files, mut n_reduced) = (0usize, 0usize);
    let (mut full_decode, mut red_decode, mut full_prepare, mut red_prepare) = (0.0, 0.0, 0.0, 0.0);
    // Per aspect (colour, texture, shape): cosines over the reduced files, and the worst file.
    let mut cosines: [Vec<f64>; 3] = Default::default();
    let mut worst: [(f64, String); 3] = Default::default();
    for (path, rel) in sub.files.iter().zip(&sub.rel) {
        let bytes = std::fs::read(path)?;
        let (Ok(full), Ok(red)) = (decode::decode(&bytes), preprocess::decode_for_prepare(&bytes)) else {
            println!("  {rel}: not decodable, skipped");
            continue;
        };
        n_files += 1;
        let (fd, rd) = (
            best_of(&mut || drop(std::hint::black_box(decode::decode(&bytes)))),
            best_of(&mut || drop(std::hint::black_box(preprocess::decode_for_prepare(&bytes)))),
        );
        full_decode += fd;
        red_decode += rd;
        let reduced_to = (red.image.width(), red.image.height());
        let is_reduced = red.is_reduced();
        let (mut pf, mut pr) = (None, None);
        let mut full = Some(full);
        let mut red = Some(red);
        full_prepare += cpu_ms(&mut || pf = Some(preprocess::prepare(full.take().expect("once"), true)));
        red_prepare += cpu_ms(&mut || pr = Some(preprocess::prepare(red.take().expect("once"), true)));
        if !is_reduced {
            continue;
        }
        n_reduced += 1;
        let (pf, pr) = (pf.expect("prepared"), pr.expect("prepared"));
        let v = embedder.embed(&[&pf.tensor, &pr.tensor])?;
        let (ef, er) = (Embedding::new(&pf.colour, &v[0]), Embedding::new(&pr.colour, &v[1]));
        let pairs = [(&ef.colour, &er.colour), (&ef.texture, &er.texture), (&ef.shape, &er.shape)];
        let line: Vec<String> = pairs
            .iter()
            .enumerate()
            .map(|(i, (a, b))| {
                let c = a.iter().zip(b.iter()).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum::<f64>();
                cosines[i].push(c);
                if worst[i].1.is_empty() || c < worst[i].0 {
                    worst[i] = (c, rel.clone());
                }
                format!("{c:.4}")
            })
            .collect();
        println!(
            "  {rel}: {}x{} decoded at {}x{} in {rd:.1} ms (full {fd:.1} ms); cosine colour {} texture {} shape {}",
            pf.width, pf.height, reduced_to.0, reduced_to.1, line[0], line[1], line[2]
        );
    }
    if n_files == 0 {
        bail!("no decodable image under {}", args.images.display());
    }
    let nf = n_files as f64;
    println!(
        "{n_files} files, {n_reduced} decoded reduced; CPU ms/image (best of 3): decode full {:.1} -> {:.1}, prepare {:.1} -> {:.1}, decode+prepare {:.1} -> {:.1}",
        full_decode / nf,
        red_decode / nf,
        full_prepare / nf,
        red_prepare / nf,
        (full_decode + full_prepare) / nf,
        (red_decode + red_prepare) / nf
    );
    let mut out = json!({
        "images_dir": args.images.display().to_string(),
        "files": n_files,
        "list_sha256": sub.sha256,
        "reduced": n_reduced,
        "decode_full_cpu_ms_per_image": round(full_decode / nf, 2),
        "decode_reduced_cpu_ms_per_image": round(red_decode / nf, 2),
        "prepare_full_cpu_ms_per_image": round(full_prepare / nf, 2),
        "prepare_reduced_cpu_ms_per_image": round(red_prepare / nf, 2),
    });
    for (i, aspect) in ["colour", "texture", "shape"].iter().enumerate() {
        let c = &cosines[i];
        if c.is_empty() {
            continue;
        }
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        println!("  {aspect}: cosine full vs reduced min {:.4} ({}), mean {mean:.4}", worst[i].0, worst[i].1);
        out[format!("{aspect}_cosine_min")] = json!(round(worst[i].0, 5));
        out[format!("{aspect}_cosine_mean")] = json!(round(mean, 5));
        out[format!("{aspect}_cosine_min_file")] = json!(worst[i].1);
    }
    Ok(out)
}

/// CPU time of this thread spent in `f`, in ms (wall time where there is no thread clock).
fn cpu_ms(f: &mut dyn FnMut()) -> f64 {
    #[cfg(unix)]
    {
        let now = || {
            let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: `t` is a valid timespec to write to; the clock id is a constant.
            unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
            t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1e6
        };
        let start = now();
        f();
        now() - start
    }
    #[cfg(not(unix))]
    {
        let t = Instant::now();
        f();
        ms(t.elapsed())
    }
}

struct Subset {
    files: Vec<PathBuf>,
    rel: Vec<String>,
    total: usize,
    step: usize,
    sha256: String,
}

/// The deterministic file subset described in the module docs.
fn subset(dir: &Path, limit: usize) -> Result<Subset> {
    let mut rel: Vec<Vec<u8>> = Vec::new();
    collect(dir, &[], &mut rel).with_context(|| format!("listing {}", dir.display()))?;
    if rel.is_empty() {
        bail!("no image files under {}", dir.display());
    }
    rel.sort();
    let total = rel.len();
    let step = (total / limit).max(1);
    let picked: Vec<Vec<u8>> = rel.into_iter().step_by(step).take(limit).collect();
    let sha256 = hex(&Sha256::digest(picked.join(&b"\n"[..])));
    let files = picked.iter().map(|r| dir.join(bytes_to_path(r))).collect();
    let rel = picked.iter().map(|r| String::from_utf8_lossy(r).into_owned()).collect();
    Ok(Subset { files, rel, total, step, sha256 })
}

fn collect(dir: &Path, prefix: &[u8], out: &mut Vec<Vec<u8>>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        if name.starts_with(b".") {
            continue;
        }
        let mut rel = prefix.to_vec();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name);
        let kind = entry.file_type()?; // does not follow symlinks
        if kind.is_dir() {
            collect(&entry.path(), &rel, out)?;
        } else if kind.is_file() && has_image_extension(&entry.path()) {
            out.push(rel);
        }
    }
    Ok(())
}

fn has_image_extension(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(unix)]
fn bytes_to_path(b: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(b))
}

#[cfg(not(unix))]
fn bytes_to_path(b: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(b).into_owned())
}

fn prepare_file(path: &Path) -> Result<Prepared> {
    let bytes = std::fs::read(path)?;
    Ok(preprocess::prepare(preprocess::decode_for_prepare(&bytes)?, true))
}

/// Nearest-rank percentile (sorts `v`).
fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn header(title: &str) {
    println!("\n== {title}");
}

fn num_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|m| m.trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn machine() -> Value {
    json!({ "cores": num_cores(), "cpu": cpu_model() })
}
