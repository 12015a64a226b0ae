//! Plain numeric statistics over slices, so each is written and tested once.

use crate::model::{Histogram, NumericStats, Quantiles};

/// Histogram bins: the Freedman–Diaconis count, kept within this range so a
/// chart is never a comb or a single bar.
pub const MIN_BINS: usize = 10;
/// See [`MIN_BINS`].
pub const MAX_BINS: usize = 50;

/// Statistics of finite values; `None` when there are none. Sorts `values`.
pub fn numeric(values: &mut [f64]) -> Option<NumericStats> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut zeros) = (0.0, 0.0, 0u64);
    for &v in values.iter() {
        let d = v - mean;
        m2 += d * d;
        m3 += d * d * d;
        zeros += u64::from(v == 0.0);
    }
    let std = if values.len() > 1 {
        (m2 / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let skewness = if values.len() > 2 && m2 > 0.0 {
        let g1 = (m3 / n) / (m2 / n).powf(1.5);
        g1 * (n * (n - 1.0)).sqrt() / (n - 2.0)
    } else {
        0.0
    };
    let q = |p| quantile_sorted(values, p);
    let quantiles = Quantiles {
        p5: q(0.05),
        p25: q(0.25),
        p50: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
    };
    let iqr = quantiles.p75 - quantiles.p25;
    let (lo, hi) = (quantiles.p25 - 1.5 * iqr, quantiles.p75 + 1.5 * iqr);
    let outliers = values.partition_point(|&v| v < lo) as u64
        + (values.len() - values.partition_point(|&v| v <= hi)) as u64;
    let (min, max) = (values[0], values[values.len() - 1]);
    Some(NumericStats {
        min,
        max,
        mean,
        std,
        skewness,
        quantiles,
        zeros,
        outliers,
        histogram: histogram_sorted(values, bin_count(values.len(), iqr, min, max)),
    })
}

/// The `p` quantile of sorted values, linearly interpolated between the two
/// nearest ranks (numpy's default, pandas' `quantile`).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(lo + 1) {
        Some(&next) if frac > 0.0 => sorted[lo] + (next - sorted[lo]) * frac,
        _ => sorted[lo],
    }
}

pub(crate) fn bin_count(n: usize, iqr: f64, min: f64, max: f64) -> usize {
    let range = max - min;
    if range <= 0.0 || n < 2 {
        return 1;
    }
    let width = 2.0 * iqr / (n as f64).cbrt();
    if width <= 0.0 {
        return MAX_BINS.min(n);
    }
    ((range / width).ceil() as usize).clamp(MIN_BINS, MAX_BINS)
}

/// Equal-width bins over [min, max] of sorted values.
pub fn histogram_sorted(sorted: &[f64], bins: usize) -> Histogram {
    let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
        return Histogram {
            edges: Vec::new(),
            counts: Vec::new(),
        };
    };
    histogram_range(sorted.iter().copied(), min, max, bins)
}

/// Equal-width bins over [min, max] of values in any order; values outside
/// the range are left out.
pub fn histogram_range(
    values: impl Iterator<Item = f64>,
    min: f64,
    max: f64,
    bins: usize,
) -> Histogram {
    let bins = if max > min { bins.max(1) } else { 1 };
    let width = (max - min) / bins as f64;
    let edges = (0..=bins)
        .map(|i| {
            if i == bins {
                max
            } else {
                min + width * i as f64
            }
        })
        .collect();
    let mut counts = vec![0u64; bins];
    for v in values {
        if !(min..=max).contains(&v) {
            continue;
        }
        let i = if width > 0.0 {
            (((v - min) / width) as usize).min(bins - 1)
        } else {
            0
        };
        counts[i] += 1;
    }
    Histogram { edges, counts }
}

