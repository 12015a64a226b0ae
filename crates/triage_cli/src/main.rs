//! `triage`: the command-line program. Each subcommand is a thin adapter over
//! `triage_api` in its own module under `commands/` (its arguments and one
//! `run`); this file only dispatches and holds what they share. Its commands
//! and flags are a contract that scripts and tests rely on (see the README).

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use triage_api::Project;

#[derive(Parser)]
#[command(
    name = "triage",
    version,
    about = "Label images, table rows and texts with a model that learns as you go"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project in DIR.
    Init(commands::init::Args),
    /// Import an image or text folder, a table (CSV, Parquet, JSON Lines) or a Ground Truth manifest.
    Import(commands::import::Args),
    /// Show the project's task, classes and label counts.
    Status(commands::status::Args),
    /// Show the next items that need a person.
    Queue(commands::queue::Args),
    /// Label an item (by its id column value, path, or numeric id) with a class name.
    Label(commands::label::Args),
    /// Take back the latest human label.
    Undo(commands::undo::Args),
    /// Run one active-learning round: train, calibrate, auto-label, queue the next batch.
    Train(commands::train::Args),
    /// Review: likely label errors, or a random spot check of auto-labels.
    Review(commands::review::Args),
    /// Take back every current auto-label of one model version.
    Revoke(commands::revoke::Args),
    /// Run the whole loop on data with known truth, with a simulated annotator.
    Simulate(commands::simulate::Args),
    /// Export the labels to a folder.
    Export(commands::export::Args),
    /// The conditions an export must meet: set, show or clear them.
    Gates(commands::gates::Args),
    /// Profile a project, a table (CSV, Parquet, JSON Lines) or an image
    /// folder: column statistics, correlations, labels, drift and alerts.
    Profile(commands::profile::Args),
    /// How far the people who labeled a project agree: Cohen's kappa per
    /// pair, Fleiss' kappa and Krippendorff's alpha overall, each person's
    /// estimated accuracy (Dawid–Skene), and the items they disagree on.
    Agreement(commands::agreement::Args),
    /// Merge the answers of items several people labeled into one
    /// `consolidated` label each, with its confidence.
    Consolidate(commands::consolidate::Args),
    /// Publish this project's items to the lake as a task set for a team:
    /// each item to OVERLAP annotators (seeded, balanced), the audit items
    /// to everyone. Published once; running it again changes nothing.
    Share(commands::share::Args),
    /// Create a project in DIR for one annotator's share of a task set.
    Join(commands::join::Args),
    /// Upload the labels given in this joined project since the last push
    /// (one create-only object; nothing new, nothing put).
    Push(commands::push::Args),
    /// Merge every annotator's pushed labels into the lead's project; what
    /// is here already is left alone.
    Pull(commands::pull::Args),
    /// Browse a project (read-only), a table or a Ground Truth manifest in
    /// the native explorer (the `triage-explore` program beside this one):
    /// PATH [--screenshot PNG [--view grid|table|profile|map] [--detail]].
    Explore(commands::explore::Args),
    /// Register a local embedding model (text or image), or list them.
    Models(commands::models::Args),
    /// Compute every item's features with a registered model; rounds use
    /// them from then on.
    Features(commands::features::Args),
}

/// How to reach an S3-compatible store, for imports and exports.
#[derive(clap::Args)]
pub(crate) struct S3Args {
    /// S3: an S3-compatible endpoint URL (AWS when absent).
    #[arg(long)]
    endpoint: Option<String>,
    /// S3: the region (default: AWS_REGION, else us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// S3: path-style addressing, as most S3-compatible stores need.
    #[arg(long)]
    path_style: bool,
    /// S3: a named profile from ~/.aws/credentials and ~/.aws/config
    /// (default: the AWS_* variables, else AWS_PROFILE, else default).
    #[arg(long)]
    profile: Option<String>,
}

impl S3Args {
    fn lake(self) -> triage_api::LakeAccess {
        triage_api::LakeAccess {
            endpoint: self.endpoint,
            region: self.region,
            path_style: self.path_style,
            profile: self.profile,
        }
    }
}

/// Prints a line to stdout. Unlike `println!`, a closed pipe (`triage queue
/// | head`) is an error that `main` handles, not a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

mod commands;

fn open(dir: &std::path::Path) -> Result<Project> {
    Project::open(dir).with_context(|| format!("opening the project in {}", dir.display()))
}

fn bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    say!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let at = triage_api::now();
    match cli.command {
        Command::Init(args) => commands::init::run(args, at),
        Command::Import(args) => commands::import::run(args, at),
        Command::Status(args) => commands::status::run(args),
        Command::Queue(args) => commands::queue::run(args),
        Command::Label(args) => commands::label::run(args, at),
        Command::Undo(args) => commands::undo::run(args, at),
        Command::Train(args) => commands::train::run(args, at),
        Command::Review(args) => commands::review::run(args, at),
        Command::Revoke(args) => commands::revoke::run(args, at),
        Command::Simulate(args) => commands::simulate::run(args),
        Command::Export(args) => commands::export::run(args, at),
        Command::Gates(args) => commands::gates::run(args),
        Command::Profile(args) => commands::profile::run(args),
        Command::Agreement(args) => commands::agreement::run(args),
        Command::Consolidate(args) => commands::consolidate::run(args, at),
        Command::Share(args) => commands::share::run(args),
        Command::Join(args) => commands::join::run(args, at),
        Command::Push(args) => commands::push::run(args),
        Command::Pull(args) => commands::pull::run(args),
        Command::Explore(args) => commands::explore::run(args),
        Command::Models(args) => commands::models::run(args),
        Command::Features(args) => commands::features::run(args),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // The reader went away (`| head`): what it wanted was printed.
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
