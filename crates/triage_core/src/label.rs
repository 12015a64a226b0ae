//! What a label says, as one type. The project file and shared events
//! spell it as three columns (a class index, boxes as JSON, a class set as
//! JSON); [`Label::to_parts`] and [`Label::from_parts`] are the only places
//! that know that spelling.

use serde::{Deserialize, Serialize};

use crate::{BoundingBox, BoxesLabel, Error, LabelSchema, Result};

/// One label: a class, a set of classes (multi-label tasks; empty means
/// "none apply"), or boxes (detection; none is an answer too).
///
/// Serialised externally tagged, so shells see `{"class": 3}`,
/// `{"classes": [0, 2]}` or `{"boxes": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// One class index.
    Class(u32),
    /// Class indices, sorted, each once.
    Classes(Vec<u32>),
    /// Boxes in image pixels, as Ground Truth writes them.
    Boxes(BoxesLabel),
}

/// A label as the project file and shared events store it: at most one of
/// the three is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelParts {
    /// The class index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<u32>,
    /// Boxes as [`BoxesLabel`] JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boxes: Option<String>,
    /// A class set as a JSON array of indices, e.g. `[0,2]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<String>,
}

impl Label {
    /// A class set, sorted and each index once, checked against the number
    /// of classes.
    pub fn class_set(mut classes: Vec<u32>, n_classes: u32) -> Result<Self> {
        classes.sort_unstable();
        classes.dedup();
        if let Some(bad) = classes.iter().find(|&&c| c >= n_classes) {
            return Err(Error::UnknownClass(bad.to_string()));
        }
        Ok(Self::Classes(classes))
    }

    /// The class index, for a single-class label.
    pub fn class(&self) -> Option<u32> {
        match self {
            Self::Class(c) => Some(*c),
            _ => None,
        }
    }

    /// The class set, for a multi-label answer.
    pub fn classes(&self) -> Option<&[u32]> {
        match self {
            Self::Classes(c) => Some(c),
            _ => None,
        }
    }

    /// The boxes, for detection.
    pub fn boxes(&self) -> Option<&[BoundingBox]> {
        match self {
            Self::Boxes(b) => Some(&b.annotations),
            _ => None,
        }
    }

    /// Every class index the label names (the class, the set, or each box's).
    pub fn class_indices(&self) -> Vec<u32> {
        match self {
            Self::Class(c) => vec![*c],
            Self::Classes(c) => c.clone(),
            Self::Boxes(b) => b.annotations.iter().map(|b| b.class_id).collect(),
        }
    }

    /// A class index outside a schema of `n_classes`, if the label names one.
    pub fn class_outside(&self, n_classes: u32) -> Option<u32> {
        self.class_indices().into_iter().find(|&c| c >= n_classes)
    }

    /// How people read it: the class name, the set's names (`none` when
    /// empty), or how many boxes.
    pub fn describe(&self, schema: &LabelSchema) -> String {
        let name = |c: u32| schema.name_of(c).unwrap_or("?");
        match self {
            Self::Class(c) => name(*c).to_owned(),
            Self::Classes(set) if set.is_empty() => "none".to_owned(),
            Self::Classes(set) => set.iter().map(|&c| name(c)).collect::<Vec<_>>().join(", "),
            Self::Boxes(b) => {
                let n = b.annotations.len();
                format!("{n} box{}", if n == 1 { "" } else { "es" })
            }
        }
    }

    /// The stored spelling.
    pub fn to_parts(&self) -> LabelParts {
        match self {
            Self::Class(c) => LabelParts {
                class: Some(*c),
                ..LabelParts::default()
            },
            Self::Classes(set) => {
                let items: Vec<String> = set.iter().map(u32::to_string).collect();
                LabelParts {
                    classes: Some(format!("[{}]", items.join(","))),
                    ..LabelParts::default()
                }
            }
            Self::Boxes(b) => LabelParts {
                // Serialising plain integers into a string cannot fail.
                boxes: Some(serde_json::to_string(b).unwrap_or_default()),
                ..LabelParts::default()
            },
        }
    }

