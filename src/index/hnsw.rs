//! The HNSW backend: a `usearch` graph over vectors held as a [`Representation`] (f32, f16 or i8;
//! the metric's own kernel or cosine as inner product over unit vectors), the custom kernels
//! usearch lacks, and the workaround for vectors its concurrent inserts leave unreachable.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

use super::metric::lanes;
use super::{Metric, Neighbour, VectorIndex, check_dim, dot};
use crate::error::{Error, Result};

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

/// Element type an HNSW index stores its vectors as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// 4 bytes per dimension.
    F32,
    /// 2 bytes per dimension.
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

    fn scalar_kind(self) -> ScalarKind {
        match self {
            Storage::F32 => ScalarKind::F32,
            Storage::F16 => ScalarKind::F16,
            Storage::I8 => ScalarKind::I8,
        }
    }
}

impl FromStr for Storage {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "f32" => Ok(Storage::F32),
            "f16" => Ok(Storage::F16),
            "i8" => Ok(Storage::I8),
            _ => Err(Error::Usage(format!("unknown storage `{s}` (f32, f16, i8)"))),
        }
    }
}

/// Which usearch kernel compares the stored vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kernel {
    /// usearch's kernel of the metric itself (for cosine: a dot product and both norms per distance).
    #[default]
    Metric,
    /// Cosine only: vectors are scaled to unit length on insert and on query and compared by inner
    /// product, one reduction per distance; 1 − dot is then the cosine distance.
    UnitIp,
}

impl Kernel {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Metric => "metric",
            Kernel::UnitIp => "unit-ip",
        }
    }
}

/// What an HNSW index file holds: the element type of its vectors and the kernel comparing them.
/// A saved index is only loaded with the representation it was built with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representation {
    /// Element type of the stored vectors.
    pub storage: Storage,
    /// Distance kernel.
    pub kernel: Kernel,
}

impl Representation {
    /// `storage` with the metric's own kernel.
    pub const fn metric(storage: Storage) -> Self {
        Self { storage, kernel: Kernel::Metric }
    }

    /// `storage` with cosine served as inner product over unit vectors.
    pub const fn unit_ip(storage: Storage) -> Self {
        Self { storage, kernel: Kernel::UnitIp }
    }

    /// Short name for reports, e.g. `f32 unit-ip`.
    pub fn name(self) -> String {
        format!("{} {}", self.storage.name(), self.kernel.name())
    }

    fn check(self, metric: Metric) -> Result<()> {
        if metric == Metric::Manhattan && self.storage != Storage::F16 {
            return Err(Error::Index("the Manhattan metric is only implemented over f16 storage".into()));
        }
        if self.kernel == Kernel::UnitIp && metric != Metric::Cosine {
            return Err(Error::Index(format!("the unit inner-product kernel only serves the cosine metric, not {metric}")));
        }
        if self.kernel == Kernel::UnitIp && self.storage == Storage::I8 {
            return Err(Error::Index("i8 storage only works with the metric's own kernel (its inner product is scaled by 127²)".into()));
        }
        Ok(())
    }

    /// The usearch metric kind the index runs with.
    fn metric_kind(self, metric: Metric) -> MetricKind {
        match (self.kernel, metric) {
            (Kernel::UnitIp, _) => MetricKind::IP,
            (Kernel::Metric, Metric::Cosine) => MetricKind::Cos,
            (Kernel::Metric, Metric::Euclidean) => MetricKind::L2sq,
            (Kernel::Metric, Metric::InnerProduct) => MetricKind::IP,
            (Kernel::Metric, Metric::Manhattan) => MetricKind::Unknown, // replaced by a custom function
        }
    }
}

impl fmt::Display for Representation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// HNSW graph (`usearch`) over vectors held as a [`Representation`].
///
/// With [`Kernel::UnitIp`] the index scales vectors and queries to unit length itself, so the
/// distances it returns are cosine distances (to the precision of its storage) for any input.
/// In f16 that precision is not enough for every aspect: rounding moves a stored vector's length
/// by up to ~2.4e-4, which the cosine kernel divides back out but inner product does not; on
/// near-identical colour histograms that exceeds the gaps between neighbours (BENCHMARKS.md,
/// "Index: Kindred vs Faiss").
pub struct HnswIndex {
    inner: Index,
    dim: usize,
    representation: Representation,
    /// Vectors re-inserted by `reinsert_unreachable` so far.
    reinserted: usize,
}

