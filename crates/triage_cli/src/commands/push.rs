//! `triage push`: Upload the labels given in this joined project since the last push
//! (one create-only object; nothing new, nothing put).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::{S3Args, open, print_json};

#[derive(clap::Args)]
pub struct Args {
    pub dir: PathBuf,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

pub fn run(args: Args) -> Result<()> {
    let Args { dir, json, s3 } = args;
    let summary = open(&dir)?.push(&s3.lake())?;
    if json {
        return print_json(&summary);
    }
    match &summary.url {
        Some(url) => say!("pushed {} events to {url}", summary.events),
        None => say!("nothing new to push"),
    }
    Ok(())
}
