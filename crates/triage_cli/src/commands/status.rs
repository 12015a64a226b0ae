//! `triage status`: Show the project's task, classes and label counts.

use std::io::Write;

use anyhow::Result;

use crate::{open, print_json};

pub use super::ProjectArgs as Args;

pub fn run(args: Args) -> Result<()> {
    let Args { dir, json } = args;
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
        match m.pinned {
            Some(family) => say!("  family pinned to {}", family.as_str()),
            None => say!(
                "  chosen by held-out log-loss (calibrated; the plainest within one standard error of the best):"
            ),
        }
        for c in &m.candidates {
            say!(
                "  {} {:<22} log-loss {:.4}  accuracy {:.3}  calibration {}",
                if c.chosen { "*" } else { " " },
                c.algorithm,
                c.score,
                c.accuracy,
                c.calibration.as_str()
            );
        }
        if !m.skipped.is_empty() {
            say!("  skipped for time: {}", m.skipped.join(", "));
        }
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
    Ok(())
}
