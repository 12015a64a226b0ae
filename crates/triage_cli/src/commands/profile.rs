//! `triage profile`: Profile a project, a table (CSV, Parquet, JSON Lines) or an image
//! folder: column statistics, correlations, labels, drift and alerts.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::{Finished, S3Args, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// A project folder, a table (CSV, Parquet, JSON Lines), an image
    /// folder, or s3://bucket/prefix/ of table objects (profiled as one
    /// table).
    pub path: PathBuf,
    /// Write the profile as JSON (schema triage-profile/1); `-` for stdout.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report with its charts.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// For a table: the column holding labels, for the label views.
    #[arg(long)]
    pub label: Option<String>,
    /// Set a column's kind: COLUMN=KIND, where KIND is categorical,
    /// ordinal, quantitative, datetime, text, identifier or
    /// image-reference. May be repeated.
    #[arg(long = "kind", value_parser = parse_kind)]
    pub kinds: Vec<(String, triage_api::ColumnKind)>,
    /// For a table or a table project: every statistic from the whole
    /// table in memory. By default a table that would not fit comfortably
    /// is streamed.
    #[arg(long, conflicts_with = "streaming")]
    pub exact: bool,
    /// For a table or a table project: read in batches, in bounded memory; quantiles,
    /// histograms and the counts of columns with many distinct values are
    /// estimates, their error bounds in the JSON.
    #[arg(long)]
    pub streaming: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

fn parse_kind(s: &str) -> std::result::Result<(String, triage_api::ColumnKind), String> {
    let (column, kind) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected COLUMN=KIND, got `{s}`"))?;
    Ok((column.to_string(), kind.parse()?))
}

pub fn run(args: Args) -> Result<Finished> {
    let Args {
        path,
        json,
        html,
        label,
        kinds,
        exact,
        streaming,
        s3,
    } = args;
    let mode = match (exact, streaming) {
        (true, _) => Some(triage_api::ProfileMode::Exact),
        (_, true) => Some(triage_api::ProfileMode::Streaming),
        _ => None,
    };
    let options = triage_api::ProfileOptions {
        kinds: kinds.into_iter().collect(),
        label_column: label,
        mode,
        lake: s3.lake(),
    };
    // Errors already name the file and the position.
    let profile = crate::spinning("profiling", || triage_api::profile_path(&path, &options))?;
    for part in &profile.skipped {
        eprintln!("skipped {}: {}", part.path, part.reason);
    }
    match json.as_deref() {
        Some(p) if p.as_os_str() == "-" => print_json(&profile)?,
        Some(p) => triage_api::write_output(p, &serde_json::to_vec_pretty(&profile)?)?,
        None => {}
    }
    if let Some(p) = &html {
        let report = triage_api::profile_html::report(&profile)?;
        triage_api::write_output(p, report.as_bytes())?;
    }
    if json.is_none() && html.is_none() {
        let facts = match profile.method.mode {
            triage_api::ProfileMode::Exact => {
                format!("{} duplicate rows", profile.dataset.duplicate_rows)
            }
            triage_api::ProfileMode::Streaming => format!(
                "{} duplicate rows, streamed: estimates within the bounds in --json; not computed: {}",
                profile.dataset.duplicate_rows,
                profile.method.omitted.join(", ")
            ),
        };
        say!(
            "{}: {} rows, {} columns, {facts}",
            profile.source,
            profile.rows,
            profile.columns.len(),
        );
        for c in &profile.columns {
            say!(
                "  {:<24} {:<16} missing {:>8}  distinct {:>9}",
                c.name,
                c.kind.name(),
                c.missing,
                // An estimate (a streamed column with many values) says so.
                if c.distinct_exact {
                    c.distinct.to_string()
                } else {
                    format!("≈{}", c.distinct)
                }
            );
        }
        for a in &profile.alerts {
            say!(
                "alert {}{}: {}",
                a.kind,
                a.column
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                a.message
            );
        }
    }
    Ok(Finished::problems_if(!profile.skipped.is_empty()))
}
