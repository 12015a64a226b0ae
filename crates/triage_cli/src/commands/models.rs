//! `triage models`: Register a local embedding model, or list them.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand)]
pub enum Action {
    /// Check a model folder (config.json, model.safetensors and, for text,
    /// tokenizer.json) by loading it, and register it by the SHA-256 of its
    /// weights in your data folder (TRIAGE_DATA_DIR, else the platform's).
    Add {
        /// The model folder, in the Hugging Face layout.
        path: PathBuf,
        /// The name projects choose it by (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the registered models.
    List,
}

pub fn run(args: Args) -> Result<()> {
    match args.action {
        Action::Add { path, name } => {
            let info = triage_api::add_model(&path, name.as_deref())
                .with_context(|| format!("adding the model in {}", path.display()))?;
            say!(
                "added {} model '{}' ({} dimensions, weights sha256 {})",
                info.kind.as_str(),
                info.name,
                info.dims,
                &info.sha256[..12]
            );
        }
        Action::List => {
            let models = triage_api::list_models()?;
            if models.is_empty() {
                say!("no models: add one with `triage models add PATH --name NAME`");
            }
            for m in models {
                say!(
                    "{:<24} {:<6} {:>5} dims  sha256 {}  {}",
                    m.name,
                    m.kind.as_str(),
                    m.dims,
                    &m.sha256[..12],
                    m.path
                );
            }
        }
    }
    Ok(())
}
