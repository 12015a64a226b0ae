//! `triage export`: Export the labels to a folder.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use triage_api::{ExportFormat, ExportOptions, ExportReview, GlueTable, Split, Timestamp};

use crate::{S3Args, bar, open};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// A local folder, or s3://bucket/prefix.
    #[arg(long)]
    pub to: PathBuf,
    /// The formats, comma-separated; the profile describes what the export
    /// holds.
    #[arg(long, value_delimiter = ',', required = true,
          value_parser = super::one_of(ExportFormat::ALL, ExportFormat::as_str))]
    pub format: Vec<ExportFormat>,
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
    /// S3 with Parquet: create or update a Glue table over the export's
    /// Parquet, glue:DATABASE.TABLE (the Parquet then goes under table/,
    /// split=NAME/ folders with a split). Glue is reached at
    /// AWS_ENDPOINT_URL_GLUE when set.
    #[arg(long, value_name = "glue:DATABASE.TABLE", value_parser = |s: &str| GlueTable::parse(s))]
    pub catalog: Option<GlueTable>,
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
        catalog,
        dry_run,
        override_reason,
        annotator,
    } = args;
    let formats = format;
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
        catalog,
        // An upload stops cleanly between objects; a local export, whose
        // files appear whole or not at all, may be ended at once.
        cancel: to
            .to_string_lossy()
            .starts_with("s3://")
            .then(crate::ctrl_c),
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
    let summary = project.export(&to, &options, at, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let summary = match summary {
        Err(triage_api::Error::Cancelled) => anyhow::bail!(
            "cancelled: no manifest was published and the project records no export; \
             running the same export again resumes it"
        ),
        other => other.with_context(|| format!("exporting to {}", to.display()))?,
    };
    say!(
        "exported {} items ({} labeled) to {}",
        summary.items,
        summary.labeled,
        summary.destination
    );
    if let Some(catalog) = &summary.catalog {
        say!("catalogued as {catalog}");
    }
    if !summary.recorded {
        say!("the project is read-only: this export is not in its history");
    }
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
fn print_review(review: &ExportReview) -> Result<()> {
    for (name, value) in review.lines() {
        say!("{name:<13}{value}");
    }
    Ok(())
}
