//! `triage gates`: The conditions an export must meet before labels leave
//! the project.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::Gates;

use crate::open;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand)]
pub enum Action {
    /// Replace the project's gates with the ones given (any not given is
    /// unset). An export that fails one is refused unless it is given
    /// `--override "reason"`, which the export records.
    Set {
        /// The project folder.
        dir: PathBuf,
        #[command(flatten)]
        gates: GateArgs,
    },
    /// Show the project's gates.
    Show {
        /// The project folder.
        dir: PathBuf,
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unset every gate.
    Clear {
        /// The project folder.
        dir: PathBuf,
    },
}

/// The gates as flags.
#[derive(clap::Args)]
pub struct GateArgs {
    /// People's spot checks confirmed at least this share of the
    /// auto-labels (checked when the export holds auto-labels).
    #[arg(long, value_name = "SHARE")]
    min_spot_check_accuracy: Option<f64>,
    /// The audit set estimates the auto-labels' accuracy at least this
    /// (checked when the export holds auto-labels).
    #[arg(long, value_name = "SHARE")]
    min_estimated_accuracy: Option<f64>,
    /// At most N disagreements between people wait for a review.
    #[arg(long, value_name = "N")]
    max_open_disagreements: Option<u64>,
    /// Krippendorff's alpha over items several people answered is at
    /// least this.
    #[arg(long, value_name = "ALPHA")]
    min_agreement: Option<f64>,
    /// The export's largest class has at most this many times the labels
    /// of its smallest.
    #[arg(long, value_name = "RATIO")]
    max_imbalance_ratio: Option<f64>,
    /// The project's profile raises no drift alert.
    #[arg(long)]
    no_drift_alerts: bool,
}

impl From<GateArgs> for Gates {
    fn from(a: GateArgs) -> Self {
        Self {
            min_spot_check_accuracy: a.min_spot_check_accuracy,
            min_estimated_accuracy: a.min_estimated_accuracy,
            max_open_disagreements: a.max_open_disagreements,
            min_agreement: a.min_agreement,
            max_imbalance_ratio: a.max_imbalance_ratio,
            no_drift_alerts: a.no_drift_alerts,
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    match args.action {
        Action::Set { dir, gates } => {
            let gates = Gates::from(gates);
            open(&dir)?
                .set_gates(&gates)
                .with_context(|| format!("setting the gates of {}", dir.display()))?;
            print(&gates)?;
        }
        Action::Show { dir, json } => {
            let gates = open(&dir)?.gates()?;
            if json {
                crate::print_json(&gates)?;
            } else {
                print(&gates)?;
            }
        }
        Action::Clear { dir } => {
            open(&dir)?.set_gates(&Gates::default())?;
            say!("no gates");
        }
    }
    Ok(())
}

/// The gates, one per line, as their flags.
fn print(gates: &Gates) -> Result<()> {
    if !gates.any() {
        say!("no gates");
        return Ok(());
    }
    let lines = [
        ("min-spot-check-accuracy", gates.min_spot_check_accuracy),
        ("min-estimated-accuracy", gates.min_estimated_accuracy),
        (
            "max-open-disagreements",
            gates.max_open_disagreements.map(|n| n as f64),
        ),
        ("min-agreement", gates.min_agreement),
        ("max-imbalance-ratio", gates.max_imbalance_ratio),
    ];
    for (name, value) in lines {
        if let Some(v) = value {
            say!("{name} {v}");
        }
    }
    if gates.no_drift_alerts {
        say!("no-drift-alerts");
    }
    Ok(())
}
