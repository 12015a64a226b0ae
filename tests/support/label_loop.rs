//! A labeling loop for the crash and two-writer tests: labels the next item
//! again and again, and prints `ok ITEM CLASS MILLIS` (Unix milliseconds)
//! only after each label's commit has returned. The crash test kills this
//! process at random moments and checks that every printed label survived.
//!
//! Usage: label_loop PROJECT_DIR [ANNOTATOR AHEAD STOP_FILE PAUSE_MS]
//!
//! With the extra arguments it works as a person on the app's Label screen
//! does: it keeps AHEAD items fetched (printing `got ITEM` for each one the
//! queue hands it), labels as ANNOTATOR, one every PAUSE_MS, and stops when
//! STOP_FILE exists or the queue is empty.

use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::Project;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: label_loop PROJECT_DIR [ANNOTATOR AHEAD STOP_FILE PAUSE_MS]")?;
    let annotator = args.next().unwrap_or_else(|| "loop".into());
    let ahead: usize = args.next().map_or(Ok(1), |a| a.parse())?;
    let stop = args.next().map(PathBuf::from);
    let pause = std::time::Duration::from_millis(args.next().map_or(Ok(0), |a| a.parse())?);
    let mut project = Project::open(dir.as_ref())?;
    let classes: Vec<String> = project
        .status()?
        .classes
        .into_iter()
        .map(|c| c.name)
        .collect();
    let mut stdout = std::io::stdout().lock();
    let mut queue = VecDeque::new();
    let mut had = Vec::new();
    for n in 0.. {
        if stop.as_ref().is_some_and(|s| s.exists()) {
            break;
        }
        if queue.is_empty() {
            for item in project.next_items_except(ahead, &had)? {
                writeln!(stdout, "got {}", item.id)?;
                had.push(item.id);
                queue.push_back(item.id);
            }
        }
        let Some(item) = queue.pop_front() else {
            break;
        };
        std::thread::sleep(pause);
        let class = &classes[n % classes.len()];
        let label = project.label(item, class, Some(&annotator), Some(5), triage_api::now())?;
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis();
        writeln!(stdout, "ok {} {} {millis}", label.item, label.class_name)?;
        stdout.flush()?;
    }
    Ok(())
}
