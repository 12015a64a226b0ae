//! A labeling loop for the crash test: labels the next item again and again,
//! and prints `ok ITEM CLASS` only after each label's commit has returned.
//! The test kills this process at random moments and checks that every
//! printed label survived.
//!
//! Usage: label_loop PROJECT_DIR

use std::io::Write;

use anyhow::{Context, Result};
use triage_api::Project;

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .context("usage: label_loop PROJECT_DIR")?;
    let mut project = Project::open(dir.as_ref())?;
    let classes: Vec<String> = project
        .status()?
        .classes
        .into_iter()
        .map(|c| c.name)
        .collect();
    let mut stdout = std::io::stdout().lock();
    for n in 0.. {
        let Some(item) = project.next_items(1)?.into_iter().next() else {
            break;
        };
        let class = &classes[n % classes.len()];
        let label = project.label(
            &item.id.to_string(),
            class,
            Some("loop"),
            Some(5),
            triage_api::now(),
        )?;
        writeln!(stdout, "ok {} {}", label.item, label.class_name)?;
        stdout.flush()?;
    }
    Ok(())
}
