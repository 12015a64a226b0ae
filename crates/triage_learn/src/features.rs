//! Features: table columns and image descriptors turned into one numeric
//! matrix, standardised, as linfa wants it.
//!
//! - Numeric columns are standardised; a missing value becomes 0 and sets
//!   a missing-value flag column.
//! - Text columns are one-hot on their most frequent values, with an
//!   "other" column; a column whose values are all distinct is an
//!   identifier and is left out, since it cannot generalise.
//! - A list column of numbers (an embedding, e.g. CLIP vectors) is used as
//!   is.
//! - Images become a descriptor: small greyscale pixels, colour histograms
//!   and a gradient-orientation histogram (HOG-like), then PCA.

use fast_image_resize::images::Image;
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_reduction::Pca;
use ndarray::{Array2, Axis};
use polars::prelude::*;

use crate::{Error, Result};

/// How many values of a text column get their own one-hot column.
pub const TOP_VALUES: usize = 10;
/// Images are reduced to at most this many PCA components.
pub const PCA_DIMS: usize = 64;

/// Each free-text column becomes this many features: its hashed TF-IDF,
/// sketched down (see [`crate::text::sketch`]).
pub const TEXT_COLUMN_DIMS: usize = 64;

/// A table's columns as a feature matrix, one row per table row. String
/// columns named in `text_columns` (free text, as the profile finds it)
/// give text features; other strings are one-hot on their top values.
pub fn table_matrix(
    df: &DataFrame,
    skip: &[String],
    text_columns: &[String],
) -> Result<(Array2<f64>, Vec<String>)> {
    let n = df.height();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut names = Vec::new();
    for col in df.columns() {
        let name = col.name().to_string();
        if skip.contains(&name) {
            continue;
        }
        let series = col.as_materialized_series();
        match series.dtype() {
            dt if dt.is_primitive_numeric() || dt.is_bool() || dt.is_temporal() => {
                let values = series
                    .cast(&DataType::Float64)
                    .map_err(|e| Error::Features(format!("column {name}: {e}")))?;
                let values: Vec<Option<f64>> = values
                    .f64()
                    .map_err(|e| Error::Features(e.to_string()))?
                    .iter()
                    .collect();
                push_numeric(&name, &values, &mut columns, &mut names);
            }
            DataType::String => {
                let values: Vec<Option<&str>> = series
                    .str()
                    .map_err(|e| Error::Features(e.to_string()))?
                    .iter()
                    .collect();
                if text_columns.contains(&name) {
                    push_text(&name, &values, &mut columns, &mut names);
                } else {
                    push_categorical(&name, &values, &mut columns, &mut names);
                }
            }
            DataType::List(inner) if inner.is_primitive_numeric() => {
                push_embedding(&name, series, n, &mut columns, &mut names)?;
            }
            _ => {} // nested or binary data carries no usable signal here
        }
    }
    let dim = columns.len();
    let mut x = Array2::zeros((n, dim));
    for (j, column) in columns.into_iter().enumerate() {
        for (i, v) in column.into_iter().enumerate() {
            x[[i, j]] = v;
        }
    }
    Ok((x, names))
}

/// A free-text column: its texts' hashed TF-IDF sketched to
/// [`TEXT_COLUMN_DIMS`] standardised columns, and a missing flag when
/// some rows have no text.
fn push_text(
    name: &str,
    values: &[Option<&str>],
    columns: &mut Vec<Vec<f64>>,
    names: &mut Vec<String>,
) {
    let terms: Vec<crate::text::Terms> = values
        .iter()
        .map(|v| v.map(crate::text::terms).unwrap_or_default())
        .collect();
    let mut x = crate::text::sketch(&crate::text::tfidf_matrix(&terms), TEXT_COLUMN_DIMS);
    standardize(&mut x);
    for (j, column) in x.columns().into_iter().enumerate() {
        columns.push(column.to_vec());
        names.push(format!("{name}~{j}"));
    }
    if values.iter().any(Option::is_none) {
        columns.push(
            values
                .iter()
                .map(|v| f64::from(u8::from(v.is_none())))
                .collect(),
        );
        names.push(format!("{name}:missing"));
    }
}

