//! Nearest-neighbour indexes over one aspect's vectors: an exact brute-force index (ground truth,
//! small libraries) and an HNSW index (`usearch`, f16 storage) behind one small trait.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use anyhow::{Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

/// Distance between two vectors; chosen per library.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// 1 − cosine similarity (the default).
    #[default]
    Cosine,
    /// Squared Euclidean distance.
    Euclidean,
    /// Manhattan (L1) distance.
    Manhattan,
    /// 1 − inner product.
    InnerProduct,
}

impl Metric {
    /// All metrics.
    pub const ALL: [Metric; 4] = [Metric::Cosine, Metric::Euclidean, Metric::Manhattan, Metric::InnerProduct];

    /// Name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::Euclidean => "euclidean",
            Metric::Manhattan => "manhattan",
            Metric::InnerProduct => "ip",
        }
    }

    /// Distance between `a` and `b` (smaller is closer), same definition as the HNSW index.
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Metric::Cosine => {
                let [dot, na, nb] = lanes(a, b, |x, y| [x * y, x * x, y * y]);
                let denom = (na * nb).sqrt();
                if denom > 0.0 { 1.0 - dot / denom } else { 1.0 }
            }
            Metric::Euclidean => lanes(a, b, |x, y| [(x - y) * (x - y)])[0],
            Metric::Manhattan => lanes(a, b, |x, y| [(x - y).abs()])[0],
            Metric::InnerProduct => 1.0 - lanes(a, b, |x, y| [x * y])[0],
        }
    }

    /// Maps a distance between unit vectors to a similarity score, higher is closer, about [0, 1]
    /// for related images, so that aspects can be weighted against each other.
    pub fn similarity(self, distance: f32) -> f32 {
        match self {
            Metric::Cosine | Metric::InnerProduct => 1.0 - distance,
            Metric::Euclidean => 1.0 - distance / 2.0,
            Metric::Manhattan => 1.0 / (1.0 + distance),
        }
    }
}

/// Sums `f(a[i], b[i])` (N sums at once) in 8 independent lanes, which the compiler vectorises;
/// a single running sum would serialise on floating-point addition order.
#[inline]
fn lanes<const N: usize>(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> [f32; N]) -> [f32; N] {
    let mut acc = [[0.0f32; 8]; N];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let v = f(x[l], y[l]);
            for n in 0..N {
                acc[n][l] += v[n];
            }
        }
    }
    let mut out = acc.map(|lane| lane.iter().sum::<f32>());
    for (x, y) in ra.iter().zip(rb) {
        let v = f(*x, *y);
        for n in 0..N {
            out[n] += v[n];
        }
    }
    out
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Metric {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "cosine" | "cos" => Ok(Metric::Cosine),
            "euclidean" | "l2" => Ok(Metric::Euclidean),
            "manhattan" | "l1" => Ok(Metric::Manhattan),
            "ip" | "inner-product" | "dot" => Ok(Metric::InnerProduct),
            _ => bail!("unknown metric `{s}` (cosine, euclidean, manhattan, ip)"),
        }
    }
}

/// One search hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbour {
    /// Key the vector was added with.
    pub key: u64,
    /// Distance to the query under the index's metric.
    pub distance: f32,
}

/// A nearest-neighbour index over fixed-length vectors.
pub trait VectorIndex: Send + Sync {
    /// Number of vectors.
    fn len(&self) -> usize;
    /// Whether the index is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Adds (or replaces) the vector stored under `key`.
    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()>;
    /// Adds (or replaces) many vectors; implementations may insert them in parallel.
    fn add_batch(&mut self, items: &[(u64, &[f32])]) -> Result<()> {
        items.iter().try_for_each(|(key, v)| self.add(*key, v))
    }
    /// Removes `key` if present.
    fn remove(&mut self, key: u64) -> Result<()>;
    /// The `k` nearest vectors to `query`, closest first.
    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>>;
    /// For downcasting to the concrete index (saving).
    fn as_any(&self) -> &dyn std::any::Any;
}

