//! `triage join`: Create a project in DIR for one annotator's share of a task set.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::{Project, Timestamp};

use crate::{S3Args, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The task set: the s3://bucket/prefix `triage share` printed.
    pub url: String,
    /// The project folder to create for your part.
    pub dir: PathBuf,
    /// Your name, as the lead gave it to `triage share --annotators`.
    #[arg(long)]
    pub annotator: String,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args {
        url,
        dir,
        annotator,
        json,
        s3,
    } = args;
    let (_, summary) = crate::spinning("joining", || {
        Project::join(&url, &dir, &annotator, &s3.lake(), at)
    })
    .with_context(|| format!("joining {url}"))?;
    for problem in &summary.problems {
        eprintln!("problem: {problem}");
    }
    if json {
        return print_json(&summary);
    }
    say!(
        "joined as {} in {}: {} items to label ({} for everyone)",
        summary.annotator,
        summary.dir,
        summary.items,
        summary.audit
    );
    Ok(())
}
