//! What the explorer browses: a project (read-only), a table file or a
//! Ground Truth manifest, flattened into entries (one per item, row or
//! line) and one table of their values. The explorer holds a [`Dataset`]
//! and asks it for cells, sort orders, histories, the feature map and the
//! profile.
//!
//! Reads a read-only store handle, tables through `triage_data::table` and
//! manifests through `triage_data::manifest`; calls `triage_learn::features`
//! (the map) and `triage_profile`; writes nothing anywhere.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, DataType, SortOptions};
use rayon::prelude::*;
use triage_core::{AnnotationSource, ItemKind, TaskKind, Timestamp};
use triage_data::image_file::{self, ImageLimits};
use triage_data::manifest::{EntrySource, ManifestEntry};
use triage_learn::features;
use triage_profile::images::{ImageInput, profile_images};
use triage_profile::{Kind, Options, Profile};
pub use triage_store::{ReviewState, SpotCheck};

use crate::layout::DB_FILE;
use crate::profile::{LabeledFrame, profile_err};
use crate::{ClassDto, Error, LabelDto, Project, Result};

/// What a [`Dataset`] was opened from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    /// A project folder, read-only.
    Project,
    /// A CSV, Parquet or JSON Lines file.
    Table,
    /// A Ground Truth manifest.
    Manifest,
}

/// Where a label came from, as the explorer filters on it.
pub type LabelSource = AnnotationSource;

/// One item, row or manifest line.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The project's item id, or the 1-based row or line number.
    pub id: i64,
    /// What people call it: a file name, a table id, `row N`.
    pub name: String,
    /// The image file to show, when the entry is a local image.
    pub image: Option<PathBuf>,
    /// A small copy of it, when one is cached (cheaper to decode).
    pub thumbnail: Option<PathBuf>,
    /// The text, when the entry is a text.
    pub text: Option<String>,
    /// The class index, for single-class labels.
    pub class: Option<u32>,
    /// The label as people read it: a class, a set, `3 boxes`.
    pub label: Option<String>,
    /// Who gave the label.
    pub source: Option<LabelSource>,
    /// The model's (or the manifest's) confidence.
    pub confidence: Option<f64>,
    /// Spot check, suspected label error and flag.
    pub review: ReviewState,
}

/// An entry like another, and how alike (cosine, 1 the same).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similar {
    /// Its index among the entries.
    pub entry: u32,
    /// Cosine similarity of their features.
    pub cosine: f64,
}

/// One event in an entry's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// When, if known.
    pub at: Option<Timestamp>,
    /// What it did: the label given, or `undo of event N`.
    pub what: String,
    /// `human`, `model`, `import` or `consolidated`.
    pub source: String,
    /// The person.
    pub annotator: Option<String>,
    /// The model version.
    pub model_version: Option<i64>,
    /// The confidence.
    pub confidence: Option<f64>,
    /// How long the person took.
    pub time_spent_ms: Option<i64>,
}

/// A 2-D map of the feature space: PCA's first two components.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMap {
    /// Each mapped entry's index in [`Dataset::entries`] and its position.
    pub points: Vec<(u32, [f32; 2])>,
    /// The share of the variance each axis explains.
    pub explained: [f64; 2],
    /// Entries left out because they have no features (an unreadable image).
    pub missing: usize,
}

/// A progress callback: what is being done, how far, out of how many.
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Sync);

/// A dataset opened for browsing.
pub struct Dataset {
    /// The file or folder.
    pub path: PathBuf,
    /// What it is.
    pub kind: DatasetKind,
    /// The project's task, when there is one.
    pub task: Option<TaskKind>,
    /// The classes by index, with the colours every shell shows them in.
    pub classes: Vec<ClassDto>,
    /// Every entry, in item, row or line order.
    pub entries: Vec<Entry>,
    /// Lines a manifest had that could not be read, with their reasons.
    pub problems: Vec<String>,
    /// A project's agreement among the people who labeled it.
    pub agreement: Option<crate::Agreement>,
    /// One row per entry: what the table view shows and sorts.
    table: DataFrame,
    /// A manifest's lines, for their history.
    lines: Vec<String>,
    /// A table's label, source and confidence columns.
    label_columns: TableColumns,
}

#[derive(Debug, Clone, Default)]
struct TableColumns {
    label: Option<String>,
    source: Option<String>,
    confidence: Option<String>,
    /// Columns that are not features: ids, references, the label's own.
    not_features: Vec<String>,
}

