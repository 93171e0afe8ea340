//! Distances between vectors ([`Metric`]) and the lane-sum kernel the exact index and the
//! metric's definitions share.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
pub(super) fn lanes<const N: usize>(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> [f32; N]) -> [f32; N] {
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
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "cosine" | "cos" => Ok(Metric::Cosine),
            "euclidean" | "l2" => Ok(Metric::Euclidean),
            "manhattan" | "l1" => Ok(Metric::Manhattan),
            "ip" | "inner-product" | "dot" => Ok(Metric::InnerProduct),
            _ => Err(Error::Usage(format!("unknown metric `{s}` (cosine, euclidean, manhattan, ip)"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_agree_with_definitions() {
        let (a, b) = ([1.0, 0.0], [0.0, 1.0]);
        assert!((Metric::Cosine.distance(&a, &b) - 1.0).abs() < 1e-6);
        assert!((Metric::Euclidean.distance(&a, &b) - 2.0).abs() < 1e-6);
        assert!((Metric::Manhattan.distance(&a, &b) - 2.0).abs() < 1e-6);
        assert!((Metric::InnerProduct.distance(&a, &a) - 0.0).abs() < 1e-6);
        assert_eq!("L1".parse::<Metric>().unwrap(), Metric::Manhattan);
    }
}
