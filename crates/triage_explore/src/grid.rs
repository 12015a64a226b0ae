//! The thumbnail grid. Only the rows on screen are laid out
//! (`ScrollArea::show_rows`), and only their thumbnails are decoded, so a
//! frame costs the same at 100 items or 1,000,000.

use eframe::egui::{self, Align2, Color32, FontId, Rect, Role, Sense, Stroke, StrokeKind, vec2};
use triage_api::{ClassDto, Dataset, Entry, LabelSource, SpotCheck};

use crate::app::Explorer;

/// A cell's size, in points.
pub const CELL: egui::Vec2 = egui::Vec2::new(136.0, 172.0);
const IMAGE_SIDE: f32 = 124.0;

/// A class's colour as the schema gives it (`#rrggbb`), so a class looks
/// the same here and in the app; grey when unlabeled.
pub fn class_colour(classes: &[ClassDto], class: Option<u32>) -> Color32 {
    class
        .and_then(|c| classes.get(c as usize))
        .and_then(|c| Color32::from_hex(&c.colour).ok())
        .unwrap_or(Color32::from_gray(110))
}

/// A source's badge letter and colour.
pub fn source_badge(source: Option<LabelSource>) -> (&'static str, Color32) {
    match source {
        Some(LabelSource::Human) => ("H", Color32::from_rgb(46, 139, 87)),
        Some(LabelSource::Model) => ("M", Color32::from_rgb(70, 110, 200)),
        Some(LabelSource::Import) => ("I", Color32::from_rgb(150, 120, 60)),
        Some(LabelSource::Consolidated) => ("C", Color32::from_rgb(150, 80, 170)),
        None => ("–", Color32::from_gray(90)),
    }
}

/// How an entry reads to a screen reader (and to the tests).
pub fn describe(e: &Entry) -> String {
    let mut s = format!("{}: {}", e.name, e.label.as_deref().unwrap_or("unlabeled"));
    if let Some(source) = e.source {
        s.push_str(&format!(", {}", source.as_str()));
    }
    if let Some(c) = e.confidence {
        s.push_str(&format!(", confidence {c:.2}"));
    }
    match e.review.spot_check {
        SpotCheck::NotDrawn => {}
        SpotCheck::Pending => s.push_str(", spot check pending"),
        SpotCheck::Agreed => s.push_str(", spot check agreed"),
        SpotCheck::Disagreed => s.push_str(", spot check disagreed"),
    }
    if e.review.suspect {
        s.push_str(", suspected label error");
    }
    if e.review.flagged {
        s.push_str(", flagged");
    }
    if e.review.disagreement {
        s.push_str(", answers disagree");
    }
    s
}

/// Draws the grid.
pub fn show(app: &mut Explorer, ui: &mut egui::Ui, data: &Dataset) {
    if app.shown.is_empty() {
        ui.label("No item matches the filters.");
        return;
    }
    let spacing = ui.spacing().item_spacing;
    let columns =
        (((ui.available_width() + spacing.x) / (CELL.x + spacing.x)).floor() as usize).max(1);
    app.grid_columns = columns;
    let rows = app.shown.len().div_ceil(columns);
    let row_height = CELL.y + spacing.y;
    app.page_rows = ((ui.available_height() / row_height).floor() as usize).max(1);
    let area = app.follow_cursor(
        egui::ScrollArea::vertical().auto_shrink([false, false]),
        app.cursor / columns,
        row_height,
        app.grid_offset,
        ui.available_height(),
    );
    let out = area.show_rows(ui, CELL.y, rows, |ui, range| {
        for row in range {
            ui.horizontal(|ui| {
                for col in 0..columns {
                    let pos = row * columns + col;
                    let Some(&entry) = app.shown.get(pos) else {
                        break;
                    };
                    cell(app, ui, data, pos, entry);
                }
            });
        }
    });
    app.grid_offset = out.state.clamped_offset().y;
}

