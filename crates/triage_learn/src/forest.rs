//! A random forest of linfa-trees decision trees, with probabilities.
//!
//! linfa-ensemble's forest fits its trees one after another and only
//! votes; a round needs class probabilities, honest held-out predictions
//! and every core. So the bagging is done here, over linfa's trees: each
//! tree sees a bootstrap of half the rows and a random subset of the
//! features, trees are fitted in parallel, and a row's probabilities are
//! the share of trees voting for each class. The trees that did not see a
//! row give its out-of-bag prediction, which stands in for cross-validation:
//! one fit instead of five.

use linfa::Dataset;
use linfa::traits::{Fit, Predict};
use linfa_trees::DecisionTree;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::Rng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::{Error, Result};

/// Trees deeper than this add little and cost a linear pass each.
const MAX_DEPTH: usize = 24;
/// Each tree's bootstrap draws this share of the rows, up to
/// `MAX_BOOTSTRAP`: linfa-trees walks every row of a tree at every node,
/// so a cap on the rows per tree is what keeps a forest on many labels
/// within a round's time (scikit-learn's `max_samples`).
const BOOTSTRAP_SHARE: f64 = 0.5;
const MAX_BOOTSTRAP: usize = 2_000;
/// Up to this many features every tree sees them all (an XOR of two
/// features needs both in one tree); beyond it, half of them.
const ALL_FEATURES_UP_TO: usize = 16;

struct Tree {
    model: DecisionTree<f64, usize>,
    features: Vec<usize>,
    /// Rows of the training set this tree never saw.
    out_of_bag: Vec<usize>,
}

/// A fitted forest.
pub struct Forest {
    trees: Vec<Tree>,
    n_classes: usize,
}

/// How many rows each tree's bootstrap draws.
fn bootstrap_size(n: usize) -> usize {
    ((n as f64 * BOOTSTRAP_SHARE).ceil() as usize).clamp(1, MAX_BOOTSTRAP)
}

/// How many features each tree sees.
fn features_per_tree(n_features: usize) -> usize {
    if n_features <= ALL_FEATURES_UP_TO {
        n_features
    } else {
        (n_features / 2).max(ALL_FEATURES_UP_TO)
    }
}

