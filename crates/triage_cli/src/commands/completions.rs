//! `triage completions` and `triage man`: shell completions and the man
//! page, generated from the same definitions as `--help`.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script for `shell`, to be sourced by it.
pub fn run(args: Args) -> Result<()> {
    let mut cmd = crate::Cli::command();
    clap_complete::generate(
        args.shell,
        &mut cmd,
        "triage",
        &mut std::io::stdout().lock(),
    );
    Ok(())
}

/// Prints the man page (roff), for `man -l -` or `/usr/share/man/man1`.
pub fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(crate::Cli::command()).render(&mut page)?;
    std::io::stdout().lock().write_all(&page)?;
    Ok(())
}
