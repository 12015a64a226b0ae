//! The profile panels: column statistics with their charts, the labels
//! (distribution, confidence per class, drift), correlations, images, and
//! a project team's agreement.
//! The profile and its charts (plotters, drawn as PNG in the bundled font)
//! are made on a thread when the view is first opened.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui::{self, ColorImage, Key, Modifiers, TextureHandle, TextureOptions};
use triage_api::{Dataset, Profile, charts};

use crate::app::Explorer;
use crate::jobs::{Job, Poll, progress_bar};

/// A profile and its charts, ready to show.
pub struct Profiled {
    profile: Profile,
    charts: Vec<(String, ColorImage)>,
}

/// The profile view's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// One column at a time.
    #[default]
    Columns,
    /// The label views.
    Labels,
    /// Correlation heatmaps.
    Correlations,
    /// Image files.
    Images,
    /// Agreement among the people who labeled a project.
    Team,
}

/// The profile view's state.
#[derive(Default)]
pub struct State {
    job: Option<Job<Profiled>>,
    textures: HashMap<String, TextureHandle>,
    /// The column shown.
    pub column: usize,
    /// The tab shown.
    pub tab: Tab,
}

impl State {
    /// Whether the profile is being made.
    pub fn is_busy(&mut self) -> bool {
        self.job.as_mut().is_some_and(|j| j.is_running())
    }
}

fn make(data: &Dataset, progress: &(dyn Fn(&str, u64, u64) + Sync)) -> Result<Profiled, String> {
    progress("profiling", 0, 0);
    let profile = data.profile().map_err(|e| e.to_string())?;
    let keyed = charts::charts_for(&profile);
    let total = keyed.len() as u64;
    let mut out = Vec::new();
    for (i, k) in keyed.iter().enumerate() {
        progress("drawing charts", i as u64, total);
        let img = charts::bitmap(&k.chart).map_err(|e| format!("chart {}: {e}", k.key))?;
        out.push((
            k.key.clone(),
            ColorImage::from_rgb([img.width() as usize, img.height() as usize], img.as_raw()),
        ));
    }
    Ok(Profiled {
        profile,
        charts: out,
    })
}

