//! The explorer program, started by `triage explore` under Xvfb with Mesa
//! (the glow backend), on a labeled project, a manifest and a table: each
//! view loads and draws, and the window's own screenshot proves it. The
//! AccessKit-driven tests of the explorer live in its crate.

use std::process::{Command, Stdio};

use crate::desktop::{artifacts, start_xvfb, stop_xvfb};
use crate::*;

/// Runs `triage explore PATH --view VIEW --screenshot OUT` on `display`
/// and checks the PNG is the window, drawn.
fn screenshot(display: &str, data: &Path, path: &Path, view: &str, detail: bool, out: &Path) {
    let mut args = vec![
        "explore".to_owned(),
        path_str(path).to_owned(),
        "--view".into(),
        view.into(),
        "--screenshot".into(),
        path_str(out).to_owned(),
    ];
    if detail {
        args.push("--detail".into());
    }
    let mut child = Command::new(triage_bin())
        .args(&args)
        .env("DISPLAY", display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("TRIAGE_DATA_DIR", data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_at_most(&mut child, std::time::Duration::from_secs(240))
        .unwrap_or_else(|| panic!("the explorer did not finish {view} of {}", path.display()));
    let output = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "triage {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if let Some(why) = not_drawn(out) {
        panic!("{view}: {why}");
    }
}

#[test]
fn every_view_draws_under_xvfb_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("digits");
    init_project(
        path_str(&project),
        "image-classification",
        "0,1,2,3,4,5,6,7,8,9",
        &[],
    );
    triage_ok(&[
        "import",
        path_str(&project),
        DIGITS,
        "--labels-from-folders",
    ]);
    let (display, mut xvfb) = start_xvfb();
    let shots = artifacts();
    let data = tmp.path().join("data");
    for (view, detail) in [
        ("grid", true),
        ("table", false),
        ("profile", false),
        ("map", false),
    ] {
        let out = shots.join(format!("11-explore-{view}.png"));
        screenshot(&display, &data, &project, view, detail, &out);
    }
    let manifest = repo().join("datasets/digits-v1.manifest");
    screenshot(
        &display,
        &data,
        &manifest,
        "grid",
        false,
        &shots.join("11-explore-manifest.png"),
    );
    let table = repo().join("datasets/penguins.csv");
    screenshot(
        &display,
        &data,
        &table,
        "profile",
        false,
        &shots.join("11-explore-penguins.png"),
    );
    // A path that is not there fails with its name, and no window stays.
    let out = Command::new(triage_bin())
        .args([
            "explore",
            "/nowhere/at/all.csv",
            "--screenshot",
            "/tmp/never.png",
        ])
        .env("DISPLAY", &display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("TRIAGE_DATA_DIR", &data)
        .output()
        .unwrap();
    stop_xvfb(&mut xvfb);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nowhere/at/all.csv"), "{err}");
    assert!(
        !err.contains("XRandR"),
        "other crates' warnings stay out: {err}"
    );
    // Every run logged its start, and the failure went into the log too.
    let log = std::fs::read_to_string(data.join("logs").join("triage-explore.log")).unwrap();
    assert_eq!(log.matches(" started on ").count(), 7, "{log}");
    assert!(
        log.contains("ERROR") && log.contains("/nowhere/at/all.csv"),
        "{log}"
    );
}
