//! Where things live in a project folder: the project file, the thumbnail
//! cache and the cache of objects fetched from S3. Reads, calls and writes
//! nothing; every module that needs a path asks here.

use std::path::{Path, PathBuf};

/// The project file's name inside a project folder.
pub const DB_FILE: &str = "project.triage";
/// Thumbnails live here, under the project folder; they can be rebuilt.
/// Joined part by part, so a Windows path has one kind of separator.
pub(crate) fn thumbs_dir(project: &Path) -> PathBuf {
    project.join("cache").join("thumbs")
}

/// `cache/s3`, beside the thumbnails in `cache/thumbs`.
pub(crate) fn s3_cache_dir(thumbs_dir: &Path) -> PathBuf {
    thumbs_dir
        .parent()
        .map_or_else(|| thumbs_dir.join("s3"), |cache| cache.join("s3"))
}

/// The cached copy of an `s3://bucket/key` object; `None` for anything
/// else, or a key that would leave the cache (`..`, `/…`).
pub(crate) fn s3_cache_path(thumbs_dir: &Path, url: &str) -> Option<PathBuf> {
    object_path(&s3_cache_dir(thumbs_dir), url)
}

/// Where a copy of an `s3://bucket/key` object goes below `root`
/// (`root/bucket/key`); `None` as for [`s3_cache_path`].
pub(crate) fn object_path(root: &Path, url: &str) -> Option<PathBuf> {
    let (bucket, key) = url.strip_prefix("s3://")?.split_once('/')?;
    if bucket.is_empty() || bucket == "." || bucket == ".." || bucket.contains('\\') {
        return None;
    }
    let mut path = root.join(bucket);
    for part in key.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return None;
        }
        path.push(part);
    }
    Some(path)
}

/// The user's data folder, shared by every project (the embedding models'
/// registry lives there): `TRIAGE_DATA_DIR` when set, else the platform's
/// (`~/.local/share/triage`, `%APPDATA%\\triage`, `~/Library/Application
/// Support/triage`).
pub fn user_data_dir() -> PathBuf {
    std::env::var_os("TRIAGE_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("triage")))
        .unwrap_or_else(|| PathBuf::from(".triage"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_cache_paths_stay_inside_the_cache() {
        let thumbs = Path::new("/p/cache/thumbs");
        assert_eq!(
            s3_cache_path(thumbs, "s3://lake/v1/a.png"),
            Some(PathBuf::from("/p/cache/s3/lake/v1/a.png"))
        );
        for bad in [
            "s3://lake/../x.png",
            "s3://lake/a//b.png",
            "s3://../a.png",
            "s3://lake",
            "/etc/passwd",
            "s3://lake/a\\b.png",
        ] {
            assert_eq!(s3_cache_path(thumbs, bad), None, "{bad}");
        }
    }
}