/// Brute force over every vector: exact, simple, fast enough for a few thousand artworks.
pub struct ExactIndex {
    dim: usize,
    metric: Metric,
    keys: Vec<u64>,
    data: Vec<f32>,
    /// Row of each key in `keys` / `data`.
    rows: std::collections::HashMap<u64, usize>,
}

impl ExactIndex {
    /// An empty index.
    pub fn new(dim: usize, metric: Metric) -> Self {
        Self { dim, metric, keys: Vec::new(), data: Vec::new(), rows: Default::default() }
    }
}

impl VectorIndex for ExactIndex {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        check_dim(self.dim, vector)?;
        match self.rows.get(&key) {
            Some(&i) => self.data[i * self.dim..(i + 1) * self.dim].copy_from_slice(vector),
            None => {
                self.rows.insert(key, self.keys.len());
                self.keys.push(key);
                self.data.extend_from_slice(vector);
            }
        }
        Ok(())
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        if let Some(i) = self.rows.remove(&key) {
            let last = self.keys.len() - 1;
            self.keys.swap_remove(i);
            if i != last {
                self.rows.insert(self.keys[i], i);
                let (head, tail) = self.data.split_at_mut(last * self.dim);
                head[i * self.dim..(i + 1) * self.dim].copy_from_slice(&tail[..self.dim]);
            }
            self.data.truncate(last * self.dim);
        }
        Ok(())
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>> {
        check_dim(self.dim, query)?;
        let mut hits: Vec<Neighbour> = self
            .keys
            .iter()
            .zip(self.data.chunks_exact(self.dim))
            .map(|(&key, v)| Neighbour { key, distance: self.metric.distance(query, v) })
            .collect();
        let k = k.min(hits.len());
        if k == 0 {
            return Ok(Vec::new());
        }
        hits.select_nth_unstable_by(k - 1, |a, b| a.distance.total_cmp(&b.distance));
        hits.truncate(k);
        hits.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.key.cmp(&b.key)));
        Ok(hits)
    }
}

/// Parameters of the HNSW graph.
#[derive(Clone, Copy, Debug)]
pub struct HnswParams {
    /// Links per node (M).
    pub connectivity: usize,
    /// Candidate list size while building (efConstruction).
    pub expansion_add: usize,
    /// Candidate list size while searching (ef).
    pub expansion_search: usize,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self { connectivity: 16, expansion_add: 128, expansion_search: 128 }
    }
}

/// Element type an HNSW index stores its vectors as. The library uses [`Storage::F16`]; the
/// others exist to measure the memory / speed / recall trade-off (`benches/index_compare.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    /// 4 bytes per dimension.
    F32,
    /// 2 bytes per dimension (the library's choice).
    #[default]
    F16,
    /// 1 byte per dimension (usearch scales each component by 127 and rounds).
    I8,
}

impl Storage {
    /// Name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Storage::F32 => "f32",
            Storage::F16 => "f16",
            Storage::I8 => "i8",
        }
    }
}

impl FromStr for Storage {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Ok(Storage::F32),
            "f16" => Ok(Storage::F16),
            "i8" => Ok(Storage::I8),
            _ => bail!("unknown storage `{s}` (f32, f16, i8)"),
        }
    }
}

/// HNSW graph (`usearch`), vectors stored as f16.
///
/// Cosine uses usearch's cosine kernel, not inner product over pre-normalised vectors: the kernel
/// divides by the norms of the stored f16 vectors, which cancels their rounding; inner product
/// does not, and on real colour vectors (near-identical histograms) recall@10 at ef 128 fell from
/// 0.998 to 0.854 for 13–18% more queries/s (BENCHMARKS.md, "Index: Kindred vs Faiss").
pub struct HnswIndex {
    inner: Index,
    dim: usize,
}

