//! Job chaining: a Ground Truth output manifest comes in, people label more,
//! and the export keeps every earlier label, its metadata and every
//! pass-through key, byte for byte. The golden snapshot pins the exact lines.

use chrono::TimeZone;
use triage_api::{CreateOptions, ExportFormat, ExportOptions, ImportOptions, Project, TaskKind};

use crate::*;

fn at(sec: u32, micros: u32) -> triage_api::Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 29, 9, 30, sec)
        .unwrap()
        + chrono::Duration::microseconds(micros.into())
}

#[test]
fn chained_manifest_round_trip_is_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let options = CreateOptions {
        task: TaskKind::ImageClassification,
        classes: (0..10).map(|d| d.to_string()).collect(),
        hotkeys: Vec::new(),
        job_name: Some("digits-v2".into()),
        attribute: Some("digit".into()),
    };
    let mut p = Project::create(&tmp.path().join("p"), &options, at(0, 0)).unwrap();
    let rooted = ImportOptions {
        root: Some(repo().join("datasets")),
        ..Default::default()
    };
    let report = p
        .import(
            &repo().join(DIGITS_V1_MANIFEST),
            &rooted,
            at(1, 0),
            &|_, _| {},
        )
        .unwrap();
    assert_eq!(
        (report.added, report.labeled, report.problems.len()),
        (12, 8, 0)
    );

    p.label("9", "8", Some("ana"), Some(1500), at(2, 527_256))
        .unwrap(); // unlabeled before
    p.label("1", "6", Some("ana"), Some(900), at(3, 0)).unwrap(); // corrects an earlier human label
    p.label("10", "9", Some("ana"), None, at(4, 0)).unwrap();
    p.undo(Some("ana"), at(5, 0)).unwrap(); // takes item 10 back

    let out = tmp.path().join("out");
    let export = ExportOptions {
        formats: vec![ExportFormat::GtManifest],
        ..Default::default()
    };
    let summary = p.export(&out, &export, at(6, 0), &|_, _| {}).unwrap();
    assert_eq!((summary.items, summary.labeled), (12, 9));
    let written = std::fs::read_to_string(out.join("output.manifest")).unwrap();

    // Every input line that no one touched comes back unchanged.
    let input = std::fs::read_to_string(repo().join(DIGITS_V1_MANIFEST)).unwrap();
    let unchanged: Vec<usize> = (0..12).filter(|&i| i != 0 && i != 8).collect();
    for i in unchanged {
        assert_eq!(
            written.lines().nth(i),
            input.lines().nth(i),
            "line {}",
            i + 1
        );
    }
    insta::assert_snapshot!(written);
}
