//! Active learning: features, linfa models, thresholds backed by a lower
//! confidence bound, and query strategies.
//!
//! Everything here is a pure function of arrays: [`round::run_round`] takes
//! features and labels and returns a model, thresholds, predictions, the next
//! human batch and likely label errors. The caller reads the project before
//! and writes it after, so training never holds a lock that a person
//! labeling would wait on, and a round can be cancelled at any step.
//!
//! linfa 0.8 works on ndarray 0.16; tables arrive as polars frames and leave
//! as ndarray matrices through plain vectors.

pub mod boxes;
pub mod calibrate;
pub mod consensus;
pub mod encode;
pub mod features;
pub mod forest;
pub mod knn;
pub mod model;
pub mod round;
pub mod sampling;
pub mod similar;
pub mod strategy;
pub mod text;
pub mod thresholds;

/// A feature matrix: one row per item, one column per feature.
pub type Matrix = ndarray::Array2<f64>;
/// The features a round learns from, in single precision: a 10,000,000-row
/// table's 57 columns take 2.3 GB rather than 4.6, and the models see `f64`
/// rows only a chunk at a time.
pub type Features = ndarray::Array2<f32>;

/// The given rows of `x` in double precision, as the models take them.
pub fn rows_of(x: &Features, rows: &[usize]) -> Matrix {
    let mut out = Matrix::zeros((rows.len(), x.ncols()));
    for (mut to, &r) in out.rows_mut().into_iter().zip(rows) {
        to.zip_mut_with(&x.row(r), |a, &b| *a = f64::from(b));
    }
    out
}
pub use ndarray::Axis;

/// Errors from learning.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Too few labels, or too few classes among them, to train.
    #[error("not enough labels to train: {0}")]
    NotEnoughLabels(String),
    /// A model could not be fitted.
    #[error("model: {0}")]
    Model(String),
    /// Features could not be built.
    #[error("features: {0}")]
    Features(String),
    /// The round was cancelled.
    #[error("the round was cancelled")]
    Cancelled,
    /// A setting is not usable.
    #[error("{0}")]
    Invalid(String),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
