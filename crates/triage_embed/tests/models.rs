//! The real all-MiniLM-L6-v2 (fetched once by `scripts/install-deps.sh`
//! into the target folder's `models/`) against reference vectors from its
//! own Python package; a DINOv2 of the real architecture with generated
//! weights; model folders with a missing or damaged file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use triage_embed::text::TextEncoder;
use triage_embed::vision::{ImageEncoder, write_random_model};
use triage_embed::{Error, ModelKind, inspect};

/// The MiniLM folder: `TRIAGE_MINILM_DIR`, else `<target>/models/all-MiniLM-L6-v2`.
fn minilm() -> PathBuf {
    let dir = std::env::var_os("TRIAGE_MINILM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap();
            // <target>/debug/deps/models-… → <target>
            let target = exe
                .parent()
                .and_then(Path::parent)
                .and_then(Path::parent)
                .unwrap();
            target.join("models/all-MiniLM-L6-v2")
        });
    assert!(
        dir.join("model.safetensors").is_file(),
        "{} is missing: run scripts/install-deps.sh, which fetches all-MiniLM-L6-v2",
        dir.display()
    );
    dir
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn minilm_matches_the_reference_vectors_in_a_batch_and_alone() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/minilm_reference.json")).unwrap();
    let sentences: Vec<&str> = fixture["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let want: Vec<Vec<f32>> = serde_json::from_value(fixture["embeddings"].clone()).unwrap();
    let model = TextEncoder::load(&minilm()).unwrap();
    assert_eq!(model.dims(), 384);
    let batch = model.embed(&sentences).unwrap();
    for (i, (got, want)) in batch.iter().zip(&want).enumerate() {
        let c = cosine(got, want);
        assert!(1.0 - c < 1e-4, "sentence {i}: cosine {c}");
        let norm: f32 = got.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }
    // Padding in a batch must not change a vector.
    let alone = model.embed(&[sentences[3]]).unwrap();
    assert!(1.0 - cosine(&alone[0], &batch[3]) < 1e-5);
    assert!(model.embed(&[]).unwrap().is_empty());

    let info = inspect(&minilm(), "minilm").unwrap();
    assert_eq!((info.kind, info.dims), (ModelKind::Text, 384));
    assert_eq!(info.sha256.len(), 64);
}

/// A copy of MiniLM's small files, with the weights linked: cheap to break.
fn minilm_copy(into: &Path) -> PathBuf {
    let dir = into.join("minilm");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["config.json", "tokenizer.json", "sentence_bert_config.json"] {
        std::fs::copy(minilm().join(f), dir.join(f)).unwrap();
    }
    std::os::unix::fs::symlink(
        minilm().join("model.safetensors"),
        dir.join("model.safetensors"),
    )
    .unwrap();
    dir
}

fn file_error(e: Error) -> (String, String) {
    match e {
        Error::File { file, reason } => (file, reason),
        other => panic!("expected a file error, got {other}"),
    }
}

#[test]
fn a_missing_or_damaged_file_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = minilm_copy(tmp.path());
    assert!(TextEncoder::load(&dir).is_ok());

    std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let (file, reason) = file_error(TextEncoder::load(&dir).err().unwrap());
    assert!(file.ends_with("minilm/tokenizer.json"), "{file}");
    assert!(reason.contains("missing"), "{reason}");

    std::fs::write(dir.join("tokenizer.json"), "{\"not\": \"a tokenizer\"}").unwrap();
    let (file, reason) = file_error(TextEncoder::load(&dir).err().unwrap());
    assert!(file.ends_with("tokenizer.json"), "{file}: {reason}");
    std::fs::copy(minilm().join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();

    std::fs::remove_file(dir.join("model.safetensors")).unwrap();
    std::fs::write(
        dir.join("model.safetensors"),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":",
    )
    .unwrap();
    let (file, reason) = file_error(TextEncoder::load(&dir).err().unwrap());
    assert!(file.ends_with("model.safetensors"), "{file}");
    assert!(reason.contains("damaged"), "{reason}");

    std::fs::write(dir.join("config.json"), "{\"model_type\": \"bert\",").unwrap();
    let (file, reason) = file_error(inspect(&dir, "x").err().unwrap());
    assert!(file.ends_with("config.json"), "{file}");
    assert!(reason.contains("bad JSON at line 1"), "{reason}");

    std::fs::write(dir.join("config.json"), "{\"model_type\": \"gpt2\"}").unwrap();
    let (_, reason) = file_error(inspect(&dir, "x").err().unwrap());
    assert!(
        reason.contains("\"gpt2\" is not one Triage runs"),
        "{reason}"
    );
}

#[test]
fn a_generated_dinov2_loads_preprocesses_and_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dino");
    write_random_model(&dir, 2, 48, 4).unwrap();
    let info = inspect(&dir, "dino-test").unwrap();
    assert_eq!((info.kind, info.dims), (ModelKind::Image, 48));
    let model = ImageEncoder::load(&dir).unwrap();
    // Any size comes in: it is resized to 224 × 224.
    let a = image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let b = image::RgbImage::from_fn(64, 64, |x, _| image::Rgb([255 - x as u8 * 3, 20, 200]));
    let both = model.embed(&[a.clone(), b]).unwrap();
    assert_eq!(both.len(), 2);
    assert!(both.iter().all(|v| v.len() == 48));
    for v in &both {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }
    assert!(
        cosine(&both[0], &both[1]) < 0.9999,
        "different images, different vectors"
    );
    let alone = model.embed(&[a]).unwrap();
    assert!(
        1.0 - cosine(&alone[0], &both[0]) < 1e-5,
        "a batch changes nothing"
    );
    // A text folder is not an image model.
    assert!(TextEncoder::load(&dir).is_err());
}
