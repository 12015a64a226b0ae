//! `triage`: the command-line program. Each subcommand is a thin adapter over
//! one `triage_api` use case; this file only parses arguments, shows progress
//! and prints results. Its commands and flags are a contract that scripts and
//! tests rely on (see the README).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use triage_api::{CreateOptions, ExportFormat, ExportOptions, ImportOptions, Project, TaskKind};

#[derive(Parser)]
#[command(
    name = "triage",
    version,
    about = "Label images and table rows with a model that learns as you go"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a project in DIR.
    Init {
        dir: PathBuf,
        /// image-classification or row-classification.
        #[arg(long)]
        task: TaskKind,
        /// The class names, comma-separated, in index order.
        #[arg(long, value_delimiter = ',', required = true)]
        classes: Vec<String>,
        /// The Ground Truth job name (default: the folder's name).
        #[arg(long)]
        job_name: Option<String>,
        /// The Ground Truth label attribute (default: label).
        #[arg(long)]
        attribute: Option<String>,
    },
    /// Import an image folder, a table (CSV, Parquet, JSON Lines) or a Ground Truth manifest.
    Import {
        dir: PathBuf,
        path: PathBuf,
        /// Take each image's class from its first folder below PATH.
        #[arg(long)]
        labels_from_folders: bool,
        /// The table column that identifies a row.
        #[arg(long)]
        id_column: Option<String>,
        /// The table column that holds a row's class name.
        #[arg(long)]
        label_column: Option<String>,
        /// The folder a manifest's local paths must stay inside (default: the manifest's folder).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Show the project's task, classes and label counts.
    Status {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Show the next items that need a person.
    Queue {
        dir: PathBuf,
        #[arg(long, default_value_t = 10)]
        n: usize,
        #[arg(long)]
        json: bool,
    },
    /// Label an item (by its id column value, path, or numeric id) with a class name.
    Label {
        dir: PathBuf,
        item_id: String,
        class: String,
        #[arg(long)]
        annotator: Option<String>,
    },
    /// Take back the latest human label.
    Undo {
        dir: PathBuf,
        /// Only this annotator's labels.
        #[arg(long)]
        annotator: Option<String>,
    },
    /// Export the labels to a folder.
    Export {
        dir: PathBuf,
        #[arg(long)]
        to: PathBuf,
        /// gt-manifest, csv or parquet; several may be given, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        format: Vec<String>,
        /// Leave out unlabeled items, as a training job needs.
        #[arg(long)]
        labeled_only: bool,
    },
}

/// Prints a line to stdout. Unlike `println!`, a closed pipe (`triage queue
/// | head`) is an error that `main` handles, not a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

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
        Command::Init {
            dir,
            task,
            classes,
            job_name,
            attribute,
        } => {
            let options = CreateOptions {
                task,
                classes,
                job_name,
                attribute,
            };
            let project = Project::create(&dir, &options, at)
                .with_context(|| format!("creating a project in {}", dir.display()))?;
            let status = project.status()?;
            say!(
                "created {} project in {} with {} classes (job {}, attribute {})",
                task.as_str(),
                dir.display(),
                status.classes.len(),
                status.job_name,
                status.attribute
            );
        }
        Command::Import {
            dir,
            path,
            labels_from_folders,
            id_column,
            label_column,
            root,
        } => {
            let mut project = open(&dir)?;
            let options = ImportOptions {
                labels_from_folders,
                id_column,
                label_column,
                root,
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
        }
        Command::Status { dir, json } => {
            let status = open(&dir)?.status()?;
            if json {
                return print_json(&status);
            }
            let c = &status.counts;
            say!(
                "{} ({}), job {}, attribute {}",
                status.dir,
                status.task.as_str(),
                status.job_name,
                status.attribute
            );
            let classes: Vec<&str> = status.classes.iter().map(|c| c.name.as_str()).collect();
            say!("classes: {}", classes.join(", "));
            say!(
                "items: {}  human: {}  model: {}  import: {}  consolidated: {}  unlabeled: {}",
                c.items,
                c.human,
                c.model,
                c.import,
                c.consolidated,
                c.unlabeled
            );
        }
        Command::Queue { dir, n, json } => {
            let items = open(&dir)?.next_items(n)?;
            if json {
                return print_json(&items);
            }
            for item in items {
                let what = item
                    .uri
                    .or(item.external_id)
                    .or(item.row_index.map(|r| format!("row {}", r + 1)))
                    .unwrap_or_default();
                say!("{}\t{}", item.id, what);
            }
        }
        Command::Label {
            dir,
            item_id,
            class,
            annotator,
        } => {
            let mut project = open(&dir)?;
            let label = project
                .label(&item_id, &class, annotator.as_deref(), None, at)
                .with_context(|| format!("labeling item '{item_id}'"))?;
            say!(
                "item {} labeled {} (event {})",
                label.item,
                label.class_name,
                label.event
            );
        }
        Command::Undo { dir, annotator } => match open(&dir)?.undo(annotator.as_deref(), at)? {
            Some(undone) => say!("undid label {} on item {}", undone.class_name, undone.item),
            None => bail!("there is no human label to undo"),
        },
        Command::Export {
            dir,
            to,
            format,
            labeled_only,
        } => {
            let formats = format
                .iter()
                .map(|f| f.parse::<ExportFormat>())
                .collect::<Result<Vec<_>, _>>()?;
            let mut project = open(&dir)?;
            let bar = bar("exporting");
            let summary = project
                .export(
                    &to,
                    &ExportOptions {
                        formats,
                        labeled_only,
                    },
                    at,
                    &|done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    },
                )
                .with_context(|| format!("exporting to {}", to.display()))?;
            bar.finish_and_clear();
            say!(
                "exported {} items ({} labeled) to {}",
                summary.items,
                summary.labeled,
                summary.destination
            );
            for file in &summary.files {
                say!(
                    "  {}  {} bytes  sha256 {}",
                    file.key,
                    file.size_bytes,
                    file.sha256
                );
            }
        }
    }
    Ok(())
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
