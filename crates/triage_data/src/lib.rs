//! Readers for everything Triage imports: image folders, tables (CSV, Parquet,
//! JSON Lines, through polars) and SageMaker Ground Truth manifests.
//!
//! Every reader works like a warning reporter: a bad file or row becomes a
//! [`Problem`] in the [`Report`], naming the file and the position, and the
//! reader carries on with the rest. One bad file never stops an import, and no
//! input makes a reader panic.
//!
//! Images are never decoded blind: [`image_file::ImageLimits`] are checked
//! against the header before any pixel is allocated.

pub mod image_file;
pub mod manifest;
pub mod table;
pub mod text_file;

pub use triage_core::{Problem, Report};

/// Content hashes are BLAKE3, written as hex: fast enough to hash every image
/// on import, and collision-proof for de-duplication.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Progress of a long read: how many units are done out of how many.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Files below `root` that `wanted` accepts, sorted by name. Symbolic links
/// to such files are reported, never followed: they could lead outside the
/// folder the user chose.
pub(crate) fn find_files(
    root: &std::path::Path,
    wanted: fn(&std::path::Path) -> bool,
    report: &mut Report,
) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
    {
        match entry {
            Err(e) => {
                let at = e
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                report.file(at, format!("cannot read folder entry: {e}"));
            }
            Ok(entry) if entry.file_type().is_symlink() && wanted(entry.path()) => {
                report.file(entry.path().display(), "symbolic link, not followed");
            }
            Ok(entry) if entry.file_type().is_file() && wanted(entry.path()) => {
                found.push(entry.into_path());
            }
            Ok(_) => {}
        }
    }
    found
}
