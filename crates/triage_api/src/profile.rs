//! Profiles of a project, a table file or an image folder.
//!
//! Reads the store's items and labels (or the file, through
//! `triage_data`); calls `triage_profile` for statistics and charts;
//! writes only where the caller asks (`write_output`).

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::{Column, DataFrame, DataType, PlSmallStr};
use triage_core::ItemKind;
use triage_data::table::RowChunks;
use triage_profile::images::{ImageInput, profile_images};
use triage_profile::streaming::TableSummary;
use triage_profile::{Kind, Mode as ProfileMode, Options, Profile, Unreadable};

use crate::layout::DB_FILE;
use crate::{Error, Project, Result};

/// The columns a project profile adds for each item's current label.
pub const LABEL_COLUMN: &str = "label";
/// See [`LABEL_COLUMN`]: `human`, `model`, `import` or `consolidated`.
pub const SOURCE_COLUMN: &str = "label_source";
/// See [`LABEL_COLUMN`]: the model's confidence, for model labels.
pub const CONFIDENCE_COLUMN: &str = "label_confidence";
/// An export's profile with a split: each item's share.
pub const SPLIT_COLUMN: &str = "split";

/// What to profile beyond the columns.
#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    /// Kinds set by the user, by column name.
    pub kinds: HashMap<String, Kind>,
    /// For a table file: the column holding labels.
    pub label_column: Option<String>,
    /// For a table file: exact or streaming; `None` chooses by the file's
    /// size against the memory available ([`choose_mode`]).
    pub mode: Option<ProfileMode>,
    /// For an `s3://` prefix: how to reach the lake.
    pub lake: triage_lake::LakeAccess,
}

/// A table read whole takes about this many times its CSV or JSON Lines
/// size in memory (measured: 716 MiB for a 127 MiB CSV), and Parquet,
/// being compressed, about three times more.
const TEXT_FACTOR: u64 = 6;
const PARQUET_FACTOR: u64 = 18;

/// Exact when the table would take at most half the memory available to
/// this process (its cgroup's limit on Linux, when lower than the machine's
/// free memory); streaming otherwise. Where the memory cannot be read,
/// exact up to 1 GiB of file.
pub fn choose_mode(path: &Path) -> ProfileMode {
    let Ok(size) = std::fs::metadata(path).map(|m| m.len()) else {
        return ProfileMode::Exact;
    };
    mode_for(
        [(size, factor(is_parquet(&path.to_string_lossy())))],
        available_memory(),
    )
}

/// How many times its size a table file takes in memory.
fn factor(parquet: bool) -> u64 {
    if parquet { PARQUET_FACTOR } else { TEXT_FACTOR }
}

fn is_parquet(name: &str) -> bool {
    triage_data::table::TableFormat::from_path(Path::new(name))
        == Some(triage_data::table::TableFormat::Parquet)
}

/// A project's row payloads (JSON) take about this many times their bytes
/// as a frame with its profile (measured: 1.11 GiB for 1,000,000 rows of
/// 247 bytes, 4.7 times).
const PAYLOAD_FACTOR: u64 = 5;

/// The rule of [`choose_mode`], given each part's size in bytes and how
/// many times that it takes in memory, and the memory free.
fn mode_for(parts: impl IntoIterator<Item = (u64, u64)>, available: Option<u64>) -> ProfileMode {
    let (size, needed) = parts
        .into_iter()
        .fold((0u64, 0u64), |(size, needed), (s, factor)| {
            (
                size.saturating_add(s),
                needed.saturating_add(s.saturating_mul(factor)),
            )
        });
    let fits = match available {
        Some(free) => needed <= free / 2,
        None => size <= 1 << 30,
    };
    if fits {
        ProfileMode::Exact
    } else {
        ProfileMode::Streaming
    }
}

