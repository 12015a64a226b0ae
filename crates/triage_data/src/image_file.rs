//! Image files: header checks before decoding, safe decoding, thumbnails, and
//! recursive folder scans.
//!
//! Each file is read once; the same bytes are hashed, probed and decoded. The
//! header's dimensions are checked against [`ImageLimits`] before a single
//! pixel buffer exists, so a file that claims 100000×100000 pixels costs a
//! few bytes of reading, not 40 GB of memory.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use fast_image_resize::images::Image;
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use image::{ImageEncoder, ImageReader, Limits};
use rayon::prelude::*;

use crate::{ProgressFn, Report, content_hash};

/// File endings read as images.
pub const IMAGE_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// The longest side of a thumbnail, in pixels.
pub const THUMB_SIDE_PX: u32 = 192;

/// Bounds checked against an image's header before it is decoded.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// The widest image accepted.
    pub max_width_px: u32,
    /// The tallest image accepted.
    pub max_height_px: u32,
    /// The most memory one decode may allocate.
    pub max_alloc_bytes: u64,
}

impl Default for ImageLimits {
    /// 20000 pixels a side and 512 MiB cover real photographs and scans.
    fn default() -> Self {
        Self {
            max_width_px: 20_000,
            max_height_px: 20_000,
            max_alloc_bytes: 512 << 20,
        }
    }
}

/// What an import learns about one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The file, as found.
    pub path: PathBuf,
    /// BLAKE3 of the file's bytes.
    pub content_hash: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The class named by the first folder under the scanned root, if any.
    pub folder_label: Option<String>,
}

/// Whether a path ends in one of [`IMAGE_EXTENSIONS`].
pub fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Where the thumbnail of an image with this hash lives under `thumbs_dir`.
pub fn thumbnail_path(thumbs_dir: &Path, content_hash: &str) -> PathBuf {
    let shard = content_hash.get(..2).unwrap_or("00");
    thumbs_dir.join(shard).join(format!("{content_hash}.jpg"))
}

/// Reads, checks and hashes one image; decodes it and writes its thumbnail
/// when `thumbs_dir` is given. Errors are one line, ready for a report.
pub fn inspect(
    path: &Path,
    limits: ImageLimits,
    thumbs_dir: Option<&Path>,
) -> Result<ImageInfo, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let hash = content_hash(&bytes);
    let reader = ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    if reader.format().is_none() {
        return Err("not a recognised image format".into());
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("unreadable image header: {}", one_line(&e)))?;
    check_limits(width, height, limits)?;
    if let Some(dir) = thumbs_dir {
        let thumb = thumbnail_path(dir, &hash);
        if !thumb.exists() {
            let image = decode(&bytes, limits)?;
            write_thumbnail(&image, &thumb).map_err(|e| format!("cannot write thumbnail: {e}"))?;
        }
    }
    Ok(ImageInfo {
        path: path.to_owned(),
        content_hash: hash,
        width,
        height,
        folder_label: None,
    })
}

/// Decoder messages sometimes end in a newline or span lines; a report
/// entry is one line.
fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_limits(width: u32, height: u32, limits: ImageLimits) -> Result<(), String> {
    let bytes = u64::from(width) * u64::from(height) * 4;
    if width == 0 || height == 0 {
        return Err(format!("image header claims {width}×{height} pixels"));
    }
    if width > limits.max_width_px
        || height > limits.max_height_px
        || bytes > limits.max_alloc_bytes
    {
        return Err(format!(
            "image header claims {width}×{height} pixels, over the limit of {}×{} pixels and {} MiB",
            limits.max_width_px,
            limits.max_height_px,
            limits.max_alloc_bytes >> 20
        ));
    }
    Ok(())
}

/// Decodes image bytes within the limits, as 8-bit RGB.
pub fn decode(bytes: &[u8], limits: ImageLimits) -> Result<image::RgbImage, String> {
    decode_any(bytes, limits).map(image::DynamicImage::into_rgb8)
}

/// An image file's format (its usual ending) and size, from its header
/// alone: nothing is decoded.
pub fn read_header(path: &Path) -> Result<(String, u32, u32), String> {
    let reader = ImageReader::open(path)
        .and_then(ImageReader::with_guessed_format)
        .map_err(|e| format!("cannot read: {e}"))?;
    let format = reader
        .format()
        .map(|f| {
            f.extensions_str()
                .first()
                .copied()
                .unwrap_or("unknown")
                .to_string()
        })
        .ok_or_else(|| "not an image format Triage reads".to_string())?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("bad {format} header: {e}"))?;
    Ok((format, width, height))
}

/// Reads and decodes an image file within the limits, in its own pixel
/// type. Every decode of an image in Triage comes here (or to [`decode`]),
/// so the header is checked against the limits before any pixel is
/// allocated.
pub fn decode_file(path: &Path, limits: ImageLimits) -> Result<image::DynamicImage, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    decode_any(&bytes, limits)
}

fn decode_any(bytes: &[u8], limits: ImageLimits) -> Result<image::DynamicImage, String> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| format!("unreadable image header: {}", one_line(&e)))?;
    check_limits(width, height, limits)?;
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(limits.max_width_px);
    decode_limits.max_image_height = Some(limits.max_height_px);
    decode_limits.max_alloc = Some(limits.max_alloc_bytes);
    reader.limits(decode_limits);
    reader
        .decode()
        .map_err(|e| format!("cannot decode: {}", one_line(&e)))
}

/// The thumbnail's size: the longest side at most [`THUMB_SIDE_PX`], never
/// enlarged.
pub fn thumbnail_size(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= THUMB_SIDE_PX {
        return (width, height);
    }
    let scale = f64::from(THUMB_SIDE_PX) / f64::from(longest);
    let w = ((f64::from(width) * scale).round() as u32).max(1);
    let h = ((f64::from(height) * scale).round() as u32).max(1);
    (w, h)
}

