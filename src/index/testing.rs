//! Test support, not used by the library itself: deterministic synthetic vectors and recall@k,
//! shared by the unit tests, the benchmarks (`benches/`) and the fuzz harnesses.

use super::Neighbour;

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
            crate::vectors::normalised(&v)
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
