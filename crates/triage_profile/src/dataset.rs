//! Facts across columns: duplicate rows, correlations, label views, drift.

use rayon::prelude::*;

use crate::column::Values;
use crate::model::{
    ClassConfidence, CorrelationMatrix, Drift, FeatureVsLabel, Kind, LabelFacts, SplitFacts,
    ValueCount,
};
use crate::stats;

/// Pairwise measures cover at most this many columns of each family (the
/// first ones in table order), so their cost stays quadratic in a small
/// number.
pub const MAX_PAIR_COLUMNS: usize = 40;

/// A column's name, kind and values, as the cross-column measures see it.
pub(crate) struct Col<'a> {
    pub name: &'a str,
    pub kind: Kind,
    pub values: &'a Values,
}

/// Pearson's r and Spearman's ρ over every pair of numeric columns, each
/// pair over its complete rows. Spearman ranks each column over its own
/// non-missing values, which is exact when no value is missing.
pub(crate) fn numeric_correlations(cols: &[Col<'_>]) -> Option<CorrelationMatrix> {
    let numeric: Vec<(&str, &[f64], &[f64])> = cols
        .iter()
        .filter_map(|c| match c.values {
            Values::Numeric { values, ranks } => {
                Some((c.name, values.as_slice(), ranks.as_slice()))
            }
            _ => None,
        })
        .take(MAX_PAIR_COLUMNS)
        .collect();
    if numeric.len() < 2 {
        return None;
    }
    let raw: Vec<Centered> = numeric.par_iter().map(|c| Centered::new(c.1)).collect();
    let ranked: Vec<Centered> = numeric.par_iter().map(|c| Centered::new(c.2)).collect();
    Some(CorrelationMatrix {
        columns: numeric.iter().map(|c| c.0.to_string()).collect(),
        primary: symmetric(raw.len(), |i, j| pearson_pair(&raw[i], &raw[j])),
        spearman: Some(symmetric(ranked.len(), |i, j| {
            pearson_pair(&ranked[i], &ranked[j])
        })),
    })
}

/// Cramér's V over every pair of categorical columns.
pub(crate) fn categorical_associations(cols: &[Col<'_>]) -> Option<CorrelationMatrix> {
    let cats: Vec<(&str, &[Option<u32>], usize)> = cols
        .iter()
        .filter(|c| c.kind == Kind::Categorical)
        .filter_map(|c| match c.values {
            Values::Codes { codes, levels } => Some((c.name, codes.as_slice(), levels.len())),
            _ => None,
        })
        .take(MAX_PAIR_COLUMNS)
        .collect();
    if cats.len() < 2 {
        return None;
    }
    Some(CorrelationMatrix {
        columns: cats.iter().map(|(n, _, _)| n.to_string()).collect(),
        primary: symmetric(cats.len(), |i, j| {
            let (a, b) = (&cats[i], &cats[j]);
            stats::cramers_v(&contingency(a.1, a.2, b.1, b.2)).map(|r| r.0)
        }),
        spearman: None,
    })
}

/// A symmetric matrix with 1 on the diagonal, its pairs computed in parallel.
pub(crate) fn symmetric(
    n: usize,
    f: impl Fn(usize, usize) -> Option<f64> + Sync,
) -> Vec<Vec<Option<f64>>> {
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let values: Vec<Option<f64>> = pairs.par_iter().map(|&(i, j)| f(i, j)).collect();
    let mut m = vec![vec![Some(1.0); n]; n];
    for (&(i, j), v) in pairs.iter().zip(values) {
        m[i][j] = v;
        m[j][i] = v;
    }
    m
}

/// A column centred on its mean, with missing rows as 0 and listed apart.
/// A pair's sums over the rows both columns have are then the whole
/// column's sums minus the few rows the other column misses, and the cross
/// term is a plain dot product, which vectorises.
struct Centered {
    z: Vec<f64>,
    missing: Vec<u32>,
    n: f64,
    sum: f64,
    sum_sq: f64,
}

impl Centered {
    fn new(values: &[f64]) -> Self {
        let (count, total) = values
            .iter()
            .filter(|v| !v.is_nan())
            .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
        let mean = if count > 0 { total / count as f64 } else { 0.0 };
        let mut missing = Vec::new();
        let z: Vec<f64> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if v.is_nan() {
                    missing.push(i as u32);
                    0.0
                } else {
                    v - mean
                }
            })
            .collect();
        Self {
            n: count as f64,
            sum: z.iter().sum(),
            sum_sq: dot(&z, &z),
            z,
            missing,
        }
    }

    /// (rows, sum, sum of squares) of this column over the rows `other`
    /// also has.
    fn sums_without(&self, other: &Centered) -> (f64, f64, f64) {
        let (mut n, mut s, mut ss) = (self.n, self.sum, self.sum_sq);
        for &r in &other.missing {
            let v = self.z[r as usize];
            // A 0 here is a row this column misses too, or a value exactly
            // at the mean; either way it changes neither sum, only the count.
            if !self.missing_at(r) {
                n -= 1.0;
                s -= v;
                ss -= v * v;
            }
        }
        (n, s, ss)
    }

    fn missing_at(&self, row: u32) -> bool {
        self.missing.binary_search(&row).is_ok()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0f64; LANES];
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// Pearson's r over the rows both columns have; `None` with fewer than two
/// such rows or a constant side.
fn pearson_pair(a: &Centered, b: &Centered) -> Option<f64> {
    let (n, sa, saa) = a.sums_without(b);
    let (_, sb, sbb) = b.sums_without(a);
    if n < 2.0 {
        return None;
    }
    let sab = dot(&a.z, &b.z);
    let caa = saa - sa * sa / n;
    let cbb = sbb - sb * sb / n;
    let cab = sab - sa * sb / n;
    // Relative to the column's own spread, so rounding on a constant
    // column does not pass for variation.
    let tiny = |c: f64, whole: f64| c <= whole.abs() * 1e-12;
    if tiny(caa, a.sum_sq) || tiny(cbb, b.sum_sq) || caa <= 0.0 || cbb <= 0.0 {
        return None;
    }
    Some((cab / (caa * cbb).sqrt()).clamp(-1.0, 1.0))
}

fn contingency(a: &[Option<u32>], na: usize, b: &[Option<u32>], nb: usize) -> Vec<Vec<u64>> {
    let mut t = vec![vec![0u64; nb]; na];
    for (x, y) in a.iter().zip(b) {
        if let (Some(x), Some(y)) = (x, y) {
            t[*x as usize][*y as usize] += 1;
        }
    }
    t
}

/// Which part of the data a row belongs to, for drift.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Labeled,
    Unlabeled,
    AutoLabeled,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Labeled => "labeled",
            Part::Unlabeled => "unlabeled",
            Part::AutoLabeled => "auto-labeled",
        }
    }
}