fn push_numeric(
    name: &str,
    values: &[Option<f64>],
    columns: &mut Vec<Vec<f64>>,
    names: &mut Vec<String>,
) {
    let present: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if present.is_empty() {
        return;
    }
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    let var = present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / present.len() as f64;
    let std = if var > 0.0 { var.sqrt() } else { 1.0 };
    let missing = present.len() < values.len();
    columns.push(
        values
            .iter()
            .map(|v| {
                v.filter(|v| v.is_finite())
                    .map_or(0.0, |v| (v - mean) / std)
            })
            .collect(),
    );
    names.push(name.to_owned());
    if missing {
        columns.push(
            values
                .iter()
                .map(|v| f64::from(u8::from(!v.is_some_and(f64::is_finite))))
                .collect(),
        );
        names.push(format!("{name}:missing"));
    }
}

fn push_categorical(
    name: &str,
    values: &[Option<&str>],
    columns: &mut Vec<Vec<f64>>,
    names: &mut Vec<String>,
) {
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    for v in values.iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    let present: usize = counts.values().sum();
    if counts.len() == present && present > 1 {
        return; // every value distinct: an identifier
    }
    let mut top: Vec<(&str, usize)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kept: Vec<&str> = top.iter().take(TOP_VALUES).map(|t| t.0).collect();
    for value in &kept {
        columns.push(
            values
                .iter()
                .map(|v| f64::from(u8::from(*v == Some(value))))
                .collect(),
        );
        names.push(format!("{name}={value}"));
    }
    if top.len() > kept.len() {
        columns.push(
            values
                .iter()
                .map(|v| f64::from(u8::from(v.is_some_and(|v| !kept.contains(&v)))))
                .collect(),
        );
        names.push(format!("{name}:other"));
    }
    if present < values.len() {
        columns.push(
            values
                .iter()
                .map(|v| f64::from(u8::from(v.is_none())))
                .collect(),
        );
        names.push(format!("{name}:missing"));
    }
}

fn push_embedding(
    name: &str,
    series: &Series,
    n: usize,
    columns: &mut Vec<Vec<f64>>,
    names: &mut Vec<String>,
) -> Result<()> {
    let cast = series
        .cast(&DataType::List(Box::new(DataType::Float64)))
        .map_err(|e| Error::Features(format!("column {name}: {e}")))?;
    let lists = cast.list().map_err(|e| Error::Features(e.to_string()))?;
    let rows: Vec<Option<Vec<f64>>> = (0..n)
        .map(|i| lists.get_as_series(i))
        .map(|s| {
            s.and_then(|s| {
                s.f64()
                    .ok()
                    .map(|ca| ca.iter().map(|v| v.unwrap_or(0.0)).collect())
            })
        })
        .collect();
    // The length most rows have; rows of another length count as missing.
    let mut lengths: std::collections::HashMap<usize, usize> = Default::default();
    for r in rows.iter().flatten() {
        *lengths.entry(r.len()).or_default() += 1;
    }
    let Some((&dim, _)) = lengths.iter().max_by_key(|(len, count)| (**count, **len)) else {
        return Ok(());
    };
    let start = columns.len();
    columns.extend((0..dim).map(|_| vec![0.0; n]));
    let mut missing = vec![0.0; n];
    for (i, r) in rows.iter().enumerate() {
        match r {
            Some(v) if v.len() == dim => {
                for (j, x) in v.iter().enumerate() {
                    columns[start + j][i] = *x;
                }
            }
            _ => missing[i] = 1.0,
        }
    }
    names.extend((0..dim).map(|j| format!("{name}[{j}]")));
    if missing.iter().any(|&m| m > 0.0) {
        columns.push(missing);
        names.push(format!("{name}:missing"));
    }
    Ok(())
}

/// Side of the greyscale thumbnail whose pixels are features.
const PIXELS_SIDE: u32 = 12;
/// Side of the image the gradient histogram is computed on, in 4×4 cells.
const HOG_SIDE: u32 = 32;
const HOG_CELLS: usize = 4;
const HOG_BINS: usize = 9;
const COLOUR_BINS: usize = 8;

