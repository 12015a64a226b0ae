//! Probability calibration: Platt scaling or isotonic regression of each
//! class's probability (one class against the rest), fitted on held-out
//! predictions, then rows renormalised.
//!
//! Tree votes and neighbour shares are coarse and often overconfident (a
//! unanimous vote says 1.0). Calibration is one more choice the data makes:
//! every method is scored by the log-loss of *cross-fitted* predictions
//! (each row calibrated by a map fitted without it), and "none" is among
//! them, so a chosen calibration never raises the log-loss it was chosen on.

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::model::{log_loss, stratified_folds};

/// A way of calibrating probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Calibration {
    /// The model's own probabilities.
    None,
    /// A sigmoid of the log-odds, per class.
    Platt,
    /// A monotone step function, per class.
    Isotonic,
}

impl Calibration {
    /// Every method, "none" first so it wins ties.
    pub const ALL: [Self; 3] = [Self::None, Self::Platt, Self::Isotonic];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Platt => "platt",
            Self::Isotonic => "isotonic",
        }
    }
}

/// Probabilities are kept this far from 0 and 1 before taking log-odds.
const EPS: f64 = 1e-6;
/// Folds for cross-fitting.
const FOLDS: usize = 5;

/// A fitted calibration: one monotone map per class.
#[derive(Debug, Clone, PartialEq)]
pub enum Calibrator {
    /// Leaves probabilities as they are.
    None,
    /// `sigmoid(a · logit(p) + b)` per class.
    Platt(Vec<(f64, f64)>),
    /// Per class, the breakpoints `(p, calibrated)` of a non-decreasing
    /// step function, interpolated between them.
    Isotonic(Vec<Vec<(f64, f64)>>),
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(EPS, 1.0 - EPS);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Platt's fit of `sigmoid(a·s + b)` to 0/1 outcomes by Newton's method,
/// with his smoothed targets so that a perfectly separated class does not
/// run off to infinity.
fn platt(scores: &[f64], hits: &[bool]) -> (f64, f64) {
    let positives = hits.iter().filter(|h| **h).count() as f64;
    let negatives = hits.len() as f64 - positives;
    let hi = (positives + 1.0) / (positives + 2.0);
    let lo = 1.0 / (negatives + 2.0);
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for (&s, &hit) in scores.iter().zip(hits) {
            let p = sigmoid(a * s + b);
            let t = if hit { hi } else { lo };
            let w = p * (1.0 - p);
            ga += (p - t) * s;
            gb += p - t;
            haa += w * s * s;
            hab += w * s;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-15 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
            break;
        }
    }
    (a, b)
}

/// Pool-adjacent-violators: the non-decreasing fit of outcomes ordered by
/// probability, as breakpoints (mean probability, mean outcome) of blocks.
fn isotonic(p: &[f64], hits: &[bool]) -> Vec<(f64, f64)> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // Each block: (sum of p, sum of outcomes, count).
    let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
    for i in order {
        blocks.push((p[i], f64::from(u8::from(hits[i])), 1.0));
        while blocks.len() > 1 {
            let (s2, h2, n2) = blocks[blocks.len() - 1];
            let (s1, h1, n1) = blocks[blocks.len() - 2];
            // Equal probabilities must share a value; otherwise merge only
            // a violation.
            if h1 / n1 < h2 / n2 && s1 / n1 < s2 / n2 {
                break;
            }
            blocks.pop();
            if let Some(last) = blocks.last_mut() {
                *last = (s1 + s2, h1 + h2, n1 + n2);
            }
        }
    }
    blocks.iter().map(|&(s, h, n)| (s / n, h / n)).collect()
}

/// The value of an isotonic map at `p`: linear between breakpoints, flat
/// beyond them.
fn isotonic_at(points: &[(f64, f64)], p: f64) -> f64 {
    match points.partition_point(|&(x, _)| x < p) {
        0 => points.first().map_or(p, |pt| pt.1),
        i if i == points.len() => points[i - 1].1,
        i => {
            let ((x0, y0), (x1, y1)) = (points[i - 1], points[i]);
            y0 + (y1 - y0) * (p - x0) / (x1 - x0)
        }
    }
}

