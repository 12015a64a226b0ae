//! The fuzz targets, one function per reader of outside bytes. Each takes
//! any bytes and must return without panicking: a bad input is a reported
//! problem or an error value, never a crash. `make fuzz` runs them under
//! libFuzzer; `triage_api`'s `fuzz_corpus` test replays the corpus they
//! grew (`tests/fuzz-corpus/<target>/`) through the same functions on every
//! `make test`, so a crash once fixed stays fixed.
//!
//! Readers that take a path get the bytes in a file of the right name in a
//! temporary folder made once per process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A fuzz target: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("manifest", manifest),
    ("table_csv", table_csv),
    ("table_jsonl", table_jsonl),
    ("table_parquet", table_parquet),
    ("image", image),
    ("share", share),
    ("profile_json", profile_json),
    ("project_file", project_file),
];

/// Called once before fuzzing. libfuzzer-sys's panic hook aborts on every
/// panic, even one our readers catch (polars' own panics, which
/// `triage_data` turns into errors); the default hook only prints. A panic
/// that escapes a target still aborts: libfuzzer-sys catches it and does.
pub fn init() {
    let _ = std::panic::take_hook();
}

/// The process's scratch folder.
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
        .path()
}

/// `data` written to `name` in the scratch folder.
fn file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("the scratch folder is writable");
    path
}

/// A Ground Truth manifest (classes, class sets or boxes), with its
/// `source-ref`s resolved against the scratch folder.
pub fn manifest(data: &[u8]) {
    let path = file("input.manifest", data);
    let _ = triage_data::manifest::is_manifest(&path);
    for attribute in ["label", "category"] {
        let (entries, report) = triage_data::manifest::read_manifest(&path, scratch(), attribute);
        // Every problem names the file.
        assert!(
            report
                .problems
                .iter()
                .all(|p| p.file.contains("input.manifest"))
        );
        let _ = entries.len();
    }
}

/// A table read as an import reads it, then profiled as `triage profile`
/// profiles it, exactly and streamed.
fn table(name: &str, data: &[u8]) {
    let path = file(name, data);
    let options = triage_data::table::TableOptions {
        id_column: Some("id".into()),
        label_column: Some("label".into()),
        text_column: None,
    };
    let (rows, report) = triage_data::table::read_table(&path, &options);
    assert!(report.problems.iter().all(|p| p.file.contains(name)));
    for row in &rows {
        // Payloads are JSON objects.
        let value: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
        assert!(value.is_object(), "{}", row.payload);
    }
    let _ = triage_profile::profile_table(&path, &triage_profile::Options::default());
    // And streamed, as a table larger than memory is profiled: polars'
    // streaming engine reads the bytes its own way.
    let _ = triage_profile::streaming::profile_table_streaming(
        &path,
        &triage_profile::Options::default(),
    );
}

/// A CSV table.
pub fn table_csv(data: &[u8]) {
    table("input.csv", data);
}

/// A JSON Lines table.
pub fn table_jsonl(data: &[u8]) {
    table("input.jsonl", data);
}

/// A Parquet table.
pub fn table_parquet(data: &[u8]) {
    table("input.parquet", data);
}

/// An image: its header, then a decode within the import's limits (the
/// header checked before any pixel buffer exists).
pub fn image(data: &[u8]) {
    let path = file("input.img", data);
    let _ = triage_data::image_file::read_header(&path);
    let limits = triage_data::image_file::ImageLimits::default();
    if let Ok(rgb) = triage_data::image_file::decode(data, limits) {
        assert!(rgb.width() <= limits.max_width_px && rgb.height() <= limits.max_height_px);
    }
}

/// What a team pulls from the lake: `share.json`, the items file and a push.
pub fn share(data: &[u8]) {
    let _ = triage_lake::share::ShareFile::parse(data);
    let text = String::from_utf8_lossy(data);
    let (_, problems) = triage_lake::share::read_json_lines::<triage_lake::share::SharedItem>(
        "s3://lake/items.jsonl",
        &text,
        1,
    );
    assert!(problems.iter().all(|p| p.position.is_some()));
    let classes = ["cat".to_owned(), "dog".to_owned()];
    let (_, problems) =
        triage_lake::share::parse_push("s3://lake/push.jsonl", data, "team", &classes);
    assert!(problems.iter().all(|p| p.file == "s3://lake/push.jsonl"));
}

/// A profile's JSON read back: what reads must write back to the same
/// profile, numbers to within a few units in the last place (serde_json,
/// built without `float_roundtrip`, can parse a float one unit off: found
/// by this target).
pub fn profile_json(data: &[u8]) {
    if let Ok(profile) = serde_json::from_slice::<triage_profile::Profile>(data) {
        let text = serde_json::to_string(&profile).unwrap();
        let back: triage_profile::Profile = serde_json::from_str(&text).unwrap();
        let (once, twice) = (serde_json::to_value(&profile), serde_json::to_value(&back));
        let (once, twice) = (once.unwrap(), twice.unwrap());
        assert!(same(&once, &twice), "{once} became {twice}");
    }
}

/// JSON values equal but for floats a few units in the last place apart.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => {
                x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
            }
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A project file opened from disk: for reading, then for writing (which
/// migrates); a damaged file must give an error, never a panic.
pub fn project_file(data: &[u8]) {
    let dir = scratch().join("project");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(triage_api::DB_FILE), data).unwrap();
    if let Ok(mut project) = triage_api::Project::open_read_only(&dir) {
        let _ = project.status();
        let _ = project.next_items(3);
        let _ = project.agreement();
        let _ = project.integrity_check();
    }
    if let Ok(mut project) = triage_api::Project::open(&dir) {
        let _ = project.status();
        let _ = project.undo(None, triage_api::now());
    }
}
