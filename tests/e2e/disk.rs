//! Failures while writing: a disk that fills up, and a project on a
//! read-only disk. Each test mounts a tmpfs of its own (root, which CI is;
//! without it the test fails and says so).

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use triage_api::Project;

use crate::*;

/// A size-limited tmpfs at a new folder, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(parent: &Path, size: &str) -> Self {
        let dir = parent.join("disk");
        std::fs::create_dir_all(&dir).unwrap();
        mount(
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            &dir,
        );
        Self { dir }
    }

    /// Fills the disk to the last byte with a file of zeros; removing the
    /// file frees the space.
    fn fill(&self) -> PathBuf {
        let filler = self.dir.join("filler");
        let mut f = File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            match f.write(&block) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // Bytes a short write left in the buffer of a full page.
        let _ = f.write(&[0u8; 1]);
        filler
    }

    fn remount_read_only(&self) {
        mount(&["-o", "remount,ro"], &self.dir);
    }
}

/// `mount ARGS… DIR`, which must succeed.
fn mount(args: &[&str], dir: &Path) {
    let out = Command::new("mount").args(args).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "these tests mount a small tmpfs, which needs root: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Labels the first `n` penguins in the queue through the CLI; returns
/// each (id, class).
fn label_some(ps: &str, n: usize) -> Vec<(String, String)> {
    let queue: serde_json::Value =
        serde_json::from_str(&triage_ok(&["queue", ps, "--n", &n.to_string(), "--json"])).unwrap();
    let classes = ["Adelie", "Chinstrap", "Gentoo"];
    queue
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = item["external_id"].as_str().unwrap().to_owned();
            let class = classes[i % 3].to_owned();
            triage_ok(&["label", ps, &id, &class, "--annotator", "ana"]);
            (id, class)
        })
        .collect()
}

/// Every label in `given` is the item's current label.
fn all_kept(dir: &Path, given: &[(String, String)]) {
    let project = Project::open_read_only(dir).unwrap();
    for (id, class) in given {
        let item = project.item(id.as_str()).unwrap();
        assert_eq!(
            item.label.map(|l| l.class_name).as_deref(),
            Some(class.as_str()),
            "item {id}"
        );
    }
    assert_eq!(project.integrity_check().unwrap(), "ok");
}

/// The files in `dir` (none when it does not exist), by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

const FULL: &str = "the disk holding the project is full";

/// A penguins project on a tmpfs of its own, with labels given through
/// the CLI.
struct Setup {
    tmp: tempfile::TempDir,
    disk: Tmpfs,
    dir: PathBuf,
    given: Vec<(String, String)>,
}

fn penguins_on_a_small_disk(labels: usize) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let disk = Tmpfs::mount(tmp.path(), "48m");
    let dir = disk.dir.join("p");
    penguin_project(&dir);
    let given = label_some(path_str(&dir), labels);
    Setup {
        tmp,
        disk,
        dir,
        given,
    }
}

