//! The CLI contract, driven as a user types it.

use crate::*;

fn digits_project(dir: &Path) {
    init_project(
        path_str(dir),
        "image-classification",
        "0,1,2,3,4,5,6,7,8,9",
        &["--attribute", "digit"],
    );
}

#[test]
fn image_folder_flow_from_init_to_export() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("proj");
    digits_project(&p);
    let out = triage_ok(&["import", path_str(&p), DIGITS, "--labels-from-folders"]);
    assert!(out.contains("imported 1797 items"), "{out}");
    assert!(out.contains("1797 with labels"), "{out}");

    // Importing again adds nothing.
    let out = triage_ok(&["import", path_str(&p), DIGITS]);
    assert!(
        out.contains("imported 0 items") && out.contains("1797 already present"),
        "{out}"
    );

    let status: serde_json::Value =
        serde_json::from_str(&triage_ok(&["status", path_str(&p), "--json"])).unwrap();
    assert_eq!(status["counts"]["items"], 1797);
    assert_eq!(status["counts"]["import"], 1797);
    assert_eq!(status["classes"][0]["hotkey"], "1");

    // Thumbnails were made for the images.
    let thumbs = walk_count(&p.join("cache/thumbs"));
    assert!(thumbs > 1700, "{thumbs} thumbnails");
}

fn walk_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn label_queue_undo_and_export_a_table() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("penguins");
    let ps = path_str(&p);
    penguin_project(&p);

    let queue: serde_json::Value =
        serde_json::from_str(&triage_ok(&["queue", ps, "--n", "3", "--json"])).unwrap();
    // The import queued a random start batch, not the first rows.
    let ids: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_ne!(ids, ["p001", "p002", "p003"]);
    assert!(queue[0]["payload"]["island"].is_string());
    // The first queued item that is not p001, which is labeled by its id.
    let k = usize::from(ids[0] == "p001");
    let (g, g_id) = (ids[k], queue[k]["id"].as_i64().unwrap());

    triage_ok(&["label", ps, "p001", "Adelie", "--annotator", "ana"]);
    triage_ok(&["label", ps, g, "Gentoo", "--annotator", "ana"]);
    let out = triage_ok(&["undo", ps]);
    assert!(
        out.contains(&format!("undid label Gentoo on item {g_id}")),
        "{out}"
    );
    let queue: serde_json::Value =
        serde_json::from_str(&triage_ok(&["queue", ps, "--n", "1", "--json"])).unwrap();
    assert_eq!(queue[0]["external_id"], g);

    let to = tmp.path().join("out");
    let out = triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&to),
        "--format",
        "gt-manifest,csv,parquet",
    ]);
    assert!(out.contains("exported 344 items (1 labeled)"), "{out}");
    let manifest = std::fs::read_to_string(to.join("output.manifest")).unwrap();
    let lines: Vec<&str> = manifest.lines().collect();
    assert_eq!(lines.len(), 344, "one line per item");
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["source"], "row 1 of penguins.csv");
    assert_eq!(first["label"], 0);
    assert_eq!(first["label-metadata"]["class-name"], "Adelie");
    assert_eq!(first["label-metadata"]["human-annotated"], "yes");
    assert_eq!(
        first["label-metadata"]["type"],
        "groundtruth/text-classification"
    );
    assert_eq!(lines[1], r#"{"source":"row 2 of penguins.csv"}"#);
    let csv = std::fs::read_to_string(to.join("labels.csv")).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("1,p001,row 1 of penguins.csv,0,Adelie,0,human,ana,")
    );
    assert!(std::fs::metadata(to.join("labels.parquet")).unwrap().len() > 0);

    let labeled_only = tmp.path().join("train");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&labeled_only),
        "--format",
        "gt-manifest",
        "--labeled-only",
    ]);
    assert_eq!(
        std::fs::read_to_string(labeled_only.join("output.manifest"))
            .unwrap()
            .lines()
            .count(),
        1
    );
}

#[test]
fn errors_are_clear_and_exit_non_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("proj");
    let ps = path_str(&p);
    let err = triage_err(&["status", ps]);
    assert!(
        err.contains("opening the project") && err.contains("project.triage"),
        "{err}"
    );
    digits_project(&p);
    let err = triage_err(&[
        "init",
        ps,
        "--task",
        "image-classification",
        "--classes",
        "a,b",
    ]);
    assert!(err.contains("already there"), "{err}");
    let err = triage_err(&["init", "x", "--task", "boxes", "--classes", "a,b"]);
    assert!(
        err.contains("invalid value 'boxes' for '--task <TASK>'")
            && err.contains("object-detection"),
        "{err}"
    );
    let err = triage_err(&[
        "init",
        "x",
        "--task",
        "object-detection",
        "--classes",
        "a,b",
        "--hotkeys",
        "s,b",
    ]);
    assert!(err.contains("cannot use the key 's'"), "{err}");
    let out = triage(&["import", ps, "tests/corpus/images"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "skipped files: finished with problems"
    );
    let err = triage_err(&["label", ps, "1", "eleven"]);
    assert!(err.contains("unknown class 'eleven'"), "{err}");
    let err = triage_err(&["label", ps, "99999", "3"]);
    assert!(err.contains("no item '99999'"), "{err}");
    let err = triage_err(&["undo", ps]);
    assert!(err.contains("no human label to undo"), "{err}");
    let err = triage_err(&["import", ps, PENGUINS_CSV]);
    assert!(
        err.contains("a table cannot be imported: this project's task is image-classification"),
        "{err}"
    );
    let err = triage_err(&["export", ps, "--to", "/tmp/x", "--format", "xml"]);
    assert!(
        err.contains("invalid value 'xml' for '--format <FORMAT>'") && err.contains("gt-manifest"),
        "{err}"
    );
}

