//! Principal components by randomised subspace iteration: the map first reduces each artwork's
//! vector (up to 2,201 dimensions) to a few dozen components, which keep most of the distances'
//! structure at a fraction of the memory and kNN cost, and takes the first two as the layout's
//! starting point (and the baseline it is measured against). No linear-algebra crate: the only
//! dense decomposition needed is of a small (≤ 72²) symmetric matrix (Jacobi rotations).

use rayon::prelude::*;

use super::rng::SplitMix;

/// Extra directions iterated beyond those kept: they make the kept ones converge faster.
const OVERSAMPLE: usize = 8;
/// Subspace iterations; 4 is the usual choice for spectra that decay slowly.
const ITERATIONS: usize = 4;

/// A fitted projection: the mean and the leading principal directions (unit, orthogonal).
#[derive(Clone, Debug)]
pub struct Pca {
    mean: Vec<f32>,
    components: Vec<Vec<f32>>,
}

impl Pca {
    /// Fits up to `keep` components to `sample` (rows of equal length). Deterministic for `seed`.
    pub fn fit(sample: &[Vec<f32>], keep: usize, seed: u64) -> Self {
        let dim = sample.first().map_or(0, Vec::len);
        let mut mean = vec![0.0f64; dim];
        for row in sample {
            mean.iter_mut().zip(row).for_each(|(m, x)| *m += f64::from(*x));
        }
        let mean: Vec<f32> = mean.iter().map(|m| (m / sample.len().max(1) as f64) as f32).collect();
        let centred: Vec<Vec<f32>> = sample.iter().map(|r| r.iter().zip(&mean).map(|(x, m)| x - m).collect()).collect();
        let width = (keep + OVERSAMPLE).min(dim).min(centred.len().max(1));
        let mut rng = SplitMix::new(seed);
        let mut basis: Vec<Vec<f32>> = (0..width).map(|_| (0..dim).map(|_| rng.symmetric()).collect()).collect();
        orthonormalise(&mut basis);
        for _ in 0..ITERATIONS {
            basis = basis.par_iter().map(|q| gram_times(&centred, q)).collect();
            orthonormalise(&mut basis);
        }
        // Rayleigh–Ritz: the small matrix (XQ)ᵀ(XQ) orders and rotates the basis into components.
        let projected: Vec<Vec<f32>> = basis.par_iter().map(|q| centred.iter().map(|r| dot(r, q)).collect()).collect();
        let small: Vec<Vec<f64>> = projected
            .iter()
            .map(|a| projected.iter().map(|b| a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()).collect())
            .collect();
        let (values, vectors) = symmetric_eigen(small);
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|a, b| values[*b].total_cmp(&values[*a]));
        let components = order
            .into_iter()
            .take(keep)
            .map(|m| {
                let mut c = vec![0.0f32; dim];
                for (j, q) in basis.iter().enumerate() {
                    let w = vectors[j][m] as f32;
                    c.iter_mut().zip(q).for_each(|(c, q)| *c += w * q);
                }
                c
            })
            .collect();
        Self { mean, components }
    }

    /// Number of components.
    pub fn len(&self) -> usize {
        self.components.len()
    }

    /// Whether no component was fitted (no data).
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// `v`'s coordinates on the components.
    pub fn project(&self, v: &[f32]) -> Vec<f32> {
        let centred: Vec<f32> = v.iter().zip(&self.mean).map(|(x, m)| x - m).collect();
        self.components.iter().map(|c| dot(&centred, c)).collect()
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// XᵀX q for the rows X.
fn gram_times(rows: &[Vec<f32>], q: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0f32; q.len()];
    for r in rows {
        let t = dot(r, q);
        out.iter_mut().zip(r).for_each(|(o, x)| *o += t * x);
    }
    out
}

/// Modified Gram–Schmidt; a vector that is (numerically) in the span of the earlier ones becomes
/// zero, so data of low rank yields zero components rather than noise.
fn orthonormalise(vectors: &mut [Vec<f32>]) {
    for i in 0..vectors.len() {
        let (done, rest) = vectors.split_at_mut(i);
        let v = &mut rest[0];
        let before = dot(v, v).sqrt();
        for u in done.iter() {
            let p = dot(v, u);
            v.iter_mut().zip(u).for_each(|(x, u)| *x -= p * u);
        }
        let norm = dot(v, v).sqrt();
        let scale = if norm > 1e-5 * before.max(f32::MIN_POSITIVE) && norm > 0.0 { 1.0 / norm } else { 0.0 };
        v.iter_mut().for_each(|x| *x *= scale);
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
fn symmetric_eigen(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n).flat_map(|i| (0..n).filter(move |j| *j != i).map(move |j| (i, j))).map(|(i, j)| a[i][j] * a[i][j]).sum();
        let scale: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum::<f64>().max(f64::MIN_POSITIVE);
        if off <= 1e-22 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // Columns p and q of every row, then rows p and q: indices read clearer than iterators.
                #[allow(clippy::needless_range_loop)]
                for k in 0..n {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                #[allow(clippy::needless_range_loop)]
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_direction_of_largest_spread_first() {
        // Points spread 10 along (1,1,0)/√2, 1 along (0,0,1), nothing else.
        let mut rng = SplitMix::new(3);
        let sample: Vec<Vec<f32>> = (0..500)
            .map(|_| {
                let (a, b) = (10.0 * rng.symmetric(), rng.symmetric());
                vec![a / 2f32.sqrt() + 5.0, a / 2f32.sqrt(), b]
            })
            .collect();
        let pca = Pca::fit(&sample, 2, 1);
        let first = pca.project(&[5.0 + 1.0 / 2f32.sqrt(), 1.0 / 2f32.sqrt(), 0.0]);
        let mean_point = pca.project(&[5.0, 0.0, 0.0]);
        assert!((first[0] - mean_point[0]).abs() > 0.99, "{first:?} {mean_point:?}");
        assert!((first[1] - mean_point[1]).abs() < 0.01);
        let up = pca.project(&[5.0, 0.0, 1.0]);
        assert!((up[1] - mean_point[1]).abs() > 0.99);
    }

    #[test]
    fn jacobi_diagonalises() {
        let (values, vectors) = symmetric_eigen(vec![vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-9 && (sorted[1] - 3.0).abs() < 1e-9);
        let big = if values[0] > values[1] { 0 } else { 1 };
        assert!((vectors[0][big].abs() - 0.5f64.sqrt()).abs() < 1e-9);
    }
}