impl HnswIndex {
    /// An empty index with room for `capacity` vectors.
    pub fn new(dim: usize, metric: Metric, representation: Representation, params: HnswParams, capacity: usize) -> Result<Self> {
        representation.check(metric)?;
        let options = IndexOptions {
            dimensions: dim,
            metric: representation.metric_kind(metric),
            quantization: representation.storage.scalar_kind(),
            connectivity: params.connectivity,
            expansion_add: params.expansion_add,
            expansion_search: params.expansion_search,
            multi: false,
        };
        let mut inner = Index::new(&options).map_err(|e| Error::Index(format!("creating HNSW index: {e}")))?;
        // One thread context per rayon worker, so `add_batch` can insert concurrently.
        inner
            .reserve_capacity_and_threads(capacity.max(16), rayon::current_num_threads())
            .map_err(|e| Error::Index(format!("reserving HNSW index: {e}")))?;
        install_custom_metric(&mut inner, dim, metric, representation);
        Ok(Self { inner, dim, representation, reinserted: 0 })
    }

    /// Loads an index file saved with the same metric and representation. The caller must have
    /// verified the file's checksum: the on-disk format trusts its header.
    pub fn load(path: &Path, dim: usize, metric: Metric, representation: Representation, params: HnswParams) -> Result<Self> {
        let mut index = Self::new(dim, metric, representation, params, 0)?;
        let p = path.to_str().ok_or_else(|| Error::Index(format!("index path is not UTF-8: {}", path.display())))?;
        index.inner.load(p).map_err(|e| Error::Index(format!("loading index {}: {e}", path.display())))?;
        if index.inner.dimensions() != dim {
            return Err(Error::Index(format!("index {} has {} dimensions, expected {dim}", path.display(), index.inner.dimensions())));
        }
        // usearch takes element type and metric from the file's header, not from the index it
        // loads into: check them, so a file of another representation is never used as this one.
        let (scalar, kind) = (index.inner.scalar_kind(), index.inner.metric_kind());
        if scalar != representation.storage.scalar_kind() || kind != representation.metric_kind(metric) {
            return Err(Error::Index(format!(
                "index {} holds {scalar:?} vectors with the {kind:?} kernel, expected {representation}",
                path.display()
            )));
        }
        let capacity = index.inner.capacity().max(16);
        index
            .inner
            .reserve_capacity_and_threads(capacity, rayon::current_num_threads())
            .map_err(|e| Error::Index(format!("reserving HNSW index: {e}")))?;
        install_custom_metric(&mut index.inner, dim, metric, representation);
        index.inner.change_expansion_search(params.expansion_search);
        Ok(index)
    }

