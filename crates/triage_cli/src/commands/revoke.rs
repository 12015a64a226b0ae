//! `triage revoke`: Take back every current auto-label of one model version.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use triage_api::Timestamp;

use crate::open;

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// The model version whose auto-labels to take back (`triage status`
    /// shows the latest).
    #[arg(long)]
    pub model_version: i64,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args { dir, model_version } = args;
    let n = open(&dir)?.revoke_model(model_version, at)?;
    say!("revoked {n} auto-labels of model {model_version}");
    Ok(())
}