#[test]
fn a_full_disk_gives_clear_errors_and_loses_nothing_saved() {
    let Setup {
        tmp,
        disk,
        dir,
        given,
    } = penguins_on_a_small_disk(30);
    let ps = path_str(&dir);
    let images = disk.dir.join("images");
    init_project(
        path_str(&images),
        "image-classification",
        "0,1,2,3,4,5,6,7,8,9",
        &[],
    );
    let digits = repo().join("datasets/digits/3");
    // Both projects are open, as in the app, when the disk fills up.
    let mut project = Project::open(&dir).unwrap();
    let mut photos = Project::open(&images).unwrap();
    let next = project.next_items(1).unwrap()[0].id;
    let filler = disk.fill();
    let now = triage_api::now;
    let mut results: Vec<(&str, String)> = Vec::new();

    let err = project
        .label(next, "Gentoo", Some("ana"), None, now())
        .unwrap_err();
    results.push(("label commit", err.to_string()));
    let import = triage_api::ImportOptions {
        id_column: Some("id".into()),
        ..Default::default()
    };
    let table = repo().join(PENGUINS_CSV);
    // The same rows under new ids: a real import of 344 items.
    let renamed = tmp.path().join("more.csv");
    let text = std::fs::read_to_string(&table).unwrap().replace(",p", ",q");
    std::fs::write(&renamed, text).unwrap();
    let err = project
        .import(&renamed, &import, now(), &|_, _| {})
        .unwrap_err();
    results.push(("table import", err.to_string()));
    let said = match photos.import(&digits, &Default::default(), now(), &|_, _| {}) {
        Err(e) => e.to_string(),
        Ok(report) => format!("{:?}", report.problems),
    };
    results.push(("image import (thumbnails)", said));
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let options = triage_api::RoundOptions {
        batch: 10,
        ..Default::default()
    };
    let err = project.run_round(&options, &cancel, now()).unwrap_err();
    results.push(("round (feature cache)", err.to_string()));
    let out_dir = disk.dir.join("out");
    let export = triage_api::ExportOptions {
        formats: vec![
            triage_api::ExportFormat::GtManifest,
            triage_api::ExportFormat::Parquet,
        ],
        ..Default::default()
    };
    let err = project
        .export(&out_dir, &export, now(), &|_, _| {})
        .unwrap_err();
    let left = names(&out_dir);
    assert!(
        !left
            .iter()
            .any(|n| n == "output.manifest" || n.ends_with(".parquet") || n.contains(".partial")),
        "a half-written export was left behind: {left:?}"
    );
    results.push(("export", err.to_string()));
    // Opening a project on the full disk, as the CLI does for each command.
    let key = format!("#{next}");
    let err = triage_err(&["label", ps, &key, "Gentoo", "--annotator", "ana"]);
    results.push(("opening (CLI)", err));
    for (what, said) in &results {
        eprintln!("{what}: {}", said.trim());
        assert!(
            said.contains(FULL) || said.contains("No space left on device"),
            "{what}: {said}"
        );
    }
    drop((project, photos));

    // Space freed: everything saved before is there and the project works.
    std::fs::remove_file(filler).unwrap();
    all_kept(&dir, &given);
    assert_eq!(
        Project::open(&images).unwrap().integrity_check().unwrap(),
        "ok"
    );
    triage_ok(&["label", ps, &key, "Gentoo", "--annotator", "ana"]);
    let out = triage_ok(&["import", path_str(&images), path_str(&digits)]);
    assert!(out.contains("imported 183 items"), "{out}");
    let out = triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&out_dir),
        "--format",
        "gt-manifest,parquet",
    ]);
    assert!(out.contains("exported 344 items (31 labeled)"), "{out}");
}

#[test]
fn a_read_only_project_opens_to_read_and_refuses_writes_clearly() {
    let Setup {
        tmp,
        disk,
        dir,
        given,
    } = penguins_on_a_small_disk(12);
    let ps = path_str(&dir);
    disk.remount_read_only();

    // Reading: status, the queue, the explorer's dataset, a profile and
    // an export elsewhere.
    let status = triage_ok(&["status", ps]);
    assert!(status.contains("344"), "{status}");
    triage_ok(&["queue", ps, "--n", "3"]);
    all_kept(&dir, &given);
    let dataset = triage_api::Dataset::open(&dir, &|_, _, _| {}).unwrap();
    assert_eq!(dataset.entries.len(), 344);
    dataset.profile().unwrap();
    let profile = tmp.path().join("profile.json");
    triage_ok(&["profile", ps, "--json", path_str(&profile)]);
    assert!(profile.is_file());
    let out_dir = tmp.path().join("out");
    let out = triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&out_dir),
        "--format",
        "parquet",
    ]);
    assert!(out.contains("(12 labeled)"), "{out}");
    assert!(
        out.contains("read-only: this export is not in its history"),
        "{out}"
    );

    // Writing: refused, saying why and what to do.
    for args in [
        vec!["label", ps, &given[0].0, "Gentoo", "--annotator", "ana"],
        vec!["import", ps, PENGUINS_CSV],
        vec!["train", ps, "--batch", "10"],
        vec!["undo", ps, "--annotator", "ana"],
    ] {
        let err = triage_err(&args);
        assert!(
            err.contains("the project is read-only here") && err.contains("copy it"),
            "{args:?}: {err}"
        );
    }
    all_kept(&dir, &given);
}