impl HnswIndex {
    /// An empty index with room for `capacity` vectors, stored as f16.
    pub fn new(dim: usize, metric: Metric, params: HnswParams, capacity: usize) -> Result<Self> {
        Self::with_storage(dim, metric, params, capacity, Storage::F16)
    }

    /// An empty index storing its vectors as `storage` (benchmarks; the library uses [`Self::new`]).
    pub fn with_storage(dim: usize, metric: Metric, params: HnswParams, capacity: usize, storage: Storage) -> Result<Self> {
        if metric == Metric::Manhattan && storage != Storage::F16 {
            bail!("the Manhattan metric is only implemented over f16 storage");
        }
        let options = IndexOptions {
            dimensions: dim,
            metric: metric_kind(metric),
            quantization: match storage {
                Storage::F32 => ScalarKind::F32,
                Storage::F16 => ScalarKind::F16,
                Storage::I8 => ScalarKind::I8,
            },
            connectivity: params.connectivity,
            expansion_add: params.expansion_add,
            expansion_search: params.expansion_search,
            multi: false,
        };
        let mut inner = Index::new(&options).map_err(|e| anyhow!("creating HNSW index: {e}"))?;
        // One thread context per rayon worker, so `add_batch` can insert concurrently.
        inner
            .reserve_capacity_and_threads(capacity.max(16), rayon::current_num_threads())
            .map_err(|e| anyhow!("reserving HNSW index: {e}"))?;
        install_custom_metric(&mut inner, dim, metric);
        Ok(Self { inner, dim })
    }

    /// Loads an index file. The caller must have verified the file's checksum: the on-disk format
    /// trusts its header.
    pub fn load(path: &Path, dim: usize, metric: Metric, params: HnswParams) -> Result<Self> {
        let index = Self::new(dim, metric, params, 0)?;
        let p = path.to_str().ok_or_else(|| anyhow!("index path is not UTF-8: {}", path.display()))?;
        index.inner.load(p).map_err(|e| anyhow!("loading index {}: {e}", path.display()))?;
        if index.inner.dimensions() != dim {
            bail!("index {} has {} dimensions, expected {dim}", path.display(), index.inner.dimensions());
        }
        let mut index = index;
        let capacity = index.inner.capacity().max(16);
        index
            .inner
            .reserve_capacity_and_threads(capacity, rayon::current_num_threads())
            .map_err(|e| anyhow!("reserving HNSW index: {e}"))?;
        install_custom_metric(&mut index.inner, dim, metric);
        index.inner.change_expansion_search(params.expansion_search);
        Ok(index)
    }

    /// Writes the index to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let p = path.to_str().ok_or_else(|| anyhow!("index path is not UTF-8: {}", path.display()))?;
        self.inner.save(p).map_err(|e| anyhow!("saving index {}: {e}", path.display()))
    }

    /// Changes the search-time candidate list size (ef).
    pub fn set_expansion_search(&self, ef: usize) {
        self.inner.change_expansion_search(ef);
    }

    /// Bytes of memory used by graph and vectors.
    pub fn memory_usage(&self) -> usize {
        self.inner.memory_usage()
    }
}

impl VectorIndex for HnswIndex {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn len(&self) -> usize {
        self.inner.size()
    }

    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        self.add_batch(&[(key, vector)])
    }

    /// Inserts concurrently on all cores: usearch's `add` is thread-safe once a thread context per
    /// worker is reserved (graph building dominates index rebuilds of large libraries).
    fn add_batch(&mut self, items: &[(u64, &[f32])]) -> Result<()> {
        use rayon::prelude::*;
        for (key, v) in items {
            check_dim(self.dim, v)?;
            if self.inner.contains(*key) {
                self.inner.remove(*key).map_err(|e| anyhow!("{e}"))?;
            }
        }
        let needed = self.inner.size() + items.len();
        if needed > self.inner.capacity() {
            let capacity = needed.max(self.inner.capacity() * 2);
            self.inner
                .reserve_capacity_and_threads(capacity, rayon::current_num_threads())
                .map_err(|e| anyhow!("reserving HNSW index: {e}"))?;
        }
        let inner = &self.inner;
        items
            .par_iter()
            .try_for_each(|(key, v)| inner.add(*key, v).map_err(|e| anyhow!("adding to HNSW index: {e}")))
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        self.inner.remove(key).map(drop).map_err(|e| anyhow!("removing from HNSW index: {e}"))
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>> {
        check_dim(self.dim, query)?;
        if k == 0 || self.inner.size() == 0 {
            return Ok(Vec::new());
        }
        let m = self.inner.search(query, k).map_err(|e| anyhow!("HNSW search: {e}"))?;
        Ok(m.keys.into_iter().zip(m.distances).map(|(key, distance)| Neighbour { key, distance }).collect())
    }
}