impl Dataset {
    /// Opens a project folder, a table file or a manifest (`.manifest`, or
    /// JSON Lines whose first line has `source-ref` or `source`).
    pub fn open(path: &Path, progress: Progress<'_>) -> Result<Self> {
        if path.is_dir() {
            if path.join(DB_FILE).is_file() {
                return Self::open_project(path, progress);
            }
            return Err(Error::Path {
                path: path.display().to_string(),
                reason: format!("not a project folder (no {DB_FILE})"),
            });
        }
        let manifest = triage_data::manifest::is_manifest(path).map_err(|e| Error::Path {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if manifest {
            Self::open_manifest(path, progress)
        } else {
            Self::open_table(path, progress)
        }
    }

    /// The table view's column names.
    pub fn columns(&self) -> Vec<String> {
        self.table
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    /// One cell of the table view as text (empty when missing).
    pub fn cell(&self, row: usize, column: usize) -> String {
        self.table
            .columns()
            .get(column)
            .and_then(|c| c.get(row).ok())
            .map(|v| match triage_data::table::any_to_json(v) {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .unwrap_or_default()
    }

    /// Every column's value for one entry, for its detail view.
    pub fn row(&self, row: usize) -> Vec<(String, String)> {
        self.columns()
            .into_iter()
            .enumerate()
            .map(|(c, name)| (name, self.cell(row, c)))
            .collect()
    }

    /// Entry indices ordered by a column (numbers as numbers, missing
    /// values last). Ties keep entry order.
    pub fn sort_order(&self, column: usize, descending: bool) -> Result<Vec<u32>> {
        let col = self
            .table
            .columns()
            .get(column)
            .ok_or_else(|| Error::Invalid(format!("no column {column}")))?;
        let order = col.as_materialized_series().arg_sort(
            SortOptions::default()
                .with_order_descending(descending)
                .with_nulls_last(true)
                .with_maintain_order(true),
        );
        Ok(order.into_no_null_iter().collect())
    }

    /// Which entries have `needle` in their name, label or any value,
    /// ignoring case: the table view's search, one flag per entry. Each
    /// column is read once, as text, and the columns in parallel, so a
    /// million rows answer in well under a second.
    pub fn search(&self, needle: &str) -> Vec<bool> {
        let needle = needle.trim().to_lowercase();
        let mut found: Vec<bool> = self
            .entries
            .par_iter()
            .map(|e| {
                contains_folded(&e.name, &needle)
                    || e.label
                        .as_deref()
                        .is_some_and(|l| contains_folded(l, &needle))
            })
            .collect();
        let hits: Vec<Vec<usize>> = (0..self.table.width())
            .into_par_iter()
            .map(|c| self.column_hits(c, &needle))
            .collect();
        for row in hits.into_iter().flatten() {
            if let Some(f) = found.get_mut(row) {
                *f = true;
            }
        }
        found
    }

    /// The rows whose value in column `c`, as the table shows it,
    /// contains `needle` (lower case).
    fn column_hits(&self, c: usize, needle: &str) -> Vec<usize> {
        let Some(column) = self.table.columns().get(c) else {
            return Vec::new();
        };
        let text = column.as_materialized_series().cast(&DataType::String);
        match text.as_ref().map(|s| s.str()) {
            Ok(Ok(values)) => values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_some_and(|v| contains_folded(v, needle)))
                .map(|(row, _)| row)
                .collect(),
            // Nested values have no text cast: shown as JSON, searched so.
            _ => (0..self.table.height())
                .filter(|&row| contains_folded(&self.cell(row, c), needle))
                .collect(),
        }
    }

    /// The `n` entries most like entry `index`, nearest first, by cosine
    /// over [`Dataset::likeness_features`].
    pub fn similar(&self, index: usize, n: usize) -> Result<Vec<Similar>> {
        let (rows, x) = self.likeness_features()?;
        let Some(at) = rows.iter().position(|&r| r as usize == index) else {
            return Err(Error::Invalid(format!(
                "{} has no features to compare",
                self.entries
                    .get(index)
                    .map_or("this entry", |e| e.name.as_str())
            )));
        };
        Ok(
            triage_learn::similar::nearest(x.view(), at, n, |row| rows[row] as usize != index)
                .into_iter()
                .map(|(row, cosine)| Similar {
                    entry: rows[row],
                    cosine,
                })
                .collect(),
        )
    }

    /// Groups of entries that are near-duplicates of each other (cosine at
    /// least `min_cosine`, directly or through others in the group) over
    /// [`Dataset::likeness_features`], largest group first.
    pub fn near_duplicates(&self, min_cosine: f64) -> Result<Vec<Vec<u32>>> {
        let (rows, x) = self.likeness_features()?;
        Ok(
            triage_learn::similar::near_duplicate_groups(x.view(), min_cosine)
                .into_iter()
                .map(|g| g.into_iter().map(|i| rows[i]).collect())
                .collect(),
        )
    }

    /// What likeness is measured on, with the entries each row belongs to:
    /// the project's embeddings when it has a model, else the texts' hashed
    /// TF-IDF. Images without a model have nothing to compare.
    fn likeness_features(&self) -> Result<(Vec<u32>, triage_learn::Matrix)> {
        if self.kind == DatasetKind::Project {
            let index: HashMap<i64, u32> = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id, i as u32))
                .collect();
            if let Some(found) = Project::open_read_only(&self.path)?.embedded(&index)? {
                return Ok(found);
            }
        }
        if self.entries.iter().any(|e| e.text.is_some()) {
            return Ok(text_features_full(&self.entries));
        }
        Err(Error::Invalid(
            "likeness needs an embedding model (`triage features DIR --model NAME`) or texts"
                .into(),
        ))
    }

    /// Every event about an entry, oldest first. A project keeps them all;
    /// a manifest line or a table row holds at most one.
    pub fn history(&self, index: usize) -> Result<Vec<HistoryEvent>> {
        let entry = self
            .entries
            .get(index)
            .ok_or_else(|| Error::Invalid(format!("no entry {index}")))?;
        match self.kind {
            DatasetKind::Project => {
                let project = Project::open_read_only(&self.path)?;
                project.history(entry.id)
            }
            DatasetKind::Manifest => Ok(self
                .lines
                .get(index)
                .and_then(|line| manifest_event(line, entry))
                .into_iter()
                .collect()),
            DatasetKind::Table => Ok(self.table_event(index, entry).into_iter().collect()),
        }
    }

    /// The profile of everything the table view shows, with the label
    /// views and, for images, the files.
    pub fn profile(&self) -> Result<Profile> {
        match self.kind {
            DatasetKind::Project => {
                Project::open_read_only(&self.path)?.profile(&Default::default())
            }
            DatasetKind::Table | DatasetKind::Manifest => {
                let cols = &self.label_columns;
                let mut kinds = HashMap::new();
                if let Some(label) = &cols.label {
                    kinds.insert(label.clone(), Kind::Categorical);
                }
                if self.kind == DatasetKind::Manifest {
                    kinds.insert("source_ref".into(), Kind::ImageReference);
                }
                let options = Options {
                    kinds,
                    label_column: cols.label.clone(),
                    source_column: cols.source.clone(),
                    confidence_column: cols.confidence.clone(),
                    split_column: None,
                    not_features: cols.not_features.clone(),
                };
                let profile = triage_profile::profile_frame(
                    &self.table,
                    &self.path.display().to_string(),
                    &options,
                )
                .map_err(profile_err)?;
                let images: Vec<ImageInput> = self
                    .entries
                    .iter()
                    .filter_map(|e| {
                        Some(ImageInput {
                            name: e.name.clone(),
                            path: e.image.clone()?,
                            thumbnail: e.thumbnail.clone(),
                        })
                    })
                    .collect();
                Ok(if images.is_empty() {
                    profile
                } else {
                    triage_profile::with_images(profile, profile_images(&images))
                })
            }
        }
    }

    /// The feature space in two dimensions. Features a project has stored
    /// are used as they are; otherwise they are computed here (table
    /// columns, or image descriptors from the thumbnails) and not saved.
    pub fn feature_map(&self, progress: Progress<'_>) -> Result<FeatureMap> {
        let (rows, x) = match self.kind {
            DatasetKind::Project => {
                Project::open_read_only(&self.path)?.map_features(&self.entries, progress)?
            }
            DatasetKind::Table => table_features(&self.table, &self.label_columns.not_features)?,
            DatasetKind::Manifest => image_features(&self.entries, progress)?,
        };
        if rows.is_empty() {
            return Err(Error::Invalid(
                "nothing here has features to map (no numeric columns or readable images)".into(),
            ));
        }
        progress("mapping", 0, 1);
        let (points, explained) = features::map_2d(&x).map_err(Error::Learn)?;
        progress("mapping", 1, 1);
        Ok(FeatureMap {
            missing: self.entries.len() - rows.len(),
            points: rows
                .into_iter()
                .zip(points)
                .map(|(i, p)| (i, [p[0] as f32, p[1] as f32]))
                .collect(),
            explained,
        })
    }

    fn open_project(dir: &Path, progress: Progress<'_>) -> Result<Self> {
        let project = Project::open_read_only(dir)?;
        let total = project.store.counts()?.items;
        let reviews = project.store.review_states()?;
        let agreement = project.agreement()?;
        let split: std::collections::HashSet<i64> =
            agreement.disagreements.iter().copied().collect();
        let thumbs = project.thumbs_dir();
        let schema = project.schema.clone();
        let mut entries = Vec::with_capacity(total as usize);
        let mut review = reviews.into_iter().peekable();
        let LabeledFrame { frame, .. } = project.labeled_frame(|item| {
            if entries.len().is_multiple_of(4096) {
                progress("reading items", entries.len() as u64, total);
            }
            let label = item
                .label
                .as_ref()
                .and_then(|l| LabelDto::from_event(l, &schema));
            // Both lists are in id order, so the review state is the next one.
            while review.next_if(|(id, _)| *id < item.id).is_some() {}
            let state = ReviewState {
                disagreement: split.contains(&item.id),
                ..review
                    .next_if(|(id, _)| *id == item.id)
                    .map(|(_, s)| s)
                    .unwrap_or_default()
            };
            let (image, thumbnail) = match (item.kind, item.uri.as_deref()) {
                (ItemKind::Image, Some(uri)) => {
                    let local = if uri.starts_with("s3://") {
                        project.s3_cache_path(uri)
                    } else {
                        Some(PathBuf::from(uri))
                    };
                    let thumb = image_file::thumbnail_path(&thumbs, &item.content_hash);
                    (local, Some(thumb))
                }
                _ => (None, None),
            };
            entries.push(Entry {
                id: item.id,
                name: entry_name(item),
                text: item.text(),
                image,
                thumbnail,
                class: label.as_ref().and_then(LabelDto::class),
                source: item.label.as_ref().map(|l| l.source),
                confidence: label.as_ref().and_then(|l| l.confidence),
                label: label.map(|l| l.class_name),
                review: state,
            });
        })?;
        progress("reading items", total, total);
        Ok(Self {
            path: dir.to_owned(),
            kind: DatasetKind::Project,
            task: Some(schema.task),
            classes: ClassDto::all(&schema),
            entries,
            problems: Vec::new(),
            agreement: Some(agreement),
            table: frame,
            lines: Vec::new(),
            label_columns: TableColumns::default(),
        })
    }

    fn open_table(path: &Path, progress: Progress<'_>) -> Result<Self> {
        progress("reading the table", 0, 1);
        let table = triage_profile::read_table(path).map_err(profile_err)?;
        progress("reading the table", 1, 1);
        let names: Vec<String> = table
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let find = |candidates: &[&str]| {
            candidates
                .iter()
                .find(|c| names.iter().any(|n| n == *c))
                .map(|c| c.to_string())
        };
        let cols = TableColumns {
            label: find(&["label", "class"]),
            source: find(&["label_source"]),
            confidence: find(&["confidence", "label_confidence"]),
            not_features: names
                .iter()
                .filter(|n| {
                    [
                        "id",
                        "external_id",
                        "source_ref",
                        "row_index",
                        "class_index",
                        "model_version",
                        "time_spent_ms",
                    ]
                    .contains(&n.as_str())
                })
                .cloned()
                .collect(),
        };
        let text = |column: &Option<String>| -> Vec<Option<String>> {
            let Some(c) = column.as_ref().and_then(|c| table.column(c).ok()) else {
                return vec![None; table.height()];
            };
            (0..table.height())
                .map(|i| match c.get(i).map(triage_data::table::any_to_json) {
                    Ok(serde_json::Value::String(s)) => Some(s),
                    Ok(serde_json::Value::Null) | Err(_) => None,
                    Ok(other) => Some(other.to_string()),
                })
                .collect()
        };
        let labels = text(&cols.label);
        let sources = text(&cols.source);
        let confidence = text(&cols.confidence);
        let ids = text(&find(&["external_id", "id"]));
        let refs = text(&find(&["source_ref", "image", "path", "file"]));
        let base = path.parent().unwrap_or(Path::new("."));
        let classes: Vec<String> = labels
            .iter()
            .flatten()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let entries = (0..table.height())
            .map(|i| {
                let image = refs[i]
                    .as_deref()
                    .map(|r| base.join(r))
                    .filter(|p| image_file::has_image_extension(p));
                let label = labels[i].clone();
                Entry {
                    id: i as i64 + 1,
                    name: ids[i].clone().unwrap_or_else(|| format!("row {}", i + 1)),
                    thumbnail: None,
                    text: None,
                    image,
                    class: label
                        .as_ref()
                        .and_then(|l| classes.iter().position(|c| c == l))
                        .map(|c| c as u32),
                    source: label.as_ref().map(|_| {
                        sources[i]
                            .as_deref()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(AnnotationSource::Import)
                    }),
                    confidence: confidence[i].as_deref().and_then(|c| c.parse().ok()),
                    label,
                    review: ReviewState::default(),
                }
            })
            .collect();
        Ok(Self {
            path: path.to_owned(),
            kind: DatasetKind::Table,
            task: None,
            classes: ClassDto::named(&classes),
            entries,
            problems: Vec::new(),
            agreement: None,
            table,
            lines: Vec::new(),
            label_columns: cols,
        })
    }

    fn open_manifest(path: &Path, progress: Progress<'_>) -> Result<Self> {
        progress("reading the manifest", 0, 1);
        let attribute = manifest_attribute(path)?;
        // Any local path may be shown: a viewer reads what the manifest names.
        let (lines, report) =
            triage_data::manifest::read_manifest(path, Path::new("/"), &attribute);
        progress("reading the manifest", 1, 1);
        let mut classes: BTreeMap<u32, String> = BTreeMap::new();
        for line in &lines {
            if let Some(label) = &line.label {
                if let (Some(i), Some(n)) = (label.class_index, &label.class_name) {
                    classes.entry(i).or_insert_with(|| n.clone());
                }
                for (i, n) in label.class_set.iter().flatten() {
                    if let Some(n) = n {
                        classes.entry(*i).or_insert_with(|| n.clone());
                    }
                }
            }
        }
        let n_classes = classes.keys().next_back().map_or(0, |&k| k as usize + 1);
        let classes: Vec<String> = (0..n_classes as u32)
            .map(|i| classes.get(&i).cloned().unwrap_or_else(|| i.to_string()))
            .collect();
        let entries: Vec<Entry> = lines.iter().map(|l| manifest_entry(l, &classes)).collect();
        let table = manifest_frame(&lines, &entries)?;
        Ok(Self {
            path: path.to_owned(),
            kind: DatasetKind::Manifest,
            task: None,
            classes: ClassDto::named(&classes),
            entries,
            problems: report.problems.iter().map(|p| p.to_string()).collect(),
            agreement: None,
            table,
            lines: lines.into_iter().map(|l| l.raw).collect(),
            label_columns: TableColumns {
                label: Some("label".into()),
                source: Some("label_source".into()),
                confidence: Some("confidence".into()),
                not_features: vec!["line".into(), "source_ref".into()],
            },
        })
    }

    /// A table row's one event, from our export's columns when it has them.
    fn table_event(&self, index: usize, entry: &Entry) -> Option<HistoryEvent> {
        let label = entry.label.clone()?;
        let get = |name: &str| {
            let c = self.columns().iter().position(|c| c == name)?;
            Some(self.cell(index, c)).filter(|v| !v.is_empty())
        };
        Some(HistoryEvent {
            at: get("labeled_at").and_then(|t| parse_time(&t)),
            what: label,
            source: entry.source.map_or("import", |s| s.as_str()).to_owned(),
            annotator: get("annotator"),
            model_version: get("model_version").and_then(|v| v.parse().ok()),
            confidence: entry.confidence,
            time_spent_ms: get("time_spent_ms").and_then(|v| v.parse().ok()),
        })
    }
}

impl Project {
    /// Every event about an item, oldest first.
    pub fn history(&self, item: i64) -> Result<Vec<HistoryEvent>> {
        Ok(self
            .store
            .events(item)?
            .iter()
            .map(|e| HistoryEvent {
                at: Some(e.at),
                what: match (e.undoes, LabelDto::from_event(e, &self.schema)) {
                    (Some(undone), _) => format!("undo of event {undone}"),
                    (None, Some(label)) => label.class_name,
                    (None, None) => "?".into(),
                },
                source: e.source.as_str().to_owned(),
                annotator: e.annotator.clone(),
                model_version: e.model_version,
                confidence: e.confidence,
                time_spent_ms: e.time_spent_ms,
            })
            .collect())
    }

    /// The features behind the map, as stored by the last round, or else
    /// computed now without saving (this handle may be read-only).
    /// The vectors of the project's embedding model, by entry, when it
    /// has a model and some vectors.
    fn embedded(
        &self,
        index: &HashMap<i64, u32>,
    ) -> Result<Option<(Vec<u32>, triage_learn::Matrix)>> {
        let Some(model) = self.embedding()? else {
            return Ok(None);
        };
        let stored = self.store.features(&model.feature_kind())?;
        if stored.is_empty() {
            return Ok(None);
        }
        entry_rows(stored, index).map(Some)
    }

    fn map_features(
        &self,
        entries: &[Entry],
        progress: Progress<'_>,
    ) -> Result<(Vec<u32>, triage_learn::Matrix)> {
        let index: HashMap<i64, u32> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id, i as u32))
            .collect();
        // The model's vectors when the project has them, as rounds use them.
        if let Some(found) = self.embedded(&index)? {
            return Ok(found);
        }
        let stored_kind = match self.schema.task.item_kind() {
            ItemKind::Row => crate::learn::TABLE_FEATURES,
            ItemKind::Image => crate::learn::IMAGE_FEATURES,
            ItemKind::Text => return Ok(text_features(entries)),
        };
        let stored = self.store.features(stored_kind)?;
        if !stored.is_empty() {
            return entry_rows(stored, &index);
        }
        if stored_kind == crate::learn::TABLE_FEATURES {
            let LabeledFrame {
                frame,
                label,
                source,
                confidence,
                ..
            } = self.labeled_frame(|_| {})?;
            let mut skip: Vec<String> = self
                .store
                .setting(crate::learn::FEATURE_SKIP)?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            skip.extend([label, source, confidence]);
            table_features(&frame, &skip)
        } else {
            image_features(entries, progress)
        }
    }
}

