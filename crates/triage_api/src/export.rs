//! Export to a local folder or to S3. Data files are written first and the
//! Ground Truth manifest last (locally through a temporary name and a
//! rename; on S3 as a create-only put), so a manifest that is visible never
//! points at a file still being written.
//!
//! Reads items and labels from the store; calls `triage_lake`'s writers and
//! publishers, `triage_learn::sampling` (the split) and the profile; writes
//! the export's files and one export record in the store.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use triage_data::ProgressFn;
use triage_lake::glue::GlueTable;
use triage_lake::{
    CocoBuilder, CsvWriter, ExportFormat, GtManifestWriter, LakeAccess, LocalFolder,
    ManifestSettings, ParquetBuilder, S3Publisher, S3Target, WrittenFile, sha256_hex,
};
use triage_learn::sampling;
use triage_store::ExportRecord;

use crate::{Error, Project, Result};

/// What to export, and for S3, how to reach it.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The formats, in any order; the manifest is always written last.
    pub formats: Vec<ExportFormat>,
    /// Leave out unlabeled items (what a training job needs).
    pub labeled_only: bool,
    /// How to reach S3; the project records only the profile's name.
    pub lake: LakeAccess,
    /// The folder under the prefix; by default the job name and a hash of
    /// the files, so the same labels always land in the same place.
    pub export_id: Option<String>,
    /// Leave out every model label: only what people (or earlier jobs)
    /// decided goes out.
    pub human_only: bool,
    /// Leave out model labels below this confidence.
    pub min_confidence: Option<f64>,
    /// Split the labeled items into train, validation and test folders.
    pub split: Option<Split>,
    /// Copy each local image into the export's `images/` and point every
    /// file at the copy, instead of keeping the original references.
    pub copy_images: bool,
    /// Parquet: add an `answer_<name>` column per person with each one's
    /// answer, beside the consolidated label.
    pub answers: bool,
    /// Export even though gates fail, for this reason, which the export
    /// and its `review.json` record with who and when.
    pub override_reason: Option<String>,
    /// Who exports, for the override's record; else the project's rule
    /// ([`Project::labeler`]).
    pub annotator: Option<String>,
    /// Set (by Ctrl-C, say) to stop an upload before its next object: the
    /// manifest is then never published and the project records nothing.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// `glue:DATABASE.TABLE`: put a Glue table over the Parquet of an S3
    /// export, which then goes under `table/` (Hive layout with a split),
    /// a folder of its own, since Athena reads every object under a
    /// table's location.
    pub catalog: Option<GlueTable>,
}

/// Shares of the labeled items for training, validation and testing, drawn
/// per class (stratified) in an order fixed by the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split {
    /// The training share.
    pub train: f64,
    /// The validation share.
    pub validation: f64,
    /// The test share (the rest, after rounding).
    pub test: f64,
    /// Fixes which items go where.
    pub seed: u64,
}

impl Split {
    /// A split from its shares as people write them (`0.8,0.1,0.1`): none
    /// for no split, else exactly three.
    pub fn from_shares(shares: &[f64], seed: u64) -> Result<Option<Self>> {
        match *shares {
            [] => Ok(None),
            [train, validation, test] => Ok(Some(Self {
                train,
                validation,
                test,
                seed,
            })),
            _ => Err(Error::Invalid(
                "--split takes three shares: train,validation,test".into(),
            )),
        }
    }
}

/// What a file of an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Format(ExportFormat),
    /// A copied image.
    Image,
    /// The review (`review.json`).
    Review,
}

impl Content {
    /// The name the project's export record gives it.
    fn as_str(self) -> &'static str {
        match self {
            Self::Format(f) => f.as_str(),
            Self::Image => "image",
            Self::Review => "review",
        }
    }
}

/// A file written for an export: what it holds, its name inside the export
/// (`train/output.manifest` with a split), the file, and its labeled items.
struct Staged {
    content: Content,
    name: String,
    file: WrittenFile,
    labeled: u64,
}

