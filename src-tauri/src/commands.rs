//! `#[tauri::command]` adapters: each takes the UI's arguments, calls one
//! `triage_api` use case on a blocking thread, and returns its DTO. Errors
//! cross as `{code, message}` so the UI matches on codes.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use triage_api::{
    Agreement, BoundingBox, ConsolidationMethod, ConsolidationSummary, CreateOptions, ExportFormat,
    ExportOptions, ExportReview, ExportSummary, Family, Gates, ImportOptions, ImportReport,
    ItemDto, LabelDto, LakeAccess, ModelInfo, ModelStatus, Project, PullSummary, PushSummary,
    ReviewItem, RoundOptions, RoundSummary, SimilarDto, Status, Strategy, SuspectDto, TaskKind,
    Timestamp,
};

use crate::state::AppState;

/// An error as the UI sees it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct CommandError {
    code: String,
    message: String,
}

impl CommandError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<triage_api::Error> for CommandError {
    fn from(e: triage_api::Error) -> Self {
        // What the user was shown goes to the log too, for a report.
        tracing::warn!("{}: {e}", e.code());
        Self::new(e.code(), e.to_string())
    }
}

type Reply<T> = Result<T, CommandError>;

/// A text field's value, or `None` when it was left empty.
fn given(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Runs `f` on a blocking thread: the window's event loop never waits on
/// the disk or the model.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Reply<T> + Send + 'static) -> Reply<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
}

/// Runs `f` on the open project, on a blocking thread.
async fn with_project<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Project) -> triage_api::Result<T> + Send + 'static,
) -> Reply<T> {
    let shared = state.project.clone();
    blocking(move || {
        let mut guard = shared
            .lock()
            .map_err(|_| CommandError::new("internal", "the project lock was poisoned"))?;
        let project = guard
            .as_mut()
            .ok_or_else(|| CommandError::new("no_project", "no project is open"))?;
        f(project).map_err(CommandError::from)
    })
    .await
}

/// Lets the window read images from the project's thumbnails and from the
/// folders its items came from, and nothing else.
fn allow_images(app: &AppHandle, roots: &[PathBuf]) -> Reply<()> {
    let scope = app.asset_protocol_scope();
    for root in roots {
        scope
            .allow_directory(root, true)
            .map_err(|e| CommandError::new("internal", e.to_string()))?;
    }
    Ok(())
}

/// Opens or creates a project with `make`, on a blocking thread, puts it
/// in place as the open one, and returns its status.
async fn install(
    app: &AppHandle,
    state: &AppState,
    make: impl FnOnce() -> triage_api::Result<Project> + Send + 'static,
) -> Reply<Status> {
    let (project, roots, status) = blocking(move || {
        let mut project = make()?;
        if project.annotator()?.is_none()
            && let Some(name) = triage_api::session_annotator()
        {
            project.set_annotator(&name)?;
        }
        let roots = project.image_roots()?;
        let status = project.status()?;
        Ok((project, roots, status))
    })
    .await?;
    allow_images(app, &roots)?;
    state.remember(project.dir());
    *state
        .project
        .lock()
        .map_err(|_| CommandError::new("internal", "the project lock was poisoned"))? =
        Some(project);
    Ok(status)
}

/// The project named on the command line, opened if there is one.
#[tauri::command]
pub async fn startup_project(app: AppHandle, state: State<'_, AppState>) -> Reply<Option<Status>> {
    let Some(dir) = state.start_project.clone() else {
        return Ok(None);
    };
    install(&app, &state, move || Project::open(&dir))
        .await
        .map(Some)
}

#[tauri::command]
pub fn recent_projects(state: State<'_, AppState>) -> Vec<String> {
    state.recent()
}

/// A class as the Projects screen defines it.
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct NewClass {
    name: String,
    hotkey: Option<char>,
}

#[tauri::command]
pub async fn create_project(
    app: AppHandle,
    state: State<'_, AppState>,
    dir: PathBuf,
    task: TaskKind,
    classes: Vec<NewClass>,
) -> Reply<Status> {
    let options = CreateOptions {
        task,
        classes: classes.iter().map(|c| c.name.clone()).collect(),
        hotkeys: classes.iter().map(|c| c.hotkey).collect(),
        job_name: None,
        attribute: None,
    };
    install(&app, &state, move || {
        Project::create(&dir, &options, triage_api::now())
    })
    .await
}

