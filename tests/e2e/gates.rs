//! The review before an export and the project's gates, through the CLI:
//! a failing gate refuses an export and writes nothing, an override is
//! recorded, a dry run writes nothing anywhere, and the exported profile
//! describes what the export holds.

use std::path::Path;

use triage_api::Project;

use crate::learning::{label_until_auto_labels, penguin_truth};
use crate::*;

/// Draws ten spot checks and answers them, the first `wrong` with a species
/// the model did not give.
fn answer_spot_checks(p: &Path, wrong: usize) {
    let ps = path_str(p);
    let truth = penguin_truth();
    let out = triage_ok(&["review", ps, "--spot-check", "10", "--seed", "1"]);
    assert!(out.starts_with("10 auto-labels to verify"), "{out}");
    for (k, line) in out.lines().skip(1).enumerate() {
        let id = line.split('\t').next().unwrap();
        let pid = Project::open(p)
            .unwrap()
            .item(id)
            .unwrap()
            .external_id
            .unwrap();
        let class = if k < wrong {
            ["Adelie", "Chinstrap", "Gentoo"]
                .into_iter()
                .find(|c| *c != truth[&pid])
                .unwrap()
        } else {
            truth[&pid].as_str()
        };
        triage_ok(&["label", ps, &pid, class, "--annotator", "ana"]);
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_failing_spot_check_gate_refuses_the_export_until_overridden() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    penguin_project(&p);
    label_until_auto_labels(&p);
    answer_spot_checks(&p, 4);

    let out = triage_ok(&["gates", "set", ps, "--min-spot-check-accuracy", "0.95"]);
    assert_eq!(out.trim(), "min-spot-check-accuracy 0.95");
    assert_eq!(triage_ok(&["gates", "show", ps]), out);
    let err = triage_err(&["gates", "set", ps, "--min-spot-check-accuracy", "95"]);
    assert!(err.contains("must lie in [0, 1]"), "{err}");

    // A dry run prints the review with the failed gate and its figures,
    // fails, and writes nothing.
    let to = tmp.path().join("out");
    let export = |extra: &[&str]| {
        let mut args = vec![
            "export",
            ps,
            "--to",
            path_str(&to),
            "--format",
            "gt-manifest,profile-json,profile-html",
        ];
        args.extend_from_slice(extra);
        triage(&args)
    };
    let figures = "spot-checked accuracy 0.600 (6 of 10; 95% interval";
    let dry = export(&["--dry-run"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&dry.stderr),
    );
    assert!(!dry.status.success(), "{stdout}");
    assert!(
        stderr.contains("the export would be refused: 1 gates fail"),
        "{stderr}"
    );
    assert!(
        stdout.contains(&format!("FAILS        min-spot-check-accuracy: {figures}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("spot-checked 0.600 (95% interval"),
        "{stdout}"
    );
    assert!(!to.exists(), "a dry run writes nothing");

    // The export itself is refused with the same figures, and writes nothing.
    let refused = export(&[]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        err.contains("fails 1 of the project's gates") && err.contains(figures),
        "{err}"
    );
    assert!(!to.exists(), "a refused export writes nothing");
    let project = Project::open(&p).unwrap();
    assert!(project.exports().unwrap().is_empty());
    drop(project);

    // An override exports and is recorded: in review.json, in the HTML
    // profile, and with every file in the project.
    let reason = "the demo needs these labels today; retraining next week";
    let done = export(&["--override", reason, "--annotator", "lead"]);
    let out = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        out.contains(&format!(
            "gates overridden (min-spot-check-accuracy): {reason}"
        )),
        "{out}"
    );
    let review = read_json(&to.join("review.json"));
    assert_eq!(review["schema"], "triage-export-review/1");
    assert_eq!(review["overridden"]["reason"], reason);
    assert_eq!(
        review["overridden"]["failed"],
        serde_json::json!(["min-spot-check-accuracy"])
    );
    assert!(review["overridden"]["at"].as_str().is_some());
    assert_eq!(review["failures"][0]["gate"], "min-spot-check-accuracy");
    assert_eq!(review["spot_checked_accuracy"]["n"], 10);
    assert_eq!(review["gates"]["min_spot_check_accuracy"], 0.95);
    let html = std::fs::read_to_string(to.join("profile.html")).unwrap();
    assert!(
        html.contains("Export review") && html.contains("FAILS") && html.contains(reason),
        "the HTML profile carries the review"
    );
    let records = Project::open(&p).unwrap().exports().unwrap();
    assert!(records.iter().any(|r| r.format == "review"));
    for r in &records {
        let o = r
            .overridden
            .as_ref()
            .expect("every file records the override");
        assert_eq!(o["reason"], reason);
        assert_eq!(o["failed"], serde_json::json!(["min-spot-check-accuracy"]));
        assert_eq!(o["by"], "lead");
    }
    // The manifest is still the last file written.
    assert!(
        records
            .last()
            .unwrap()
            .manifest_key
            .ends_with("output.manifest")
    );

    // People's labels only: no auto-label goes out, so the gate does not
    // apply, and the exported profile counts only people's labels.
    let human = tmp.path().join("human");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&human),
        "--format",
        "csv,profile-json",
        "--human-only",
    ]);
    let review = read_json(&human.join("review.json"));
    assert_eq!(review["failures"], serde_json::json!([]));
    assert_eq!(review["export"]["model"], 0);
    let people = review["export"]["human"].as_u64().unwrap();
    assert!(people > 0 && review["project"]["model"].as_u64().unwrap() > 0);
    let profile = read_json(&human.join("profile.json"));
    let labels = &profile["labels"];
    assert_eq!(labels["labeled"].as_u64(), Some(people));
    let sources = crate::profile::label_sources(labels);
    assert!(!sources.contains(&"model"), "{sources:?}");
    assert_eq!(profile["rows"], 344, "unlabeled items still go out");

    // With a split and labeled items only, the profile holds just the
    // shares, each with its label distribution, compared with train.
    let split = tmp.path().join("split");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&split),
        "--format",
        "profile-json",
        "--human-only",
        "--labeled-only",
        "--split",
        "0.4,0.3,0.3",
    ]);
    let profile = read_json(&split.join("profile.json"));
    assert_eq!(profile["rows"].as_u64(), Some(people));
    let shares = profile["labels"]["splits"].as_array().unwrap();
    let names: Vec<&str> = shares.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["train", "validation", "test"]);
    let rows: u64 = shares.iter().map(|s| s["rows"].as_u64().unwrap()).sum();
    assert_eq!(rows, people);
    assert!(
        profile["labels"]["drift"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["reference"] == "train" && d["compared"] == "test"),
        "{}",
        profile["labels"]["drift"]
    );
    let review = read_json(&split.join("review.json"));
    let counted: u64 = review["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["items"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, people);
}

