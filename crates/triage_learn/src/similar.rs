//! Likeness between rows of features by cosine: "more like this", and
//! groups of near-duplicates (rows linked, directly or through each other,
//! by a cosine at least a threshold).

use ndarray::{Array2, ArrayView2, Axis, Slice};
use rayon::prelude::*;

/// Rows compared per matrix product: the block of cosines (rows × all rows)
/// stays near this many values.
const BLOCK_VALUES: usize = 1 << 22;

/// Rows scaled to unit length, in `f32` (ranking by cosine needs no more);
/// an all-zero row stays zero, like nothing.
fn unit_rows<A: Copy + Into<f64>>(x: ArrayView2<'_, A>) -> Array2<f32> {
    let mut u = x.mapv(|v| v.into() as f32);
    for mut row in u.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
    u
}

/// The cosine of every row of `x` with row `target`.
fn cosine_to<A: Copy + Into<f64>>(x: ArrayView2<'_, A>, target: usize) -> Vec<f64> {
    let u = unit_rows(x);
    let t = u.row(target);
    u.rows().into_iter().map(|r| f64::from(r.dot(&t))).collect()
}

/// The `n` rows `keep` accepts that are nearest row `target` by cosine,
/// nearest first (ties in row order), with their cosines.
pub fn nearest<A: Copy + Into<f64>>(
    x: ArrayView2<'_, A>,
    target: usize,
    n: usize,
    keep: impl Fn(usize) -> bool,
) -> Vec<(usize, f64)> {
    let mut scored: Vec<(usize, f64)> = cosine_to(x, target)
        .into_iter()
        .enumerate()
        .filter(|&(row, _)| keep(row))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(n);
    scored
}

/// Groups of at least two rows linked by a cosine of at least `min_cosine`
/// (single linkage), largest first, each in row order.
pub fn near_duplicate_groups(x: ArrayView2<'_, f64>, min_cosine: f64) -> Vec<Vec<usize>> {
    let n = x.nrows();
    if n < 2 {
        return Vec::new();
    }
    let u = unit_rows(x);
    let block = (BLOCK_VALUES / n).clamp(1, n);
    let min = min_cosine as f32;
    // Each block of rows against the rows after its own start: every pair once.
    let pairs: Vec<(usize, usize)> = (0..n)
        .step_by(block)
        .collect::<Vec<_>>()
        .into_par_iter()
        .flat_map_iter(|start| {
            let end = (start + block).min(n);
            let rows = u.slice_axis(Axis(0), Slice::from(start..end));
            let rest = u.slice_axis(Axis(0), Slice::from(start..));
            let cos = rows.dot(&rest.t());
            let mut found = Vec::new();
            for ((i, j), &c) in cos.indexed_iter() {
                let (a, b) = (start + i, start + j);
                if b > a && c >= min {
                    found.push((a, b));
                }
            }
            found
        })
        .collect();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (a, b) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cosine_ranks_by_direction_not_length() {
        let x = array![[1.0, 0.0], [10.0, 0.5], [0.0, 1.0], [0.0, 0.0]];
        let c = cosine_to(x.view(), 0);
        assert!((c[0] - 1.0).abs() < 1e-6);
        assert!(c[1] > 0.99 && c[2].abs() < 1e-6);
        assert_eq!(c[3], 0.0, "a row of zeros is like nothing");
        let near = nearest(x.view(), 0, 2, |r| r != 0);
        assert_eq!(near.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn groups_link_through_chains_and_leave_singletons_out() {
        // 0–1 alike, 1–2 alike (so 0, 1, 2 one group), 3–4 alike, 5 alone.
        let x = array![
            [1.0, 0.0, 0.0],
            [1.0, 0.12, 0.0],
            [1.0, 0.24, 0.0],
            [0.0, 0.0, 1.0],
            [0.0, 0.05, 1.0],
            [0.0, 1.0, 0.0],
        ];
        assert_eq!(
            near_duplicate_groups(x.view(), 0.99),
            vec![vec![0, 1, 2], vec![3, 4]]
        );
        assert!(near_duplicate_groups(x.view(), 0.9999).is_empty());
    }

    /// Blocks must not lose pairs that span two of them.
    #[test]
    fn pairs_across_blocks_are_found() {
        let n = 3000; // more than one block of rows at this width
        let mut x = Array2::<f64>::zeros((n, 2));
        for i in 0..n {
            let angle = i as f64 * 1e-2;
            x[[i, 0]] = angle.cos();
            x[[i, 1]] = angle.sin();
        }
        // Neighbours 0.01 rad apart (cosine 0.99995) chain into one group;
        // rows two apart (0.9998) alone would not link.
        let groups = near_duplicate_groups(x.view(), 0.9999);
        assert_eq!(groups, vec![(0..n).collect::<Vec<_>>()]);
    }
}