#[tauri::command]
pub async fn open_project(
    app: AppHandle,
    state: State<'_, AppState>,
    dir: PathBuf,
) -> Reply<Status> {
    install(&app, &state, move || Project::open(&dir)).await
}

/// Opens the demo project (the digits), made in the user's data folder
/// the first time from the installed copy of `datasets/digits`, or from
/// the source tree's in a build that was not installed.
#[tauri::command]
pub async fn open_demo(app: AppHandle, state: State<'_, AppState>) -> Reply<Status> {
    let installed = app
        .path()
        .resource_dir()
        .map(|d| d.join("datasets").join("digits"))
        .ok()
        .filter(|d| d.is_dir());
    // src-tauri's parent is the source tree.
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(|root| root.join("datasets").join("digits"));
    let digits = installed
        .or(source)
        .ok_or_else(|| CommandError::new("path", "no copy of the demo's digits"))?;
    let dir = triage_api::user_data_dir().join("demo");
    install(&app, &state, move || {
        Project::demo(&dir, &digits, triage_api::now())
    })
    .await
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Reply<Status> {
    with_project(&state, |p| p.status()).await
}

/// Records who labels in the open project (asked once per project).
#[tauri::command]
pub async fn set_annotator(state: State<'_, AppState>, name: String) -> Reply<Status> {
    with_project(&state, move |p| {
        p.set_annotator(&name)?;
        p.status()
    })
    .await
}

/// The name to offer when asking who labels: the login name.
#[tauri::command]
pub fn suggested_annotator() -> Option<String> {
    triage_api::login_name()
}

/// How to read an import.
#[derive(Debug, Default, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    labels_from_folders: bool,
    id_column: Option<String>,
    label_column: Option<String>,
    text_column: Option<String>,
    lake: LakeAccess,
}

/// Import progress: items done out of total.
#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
pub struct Progress {
    done: u64,
    total: u64,
}

#[tauri::command]
pub async fn import_path(
    app: AppHandle,
    state: State<'_, AppState>,
    path: PathBuf,
    options: ImportRequest,
    on_progress: Channel<Progress>,
) -> Reply<ImportReport> {
    let import = ImportOptions {
        labels_from_folders: options.labels_from_folders,
        id_column: given(options.id_column),
        label_column: given(options.label_column),
        text_column: given(options.text_column),
        root: None,
        lake: options.lake,
    };
    let (report, roots) = with_project(&state, move |p| {
        // About a hundred messages per import, whatever its size.
        let last = std::sync::atomic::AtomicU64::new(u64::MAX);
        let report = p.import(&path, &import, triage_api::now(), &|done, total| {
            let step = (total / 100).max(1);
            if done == total || done / step != last.swap(done / step, Ordering::Relaxed) {
                // The window may be gone; the import carries on regardless.
                let _ = on_progress.send(Progress { done, total });
            }
        })?;
        Ok((report, p.image_roots()?))
    })
    .await?;
    allow_images(&app, &roots)?;
    Ok(report)
}

#[tauri::command]
pub async fn next_items(
    state: State<'_, AppState>,
    n: usize,
    skipped: Vec<i64>,
) -> Reply<Vec<ItemDto>> {
    with_project(&state, move |p| p.next_items_except(n, &skipped)).await
}

#[tauri::command]
pub async fn get_item(state: State<'_, AppState>, item: i64) -> Reply<ItemDto> {
    with_project(&state, move |p| p.item(item)).await
}

/// Commits a person's label on the open project, credited as the API
/// decides (the session's name, else the project's).
async fn label_with(
    state: &AppState,
    f: impl FnOnce(&mut Project, Timestamp) -> triage_api::Result<LabelDto> + Send + 'static,
) -> Reply<LabelDto> {
    with_project(state, move |p| f(p, triage_api::now())).await
}

#[tauri::command]
pub async fn label_item(
    state: State<'_, AppState>,
    item: i64,
    class_name: String,
    time_spent_ms: Option<i64>,
) -> Reply<LabelDto> {
    label_with(&state, move |p, at| {
        p.label(item, &class_name, None, time_spent_ms, at)
    })
    .await
}

