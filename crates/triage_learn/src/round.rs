//! One active-learning round as a pure function of the data: choose and
//! train a model, calibrate thresholds on the audit set, score the rest,
//! pick what to auto-label, queue the next human batch, and list likely
//! label errors. Reading and writing the project is the caller's business,
//! so the project is never locked while this runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calibrate::{Calibration, Calibrator};
use crate::model::{Algorithm, Family, Model, argmax, fit, log_loss, out_of_fold, row_log_losses};
use crate::strategy::{Pick, Strategy, most_uncertain, select_batch};
use crate::thresholds::{AuditPrediction, Thresholds, choose_thresholds};
use crate::{Error, Features, Result};

/// Cross-validation folds: ten while labels are few, so each fit sees 90%
/// of them; five from `MANY_LABELS` on, where a fold's 80% is plenty and
/// half the fits keep a round fast.
const FOLDS: usize = 10;
const FEW_FOLDS: usize = 5;
const MANY_LABELS: usize = 1_000;
/// Open rows scored together: enough for the models' vector code, few
/// enough that their `f64` copy is a few megabytes.
const SCORE_CHUNK: usize = 16_384;
/// Fewer trusted labels than this and no model is trained; the round only
/// queues a random batch.
pub const MIN_LABELS: usize = 10;

/// A trusted label on a row: a person's, imported or consolidated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainLabel {
    /// The class.
    pub class: u32,
    /// The row was queued at random, so its label is in the audit set.
    pub audit: bool,
}

/// What a round works on.
pub struct RoundInput<'a> {
    /// Features of every row.
    pub x: &'a Features,
    /// Classes in the schema.
    pub n_classes: usize,
    /// Each row's trusted label, if it has one.
    pub labels: &'a [Option<TrainLabel>],
    /// Rows a model may label or queue (no trusted label).
    pub open: &'a [bool],
    /// The accuracy target for auto-labels.
    pub target: f64,
    /// How to rank uncertainty.
    pub strategy: Strategy,
    /// The size of the next human batch.
    pub batch: usize,
    /// The share of each batch drawn at random for the audit set.
    pub random_share: f64,
    /// Seed for folds, clustering and sampling.
    pub seed: u64,
    /// The families the model may come from: all of them, or the one a
    /// user pinned.
    pub families: &'a [Family],
    /// Time for cross-validating candidates. Once it is spent the dearer
    /// candidates left are skipped (and recorded as skipped), so a round on
    /// a big table stays quick; the cheapest always runs.
    pub budget: Duration,
    /// Set to stop the round early.
    pub cancel: &'a AtomicBool,
    /// Told the share of the training work done, from 0 to 1.
    pub progress: &'a (dyn Fn(f64) + Sync),
}

/// How a candidate algorithm did in cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The algorithm and its settings.
    pub algorithm: Algorithm,
    /// Out-of-fold accuracy on the trusted labels.
    pub accuracy: f64,
    /// Out-of-fold log-loss on all trusted labels, uncalibrated.
    pub log_loss: f64,
    /// Out-of-fold log-loss on the audit items, uncalibrated, when there
    /// are enough of them to choose on.
    pub audit_log_loss: Option<f64>,
    /// The calibration that scored best for it.
    pub calibration: Calibration,
    /// What the choice minimises: the log-loss of its calibrated,
    /// cross-fitted probabilities on the audit items (on all trusted labels
    /// while the audit items are too few).
    pub score: f64,
}

/// With at least this many audit labels, the model is chosen on them alone.
const MIN_AUDIT_FOR_CHOICE: usize = 20;

/// The model a round trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    /// The chosen algorithm.
    pub algorithm: Algorithm,
    /// How its probabilities are calibrated.
    pub calibration: Calibration,
    /// Its fitted parameters.
    pub params: serde_json::Value,
    /// Every candidate's cross-validation scores.
    pub candidates: Vec<CandidateScore>,
    /// Candidates left out for time: the budget was spent, or scoring with
    /// them would take too long.
    pub skipped: Vec<Algorithm>,
    /// Rows it was trained on.
    pub training_rows: Vec<usize>,
    /// Its thresholds.
    pub thresholds: Thresholds,
}

