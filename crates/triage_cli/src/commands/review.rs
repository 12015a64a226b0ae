//! `triage review`: Review: likely label errors, or a random spot check of auto-labels.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use triage_api::Timestamp;

use crate::{open, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// List human labels the model contradicts with high confidence.
    #[arg(long)]
    pub errors: bool,
    /// Draw N auto-labels at random for people to verify (label them to record the verdict).
    #[arg(long, value_name = "N")]
    pub spot_check: Option<usize>,
    /// Fixes which auto-labels a spot check draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print the items as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args {
        dir,
        errors,
        spot_check,
        seed,
        json,
    } = args;
    let mut project = open(&dir)?;
    if errors {
        let suspects = project.label_errors()?;
        if json {
            return print_json(&suspects);
        }
        say!("{} labels the model doubts:", suspects.len());
        for s in suspects {
            let what = s.item.uri.or(s.item.external_id).unwrap_or_default();
            say!(
                "{}\t{what}\tgiven {}\tmodel says {} ({:.3})",
                s.item.id,
                s.given,
                s.predicted,
                s.confidence
            );
        }
    } else if let Some(n) = spot_check {
        let items = project.spot_check(n, seed, at)?;
        if json {
            return print_json(&items);
        }
        say!(
            "{} auto-labels to verify (label each with `triage label`):",
            items.len()
        );
        for item in items {
            let label = item
                .label
                .map(|l| format!("{} ({:.3})", l.class_name, l.confidence.unwrap_or_default()));
            let what = item.uri.or(item.external_id).unwrap_or_default();
            say!(
                "{}\t{what}\tmodel says {}",
                item.id,
                label.unwrap_or_default()
            );
        }
    } else {
        bail!("say what to review: --errors or --spot-check N");
    }
    Ok(())
}