fn cell(app: &mut Explorer, ui: &mut egui::Ui, data: &Dataset, pos: usize, index: u32) {
    let e = &data.entries[index as usize];
    let (rect, response) = ui.allocate_exact_size(CELL, Sense::click());
    let selected = pos == app.cursor;
    let open = app.detail.as_ref().is_some_and(|d| d.entry == index);
    response.widget_info(|| egui::WidgetInfo::selected(Role::Button, true, selected, describe(e)));
    if response.clicked() {
        app.cursor = pos;
    }
    if response.double_clicked() || (response.clicked() && app.detail.is_some()) {
        app.cursor = pos;
        app.open_detail(ui.ctx(), index);
    }
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    painter.rect_filled(rect, 4.0, visuals.faint_bg_color);
    let image_rect = Rect::from_min_size(
        rect.min + vec2((CELL.x - IMAGE_SIDE) / 2.0, 4.0),
        vec2(IMAGE_SIDE, IMAGE_SIDE),
    );
    let path = || {
        e.thumbnail
            .clone()
            .filter(|t| t.is_file())
            .or_else(|| e.image.clone())
    };
    if let Some(text) = &e.text {
        // A text's opening words, wrapped inside the cell.
        painter.rect_filled(image_rect, 2.0, visuals.extreme_bg_color);
        let words: Vec<&str> = text.split_whitespace().collect();
        let galley = painter.layout(
            clip(&words.join(" "), 140),
            FontId::proportional(11.0),
            visuals.text_color(),
            image_rect.width() - 8.0,
        );
        painter.with_clip_rect(image_rect).galley(
            image_rect.min + vec2(4.0, 4.0),
            galley,
            visuals.text_color(),
        );
    } else if let Some(tex) = app.thumbs.get(index, path) {
        let size = tex.size_vec2();
        let scale = (IMAGE_SIDE / size.x).min(IMAGE_SIDE / size.y);
        let fitted = Rect::from_center_size(image_rect.center(), size * scale);
        painter.image(
            tex.id(),
            fitted,
            Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            Color32::WHITE,
        );
    } else {
        painter.rect_filled(image_rect, 2.0, visuals.extreme_bg_color);
        let text = if e.image.is_none() {
            e.name.as_str()
        } else if app.thumbs.failed(index) {
            "unreadable"
        } else {
            "…"
        };
        painter.text(
            image_rect.center(),
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(12.0),
            visuals.weak_text_color(),
        );
    }
    // The label in its class colour, then source, confidence and marks.
    let label_y = image_rect.max.y + 4.0;
    let colour = class_colour(&data.classes, e.class);
    let label_rect = Rect::from_min_size(
        egui::pos2(rect.min.x + 4.0, label_y),
        vec2(CELL.x - 8.0, 18.0),
    );
    painter.rect_filled(
        label_rect,
        3.0,
        colour.gamma_multiply(if e.label.is_some() { 0.85 } else { 0.3 }),
    );
    painter.text(
        label_rect.left_center() + vec2(4.0, 0.0),
        Align2::LEFT_CENTER,
        clip(e.label.as_deref().unwrap_or("unlabeled"), 16),
        FontId::proportional(12.0),
        Color32::WHITE,
    );
    let (letter, badge) = source_badge(e.source);
    let line_y = label_rect.max.y + 10.0;
    let badge_rect =
        Rect::from_center_size(egui::pos2(rect.min.x + 13.0, line_y), vec2(16.0, 14.0));
    painter.rect_filled(badge_rect, 3.0, badge);
    painter.text(
        badge_rect.center(),
        Align2::CENTER_CENTER,
        letter,
        FontId::monospace(11.0),
        Color32::WHITE,
    );
    if let Some(c) = e.confidence {
        let bar = Rect::from_min_size(egui::pos2(rect.min.x + 26.0, line_y - 3.0), vec2(50.0, 6.0));
        painter.rect_filled(bar, 2.0, visuals.extreme_bg_color);
        painter.rect_filled(
            Rect::from_min_size(bar.min, vec2(50.0 * c.clamp(0.0, 1.0) as f32, 6.0)),
            2.0,
            badge,
        );
        painter.text(
            egui::pos2(bar.max.x + 4.0, line_y),
            Align2::LEFT_CENTER,
            format!("{c:.2}"),
            FontId::proportional(11.0),
            visuals.text_color(),
        );
    }
    // Short words, not symbols: the bundled fonts cover few symbols.
    let marks: Vec<&str> = [
        (e.review.flagged, "flag"),
        (e.review.suspect, "err?"),
        (e.review.disagreement, "split"),
        (e.review.spot_check == SpotCheck::Pending, "spot"),
        (e.review.spot_check == SpotCheck::Agreed, "spot ok"),
        (e.review.spot_check == SpotCheck::Disagreed, "spot no"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, m)| m)
    .collect();
    let marks = marks.join(" ");
    if !marks.is_empty() {
        painter.text(
            egui::pos2(rect.max.x - 4.0, line_y),
            Align2::RIGHT_CENTER,
            marks,
            FontId::proportional(12.0),
            visuals.warn_fg_color,
        );
    }
    if selected || open {
        painter.rect_stroke(
            rect.shrink(1.0),
            4.0,
            Stroke::new(2.0, visuals.selection.stroke.color),
            StrokeKind::Inside,
        );
    }
}

/// Cuts text to `n` characters with an ellipsis.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_is_drawn_in_its_schema_colour() {
        let class = |index, colour: &str| ClassDto {
            index,
            name: format!("c{index}"),
            hotkey: None,
            colour: colour.into(),
        };
        let classes = [class(0, "#4e79a7"), class(1, "#ff0000")];
        assert_eq!(
            class_colour(&classes, Some(0)),
            Color32::from_rgb(0x4e, 0x79, 0xa7)
        );
        assert_eq!(
            class_colour(&classes, Some(1)),
            Color32::from_rgb(255, 0, 0)
        );
        assert_eq!(class_colour(&classes, None), Color32::from_gray(110));
        assert_eq!(class_colour(&classes, Some(7)), Color32::from_gray(110));
    }
}
