//! Text items end to end: the three sources (a folder of `.txt` files, a
//! table's text column, a Ground Truth text manifest) with the bad-input
//! corpus, rounds on hashed TF-IDF, and the text-classification manifest.

use chrono::TimeZone;
use triage_api::{
    CreateOptions, ExportFormat, ExportOptions, ImportOptions, ImportReport, Project, TaskKind,
};

use crate::*;

pub const HEADLINES_CSV: &str = "datasets/headlines.csv";

fn at(sec: u32) -> triage_api::Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 30, 9, 0, sec)
        .unwrap()
}

fn text_project(dir: &Path, classes: &[&str]) -> Project {
    let options = CreateOptions {
        job_name: Some("news".into()),
        attribute: Some("topic-label".into()),
        ..CreateOptions::new(
            TaskKind::TextClassification,
            classes.iter().map(|c| (*c).to_owned()).collect(),
        )
    };
    Project::create(dir, &options, at(0)).unwrap()
}

fn import(p: &mut Project, path: &Path, options: &ImportOptions) -> ImportReport {
    p.import(path, options, at(1), &|_, _| {}).unwrap()
}

fn problems(report: &ImportReport) -> Vec<String> {
    report.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn texts_come_in_from_folders_tables_and_manifests_and_bad_ones_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = text_project(&tmp.path().join("p"), &["sport", "tech"]);

    // A folder, classes from subfolders; a huge file is refused, not read.
    let folder = tmp.path().join("texts");
    copy_dir(&repo().join("tests/corpus/texts"), &folder);
    std::fs::write(folder.join("sport/huge.txt"), "word ".repeat(220_000)).unwrap();
    let folders = ImportOptions {
        labels_from_folders: true,
        ..Default::default()
    };
    let report = import(&mut p, &folder, &folders);
    assert_eq!((report.added, report.labeled), (2, 2), "{report:?}");
    let got = problems(&report);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert!(got.iter().any(|p| p.contains("tech/latin1.txt")
        && p.contains("invalid UTF-8 at line 1, column 6 (byte 5)")));
    assert!(
        got.iter()
            .any(|p| p.contains("tech/empty.txt") && p.contains("empty text"))
    );
    assert!(got.iter().any(|p| p.contains("sport/huge.txt")
        && p.contains("1100000 bytes, over the limit of 1048576 (1 MiB)")));

    // A table: the text column is the text, the other columns stay.
    let table = repo().join("tests/corpus/tables/texts.csv");
    let err = p
        .import(&table, &ImportOptions::default(), at(1), &|_, _| {})
        .unwrap_err();
    assert!(err.to_string().contains("--text-column"), "{err}");
    let by_body = ImportOptions {
        text_column: Some("body".into()),
        id_column: Some("id".into()),
        ..Default::default()
    };
    let report = import(&mut p, &table, &by_body);
    assert_eq!(report.added, 2);
    assert_eq!(
        problems(&report),
        [format!(
            "{}: row 2: the text column is empty; row skipped",
            table.display()
        )]
    );
    let missing = ImportOptions {
        text_column: Some("nope".into()),
        ..Default::default()
    };
    let report = import(&mut p, &table, &missing);
    assert_eq!(report.added, 0);
    assert!(problems(&report)[0].contains("no text column named \"nope\""));

    // A manifest: `source` must be a string of valid UTF-8.
    let manifest = repo().join("tests/corpus/manifests/texts.manifest");
    let report = import(&mut p, &manifest, &ImportOptions::default());
    assert_eq!(report.added, 2);
    let got = problems(&report);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].contains("line 2: source-ref or source is not a string"));
    assert!(got[1].contains("line 3: invalid UTF-8 at byte"));

    // Every text reads back whole, whatever its source.
    let status = p.status().unwrap();
    assert_eq!(status.counts.items, 6);
    let texts: Vec<String> = p
        .next_items(10)
        .unwrap()
        .into_iter()
        .filter_map(|i| i.text)
        .collect();
    assert!(
        texts.contains(&"Terrible service.\nNever again.".to_owned()),
        "{texts:?}"
    );
    assert!(texts.contains(&"Rates rose again.".to_owned()), "{texts:?}");

    // A table project does not take a text column, nor a folder of texts.
    let rows = tmp.path().join("rows");
    let mut r = Project::create(
        &rows,
        &CreateOptions::new(TaskKind::RowClassification, vec!["a".into(), "b".into()]),
        at(0),
    )
    .unwrap();
    let err = r.import(&table, &by_body, at(1), &|_, _| {}).unwrap_err();
    assert!(
        err.to_string()
            .contains("create a text-classification project"),
        "{err}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        std::fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&entry, to.join(rel)).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The exported manifest of a text project is Ground Truth's
/// text-classification output: the input line, then the label and its
/// metadata; unlabeled lines as they came.
#[test]
fn a_text_project_exports_the_text_classification_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = text_project(
        &tmp.path().join("p"),
        &["business", "science", "sport", "weather"],
    );
    let by_text = ImportOptions {
        text_column: Some("headline".into()),
        id_column: Some("id".into()),
        ..Default::default()
    };
    let report = import(&mut p, &repo().join(HEADLINES_CSV), &by_text);
    assert_eq!((report.added, report.problems.len()), (480, 0));
    p.label("1", "sport", Some("ana"), Some(800), at(2))
        .unwrap();
    p.label("2", "weather", Some("ana"), Some(700), at(3))
        .unwrap();
    let out = tmp.path().join("out");
    let export = ExportOptions {
        formats: vec![ExportFormat::GtManifest],
        ..Default::default()
    };
    p.export(&out, &export, at(4), &|_, _| {}).unwrap();
    let written = std::fs::read_to_string(out.join("output.manifest")).unwrap();
    assert_eq!(written.lines().count(), 480);
    let first: Vec<&str> = written.lines().take(3).collect();
    insta::assert_snapshot!(first.join("\n"));
}

