//! `triage queue`: Show the next items that need a person.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::{open, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// How many items to list.
    #[arg(long, default_value_t = 10)]
    pub n: usize,
    /// Print the items as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let Args { dir, n, json } = args;
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
    Ok(())
}