/// Bytes this process may still use: the machine's `MemAvailable`, or its
/// cgroup's limit less its use (v2 `memory.max`, v1
/// `memory.limit_in_bytes`), whichever is less. Linux only.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let machine = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?
        * 1024;
    let groups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let number = |path: std::path::PathBuf| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let limit = groups.lines().find_map(|line| {
        let (files, limit, usage) = if let Some(p) = line.strip_prefix("0::") {
            (
                Path::new("/sys/fs/cgroup").join(p.trim_start_matches('/')),
                "memory.max",
                "memory.current",
            )
        } else {
            let p = line.split_once(":memory:")?.1;
            (
                Path::new("/sys/fs/cgroup/memory").join(p.trim_start_matches('/')),
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
            )
        };
        let max = number(files.join(limit))?;
        Some(max.saturating_sub(number(files.join(usage)).unwrap_or(0)))
    });
    Some(limit.map_or(machine, |l| l.min(machine)))
}

/// A chart drawn as SVG, for shells that show a profile.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ChartSvg {
    /// Where the chart belongs: `column/<name>/<what>`, `dataset/<what>`,
    /// `labels/<what>` or `images/<what>`.
    pub key: String,
    /// The SVG document.
    pub svg: String,
}

/// Every chart of a profile, drawn as SVG.
pub fn profile_charts_svg(profile: &Profile) -> Result<Vec<ChartSvg>> {
    triage_profile::charts::charts_for(profile)
        .into_iter()
        .map(|k| {
            Ok(ChartSvg {
                svg: triage_profile::charts::svg(&k.chart).map_err(profile_err)?,
                key: k.key,
            })
        })
        .collect()
}

/// Writes a profile's JSON or report to `path` whole or not at all, the way
/// exports write their files (a temporary name, synced, then renamed).
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Path {
            path: path.display().to_string(),
            reason: "names no file".into(),
        })?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A file goes into a folder that is there; only exports make theirs.
    if !dir.is_dir() {
        return Err(Error::Path {
            path: path.display().to_string(),
            reason: "its folder does not exist".into(),
        });
    }
    triage_lake::LocalFolder::new(dir)?.write(&name, bytes)?;
    Ok(())
}

/// A table the profile is built from could not be put together.
pub(crate) fn frame_err(e: polars::error::PolarsError) -> Error {
    Error::Profile(triage_profile::Error::Polars(e.to_string()))
}

pub(crate) fn profile_err(e: triage_profile::Error) -> Error {
    match e {
        triage_profile::Error::Read { path, reason } => Error::Path { path, reason },
        e => Error::Profile(e),
    }
}

/// Profiles whatever `path` is: a project folder, a table file (CSV,
/// Parquet, JSON Lines) or a folder of images.
pub fn profile_path(path: &Path, options: &ProfileOptions) -> Result<Profile> {
    if path.is_dir() && path.join(DB_FILE).is_file() {
        return Project::open(path)?.profile(options);
    }
    if path.is_dir() {
        return profile_image_folder(path);
    }
    let opts = Options {
        kinds: options.kinds.clone(),
        label_column: options.label_column.clone(),
        ..Options::default()
    };
    if let Some(url) = path.to_str().filter(|p| p.starts_with("s3://")) {
        return profile_lake_table(url, options, &opts);
    }
    match options.mode.unwrap_or_else(|| choose_mode(path)) {
        ProfileMode::Exact => triage_profile::profile_table(path, &opts),
        ProfileMode::Streaming => triage_profile::streaming::profile_table_streaming(path, &opts),
    }
    .map_err(profile_err)
}

/// Profiles the table objects under an `s3://` prefix as one table, exact
/// or streamed by their total size as for a file; objects that cannot be
/// read are named in the profile's `skipped`.
fn profile_lake_table(url: &str, options: &ProfileOptions, opts: &Options) -> Result<Profile> {
    let copies = tempfile::tempdir().map_err(|e| Error::Path {
        path: std::env::temp_dir().display().to_string(),
        reason: format!("cannot make a folder for fetched objects: {e}"),
    })?;
    let lake = crate::import::lake_table(url, &options.lake, copies.path())?;
    let mode = options.mode.unwrap_or_else(|| {
        let parts = lake
            .sizes
            .iter()
            .map(|&(size, parquet)| (size, factor(parquet)));
        mode_for(parts, available_memory())
    });
    let unread: Vec<Unreadable> = lake
        .report
        .problems
        .into_iter()
        .map(|p| Unreadable {
            path: p.file,
            reason: p.reason,
        })
        .collect();
    if lake.parts.is_empty()
        && let Some(first) = unread.first()
    {
        return Err(Error::Path {
            path: first.path.clone(),
            reason: first.reason.clone(),
        });
    }
    let mut profile = match mode {
        ProfileMode::Exact => triage_profile::profile_parts(&lake.parts, url, opts),
        ProfileMode::Streaming => {
            triage_profile::streaming::profile_parts_streaming(&lake.parts, url, opts)
        }
    }
    .map_err(profile_err)?;
    profile.skipped.extend(unread);
    profile.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(profile)
}