/// Stored vectors as rows of a matrix, with the entry each belongs to.
fn entry_rows(
    stored: Vec<(i64, Vec<f32>)>,
    index: &HashMap<i64, u32>,
) -> Result<(Vec<u32>, triage_learn::Matrix)> {
    let (rows, vectors): (Vec<u32>, Vec<Vec<f32>>) = stored
        .into_iter()
        .filter_map(|(id, v)| Some((*index.get(&id)?, v)))
        .unzip();
    Ok((rows, matrix(&vectors)?))
}

fn matrix(vectors: &[Vec<f32>]) -> Result<triage_learn::Matrix> {
    let dims = vectors.first().map_or(0, Vec::len);
    if vectors.iter().any(|v| v.len() != dims) {
        return Err(Error::Invalid("stored features differ in length".into()));
    }
    let flat = vectors
        .iter()
        .flat_map(|v| v.iter().map(|&x| f64::from(x)))
        .collect();
    triage_learn::Matrix::from_shape_vec((vectors.len(), dims), flat)
        .map_err(|e| Error::Invalid(format!("features: {e}")))
}

fn table_features(frame: &DataFrame, skip: &[String]) -> Result<(Vec<u32>, triage_learn::Matrix)> {
    let (x, _) =
        triage_learn::encode::table_matrix(frame, skip, &crate::learn::text_columns(frame, skip))
            .map_err(Error::Learn)?;
    Ok(((0..x.nrows() as u32).collect(), x.mapv(f64::from)))
}