/// The label column and what goes with it.
pub(crate) struct LabelInput<'a> {
    pub column: &'a str,
    pub labels: Vec<Option<String>>,
    pub sources: Option<Vec<Option<String>>>,
    pub confidence: Option<Vec<Option<f64>>>,
    /// Each row's share of a split (`train`, `validation`, `test`).
    pub split: Option<Vec<Option<String>>>,
}

/// Two groups of rows to compare for drift: each row's side (0 for the
/// reference, 1 for the compared group, `None` for neither), and their names.
struct Sides<'a> {
    reference: &'a str,
    compared: &'a str,
    side: Vec<Option<usize>>,
}

/// The shares of a split, in the order they are reported; the first is
/// the one every other share is compared with.
pub const SPLIT_SHARES: [&str; 3] = ["train", "validation", "test"];
const SPLIT_REFERENCE: &str = SPLIT_SHARES[0];

/// Largest class over smallest in a distribution sorted most frequent
/// first; `None` below two classes or with an empty one.
pub fn imbalance_ratio(distribution: &[ValueCount]) -> Option<f64> {
    match (distribution.first(), distribution.last()) {
        (Some(a), Some(b)) if distribution.len() >= 2 && b.count > 0 => {
            Some(a.count as f64 / b.count as f64)
        }
        _ => None,
    }
}