fn profile_image_folder(dir: &Path) -> Result<Profile> {
    let mut inputs = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Path {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        if entry.file_type().is_file() {
            let path = entry.path().to_path_buf();
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            inputs.push(ImageInput {
                name,
                path,
                thumbnail: None,
            });
        }
    }
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    let frame =
        DataFrame::new(names.len(), vec![Column::new("file".into(), names)]).map_err(frame_err)?;
    let mut options = Options::default();
    options.kinds.insert("file".into(), Kind::ImageReference);
    let profile = triage_profile::profile_frame(&frame, &dir.display().to_string(), &options)
        .map_err(profile_err)?;
    Ok(triage_profile::with_images(
        profile,
        profile_images(&inputs),
    ))
}

/// A project as one table: each row's values (or each image's reference
/// and size) with its current label, where the label came from and the
/// model's confidence; see [`Project::labeled_frame`].
pub(crate) struct LabeledFrame {
    pub frame: DataFrame,
    /// The names of the label, source and confidence columns (prefixed
    /// with `triage_` when the table has its own).
    pub label: String,
    pub source: String,
    pub confidence: String,
    /// The images that are on this machine.
    pub images: Vec<ImageInput>,
    /// Whether the items are table rows (else the frame has `item`,
    /// `width` and `height`).
    pub of_rows: bool,
}

/// The profile's columns for the embedding model's first two principal
/// components: its drift check and charts then cover what the model sees.
const EMBEDDING_AXES: [&str; 2] = ["embedding_pc1", "embedding_pc2"];

impl Project {
    /// Each item's place on the first two principal components of the
    /// project's embedding vectors (none for an item without one), as
    /// columns in the order of `ids`; nothing without a model or vectors.
    fn embedding_axes(&self, ids: &[triage_core::ItemId]) -> Result<Vec<Column>> {
        let Some((items, x)) = self.stored_embeddings()? else {
            return Ok(Vec::new());
        };
        let Ok((points, _)) = triage_learn::features::map_2d(&x.mapv(f64::from)) else {
            return Ok(Vec::new()); // too few vectors to find axes
        };
        let at: HashMap<triage_core::ItemId, [f64; 2]> = items.into_iter().zip(points).collect();
        Ok(EMBEDDING_AXES
            .iter()
            .enumerate()
            .map(|(axis, &name)| {
                let values: Vec<Option<f64>> =
                    ids.iter().map(|id| at.get(id).map(|p| p[axis])).collect();
                Column::new(name.into(), values)
            })
            .collect())
    }

    /// The project as one table, in item order, calling `each` with every
    /// item on the way so a caller can gather more in the same pass.
    pub(crate) fn labeled_frame(
        &self,
        mut each: impl FnMut(&triage_core::ItemRow),
    ) -> Result<LabeledFrame> {
        self.frame_of(|row| {
            self.store.for_each_item(|item| {
                each(&item);
                row(item)
            })
        })
    }

