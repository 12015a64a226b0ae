//! Which items people see next: the most uncertain, spread out by k-means
//! so one batch does not ask the same question ten times, plus a random
//! share that keeps the audit set growing and unbiased.

use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_clustering::KMeans;
use ndarray::{Array1, Array2, ArrayView1};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::{Error, Features};

/// How uncertain items are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// One minus the top probability.
    LeastConfidence,
    /// One minus the gap between the top two probabilities.
    Margin,
    /// Normalised entropy of the probabilities.
    Entropy,
    /// No ranking: a random sample (every pick is an audit item).
    Random,
}

impl Strategy {
    /// Every strategy, in the order shells list them.
    pub const ALL: [Self; 4] = [
        Self::Margin,
        Self::Entropy,
        Self::LeastConfidence,
        Self::Random,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeastConfidence => "least-confidence",
            Self::Margin => "margin",
            Self::Entropy => "entropy",
            Self::Random => "random",
        }
    }

    /// How uncertain a probability row is; higher means more uncertain.
    pub fn uncertainty(self, p: ArrayView1<'_, f64>) -> f64 {
        let (mut first, mut second) = (0.0f64, 0.0f64);
        for &v in p {
            if v > first {
                second = first;
                first = v;
            } else if v > second {
                second = v;
            }
        }
        match self {
            Self::LeastConfidence => 1.0 - first,
            Self::Margin => 1.0 - (first - second),
            Self::Entropy => {
                let h: f64 = p.iter().filter(|&&v| v > 0.0).map(|&v| -v * v.ln()).sum();
                if p.len() > 1 {
                    h / (p.len() as f64).ln()
                } else {
                    0.0
                }
            }
            Self::Random => 0.0,
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Strategy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "least-confidence" => Ok(Self::LeastConfidence),
            "margin" => Ok(Self::Margin),
            "entropy" => Ok(Self::Entropy),
            "random" => Ok(Self::Random),
            other => Err(Error::Invalid(format!(
                "unknown strategy '{other}' (expected margin, entropy, least-confidence or random)"
            ))),
        }
    }
}

/// One item chosen for people.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// Its row in the feature matrix.
    pub row: usize,
    /// Chosen at random: its human label joins the audit set.
    pub audit: bool,
    /// Its uncertainty (0 for random picks).
    pub score: f64,
}

/// Chooses up to `batch` rows from `candidates`. A `random_share` of them
/// are drawn at random (all of them when there are no probabilities or the
/// strategy is random); the rest are the most uncertain (see
/// [`most_uncertain`]). The batch comes back shuffled, so people cannot
/// tell audit items apart.
pub fn select_batch(
    candidates: &[usize],
    probs: Option<&Array2<f64>>,
    features: &Features,
    strategy: Strategy,
    batch: usize,
    random_share: f64,
    seed: u64,
) -> Vec<Pick> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pool: Vec<usize> = candidates.to_vec();
    pool.shuffle(&mut rng);
    let batch = batch.min(pool.len());
    let probs = probs.filter(|_| strategy != Strategy::Random);
    let n_random = match probs {
        None => batch,
        Some(_) => ((batch as f64 * random_share).round() as usize).min(batch),
    };
    let mut picks: Vec<Pick> = pool
        .drain(..n_random)
        .map(|row| Pick {
            row,
            audit: true,
            score: 0.0,
        })
        .collect();
    if let Some(p) = probs {
        let scored = pool
            .iter()
            .map(|&row| (row, strategy.uncertainty(p.row(row))))
            .collect();
        picks.extend(most_uncertain(scored, features, batch - n_random, seed));
    }
    picks.shuffle(&mut rng);
    picks
}

/// The `k` most uncertain of `scored` (row and uncertainty), one from each
/// k-means cluster over the features of the `5 × k` most uncertain rows, so
/// a batch is not spent on near-duplicates.
pub fn most_uncertain(
    mut scored: Vec<(usize, f64)>,
    features: &Features,
    k: usize,
    seed: u64,
) -> Vec<Pick> {
    let order = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    let top = (k * 5).min(scored.len());
    if top < scored.len() {
        // Only the top need sorting: a big project has millions of rows.
        scored.select_nth_unstable_by(top, order);
        scored.truncate(top);
    }
    scored.sort_by(order);
    diverse(&scored, features, k, seed)
        .into_iter()
        .map(|(row, score)| Pick {
            row,
            audit: false,
            score,
        })
        .collect()
}

