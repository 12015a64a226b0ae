//! `triage undo`: Take back the latest human label.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use triage_api::Timestamp;

use crate::open;

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// Only this annotator's labels.
    #[arg(long)]
    pub annotator: Option<String>,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args { dir, annotator } = args;
    match open(&dir)?.undo(annotator.as_deref(), at)? {
        Some(undone) => say!("undid label {} on item {}", undone.class_name, undone.item),
        None => bail!("there is no human label to undo"),
    }
    Ok(())
}
