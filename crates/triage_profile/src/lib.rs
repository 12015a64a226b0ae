//! Data profiles: what each column holds, how columns and labels relate,
//! what image files look like, and what deserves a look, with charts.
//!
//! A table is read once by polars (in parallel) and every statistic is
//! computed from the columns in memory, each column on its own thread: one
//! read, then one sort per numeric column, which gives quantiles, outliers
//! and the histogram together. The memory this needs is about the table's
//! size in polars, so a file larger than memory cannot be profiled yet
//! (see `docs/profile-schema.md`).

pub mod alerts;
pub mod charts;
mod column;
mod dataset;
pub mod html;
pub mod images;
pub mod model;
pub mod stats;

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

pub use model::*;

/// How many of the most frequent values each column keeps.
pub const TOP_VALUES: usize = 10;

/// Errors from profiling.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read, with where and why.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Position and reason.
        reason: String,
    },
    /// polars refused an operation.
    #[error("polars: {0}")]
    Polars(String),
    /// An option names something that is not there.
    #[error("{0}")]
    Invalid(String),
    /// A chart could not be drawn.
    #[error("chart: {0}")]
    Chart(String),
}

impl From<PolarsError> for Error {
    fn from(e: PolarsError) -> Self {
        Error::Polars(e.to_string())
    }
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// What to profile beyond the columns themselves.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Kinds set by the user, by column name.
    pub kinds: HashMap<String, Kind>,
    /// The column holding each row's label, for the label views.
    pub label_column: Option<String>,
    /// The column saying where each label came from (`human`, `model`, …);
    /// `model` rows are the auto-labeled part for drift.
    pub source_column: Option<String>,
    /// The column holding the model's confidence in each label.
    pub confidence_column: Option<String>,
    /// Columns profiled on their own but kept out of the features (the
    /// correlations, each feature against the label, drift): a column an
    /// import took labels from would only mirror the label.
    pub not_features: Vec<String>,
}

/// CSV cells that mean "missing" (the same list imports use).
pub const NULL_MARKERS: [&str; 6] = ["", "NA", "N/A", "NaN", "nan", "null"];

/// Reads a CSV, Parquet or JSON Lines file, chosen by its ending.
pub fn read_table(path: &Path) -> Result<DataFrame> {
    let shown = path.display().to_string();
    let read_err = |reason: String| Error::Read {
        path: shown.clone(),
        reason,
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !path.is_file() {
        return Err(read_err("no such file".into()));
    }
    let pl_path = PlRefPath::try_from_path(path).map_err(|e| read_err(e.to_string()))?;
    let result = match ext.as_str() {
        "csv" => {
            let nulls: Vec<PlSmallStr> = NULL_MARKERS.iter().map(|m| (*m).into()).collect();
            let scan = |infer: Option<usize>| {
                LazyCsvReader::new(pl_path.clone())
                    .with_has_header(true)
                    .with_try_parse_dates(true)
                    .with_infer_schema_length(infer)
                    .with_null_values(Some(NullValues::AllColumns(nulls.clone())))
                    .finish()?
                    .collect()
            };
            // Types are inferred from the first 100 rows (polars' default;
            // a longer window makes polars read far slower). A column whose
            // type changes later fails to parse, and is read again with the
            // whole file inferred, which makes it text (or float).
            scan(Some(100)).or_else(|first| match first {
                PolarsError::ComputeError(_) => scan(None),
                e => Err(e),
            })
        }
        "parquet" | "pq" => {
            LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()).and_then(|lf| lf.collect())
        }
        "jsonl" | "ndjson" => LazyJsonLineReader::new(pl_path)
            .finish()
            .and_then(|lf| lf.collect()),
        _ => {
            return Err(read_err(
                "unknown table format (expected .csv, .parquet or .jsonl)".into(),
            ));
        }
    };
    // polars says what went wrong but rarely where: on failure, look for
    // the first problem ourselves, so the message names its position.
    result.map_err(|e| {
        let located = match ext.as_str() {
            "csv" => first_invalid_utf8(path)
                .map(|at| format!("invalid UTF-8 at {at}"))
                .or_else(|| first_ragged_row(path)),
            "jsonl" | "ndjson" => first_bad_json_line(path),
            _ => None,
        };
        read_err(located.unwrap_or_else(|| e.to_string()))
    })
}