impl Calibrator {
    /// Fits `method` on probabilities `p` (rows × classes) of rows whose
    /// true classes are `y`. A class no row has keeps its probabilities.
    pub fn fit(method: Calibration, p: &Array2<f64>, y: &[u32]) -> Self {
        let per_class = |c: usize| -> (Vec<f64>, Vec<bool>) {
            (
                p.column(c).to_vec(),
                y.iter().map(|&t| t as usize == c).collect(),
            )
        };
        match method {
            Calibration::None => Self::None,
            Calibration::Platt => Self::Platt(
                (0..p.ncols())
                    .map(|c| {
                        let (probs, hits) = per_class(c);
                        if hits.iter().any(|h| *h) {
                            let scores: Vec<f64> = probs.iter().map(|&v| logit(v)).collect();
                            platt(&scores, &hits)
                        } else {
                            (1.0, 0.0)
                        }
                    })
                    .collect(),
            ),
            Calibration::Isotonic => Self::Isotonic(
                (0..p.ncols())
                    .map(|c| {
                        let (probs, hits) = per_class(c);
                        if hits.iter().any(|h| *h) {
                            isotonic(&probs, &hits)
                        } else {
                            Vec::new()
                        }
                    })
                    .collect(),
            ),
        }
    }

    /// Calibrated probabilities; rows sum to 1 again.
    pub fn apply(&self, p: &Array2<f64>) -> Array2<f64> {
        let mut out = p.clone();
        match self {
            Self::None => return out,
            Self::Platt(ab) => {
                for (c, &(a, b)) in ab.iter().enumerate() {
                    if (a, b) != (1.0, 0.0) {
                        out.column_mut(c)
                            .mapv_inplace(|v| sigmoid(a * logit(v) + b));
                    }
                }
            }
            Self::Isotonic(maps) => {
                for (c, points) in maps.iter().enumerate() {
                    if !points.is_empty() {
                        out.column_mut(c).mapv_inplace(|v| isotonic_at(points, v));
                    }
                }
            }
        }
        crate::model::normalize_rows(&mut out);
        out
    }
}

/// Calibrated probabilities for every row, each from a calibration fitted
/// on the other folds, so their log-loss is an honest score of `method`.
pub fn cross_fitted(method: Calibration, p: &Array2<f64>, y: &[u32], seed: u64) -> Array2<f64> {
    let folds = FOLDS.min(y.len());
    if method == Calibration::None || folds < 2 {
        return p.clone();
    }
    let fold_of = stratified_folds(y, folds, seed);
    let mut out = p.clone();
    for k in 0..folds {
        let (train, test): (Vec<usize>, Vec<usize>) = (0..y.len()).partition(|&i| fold_of[i] != k);
        if test.is_empty() || train.is_empty() {
            continue;
        }
        let y_train: Vec<u32> = train.iter().map(|&i| y[i]).collect();
        let fitted = Calibrator::fit(method, &p.select(Axis(0), &train), &y_train);
        let calibrated = fitted.apply(&p.select(Axis(0), &test));
        for (r, &i) in test.iter().enumerate() {
            out.row_mut(i).assign(&calibrated.row(r));
        }
    }
    out
}