/// Sources whose labels come from the model rather than a person.
const MODEL_SOURCES: [&str; 1] = ["model"];

pub(crate) fn label_facts(input: &LabelInput<'_>, features: &[Col<'_>]) -> LabelFacts {
    let mut counts: Vec<ValueCount> = Vec::new();
    let mut index = std::collections::HashMap::<&str, usize>::new();
    let class_of: Vec<Option<usize>> = input
        .labels
        .iter()
        .map(|l| {
            l.as_deref().map(|l| {
                *index.entry(l).or_insert_with(|| {
                    counts.push(ValueCount {
                        value: l.to_string(),
                        count: 0,
                    });
                    counts.len() - 1
                })
            })
        })
        .collect();
    for c in class_of.iter().flatten() {
        counts[*c].count += 1;
    }
    // Distribution order: most frequent first, ties by name; remap codes.
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| {
        counts[b]
            .count
            .cmp(&counts[a].count)
            .then_with(|| counts[a].value.cmp(&counts[b].value))
    });
    let mut rank = vec![0usize; counts.len()];
    for (r, &c) in order.iter().enumerate() {
        rank[c] = r;
    }
    let distribution: Vec<ValueCount> = order.iter().map(|&c| counts[c].clone()).collect();
    let class_of: Vec<Option<usize>> = class_of.iter().map(|c| c.map(|c| rank[c])).collect();
    let labeled = class_of.iter().flatten().count() as u64;
    let imbalance_ratio = imbalance_ratio(&distribution);
    let feature_facts = features
        .par_iter()
        .filter_map(|f| feature_vs_label(f, &class_of, &distribution))
        .collect();

    let sources = input
        .sources
        .as_ref()
        .map(|s| tally(s.iter().map(|v| v.as_deref())));
    let parts: Vec<Part> = (0..input.labels.len())
        .map(|i| {
            let source = input.sources.as_ref().and_then(|s| s[i].as_deref());
            match (&input.labels[i], source) {
                (None, _) => Part::Unlabeled,
                (Some(_), Some(s)) if MODEL_SOURCES.contains(&s) => Part::AutoLabeled,
                (Some(_), _) => Part::Labeled,
            }
        })
        .collect();
    let mut comparisons: Vec<Sides<'_>> = [Part::Unlabeled, Part::AutoLabeled]
        .into_iter()
        .map(|p| Sides {
            reference: Part::Labeled.name(),
            compared: p.name(),
            side: parts
                .iter()
                .map(|q| match q {
                    Part::Labeled => Some(0),
                    q if *q == p => Some(1),
                    _ => None,
                })
                .collect(),
        })
        .collect();
    let splits = input
        .split
        .as_ref()
        .map(|split| split_facts(split, &class_of, &distribution))
        .unwrap_or_default();
    if let Some(split) = &input.split {
        for s in splits.iter().filter(|s| s.name != SPLIT_REFERENCE) {
            comparisons.push(Sides {
                reference: SPLIT_REFERENCE,
                compared: &s.name,
                side: split
                    .iter()
                    .map(|v| match v.as_deref() {
                        Some(SPLIT_REFERENCE) => Some(0),
                        Some(v) if v == s.name => Some(1),
                        _ => None,
                    })
                    .collect(),
            });
        }
    }
    let drift = features
        .par_iter()
        .flat_map_iter(|f| {
            comparisons
                .iter()
                .filter_map(|sides| drift(f, sides))
                .collect::<Vec<_>>()
        })
        .collect();
    LabelFacts {
        column: input.column.to_string(),
        labeled,
        imbalance_ratio,
        features: feature_facts,
        sources: sources.unwrap_or_default(),
        confidence: input
            .confidence
            .as_ref()
            .map(|c| class_confidence(c, &class_of, &distribution))
            .unwrap_or_default(),
        distribution,
        drift,
        splits,
    }
}

