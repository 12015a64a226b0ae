//! `triage consolidate`: Merge the answers of items several people labeled into one
//! `consolidated` label each, with its confidence.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use triage_api::{ConsolidationMethod, Timestamp};

use crate::{open, print_json};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder.
    pub dir: PathBuf,
    /// em: Dawid–Skene, weighing each person by their reliability;
    /// one-coin: the same with one accuracy per person (thin overlap);
    /// majority: the most frequent answer.
    #[arg(long, default_value = "em", value_parser = method_choices())]
    pub method: ConsolidationMethod,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args { dir, method, json } = args;
    let summary = open(&dir)?.consolidate(method, at)?;
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
    Ok(())
}

fn method_choices() -> impl clap::builder::TypedValueParser<Value = ConsolidationMethod> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["em", "one-coin", "majority"])
        .try_map(|s| s.parse::<ConsolidationMethod>())
}