/// Draws the profile view, starting the profile the first time.
pub fn show(app: &mut Explorer, ui: &mut egui::Ui, data: &Arc<Dataset>) {
    let state = &mut app.profile;
    let job = state.job.get_or_insert_with(|| {
        let data = Arc::clone(data);
        Job::spawn(ui.ctx(), move |progress| make(&data, progress))
    });
    let profiled = match job.poll() {
        Poll::Running(p) => {
            progress_bar(ui, "Profiling", &p);
            return;
        }
        Poll::Done(Err(e)) => {
            ui.colored_label(ui.visuals().error_fg_color, e);
            return;
        }
        Poll::Done(Ok(p)) => p,
    };
    ui.horizontal(|ui| {
        let team = data
            .agreement
            .as_ref()
            .is_some_and(|a| !a.annotators.is_empty());
        for (tab, name) in [
            (Tab::Columns, "Columns"),
            (Tab::Labels, "Labels"),
            (Tab::Correlations, "Correlations"),
            (Tab::Images, "Images"),
            (Tab::Team, "Team"),
        ] {
            if tab == Tab::Team && !team {
                continue;
            }
            if ui.selectable_label(state.tab == tab, name).clicked() {
                state.tab = tab;
            }
        }
        ui.separator();
        ui.label(format!(
            "{} rows, {} columns, {} alerts",
            profiled.profile.rows,
            profiled.profile.columns.len(),
            profiled.profile.alerts.len()
        ));
    });
    ui.separator();
    let ctx = ui.ctx().clone();
    let mut chart = |ui: &mut egui::Ui, key: &str| {
        let Some((_, image)) = profiled.charts.iter().find(|(k, _)| k == key) else {
            return;
        };
        let tex = state.textures.entry(key.to_owned()).or_insert_with(|| {
            ctx.load_texture(
                format!("chart-{key}"),
                image.clone(),
                TextureOptions::LINEAR,
            )
        });
        let size = tex.size_vec2();
        let scale = (ui.available_width() / size.x).min(1.0);
        ui.add(egui::Image::new((tex.id(), size * scale)))
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Image, true, format!("chart {key}"))
            });
    };
    let keys = |prefix: &str| -> Vec<String> {
        profiled
            .charts
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect()
    };
    let p = &profiled.profile;
    match state.tab {
        Tab::Columns => {
            if !ctx.text_edit_focused() {
                let n = p.columns.len().max(1);
                if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowDown)) {
                    state.column = (state.column + 1).min(n - 1);
                }
                if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowUp)) {
                    state.column = state.column.saturating_sub(1);
                }
            }
            egui::Panel::left("profile-columns")
                .resizable(true)
                .default_size(220.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        for (i, c) in p.columns.iter().enumerate() {
                            let alerts = p
                                .alerts
                                .iter()
                                .filter(|a| a.column.as_deref() == Some(c.name.as_str()))
                                .count();
                            let text = if alerts > 0 {
                                format!("{} [{}] ! {alerts}", c.name, c.kind.name())
                            } else {
                                format!("{} [{}]", c.name, c.kind.name())
                            };
                            if ui.selectable_label(state.column == i, text).clicked() {
                                state.column = i;
                            }
                        }
                    });
                });
            let Some(c) = p.columns.get(state.column) else {
                ui.label("This table has no columns.");
                return;
            };
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading(format!("{} ({})", c.name, c.kind.name()));
                egui::Grid::new("column-stats")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        let mut fact = |k: &str, v: String| {
                            ui.label(k);
                            ui.label(v);
                            ui.end_row();
                        };
                        fact("type", c.dtype.clone());
                        fact("values", c.count.to_string());
                        fact("missing", c.missing.to_string());
                        fact("distinct", c.distinct.to_string());
                        if let Some(s) = &c.numeric {
                            fact("min", format!("{:.4}", s.min));
                            fact("max", format!("{:.4}", s.max));
                            fact("mean", format!("{:.4}", s.mean));
                            fact("std", format!("{:.4}", s.std));
                            fact("skewness", format!("{:.3}", s.skewness));
                            fact("median", format!("{:.4}", s.quantiles.p50));
                            fact("zeros", s.zeros.to_string());
                            fact("outliers (IQR)", s.outliers.to_string());
                        }
                        if let Some(d) = &c.datetime {
                            fact("from", d.min.clone());
                            fact("to", d.max.clone());
                        }
                        for t in c.top_values.iter().take(5) {
                            fact(&format!("top: {}", t.value), t.count.to_string());
                        }
                    });
                for a in p
                    .alerts
                    .iter()
                    .filter(|a| a.column.as_deref() == Some(c.name.as_str()))
                {
                    ui.colored_label(ui.visuals().warn_fg_color, &a.message);
                }
                for key in keys(&format!("column/{}/", c.name)) {
                    chart(ui, &key);
                }
            });
        }
        Tab::Labels => {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let Some(l) = &p.labels else {
                    ui.label("No labels to show.");
                    return;
                };
                ui.label(format!(
                    "{} labeled; imbalance {}",
                    l.labeled,
                    l.imbalance_ratio.map_or("–".into(), |r| format!("{r:.1}×"))
                ));
                chart(ui, "labels/distribution");
                chart(ui, "labels/confidence");
                if !l.drift.is_empty() {
                    ui.strong("Drift against the labeled part");
                    egui::Grid::new("drift").striped(true).show(ui, |ui| {
                        for h in ["column", "compared", "test", "statistic"] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for d in &l.drift {
                            ui.label(&d.column);
                            ui.label(&d.compared);
                            ui.label(&d.test);
                            ui.label(format!("{:.3}", d.statistic));
                            ui.end_row();
                        }
                    });
                }
            });
        }
        Tab::Correlations => {
            egui::ScrollArea::both().show(ui, |ui| {
                let found = keys("dataset/");
                if found.is_empty() {
                    ui.label(
                        "Fewer than two numeric or categorical columns: nothing to correlate.",
                    );
                }
                for key in found {
                    chart(ui, &key);
                }
            });
        }
        Tab::Images => {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let Some(i) = &p.images else {
                    ui.label("No images here.");
                    return;
                };
                ui.label(format!(
                    "{} files, {} readable, {} near-duplicate groups",
                    i.files,
                    i.readable,
                    i.near_duplicates.len()
                ));
                for u in &i.unreadable {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("{}: {}", u.path, u.reason),
                    );
                }
                for key in keys("images/") {
                    chart(ui, &key);
                }
            });
        }
        Tab::Team => {
            egui::ScrollArea::vertical().show(ui, |ui| match &data.agreement {
                Some(a) => team(ui, a),
                None => {
                    ui.label("Agreement is measured in projects.");
                }
            });
        }
    }
}

/// The team's agreement: the overall figures, each person's estimated
/// accuracy as a bar, and Cohen's kappa per pair as a grid.
fn team(ui: &mut egui::Ui, a: &triage_api::Agreement) {
    let num = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.3}"));
    ui.label(format!(
        "{} items answered by several · Fleiss' κ {} · Krippendorff's α {} · {} in disagreement",
        a.items_with_several,
        num(a.fleiss_kappa),
        num(a.krippendorff_alpha),
        a.disagreements.len()
    ));
    ui.add_space(6.0);
    ui.strong("Estimated accuracy (Dawid–Skene)");
    egui::Grid::new("accuracy").show(ui, |ui| {
        for p in &a.annotators {
            ui.label(&p.annotator);
            let text = p
                .estimated_accuracy
                .map_or("–".to_owned(), |v| format!("{:.1}%", v * 100.0));
            ui.add(
                egui::ProgressBar::new(p.estimated_accuracy.unwrap_or(0.0) as f32)
                    .desired_width(200.0)
                    .text(format!("{} {text}", p.annotator)),
            );
            ui.label(format!("{} answers", p.answers));
            ui.end_row();
        }
    });
    if a.pairs.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.strong("Cohen's κ per pair");
    let names: Vec<&str> = a.annotators.iter().map(|p| p.annotator.as_str()).collect();
    egui::Grid::new("kappa").striped(true).show(ui, |ui| {
        ui.label("");
        for n in &names {
            ui.strong(*n);
        }
        ui.end_row();
        for x in &names {
            ui.strong(*x);
            for y in &names {
                let pair = a
                    .pairs
                    .iter()
                    .find(|p| (p.a == *x && p.b == *y) || (p.a == *y && p.b == *x));
                match pair {
                    Some(p) if x != y => ui.label(num(p.cohen_kappa)),
                    _ => ui.label(""),
                };
            }
            ui.end_row();
        }
    });
}
