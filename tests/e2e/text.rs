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