/// 0 success, 1 failure, 2 usage error, 3 finished with problems: one case
/// each, and `--help` says so.
#[test]
fn exit_codes_say_how_a_command_ended() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    let code = |args: &[&str]| triage(args).status.code();
    assert_eq!(code(&["status", ps]), Some(1), "no project there");
    assert_eq!(code(&["status", ps, "--no-such-flag"]), Some(2));
    assert_eq!(code(&["frobnicate"]), Some(2));
    init_project(ps, "row-classification", "a,b", &[]);
    assert_eq!(code(&["status", ps]), Some(0));
    // Two of the four rows are ragged: imported with problems.
    let out = triage(&[
        "import",
        ps,
        "tests/corpus/tables/ragged.csv",
        "--id-column",
        "id",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2 problems"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ragged.csv"));
    // The same again adds nothing and skips the same rows.
    assert_eq!(
        code(&[
            "import",
            ps,
            "tests/corpus/tables/ragged.csv",
            "--id-column",
            "id"
        ]),
        Some(3)
    );
    let help = triage_ok(&["--help"]);
    assert!(
        help.contains("Exit codes: 0 success, 1 failure, 2 usage error, 3 finished with problems"),
        "{help}"
    );
}

/// Completions and the man page come from the same definitions as `--help`.
#[test]
fn completions_and_the_man_page_cover_every_subcommand() {
    let bash = triage_ok(&["completions", "bash"]);
    let fish = triage_ok(&["completions", "fish"]);
    let man = triage_ok(&["man"]);
    assert!(
        man.starts_with(".ie") && man.contains(".TH triage 1"),
        "{man}"
    );
    for sub in ["init", "import", "export", "gates", "completions"] {
        assert!(
            bash.contains(&format!("triage__subcmd__{sub}")),
            "bash lacks {sub}"
        );
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish lacks {sub}");
        assert!(man.contains(sub), "the man page lacks {sub}");
    }
    assert!(
        bash.contains("image-classification"),
        "choices complete too"
    );
    // bash parses the script it is given.
    let status = std::process::Command::new("bash")
        .args(["-n", "-c", &bash])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(triage(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn export_splits_the_labeled_items_by_class_with_a_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("labeled");
    let ps = path_str(&p);
    penguin_project_importing(&p, &["--label-column", "species"]);
    let export = |seed: &str, to: &str| {
        let out = tmp.path().join(to);
        triage_ok(&[
            "export",
            ps,
            "--to",
            path_str(&out),
            "--format",
            "gt-manifest,csv",
            "--split",
            "0.6,0.2,0.2",
            "--split-seed",
            seed,
        ]);
        out
    };
    let read = |out: &std::path::Path, part: &str| -> Vec<(String, String)> {
        std::fs::read_to_string(out.join(part).join("labels.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                (cells[1].to_owned(), cells[4].to_owned())
            })
            .collect()
    };
    let a = export("7", "a");
    let parts: Vec<Vec<(String, String)>> = ["train", "validation", "test"]
        .iter()
        .map(|part| read(&a, part))
        .collect();
    // Every labeled penguin lands in exactly one share.
    let mut ids: Vec<&String> = parts.iter().flatten().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 344);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 344);
    // Each class is split 60/20/20 (152 Adelie, 68 Chinstrap, 124 Gentoo).
    for (class, n) in [("Adelie", 152.0), ("Chinstrap", 68.0), ("Gentoo", 124.0)] {
        let count = |k: usize| parts[k].iter().filter(|(_, c)| c == class).count();
        assert_eq!(count(0), (n * 0.6_f64).round() as usize, "{class} train");
        assert_eq!(
            count(1),
            (n * 0.2_f64).round() as usize,
            "{class} validation"
        );
        assert_eq!(count(0) + count(1) + count(2), n as usize, "{class}");
    }
    for part in ["train", "validation", "test"] {
        let lines = std::fs::read_to_string(a.join(part).join("output.manifest"))
            .unwrap()
            .lines()
            .count();
        assert_eq!(lines, read(&a, part).len(), "{part} manifest");
    }
    // The seed fixes the split; another seed gives another.
    let again = export("7", "b");
    let other = export("8", "c");
    let train = |out: &std::path::Path| std::fs::read(out.join("train/labels.csv")).unwrap();
    assert_eq!(train(&a), train(&again));
    assert_ne!(train(&a), train(&other));
    let err = triage_err(&[
        "export",
        ps,
        "--to",
        path_str(&tmp.path().join("d")),
        "--format",
        "csv",
        "--split",
        "0.6,0.6,0.2",
    ]);
    assert!(err.contains("add up to 1"), "{err}");
}