/// The length of [`image_descriptor`]'s output.
pub const IMAGE_DESCRIPTOR_LEN: usize =
    (PIXELS_SIDE * PIXELS_SIDE) as usize + 3 * COLOUR_BINS + HOG_CELLS * HOG_CELLS * HOG_BINS;

fn resize_gray(gray: &[u8], width: u32, height: u32, side: u32) -> Result<Vec<u8>> {
    let src = Image::from_vec_u8(width, height, gray.to_vec(), PixelType::U8)
        .map_err(|e| Error::Features(e.to_string()))?;
    let mut dst = Image::new(side, side, PixelType::U8);
    Resizer::new()
        .resize(&src, &mut dst, &ResizeOptions::new())
        .map_err(|e| Error::Features(e.to_string()))?;
    Ok(dst.into_vec())
}

/// A fixed-length descriptor of an RGB image (8 bits per channel).
pub fn image_descriptor(rgb: &[u8], width: u32, height: u32) -> Result<Vec<f32>> {
    if rgb.len() != width as usize * height as usize * 3 || width == 0 || height == 0 {
        return Err(Error::Features(format!(
            "{width}×{height} RGB image has {} bytes",
            rgb.len()
        )));
    }
    let gray: Vec<u8> = rgb
        .chunks_exact(3)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    let mut out = Vec::with_capacity(IMAGE_DESCRIPTOR_LEN);
    out.extend(
        resize_gray(&gray, width, height, PIXELS_SIDE)?
            .iter()
            .map(|&v| f32::from(v) / 255.0),
    );

    let mut hist = [0f32; 3 * COLOUR_BINS];
    for p in rgb.chunks_exact(3) {
        for c in 0..3 {
            hist[c * COLOUR_BINS + usize::from(p[c]) * COLOUR_BINS / 256] += 1.0;
        }
    }
    let pixels = (width * height) as f32;
    out.extend(hist.iter().map(|h| h / pixels));

    let g = resize_gray(&gray, width, height, HOG_SIDE)?;
    let side = HOG_SIDE as usize;
    let cell = side / HOG_CELLS;
    let mut hog = vec![0f32; HOG_CELLS * HOG_CELLS * HOG_BINS];
    let at = |x: usize, y: usize| f32::from(g[y * side + x]);
    for y in 0..side {
        for x in 0..side {
            let dx = at((x + 1).min(side - 1), y) - at(x.saturating_sub(1), y);
            let dy = at(x, (y + 1).min(side - 1)) - at(x, y.saturating_sub(1));
            let magnitude = (dx * dx + dy * dy).sqrt();
            // Unsigned orientation in [0, π).
            let angle = dy.atan2(dx).rem_euclid(std::f32::consts::PI);
            let bin = ((angle / std::f32::consts::PI) * HOG_BINS as f32) as usize % HOG_BINS;
            hog[((y / cell) * HOG_CELLS + x / cell) * HOG_BINS + bin] += magnitude;
        }
    }
    for block in hog.chunks_mut(HOG_BINS) {
        let norm = block.iter().map(|v| v * v).sum::<f32>().sqrt() + 1e-6;
        block.iter_mut().for_each(|v| *v /= norm);
    }
    out.extend(hog);
    Ok(out)
}

/// Standardises each column to mean 0 and standard deviation 1 (constant
/// columns become 0).
pub fn standardize(x: &mut Array2<f64>) {
    for mut col in x.axis_iter_mut(Axis(1)) {
        let n = col.len().max(1) as f64;
        let mean = col.sum() / n;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let std = var.sqrt();
        col.mapv_inplace(|v| if std > 1e-12 { (v - mean) / std } else { 0.0 });
    }
}

