//! Export to a local folder. Data files are written first and the Ground
//! Truth manifest last, each through a temporary name and a rename, so a
//! manifest that is visible never points at a file still being written.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use triage_data::ProgressFn;
use triage_lake::{
    CsvWriter, ExportFormat, GtManifestWriter, LocalFolder, ManifestSettings, ParquetBuilder,
    WrittenFile,
};
use triage_store::ExportRecord;

use crate::{Error, Project, Result};

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The formats, in any order; the manifest is always written last.
    pub formats: Vec<ExportFormat>,
    /// Leave out unlabeled items (what a training job needs).
    pub labeled_only: bool,
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
    /// Exports the current labels to a local folder.
    pub fn export(
        &mut self,
        to: &Path,
        options: &ExportOptions,
        at: triage_core::Timestamp,
        progress: ProgressFn<'_>,
    ) -> Result<ExportSummary> {
        if to.to_str().is_some_and(|p| p.contains("://")) {
            return Err(Error::Invalid(format!(
                "'{}': only local folders are supported as export destinations so far",
                to.display()
            )));
        }
        if options.formats.is_empty() {
            return Err(Error::Invalid("no export format given".into()));
        }
        if self.schema.task == triage_core::TaskKind::ObjectDetection {
            return Err(Error::Invalid(
                "exporting object-detection labels is not available yet".into(),
            ));
        }
        let folder = LocalFolder::new(to)?;
        let counts = self.store.counts()?;
        let mut formats = options.formats.clone();
        formats.sort_by_key(|f| *f == ExportFormat::GtManifest);
        formats.dedup();
        let mut files = Vec::new();
        let mut labeled = 0u64;
        for format in formats {
            let (file, written) = self.write_format(&folder, format, options, progress)?;
            labeled = written;
            self.store.record_export(&ExportRecord {
                at,
                destination: to.display().to_string(),
                format: format.as_str().to_owned(),
                counts: serde_json::json!({ "items": counts.items, "labeled": written }),
                checksums: serde_json::json!({ &file.key: &file.sha256 }),
                manifest_key: file.key.clone(),
            })?;
            files.push(file);
        }
        Ok(ExportSummary {
            destination: to.display().to_string(),
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
                self.store.for_each_item(|item| -> Result<()> {
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
                self.store.for_each_item(|item| -> Result<()> {
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
                self.store.for_each_item(|item| -> Result<()> {
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
