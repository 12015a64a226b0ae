//! `triage train`: Run one active-learning round: train, calibrate, auto-label, queue the next batch.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::{RoundOptions, Timestamp};

use crate::{open, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    #[command(flatten)]
    pub round: super::RoundArgs,
    /// Print the round's summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args { dir, round, json } = args;
    let mut project = open(&dir)?;
    let options = RoundOptions::from(round);
    let target = options.target;
    let cancel = crate::ctrl_c();
    let bar = crate::bar("training");
    bar.set_length(100);
    let summary = project.run_round_with_progress(&options, &cancel, at, &|stage, done| {
        bar.set_message(stage);
        bar.set_position((done * 100.0) as u64);
    });
    bar.finish_and_clear();
    let summary = match summary {
        Err(triage_api::Error::Cancelled) => anyhow::bail!(
            "cancelled: the round stopped before writing anything; the project is as it was"
        ),
        other => other.context("running a round")?,
    };
    if json {
        return print_json(&summary);
    }
    match (&summary.model_version, &summary.algorithm) {
        (Some(v), Some(a)) => say!(
            "round {}: model {v} ({a}), cross-validated accuracy {:.3}",
            summary.round_id,
            summary.cv_accuracy.unwrap_or_default()
        ),
        _ => say!(
            "round {}: too few labels to train; queued a random batch for the audit set",
            summary.round_id
        ),
    }
    match (summary.threshold, summary.estimated_accuracy) {
        (Some(t), Some(e)) => say!(
            "threshold {t:.3}: estimated accuracy of auto-labels {:.3} (95% CI {:.3}-{:.3}, {} audit items)",
            e.estimate,
            e.low,
            e.high,
            e.n
        ),
        _ => say!(
            "no threshold reaches the target {target} yet ({} audit labels); nothing auto-labeled",
            summary.audit_size
        ),
    }
    for c in &summary.class_thresholds {
        if c.threshold != summary.threshold {
            let t = c
                .threshold
                .map_or("no auto-labels".into(), |t| format!("threshold {t:.3}"));
            say!("  class {}: {t}", c.class_name);
        }
    }
    say!(
        "auto-labeled {} new, revoked {}; queued {} for people; {} suspect labels",
        summary.auto_labeled,
        summary.revoked,
        summary.queued,
        summary.suspects
    );
    let n = &summary.counts;
    say!(
        "items: {}  human: {}  model: {}  import: {}  unlabeled: {}",
        n.items,
        n.human,
        n.model,
        n.import,
        n.unlabeled
    );
    Ok(())
}