/// Hashed TF-IDF of every text entry.
fn text_tfidf(entries: &[Entry]) -> (Vec<u32>, triage_learn::Features) {
    let (rows, terms): (Vec<u32>, Vec<triage_learn::text::Terms>) = entries
        .par_iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i as u32, triage_learn::text::terms(e.text.as_deref()?))))
        .unzip();
    (rows, triage_learn::text::tfidf_matrix(&terms))
}

/// [`text_tfidf`] in double precision, for likeness.
fn text_features_full(entries: &[Entry]) -> (Vec<u32>, triage_learn::Matrix) {
    let (rows, x) = text_tfidf(entries);
    (rows, x.mapv(f64::from))
}

/// Hashed TF-IDF of every text entry, sketched down to a few columns.
fn text_features(entries: &[Entry]) -> (Vec<u32>, triage_learn::Matrix) {
    let (rows, x) = text_tfidf(entries);
    (rows, triage_learn::text::sketch(&x, features::PCA_DIMS))
}

/// Image descriptors of every readable image, from its thumbnail when one
/// is cached, in parallel.
fn image_features(
    entries: &[Entry],
    progress: Progress<'_>,
) -> Result<(Vec<u32>, triage_learn::Matrix)> {
    let done = std::sync::atomic::AtomicU64::new(0);
    let total = entries.len() as u64;
    let found: Vec<(u32, Vec<f32>)> = entries
        .par_iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if n.is_multiple_of(1024) {
                progress("describing images", n, total);
            }
            let path = e
                .thumbnail
                .as_ref()
                .filter(|t| t.is_file())
                .or(e.image.as_ref())?;
            let bytes = std::fs::read(path).ok()?;
            let rgb = image_file::decode(&bytes, ImageLimits::default()).ok()?;
            let d = features::image_descriptor(rgb.as_raw(), rgb.width(), rgb.height()).ok()?;
            Some((i as u32, d))
        })
        .collect();
    progress("describing images", total, total);
    let (rows, vectors): (Vec<u32>, Vec<Vec<f32>>) = found.into_iter().unzip();
    Ok((rows, matrix(&vectors)?))
}

