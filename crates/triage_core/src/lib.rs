//! Triage's domain: what an item, a label schema and an annotation event are,
//! and the rules that derive an item's current label from its events.
//!
//! Nothing here does I/O, so every rule can be tested with plain values and
//! every shell and store shares one definition of "the current label".
//! Annotations are append-only events ([`Annotation`]); an undo or a correction
//! is a new event, and [`current_label`] folds the events by precedence.
#![deny(missing_docs)]

mod annotation;
mod boxes;
mod item;
mod label;
mod report;
mod schema;
mod time;

pub use annotation::{
    Annotation, AnnotationId, AnnotationSource, CurrentLabel, SharedEvent, current_label,
};
pub use boxes::{BoundingBox, BoxesLabel, ImageSize};
pub use item::{ItemKind, ItemRow, TEXT_KEY, payload_text};
pub use label::{Label, LabelParts};
pub use report::{Problem, Report};
pub use schema::{ClassDef, LabelSchema, RESERVED_KEYS, TaskKind, default_colour};
pub use time::{Timestamp, format_gt_date};

/// Identifies an item within one project.
pub type ItemId = i64;

/// Errors from domain rules: a schema or value that breaks an invariant.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The label schema is not usable as given.
    #[error("invalid label schema: {0}")]
    Schema(String),
    /// A class name that the schema does not have.
    #[error("unknown class '{0}'")]
    UnknownClass(String),
    /// A task name that Triage does not support.
    #[error(
        "unknown task '{0}' (expected image-classification, image-multilabel, object-detection, row-classification, row-multilabel, text-classification or text-multilabel)"
    )]
    UnknownTask(String),
    /// An item kind that Triage does not know.
    #[error("unknown item kind '{0}'")]
    UnknownItemKind(String),
    /// A label source name that Triage does not know.
    #[error("unknown annotation source '{0}'")]
    UnknownSource(String),
    /// Boxes that do not fit their image or schema.
    #[error("invalid boxes: {0}")]
    Boxes(String),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
