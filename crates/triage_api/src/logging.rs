//! Logs for every shell: `tracing` to stderr (warnings by default, more
//! with `-v` or `RUST_LOG`), and for the desktop app and the explorer also to
//! a file in the user's data folder, rotated by size, where a panic is
//! written with its backtrace before the program ends. Nothing logged
//! holds a secret or a file's contents: credentials never reach this crate,
//! and events name files and counts only.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// A log file grows to this size before it is rotated.
pub const LOG_MAX_BYTES: u64 = 5 << 20;
/// Rotated files kept beside the current one (`.1` is the newest).
pub const LOG_KEEP: usize = 3;

/// The log file of `program` (`triage-desktop`, `triage-explore`).
pub fn log_file(program: &str) -> PathBuf {
    crate::user_data_dir()
        .join("logs")
        .join(format!("{program}.log"))
}

/// Events for the log file alone: the program reports them on stderr
/// itself.
const FILE_ONLY: &str = "failure";

/// Our crates' events at `level`; other crates' (winit, wgpu, …) only from
/// `floor` up, so their chatter stays out.
fn ours_at(level: LevelFilter, floor: LevelFilter) -> Targets {
    Targets::new()
        .with_default(floor.min(level))
        .with_target("triage", level)
}

/// What stderr shows: `RUST_LOG` when set and readable (`info`,
/// `triage_api=debug,warn`), else our warnings, or more per `-v`.
fn stderr_filter(verbosity: u8) -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| Targets::from_str(&v).ok())
        .unwrap_or_else(|| {
            let level = match verbosity {
                0 => LevelFilter::WARN,
                1 => LevelFilter::INFO,
                2 => LevelFilter::DEBUG,
                _ => LevelFilter::TRACE,
            };
            ours_at(level, LevelFilter::ERROR)
        })
        .with_target(FILE_ONLY, LevelFilter::OFF)
}

/// Starts logging for `program`; with `file` (its [`log_file`], for the
/// app and the explorer), also there at `info`, and panics are written
/// there; returns the file. One that cannot be opened leaves logging to
/// stderr alone, with a warning: a log must never stop the program.
pub fn init(program: &str, verbosity: u8, file: Option<&Path>) -> Option<PathBuf> {
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        // Colours only for a person: a redirect or a pipe gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_filter(stderr_filter(verbosity));
    let opened = file
        .map(|path| RotatingFile::open(path, LOG_MAX_BYTES, LOG_KEEP))
        .transpose();
    let (writer, failed) = match opened {
        Ok(f) => (f, None),
        Err(e) => (None, Some(e)),
    };
    let file_layer = writer.map(|f| {
        tracing_subscriber::fmt::layer()
            .with_writer(Mutex::new(f))
            .with_ansi(false)
            .with_filter(ours_at(LevelFilter::INFO, LevelFilter::WARN))
    });
    // A second init (tests, an embedding shell) keeps the first.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    let path = file?;
    if let Some(e) = failed {
        tracing::warn!("no log file at {}: {e}", path.display());
        return None;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!("panic: {info}\n{backtrace}");
        previous(info);
    }));
    tracing::info!(
        "{program} {} started on {} {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    Some(path.to_owned())
}

/// Writes the error that ends a program to the log (stderr shows it
/// anyway, through the program's own report).
pub fn record_failure(error: &(dyn std::error::Error + 'static)) {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    tracing::error!(target: FILE_ONLY, "{message}");
}

/// A log file that moves itself aside when it would grow past its limit:
/// `x.log` becomes `x.log.1`, `x.log.1` becomes `x.log.2`, and so on up to
/// `keep` files; the oldest is dropped.
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    max: u64,
    keep: usize,
}

impl RotatingFile {
    /// Opens (or creates) `path` for appending, and its folder.
    pub fn open(path: &Path, max: u64, keep: usize) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path: path.to_owned(),
            file,
            size,
            max,
            keep,
        })
    }

    fn aside(&self, n: usize) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        let _ = std::fs::remove_file(self.aside(self.keep));
        for n in (1..self.keep).rev() {
            let from = self.aside(n);
            if from.exists() {
                std::fs::rename(&from, self.aside(n + 1))?;
            }
        }
        // Windows cannot rename a file that is open: close it first.
        let placeholder = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.aside(0))?;
        drop(std::mem::replace(&mut self.file, placeholder));
        std::fs::rename(&self.path, self.aside(1))?;
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let _ = std::fs::remove_file(self.aside(0));
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.max {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_moves_aside_and_only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join("app.log");
        let mut log = RotatingFile::open(&path, 100, 2).unwrap();
        // One write per line, as the formatter writes each event: 40 bytes
        // each, so two fit in 100 and the third rotates.
        let line = |i: u32| format!("{i:039}\n").into_bytes();
        for i in 0..10 {
            log.write_all(&line(i)).unwrap();
        }
        drop(log);
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let mut names = names;
        names.sort();
        assert_eq!(names, ["app.log", "app.log.1", "app.log.2"]);
        assert!(read(&path).starts_with(&format!("{:039}", 8)));
        assert!(
            read(&PathBuf::from(format!("{}.1", path.display())))
                .starts_with(&format!("{:039}", 6))
        );
        assert!(
            read(&PathBuf::from(format!("{}.2", path.display())))
                .starts_with(&format!("{:039}", 4))
        );
        // Reopened, it appends, and rotates by the size it finds.
        let mut log = RotatingFile::open(&path, 100, 2).unwrap();
        log.write_all(&line(10)).unwrap();
        assert!(read(&path).starts_with(&format!("{:039}", 10)));
    }
}
