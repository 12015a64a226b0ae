//! Image files: sizes, formats, unreadable files and near-duplicates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use triage_data::image_file::{self, ImageLimits};

use crate::model::{ImageFacts, Unreadable};
use crate::stats;

/// Two images whose 64-bit difference hashes differ in at most this many
/// bits are near-duplicates: resized, recompressed or lightly edited copies.
pub const NEAR_DUPLICATE_BITS: u32 = 4;

/// One image to profile.
#[derive(Debug, Clone)]
pub struct ImageInput {
    /// How the file is named in the profile.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// A smaller copy to hash instead, such as a project's thumbnail, which
    /// decodes far faster and hashes the same.
    pub thumbnail: Option<PathBuf>,
}

struct Seen {
    width: u32,
    height: u32,
    bytes: u64,
    format: String,
    hash: Option<u64>,
}

/// Profiles image files in parallel. Reading a header is enough for sizes
/// and formats; hashing decodes the thumbnail, or the file when it has none.
pub fn profile_images(inputs: &[ImageInput]) -> ImageFacts {
    let seen: Vec<Result<Seen, String>> = inputs.par_iter().map(look).collect();
    let mut unreadable = Vec::new();
    let (mut w, mut h, mut a, mut kib) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut formats: HashMap<String, u64> = HashMap::new();
    let mut hashes = Vec::new();
    for (input, s) in inputs.iter().zip(&seen) {
        match s {
            Err(reason) => unreadable.push(Unreadable {
                path: input.name.clone(),
                reason: reason.clone(),
            }),
            Ok(s) => {
                w.push(f64::from(s.width));
                h.push(f64::from(s.height));
                a.push(f64::from(s.width) / f64::from(s.height.max(1)));
                kib.push(s.bytes as f64 / 1024.0);
                *formats.entry(s.format.clone()).or_default() += 1;
                if let Some(hash) = s.hash {
                    hashes.push((input.name.as_str(), hash));
                }
            }
        }
    }
    let mut formats: Vec<crate::ValueCount> = formats
        .into_iter()
        .map(|(value, count)| crate::ValueCount { value, count })
        .collect();
    formats.sort_by(|x, y| y.count.cmp(&x.count).then_with(|| x.value.cmp(&y.value)));
    ImageFacts {
        files: inputs.len() as u64,
        readable: w.len() as u64,
        unreadable,
        formats,
        width: stats::numeric(&mut w),
        height: stats::numeric(&mut h),
        aspect: stats::numeric(&mut a),
        file_kib: stats::numeric(&mut kib),
        near_duplicates: near_duplicates(&hashes),
    }
}

fn look(input: &ImageInput) -> Result<Seen, String> {
    let bytes = std::fs::metadata(&input.path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    let (format, width, height) = image_file::read_header(&input.path)?;
    let source = input.thumbnail.as_deref().filter(|t| t.is_file());
    let hash = dhash(source.unwrap_or(&input.path));
    Ok(Seen {
        width,
        height,
        bytes,
        format,
        hash,
    })
}

/// The difference hash: the image as 9×8 grey pixels, one bit per pair of
/// horizontal neighbours (is the left one brighter?).
pub fn dhash(path: &Path) -> Option<u64> {
    let img = image_file::decode_file(path, ImageLimits::default()).ok()?;
    let small =
        image::imageops::resize(&img.to_luma8(), 9, 8, image::imageops::FilterType::Triangle);
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let bit = small.get_pixel(x, y)[0] > small.get_pixel(x + 1, y)[0];
            hash = (hash << 1) | u64::from(bit);
        }
    }
    Some(hash)
}

/// Groups of names whose hashes are within [`NEAR_DUPLICATE_BITS`].
/// Candidates come from 8 bands of 8 bits: two hashes within 7 bits agree
/// on at least one band, so no pair within the threshold is missed.
fn near_duplicates(hashes: &[(&str, u64)]) -> Vec<Vec<String>> {
    let mut parent: Vec<usize> = (0..hashes.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for band in 0..8 {
        let mut buckets: HashMap<u8, Vec<usize>> = HashMap::new();
        for (i, (_, h)) in hashes.iter().enumerate() {
            buckets.entry((h >> (band * 8)) as u8).or_default().push(i);
        }
        for members in buckets.values() {
            for (k, &i) in members.iter().enumerate() {
                for &j in &members[k + 1..] {
                    if (hashes[i].1 ^ hashes[j].1).count_ones() <= NEAR_DUPLICATE_BITS {
                        let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                        parent[ri.max(rj)] = ri.min(rj);
                    }
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<String>> = HashMap::new();
    for (i, (name, _)) in hashes.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(name.to_string());
    }
    let mut out: Vec<Vec<String>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for g in &mut out {
        g.sort();
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_group_within_the_threshold_only() {
        let hashes = [
            ("a", 0u64),
            ("b", 0b1111),           // 4 bits from a
            ("c", 0xFF00_0000_0000), // 8 bits from a
            ("d", 0xFF00_0000_0001), // 1 bit from c
        ];
        assert_eq!(
            near_duplicates(&hashes),
            vec![
                vec!["a".to_string(), "b".into()],
                vec!["c".into(), "d".into()]
            ]
        );
    }
}
