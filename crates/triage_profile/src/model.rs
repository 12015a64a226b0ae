//! The profile as data: what `--json` writes and the app and report read.
//!
//! The JSON form is versioned by [`SCHEMA`] and documented in
//! `docs/profile-schema.md`; a field is only ever added within a version.

use serde::{Deserialize, Serialize};

/// The schema id written into every profile.
pub const SCHEMA: &str = "triage-profile/1";

/// How a column's values are meant, which decides its statistics and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(rename = "ColumnKind")]
pub enum Kind {
    /// Unordered classes.
    Categorical,
    /// Ordered classes, such as a 1–5 rating.
    Ordinal,
    /// Measured numbers.
    Quantitative,
    /// Dates and times.
    Datetime,
    /// Free text.
    Text,
    /// One value per row that names it.
    Identifier,
    /// A path or URI of an image.
    ImageReference,
}

impl Kind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [Kind; 7] = [
        Kind::Categorical,
        Kind::Ordinal,
        Kind::Quantitative,
        Kind::Datetime,
        Kind::Text,
        Kind::Identifier,
        Kind::ImageReference,
    ];

    /// The kebab-case name used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Categorical => "categorical",
            Kind::Ordinal => "ordinal",
            Kind::Quantitative => "quantitative",
            Kind::Datetime => "datetime",
            Kind::Text => "text",
            Kind::Identifier => "identifier",
            Kind::ImageReference => "image-reference",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown kind `{s}` (expected one of {})", names.join(", "))
            })
    }
}

/// A whole profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Profile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What was profiled: a file path or a project folder.
    pub source: String,
    /// Data rows (items for a project).
    pub rows: u64,
    /// One entry per column, in the table's order.
    pub columns: Vec<ColumnProfile>,
    /// Facts about the table as a whole.
    pub dataset: DatasetFacts,
    /// Label views, when a label column is known.
    pub labels: Option<LabelFacts>,
    /// Image files, when the source has them.
    pub images: Option<ImageFacts>,
    /// Everything worth a look, each with the threshold that raised it.
    pub alerts: Vec<Alert>,
    /// How the profile was computed, and its error bounds when streamed.
    #[serde(default)]
    pub method: Method,
    /// Parts of a table split over many files or objects (a lake prefix)
    /// that could not be read: the profile is of the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Unreadable>,
}

/// Exact (the whole table in memory) or streaming (in batches, with
/// mergeable summaries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(rename = "ProfileMode")]
pub enum Mode {
    /// Every statistic computed from all the values.
    #[default]
    Exact,
    /// Read in batches: quantiles, histograms, and distinct counts or top
    /// values where a column has many distinct values, are estimates within
    /// the stated bounds.
    Streaming,
}

/// How a profile was computed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ProfileMethod")]
pub struct Method {
    /// Exact or streaming.
    pub mode: Mode,
    /// Streaming: every quantile's normalized rank error, with 99%
    /// confidence; a histogram bin's count is within this share of the rows
    /// at each edge, and outliers likewise.
    pub quantile_rank_error: Option<f64>,
    /// Streaming: the relative standard error of a distinct count that is
    /// not exact (`distinct_exact` false).
    pub distinct_standard_error: Option<f64>,
    /// Streaming: the share of the rows `duplicate_rows` was counted on
    /// (rows and their copies are sampled together by their hash, and the
    /// count scaled up); 1 when it is exact.
    #[serde(default)]
    pub duplicate_rows_sampled: Option<f64>,
    /// Streaming: what was left out because it needs every row at once.
    pub omitted: Vec<String>,
}

/// One column's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// The storage type polars read it as.
    pub dtype: String,
    /// Its kind, inferred or set by the user.
    pub kind: Kind,
    /// True when the user set the kind.
    pub kind_overridden: bool,
    /// Non-missing values.
    pub count: u64,
    /// Missing values.
    pub missing: u64,
    /// Distinct non-missing values.
    pub distinct: u64,
    /// Whether `distinct` is exact: always in an exact profile; in a
    /// streaming one, while the column had fewer distinct values than the
    /// summary's counters.
    pub distinct_exact: bool,
    /// The most frequent values, most frequent first (ties by value).
    pub top_values: Vec<ValueCount>,
    /// How far below its true count a top value's count may be: 0 in an
    /// exact profile, and in a streaming one while the column had fewer
    /// distinct values than the summary's counters.
    #[serde(default)]
    pub top_values_shortfall: u64,
    /// For numeric columns (quantitative, ordinal, identifier of numbers).
    pub numeric: Option<NumericStats>,
    /// For datetime columns.
    pub datetime: Option<DatetimeStats>,
    /// For text columns: the length of each value in characters.
    pub text_length: Option<NumericStats>,
}

/// A value and how many rows hold it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ValueCount {
    /// The value as text.
    pub value: String,
    /// Rows holding it.
    pub count: u64,
}

/// Statistics of numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NumericStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for one value.
    pub std: f64,
    /// Sample skewness (adjusted Fisher–Pearson, as pandas); 0 when constant.
    pub skewness: f64,
    /// Quantiles at 5, 25, 50, 75 and 95%, linearly interpolated (numpy's
    /// default).
    pub quantiles: Quantiles,
    /// Values equal to zero.
    pub zeros: u64,
    /// Values outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR].
    pub outliers: u64,
    /// Equal-width bins over [min, max].
    pub histogram: Histogram,
}

/// The five quantiles every numeric profile reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Quantiles {
    /// 5th percentile.
    pub p5: f64,
    /// First quartile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// Third quartile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Equal-width bins: `edges` has one more entry than `counts`. Each bin holds
