//! `triage simulate`: Run the whole loop on data with known truth, with a simulated annotator.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::{RoundOptions, SimData, TaskKind, Truth};

#[derive(clap::Args)]
pub struct Args {
    /// An image or text folder with one subfolder per class, or a table.
    pub path: PathBuf,
    /// `folders`, or the table column that holds the truth.
    #[arg(long)]
    pub truth: String,
    /// The task: folders hold images (or texts with text-classification), a
    /// column's table rows (or texts with --text-column).
    #[arg(long, value_parser = super::one_of(TaskKind::ALL, TaskKind::as_str))]
    pub task: Option<TaskKind>,
    /// The table column that holds each row's text: the rows become texts.
    #[arg(long)]
    pub text_column: Option<String>,
    /// A registered embedding model to learn from (`triage models list`).
    #[arg(long)]
    pub embedding: Option<String>,
    #[command(flatten)]
    pub round: super::RoundArgs,
    /// Stop after this many rounds even if items are left.
    #[arg(long, default_value_t = 200)]
    pub max_rounds: u64,
    /// Print a JSON summary as the last line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let Args {
        path,
        truth,
        task,
        text_column,
        embedding,
        round,
        max_rounds,
        json,
    } = args;
    let data = SimData {
        embedding: embedding.as_deref(),
        ..SimData::new(&path, Truth::parse(&truth), task, text_column.as_deref())?
    };
    let options = RoundOptions::from(round);
    let fmt = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.4}"));
    let summary = triage_api::simulate(&data, &options, max_rounds, &|r| {
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
    Ok(())
}
