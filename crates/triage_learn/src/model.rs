//! The model families a round chooses among, with their settings:
//! linfa's multinomial logistic regression and Gaussian naive Bayes (the
//! straight-line ones), k-nearest neighbours, and a random forest of
//! linfa-trees decision trees (for classes no straight line separates).
//! Cross-validation on the trusted labels chooses the family and its
//! settings, unless the user pins a family.

use std::collections::HashMap;

use linfa::Dataset;
use linfa::traits::Fit;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::forest::Forest;
use crate::knn::Knn;
use crate::{Error, Result};

/// A model family: what a user can pin a project to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Multinomial logistic regression.
    Logistic,
    /// Gaussian naive Bayes.
    Bayes,
    /// k-nearest neighbours.
    Knn,
    /// A random forest.
    Forest,
}

impl Family {
    /// Every family, cheapest to cross-validate first: when a round runs
    /// out of time, the dearest are the ones left out.
    pub const ALL: [Self; 4] = [Self::Bayes, Self::Logistic, Self::Knn, Self::Forest];

    /// Its name, as `--model` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logistic => "logistic",
            Self::Bayes => "bayes",
            Self::Knn => "knn",
            Self::Forest => "forest",
        }
    }
}

impl std::str::FromStr for Family {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "unknown model family {s:?} (forest, logistic, bayes or knn)"
                ))
            })
    }
}

/// Trees in a forest.
pub const FOREST_TREES: usize = 64;

/// A model family with its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "algorithm", rename_all = "kebab-case")]
pub enum Algorithm {
    /// Multinomial logistic regression with L2 weight `alpha`.
    Logistic {
        /// The L2 penalty.
        alpha: f64,
    },
    /// Gaussian naive Bayes.
    GaussianNb,
    /// k-nearest neighbours.
    Knn {
        /// Neighbours that vote.
        k: usize,
    },
    /// A random forest.
    Forest {
        /// Its trees.
        trees: usize,
    },
}

impl Algorithm {
    /// The candidates cross-validation chooses from, of the given families:
    /// the cheapest family first and, within one, the plainest settings
    /// first (the strongest penalty, the most neighbours), the order the
    /// one-standard-error rule prefers.
    pub fn candidates(families: &[Family]) -> Vec<Self> {
        Family::ALL
            .into_iter()
            .filter(|f| families.contains(f))
            .flat_map(|family| match family {
                Family::Bayes => vec![Self::GaussianNb],
                Family::Logistic => [10.0, 1.0, 0.1, 0.01]
                    .map(|alpha| Self::Logistic { alpha })
                    .to_vec(),
                // One neighbour gives no graded confidence for thresholds to use.
                Family::Knn => [27, 9, 3].map(|k| Self::Knn { k }).to_vec(),
                Family::Forest => vec![Self::Forest {
                    trees: FOREST_TREES,
                }],
            })
            .collect()
    }

    /// Its family.
    pub fn family(&self) -> Family {
        match self {
            Self::Logistic { .. } => Family::Logistic,
            Self::GaussianNb => Family::Bayes,
            Self::Knn { .. } => Family::Knn,
            Self::Forest { .. } => Family::Forest,
        }
    }

    /// A short name, e.g. `logistic(alpha=0.1)`.
    pub fn name(&self) -> String {
        match self {
            Self::Logistic { alpha } => format!("logistic(alpha={alpha})"),
            Self::GaussianNb => "gaussian-nb".into(),
            Self::Knn { k } => format!("knn(k={k})"),
            Self::Forest { trees } => format!("forest(trees={trees})"),
        }
    }
}

/// A fitted model over `n_classes` classes, of which it may have seen fewer.
pub struct Model {
    /// What it is.
    pub algorithm: Algorithm,
    n_classes: usize,
    fitted: Fitted,
}

enum Fitted {
    Logistic(MultiFittedLogisticRegression<f64, usize>),
    Nb(GaussianNb<f64, usize>),
    Knn(Knn),
    Forest(Forest),
}