/// [left, right), the last one [left, right].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Histogram {
    /// Bin edges, ascending.
    pub edges: Vec<f64>,
    /// Values per bin.
    pub counts: Vec<u64>,
}

/// Statistics of dates and times, in ISO 8601 and as a histogram of epoch
/// milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatetimeStats {
    /// Earliest value.
    pub min: String,
    /// Latest value.
    pub max: String,
    /// Equal-width bins over epoch milliseconds (UTC).
    pub histogram: Histogram,
}

/// Facts about the table as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DatasetFacts {
    /// Rows that repeat an earlier row exactly (all columns).
    pub duplicate_rows: u64,
    /// Numeric pairs (quantitative and ordinal columns).
    pub numeric_correlations: Option<CorrelationMatrix>,
    /// Categorical pairs.
    pub categorical_associations: Option<CorrelationMatrix>,
}

/// A symmetric matrix of pairwise measures over `columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CorrelationMatrix {
    /// Column names, in matrix order.
    pub columns: Vec<String>,
    /// Pearson's r (numeric) or Cramér's V (categorical), row by row. `None`
    /// where a pair has fewer than two complete rows or a constant side.
    pub primary: Vec<Vec<Option<f64>>>,
    /// Spearman's ρ for numeric pairs; absent for categorical ones.
    pub spearman: Option<Vec<Vec<Option<f64>>>>,
}

/// Label views.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LabelFacts {
    /// The column holding labels.
    pub column: String,
    /// Rows with a label.
    pub labeled: u64,
    /// Rows per class, most frequent first.
    pub distribution: Vec<ValueCount>,
    /// Largest class over smallest class; `None` with fewer than two classes.
    pub imbalance_ratio: Option<f64>,
    /// How strongly each feature goes with the label.
    pub features: Vec<FeatureVsLabel>,
    /// Rows per label source (human, model, import…), when known.
    pub sources: Vec<ValueCount>,
    /// Model confidence per class, for rows that have one.
    pub confidence: Vec<ClassConfidence>,
    /// Drift between labeled, unlabeled and auto-labeled rows, and
    /// between the shares of a split.
    pub drift: Vec<Drift>,
    /// The shares of a split (an export's train, validation and test), when
    /// the profile has one; empty otherwise.
    #[serde(default)]
    pub splits: Vec<SplitFacts>,
}

/// One share of a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SplitFacts {
    /// `train`, `validation` or `test`.
    pub name: String,
    /// Rows in it.
    pub rows: u64,
    /// Rows with a label.
    pub labeled: u64,
    /// Rows per class, in the whole distribution's order.
    pub distribution: Vec<ValueCount>,
}

/// One feature against the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct FeatureVsLabel {
    /// The feature column.
    pub column: String,
    /// `correlation-ratio` (η, numeric features) or `cramers-v`
    /// (categorical features); both lie in [0, 1].
    pub measure: String,
    /// The measure's value.
    pub value: f64,
    /// For numeric features: the mean per class, in distribution order.
    pub class_means: Vec<(String, f64)>,
}

/// A histogram of model confidence for one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClassConfidence {
    /// The class.
    pub class: String,
    /// Rows of this class with a confidence.
    pub count: u64,
    /// Ten bins over [0, 1].
    pub histogram: Histogram,
}

/// One feature's shift between a reference part and another part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Drift {
    /// The feature column.
    pub column: String,
    /// The reference part (`labeled`: human labels; `train` in a split).
    pub reference: String,
    /// The part compared with it (`unlabeled` or `auto-labeled`; another
    /// share of a split).
    pub compared: String,
    /// `psi` (numeric, over the reference's deciles) or `chi-square`
    /// (categorical).
    pub test: String,
    /// PSI, or the chi-square statistic.
    pub statistic: f64,
    /// The chi-square p-value; `None` for PSI.
    pub p_value: Option<f64>,
    /// Cramér's V of the part against the category, for chi-square: the
    /// effect size, since p-values shrink with any large sample.
    pub effect: Option<f64>,
}

/// Image files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImageFacts {
    /// Files looked at.
    pub files: u64,
    /// Files whose header could be read.
    pub readable: u64,
    /// Files that could not be read, with the reason.
    pub unreadable: Vec<Unreadable>,
    /// Files per format.
    pub formats: Vec<ValueCount>,
    /// Width in pixels.
    pub width: Option<NumericStats>,
    /// Height in pixels.
    pub height: Option<NumericStats>,
    /// Width over height.
    pub aspect: Option<NumericStats>,
    /// File size in KiB.
    pub file_kib: Option<NumericStats>,
    /// Groups of near-identical images (difference hash within
    /// [`crate::images::NEAR_DUPLICATE_BITS`] bits), largest first.
    pub near_duplicates: Vec<Vec<String>>,
}

/// A file or object that could not be read: an image, or a part of a
/// table split over many files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Unreadable {
    /// The file's path or the object's `s3://` address.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Something worth a look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Alert {
    /// Stable id: `high-missing`, `high-cardinality`, `constant`, `skewed`,
    /// `duplicates`, `imbalance`, `drift`, `mixed-types`, `unreadable-images`,
    /// `near-duplicate-images`.
    pub kind: String,
    /// The column it concerns, if one.
    pub column: Option<String>,
    /// What was measured, in words.
    pub message: String,
    /// The measured value.
    pub value: f64,
    /// The threshold it crossed.
    pub threshold: f64,
}