#[test]
fn simulate_learns_text_from_a_table_column_at_the_target() {
    let out = triage_ok(&[
        "simulate",
        HEADLINES_CSV,
        "--truth",
        "topic",
        "--text-column",
        "headline",
        "--batch",
        "20",
        "--seed",
        "2",
        "--json",
    ]);
    let summary: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(summary["items"], 480);
    assert_eq!(summary["human_labels_overwritten"], 0);
    let auto = summary["auto_labeled"].as_u64().unwrap();
    assert!(
        auto > 150,
        "hashed TF-IDF should label many headlines: {summary}"
    );
    assert!(
        summary["auto_accuracy_true"].as_f64().unwrap() >= 0.95,
        "{summary}"
    );

    let err = triage_err(&[
        "simulate",
        HEADLINES_CSV,
        "--truth",
        "topic",
        "--task",
        "row-classification",
        "--text-column",
        "headline",
    ]);
    assert!(err.contains("does not fit this --truth"), "{err}");
}

/// `triage` with its own data folder, so the model registry is the test's.
/// `triage init DIR --task T --classes C --embedding MODEL`.
fn init_args<'a>(dir: &'a str, task: &'a str, classes: &'a str, model: &'a str) -> [&'a str; 8] {
    [
        "init",
        dir,
        "--task",
        task,
        "--classes",
        classes,
        "--embedding",
        model,
    ]
}