fn entry_name(item: &triage_core::ItemRow) -> String {
    if let Some(id) = &item.external_id {
        return id.clone();
    }
    match (&item.uri, item.row_index) {
        (Some(uri), _) => uri.rsplit('/').next().unwrap_or(uri).to_owned(),
        (None, Some(row)) => format!("row {}", row + 1),
        (None, None) => format!("item {}", item.id),
    }
}

/// A text file, buffered, or an error naming it.
fn open_text(path: &Path) -> Result<std::io::BufReader<std::fs::File>> {
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .map_err(|e| Error::Path {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// The label attribute: the key that has a `<key>-metadata` beside it on
/// the first line that has one.
fn manifest_attribute(path: &Path) -> Result<String> {
    use std::io::BufRead;
    for line in open_text(path)?.lines().take(100) {
        let Ok(line) = line else { break };
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&line) else {
            continue;
        };
        if let Some(key) = map
            .keys()
            .find(|k| !k.ends_with("-metadata") && map.contains_key(&format!("{k}-metadata")))
        {
            return Ok(key.clone());
        }
    }
    Ok("label".into())
}

fn metadata(line: &ManifestEntry) -> serde_json::Map<String, serde_json::Value> {
    line.label
        .as_ref()
        .and_then(|l| serde_json::from_str(&l.metadata).ok())
        .unwrap_or_default()
}

/// Ground Truth says `human-annotated: no` for its auto-labels.
fn manifest_source(meta: &serde_json::Map<String, serde_json::Value>) -> AnnotationSource {
    match meta.get("human-annotated").and_then(|v| v.as_str()) {
        Some("yes") => AnnotationSource::Human,
        Some("no") => AnnotationSource::Model,
        _ => AnnotationSource::Import,
    }
}

fn manifest_entry(line: &ManifestEntry, classes: &[String]) -> Entry {
    let (name, image) = match &line.source {
        EntrySource::LocalImage(p) => (
            p.file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into()),
            Some(p.clone()),
        ),
        EntrySource::Remote(url) => (url.rsplit('/').next().unwrap_or(url).to_owned(), None),
        EntrySource::Text(_) => (format!("line {}", line.line), None),
    };
    let meta = metadata(line);
    let label = line
        .label
        .as_ref()
        .map(|l| match (&l.class_set, l.class_index) {
            (Some(set), _) => set
                .iter()
                .map(|(i, n)| {
                    n.clone()
                        .or_else(|| classes.get(*i as usize).cloned())
                        .unwrap_or_else(|| i.to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            (None, Some(i)) => l
                .class_name
                .clone()
                .or_else(|| classes.get(i as usize).cloned())
                .unwrap_or_else(|| i.to_string()),
            (None, None) => l.class_name.clone().unwrap_or_else(|| "?".into()),
        });
    Entry {
        id: line.line as i64,
        name,
        image,
        thumbnail: None,
        text: match &line.source {
            EntrySource::Text(t) => Some(t.clone()),
            _ => None,
        },
        class: line.label.as_ref().and_then(|l| l.class_index),
        source: label.as_ref().map(|_| manifest_source(&meta)),
        confidence: line.label.as_ref().and_then(|l| l.confidence),
        label,
        review: ReviewState::default(),
    }
}

fn manifest_frame(lines: &[ManifestEntry], entries: &[Entry]) -> Result<DataFrame> {
    let metas: Vec<_> = lines.iter().map(metadata).collect();
    let meta_text = |key: &str| -> Vec<Option<String>> {
        metas
            .iter()
            .map(|m| m.get(key).and_then(|v| v.as_str()).map(str::to_owned))
            .collect()
    };
    let refs: Vec<String> = lines
        .iter()
        .map(|l| match &l.source {
            EntrySource::LocalImage(p) => p.display().to_string(),
            EntrySource::Remote(url) => url.clone(),
            EntrySource::Text(t) => t.clone(),
        })
        .collect();
    let columns = vec![
        Column::new(
            "line".into(),
            lines.iter().map(|l| l.line as i64).collect::<Vec<_>>(),
        ),
        Column::new("source_ref".into(), refs),
        Column::new(
            "label".into(),
            entries.iter().map(|e| e.label.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "label_source".into(),
            entries
                .iter()
                .map(|e| e.source.map(|s| s.as_str()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "confidence".into(),
            entries.iter().map(|e| e.confidence).collect::<Vec<_>>(),
        ),
        Column::new("job_name".into(), meta_text("job-name")),
        Column::new("creation_date".into(), meta_text("creation-date")),
    ];
    DataFrame::new(lines.len(), columns).map_err(crate::profile::frame_err)
}

/// A time as files write it: RFC 3339, Ground Truth's `creation-date`
/// (no zone, meaning UTC), or polars' text for a parsed datetime.
fn parse_time(text: &str) -> Option<Timestamp> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    let naive = text.trim().trim_end_matches(" UTC").replace(' ', "T");
    chrono::NaiveDateTime::parse_from_str(&naive, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

fn manifest_event(line: &str, entry: &Entry) -> Option<HistoryEvent> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    let meta = map
        .iter()
        .find(|(k, _)| k.ends_with("-metadata"))
        .and_then(|(_, v)| v.as_object())?;
    let at = meta
        .get("creation-date")
        .and_then(|v| v.as_str())
        .and_then(parse_time);
    Some(HistoryEvent {
        at,
        what: entry.label.clone()?,
        source: entry.source.map_or("import", |s| s.as_str()).to_owned(),
        annotator: meta
            .get("job-name")
            .and_then(|v| v.as_str())
            .map(|j| format!("job {j}")),
        model_version: None,
        confidence: entry.confidence,
        time_spent_ms: None,
    })
}

/// Whether `haystack`, lower-cased, contains `needle_lower`. Most values
/// are ASCII, which is compared in place; only others are lower-cased.
fn contains_folded(haystack: &str, needle_lower: &str) -> bool {
    if !haystack.is_ascii() {
        return haystack.to_lowercase().contains(needle_lower);
    }
    let needle = needle_lower.as_bytes();
    needle.is_empty()
        || haystack.as_bytes().windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project with a model's vectors maps and compares by them, not by
    /// its texts: three texts alike in words, unlike in their vectors.
    #[test]
    fn the_map_and_likeness_use_the_projects_embeddings() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("p");
        let at: Timestamp = "2026-11-30T10:00:00Z".parse().unwrap();
        let options =
            crate::CreateOptions::new(TaskKind::TextClassification, vec!["a".into(), "b".into()]);
        let mut p = Project::create(&dir, &options, at).unwrap();
        let csv = tmp.path().join("t.csv");
        let words = "the same words said over and over again in one long sentence";
        std::fs::write(&csv, format!("t\n{words}\n{words}.\n{words}!\n")).unwrap();
        let import = crate::ImportOptions {
            text_column: Some("t".into()),
            ..Default::default()
        };
        let report = p.import(&csv, &import, at, &|_, _| {}).unwrap();
        assert_eq!(report.added, 3, "{report:?}");
        let model = triage_embed::ModelInfo {
            name: "m".into(),
            path: "/nowhere".into(),
            sha256: "ab".repeat(32),
            kind: triage_embed::ModelKind::Text,
            dims: 2,
        };
        p.store
            .set_setting(
                crate::models::EMBEDDING,
                &serde_json::to_string(&model).unwrap(),
            )
            .unwrap();
        let ids: Vec<i64> = p.store.items_without_features("none").unwrap();
        let vectors = [vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.02]];
        let stored: Vec<(i64, Vec<f32>)> = ids.into_iter().zip(vectors).collect();
        p.store
            .save_features(&model.feature_kind(), &stored)
            .unwrap();
        // The profile reads a text project's texts as a column of text.
        let profile = p.profile(&Default::default()).unwrap();
        let source = profile.columns.iter().find(|c| c.name == "source").unwrap();
        assert_eq!(source.kind, triage_profile::Kind::Text);
        // And places each item on its vectors' first principal components.
        let pc1 = profile.columns.iter().find(|c| c.name == "embedding_pc1");
        assert_eq!(pc1.unwrap().kind, triage_profile::Kind::Quantitative);
        drop(p);

        let set = Dataset::open(&dir, &|_, _, _| {}).unwrap();
        assert_eq!(set.near_duplicates(0.99).unwrap(), vec![vec![0, 2]]);
        let nearest = set.similar(0, 2).unwrap();
        assert_eq!(nearest[0].entry, 2);
        assert!(nearest[1].cosine.abs() < 1e-6, "{nearest:?}");
        let map = set.feature_map(&|_, _, _| {}).unwrap();
        let at = |entry: u32| map.points.iter().find(|(e, _)| *e == entry).unwrap().1;
        let gap = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
        assert!(
            gap(at(0), at(2)) < 0.1 * gap(at(0), at(1)),
            "{:?}",
            map.points
        );
    }

    /// The column-at-a-time search finds exactly the entries whose name,
    /// label or shown values contain the text, case aside.
    #[test]
    fn search_finds_what_the_table_shows() {
        let tmp = tempfile::tempdir().unwrap();
        let csv = tmp.path().join("t.csv");
        std::fs::write(
            &csv,
            "name,x,n,flag,label\n\
             École du Nord,0.1,7,true,cat\n\
             river,2.5,-3,false,\n\
             ,1e-7,,true,Dog\n\
             STONE 42,120000000000.0,42,,cat\n",
        )
        .unwrap();
        let set = Dataset::open(&csv, &|_, _, _| {}).unwrap();
        let shown = |i: usize, needle: &str| {
            let e = &set.entries[i];
            let has = |t: &str| t.to_lowercase().contains(needle);
            has(&e.name)
                || e.label.as_deref().is_some_and(has)
                || (0..set.columns().len()).any(|c| has(&set.cell(i, c)))
        };
        for needle in [
            "école", "ÉCOLE", "0.1", "1e-7", "e-", "-3", "42", "true", "dog", "row 2", "120", "",
            "nowhere",
        ] {
            let folded = needle.to_lowercase();
            let want: Vec<bool> = (0..set.entries.len()).map(|i| shown(i, &folded)).collect();
            assert_eq!(set.search(needle), want, "{needle}");
        }
        assert_eq!(set.search("DOG"), [false, false, true, false]);
    }

    #[test]
    fn times_in_the_forms_files_write_them() {
        let want: Timestamp = "2026-11-29T08:50:20.588833Z".parse().unwrap();
        for text in [
            "2026-11-29T08:50:20.588833Z",
            "2026-11-29T08:50:20.588833",
            "2026-11-29 08:50:20.588833 UTC",
            "2026-11-29 08:50:20.588833",
        ] {
            assert_eq!(parse_time(text), Some(want), "{text}");
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn a_manifest_opens_as_one_whatever_its_first_lines() {
        // Import and the explorer tell manifests from tables by one rule,
        // which skips blank lines before the first object.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.jsonl");
        let line = r#"{"source":"a text","species":1,"species-metadata":{"class-name":"b","human-annotated":"yes"}}"#;
        std::fs::write(&path, format!("\n\n{line}\n")).unwrap();
        let data = Dataset::open(&path, &|_, _, _| {}).unwrap();
        assert_eq!(data.kind, DatasetKind::Manifest);
        assert_eq!(data.entries.len(), 1);
        assert_eq!(data.entries[0].label.as_deref(), Some("b"));
    }
}