#[tauri::command]
pub async fn label_boxes(
    state: State<'_, AppState>,
    item: i64,
    boxes: Vec<BoundingBox>,
    time_spent_ms: Option<i64>,
) -> Reply<LabelDto> {
    label_with(&state, move |p, at| {
        p.label_boxes(item, boxes, None, time_spent_ms, at)
    })
    .await
}

#[tauri::command]
pub async fn label_classes(
    state: State<'_, AppState>,
    item: i64,
    class_names: Vec<String>,
    time_spent_ms: Option<i64>,
) -> Reply<LabelDto> {
    label_with(&state, move |p, at| {
        p.label_classes(item, &class_names, None, time_spent_ms, at)
    })
    .await
}

#[tauri::command]
pub async fn undo(state: State<'_, AppState>) -> Reply<Option<LabelDto>> {
    with_project(&state, |p| {
        let who = p.labeler(None)?;
        p.undo(who.as_deref(), triage_api::now())
    })
    .await
}

#[tauri::command]
pub async fn flag_item(state: State<'_, AppState>, item: i64, note: Option<String>) -> Reply<()> {
    with_project(&state, move |p| {
        let who = p.labeler(None)?;
        p.flag(item, who.as_deref(), note.as_deref(), triage_api::now())
    })
    .await
}

#[tauri::command]
pub async fn resolve_flags(state: State<'_, AppState>, item: i64) -> Reply<u64> {
    with_project(&state, move |p| p.resolve_flags(item, triage_api::now())).await
}

/// A flagged item and the note given with it.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Flagged {
    item: ItemDto,
    note: Option<String>,
}

#[tauri::command]
pub async fn flagged(state: State<'_, AppState>) -> Reply<Vec<Flagged>> {
    with_project(&state, |p| {
        Ok(p.flagged()?
            .into_iter()
            .map(|(item, note)| Flagged { item, note })
            .collect())
    })
    .await
}

/// A round's settings from the Model screen.
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct RoundRequest {
    target: f64,
    strategy: Strategy,
    batch: usize,
    /// A pinned model family; none lets the data choose.
    model: Option<Family>,
}

/// A round's progress: its step and the share done.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RoundProgress {
    step: &'static str,
    share: f64,
}

/// Runs `job` on a second handle to the open project, so labeling goes on
/// through the first meanwhile; `job` gets a cancel flag that
/// [`cancel_model_job`] raises.
async fn model_job<T: Send + 'static>(
    state: &AppState,
    job: impl FnOnce(&mut Project, &AtomicBool) -> triage_api::Result<T> + Send + 'static,
) -> Reply<T> {
    let dir = with_project(state, |p| Ok(p.dir().to_owned())).await?;
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = state
            .model_job
            .lock()
            .map_err(|_| CommandError::new("internal", "the model job lock was poisoned"))?;
        if running.is_some() {
            return Err(CommandError::new(
                "model_busy",
                "a round or a model's features are being computed; cancel or wait",
            ));
        }
        *running = Some(cancel.clone());
    }
    let flag = cancel.clone();
    let result = blocking(move || Ok(job(&mut Project::open(&dir)?, &flag)?)).await;
    if let Ok(mut running) = state.model_job.lock() {
        *running = None;
    }
    result
}

#[tauri::command]
pub async fn run_round(
    state: State<'_, AppState>,
    options: RoundRequest,
    on_progress: Channel<RoundProgress>,
) -> Reply<RoundSummary> {
    let round = RoundOptions {
        target: options.target,
        strategy: options.strategy,
        batch: options.batch,
        seed: triage_api::now().timestamp_micros() as u64,
        model: options.model,
        ..RoundOptions::default()
    };
    model_job(&state, move |project, cancel| {
        project.run_round_with_progress(&round, cancel, triage_api::now(), &|step, share| {
            let _ = on_progress.send(RoundProgress { step, share });
        })
    })
    .await
}

