//! `triage pull`: Merge every annotator's pushed labels into the lead's project; what
//! is here already is left alone.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::{S3Args, open, print_json};

#[derive(clap::Args)]
pub struct Args {
    pub dir: PathBuf,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

pub fn run(args: Args) -> Result<()> {
    let Args { dir, json, s3 } = args;
    let summary = open(&dir)?.pull(&s3.lake())?;
    for problem in &summary.problems {
        eprintln!("skipped: {problem}");
    }
    if json {
        return print_json(&summary);
    }
    say!(
        "pulled {} pushes: {} events added, {} already here, {} skipped",
        summary.objects,
        summary.added,
        summary.already,
        summary.problems.len()
    );
    Ok(())
}
