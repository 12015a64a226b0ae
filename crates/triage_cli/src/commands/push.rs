//! `triage push`: Upload the labels given in this joined project since the last push
//! (one create-only object; nothing new, nothing put).

use std::io::Write;

use anyhow::Result;

use crate::{open, print_json};

pub use super::SyncArgs as Args;

pub fn run(args: Args) -> Result<()> {
    let Args { project, s3 } = args;
    let (dir, json) = (project.dir, project.json);
    let summary = open(&dir)?.push(&s3.lake())?;
    if json {
        return print_json(&summary);
    }
    match &summary.url {
        Some(url) => say!("pushed {} events to {url}", summary.events),
        None => say!("nothing new to push"),
    }
    Ok(())
}
