//! `triage`: the command-line program. Each subcommand is a thin adapter over
//! one `triage_api` use case; this file only parses arguments, shows progress
//! and prints results. Its commands and flags are a contract that scripts and
//! tests rely on (see the README).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use triage_api::{
    CreateOptions, ExportFormat, ExportOptions, ImportOptions, Project, RoundOptions, Split,
    Strategy, TaskKind, Truth,
};

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
        /// image-classification, row-classification or object-detection.
        #[arg(long)]
        task: TaskKind,
        /// The class names, comma-separated, in index order.
        #[arg(long, value_delimiter = ',', required = true)]
        classes: Vec<String>,
        /// Each class's key in the app, comma-separated, in class order
        /// (default: 1-9, then 0).
        #[arg(long, value_delimiter = ',')]
        hotkeys: Vec<char>,
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
        #[command(flatten)]
        s3: S3Args,
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
        /// The class; in a multi-label project, the classes that apply,
        /// comma-separated ("" when none do).
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
    /// Run one active-learning round: train, calibrate, auto-label, queue the next batch.
    Train {
        dir: PathBuf,
        /// The accuracy auto-labels must reach (95% lower confidence bound).
        #[arg(long, default_value_t = 0.95)]
        target: f64,
        /// margin, entropy, least-confidence or random.
        #[arg(long, default_value = "margin")]
        strategy: Strategy,
        /// The size of the next human batch.
        #[arg(long, default_value_t = 50)]
        batch: usize,
        /// The share of each batch drawn at random for the audit set.
        #[arg(long, default_value_t = 0.1)]
        random_share: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Review: likely label errors, or a random spot check of auto-labels.
    Review {
        dir: PathBuf,
        /// List human labels the model contradicts with high confidence.
        #[arg(long)]
        errors: bool,
        /// Draw N auto-labels at random for people to verify (label them to record the verdict).
        #[arg(long, value_name = "N")]
        spot_check: Option<usize>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Take back every current auto-label of one model version.
    Revoke {
        dir: PathBuf,
        #[arg(long)]
        model_version: i64,
    },
    /// Run the whole loop on data with known truth, with a simulated annotator.
    Simulate {
        /// An image folder with one subfolder per class, or a table.
        path: PathBuf,
        /// `folders`, or the table column that holds the truth.
        #[arg(long)]
        truth: String,
        /// Checked against the data: folders are images, a column is a table.
        #[arg(long)]
        task: Option<TaskKind>,
        #[arg(long, default_value_t = 0.95)]
        target: f64,
        #[arg(long, default_value_t = 50)]
        batch: usize,
        #[arg(long, default_value = "margin")]
        strategy: Strategy,
        #[arg(long, default_value_t = 0.1)]
        random_share: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value_t = 200)]
        max_rounds: u64,
        /// Print a JSON summary as the last line.
        #[arg(long)]
        json: bool,
    },
    /// Export the labels to a folder.
    Export {
        dir: PathBuf,
        #[arg(long)]
        to: PathBuf,
        /// gt-manifest, csv, parquet, coco, yolo, profile-json or profile-html; several
        /// may be given, comma-separated. The profile covers the whole project.
        #[arg(long, value_delimiter = ',', required = true)]
        format: Vec<String>,
        /// Leave out unlabeled items, as a training job needs.
        #[arg(long)]
        labeled_only: bool,
        /// Leave out model labels (auto-labels).
        #[arg(long)]
        human_only: bool,
        /// Leave out auto-labels below this confidence.
        #[arg(long)]
        min_confidence: Option<f64>,
        /// Split the labeled items into train/, validation/ and test/ by
        /// these shares, stratified by class: for example 0.8,0.1,0.1.
        #[arg(long, value_delimiter = ',')]
        split: Vec<f64>,
        /// The seed that fixes which items go into which share.
        #[arg(long, default_value_t = 0)]
        split_seed: u64,
        #[command(flatten)]
        s3: S3Args,
        /// S3: the folder under the prefix (default: the job name and a
        /// hash of the files, so a rerun resumes in place).
        #[arg(long)]
        export_id: Option<String>,
        /// Copy each local image into the export's images/ and point the
        /// manifest (and every other file) at the copies.
        #[arg(long)]
        copy_images: bool,
        /// Parquet: add an answer_<name> column per person, with the class
        /// each gave each item.
        #[arg(long)]
        answers: bool,
    },
    /// Profile a project, a table (CSV, Parquet, JSON Lines) or an image
    /// folder: column statistics, correlations, labels, drift and alerts.
    Profile {
        path: PathBuf,
        /// Write the profile as JSON (schema triage-profile/1); `-` for stdout.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Write a self-contained HTML report with its charts.
        #[arg(long)]
        html: Option<PathBuf>,
        /// For a table: the column holding labels, for the label views.
        #[arg(long)]
        label: Option<String>,
        /// Set a column's kind: COLUMN=KIND, where KIND is categorical,
        /// ordinal, quantitative, datetime, text, identifier or
        /// image-reference. May be repeated.
        #[arg(long = "kind", value_parser = parse_kind)]
        kinds: Vec<(String, triage_api::ColumnKind)>,
    },
    /// How far the people who labeled a project agree: Cohen's kappa per
    /// pair, Fleiss' kappa and Krippendorff's alpha overall, each person's
    /// estimated accuracy (Dawid–Skene), and the items they disagree on.
    Agreement {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Merge the answers of items several people labeled into one
    /// `consolidated` label each, with its confidence.
    Consolidate {
        dir: PathBuf,
        /// em (Dawid–Skene, weighing each person by their reliability) or
        /// majority (the most frequent answer).
        #[arg(long, default_value = "em")]
        method: String,
        #[arg(long)]
        json: bool,
    },
    /// Publish this project's items to the lake as a task set for a team:
    /// each item to OVERLAP annotators (seeded, balanced), the audit items
    /// to everyone. Published once; running it again changes nothing.
    Share {
        dir: PathBuf,
        /// Where: s3://bucket/prefix (a prefix of its own).
        #[arg(long)]
        to: String,
        /// The annotators, comma-separated, by the names they join with.
        #[arg(long, value_delimiter = ',', required = true)]
        annotators: Vec<String>,
        /// How many annotators label each item.
        #[arg(long, default_value_t = 3)]
        overlap: usize,
        /// Items everyone labels (default: 5%, at least one).
        #[arg(long)]
        audit: Option<usize>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        s3: S3Args,
    },
    /// Create a project in DIR for one annotator's share of a task set.
    Join {
        /// The task set: the s3://bucket/prefix `triage share` printed.
        url: String,
        dir: PathBuf,
        #[arg(long)]
        annotator: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        s3: S3Args,
    },
    /// Upload the labels given in this joined project since the last push
    /// (one create-only object; nothing new, nothing put).
    Push {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        s3: S3Args,
    },
    /// Merge every annotator's pushed labels into the lead's project; what
    /// is here already is left alone.
    Pull {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        s3: S3Args,
    },
    /// Browse a project (read-only), a table or a Ground Truth manifest in
    /// the native explorer (the `triage-explore` program beside this one):
    /// PATH [--screenshot PNG [--view grid|table|profile|map] [--detail]].
    Explore {
        /// The path, then options passed to the explorer as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        args: Vec<std::ffi::OsString>,
    },
}

