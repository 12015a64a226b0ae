//! Active learning end to end: the simulated loop through the CLI, the
//! train / review / revoke commands, and labeling while a round trains.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use triage_api::{CreateOptions, ImportOptions, Project, RoundOptions, TaskKind};

use crate::*;

#[test]
fn simulate_meets_the_target_and_never_overwrites_a_human_label() {
    let out = triage_ok(&[
        "simulate",
        PENGUINS_CSV,
        "--truth",
        "species",
        "--task",
        "row-classification",
        "--batch",
        "20",
        "--seed",
        "3",
        "--json",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.len() > 2,
        "one line per round, then the summary:\n{out}"
    );
    assert!(lines[0].starts_with("round   1  human     0"), "{out}");
    let summary: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    for key in [
        "items",
        "human_labels",
        "auto_labeled",
        "auto_accuracy_estimated",
        "auto_accuracy_true",
        "rounds",
    ] {
        assert!(summary.get(key).is_some(), "{key} missing from {summary}");
    }
    assert_eq!(summary["items"], 344);
    assert_eq!(summary["human_labels_overwritten"], 0);
    let auto = summary["auto_labeled"].as_u64().unwrap();
    assert!(
        auto > 100,
        "the model should label most penguins: {summary}"
    );
    assert!(
        summary["auto_accuracy_true"].as_f64().unwrap() >= 0.95,
        "{summary}"
    );
    assert_eq!(
        auto + summary["human_labels"].as_u64().unwrap(),
        344,
        "every item ends labeled"
    );

    let err = triage_err(&[
        "simulate",
        PENGUINS_CSV,
        "--truth",
        "species",
        "--task",
        "image-classification",
    ]);
    assert!(err.contains("does not fit"), "{err}");
}

/// The true class of each penguin, by id, from the CSV itself.
pub(crate) fn penguin_truth() -> std::collections::HashMap<String, String> {
    let text = std::fs::read_to_string(repo().join(PENGUINS_CSV)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap().to_owned(), f.next().unwrap().to_owned())
        })
        .collect()
}

/// Labels penguins in the queue's order, with their true species, and
/// trains after each batch until a round auto-labels; returns that model's
/// version. The species column is left out of the features, as
/// `--label-column` would.
pub(crate) fn label_until_auto_labels(p: &std::path::Path) -> String {
    let ps = path_str(p);
    let truth = penguin_truth();
    let mut project = Project::open(p).unwrap();
    project.skip_feature("species").unwrap();
    drop(project);
    for round in 0..8 {
        let out = triage_ok(&[
            "train",
            ps,
            "--batch",
            "30",
            "--seed",
            &round.to_string(),
            "--json",
        ]);
        let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
        if summary["counts"]["model"].as_u64().unwrap() > 0 {
            return summary["model_version"].as_i64().unwrap().to_string();
        }
        let queue: serde_json::Value =
            serde_json::from_str(&triage_ok(&["queue", ps, "--n", "30", "--json"])).unwrap();
        for item in queue.as_array().unwrap() {
            let id = item["external_id"].as_str().unwrap();
            triage_ok(&["label", ps, id, &truth[id], "--annotator", "ana"]);
        }
    }
    panic!("no model auto-labeled within 8 rounds");
}

