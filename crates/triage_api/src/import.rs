//! Import: turns what the readers found into items and `import` events.
//!
//! Reads image folders, tables and manifests through `triage_data` (and
//! `s3://` manifests through `triage_lake`'s fetch into the cache); writes
//! items, payloads, thumbnails and `import` events in one transaction per
//! source.

use std::path::Path;

use rayon::prelude::*;
use triage_core::{ItemKind, Label, LabelSchema, TaskKind, Timestamp};
use triage_data::image_file::{self, ImageLimits};
use triage_data::manifest::{self, EntrySource, ManifestEntry};
use triage_data::table::{RemoteParquet, TableFormat, TableOptions, TablePart};
use triage_data::{ProgressFn, Report};
use triage_lake::{LakeAccess, S3Target};
use triage_store::{ImportedLabel, NewItem, SourceKind};

use crate::{Error, ImportReport, Project, Result};

/// Items are inserted in batches of this many, each its own transaction, so
/// a long import shows progress and a crash loses at most the open batch.
const BATCH: usize = 50_000;
/// Items drawn at random for people to label first, when nothing is queued.
const START_BATCH: usize = 50;

/// One source's import under way: what it has stored so far.
struct Landing {
    source: i64,
    kind: SourceKind,
    shown: String,
    added: u64,
    already: u64,
    labeled: u64,
}

/// How to read what is imported.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Take each image's class from its first folder below the root.
    pub labels_from_folders: bool,
    /// A table's id column.
    pub id_column: Option<String>,
    /// A table's label column.
    pub label_column: Option<String>,
    /// A table's text column, for a text project: each row's text.
    pub text_column: Option<String>,
    /// The folder that a manifest's local paths must stay inside; defaults
    /// to the manifest's own folder.
    pub root: Option<std::path::PathBuf>,
    /// S3: how to reach it.
    pub lake: triage_lake::LakeAccess,
}

