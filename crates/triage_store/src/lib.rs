//! The project file: one SQLite database per project, and the only crate that
//! speaks SQL.
//!
//! Durability comes first, because a label that was shown as saved must never
//! be lost: the journal is WAL with `synchronous=FULL`, every write runs in a
//! `BEGIN IMMEDIATE` transaction (so writers queue on the busy timeout instead
//! of failing half-way), and a write returns only after its commit.
//!
//! Annotations are append-only events. Each item's current label is derived
//! from its events by [`triage_core::current_label`] and cached on the item's
//! row in the same transaction that appends the event, so the labeling queue
//! is one indexed lookup even at a million items. The cache can always be
//! rebuilt from the events ([`Store::rebuild_current_labels`]).
//!
//! The schema is versioned with `PRAGMA user_version`; [`migrate`] brings an
//! older file forward when it is opened.

mod learning;
mod migrate;
mod sharing;
mod store;

pub use learning::{ModelRecord, RoundApplied, RoundRecord, SnapshotItem, SpotCheckCounts};
pub use migrate::{LATEST_VERSION, migrate_to};
pub use sharing::MergeOutcome;
pub use store::{
    ExportRecord, ImportedLabel, LabelCounts, NewAnnotation, NewItem, ReviewState, SourceKind,
    SpotCheck, Store,
};
pub use triage_core::{ItemKind, ItemRow};

/// Errors from the project file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused an operation.
    #[error("project database: {0}")]
    Sqlite(rusqlite::Error),
    /// The disk holding the project filled up; the write was rolled back.
    #[error(
        "the disk holding the project is full: free some space and try again \
         (everything saved before is kept)"
    )]
    DiskFull,
    /// The project file cannot be written where it is.
    #[error(
        "the project is read-only here (a read-only disk, folder or file): it can be \
         opened to look, profile and export, not to label, import or train; copy it \
         to a folder you can write to"
    )]
    ReadOnly,
    /// A domain rule was broken.
    #[error(transparent)]
    Core(#[from] triage_core::Error),
    /// The file was written by a newer Triage.
    #[error("{path}: schema version {found} is newer than this Triage supports ({supported})")]
    TooNew {
        /// The database file.
        path: String,
        /// Its `user_version`.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The file is not a Triage project.
    #[error("{path}: not a Triage project ({reason})")]
    NotAProject {
        /// The database file.
        path: String,
        /// Why.
        reason: String,
    },
    /// An item id that the project does not have.
    #[error("no item with id {0}")]
    NoSuchItem(i64),
    /// A stored value that cannot be read back.
    #[error("corrupt value in the project file: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for Error {
    /// A full disk and a read-only file are the user's to fix, so they get
    /// errors of their own that say how.
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Self::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly) => Self::ReadOnly,
            _ => Self::Sqlite(e),
        }
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
