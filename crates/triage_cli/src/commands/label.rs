//! `triage label`: Label an item (by its id column value, path, or numeric id) with a class name.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::Timestamp;

use crate::open;

#[derive(clap::Args)]
pub struct Args {
    pub dir: PathBuf,
    pub item_id: String,
    /// The class; in a multi-label project, the classes that apply,
    /// comma-separated ("" when none do).
    pub class: String,
    #[arg(long)]
    pub annotator: Option<String>,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args {
        dir,
        item_id,
        class,
        annotator,
    } = args;
    // Credited as the API decides: --annotator, else the session's, else
    // the project's annotator, else the login name.
    let label = open(&dir)?
        .label_answer(&item_id, &class, annotator.as_deref(), None, at)
        .with_context(|| format!("labeling item '{item_id}'"))?;
    say!(
        "item {} labeled {} (event {})",
        label.item,
        label.class_name,
        label.event
    );
    Ok(())
}