    /// Writes the index to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let p = path.to_str().ok_or_else(|| Error::Index(format!("index path is not UTF-8: {}", path.display())))?;
        self.inner.save(p).map_err(|e| Error::Index(format!("saving index {}: {e}", path.display())))
    }

    /// How the vectors are held and compared.
    pub fn representation(&self) -> Representation {
        self.representation
    }

    /// Changes the search-time candidate list size (ef).
    pub fn set_expansion_search(&self, ef: usize) {
        self.inner.change_expansion_search(ef);
    }

    /// How many vectors were inserted a second time because a concurrent insert had left them
    /// unreachable (see `add_batch`).
    pub fn reinserted(&self) -> usize {
        self.reinserted
    }

    /// Bytes of memory used by graph and vectors.
    pub fn memory_usage(&self) -> usize {
        self.inner.memory_usage()
    }

    /// Inserts one vector (not yet present); thread-safe.
    fn insert(&self, key: u64, v: &[f32]) -> Result<()> {
        let v = self.prepared(v);
        match self.representation.storage {
            Storage::F16 => self.inner.add(key, usearch::f16::from_i16s(&f16_bits(&v))),
            Storage::F32 | Storage::I8 => self.inner.add(key, v.as_ref()),
        }
        .map_err(|e| Error::Index(format!("adding to HNSW index: {e}")))
    }

    /// After a concurrent insert of `items` into an index that held `before` vectors: re-inserts
    /// one at a time those no search can reach. usearch 2.26 strands some when inserting
    /// concurrently: a vector placed next to a node whose own base-level links are still being
    /// formed gets its link back only from that node's list, which the node clears when it gets
    /// to that level (2-thread builds of 600 vectors: 0–4 stranded, with any others linked only
    /// from them; 1-thread builds: none). Reachable here means linked back, at the base level,
    /// from a neighbour that is reachable: any vector inserted before, or (into an empty index)
    /// the batch's top-level entry point, transitively. The rest is removed and inserted again,
    /// serially, into the settled graph.
    fn reinsert_unreachable(&mut self, items: &[(u64, &[f32])], before: usize) -> Result<usize> {
        use rayon::prelude::*;
        let inner = &self.inner;
        let row: std::collections::HashMap<u64, usize> = items.iter().enumerate().map(|(i, (key, _))| (*key, i)).collect();
        // Per item: its base-level neighbours that link back to it.
        let linked_from: Vec<Vec<u64>> = items
            .par_iter()
            .map(|(key, _)| inner.neighbors(*key, 0).filter(|n| inner.neighbors(*n, 0).any(|b| b == *key)).collect())
            .collect();
        let mut reached: Vec<bool> = if before > 0 {
            vec![false; items.len()]
        } else {
            let levels: Vec<usize> = items.iter().map(|(key, _)| inner.level_of_key(*key)).collect();
            let top = levels.iter().copied().max().unwrap_or(0);
            levels.iter().map(|l| *l == top).collect()
        };
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..items.len() {
                if !reached[i] && linked_from[i].iter().any(|n| row.get(n).is_none_or(|&j| reached[j])) {
                    reached[i] = true;
                    changed = true;
                }
            }
        }
        let stranded: Vec<&(u64, &[f32])> = items.iter().zip(&reached).filter(|(_, r)| !**r).map(|(item, _)| item).collect();
        for (key, _) in &stranded {
            self.inner.remove(*key).map_err(|e| Error::Index(format!("removing from HNSW index: {e}")))?;
        }
        for (key, v) in &stranded {
            self.insert(*key, v)?;
        }
        Ok(stranded.len())
    }

    /// `v` as the index compares it: unit length under [`Kernel::UnitIp`], otherwise unchanged.
    /// Copies only vectors off unit length by more than 1e-6 in squared norm (5e-7 in cosine
    /// distance; the library's vectors are normalised already). A zero vector stays zero.
    fn prepared<'a>(&self, v: &'a [f32]) -> Cow<'a, [f32]> {
        if self.representation.kernel != Kernel::UnitIp {
            return Cow::Borrowed(v);
        }
        let norm_sq = lanes(v, v, |x, _| [x * x])[0];
        if (norm_sq - 1.0).abs() <= 1e-6 || norm_sq == 0.0 { Cow::Borrowed(v) } else { Cow::Owned(crate::vectors::normalised(v)) }
    }
}

impl VectorIndex for HnswIndex {
    fn len(&self) -> usize {
        self.inner.size()
    }

    fn add(&mut self, key: u64, vector: &[f32]) -> Result<()> {
        self.add_batch(&[(key, vector)])
    }

    /// Inserts concurrently on all cores: usearch's `add` is thread-safe once a thread context per
    /// worker is reserved (graph building dominates index rebuilds of large libraries). Vectors
    /// the concurrent insert left unreachable are then inserted again, one at a time.
    fn add_batch(&mut self, items: &[(u64, &[f32])]) -> Result<()> {
        use rayon::prelude::*;
        for (key, v) in items {
            check_dim(self.dim, v)?;
            if self.inner.contains(*key) {
                self.inner.remove(*key).map_err(|e| Error::Index(format!("{e}")))?;
            }
        }
        let needed = self.inner.size() + items.len();
        if needed > self.inner.capacity() {
            let capacity = needed.max(self.inner.capacity() * 2);
            self.inner
                .reserve_capacity_and_threads(capacity, rayon::current_num_threads())
                .map_err(|e| Error::Index(format!("reserving HNSW index: {e}")))?;
        }
        let before = self.inner.size();
        items.par_iter().try_for_each(|(key, v)| self.insert(*key, v))?;
        if items.len() > 1 && rayon::current_num_threads() > 1 {
            self.reinserted += self.reinsert_unreachable(items, before)?;
        }
        Ok(())
    }