impl Forest {
    /// Fits `trees` trees on rows `x` with classes `y`, seeded.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: &[u32],
        n_classes: usize,
        trees: usize,
        seed: u64,
    ) -> Result<Self> {
        let n = x.nrows();
        if n == 0 || trees == 0 {
            return Err(Error::Model("a forest needs rows and trees".into()));
        }
        let take = bootstrap_size(n);
        let n_features = features_per_tree(x.ncols());
        let fitted = (0..trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = crate::sampling::rng(seed ^ (t as u64).wrapping_mul(0x9e37_79b9));
                let rows: Vec<usize> = (0..take).map(|_| rng.gen_range(0..n)).collect();
                let mut features: Vec<usize> = (0..x.ncols()).collect();
                features.shuffle(&mut rng);
                features.truncate(n_features);
                features.sort_unstable();
                let mut seen = vec![false; n];
                for &r in &rows {
                    seen[r] = true;
                }
                let records = x.select(Axis(0), &rows).select(Axis(1), &features);
                let targets: Array1<usize> = rows.iter().map(|&r| y[r] as usize).collect();
                let model = DecisionTree::params()
                    .max_depth(Some(MAX_DEPTH))
                    .fit(&Dataset::new(records, targets))
                    .map_err(|e| Error::Model(format!("decision tree: {e}")))?;
                Ok(Tree {
                    model,
                    features,
                    out_of_bag: (0..n).filter(|&r| !seen[r]).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            trees: fitted,
            n_classes,
        })
    }

    /// The trees in the forest.
    pub fn len(&self) -> usize {
        self.trees.len()
    }

    /// Whether the forest has no trees (never, once fitted).
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }

    /// Each tree's class for each row of `x`, in the trees' order.
    fn votes(&self, x: ArrayView2<'_, f64>) -> Vec<Array1<usize>> {
        self.trees
            .par_iter()
            .map(|t| t.model.predict(&x.select(Axis(1), &t.features)))
            .collect()
    }

    /// Class probabilities: the share of trees voting for each class.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let votes = self.votes(x);
        self.shares(
            x.nrows(),
            votes.iter().flat_map(|v| v.iter().copied().enumerate()),
        )
    }

    /// Each row's share of `(row, class)` votes per class; a row with no
    /// votes gets equal shares.
    fn shares(&self, rows: usize, votes: impl Iterator<Item = (usize, usize)>) -> Array2<f64> {
        let mut out = Array2::zeros((rows, self.n_classes));
        for (row, class) in votes {
            if class < self.n_classes {
                out[[row, class]] += 1.0;
            }
        }
        crate::model::normalize_rows(&mut out);
        out
    }

    /// Out-of-bag probabilities for the training rows `x` (the rows it was
    /// fitted on, in order): each row is voted on only by trees that never
    /// saw it. A row every tree saw gets equal shares.
    pub fn out_of_bag(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let per_tree: Vec<Vec<(usize, usize)>> = self
            .trees
            .par_iter()
            .map(|t| {
                let rows = x.select(Axis(0), &t.out_of_bag);
                let classes = t.model.predict(&rows.select(Axis(1), &t.features));
                t.out_of_bag.iter().copied().zip(classes).collect()
            })
            .collect();
        self.shares(x.nrows(), per_tree.into_iter().flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XOR of two features: no straight line separates the classes.
    pub(crate) fn xor(n: usize) -> (Array2<f64>, Vec<u32>) {
        let mut rng = crate::sampling::rng(3);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let (a, b): (f64, f64) = (rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0));
            x.extend([a, b]);
            y.push(u32::from((a > 0.0) != (b > 0.0)));
        }
        (Array2::from_shape_vec((n, 2), x).unwrap(), y)
    }

    #[test]
    fn a_forest_separates_xor_and_its_out_of_bag_predictions_are_held_out() {
        let (x, y) = xor(400);
        let forest = Forest::fit(x.view(), &y, 2, 32, 1).unwrap();
        assert_eq!(forest.len(), 32);
        let (test_x, test_y) = xor(200);
        let p = forest.predict_proba(test_x.view());
        let right = (0..200)
            .filter(|&i| crate::model::argmax(p.row(i)).0 == test_y[i])
            .count();
        assert!(right >= 180, "{right} of 200");
        for row in p.outer_iter() {
            assert!((row.sum() - 1.0).abs() < 1e-9);
        }
        // In-sample, the trees that saw a row nearly always get it right;
        // out of bag they must earn it, and a flipped label is not learnt.
        let mut flipped = y.clone();
        flipped[0] = 1 - flipped[0];
        let forest = Forest::fit(x.view(), &flipped, 2, 32, 1).unwrap();
        let oob = forest.out_of_bag(x.view());
        assert!(oob[[0, flipped[0] as usize]] < 0.5, "{}", oob.row(0));
        let right = (0..400)
            .filter(|&i| crate::model::argmax(oob.row(i)).0 == y[i])
            .count();
        assert!(right >= 340, "{right} of 400 out of bag");
    }

    #[test]
    fn a_seed_gives_the_same_forest() {
        let (x, y) = xor(100);
        let a = Forest::fit(x.view(), &y, 2, 8, 7).unwrap();
        let b = Forest::fit(x.view(), &y, 2, 8, 7).unwrap();
        assert_eq!(a.predict_proba(x.view()), b.predict_proba(x.view()));
        assert_eq!(a.out_of_bag(x.view()), b.out_of_bag(x.view()));
    }

    #[test]
    fn each_tree_draws_half_the_rows_up_to_a_cap() {
        assert_eq!(bootstrap_size(1), 1);
        assert_eq!(bootstrap_size(301), 151);
        assert_eq!(bootstrap_size(4_000), 2_000);
        assert_eq!(bootstrap_size(50_000), MAX_BOOTSTRAP);
    }

    #[test]
    fn wide_tables_give_each_tree_half_the_features() {
        assert_eq!(features_per_tree(2), 2);
        assert_eq!(features_per_tree(16), 16);
        assert_eq!(features_per_tree(20), 16);
        assert_eq!(features_per_tree(64), 32);
    }
}