/// Two people label the same penguins and disagree on five: the review
/// shows alpha and five open disagreements, a gate on them refuses the
/// export, and once the lead has settled the five it passes.
#[test]
fn open_disagreements_hold_an_export_until_the_lead_settles_them() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    penguin_project(&p);
    Project::open(&p).unwrap().set_annotator("lead").unwrap();
    let truth = penguin_truth();
    // Every eleventh penguin: all three species.
    let ids: Vec<String> = (0..30).map(|i| format!("p{:03}", 1 + 11 * i)).collect();
    let other = |class: &str| {
        if class == "Adelie" {
            "Gentoo"
        } else {
            "Adelie"
        }
    };
    for (k, id) in ids.iter().enumerate() {
        let class = truth[id].as_str();
        triage_ok(&["label", ps, id, class, "--annotator", "ana"]);
        let ben = if k < 5 { other(class) } else { class };
        triage_ok(&["label", ps, id, ben, "--annotator", "ben"]);
    }
    triage_ok(&[
        "gates",
        "set",
        ps,
        "--max-open-disagreements",
        "0",
        "--min-agreement",
        "0.5",
    ]);
    let to = tmp.path().join("out");
    let dry = |ok: bool| {
        let out = triage(&[
            "export",
            ps,
            "--to",
            path_str(&to),
            "--format",
            "csv",
            "--dry-run",
        ]);
        assert_eq!(
            out.status.success(),
            ok,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let review = dry(false);
    let line = review.lines().find(|l| l.starts_with("agreement")).unwrap();
    assert!(line.ends_with(", 5 open disagreements, 2 people"), "{line}");
    let alpha: f64 = line
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(',')
        .parse()
        .unwrap();
    assert!(alpha > 0.5 && alpha < 1.0, "{line}");
    assert!(
        review.contains(
            "FAILS        max-open-disagreements: 5 disagreements wait for a review (at most 0)"
        ),
        "{review}"
    );
    assert!(!review.contains("min-agreement"), "alpha passes: {review}");
    let err = triage_err(&["export", ps, "--to", path_str(&to), "--format", "csv"]);
    assert!(err.contains("max-open-disagreements"), "{err}");
    assert!(!to.exists());

    // The lead settles each disagreement with their own label.
    for id in &ids[..5] {
        triage_ok(&["label", ps, id, &truth[id], "--annotator", "lead"]);
    }
    let review = dry(true);
    assert!(
        review.contains(", 0 open disagreements, 3 people"),
        "{review}"
    );
    assert!(review.contains("gates        all pass"), "{review}");
}
