//! A project: creating and opening one, its status, the queue, and a
//! person's labels, undos and flags.
//!
//! Reads and writes the store (one immediate transaction per label, so a
//! label returns only once it is on disk); calls `triage_core` for the
//! label rules.

use std::path::{Path, PathBuf};

use triage_core::{
    AnnotationSource, BoundingBox, BoxesLabel, Label, LabelSchema, TaskKind, Timestamp,
};
use triage_store::{NewAnnotation, Store};

use crate::dto::{ClassDto, ItemDto, LabelDto, Status};
use crate::layout::{DB_FILE, s3_cache_dir, s3_cache_path, thumbs_dir};
use crate::{Error, Result};

/// How a caller names an item: by its id (shells that list items), or by
/// a key people type (a table id, a path or URI, or `#id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRef<'a> {
    /// The project's item id.
    Id(i64),
    /// A key to look up.
    Key(&'a str),
}

impl From<i64> for ItemRef<'_> {
    fn from(id: i64) -> Self {
        Self::Id(id)
    }
}

impl<'a> From<&'a str> for ItemRef<'a> {
    fn from(key: &'a str) -> Self {
        Self::Key(key)
    }
}

impl<'a> From<&'a String> for ItemRef<'a> {
    fn from(key: &'a String) -> Self {
        Self::Key(key)
    }
}

/// What a new project is for.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// The task.
    pub task: TaskKind,
    /// The class names, in index order.
    pub classes: Vec<String>,
    /// Each class's key, by index; missing ones get the number row.
    pub hotkeys: Vec<Option<char>>,
    /// The Ground Truth job name; defaults to the folder's name.
    pub job_name: Option<String>,
    /// The Ground Truth label attribute; defaults to `label`.
    pub attribute: Option<String>,
}

impl CreateOptions {
    /// A project of `task` with these classes, and every default: the
    /// number row for keys, the folder's name as the job, `label` as the
    /// attribute.
    pub fn new(task: TaskKind, classes: Vec<String>) -> Self {
        Self {
            task,
            classes,
            hotkeys: Vec::new(),
            job_name: None,
            attribute: None,
        }
    }
}

/// An open project.
pub struct Project {
    pub(crate) dir: PathBuf,
    pub(crate) store: Store,
    pub(crate) schema: LabelSchema,
    pub(crate) job_name: String,
    pub(crate) attribute: String,
    /// This handle's session: the items its queue hands out are held for
    /// it, so another window or the CLI on the same project gets others.
    session: Session,
}

/// A handle's session id, unique across processes and handles, and
/// whether it holds items it must let go of when it closes.
struct Session {
    id: String,
    holds: bool,
}

impl Session {
    fn new() -> Self {
        static HANDLES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let handle = HANDLES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self {
            id: format!("{}-{nanos:x}-{handle}", std::process::id()),
            holds: false,
        }
    }
}

impl Drop for Project {
    /// Lets go of the items this session holds, so they come back to the
    /// queue at once rather than when the hold lapses.
    fn drop(&mut self) {
        if self.session.holds
            && let Err(e) = self.store.release_claims(&self.session.id)
        {
            tracing::warn!("could not release the items this session held: {e}");
        }
    }
}

/// Ground Truth job names are lowercase letters, digits and hyphens.
fn job_name_from(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        "triage".into()
    } else {
        name
    }
}

