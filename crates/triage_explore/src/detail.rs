//! An item's detail: its image or values, and every event in its history
//! (who, when, source, model version, confidence).

use eframe::egui;
use triage_api::Timestamp;

use crate::app::Explorer;
use crate::grid::{class_colour, source_badge};
use crate::jobs::{Job, Poll};
use crate::thumbs;

/// The longest side the detail panel decodes an image to.
pub const LARGE_SIDE: u32 = 768;

/// "3 min ago", "2 days ago": how long before `now`.
pub fn ago(at: Timestamp, now: Timestamp) -> String {
    let s = (now - at).num_seconds();
    match s {
        i64::MIN..=-1 => "in the future".into(),
        0..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// The spot check, suspicion and flag, in words.
fn review(e: &triage_api::Entry) -> String {
    let mut parts = Vec::new();
    match e.review.spot_check {
        triage_api::SpotCheck::NotDrawn => {}
        triage_api::SpotCheck::Pending => parts.push("spot check pending"),
        triage_api::SpotCheck::Agreed => parts.push("spot check: the person agreed"),
        triage_api::SpotCheck::Disagreed => parts.push("spot check: the person disagreed"),
    }
    if e.review.suspect {
        parts.push("the last round suspects this label");
    }
    if e.review.flagged {
        parts.push("flagged");
    }
    if parts.is_empty() {
        "nothing to review".into()
    } else {
        parts.join("; ")
    }
}

/// Draws the detail panel.
pub fn show(app: &mut Explorer, ui: &mut egui::Ui) {
    let (Some(data), Some(detail)) = (app.data.clone(), app.detail.as_mut()) else {
        return;
    };
    let e = &data.entries[detail.entry as usize];
    ui.horizontal(|ui| {
        ui.heading(&e.name);
        if ui.button("Close (Esc)").clicked() {
            app.detail = None;
        }
    });
    let Some(detail) = app.detail.as_mut() else {
        return;
    };
    let (mut find, mut open) = (false, None);
    egui::ScrollArea::vertical().show(ui, |ui| {
        if let Some(job) = &mut detail.image {
            match job.poll() {
                Poll::Running(_) => {
                    ui.spinner();
                }
                Poll::Done(Ok(image)) => {
                    if detail.texture.is_none() {
                        let filter = thumbs::filter_for(image);
                        detail.texture = Some(ui.ctx().load_texture(
                            format!("detail-{}", detail.entry),
                            image.clone(),
                            filter,
                        ));
                    }
                }
                Poll::Done(Err(reason)) => {
                    ui.colored_label(ui.visuals().error_fg_color, reason);
                }
            }
        }
        if let Some(tex) = &detail.texture {
            // Small images (digits are 8×8) are scaled up to be seen.
            let size = tex.size_vec2();
            let side = ui.available_width().min(360.0);
            let scale = (side / size.x.max(size.y).max(1.0)).max(1.0).min(side);
            ui.add(egui::Image::new((tex.id(), size * scale)))
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Image, true, format!("image {}", e.name))
                });
        }
        if let Some(text) = &e.text {
            // The whole text, selectable so it can be copied.
            ui.add(egui::Label::new(text.as_str()).wrap().selectable(true));
        }
        ui.add_space(6.0);
        egui::Grid::new("detail-facts").num_columns(2).show(ui, |ui| {
            ui.label("label");
            ui.colored_label(
                class_colour(&data.classes, e.class),
                e.label.as_deref().unwrap_or("unlabeled"),
            );
            ui.end_row();
            ui.label("source");
            let (_, colour) = source_badge(e.source);
            ui.colored_label(colour, e.source.map_or("none", |s| s.as_str()));
            ui.end_row();
            ui.label("confidence");
            ui.label(e.confidence.map_or("–".into(), |c| format!("{c:.3}")));
            ui.end_row();
            ui.label("review");
            ui.label(review(e));
            ui.end_row();
        });
        ui.separator();
        match detail.similar.as_mut().map(Job::poll) {
            None => {
                if ui.button("More like this").clicked() {
                    find = true;
                }
            }
            Some(Poll::Running(_)) => {
                ui.spinner();
            }
            Some(Poll::Done(Err(reason))) => {
                ui.colored_label(ui.visuals().warn_fg_color, reason.as_str());
            }
            Some(Poll::Done(Ok(similar))) => {
                ui.strong("More like this");
                for s in similar.iter() {
                    let other = &data.entries[s.entry as usize];
                    let text = other.text.as_deref().map_or(String::new(), |t| {
                        format!(": {}", crate::grid::clip(&t.split_whitespace().collect::<Vec<_>>().join(" "), 60))
                    });
                    if ui
                        .button(format!("{:.3}  {}{text}", s.cosine, other.name))
                        .clicked()
                    {
                        open = Some(s.entry);
                    }
                }
            }
        }
        ui.separator();
        ui.strong("History");
        match &detail.history {
            Err(reason) => {
                ui.colored_label(ui.visuals().error_fg_color, reason);
            }
            Ok(events) if events.is_empty() => {
                ui.label("No events: nobody has labeled it.");
            }
            Ok(events) => {
                let now = app.clock.now();
                egui::Grid::new("history")
                    .striped(true)
                    .num_columns(5)
                    .show(ui, |ui| {
                        for h in ["when", "what", "source", "who", "confidence"] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for (i, ev) in events.iter().enumerate() {
                            let when = ev.at.map_or("–".into(), |t| {
                                format!("{} ({})", t.format("%Y-%m-%d %H:%M:%S"), ago(t, now))
                            });
                            let who = match (&ev.annotator, ev.model_version) {
                                (Some(a), _) => a.clone(),
                                (None, Some(v)) => format!("model v{v}"),
                                (None, None) => "–".into(),
                            };
                            let confidence = ev.confidence.map_or("–".into(), |c| format!("{c:.3}"));
                            ui.label(&when);
                            ui.label(&ev.what);
                            ui.label(&ev.source);
                            ui.label(&who);
                            ui.label(&confidence).widget_info(|| {
                                    egui::WidgetInfo::labeled(
                                        egui::Role::Row,
                                        true,
                                        format!(
                                            "event {}: {} by {who} ({}), {when}, confidence {confidence}",
                                            i + 1,
                                            ev.what,
                                            ev.source
                                        ),
                                    )
                                });
                            ui.end_row();
                        }
                    });
            }
        }
        ui.separator();
        ui.strong("Values");
        egui::Grid::new("values").num_columns(2).striped(true).show(ui, |ui| {
            for (name, value) in data.row(detail.entry as usize) {
                // A text's own column: shown whole above.
                if e.text.is_some() && name == triage_api::TEXT_KEY {
                    continue;
                }
                ui.label(name);
                ui.label(value);
                ui.end_row();
            }
        });
    });
    if find {
        app.find_similar(ui.ctx());
    }
    if let Some(entry) = open {
        app.open_detail(ui.ctx(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(ago(at("2026-11-29T11:59:30Z"), now), "30 s ago");
        assert_eq!(ago(at("2026-11-29T11:15:00Z"), now), "45 min ago");
        assert_eq!(ago(at("2026-11-29T07:00:00Z"), now), "5 h ago");
        assert_eq!(ago(at("2026-11-26T12:00:00Z"), now), "3 days ago");
        assert_eq!(ago(at("2026-11-30T12:00:00Z"), now), "in the future");
    }
}
