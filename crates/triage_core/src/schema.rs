use serde::{Deserialize, Serialize};

use crate::{Error, ItemKind, Result};

/// What people are asked to do with each item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// One class per image.
    ImageClassification,
    /// One class per table row.
    RowClassification,
    /// Boxes around objects in images, each with a class.
    ObjectDetection,
    /// Any number of classes per image.
    ImageMultilabel,
    /// Any number of classes per table row.
    RowMultilabel,
    /// One class per text.
    TextClassification,
    /// Any number of classes per text.
    TextMultilabel,
}

impl TaskKind {
    /// Every task, in the order help texts and menus list them.
    pub const ALL: [Self; 7] = [
        Self::ImageClassification,
        Self::ImageMultilabel,
        Self::ObjectDetection,
        Self::RowClassification,
        Self::RowMultilabel,
        Self::TextClassification,
        Self::TextMultilabel,
    ];

    /// The name used on the command line and in the project file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ImageClassification => "image-classification",
            Self::RowClassification => "row-classification",
            Self::ObjectDetection => "object-detection",
            Self::ImageMultilabel => "image-multilabel",
            Self::RowMultilabel => "row-multilabel",
            Self::TextClassification => "text-classification",
            Self::TextMultilabel => "text-multilabel",
        }
    }

    /// Whether an item's label is a set of classes.
    pub fn is_multilabel(self) -> bool {
        matches!(
            self,
            Self::ImageMultilabel | Self::RowMultilabel | Self::TextMultilabel
        )
    }

    /// What the task's items are.
    pub fn item_kind(self) -> ItemKind {
        match self {
            Self::ImageClassification | Self::ImageMultilabel | Self::ObjectDetection => {
                ItemKind::Image
            }
            Self::RowClassification | Self::RowMultilabel => ItemKind::Row,
            Self::TextClassification | Self::TextMultilabel => ItemKind::Text,
        }
    }

    /// Whether the items are images.
    pub fn is_image(self) -> bool {
        self.item_kind() == ItemKind::Image
    }

    /// Ground Truth's metadata `type` for this task. Rows are labeled as text
    /// classification, the closest type Ground Truth has for them.
    pub fn gt_type(self) -> &'static str {
        match self {
            Self::ImageClassification => "groundtruth/image-classification",
            Self::RowClassification | Self::TextClassification => "groundtruth/text-classification",
            Self::ObjectDetection => "groundtruth/object-detection",
            Self::ImageMultilabel => "groundtruth/image-classification-multilabel",
            Self::RowMultilabel | Self::TextMultilabel => {
                "groundtruth/text-classification-multilabel"
            }
        }
    }
}

impl std::str::FromStr for TaskKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "image-classification" => Ok(Self::ImageClassification),
            "row-classification" => Ok(Self::RowClassification),
            "object-detection" => Ok(Self::ObjectDetection),
            "image-multilabel" => Ok(Self::ImageMultilabel),
            "row-multilabel" => Ok(Self::RowMultilabel),
            "text-classification" => Ok(Self::TextClassification),
            "text-multilabel" => Ok(Self::TextMultilabel),
            other => Err(Error::UnknownTask(other.to_owned())),
        }
    }
}

/// One class of the schema. Its index is its position in
/// [`LabelSchema::classes`], which is also the value Ground Truth writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassDef {
    /// The name shown to people and written as `class-name`.
    pub name: String,
    /// The key that applies this class in the labeling screen.
    pub hotkey: Option<char>,
    /// A CSS colour, so every shell shows a class the same way.
    pub colour: String,
}

/// The task and its classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSchema {
    /// What is being labeled.
    pub task: TaskKind,
    /// The classes, in index order.
    pub classes: Vec<ClassDef>,
}

