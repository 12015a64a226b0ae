//! Export formats and destinations: what leaves a project for the lake.
//!
//! Formats are written row by row from [`ItemRow`]s, so memory stays flat for
//! the text formats however large the project. Every file goes to a
//! temporary name, is flushed to disk, and is renamed into place; the
//! manifest is written last, so a reader that sees a manifest can trust that
//! everything it refers to is complete.
//!
//! Key types: [`ExportFormat`], [`GtManifestWriter`] (the Ground Truth
//! augmented manifest, field for field), [`csv_guard`], [`LocalFolder`] and
//! [`S3Publisher`], which publishes a finished export to S3 manifest-last.

mod boxes_out;
mod credentials;
mod csv_out;
pub mod glue;
mod gt_manifest;
mod local;
mod parquet_out;
mod s3;
pub mod share;
mod tables;

pub use boxes_out::{CocoBuilder, yolo_classes, yolo_label};
pub use csv_out::{CsvWriter, csv_guard};
pub use gt_manifest::{GtManifestWriter, ManifestSettings, boxes_of};
pub use local::{LocalFolder, WrittenFile, hash_file, sha256_hex};
pub use parquet_out::ParquetBuilder;
pub use s3::{Addressing, LakeAccess, S3Publisher, S3Target, fetch_objects};
pub use tables::{LakeObject, list_objects, polars_cloud_options};

use triage_core::{ItemRow, TaskKind};

/// Errors from writing an export.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// polars refused to build or write a table.
    #[error("Parquet export: {0}")]
    Parquet(String),
    /// A stored value cannot be exported.
    #[error("item {item}: {reason}")]
    Item {
        /// The item id.
        item: i64,
        /// Why.
        reason: String,
    },
    /// An export option is not usable.
    #[error("{0}")]
    Invalid(String),
    /// The object store refused or failed a request.
    #[error("{url}: {reason}")]
    Remote {
        /// The object's `s3://` address.
        url: String,
        /// Why, without credentials.
        reason: String,
    },
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// The formats Triage writes, named as [`ExportFormat::as_str`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// The SageMaker Ground Truth augmented manifest (JSON Lines).
    GtManifest,
    /// CSV, guarded against formula injection.
    Csv,
    /// Parquet, one row per item.
    Parquet,
    /// COCO JSON, for boxes.
    Coco,
    /// YOLO text files (a folder), for boxes.
    Yolo,
    /// The project's profile as JSON (schema `triage-profile/1`).
    ProfileJson,
    /// The project's profile as a self-contained HTML report.
    ProfileHtml,
}

impl ExportFormat {
    /// Every format, in the order shells list them.
    pub const ALL: [Self; 7] = [
        Self::GtManifest,
        Self::Parquet,
        Self::Csv,
        Self::Coco,
        Self::Yolo,
        Self::ProfileJson,
        Self::ProfileHtml,
    ];

    /// Why this format cannot hold a task's labels, or `None` when it can.
    pub fn unfit_for(self, task: TaskKind) -> Option<String> {
        let name = self.as_str();
        if task == TaskKind::ObjectDetection && self.is_class_only() {
            Some(format!(
                "{name} holds one class per item; boxes go out as gt-manifest, coco or yolo"
            ))
        } else if task.is_multilabel() && (self.is_class_only() || self.is_boxes_only()) {
            Some(format!(
                "{name} holds one class or boxes per item; sets of classes go out as gt-manifest"
            ))
        } else if task != TaskKind::ObjectDetection && !task.is_multilabel() && self.is_boxes_only()
        {
            Some(format!(
                "{name} holds boxes, and this project classifies: use gt-manifest, csv or parquet"
            ))
        } else {
            None
        }
    }

    /// The formats that can hold a task's labels.
    pub fn fitting(task: TaskKind) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|f| f.unfit_for(task).is_none())
            .collect()
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GtManifest => "gt-manifest",
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Coco => "coco",
            Self::Yolo => "yolo",
            Self::ProfileJson => "profile-json",
            Self::ProfileHtml => "profile-html",
        }
    }

    /// Whether the format holds boxes (object detection) only.
    pub fn is_boxes_only(self) -> bool {
        matches!(self, Self::Coco | Self::Yolo)
    }

    /// Whether the format holds one class per item (classification) only.
    pub fn is_class_only(self) -> bool {
        matches!(self, Self::Csv | Self::Parquet)
    }

    /// Whether the file describes the whole project (once per export, even
    /// with a split) rather than holding its items.
    pub fn is_profile(self) -> bool {
        matches!(self, Self::ProfileJson | Self::ProfileHtml)
    }

    /// The file name written in the destination.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::GtManifest => "output.manifest",
            Self::Csv => "labels.csv",
            Self::Parquet => "labels.parquet",
            Self::Coco => "coco.json",
            Self::Yolo => "yolo",
            Self::ProfileJson => "profile.json",
            Self::ProfileHtml => "profile.html",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "gt-manifest" => Ok(Self::GtManifest),
            "csv" => Ok(Self::Csv),
            "parquet" => Ok(Self::Parquet),
            "coco" => Ok(Self::Coco),
            "yolo" => Ok(Self::Yolo),
            "profile-json" => Ok(Self::ProfileJson),
            "profile-html" => Ok(Self::ProfileHtml),
            other => Err(Error::Invalid(format!(
                "unknown export format '{other}' (expected gt-manifest, csv, parquet, coco, \
                 yolo, profile-json or profile-html)"
            ))),
        }
    }
}

/// The flat columns shared by the CSV and Parquet exports, one row per item.
pub const TABLE_COLUMNS: [&str; 12] = [
    "id",
    "external_id",
    "source_ref",
    "row_index",
    "label",
    "class_index",
    "label_source",
    "annotator",
    "model_version",
    "confidence",
    "labeled_at",
    "time_spent_ms",
];

/// Where an item's data is, as a reference a reader can follow: the image's
/// path or URI, or `row N of FILE` (1-based) for a table row.
pub fn source_ref(item: &ItemRow) -> String {
    match (&item.uri, item.row_index) {
        (Some(uri), _) => uri.clone(),
        (None, Some(row)) => {
            let file = std::path::Path::new(&item.source_uri)
                .file_name()
                .map_or_else(
                    || item.source_uri.clone(),
                    |f| f.to_string_lossy().into_owned(),
                );
            format!("row {} of {file}", row + 1)
        }
        (None, None) => item.source_uri.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExportFormat::*;

    #[test]
    fn each_task_is_offered_the_formats_that_hold_its_labels() {
        let fitting = |t| ExportFormat::fitting(t);
        let profiles = [ProfileJson, ProfileHtml];
        assert_eq!(
            fitting(TaskKind::ImageClassification),
            [&[GtManifest, Parquet, Csv][..], &profiles].concat()
        );
        assert_eq!(
            fitting(TaskKind::ObjectDetection),
            [&[GtManifest, Coco, Yolo][..], &profiles].concat()
        );
        assert_eq!(
            fitting(TaskKind::RowMultilabel),
            [&[GtManifest][..], &profiles].concat()
        );
        assert!(Parquet.unfit_for(TaskKind::ObjectDetection).is_some());
        for f in ExportFormat::ALL {
            assert_eq!(f.as_str().parse::<ExportFormat>().ok(), Some(f));
        }
    }
}
