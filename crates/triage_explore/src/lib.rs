//! The native explorer, for data scientists: browse a project, a table or a
//! Ground Truth manifest without the labeling workflow. An eframe app (the
//! `glow` backend, so it runs under Xvfb with Mesa) over `triage_api`
//! alone: a thumbnail grid, a table, filters, an item's detail with its
//! full history, the profile with its charts, and a 2-D map of the feature
//! space. Nothing here writes to what it opens.

mod app;
mod detail;
mod duplicates;
mod filter;
mod grid;
mod jobs;
mod map_view;
mod profile_view;
mod table;
mod thumbs;

pub use app::{Clock, Explorer, View};

/// A screenshot to take and quit, for `triage-explore --screenshot`.
pub struct Screenshot {
    /// The view to show.
    pub view: View,
    /// Whether to open the first item's detail.
    pub detail: bool,
    /// Where the PNG goes.
    pub path: std::path::PathBuf,
}

/// Opens the explorer window on `path` (or empty) and runs until it closes.
pub fn run(path: Option<std::path::PathBuf>, shot: Option<Screenshot>) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("Triage explorer")
            .with_inner_size([1280.0, 820.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Triage explorer",
        options,
        Box::new(move |cc| {
            let mut app = Explorer::new(&cc.egui_ctx, path, Clock::system());
            if let Some(s) = shot {
                app.screenshot_then_quit(s.view, s.detail, s.path);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the explorer window failed: {e}"))
}
