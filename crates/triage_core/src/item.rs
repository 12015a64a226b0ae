use serde::{Deserialize, Serialize};

use crate::{Annotation, Error, ItemId, Result};

/// What kind of thing an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// An image file, referenced by path or URI.
    Image,
    /// A row of a table.
    Row,
    /// Inline text from a manifest's `source`.
    Text,
}

impl ItemKind {
    /// The name stored in the project file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Row => "row",
            Self::Text => "text",
        }
    }
}

impl std::str::FromStr for ItemKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "image" => Ok(Self::Image),
            "row" => Ok(Self::Row),
            "text" => Ok(Self::Text),
            other => Err(Error::UnknownItemKind(other.to_owned())),
        }
    }
}

/// An item with the event behind its current label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Its id.
    pub id: ItemId,
    /// What it is.
    pub kind: ItemKind,
    /// The image path or URI.
    pub uri: Option<String>,
    /// Its row or line number in its source.
    pub row_index: Option<i64>,
    /// The table's id column value.
    pub external_id: Option<String>,
    /// The content hash.
    pub content_hash: String,
    /// Image width.
    pub width: Option<u32>,
    /// Image height.
    pub height: Option<u32>,
    /// For a row, its values as a JSON object; for an image or text that
    /// came from a manifest, the manifest line as it came in.
    pub payload: Option<String>,
    /// The file it came from.
    pub source_uri: String,
    /// The event that gives its current label.
    pub label: Option<Annotation>,
}

/// The payload key that holds a text item's text: the same key as in a
/// Ground Truth text manifest, so a text item's payload is always a valid
/// manifest line, whichever source it came from.
pub const TEXT_KEY: &str = "source";

/// The text of a payload: its [`TEXT_KEY`], when that is a string.
pub fn payload_text(payload: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(payload).ok()? {
        serde_json::Value::Object(mut o) => match o.remove(TEXT_KEY)? {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

impl ItemRow {
    /// A text item's text; `None` for other items.
    pub fn text(&self) -> Option<String> {
        (self.kind == ItemKind::Text)
            .then(|| self.payload.as_deref().and_then(payload_text))
            .flatten()
    }
}
