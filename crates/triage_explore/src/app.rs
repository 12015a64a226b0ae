//! The explorer's state and frame: a top bar (open, views, counts), the
//! filters on the left, the current view in the middle and an item's
//! detail on the right. Everything slow runs as a [`Job`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{self, Key, Modifiers};
use triage_api::{Dataset, HistoryEvent, Timestamp};

use crate::filter::{Filter, SOURCES, SpotFilter};
use crate::jobs::{Job, Poll, progress_bar};
use crate::thumbs::Thumbs;
use crate::{detail, duplicates, grid, map_view, profile_view, table};

/// Where "now" comes from, for relative times in histories. Tests fix it,
/// so what they read does not depend on when they run.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(triage_api::now))
    }

    /// A clock stopped at `at`.
    pub fn fixed(at: Timestamp) -> Self {
        Self(Arc::new(move || at))
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

/// egui's own font has few symbols; DejaVu Sans (bundled in `assets/`,
/// also used by the charts) backs it up, so class names in any script and
/// marks like ■ draw instead of failing.
fn install_fonts(ctx: &egui::Context) {
    static DEJAVU: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu".into(),
        Arc::new(egui::FontData::from_static(DEJAVU)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("dejavu".into());
    }
    ctx.set_fonts(fonts);
}

/// The views, in tab order; the number keys 1–4 switch between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Thumbnails (or row cards) with their labels.
    Grid,
    /// The rows and their values.
    Table,
    /// Column statistics and charts.
    Profile,
    /// The feature space in two dimensions.
    Map,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [Self; 4] = [Self::Grid, Self::Table, Self::Profile, Self::Map];

    /// Its name on its tab.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grid => "Grid",
            Self::Table => "Table",
            Self::Profile => "Profile",
            Self::Map => "Map",
        }
    }
}

/// A table sort (column, descending) and a search text (lower case).
type LookupKey = (Option<(usize, bool)>, String);

/// What `shown` was computed from: the filter and the lookup.
type ShownKey = (Filter, LookupKey);

/// Datasets up to this many entries are sorted and searched within the
/// frame; larger ones on a thread, so typing never waits for a million
/// rows.
const LOOKUP_IN_FRAME: usize = 50_000;

/// The order a sort gives and the entries a search finds, for one key.
/// Parts are shared, so a new search keeps the sort and a new sort keeps
/// the search.
#[derive(Clone, Default)]
struct Lookup {
    key: LookupKey,
    order: Option<Arc<Vec<u32>>>,
    found: Option<Arc<Vec<bool>>>,
}

impl Lookup {
    /// The lookup for `key`, reusing what `before` already has.
    fn compute(data: &Dataset, key: LookupKey, before: &Lookup) -> Self {
        let order = match key.0 {
            Some(s) if before.key.0 == Some(s) => before.order.clone(),
            Some((c, desc)) => data.sort_order(c, desc).ok().map(Arc::new),
            None => None,
        };
        let found = match key.1.as_str() {
            "" => None,
            needle if before.key.1 == needle => before.found.clone(),
            needle => Some(Arc::new(data.search(needle))),
        };
        Self { key, order, found }
    }
}

/// An item opened for detail.
pub struct Detail {
    /// Its entry index.
    pub entry: u32,
    /// Its events, or why they could not be read.
    pub history: Result<Vec<HistoryEvent>, String>,
    /// Its image, decoded off the UI thread.
    pub image: Option<Job<egui::ColorImage>>,
    /// The image once uploaded.
    pub texture: Option<egui::TextureHandle>,
    /// The entries most like it, once asked for.
    pub similar: Option<Job<Vec<triage_api::Similar>>>,
}

/// How many entries "more like this" lists.
pub const SIMILAR_SHOWN: usize = 12;

/// The explorer app.
pub struct Explorer {
    pub(crate) clock: Clock,
    path_input: String,
    opening: Option<Job<Dataset>>,
    pub(crate) data: Option<Arc<Dataset>>,
    error: Option<String>,
    pub(crate) view: View,
    pub(crate) filter: Filter,
    /// Entry indices shown, in order.
    pub(crate) shown: Vec<u32>,
    shown_key: Option<ShownKey>,
    /// The table's sort: column and descending.
    pub(crate) sort: Option<(usize, bool)>,
    pub(crate) search: String,
    /// The sort and search `shown` follows, and one being computed.
    lookup: Lookup,
    looking: Option<(LookupKey, Job<Lookup>)>,
    /// The selected position in `shown`.
    pub(crate) cursor: usize,
    pub(crate) scroll_to_cursor: bool,
    pub(crate) detail: Option<Detail>,
    pub(crate) thumbs: Thumbs,
    pub(crate) profile: profile_view::State,
    pub(crate) map: map_view::State,
    pub(crate) duplicates: duplicates::State,
    /// Grid columns in the last frame, for up and down.
    pub(crate) grid_columns: usize,
    /// Rows a page holds in the current view, for Page Up and Down.
    pub(crate) page_rows: usize,
    /// Where the grid and the table were scrolled to last frame.
    pub(crate) grid_offset: f32,
    pub(crate) table_offset: f32,
    auto_shot: Option<AutoShot>,
}

