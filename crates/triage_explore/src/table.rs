//! The table view: the shown entries' values, one row each. Rows are laid
//! out only when on screen; a header click sorts by that column (again to
//! reverse it), and the search box keeps rows containing its text.

use eframe::egui::{self, Role, Sense, vec2};
use triage_api::Dataset;

use crate::app::Explorer;
use crate::grid::{clip, describe};

const ROW_HEIGHT: f32 = 20.0;
const COLUMN_WIDTH: f32 = 130.0;

/// Draws the table.
pub fn show(app: &mut Explorer, ui: &mut egui::Ui, data: &Dataset) {
    ui.horizontal(|ui| {
        ui.label("Search:");
        let search = ui.add(
            egui::TextEdit::singleline(&mut app.search)
                .hint_text("text in any column ( / )")
                .desired_width(260.0),
        );
        if ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Slash))
            && !ui.ctx().text_edit_focused()
        {
            search.request_focus();
        }
        if let Some((c, desc)) = app.sort {
            ui.label(format!(
                "sorted by {} {}",
                data.columns().get(c).map_or("?", String::as_str),
                if desc { "descending" } else { "ascending" }
            ));
            if ui.small_button("unsort").clicked() {
                app.sort = None;
            }
        }
        if let Some(what) = app.looking_for() {
            ui.spinner();
            ui.label(what);
        }
    });
    let columns = data.columns();
    let width = 60.0 + COLUMN_WIDTH * columns.len() as f32;
    egui::ScrollArea::horizontal()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.set_min_width(width);
            ui.horizontal(|ui| {
                ui.add_sized(vec2(56.0, ROW_HEIGHT), egui::Label::new("#"));
                for (c, name) in columns.iter().enumerate() {
                    let arrow = match app.sort {
                        Some((s, false)) if s == c => " ^",
                        Some((s, true)) if s == c => " v",
                        _ => "",
                    };
                    let header = ui.add_sized(
                        vec2(COLUMN_WIDTH - 4.0, ROW_HEIGHT),
                        egui::Button::new(format!("{}{arrow}", clip(name, 15))),
                    );
                    let header = header.on_hover_text(format!("sort by {name}"));
                    header.widget_info(|| {
                        egui::WidgetInfo::labeled(Role::Button, true, format!("sort by {name}"))
                    });
                    if header.clicked() {
                        app.sort = match app.sort {
                            Some((s, false)) if s == c => Some((c, true)),
                            _ => Some((c, false)),
                        };
                    }
                }
            });
            ui.separator();
            let spacing = ui.spacing().item_spacing.y;
            app.page_rows =
                ((ui.available_height() / (ROW_HEIGHT + spacing)).floor() as usize).max(1);
            let area = app.follow_cursor(
                egui::ScrollArea::vertical().auto_shrink([false, false]),
                app.cursor,
                ROW_HEIGHT + spacing,
                app.table_offset,
                ui.available_height(),
            );
            let out = area.show_rows(ui, ROW_HEIGHT, app.shown.len(), |ui, range| {
                for pos in range {
                    let index = app.shown[pos];
                    row(app, ui, data, columns.len(), pos, index);
                }
            });
            app.table_offset = out.state.clamped_offset().y;
        });
}

fn row(
    app: &mut Explorer,
    ui: &mut egui::Ui,
    data: &Dataset,
    width: usize,
    pos: usize,
    index: u32,
) {
    let selected = pos == app.cursor;
    let full = vec2(60.0 + COLUMN_WIDTH * width as f32, ROW_HEIGHT);
    let (rect, response) = ui.allocate_exact_size(full, Sense::click());
    let e = &data.entries[index as usize];
    response.widget_info(|| {
        egui::WidgetInfo::selected(Role::Row, true, selected, format!("row {}", describe(e)))
    });
    if response.clicked() {
        app.cursor = pos;
        if app.detail.is_some() {
            app.open_detail(ui.ctx(), index);
        }
    }
    if response.double_clicked() {
        app.open_detail(ui.ctx(), index);
    }
    if !ui.is_rect_visible(rect) {
        return;
    }
    let visuals = ui.visuals();
    let painter = ui.painter_at(rect);
    if selected {
        painter.rect_filled(rect, 0.0, visuals.selection.bg_fill);
    } else if pos % 2 == 1 {
        painter.rect_filled(rect, 0.0, visuals.faint_bg_color);
    }
    let font = egui::FontId::proportional(13.0);
    let colour = visuals.text_color();
    painter.text(
        rect.left_center() + vec2(4.0, 0.0),
        egui::Align2::LEFT_CENTER,
        e.id.to_string(),
        font.clone(),
        visuals.weak_text_color(),
    );
    for c in 0..width {
        let x = rect.min.x + 60.0 + COLUMN_WIDTH * c as f32;
        painter.text(
            egui::pos2(x, rect.center().y),
            egui::Align2::LEFT_CENTER,
            clip(&data.cell(index as usize, c), 17),
            font.clone(),
            colour,
        );
    }
}
