//! `triage init`: Create a project in DIR.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use triage_api::{CreateOptions, Project, TaskKind, Timestamp};

#[derive(clap::Args)]
pub struct Args {
    /// The project folder to create (it must not hold a project yet).
    pub dir: PathBuf,
    /// What each item is and what its label holds.
    #[arg(long, value_parser = super::one_of(TaskKind::ALL, TaskKind::as_str))]
    pub task: TaskKind,
    /// The class names, comma-separated, in index order.
    #[arg(long, value_delimiter = ',', required = true)]
    pub classes: Vec<String>,
    /// Each class's key in the app, comma-separated, in class order
    /// (default: 1-9, then 0).
    #[arg(long, value_delimiter = ',')]
    pub hotkeys: Vec<char>,
    /// The Ground Truth job name (default: the folder's name).
    #[arg(long)]
    pub job_name: Option<String>,
    /// The Ground Truth label attribute (default: label).
    #[arg(long)]
    pub attribute: Option<String>,
    /// A registered embedding model (`triage models list`) whose vectors
    /// the rounds learn from, instead of the built-in features.
    #[arg(long)]
    pub embedding: Option<String>,
}

pub fn run(args: Args, at: Timestamp) -> Result<()> {
    let Args {
        dir,
        task,
        classes,
        hotkeys,
        job_name,
        attribute,
        embedding,
    } = args;
    let options = CreateOptions {
        task,
        classes,
        hotkeys: hotkeys.into_iter().map(Some).collect(),
        job_name,
        attribute,
    };
    let mut project = Project::create(&dir, &options, at)
        .with_context(|| format!("creating a project in {}", dir.display()))?;
    if let Some(name) = &embedding {
        // Nothing is imported yet: this records the model and checks it.
        project
            .use_model(name, &std::sync::atomic::AtomicBool::new(false), &|_, _| {})
            .with_context(|| format!("choosing the embedding model '{name}'"))?;
    }
    let status = project.status()?;
    say!(
        "created {} project in {} with {} classes (job {}, attribute {})",
        task.as_str(),
        dir.display(),
        status.classes.len(),
        status.job_name,
        status.attribute
    );
    Ok(())
}
