//! Confidence thresholds backed by a lower confidence bound.
//!
//! The audit set is labeled by people and chosen at random, so its
//! out-of-fold predictions are an unbiased sample of how the model does. The
//! pooled threshold is the lowest confidence at which the 95% Wilson lower
//! confidence bound (one-sided: "accuracy is at least this, with 95%
//! confidence") of the audit items at or above it reaches the target: a
//! statement about the auto-labeled set as a whole, as Ground Truth makes it.
//! Classes are then refined: one whose own audit evidence shows it below the
//! target (its one-sided 95% Wilson *upper* bound under the target) gets a
//! higher threshold, or none. A class is not required to prove itself alone
//! first; with a perfect record that would take 52 audit items per class.
//! Intervals shown to people are two-sided ([`Z95`]).

use serde::{Deserialize, Serialize};

/// The normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// The normal quantile for a one-sided 95% bound.
pub const Z95_ONE_SIDED: f64 = 1.644_853_626_951_472;

/// Wilson score interval for `correct` successes out of `n`, at `z`.
pub fn wilson(correct: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = correct as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * ((p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt()) / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// One audit item's out-of-fold prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditPrediction {
    /// The predicted class.
    pub predicted: u32,
    /// The model's confidence in it.
    pub confidence: f64,
    /// Whether a person gave the same class.
    pub correct: bool,
}

/// The thresholds a round auto-labels with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// The accuracy target they were chosen for.
    pub target: f64,
    /// The pooled threshold, if any confidence reaches the target.
    pub pooled: Option<f64>,
    /// Each class's threshold; `None` means the class auto-labels nothing.
    pub per_class: Vec<Option<f64>>,
    /// Audit items at or above the pooled threshold.
    pub audit_above: u64,
    /// How many of them the model got right.
    pub audit_correct: u64,
}

impl Thresholds {
    /// The estimated accuracy of the auto-labeled set, with its 95% Wilson
    /// interval, from the audit items above the pooled threshold.
    pub fn estimate(&self) -> Option<(f64, f64, f64)> {
        if self.audit_above == 0 {
            return None;
        }
        let (lo, hi) = wilson(self.audit_correct, self.audit_above, Z95);
        Some((self.audit_correct as f64 / self.audit_above as f64, lo, hi))
    }

    /// Whether a prediction clears its class's threshold.
    pub fn accepts(&self, class: u32, confidence: f64) -> bool {
        self.per_class
            .get(class as usize)
            .copied()
            .flatten()
            .is_some_and(|t| confidence >= t)
    }
}

/// Chooses the thresholds from the audit set's out-of-fold predictions.
pub fn choose_thresholds(audit: &[AuditPrediction], n_classes: usize, target: f64) -> Thresholds {
    let low = |c, n| wilson(c, n, Z95_ONE_SIDED).0;
    let high = |c, n| wilson(c, n, Z95_ONE_SIDED).1;
    let pooled = lowest_passing(audit.iter().copied(), target, low);
    let (audit_above, audit_correct) = match pooled {
        Some(t) => count_above(audit.iter().copied(), t),
        None => (0, 0),
    };
    let per_class = (0..n_classes as u32)
        .map(|class| {
            let pooled = pooled?;
            let mine: Vec<AuditPrediction> = audit
                .iter()
                .copied()
                .filter(|a| a.predicted == class && a.confidence >= pooled)
                .collect();
            let (n, correct) = count_above(mine.iter().copied(), pooled);
            if n == 0 || high(correct, n) >= target {
                return Some(pooled);
            }
            // The evidence shows this class below the target: raise its
            // threshold until it no longer does, or give it none.
            lowest_passing(mine.into_iter(), target, high).map(|t| t.max(pooled))
        })
        .collect();
    Thresholds {
        target,
        pooled,
        per_class,
        audit_above,
        audit_correct,
    }
}

fn count_above(items: impl Iterator<Item = AuditPrediction>, t: f64) -> (u64, u64) {
    items
        .filter(|a| a.confidence >= t)
        .fold((0, 0), |(n, c), a| (n + 1, c + u64::from(a.correct)))
}

