use serde::{Deserialize, Serialize};

use crate::{Error, ItemId, Label, LabelParts, Result, Timestamp};

/// Identifies an annotation event; ids grow with time within a project.
pub type AnnotationId = i64;

/// Who or what gave a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationSource {
    /// A person in this project.
    Human,
    /// A model of this project, with its version and confidence.
    Model,
    /// A label that came in with the data (a folder name, a label column, an
    /// earlier job's manifest).
    Import,
    /// Several people's answers merged into one.
    Consolidated,
}

impl AnnotationSource {
    /// The name stored in the project file and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Model => "model",
            Self::Import => "import",
            Self::Consolidated => "consolidated",
        }
    }

    /// Precedence when sources disagree: a person always wins. An import is
    /// an earlier, settled decision, so a fresh model guess must not hide it.
    /// People's labels (a person's, or several people's merged) outrank
    /// imports, which outrank the model. Between people's, the latest wins:
    /// a consolidation outranks the answers it merged, and a later label by
    /// a person (a lead reviewing it) outranks the consolidation.
    fn rank(self) -> u8 {
        match self {
            Self::Human | Self::Consolidated => 2,
            Self::Import => 1,
            Self::Model => 0,
        }
    }
}

impl std::str::FromStr for AnnotationSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "human" => Ok(Self::Human),
            "model" => Ok(Self::Model),
            "import" => Ok(Self::Import),
            "consolidated" => Ok(Self::Consolidated),
            other => Err(Error::UnknownSource(other.to_owned())),
        }
    }
}

/// One append-only annotation event. A label sets `label`; an undo sets
/// `undoes` and leaves it empty. Nothing is ever overwritten, so every label
/// keeps its lineage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// The event's id.
    pub id: AnnotationId,
    /// The item it is about.
    pub item: ItemId,
    /// The label given, or `None` for an undo.
    pub label: Option<Label>,
    /// Who or what gave it.
    pub source: AnnotationSource,
    /// The person, for human events.
    pub annotator: Option<String>,
    /// The model version, for model events.
    pub model_version: Option<i64>,
    /// The model's confidence, or the imported metadata's.
    pub confidence: Option<f64>,
    /// When it was given.
    pub at: Timestamp,
    /// How long the person spent on the item.
    pub time_spent_ms: Option<i64>,
    /// The event this one takes back.
    pub undoes: Option<AnnotationId>,
    /// Imported metadata kept verbatim (a Ground Truth `<attr>-metadata`
    /// object), so a chained job writes it back unchanged.
    pub meta: Option<String>,
}

impl Annotation {
    /// Whether the event gives a label, rather than taking one back.
    pub fn is_label(&self) -> bool {
        self.label.is_some()
    }

    /// The class index, for a single-class label.
    pub fn class(&self) -> Option<u32> {
        self.label.as_ref().and_then(Label::class)
    }
}

/// A person's event as it travels between projects through the lake: the
/// item by its key (item ids differ between projects), the event by a uid
/// that stays the same wherever it is merged, so merging twice adds nothing.
/// On the wire its label is spelled as [`LabelParts`], as in the project file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SharedEventWire", into = "SharedEventWire")]
pub struct SharedEvent {
    /// `<project uid>/<event id>` in the project where it was given.
    pub uid: String,
    /// The item's key (its `ref_key`), the same in every project of a share.
    pub item: String,
    /// The label given, or `None` for an undo.
    pub label: Option<Label>,
    /// The person.
    pub annotator: String,
    /// When it was given.
    pub at: Timestamp,
    /// How long the person spent on the item.
    pub time_spent_ms: Option<i64>,
    /// The uid of the event it takes back, for an undo.
    pub undoes: Option<String>,
}

/// [`SharedEvent`] as pushes spell it.
#[derive(Clone, Serialize, Deserialize)]
struct SharedEventWire {
    uid: String,
    item: String,
    #[serde(flatten)]
    label: LabelParts,
    annotator: String,
    at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_spent_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    undoes: Option<String>,
}

impl TryFrom<SharedEventWire> for SharedEvent {
    type Error = Error;
    fn try_from(w: SharedEventWire) -> Result<Self> {
        Ok(Self {
            label: Label::from_parts(&w.label)?,
            uid: w.uid,
            item: w.item,
            annotator: w.annotator,
            at: w.at,
            time_spent_ms: w.time_spent_ms,
            undoes: w.undoes,
        })
    }
}

impl From<SharedEvent> for SharedEventWire {
    fn from(e: SharedEvent) -> Self {
        Self {
            label: e.label.as_ref().into(),
            uid: e.uid,
            item: e.item,
            annotator: e.annotator,
            at: e.at,
            time_spent_ms: e.time_spent_ms,
            undoes: e.undoes,
        }
    }
}

/// The label an item shows now, and the event it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentLabel {
    /// The event that gave it.
    pub event: AnnotationId,
    /// The class index; `None` when the label is boxes or a class set.
    pub class: Option<u32>,
    /// Its source.
    pub source: AnnotationSource,
    /// Its confidence, if any.
    pub confidence: Option<f64>,
}

