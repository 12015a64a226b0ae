//! Facts across columns: duplicate rows, correlations, label views, drift.

use rayon::prelude::*;

use crate::column::Values;
use crate::model::{
    ClassConfidence, CorrelationMatrix, Drift, FeatureVsLabel, Kind, LabelFacts, ValueCount,
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
    let raw: Vec<&[f64]> = numeric.iter().map(|c| c.1).collect();
    let ranked: Vec<&[f64]> = numeric.iter().map(|c| c.2).collect();
    Some(CorrelationMatrix {
        columns: numeric.iter().map(|c| c.0.to_string()).collect(),
        primary: symmetric(raw.len(), |i, j| pearson_complete(raw[i], raw[j])),
        spearman: Some(symmetric(ranked.len(), |i, j| {
            pearson_complete(ranked[i], ranked[j])
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
fn symmetric(n: usize, f: impl Fn(usize, usize) -> Option<f64> + Sync) -> Vec<Vec<Option<f64>>> {
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

/// Pearson's r over the rows where neither side is NaN, in one pass.
/// Values are shifted by their first complete pair, which keeps the sums
/// of squares accurate without a second pass for the means.
fn pearson_complete(x: &[f64], y: &[f64]) -> Option<f64> {
    let mut both = x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan());
    let (&x0, &y0) = both.next()?;
    let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (a, b) in both {
        let (dx, dy) = (a - x0, b - y0);
        n += 1.0;
        sx += dx;
        sy += dy;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if n < 2.0 {
        return None;
    }
    let cxx = sxx - sx * sx / n;
    let cyy = syy - sy * sy / n;
    let cxy = sxy - sx * sy / n;
    (cxx > 0.0 && cyy > 0.0).then(|| (cxy / (cxx * cyy).sqrt()).clamp(-1.0, 1.0))
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
    let imbalance_ratio = match (distribution.first(), distribution.last()) {
        (Some(a), Some(b)) if distribution.len() >= 2 && b.count > 0 => {
            Some(a.count as f64 / b.count as f64)
        }
        _ => None,
    };
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
    let drift = features
        .par_iter()
        .flat_map_iter(|f| {
            [Part::Unlabeled, Part::AutoLabeled]
                .into_iter()
                .filter_map(|p| drift(f, &parts, p))
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
    }
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

/// Drift of one part against the labeled part: PSI for numbers, chi-square
/// (with Cramér's V as the effect size) for categories. Needs at least
/// [`MIN_DRIFT_ROWS`] rows on each side.
fn drift(f: &Col<'_>, parts: &[Part], compared: Part) -> Option<Drift> {
    let base = |test: &str, statistic, p_value, effect| Drift {
        column: f.name.to_string(),
        reference: Part::Labeled.name().into(),
        compared: compared.name().into(),
        test: test.into(),
        statistic,
        p_value,
        effect,
    };
    match f.values {
        Values::Numeric { values: v, .. } => {
            let pick = |p: Part| -> Vec<f64> {
                v.iter()
                    .zip(parts)
                    .filter(|(x, q)| **q == p && !x.is_nan())
                    .map(|(x, _)| *x)
                    .collect()
            };
            let (mut r, c) = (pick(Part::Labeled), pick(compared));
            if r.len() < MIN_DRIFT_ROWS || c.len() < MIN_DRIFT_ROWS {
                return None;
            }
            stats::psi(&mut r, &c).map(|psi| base("psi", psi, None, None))
        }
        Values::Codes { codes, levels } => {
            let mut t = vec![vec![0u64; levels.len()]; 2];
            for (x, q) in codes.iter().zip(parts) {
                let side = match q {
                    q if *q == Part::Labeled => 0,
                    q if *q == compared => 1,
                    _ => continue,
                };
                if let Some(x) = x {
                    t[side][*x as usize] += 1;
                }
            }
            let sides = [t[0].iter().sum::<u64>(), t[1].iter().sum::<u64>()];
            if sides.iter().any(|&s| (s as usize) < MIN_DRIFT_ROWS) {
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