/// The lowest confidence `t` among the items such that `bound(correct, n)`
/// over the items at or above `t` reaches `target`.
fn lowest_passing(
    items: impl Iterator<Item = AuditPrediction>,
    target: f64,
    bound: impl Fn(u64, u64) -> f64,
) -> Option<f64> {
    let mut sorted: Vec<AuditPrediction> = items.collect();
    sorted.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    let (mut n, mut correct, mut best) = (0u64, 0u64, None);
    let mut i = 0;
    while i < sorted.len() {
        // Items with equal confidence go in or out together.
        let t = sorted[i].confidence;
        while i < sorted.len() && sorted[i].confidence == t {
            n += 1;
            correct += u64::from(sorted[i].correct);
            i += 1;
        }
        if bound(correct, n) >= target {
            best = Some(t);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(predicted: u32, confidence: f64, correct: bool) -> AuditPrediction {
        AuditPrediction {
            predicted,
            confidence,
            correct,
        }
    }

    #[test]
    fn wilson_matches_hand_computed_values() {
        // 8 of 10: centre (0.8 + 1.9208/10)/(1.38415) = 0.71672,
        // half 1.96*sqrt(0.016 + 0.0096)/1.38415 = 0.22656.
        let (lo, hi) = wilson(8, 10, Z95);
        assert!((lo - 0.4902).abs() < 1e-3, "{lo}");
        assert!((hi - 0.9433).abs() < 1e-3, "{hi}");
        // A perfect record needs 73 items for a two-sided 0.95 lower
        // bound, and 52 for a one-sided one: n / (n + z²) >= 0.95.
        assert!(wilson(72, 72, Z95).0 < 0.95);
        assert!(wilson(73, 73, Z95).0 >= 0.95);
        assert!(wilson(51, 51, Z95_ONE_SIDED).0 < 0.95);
        assert!(wilson(52, 52, Z95_ONE_SIDED).0 >= 0.95);
        assert_eq!(wilson(0, 0, Z95), (0.0, 1.0));
        let (lo, hi) = wilson(0, 5, Z95);
        assert_eq!(lo, 0.0);
        assert!(hi < 0.5);
    }

    #[test]
    fn pooled_threshold_is_the_lowest_that_passes() {
        // 80 correct at 0.99, then 10 at 0.8 of which 5 are wrong.
        let mut audit: Vec<_> = (0..80).map(|_| a(0, 0.99, true)).collect();
        audit.extend((0..10).map(|i| a(1, 0.8, i % 2 == 0)));
        let t = choose_thresholds(&audit, 2, 0.95);
        assert_eq!(t.pooled, Some(0.99));
        assert_eq!((t.audit_above, t.audit_correct), (80, 80));
        let (est, lo, _) = t.estimate().unwrap();
        assert_eq!(est, 1.0);
        assert!(lo >= 0.95);
        // At a target of 0.85, including the 0.8 items still passes:
        // 85/90 = 0.944, one-sided Wilson lower bound 0.890.
        let t = choose_thresholds(&audit, 2, 0.85);
        assert_eq!(t.pooled, Some(0.8));
    }

    #[test]
    fn too_little_evidence_means_no_threshold() {
        let audit: Vec<_> = (0..51).map(|_| a(0, 0.99, true)).collect();
        let t = choose_thresholds(&audit, 3, 0.95);
        assert_eq!(t.pooled, None);
        assert_eq!(t.per_class, vec![None, None, None]);
        assert!(!t.accepts(0, 1.0));
        assert!(t.estimate().is_none());
    }

    #[test]
    fn a_class_shown_below_target_is_raised_or_dropped() {
        let mut audit: Vec<_> = (0..400).map(|_| a(0, 0.96, true)).collect();
        audit.extend((0..40).map(|i| a(1, 0.9, i >= 30))); // below the pooled threshold
        audit.extend((0..20).map(|_| a(1, 0.97, true)));
        audit.extend([a(2, 0.95, true), a(2, 0.95, true)]); // too few to judge alone
        audit.extend((0..10).map(|_| a(3, 0.999, true)));
        audit.extend((0..6).map(|i| a(3, 0.99, i < 2))); // 12 of 16: shown below
        audit.extend((0..3).map(|_| a(4, 0.98, false))); // 0 of 3: shown below
        let t = choose_thresholds(&audit, 5, 0.95);
        // Pooled: 434 of 441 at or above 0.95, lower bound 0.971; adding
        // the 0.9 items gives 444 of 481 (0.901), which fails. Class 1 at
        // 0.95 and up: 20 of 20, upper bound 1. Class 3: 12 of 16, upper
        // bound 0.882, shown below; from 0.999 it is 10 of 10. Class 4: 0
        // of 3, upper bound 0.474, none.
        assert_eq!(t.pooled, Some(0.95));
        assert_eq!((t.audit_above, t.audit_correct), (441, 434));
        assert_eq!(
            t.per_class,
            vec![Some(0.95), Some(0.95), Some(0.95), Some(0.999), None]
        );
        assert!(t.accepts(3, 0.9995) && !t.accepts(3, 0.995) && !t.accepts(4, 1.0));
    }
}
