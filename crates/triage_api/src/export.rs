//! Export to a local folder or to S3. Data files are written first and the
//! Ground Truth manifest last (locally through a temporary name and a
//! rename; on S3 as a create-only put), so a manifest that is visible never
//! points at a file still being written.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use triage_data::ProgressFn;
use triage_lake::{
    CsvWriter, ExportFormat, GtManifestWriter, LocalFolder, ManifestSettings, ParquetBuilder,
    S3Publisher, S3Target, WrittenFile,
};
use triage_store::ExportRecord;

use crate::{Error, Project, Result};

/// What to export, and for S3, how to reach it.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// The formats, in any order; the manifest is always written last.
    pub formats: Vec<ExportFormat>,
    /// Leave out unlabeled items (what a training job needs).
    pub labeled_only: bool,
    /// An S3-compatible endpoint; AWS when empty.
    pub endpoint: Option<String>,
    /// The S3 region; from the environment, else `us-east-1`.
    pub region: Option<String>,
    /// Path-style S3 addressing, which most S3-compatible stores need.
    pub path_style: bool,
    /// A named AWS profile; the project records only its name.
    pub profile: Option<String>,
    /// The folder under the prefix; by default the job name and a hash of
    /// the files, so the same labels always land in the same place.
    pub export_id: Option<String>,
    /// Leave out every model label: only what people (or earlier jobs)
    /// decided goes out.
    pub human_only: bool,
    /// Leave out model labels below this confidence.
    pub min_confidence: Option<f64>,
}

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportSummary {
    /// The destination folder.
    pub destination: String,
    /// Each file written, with its size and SHA-256.
    pub files: Vec<WrittenFile>,
    /// Items in the project.
    pub items: u64,
    /// Items written with a label.
    pub labeled: u64,
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
        if options.formats.is_empty() {
            return Err(Error::Invalid("no export format given".into()));
        }
        if self.schema.task == triage_core::TaskKind::ObjectDetection {
            return Err(Error::Invalid(
                "exporting object-detection labels is not available yet".into(),
            ));
        }
        let shown = to.display().to_string();
        if shown.starts_with("s3://") {
            return self.export_s3(&shown, options, at, progress);
        }
        if shown.contains("://") {
            return Err(Error::Invalid(format!(
                "'{shown}': exports go to a local folder or to s3://bucket/prefix"
            )));
        }
        let written = self.write_all(&LocalFolder::new(to)?, options, progress)?;
        self.finish_export(&shown, written, at)
    }

    fn export_s3(
        &mut self,
        url: &str,
        options: &ExportOptions,
        at: triage_core::Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ExportSummary> {
        let target = S3Target {
            endpoint: options.endpoint.clone(),
            region: options.region.clone(),
            path_style: options.path_style,
            profile: options.profile.clone(),
            ..S3Target::parse(url)?
        };
        let staging = self
            .dir
            .join("cache")
            .join(format!("export-{}", std::process::id()));
        let staged = self.write_all(&LocalFolder::new(&staging)?, options, progress);
        let published = staged.and_then(|staged| {
            // The same labels give the same id, so a rerun resumes in place.
            let export_id = options.export_id.clone().unwrap_or_else(|| {
                let all: String = staged.iter().map(|(_, f, _)| f.sha256.as_str()).collect();
                format!("{}-{}", self.job_name, &sha256_hex(all.as_bytes())[..16])
            });
            let publisher = S3Publisher::connect(&target, &export_id)?;
            staged
                .into_iter()
                .map(|(format, local, labeled)| {
                    // In write order: the data objects, then the manifest.
                    let file = publisher.put(Path::new(&local.key), format.file_name())?;
                    Ok((format, file, labeled))
                })
                .collect::<Result<Vec<_>>>()
        });
        // The staged copies are only a means; a failed run leaves none.
        let _ = std::fs::remove_dir_all(&staging);
        self.finish_export(url, published?, at)
    }

    /// Writes every format, the manifest last.
    fn write_all(
        &self,
        folder: &LocalFolder,
        options: &ExportOptions,
        progress: ProgressFn<'_>,
    ) -> Result<Vec<(ExportFormat, WrittenFile, u64)>> {
        let mut formats = options.formats.clone();
        formats.sort_by_key(|f| *f == ExportFormat::GtManifest);
        formats.dedup();
        formats
            .into_iter()
            .map(|format| {
                let (file, labeled) = self.write_format(folder, format, options, progress)?;
                Ok((format, file, labeled))
            })
            .collect()
    }

    /// Records each file of a finished export in the project.
    fn finish_export(
        &mut self,
        destination: &str,
        written: Vec<(ExportFormat, WrittenFile, u64)>,
        at: triage_core::Timestamp,
    ) -> Result<ExportSummary> {
        let counts = self.store.counts()?;
        let mut files = Vec::new();
        let mut labeled = 0;
        for (format, file, written_labeled) in written {
            labeled = written_labeled;
            self.store.record_export(&ExportRecord {
                at,
                destination: destination.to_owned(),
                format: format.as_str().to_owned(),
                counts: serde_json::json!({ "items": counts.items, "labeled": written_labeled }),
                checksums: serde_json::json!({ &file.key: &file.sha256 }),
                manifest_key: file.key.clone(),
            })?;
            files.push(file);
        }
        Ok(ExportSummary {
            destination: destination.to_owned(),
            files,
            items: counts.items,
            labeled,
        })
    }

    /// Writes one format; returns the file and how many labeled items it holds.
    fn write_format(
        &self,
        folder: &LocalFolder,
        format: ExportFormat,
        options: &ExportOptions,
        progress: ProgressFn<'_>,
    ) -> Result<(WrittenFile, u64)> {
        let mut out = folder.create(format.file_name())?;
        let total = self.store.counts()?.items;
        let mut done = 0u64;
        let mut labeled = 0u64;
        let mut tick = |has_label: bool| {
            done += 1;
            labeled += u64::from(has_label);
            if done.is_multiple_of(1024) || done == total {
                progress(done, total);
            }
        };
        let keep = |item: &triage_core::ItemRow| !options.labeled_only || item.label.is_some();
        match format {
            ExportFormat::GtManifest => {
                let writer = GtManifestWriter::new(ManifestSettings {
                    attribute: self.attribute.clone(),
                    job_name: self.job_name.clone(),
                    schema: self.schema.clone(),
                    labeled_only: options.labeled_only,
                })?;
                self.store.for_each_item(|mut item| -> Result<()> {
                    options.filter(&mut item);
                    tick(item.label.is_some());
                    if let Some(line) = writer.line(&item)? {
                        out.append(line.as_bytes())?;
                        out.append(b"\n")?;
                    }
                    Ok(())
                })?;
            }
            ExportFormat::Csv => {
                let mut csv = CsvWriter::new(&mut out, self.schema.clone())?;
                self.store.for_each_item(|mut item| -> Result<()> {
                    options.filter(&mut item);
                    tick(item.label.is_some());
                    if keep(&item) {
                        csv.push(&item)?;
                    }
                    Ok(())
                })?;
                csv.finish()?
                    .flush()
                    .map_err(|e| Error::Invalid(format!("CSV export: {e}")))?;
            }
            ExportFormat::Parquet => {
                let mut builder = ParquetBuilder::new(self.schema.clone());
                self.store.for_each_item(|mut item| -> Result<()> {
                    options.filter(&mut item);
                    tick(item.label.is_some());
                    if keep(&item) {
                        builder.push(&item);
                    }
                    Ok(())
                })?;
                builder.write(&mut out)?;
            }
        }
        Ok((out.commit()?, labeled))
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}