fn path_err(path: &Path, reason: impl Into<String>) -> Error {
    Error::Path {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

/// Whether an `s3://` address names a table rather than a Ground Truth
/// manifest: a bucket, a prefix ending in `/`, or a CSV or Parquet object.
/// (A single JSON Lines object is taken for a manifest, as before; under a
/// prefix, JSON Lines objects are table parts.)
fn names_tables(url: &str) -> bool {
    let key = url
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .map_or("", |(_, key)| key);
    key.is_empty()
        || key.ends_with('/')
        || matches!(
            TableFormat::from_path(Path::new(key)),
            Some(TableFormat::Csv | TableFormat::Parquet)
        )
}

/// A table in the lake, in parts, and what could not be read.
pub(crate) struct LakeTable {
    /// Its parts, in key order.
    pub parts: Vec<TablePart>,
    /// Each part's size in bytes, and whether it is Parquet.
    pub sizes: Vec<(u64, bool)>,
    /// Objects that are no table, or could not be fetched.
    pub report: Report,
}

/// The table objects under an `s3://` prefix (or the one object named),
/// reached as `lake` says. Parquet objects are read where they are, by
/// range requests; CSV and JSON Lines objects cannot be read in parts, so
/// they are fetched into `copies` first and read as files, with the checks
/// a local file gets.
pub(crate) fn lake_table(url: &str, lake: &LakeAccess, copies: &Path) -> Result<LakeTable> {
    let target = S3Target::new(url, lake)?;
    let objects = triage_lake::list_objects(&target)?;
    if objects.is_empty() {
        return Err(Error::Invalid(format!("nothing found at {url}")));
    }
    let mut table = LakeTable {
        parts: Vec::new(),
        sizes: Vec::new(),
        report: Report::default(),
    };
    let mut cloud = None;
    let mut wanted = Vec::new();
    for object in objects {
        let format = TableFormat::from_path(Path::new(&object.url));
        let part = match format {
            None => {
                table.report.file(
                    &object.url,
                    "not a table (expected .csv, .parquet or .jsonl); skipped",
                );
                continue;
            }
            Some(TableFormat::Parquet) => {
                let cloud = match &cloud {
                    Some(c) => c,
                    None => cloud.insert(triage_lake::polars_cloud_options(&target)?),
                };
                TablePart::Remote(RemoteParquet {
                    url: object.url,
                    cloud: cloud.clone(),
                })
            }
            Some(_) => {
                let Some(path) = crate::layout::object_path(copies, &object.url) else {
                    table
                        .report
                        .file(&object.url, "its key cannot be a file name; skipped");
                    continue;
                };
                wanted.push((object.url.clone(), path.clone()));
                TablePart::Fetched {
                    path,
                    url: object.url,
                }
            }
        };
        table.parts.push(part);
        table
            .sizes
            .push((object.size, format == Some(TableFormat::Parquet)));
    }
    for ((url, _), fetched) in wanted
        .iter()
        .zip(triage_lake::fetch_objects(&target, &wanted))
    {
        if let Err(e) = fetched {
            table
                .report
                .file(url, format!("cannot fetch: {e}; skipped"));
            if let Some(i) = table.parts.iter().position(|p| p.shown() == *url) {
                table.parts.remove(i);
                table.sizes.remove(i);
            }
        }
    }
    Ok(table)
}

/// Maps a class name to its index, or records why the label is dropped.
fn class_or_warn(
    schema: &LabelSchema,
    name: &str,
    file: &str,
    position: String,
    report: &mut Report,
) -> Option<u32> {
    match schema.index_of(name) {
        Ok(i) => Some(i),
        Err(_) => {
            report.at(
                file,
                position,
                format!("class '{name}' is not in the project's classes; imported without a label"),
            );
            None
        }
    }
}

/// A table row as an item keyed by its file and position, with its label
/// when the class is known.
fn table_item(
    kind: ItemKind,
    file: &str,
    row: triage_data::table::TableRow,
    schema: &LabelSchema,
    report: &mut Report,
) -> NewItem {
    let label = row.label.as_deref().and_then(|name| {
        let position = format!("row {}", row.index + 1);
        class_or_warn(schema, name, file, position, report).map(ImportedLabel::class)
    });
    NewItem {
        kind,
        ref_key: format!("{file}#{}", row.index),
        uri: None,
        row_index: Some(row.index),
        external_id: row.external_id,
        content_hash: triage_data::content_hash(row.payload.as_bytes()),
        width: None,
        height: None,
        payload: Some(row.payload),
        label,
    }
}

impl Project {
    /// Imports an image folder, a table or a manifest. Bad files and rows
    /// are reported in the result and skipped; the rest comes in.
    pub fn import(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        if let Some(url) = path.to_str().filter(|p| p.starts_with("s3://")) {
            return if names_tables(url) {
                self.import_lake_table(url, options, at, progress)
            } else {
                self.import_s3(url, options, at, progress)
            };
        }
        let abs = std::path::absolute(path).map_err(|e| path_err(path, e.to_string()))?;
        if !abs.exists() {
            return Err(path_err(&abs, "no such file or folder"));
        }
        if abs.is_dir() && self.schema.task.item_kind() == ItemKind::Text {
            self.import_text_folder(&abs, options, at, progress)
        } else if abs.is_dir() {
            self.import_folder(&abs, options, at, progress)
        } else if manifest::is_manifest(&abs).unwrap_or(false) {
            self.import_manifest(&abs, options, at, progress)
        } else {
            self.import_table(&abs, options, at, progress)
        }
    }

    fn expect_task(&self, task: TaskKind, path: &Path, what: &str) -> Result<()> {
        if self.schema.task != task {
            return Err(path_err(
                path,
                format!(
                    "{what} cannot be imported: this project's task is {}",
                    self.schema.task.as_str()
                ),
            ));
        }
        Ok(())
    }

    fn import_folder(
        &mut self,
        root: &Path,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        let task = self.schema.task;
        if !task.is_image() {
            self.expect_task(TaskKind::ImageClassification, root, "an image folder")?;
        }
        if options.labels_from_folders && task != TaskKind::ImageClassification {
            return Err(path_err(
                root,
                format!(
                    "folder names give one class per image, which a {} project does not \
                     take: import without --labels-from-folders",
                    task.as_str()
                ),
            ));
        }
        let thumbs = self.thumbs_dir();
        let (images, mut report) = image_file::scan_folder(
            root,
            options.labels_from_folders,
            ImageLimits::default(),
            Some(&thumbs),
            progress,
        );
        let mut items = Vec::with_capacity(images.len());
        for image in images {
            let uri = image.path.display().to_string();
            let label = image.folder_label.as_deref().and_then(|name| {
                class_or_warn(&self.schema, name, &uri, "folder".into(), &mut report)
                    .map(ImportedLabel::class)
            });
            items.push(NewItem {
                kind: ItemKind::Image,
                ref_key: uri.clone(),
                uri: Some(uri),
                row_index: None,
                external_id: None,
                content_hash: image.content_hash,
                width: Some(image.width),
                height: Some(image.height),
                payload: None,
                label,
            });
        }
        self.finish_import(SourceKind::ImageFolder, (root, root), items, report, at)
    }

    fn import_text_folder(
        &mut self,
        root: &Path,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        if options.labels_from_folders && self.schema.task.is_multilabel() {
            return Err(path_err(
                root,
                format!(
                    "folder names give one class per text, which a {} project does not \
                     take: import without --labels-from-folders",
                    self.schema.task.as_str()
                ),
            ));
        }
        let (texts, mut report) =
            triage_data::text_file::scan_folder(root, options.labels_from_folders, progress);
        let mut items = Vec::with_capacity(texts.len());
        for file in texts {
            let uri = file.path.display().to_string();
            let label = file.folder_label.as_deref().and_then(|name| {
                class_or_warn(&self.schema, name, &uri, "folder".into(), &mut report)
                    .map(ImportedLabel::class)
            });
            let payload = serde_json::json!({ triage_core::TEXT_KEY: file.text }).to_string();
            items.push(NewItem {
                kind: ItemKind::Text,
                ref_key: uri.clone(),
                uri: Some(uri),
                row_index: None,
                external_id: None,
                content_hash: file.content_hash,
                width: None,
                height: None,
                payload: Some(payload),
                label,
            });
        }
        self.finish_import(SourceKind::TextFolder, (root, root), items, report, at)
    }

    fn import_table(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        self.check_table_options(path, options)?;
        let part = TablePart::File(path.to_path_buf());
        self.import_parts(path, &[part], Report::default(), options, at, progress)
    }

    /// Imports a table in the lake: every table object under an `s3://`
    /// prefix (or the one object named) as one source. An object that
    /// cannot be read is reported and the others come in.
    fn import_lake_table(
        &mut self,
        url: &str,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        self.check_table_options(Path::new(url), options)?;
        let lake = lake_table(url, &options.lake, &self.s3_cache_dir())?;
        self.import_parts(
            Path::new(url),
            &lake.parts,
            lake.report,
            options,
            at,
            progress,
        )
    }

    /// Refuses options a table import cannot honour for this project.
    fn check_table_options(&self, path: &Path, options: &ImportOptions) -> Result<()> {
        let task = self.schema.task;
        let kind = task.item_kind();
        if kind == ItemKind::Image {
            self.expect_task(TaskKind::RowClassification, path, "a table")?;
        }
        if task.is_multilabel() && options.label_column.is_some() {
            return Err(path_err(
                path,
                format!(
                    "a label column gives one class per row; a {} project takes sets of \
                     classes from people: import without --label-column",
                    task.as_str()
                ),
            ));
        }
        match (kind, &options.text_column) {
            (ItemKind::Text, None) => Err(path_err(
                path,
                format!(
                    "a {} project takes each row's text from a column: name it with \
                     --text-column",
                    task.as_str()
                ),
            )),
            (ItemKind::Row, Some(_)) => Err(path_err(
                path,
                format!(
                    "--text-column makes each row a text item, which a {} project does \
                     not take: create a text-classification project",
                    task.as_str()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Imports a table's parts as one source named `path` (its options
    /// checked): each part's rows in batches, a row's item keyed by its
    /// part and position.
    fn import_parts(
        &mut self,
        path: &Path,
        parts: &[TablePart],
        mut report: Report,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        let kind = self.schema.task.item_kind();
        let table_options = TableOptions {
            id_column: options.id_column.clone(),
            label_column: options.label_column.clone(),
            text_column: options.text_column.clone(),
        };
        let mut landing = self.begin_import(SourceKind::Table, (path, path), at)?;
        // Rows are read and turned into items on one thread while the
        // previous batch is written on this one, so reading costs no time
        // of its own: the project file's writes set the pace.
        let schema = self.schema.clone();
        let report = std::thread::scope(|scope| -> Result<Report> {
            let (send, batches) = std::sync::mpsc::sync_channel::<(Vec<NewItem>, u64, u64)>(1);
            let reader = scope.spawn(move || {
                let mut before = 0u64;
                for part in parts {
                    let (rows, part_report) = part.open(&table_options);
                    report.problems.extend(part_report.problems);
                    let Some(mut rows) = rows else { continue };
                    let file = part.shown();
                    while let Some(batch) = rows.next_batch(BATCH, &mut report) {
                        let items = batch
                            .into_iter()
                            .map(|row| table_item(kind, &file, row, &schema, &mut report))
                            .collect();
                        let (done, total) = rows.progress();
                        if send.send((items, before + done, before + total)).is_err() {
                            // The writer stopped on an error, which it returns.
                            return report;
                        }
                    }
                    before += rows.progress().0;
                }
                report
            });
            for (items, done, total) in batches {
                self.land(&mut landing, &items, at)?;
                progress(done, total);
            }
            reader
                .join()
                .map_err(|_| path_err(path, "the table reader stopped unexpectedly"))
        })?;
        if let Some(column) = &options.label_column {
            self.skip_feature(column)?;
        }
        self.end_import(landing, report, at)
    }

    /// Imports a manifest from S3: the manifest and every `s3://` image it
    /// names are fetched into `cache/s3/<bucket>/<key>` (images already
    /// there are not fetched again), then it is imported as a local
    /// manifest whose images keep their `s3://` references, so an export
    /// writes them back as they came: job chaining through the lake.
    fn import_s3(
        &mut self,
        url: &str,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        let target = triage_lake::S3Target::new(url, &options.lake)?;
        let local = self
            .s3_cache_path(url)
            .ok_or_else(|| Error::Invalid(format!("'{url}' is not an s3://bucket/key address")))?;
        // The manifest is always fetched: it is small, and it may be newer.
        let fetch = vec![(url.to_owned(), local.clone())];
        if let Some(Err(e)) = triage_lake::fetch_objects(&target, &fetch)
            .into_iter()
            .next()
        {
            return Err(e.into());
        }
        let (entries, _) = manifest::read_manifest(&local, &self.s3_cache_dir(), &self.attribute);
        let mut wanted = Vec::new();
        for entry in &entries {
            if let EntrySource::Remote(image) = &entry.source
                && let Some(path) = self.s3_cache_path(image)
                && !path.is_file()
                && !wanted.iter().any(|(u, _)| u == image)
            {
                wanted.push((image.clone(), path));
            }
        }
        let fetched = triage_lake::fetch_objects(&target, &wanted);
        let mut report = self.import_manifest(&local, options, at, progress)?;
        for ((image, _), result) in wanted.iter().zip(fetched) {
            if let Err(e) = result {
                report.problems.push(triage_data::Problem {
                    file: image.clone(),
                    position: None,
                    reason: format!("cannot fetch: {e}; imported as a reference only"),
                });
            }
        }
        report.path = url.to_owned();
        Ok(report)
    }

    fn import_manifest(
        &mut self,
        path: &Path,
        options: &ImportOptions,
        at: Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ImportReport> {
        let root = match &options.root {
            Some(r) => std::path::absolute(r).map_err(|e| path_err(r, e.to_string()))?,
            None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let (entries, mut report) = manifest::read_manifest(path, &root, &self.attribute);
        let file = path.display().to_string();
        let task = self.schema.task;
        let thumbs = self.thumbs_dir();
        let total = entries.len() as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let cached = |url: &str| crate::layout::s3_cache_path(&thumbs, url);
        // Local images are checked and thumbnailed in parallel, as in a folder.
        let inspected: Vec<_> = entries
            .into_par_iter()
            .map(|entry| {
                // An s3:// image fetched into the cache is checked and
                // thumbnailed from its copy; its reference stays s3://.
                let local = match &entry.source {
                    EntrySource::LocalImage(p) => Some(p.clone()),
                    EntrySource::Remote(u) => cached(u).filter(|p| p.is_file()),
                    EntrySource::Text(_) => None,
                };
                let info = local
                    .filter(|_| {
                        matches!(
                            task,
                            TaskKind::ImageClassification | TaskKind::ImageMultilabel
                        )
                    })
                    .map(|p| image_file::inspect(&p, ImageLimits::default(), Some(&thumbs)));
                progress(
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                    total,
                );
                (entry, info)
            })
            .collect();
        let mut items = Vec::with_capacity(inspected.len());
        for (entry, info) in inspected {
            let position = format!("line {}", entry.line);
            let fits = match &entry.source {
                EntrySource::Text(text) => {
                    if text.len() > triage_data::text_file::MAX_TEXT_BYTES {
                        report.at(
                            &file,
                            position,
                            "text is over the limit of 1 MiB; line skipped".to_owned(),
                        );
                        continue;
                    }
                    task.item_kind() != ItemKind::Image
                }
                EntrySource::LocalImage(_) | EntrySource::Remote(_) => {
                    matches!(
                        task,
                        TaskKind::ImageClassification | TaskKind::ImageMultilabel
                    )
                }
            };
            if !fits {
                report.at(
                    &file,
                    position,
                    format!("does not fit a {} project; line skipped", task.as_str()),
                );
                continue;
            }
            let (hash, width, height) = match info {
                Some(Err(reason)) => {
                    report.at(&file, position, format!("{reason}; line skipped"));
                    continue;
                }
                Some(Ok(image)) => (image.content_hash, Some(image.width), Some(image.height)),
                None => (triage_data::content_hash(entry.raw.as_bytes()), None, None),
            };
            let label = self.manifest_label(&entry, &file, position, &mut report);
            let (kind, uri) = match &entry.source {
                EntrySource::LocalImage(p) => (ItemKind::Image, Some(p.display().to_string())),
                EntrySource::Remote(u) => (ItemKind::Image, Some(u.clone())),
                EntrySource::Text(_) => (ItemKind::Text, None),
            };
            items.push(NewItem {
                kind,
                ref_key: uri
                    .clone()
                    .unwrap_or_else(|| format!("{file}#{}", entry.line)),
                uri,
                row_index: Some(entry.line as i64 - 1),
                external_id: None,
                content_hash: hash,
                width,
                height,
                payload: Some(entry.raw),
                label,
            });
        }
        self.finish_import(SourceKind::Manifest, (path, &root), items, report, at)
    }

    /// A manifest label comes in by its class name when it has one (indices
    /// differ between jobs), else by its index.
    fn manifest_label(
        &self,
        entry: &ManifestEntry,
        file: &str,
        position: String,
        report: &mut Report,
    ) -> Option<ImportedLabel> {
        let label = entry.label.as_ref()?;
        let n = self.schema.classes.len();
        // A class comes in by its name when it has one (indices differ
        // between jobs), else by its index.
        let mut index_of = |name: Option<&String>, index: Option<u32>| match (name, index) {
            (Some(name), _) => class_or_warn(&self.schema, name, file, position.clone(), report),
            (None, Some(i)) if (i as usize) < n => Some(i),
            (None, Some(i)) => {
                report.at(
                    file,
                    position.clone(),
                    format!("class index {i} is outside the project's classes"),
                );
                None
            }
            (None, None) => None,
        };
        let multilabel = self.schema.task.is_multilabel();
        let value = match (&label.class_set, multilabel) {
            (Some(set), true) => {
                let mut indices = Vec::with_capacity(set.len());
                for (i, name) in set {
                    indices.push(index_of(name.as_ref(), Some(*i))?);
                }
                Label::class_set(indices, n as u32).ok()?
            }
            (None, true) => {
                // One class from a single-class job: a set of one.
                let class = index_of(label.class_name.as_ref(), label.class_index)?;
                Label::class_set(vec![class], n as u32).ok()?
            }
            (Some(_), false) => {
                report.at(
                    file,
                    position,
                    "a set of classes does not fit a single-class project; imported without \
                     a label",
                );
                return None;
            }
            (None, false) => Label::Class(index_of(label.class_name.as_ref(), label.class_index)?),
        };
        Some(ImportedLabel {
            label: value,
            confidence: label.confidence,
            meta: Some(label.metadata.clone()),
        })
    }

    /// Keeps a column out of the model's features: a label column in the
    /// features would make every prediction a copy of the answer.
    pub fn skip_feature(&mut self, column: &str) -> Result<()> {
        let key = crate::learn::FEATURE_SKIP;
        let mut skip: Vec<String> = self
            .store
            .setting(key)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        if !skip.iter().any(|c| c == column) {
            skip.push(column.to_owned());
            self.store
                .set_setting(key, &serde_json::to_string(&skip).unwrap_or_default())?;
        }
        Ok(())
    }

    /// Stores the items of one source: `(path, root)` is what was imported
    /// and the folder its files must stay inside.
    fn finish_import(
        &mut self,
        kind: SourceKind,
        (path, root): (&Path, &Path),
        items: Vec<NewItem>,
        report: Report,
        at: Timestamp,
    ) -> Result<ImportReport> {
        let mut landing = self.begin_import(kind, (path, root), at)?;
        self.land(&mut landing, &items, at)?;
        self.end_import(landing, report, at)
    }

    /// Records the source an import's items come from.
    fn begin_import(
        &mut self,
        kind: SourceKind,
        (path, root): (&Path, &Path),
        at: Timestamp,
    ) -> Result<Landing> {
        let shown = path.display().to_string();
        let root = root.display().to_string();
        let source = self.store.add_source(kind, &shown, Some(&root), at)?;
        Ok(Landing {
            source,
            kind,
            shown,
            added: 0,
            already: 0,
            labeled: 0,
        })
    }

    /// Stores items of the source `landing` began, a transaction per
    /// [`BATCH`], counting what was new.
    fn land(&mut self, landing: &mut Landing, items: &[NewItem], at: Timestamp) -> Result<()> {
        for chunk in items.chunks(BATCH) {
            let present: std::collections::HashSet<String> = self
                .store
                .insert_items(landing.source, chunk, at)?
                .into_iter()
                .collect();
            let already = present.len() as u64;
            landing.already += already;
            landing.added += chunk.len() as u64 - already;
            landing.labeled += chunk
                .iter()
                .filter(|i| i.label.is_some() && !present.contains(&i.ref_key))
                .count() as u64;
        }
        Ok(())
    }

    /// Queues the first items to label and reports what came in.
    fn end_import(
        &mut self,
        landing: Landing,
        report: Report,
        at: Timestamp,
    ) -> Result<ImportReport> {
        self.store
            .seed_queue(START_BATCH, at.timestamp_micros() as u64)?;
        let Landing {
            kind,
            shown,
            added,
            already,
            labeled,
            ..
        } = landing;
        tracing::info!(
            "imported {added} items from {shown} ({already} already present, {} skipped)",
            report.problems.len()
        );
        for problem in &report.problems {
            tracing::warn!("skipped {problem}");
        }
        Ok(ImportReport {
            path: shown,
            kind,
            added,
            already_present: already,
            labeled,
            problems: report.problems,
        })
    }
}