type SaveSlot = Arc<std::sync::Mutex<Option<Result<(), String>>>>;

/// A screenshot to take once everything on screen has loaded, then quit:
/// for screenshots in CI and in docs (`triage-explore --screenshot`).
struct AutoShot {
    path: PathBuf,
    detail: bool,
    ready_frames: u32,
    /// Filled by the screenshot callback with how saving went.
    saved: Option<SaveSlot>,
}

impl Explorer {
    /// An explorer that starts opening `path`, if given.
    pub fn new(ctx: &egui::Context, path: Option<PathBuf>, clock: Clock) -> Self {
        install_fonts(ctx);
        let mut app = Self {
            clock,
            path_input: path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            opening: None,
            data: None,
            error: None,
            view: View::Grid,
            filter: Filter::all(0),
            shown: Vec::new(),
            shown_key: None,
            sort: None,
            search: String::new(),
            lookup: Lookup::default(),
            looking: None,
            cursor: 0,
            scroll_to_cursor: false,
            detail: None,
            thumbs: Thumbs::new(ctx),
            profile: Default::default(),
            map: Default::default(),
            duplicates: Default::default(),
            grid_columns: 1,
            page_rows: 10,
            grid_offset: 0.0,
            table_offset: 0.0,
            auto_shot: None,
        };
        if let Some(path) = path {
            app.open(ctx, &path);
        }
        app
    }

    /// Shows `view` and, once it and its thumbnails have loaded (with the
    /// first item's detail open if `detail`), saves a PNG of the window to
    /// `path` and closes. Errors go to standard error.
    pub fn screenshot_then_quit(&mut self, view: View, detail: bool, path: PathBuf) {
        self.view = view;
        self.auto_shot = Some(AutoShot {
            path,
            detail,
            ready_frames: 0,
            saved: None,
        });
    }