    fn remove(&mut self, key: u64) -> Result<()> {
        self.inner.remove(key).map(drop).map_err(|e| Error::Index(format!("removing from HNSW index: {e}")))
    }

    fn search(&self, query: &[f32], k: usize) -> Result<Vec<Neighbour>> {
        check_dim(self.dim, query)?;
        // usearch reserves room for `k` results: never more than the index holds.
        let k = k.min(self.inner.size());
        if k == 0 {
            return Ok(Vec::new());
        }
        let query = self.prepared(query);
        let m = match self.representation.storage {
            Storage::F16 => self.inner.search(usearch::f16::from_i16s(&f16_bits(&query)), k),
            Storage::F32 | Storage::I8 => self.inner.search(query.as_ref(), k),
        }
        .map_err(|e| Error::Index(format!("HNSW search: {e}")))?;
        Ok(m.keys.into_iter().zip(m.distances).map(|(key, distance)| Neighbour { key, distance }).collect())
    }
}

/// Kernels usearch lacks or runs slowly: L1 over f16 (it has none), and the unit inner product
/// over f32 / f16 (its own waits on one accumulator chain, see `dot`). Needed again after `load`,
/// which resets the metric to the one named in the file's header.
fn install_custom_metric(index: &mut Index, dim: usize, metric: Metric, representation: Representation) {
    match (metric, representation.kernel, representation.storage) {
        (Metric::Manhattan, _, _) => {
            index.change_metric::<usearch::f16>(Box::new(move |a: *const usearch::f16, b: *const usearch::f16| {
                // SAFETY: usearch calls the metric with pointers to two stored vectors of `dim` scalars.
                let (a, b) = unsafe { (std::slice::from_raw_parts(a, dim), std::slice::from_raw_parts(b, dim)) };
                let (a, b) = (usearch::f16::to_i16s(a), usearch::f16::to_i16s(b));
                a.iter()
                    .zip(b)
                    .map(|(x, y)| (half::f16::from_bits(*x as u16).to_f32() - half::f16::from_bits(*y as u16).to_f32()).abs())
                    .sum()
            }))
        }
        (_, Kernel::UnitIp, Storage::F32) => {
            if let Some(f) = dot::unit_ip_f32(dim) {
                index.change_metric::<f32>(f);
            }
        }
        (_, Kernel::UnitIp, Storage::F16) => {
            if let Some(f) = dot::unit_ip_f16::<usearch::f16>(dim) {
                index.change_metric::<usearch::f16>(f);
            }
        }
        _ => {}
    }
}

