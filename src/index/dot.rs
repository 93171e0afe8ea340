//! Inner-product kernels for [`super::Kernel::UnitIp`] over f32 and f16 storage.
//!
//! usearch's own kernels (NumKong 7.8) run one accumulator chain, f32 widened to f64, so they wait
//! on the latency of every fused multiply-add; these keep four independent f32 accumulators and
//! run at the FMA units' throughput. Chosen once per index from the CPU's features (AVX-512
//! F/BW/VL, or AVX2 + FMA + F16C); without them, or off x86-64, the index keeps usearch's kernel.

/// `1 − a·b` over `dim` f32 values, or `None` when this CPU has no kernel here.
pub(super) fn unit_ip_f32(dim: usize) -> Option<Box<dyn Fn(*const f32, *const f32) -> f32 + Send + Sync>> {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F/BW/VL; usearch passes two stored vectors of `dim` values.
            return Some(Box::new(move |a, b| 1.0 - unsafe { x86::dot_f32_avx512(a, b, dim) }));
        }
        if has_avx2() {
            // SAFETY: the CPU has AVX2 and FMA; usearch passes two stored vectors of `dim` values.
            return Some(Box::new(move |a, b| 1.0 - unsafe { x86::dot_f32_avx2(a, b, dim) }));
        }
    }
    let _ = dim;
    None
}

/// `1 − a·b` over `dim` f16 values (`T` is a 2-byte IEEE binary16 type, e.g. `usearch::f16`), or
/// `None` when this CPU has no kernel here.
pub(super) fn unit_ip_f16<T: 'static>(dim: usize) -> Option<Box<dyn Fn(*const T, *const T) -> f32 + Send + Sync>> {
    assert_eq!(std::mem::size_of::<T>(), 2, "f16 kernels read 2-byte values");
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F/BW/VL; usearch passes two stored vectors of `dim` values.
            return Some(Box::new(move |a, b| 1.0 - unsafe { x86::dot_f16_avx512(a.cast(), b.cast(), dim) }));
        }
        if has_avx2() {
            // SAFETY: the CPU has AVX2, FMA and F16C; usearch passes two stored vectors of `dim` values.
            return Some(Box::new(move |a, b| 1.0 - unsafe { x86::dot_f16_avx2(a.cast(), b.cast(), dim) }));
        }
    }
    let _ = dim;
    None
}