/// The most uncertain row of each of `k` k-means clusters over `scored`
/// (sorted most uncertain first); rows left over fill any gap.
fn diverse(scored: &[(usize, f64)], features: &Features, k: usize, seed: u64) -> Vec<(usize, f64)> {
    if scored.len() <= k || k < 2 {
        return scored.iter().copied().take(k).collect();
    }
    let rows: Vec<usize> = scored.iter().map(|s| s.0).collect();
    let x = crate::rows_of(features, &rows);
    let data = DatasetBase::from(x.clone());
    let model = KMeans::params_with_rng(k, Xoshiro256PlusPlus::seed_from_u64(seed))
        .n_runs(1)
        .max_n_iterations(50)
        .fit(&data);
    let Ok(model) = model else {
        return scored.iter().copied().take(k).collect();
    };
    let clusters: Array1<usize> = model.predict(&x);
    let mut taken = vec![false; scored.len()];
    let mut seen = vec![false; k];
    let mut out = Vec::with_capacity(k);
    for (i, &c) in clusters.iter().enumerate() {
        if c < k && !seen[c] {
            seen[c] = true;
            taken[i] = true;
            out.push(scored[i]);
        }
    }
    for (i, s) in scored.iter().enumerate() {
        if out.len() >= k {
            break;
        }
        if !taken[i] {
            out.push(*s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn uncertainty_measures() {
        let sure = array![0.98, 0.01, 0.01];
        let torn = array![0.45, 0.45, 0.10];
        let flat = array![1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0];
        for s in [
            Strategy::LeastConfidence,
            Strategy::Margin,
            Strategy::Entropy,
        ] {
            assert!(
                s.uncertainty(sure.view()) < s.uncertainty(torn.view()),
                "{s:?}"
            );
        }
        assert!((Strategy::LeastConfidence.uncertainty(torn.view()) - 0.55).abs() < 1e-12);
        assert!((Strategy::Margin.uncertainty(torn.view()) - 1.0).abs() < 1e-12);
        assert!((Strategy::Entropy.uncertainty(flat.view()) - 1.0).abs() < 1e-12);
        // Margin tells a two-way tie from a three-way spread; least confidence does not rank them so.
        let two_way = array![0.5, 0.5, 0.0];
        let spread = array![0.4, 0.3, 0.3];
        assert!(
            Strategy::Margin.uncertainty(two_way.view())
                > Strategy::Margin.uncertainty(spread.view())
        );
        assert!(
            Strategy::LeastConfidence.uncertainty(two_way.view())
                < Strategy::LeastConfidence.uncertainty(spread.view())
        );
        assert_eq!("entropy".parse::<Strategy>().unwrap(), Strategy::Entropy);
        assert!("best".parse::<Strategy>().is_err());
    }

    /// 40 rows in two far-apart groups. The two most uncertain rows are both
    /// in group A, yet a diverse batch of 2 takes one from each group.
    fn fixture() -> (Features, Array2<f64>) {
        let mut x = Vec::new();
        let mut p = Vec::new();
        for i in 0..40 {
            let group_a = i < 20;
            x.extend([if group_a { 0.0 } else { 100.0 } + i as f32 * 0.01, 0.0]);
            let top = if group_a {
                0.5 + i as f64 * 0.001
            } else {
                0.505 + (i - 20) as f64 * 0.001
            };
            p.extend([top, 1.0 - top]);
        }
        (
            Features::from_shape_vec((40, 2), x).unwrap(),
            Array2::from_shape_vec((40, 2), p).unwrap(),
        )
    }

    #[test]
    fn batches_are_diverse_and_keep_a_random_share() {
        let (x, p) = fixture();
        let candidates: Vec<usize> = (0..40).collect();
        let picks = select_batch(&candidates, Some(&p), &x, Strategy::Margin, 2, 0.0, 3);
        let mut rows: Vec<usize> = picks.iter().map(|p| p.row).collect();
        rows.sort();
        assert!(rows[0] < 20 && rows[1] >= 20, "one per group: {rows:?}");
        assert!(picks.iter().all(|p| !p.audit));

        let picks = select_batch(&candidates, Some(&p), &x, Strategy::Margin, 10, 0.2, 3);
        assert_eq!(picks.len(), 10);
        assert_eq!(picks.iter().filter(|p| p.audit).count(), 2);
        let mut rows: Vec<usize> = picks.iter().map(|p| p.row).collect();
        rows.sort();
        rows.dedup();
        assert_eq!(rows.len(), 10, "no row twice");
    }

    #[test]
    fn random_strategy_and_no_model_give_audit_items_only() {
        let (x, p) = fixture();
        let candidates: Vec<usize> = (5..15).collect();
        for probs in [None, Some(&p)] {
            let picks = select_batch(&candidates, probs, &x, Strategy::Random, 50, 0.1, 9);
            assert_eq!(picks.len(), 10);
            assert!(picks.iter().all(|p| p.audit && candidates.contains(&p.row)));
        }
    }
}