/// A palette that stays distinguishable for the first ten classes.
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The colour a class gets by its index when nobody chose one: the same in
/// every shell, for a project's schema and for a file's classes alike.
pub fn default_colour(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// Keys the labeling screen keeps for itself: skip, flag, help, undo.
pub const RESERVED_KEYS: [char; 4] = ['s', 'f', '?', 'z'];

impl LabelSchema {
    /// Builds a schema from class names with the given hotkeys; a class
    /// without one gets the default of [`LabelSchema::new`] when that key
    /// is free. Keys are single characters, lowercase, distinct, and not
    /// among [`RESERVED_KEYS`].
    pub fn with_hotkeys(task: TaskKind, names: &[String], keys: &[Option<char>]) -> Result<Self> {
        let mut schema = Self::new(task, names)?;
        let chosen: Vec<char> = keys
            .iter()
            .flatten()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        for (i, class) in schema.classes.iter_mut().enumerate() {
            match keys.get(i).copied().flatten() {
                Some(key) => {
                    let key = key.to_ascii_lowercase();
                    if RESERVED_KEYS.contains(&key) || key.is_whitespace() || key.is_control() {
                        return Err(Error::Schema(format!(
                            "class '{}' cannot use the key '{key}': it is reserved",
                            class.name
                        )));
                    }
                    if chosen.iter().filter(|&&k| k == key).count() > 1 {
                        return Err(Error::Schema(format!("the key '{key}' is given twice")));
                    }
                    class.hotkey = Some(key);
                }
                None => {
                    if class.hotkey.is_some_and(|k| chosen.contains(&k)) {
                        class.hotkey = None;
                    }
                }
            }
        }
        Ok(schema)
    }

    /// Builds a schema from class names, giving the first nine the keys 1–9
    /// (and a tenth the key 0) and a colour each.
    pub fn new(task: TaskKind, names: &[String]) -> Result<Self> {
        let mut classes = Vec::with_capacity(names.len());
        for (i, raw) in names.iter().enumerate() {
            let name = raw.trim();
            if name.is_empty() {
                return Err(Error::Schema(format!("class {} has an empty name", i + 1)));
            }
            if classes.iter().any(|c: &ClassDef| c.name == name) {
                return Err(Error::Schema(format!("class '{name}' is named twice")));
            }
            let hotkey = match i {
                0..=8 => char::from_digit(i as u32 + 1, 10),
                9 => Some('0'),
                _ => None,
            };
            classes.push(ClassDef {
                name: name.to_owned(),
                hotkey,
                colour: default_colour(i).to_owned(),
            });
        }
        if classes.len() < 2 {
            return Err(Error::Schema(
                "a classification task needs at least two classes".into(),
            ));
        }
        Ok(Self { task, classes })
    }

    /// The index of a class by its name.
    pub fn index_of(&self, name: &str) -> Result<u32> {
        self.classes
            .iter()
            .position(|c| c.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| Error::UnknownClass(name.to_owned()))
    }

    /// The name of the class at an index, if there is one.
    pub fn name_of(&self, index: u32) -> Option<&str> {
        self.classes.get(index as usize).map(|c| c.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hotkeys_follow_the_number_row() {
        let s = LabelSchema::new(
            TaskKind::ImageClassification,
            &names(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "x"]),
        )
        .unwrap();
        assert_eq!(s.classes[0].hotkey, Some('1'));
        assert_eq!(s.classes[8].hotkey, Some('9'));
        assert_eq!(s.classes[9].hotkey, Some('0'));
        assert_eq!(s.classes[10].hotkey, None);
        assert_eq!(s.index_of("x").unwrap(), 10);
        assert_eq!(s.name_of(3), Some("3"));
        assert_eq!(s.name_of(11), None);
    }

    #[test]
    fn chosen_hotkeys_replace_defaults_and_must_be_usable() {
        let t = TaskKind::ImageClassification;
        let s = LabelSchema::with_hotkeys(
            t,
            &names(&["cat", "dog", "bird"]),
            &[Some('C'), None, Some('2')],
        )
        .unwrap();
        let keys: Vec<_> = s.classes.iter().map(|c| c.hotkey).collect();
        // "dog" keeps no key: its default '2' went to "bird".
        assert_eq!(keys, vec![Some('c'), None, Some('2')]);
        assert!(LabelSchema::with_hotkeys(t, &names(&["a", "b"]), &[Some('s'), None]).is_err());
        assert!(
            LabelSchema::with_hotkeys(t, &names(&["a", "b"]), &[Some('x'), Some('X')]).is_err()
        );
        assert!(LabelSchema::with_hotkeys(t, &names(&["a", "b"]), &[Some(' '), None]).is_err());
    }

    #[test]
    fn rejects_bad_schemas() {
        let t = TaskKind::RowClassification;
        assert!(LabelSchema::new(t, &names(&["a"])).is_err());
        assert!(LabelSchema::new(t, &names(&["a", " a "])).is_err());
        assert!(LabelSchema::new(t, &names(&["a", ""])).is_err());
        assert_eq!(
            LabelSchema::new(t, &names(&["a", "b"]))
                .unwrap()
                .index_of("c"),
            Err(Error::UnknownClass("c".into()))
        );
    }

    #[test]
    fn task_names_round_trip() {
        for t in TaskKind::ALL {
            assert_eq!(t.as_str().parse::<TaskKind>().unwrap(), t);
        }
        let err = "boxes".parse::<TaskKind>().unwrap_err().to_string();
        for t in TaskKind::ALL {
            assert!(
                err.contains(t.as_str()),
                "{err} does not list {}",
                t.as_str()
            );
        }
    }
}