#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("f16c")
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// Σ of `$fmadd($load(a, k), $load(b, k))` over the full `$w`-lane chunks of `n` values into four
    /// independent accumulators (the FMA latency overlaps); returns them and the index of the
    /// first value not summed (fewer than `$w` remain). Expanded inside each kernel, so the
    /// intrinsics compile with that kernel's target features.
    macro_rules! accumulate {
        ($n:expr, $w:expr, $zero:expr, $fmadd:ident, $load:expr, $a:expr, $b:expr) => {{
            let mut acc = [$zero; 4];
            let mut i = 0;
            while i + 4 * $w <= $n {
                for (j, s) in acc.iter_mut().enumerate() {
                    *s = $fmadd($load($a, i + $w * j), $load($b, i + $w * j), *s);
                }
                i += 4 * $w;
            }
            let mut j = 0;
            while i + $w <= $n {
                acc[j] = $fmadd($load($a, i), $load($b, i), acc[j]);
                i += $w;
                j += 1;
            }
            (acc, i)
        }};
    }

    /// Σ a[i]·b[i] over `n` f32 values; four 16-lane accumulators.
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `a` and `b` must point to `n` readable f32 values.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn dot_f32_avx512(a: *const f32, b: *const f32, n: usize) -> f32 {
        unsafe {
            let load = |p: *const f32, i: usize| _mm512_loadu_ps(p.add(i));
            let (mut acc, i) = accumulate!(n, 16, _mm512_setzero_ps(), _mm512_fmadd_ps, load, a, b);
            if i < n {
                let m: __mmask16 = (1 << (n - i)) - 1;
                acc[3] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a.add(i)), _mm512_maskz_loadu_ps(m, b.add(i)), acc[3]);
            }
            _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])))
        }
    }

    /// Σ a[i]·b[i] over `n` f16 values (widened to f32); four 16-lane accumulators.
    ///
    /// # Safety
    /// The CPU must support AVX-512F/BW/VL; `a` and `b` must point to `n` readable f16 values.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl")]
    pub unsafe fn dot_f16_avx512(a: *const u16, b: *const u16, n: usize) -> f32 {
        unsafe {
            let load = |p: *const u16, i: usize| _mm512_cvtph_ps(_mm256_loadu_si256(p.add(i).cast()));
            let (mut acc, i) = accumulate!(n, 16, _mm512_setzero_ps(), _mm512_fmadd_ps, load, a, b);
            if i < n {
                let m: __mmask16 = (1 << (n - i)) - 1;
                let tail = |p: *const u16| _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p.add(i).cast()));
                acc[3] = _mm512_fmadd_ps(tail(a), tail(b), acc[3]);
            }
            _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])))
        }
    }

    /// Sum of the 8 lanes.
    #[target_feature(enable = "avx2")]
    fn sum8(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }

    /// Σ a[i]·b[i] over `n` f32 values; four 8-lane accumulators.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `a` and `b` must point to `n` readable f32 values.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_f32_avx2(a: *const f32, b: *const f32, n: usize) -> f32 {
        unsafe {
            let load = |p: *const f32, i: usize| _mm256_loadu_ps(p.add(i));
            let (mut acc, i) = accumulate!(n, 8, _mm256_setzero_ps(), _mm256_fmadd_ps, load, a, b);
            if i < n {
                let m = _mm256_cmpgt_epi32(_mm256_set1_epi32((n - i) as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
                acc[3] = _mm256_fmadd_ps(_mm256_maskload_ps(a.add(i), m), _mm256_maskload_ps(b.add(i), m), acc[3]);
            }
            sum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])))
        }
    }

    /// Σ a[i]·b[i] over `n` f16 values (widened to f32); four 8-lane accumulators.
    ///
    /// # Safety
    /// The CPU must support AVX2, FMA and F16C; `a` and `b` must point to `n` readable f16 values.
    #[target_feature(enable = "avx2,fma,f16c")]
    pub unsafe fn dot_f16_avx2(a: *const u16, b: *const u16, n: usize) -> f32 {
        unsafe {
            let load = |p: *const u16, i: usize| _mm256_cvtph_ps(_mm_loadu_si128(p.add(i).cast()));
            let (mut acc, i) = accumulate!(n, 8, _mm256_setzero_ps(), _mm256_fmadd_ps, load, a, b);
            if i < n {
                // No 16-bit masked load before AVX-512: the last (at most 7) values one by one.
                let (mut ta, mut tb) = ([0u16; 8], [0u16; 8]);
                for k in 0..n - i {
                    ta[k] = std::ptr::read(a.add(i + k));
                    tb[k] = std::ptr::read(b.add(i + k));
                }
                acc[3] = _mm256_fmadd_ps(load(ta.as_ptr(), 0), load(tb.as_ptr(), 0), acc[3]);
            }
            sum8(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kernel this CPU has, against an f64 reference, at lengths around each lane boundary.
    #[test]
    fn kernels_match_reference() {
        let mut seed = 1u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        for n in (0..=80).chain([245, 820, 1008, 1792]) {
            let a: Vec<f32> = (0..n).map(|_| next()).collect();
            let b: Vec<f32> = (0..n).map(|_| next()).collect();
            let (ah, bh): (Vec<u16>, Vec<u16>) = (
                a.iter().map(|x| half::f16::from_f32(*x).to_bits()).collect(),
                b.iter().map(|x| half::f16::from_f32(*x).to_bits()).collect(),
            );
            let reference = |x: &[f32], y: &[f32]| 1.0 - x.iter().zip(y).map(|(p, q)| *p as f64 * *q as f64).sum::<f64>();
            let widened = |v: &[u16]| v.iter().map(|h| half::f16::from_bits(*h).to_f32()).collect::<Vec<_>>();
            let tolerance = 1e-6 * (1.0 + n as f64).sqrt();
            if let Some(f) = unit_ip_f32(n) {
                let got = f(a.as_ptr(), b.as_ptr()) as f64;
                assert!((got - reference(&a, &b)).abs() < tolerance, "f32, n {n}: {got} vs {}", reference(&a, &b));
            }
            if let Some(f) = unit_ip_f16::<u16>(n) {
                let want = reference(&widened(&ah), &widened(&bh));
                let got = f(ah.as_ptr(), bh.as_ptr()) as f64;
                assert!((got - want).abs() < tolerance, "f16, n {n}: {got} vs {want}");
            }
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // The AVX2 kernels too, on a CPU that would pick AVX-512.
            let a: Vec<f32> = (0..245).map(|_| next()).collect();
            let ah: Vec<u16> = a.iter().map(|x| half::f16::from_f32(*x).to_bits()).collect();
            for n in [0, 7, 8, 9, 31, 32, 33, 245] {
                let want32 = a[..n].iter().map(|x| (x * x) as f64).sum::<f64>();
                // SAFETY: AVX2, FMA and F16C are present; both vectors hold at least `n` values.
                let (got32, got16) =
                    unsafe { (x86::dot_f32_avx2(a.as_ptr(), a.as_ptr(), n), x86::dot_f16_avx2(ah.as_ptr(), ah.as_ptr(), n)) };
                assert!((got32 as f64 - want32).abs() < 1e-5, "avx2 f32, n {n}");
                assert!((got16 as f64 - want32).abs() < 1e-2, "avx2 f16, n {n}");
            }
        }
    }
}
