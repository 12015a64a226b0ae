//! `triage share`: Publish this project's items to the lake as a task set for a team:
//! each item to OVERLAP annotators (seeded, balanced), the audit items
//! to everyone. Published once; running it again changes nothing.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::{S3Args, open, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// Where: s3://bucket/prefix (a prefix of its own).
    #[arg(long)]
    pub to: String,
    /// The annotators, comma-separated, by the names they join with.
    #[arg(long, value_delimiter = ',', required = true)]
    pub annotators: Vec<String>,
    /// How many annotators label each item.
    #[arg(long, default_value_t = 3)]
    pub overlap: usize,
    /// Items everyone labels (default: 5%, at least one).
    #[arg(long)]
    pub audit: Option<usize>,
    /// Fixes how items are dealt to annotators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

pub fn run(args: Args) -> Result<()> {
    let Args {
        dir,
        to,
        annotators,
        overlap,
        audit,
        seed,
        json,
        s3,
    } = args;
    let options = triage_api::ShareOptions {
        annotators,
        overlap,
        audit,
        seed,
        lake: s3.lake(),
    };
    let mut project = open(&dir)?;
    let summary = crate::spinning("sharing", || project.share(&to, &options))
        .with_context(|| format!("sharing to {to}"))?;
    if json {
        return print_json(&summary);
    }
    say!(
        "{} task set {} at {}: {} items, {} for everyone; {} images uploaded",
        if summary.already_published {
            "already published:"
        } else {
            "published"
        },
        summary.id,
        summary.url,
        summary.items,
        summary.audit,
        summary.images_uploaded
    );
    for (who, n) in &summary.per_annotator {
        say!("  {who}: {n} items");
    }
    Ok(())
}