/// Image descriptors to model features: standardised, then reduced by PCA
/// to at most [`PCA_DIMS`] components. The components keep their relative
/// variance (one global scale brings the mean variance to 1): whitening would
/// blow the noisy last components up to the size of the first ones.
pub fn image_matrix(descriptors: &[Vec<f32>]) -> Result<Array2<f64>> {
    let n = descriptors.len();
    let dim = descriptors.first().map_or(0, Vec::len);
    let flat: Vec<f64> = descriptors
        .iter()
        .flat_map(|d| d.iter().map(|&v| f64::from(v)))
        .collect();
    let mut x =
        Array2::from_shape_vec((n, dim), flat).map_err(|e| Error::Features(e.to_string()))?;
    standardize(&mut x);
    let dims = PCA_DIMS.min(dim).min(n.saturating_sub(1));
    if dims == 0 {
        return Ok(x);
    }
    let data = DatasetBase::from(x.clone());
    let pca = Pca::params(dims)
        .fit(&data)
        .map_err(|e| Error::Features(e.to_string()))?;
    let reduced: Array2<f64> = pca.predict(&x);
    let mean_var = reduced.var_axis(Axis(0), 0.0).mean().unwrap_or(1.0);
    Ok(if mean_var > 1e-12 {
        reduced / mean_var.sqrt()
    } else {
        reduced
    })
}

/// A 2-D map of the feature space for people to look at: the first two
/// principal components of the standardised features, with the share of
/// the variance each explains. PCA is fitted on at most [`MAP_FIT_ROWS`]
/// rows spread evenly over the data (a large project would otherwise wait
/// on one big SVD), then every row is projected.
pub fn map_2d(features: &Array2<f64>) -> Result<(Vec<[f64; 2]>, [f64; 2])> {
    let (n, dim) = features.dim();
    let mut x = features.clone();
    standardize(&mut x);
    if n < 3 || dim == 0 {
        return Err(Error::Features(format!(
            "a map needs at least 3 items with features, not {n}"
        )));
    }
    if dim == 1 {
        return Ok((x.column(0).iter().map(|&v| [v, 0.0]).collect(), [1.0, 0.0]));
    }
    let step = n.div_ceil(MAP_FIT_ROWS);
    let fit_rows: Vec<usize> = (0..n).step_by(step).collect();
    let data = DatasetBase::from(x.select(Axis(0), &fit_rows));
    let pca = Pca::params(2)
        .fit(&data)
        .map_err(|e| Error::Features(e.to_string()))?;
    let ratio = pca.explained_variance_ratio();
    let reduced: Array2<f64> = pca.predict(&x);
    let points = reduced.rows().into_iter().map(|r| [r[0], r[1]]).collect();
    Ok((points, [ratio[0], ratio.get(1).copied().unwrap_or(0.0)]))
}