impl Project {
    /// Creates a project in `dir` (made if missing). Fails if one is there.
    pub fn create(dir: &Path, options: &CreateOptions, at: Timestamp) -> Result<Self> {
        let schema = LabelSchema::with_hotkeys(options.task, &options.classes, &options.hotkeys)?;
        let job_name = options
            .job_name
            .clone()
            .unwrap_or_else(|| job_name_from(dir));
        let attribute = options.attribute.clone().unwrap_or_else(|| "label".into());
        triage_lake::ManifestSettings {
            attribute: attribute.clone(),
            job_name: job_name.clone(),
            schema: schema.clone(),
            labeled_only: false,
        }
        .validate()?;
        std::fs::create_dir_all(thumbs_dir(dir)).map_err(|e| Error::Path {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let store = Store::create(
            &dir.join(DB_FILE),
            &schema,
            &[("job_name", &job_name), ("attribute", &attribute)],
            at,
        )?;
        Ok(Self {
            dir: dir.to_owned(),
            store,
            schema,
            job_name,
            attribute,
            session: Session::new(),
        })
    }

    /// The demo: the digits (1,797 scans of 8×8 pixels, ten classes, from
    /// `digits`, the folder `datasets/digits` or its installed copy) in a
    /// project of their own at `dir`, made on first use and opened as it
    /// is after that. An import cut short is finished on the next call.
    pub fn demo(dir: &Path, digits: &Path, at: Timestamp) -> Result<Self> {
        let mut project = if dir.join(crate::DB_FILE).is_file() {
            Self::open(dir)?
        } else {
            let mut options = CreateOptions::new(
                TaskKind::ImageClassification,
                (0..10).map(|d| d.to_string()).collect(),
            );
            options.attribute = Some("digit".into());
            options.hotkeys = ('0'..='9').map(Some).collect();
            Self::create(dir, &options, at)?
        };
        if project.store.counts()?.items == 0 {
            project.import(digits, &crate::ImportOptions::default(), at, &|_, _| {})?;
        }
        Ok(project)
    }

    /// Opens the project in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        Self::with_store(dir, Store::open(&dir.join(DB_FILE))?)
    }

    /// Opens the project in `dir` for reading only, for viewers: nothing is
    /// migrated or written, and it is safe while the app labels in it.
    /// Use cases that write fail with the database's read-only error.
    pub fn open_read_only(dir: &Path) -> Result<Self> {
        Self::with_store(dir, Store::open_read_only(&dir.join(DB_FILE))?)
    }

    fn with_store(dir: &Path, store: Store) -> Result<Self> {
        let schema = store.schema()?;
        let job_name = store
            .setting("job_name")?
            .unwrap_or_else(|| job_name_from(dir));
        let attribute = store
            .setting("attribute")?
            .unwrap_or_else(|| "label".into());
        Ok(Self {
            dir: dir.to_owned(),
            store,
            schema,
            job_name,
            attribute,
            session: Session::new(),
        })
    }

    /// The project folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn thumbs_dir(&self) -> PathBuf {
        thumbs_dir(&self.dir)
    }

    /// Where objects fetched from S3 are kept: `cache/s3/<bucket>/<key>`.
    pub(crate) fn s3_cache_dir(&self) -> PathBuf {
        s3_cache_dir(&self.thumbs_dir())
    }

    /// The cached copy's path for an `s3://bucket/key` address; `None` for
    /// anything else, or a key that would leave the cache (`..`, `/…`).
    pub(crate) fn s3_cache_path(&self, url: &str) -> Option<PathBuf> {
        s3_cache_path(&self.thumbs_dir(), url)
    }

    /// The task, classes and counts.
    pub fn status(&self) -> Result<Status> {
        let (counts, per_class) = self.store.counts_with_classes()?;
        Ok(Status {
            dir: self.dir.display().to_string(),
            task: self.schema.task,
            multilabel: self.schema.task.is_multilabel(),
            images: self.schema.task.is_image(),
            export_formats: triage_lake::ExportFormat::fitting(self.schema.task),
            classes: ClassDto::all(&self.schema),
            job_name: self.job_name.clone(),
            attribute: self.attribute.clone(),
            counts,
            per_class,
            annotator: self.annotator()?,
            share: self.share_info()?,
        })
    }

    /// The next `n` items that need a person, in order.
    pub fn next_items(&mut self, n: usize) -> Result<Vec<ItemDto>> {
        self.next_items_except(n, &[])
    }

