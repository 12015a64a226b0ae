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
pub use column::string_kind;
pub use dataset::{SPLIT_SHARES, imbalance_ratio};
mod dataset;
pub mod html;
pub mod images;
pub mod model;
pub mod sketch;
pub mod stats;
pub mod streaming;

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;
use triage_data::table::TablePart;

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
    /// The column naming each row's share of a split (`train`, …): each
    /// share's label distribution and its drift from `train`.
    pub split_column: Option<String>,
    /// Columns profiled on their own but kept out of the features (the
    /// correlations, each feature against the label, drift): a column an
    /// import took labels from would only mirror the label.
    pub not_features: Vec<String>,
}

/// Reads a CSV, Parquet or JSON Lines file, chosen by its ending, through
/// [`triage_data::table::read_frame`]: one place for null markers and
/// type inference.
pub fn read_table(path: &Path) -> Result<DataFrame> {
    triage_data::table::read_frame(path).map_err(|reason| Error::Read {
        path: path.display().to_string(),
        reason,
    })
}

/// Profiles a table file.
pub fn profile_table(path: &Path, options: &Options) -> Result<Profile> {
    let part = TablePart::File(path.to_path_buf());
    profile_parts(std::slice::from_ref(&part), &part.shown(), options)
}

/// Profiles a table split over parts (a lake prefix's objects) as one
/// table in memory. A part that cannot be read, or whose columns differ
/// from the first's, is left out and named in `skipped`; when none can be
/// read the first one's reason is the error.
pub fn profile_parts(parts: &[TablePart], source: &str, options: &Options) -> Result<Profile> {
    let mut whole: Option<DataFrame> = None;
    let mut skipped = Vec::new();
    for part in parts {
        let added = part.read_frame().and_then(|df| match &mut whole {
            Some(w) => w
                .vstack_mut(&df)
                .map(|_| ())
                .map_err(|e| format!("its columns differ from the first part's: {e}")),
            None => {
                whole = Some(df);
                Ok(())
            }
        });
        if let Err(reason) = added {
            skipped.push(Unreadable {
                path: part.shown(),
                reason,
            });
        }
    }
    let Some(mut df) = whole else {
        return Err(streaming::unread(source, skipped));
    };
    df.rechunk_mut_par();
    let mut profile = profile_frame(&df, source, options).map_err(|e| match e {
        Error::Polars(reason) => Error::Read {
            path: source.to_owned(),
            reason,
        },
        e => e,
    })?;
    profile.skipped = skipped;
    Ok(profile)
}

/// Profiles a table already in memory. The label, source and confidence
/// columns feed the label views and are not profiled as features.
pub fn profile_frame(df: &DataFrame, source: &str, options: &Options) -> Result<Profile> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    check_options(&names, source, options)?;
    let aside = [
        &options.source_column,
        &options.confidence_column,
        &options.split_column,
    ];
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
                split: options.split_column.as_deref().map(strings).transpose()?,
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
        method: Method::default(),
        skipped: Vec::new(),
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

/// Refuses options naming a column the table does not have.
fn check_options(names: &[&str], source: &str, options: &Options) -> Result<()> {
    for (what, name) in [
        ("label", &options.label_column),
        ("source", &options.source_column),
        ("confidence", &options.confidence_column),
        ("split", &options.split_column),
    ] {
        if let Some(name) = name
            && !names.contains(&name.as_str())
        {
            return Err(Error::Invalid(format!(
                "{source}: no {what} column `{name}`"
            )));
        }
    }
    if let Some(unknown) = options.kinds.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(Error::Invalid(format!(
            "{source}: no column `{unknown}` to set a kind on"
        )));
    }
    Ok(())
}

/// Rows that repeat an earlier row, counted by 64-bit row hashes. Two
/// different rows share a hash with probability about n²/2⁶⁵: 3·10⁻⁸ for
/// a million rows.
fn duplicate_rows(df: &DataFrame) -> Result<u64> {
    Ok(repeated(&[sorted_row_hashes(df)?]))
}

/// Each row's 64-bit hash (polars' `hash_rows`, in parallel), sorted. The
/// seed is fixed, so the hashes of a table's batches can be pooled.
pub(crate) fn sorted_row_hashes(df: &DataFrame) -> Result<Vec<u64>> {
    if df.width() == 0 || df.height() == 0 {
        return Ok(Vec::new());
    }
    let seeded = PlSeedableRandomStateQuality::seed_from_u64(0x7269_6167_6500);
    let hashes = df.clone().hash_rows(Some(seeded))?;
    let mut hashes: Vec<u64> = hashes.into_no_null_iter().collect();
    hashes.par_sort_unstable();
    Ok(hashes)
}

/// How many hashes, over all the sorted `runs`, repeat an earlier one: a
/// k-way merge, so the runs are never copied into one.
pub(crate) fn repeated(runs: &[Vec<u64>]) -> u64 {
    use std::cmp::Reverse;
    if let [run] = runs {
        return run.windows(2).filter(|w| w[0] == w[1]).count() as u64;
    }
    let mut heads: std::collections::BinaryHeap<Reverse<(u64, usize, usize)>> = runs
        .iter()
        .enumerate()
        .filter_map(|(r, run)| Some(Reverse((*run.first()?, r, 0))))
        .collect();
    let (mut last, mut count) = (None, 0);
    while let Some(Reverse((hash, r, i))) = heads.pop() {
        if last == Some(hash) {
            count += 1;
        }
        last = Some(hash);
        if let Some(&next) = runs[r].get(i + 1) {
            heads.push(Reverse((next, r, i + 1)));
        }
    }
    count
}

/// Adds an image profile to a table profile (or to an empty one), and its
/// alerts.
pub fn with_images(mut profile: Profile, images: ImageFacts) -> Profile {
    profile.alerts.extend(alerts::image_alerts(&images));
    profile.images = Some(images);
    profile
}
