//! Never lose a confirmed label: a labeling process is killed with SIGKILL at
//! random moments, and every label it reported as saved must be in the
//! project file when it is reopened, which must pass SQLite's integrity check.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use triage_api::{CreateOptions, ImportOptions, Project, TaskKind};

const KILLS: usize = 25;

#[test]
fn sigkill_never_loses_a_confirmed_label() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("rows.csv");
    let mut csv = String::from("id,x\n");
    for i in 0..20_000 {
        csv.push_str(&format!("r{i},{i}\n"));
    }
    std::fs::write(&table, csv).unwrap();
    let dir = tmp.path().join("proj");
    let options = CreateOptions::new(
        TaskKind::RowClassification,
        vec!["a".into(), "b".into(), "c".into()],
    );
    let mut project = Project::create(&dir, &options, triage_api::now()).unwrap();
    let import = ImportOptions {
        id_column: Some("id".into()),
        ..Default::default()
    };
    project
        .import(&table, &import, triage_api::now(), &|_, _| {})
        .unwrap();
    drop(project);

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut confirmed: Vec<(i64, String)> = Vec::new();
    let helper = env!("CARGO_BIN_EXE_label_loop");
    for _ in 0..KILLS {
        let mut child = Command::new(helper)
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // `ok` lines are the committed labels (`got` ones what the
                // queue handed out).
                if line.starts_with("ok ") && tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Kill at a random moment once labeling is under way, however slow
        // a loaded machine makes the start.
        let first = rx.recv_timeout(Duration::from_secs(30)).ok();
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..150)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        for line in first.into_iter().chain(rx.try_iter()) {
            let mut parts = line.split(' ');
            assert_eq!(parts.next(), Some("ok"), "{line}");
            let item: i64 = parts.next().unwrap().parse().unwrap();
            confirmed.push((item, parts.next().unwrap().to_owned()));
        }
    }
    assert!(
        confirmed.len() >= KILLS,
        "the loop labeled too little to test anything: {}",
        confirmed.len()
    );

    let project = Project::open(&dir).unwrap();
    assert_eq!(project.integrity_check().unwrap(), "ok");
    for (item, class) in &confirmed {
        let label = project.item(&item.to_string()).unwrap().label;
        assert_eq!(
            label.map(|l| l.class_name).as_deref(),
            Some(class.as_str()),
            "item {item}"
        );
    }
    // Labels may exist that were committed but not yet printed; never fewer.
    assert!(project.status().unwrap().counts.human >= confirmed.len() as u64);
}