    /// The items `visit` hands to its callback, as one table in that order.
    fn frame_of(
        &self,
        visit: impl FnOnce(&mut dyn FnMut(triage_core::ItemRow) -> Result<()>) -> Result<()>,
    ) -> Result<LabeledFrame> {
        let schema = &self.schema;
        let thumbs = self.thumbs_dir();
        let mut payloads = triage_data::table::FrameOfRows::default();
        let mut payload_rows = 0usize;
        let (mut labels, mut sources, mut confidence) = (Vec::new(), Vec::new(), Vec::new());
        let (mut uris, mut widths, mut heights) = (Vec::new(), Vec::new(), Vec::new());
        let mut images = Vec::new();
        let mut rows = 0usize;
        visit(&mut |item| -> Result<()> {
            rows += 1;
            let (class, source, conf) = label_cells(&item, schema);
            labels.push(class);
            sources.push(source);
            confidence.push(conf);
            // A text's payload is a row too: its text under `source`, then
            // the values its table gave it.
            if matches!(item.kind, ItemKind::Row | ItemKind::Text) {
                payloads
                    .push(item.payload.as_deref().unwrap_or("{}"))
                    .map_err(Error::Invalid)?;
                payload_rows += 1;
            } else {
                let uri = item.uri.clone().unwrap_or_default();
                // An s3:// image is profiled from its cached copy.
                let local = if uri.starts_with("s3://") {
                    crate::layout::s3_cache_path(&thumbs, &uri)
                } else {
                    Some(std::path::PathBuf::from(&uri))
                };
                if let Some(path) = local.filter(|p| item.kind == ItemKind::Image && p.is_file()) {
                    images.push(ImageInput {
                        name: uri.clone(),
                        path,
                        thumbnail: Some(triage_data::image_file::thumbnail_path(
                            &thumbs,
                            &item.content_hash,
                        )),
                    });
                }
                uris.push(uri);
                widths.push(item.width);
                heights.push(item.height);
            }
            Ok(())
        })?;
        let of_rows = payload_rows == rows && rows > 0;
        let mut frame = if of_rows {
            payloads.finish().map_err(Error::Invalid)?
        } else {
            DataFrame::new(
                rows,
                vec![
                    Column::new("item".into(), uris),
                    Column::new("width".into(), widths),
                    Column::new("height".into(), heights),
                ],
            )
            .map_err(frame_err)?
        };
        let [label, source, conf] = label_names(&frame);
        for column in [
            Column::new(label.as_str().into(), labels),
            Column::new(source.as_str().into(), sources),
            Column::new(conf.as_str().into(), confidence),
        ] {
            frame.with_column(column).map_err(frame_err)?;
        }
        Ok(LabeledFrame {
            frame,
            label,
            source,
            confidence: conf,
            images,
            of_rows,
        })
    }

    /// Profiles the project: each row's values (or each image's size) with
    /// its current label, where the label came from and the model's
    /// confidence, and for images the files themselves. A table project
    /// too big to hold as one frame (or `options.mode` streaming) is
    /// profiled a chunk at a time, approximately.
    pub fn profile(&self, options: &ProfileOptions) -> Result<Profile> {
        let mode = match options.mode {
            Some(mode) => mode,
            None if self.schema.task.item_kind() == ItemKind::Image => ProfileMode::Exact,
            None => self.profile_mode()?,
        };
        if mode == ProfileMode::Streaming && self.schema.task.item_kind() != ItemKind::Image {
            return self.profile_streaming(options);
        }
        let mut ids = Vec::new();
        let frame = self.labeled_frame(|item| ids.push(item.id))?;
        self.profile_frame(frame, &ids, None, options)
    }

    /// Exact while the payloads would take at most half the free memory
    /// as one frame, as for table files ([`choose_mode`]).
    fn profile_mode(&self) -> Result<ProfileMode> {
        let items = self.store.counts()?.items;
        let bytes = (items as f64 * self.store.payload_mean_bytes()?) as u64;
        Ok(mode_for([(bytes, PAYLOAD_FACTOR)], available_memory()))
    }