    fn step_auto_shot(&mut self, ctx: &egui::Context) {
        if self.auto_shot.is_none() {
            return;
        }
        let busy = self.is_busy();
        let Some(shot) = &mut self.auto_shot else {
            return;
        };
        ctx.request_repaint();
        if let Some(saved) = &shot.saved {
            let done = saved.lock().ok().and_then(|mut s| s.take());
            if let Some(result) = done {
                if let Err(e) = result {
                    tracing::error!("{}: {e}", shot.path.display());
                }
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            return;
        }
        if let Some(e) = &self.error {
            // Said once, though frames may come before the window closes.
            if shot.ready_frames != u32::MAX {
                tracing::error!("{e}");
                shot.ready_frames = u32::MAX;
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if self.data.is_none() || busy || !self.thumbs.settled() {
            shot.ready_frames = 0;
            return;
        }
        if shot.detail && self.detail.is_none() {
            shot.detail = false;
            if let Some(&e) = self.shown.first() {
                self.open_detail(ctx, e);
            }
            return;
        }
        if self
            .detail
            .as_mut()
            .and_then(|d| d.image.as_mut())
            .is_some_and(|j| j.is_running())
        {
            return;
        }
        shot.ready_frames += 1;
        if shot.ready_frames < 10 {
            return;
        }
        let saved = Arc::new(std::sync::Mutex::new(None));
        let (slot, path) = (Arc::clone(&saved), shot.path.clone());
        let waker = ctx.clone();
        ctx.request_screenshot(move |image| {
            let bytes: Vec<u8> = image.pixels.iter().flat_map(|p| p.to_array()).collect();
            let result =
                image::RgbaImage::from_raw(image.size[0] as u32, image.size[1] as u32, bytes)
                    .ok_or_else(|| "the screenshot has the wrong size".to_owned())
                    .and_then(|img| img.save(&path).map_err(|e| e.to_string()));
            if let Ok(mut s) = slot.lock() {
                *s = Some(result);
            }
            waker.request_repaint();
        });
        shot.saved = Some(saved);
    }

    /// Starts opening a dataset; the current one stays until it is ready.
    pub fn open(&mut self, ctx: &egui::Context, path: &Path) {
        let path = path.to_owned();
        self.error = None;
        self.opening = Some(Job::spawn(ctx, move |progress| {
            Dataset::open(&path, progress).map_err(|e| e.to_string())
        }));
    }

    /// The dataset on screen.
    pub fn dataset(&self) -> Option<&Dataset> {
        self.data.as_deref()
    }

    /// Whether a dataset is being opened.
    pub fn is_loading(&self) -> bool {
        self.opening.is_some()
    }

    /// The last error shown.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The entry indices shown now, in order.
    pub fn shown(&self) -> &[u32] {
        &self.shown
    }

    /// The entry open in the detail panel.
    pub fn detail_entry(&self) -> Option<u32> {
        self.detail.as_ref().map(|d| d.entry)
    }

    /// Whether the profile (or the map) is still being computed.
    pub fn is_busy(&mut self) -> bool {
        self.opening.is_some()
            || self.is_looking()
            || self.profile.is_busy()
            || self.map.is_busy()
            || self
                .detail
                .as_mut()
                .and_then(|d| d.similar.as_mut())
                .is_some_and(Job::is_running)
            || self.duplicates.is_running()
    }

    /// The current view.
    pub fn view(&self) -> View {
        self.view
    }

    fn finish_opening(&mut self) {
        let Some(job) = &mut self.opening else {
            return;
        };
        let Some(result) = job.take() else {
            return;
        };
        self.opening = None;
        match result {
            Ok(data) => {
                self.filter = Filter::all(data.classes.len());
                self.data = Some(Arc::new(data));
                self.shown_key = None;
                self.sort = None;
                self.search.clear();
                self.lookup = Lookup::default();
                self.looking = None;
                self.cursor = 0;
                self.detail = None;
                self.thumbs.clear();
                self.profile = Default::default();
                self.map = Default::default();
                self.duplicates = Default::default();
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Whether a sort or search is being computed.
    pub fn is_looking(&self) -> bool {
        self.looking.is_some()
    }

    /// What is being computed, as the table says it.
    pub(crate) fn looking_for(&self) -> Option<&'static str> {
        let (key, _) = self.looking.as_ref()?;
        Some(if key.1 == self.lookup.key.1 {
            "sorting…"
        } else {
            "searching…"
        })
    }

    /// Brings the lookup to the sort and search asked for: at once on a
    /// small dataset, else on a thread while the last one stays shown.
    fn update_lookup(&mut self, ctx: &egui::Context, data: &Arc<Dataset>) {
        if let Some((_, job)) = &mut self.looking
            && let Some(done) = job.take()
        {
            self.looking = None;
            match done {
                Ok(lookup) => self.lookup = lookup,
                Err(e) => self.error = Some(e),
            }
        }
        let want = (self.sort, self.search.trim().to_lowercase());
        // One at a time: keys typed meanwhile are looked up together next.
        if self.lookup.key == want || self.looking.is_some() {
            return;
        }
        if data.entries.len() <= LOOKUP_IN_FRAME {
            self.lookup = Lookup::compute(data, want, &self.lookup);
            return;
        }
        let (data, before) = (Arc::clone(data), self.lookup.clone());
        let key = want.clone();
        let job = Job::spawn(ctx, move |_| Ok(Lookup::compute(&data, key, &before)));
        self.looking = Some((want, job));
    }

    /// Recomputes the shown entries when the filter or the lookup changed.
    fn refresh_shown(&mut self, ctx: &egui::Context) {
        let Some(data) = self.data.clone() else {
            self.shown.clear();
            return;
        };
        self.update_lookup(ctx, &data);
        let key = (self.filter.clone(), self.lookup.key.clone());
        if self.shown_key.as_ref() == Some(&key) {
            return;
        }
        let keep = self.shown.get(self.cursor).copied();
        let n = data.entries.len() as u32;
        let mut shown = match (self.duplicates.order(), &self.lookup.order) {
            (Some(groups), _) => self.filter.apply(&data.entries, groups.into_iter()),
            (None, Some(order)) => self.filter.apply(&data.entries, order.iter().copied()),
            (None, None) => self.filter.apply(&data.entries, 0..n),
        };
        if let Some(found) = &self.lookup.found {
            shown.retain(|&i| found.get(i as usize).copied().unwrap_or(false));
        }
        self.shown = shown;
        self.cursor = keep
            .and_then(|k| self.shown.iter().position(|&i| i == k))
            .unwrap_or(0);
        self.shown_key = Some(key);
        self.map.filter_changed();
    }

    /// Opens an entry's detail: its history now (one short read), its
    /// image on a thread.
    pub(crate) fn open_detail(&mut self, ctx: &egui::Context, entry: u32) {
        let Some(data) = self.data.clone() else {
            return;
        };
        let history = data.history(entry as usize).map_err(|e| e.to_string());
        let image = data.entries[entry as usize].image.clone().map(|path| {
            Job::spawn(ctx, move |_| {
                crate::thumbs::decode(&path, detail::LARGE_SIDE)
                    .ok_or_else(|| format!("{}: cannot decode this image", path.display()))
            })
        });
        if let Some(pos) = self.shown.iter().position(|&i| i == entry) {
            self.cursor = pos;
            self.scroll_to_cursor = true;
        }
        self.detail = Some(Detail {
            entry,
            history,
            image,
            texture: None,
            similar: None,
        });
    }

    /// Looks for the entries most like the one open, off the UI thread.
    pub(crate) fn find_similar(&mut self, ctx: &egui::Context) {
        let (Some(data), Some(detail)) = (self.data.clone(), self.detail.as_mut()) else {
            return;
        };
        let entry = detail.entry as usize;
        detail.similar = Some(Job::spawn(ctx, move |_| {
            data.similar(entry, SIMILAR_SHOWN)
                .map_err(|e| e.to_string())
        }));
    }

    /// A vertical scroll area that, if the cursor just moved, scrolls just
    /// enough to show its row (`offset` is where it was last frame).
    pub(crate) fn follow_cursor(
        &mut self,
        area: egui::ScrollArea,
        row: usize,
        row_height: f32,
        offset: f32,
        view_height: f32,
    ) -> egui::ScrollArea {
        if !std::mem::take(&mut self.scroll_to_cursor) {
            return area;
        }
        let top = row as f32 * row_height;
        if top < offset {
            area.vertical_scroll_offset(top)
        } else if top + row_height > offset + view_height {
            area.vertical_scroll_offset(top + row_height - view_height)
        } else {
            area
        }
    }

    fn move_cursor(&mut self, delta: isize) {
        if self.shown.is_empty() {
            return;
        }
        let last = self.shown.len() as isize - 1;
        self.cursor = (self.cursor as isize + delta).clamp(0, last) as usize;
        self.scroll_to_cursor = true;
    }

    /// Keys that work everywhere unless a text field has the keyboard.
    fn keys(&mut self, ctx: &egui::Context) {
        if ctx.text_edit_focused() {
            if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
                ctx.memory_mut(|m| m.stop_text_input());
            }
            return;
        }
        let pressed = |key: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, key));
        for (i, key) in [Key::Num1, Key::Num2, Key::Num3, Key::Num4]
            .into_iter()
            .enumerate()
        {
            if pressed(key) {
                self.view = View::ALL[i];
            }
        }
        if self.view == View::Profile {
            // The profile view moves through columns with the arrows.
            return;
        }
        let across = if self.view == View::Grid {
            self.grid_columns.max(1) as isize
        } else {
            1
        };
        let page = (self.page_rows.max(1) as isize) * across;
        let moves = [
            (Key::ArrowRight, 1),
            (Key::ArrowLeft, -1),
            (Key::ArrowDown, across),
            (Key::ArrowUp, -across),
            (Key::J, across),
            (Key::K, -across),
            (Key::PageDown, page),
            (Key::PageUp, -page),
            (Key::Home, isize::MIN / 2),
            (Key::End, isize::MAX / 2),
        ];
        for (key, delta) in moves {
            if pressed(key) {
                self.move_cursor(delta);
                if let Some(d) = &self.detail
                    && self.shown.get(self.cursor) != Some(&d.entry)
                    && let Some(&e) = self.shown.get(self.cursor)
                {
                    self.open_detail(ctx, e);
                }
            }
        }
        if pressed(Key::Enter)
            && let Some(&e) = self.shown.get(self.cursor)
        {
            self.open_detail(ctx, e);
        }
        if pressed(Key::Escape) {
            self.detail = None;
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Open:");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.path_input)
                    .hint_text("a project folder, a table or a manifest")
                    .desired_width(360.0),
            );
            let submitted = edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if ui.button("Open").clicked() || submitted {
                let path = PathBuf::from(self.path_input.trim());
                self.open(ui.ctx(), &path);
            }
            ui.separator();
            for (i, view) in View::ALL.into_iter().enumerate() {
                let label = format!("{} ({})", view.name(), i + 1);
                if ui.selectable_label(self.view == view, label).clicked() {
                    self.view = view;
                }
            }
            ui.separator();
            if let Some(data) = &self.data {
                ui.label(format!(
                    "{}: {} of {} shown",
                    data.path.file_name().map_or_else(
                        || data.path.display().to_string(),
                        |n| { n.to_string_lossy().into_owned() }
                    ),
                    self.shown.len(),
                    data.entries.len()
                ));
            }
        });
        if let Some(job) = &mut self.opening
            && let Poll::Running(p) = job.poll()
        {
            progress_bar(ui, "Opening", &p);
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }

    fn filters(&mut self, ui: &mut egui::Ui) {
        let Some(data) = self.data.clone() else {
            ui.label("Nothing open.");
            return;
        };
        let f = &mut self.filter;
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Filters");
            if ui.button("Show everything").clicked() {
                *f = Filter::all(data.classes.len());
            }
            ui.separator();
            ui.label("Label source");
            for (i, source) in SOURCES.into_iter().enumerate() {
                ui.checkbox(&mut f.sources[i], source.as_str());
            }
            ui.checkbox(&mut f.unlabeled, "unlabeled");
            ui.separator();
            ui.label("Confidence");
            ui.add(
                egui::Slider::new(&mut f.min_confidence, 0.0..=1.0)
                    .text("min confidence")
                    .fixed_decimals(2),
            );
            ui.add(
                egui::Slider::new(&mut f.max_confidence, 0.0..=1.0)
                    .text("max confidence")
                    .fixed_decimals(2),
            );
            if f.min_confidence > f.max_confidence {
                f.max_confidence = f.min_confidence;
            }
            ui.separator();
            egui::ComboBox::from_label("spot check")
                .selected_text(f.spot.name())
                .show_ui(ui, |ui| {
                    for s in SpotFilter::ALL {
                        ui.selectable_value(&mut f.spot, s, s.name());
                    }
                });
            ui.checkbox(&mut f.suspects_only, "suspected label errors only");
            ui.checkbox(&mut f.flagged_only, "flagged only");
            ui.checkbox(&mut f.disagreements_only, "in disagreement only");
            ui.separator();
            ui.label("Classes");
            ui.horizontal(|ui| {
                if ui.small_button("all").clicked() {
                    f.classes.iter_mut().for_each(|c| *c = true);
                }
                if ui.small_button("none").clicked() {
                    f.classes.iter_mut().for_each(|c| *c = false);
                }
            });
            for (i, class) in data.classes.iter().enumerate() {
                if let Some(on) = f.classes.get_mut(i) {
                    ui.checkbox(on, format!("class {}", class.name));
                }
            }
            ui.checkbox(&mut f.no_class, "no single class");
            ui.separator();
            if self.duplicates.ui(ui, &data) {
                self.shown_key = None;
            }
            if !data.problems.is_empty() {
                ui.separator();
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{} lines skipped", data.problems.len()),
                )
                .on_hover_text(data.problems.join("\n"));
            }
        });
    }
}