    /// Like [`Project::next_items`], leaving out the items this session
    /// already has (skipped, labeled or shown): skipped ones stay in the
    /// queue for later. Items another session (a second window, the CLI)
    /// holds are left out, and those returned are held for this one; a
    /// project opened read-only only reads.
    pub fn next_items_except(&mut self, n: usize, skipped: &[i64]) -> Result<Vec<ItemDto>> {
        let thumbs = self.thumbs_dir();
        let skipped: std::collections::HashSet<i64> = skipped.iter().copied().collect();
        let rows = if self.store.is_read_only() {
            let rows = self.store.next_unlabeled(n + skipped.len())?;
            rows.into_iter()
                .filter(|row| !skipped.contains(&row.id))
                .take(n)
                .collect()
        } else {
            self.session.holds = true;
            self.store.claim_next(&self.session.id, n, &skipped)?
        };
        Ok(rows
            .into_iter()
            .map(|row| ItemDto::new(row, &self.schema, &thumbs))
            .collect())
    }

    /// A person sets an item aside for review; it leaves the queue.
    pub fn flag<'k>(
        &mut self,
        item: impl Into<ItemRef<'k>>,
        annotator: Option<&str>,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let item = self.resolve(item)?;
        Ok(self.store.flag(item, annotator, note, at)?)
    }

    /// Clears an item's flags, so it returns to the queue.
    pub fn resolve_flags<'k>(
        &mut self,
        item: impl Into<ItemRef<'k>>,
        at: Timestamp,
    ) -> Result<u64> {
        let item = self.resolve(item)?;
        Ok(self.store.resolve_flags(item, at)?)
    }

    /// Flagged items with the note given, oldest first.
    pub fn flagged(&self) -> Result<Vec<(ItemDto, Option<String>)>> {
        let thumbs = self.thumbs_dir();
        Ok(self
            .store
            .flagged()?
            .into_iter()
            .map(|(row, note)| (ItemDto::new(row, &self.schema, &thumbs), note))
            .collect())
    }

    /// Auto-labeled items for review, least confident first: of one class
    /// if given, within `[min, max]` confidence, at most `limit`.
    pub fn auto_labeled(
        &self,
        class_name: Option<&str>,
        min_confidence: f64,
        max_confidence: f64,
        limit: usize,
    ) -> Result<Vec<ItemDto>> {
        let class = class_name.map(|c| self.schema.index_of(c)).transpose()?;
        let thumbs = self.thumbs_dir();
        Ok(self
            .store
            .auto_labeled(class, min_confidence, max_confidence, limit)?
            .into_iter()
            .map(|row| ItemDto::new(row, &self.schema, &thumbs))
            .collect())
    }

    /// The folders a shell may read images from: the thumbnail cache and
    /// the roots of the imported image folders and manifests.
    pub fn image_roots(&self) -> Result<Vec<PathBuf>> {
        let mut roots = vec![self.thumbs_dir(), self.s3_cache_dir()];
        roots.extend(self.store.source_roots()?.into_iter().map(PathBuf::from));
        Ok(roots)
    }

    /// One item, found by its table id, path or URI, or numeric id.
    pub fn item<'k>(&self, item: impl Into<ItemRef<'k>>) -> Result<ItemDto> {
        let id = self.resolve(item)?;
        Ok(ItemDto::new(
            self.store.item(id)?,
            &self.schema,
            &self.thumbs_dir(),
        ))
    }

    fn resolve<'k>(&self, item: impl Into<ItemRef<'k>>) -> Result<i64> {
        match item.into() {
            ItemRef::Id(id) => self
                .store
                .find_id(id)?
                .ok_or_else(|| Error::ItemNotFound(format!("#{id}"))),
            ItemRef::Key(key) => self
                .store
                .find_item(key)?
                .ok_or_else(|| Error::ItemNotFound(key.to_owned())),
        }
    }

    /// A person labels an item. Returns once the label is committed to disk.
    pub fn label<'k>(
        &mut self,
        item: impl Into<ItemRef<'k>>,
        class_name: &str,
        annotator: Option<&str>,
        time_spent_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<LabelDto> {
        if self.schema.task == TaskKind::ObjectDetection {
            return Err(Error::Invalid(
                "this is an object-detection project: label its images with boxes".into(),
            ));
        }
        if self.schema.task.is_multilabel() {
            return Err(Error::Invalid(
                "this is a multi-label project: give each item its set of classes".into(),
            ));
        }
        let item = self.resolve(item)?;
        let class = self.schema.index_of(class_name)?;
        self.append_human(item, Label::Class(class), annotator, time_spent_ms, at)
    }

    /// A person gives an item its set of classes (none at all is an answer
    /// too: none apply), in a multi-label project. Returns once committed.
    pub fn label_classes<'k>(
        &mut self,
        item: impl Into<ItemRef<'k>>,
        class_names: &[String],
        annotator: Option<&str>,
        time_spent_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<LabelDto> {
        if !self.schema.task.is_multilabel() {
            return Err(Error::Invalid(format!(
                "a set of classes needs a multi-label project; this one is {}",
                self.schema.task.as_str()
            )));
        }
        let item = self.resolve(item)?;
        let indices = class_names
            .iter()
            .map(|n| self.schema.index_of(n))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let set = Label::class_set(indices, self.schema.classes.len() as u32)?;
        self.append_human(item, set, annotator, time_spent_ms, at)
    }

    /// A person's answer as typed: a class name, or in a multi-label
    /// project the classes that apply, comma-separated (empty: none do).
    pub fn label_answer<'k>(
        &mut self,
        item: impl Into<ItemRef<'k>>,
        answer: &str,
        annotator: Option<&str>,
        time_spent_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<LabelDto> {
        if self.schema.task.is_multilabel() {
            let set: Vec<String> = answer
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            self.label_classes(item, &set, annotator, time_spent_ms, at)
        } else {
            self.label(item, answer, annotator, time_spent_ms, at)
        }
    }

    /// Commits a person's label on an item.
    fn append_human(
        &mut self,
        item: i64,
        label: Label,
        annotator: Option<&str>,
        time_spent_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<LabelDto> {
        let annotator = self.labeler(annotator)?;
        let event = self.store.append(&NewAnnotation {
            item,
            label: Some(label),
            source: AnnotationSource::Human,
            annotator,
            model_version: None,
            confidence: None,
            at,
            time_spent_ms,
            undoes: None,
            meta: None,
        })?;
        LabelDto::from_event(&event, &self.schema)
            .ok_or_else(|| Error::Invalid("a label event that gives no label".into()))
    }

    /// A person labels an image with boxes (none at all means nothing to
    /// find), in image pixels. Returns once committed.
    pub fn label_boxes<'k>(
        &mut self,
        item: impl Into<ItemRef<'k>>,
        boxes: Vec<BoundingBox>,
        annotator: Option<&str>,
        time_spent_ms: Option<i64>,
        at: Timestamp,
    ) -> Result<LabelDto> {
        if self.schema.task != TaskKind::ObjectDetection {
            return Err(Error::Invalid(format!(
                "boxes need an object-detection project; this one is {}",
                self.schema.task.as_str()
            )));
        }
        let item = self.resolve(item)?;
        let row = self.store.item(item)?;
        let (Some(width), Some(height)) = (row.width, row.height) else {
            return Err(Error::Invalid(format!(
                "item {item} has no image size to place boxes on"
            )));
        };
        let label = BoxesLabel::new(width, height, boxes, self.schema.classes.len() as u32)?;
        self.append_human(item, Label::Boxes(label), annotator, time_spent_ms, at)
    }

    /// Takes back the latest human label still in force (by `annotator`, if
    /// given). Returns the label undone, or `None` when there is nothing to
    /// undo.
    pub fn undo(&mut self, annotator: Option<&str>, at: Timestamp) -> Result<Option<LabelDto>> {
        let Some(undone) = self.store.undo_last_human(annotator, at)? else {
            return Ok(None);
        };
        Ok(LabelDto::from_event(&undone, &self.schema))
    }

    /// SQLite's consistency check of the project file: `"ok"` when sound.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.store.integrity_check()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new project of `task` with classes `a`, `b`, … in `dir`.
    fn new_project(dir: &Path, task: TaskKind, classes: &[&str]) -> Project {
        let options = CreateOptions::new(task, classes.iter().map(|c| c.to_string()).collect());
        Project::create(dir, &options, crate::now()).unwrap()
    }

    #[test]
    fn boxes_are_stored_in_pixels_checked_against_the_image_and_undone() {
        let tmp = tempfile::tempdir().unwrap();
        let photos = tmp.path().join("photos");
        std::fs::create_dir(&photos).unwrap();
        image::RgbImage::new(40, 30)
            .save(photos.join("a.png"))
            .unwrap();
        let at = crate::now();
        let mut p = new_project(
            &tmp.path().join("p"),
            TaskKind::ObjectDetection,
            &["cat", "dog"],
        );
        p.import(&photos, &Default::default(), at, &|_, _| {})
            .unwrap();
        let item = p.next_items(1).unwrap().remove(0);
        let key = format!("#{}", item.id);
        let b = BoundingBox::new;
        assert!(p.label(&key, "cat", None, None, at).is_err());
        let outside = p.label_boxes(&key, vec![b(0, 30, 0, 11, 5)], None, None, at);
        assert_eq!(outside.unwrap_err().code(), "invalid_boxes");
        let label = p
            .label_boxes(
                &key,
                vec![b(0, 1, 2, 10, 5), b(1, 20, 10, 20, 20)],
                Some("ana"),
                Some(900),
                at,
            )
            .unwrap();
        assert_eq!(label.class(), None);
        assert_eq!(label.class_name, "2 boxes");
        let stored = p.item(&key).unwrap().label.unwrap();
        assert_eq!(
            stored.boxes().unwrap(),
            vec![b(0, 1, 2, 10, 5), b(1, 20, 10, 20, 20)]
        );
        assert_eq!(p.status().unwrap().counts.human, 1);
        assert!(p.next_items(5).unwrap().is_empty());
        assert!(
            p.run_round(&Default::default(), &Default::default(), at)
                .is_err()
        );
        let undone = p.undo(Some("ana"), at).unwrap().unwrap();
        assert_eq!(undone.class_name, "2 boxes");
        assert!(p.item(&key).unwrap().label.is_none());
    }

    #[test]
    fn job_names_follow_ground_truth_rules() {
        assert_eq!(job_name_from(Path::new("/x/My Digits_v2")), "my-digits-v2");
        assert_eq!(job_name_from(Path::new("/x/__")), "triage");
        assert_eq!(job_name_from(Path::new("/")), "triage");
    }

    #[test]
    fn create_refuses_a_bad_attribute_and_leaves_no_project() {
        let dir = tempfile::tempdir().unwrap();
        let options = CreateOptions {
            task: TaskKind::RowClassification,
            classes: vec!["a".into(), "b".into()],
            hotkeys: Vec::new(),
            job_name: None,
            attribute: Some("x-metadata".into()),
        };
        let err = Project::create(dir.path(), &options, crate::now())
            .err()
            .unwrap();
        assert_eq!(err.code(), "export");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing was written"
        );
    }

    #[test]
    fn errors_serialise_with_a_stable_code() {
        let dir = tempfile::tempdir().unwrap();
        let err = Project::open(dir.path()).err().unwrap();
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["code"], "not_a_project");
        assert!(json["message"].as_str().unwrap().contains("project.triage"));
    }

    #[test]
    fn errors_keep_their_kind() {
        let tmp = tempfile::tempdir().unwrap();
        let at = crate::now();
        let mut p = new_project(
            &tmp.path().join("p"),
            TaskKind::RowClassification,
            &["a", "b"],
        );
        // A missing item is the same error however it is looked up.
        for key in ["#4242", "no-such-row", "/no/such/image.png"] {
            assert_eq!(p.item(key).unwrap_err().code(), "item_not_found");
            let label = p.label(key, "a", Some("ana"), None, at);
            assert_eq!(label.unwrap_err().code(), "item_not_found");
        }
        let err = p.flag("#4242", None, None, at).unwrap_err();
        assert_eq!(err.code(), "item_not_found");
        let err = p.resolve_flags(4242, at).unwrap_err();
        assert_eq!(err.code(), "item_not_found");
        assert_eq!(p.item(4242).unwrap_err().code(), "item_not_found");
        // Learning and profiling failures are not the caller's mistake.
        let empty = crate::Error::Learn(triage_learn::Error::NotEnoughLabels("none".into()));
        assert_eq!(empty.code(), "not_enough_labels");
        let chart = crate::Error::Profile(triage_profile::Error::Chart("x".into()));
        assert_eq!(chart.code(), "profile");
    }
}