#[test]
fn train_review_spot_check_and_revoke_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    penguin_project(&p);
    let truth = penguin_truth();
    let version = label_until_auto_labels(&p);

    let status = triage_ok(&["status", ps]);
    let estimate: f64 = status
        .split("estimated accuracy of auto-labels: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no estimate in {status}"));
    assert!(estimate >= 0.95 && status.contains("95% CI"), "{status}");
    // Why this model: every candidate family with its held-out score, one
    // of them chosen.
    assert!(status.contains("chosen by held-out log-loss"), "{status}");
    let candidates: Vec<&str> = status
        .lines()
        .filter(|l| l.contains(" log-loss "))
        .collect();
    for family in ["gaussian-nb", "logistic(", "knn(", "forest("] {
        assert!(candidates.iter().any(|l| l.contains(family)), "{status}");
    }
    assert_eq!(
        candidates.iter().filter(|l| l.starts_with("  * ")).count(),
        1,
        "{status}"
    );

    let out = triage_ok(&["review", ps, "--spot-check", "3", "--seed", "1"]);
    assert!(out.starts_with("3 auto-labels to verify"), "{out}");
    // A person confirms each sampled auto-label with the true class.
    for line in out.lines().skip(1) {
        let id: i64 = line.split('\t').next().unwrap().parse().unwrap();
        let item = Project::open(&p).unwrap().item(&id.to_string()).unwrap();
        let pid = item.external_id.unwrap();
        triage_ok(&["label", ps, &pid, &truth[&pid]]);
    }
    let status = triage_ok(&["status", ps]);
    assert!(
        status.contains("spot-checked accuracy:")
            && status.contains("n=3")
            && status.contains("(0 pending)"),
        "{status}"
    );

    let out = triage_ok(&["review", ps, "--errors"]);
    assert!(out.contains("labels the model doubts"), "{out}");

    // Export filters: people's labels only, or auto-labels from a confidence.
    let rows = |extra: &[&str]| -> Vec<(String, f64)> {
        let out = tmp.path().join(format!("csv{}", extra.join("")));
        let mut args = vec!["export", ps, "--to", path_str(&out), "--format", "csv"];
        args.extend_from_slice(&["--labeled-only"]);
        args.extend_from_slice(extra);
        triage_ok(&args);
        std::fs::read_to_string(out.join("labels.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells[6].to_owned(), cells[9].parse().unwrap_or(f64::NAN))
            })
            .collect()
    };
    let all = rows(&[]);
    let auto = all.iter().filter(|(s, _)| s == "model").count();
    assert!(auto > 0);
    let human = rows(&["--human-only"]);
    assert_eq!(human.len(), all.len() - auto);
    assert!(human.iter().all(|(s, _)| s != "model"));
    let sure = rows(&["--min-confidence", "0.99"]);
    let kept: Vec<f64> = sure
        .iter()
        .filter(|(s, _)| s == "model")
        .map(|r| r.1)
        .collect();
    assert!(kept.iter().all(|&c| c >= 0.99), "{kept:?}");
    let expected = all
        .iter()
        .filter(|(s, c)| s == "model" && *c >= 0.99)
        .count();
    assert_eq!(kept.len(), expected);

    let out = triage_ok(&["revoke", ps, "--model-version", &version]);
    assert!(out.starts_with("revoked "), "{out}");
    let status: serde_json::Value =
        serde_json::from_str(&triage_ok(&["status", ps, "--json"])).unwrap();
    assert_eq!(status["counts"]["model"], 0, "{status}");
    let err = triage_err(&["revoke", ps, "--model-version", "999"]);
    assert!(err.contains("no model version 999"), "{err}");
    let err = triage_err(&["train", ps, "--strategy", "best"]);
    assert!(
        err.contains("invalid value 'best' for '--strategy <STRATEGY>'")
            && err.contains("least-confidence"),
        "{err}"
    );

    // A pinned family is the only one tried, and status says so.
    triage_ok(&["train", ps, "--model", "forest", "--seed", "9"]);
    let status = triage_ok(&["status", ps]);
    let candidates: Vec<&str> = status
        .lines()
        .filter(|l| l.contains(" log-loss "))
        .collect();
    assert!(status.contains("family pinned to forest"), "{status}");
    assert_eq!(candidates.len(), 1, "{status}");
    assert!(
        candidates[0].starts_with("  * forest(trees=64)"),
        "{status}"
    );
    let err = triage_err(&["train", ps, "--model", "tree"]);
    assert!(
        err.contains("invalid value 'tree' for '--model <MODEL>'") && err.contains("auto, bayes"),
        "{err}"
    );
}

/// A round trains on all 1,797 digits (imported with their folder labels)
/// while another handle labels: every label commits before the round ends.
#[test]
fn labeling_does_not_wait_for_a_round() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    let options = CreateOptions::new(
        TaskKind::ImageClassification,
        (0..10).map(|d| d.to_string()).collect(),
    );
    let mut project = Project::create(&dir, &options, triage_api::now()).unwrap();
    let import = ImportOptions {
        labels_from_folders: true,
        ..Default::default()
    };
    project
        .import(&repo().join(DIGITS), &import, triage_api::now(), &|_, _| {})
        .unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let round = {
        let (done, started) = (done.clone(), started.clone());
        std::thread::spawn(move || {
            let cancel = AtomicBool::new(false);
            started.store(true, Ordering::SeqCst);
            let summary = project.run_round(&RoundOptions::default(), &cancel, triage_api::now());
            done.store(true, Ordering::SeqCst);
            summary.unwrap()
        })
    };
    while !started.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let mut labeler = Project::open(&dir).unwrap();
    let mut finished_during_round = 0;
    for id in 1..=20 {
        labeler
            .label(&id.to_string(), "7", Some("ana"), None, triage_api::now())
            .unwrap();
        if !done.load(Ordering::SeqCst) {
            finished_during_round += 1;
        }
    }
    let summary = round.join().unwrap();
    assert_eq!(finished_during_round, 20, "labels waited for the round");
    assert!(summary.model_version.is_some());
    // The people's labels stand after the round wrote its results.
    for id in 1..=20 {
        let label = labeler.item(&id.to_string()).unwrap().label.unwrap();
        assert_eq!(
            (label.source.as_str(), label.class_name.as_str()),
            ("human", "7")
        );
    }
}

/// Ctrl-C during a round stops it before it writes anything: the command
/// says so and fails, and the project has no new model, auto-label or
/// queue.
#[test]
fn ctrl_c_stops_a_round_and_the_project_is_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    init_project(ps, "image-classification", "0,1,2,3,4,5,6,7,8,9", &[]);
    triage_ok(&["import", ps, DIGITS, "--labels-from-folders"]);
    let before = triage_ok(&["status", ps, "--json"]);
    // Once the round has started (a few seconds of work in a debug build
    // follow), press Ctrl-C.
    let mut train = std::process::Command::new(triage_bin());
    train.args(["-v", "train", ps]);
    let (code, rest) = ctrl_c_when(train, "round started over 1797 items");
    assert_eq!(code, Some(1), "{rest}");
    assert!(
        rest.contains("cancelled: the round stopped before writing anything"),
        "{rest}"
    );
    assert_eq!(triage_ok(&["status", ps, "--json"]), before);
    assert!(Project::open(&p).unwrap().model_status().unwrap().is_none());
}
