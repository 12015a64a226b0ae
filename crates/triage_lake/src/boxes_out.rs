//! Boxes for detection trainers: COCO JSON and YOLO text files.
//!
//! COCO category ids are the class index plus one, because many COCO
//! readers (torchvision among them) keep 0 for the background. YOLO lines
//! are `class x_centre y_centre width height`, relative to the image size,
//! with the class index as is; `classes.txt` names them in order. Where the
//! files go (Ultralytics' `images/` ↔ `labels/` layout) is `triage_api`'s.

use std::io::Write;

use serde_json::{Value, json};
use triage_core::{BoxesLabel, ItemRow, LabelSchema};

use crate::gt_manifest::boxes_of;
use crate::{Error, Result, source_ref};

/// Collects images and their boxes, then writes one COCO document.
pub struct CocoBuilder {
    schema: LabelSchema,
    images: Vec<Value>,
    annotations: Vec<Value>,
}

impl CocoBuilder {
    /// An empty builder.
    pub fn new(schema: LabelSchema) -> Self {
        Self {
            schema,
            images: Vec::new(),
            annotations: Vec::new(),
        }
    }

    /// Adds an image, with its boxes when it has a label.
    pub fn push(&mut self, item: &ItemRow) -> Result<()> {
        let boxes = item
            .label
            .as_ref()
            .map(|label| boxes_of(item, label))
            .transpose()?;
        let size = boxes.as_ref().and_then(|b| b.image_size.first().copied());
        let (width, height) = match size {
            Some(s) => (Some(s.width), Some(s.height)),
            None => (item.width, item.height),
        };
        self.images.push(json!({
            "id": item.id,
            "file_name": source_ref(item),
            "width": width,
            "height": height,
        }));
        for b in boxes.iter().flat_map(|b| &b.annotations) {
            self.annotations.push(json!({
                "id": self.annotations.len() + 1,
                "image_id": item.id,
                "category_id": b.class_id + 1,
                "bbox": [b.left, b.top, b.width, b.height],
                "area": u64::from(b.width) * u64::from(b.height),
                "iscrowd": 0,
            }));
        }
        Ok(())
    }

    /// Writes the document.
    pub fn write(self, out: &mut impl Write) -> Result<()> {
        let categories: Vec<Value> = self
            .schema
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| json!({ "id": i + 1, "name": c.name, "supercategory": "none" }))
            .collect();
        let doc = json!({
            "info": { "description": "exported by Triage" },
            "images": self.images,
            "annotations": self.annotations,
            "categories": categories,
        });
        serde_json::to_writer(&mut *out, &doc)
            .map_err(|e| Error::Invalid(format!("COCO export: {e}")))?;
        out.write_all(b"\n")
            .map_err(|e| Error::Invalid(format!("COCO export: {e}")))
    }
}

/// An image's YOLO label file: one line per box, coordinates relative to
/// the image, six decimals.
pub fn yolo_label(item: &ItemRow, boxes: &BoxesLabel) -> Result<String> {
    let size = boxes.image_size.first().ok_or_else(|| Error::Item {
        item: item.id,
        reason: "its boxes have no image size".into(),
    })?;
    let (w, h) = (f64::from(size.width), f64::from(size.height));
    let mut out = String::new();
    for b in &boxes.annotations {
        let cx = (f64::from(b.left) + f64::from(b.width) / 2.0) / w;
        let cy = (f64::from(b.top) + f64::from(b.height) / 2.0) / h;
        out.push_str(&format!(
            "{} {cx:.6} {cy:.6} {:.6} {:.6}\n",
            b.class_id,
            f64::from(b.width) / w,
            f64::from(b.height) / h
        ));
    }
    Ok(out)
}

/// `classes.txt`: the class names, one per line, in index order.
pub fn yolo_classes(schema: &LabelSchema) -> String {
    schema
        .classes
        .iter()
        .map(|c| format!("{}\n", c.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use triage_core::{BoundingBox, TaskKind};

    #[test]
    fn yolo_lines_are_relative_centres() {
        let boxes = BoxesLabel::new(
            200,
            100,
            vec![BoundingBox {
                class_id: 1,
                left: 50,
                top: 20,
                width: 100,
                height: 40,
            }],
            2,
        )
        .unwrap();
        let item = ItemRow {
            id: 7,
            kind: triage_core::ItemKind::Image,
            uri: Some("/data/a.png".into()),
            row_index: None,
            external_id: None,
            content_hash: String::new(),
            width: Some(200),
            height: Some(100),
            payload: None,
            source_uri: "/data".into(),
            label: None,
        };
        assert_eq!(
            yolo_label(&item, &boxes).unwrap(),
            "1 0.500000 0.400000 0.500000 0.400000\n"
        );
        let schema =
            LabelSchema::new(TaskKind::ObjectDetection, &["cat".into(), "dog".into()]).unwrap();
        assert_eq!(yolo_classes(&schema), "cat\ndog\n");
    }
}
