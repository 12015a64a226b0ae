//! Two people labeling one project at once: two processes working as the
//! app's Label screen does (a few items fetched ahead), while the CLI runs
//! a round on the same project.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use triage_api::Project;

use crate::*;

/// A labeler's lines as they come: `got ITEM`, `ok ITEM CLASS MILLIS`.
struct Labeler {
    name: &'static str,
    child: Child,
    lines: mpsc::Receiver<String>,
    got: Vec<i64>,
    labeled: Vec<(i64, String, u128)>,
}

impl Labeler {
    fn start(name: &'static str, dir: &Path, stop: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_label_loop"))
            // Five items ahead, as the app keeps; one label every 10 ms.
            .args([path_str(dir), name, "5", path_str(stop), "10"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            name,
            child,
            lines,
            got: Vec::new(),
            labeled: Vec::new(),
        }
    }

    /// Reads what has come; true once at least `n` labels have committed.
    fn has_labeled(&mut self, n: usize) -> bool {
        for line in self.lines.try_iter() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts[..] {
                ["got", id] => self.got.push(id.parse().unwrap()),
                ["ok", id, class, millis] => self.labeled.push((
                    id.parse().unwrap(),
                    class.to_owned(),
                    millis.parse().unwrap(),
                )),
                _ => panic!("{}: unexpected line {line:?}", self.name),
            }
        }
        self.labeled.len() >= n
    }

    /// Waits until at least `n` labels have committed.
    fn wait_for(&mut self, n: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        while !self.has_labeled(n) {
            assert!(
                std::time::Instant::now() < deadline,
                "{} labeled only {} items",
                self.name,
                self.labeled.len()
            );
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "{} stopped early",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn millis_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[test]
fn two_writers_both_commit_get_different_items_and_a_round_blocks_neither() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    penguin_project(&dir);
    let stop = tmp.path().join("stop");
    let mut people = [
        Labeler::start("ana", &dir, &stop),
        Labeler::start("ben", &dir, &stop),
    ];
    for p in &mut people {
        p.wait_for(20);
    }

    // A round from the CLI while both label.
    let started = millis_now();
    let round = triage(&["train", path_str(&dir), "--batch", "20", "--seed", "1"]);
    let ended = millis_now();
    assert!(
        round.status.success(),
        "{}",
        String::from_utf8_lossy(&round.stderr)
    );
    std::fs::write(&stop, "").unwrap();
    for p in &mut people {
        let status = wait_at_most(&mut p.child, Duration::from_secs(60)).expect("the loop stops");
        assert!(status.success(), "{} failed", p.name);
        p.has_labeled(0);
    }

    // Neither waited for the round: each committed labels while it ran.
    for p in &people {
        let during = p
            .labeled
            .iter()
            .filter(|(_, _, at)| (started..ended).contains(at))
            .count();
        assert!(
            during > 0,
            "{} committed nothing during the round ({} ms)",
            p.name,
            ended - started
        );
    }
    // The queue never handed one item to both.
    let ana: HashSet<i64> = people[0].got.iter().copied().collect();
    let shared: Vec<&i64> = people[1].got.iter().filter(|i| ana.contains(i)).collect();
    assert!(shared.is_empty(), "handed to both: {shared:?}");
    // Every confirmed label is in the project, credited to its person.
    let project = Project::open_read_only(&dir).unwrap();
    let mut per_person = BTreeMap::new();
    for p in &people {
        for (id, class, _) in &p.labeled {
            let item = project.item(*id).unwrap();
            let label = item
                .label
                .unwrap_or_else(|| panic!("item {id} lost its label"));
            assert_eq!(
                (&label.class_name, label.annotator.as_deref()),
                (class, Some(p.name)),
                "item {id}"
            );
        }
        per_person.insert(p.name, p.labeled.len());
    }
    assert_eq!(project.integrity_check().unwrap(), "ok");
    // Closed sessions hold nothing: a new one starts at the queue's head.
    drop(project);
    let mut project = Project::open(&dir).unwrap();
    let first = project.next_items(1).unwrap();
    let read = Project::open_read_only(&dir)
        .unwrap()
        .next_items(1)
        .unwrap();
    assert_eq!(first[0].id, read[0].id);
    eprintln!(
        "labels per person: {per_person:?}; round took {} ms",
        ended - started
    );
}
