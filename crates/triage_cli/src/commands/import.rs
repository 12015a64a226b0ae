//! `triage import`: Import an image or text folder, a table (CSV, Parquet, JSON Lines) or a Ground Truth manifest.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::{ImportOptions, Timestamp};

use crate::{Finished, S3Args, bar, open};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// An image folder, a table (CSV, Parquet, JSON Lines), a text file or
    /// folder, a Ground Truth manifest, or s3://bucket/key of one.
    pub path: PathBuf,
    /// Take each image's or text's class from its first folder below PATH.
    #[arg(long)]
    pub labels_from_folders: bool,
    /// The table column that identifies a row.
    #[arg(long)]
    pub id_column: Option<String>,
    /// The table column that holds a row's class name.
    #[arg(long)]
    pub label_column: Option<String>,
    /// The table column that holds each row's text, for a text project.
    #[arg(long)]
    pub text_column: Option<String>,
    /// The folder a manifest's local paths must stay inside (default: the manifest's folder).
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub s3: S3Args,
}

pub fn run(args: Args, at: Timestamp) -> Result<Finished> {
    let Args {
        dir,
        path,
        labels_from_folders,
        id_column,
        label_column,
        text_column,
        root,
        s3,
    } = args;
    let mut project = open(&dir)?;
    let options = ImportOptions {
        labels_from_folders,
        id_column,
        label_column,
        text_column,
        root,
        lake: s3.lake(),
    };
    let bar = bar("importing");
    let report = project
        .import(&path, &options, at, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .with_context(|| format!("importing {}", path.display()))?;
    bar.finish_and_clear();
    say!(
        "imported {} items from {} ({} with labels, {} already present, {} problems)",
        report.added,
        report.path,
        report.labeled,
        report.already_present,
        report.problems.len()
    );
    for problem in &report.problems {
        eprintln!("skipped: {problem}");
    }
    Ok(Finished::problems_if(!report.problems.is_empty()))
}