/// Fits a model on rows `x` with classes `y`. Needs at least two classes.
/// `seed` fixes what is random in the fit (a forest's bootstraps).
pub fn fit(
    x: ArrayView2<'_, f64>,
    y: &[u32],
    n_classes: usize,
    algorithm: Algorithm,
    seed: u64,
) -> Result<Model> {
    let distinct: std::collections::BTreeSet<u32> = y.iter().copied().collect();
    if distinct.len() < 2 {
        return Err(Error::NotEnoughLabels(format!(
            "{} class(es) labeled; need two",
            distinct.len()
        )));
    }
    let targets: Array1<usize> = y.iter().map(|&c| c as usize).collect();
    let data = Dataset::new(x.to_owned(), targets);
    let fitted = match algorithm {
        Algorithm::Logistic { alpha } => Fitted::Logistic(
            MultiLogisticRegression::default()
                .alpha(alpha)
                .max_iterations(150)
                .fit(&data)
                .map_err(|e| Error::Model(e.to_string()))?,
        ),
        Algorithm::GaussianNb => Fitted::Nb(
            GaussianNb::params()
                .fit(&data)
                .map_err(|e| Error::Model(e.to_string()))?,
        ),
        Algorithm::Knn { k } => Fitted::Knn(Knn::fit(x, y, n_classes, k)?),
        Algorithm::Forest { trees } => Fitted::Forest(Forest::fit(x, y, n_classes, trees, seed)?),
    };
    Ok(Model {
        algorithm,
        n_classes,
        fitted,
    })
}

impl Model {
    /// Class probabilities, one row per input row and one column per class
    /// of the schema; classes the model never saw get 0.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        match &self.fitted {
            Fitted::Logistic(m) => {
                let p = m.predict_probabilities(&x);
                for (j, &class) in m.classes().iter().enumerate() {
                    if class < self.n_classes {
                        out.column_mut(class).assign(&p.column(j));
                    }
                }
            }
            Fitted::Nb(m) => {
                let jll: HashMap<&usize, Array1<f64>> = m.joint_log_likelihood(x);
                // Softmax over the joint log-likelihoods, stably.
                let mut max = Array1::from_elem(x.nrows(), f64::NEG_INFINITY);
                for ll in jll.values() {
                    max.zip_mut_with(ll, |m, &v| *m = m.max(v));
                }
                for (&&class, ll) in &jll {
                    if class < self.n_classes {
                        let mut col = out.column_mut(class);
                        col.assign(&(ll - &max).mapv(f64::exp));
                    }
                }
                normalize_rows(&mut out);
            }
            Fitted::Knn(m) => out = m.predict_proba(x),
            Fitted::Forest(m) => out = m.predict_proba(x),
        }
        out
    }

    /// The fitted parameters as JSON, so a stored model can be inspected.
    pub fn params_json(&self) -> serde_json::Value {
        match &self.fitted {
            Fitted::Logistic(m) => serde_json::json!({
                "classes": m.classes(),
                "intercept": m.intercept().to_vec(),
                "weights": m.params().outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            }),
            Fitted::Nb(_) => serde_json::json!({ "classes": self.n_classes }),
            Fitted::Knn(m) => serde_json::json!({ "classes": self.n_classes, "k": m.k() }),
            Fitted::Forest(m) => serde_json::json!({ "classes": self.n_classes, "trees": m.len() }),
        }
    }
}

/// Held-out class probabilities for every training row, each from a model
/// that never saw it, and the model fitted on all rows when that came for
/// free. A forest's come from its out-of-bag trees (one fit); the other
/// families' from stratified `folds`-fold cross-validation.
pub fn out_of_fold(
    x: ArrayView2<'_, f64>,
    y: &[u32],
    n_classes: usize,
    algorithm: Algorithm,
    folds: usize,
    seed: u64,
) -> Result<(Array2<f64>, Option<Model>)> {
    if let Algorithm::Forest { trees } = algorithm {
        let forest = Forest::fit(x, y, n_classes, trees, seed)?;
        let oob = forest.out_of_bag(x);
        let model = Model {
            algorithm,
            n_classes,
            fitted: Fitted::Forest(forest),
        };
        return Ok((oob, Some(model)));
    }
    let fold_of = stratified_folds(y, folds, seed);
    // Folds are independent fits: run them on every core.
    let parts: Vec<(Vec<usize>, Array2<f64>)> = (0..folds)
        .into_par_iter()
        .map(|k| {
            let train: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] != k).collect();
            let test: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] == k).collect();
            if test.is_empty() {
                return Ok((test, Array2::zeros((0, n_classes))));
            }
            let y_train: Vec<u32> = train.iter().map(|&i| y[i]).collect();
            let model = fit(
                x.select(Axis(0), &train).view(),
                &y_train,
                n_classes,
                algorithm,
                seed,
            )?;
            Ok((
                test.clone(),
                model.predict_proba(x.select(Axis(0), &test).view()),
            ))
        })
        .collect::<Result<_>>()?;
    let mut out = Array2::zeros((y.len(), n_classes));
    for (test, p) in parts {
        for (row, &i) in test.iter().enumerate() {
            out.row_mut(i).assign(&p.row(row));
        }
    }
    Ok((out, None))
}