/// How to reach an S3-compatible store, for imports and exports.
#[derive(clap::Args)]
struct S3Args {
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

fn parse_kind(s: &str) -> std::result::Result<(String, triage_api::ColumnKind), String> {
    let (column, kind) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected COLUMN=KIND, got `{s}`"))?;
    Ok((column.to_string(), kind.parse()?))
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
            hotkeys,
            job_name,
            attribute,
        } => {
            let options = CreateOptions {
                task,
                classes,
                hotkeys: hotkeys.into_iter().map(Some).collect(),
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
            s3,
        } => {
            let mut project = open(&dir)?;
            let options = ImportOptions {
                labels_from_folders,
                id_column,
                label_column,
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
        }
        Command::Status { dir, json } => {
            let project = open(&dir)?;
            let status = project.status()?;
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
            if let Some(m) = project.model_status()? {
                let show = |i: Option<triage_api::Interval>| {
                    i.map_or("-".into(), |i| {
                        format!(
                            "{:.3} (95% CI {:.3}-{:.3}, n={})",
                            i.estimate, i.low, i.high, i.n
                        )
                    })
                };
                say!(
                    "model {} ({}), target {}",
                    m.model_version,
                    m.algorithm,
                    m.target
                );
                say!(
                    "  estimated accuracy of auto-labels: {}",
                    show(m.estimated_accuracy)
                );
                say!(
                    "  spot-checked accuracy:             {} ({} pending)",
                    show(m.spot_checked_accuracy),
                    m.spot_checks_pending
                );
            }
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
            // Every label names its person: --annotator, else the project's
            // annotator, else the login name.
            let annotator = match annotator {
                Some(a) => Some(a),
                None => project.annotator()?.or_else(triage_api::login_name),
            };
            let label = if project.status()?.task.is_multilabel() {
                let set: Vec<String> = class
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect();
                project.label_classes(&item_id, &set, annotator.as_deref(), None, at)
            } else {
                project.label(&item_id, &class, annotator.as_deref(), None, at)
            }
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
        Command::Train {
            dir,
            target,
            strategy,
            batch,
            random_share,
            seed,
            json,
        } => {
            let mut project = open(&dir)?;
            let options = RoundOptions {
                target,
                strategy,
                batch,
                random_share,
                seed,
            };
            let cancel = std::sync::atomic::AtomicBool::new(false);
            let summary = project
                .run_round(&options, &cancel, at)
                .context("running a round")?;
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
        }
        Command::Review {
            dir,
            errors,
            spot_check,
            seed,
            json,
        } => {
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
                    let label = item.label.map(|l| {
                        format!("{} ({:.3})", l.class_name, l.confidence.unwrap_or_default())
                    });
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
        }
        Command::Revoke { dir, model_version } => {
            let n = open(&dir)?.revoke_model(model_version, at)?;
            say!("revoked {n} auto-labels of model {model_version}");
        }
        Command::Simulate {
            path,
            truth,
            task,
            target,
            batch,
            strategy,
            random_share,
            seed,
            max_rounds,
            json,
        } => {
            let truth = if truth == "folders" {
                Truth::Folders
            } else {
                Truth::Column(truth)
            };
            let expected = match truth {
                Truth::Folders => TaskKind::ImageClassification,
                Truth::Column(_) => TaskKind::RowClassification,
            };
            if let Some(task) = task.filter(|t| *t != expected) {
                bail!(
                    "--task {} does not fit this --truth: folders means images, a column means a table",
                    task.as_str()
                );
            }
            let options = RoundOptions {
                target,
                strategy,
                batch,
                random_share,
                seed,
            };
            let fmt = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.4}"));
            let summary = triage_api::simulate(&path, &truth, &options, max_rounds, &|r| {
                // Progress lines; a closed pipe ends the run at the next say!.
                let _ = writeln!(
                    std::io::stdout().lock(),
                    "round {:>3}  human {:>5}  auto {:>5}  estimated {}  true {}",
                    r.round,
                    r.human_labels,
                    r.auto_labeled,
                    fmt(r.auto_accuracy_estimated),
                    fmt(r.auto_accuracy_true)
                );
            })
            .with_context(|| format!("simulating on {}", path.display()))?;
            if json {
                let mut value = serde_json::to_value(&summary)?;
                if let Some(obj) = value.as_object_mut() {
                    obj.remove("per_round");
                }
                say!("{}", serde_json::to_string(&value)?);
            } else {
                say!(
                    "{} items: {} human labels, {} auto-labeled ({:.1}%), true accuracy {}",
                    summary.items,
                    summary.human_labels,
                    summary.auto_labeled,
                    100.0 * summary.auto_labeled as f64 / summary.items.max(1) as f64,
                    fmt(summary.auto_accuracy_true)
                );
            }
        }
        Command::Profile {
            path,
            json,
            html,
            label,
            kinds,
        } => {
            let options = triage_api::ProfileOptions {
                kinds: kinds.into_iter().collect(),
                label_column: label,
            };
            // Errors already name the file and the position.
            let profile = triage_api::profile_path(&path, &options)?;
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
                say!(
                    "{}: {} rows, {} columns, {} duplicate rows",
                    profile.source,
                    profile.rows,
                    profile.columns.len(),
                    profile.dataset.duplicate_rows
                );
                for c in &profile.columns {
                    say!(
                        "  {:<24} {:<16} missing {:>8}  distinct {:>8}",
                        c.name,
                        c.kind.name(),
                        c.missing,
                        c.distinct
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
        }
        Command::Share {
            dir,
            to,
            annotators,
            overlap,
            audit,
            seed,
            json,
            s3,
        } => {
            let options = triage_api::ShareOptions {
                annotators,
                overlap,
                audit,
                seed,
                lake: s3.lake(),
            };
            let summary = open(&dir)?
                .share(&to, &options)
                .with_context(|| format!("sharing to {to}"))?;
            if json {
                return print_json(&summary);
            }
            say!(
                "{} task set {} at {}: {} items, {} for everyone; {} images uploaded",
                if summary.already_published {
                    "already published:"
                } else {
                    "published"
                },
                summary.id,
                summary.url,
                summary.items,
                summary.audit,
                summary.images_uploaded
            );
            for (who, n) in &summary.per_annotator {
                say!("  {who}: {n} items");
            }
        }
        Command::Join {
            url,
            dir,
            annotator,
            json,
            s3,
        } => {
            let (_, summary) = Project::join(&url, &dir, &annotator, &s3.lake(), at)
                .with_context(|| format!("joining {url}"))?;
            for problem in &summary.problems {
                eprintln!("problem: {problem}");
            }
            if json {
                return print_json(&summary);
            }
            say!(
                "joined as {} in {}: {} items to label ({} for everyone)",
                summary.annotator,
                summary.dir,
                summary.items,
                summary.audit
            );
        }
        Command::Push { dir, json, s3 } => {
            let summary = open(&dir)?.push(&s3.lake())?;
            if json {
                return print_json(&summary);
            }
            match &summary.url {
                Some(url) => say!("pushed {} events to {url}", summary.events),
                None => say!("nothing new to push"),
            }
        }
        Command::Pull { dir, json, s3 } => {
            let summary = open(&dir)?.pull(&s3.lake())?;
            for problem in &summary.problems {
                eprintln!("skipped: {problem}");
            }
            if json {
                return print_json(&summary);
            }
            say!(
                "pulled {} pushes: {} events added, {} already here, {} skipped",
                summary.objects,
                summary.added,
                summary.already,
                summary.problems.len()
            );
        }
        Command::Consolidate { dir, method, json } => {
            let method: triage_api::ConsolidationMethod = method.parse()?;
            let summary = open(&dir)?.consolidate(method, triage_api::now())?;
            if json {
                print_json(&summary)?;
            } else {
                say!(
                    "{} items answered by two people or more ({} in disagreement); {} consolidated labels written ({})",
                    summary.items,
                    summary.disagreements,
                    summary.written,
                    method.as_str()
                );
            }
        }
        Command::Agreement { dir, json } => {
            let a = Project::open_read_only(&dir)?.agreement()?;
            if json {
                print_json(&a)?;
            } else {
                let num = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.3}"));
                say!(
                    "{} items answered by two people or more; Fleiss' kappa {}, Krippendorff's alpha {}",
                    a.items_with_several,
                    num(a.fleiss_kappa),
                    num(a.krippendorff_alpha)
                );
                for p in &a.annotators {
                    say!(
                        "  {:<20} {:>7} answers  estimated accuracy {}",
                        p.annotator,
                        p.answers,
                        num(p.estimated_accuracy)
                    );
                }
                for p in &a.pairs {
                    say!(
                        "  {} / {}: {} shared, Cohen's kappa {}",
                        p.a,
                        p.b,
                        p.shared,
                        num(p.cohen_kappa)
                    );
                }
                say!("{} items in disagreement", a.disagreements.len());
            }
        }
        Command::Explore { args } => {
            // A separate program, so the CLI carries no GUI toolkit.
            let name = format!("triage-explore{}", std::env::consts::EXE_SUFFIX);
            let beside = std::env::current_exe()?.with_file_name(&name);
            let program = if beside.is_file() {
                beside
            } else {
                PathBuf::from(&name)
            };
            let status = std::process::Command::new(&program)
                .args(&args)
                .status()
                .with_context(|| format!("cannot start {}", program.display()))?;
            if !status.success() {
                bail!("{} failed ({status})", program.display());
            }
        }
        Command::Export {
            dir,
            to,
            format,
            labeled_only,
            human_only,
            min_confidence,
            split,
            split_seed,
            copy_images,
            answers,
            s3,
            export_id,
        } => {
            let formats = format
                .iter()
                .map(|f| f.parse::<ExportFormat>())
                .collect::<Result<Vec<_>, _>>()?;
            let split = match split[..] {
                [] => None,
                [train, validation, test] => Some(Split {
                    train,
                    validation,
                    test,
                    seed: split_seed,
                }),
                _ => anyhow::bail!("--split takes three shares: train,validation,test"),
            };
            let mut project = open(&dir)?;
            let bar = bar("exporting");
            let summary = project
                .export(
                    &to,
                    &ExportOptions {
                        formats,
                        labeled_only,
                        human_only,
                        min_confidence,
                        split,
                        lake: s3.lake(),
                        export_id,
                        copy_images,
                        answers,
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
