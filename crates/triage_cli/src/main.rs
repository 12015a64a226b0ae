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
    about = "Label images, table rows and texts with a model that learns as you go",
    after_help = EXIT_CODES
)]
pub(crate) struct Cli {
    /// Say more on stderr: -v what each step did, -vv and -vvv to debug
    /// (RUST_LOG, e.g. `info` or `triage_api=debug`, overrides it).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
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
    /// Print a completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(commands::completions::Args),
    /// Print the man page (roff).
    Man,
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
    /// S3: always name the bucket in the path (endpoint/bucket/key).
    /// By default path style is used through --endpoint, and on AWS for
    /// buckets whose names cannot be host names, as the AWS CLI does.
    #[arg(long, conflicts_with = "virtual_hosted")]
    path_style: bool,
    /// S3: always name the bucket in the host (bucket.endpoint/key).
    #[arg(long)]
    virtual_hosted: bool,
    /// S3: a named profile from ~/.aws/config and ~/.aws/credentials (keys,
    /// SSO, credential_process, an assumed role), used alone. Default: the
    /// AWS CLI's chain (AWS_* variables, AWS_PROFILE or default, web
    /// identity, ECS, instance metadata).
    #[arg(long)]
    profile: Option<String>,
}

impl S3Args {
    fn lake(self) -> triage_api::LakeAccess {
        triage_api::LakeAccess {
            endpoint: self.endpoint,
            region: self.region,
            addressing: match (self.path_style, self.virtual_hosted) {
                (true, _) => triage_api::Addressing::Path,
                (_, true) => triage_api::Addressing::VirtualHosted,
                _ => triage_api::Addressing::Auto,
            },
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

/// A flag that Ctrl-C sets, for a step that checks it and stops cleanly
/// (a round, an upload); a second Ctrl-C ends the program at once.
fn ctrl_c() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sigint = signal_hook::consts::SIGINT;
    // Registered first, so it sees the flag as it was before this press.
    let _ = signal_hook::flag::register_conditional_shutdown(sigint, 130, flag.clone());
    let _ = signal_hook::flag::register(sigint, flag.clone());
    flag
}

/// Runs `step` with a spinner naming it and the time spent, for work that
/// cannot count what is left (a profile, a round trip to the lake); the
/// spinner shows only on a terminal.
fn spinning<T>(what: &str, step: impl FnOnce() -> T) -> T {
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    spinner.set_message(what.to_owned());
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = step();
    spinner.finish_and_clear();
    out
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

/// How a command that did not fail finished; the exit code says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finished {
    /// Everything was done: exit code 0.
    Clean,
    /// Done, but some input was skipped (an import, a pull or a profile): exit code 3.
    WithProblems,
}

impl Finished {
    fn problems_if(skipped: bool) -> Self {
        if skipped {
            Self::WithProblems
        } else {
            Self::Clean
        }
    }
}

/// The exit codes, as `--help` and the README give them.
const EXIT_CODES: &str = "Exit codes: 0 success, 1 failure, 2 usage error, \
    3 finished with problems (an import, a pull or a profile skipped input).";

fn run(cli: Cli) -> Result<Finished> {
    let at = triage_api::now();
    let clean = |r: Result<()>| r.map(|()| Finished::Clean);
    match cli.command {
        Command::Init(args) => clean(commands::init::run(args, at)),
        Command::Import(args) => commands::import::run(args, at),
        Command::Status(args) => clean(commands::status::run(args)),
        Command::Queue(args) => clean(commands::queue::run(args)),
        Command::Label(args) => clean(commands::label::run(args, at)),
        Command::Undo(args) => clean(commands::undo::run(args, at)),
        Command::Train(args) => clean(commands::train::run(args, at)),
        Command::Review(args) => clean(commands::review::run(args, at)),
        Command::Revoke(args) => clean(commands::revoke::run(args, at)),
        Command::Simulate(args) => clean(commands::simulate::run(args)),
        Command::Export(args) => clean(commands::export::run(args, at)),
        Command::Gates(args) => clean(commands::gates::run(args)),
        Command::Profile(args) => commands::profile::run(args),
        Command::Agreement(args) => clean(commands::agreement::run(args)),
        Command::Consolidate(args) => clean(commands::consolidate::run(args, at)),
        Command::Share(args) => clean(commands::share::run(args)),
        Command::Join(args) => clean(commands::join::run(args, at)),
        Command::Push(args) => clean(commands::push::run(args)),
        Command::Pull(args) => commands::pull::run(args),
        Command::Explore(args) => clean(commands::explore::run(args)),
        Command::Models(args) => clean(commands::models::run(args)),
        Command::Features(args) => clean(commands::features::run(args)),
        Command::Completions(args) => clean(commands::completions::run(args)),
        Command::Man => clean(commands::completions::man()),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    triage_api::logging::init("triage", cli.verbose, None);
    match run(cli) {
        Ok(Finished::Clean) => std::process::ExitCode::SUCCESS,
        Ok(Finished::WithProblems) => std::process::ExitCode::from(3),
        // The reader went away (`| head`): what it wanted was printed.
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand says what it does and every argument has help text,
    /// so `--help` explains each one.
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                let here = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(format!("{here} (no about)"));
                }
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "triage", &mut missing);
        assert!(missing.is_empty(), "no help for:\n{}", missing.join("\n"));
    }
}