    /// [`Project::profile`] a chunk of rows at a time: each chunk is
    /// summarised and merged ([`triage_profile::streaming`]), so memory
    /// stays that of a chunk. A column keeps the type of the first chunk
    /// that has it; a later value that does not fit counts as missing and
    /// raises a mixed-types alert. The embedding axes are left out.
    fn profile_streaming(&self, options: &ProfileOptions) -> Result<Profile> {
        let mut payloads = RowChunks::default();
        let mut cells = (Vec::new(), Vec::new(), Vec::new());
        let mut table: Option<StreamedTable> = None;
        self.store.for_each_item(|item| -> Result<()> {
            let (class, source, conf) = label_cells(&item, &self.schema);
            cells.0.push(class);
            cells.1.push(source);
            cells.2.push(conf);
            let chunk = payloads
                .push(item.payload.as_deref().unwrap_or("{}"))
                .map_err(Error::Invalid)?;
            if let Some(chunk) = chunk {
                StreamedTable::add(&mut table, chunk, &mut cells)?;
            }
            Ok(())
        })?;
        if let Some(chunk) = payloads.take().map_err(Error::Invalid)? {
            StreamedTable::add(&mut table, chunk, &mut cells)?;
        }
        let Some(table) = table else {
            return Err(Error::Invalid("the project has no items to profile".into()));
        };
        let label = table.names[0].clone();
        let mut kinds = options.kinds.clone();
        kinds.entry(label).or_insert(Kind::Categorical);
        let opts = self.project_options(kinds, table.names.clone(), None)?;
        table.into_profile(&self.dir.display().to_string(), &opts)
    }

    /// The profile options of a project table with these label, source
    /// and confidence columns.
    fn project_options(
        &self,
        kinds: HashMap<String, Kind>,
        [label, source, conf]: [String; 3],
        split_column: Option<String>,
    ) -> Result<Options> {
        // Columns an import took labels from mirror the label: the model
        // skips them, and so do the feature views.
        let not_features = self
            .store
            .setting(crate::learn::FEATURE_SKIP)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        Ok(Options {
            kinds,
            label_column: Some(label),
            source_column: Some(source),
            confidence_column: Some(conf),
            split_column,
            not_features,
        })
    }

    /// Profiles what an export holds: its items after the filters, their
    /// labels as the export writes them, and each item's share of the
    /// split as a column, so the shares are compared.
    pub(crate) fn export_profile(
        &self,
        options: &crate::ExportOptions,
        shares: Option<&[crate::export::Share]>,
    ) -> Result<Profile> {
        let (mut ids, mut share_of) = (Vec::new(), Vec::new());
        let frame = self.frame_of(|row| {
            self.for_each_exported(options, shares, |item, share| {
                ids.push(item.id);
                share_of.push(share.and_then(|k| Some(shares?[k].0)));
                row(item)
            })
        })?;
        let split = shares.map(|_| share_of);
        self.profile_frame(frame, &ids, split, &ProfileOptions::default())
    }

    /// Profiles a project table whose rows are the items `ids`, with each
    /// row's share of a split when there is one.
    fn profile_frame(
        &self,
        labeled: LabeledFrame,
        ids: &[triage_core::ItemId],
        split: Option<Vec<Option<&str>>>,
        options: &ProfileOptions,
    ) -> Result<Profile> {
        let LabeledFrame {
            mut frame,
            label,
            source,
            confidence: conf,
            images,
            of_rows,
        } = labeled;
        let mut kinds = options.kinds.clone();
        for column in self.embedding_axes(ids)? {
            kinds.insert(column.name().to_string(), Kind::Quantitative);
            frame.with_column(column).map_err(frame_err)?;
        }
        let split_column = match split {
            None => None,
            Some(shares) => {
                let taken = frame.column(SPLIT_COLUMN).is_ok();
                let name = if taken {
                    format!("triage_{SPLIT_COLUMN}")
                } else {
                    SPLIT_COLUMN.to_owned()
                };
                frame
                    .with_column(Column::new(name.as_str().into(), shares))
                    .map_err(frame_err)?;
                Some(name)
            }
        };
        if !of_rows {
            kinds.entry("item".into()).or_insert(Kind::ImageReference);
        }
        let opts = self.project_options(kinds, [label, source, conf], split_column)?;
        let profile = triage_profile::profile_frame(&frame, &self.dir.display().to_string(), &opts)
            .map_err(profile_err)?;
        Ok(if images.is_empty() {
            profile
        } else {
            triage_profile::with_images(profile, profile_images(&images))
        })
    }
}

