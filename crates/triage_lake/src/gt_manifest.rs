//! The SageMaker Ground Truth augmented manifest, field for field (see
//! `shared/formats/ground-truth-manifest.md`).
//!
//! An item that came from a manifest starts from its original line, so every
//! key the job did not touch passes through unchanged and in order. Its
//! labels are set as two keys: the label attribute (the class index, an
//! integer) and `<attr>-metadata`. A label imported from a manifest and still
//! current is written back byte for byte, which is what makes job chaining
//! lossless.

use serde_json::{Map, Value};
use triage_core::{
    Annotation, AnnotationSource, BoxesLabel, ItemKind, ItemRow, Label, LabelSchema, format_gt_date,
};

use crate::{Error, Result, source_ref};

/// `human-annotated` and `confidence` for a label. Human and model
/// confidences are on different scales; a single human worker's is 0.0, as
/// Ground Truth writes it.
fn provenance(label: &Annotation) -> (&'static str, f64) {
    match label.source {
        AnnotationSource::Model => ("no", label.confidence.unwrap_or(0.0)),
        AnnotationSource::Consolidated => ("yes", label.confidence.unwrap_or(0.0)),
        AnnotationSource::Human | AnnotationSource::Import => ("yes", 0.0),
    }
}

/// An item's stored boxes.
pub fn boxes_of(item: &ItemRow, label: &Annotation) -> Result<BoxesLabel> {
    match &label.label {
        Some(Label::Boxes(b)) => Ok(b.clone()),
        _ => Err(Error::Item {
            item: item.id,
            reason: "its label has no boxes".into(),
        }),
    }
}

/// What every line's metadata shares.
#[derive(Debug, Clone)]
pub struct ManifestSettings {
    /// The label attribute, e.g. `species`.
    pub attribute: String,
    /// The metadata's `job-name`.
    pub job_name: String,
    /// The task and classes.
    pub schema: LabelSchema,
    /// Write only labeled items, as a training job needs; otherwise one line
    /// per item, as Ground Truth writes.
    pub labeled_only: bool,
}

impl ManifestSettings {
    /// Checks the attribute name against Ground Truth's rules.
    pub fn validate(&self) -> Result<()> {
        let a = &self.attribute;
        if a.is_empty() || a.starts_with('$') || a.contains("-metadata") || a.ends_with("-ref") {
            return Err(Error::Invalid(format!(
                "label attribute '{a}' is not allowed: it may not be empty, start with $, \
                 contain -metadata or end in -ref"
            )));
        }
        if a == "source" || a == "source-ref" {
            return Err(Error::Invalid(format!(
                "label attribute '{a}' would replace the data"
            )));
        }
        Ok(())
    }
}

/// Turns items into manifest lines.
pub struct GtManifestWriter {
    settings: ManifestSettings,
    meta_key: String,
}

impl GtManifestWriter {
    /// A writer for these settings.
    pub fn new(settings: ManifestSettings) -> Result<Self> {
        settings.validate()?;
        let meta_key = format!("{}-metadata", settings.attribute);
        Ok(Self { settings, meta_key })
    }