fn metric_kind(metric: Metric) -> MetricKind {
    match metric {
        Metric::Cosine => MetricKind::Cos,
        Metric::Euclidean => MetricKind::L2sq,
        Metric::InnerProduct => MetricKind::IP,
        Metric::Manhattan => MetricKind::Unknown, // replaced by a custom function below
    }
}

/// usearch has no L1 kernel: install one over its f16 storage.
fn install_custom_metric(index: &mut Index, dim: usize, metric: Metric) {
    if metric != Metric::Manhattan {
        return;
    }
    index.change_metric::<usearch::f16>(Box::new(move |a: *const usearch::f16, b: *const usearch::f16| {
        // SAFETY: usearch calls the metric with pointers to two stored vectors of `dim` scalars.
        let (a, b) = unsafe { (std::slice::from_raw_parts(a, dim), std::slice::from_raw_parts(b, dim)) };
        let (a, b) = (usearch::f16::to_i16s(a), usearch::f16::to_i16s(b));
        a.iter()
            .zip(b)
            .map(|(x, y)| (half::f16::from_bits(*x as u16).to_f32() - half::f16::from_bits(*y as u16).to_f32()).abs())
            .sum()
    }));
}

fn check_dim(dim: usize, v: &[f32]) -> Result<()> {
    if v.len() != dim {
        bail!("vector has {} dimensions, index expects {dim}", v.len());
    }
    Ok(())
}

/// Recall@k of `approx` against `exact` result lists (fraction of true neighbours found).
pub fn recall_at_k(exact: &[Neighbour], approx: &[Neighbour]) -> f64 {
    if exact.is_empty() {
        return 1.0;
    }
    let found = exact.iter().filter(|e| approx.iter().any(|a| a.key == e.key)).count();
    found as f64 / exact.len() as f64
}