/// Maps an f64 to a u64 whose unsigned order is `f64::total_cmp`'s order.
pub fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The inverse of [`order_key`].
pub fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Sorts `keys` ascending, carrying `rows` along: a least-significant-digit
/// radix sort, 8 bits per pass, skipping a pass when every key
/// has the same digit there (the high bits of integers and of values of one
/// magnitude). No comparisons: a few linear passes over the keys.
pub fn radix_sort(keys: &mut Vec<u64>, rows: &mut Vec<u32>) {
    const BITS: usize = 8;
    const PASSES: usize = 64usize.div_ceil(BITS);
    const MASK: u64 = (1 << BITS) - 1;
    let n = keys.len();
    let mut counts = vec![[0usize; 1 << BITS]; PASSES];
    for &k in keys.iter() {
        for (d, c) in counts.iter_mut().enumerate() {
            c[((k >> (d * BITS)) & MASK) as usize] += 1;
        }
    }
    let (mut k2, mut r2) = (vec![0u64; n], vec![0u32; n]);
    for (d, c) in counts.iter().enumerate() {
        if c.contains(&n) {
            continue;
        }
        let mut offsets = [0usize; 1 << BITS];
        let mut sum = 0;
        for (o, &c) in offsets.iter_mut().zip(c) {
            *o = sum;
            sum += c;
        }
        for (&k, &r) in keys.iter().zip(rows.iter()) {
            let b = ((k >> (d * BITS)) & MASK) as usize;
            k2[offsets[b]] = k;
            r2[offsets[b]] = r;
            offsets[b] += 1;
        }
        std::mem::swap(keys, &mut k2);
        std::mem::swap(rows, &mut r2);
    }
}

/// Cramér's V and the chi-square statistic of a contingency table (rows ×
/// columns of counts). Empty rows and columns are dropped first. `None` when
/// fewer than two rows or columns remain.
pub fn cramers_v(table: &[Vec<u64>]) -> Option<(f64, f64, usize)> {
    let cols = table.first().map_or(0, Vec::len);
    let col_sums: Vec<u64> = (0..cols)
        .map(|c| table.iter().map(|r| r[c]).sum())
        .collect();
    let kept_cols: Vec<usize> = (0..cols).filter(|&c| col_sums[c] > 0).collect();
    let rows: Vec<(&Vec<u64>, u64)> = table
        .iter()
        .map(|r| (r, r.iter().sum::<u64>()))
        .filter(|(_, s)| *s > 0)
        .collect();
    if rows.len() < 2 || kept_cols.len() < 2 {
        return None;
    }
    let n = rows.iter().map(|(_, s)| *s).sum::<u64>() as f64;
    let mut chi2 = 0.0;
    for (row, rs) in &rows {
        for &c in &kept_cols {
            let expected = *rs as f64 * col_sums[c] as f64 / n;
            let d = row[c] as f64 - expected;
            chi2 += d * d / expected;
        }
    }
    let k = rows.len().min(kept_cols.len()) as f64 - 1.0;
    let dof = (rows.len() - 1) * (kept_cols.len() - 1);
    Some(((chi2 / (n * k)).sqrt().min(1.0), chi2, dof))
}

/// P(X ≥ x) for X ~ chi-square with `dof` degrees of freedom: the
/// regularised upper incomplete gamma Q(dof/2, x/2).
pub fn chi_square_p(x: f64, dof: usize) -> f64 {
    if x <= 0.0 || dof == 0 {
        return 1.0;
    }
    gamma_q(dof as f64 / 2.0, x / 2.0)
}

