//! `triage explore`: Browse a project (read-only), a table or a Ground Truth manifest in
//! the native explorer (the `triage-explore` program beside this one):
//! PATH [--screenshot PNG [--view grid|table|profile|map] [--detail]].

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

#[derive(clap::Args)]
pub struct Args {
    /// The path, then options passed to the explorer as they are.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub args: Vec<std::ffi::OsString>,
}

pub fn run(args: Args) -> Result<()> {
    let Args { args } = args;
    // A separate program, so the CLI carries no GUI toolkit.
    let name = format!("triage-explore{}", std::env::consts::EXE_SUFFIX);
    let beside = std::env::current_exe()?.with_file_name(&name);
    let program = if beside.is_file() {
        beside
    } else {
        PathBuf::from(&name)
    };
    let status = std::process::Command::new(&program)
        .args(&args)
        .status()
        .with_context(|| format!("cannot start {}", program.display()))?;
    if !status.success() {
        bail!("{} failed ({status})", program.display());
    }
    Ok(())
}