/// The calibration with the lowest cross-fitted log-loss, with those
/// probabilities and that loss.
pub fn choose(p: &Array2<f64>, y: &[u32], seed: u64) -> (Calibration, Array2<f64>, f64) {
    let mut best: Option<(Calibration, Array2<f64>, f64)> = None;
    for method in Calibration::ALL {
        let q = cross_fitted(method, p, y, seed);
        let loss = log_loss(&q, y);
        if best.as_ref().is_none_or(|b| loss < b.2) {
            best = Some((method, q, loss));
        }
    }
    best.unwrap_or_else(|| (Calibration::None, p.clone(), log_loss(p, y)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Two classes whose true chance of class 1 is `t`, reported by an
    /// overconfident model as `t` pushed towards 0 or 1.
    fn overconfident(n: usize, seed: u64) -> (Array2<f64>, Vec<u32>) {
        let mut rng = crate::sampling::rng(seed);
        let mut p = Array2::zeros((n, 2));
        let mut y = Vec::new();
        for i in 0..n {
            let t: f64 = rng.gen_range(0.05..0.95);
            let said = if t > 0.5 { 0.999 } else { 0.001 };
            p[[i, 1]] = said;
            p[[i, 0]] = 1.0 - said;
            y.push(u32::from(rng.gen_bool(t)));
        }
        (p, y)
    }

    #[test]
    fn isotonic_fit_is_monotone_and_averages_violations() {
        let points = isotonic(&[0.1, 0.2, 0.3, 0.4], &[false, true, false, true]);
        // 0.2 (hit) and 0.3 (miss) violate order and pool at 0.5.
        assert_eq!(points, vec![(0.1, 0.0), (0.25, 0.5), (0.4, 1.0)]);
        assert_eq!(isotonic_at(&points, 0.0), 0.0);
        assert!((isotonic_at(&points, 0.325) - 0.75).abs() < 1e-12);
        assert_eq!(isotonic_at(&points, 0.9), 1.0);
    }

    #[test]
    fn platt_recovers_a_known_sigmoid() {
        // Outcomes drawn from sigmoid(2s - 1): the fit lands near (2, -1).
        let mut rng = crate::sampling::rng(9);
        let scores: Vec<f64> = (0..20_000).map(|_| rng.gen_range(-3.0..3.0)).collect();
        let hits: Vec<bool> = scores
            .iter()
            .map(|&s| rng.gen_bool(sigmoid(2.0 * s - 1.0)))
            .collect();
        let (a, b) = platt(&scores, &hits);
        assert!((a - 2.0).abs() < 0.15 && (b + 1.0).abs() < 0.15, "{a} {b}");
    }

    #[test]
    fn calibration_never_raises_the_log_loss_it_was_chosen_on() {
        // Overconfident: calibration helps a lot.
        let (p, y) = overconfident(600, 1);
        let raw = log_loss(&p, &y);
        let (method, q, loss) = choose(&p, &y, 1);
        assert_ne!(method, Calibration::None);
        assert!(loss < raw / 2.0, "{loss} vs {raw}");
        assert_eq!(loss, log_loss(&q, &y));
        // Already calibrated (the truth itself): whatever is chosen is no
        // worse than none.
        let mut rng = crate::sampling::rng(2);
        let mut p = Array2::zeros((300, 3));
        let mut y = Vec::new();
        for i in 0..300 {
            let c = rng.gen_range(0..3u32);
            for k in 0..3 {
                p[[i, k]] = if k == c as usize { 0.8 } else { 0.1 };
            }
            // Right 80% of the time, as the probabilities say.
            y.push(if rng.gen_bool(0.8) { c } else { (c + 1) % 3 });
        }
        let (_, _, loss) = choose(&p, &y, 3);
        assert!(loss <= log_loss(&p, &y));
    }

    #[test]
    fn too_few_rows_to_cross_fit_keep_their_probabilities() {
        let p = ndarray::array![[0.9, 0.1]];
        for method in Calibration::ALL {
            assert_eq!(cross_fitted(method, &p, &[0], 1), p);
        }
        assert_eq!(choose(&p, &[0], 1).0, Calibration::None);
    }

    #[test]
    fn calibrated_rows_sum_to_one_and_keep_an_unseen_class() {
        let (mut p, y) = overconfident(200, 4);
        p.push_column(ndarray::Array1::zeros(200).view()).unwrap();
        for method in Calibration::ALL {
            let q = Calibrator::fit(method, &p, &y).apply(&p);
            for row in q.outer_iter() {
                assert!((row.sum() - 1.0).abs() < 1e-9, "{}", method.as_str());
            }
            assert!(q.column(2).iter().all(|&v| v == 0.0));
        }
    }
}