/// Deterministic synthetic unit vectors for tests and benchmarks: `n` points around `clusters`
/// centres in a 16-dimensional latent space, linearly embedded into `dim` dimensions with a little
/// isotropic noise. Like real embeddings (and unlike i.i.d. noise), they have low intrinsic dimension.
pub fn synthetic_vectors(n: usize, dim: usize, clusters: usize, seed: u64) -> Vec<Vec<f32>> {
    const LATENT: usize = 16;
    let mut rng = Gaussian(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // The projection and centres depend only on `clusters`, so data and queries drawn with
    // different seeds share one distribution.
    let mut fixed = Gaussian(0x5EED ^ clusters as u64);
    let projection: Vec<f32> = (0..dim * LATENT).map(|_| fixed.next()).collect();
    let centres: Vec<Vec<f32>> = (0..clusters.max(1)).map(|_| (0..LATENT).map(|_| fixed.next()).collect()).collect();
    (0..n)
        .map(|_| {
            let c = &centres[(rng.next().abs() * 1e4) as usize % centres.len()];
            let z: Vec<f32> = c.iter().map(|x| x + 0.5 * rng.next()).collect();
            let v: Vec<f32> = (0..dim)
                .map(|d| projection[d * LATENT..(d + 1) * LATENT].iter().zip(&z).map(|(p, z)| p * z).sum::<f32>() + 0.3 * rng.next())
                .collect();
            crate::features::normalised(&v)
        })
        .collect()
}

/// A tiny deterministic normal-ish generator (xorshift64*, sum of four uniforms).
struct Gaussian(u64);

impl Gaussian {
    fn next(&mut self) -> f32 {
        let mut s = 0.0f32;
        for _ in 0..4 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            s += (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
        }
        (s - 2.0) * 1.732
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_index_add_replace_remove() {
        let mut ix = ExactIndex::new(2, Metric::Euclidean);
        ix.add(1, &[0.0, 0.0]).unwrap();
        ix.add(2, &[1.0, 0.0]).unwrap();
        ix.add(3, &[5.0, 5.0]).unwrap();
        ix.add(2, &[0.1, 0.0]).unwrap();
        assert_eq!(ix.len(), 3);
        let hits = ix.search(&[0.2, 0.0], 2).unwrap();
        assert_eq!(hits.iter().map(|h| h.key).collect::<Vec<_>>(), vec![2, 1]);
        ix.remove(2).unwrap();
        assert_eq!(ix.search(&[0.2, 0.0], 5).unwrap().iter().map(|h| h.key).collect::<Vec<_>>(), vec![1, 3]);
        assert!(ix.add(4, &[1.0]).is_err());
    }

    #[test]
    fn metrics_agree_with_definitions() {
        let (a, b) = ([1.0, 0.0], [0.0, 1.0]);
        assert!((Metric::Cosine.distance(&a, &b) - 1.0).abs() < 1e-6);
        assert!((Metric::Euclidean.distance(&a, &b) - 2.0).abs() < 1e-6);
        assert!((Metric::Manhattan.distance(&a, &b) - 2.0).abs() < 1e-6);
        assert!((Metric::InnerProduct.distance(&a, &a) - 0.0).abs() < 1e-6);
        assert_eq!("L1".parse::<Metric>().unwrap(), Metric::Manhattan);
    }

    /// HNSW (every metric) must match brute force on a few thousand clustered vectors.
    #[test]
    fn hnsw_recall_matches_exact_search() {
        let dim = 64;
        let data = synthetic_vectors(3000, dim, 40, 7);
        let queries = synthetic_vectors(100, dim, 40, 99);
        for metric in Metric::ALL {
            let mut exact = ExactIndex::new(dim, metric);
            let mut hnsw = HnswIndex::new(dim, metric, HnswParams::default(), data.len()).unwrap();
            let items: Vec<(u64, &[f32])> = data.iter().enumerate().map(|(i, v)| (i as u64, v.as_slice())).collect();
            exact.add_batch(&items).unwrap();
            hnsw.add_batch(&items).unwrap();
            let recall: f64 = queries
                .iter()
                .map(|q| recall_at_k(&exact.search(q, 10).unwrap(), &hnsw.search(q, 10).unwrap()))
                .sum::<f64>()
                / queries.len() as f64;
            println!("{metric}: recall@10 {recall:.4}");
            assert!(recall >= 0.99, "{metric}: recall@10 {recall}");
        }
    }

    #[test]
    fn hnsw_save_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let data = synthetic_vectors(500, 32, 10, 3);
        let mut ix = HnswIndex::new(32, Metric::Manhattan, HnswParams::default(), 10).unwrap();
        for (i, v) in data.iter().enumerate() {
            ix.add(i as u64, v).unwrap();
        }
        ix.remove(5).unwrap();
        let path = dir.path().join("ix.usearch");
        ix.save(&path).unwrap();
        let back = HnswIndex::load(&path, 32, Metric::Manhattan, HnswParams::default()).unwrap();
        assert_eq!(back.len(), 499);
        assert_eq!(back.search(&data[7], 1).unwrap()[0].key, 7);
        assert!(back.search(&data[5], 3).unwrap().iter().all(|h| h.key != 5));
        assert!(HnswIndex::load(&path, 16, Metric::Manhattan, HnswParams::default()).is_err());
    }
}
