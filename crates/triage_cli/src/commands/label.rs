//! `triage label`: Label an item (by its id column value, path, or numeric id) with a class name.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::Timestamp;

use crate::open;

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// The item: its table id, its path, or its number as `triage queue`
    /// prints it.
    pub item_id: String,
    /// The class; in a multi-label project, the classes that apply,
    /// comma-separated ("" when none do).
    pub class: String,
    /// Who labels (default: TRIAGE_ANNOTATOR, the project's annotator,
    /// then the login name).
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
