//! Text files: a folder of `.txt` files, one text each, and the checks every
//! text goes through wherever it comes from (size, UTF-8).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::{ProgressFn, Report};

/// The largest text taken: longer ones are refused with a report line. A
/// person cannot read more on one screen, and a model truncates it anyway.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// One text file that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct TextFile {
    /// Its path.
    pub path: PathBuf,
    /// Its text, without a byte-order mark.
    pub text: String,
    /// The BLAKE3 hash of its bytes.
    pub content_hash: String,
    /// The class its folder names, with `labels_from_folders`.
    pub folder_label: Option<String>,
}

fn is_text_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// Checks one text's bytes: at most [`MAX_TEXT_BYTES`], valid UTF-8 (the
/// error names the line, column and byte of the first bad sequence). A
/// UTF-8 byte-order mark is dropped.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(format!(
            "text is {} bytes, over the limit of {MAX_TEXT_BYTES} (1 MiB); not imported",
            bytes.len()
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
            Err(format!(
                "invalid UTF-8 at line {line}, column {column} (byte {})",
                e.valid_up_to()
            ))
        }
    }
}

/// Reads every `.txt` file below `root` in parallel. With
/// `labels_from_folders`, the first folder below `root` names the class.
/// An empty file, one too large or one that is not UTF-8 is reported and
/// skipped.
pub fn scan_folder(
    root: &Path,
    labels_from_folders: bool,
    progress: ProgressFn<'_>,
) -> (Vec<TextFile>, Report) {
    let mut report = Report::default();
    let files = crate::find_files(root, is_text_file, &mut report);
    let total = files.len() as u64;
    let done = AtomicU64::new(0);
    let results: Vec<Result<TextFile, (PathBuf, String)>> = files
        .par_iter()
        .map(|path| {
            let result = read(path).map_err(|e| (path.clone(), e));
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            result
        })
        .collect();
    let mut texts = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(mut file) => {
                if labels_from_folders {
                    file.folder_label = crate::image_file::first_folder(root, &file.path);
                }
                texts.push(file);
            }
            Err((path, reason)) => report.file(path.display(), reason),
        }
    }
    (texts, report)
}

fn read(path: &Path) -> Result<TextFile, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > MAX_TEXT_BYTES as u64 {
        return Err(format!(
            "text is {size} bytes, over the limit of {MAX_TEXT_BYTES} (1 MiB); not imported"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text = decode(&bytes)?;
    if text.trim().is_empty() {
        return Err("empty text; not imported".into());
    }
    Ok(TextFile {
        path: path.to_path_buf(),
        text,
        content_hash: crate::content_hash(&bytes),
        folder_label: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_names_the_position_of_bad_utf8_and_refuses_huge_texts() {
        assert_eq!(decode(b"\xEF\xBB\xBFhello").unwrap(), "hello");
        let e = decode(b"first line\nsec\xFFond").unwrap_err();
        assert_eq!(e, "invalid UTF-8 at line 2, column 4 (byte 14)");
        let e = decode(&vec![b'a'; MAX_TEXT_BYTES + 1]).unwrap_err();
        assert!(e.contains("over the limit"), "{e}");
    }

    #[test]
    fn scans_a_folder_with_classes_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sport")).unwrap();
        std::fs::create_dir_all(root.join("tech")).unwrap();
        std::fs::write(root.join("sport/a.txt"), "A late goal won it.").unwrap();
        std::fs::write(root.join("tech/b.TXT"), "A new chip is out.").unwrap();
        std::fs::write(root.join("tech/empty.txt"), " \n").unwrap();
        std::fs::write(root.join("tech/bad.txt"), b"ok\xC3(").unwrap();
        std::fs::write(root.join("notes.md"), "not a text item").unwrap();
        let (texts, report) = scan_folder(root, true, &|_, _| {});
        let got: Vec<(&str, Option<&str>)> = texts
            .iter()
            .map(|t| (t.text.as_str(), t.folder_label.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("A late goal won it.", Some("sport")),
                ("A new chip is out.", Some("tech"))
            ]
        );
        let reasons: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("bad.txt") && r.contains("line 1, column 3"))
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("empty.txt") && r.contains("empty text"))
        );
    }
}
