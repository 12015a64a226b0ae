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
    Sqlite(#[from] rusqlite::Error),
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

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