/// An item's current label as the profile's label, source and confidence
/// cells.
fn label_cells(
    item: &triage_core::ItemRow,
    schema: &triage_core::LabelSchema,
) -> (Option<String>, Option<&'static str>, Option<f64>) {
    let label = item.label.as_ref();
    (
        label
            .and_then(|l| crate::dto::LabelDto::from_event(l, schema))
            .map(|l| l.class_name),
        label.map(|l| l.source.as_str()),
        label.and_then(|l| l.confidence),
    )
}

/// The names of the label, source and confidence columns beside `frame`'s:
/// a table may have its own `label` column, and ours then gets a prefix.
fn label_names(frame: &DataFrame) -> [String; 3] {
    [LABEL_COLUMN, SOURCE_COLUMN, CONFIDENCE_COLUMN].map(|base| {
        if frame.column(base).is_ok() {
            format!("triage_{base}")
        } else {
            base.to_string()
        }
    })
}

/// A project table summarised a chunk at a time: the columns and types of
/// its first chunk, then its label, source and confidence columns, then
/// any column a later chunk brought (missing in the rows before it).
struct StreamedTable {
    columns: Vec<(PlSmallStr, DataType)>,
    names: [String; 3],
    later: Vec<(PlSmallStr, DataType)>,
    /// Per column, how many values did not fit its type.
    unfit: Vec<(PlSmallStr, DataType, u64)>,
    summary: TableSummary,
}

/// A chunk's label, source and confidence cells, in item order.
type LabelCellColumns = (
    Vec<Option<String>>,
    Vec<Option<&'static str>>,
    Vec<Option<f64>>,
);

impl StreamedTable {
    /// Summarises a chunk of payloads with its items' label cells (taken,
    /// so the next chunk starts empty) and merges it into `table`.
    fn add(table: &mut Option<Self>, chunk: DataFrame, cells: &mut LabelCellColumns) -> Result<()> {
        let (labels, sources, confidence) = std::mem::take(cells);
        let height = chunk.height();
        let typed = |c: &Column| (c.name().clone(), c.dtype().clone());
        let (columns, names, mut later, mut unfit) = match table {
            Some(t) => (
                t.columns.clone(),
                t.names.clone(),
                t.later.clone(),
                std::mem::take(&mut t.unfit),
            ),
            None => (
                chunk.columns().iter().map(typed).collect(),
                label_names(&chunk),
                Vec::new(),
                Vec::new(),
            ),
        };
        let known = |name: &PlSmallStr| {
            columns.iter().chain(&later).any(|(n, _)| n == name) || names.iter().any(|n| n == name)
        };
        let new: Vec<_> = chunk
            .columns()
            .iter()
            .filter(|c| !known(c.name()))
            .map(typed)
            .collect();
        later.extend(new);
        // A value that does not fit its column's type counts as missing,
        // and is counted.
        let mut conform = |cols: &[(PlSmallStr, DataType)]| -> Result<Vec<Column>> {
            let mut out = Vec::with_capacity(cols.len());
            for (name, dtype) in cols {
                let Ok(c) = chunk.column(name) else {
                    out.push(Column::full_null(name.clone(), height, dtype));
                    continue;
                };
                let cast = c.cast(dtype).map_err(frame_err)?;
                let lost = (cast.null_count() - c.null_count()) as u64;
                if lost > 0 {
                    match unfit.iter_mut().find(|(n, _, _)| n == name) {
                        Some(u) => u.2 += lost,
                        None => unfit.push((name.clone(), dtype.clone(), lost)),
                    }
                }
                out.push(cast);
            }
            Ok(out)
        };
        let mut conformed = conform(&columns)?;
        conformed.extend([
            Column::new(names[0].as_str().into(), labels),
            Column::new(names[1].as_str().into(), sources),
            Column::new(names[2].as_str().into(), confidence),
        ]);
        conformed.extend(conform(&later)?);
        let frame = DataFrame::new(height, conformed).map_err(frame_err)?;
        let part = TableSummary::of_batch(&frame).map_err(profile_err)?;
        match table {
            Some(t) => {
                (t.later, t.unfit) = (later, unfit);
                t.summary.merge(&part).map_err(profile_err)
            }
            None => {
                *table = Some(Self {
                    columns,
                    names,
                    later,
                    unfit,
                    summary: part,
                });
                Ok(())
            }
        }
    }

