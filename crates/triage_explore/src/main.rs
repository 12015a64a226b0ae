//! `triage-explore [PATH]`: the native explorer on a project folder, a
//! table file or a Ground Truth manifest.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let path = args.next().map(std::path::PathBuf::from);
    if path.as_ref().is_some_and(|p| p == "--help" || p == "-h") {
        println!(
            "usage: triage-explore [PATH]\n\nBrowse a Triage project folder (read-only), a CSV, \
             Parquet or JSON Lines table, or a Ground Truth manifest.\n\nKeys: 1-4 views (grid, \
             table, profile, map), arrows or j/k move, Page Up/Down, Home/End, Enter opens an \
             item, Esc closes it, / searches the table."
        );
        return Ok(());
    }
    triage_explore::run(path)
}