    /// Reads the stored spelling; `None` when nothing is set (an undo).
    pub fn from_parts(parts: &LabelParts) -> Result<Option<Self>> {
        match (parts.class, &parts.boxes, &parts.classes) {
            (Some(c), None, None) => Ok(Some(Self::Class(c))),
            (None, Some(b), None) => serde_json::from_str(b)
                .map(|b| Some(Self::Boxes(b)))
                .map_err(|e| Error::Boxes(format!("stored boxes are not readable: {e}"))),
            (None, None, Some(set)) => parse_class_set(set).map(|c| Some(Self::Classes(c))),
            (None, None, None) => Ok(None),
            _ => Err(Error::Schema(
                "a label sets more than one of class, boxes and classes".into(),
            )),
        }
    }
}

impl LabelParts {
    /// Whether nothing is set (an undo).
    pub fn is_empty(&self) -> bool {
        self.class.is_none() && self.boxes.is_none() && self.classes.is_none()
    }
}

impl From<Option<&Label>> for LabelParts {
    fn from(label: Option<&Label>) -> Self {
        label.map(Label::to_parts).unwrap_or_default()
    }
}

/// The class indices of a stored class set (`[0,2]`).
fn parse_class_set(stored: &str) -> Result<Vec<u32>> {
    let inner = stored
        .trim()
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or_else(|| Error::Schema(format!("stored class set {stored} is not a list")))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| Error::Schema(format!("stored class set {stored}: bad index")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(label: &Label) -> Label {
        Label::from_parts(&label.to_parts()).unwrap().unwrap()
    }

    #[test]
    fn class_sets_are_sorted_unique_and_checked() {
        let set = Label::class_set(vec![2, 0, 2], 3).unwrap();
        assert_eq!(set, Label::Classes(vec![0, 2]));
        assert_eq!(set.to_parts().classes.as_deref(), Some("[0,2]"));
        assert_eq!(
            Label::class_set(vec![], 3)
                .unwrap()
                .to_parts()
                .classes
                .as_deref(),
            Some("[]")
        );
        assert!(Label::class_set(vec![3], 3).is_err());
        assert!(parse_class_set("{}").is_err());
        assert!(parse_class_set("[0,x]").is_err());
    }

    #[test]
    fn every_kind_round_trips_through_its_stored_parts() {
        let boxes = BoxesLabel::new(
            10,
            10,
            vec![BoundingBox {
                class_id: 1,
                left: 1,
                top: 2,
                width: 3,
                height: 4,
            }],
            2,
        )
        .unwrap();
        for label in [
            Label::Class(4),
            Label::Classes(vec![]),
            Label::Classes(vec![0, 3]),
            Label::Boxes(boxes),
        ] {
            assert_eq!(round_trip(&label), label);
        }
        assert_eq!(Label::from_parts(&LabelParts::default()).unwrap(), None);
    }

    #[test]
    fn two_parts_at_once_or_unreadable_boxes_are_refused() {
        let both = LabelParts {
            class: Some(1),
            classes: Some("[1]".into()),
            boxes: None,
        };
        assert!(Label::from_parts(&both).is_err());
        let bad = LabelParts {
            boxes: Some("{".into()),
            ..LabelParts::default()
        };
        assert!(Label::from_parts(&bad).is_err());
    }

    #[test]
    fn shells_see_it_tagged() {
        assert_eq!(
            serde_json::to_string(&Label::Class(3)).unwrap(),
            r#"{"class":3}"#
        );
        assert_eq!(
            serde_json::to_string(&Label::Classes(vec![0, 2])).unwrap(),
            r#"{"classes":[0,2]}"#
        );
    }

    #[test]
    fn names_read_as_people_say_them() {
        let schema = LabelSchema::new(
            crate::TaskKind::ImageMultilabel,
            &["cat".into(), "dog".into()],
        )
        .unwrap();
        assert_eq!(Label::Class(1).describe(&schema), "dog");
        assert_eq!(Label::Classes(vec![]).describe(&schema), "none");
        assert_eq!(Label::Classes(vec![0, 1]).describe(&schema), "cat, dog");
        assert_eq!(Label::Class(1).class_outside(1), Some(1));
        assert_eq!(Label::Class(0).class_outside(1), None);
    }
}
