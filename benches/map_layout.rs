//! The collection map's figures for BENCHMARKS.md ("Collection map"):
//!
//! `cargo bench --bench map_layout -- scale N` — layout time (PCA, kNN, UMAP, clusters) and peak
//! memory for N synthetic artworks with the real joined dimension (colour + texture + shape =
//! 2,201), streamed like the catalog streams them (run each N in its own process: peak memory is
//! the process's); up to 20,000 also the neighbourhoods kept, map vs PCA. The synthetic set: 40
//! clusters in a 16-dimensional latent space projected to 2,201 dimensions with noise (real
//! embeddings also have a low intrinsic dimension); it measures scale, not how a real library
//! looks.
//!
//! `cargo bench --bench map_layout -- quality LIBRARY_DIR` — neighbourhood preservation (share of
//! each artwork's 10 nearest in feature space, exact, that stay among its 10 nearest on the map)
//! for the map and for PCA, on a real library, per aspect preset.

use std::time::Instant;

use kindred::aspect::{Aspect, Weights};
use kindred::catalog::{ArtworkId, Catalog};
use kindred::error::Result;
use kindred::map::{self, MapOptions, VectorSource, quality};
use kindred::model::ModelId;

/// `n` unit vectors around 40 centres in a 16-dimensional latent space, made row by row.
struct Synthetic {
    n: usize,
    dim: usize,
    projection: Vec<f32>,
    centres: Vec<[f32; 16]>,
}

fn next(state: &mut u64) -> f32 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    let mut s = 0.0;
    for _ in 0..4 {
        *state = state.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_add(1);
        s += (*state >> 40) as f32 / (1u64 << 24) as f32;
    }
    (s - 2.0) * 1.732
}

impl Synthetic {
    fn new(n: usize, dim: usize) -> Self {
        let mut s = 0x5EEDu64;
        let projection = (0..dim * 16).map(|_| next(&mut s)).collect();
        let centres = (0..40).map(|_| std::array::from_fn(|_| next(&mut s))).collect();
        Self { n, dim, projection, centres }
    }
}

impl VectorSource for Synthetic {
    fn for_each(&self, f: &mut dyn FnMut(ArtworkId, &[f32]) -> Result<()>) -> Result<()> {
        let mut v = vec![0.0f32; self.dim];
        for i in 0..self.n {
            let mut s = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let c = &self.centres[i % self.centres.len()];
            let z: Vec<f32> = c.iter().map(|x| x + 0.5 * next(&mut s)).collect();
            for (d, out) in v.iter_mut().enumerate() {
                *out = self.projection[d * 16..(d + 1) * 16].iter().zip(&z).map(|(p, z)| p * z).sum::<f32>() + 0.3 * next(&mut s);
            }
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            f(i as ArtworkId + 1, &v)?;
        }
        Ok(())
    }
}

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn scale(n: usize) -> Result<()> {
    let dim: usize = Aspect::ALL.iter().map(|a| a.dim()).sum();
    let source = Synthetic::new(n, dim);
    let before = peak_mib();
    let started = Instant::now();
    let layout = map::lay_out(&source, &MapOptions::default())?;
    let laid_out = started.elapsed().as_secs_f64();
    let (_, clusters) = map::find_clusters(&layout, |_| Ok(Vec::new()))?;
    let total = started.elapsed().as_secs_f64();
    println!(
        "map of {n} artworks ({dim} dims): layout {laid_out:.1} s, clusters {:.1} s ({} clusters), total {total:.1} s; \
         peak memory {:.0} MiB (before {before:.0} MiB); {} threads",
        total - laid_out,
        clusters.len(),
        peak_mib(),
        rayon::current_num_threads()
    );
    // Neighbourhoods kept, after the peak above (the exact neighbours need every vector in memory:
    // up to 20,000 artworks).
    if n <= 20_000 {
        let mut features = Vec::with_capacity(n);
        source.for_each(&mut |_, v| {
            features.push(v.to_vec());
            Ok(())
        })?;
        let queries = quality::spread_rows(n, 1000);
        let kept = quality::neighbours_kept(&features, &layout.positions, 10, &queries);
        let pca = quality::neighbours_kept(&features, &layout.pca, 10, &queries);
        println!("kNN@10 kept (1,000 artworks spread over the set) — map {kept:.3}, PCA {pca:.3}");
    }
    Ok(())
}

struct CatalogSource<'a>(&'a Catalog, Weights);

impl VectorSource for CatalogSource<'_> {
    fn for_each(&self, f: &mut dyn FnMut(ArtworkId, &[f32]) -> Result<()>) -> Result<()> {
        self.0.for_each_embedding(&ModelId::current(), |id, e| f(id, &map::joined(&e, &self.1)))
    }
}

fn quality_on(dir: &str) -> Result<()> {
    let catalog = Catalog::open_read_only(&std::path::Path::new(dir).join("catalog.sqlite"))?;
    for (name, weights) in [
        ("all", Weights::ALL),
        ("colour", Weights::only(Aspect::Colour)),
        ("texture", Weights::only(Aspect::Texture)),
        ("shape", Weights::only(Aspect::Shape)),
    ] {
        let source = CatalogSource(&catalog, weights);
        let mut features = Vec::new();
        source.for_each(&mut |_, v| {
            features.push(v.to_vec());
            Ok(())
        })?;
        let started = Instant::now();
        let layout = map::lay_out(&source, &MapOptions::default())?;
        let seconds = started.elapsed().as_secs_f64();
        let queries = quality::spread_rows(features.len(), 1000);
        let kept = quality::neighbours_kept(&features, &layout.positions, 10, &queries);
        let pca = quality::neighbours_kept(&features, &layout.pca, 10, &queries);
        println!("{name:8} {} artworks: kNN@10 kept — map {kept:.3}, PCA {pca:.3}; layout {seconds:.1} s", features.len());
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["scale", n] => scale(n.parse().expect("N is a number")),
        ["quality", dir] => quality_on(dir),
        _ => {
            eprintln!("usage: map_layout scale N | quality LIBRARY_DIR");
            std::process::exit(2)
        }
    }
}