/// Two people answer the same four digits; a third answers two of them.
/// Hand-checked: ana [0,1,0,1] and ben [0,1,1,1] agree on 3 of 4 (p_o =
/// 0.75); their marginals give p_e = (2·1 + 2·3) / 16 = 0.5, so Cohen's
/// kappa is 0.5. An undone answer does not count.
#[test]
fn agreement_between_annotators() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("proj");
    digits_project(&p);
    triage_ok(&["import", path_str(&p), DIGITS]);
    let answers = [("ana", ["0", "1", "0", "1"]), ("ben", ["0", "1", "1", "1"])];
    for (who, classes) in answers {
        for (item, class) in classes.iter().enumerate() {
            let id = format!("#{}", item + 1);
            triage_ok(&["label", path_str(&p), &id, class, "--annotator", who]);
        }
    }
    // cy answers items 1 and 2, then takes back a wrong answer on item 3.
    triage_ok(&["label", path_str(&p), "#1", "0", "--annotator", "cy"]);
    triage_ok(&["label", path_str(&p), "#2", "1", "--annotator", "cy"]);
    triage_ok(&["label", path_str(&p), "#3", "7", "--annotator", "cy"]);
    triage_ok(&["undo", path_str(&p), "--annotator", "cy"]);
    let a: serde_json::Value =
        serde_json::from_str(&triage_ok(&["agreement", path_str(&p), "--json"])).unwrap();
    assert_eq!(a["items_with_several"], 4);
    let pair = a["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["a"] == "ana" && x["b"] == "ben")
        .unwrap();
    assert_eq!(pair["shared"], 4);
    assert!((pair["cohen_kappa"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    let cy = a["annotators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["annotator"] == "cy")
        .unwrap();
    assert_eq!(cy["answers"], 2);
    // Only item 3 has differing answers; its id is 3.
    assert_eq!(a["disagreements"], serde_json::json!([3]));
    let text = triage_ok(&["agreement", path_str(&p)]);
    assert!(
        text.contains("ana / ben: 4 shared, Cohen's kappa 0.500"),
        "{text}"
    );
}

fn consolidate_by_majority(p: &Path) -> serde_json::Value {
    let out = triage_ok(&["consolidate", path_str(p), "--method", "majority", "--json"]);
    serde_json::from_str(&out).unwrap()
}

/// Three people answer the same items; consolidation writes one merged
/// label per item that outranks their answers, the export carries it as
/// Ground Truth does (human-annotated, with the merge's confidence), a
/// second run writes nothing, and a lead's later label has the last word.
#[test]
fn consolidation_merges_answers_and_a_lead_has_the_last_word() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("proj");
    digits_project(&p);
    triage_ok(&["import", path_str(&p), DIGITS]);
    // Items 1-3: ana and ben say 0, cy says 5 on item 1; all agree on 2, 3.
    for (who, first) in [("ana", "0"), ("ben", "0"), ("cy", "5")] {
        triage_ok(&["label", path_str(&p), "#1", first, "--annotator", who]);
        triage_ok(&["label", path_str(&p), "#2", "1", "--annotator", who]);
        triage_ok(&["label", path_str(&p), "#3", "2", "--annotator", who]);
    }
    let out = consolidate_by_majority(&p);
    assert_eq!(out["items"], 3);
    assert_eq!(out["written"], 3);
    assert_eq!(out["disagreements"], 1);
    let status: serde_json::Value =
        serde_json::from_str(&triage_ok(&["status", path_str(&p), "--json"])).unwrap();
    assert_eq!(status["counts"]["consolidated"], 3);
    // Again: nothing changed, nothing written.
    let again = consolidate_by_majority(&p);
    assert_eq!(again["written"], 0);
    // The export: item 1 is class 0, human-annotated, confidence 2/3.
    let out_dir = tmp.path().join("out");
    triage_ok(&[
        "export",
        path_str(&p),
        "--to",
        path_str(&out_dir),
        "--format",
        "gt-manifest",
        "--labeled-only",
    ]);
    let manifest = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|e| e == "manifest"))
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&manifest)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["digit"], 0);
    assert_eq!(first["digit-metadata"]["human-annotated"], "yes");
    let c = first["digit-metadata"]["confidence"].as_f64().unwrap();
    assert!((c - 2.0 / 3.0).abs() < 1e-9, "{c}");
    // A lead reviews item 1 and says 5: that stands, even after another
    // consolidation (with Dawid-Skene this time).
    triage_ok(&["label", path_str(&p), "#1", "5", "--annotator", "lead"]);
    triage_ok(&["consolidate", path_str(&p)]);
    let status: serde_json::Value =
        serde_json::from_str(&triage_ok(&["status", path_str(&p), "--json"])).unwrap();
    assert_eq!(status["counts"]["human"], 1);
    assert_eq!(status["counts"]["consolidated"], 2);
}
