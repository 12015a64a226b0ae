//! The bad-input corpus (`tests/corpus/`, made by `make_corpus.py`): every
//! broken file gives one clear problem naming the file and, inside a file,
//! the position; the good files still come in; nothing panics.

use triage_api::{CreateOptions, ImportOptions, ImportReport, Project, TaskKind};

use crate::*;

fn project(dir: &Path, task: TaskKind) -> Project {
    let options = CreateOptions::new(task, vec!["a".into(), "b".into()]);
    Project::create(dir, &options, triage_api::now()).unwrap()
}

fn import(project: &mut Project, rel: &str, options: &ImportOptions) -> ImportReport {
    project
        .import(&repo().join(rel), options, triage_api::now(), &|_, _| {})
        .unwrap()
}

/// Each problem as `file-name: position: reason`, in report order.
fn problems(report: &ImportReport) -> Vec<String> {
    report
        .problems
        .iter()
        .map(|p| {
            let name = Path::new(&p.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            match &p.position {
                Some(pos) => format!("{name}: {pos}: {}", p.reason),
                None => format!("{name}: {}", p.reason),
            }
        })
        .collect()
}

fn assert_has(problems: &[String], want: &str) {
    assert!(
        problems.iter().any(|p| p.contains(want)),
        "no problem contains {want:?} in {problems:#?}"
    );
}

#[test]
fn broken_images_are_reported_and_good_ones_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = project(&tmp.path().join("p"), TaskKind::ImageClassification);
    let report = import(&mut p, "tests/corpus/images", &ImportOptions::default());
    assert_eq!(report.added, 2, "good.png and good.jpg");
    let got = problems(&report);
    assert_eq!(got.len(), 6, "{got:#?}");
    assert_has(
        &got,
        "huge.png: image header claims 100000×100000 pixels, over the limit",
    );
    assert_has(&got, "truncated.png: cannot decode");
    assert_has(&got, "truncated.jpg: unreadable image header");
    assert_has(&got, "corrupt.jpg: ");
    assert_has(&got, "empty.png: not a recognised image format");
    assert_has(&got, "text.png: not a recognised image format");
}

#[test]
fn broken_tables_are_reported_row_by_row() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = project(&tmp.path().join("p"), TaskKind::RowClassification);
    let ids = ImportOptions {
        id_column: Some("id".into()),
        ..Default::default()
    };

    let report = import(&mut p, "tests/corpus/tables/bad_utf8.csv", &ids);
    assert_eq!(report.added, 2);
    assert_eq!(
        problems(&report),
        ["bad_utf8.csv: row 2, line 3, field 2, byte 25: invalid UTF-8; row skipped"]
    );

    let report = import(&mut p, "tests/corpus/tables/ragged.csv", &ids);
    assert_eq!(report.added, 2);
    assert_eq!(
        problems(&report),
        [
            "ragged.csv: row 2, line 3: has 2 fields but the header has 3; row skipped",
            "ragged.csv: row 3, line 4: has 4 fields but the header has 3; row skipped",
        ]
    );

    let report = import(&mut p, "tests/corpus/tables/bad.jsonl", &ids);
    assert_eq!(report.added, 2);
    let got = problems(&report);
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_has(&got, "bad.jsonl: line 2: bad JSON");
    assert_has(&got, "bad.jsonl: line 3: not a JSON object");
    assert_has(&got, "bad.jsonl: line 4: invalid UTF-8 at byte");
}

#[test]
fn broken_manifests_are_reported_line_by_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = project(&tmp.path().join("p"), TaskKind::ImageClassification);
    let rooted = ImportOptions {
        root: Some(repo().join("tests/corpus")),
        ..Default::default()
    };

    let report = import(&mut p, "tests/corpus/manifests/bad_json.manifest", &rooted);
    assert_eq!(report.added, 1);
    let got = problems(&report);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_has(&got, "bad_json.manifest: line 2: bad JSON");
    assert_has(&got, "bad_json.manifest: line 3: bad JSON");

    let report = import(&mut p, "tests/corpus/manifests/escapes.manifest", &rooted);
    let got = problems(&report);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_has(
        &got,
        "escapes.manifest: line 2: \"../../../../../../etc/passwd\" is outside the dataset root",
    );
    assert_has(
        &got,
        "escapes.manifest: line 3: \"/etc/passwd\" is outside the dataset root",
    );
    assert_eq!(report.added + report.already_present, 2);

    let report = import(&mut p, "tests/corpus/manifests/missing.manifest", &rooted);
    assert_eq!(problems(&report).len(), 1);
    assert_has(
        &problems(&report),
        "missing.manifest: line 1: \"../images/nope.png\": file not found",
    );
}

#[test]
fn a_symlink_cannot_lead_out_of_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(
        repo().join("tests/corpus/images/good.png"),
        root.join("link.png"),
    )
    .unwrap();
    std::fs::write(root.join("m.manifest"), "{\"source-ref\":\"link.png\"}\n").unwrap();
    let mut p = project(&tmp.path().join("p"), TaskKind::ImageClassification);
    let report = p
        .import(
            &root.join("m.manifest"),
            &ImportOptions::default(),
            triage_api::now(),
            &|_, _| {},
        )
        .unwrap();
    assert_eq!(report.added, 0);
    assert_has(
        &problems(&report),
        "m.manifest: line 1: \"link.png\" leads outside the dataset root",
    );
}

#[test]
fn a_missing_path_is_an_error_and_nothing_saved_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = project(&tmp.path().join("p"), TaskKind::ImageClassification);
    import(&mut p, "tests/corpus/images", &ImportOptions::default());
    p.label("1", "b", None, None, triage_api::now()).unwrap();
    let err = p.import(
        &tmp.path().join("nope"),
        &ImportOptions::default(),
        triage_api::now(),
        &|_, _| {},
    );
    let err = err.err().unwrap();
    assert_eq!(err.code(), "path");
    assert!(
        err.to_string().contains("nope: no such file or folder"),
        "{err}"
    );
    drop(p);
    let p = Project::open(&tmp.path().join("p")).unwrap();
    assert_eq!(p.status().unwrap().counts.human, 1);
}

/// The explorer's `Dataset` over every file of the bad-input corpus: each
/// either opens (skipped lines counted) or fails with an error naming the
/// file; nothing panics.
#[test]
fn the_explorer_opens_the_corpus_or_names_the_file() {
    for dir in ["tests/corpus/tables", "tests/corpus/manifests"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match triage_api::Dataset::open(&path, &|_, _, _| {}) {
                Ok(data) => {
                    for i in 0..data.entries.len() {
                        data.history(i).unwrap();
                    }
                }
                Err(e) => assert!(e.to_string().contains(&name), "{name}: {e}"),
            }
        }
    }
}
