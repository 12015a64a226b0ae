//! `triage profile`: a project with human and model labels, table files,
//! image folders, and bad input.

use triage_api::{Project, RoundOptions};

use crate::*;

/// The penguins' species by id, from the CSV.
fn species() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join(PENGUINS_CSV)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect()
}

fn profile_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["profile"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "-"]);
    serde_json::from_str(&triage_ok(&all)).unwrap()
}

/// The label sources a profile's `labels` counts (`human`, `model`, …).
pub fn label_sources(labels: &serde_json::Value) -> Vec<&str> {
    labels["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .collect()
}

/// A penguins project where people labeled the queue, round after round,
/// until the model auto-labeled some rows. Returns (human, model) counts.
pub fn penguins_with_model_labels(dir: &Path) -> (u64, u64) {
    penguin_project(dir);
    let mut project = Project::open(dir).unwrap();
    let truth: std::collections::HashMap<String, String> = species().into_iter().collect();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    for _ in 0..8 {
        for item in project.next_items(50).unwrap() {
            let id = item.external_id.unwrap();
            project
                .label(&id, &truth[&id], Some("ana"), None, triage_api::now())
                .unwrap();
        }
        let round = project
            .run_round(&RoundOptions::default(), &cancel, triage_api::now())
            .unwrap();
        if round.counts.model > 0 {
            return (round.counts.human, round.counts.model);
        }
    }
    panic!("no auto-labels after 8 rounds");
}

#[test]
fn a_project_profile_has_labels_sources_confidence_and_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("penguins");
    let (human, auto) = penguins_with_model_labels(&dir);

    let p = profile_json(&[path_str(&dir)]);
    assert_eq!(p["schema"], "triage-profile/1");
    assert_eq!(p["rows"], 344);
    let labels = &p["labels"];
    assert_eq!(labels["column"], "label");
    let sources = label_sources(labels);
    assert!(
        sources.contains(&"human") && sources.contains(&"model"),
        "{sources:?}"
    );
    assert_eq!(labels["labeled"].as_u64().unwrap(), human + auto);
    assert!(!labels["confidence"].as_array().unwrap().is_empty());
    let drift = labels["drift"].as_array().unwrap();
    assert!(
        drift
            .iter()
            .any(|d| d["column"] == "flipper_length_mm" && d["compared"] == "auto-labeled"),
        "{drift:?}"
    );
    // The label, source and confidence columns are not features.
    let names: Vec<&str> = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.contains(&"label_source") && !names.contains(&"label_confidence"),
        "{names:?}"
    );
    assert!(
        names.contains(&"label") && names.contains(&"species"),
        "{names:?}"
    );
}

#[test]
fn tables_give_json_and_a_self_contained_html_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (json, html) = (tmp.path().join("p.json"), tmp.path().join("p.html"));
    triage_ok(&[
        "profile",
        PENGUINS_CSV,
        "--label",
        "species",
        "--kind",
        "year=categorical",
        "--json",
        path_str(&json),
        "--html",
        path_str(&html),
    ]);
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let year = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "year")
        .unwrap();
    assert_eq!(year["kind"], "categorical");
    assert_eq!(year["kind_overridden"], true);
    assert_eq!(p["labels"]["distribution"][0]["value"], "Adelie");
    let report = std::fs::read_to_string(&html).unwrap();
    assert!(report.matches("data:image/png;base64,").count() >= 10);
    assert!(!report.contains("<script") && !report.contains("src=\"http"));

    // A summary without output flags.
    let out = triage_ok(&["profile", PENGUINS_CSV]);
    assert!(out.contains("344 rows, 9 columns"), "{out}");
    assert!(
        out.contains("alert high-missing") || out.contains("bill_length_mm"),
        "{out}"
    );
}

/// `--streaming` profiles a table in batches: the JSON says so and states
/// its bounds, the report and the summary say "approximate", and the exact
/// statistics (counts, missing, min, max, mean) equal `--exact`'s.
#[test]
fn a_streamed_profile_says_so_and_agrees_with_the_exact_one() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("p.html");
    let exact = profile_json(&[PENGUINS_CSV, "--exact"]);
    let streamed = profile_json(&[PENGUINS_CSV, "--streaming", "--html", path_str(&html)]);
    assert_eq!(exact["method"]["mode"], "exact");
    assert_eq!(streamed["method"]["mode"], "streaming");
    let error = streamed["method"]["quantile_rank_error"].as_f64().unwrap();
    assert!(error > 0.0 && error < 0.01, "{error}");
    assert!(
        streamed["method"]["distinct_standard_error"]
            .as_f64()
            .unwrap()
            < 0.01
    );
    agree_where_both_are_exact(&streamed, &exact);
    let report = std::fs::read_to_string(&html).unwrap();
    assert!(
        report.contains("approximate: streamed in batches"),
        "{report}"
    );
    let out = triage_ok(&["profile", PENGUINS_CSV, "--streaming"]);
    assert!(
        out.contains("344 rows, 9 columns, 0 duplicate rows, streamed"),
        "{out}"
    );
    // Both at once is refused by the parser.
    let both = triage(&["profile", PENGUINS_CSV, "--exact", "--streaming"]);
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    // Without a flag, a small table is profiled exactly.
    assert_eq!(profile_json(&[PENGUINS_CSV])["method"]["mode"], "exact");
}

