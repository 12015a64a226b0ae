//! What use cases return: plain serialisable values, shaped for shells.

use serde::Serialize;
use triage_core::{
    Annotation, BoundingBox, BoxesLabel, ItemKind, ItemRow, LabelSchema, TaskKind, Timestamp,
};
use triage_data::Problem;
use triage_store::LabelCounts;

/// A class as shells show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The project folder.
    pub dir: String,
    /// The task.
    pub task: TaskKind,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelDto {
    /// The item.
    pub item: i64,
    /// The event that gives it.
    pub event: i64,
    /// The class index; `None` for boxes.
    pub class: Option<u32>,
    /// The class name, or how many boxes.
    pub class_name: String,
    /// The boxes, for detection, in image pixels.
    pub boxes: Option<Vec<BoundingBox>>,
    /// The class indices, for multi-label tasks (`[]`: none apply).
    pub classes: Option<Vec<u32>>,
    /// `human`, `model`, `import` or `consolidated`.
    pub source: String,
    /// The person.
    pub annotator: Option<String>,
    /// The model's confidence.
    pub confidence: Option<f64>,
    /// When.
    pub at: Timestamp,
}

impl LabelDto {
    /// The label an event gives, or `None` for an undo.
    pub(crate) fn from_event(event: &Annotation, schema: &LabelSchema) -> Option<Self> {
        let boxes = event
            .boxes
            .as_deref()
            .and_then(|b| serde_json::from_str::<BoxesLabel>(b).ok())
            .map(|b| b.annotations);
        let classes = event
            .classes
            .as_deref()
            .and_then(|c| triage_core::parse_class_set(c).ok());
        let class_name = match (event.class, &boxes, &classes) {
            (Some(class), _, _) => schema.name_of(class).unwrap_or("?").to_owned(),
            (None, Some(b), _) => {
                format!("{} box{}", b.len(), if b.len() == 1 { "" } else { "es" })
            }
            (None, None, Some(set)) if set.is_empty() => "none".to_owned(),
            (None, None, Some(set)) => set
                .iter()
                .map(|&c| schema.name_of(c).unwrap_or("?"))
                .collect::<Vec<_>>()
                .join(", "),
            (None, None, None) => return None,
        };
        Some(Self {
            item: event.item,
            event: event.id,
            class: event.class,
            class_name,
            boxes,
            classes,
            source: event.source.as_str().to_owned(),
            annotator: event.annotator.clone(),
            confidence: event.confidence,
            at: event.at,
        })
    }
}

/// An item as shells show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
                crate::project::s3_cache_path(thumbs_dir, uri)
                    .filter(|p| p.is_file())
                    .map(|p| p.display().to_string())
            }
            (ItemKind::Image, Some(uri)) => Some(uri.clone()),
            _ => None,
        };
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
            payload: row.payload.and_then(|p| serde_json::from_str(&p).ok()),
            label,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// What was imported.
    pub path: String,
    /// `image-folder`, `table` or `manifest`.
    pub kind: String,
    /// Items added.
    pub added: u64,
    /// Items that were already in the project and left alone.
    pub already_present: u64,
    /// Items added with a label that came with them.
    pub labeled: u64,
    /// Everything skipped, with its file, position and reason.
    pub problems: Vec<Problem>,
}
