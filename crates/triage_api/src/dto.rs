//! What use cases return: plain serialisable values, shaped for shells.
//!
//! Reads nothing and writes nothing: built from the store's rows and the
//! schema. Their TypeScript twins are generated (`ui/src/lib/bindings.ts`).

use serde::Serialize;
use triage_core::{
    Annotation, AnnotationSource, BoundingBox, ItemKind, ItemRow, Label, LabelSchema, TaskKind,
    Timestamp,
};
use triage_data::Problem;
use triage_store::LabelCounts;

/// A class as shells show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ClassDto {
    /// Its index, which Ground Truth writes as the label value.
    pub index: u32,
    /// Its name.
    pub name: String,
    /// The key that applies it.
    pub hotkey: Option<char>,
    /// Its CSS colour.
    pub colour: String,
}

impl ClassDto {
    /// Classes known only by name (a table's or a manifest's), in the
    /// colours a schema would give them.
    pub(crate) fn named(names: &[String]) -> Vec<Self> {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| Self {
                index: i as u32,
                name: name.clone(),
                hotkey: None,
                colour: triage_core::default_colour(i).to_owned(),
            })
            .collect()
    }

    pub(crate) fn all(schema: &LabelSchema) -> Vec<Self> {
        schema
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| Self {
                index: i as u32,
                name: c.name.clone(),
                hotkey: c.hotkey,
                colour: c.colour.clone(),
            })
            .collect()
    }
}

/// A project at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Status {
    /// The project folder.
    pub dir: String,
    /// The task.
    pub task: TaskKind,
    /// Whether each item's label is a set of classes.
    pub multilabel: bool,
    /// Whether the items are images (else table rows).
    pub images: bool,
    /// The export formats that can hold this task's labels.
    pub export_formats: Vec<triage_lake::ExportFormat>,
    /// The classes.
    pub classes: Vec<ClassDto>,
    /// The Ground Truth job name.
    pub job_name: String,
    /// The Ground Truth label attribute.
    pub attribute: String,
    /// Items by the source of their current label.
    pub counts: LabelCounts,
    /// The same, for each class, in class order.
    pub per_class: Vec<LabelCounts>,
    /// Who labels in this project; the app asks once when it is unset.
    pub annotator: Option<String>,
    /// The team share it belongs to, if any.
    pub share: Option<crate::ShareInfo>,
}

/// A label as shells show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LabelDto {
    /// The item.
    pub item: i64,
    /// The event that gives it.
    pub event: i64,
    /// What it says: `class`, `classes` or `boxes`, side by side with the
    /// other fields.
    #[serde(flatten)]
    pub value: Label,
    /// The class name, the set's names, or how many boxes.
    pub class_name: String,
    /// Who gave it.
    pub source: AnnotationSource,
    /// The person.
    pub annotator: Option<String>,
    /// The model's confidence.
    pub confidence: Option<f64>,
    /// When.
    #[ts(type = "string")]
    pub at: Timestamp,
}

impl LabelDto {
    /// The label an event gives, or `None` for an undo.
    pub(crate) fn from_event(event: &Annotation, schema: &LabelSchema) -> Option<Self> {
        let value = event.label.clone()?;
        Some(Self {
            item: event.item,
            event: event.id,
            class_name: value.describe(schema),
            value,
            source: event.source,
            annotator: event.annotator.clone(),
            confidence: event.confidence,
            at: event.at,
        })
    }

    /// The class index, for a single-class label.
    pub fn class(&self) -> Option<u32> {
        self.value.class()
    }

    /// The class set, for a multi-label answer.
    pub fn classes(&self) -> Option<&[u32]> {
        self.value.classes()
    }

    /// The boxes, for detection.
    pub fn boxes(&self) -> Option<&[BoundingBox]> {
        self.value.boxes()
    }
}

/// An item as shells show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ItemDto {
    /// Its id.
    pub id: i64,
    /// `image`, `row` or `text`.
    pub kind: ItemKind,
    /// The image's path or URI.
    pub uri: Option<String>,
    /// The table's id value.
    pub external_id: Option<String>,
    /// Its row in its table.
    pub row_index: Option<i64>,
    /// Image width.
    pub width: Option<u32>,
    /// Image height.
    pub height: Option<u32>,
    /// The cached thumbnail, when one was made.
    pub thumbnail: Option<String>,
    /// The local file to show: the image itself, or for an `s3://` image
    /// its copy in the project's cache.
    pub image: Option<String>,
    /// A row's values, or the manifest line it came from.
    pub payload: Option<serde_json::Value>,
    /// A text item's text.
    pub text: Option<String>,
    /// Its current label.
    pub label: Option<LabelDto>,
}

impl ItemDto {
    pub(crate) fn new(row: ItemRow, schema: &LabelSchema, thumbs_dir: &std::path::Path) -> Self {
        let thumbnail = (row.kind == ItemKind::Image)
            .then(|| triage_data::image_file::thumbnail_path(thumbs_dir, &row.content_hash))
            .filter(|p| p.is_file())
            .map(|p| p.display().to_string());
        let label = row
            .label
            .as_ref()
            .and_then(|l| LabelDto::from_event(l, schema));
        let image = match (&row.kind, &row.uri) {
            (ItemKind::Image, Some(uri)) if uri.starts_with("s3://") => {
                crate::layout::s3_cache_path(thumbs_dir, uri)
                    .filter(|p| p.is_file())
                    .map(|p| p.display().to_string())
            }
            (ItemKind::Image, Some(uri)) => Some(uri.clone()),
            _ => None,
        };
        let text = row.text();
        Self {
            id: row.id,
            kind: row.kind,
            uri: row.uri,
            external_id: row.external_id,
            row_index: row.row_index,
            width: row.width,
            height: row.height,
            thumbnail,
            image,
            text,
            payload: row.payload.and_then(|p| serde_json::from_str(&p).ok()),
            label,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ImportReport {
    /// What was imported.
    pub path: String,
    /// What kind of source it was.
    pub kind: triage_store::SourceKind,
    /// Items added.
    pub added: u64,
    /// Items that were already in the project and left alone.
    pub already_present: u64,
    /// Items added with a label that came with them.
    pub labeled: u64,
    /// Everything skipped, with its file, position and reason.
    pub problems: Vec<Problem>,
}
