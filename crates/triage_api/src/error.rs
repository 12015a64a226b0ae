//! The one error type of every use case, with a stable `code` per kind so
//! shells match on codes, never on messages. Reads, calls and writes
//! nothing.

use serde::ser::SerializeStruct;

/// Errors from a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project file refused an operation.
    #[error(transparent)]
    Store(#[from] triage_store::Error),
    /// A domain rule was broken (an unknown class, a bad schema).
    #[error(transparent)]
    Core(#[from] triage_core::Error),
    /// An export could not be written.
    #[error(transparent)]
    Export(#[from] triage_lake::Error),
    /// Training, scoring or features failed.
    #[error(transparent)]
    Learn(triage_learn::Error),
    /// A profile or a chart could not be made.
    #[error(transparent)]
    Profile(triage_profile::Error),
    /// An embedding model could not be used.
    #[error(transparent)]
    Model(#[from] triage_embed::Error),
    /// No item in the project answers to this key.
    #[error("no item '{0}' in this project")]
    ItemNotFound(String),
    /// The request itself is not usable.
    #[error("{0}")]
    Invalid(String),
    /// An export fails the project's gates and no reason to override them
    /// was given.
    #[error("the export fails {} of the project's gates (an override with a reason exports anyway):\n{}", .0.len(), .0.iter().map(|f| format!("  {}: {}", f.gate, f.message)).collect::<Vec<_>>().join("\n"))]
    GatesFailed(Vec<crate::GateFailure>),
    /// A long operation was cancelled.
    #[error("cancelled")]
    Cancelled,
    /// A file or folder could not be used.
    #[error("{path}: {reason}")]
    Path {
        /// The file or folder.
        path: String,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// A stable code a UI can match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(triage_store::Error::NoSuchItem(_)) => "item_not_found",
            Self::Store(triage_store::Error::NotAProject { .. }) => "not_a_project",
            Self::Store(triage_store::Error::TooNew { .. }) => "project_too_new",
            Self::Store(triage_store::Error::DiskFull) => "disk_full",
            Self::Store(triage_store::Error::ReadOnly) => "read_only",
            Self::Store(_) => "store",
            Self::Core(triage_core::Error::UnknownClass(_)) => "unknown_class",
            Self::Core(triage_core::Error::Boxes(_)) => "invalid_boxes",
            Self::Core(_) => "invalid_schema",
            Self::Export(_) => "export",
            Self::Learn(triage_learn::Error::NotEnoughLabels(_)) => "not_enough_labels",
            Self::Learn(triage_learn::Error::Cancelled) => "cancelled",
            Self::Learn(_) => "learn",
            Self::Profile(_) => "profile",
            Self::Model(triage_embed::Error::File { .. }) => "model_file",
            Self::Model(_) => "model",
            Self::ItemNotFound(_) => "item_not_found",
            Self::Invalid(_) => "invalid_request",
            Self::Path { .. } => "path",
            Self::GatesFailed(_) => "gates_failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Serialises as `{"code": ..., "message": ...}` for shells.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
