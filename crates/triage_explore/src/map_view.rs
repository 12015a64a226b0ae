//! The feature map: every item placed by the first two principal
//! components of its features (from `triage_learn`), coloured by label.
//! The points are rasterised into one texture, redrawn only when the
//! filter or the panel's size changes, so 100,000 points cost one image per
//! frame. A click opens the nearest item.

use std::sync::Arc;

use eframe::egui::{self, Color32, ColorImage, Pos2, Rect, Sense, TextureHandle, TextureOptions};
use triage_api::{Dataset, FeatureMap};

use crate::app::Explorer;
use crate::grid::{class_colour, describe};
use crate::jobs::{Job, Poll, progress_bar};

/// How near a click must be to a point, in points.
const PICK_RADIUS: f32 = 8.0;

/// The map view's state.
#[derive(Default)]
pub struct State {
    job: Option<Job<FeatureMap>>,
    raster: Option<(TextureHandle, [usize; 2])>,
    /// Where the map was drawn last frame.
    rect: Option<Rect>,
    bounds: Option<Rect>,
}

impl State {
    /// Whether the map is being computed.
    pub fn is_busy(&mut self) -> bool {
        self.job.as_mut().is_some_and(|j| j.is_running())
    }

    /// The shown entries changed: redraw.
    pub fn filter_changed(&mut self) {
        self.raster = None;
    }

    fn to_screen(&self, p: [f32; 2]) -> Option<Pos2> {
        let (rect, b) = (self.rect?, self.bounds?);
        let x = rect.min.x + (p[0] - b.min.x) / b.width().max(1e-9) * rect.width();
        // Up is up: screen y grows downwards.
        let y = rect.max.y - (p[1] - b.min.y) / b.height().max(1e-9) * rect.height();
        Some(egui::pos2(x, y))
    }
}

impl Explorer {
    /// Where an entry's point was drawn in the last frame, if it is on the
    /// map.
    pub fn map_point(&mut self, entry: u32) -> Option<Pos2> {
        let Some(Poll::Done(Ok(map))) = self.map.job.as_mut().map(|j| j.poll()) else {
            return None;
        };
        let p = map.points.iter().find(|(i, _)| *i == entry)?.1;
        self.map.to_screen(p)
    }
}

fn bounds(map: &FeatureMap) -> Rect {
    let mut r = Rect::NOTHING;
    for (_, p) in &map.points {
        r.extend_with(egui::pos2(p[0], p[1]));
    }
    r.expand2(r.size() * 0.03 + egui::Vec2::splat(1e-6))
}

/// Draws the map, starting its computation the first time.
pub fn show(app: &mut Explorer, ui: &mut egui::Ui, data: &Arc<Dataset>) {
    let job = app.map.job.get_or_insert_with(|| {
        let data = Arc::clone(data);
        Job::spawn(ui.ctx(), move |progress| {
            data.feature_map(progress).map_err(|e| e.to_string())
        })
    });
    let map = match job.poll() {
        Poll::Running(p) => {
            progress_bar(ui, "Mapping the features", &p);
            return;
        }
        Poll::Done(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
            return;
        }
        Poll::Done(Ok(map)) => map.clone(),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "PCA of the features: x {:.0}% and y {:.0}% of the variance; {} items mapped{}.",
            map.explained[0] * 100.0,
            map.explained[1] * 100.0,
            map.points.len(),
            if map.missing > 0 {
                format!(", {} without features", map.missing)
            } else {
                String::new()
            }
        ));
        for c in data.classes.iter().take(20) {
            ui.colored_label(
                class_colour(&data.classes, Some(c.index)),
                format!("■ {}", c.name),
            );
        }
        ui.colored_label(class_colour(&data.classes, None), "■ unlabeled");
    });
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click());
    let state = &mut app.map;
    state.bounds.get_or_insert_with(|| bounds(&map));
    state.rect = Some(rect);
    let ppp = ui.ctx().pixels_per_point();
    let size = [
        (rect.width() * ppp).max(1.0) as usize,
        (rect.height() * ppp).max(1.0) as usize,
    ];
    let mut shown = vec![false; data.entries.len()];
    for &i in &app.shown {
        shown[i as usize] = true;
    }
    if state.raster.as_ref().is_none_or(|(_, s)| *s != size) {
        let image = raster(state, &map, data, &shown, size, ppp);
        let tex = ui
            .ctx()
            .load_texture("feature-map", image, TextureOptions::LINEAR);
        state.raster = Some((tex, size));
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    if let Some((tex, _)) = &state.raster {
        painter.image(
            tex.id(),
            rect,
            Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            Color32::WHITE,
        );
    }
    // The selected item, ringed.
    if let Some(&sel) = app.shown.get(app.cursor)
        && let Some((_, p)) = map.points.iter().find(|(i, _)| *i == sel)
        && let Some(pos) = state.to_screen(*p)
    {
        painter.circle_stroke(pos, 6.0, (2.0, ui.visuals().strong_text_color()));
    }
    let nearest = |pointer: Pos2| -> Option<u32> {
        map.points
            .iter()
            .filter(|(i, _)| shown[*i as usize])
            .filter_map(|(i, p)| Some((*i, state.to_screen(*p)?.distance(pointer))))
            .filter(|(_, d)| *d <= PICK_RADIUS)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    };
    response.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Image,
            true,
            format!("feature map of {} items", map.points.len()),
        )
    });
    if let Some(pointer) = response.hover_pos()
        && let Some(i) = nearest(pointer)
    {
        response
            .clone()
            .on_hover_text(describe(&data.entries[i as usize]));
    }
    if response.clicked()
        && let Some(pointer) = response.interact_pointer_pos()
        && let Some(i) = nearest(pointer)
    {
        app.open_detail(ui.ctx(), i);
    }
}

/// Paints every shown point (3×3 device pixels) in its label's colour;
/// points left out by the filter are drawn faint, so the shape stays.
/// Labeled points go on top: in a dense cloud the few labeled ones would
/// otherwise vanish under the unlabeled.
fn raster(
    state: &State,
    map: &FeatureMap,
    data: &Dataset,
    shown: &[bool],
    size: [usize; 2],
    ppp: f32,
) -> ColorImage {
    let mut image = ColorImage::filled(size, Color32::TRANSPARENT);
    let Some(rect) = state.rect else {
        return image;
    };
    // Faint points first, then the shown unlabeled, then the labeled.
    let layer = |i: u32| match (shown[i as usize], data.entries[i as usize].class) {
        (false, _) => 0,
        (true, None) => 1,
        (true, Some(_)) => 2,
    };
    for pass in 0..3 {
        for (i, p) in &map.points {
            if layer(*i) != pass {
                continue;
            }
            let Some(pos) = state.to_screen(*p) else {
                continue;
            };
            let colour = class_colour(&data.classes, data.entries[*i as usize].class);
            let colour = if pass > 0 {
                colour
            } else {
                colour.gamma_multiply(0.15)
            };
            let x = ((pos.x - rect.min.x) * ppp) as isize;
            let y = ((pos.y - rect.min.y) * ppp) as isize;
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (px, py) = (x + dx, y + dy);
                    if px >= 0 && py >= 0 && (px as usize) < size[0] && (py as usize) < size[1] {
                        image.pixels[py as usize * size[0] + px as usize] = colour;
                    }
                }
            }
        }
    }
    image
}
