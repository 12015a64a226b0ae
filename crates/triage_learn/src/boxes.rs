//! Several people's boxes on one image merged into one set, as Ground Truth
//! does: boxes of the same class are matched across people by overlap
//! (IoU), each match group is averaged, and a group survives when most
//! people drew it.

use triage_core::BoundingBox;

/// A merged box and how sure the merge is of it.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedBox {
    /// The averaged box.
    pub bbox: BoundingBox,
    /// The share of people who drew it, times their mean IoU with it.
    pub confidence: f64,
    /// How many people drew it.
    pub support: usize,
}

/// Intersection over union of two boxes; 0 for boxes with no area.
pub fn iou(a: &BoundingBox, b: &BoundingBox) -> f64 {
    let (ax2, ay2) = (
        f64::from(a.left) + f64::from(a.width),
        f64::from(a.top) + f64::from(a.height),
    );
    let (bx2, by2) = (
        f64::from(b.left) + f64::from(b.width),
        f64::from(b.top) + f64::from(b.height),
    );
    let w = (ax2.min(bx2) - f64::from(a.left.max(b.left))).max(0.0);
    let h = (ay2.min(by2) - f64::from(a.top.max(b.top))).max(0.0);
    let inter = w * h;
    let union =
        f64::from(a.width) * f64::from(a.height) + f64::from(b.width) * f64::from(b.height) - inter;
    if union <= 0.0 { 0.0 } else { inter / union }
}

/// The mean of boxes' edges, rounded to whole pixels.
fn average(boxes: &[BoundingBox]) -> BoundingBox {
    let n = boxes.len().max(1) as f64;
    let mean = |f: &dyn Fn(&BoundingBox) -> f64| boxes.iter().map(f).sum::<f64>() / n;
    let left = mean(&|b| f64::from(b.left)).round();
    let top = mean(&|b| f64::from(b.top)).round();
    let right = mean(&|b| f64::from(b.left) + f64::from(b.width)).round();
    let bottom = mean(&|b| f64::from(b.top) + f64::from(b.height)).round();
    BoundingBox {
        class_id: boxes.first().map_or(0, |b| b.class_id),
        left: left as u32,
        top: top as u32,
        width: ((right - left) as u32).max(1),
        height: ((bottom - top) as u32).max(1),
    }
}

/// Merges each person's boxes on one image (`answers[person]`). A box
/// joins the group, of its class and with no box of that person yet, whose
/// average it overlaps most, if that IoU reaches `min_iou`; otherwise it
/// starts a group. Groups drawn by more than half the people are kept,
/// averaged, largest support first. An empty result is the answer "nothing
/// here" when most people drew nothing that others matched.
pub fn merge_boxes(answers: &[Vec<BoundingBox>], min_iou: f64) -> Vec<MergedBox> {
    struct Group {
        members: Vec<(usize, BoundingBox)>,
        mean: BoundingBox,
    }
    let mut groups: Vec<Group> = Vec::new();
    for (person, boxes) in answers.iter().enumerate() {
        // Each person's boxes are matched biggest overlap first, so a
        // nearby smaller box cannot take a group from its better match.
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for (bi, b) in boxes.iter().enumerate() {
            for (gi, g) in groups.iter().enumerate() {
                if g.mean.class_id == b.class_id {
                    let o = iou(b, &g.mean);
                    if o >= min_iou {
                        pairs.push((o, bi, gi));
                    }
                }
            }
        }
        pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
        let mut box_taken = vec![false; boxes.len()];
        let mut group_taken = vec![false; groups.len()];
        for (_, bi, gi) in pairs {
            if !box_taken[bi] && !group_taken[gi] {
                box_taken[bi] = true;
                group_taken[gi] = true;
                groups[gi].members.push((person, boxes[bi]));
            }
        }
        for (g, taken) in groups.iter_mut().zip(&group_taken) {
            if *taken {
                let members: Vec<BoundingBox> = g.members.iter().map(|m| m.1).collect();
                g.mean = average(&members);
            }
        }
        for (b, taken) in boxes.iter().zip(box_taken) {
            if !taken {
                groups.push(Group {
                    members: vec![(person, *b)],
                    mean: *b,
                });
            }
        }
    }
    let people = answers.len();
    let mut merged: Vec<MergedBox> = groups
        .into_iter()
        .filter(|g| g.members.len() * 2 > people)
        .map(|g| {
            let mean_iou =
                g.members.iter().map(|m| iou(&m.1, &g.mean)).sum::<f64>() / g.members.len() as f64;
            MergedBox {
                bbox: g.mean,
                confidence: g.members.len() as f64 / people as f64 * mean_iou,
                support: g.members.len(),
            }
        })
        .collect();
    merged.sort_by(|a, b| {
        b.support
            .cmp(&a.support)
            .then((a.bbox.top, a.bbox.left).cmp(&(b.bbox.top, b.bbox.left)))
    });
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(class_id: u32, left: u32, top: u32, width: u32, height: u32) -> BoundingBox {
        BoundingBox::new(class_id, left, top, width, height)
    }

    #[test]
    fn iou_of_known_boxes() {
        let a = bx(0, 0, 0, 10, 10);
        assert_eq!(iou(&a, &a), 1.0);
        // Half overlapping: 50 / 150.
        assert!((iou(&a, &bx(0, 5, 0, 10, 10)) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(iou(&a, &bx(0, 20, 20, 5, 5)), 0.0);
    }

    #[test]
    fn three_people_two_objects_one_stray_box() {
        let answers = vec![
            vec![bx(0, 10, 10, 40, 40), bx(1, 100, 100, 20, 30)],
            vec![bx(1, 102, 98, 20, 30), bx(0, 12, 8, 40, 44)],
            // The third misses the cup and draws a stray cat far away.
            vec![bx(0, 8, 12, 40, 40), bx(0, 200, 200, 10, 10)],
        ];
        let merged = merge_boxes(&answers, 0.5);
        assert_eq!(merged.len(), 2, "{merged:?}");
        let cat = &merged[0];
        assert_eq!(cat.support, 3);
        assert_eq!(cat.bbox, bx(0, 10, 10, 40, 41));
        assert!(cat.confidence > 0.85 && cat.confidence <= 1.0);
        let cup = &merged[1];
        assert_eq!((cup.support, cup.bbox.class_id), (2, 1));
        assert_eq!(cup.bbox, bx(1, 101, 99, 20, 30));
        assert!(cup.confidence < 2.0 / 3.0 + 1e-9);
    }

    #[test]
    fn other_classes_never_match_and_empty_answers_win_when_most_give_them() {
        let answers = vec![vec![bx(0, 0, 0, 10, 10)], vec![bx(1, 0, 0, 10, 10)], vec![]];
        assert!(merge_boxes(&answers, 0.5).is_empty());
        let two = vec![vec![bx(0, 0, 0, 10, 10)], vec![bx(0, 1, 1, 10, 10)]];
        let merged = merge_boxes(&two, 0.5);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].bbox, bx(0, 1, 1, 10, 10));
    }
}