impl TrainedModel {
    /// Its algorithm and calibration, e.g. `forest(trees=64)+isotonic`.
    pub fn name(&self) -> String {
        match self.calibration {
            Calibration::None => self.algorithm.name(),
            c => format!("{}+{}", self.algorithm.name(), c.as_str()),
        }
    }
}

/// A prediction for an open row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The row.
    pub row: usize,
    /// The predicted class.
    pub class: u32,
    /// The model's confidence.
    pub confidence: f64,
    /// It clears its class's threshold: auto-label it.
    pub accepted: bool,
}

/// A trusted label the model contradicts with high out-of-fold confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SuspectLabel {
    /// The row.
    pub row: usize,
    /// The label given.
    pub given: u32,
    /// What the model predicts instead.
    pub predicted: u32,
    /// Its out-of-fold confidence in that.
    pub confidence: f64,
}

/// What a round decided.
pub struct RoundOutput {
    /// The model, when there were enough labels to train one.
    pub model: Option<TrainedModel>,
    /// A prediction for every open row (empty without a model).
    pub predictions: Vec<Prediction>,
    /// The next human batch, audit picks and uncertain ones mixed.
    pub queue: Vec<Pick>,
    /// Likely label errors, most confident first.
    pub suspects: Vec<SuspectLabel>,
}

/// A cross-validated candidate, with what the rest of the round needs of
/// it if it is chosen.
struct Evaluated {
    /// What is recorded of it.
    candidate: CandidateScore,
    /// Out-of-fold probabilities of every trusted row, uncalibrated.
    oof: Array2<f64>,
    /// Cross-fitted calibrated probabilities of the rows chosen on.
    calibrated: Array2<f64>,
    /// The standard error of its score.
    error: f64,
    /// The model fitted on every trusted row, when cross-validation made it.
    model: Option<Model>,
}

/// Multiply-adds of scoring open rows against labeled ones beyond which
/// k-nearest neighbours is left out: about a second on two cores (2,000
/// labels × 100,000 open rows × 64 features took half that).
const KNN_WORK_LIMIT: f64 = 2.5e10;

/// Whether a candidate's cost fits a round. Neighbours cost labeled rows ×
/// open rows × features to score, which grows past any budget on big
/// projects; the other families' cost is bounded by their fits.
fn affordable(algorithm: Algorithm, labeled: usize, open: usize, features: usize) -> bool {
    match algorithm {
        Algorithm::Knn { .. } => labeled as f64 * open as f64 * features as f64 <= KNN_WORK_LIMIT,
        _ => true,
    }
}

/// The one-standard-error rule: of the candidates whose score is within
/// one standard error of the best, the first (the cheapest and plainest
/// family, candidates being in that order). Differences smaller than the
/// noise in the score are not worth a model that memorises more: on easy
/// data every family scores near zero, and a nearest-neighbour model would
/// otherwise win by a hair and copy a wrong label to its neighbours.
fn choose(evaluated: Vec<Evaluated>) -> Result<Evaluated> {
    let bar = evaluated
        .iter()
        .min_by(|a, b| a.candidate.score.total_cmp(&b.candidate.score))
        .map(|best| best.candidate.score + best.error)
        .ok_or_else(|| Error::Model("no candidate model".into()))?;
    evaluated
        .into_iter()
        .find(|e| e.candidate.score <= bar)
        .ok_or_else(|| Error::Model("no candidate model".into()))
}