    /// The table's profile, with a mixed-types alert for each column some
    /// of whose values did not fit its type.
    fn into_profile(self, source: &str, options: &triage_profile::Options) -> Result<Profile> {
        let mut profile = self
            .summary
            .into_profile(source, options)
            .map_err(profile_err)?;
        let rows = profile.rows.max(1) as f64;
        for (name, dtype, lost) in self.unfit {
            profile.alerts.push(triage_profile::Alert {
                kind: "mixed-types".into(),
                column: Some(name.to_string()),
                message: format!(
                    "{lost} of its values did not fit {dtype}, the type the column has in the \
                     first chunk that holds it, and were counted as missing"
                ),
                value: lost as f64 / rows,
                threshold: 0.0,
            });
        }
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column first seen in a later chunk is profiled, missing in the
    /// rows before it; a value that does not fit its column's type counts
    /// as missing.
    #[test]
    fn a_streamed_project_keeps_columns_a_later_chunk_brings() {
        let chunk = |columns: Vec<Column>| DataFrame::new(2, columns).unwrap();
        let cells = || -> LabelCellColumns {
            (
                vec![Some("a".into()), None],
                vec![Some("human"), None],
                vec![None, None],
            )
        };
        let mut table = None;
        let first = chunk(vec![Column::new("x".into(), [1i64, 2])]);
        StreamedTable::add(&mut table, first, &mut cells()).unwrap();
        let second = chunk(vec![
            Column::new("x".into(), ["3", "three"]),
            Column::new("note".into(), ["hi", "there"]),
        ]);
        StreamedTable::add(&mut table, second, &mut cells()).unwrap();
        let third = chunk(vec![Column::new("x".into(), [5i64, 6])]);
        StreamedTable::add(&mut table, third, &mut cells()).unwrap();
        let profile = table
            .unwrap()
            .into_profile("p", &triage_profile::Options::default())
            .unwrap();
        let mixed: Vec<_> = profile
            .alerts
            .iter()
            .filter(|a| a.kind == "mixed-types")
            .map(|a| (a.column.as_deref(), a.message.as_str()))
            .collect();
        assert_eq!(
            mixed,
            [(
                Some("x"),
                "1 of its values did not fit i64, the type the column has in the first chunk \
                 that holds it, and were counted as missing"
            )]
        );
        let column = |name: &str| profile.columns.iter().find(|c| c.name == name).unwrap();
        assert_eq!(profile.rows, 6);
        assert_eq!((column("x").count, column("x").missing), (5, 1));
        assert_eq!((column("note").count, column("note").missing), (2, 4));
        assert_eq!(column("label").count, 3);
    }

    #[test]
    fn a_table_is_streamed_when_it_would_take_over_half_the_free_memory() {
        let gib = 1u64 << 30;
        // The benchmark's 127 MiB CSV: about 0.75 GiB in memory.
        assert_eq!(
            mode_for([(127 << 20, factor(false))], Some(2 * gib)),
            ProfileMode::Exact
        );
        assert_eq!(
            mode_for([(127 << 20, factor(false))], Some(gib)),
            ProfileMode::Streaming
        );
        // Parquet is compressed: the same bytes take three times more.
        assert_eq!(
            mode_for([(50 << 20, factor(true))], Some(2 * gib)),
            ProfileMode::Exact
        );
        assert_eq!(
            mode_for([(50 << 20, factor(true))], Some(gib)),
            ProfileMode::Streaming
        );
        // Memory unknown: exact up to 1 GiB of file.
        assert_eq!(mode_for([(gib, factor(false))], None), ProfileMode::Exact);
        assert_eq!(
            mode_for([(gib + 1, factor(false))], None),
            ProfileMode::Streaming
        );
        // This machine's memory can be read.
        #[cfg(target_os = "linux")]
        assert!(available_memory().is_some_and(|m| m > 0));
    }
}