/// A project too big to hold as one frame is profiled a chunk at a time
/// (forced here): it says so and agrees with the exact profile wherever
/// both are exact, its label column included.
#[test]
fn a_streamed_project_profile_agrees_with_the_exact_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("penguins");
    penguins_with_model_labels(&dir);
    let exact = profile_json(&[path_str(&dir), "--exact"]);
    let streamed = profile_json(&[path_str(&dir), "--streaming"]);
    assert_eq!(exact["method"]["mode"], "exact");
    assert_eq!(streamed["method"]["mode"], "streaming");
    assert_eq!(streamed["rows"], 344);
    agree_where_both_are_exact(&streamed, &exact);
    let label = streamed["columns"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "label");
    assert!(label, "the label column is profiled");
}

/// A streamed profile against the exact one, wherever both are exact:
/// duplicate rows, and the columns' names, kinds, counts, missing and
/// distinct values, top values, min, max and mean.
fn agree_where_both_are_exact(streamed: &serde_json::Value, exact: &serde_json::Value) {
    let columns = |p: &serde_json::Value| p["columns"].as_array().unwrap().clone();
    let (s, e) = (columns(streamed), columns(exact));
    assert_eq!(s.len(), e.len());
    assert_eq!(
        streamed["dataset"]["duplicate_rows"],
        exact["dataset"]["duplicate_rows"]
    );
    for (s, e) in s.iter().zip(&e) {
        for field in ["name", "kind", "count", "missing", "distinct", "top_values"] {
            assert_eq!(s[field], e[field], "{} {field}", e["name"]);
        }
        for field in ["min", "max"] {
            assert_eq!(
                s["numeric"][field], e["numeric"][field],
                "{} {field}",
                e["name"]
            );
        }
        if let (Some(a), Some(b)) = (s["numeric"]["mean"].as_f64(), e["numeric"]["mean"].as_f64()) {
            assert!(
                (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                "{} mean",
                e["name"]
            );
        }
    }
}

#[test]
fn image_folders_and_image_projects_get_image_profiles() {
    let p = profile_json(&["datasets/photos"]);
    assert_eq!(p["images"]["files"], 6);
    assert_eq!(p["images"]["readable"], 6);
    assert_eq!(p["images"]["formats"][0]["value"], "jpg");

    let p = profile_json(&["tests/corpus/images"]);
    let unreadable = p["images"]["unreadable"].as_array().unwrap();
    assert!(unreadable.len() >= 3, "{unreadable:?}");
    assert!(
        p["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "unreadable-images")
    );

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("photos");
    let ps = path_str(&dir);
    init_project(ps, "image-classification", "a,b", &[]);
    triage_ok(&["import", ps, "datasets/photos"]);
    let p = profile_json(&[ps]);
    assert_eq!(p["rows"], 6);
    assert_eq!(p["images"]["files"], 6);
    let item = &p["columns"][0];
    assert_eq!(
        (item["name"].as_str(), item["kind"].as_str()),
        (Some("item"), Some("image-reference"))
    );
}

#[test]
fn bad_input_is_a_clear_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("p.json");
    let err = triage_err(&[
        "profile",
        "tests/corpus/tables/bad_utf8.csv",
        "--json",
        path_str(&json),
    ]);
    assert!(
        err.contains("bad_utf8.csv") && err.contains("invalid UTF-8 at line"),
        "{err}"
    );
    assert!(!json.exists());
    let err = triage_err(&["profile", PENGUINS_CSV, "--kind", "year=fancy"]);
    assert!(err.contains("unknown kind `fancy`"), "{err}");
    let err = triage_err(&["profile", PENGUINS_CSV, "--kind", "nope=text"]);
    assert!(err.contains("no column `nope`"), "{err}");
}

#[test]
fn an_export_carries_the_profile_once_at_its_top() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("penguins");
    penguin_project_importing(&dir, &["--label-column", "species"]);
    let out = tmp.path().join("out");
    triage_ok(&[
        "export",
        path_str(&dir),
        "--to",
        path_str(&out),
        "--format",
        "profile-html,gt-manifest,profile-json",
        "--split",
        "0.8,0.1,0.1",
    ]);
    let p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("profile.json")).unwrap()).unwrap();
    assert_eq!(p["schema"], "triage-profile/1");
    assert_eq!(p["labels"]["labeled"], 344);
    // The column the labels came from is profiled, but is no feature: it
    // would only mirror the label.
    let named = |v: &serde_json::Value, name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .any(|c| c["column"] == name || c["name"] == name)
    };
    assert!(named(&p["columns"], "species"));
    assert!(!named(&p["labels"]["features"], "species"));
    assert!(named(&p["labels"]["features"], "island"));
    assert!(
        std::fs::read_to_string(out.join("profile.html"))
            .unwrap()
            .contains("<img")
    );
    for part in ["train", "validation", "test"] {
        assert!(out.join(part).join("output.manifest").is_file());
        assert!(!out.join(part).join("profile.json").exists());
    }
    let err = triage_err(&[
        "export",
        path_str(&dir),
        "--to",
        path_str(&out),
        "--format",
        "profile",
    ]);
    assert!(
        err.contains("invalid value 'profile'") && err.contains("profile-json, profile-html"),
        "{err}"
    );
}
