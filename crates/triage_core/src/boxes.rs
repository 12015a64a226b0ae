//! Object-detection labels: boxes in image pixels, shaped exactly as Ground
//! Truth's bounding-box output holds them, so they can be stored and later
//! exported without conversion.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// One box: a class and a rectangle in whole pixels from the top left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BoundingBox {
    /// The class index.
    pub class_id: u32,
    /// Pixels from the left edge.
    pub left: u32,
    /// Pixels from the top edge.
    pub top: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl BoundingBox {
    /// A box of `class_id` at (`left`, `top`), `width` × `height` pixels.
    pub fn new(class_id: u32, left: u32, top: u32, width: u32, height: u32) -> Self {
        Self {
            class_id,
            left,
            top,
            width,
            height,
        }
    }
}

/// The image's size as Ground Truth writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImageSize {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Colour channels.
    pub depth: u32,
}

/// An image's boxes: Ground Truth's `{"image_size": [...], "annotations":
/// [...]}` value. No boxes at all is an answer too: nothing to find here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BoxesLabel {
    /// One entry, the image's size.
    pub image_size: Vec<ImageSize>,
    /// The boxes.
    pub annotations: Vec<BoundingBox>,
}

impl BoxesLabel {
    /// Boxes on an image of `width` × `height`, checked: every box has an
    /// area, lies inside the image, and names one of `classes` classes.
    pub fn new(width: u32, height: u32, boxes: Vec<BoundingBox>, classes: u32) -> Result<Self> {
        for (i, b) in boxes.iter().enumerate() {
            let n = i + 1;
            if b.class_id >= classes {
                return Err(Error::Boxes(format!(
                    "box {n} has class {}, but there are {classes} classes",
                    b.class_id
                )));
            }
            if b.width == 0 || b.height == 0 {
                return Err(Error::Boxes(format!("box {n} has no area")));
            }
            let right = u64::from(b.left) + u64::from(b.width);
            let bottom = u64::from(b.top) + u64::from(b.height);
            if right > u64::from(width) || bottom > u64::from(height) {
                return Err(Error::Boxes(format!(
                    "box {n} ({},{} {}×{}) reaches outside the {width}×{height} image",
                    b.left, b.top, b.width, b.height
                )));
            }
        }
        Ok(Self {
            image_size: vec![ImageSize {
                width,
                height,
                depth: 3,
            }],
            annotations: boxes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(class_id: u32, left: u32, top: u32, width: u32, height: u32) -> BoundingBox {
        BoundingBox::new(class_id, left, top, width, height)
    }

    #[test]
    fn serialises_as_ground_truth_writes_it() {
        let label = BoxesLabel::new(640, 480, vec![b(1, 10, 20, 30, 40)], 2).unwrap();
        assert_eq!(
            serde_json::to_string(&label).unwrap(),
            r#"{"image_size":[{"width":640,"height":480,"depth":3}],"annotations":[{"class_id":1,"left":10,"top":20,"width":30,"height":40}]}"#
        );
    }

    #[test]
    fn refuses_boxes_outside_the_image_without_area_or_class() {
        assert!(BoxesLabel::new(100, 100, vec![b(0, 90, 0, 11, 5)], 1).is_err());
        assert!(BoxesLabel::new(100, 100, vec![b(0, 0, 0, 0, 5)], 1).is_err());
        assert!(BoxesLabel::new(100, 100, vec![b(1, 0, 0, 5, 5)], 1).is_err());
        assert!(BoxesLabel::new(100, 100, vec![b(0, 90, 90, 10, 10)], 1).is_ok());
        assert!(BoxesLabel::new(100, 100, Vec::new(), 1).is_ok());
    }
}