fn triage_in(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(triage_bin())
        .args(args)
        .env("TRIAGE_DATA_DIR", data)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn ok_in(data: &Path, args: &[&str]) -> String {
    let out = triage_in(data, args);
    assert!(
        out.status.success(),
        "triage {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn err_in(data: &Path, args: &[&str]) -> String {
    let out = triage_in(data, args);
    assert!(!out.status.success(), "triage {args:?} should have failed");
    String::from_utf8(out.stderr).unwrap()
}

/// A model registered once serves a project: its vectors are cached per
/// item and per set of weights, rounds learn from them, and weights that
/// change on disk are refused until the features are recomputed.
#[test]
fn a_registered_minilm_makes_the_features_and_changed_weights_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // A copy, so its weights can change under the project.
    let model = tmp.path().join("minilm");
    std::fs::create_dir_all(&model).unwrap();
    for f in [
        "config.json",
        "tokenizer.json",
        "sentence_bert_config.json",
        "model.safetensors",
    ] {
        std::fs::copy(minilm().join(f), model.join(f)).unwrap();
    }
    let out = ok_in(
        &data,
        &["models", "add", path_str(&model), "--name", "mini"],
    );
    assert!(
        out.contains("added text model 'mini' (384 dimensions"),
        "{out}"
    );
    assert!(ok_in(&data, &["models", "list"]).contains("mini "));
    assert!(
        data.join("models.json").is_file(),
        "the registry lives in the data folder"
    );

    let dir = tmp.path().join("news");
    let ds = path_str(&dir);
    let err = err_in(&data, &init_args(ds, "row-classification", "a,b", "mini"));
    assert!(err.contains("table rows have no embedding model"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    ok_in(
        &data,
        &init_args(
            ds,
            "text-classification",
            "business,science,sport,weather",
            "mini",
        ),
    );
    ok_in(
        &data,
        &[
            "import",
            ds,
            HEADLINES_CSV,
            "--text-column",
            "headline",
            "--label-column",
            "topic",
        ],
    );
    // The round embeds what is missing, then learns from the vectors.
    let p = Project::open(&dir).unwrap();
    assert_eq!(p.embedding().unwrap().unwrap().name, "mini");
    drop(p);
    let out = ok_in(&data, &["train", ds]);
    assert!(out.contains("model"), "{out}");
    let p = Project::open(&dir).unwrap();
    let status = p.model_status().unwrap().unwrap();
    assert!(
        ["logistic", "gaussian-nb", "knn"]
            .iter()
            .any(|f| status.algorithm.starts_with(f)),
        "{}",
        status.algorithm
    );
    drop(p);

    // Weights that change on disk: new items cannot be embedded with them.
    let weights = model.join("model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&weights, &bytes).unwrap();
    let more = tmp.path().join("more.csv");
    // x2 is h001 in other case and with a "!": a near-duplicate of it.
    std::fs::write(
        &more,
        "id,headline\nx1,Storm floods the valley\nx2,\"THE EAGLES STRIKER EDGE PAST AS A \
         TEN-MAN SIDE PENALTY THE DERBY, SURPRISE BEFORE!\"\n",
    )
    .unwrap();
    ok_in(
        &data,
        &[
            "import",
            ds,
            path_str(&more),
            "--text-column",
            "headline",
            "--id-column",
            "id",
        ],
    );
    let err = err_in(&data, &["train", ds]);
    assert!(err.contains("model 'mini' changed on disk"), "{err}");
    assert!(err.contains("triage features"), "{err}");
    // Registered again, its new hash is refused as well until recomputed.
    ok_in(
        &data,
        &["models", "add", path_str(&model), "--name", "mini"],
    );
    let err = err_in(&data, &["train", ds]);
    assert!(err.contains("registered again with other weights"), "{err}");
    let out = ok_in(&data, &["features", ds, "--model", "mini"]);
    assert!(out.contains("482 items embedded"), "{out}");
    ok_in(&data, &["train", ds]);

    // Near-duplicate groups over MiniLM's vectors pair the copy with its
    // original (the first row; this import named rows by number).
    let set = triage_api::Dataset::open(&dir, &|_, _, _| {}).unwrap();
    let groups = set.near_duplicates(0.95).unwrap();
    let names: Vec<Vec<&str>> = groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|&i| set.entries[i as usize].name.as_str())
                .collect()
        })
        .collect();
    assert!(names.iter().any(|g| *g == ["row 1", "x2"]), "{names:?}");
    assert!(!names.iter().flatten().any(|n| *n == "x1"), "{names:?}");

    // A folder with a file missing is named, and nothing is registered.
    std::fs::remove_file(model.join("tokenizer.json")).unwrap();
    let err = err_in(
        &data,
        &["models", "add", path_str(&model), "--name", "broken"],
    );
    assert!(err.contains("tokenizer.json: missing"), "{err}");
    assert!(!ok_in(&data, &["models", "list"]).contains("broken"));
}

/// Images learn from a registered DINOv2 the same way: a model of the real
/// architecture with generated weights (no pretrained image weights can be
/// fetched here) embeds every photo, from its thumbnail, and a round
/// learns from those vectors.
#[test]
fn an_image_project_uses_a_registered_dinov2() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let model = tmp.path().join("dino");
    triage_embed::vision::write_random_model(&model, 2, 32, 2).unwrap();
    let out = ok_in(
        &data,
        &["models", "add", path_str(&model), "--name", "dino"],
    );
    assert!(
        out.contains("added image model 'dino' (32 dimensions"),
        "{out}"
    );
    let dir = tmp.path().join("photos");
    let ds = path_str(&dir);
    let err = err_in(&data, &init_args(ds, "text-classification", "a,b", "dino"));
    assert!(err.contains("model 'dino' embeds images"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    ok_in(&data, &init_args(ds, "image-classification", "a,b", "dino"));
    // The photos and one that cannot be decoded.
    let photos = tmp.path().join("photo folder");
    copy_dir(&repo().join("datasets/photos"), &photos);
    std::fs::write(photos.join("broken.jpg"), b"\xff\xd8 not a jpeg").unwrap();
    // The broken file is skipped: imported, with problems.
    let out = triage_in(&data, &["import", ds, path_str(&photos)]);
    assert_eq!(out.status.code(), Some(3));
    let out = ok_in(&data, &["features", ds, "--model", "dino"]);
    assert!(out.contains("6 items embedded"), "{out}");
    // Every photo has a unit vector of the model's length.
    let p = Project::open(&dir).unwrap();
    let model = p.embedding().unwrap().unwrap();
    assert_eq!((model.name.as_str(), model.dims), ("dino", 32));
    drop(p);
    // Labels on four photos, then a round: it reads the cached vectors.
    for (item, class) in [("1", "a"), ("2", "b"), ("3", "a"), ("4", "b")] {
        ok_in(&data, &["label", ds, item, class]);
    }
    let out = ok_in(&data, &["train", ds, "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(summary.get("queued").is_some(), "{summary}");
    let out = ok_in(&data, &["features", ds, "--model", "dino"]);
    assert!(
        out.contains("0 items embedded"),
        "cached vectors are reused: {out}"
    );
    // With only the unreadable photo left, a round never loads the model:
    // weights changed on disk since go unnoticed until something new needs them.
    let weights = tmp.path().join("dino/model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    bytes[0] ^= 0x01;
    std::fs::write(&weights, &bytes).unwrap();
    ok_in(&data, &["train", ds]);
    let more = tmp.path().join("more");
    std::fs::create_dir_all(&more).unwrap();
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]))
        .save(more.join("new.png"))
        .unwrap();
    ok_in(&data, &["import", ds, path_str(&more)]);
    let err = err_in(&data, &["train", ds]);
    assert!(err.contains("model 'dino' changed on disk"), "{err}");
}
