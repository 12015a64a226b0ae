//! `triage-explore [PATH]`: the native explorer on a project folder, a
//! table file or a Ground Truth manifest.

use std::path::PathBuf;

use clap::Parser;
use triage_explore::{Screenshot, View};

/// Browse a Triage project folder (read-only), a CSV, Parquet or JSON Lines
/// table, or a Ground Truth manifest.
///
/// Keys: 1-4 switch views (grid, table, profile, map); the arrows or j/k
/// move; Page Up/Down, Home/End; Enter opens an item and Esc closes it;
/// / searches the table.
#[derive(Parser)]
#[command(name = "triage-explore", version)]
struct Args {
    /// What to open.
    path: Option<PathBuf>,
    /// Save a PNG of the window once the view has loaded, then quit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// With --screenshot: the view (grid, table, profile or map).
    #[arg(long, default_value = "grid")]
    view: String,
    /// With --screenshot: open the first item's detail.
    #[arg(long)]
    detail: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let log = triage_api::logging::log_file("triage-explore");
    triage_api::logging::init("triage-explore", 0, Some(&log));
    // What ends the program goes into the log too, for a report.
    explore(args).inspect_err(|e| triage_api::logging::record_failure(e.as_ref()))
}

fn explore(args: Args) -> anyhow::Result<()> {
    let view = View::ALL
        .into_iter()
        .find(|v| v.name().eq_ignore_ascii_case(&args.view))
        .ok_or_else(|| {
            anyhow::anyhow!("unknown view {} (grid, table, profile or map)", args.view)
        })?;
    let shot = args.screenshot.clone().map(|path| Screenshot {
        view,
        detail: args.detail,
        path,
    });
    triage_explore::run(args.path, shot)?;
    if let Some(path) = args.screenshot
        && !path.is_file()
    {
        anyhow::bail!("no screenshot was saved to {}", path.display());
    }
    Ok(())
}
