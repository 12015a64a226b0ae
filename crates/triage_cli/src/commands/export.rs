//! `triage export`: Export the labels to a folder.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use triage_api::{ExportFormat, ExportOptions, ExportReview, Split, Timestamp};

use crate::{S3Args, bar, open};

#[derive(clap::Args)]
pub struct Args {
    pub dir: PathBuf,
    #[arg(long)]
    pub to: PathBuf,
    /// gt-manifest, csv, parquet, coco, yolo, profile-json or profile-html; several
    /// may be given, comma-separated. The profile covers the whole project.
    #[arg(long, value_delimiter = ',', required = true)]
    pub format: Vec<String>,
    /// Leave out unlabeled items, as a training job needs.
    #[arg(long)]
    pub labeled_only: bool,
    /// Leave out model labels (auto-labels).
    #[arg(long)]
    pub human_only: bool,
    /// Leave out auto-labels below this confidence.
    #[arg(long)]
    pub min_confidence: Option<f64>,
    /// Split the labeled items into train/, validation/ and test/ by
    /// these shares, stratified by class: for example 0.8,0.1,0.1.
    #[arg(long, value_delimiter = ',')]
    pub split: Vec<f64>,
    /// The seed that fixes which items go into which share.
    #[arg(long, default_value_t = 0)]
    pub split_seed: u64,
    #[command(flatten)]
    pub s3: S3Args,
    /// S3: the folder under the prefix (default: the job name and a
    /// hash of the files, so a rerun resumes in place).
    #[arg(long)]
    pub export_id: Option<String>,
    /// Copy each local image into the export's images/ and point the
    /// manifest (and every other file) at the copies.
    #[arg(long)]
    pub copy_images: bool,
    /// Parquet: add an answer_<name> column per person, with the class
    /// each gave each item.
    #[arg(long)]
    pub answers: bool,
    /// Print the review (what the export would hold, its measured
    /// accuracy, the profile's alerts, the gates) and write nothing; fails
    /// when a gate fails.
    #[arg(long)]
    pub dry_run: bool,
    /// Export even though gates fail; the reason is recorded with the
    /// export (who, when, which gates) and in its review.json.
    #[arg(long = "override", value_name = "REASON")]
    pub override_reason: Option<String>,
    /// Who exports, recorded with an override (default: TRIAGE_ANNOTATOR,
    /// the project's annotator, then the login name).
    #[arg(long)]
    pub annotator: Option<String>,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args {
        dir,
        to,
        format,
        labeled_only,
        human_only,
        min_confidence,
        split,
        split_seed,
        s3,
        export_id,
        copy_images,
        answers,
        dry_run,
        override_reason,
        annotator,
    } = args;
    let formats = format
        .iter()
        .map(|f| f.parse::<ExportFormat>())
        .collect::<Result<Vec<_>, _>>()?;
    let split = Split::from_shares(&split, split_seed)?;
    let mut project = open(&dir)?;
    let options = ExportOptions {
        formats,
        labeled_only,
        human_only,
        min_confidence,
        split,
        lake: s3.lake(),
        export_id,
        copy_images,
        answers,
        override_reason,
        annotator,
    };
    if dry_run {
        let review = project
            .export_dry_run(&to, &options)
            .with_context(|| format!("reviewing an export to {}", to.display()))?;
        print_review(&review)?;
        if !review.failures.is_empty() && options.override_reason.is_none() {
            bail!(
                "the export would be refused: {} gates fail",
                review.failures.len()
            );
        }
        return Ok(());
    }
    let bar = bar("exporting");
    let summary = project
        .export(&to, &options, at, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .with_context(|| format!("exporting to {}", to.display()))?;
    bar.finish_and_clear();
    say!(
        "exported {} items ({} labeled) to {}",
        summary.items,
        summary.labeled,
        summary.destination
    );
    if let Some(o) = &summary.review.overridden {
        say!("gates overridden ({}): {}", o.failed.join(", "), o.reason);
    }
    for file in &summary.files {
        say!(
            "  {}  {} bytes  sha256 {}",
            file.key,
            file.size_bytes,
            file.sha256
        );
    }
    Ok(())
}

/// The review as `--dry-run` prints it: one line per figure, name first.
fn print_review(r: &ExportReview) -> Result<()> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut row = |name: &str, value: String| lines.push((name.to_owned(), value));
    let counts = |c: &triage_api::LabelCounts| {
        format!(
            "{} items: {} human, {} consolidated, {} auto, {} imported, {} unlabeled",
            c.items, c.human, c.consolidated, c.model, c.import, c.unlabeled
        )
    };
    let interval = |i: &Option<triage_api::Interval>| {
        i.map_or("not measured".to_owned(), |i| {
            format!(
                "{:.3} (95% interval {:.3}-{:.3}, n = {})",
                i.estimate, i.low, i.high, i.n
            )
        })
    };
    row("project", counts(&r.project));
    row("export", counts(&r.export));
    for s in &r.shares {
        row(&format!("  {}", s.name), format!("{} items", s.items));
    }
    if let Some(t) = r.target {
        row("target", format!("{t:.3}"));
    }
    row("estimated", interval(&r.estimated_accuracy));
    let pending = match r.spot_checks_pending {
        0 => String::new(),
        n => format!(", {n} pending"),
    };
    row(
        "spot-checked",
        format!("{}{pending}", interval(&r.spot_checked_accuracy)),
    );
    let classes: Vec<String> = r
        .distribution
        .iter()
        .map(|c| format!("{} {}", c.value, c.count))
        .collect();
    row("classes", classes.join(", "));
    if let Some(ratio) = r.imbalance_ratio {
        row("imbalance", format!("{ratio:.2}"));
    }
    if let Some(t) = &r.team {
        row(
            "agreement",
            format!(
                "alpha {}, {} open disagreements, {} people",
                t.alpha.map_or("n/a".into(), |a| format!("{a:.3}")),
                t.open_disagreements,
                t.annotators
            ),
        );
    }
    for a in &r.alerts {
        let column = a.column.as_deref().map(|c| format!(" in {c}"));
        row(
            "alert",
            format!("{}{}: {}", a.kind, column.unwrap_or_default(), a.message),
        );
    }
    if r.failures.is_empty() {
        let gates = if r.gates.any() {
            "all pass"
        } else {
            "none set"
        };
        row("gates", gates.to_owned());
    }
    for f in &r.failures {
        row("FAILS", format!("{}: {}", f.gate, f.message));
    }
    for (name, value) in lines {
        say!("{name:<13}{value}");
    }
    Ok(())
}