/// Derives an item's current label from its events: undone events drop out,
/// then the highest-precedence source wins (people's > import > model), and
/// within it the latest.
pub fn current_label(events: &[Annotation]) -> Option<CurrentLabel> {
    let undone: std::collections::HashSet<AnnotationId> =
        events.iter().filter_map(|e| e.undoes).collect();
    events
        .iter()
        .filter(|e| !undone.contains(&e.id) && e.is_label())
        .max_by_key(|e| (e.source.rank(), e.id))
        .map(|e| CurrentLabel {
            event: e.id,
            class: e.class(),
            source: e.source,
            confidence: e.confidence,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnnotationSource::*;

    fn ev(
        id: i64,
        class: Option<u32>,
        source: AnnotationSource,
        undoes: Option<i64>,
    ) -> Annotation {
        Annotation {
            id,
            item: 1,
            label: class.map(Label::Class),
            source,
            annotator: None,
            model_version: None,
            confidence: None,
            at: chrono::DateTime::UNIX_EPOCH,
            time_spent_ms: None,
            undoes,
            meta: None,
        }
    }

    fn class_of(events: &[Annotation]) -> Option<(u32, AnnotationSource)> {
        current_label(events).and_then(|c| Some((c.class?, c.source)))
    }

    #[test]
    fn no_events_means_no_label() {
        assert_eq!(class_of(&[]), None);
    }

    #[test]
    fn human_beats_later_model_and_import() {
        let e = [
            ev(1, Some(2), Human, None),
            ev(2, Some(5), Model, None),
            ev(3, Some(4), Import, None),
        ];
        assert_eq!(class_of(&e), Some((2, Human)));
    }

    #[test]
    fn precedence_is_human_consolidated_import_model() {
        let e = [ev(1, Some(0), Model, None), ev(2, Some(1), Import, None)];
        assert_eq!(class_of(&e), Some((1, Import)));
        let e = [
            ev(1, Some(1), Import, None),
            ev(2, Some(3), Consolidated, None),
        ];
        assert_eq!(class_of(&e), Some((3, Consolidated)));
    }

    #[test]
    fn a_consolidation_outranks_the_answers_before_it_and_not_after() {
        let e = [
            ev(1, Some(1), Human, None),
            ev(2, Some(2), Human, None),
            ev(3, Some(2), Consolidated, None),
        ];
        assert_eq!(class_of(&e), Some((2, Consolidated)));
        let mut later = e.to_vec();
        later.push(ev(4, Some(1), Human, None));
        assert_eq!(class_of(&later), Some((1, Human)));
        later.push(ev(5, None, Human, Some(4)));
        assert_eq!(class_of(&later), Some((2, Consolidated)));
    }

    #[test]
    fn latest_within_a_source_wins() {
        let e = [ev(1, Some(2), Human, None), ev(2, Some(7), Human, None)];
        assert_eq!(class_of(&e), Some((7, Human)));
    }

    #[test]
    fn undo_restores_what_was_there() {
        let e = [
            ev(1, Some(2), Model, None),
            ev(2, Some(7), Human, None),
            ev(3, None, Human, Some(2)),
        ];
        assert_eq!(class_of(&e), Some((2, Model)));
        let e = [ev(1, Some(7), Human, None), ev(2, None, Human, Some(1))];
        assert_eq!(class_of(&e), None);
    }

    #[test]
    fn an_empty_class_set_is_a_label() {
        let mut set = ev(2, None, Human, None);
        set.label = Some(Label::Classes(vec![]));
        assert_eq!(current_label(&[set]).map(|l| l.event), Some(2));
    }

    #[test]
    fn boxes_are_a_label_and_undo_takes_them_back() {
        let mut boxes = ev(2, None, Human, None);
        boxes.label = Some(Label::Boxes(crate::BoxesLabel {
            image_size: vec![],
            annotations: vec![],
        }));
        let e = [ev(1, Some(0), Import, None), boxes.clone()];
        let current = current_label(&e).unwrap();
        assert_eq!((current.event, current.class), (2, None));
        let e = [boxes, ev(3, None, Human, Some(2))];
        assert_eq!(current_label(&e), None);
    }

    #[test]
    fn source_names_round_trip() {
        for s in [Human, Model, Import, Consolidated] {
            assert_eq!(s.as_str().parse::<AnnotationSource>().unwrap(), s);
        }
        assert!("robot".parse::<AnnotationSource>().is_err());
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn shared_events_keep_their_wire_spelling() {
        let line = r#"{"uid":"p/1","item":"a.png","classes":"[0,2]","annotator":"ana","at":"2030-01-01T00:00:00Z","time_spent_ms":5}"#;
        let e: SharedEvent = serde_json::from_str(line).unwrap();
        assert_eq!(e.label, Some(Label::Classes(vec![0, 2])));
        assert_eq!(serde_json::to_string(&e).unwrap(), line);
        let undo = r#"{"uid":"p/2","item":"a.png","annotator":"ana","at":"2030-01-01T00:00:00Z","undoes":"p/1"}"#;
        let e: SharedEvent = serde_json::from_str(undo).unwrap();
        assert_eq!(e.label, None);
        assert_eq!(serde_json::to_string(&e).unwrap(), undo);
        let bad = r#"{"uid":"p/1","item":"a","class":1,"classes":"[1]","annotator":"a","at":"2030-01-01T00:00:00Z"}"#;
        assert!(serde_json::from_str::<SharedEvent>(bad).is_err());
    }
}