/// Regularised upper incomplete gamma function, by its series below a + 1
/// and its continued fraction above (Numerical Recipes, §6.2).
fn gamma_q(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-14;
    let ln_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        (1.0 - sum * ln_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        (ln_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[1..]
        .iter()
        .enumerate()
        .fold(G[0], |acc, (i, g)| acc + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Population stability index of `compared` against `reference`, over the
/// reference's deciles. Empty bins count as 0.0001 of their side, the usual
/// guard against log(0).
pub fn psi(reference: &mut [f64], compared: &[f64]) -> Option<f64> {
    if reference.is_empty() || compared.is_empty() {
        return None;
    }
    reference.sort_unstable_by(f64::total_cmp);
    let mut cuts: Vec<f64> = (1..10)
        .map(|i| quantile_sorted(reference, i as f64 / 10.0))
        .collect();
    cuts.dedup();
    let share = |values: &mut dyn Iterator<Item = f64>, n: usize| {
        let mut counts = vec![0u64; cuts.len() + 1];
        for v in values {
            counts[cuts.partition_point(|&c| c < v)] += 1;
        }
        counts
            .into_iter()
            .map(|c| (c as f64 / n as f64).max(1e-4))
            .collect::<Vec<_>>()
    };
    let r = share(&mut reference.iter().copied(), reference.len());
    let c = share(&mut compared.iter().copied(), compared.len());
    Some(r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn numeric_by_hand() {
        // 1..=10 and one outlier at 100.
        let mut v: Vec<f64> = (1..=10).map(f64::from).chain([100.0, 0.0]).collect();
        let s = numeric(&mut v).unwrap();
        assert_eq!((s.min, s.max, s.zeros), (0.0, 100.0, 1));
        assert!(close(s.mean, 155.0 / 12.0));
        // Sorted: 0,1,…,10,100 (12 values): p25 at position 2.75 → 2.75.
        assert!(close(s.quantiles.p25, 2.75));
        assert!(close(s.quantiles.p50, 5.5));
        assert!(close(s.quantiles.p75, 8.25));
        // IQR 5.5: fences −5.5 and 16.5, so only 100 is out.
        assert_eq!(s.outliers, 1);
        assert_eq!(s.histogram.counts.iter().sum::<u64>(), 12);
        assert!(s.skewness > 3.0);
    }

    #[test]
    fn one_value_and_constants() {
        let s = numeric(&mut [4.0]).unwrap();
        assert_eq!((s.std, s.skewness, s.quantiles.p95), (0.0, 0.0, 4.0));
        assert_eq!(s.histogram.counts, vec![1]);
        let s = numeric(&mut [2.0, 2.0, 2.0]).unwrap();
        assert_eq!((s.std, s.outliers), (0.0, 0));
        assert!(numeric(&mut []).is_none());
    }

    #[test]
    fn std_matches_sample_formula() {
        let s = numeric(&mut [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        // Sum of squares 32 over n − 1 = 7.
        assert!(close(s.std, (32.0f64 / 7.0).sqrt()));
    }

    #[test]
    fn radix_sort_orders_like_total_cmp() {
        let values = [
            3.5,
            -0.0,
            0.0,
            -2.0,
            1e300,
            -1e-300,
            7.0,
            3.5,
            f64::MIN,
            42.0,
        ];
        let mut keys: Vec<u64> = values.iter().map(|&v| order_key(v)).collect();
        let mut rows: Vec<u32> = (0..values.len() as u32).collect();
        radix_sort(&mut keys, &mut rows);
        let sorted: Vec<f64> = keys.iter().map(|&k| from_order_key(k)).collect();
        let mut expected = values.to_vec();
        expected.sort_by(f64::total_cmp);
        assert_eq!(
            sorted.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        for (k, r) in keys.iter().zip(&rows) {
            assert_eq!(from_order_key(*k).to_bits(), values[*r as usize].to_bits());
        }
    }

    #[test]
    fn cramers_v_by_hand() {
        // Perfect association on a 2×2 table.
        let (v, chi2, dof) = cramers_v(&[vec![10, 0], vec![0, 10]]).unwrap();
        assert!(close(v, 1.0) && close(chi2, 20.0) && dof == 1);
        // Independence.
        let (v, _, _) = cramers_v(&[vec![5, 5], vec![10, 10]]).unwrap();
        assert!(close(v, 0.0));
        assert!(cramers_v(&[vec![3, 4]]).is_none());
    }

    #[test]
    fn chi_square_p_matches_tables() {
        // Critical values from any chi-square table.
        assert!((chi_square_p(3.841, 1) - 0.05).abs() < 1e-4);
        assert!((chi_square_p(5.991, 2) - 0.05).abs() < 1e-4);
        assert!((chi_square_p(23.209, 10) - 0.01).abs() < 1e-4);
        assert!((chi_square_p(0.5, 3) - 0.9189).abs() < 1e-4);
    }

    #[test]
    fn psi_is_zero_for_the_same_data_and_grows_with_shift() {
        let base: Vec<f64> = (0..1000).map(f64::from).collect();
        assert!(psi(&mut base.clone(), &base).unwrap().abs() < 1e-9);
        let shifted: Vec<f64> = base.iter().map(|v| v + 300.0).collect();
        assert!(psi(&mut base.clone(), &shifted).unwrap() > 0.25);
    }
}
