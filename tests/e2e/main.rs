//! End-to-end tests: the real `triage` binary and the real project file, as
//! a user or a crash would meet them. Run `cargo build -p triage_cli` first
//! (`make test` does).

// A test binary: helpers panic on purpose so that failures point at them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod boxes;
mod catalog;
mod cli;
mod corpus;
mod crash;
mod desktop;
mod disk;
mod explore;
mod gates;
mod lake_tables;
mod learning;
mod multilabel;
pub mod profile;
mod roundtrip;
mod s3;
mod sign_in;
mod team;
mod text;
mod webdriver;
mod windows;
mod writers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// The repository root, where `datasets/` and `tests/corpus/` are.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

pub const DIGITS: &str = "datasets/digits";
pub const PENGUINS_CSV: &str = "datasets/penguins.csv";
pub const DIGITS_V1_MANIFEST: &str = "datasets/digits-v1.manifest";

/// A binary of the same build as this test; `how` says how to build it.
pub fn built_bin(name: &str, how: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} is missing: {how}", bin.display());
    bin
}

/// all-MiniLM-L6-v2, as `scripts/install-deps.sh` unpacks it into the
/// target folder's `models/` (or `TRIAGE_MINILM_DIR`).
pub fn minilm() -> PathBuf {
    let dir = std::env::var_os("TRIAGE_MINILM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap();
            let target = exe.ancestors().nth(3).unwrap();
            target.join("models/all-MiniLM-L6-v2")
        });
    assert!(
        dir.join("model.safetensors").is_file(),
        "{} is missing: run scripts/install-deps.sh, which fetches all-MiniLM-L6-v2",
        dir.display()
    );
    dir
}

/// The `triage` binary of the same build as this test.
pub fn triage_bin() -> PathBuf {
    built_bin("triage", "run `cargo build -p triage_cli` first")
}

/// Runs `triage` with arguments; returns its output.
pub fn triage(args: &[&str]) -> Output {
    Command::new(triage_bin())
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

/// Runs `triage`, asserts success, returns stdout.
pub fn triage_ok(args: &[&str]) -> String {
    let out = triage(args);
    assert!(
        out.status.success(),
        "triage {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `triage`, asserts failure, returns stderr.
pub fn triage_err(args: &[&str]) -> String {
    let out = triage(args);
    assert!(!out.status.success(), "triage {args:?} should have failed");
    String::from_utf8(out.stderr).unwrap()
}

/// `triage init DIR --task TASK --classes CLASSES EXTRA…`.
pub fn init_project(dir: &str, task: &str, classes: &str, extra: &[&str]) {
    let mut args = vec!["init", dir, "--task", task, "--classes", classes];
    args.extend_from_slice(extra);
    triage_ok(&args);
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A row-classification project over the penguins, imported by id, without
/// labels.
pub fn penguin_project(dir: &Path) {
    penguin_project_importing(dir, &[]);
}

/// The same, with more import flags (`--label-column species`, say).
pub fn penguin_project_importing(dir: &Path, extra: &[&str]) {
    let ps = path_str(dir);
    init_project(ps, "row-classification", "Adelie,Chinstrap,Gentoo", &[]);
    let mut args = vec!["import", ps, PENGUINS_CSV, "--id-column", "id"];
    args.extend_from_slice(extra);
    let out = triage_ok(&args);
    assert!(out.contains("imported 344 items"), "{out}");
}

/// Starts `command` (stdout and stderr piped) and presses Ctrl-C once its
/// stderr says `when`; returns its exit code and the stderr that followed.
pub fn ctrl_c_when(mut command: Command, when: &str) -> (Option<i32>, String) {
    use std::io::{BufRead, Read};
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains(when) {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no '{when}' in {seen}"
        );
        seen.push_str(&line);
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    (child.wait().unwrap().code(), rest)
}

/// Waits for `child` at most `limit`; one still running then is killed, and
/// the answer is `None`.
pub fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Why a screenshot is not a window drawn by the explorer, if it is not: it
/// must be at least 1000×700 and hold many colours (thumbnails, charts,
/// text), not a blank.
pub fn not_drawn(png: &Path) -> Option<String> {
    let img = match image::open(png) {
        Ok(img) => img.to_rgba8(),
        Err(e) => return Some(format!("{}: {e}", png.display())),
    };
    if img.width() < 1000 || img.height() < 700 {
        return Some(format!("{:?}", img.dimensions()));
    }
    let colours: std::collections::HashSet<[u8; 4]> = img.pixels().map(|p| p.0).collect();
    (colours.len() <= 40).then(|| format!("only {} colours", colours.len()))
}