/// See [`map_2d`].
pub const MAP_FIT_ROWS: usize = 20_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_2d_finds_the_direction_of_most_variance() {
        // Points along y = 2x with a little noise across: the first
        // component carries nearly all the variance.
        let n = 200;
        let flat: Vec<f64> = (0..n)
            .flat_map(|i| {
                let t = i as f64 / n as f64;
                let noise = if i % 2 == 0 { 0.01 } else { -0.01 };
                [t, 2.0 * t + noise, 5.0]
            })
            .collect();
        let x = Array2::from_shape_vec((n, 3), flat).unwrap();
        let (points, ratio) = map_2d(&x).unwrap();
        assert_eq!(points.len(), n);
        assert!(ratio[0] > 0.99, "{ratio:?}");
        // Order along the line is kept by the first component (up to sign).
        let first: Vec<f64> = points.iter().map(|p| p[0]).collect();
        let increasing = first.windows(2).all(|w| w[1] >= w[0] - 0.05);
        let decreasing = first.windows(2).all(|w| w[1] <= w[0] + 0.05);
        assert!(increasing || decreasing);
        assert!(map_2d(&Array2::zeros((2, 3))).is_err());
    }

    #[test]
    fn table_features_handle_numbers_text_missing_and_ids() {
        let df = df!(
            "id" => ["a", "b", "c", "d"],
            "x" => [Some(1.0), Some(3.0), None, Some(2.0)],
            "kind" => [Some("cat"), Some("dog"), Some("cat"), None],
            "label" => ["p", "q", "p", "q"],
        )
        .unwrap();
        let (x, names) = table_matrix(&df, &["label".to_string()], &[]).unwrap();
        assert_eq!(
            names,
            ["x", "x:missing", "kind=cat", "kind=dog", "kind:missing"]
        );
        assert_eq!(x.dim(), (4, 5));
        // x: mean 2, std sqrt(2/3); the missing value is 0 and flagged.
        let s = (2.0f64 / 3.0).sqrt();
        assert!((x[[0, 0]] + 1.0 / s).abs() < 1e-12);
        assert_eq!((x[[2, 0]], x[[2, 1]]), (0.0, 1.0));
        assert_eq!(x.row(3).to_vec(), vec![0.0, 0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn free_text_columns_give_text_features() {
        let df = df!(
            "note" => [Some("late goal wins the derby"), Some("a late goal in the derby"), None, Some("rates rise at the bank")],
            "kind" => ["a", "a", "b", "b"],
        )
        .unwrap();
        let (x, names) = table_matrix(&df, &[], &["note".to_string()]).unwrap();
        assert_eq!(names.len(), TEXT_COLUMN_DIMS + 1 + 2);
        assert_eq!(names[0], "note~0");
        assert_eq!(names[TEXT_COLUMN_DIMS], "note:missing");
        assert_eq!(x.dim(), (4, TEXT_COLUMN_DIMS + 3));
        let dist = |a: usize, b: usize| {
            (0..TEXT_COLUMN_DIMS)
                .map(|j| (x[[a, j]] - x[[b, j]]).powi(2))
                .sum::<f64>()
        };
        assert!(dist(0, 1) < dist(0, 3), "texts on one topic are near");
    }

    #[test]
    fn embedding_columns_are_used_as_is() {
        let e: ListChunked = [Some(vec![0.5f64, -1.0]), Some(vec![2.0, 3.0]), None]
            .into_iter()
            .map(|v| v.map(|v| Series::new("".into(), v)))
            .collect();
        let df = DataFrame::new_infer_height(vec![e.into_series().with_name("emb".into()).into()])
            .unwrap();
        let (x, names) = table_matrix(&df, &[], &[]).unwrap();
        assert_eq!(names, ["emb[0]", "emb[1]", "emb:missing"]);
        assert_eq!(x.row(0).to_vec(), vec![0.5, -1.0, 0.0]);
        assert_eq!(x.row(2).to_vec(), vec![0.0, 0.0, 1.0]);
    }

    #[test]
    fn image_descriptors_have_a_fixed_length_and_see_edges() {
        let flat = vec![128u8; 20 * 10 * 3];
        let d = image_descriptor(&flat, 20, 10).unwrap();
        assert_eq!(d.len(), IMAGE_DESCRIPTOR_LEN);
        let hog_start = (PIXELS_SIDE * PIXELS_SIDE) as usize + 3 * COLOUR_BINS;
        assert!(
            d[hog_start..].iter().all(|v| v.abs() < 1e-3),
            "a flat image has no gradients"
        );
        let stripes: Vec<u8> = (0..40 * 40)
            .flat_map(|i| {
                if (i % 40) / 5 % 2 == 0 {
                    [0, 0, 0]
                } else {
                    [255, 255, 255]
                }
            })
            .collect();
        let d = image_descriptor(&stripes, 40, 40).unwrap();
        assert!(
            d[hog_start..].iter().any(|v| *v > 0.5),
            "vertical stripes have horizontal gradients"
        );
        assert!(image_descriptor(&flat, 21, 10).is_err());
    }

    #[test]
    fn image_matrix_reduces_and_standardises() {
        let descriptors: Vec<Vec<f32>> = (0..30)
            .map(|i| {
                (0..100)
                    .map(|j| ((i * j) % 7) as f32 + (i % 3) as f32)
                    .collect()
            })
            .collect();
        let x = image_matrix(&descriptors).unwrap();
        assert_eq!(x.nrows(), 30);
        assert!(x.ncols() <= 29);
        let mean = x.column(0).sum() / 30.0;
        assert!(mean.abs() < 1e-9);
        let vars = x.var_axis(Axis(0), 0.0);
        assert!((vars.mean().unwrap() - 1.0).abs() < 1e-9);
        assert!(
            vars[0] >= vars[vars.len() - 1],
            "components keep their order of variance"
        );
    }
}
