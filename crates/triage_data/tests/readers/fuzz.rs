use std::path::Path;

use proptest::prelude::*;
use triage_data::image_file::{self, ImageLimits};
use triage_data::manifest::read_manifest;
use triage_data::table::{TableOptions, read_table};

const MANIFEST: &[u8] = b"{\"source-ref\":\"a.png\",\"k\":1}\n{\"source\":\"txt\",\"l\":\"1\",\"l-metadata\":{\"class-name\":\"b\",\"confidence\":0.5}}\n{\"source-ref\":\"s3://b/k\"}\n";
const CSV: &[u8] = b"id,name,v,label\na,\"x, y\",1.5,cat\nb,z,,dog\nc,\"q\"\"\",3,\n";
const JSONL: &[u8] = b"{\"id\":\"a\",\"v\":1,\"label\":\"cat\"}\n{\"id\":\"b\",\"v\":null}\n";

/// A valid sample with random edits: overwrite, cut, or insert bytes.
fn mutated(sample: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    let edits = proptest::collection::vec((0usize..4096, any::<u8>(), 0u8..3), 1..8);
    edits.prop_map(move |edits| {
        let mut bytes = sample.to_vec();
        for (pos, byte, kind) in edits {
            let at = pos % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.truncate(at),
                _ => bytes.insert(at, byte),
            }
        }
        bytes
    })
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..512)
}

fn check_problems_name(file: &Path, problems: &[triage_data::Problem]) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    for p in problems {
        assert!(p.file.contains(&name) || p.file.contains("root"), "{p}");
        assert!(!p.reason.is_empty());
    }
}

fn manifest_case(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.png"), b"x").unwrap();
    let path = dir.path().join("f.manifest");
    std::fs::write(&path, bytes).unwrap();
    let (entries, report) = read_manifest(&path, dir.path(), "l");
    check_problems_name(&path, &report.problems);
    for e in entries {
        assert!(e.line >= 1);
        assert!(!e.raw.contains('\n'));
    }
}

fn table_case(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let options = TableOptions {
        id_column: None,
        label_column: Some("label".into()),
        text_column: None,
    };
    let (rows, report) = read_table(&path, &options);
    check_problems_name(&path, &report.problems);
    for row in rows {
        assert!(
            serde_json::from_str::<serde_json::Value>(&row.payload)
                .unwrap()
                .is_object()
        );
    }
}

fn image_case(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("i.png");
    std::fs::write(&path, bytes).unwrap();
    let limits = ImageLimits {
        max_width_px: 4096,
        max_height_px: 4096,
        max_alloc_bytes: 64 << 20,
    };
    if let Ok(info) = image_file::inspect(&path, limits, Some(&dir.path().join("thumbs"))) {
        assert!(info.width <= 4096 && info.height <= 4096);
    }
}

/// A small valid image of each format the fuzzing mutates.
fn samples() -> &'static [Vec<u8>] {
    static SAMPLES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SAMPLES.get_or_init(|| {
        let img =
            image::RgbImage::from_fn(16, 12, |x, y| image::Rgb([x as u8 * 9, y as u8 * 13, 50]));
        [
            image::ImageFormat::Png,
            image::ImageFormat::Jpeg,
            image::ImageFormat::Gif,
            image::ImageFormat::Bmp,
        ]
        .into_iter()
        .map(|format| {
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, format).unwrap();
            out.into_inner()
        })
        .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn manifest_reader_survives_mutations(bytes in mutated(MANIFEST)) { manifest_case(&bytes) }

    #[test]
    fn manifest_reader_survives_noise(bytes in any_bytes()) { manifest_case(&bytes) }

    #[test]
    fn csv_reader_survives_mutations(bytes in mutated(CSV)) { table_case("t.csv", &bytes) }

    #[test]
    fn jsonl_reader_survives_mutations(bytes in mutated(JSONL)) { table_case("t.jsonl", &bytes) }

    #[test]
    fn table_readers_survive_noise(bytes in any_bytes()) {
        table_case("t.csv", &bytes);
        table_case("t.jsonl", &bytes);
        table_case("t.parquet", &bytes);
    }

    #[test]
    fn image_inspection_survives_mutations(edits in proptest::collection::vec((0usize..2048, any::<u8>()), 1..6)) {
        for sample in samples() {
            let mut bytes = sample.clone();
            for &(pos, byte) in &edits {
                let at = pos % bytes.len();
                bytes[at] = byte;
            }
            image_case(&bytes);
        }
    }
}