impl Staged {
    /// Whether it names other objects of the export, and so goes up only
    /// after them: the manifest, and YOLO's lists and `data.yaml`.
    fn names_others(&self) -> bool {
        match self.content {
            Content::Format(ExportFormat::GtManifest) => true,
            Content::Format(ExportFormat::Yolo) => !self.name.starts_with("labels/"),
            _ => false,
        }
    }
}

/// A share of a split (`train`, …) and its items.
pub(crate) type Share = (&'static str, HashSet<i64>);

impl ExportOptions {
    /// Drops a label the filters leave out; the item then goes out as
    /// unlabeled, or not at all with `labeled_only`.
    fn filter(&self, item: &mut triage_core::ItemRow) {
        let drop = item.label.as_ref().is_some_and(|l| {
            l.source == triage_core::AnnotationSource::Model
                && (self.human_only
                    || self
                        .min_confidence
                        .is_some_and(|min| l.confidence.unwrap_or(0.0) < min))
        });
        if drop {
            item.label = None;
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ExportSummary {
    /// The review it was written with (also its `review.json`).
    pub review: crate::ExportReview,
    /// The destination folder.
    pub destination: String,
    /// Each file written, with its size and SHA-256.
    pub files: Vec<WrittenFile>,
    /// Items in the project.
    pub items: u64,
    /// Items written with a label.
    pub labeled: u64,
    /// Whether the export is in the project's history: not when the
    /// project is read-only.
    pub recorded: bool,
    /// The catalog entry put over it (`glue:DATABASE.TABLE`), if asked.
    pub catalog: Option<String>,
}

impl Project {
    /// Exports the current labels to a local folder, or to `s3://bucket/
    /// prefix`: there every file is written locally first, then the data
    /// objects are uploaded under `<prefix>/<export-id>/` and the manifest
    /// is published last, create-only.
    pub fn export(
        &mut self,
        to: &Path,
        options: &ExportOptions,
        at: triage_core::Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ExportSummary> {
        let destination = self.destination(to, options)?;
        // The split is dealt once, for the review and for the files.
        let shares = self.shares(options)?;
        let shares = shares.as_deref();
        let review = self.pass_gates(options, shares, at)?;
        let to = match destination {
            Destination::S3(target, url) => {
                return self.export_s3((&target, &url), options, (review, shares), at, progress);
            }
            Destination::Local(to) => to,
        };
        let mut written = Vec::new();
        let mut moved = Relocated::new();
        if options.copy_images {
            let folder = LocalFolder::new(&to.join(IMAGES_DIR))?;
            for (item, name, source) in self.local_images(options)? {
                let file = copy_into(&folder, &name, &source)?;
                moved.insert(item, file.key.clone());
                written.push(image_staged(&name, file));
            }
        }
        written.extend(self.write_all(&to, options, (&review, shares), &moved, progress)?);
        self.finish_export(&to.display().to_string(), written, review, at)
    }

    /// Every file of every export so far, oldest first, each with the
    /// override it went out under, if any.
    pub fn exports(&self) -> Result<Vec<ExportRecord>> {
        Ok(self.store.exports()?)
    }

    /// What an export with these options would hold and which gates it
    /// would fail, after the same checks of the request as an export;
    /// writes nothing, locally or on S3.
    pub fn export_dry_run(
        &self,
        to: &Path,
        options: &ExportOptions,
    ) -> Result<crate::ExportReview> {
        self.destination(to, options)?;
        self.review_export(options)
    }

    /// Checks an export request before anything is measured or written:
    /// formats that fit the task, and a destination that is a local folder
    /// or `s3://bucket/prefix` with usable S3 settings.
    fn destination(&self, to: &Path, options: &ExportOptions) -> Result<Destination> {
        if options.formats.is_empty() {
            return Err(Error::Invalid("no export format given".into()));
        }
        if let Some(why) = options
            .formats
            .iter()
            .find_map(|f| f.unfit_for(self.schema.task))
        {
            return Err(Error::Invalid(why));
        }
        let shown = to.display().to_string();
        if let Some(catalog) = options.catalog.as_ref().map(GlueTable::name) {
            if !shown.starts_with("s3://") {
                return Err(Error::Invalid(format!(
                    "{catalog}: a catalog entry points at S3, so the export goes to s3://"
                )));
            }
            if !options.formats.contains(&ExportFormat::Parquet) {
                return Err(Error::Invalid(format!(
                    "{catalog}: a catalog entry is a table over Parquet: add --format parquet"
                )));
            }
        }
        if shown.starts_with("s3://") {
            return Ok(Destination::S3(
                S3Target::new(&shown, &options.lake)?,
                shown,
            ));
        }
        if shown.contains("://") {
            return Err(Error::Invalid(format!(
                "'{shown}': exports go to a local folder or to s3://bucket/prefix"
            )));
        }
        Ok(Destination::Local(to.to_owned()))
    }

    /// Every image the export holds whose file is on this machine, with
    /// the name its copy gets: `<item id>-<file name>`, unique and stable
    /// across runs.
    fn local_images(
        &self,
        options: &ExportOptions,
    ) -> Result<Vec<(i64, String, std::path::PathBuf)>> {
        let mut out = Vec::new();
        self.store.for_each_item(|mut item| -> Result<()> {
            options.filter(&mut item);
            if item.kind == triage_core::ItemKind::Image
                && (item.label.is_some() || !options.labeled_only)
                && let Some(uri) = &item.uri
                && !uri.contains("://")
            {
                let path = std::path::PathBuf::from(uri);
                let file = path
                    .file_name()
                    .map_or_else(|| "image".into(), |f| f.to_string_lossy().into_owned());
                out.push((item.id, format!("{}-{file}", item.id), path));
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn export_s3(
        &mut self,
        (target, url): (&S3Target, &str),
        options: &ExportOptions,
        (review, shares): (crate::ExportReview, Option<&[Share]>),
        at: triage_core::Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ExportSummary> {
        let staging = self
            .dir
            .join("cache")
            .join(format!("export-{}", std::process::id()));
        let staged = self.write_all(
            &staging,
            options,
            (&review, shares),
            &Relocated::new(),
            progress,
        );
        let published = staged.and_then(|staged| {
            // Copied images go up from where they are, hashed first.
            let copies = if options.copy_images {
                self.local_images(options)?
                    .into_iter()
                    .map(|(item, name, source)| {
                        Ok((
                            item,
                            format!("{IMAGES_DIR}/{name}"),
                            triage_lake::hash_file(&source)?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?
            } else {
                Vec::new()
            };
            // The same labels and images give the same id, so a rerun
            // resumes in place. The files count as they were written before
            // they name the copies, which need the id.
            let export_id = options.export_id.clone().unwrap_or_else(|| {
                let all: String = staged
                    .iter()
                    .map(|s| &s.file)
                    .chain(copies.iter().map(|c| &c.2))
                    .map(|f| f.sha256.as_str())
                    .collect();
                format!("{}-{}", self.job_name, &sha256_hex(all.as_bytes())[..16])
            });
            let publisher = S3Publisher::connect(target, &export_id)?;
            let (images, staged) = if copies.is_empty() {
                (Vec::new(), staged)
            } else {
                let mut moved = Relocated::new();
                let mut images = Vec::new();
                for (item, name, file) in copies {
                    moved.insert(item, target.url_of(&publisher.key_of(&name)));
                    images.push(image_staged(&name, file));
                }
                let _ = std::fs::remove_dir_all(&staging);
                (
                    images,
                    self.write_all(&staging, options, (&review, shares), &moved, progress)?,
                )
            };
            // A catalog entry's columns come from the Parquet as written.
            let columns = match &options.catalog {
                Some(_) => staged
                    .iter()
                    .find(|s| s.content == Content::Format(ExportFormat::Parquet))
                    .map(|s| {
                        triage_data::table::parquet_schema(Path::new(&s.file.key))
                            .map(|schema| triage_lake::glue::hive_columns(&schema))
                            .map_err(|reason| Error::Path {
                                path: s.file.key.clone(),
                                reason,
                            })
                    })
                    .transpose()?,
                None => None,
            };
            // Progress now counts objects put, images first.
            let total = (images.len() + staged.len()) as u64;
            tracing::info!("uploading {total} objects to {url}");
            let cancelled = || {
                options
                    .cancel
                    .as_ref()
                    .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
            };
            // In waves, each several objects at a time, and each only once
            // the one before has landed: the images, then the data, then
            // what names them (the manifest, YOLO's lists).
            let mut done = 0;
            let mut published = Vec::with_capacity(total as usize);
            let mut waves: Vec<Vec<Staged>> = vec![images, Vec::new(), Vec::new()];
            for s in staged {
                waves[if s.names_others() { 2 } else { 1 }].push(s);
            }
            for wave in waves {
                let files: Vec<_> = wave.iter().map(|s| (&s.file, s.name.as_str())).collect();
                let put = publisher.put_all(&files, |_| {
                    if cancelled() {
                        return Err(Error::Cancelled);
                    }
                    done += 1;
                    progress(done, total);
                    Ok(())
                })?;
                published.extend(
                    wave.into_iter()
                        .zip(put)
                        .map(|(s, file)| Staged { file, ..s }),
                );
            }
            let table = columns.map(|columns| triage_lake::glue::TableSpec {
                location: format!("{}/{TABLE_DIR}/", publisher.base_url()),
                columns,
                partitions: shares
                    .map(|s| s.iter().map(|(name, _)| (*name).to_owned()).collect())
                    .unwrap_or_default(),
                properties: table_properties(&export_id, &self.job_name, &published),
            });
            Ok((published, table))
        });
        // The staged copies are only a means; a failed run leaves none.
        let _ = std::fs::remove_dir_all(&staging);
        let (published, table) = published?;
        let mut summary = self.finish_export(url, published, review, at)?;
        if let (Some(glue), Some(table)) = (&options.catalog, table) {
            // After the data and the manifest: a failure here leaves a
            // complete export, and a rerun converges.
            triage_lake::glue::register(&target.access, glue, &table).map_err(|e| {
                Error::Invalid(format!(
                    "the export is complete at {}, but its catalog entry failed: {e} \
                     (run the same export again to retry)",
                    table.location.trim_end_matches(&format!("{TABLE_DIR}/"))
                ))
            })?;
            summary.catalog = Some(glue.name());
        }
        Ok(summary)
    }

    /// Writes every format under `root` (one folder per share with a
    /// split), then the review, then the manifests.
    fn write_all(
        &self,
        root: &Path,
        options: &ExportOptions,
        (review, shares): (&crate::ExportReview, Option<&[Share]>),
        moved: &Relocated,
        progress: ProgressFn<'_>,
    ) -> Result<Vec<Staged>> {
        let mut formats: Vec<ExportFormat> = Vec::new();
        for f in &options.formats {
            if !formats.contains(f) {
                formats.push(*f);
            }
        }
        formats.sort_by_key(|f| *f == ExportFormat::GtManifest);
        // Progress counts every item of the project, once per file.
        let total = self.store.counts()?.items;
        let parts: Vec<(Option<&str>, Option<&HashSet<i64>>)> = match shares {
            None => vec![(None, None)],
            Some(shares) => shares
                .iter()
                .map(|(name, items)| (Some(*name), Some(items)))
                .collect(),
        };
        let top = LocalFolder::new(root)?;
        let mut staged = vec![Staged {
            content: Content::Review,
            name: crate::review::REVIEW_FILE.into(),
            file: top.write(crate::review::REVIEW_FILE, &review.to_json()?)?,
            labeled: 0,
        }];
        // The profile describes what the export holds, split included, so
        // it goes out once, at the top.
        let (whole, per_part): (Vec<ExportFormat>, Vec<ExportFormat>) =
            formats.iter().partition(|f| f.is_profile());
        if !whole.is_empty() {
            let profile = self.export_profile(options, shares)?;
            for format in whole {
                let bytes = match format {
                    ExportFormat::ProfileHtml => triage_profile::html::report_with(
                        &profile,
                        &[triage_profile::html::Section {
                            heading: "Export review".into(),
                            rows: review.lines(),
                        }],
                    )
                    .map_err(|e| Error::Invalid(format!("profile report: {e}")))?
                    .into_bytes(),
                    _ => serde_json::to_vec_pretty(&profile)
                        .map_err(|e| Error::Invalid(format!("profile: {e}")))?,
                };
                staged.push(Staged {
                    content: Content::Format(format),
                    name: format.file_name().to_owned(),
                    file: top.write(format.file_name(), &bytes)?,
                    labeled: 0,
                });
            }
        }
        if per_part.contains(&ExportFormat::Yolo) {
            staged.extend(self.write_yolo(root, options, moved, &parts)?);
        }
        for (part, only) in &parts {
            for &format in per_part.iter().filter(|f| **f != ExportFormat::Yolo) {
                let dir = if format == ExportFormat::Parquet && options.catalog.is_some() {
                    part.map_or(TABLE_DIR.to_owned(), |p| format!("{TABLE_DIR}/split={p}"))
                } else {
                    part.unwrap_or_default().to_owned()
                };
                let folder = LocalFolder::new(&root.join(&dir))?;
                let (file, labeled) =
                    self.write_format(&folder, format, (options, moved), *only, total, progress)?;
                let name = if dir.is_empty() {
                    format.file_name().to_owned()
                } else {
                    format!("{dir}/{}", format.file_name())
                };
                tracing::info!("wrote {name}: {labeled} labeled items");
                staged.push(Staged {
                    content: Content::Format(format),
                    name,
                    file,
                    labeled,
                });
            }
        }
        staged.sort_by_key(|s| s.content == Content::Format(ExportFormat::GtManifest));
        Ok(staged)
    }

    /// YOLO in Ultralytics' layout: one `labels/<image stem>.txt` per
    /// labeled image at the top (a clashing stem gets `-<item id>`), which
    /// is where Ultralytics looks for the label of `images/<stem>.jpg`, so
    /// copied images pair up by themselves; `yolo/<share>.txt` lists each
    /// share's images (`yolo/images.txt` without a split);
    /// `yolo/classes.txt` names the classes; and `data.yaml` ties them
    /// together. Label files come first, the lists and `data.yaml` last.
    fn write_yolo(
        &self,
        root: &Path,
        options: &ExportOptions,
        moved: &Relocated,
        parts: &[(Option<&str>, Option<&HashSet<i64>>)],
    ) -> Result<Vec<Staged>> {
        let labels_dir = LocalFolder::new(&root.join("labels"))?;
        let mut staged = Vec::new();
        let mut lists = vec![String::new(); parts.len()];
        let mut stems = HashSet::new();
        self.store.for_each_item(|mut item| -> Result<()> {
            prepare(options, moved, &mut item);
            let Some(label) = item.label.as_ref() else {
                return Ok(());
            };
            let shares: Vec<usize> = (0..parts.len())
                .filter(|&k| parts[k].1.as_ref().is_none_or(|o| o.contains(&item.id)))
                .collect();
            if shares.is_empty() {
                return Ok(());
            }
            let boxes = triage_lake::boxes_of(&item, label)?;
            let text = triage_lake::yolo_label(&item, &boxes)?;
            let reference = triage_lake::source_ref(&item);
            let stem = Path::new(&reference)
                .file_stem()
                .map_or_else(|| item.id.to_string(), |s| s.to_string_lossy().into_owned());
            let name = if stems.insert(stem.clone()) {
                format!("{stem}.txt")
            } else {
                format!("{stem}-{}.txt", item.id)
            };
            staged.push(Staged {
                content: Content::Format(ExportFormat::Yolo),
                name: format!("labels/{name}"),
                file: labels_dir.write(&name, text.as_bytes())?,
                labeled: 0,
            });
            for k in shares {
                lists[k].push_str(&reference);
                lists[k].push('\n');
            }
            Ok(())
        })?;
        // Each share's list, in `yolo/`: `images.txt` without a split.
        let list_name = |part: Option<&str>| match part {
            None => "images.txt".to_owned(),
            Some("validation") => "val.txt".to_owned(),
            Some(p) => format!("{p}.txt"),
        };
        let mut yaml = String::from("# Written by Triage: an Ultralytics YOLO dataset.\n");
        match parts {
            [(None, _)] => yaml.push_str("train: yolo/images.txt\nval: yolo/images.txt\n"),
            _ => {
                for (part, _) in parts {
                    let key = match part {
                        Some("validation") => "val",
                        Some(p) => p,
                        None => "train",
                    };
                    yaml.push_str(&format!("{key}: yolo/{}\n", list_name(*part)));
                }
            }
        }
        yaml.push_str("names:\n");
        for (i, c) in self.schema.classes.iter().enumerate() {
            yaml.push_str(&format!(
                "  {i}: {}\n",
                serde_json::Value::from(c.name.clone())
            ));
        }
        // (folder, its path in the export, file name, contents, labeled)
        let (yolo, top) = (
            LocalFolder::new(&root.join("yolo"))?,
            LocalFolder::new(root)?,
        );
        let mut files: Vec<(&LocalFolder, &str, String, String, u64)> = parts
            .iter()
            .zip(lists)
            .map(|((part, _), list)| {
                let labeled = list.lines().count() as u64;
                (&yolo, "yolo/", list_name(*part), list, labeled)
            })
            .collect();
        let classes = triage_lake::yolo_classes(&self.schema);
        files.push((&yolo, "yolo/", "classes.txt".into(), classes, 0));
        files.push((&top, "", "data.yaml".into(), yaml, 0));
        for (folder, dir, name, text, labeled) in files {
            staged.push(Staged {
                content: Content::Format(ExportFormat::Yolo),
                file: folder.write(&name, text.as_bytes())?,
                name: format!("{dir}{name}"),
                labeled,
            });
        }
        Ok(staged)
    }

    /// The split's shares, or `None` without a split: the labeled items of
    /// each class dealt into train, validation and test in a seeded random
    /// order, so every share has every class in proportion.
    pub(crate) fn shares(&self, options: &ExportOptions) -> Result<Option<Vec<Share>>> {
        let Some(split) = options.split else {
            return Ok(None);
        };
        let shares = [split.train, split.validation, split.test];
        let total: f64 = shares.iter().sum();
        if shares.iter().any(|s| !(0.0..=1.0).contains(s)) || (total - 1.0).abs() > 1e-6 {
            return Err(Error::Invalid(format!(
                "split shares {shares:?} must each be in [0, 1] and add up to 1"
            )));
        }
        let mut by_class: std::collections::BTreeMap<u32, Vec<i64>> = Default::default();
        self.store.for_each_item(|mut item| -> Result<()> {
            options.filter(&mut item);
            // Boxes have no single class: their images split as one group.
            if let Some(label) = &item.label {
                let class = label.class().unwrap_or(u32::MAX);
                by_class.entry(class).or_default().push(item.id);
            }
            Ok(())
        })?;
        let parts = sampling::stratified_split(by_class, split.train, split.validation, split.seed);
        Ok(Some(
            triage_profile::SPLIT_SHARES
                .into_iter()
                .zip(parts)
                .collect(),
        ))
    }

    /// Calls `each` with every item the export holds, filtered, and the
    /// index of its share (with a split, an item in none is left out).
    pub(crate) fn for_each_exported(
        &self,
        options: &ExportOptions,
        shares: Option<&[Share]>,
        mut each: impl FnMut(triage_core::ItemRow, Option<usize>) -> Result<()>,
    ) -> Result<()> {
        self.store.for_each_item(|mut item| -> Result<()> {
            options.filter(&mut item);
            let share = match shares {
                None => None,
                Some(shares) => match shares.iter().position(|(_, ids)| ids.contains(&item.id)) {
                    None => return Ok(()),
                    found => found,
                },
            };
            if options.labeled_only && item.label.is_none() {
                return Ok(());
            }
            each(item, share)
        })
    }

    /// Records each file of a finished export, with the override if any.
    fn finish_export(
        &mut self,
        destination: &str,
        written: Vec<Staged>,
        review: crate::ExportReview,
        at: triage_core::Timestamp,
    ) -> Result<ExportSummary> {
        let counts = self.store.counts()?;
        // What the review counted is what went out, whatever the formats
        // (a profile alone included).
        let labeled = review.export.items - review.export.unlabeled;
        let overridden = review
            .overridden
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| Error::Invalid(format!("override: {e}")))?;
        tracing::info!("exported {} files to {destination}", written.len());
        if let Some(o) = &review.overridden {
            tracing::warn!(
                "export to {destination} overrode failed gates {:?}: {}",
                o.failed,
                o.reason
            );
        }
        // A read-only project exports, but cannot note it in its history.
        let recorded = !self.store.is_read_only();
        if !recorded {
            tracing::warn!("the project is read-only: the export to {destination} is not recorded");
        }
        let mut files = Vec::new();
        for Staged {
            content,
            file,
            labeled: written_labeled,
            ..
        } in written
        {
            if !recorded {
                files.push(file);
                continue;
            }
            self.store.record_export(&ExportRecord {
                at,
                destination: destination.to_owned(),
                format: content.as_str().to_owned(),
                counts: serde_json::json!({ "items": counts.items, "labeled": written_labeled }),
                checksums: serde_json::json!({ &file.key: &file.sha256 }),
                manifest_key: file.key.clone(),
                overridden: overridden.clone(),
            })?;
            files.push(file);
        }
        Ok(ExportSummary {
            review,
            destination: destination.to_owned(),
            files,
            items: counts.items,
            labeled,
            recorded,
            catalog: None,
        })
    }

    /// Writes one format; returns the file and how many labeled items it holds.
    fn write_format(
        &self,
        folder: &LocalFolder,
        format: ExportFormat,
        (options, moved): (&ExportOptions, &Relocated),
        only: Option<&HashSet<i64>>,
        total: u64,
        progress: ProgressFn<'_>,
    ) -> Result<(WrittenFile, u64)> {
        let mut out = folder.create(format.file_name())?;
        let mut done = 0u64;
        let mut labeled = 0u64;
        let mut tick = |has_label: bool| {
            done += 1;
            labeled += u64::from(has_label);
            if done.is_multiple_of(1024) || done == total {
                progress(done, total);
            }
        };
        // Every item of the share, filtered and relocated, is counted; the
        // ones the export holds go to `write`.
        let mut each = |write: &mut dyn FnMut(&triage_core::ItemRow) -> Result<()>| {
            self.store.for_each_item(|mut item| -> Result<()> {
                prepare(options, moved, &mut item);
                if only.is_some_and(|o| !o.contains(&item.id)) {
                    tick(false);
                    return Ok(());
                }
                tick(item.label.is_some());
                if !options.labeled_only || item.label.is_some() {
                    write(&item)?;
                }
                Ok(())
            })
        };
        match format {
            ExportFormat::GtManifest => {
                let writer = GtManifestWriter::new(ManifestSettings {
                    attribute: self.attribute.clone(),
                    job_name: self.job_name.clone(),
                    schema: self.schema.clone(),
                    labeled_only: options.labeled_only,
                })?;
                each(&mut |item| {
                    if let Some(line) = writer.line(item)? {
                        out.append(line.as_bytes())?;
                        out.append(b"\n")?;
                    }
                    Ok(())
                })?;
            }
            ExportFormat::Csv => {
                let mut csv = CsvWriter::new(&mut out, self.schema.clone())?;
                each(&mut |item| Ok(csv.push(item)?))?;
                csv.finish()?
                    .flush()
                    .map_err(|e| Error::Invalid(format!("CSV export: {e}")))?;
            }
            ExportFormat::Coco => {
                let mut coco = CocoBuilder::new(self.schema.clone());
                each(&mut |item| Ok(coco.push(item)?))?;
                coco.write(&mut out)?;
            }
            ExportFormat::Yolo | ExportFormat::ProfileJson | ExportFormat::ProfileHtml => {
                return Err(Error::Invalid(format!(
                    "{} is written as its own files, not as one",
                    format.as_str()
                )));
            }
            ExportFormat::Parquet => {
                let mut builder = ParquetBuilder::new(self.schema.clone(), &mut out);
                if options.answers {
                    let answers: Vec<(i64, String, u32)> = self
                        .store
                        .human_answers()?
                        .into_iter()
                        .map(|(item, who, class)| {
                            (item, who.unwrap_or_else(|| "unknown".into()), class)
                        })
                        .collect();
                    builder = builder.with_answers(&answers);
                }
                each(&mut |item| Ok(builder.push(item)?))?;
                builder.finish()?;
            }
        }
        Ok((out.commit()?, labeled))
    }
}

/// Where an export goes, checked.
enum Destination {
    Local(std::path::PathBuf),
    /// The target, and the URL as the user gave it.
    S3(S3Target, String),
}

/// Where copied images now are, by item id.
type Relocated = std::collections::HashMap<i64, String>;

/// The folder copied images go into, inside an export.
const IMAGES_DIR: &str = "images";
/// The folder an export's Parquet goes into when a catalog table is put
/// over it: Athena reads every object under a table's location.
const TABLE_DIR: &str = "table";

/// A catalog table's properties: which export and job it is, and the
/// SHA-256 of each Parquet object it reads, by its name in the export.
fn table_properties(
    export_id: &str,
    job_name: &str,
    published: &[Staged],
) -> std::collections::BTreeMap<String, String> {
    let mut properties = std::collections::BTreeMap::from([
        ("triage_export_id".to_owned(), export_id.to_owned()),
        ("triage_job_name".to_owned(), job_name.to_owned()),
    ]);
    for s in published {
        if s.content == Content::Format(ExportFormat::Parquet) {
            properties.insert(format!("sha256:{}", s.name), s.file.sha256.clone());
        }
    }
    properties
}

/// Applies the filters, then points a copied image's item at its copy,
/// in its manifest line too, so every format names the copy.
fn prepare(options: &ExportOptions, moved: &Relocated, item: &mut triage_core::ItemRow) {
    options.filter(item);
    let Some(new_ref) = moved.get(&item.id) else {
        return;
    };
    item.uri = Some(new_ref.clone());
    if let Some(line) = &item.payload
        && let Ok(serde_json::Value::Object(mut o)) = serde_json::from_str(line)
        && o.contains_key("source-ref")
    {
        o.insert("source-ref".into(), new_ref.clone().into());
        item.payload = Some(serde_json::Value::Object(o).to_string());
    }
}

fn image_staged(name: &str, file: WrittenFile) -> Staged {
    Staged {
        content: Content::Image,
        name: name.to_owned(),
        file,
        labeled: 0,
    }
}

/// Copies a file into an export folder, hashing it on the way.
fn copy_into(folder: &LocalFolder, name: &str, source: &Path) -> Result<WrittenFile> {
    let mut input = std::fs::File::open(source).map_err(|e| Error::Path {
        path: source.display().to_string(),
        reason: format!("cannot read the image to copy: {e}"),
    })?;
    let mut out = folder.create(name)?;
    std::io::copy(&mut input, &mut out).map_err(|e| Error::Path {
        path: source.display().to_string(),
        reason: format!("cannot copy: {e}"),
    })?;
    Ok(out.commit()?)
}
