//! Multi-label projects: a set of classes per item, from the CLI to the
//! Ground Truth multi-label manifest.

use crate::*;

#[test]
fn sets_of_classes_go_out_as_the_ground_truth_multilabel_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("scenes");
    let ps = path_str(&p);
    init_project(
        ps,
        "image-multilabel",
        "animal,cup,outdoor",
        &["--attribute", "tags"],
    );
    triage_ok(&["import", ps, "datasets/photos"]);
    let photo = |n: &str| repo().join("datasets/photos").join(n).display().to_string();
    let out = triage_ok(&["label", ps, &photo("chelsea.jpg"), "outdoor,animal,animal"]);
    assert!(out.contains("labeled animal, outdoor"), "{out}");
    triage_ok(&["label", ps, &photo("coffee.jpg"), "cup"]);
    triage_ok(&["label", ps, &photo("rocket.jpg"), ""]);
    // Undo takes back the last answer as a whole.
    let out = triage_ok(&["undo", ps]);
    assert!(out.contains("undid label none"), "{out}");
    triage_ok(&["label", ps, &photo("rocket.jpg"), "outdoor"]);

    let to = tmp.path().join("out");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&to),
        "--format",
        "gt-manifest",
        "--labeled-only",
    ]);
    let manifest = std::fs::read_to_string(to.join("output.manifest")).unwrap();
    assert_eq!(manifest.lines().count(), 3);
    let cat = manifest.lines().find(|l| l.contains("chelsea")).unwrap();
    let v: serde_json::Value = serde_json::from_str(cat).unwrap();
    assert_eq!(v["tags"], serde_json::json!([0, 2]));
    let meta = &v["tags-metadata"];
    let keys: Vec<&str> = meta
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "class-map",
            "confidence-map",
            "type",
            "job-name",
            "human-annotated",
            "creation-date"
        ]
    );
    assert_eq!(
        meta["class-map"],
        serde_json::json!({"0": "animal", "2": "outdoor"})
    );
    assert_eq!(
        meta["confidence-map"],
        serde_json::json!({"0": 0.0, "2": 0.0})
    );
    assert_eq!(meta["type"], "groundtruth/image-classification-multilabel");
    assert_eq!(meta["human-annotated"], "yes");
    // The key order of the whole line, as Ground Truth writes it.
    assert!(
        cat.starts_with(r#"{"source-ref":""#)
            && cat.contains(r#"","tags":[0,2],"tags-metadata":{"class-map""#),
        "{cat}"
    );

    // Job chaining: the manifest starts a new multi-label job, whose
    // classes come in a different order; the answers come in by name and
    // go out again byte for byte.
    let next = tmp.path().join("next");
    let ns = path_str(&next);
    init_project(
        ns,
        "image-multilabel",
        "outdoor,cup,animal",
        &["--attribute", "tags"],
    );
    let out = triage_ok(&[
        "import",
        ns,
        path_str(&to.join("output.manifest")),
        "--root",
        "/",
    ]);
    assert!(out.contains("3 with labels"), "{out}");
    let status: serde_json::Value =
        serde_json::from_str(&triage_ok(&["status", ns, "--json"])).unwrap();
    assert_eq!(status["counts"]["import"], 3);
    // By name: animal and outdoor swapped indices in this job.
    let chained = triage_api::Project::open(&next).unwrap();
    let cat = chained.item(&photo("chelsea.jpg")).unwrap();
    assert_eq!(cat.label.unwrap().class_name, "outdoor, animal");
    drop(chained);
    let again = tmp.path().join("again");
    triage_ok(&[
        "export",
        ns,
        "--to",
        path_str(&again),
        "--format",
        "gt-manifest",
        "--labeled-only",
    ]);
    assert_eq!(
        std::fs::read_to_string(again.join("output.manifest")).unwrap(),
        manifest
    );

    // One class per item does not fit, nor does a model yet.
    let err = triage_err(&["export", ps, "--to", path_str(&to), "--format", "csv"]);
    assert!(
        err.contains("sets of classes go out as gt-manifest"),
        "{err}"
    );
    let err = triage_err(&["train", ps]);
    assert!(
        err.contains("image-multilabel projects have no model yet"),
        "{err}"
    );
    let err = triage_err(&["label", ps, &photo("flower.jpg"), "animal,plant"]);
    assert!(err.contains("unknown class 'plant'"), "{err}");

    // Rows too: text-classification-multilabel.
    let rows = tmp.path().join("rows");
    let rs = path_str(&rows);
    init_project(rs, "row-multilabel", "heavy,long-billed", &[]);
    triage_ok(&["import", rs, PENGUINS_CSV, "--id-column", "id"]);
    triage_ok(&["label", rs, "p001", "heavy,long-billed"]);
    let to = tmp.path().join("rows-out");
    triage_ok(&[
        "export",
        rs,
        "--to",
        path_str(&to),
        "--format",
        "gt-manifest",
        "--labeled-only",
    ]);
    let line = std::fs::read_to_string(to.join("output.manifest")).unwrap();
    assert!(line.starts_with(r#"{"source":"row 1 of penguins.csv","label":[0,1],"label-metadata":{"class-map":{"0":"heavy","1":"long-billed"}"#), "{line}");
    assert!(
        line.contains(r#""type":"groundtruth/text-classification-multilabel""#),
        "{line}"
    );
}
