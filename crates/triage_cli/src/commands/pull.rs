//! `triage pull`: Merge every annotator's pushed labels into the lead's project; what
//! is here already is left alone.

use std::io::Write;

use anyhow::Result;

use crate::{Finished, open, print_json};

pub use super::SyncArgs as Args;

pub fn run(args: Args) -> Result<Finished> {
    let Args { project, s3 } = args;
    let (dir, json) = (project.dir, project.json);
    let mut project = open(&dir)?;
    let summary = crate::spinning("pulling", || project.pull(&s3.lake()))?;
    for problem in &summary.problems {
        eprintln!("skipped: {problem}");
    }
    let finished = Finished::problems_if(!summary.problems.is_empty());
    if json {
        return print_json(&summary).map(|()| finished);
    }
    say!(
        "pulled {} pushes: {} events added, {} already here, {} skipped",
        summary.objects,
        summary.added,
        summary.already,
        summary.problems.len()
    );
    Ok(finished)
}