/// Stops the running round or feature computation; false when none runs.
#[tauri::command]
pub fn cancel_model_job(state: State<'_, AppState>) -> bool {
    match state
        .model_job
        .lock()
        .ok()
        .as_deref()
        .and_then(Option::as_ref)
    {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// The embedding models registered in the user's data folder.
#[tauri::command]
pub async fn list_models() -> Reply<Vec<ModelInfo>> {
    blocking(|| Ok(triage_api::list_models()?)).await
}

/// Checks a model folder and registers it (by default under its folder's name).
#[tauri::command]
pub async fn add_model(path: String, name: Option<String>) -> Reply<ModelInfo> {
    blocking(move || {
        Ok(triage_api::add_model(
            std::path::Path::new(path.trim()),
            given(name).as_deref(),
        )?)
    })
    .await
}

/// The open project's embedding model, if it chose one.
#[tauri::command]
pub async fn project_model(state: State<'_, AppState>) -> Reply<Option<ModelInfo>> {
    with_project(&state, |p| p.embedding()).await
}

/// Chooses a registered model for the project and computes every item's
/// vector, on a second handle; returns how many were computed.
#[tauri::command]
pub async fn use_model(
    state: State<'_, AppState>,
    name: String,
    on_progress: Channel<Progress>,
) -> Reply<u64> {
    model_job(&state, move |project, cancel| {
        project.use_model(&name, cancel, &|done, total| {
            let _ = on_progress.send(Progress { done, total });
        })
    })
    .await
}

/// An export as the Export screen asks for it; its review takes the same
/// choices (the destination may still be empty then).
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    to: String,
    formats: Vec<ExportFormat>,
    labeled_only: bool,
    human_only: bool,
    min_confidence: Option<f64>,
    lake: LakeAccess,
    copy_images: bool,
    /// Train, validation and test shares; empty for no split.
    split: Vec<f64>,
    /// Export although gates fail, for this reason.
    override_reason: Option<String>,
    /// `glue:DATABASE.TABLE` over the Parquet of an S3 export.
    catalog: Option<String>,
}

impl ExportRequest {
    fn options(self) -> triage_api::Result<(String, ExportOptions)> {
        let split = triage_api::Split::from_shares(&self.split, 0)?;
        Ok((
            self.to,
            ExportOptions {
                formats: self.formats,
                labeled_only: self.labeled_only,
                human_only: self.human_only,
                min_confidence: self.min_confidence,
                lake: self.lake,
                copy_images: self.copy_images,
                split,
                override_reason: given(self.override_reason),
                catalog: given(self.catalog)
                    .map(|c| triage_api::GlueTable::parse(c.trim()))
                    .transpose()?,
                ..ExportOptions::default()
            },
        ))
    }
}

#[tauri::command]
pub async fn export_labels(
    state: State<'_, AppState>,
    request: ExportRequest,
    on_progress: Channel<Progress>,
) -> Reply<ExportSummary> {
    with_project(&state, move |p| {
        let (to, options) = request.options()?;
        p.export(
            std::path::Path::new(to.trim()),
            &options,
            triage_api::now(),
            &|done, total| {
                let _ = on_progress.send(Progress { done, total });
            },
        )
    })
    .await
}

/// The review of an export with these choices, on its own handle (it
/// profiles the project), so labeling goes on meanwhile.
#[tauri::command]
pub async fn export_review(
    state: State<'_, AppState>,
    request: ExportRequest,
) -> Reply<ExportReview> {
    let dir = with_project(&state, |p| Ok(p.dir().to_owned())).await?;
    blocking(move || {
        let (_, options) = request.options()?;
        Ok(Project::open(&dir)?.review_export(&options)?)
    })
    .await
}

/// The open project's export gates.
#[tauri::command]
pub async fn gates(state: State<'_, AppState>) -> Reply<Gates> {
    with_project(&state, |p| p.gates()).await
}

/// Replaces the open project's export gates.
#[tauri::command]
pub async fn set_gates(state: State<'_, AppState>, gates: Gates) -> Reply<()> {
    with_project(&state, move |p| p.set_gates(&gates)).await
}

/// A profile with its charts drawn as SVG.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ProfileView {
    profile: triage_api::Profile,
    charts: Vec<triage_api::ChartSvg>,
}

/// Profiles the project on its own handle, so labeling goes on meanwhile.
/// `kinds` sets column kinds by name.
#[tauri::command]
pub async fn profile(
    state: State<'_, AppState>,
    kinds: std::collections::HashMap<String, triage_api::ColumnKind>,
) -> Reply<ProfileView> {
    let dir = with_project(&state, |p| Ok(p.dir().to_owned())).await?;
    blocking(move || {
        let options = triage_api::ProfileOptions {
            kinds,
            ..Default::default()
        };
        let profile = triage_api::profile_path(&dir, &options)?;
        let charts = triage_api::profile_charts_svg(&profile)?;
        Ok(ProfileView { profile, charts })
    })
    .await
}