    /// The line for one item, without its newline, or `None` when the item is
    /// left out.
    pub fn line(&self, item: &ItemRow) -> Result<Option<String>> {
        let original = match (item.kind, &item.payload) {
            (ItemKind::Image | ItemKind::Text, Some(line)) => Some(line.as_str()),
            _ => None,
        };
        let Some(label) = &item.label else {
            if self.settings.labeled_only {
                return Ok(None);
            }
            return match original {
                Some(line) => Ok(Some(line.to_owned())),
                None => Ok(Some(Value::Object(self.base(item)).to_string())),
            };
        };
        let mut object = match original {
            Some(line) => match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(o)) => o,
                _ => {
                    return Err(
                        self.item_err(item, "its stored manifest line is not a JSON object")
                    );
                }
            },
            None => self.base(item),
        };
        if label.source == AnnotationSource::Import
            && let (Some(line), Some(_)) = (original, object.get(&self.settings.attribute))
        {
            return Ok(Some(line.to_owned()));
        }
        if self.settings.schema.task == triage_core::TaskKind::ObjectDetection {
            return self.boxes_line(item, label, object).map(Some);
        }
        if self.settings.schema.task.is_multilabel() {
            return self.class_set_line(item, label, object).map(Some);
        }
        let class = label
            .class()
            .ok_or_else(|| self.item_err(item, "its label has no class"))?;
        let class_name =
            self.settings.schema.name_of(class).ok_or_else(|| {
                self.item_err(item, &format!("class {class} is not in the schema"))
            })?;
        let (human, confidence) = provenance(label);
        let mut meta = Map::new();
        meta.insert("class-name".into(), class_name.into());
        meta.insert("confidence".into(), confidence.into());
        self.common_meta(&mut meta, human, label);
        object.insert(self.settings.attribute.clone(), class.into());
        object.insert(self.meta_key.clone(), Value::Object(meta));
        Ok(Some(Value::Object(object).to_string()))
    }

    /// The keys every label's metadata ends with.
    fn common_meta(&self, meta: &mut Map<String, Value>, human: &str, label: &Annotation) {
        meta.insert("type".into(), self.settings.schema.task.gt_type().into());
        meta.insert("job-name".into(), self.settings.job_name.clone().into());
        meta.insert("human-annotated".into(), human.into());
        meta.insert("creation-date".into(), format_gt_date(label.at).into());
    }

    /// A multi-label line: the class indices, and metadata with a
    /// `class-map` and a `confidence-map` for the classes given.
    fn class_set_line(
        &self,
        item: &ItemRow,
        label: &Annotation,
        mut object: Map<String, Value>,
    ) -> Result<String> {
        let set = label
            .label
            .as_ref()
            .and_then(Label::classes)
            .ok_or_else(|| self.item_err(item, "its label is not a set of classes"))?;
        let (human, confidence) = provenance(label);
        let (mut class_map, mut confidence_map) = (Map::new(), Map::new());
        for &c in set {
            let name =
                self.settings.schema.name_of(c).ok_or_else(|| {
                    self.item_err(item, &format!("class {c} is not in the schema"))
                })?;
            class_map.insert(c.to_string(), name.into());
            confidence_map.insert(c.to_string(), confidence.into());
        }
        let mut meta = Map::new();
        meta.insert("class-map".into(), Value::Object(class_map));
        meta.insert("confidence-map".into(), Value::Object(confidence_map));
        self.common_meta(&mut meta, human, label);
        object.insert(
            self.settings.attribute.clone(),
            Value::Array(set.iter().copied().map(Value::from).collect()),
        );
        object.insert(self.meta_key.clone(), Value::Object(meta));
        Ok(Value::Object(object).to_string())
    }

    /// A bounding-box line: the boxes value as stored (`image_size` and
    /// `annotations` in pixels), and metadata with one `objects` confidence
    /// per box and a `class-map` of the classes the boxes use.
    fn boxes_line(
        &self,
        item: &ItemRow,
        label: &Annotation,
        mut object: Map<String, Value>,
    ) -> Result<String> {
        let boxes = boxes_of(item, label)?;
        let (human, confidence) = provenance(label);
        let mut class_map = Map::new();
        for b in &boxes.annotations {
            let name = self.settings.schema.name_of(b.class_id).ok_or_else(|| {
                self.item_err(item, &format!("class {} is not in the schema", b.class_id))
            })?;
            class_map.insert(b.class_id.to_string(), name.into());
        }
        // A consolidation keeps each merged box's confidence in its
        // metadata; other labels give every box the label's.
        let merged = label
            .meta
            .as_deref()
            .filter(|_| label.source == AnnotationSource::Consolidated)
            .and_then(|m| serde_json::from_str::<Value>(m).ok())
            .and_then(|m| m.get("objects").and_then(Value::as_array).cloned())
            .filter(|o| o.len() == boxes.annotations.len());
        let objects: Vec<Value> = merged.unwrap_or_else(|| {
            boxes
                .annotations
                .iter()
                .map(|_| serde_json::json!({ "confidence": confidence }))
                .collect()
        });
        let mut meta = Map::new();
        meta.insert("objects".into(), Value::Array(objects));
        meta.insert("class-map".into(), Value::Object(class_map));
        self.common_meta(&mut meta, human, label);
        let value = serde_json::to_value(&boxes)
            .map_err(|e| self.item_err(item, &format!("its boxes: {e}")))?;
        object.insert(self.settings.attribute.clone(), value);
        object.insert(self.meta_key.clone(), Value::Object(meta));
        Ok(Value::Object(object).to_string())
    }

    /// An item's line before labels: `source-ref` for an image, `source` for
    /// text or a table row.
    fn base(&self, item: &ItemRow) -> Map<String, Value> {
        let mut object = Map::new();
        let key = if item.kind == ItemKind::Image {
            "source-ref"
        } else {
            "source"
        };
        object.insert(key.into(), source_ref(item).into());
        object
    }

    fn item_err(&self, item: &ItemRow, reason: &str) -> Error {
        Error::Item {
            item: item.id,
            reason: reason.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use triage_core::{Annotation, TaskKind};

    use super::*;

    fn settings(labeled_only: bool) -> ManifestSettings {
        let names: Vec<String> = ["cat", "dog"].iter().map(|s| s.to_string()).collect();
        ManifestSettings {
            attribute: "animal".into(),
            job_name: "pets".into(),
            schema: LabelSchema::new(TaskKind::ImageClassification, &names).unwrap(),
            labeled_only,
        }
    }

    fn item(label: Option<Annotation>, payload: Option<&str>) -> ItemRow {
        ItemRow {
            id: 7,
            kind: ItemKind::Image,
            uri: Some("/data/a.png".into()),
            row_index: None,
            external_id: None,
            content_hash: "h".into(),
            width: None,
            height: None,
            payload: payload.map(str::to_owned),
            source_uri: "/data".into(),
            label,
        }
    }

    fn event(source: AnnotationSource, class: u32, confidence: Option<f64>) -> Annotation {
        Annotation {
            id: 1,
            item: 7,
            label: Some(Label::Class(class)),
            source,
            annotator: None,
            model_version: Some(3),
            confidence,
            at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
                .unwrap(),
            time_spent_ms: None,
            undoes: None,
            meta: None,
        }
    }

    #[test]
    fn model_labels_are_not_human_annotated_and_keep_their_confidence() {
        let w = GtManifestWriter::new(settings(false)).unwrap();
        let line = w
            .line(&item(
                Some(event(AnnotationSource::Model, 1, Some(0.97))),
                None,
            ))
            .unwrap();
        assert_eq!(
            line.unwrap(),
            r#"{"source-ref":"/data/a.png","animal":1,"animal-metadata":{"class-name":"dog","confidence":0.97,"type":"groundtruth/image-classification","job-name":"pets","human-annotated":"no","creation-date":"2026-11-28T10:00:00.000000"}}"#
        );
    }

    #[test]
    fn unlabeled_items_pass_through_or_are_left_out() {
        let original = r#"{"source-ref":"s3://b/a.png","extra":[1,2]}"#;
        let w = GtManifestWriter::new(settings(false)).unwrap();
        assert_eq!(
            w.line(&item(None, Some(original))).unwrap().as_deref(),
            Some(original)
        );
        assert_eq!(
            w.line(&item(None, None)).unwrap().as_deref(),
            Some(r#"{"source-ref":"/data/a.png"}"#)
        );
        let only = GtManifestWriter::new(settings(true)).unwrap();
        assert_eq!(only.line(&item(None, Some(original))).unwrap(), None);
    }

    #[test]
    fn a_new_label_replaces_an_old_one_in_place() {
        let original = r#"{"source-ref":"s3://b/a.png","animal":0,"animal-metadata":{"class-name":"cat"},"z":1}"#;
        let w = GtManifestWriter::new(settings(false)).unwrap();
        let line = w
            .line(&item(
                Some(event(AnnotationSource::Human, 1, None)),
                Some(original),
            ))
            .unwrap()
            .unwrap();
        assert!(line.starts_with(r#"{"source-ref":"s3://b/a.png","animal":1,"animal-metadata":{"class-name":"dog","confidence":0.0,"#), "{line}");
        assert!(
            line.ends_with(
                r#""human-annotated":"yes","creation-date":"2026-11-28T10:00:00.000000"},"z":1}"#
            ),
            "{line}"
        );
    }

    #[test]
    fn attribute_names_follow_ground_truth_rules() {
        for bad in ["", "$x", "a-metadata-b", "mask-ref", "source", "source-ref"] {
            let s = ManifestSettings {
                attribute: bad.into(),
                ..settings(false)
            };
            assert!(GtManifestWriter::new(s).is_err(), "{bad}");
        }
    }
}