/// Assigns each row a fold, dealing each class's rows round-robin after a
/// seeded shuffle, so every fold sees every class in proportion.
pub fn stratified_folds(y: &[u32], folds: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut by_class: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, &c) in y.iter().enumerate() {
        by_class.entry(c).or_default().push(i);
    }
    let mut fold_of = vec![0; y.len()];
    let mut next = 0;
    for rows in by_class.values_mut() {
        rows.shuffle(&mut rng);
        for &i in rows.iter() {
            fold_of[i] = next % folds;
            next += 1;
        }
    }
    fold_of
}

/// Each row's log-loss: minus the log of the probability of its true class.
pub fn row_log_losses<'a>(p: &'a Array2<f64>, y: &'a [u32]) -> impl Iterator<Item = f64> + 'a {
    y.iter()
        .enumerate()
        .map(|(i, &c)| -(p[[i, c as usize]].max(1e-12)).ln())
}

/// Mean log-loss of probabilities against true classes (lower is better).
pub fn log_loss(p: &Array2<f64>, y: &[u32]) -> f64 {
    row_log_losses(p, y).sum::<f64>() / y.len().max(1) as f64
}

/// Scales each row to sum to 1; a row of zeros gets equal shares.
pub fn normalize_rows(p: &mut Array2<f64>) {
    let n_classes = p.ncols() as f64;
    for mut row in p.axis_iter_mut(Axis(0)) {
        let sum = row.sum();
        if sum > 0.0 {
            row /= sum;
        } else {
            row.fill(1.0 / n_classes);
        }
    }
}

/// The most likely class of a probability row, and its probability.
pub fn argmax(row: ndarray::ArrayView1<'_, f64>) -> (u32, f64) {
    row.iter()
        .enumerate()
        .fold((0u32, f64::NEG_INFINITY), |best, (i, &p)| {
            if p > best.1 { (i as u32, p) } else { best }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn blobs() -> (Array2<f64>, Vec<u32>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let c = (i % 3) as u32;
            let jitter = ((i * 37) % 11) as f64 / 20.0;
            x.extend([c as f64 * 3.0 + jitter, -(c as f64) * 2.0 + jitter]);
            y.push(c);
        }
        (Array2::from_shape_vec((60, 2), x).unwrap(), y)
    }

    #[test]
    fn every_algorithm_separates_blobs_with_rows_summing_to_one() {
        let (x, y) = blobs();
        // 45 neighbours outvote a class of 20 rows: not a fair test.
        for algo in Algorithm::candidates(&Family::ALL)
            .into_iter()
            .filter(|a| !matches!(a, Algorithm::Knn { k } if *k > 20))
        {
            let m = fit(x.view(), &y, 4, algo, 1).unwrap();
            let p = m.predict_proba(x.view());
            assert_eq!(p.dim(), (60, 4));
            for (i, row) in p.outer_iter().enumerate() {
                assert!((row.sum() - 1.0).abs() < 1e-6, "{}", algo.name());
                assert_eq!(argmax(row).0, y[i], "{}", algo.name());
                assert_eq!(row[3], 0.0, "an unseen class gets nothing");
            }
        }
    }

    #[test]
    fn one_class_is_not_enough() {
        let x = array![[1.0], [2.0]];
        assert!(matches!(
            fit(x.view(), &[1, 1], 2, Algorithm::GaussianNb, 0),
            Err(Error::NotEnoughLabels(_))
        ));
    }

    #[test]
    fn folds_are_stratified_and_out_of_fold_predictions_are_good() {
        let (x, y) = blobs();
        let folds = stratified_folds(&y, 5, 1);
        for k in 0..5 {
            for c in 0..3 {
                let n = (0..60).filter(|&i| folds[i] == k && y[i] == c).count();
                assert_eq!(n, 4, "fold {k} class {c}");
            }
        }
        let (p, _) =
            out_of_fold(x.view(), &y, 3, Algorithm::Logistic { alpha: 0.1 }, 5, 1).unwrap();
        let correct = (0..60).filter(|&i| argmax(p.row(i)).0 == y[i]).count();
        assert_eq!(correct, 60);
        assert!(log_loss(&p, &y) < 0.5);
    }
}