/// Each share of a split with its rows and its label distribution, the
/// classes in the overall distribution's order (zeros kept, so shares line
/// up); shares in [`SPLIT_SHARES`] order, any other after them by name.
fn split_facts(
    split: &[Option<String>],
    class_of: &[Option<usize>],
    classes: &[ValueCount],
) -> Vec<SplitFacts> {
    let mut out: Vec<SplitFacts> = Vec::new();
    for (share, class) in split.iter().zip(class_of) {
        let Some(share) = share else { continue };
        let at = match out.iter().position(|s| s.name == *share) {
            Some(at) => at,
            None => {
                out.push(SplitFacts {
                    name: share.clone(),
                    rows: 0,
                    labeled: 0,
                    distribution: classes
                        .iter()
                        .map(|c| ValueCount {
                            value: c.value.clone(),
                            count: 0,
                        })
                        .collect(),
                });
                out.len() - 1
            }
        };
        out[at].rows += 1;
        if let Some(c) = class {
            out[at].labeled += 1;
            out[at].distribution[*c].count += 1;
        }
    }
    let rank = |name: &str| {
        SPLIT_SHARES
            .iter()
            .position(|s| *s == name)
            .unwrap_or(SPLIT_SHARES.len())
    };
    out.sort_by(|a, b| {
        rank(&a.name)
            .cmp(&rank(&b.name))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

fn tally<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Vec<ValueCount> {
    let mut map = std::collections::BTreeMap::<&str, u64>::new();
    for v in values {
        *map.entry(v.unwrap_or("none")).or_default() += 1;
    }
    let mut out: Vec<ValueCount> = map
        .into_iter()
        .map(|(value, count)| ValueCount {
            value: value.to_string(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    out
}

fn feature_vs_label(
    f: &Col<'_>,
    class_of: &[Option<usize>],
    classes: &[ValueCount],
) -> Option<FeatureVsLabel> {
    let k = classes.len();
    if k < 2 {
        return None;
    }
    match f.values {
        Values::Numeric { values: v, .. } => {
            let (mut sum, mut n) = (vec![0.0; k], vec![0u64; k]);
            for (x, c) in v.iter().zip(class_of) {
                if let (false, Some(c)) = (x.is_nan(), c) {
                    sum[*c] += x;
                    n[*c] += 1;
                }
            }
            let total: u64 = n.iter().sum();
            if total < 2 {
                return None;
            }
            let grand = sum.iter().sum::<f64>() / total as f64;
            let means: Vec<f64> = sum
                .iter()
                .zip(&n)
                .map(|(s, &n)| if n > 0 { s / n as f64 } else { f64::NAN })
                .collect();
            let (mut between, mut all) = (0.0, 0.0);
            for (x, c) in v.iter().zip(class_of) {
                if let (false, Some(_)) = (x.is_nan(), c) {
                    all += (x - grand).powi(2);
                }
            }
            for (m, &n) in means.iter().zip(&n) {
                if n > 0 {
                    between += n as f64 * (m - grand).powi(2);
                }
            }
            (all > 0.0).then(|| FeatureVsLabel {
                column: f.name.to_string(),
                measure: "correlation-ratio".into(),
                value: (between / all).sqrt().min(1.0),
                class_means: classes
                    .iter()
                    .zip(&means)
                    .filter(|(_, m)| !m.is_nan())
                    .map(|(c, m)| (c.value.clone(), *m))
                    .collect(),
            })
        }
        Values::Codes { codes, levels } => {
            let mut t = vec![vec![0u64; k]; levels.len()];
            for (x, c) in codes.iter().zip(class_of) {
                if let (Some(x), Some(c)) = (x, c) {
                    t[*x as usize][*c] += 1;
                }
            }
            stats::cramers_v(&t).map(|(v, _, _)| FeatureVsLabel {
                column: f.name.to_string(),
                measure: "cramers-v".into(),
                value: v,
                class_means: Vec::new(),
            })
        }
        Values::Other => None,
    }
}

/// Drift of one group of rows against a reference group: PSI for numbers,
/// chi-square (with Cramér's V as the effect size) for categories. Needs at
/// least [`MIN_DRIFT_ROWS`] rows on each side.
fn drift(f: &Col<'_>, sides: &Sides<'_>) -> Option<Drift> {
    let base = |test: &str, statistic, p_value, effect| Drift {
        column: f.name.to_string(),
        reference: sides.reference.into(),
        compared: sides.compared.into(),
        test: test.into(),
        statistic,
        p_value,
        effect,
    };
    match f.values {
        Values::Numeric { values: v, .. } => {
            let pick = |want: usize| -> Vec<f64> {
                v.iter()
                    .zip(&sides.side)
                    .filter(|(x, s)| **s == Some(want) && !x.is_nan())
                    .map(|(x, _)| *x)
                    .collect()
            };
            let (mut r, c) = (pick(0), pick(1));
            if r.len() < MIN_DRIFT_ROWS || c.len() < MIN_DRIFT_ROWS {
                return None;
            }
            stats::psi(&mut r, &c).map(|psi| base("psi", psi, None, None))
        }
        Values::Codes { codes, levels } => {
            let mut t = vec![vec![0u64; levels.len()]; 2];
            for (x, s) in codes.iter().zip(&sides.side) {
                if let (Some(x), Some(s)) = (x, s) {
                    t[*s][*x as usize] += 1;
                }
            }
            let counts = [t[0].iter().sum::<u64>(), t[1].iter().sum::<u64>()];
            if counts.iter().any(|&s| (s as usize) < MIN_DRIFT_ROWS) {
                return None;
            }
            stats::cramers_v(&t).map(|(v, chi2, dof)| {
                base(
                    "chi-square",
                    chi2,
                    Some(stats::chi_square_p(chi2, dof)),
                    Some(v),
                )
            })
        }
        Values::Other => None,
    }
}

/// Drift is measured only when both parts have this many rows.
pub const MIN_DRIFT_ROWS: usize = 20;

fn class_confidence(
    confidence: &[Option<f64>],
    class_of: &[Option<usize>],
    classes: &[ValueCount],
) -> Vec<ClassConfidence> {
    classes
        .iter()
        .enumerate()
        .filter_map(|(k, class)| {
            let values: Vec<f64> = confidence
                .iter()
                .zip(class_of)
                .filter(|(_, c)| **c == Some(k))
                .filter_map(|(v, _)| *v)
                .collect();
            (!values.is_empty()).then(|| ClassConfidence {
                class: class.value.clone(),
                count: values.len() as u64,
                histogram: stats::histogram_range(values.into_iter(), 0.0, 1.0, 10),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_pair_uses_only_rows_both_columns_have() {
        let nan = f64::NAN;
        // Rows 2 and 4 drop out: left are (1,2), (2,4), (4,8.5), (5,10).
        let x = [1.0, 2.0, 3.0, 4.0, nan, 5.0];
        let y = [2.0, 4.0, nan, 8.5, 9.0, 10.0];
        let r = pearson_pair(&Centered::new(&x), &Centered::new(&y)).unwrap();
        let (xs, ys) = ([1.0, 2.0, 4.0, 5.0], [2.0, 4.0, 8.5, 10.0]);
        let (mx, my) = (3.0, 6.125);
        let sxy: f64 = xs.iter().zip(&ys).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = xs.iter().map(|a| (a - mx) * (a - mx)).sum();
        let syy: f64 = ys.iter().map(|b| (b - my) * (b - my)).sum();
        assert!((r - sxy / (sxx * syy).sqrt()).abs() < 1e-12);
        // A side constant over the shared rows has no correlation.
        let flat = [7.0, 7.0, 1.0, 7.0, 7.0, 7.0];
        assert!(
            pearson_pair(
                &Centered::new(&flat),
                &Centered::new(&[1.0, 2.0, nan, 3.0, 4.0, 5.0])
            )
            .is_none()
        );
        // Fewer than two shared rows.
        assert!(pearson_pair(&Centered::new(&[1.0, nan]), &Centered::new(&[nan, 2.0])).is_none());
    }
}