/// `v` rounded to f16, as the bits usearch's f16 type wraps. usearch would convert f32 itself, but
/// one value at a time in software (~7 ns each: 13 µs per 1792-d query); `half` uses the CPU's
/// F16C conversion where there is one.
fn f16_bits(v: &[f32]) -> Vec<i16> {
    use half::slice::HalfFloatSliceExt;
    let mut halves = vec![half::f16::ZERO; v.len()];
    halves.convert_from_f32_slice(v);
    halves.into_iter().map(|h| h.to_bits() as i16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::ExactIndex;
    use crate::index::testing::{recall_at_k, synthetic_vectors};

    /// Every representation an index can be built with, per metric.
    fn representations(metric: Metric) -> Vec<Representation> {
        match metric {
            Metric::Cosine => vec![
                Representation::unit_ip(Storage::F32),
                Representation::unit_ip(Storage::F16),
                Representation::metric(Storage::F16),
                Representation::metric(Storage::F32),
            ],
            Metric::Manhattan => vec![Representation::metric(Storage::F16)],
            _ => vec![Representation::metric(Storage::F16), Representation::metric(Storage::F32)],
        }
    }

    fn build(dim: usize, metric: Metric, r: Representation, data: &[Vec<f32>]) -> (ExactIndex, HnswIndex) {
        let mut exact = ExactIndex::new(dim, metric);
        let mut hnsw = HnswIndex::new(dim, metric, r, HnswParams::default(), data.len()).unwrap();
        let items: Vec<(u64, &[f32])> = data.iter().enumerate().map(|(i, v)| (i as u64, v.as_slice())).collect();
        exact.add_batch(&items).unwrap();
        hnsw.add_batch(&items).unwrap();
        (exact, hnsw)
    }

    /// HNSW (every metric and representation) must match brute force on a few thousand clustered
    /// vectors.
    #[test]
    fn hnsw_recall_matches_exact_search() {
        let dim = 64;
        let data = synthetic_vectors(3000, dim, 40, 7);
        let queries = synthetic_vectors(100, dim, 40, 99);
        for metric in Metric::ALL {
            for r in representations(metric) {
                let (exact, hnsw) = build(dim, metric, r, &data);
                let recall: f64 =
                    queries.iter().map(|q| recall_at_k(&exact.search(q, 10).unwrap(), &hnsw.search(q, 10).unwrap())).sum::<f64>()
                        / queries.len() as f64;
                println!("{metric} {r}: recall@10 {recall:.4}");
                assert!(recall >= 0.99, "{metric} {r}: recall@10 {recall}");
            }
        }
    }

    /// The library's representation of each aspect (at its real dimension): the top 10 are the
    /// exact cosine top 10, and every distance returned is the cosine distance, also for vectors
    /// and queries that are not unit length (the index normalises them).
    #[test]
    fn unit_ip_returns_the_cosine_top_10_and_cosine_distances() {
        for aspect in crate::Aspect::ALL {
            let (dim, r) = (aspect.dim(), crate::index::hnsw_representation(aspect, Metric::Cosine));
            assert_eq!(r.kernel, Kernel::UnitIp);
            let scale = |vs: Vec<Vec<f32>>| -> Vec<Vec<f32>> {
                vs.into_iter().enumerate().map(|(i, v)| v.iter().map(|x| x * (0.25 + (i % 7) as f32)).collect()).collect()
            };
            let data = scale(synthetic_vectors(600, dim, 12, 5));
            let queries = scale(synthetic_vectors(20, dim, 12, 6));
            // Built on one thread (concurrent inserts can strand a vector, see `add_batch`) and
            // searched exhaustively: only the kernel can make a difference.
            let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            let (exact, hnsw) = pool.install(|| build(dim, Metric::Cosine, r, &data));
            hnsw.set_expansion_search(600);
            let tolerance = if r.storage == Storage::F32 { 1e-5 } else { 2e-3 };
            for q in &queries {
                let (want, got) = (exact.search(q, 10).unwrap(), hnsw.search(q, 10).unwrap());
                assert_eq!(recall_at_k(&want, &got), 1.0, "{aspect} {r}: {want:?} vs {got:?}");
                for n in &got {
                    let cosine = Metric::Cosine.distance(q, &data[n.key as usize]);
                    assert!((n.distance - cosine).abs() < tolerance, "{aspect} {r}: distance {} vs cosine {cosine}", n.distance);
                }
            }
        }
    }

    /// A zero vector (an all-zero histogram) is stored as is: cosine distance 1 to everything.
    #[test]
    fn unit_ip_keeps_zero_vectors() {
        let mut hnsw = HnswIndex::new(4, Metric::Cosine, Representation::unit_ip(Storage::F32), HnswParams::default(), 4).unwrap();
        hnsw.add(1, &[0.0; 4]).unwrap();
        hnsw.add(2, &[3.0, 4.0, 0.0, 0.0]).unwrap();
        let hits = hnsw.search(&[0.0, 2.0, 0.0, 0.0], 2).unwrap();
        assert_eq!(hits[0].key, 2);
        assert!((hits[0].distance - 0.2).abs() < 1e-6 && (hits[1].distance - 1.0).abs() < 1e-6, "{hits:?}");
    }

    /// Concurrent inserts (2 threads, as on the benchmark machine) leave no vector unreachable:
    /// without `reinsert_unreachable`, 13 of 6,000 were in these builds.
    #[test]
    fn parallel_builds_leave_no_vector_unreachable() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut unreachable = 0;
        for seed in 0..10 {
            let data = synthetic_vectors(600, 245, 12, 5 + seed);
            let mut hnsw = HnswIndex::new(245, Metric::Cosine, Representation::unit_ip(Storage::F32), HnswParams::default(), 600).unwrap();
            let items: Vec<(u64, &[f32])> = data.iter().enumerate().map(|(i, v)| (i as u64, v.as_slice())).collect();
            pool.install(|| hnsw.add_batch(&items)).unwrap();
            assert_eq!(hnsw.len(), 600);
            hnsw.set_expansion_search(1000);
            let found: std::collections::HashSet<u64> =
                data.iter().take(20).flat_map(|q| hnsw.search(q, 600).unwrap().into_iter().map(|n| n.key)).collect();
            unreachable += 600 - found.len();
        }
        assert_eq!(unreachable, 0);
    }

    #[test]
    fn representations_are_checked() {
        let new = |metric, r| HnswIndex::new(8, metric, r, HnswParams::default(), 4);
        assert!(new(Metric::Euclidean, Representation::unit_ip(Storage::F32)).is_err());
        assert!(new(Metric::Cosine, Representation::unit_ip(Storage::I8)).is_err());
        assert!(new(Metric::Manhattan, Representation::metric(Storage::F32)).is_err());
        // Names in files and reports are the serde names.
        let r = Representation::unit_ip(Storage::F32);
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"storage":"f32","kernel":"unit-ip"}"#);
        assert_eq!(r.name(), "f32 unit-ip");
        assert_eq!(Representation::metric(Storage::F16).name(), "f16 metric");
    }

    /// A file is only loaded as the representation it holds: usearch would otherwise take element
    /// type and kernel from the file's header and silently serve another representation.
    #[test]
    fn hnsw_load_rejects_another_representation() {
        let dir = tempfile::tempdir().unwrap();
        let data = synthetic_vectors(200, 32, 10, 3);
        let (old, new) = (Representation::metric(Storage::F16), Representation::unit_ip(Storage::F16));
        let (_, ix) = build(32, Metric::Cosine, old, &data);
        let path = dir.path().join("ix.usearch");
        ix.save(&path).unwrap();
        let err = HnswIndex::load(&path, 32, Metric::Cosine, new, HnswParams::default()).err().expect("mismatch detected");
        assert!(err.to_string().contains("expected f16 unit-ip"), "{err}");
        assert!(HnswIndex::load(&path, 32, Metric::Cosine, Representation::unit_ip(Storage::F32), HnswParams::default()).is_err());
        let back = HnswIndex::load(&path, 32, Metric::Cosine, old, HnswParams::default()).unwrap();
        assert_eq!(back.search(&data[9], 1).unwrap()[0].key, 9);
        // And the new representation round-trips with its own kernel installed again.
        let (_, ix) = build(32, Metric::Cosine, new, &data);
        ix.save(&path).unwrap();
        let back = HnswIndex::load(&path, 32, Metric::Cosine, new, HnswParams::default()).unwrap();
        let hit = back.search(&data[9], 1).unwrap()[0];
        assert_eq!(hit.key, 9);
        assert!(hit.distance.abs() < 1e-3, "{hit:?}");
    }

    #[test]
    fn hnsw_save_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let data = synthetic_vectors(500, 32, 10, 3);
        let f16 = Representation::metric(Storage::F16);
        let mut ix = HnswIndex::new(32, Metric::Manhattan, f16, HnswParams::default(), 10).unwrap();
        for (i, v) in data.iter().enumerate() {
            ix.add(i as u64, v).unwrap();
        }
        ix.remove(5).unwrap();
        let path = dir.path().join("ix.usearch");
        ix.save(&path).unwrap();
        let back = HnswIndex::load(&path, 32, Metric::Manhattan, f16, HnswParams::default()).unwrap();
        assert_eq!(back.len(), 499);
        assert_eq!(back.search(&data[7], 1).unwrap()[0].key, 7);
        assert!(back.search(&data[5], 3).unwrap().iter().all(|h| h.key != 5));
        assert!(HnswIndex::load(&path, 16, Metric::Manhattan, f16, HnswParams::default()).is_err());
    }
}
