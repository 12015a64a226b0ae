//! Features: image descriptors turned into one numeric matrix,
//! standardised, as linfa wants it (tables are [`crate::encode`]'s), and
//! the 2-D map.
//!
//! - Images become a descriptor: small greyscale pixels, colour histograms
//!   and a gradient-orientation histogram (HOG-like), then PCA.

use fast_image_resize::images::Image;
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_linalg::eigh::EighInto;
use linfa_reduction::Pca;
use ndarray::{Array2, Axis};

use crate::{Error, Result};

/// Images are reduced to at most this many PCA components.
pub const PCA_DIMS: usize = 64;

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
    // The exact eigenvectors of the sample's covariance: linfa's PCA takes
    // a randomised truncated SVD, which on small inputs can miss the first
    // direction by tens of degrees.
    let sample = x.select(Axis(0), &fit_rows);
    let mean = sample
        .mean_axis(Axis(0))
        .ok_or_else(|| Error::Features("a map needs rows".into()))?;
    let centred = sample - &mean;
    let covariance = centred.t().dot(&centred) / fit_rows.len() as f64;
    let (values, vectors) = covariance
        .eigh_into()
        .map_err(|e| Error::Features(e.to_string()))?;
    let mut by_variance: Vec<usize> = (0..dim).collect();
    by_variance.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let basis = vectors.select(Axis(1), &by_variance[..2]);
    x -= &mean;
    let reduced = x.dot(&basis);
    let total = values.iter().map(|v| v.max(0.0)).sum::<f64>().max(1e-12);
    let share = |k: usize| values[by_variance[k]].max(0.0) / total;
    let points = reduced.rows().into_iter().map(|r| [r[0], r[1]]).collect();
    Ok((points, [share(0), share(1)]))
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
    fn map_2d_gives_each_axis_its_share_of_all_the_variance() {
        // Four directions, each taken by a quarter of the rows: two axes
        // show about half of the variance, not all of it.
        let n = 400;
        let flat: Vec<f64> = (0..n)
            .flat_map(|i| (0..4).map(move |d| if i % 4 == d { 1.0 } else { 0.0 }))
            .collect();
        let x = Array2::from_shape_vec((n, 4), flat).unwrap();
        let (_, ratio) = map_2d(&x).unwrap();
        assert!((ratio[0] - 1.0 / 3.0).abs() < 0.02, "{ratio:?}");
        assert!((ratio[1] - 1.0 / 3.0).abs() < 0.02, "{ratio:?}");
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