/// The first CSV record whose field count differs from the header's.
fn first_ragged_row(path: &Path) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .ok()?;
    let mut record = csv::ByteRecord::new();
    let mut width = None;
    while reader.read_byte_record(&mut record).ok()? {
        let line = record.position().map_or(0, csv::Position::line);
        match width {
            None => width = Some(record.len()),
            Some(w) if w != record.len() => {
                return Some(format!(
                    "line {line} has {} fields but the header has {w}",
                    record.len()
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// The first line of a JSON Lines file that is not valid UTF-8 holding one
/// JSON object.
fn first_bad_json_line(path: &Path) -> Option<String> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    for (n, line) in reader.split(b'\n').enumerate() {
        let line = line.ok()?;
        let at = format!("line {}", n + 1);
        let Ok(text) = std::str::from_utf8(&line) else {
            return Some(format!("{at}: invalid UTF-8"));
        };
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(text) {
            Err(e) => return Some(format!("{at}: not JSON ({e})")),
            Ok(v) if !v.is_object() => return Some(format!("{at}: not a JSON object")),
            Ok(_) => {}
        }
    }
    None
}

/// Where the first invalid UTF-8 byte of a text file is, as "line L, byte
/// B" (B counts from 0 in the file), read in blocks so memory stays small.
fn first_invalid_utf8(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut carry, mut offset, mut line) = (0usize, 0u64, 1u64);
    loop {
        let n = file.read(&mut buf[carry..]).ok()?;
        let end = carry + n;
        if end == 0 {
            return None;
        }
        let (good, bad) = match std::str::from_utf8(&buf[..end]) {
            Ok(_) => (end, false),
            // An incomplete sequence at the block's end may finish in the
            // next block; anything else is bad here.
            Err(e) if e.error_len().is_none() && n > 0 => (e.valid_up_to(), false),
            Err(e) => (e.valid_up_to(), true),
        };
        line += buf[..good].iter().filter(|b| **b == b'\n').count() as u64;
        if bad {
            return Some(format!("line {line}, byte {}", offset + good as u64));
        }
        offset += good as u64;
        buf.copy_within(good..end, 0);
        carry = end - good;
        if n == 0 {
            return None;
        }
    }
}

/// Profiles a table file.
pub fn profile_table(path: &Path, options: &Options) -> Result<Profile> {
    let df = read_table(path)?;
    let shown = path.display().to_string();
    profile_frame(&df, &shown, options).map_err(|e| match e {
        Error::Polars(reason) => Error::Read {
            path: shown,
            reason,
        },
        e => e,
    })
}

/// Profiles a table already in memory. The label, source and confidence
/// columns feed the label views and are not profiled as features.
pub fn profile_frame(df: &DataFrame, source: &str, options: &Options) -> Result<Profile> {
    for (what, name) in [
        ("label", &options.label_column),
        ("source", &options.source_column),
        ("confidence", &options.confidence_column),
    ] {
        if let Some(name) = name
            && df.column(name).is_err()
        {
            return Err(Error::Invalid(format!(
                "{source}: no {what} column `{name}`"
            )));
        }
    }
    if let Some(unknown) = options.kinds.keys().find(|k| df.column(k).is_err()) {
        return Err(Error::Invalid(format!(
            "{source}: no column `{unknown}` to set a kind on"
        )));
    }
    let aside = [&options.source_column, &options.confidence_column];
    let profiled: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| {
            !aside
                .iter()
                .any(|a| a.as_deref() == Some(c.name().as_str()))
        })
        .collect();
    let results = profiled
        .par_iter()
        .map(|c| column::profile_column(c, options.kinds.get(c.name().as_str()).copied()))
        .collect::<Result<Vec<_>>>()?;
    // After the columns, not beside them: polars hashes on its own thread
    // pool, and the two pools fighting over two cores made both slower.
    let duplicate_rows = duplicate_rows(df)?;

    let features: Vec<dataset::Col<'_>> = results
        .iter()
        .filter(|r| {
            let name = r.profile.name.as_str();
            options.label_column.as_deref() != Some(name)
                && !options.not_features.iter().any(|n| n == name)
        })
        .map(|r| dataset::Col {
            name: &r.profile.name,
            kind: r.profile.kind,
            values: &r.values,
        })
        .collect();
    let (numeric_correlations, categorical_associations) = rayon::join(
        || dataset::numeric_correlations(&features),
        || dataset::categorical_associations(&features),
    );
    let labels = match &options.label_column {
        None => None,
        Some(column) => {
            let strings = |name: &str| -> Result<Vec<Option<String>>> {
                let c = df.column(name).and_then(|c| c.cast(&DataType::String))?;
                let ca = c.str()?;
                Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
            };
            let confidence = match &options.confidence_column {
                None => None,
                Some(name) => {
                    let c = df.column(name).and_then(|c| c.cast(&DataType::Float64))?;
                    let ca = c.f64()?;
                    Some(ca.iter().collect())
                }
            };
            let input = dataset::LabelInput {
                column,
                labels: strings(column)?,
                sources: options.source_column.as_deref().map(strings).transpose()?,
                confidence,
            };
            Some(dataset::label_facts(&input, &features))
        }
    };
    let mut profile = Profile {
        schema: SCHEMA.to_string(),
        source: source.to_string(),
        rows: df.height() as u64,
        columns: Vec::with_capacity(results.len()),
        dataset: DatasetFacts {
            duplicate_rows,
            numeric_correlations,
            categorical_associations,
        },
        labels,
        images: None,
        alerts: Vec::new(),
    };
    let mut mixed = Vec::new();
    for r in results {
        if let Some(share) = r.numeric_share {
            mixed.push((r.profile.name.clone(), share));
        }
        profile.columns.push(r.profile);
    }
    profile.alerts = alerts::alerts(&profile, &mixed);
    Ok(profile)
}

/// Rows that repeat an earlier row, counted by 64-bit row hashes (polars'
/// `hash_rows`, in parallel). Two different rows share a hash with
/// probability about n²/2⁶⁵: 3·10⁻⁸ for a million rows.
fn duplicate_rows(df: &DataFrame) -> Result<u64> {
    if df.width() == 0 || df.height() == 0 {
        return Ok(0);
    }
    let hashes = df.clone().hash_rows(None)?;
    let mut hashes: Vec<u64> = hashes.into_no_null_iter().collect();
    hashes.par_sort_unstable();
    let distinct = 1 + hashes.windows(2).filter(|w| w[0] != w[1]).count();
    Ok((hashes.len() - distinct) as u64)
}

/// Adds an image profile to a table profile (or to an empty one), and its
/// alerts.
pub fn with_images(mut profile: Profile, images: ImageFacts) -> Profile {
    profile.alerts.extend(alerts::image_alerts(&images));
    profile.images = Some(images);
    profile
}
