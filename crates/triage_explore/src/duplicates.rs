//! Near-duplicate groups: found on a thread over the dataset's embeddings
//! (or its texts), then shown side by side in the grid and the table.

use std::sync::Arc;

use eframe::egui;
use triage_api::Dataset;

use crate::jobs::{Job, Poll, progress_bar};

/// The cosine a pair needs to count as near-duplicates, until changed.
pub const DEFAULT_MIN_COSINE: f64 = 0.95;

/// The near-duplicate search and its result.
pub struct State {
    /// The cosine a pair needs.
    pub min_cosine: f64,
    job: Option<Job<Vec<Vec<u32>>>>,
    /// The groups found, largest first, and the cosine they were found at.
    pub groups: Option<(Vec<Vec<u32>>, f64)>,
    /// Show only the grouped entries, group after group.
    pub only: bool,
    error: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            min_cosine: DEFAULT_MIN_COSINE,
            job: None,
            groups: None,
            only: false,
            error: None,
        }
    }
}

impl State {
    /// Starts looking for groups at the current cosine.
    pub fn find(&mut self, ctx: &egui::Context, data: Arc<Dataset>) {
        let min = self.min_cosine;
        self.error = None;
        self.job = Some(Job::spawn(ctx, move |_| {
            data.near_duplicates(min).map_err(|e| e.to_string())
        }));
    }

    /// Takes a finished search's result; true when the groups changed.
    pub fn finish(&mut self) -> bool {
        let Some(result) = self.job.as_mut().and_then(Job::take) else {
            return false;
        };
        self.job = None;
        match result {
            Ok(groups) => {
                self.groups = Some((groups, self.min_cosine));
                true
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    /// The order to show entries in when only the grouped ones are shown.
    pub fn order(&self) -> Option<Vec<u32>> {
        let (groups, _) = self.groups.as_ref().filter(|_| self.only)?;
        Some(groups.iter().flatten().copied().collect())
    }

    /// Whether a search is running.
    pub fn is_running(&mut self) -> bool {
        self.job.as_mut().is_some_and(Job::is_running)
    }

    /// The filter panel's section. True when what is shown must change.
    pub fn ui(&mut self, ui: &mut egui::Ui, data: &Arc<Dataset>) -> bool {
        ui.label("Near-duplicates");
        ui.add(
            egui::Slider::new(&mut self.min_cosine, 0.8..=1.0)
                .text("min cosine")
                .fixed_decimals(2),
        );
        let mut changed = false;
        match self.job.as_mut().map(Job::poll) {
            Some(Poll::Running(p)) => progress_bar(ui, "Comparing", &p),
            _ => {
                if ui.button("Find near-duplicates").clicked() {
                    self.find(ui.ctx(), Arc::clone(data));
                }
            }
        }
        if let Some((groups, at)) = &self.groups {
            let entries: usize = groups.iter().map(Vec::len).sum();
            ui.label(format!(
                "{} groups, {entries} entries at cosine ≥ {at:.2}",
                groups.len()
            ));
            changed |= ui
                .checkbox(&mut self.only, "only these, group by group")
                .changed();
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        changed
    }
}