#[tauri::command]
pub async fn model_status(state: State<'_, AppState>) -> Reply<Option<ModelStatus>> {
    with_project(&state, |p| p.model_status()).await
}

#[tauri::command]
pub async fn auto_labeled(
    state: State<'_, AppState>,
    class_name: Option<String>,
    min_confidence: f64,
    max_confidence: f64,
    limit: usize,
) -> Reply<Vec<ItemDto>> {
    with_project(&state, move |p| {
        p.auto_labeled(class_name.as_deref(), min_confidence, max_confidence, limit)
    })
    .await
}

/// An annotator's labels since the last push, into the lake.
#[tauri::command]
pub async fn push_labels(state: State<'_, AppState>, lake: LakeAccess) -> Reply<PushSummary> {
    with_project(&state, move |p| p.push(&lake)).await
}

/// The team's pushed labels, into the lead's project.
#[tauri::command]
pub async fn pull_labels(state: State<'_, AppState>, lake: LakeAccess) -> Reply<PullSummary> {
    with_project(&state, move |p| p.pull(&lake)).await
}

/// How far the people who labeled agree, and each one's estimated accuracy.
#[tauri::command]
pub async fn agreement(state: State<'_, AppState>) -> Reply<Agreement> {
    with_project(&state, |p| p.agreement()).await
}

/// The items people disagree on, with every answer.
#[tauri::command]
pub async fn review_queue(state: State<'_, AppState>) -> Reply<Vec<ReviewItem>> {
    with_project(&state, |p| p.review_queue()).await
}

/// Merges several people's answers (`em` or `majority`).
#[tauri::command]
pub async fn consolidate(
    state: State<'_, AppState>,
    method: ConsolidationMethod,
) -> Reply<ConsolidationSummary> {
    with_project(&state, move |p| p.consolidate(method, triage_api::now())).await
}

#[tauri::command]
pub async fn label_errors(state: State<'_, AppState>) -> Reply<Vec<SuspectDto>> {
    with_project(&state, |p| p.label_errors()).await
}

/// Open items like `item` (or the latest human label's item), each offered
/// its class for a person to confirm.
#[tauri::command]
pub async fn similar_items(
    state: State<'_, AppState>,
    item: Option<i64>,
    n: usize,
) -> Reply<Vec<SimilarDto>> {
    with_project(&state, move |p| p.similar_open(item, n)).await
}

#[tauri::command]
pub async fn spot_check(state: State<'_, AppState>, n: usize) -> Reply<Vec<ItemDto>> {
    with_project(&state, move |p| {
        p.spot_check(
            n,
            triage_api::now().timestamp_micros() as u64,
            triage_api::now(),
        )
    })
    .await
}

/// What a bug report needs to know about this install: never a file's
/// contents, a path inside a project, or a secret.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Diagnostics {
    version: String,
    os: String,
    arch: String,
    /// The WebKitGTK package's version, where the system can say.
    webkit_gtk: Option<String>,
    /// The project file schema this build writes.
    project_schema: i64,
    /// Where this run logs.
    log_file: Option<String>,
}

#[tauri::command]
pub async fn diagnostics(state: State<'_, AppState>) -> Reply<Diagnostics> {
    let log_file = state.log_file.as_ref().map(|p| p.display().to_string());
    blocking(move || {
        Ok(Diagnostics {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            os: os_name(),
            arch: std::env::consts::ARCH.to_owned(),
            webkit_gtk: webkit_gtk_version(),
            project_schema: triage_api::PROJECT_SCHEMA_VERSION,
            log_file,
        })
    })
    .await
}

/// The distribution's name (`/etc/os-release`), else the OS family.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

/// WebKitGTK's version as the package manager knows it (Debian and its
/// kin); the library's own version call is C only, and this crate has no
/// unsafe code.
fn webkit_gtk_version() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let out = std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"])
        .output()
        .ok()?;
    let version = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !version.is_empty()).then_some(version)
}