/// The standard error of a mean log-loss over rows.
fn standard_error(p: &Array2<f64>, y: &[u32], mean: f64) -> f64 {
    let n = y.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let var = row_log_losses(p, y)
        .map(|l| (l - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (var / n).sqrt()
}

fn check(cancel: &AtomicBool) -> Result<()> {
    if cancel.load(Ordering::Relaxed) {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// Runs one round.
pub fn run_round(input: &RoundInput<'_>) -> Result<RoundOutput> {
    let rows: Vec<usize> = (0..input.labels.len())
        .filter(|&i| input.labels[i].is_some())
        .collect();
    let y: Vec<u32> = rows
        .iter()
        .filter_map(|&i| input.labels[i].map(|l| l.class))
        .collect();
    let open: Vec<usize> = (0..input.open.len()).filter(|&i| input.open[i]).collect();
    let classes_seen = y.iter().collect::<std::collections::BTreeSet<_>>().len();
    if rows.len() < MIN_LABELS || classes_seen < 2 {
        let queue = select_batch(
            &open,
            None,
            input.x,
            input.strategy,
            input.batch,
            1.0,
            input.seed,
        );
        return Ok(RoundOutput {
            model: None,
            predictions: Vec::new(),
            queue,
            suspects: Vec::new(),
        });
    }
    let x_train = crate::rows_of(input.x, &rows);
    let folds = if rows.len() >= MANY_LABELS {
        FEW_FOLDS
    } else {
        FOLDS.min(rows.len())
    };

    // Choose the algorithm by out-of-fold log-loss on the audit items when
    // there are enough: they are a random sample, like the items the model
    // will label, while the uncertain picks are the hardest there are and
    // would favour a model too timid to auto-label anything.
    let audit_k: Vec<usize> = (0..rows.len())
        .filter(|&k| input.labels[rows[k]].is_some_and(|l| l.audit))
        .collect();
    let on_audit = audit_k.len() >= MIN_AUDIT_FOR_CHOICE;
    let choose_on: Vec<usize> = if on_audit {
        audit_k.clone()
    } else {
        (0..rows.len()).collect()
    };
    let choice_y: Vec<u32> = choose_on.iter().map(|&k| y[k]).collect();
    let all = Algorithm::candidates(input.families);
    if all.is_empty() {
        return Err(Error::Invalid("no model family to choose from".into()));
    }
    let mut skipped = Vec::new();
    let mut evaluated: Vec<Evaluated> = Vec::new();
    // Cross-validation is most of the work; the final fit and scoring one
    // more step.
    let steps = all.len() as f64 + 1.0;
    let started = Instant::now();
    for (done, algorithm) in all.into_iter().enumerate() {
        (input.progress)(done as f64 / steps);
        check(input.cancel)?;
        let over_budget = started.elapsed() > input.budget
            || !affordable(algorithm, rows.len(), open.len(), input.x.ncols());
        if !evaluated.is_empty() && over_budget {
            skipped.push(algorithm);
            continue;
        }
        let (oof, model) = out_of_fold(
            x_train.view(),
            &y,
            input.n_classes,
            algorithm,
            folds,
            input.seed,
        )?;
        let raw = oof.select(Axis(0), &choose_on);
        let (calibration, calibrated, score) =
            crate::calibrate::choose(&raw, &choice_y, input.seed);
        let correct = (0..y.len())
            .filter(|&i| argmax(oof.row(i)).0 == y[i])
            .count();
        evaluated.push(Evaluated {
            candidate: CandidateScore {
                algorithm,
                accuracy: correct as f64 / y.len() as f64,
                log_loss: log_loss(&oof, &y),
                audit_log_loss: on_audit.then(|| log_loss(&raw, &choice_y)),
                calibration,
                score,
            },
            error: standard_error(&calibrated, &choice_y, score),
            oof,
            calibrated,
            model,
        });
    }
    let candidates: Vec<CandidateScore> = evaluated.iter().map(|e| e.candidate.clone()).collect();
    let chosen = choose(evaluated)?;
    let (algorithm, calibration) = (chosen.candidate.algorithm, chosen.candidate.calibration);

    // Thresholds come from the audit items only (they were chosen at
    // random), through the same calibration the open items will get.
    let audit_probs = if on_audit {
        chosen.calibrated
    } else {
        chosen.calibrated.select(Axis(0), &audit_k)
    };
    let audit: Vec<AuditPrediction> = audit_k
        .iter()
        .enumerate()
        .map(|(a, &k)| {
            let (predicted, confidence) = argmax(audit_probs.row(a));
            AuditPrediction {
                predicted,
                confidence,
                correct: predicted == y[k],
            }
        })
        .collect();
    let thresholds = choose_thresholds(&audit, input.n_classes, input.target);

    check(input.cancel)?;
    (input.progress)((steps - 1.0) / steps);
    let model = match chosen.model {
        Some(model) => model,
        None => fit(x_train.view(), &y, input.n_classes, algorithm, input.seed)?,
    };
    let calibrator = Calibrator::fit(
        calibration,
        &chosen.oof.select(Axis(0), &choose_on),
        &choice_y,
    );
    // The audit share is drawn from every open item, auto-labeled or not,
    // so the audit set stays a random sample of what the model labels.
    // Until some threshold reaches the target nothing can be auto-labeled,
    // and only audit evidence can change that: the whole batch is random.
    check(input.cancel)?;
    let share = if thresholds.pooled.is_none() {
        1.0
    } else {
        input.random_share
    };
    let mut queue = select_batch(
        &open,
        None,
        input.x,
        Strategy::Random,
        input.batch,
        1.0,
        input.seed,
    );
    queue.truncate((input.batch as f64 * share).round() as usize);
    let drawn: std::collections::HashSet<usize> = queue.iter().map(|p| p.row).collect();

    // Open rows are scored a chunk at a time, so a big project never holds
    // a second copy of its features or every row's probabilities. People
    // see what the model could not settle.
    /// A chunk's predictions, and its unsettled rows with their uncertainty.
    type Scored = (Vec<Prediction>, Vec<(usize, f64)>);
    let scored: Vec<Scored> = open
        .par_chunks(SCORE_CHUNK)
        .map(|chunk| {
            check(input.cancel)?;
            let x_chunk = crate::rows_of(input.x, chunk);
            let probs = calibrator.apply(&model.predict_proba(x_chunk.view()));
            let mut predictions = Vec::with_capacity(chunk.len());
            let mut unsettled = Vec::new();
            for (&row, p) in chunk.iter().zip(probs.rows()) {
                let (class, confidence) = argmax(p);
                let accepted = thresholds.accepts(class, confidence);
                if !accepted && !drawn.contains(&row) {
                    unsettled.push((row, input.strategy.uncertainty(p)));
                }
                predictions.push(Prediction {
                    row,
                    class,
                    confidence,
                    accepted,
                });
            }
            Ok((predictions, unsettled))
        })
        .collect::<Result<_>>()?;
    let mut predictions = Vec::with_capacity(open.len());
    let mut unsettled: Vec<(usize, f64)> = Vec::new();
    for (p, u) in scored {
        predictions.extend(p);
        unsettled.extend(u);
    }
    let uncertain = if input.strategy == Strategy::Random {
        // Random picks carry no uncertainty to rank by.
        let rows: Vec<usize> = unsettled.iter().map(|u| u.0).collect();
        select_batch(
            &rows,
            None,
            input.x,
            Strategy::Random,
            input.batch - queue.len(),
            1.0,
            input.seed,
        )
    } else {
        most_uncertain(unsettled, input.x, input.batch - queue.len(), input.seed)
    };
    queue.extend(uncertain);
    // Shuffled, so people cannot tell the audit picks apart.
    crate::sampling::shuffle(&mut queue, input.seed ^ 0x5eed);

    let suspects = suspect_labels(&chosen.oof, &y, &rows, input.n_classes);
    Ok(RoundOutput {
        model: Some(TrainedModel {
            algorithm,
            calibration,
            params: model.params_json(),
            candidates,
            skipped,
            training_rows: rows,
            thresholds,
        }),
        predictions,
        queue,
        suspects,
    })
}

/// Confident learning: a class's bar is the mean out-of-fold probability
/// its own labeled rows give it. A row labeled `i` is suspect when the
/// model's top class `j ≠ i` clears `j`'s bar and has at least 0.5.
fn suspect_labels(
    oof: &Array2<f64>,
    y: &[u32],
    rows: &[usize],
    n_classes: usize,
) -> Vec<SuspectLabel> {
    let mut sums = vec![0.0; n_classes];
    let mut counts = vec![0usize; n_classes];
    for (k, &c) in y.iter().enumerate() {
        sums[c as usize] += oof[[k, c as usize]];
        counts[c as usize] += 1;
    }
    let bar: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &n)| if n > 0 { s / n as f64 } else { 1.0 })
        .collect();
    let mut out: Vec<SuspectLabel> = y
        .iter()
        .enumerate()
        .filter_map(|(k, &given)| {
            let (predicted, confidence) = argmax(oof.row(k));
            (predicted != given && confidence >= bar[predicted as usize].max(0.5)).then_some(
                SuspectLabel {
                    row: rows[k],
                    given,
                    predicted,
                    confidence,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// Three well-separated classes in 2-D, 300 rows.
    fn data() -> (Features, Vec<u32>) {
        let mut x = Vec::new();
        let mut truth = Vec::new();
        for i in 0..300 {
            let c = (i % 3) as u32;
            let a = ((i * 7919) % 101) as f64 / 101.0 - 0.5;
            let b = ((i * 104_729) % 97) as f64 / 97.0 - 0.5;
            x.extend([
                c as f32 * 4.0 + a as f32,
                (c as f32 - 1.0).abs() * 3.0 + b as f32,
            ]);
            truth.push(c);
        }
        (Features::from_shape_vec((300, 2), x).unwrap(), truth)
    }

    fn input<'a>(
        x: &'a Features,
        labels: &'a [Option<TrainLabel>],
        open: &'a [bool],
        cancel: &'a AtomicBool,
    ) -> RoundInput<'a> {
        RoundInput {
            x,
            n_classes: 3,
            labels,
            open,
            target: 0.95,
            strategy: Strategy::Margin,
            batch: 20,
            random_share: 0.1,
            seed: 5,
            families: &Family::ALL,
            budget: Duration::from_secs(3600),
            cancel,
            progress: &|_| {},
        }
    }

    #[test]
    fn without_labels_the_round_queues_a_random_audit_batch() {
        let (x, _) = data();
        let labels = vec![None; 300];
        let open = vec![true; 300];
        let cancel = AtomicBool::new(false);
        let out = run_round(&input(&x, &labels, &open, &cancel)).unwrap();
        assert!(out.model.is_none());
        assert_eq!(out.queue.len(), 20);
        assert!(out.queue.iter().all(|p| p.audit));
    }

    #[test]
    fn with_a_random_audit_set_it_auto_labels_accurately_and_flags_a_wrong_label() {
        let (x, truth) = data();
        // 120 random audit labels (every 5th row is not random, but rows are
        // interleaved by class, so these are as good as random here).
        let mut labels: Vec<Option<TrainLabel>> = (0..300)
            .map(|i| {
                (i % 5 == 0 || i % 5 == 1).then_some(TrainLabel {
                    class: truth[i],
                    audit: true,
                })
            })
            .collect();
        labels[10] = Some(TrainLabel {
            class: (truth[10] + 1) % 3,
            audit: false,
        }); // a wrong label
        let open: Vec<bool> = labels.iter().map(Option::is_none).collect();
        let cancel = AtomicBool::new(false);
        let out = run_round(&input(&x, &labels, &open, &cancel)).unwrap();
        let model = out.model.unwrap();
        assert!(model.thresholds.pooled.is_some());
        let accepted: Vec<&Prediction> = out.predictions.iter().filter(|p| p.accepted).collect();
        assert!(accepted.len() > 150, "{}", accepted.len());
        assert!(accepted.iter().all(|p| p.class == truth[p.row]));
        assert_eq!(out.suspects.first().map(|s| s.row), Some(10));
        // Uncertain picks are what the model could not settle; audit picks
        // (10% of the batch) come from every open item, auto-labeled or not.
        assert!(out.queue.iter().all(|p| open[p.row]));
        assert!(
            out.queue
                .iter()
                .filter(|p| !p.audit)
                .all(|p| !accepted.iter().any(|a| a.row == p.row))
        );
        assert_eq!(out.queue.iter().filter(|p| p.audit).count(), 2);
    }

    /// The family a round chooses when the first 400 of 600 rows carry
    /// audit labels.
    fn chosen_family(x: &Features, truth: &[u32], families: &[Family]) -> TrainedModel {
        let labels: Vec<Option<TrainLabel>> = (0..truth.len())
            .map(|i| {
                (i < 400).then_some(TrainLabel {
                    class: truth[i],
                    audit: true,
                })
            })
            .collect();
        let open: Vec<bool> = labels.iter().map(Option::is_none).collect();
        let cancel = AtomicBool::new(false);
        let input = RoundInput {
            n_classes: 2,
            families,
            ..input(x, &labels, &open, &cancel)
        };
        run_round(&input).unwrap().model.unwrap()
    }

    /// XOR of the first two of ten features; the other eight are noise, as
    /// in a real table, where distances mean little.
    fn xor_table() -> (Features, Vec<u32>) {
        let mut rng = crate::sampling::rng(11);
        let x = Features::from_shape_fn((600, 10), |_| rng.gen_range(-1.0..1.0));
        let truth = x
            .outer_iter()
            .map(|r| u32::from((r[0] > 0.0) != (r[1] > 0.0)))
            .collect();
        (x, truth)
    }

    /// Two strongly correlated features and a class that depends on their
    /// difference through a sigmoid: a straight line is the truth, and naive
    /// Bayes, which takes the features as independent, misreads it.
    fn linear_table() -> (Features, Vec<u32>) {
        let mut rng = crate::sampling::rng(12);
        let mut x = Features::zeros((600, 2));
        let mut truth = Vec::new();
        for mut row in x.outer_iter_mut() {
            let (u, v): (f64, f64) = (rng.gen_range(-2.0..2.0), rng.gen_range(-1.0..1.0));
            row[0] = u as f32;
            row[1] = (u + 0.3 * v) as f32;
            let p = 1.0 / (1.0 + (-8.0 * v).exp());
            truth.push(u32::from(rng.gen_bool(p)));
        }
        (x, truth)
    }

    #[test]
    fn selection_picks_the_forest_for_xor_and_logistic_regression_for_a_line() {
        let (x, truth) = xor_table();
        let model = chosen_family(&x, &truth, &Family::ALL);
        assert_eq!(
            model.algorithm.family(),
            Family::Forest,
            "{:?}",
            model.candidates
        );
        assert!(model.thresholds.pooled.is_some());
        let (x, truth) = linear_table();
        let model = chosen_family(&x, &truth, &Family::ALL);
        assert_eq!(
            model.algorithm.family(),
            Family::Logistic,
            "{:?}",
            model.candidates
        );
        // Every candidate is recorded with its score.
        assert_eq!(
            model.candidates.len(),
            Algorithm::candidates(&Family::ALL).len()
        );
        assert!(model.skipped.is_empty());
    }

    #[test]
    fn a_pinned_family_is_the_only_one_tried() {
        let (x, truth) = xor_table();
        let model = chosen_family(&x, &truth, &[Family::Logistic]);
        assert_eq!(model.algorithm.family(), Family::Logistic);
        assert!(
            model
                .candidates
                .iter()
                .all(|c| c.algorithm.family() == Family::Logistic)
        );
    }

    #[test]
    fn once_the_budget_is_spent_the_dearer_candidates_are_skipped() {
        let (x, truth) = xor_table();
        let labels: Vec<Option<TrainLabel>> = (0..600)
            .map(|i| {
                Some(TrainLabel {
                    class: truth[i],
                    audit: true,
                })
            })
            .collect();
        let open = vec![false; 600];
        let cancel = AtomicBool::new(false);
        let input = RoundInput {
            n_classes: 2,
            budget: Duration::ZERO,
            ..input(&x, &labels, &open, &cancel)
        };
        let model = run_round(&input).unwrap().model.unwrap();
        assert_eq!(model.algorithm, Algorithm::GaussianNb);
        assert_eq!(model.candidates.len(), 1);
        assert_eq!(
            model.skipped.len(),
            Algorithm::candidates(&Family::ALL).len() - 1
        );
    }

    #[test]
    fn neighbours_are_left_out_when_scoring_them_would_take_too_long() {
        let knn = Algorithm::Knn { k: 9 };
        assert!(affordable(knn, 2_000, 100_000, 64));
        assert!(!affordable(knn, 20_000, 100_000, 64));
        assert!(affordable(
            Algorithm::Forest { trees: 64 },
            20_000,
            100_000,
            64
        ));
    }

    #[test]
    fn a_cancelled_round_stops() {
        let (x, truth) = data();
        let labels: Vec<Option<TrainLabel>> = (0..300)
            .map(|i| {
                Some(TrainLabel {
                    class: truth[i],
                    audit: true,
                })
            })
            .collect();
        let open = vec![false; 300];
        let cancel = AtomicBool::new(true);
        assert!(matches!(
            run_round(&input(&x, &labels, &open, &cancel)),
            Err(Error::Cancelled)
        ));
    }
}