impl eframe::App for Explorer {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.finish_opening();
        if self.duplicates.finish() {
            self.shown_key = None;
        }
        self.refresh_shown(&ctx);
        self.keys(&ctx);
        self.thumbs.begin_frame(&ctx);
        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        if self.data.is_some() {
            egui::Panel::left("filters")
                .resizable(true)
                .default_size(220.0)
                .show(ui, |ui| self.filters(ui));
        }
        if self.detail.is_some() {
            egui::Panel::right("detail")
                .resizable(true)
                .default_size(380.0)
                .show(ui, |ui| detail::show(self, ui));
        }
        egui::CentralPanel::default().show(ui, |ui| match (self.view, self.data.clone()) {
            (_, None) => {
                ui.centered_and_justified(|ui| {
                    ui.label(if self.opening.is_some() {
                        "Opening…"
                    } else {
                        "Open a project folder, a CSV, Parquet or JSON Lines table, or a Ground Truth manifest."
                    });
                });
            }
            (View::Grid, Some(data)) => grid::show(self, ui, &data),
            (View::Table, Some(data)) => table::show(self, ui, &data),
            (View::Profile, Some(data)) => profile_view::show(self, ui, &data),
            (View::Map, Some(data)) => map_view::show(self, ui, &data),
        });
        self.thumbs.end_frame();
        self.step_auto_shot(&ctx);
    }
}
