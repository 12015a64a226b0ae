//! `triage features`: Compute every item's features with a registered model.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use crate::{bar, open};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// The registered model (`triage models list`); the project uses it
    /// from now on, and vectors of any model it used before are dropped.
    #[arg(long)]
    pub model: String,
}

pub fn run(args: Args) -> Result<()> {
    let mut project = open(&args.dir)?;
    let bar = bar("embedding");
    let computed = project
        .use_model(&args.model, &AtomicBool::new(false), &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .with_context(|| format!("computing features with '{}'", args.model))?;
    bar.finish_and_clear();
    say!(
        "{} now uses model '{}': {computed} items embedded",
        args.dir.display(),
        args.model
    );
    Ok(())
}
