//! One module per subcommand: its arguments and the function that runs it.

pub mod agreement;
pub mod completions;
pub mod consolidate;
pub mod explore;
pub mod export;
pub mod features;
pub mod gates;
pub mod import;
pub mod init;
pub mod join;
pub mod label;
pub mod models;
pub mod profile;
pub mod pull;
pub mod push;
pub mod queue;
pub mod review;
pub mod revoke;
pub mod share;
pub mod simulate;
pub mod status;
pub mod train;
pub mod undo;

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use triage_api::{Family, RoundOptions, Strategy};

use crate::S3Args;

/// A project folder, and whether to print JSON.
#[derive(clap::Args)]
pub struct ProjectArgs {
    /// The project folder.
    pub dir: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A shared project, how to reach its lake, and whether to print JSON:
/// what `push` and `pull` take.
#[derive(clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub s3: S3Args,
}

/// A round's settings, for `train` and `simulate`; the defaults are the API's.
#[derive(clap::Args)]
pub struct RoundArgs {
    /// The accuracy auto-labels must reach (95% lower confidence bound).
    #[arg(long, default_value_t = RoundOptions::default().target)]
    pub target: f64,
    /// How the next batch is chosen: the most uncertain items by this
    /// measure, or at random.
    #[arg(long, default_value_t = RoundOptions::default().strategy,
          value_parser = one_of(Strategy::ALL, Strategy::as_str))]
    pub strategy: Strategy,
    /// The size of the next human batch.
    #[arg(long, default_value_t = RoundOptions::default().batch)]
    pub batch: usize,
    /// The share of each batch drawn at random for the audit set.
    #[arg(long, default_value_t = RoundOptions::default().random_share)]
    pub random_share: f64,
    /// Fixes the random draws (audit picks, the order of the queue).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The model family; auto lets cross-validation choose among them all.
    #[arg(long, default_value = "auto", value_parser = model_choices())]
    pub model: ModelChoice,
}

/// `--model`: one family, or none for auto. (A newtype, because clap reads
/// an `Option` field as a flag that may be left out.)
#[derive(Clone, Copy)]
pub struct ModelChoice(Option<Family>);

fn model_choices() -> impl clap::builder::TypedValueParser<Value = ModelChoice> {
    let names = std::iter::once("auto").chain(Family::ALL.map(Family::as_str));
    clap::builder::PossibleValuesParser::new(names).try_map(|s| match s.as_str() {
        "auto" => Ok(ModelChoice(None)),
        other => other.parse::<Family>().map(|f| ModelChoice(Some(f))),
    })
}

/// Reads one of `all` by the name `name` gives it, through the type's own
/// parser; `--help` lists the names, and a wrong one is named with them.
pub(crate) fn one_of<T, const N: usize>(
    all: [T; N],
    name: fn(T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    clap::builder::PossibleValuesParser::new(all.map(name)).try_map(|s| s.parse::<T>())
}

impl From<RoundArgs> for RoundOptions {
    fn from(a: RoundArgs) -> Self {
        Self {
            target: a.target,
            strategy: a.strategy,
            batch: a.batch,
            random_share: a.random_share,
            seed: a.seed,
            model: a.model.0,
        }
    }
}
