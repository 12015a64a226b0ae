//! k-nearest neighbours over the (standardised) features: a row's class
//! probabilities are the shares of its `k` nearest labeled rows.
//!
//! Distances come from one matrix product per block of rows
//! (‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b), which is what makes scoring a
//! hundred thousand open rows against a few thousand labeled ones quick; a
//! tree index does not help in the dozens of dimensions features have.
//! Distances are computed in `f32`: twice as fast, and ranking neighbours
//! of standardised features needs no more precision.

use ndarray::{Array1, Array2, ArrayView2, Axis, Slice};
use rayon::prelude::*;

use crate::{Error, Result};

/// Rows scored per matrix product: big enough for a fast product, small
/// enough that the distance block (rows × labeled rows) stays small.
const BLOCK: usize = 512;

/// A fitted neighbour model: the labeled rows themselves.
pub struct Knn {
    k: usize,
    x: Array2<f32>,
    norms: Array1<f32>,
    y: Vec<u32>,
    n_classes: usize,
}

impl Knn {
    /// Keeps the labeled rows `x` with classes `y`.
    pub fn fit(x: ArrayView2<'_, f64>, y: &[u32], n_classes: usize, k: usize) -> Result<Self> {
        if k == 0 || x.nrows() == 0 {
            return Err(Error::Model(
                "k-nearest neighbours needs k ≥ 1 and rows".into(),
            ));
        }
        let x = x.mapv(|v| v as f32);
        Ok(Self {
            k: k.min(x.nrows()),
            norms: x.map_axis(Axis(1), |r| r.dot(&r)),
            x,
            y: y.to_vec(),
            n_classes,
        })
    }

    /// Neighbours that vote (at most the labeled rows).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Class probabilities: each class's share of the `k` nearest labeled
    /// rows (ties in distance are broken by row order).
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.n_classes));
        out.axis_chunks_iter_mut(Axis(0), BLOCK)
            .into_par_iter()
            .enumerate()
            .for_each(|(b, mut out)| {
                let start = b * BLOCK;
                let rows = x
                    .slice_axis(Axis(0), Slice::from(start..start + out.nrows()))
                    .mapv(|v| v as f32);
                // ‖a‖² is the same for every neighbour of a row: leave it out.
                let mut d = rows.dot(&self.x.t());
                d.mapv_inplace(|v| -2.0 * v);
                d += &self.norms;
                let mut near: Vec<(f32, usize)> = Vec::with_capacity(self.x.nrows());
                for (i, dist) in d.outer_iter().enumerate() {
                    near.clear();
                    near.extend(dist.iter().copied().zip(0..));
                    near.select_nth_unstable_by(self.k - 1, |a, b| {
                        a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
                    });
                    for &(_, j) in &near[..self.k] {
                        out[[i, self.y[j] as usize]] += 1.0 / self.k as f64;
                    }
                }
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn with_k_1_a_row_gets_its_nearest_labeled_rows_class() {
        let x = array![[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let knn = Knn::fit(x.view(), &[0, 1, 2], 3, 1).unwrap();
        let p = knn.predict_proba(array![[1.0, 1.0], [9.0, 2.0], [-1.0, 7.0]].view());
        assert_eq!(p, array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
    }

    #[test]
    fn with_k_3_probabilities_are_shares_of_the_three_nearest() {
        let x = array![[0.0], [1.0], [2.0], [10.0], [11.0]];
        let knn = Knn::fit(x.view(), &[0, 0, 1, 1, 1], 2, 3).unwrap();
        let p = knn.predict_proba(array![[0.5], [10.5]].view());
        assert!((p[[0, 0]] - 2.0 / 3.0).abs() < 1e-12);
        assert!((p[[1, 1]] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn blocks_of_rows_give_the_same_answer_as_one() {
        let x = Array2::from_shape_fn((50, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let y: Vec<u32> = (0..50).map(|i| (i % 3) as u32).collect();
        let knn = Knn::fit(x.view(), &y, 3, 5).unwrap();
        let many = Array2::from_shape_fn((BLOCK * 2 + 7, 3), |(i, j)| ((i + j) % 13) as f64);
        let all = knn.predict_proba(many.view());
        for i in [0, BLOCK - 1, BLOCK, BLOCK * 2 + 6] {
            let one = knn.predict_proba(many.slice_axis(Axis(0), Slice::from(i..i + 1)));
            assert_eq!(one.row(0), all.row(i));
        }
    }
}