/// Resizes an image to a thumbnail and writes it as JPEG, through a
/// temporary file and a rename so a crash never leaves half a thumbnail.
fn write_thumbnail(image: &image::RgbImage, dest: &Path) -> Result<(), String> {
    let (w, h) = thumbnail_size(image.width(), image.height());
    let pixels: Vec<u8> = if (w, h) == image.dimensions() {
        image.as_raw().clone()
    } else {
        let src = Image::from_vec_u8(
            image.width(),
            image.height(),
            image.as_raw().clone(),
            PixelType::U8x3,
        )
        .map_err(|e| e.to_string())?;
        let mut dst = Image::new(w, h, PixelType::U8x3);
        Resizer::new()
            .resize(&src, &mut dst, &ResizeOptions::new())
            .map_err(|e| e.to_string())?;
        dst.into_vec()
    };
    let dir = dest.parent().ok_or("thumbnail path has no folder")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    // Files with the same content share a thumbnail, and a folder's files
    // are read in parallel: each write gets its own temporary name, and
    // the renames replace one another with the same bytes.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = dest.with_extension(format!("tmp{}-{n}", std::process::id()));
    let mut out = Vec::with_capacity(pixels.len() / 4);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .write_image(&pixels, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    std::fs::write(&tmp, &out).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, dest).map_err(|e| e.to_string())
}

/// Finds the image files under `root`, recursively, in a stable order.
/// Symbolic links are not followed, so a scan never leaves its root.
pub fn find_images(root: &Path, report: &mut Report) -> Vec<PathBuf> {
    crate::find_files(root, has_image_extension, report)
}

/// Scans a folder of images in parallel: hashes each file, checks its
/// header, and makes its thumbnail. With `labels_from_folders`, the first
/// folder below `root` names the class.
pub fn scan_folder(
    root: &Path,
    labels_from_folders: bool,
    limits: ImageLimits,
    thumbs_dir: Option<&Path>,
    progress: ProgressFn<'_>,
) -> (Vec<ImageInfo>, Report) {
    let mut report = Report::default();
    let files = find_images(root, &mut report);
    let total = files.len() as u64;
    let done = AtomicU64::new(0);
    let results: Vec<Result<ImageInfo, (PathBuf, String)>> = files
        .par_iter()
        .map(|path| {
            let result = inspect(path, limits, thumbs_dir).map_err(|e| (path.clone(), e));
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            result
        })
        .collect();
    let mut images = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(mut info) => {
                if labels_from_folders {
                    info.folder_label = first_folder(root, &info.path);
                }
                images.push(info);
            }
            Err((path, reason)) => report.file(path.display(), reason),
        }
    }
    (images, report)
}

pub(crate) fn first_folder(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?;
    parts.next()?; // a file directly in the root has no class folder
    Some(first.as_os_str().to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two files with the same content, read at once, write the same
    /// thumbnail at once: both writes succeed.
    #[test]
    fn the_same_thumbnail_written_from_many_threads_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("ab").join("abcdef.jpg");
        let image = image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let results: Vec<_> = (0..64)
            .into_par_iter()
            .map(|_| write_thumbnail(&image, &dest))
            .collect();
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert!(image::open(&dest).is_ok());
        let left: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["abcdef.jpg"]);
    }

    fn write_png(path: &Path, w: u32, h: u32) {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        img.save(path).unwrap();
    }

    #[test]
    fn thumbnail_sizes_keep_aspect_and_never_enlarge() {
        assert_eq!(thumbnail_size(8, 8), (8, 8));
        assert_eq!(thumbnail_size(640, 480), (192, 144));
        assert_eq!(thumbnail_size(480, 640), (144, 192));
        assert_eq!(thumbnail_size(10_000, 1), (192, 1));
    }

    #[test]
    fn scans_folders_with_labels_and_thumbnails() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        write_png(&root.join("cat/a.png"), 400, 300);
        write_png(&root.join("dog/b.PNG"), 8, 8);
        write_png(&root.join("loose.png"), 8, 8);
        std::fs::write(root.join("README.txt"), "not an image").unwrap();
        std::fs::write(root.join("dog/broken.png"), b"\x89PNG\r\n\x1a\nnope").unwrap();
        let thumbs = dir.path().join("thumbs");
        let (images, report) = scan_folder(
            &root,
            true,
            ImageLimits::default(),
            Some(&thumbs),
            &|_, _| {},
        );
        let labels: Vec<_> = images.iter().map(|i| i.folder_label.clone()).collect();
        assert_eq!(labels, vec![Some("cat".into()), Some("dog".into()), None]);
        assert_eq!(report.problems.len(), 1, "{report:?}");
        assert!(report.problems[0].file.ends_with("broken.png"));
        let thumb = image::open(thumbnail_path(&thumbs, &images[0].content_hash)).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (192, 144));
        assert_eq!((images[0].width, images[0].height), (400, 300));
    }

    #[test]
    fn refuses_huge_headers_before_decoding() {
        let limits = ImageLimits {
            max_width_px: 100,
            max_height_px: 100,
            max_alloc_bytes: 1 << 20,
        };
        assert!(check_limits(100, 100, limits).is_ok());
        assert!(check_limits(101, 1, limits).unwrap_err().contains("101×1"));
        assert!(check_limits(0, 5, limits).is_err());
        let tight = ImageLimits {
            max_alloc_bytes: 100,
            ..limits
        };
        assert!(check_limits(10, 10, tight).is_err());
    }
}
