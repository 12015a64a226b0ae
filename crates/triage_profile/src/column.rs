//! One column: its kind, its counts and the statistics its kind calls for.

use polars::prelude::*;

use crate::model::{ColumnProfile, DatetimeStats, Kind, ValueCount};
use crate::stats;
use crate::{Error, Result, TOP_VALUES};

/// Integer columns with at most this many distinct values are ordinal.
pub const ORDINAL_MAX_DISTINCT: u64 = 10;
/// Text columns with at most this many distinct values (or 5% of the rows,
/// whichever is more) are categorical.
pub const CATEGORICAL_MAX_DISTINCT: u64 = 50;
/// A string column whose values average this many characters or more, or
/// mostly hold spaces with many distinct values, is text.
pub const TEXT_MIN_MEAN_LENGTH: f64 = 30.0;
/// Endings that make a string an image reference.
pub const IMAGE_ENDINGS: [&str; 9] = [
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".avif",
];

/// A column's values in the form the cross-column measures need.
pub(crate) enum Values {
    /// Numbers and their ranks, NaN where missing.
    Numeric { values: Vec<f64>, ranks: Vec<f64> },
    /// Category codes into `levels`, `None` where missing.
    Codes {
        codes: Vec<Option<u32>>,
        levels: Vec<String>,
    },
    /// Neither (text, identifiers, datetimes).
    Other,
}

/// What one column yields: its profile, its values for cross-column
/// measures, and the share of its strings that read as numbers.
pub(crate) struct ColumnResult {
    pub profile: ColumnProfile,
    pub values: Values,
    pub numeric_share: Option<f64>,
}

/// Categorical columns with more levels than this are left out of the
/// associations and drift: a contingency table that wide says little.
pub const MAX_LEVELS: usize = 100;

pub(crate) fn profile_column(column: &Column, kind_override: Option<Kind>) -> Result<ColumnResult> {
    let series = column.as_materialized_series();
    let name = series.name().to_string();
    let err = |e: PolarsError| Error::Polars(format!("column `{name}`: {e}"));
    let dtype = series.dtype().clone();
    let numeric_dtype = dtype.is_primitive_numeric();
    let ms_per_unit = ms_per_unit(&dtype);
    let date_only = matches!(dtype, DataType::Date);
    // Numbers and times: one sort gives the distinct count, the top values,
    // the ranks and every quantile. Anything else: one hash pass.
    let sorted = if numeric_dtype {
        let integer = dtype.is_integer();
        let text = |v: f64| {
            if integer {
                format!("{}", v as i64)
            } else {
                format!("{v:?}")
            }
        };
        Some(sort_numbers(series, text).map_err(err)?)
    } else if let Some(scale) = ms_per_unit {
        let physical = series.to_physical_repr();
        Some(sort_numbers(&physical, |v| iso(v * scale, date_only)).map_err(err)?)
    } else {
        None
    };
    // NaN counts as missing, as pandas and ydata-profiling count it.
    let missing = (series.null_count() + sorted.as_ref().map_or(0, |s| s.nans)) as u64;
    let count = series.len() as u64 - missing;
    let strings = match &dtype {
        DataType::String => Some(StringPass::new(series.str().map_err(err)?)),
        _ => None,
    };
    let (distinct, top_values) = match (&sorted, &strings) {
        (Some(s), _) => (s.distinct, s.top.clone()),
        (_, Some(s)) => (s.levels.len() as u64, s.top()),
        _ => value_counts(&series.drop_nulls()).map_err(err)?,
    };
    let facts = strings.as_ref().map(StringPass::facts);
    let inferred = infer_kind(&name, &dtype, count, distinct, facts.as_ref());
    let kind = kind_override.unwrap_or(inferred);
    let datetime = match (&sorted, ms_per_unit) {
        (Some(s), Some(scale)) => datetime_stats(&s.values, scale, date_only),
        _ => None,
    };
    let text_length = match (&strings, kind) {
        (Some(s), Kind::Text) => stats::numeric(&mut s.lengths()),
        _ => None,
    };
    let few_levels = (distinct as usize) <= MAX_LEVELS;
    let (numeric, values) = match sorted {
        Some(mut s) => {
            let numeric = if numeric_dtype {
                stats::numeric(&mut s.values)
            } else {
                None
            };
            let values = if numeric_dtype && matches!(kind, Kind::Quantitative | Kind::Ordinal) {
                Values::Numeric {
                    values: s.by_row,
                    ranks: s.ranks,
                }
            } else if kind == Kind::Categorical && few_levels {
                codes(series).map_err(err)?
            } else {
                Values::Other
            };
            (numeric, values)
        }
        None if matches!(kind, Kind::Categorical | Kind::Ordinal) && few_levels => {
            let values = match strings {
                Some(s) => s.into_codes(),
                None => codes(series).map_err(err)?,
            };
            (None, values)
        }
        None => (None, Values::Other),
    };
    Ok(ColumnResult {
        profile: ColumnProfile {
            name,
            dtype: dtype.to_string(),
            kind,
            kind_overridden: kind_override.is_some_and(|k| k != inferred),
            count,
            missing,
            distinct,
            distinct_exact: true,
            top_values,
            top_values_shortfall: 0,
            numeric,
            datetime,
            text_length,
        },
        values,
        numeric_share: facts.map(|f| f.numeric_share),
    })
}

/// The distinct count and most frequent values of a non-numeric column, in
/// one hash pass.
fn value_counts(non_null: &Series) -> PolarsResult<(u64, Vec<ValueCount>)> {
    if non_null.is_empty() {
        return Ok((0, Vec::new()));
    }
    let counts = non_null.value_counts(false, true, "__count".into(), false)?;
    let values = counts.column(non_null.name())?.cast(&DataType::String)?;
    let values = values.str()?;
    let n = counts.column("__count")?.cast(&DataType::UInt64)?;
    let n = n.u64()?;
    let all = values.iter().zip(n.iter()).map(|(v, c)| ValueCount {
        value: v.unwrap_or_default().to_string(),
        count: c.unwrap_or(0),
    });
    let top = most_frequent(all.collect(), |v| v.count, |a, b| a.value.cmp(&b.value));
    Ok((counts.height() as u64, top))
}

/// The [`TOP_VALUES`] most frequent items, most frequent first, ties
/// broken by `tie`; only those few are ever turned into text.
fn most_frequent<T>(
    mut all: Vec<T>,
    count: impl Fn(&T) -> u64,
    tie: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    let order = |a: &T, b: &T| count(b).cmp(&count(a)).then_with(|| tie(a, b));
    if all.len() > TOP_VALUES {
        all.select_nth_unstable_by(TOP_VALUES, order);
        all.truncate(TOP_VALUES);
    }
    all.sort_by(order);
    all
}

/// A numeric column sorted once.
struct SortedNumbers {
    /// Finite values, ascending.
    values: Vec<f64>,
    /// Every row's value, NaN where missing.
    by_row: Vec<f64>,
    /// NaN values that were not null.
    nans: usize,
    /// Each row's average rank among the finite values (NaN where missing),
    /// for Spearman's ρ.
    ranks: Vec<f64>,
    distinct: u64,
    top: Vec<ValueCount>,
}

/// Sorts a numeric column (or the physical values of a temporal one);
/// `text` writes a value for the top values.
fn sort_numbers(series: &Series, text: impl Fn(f64) -> String) -> PolarsResult<SortedNumbers> {
    let f = series.cast(&DataType::Float64)?;
    let ca = f.f64()?;
    let mut by_row = Vec::with_capacity(ca.len());
    let (mut keys, mut rows) = (Vec::with_capacity(ca.len()), Vec::with_capacity(ca.len()));
    let mut nans = 0;
    for (i, v) in ca.iter().enumerate() {
        let v = v.unwrap_or(f64::NAN);
        nans += usize::from(v.is_nan());
        by_row.push(v);
        if v.is_finite() {
            // +0 and −0 are one value here, as `==` has it.
            keys.push(stats::order_key(v + 0.0));
            rows.push(i as u32);
        }
    }
    nans -= series.null_count();
    stats::radix_sort(&mut keys, &mut rows);
    let mut ranks = vec![f64::NAN; ca.len()];
    let mut runs: Vec<(f64, u64)> = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && keys[j] == keys[i] {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        for &r in &rows[i..j] {
            ranks[r as usize] = rank;
        }
        runs.push((stats::from_order_key(keys[i]), (j - i) as u64));
        i = j;
    }
    let distinct = runs.len() as u64;
    // Most frequent first, ties by the smaller value.
    let top = most_frequent(runs, |r| r.1, |a, b| a.0.total_cmp(&b.0))
        .into_iter()
        .map(|(v, count)| ValueCount {
            value: text(v),
            count,
        })
        .collect();
    Ok(SortedNumbers {
        values: keys.into_iter().map(stats::from_order_key).collect(),
        by_row,
        nans,
        ranks,
        distinct,
        top,
    })
}

/// A string column in one hash pass: its distinct values, how often each
/// occurs, and each row's code. Facts about the text are then computed
/// once per distinct value, not once per row.
pub(crate) struct StringPass<'a> {
    ca: &'a StringChunked,
    levels: Vec<&'a str>,
    counts: Vec<u64>,
    codes: Option<Vec<Option<u32>>>,
}

/// What kind inference looks at in one string.
pub(crate) struct StringTraits {
    /// Its length in characters.
    pub chars: usize,
    /// Whether it holds a space inside (after trimming).
    pub spaced: bool,
    /// Whether it ends like an image file.
    pub image: bool,
    /// Whether it reads as a number.
    pub number: bool,
}

impl StringTraits {
    pub(crate) fn of(s: &str) -> Self {
        let t = s.trim();
        let b = t.as_bytes();
        Self {
            chars: s.chars().count(),
            spaced: t.contains(' '),
            image: IMAGE_ENDINGS.iter().any(|e| {
                b.len() >= e.len() && b[b.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
            }),
            number: t.parse::<f64>().is_ok(),
        }
    }
}

/// What kind inference needs to know about a string column, as shares of
/// its non-missing values.
pub(crate) struct StringFacts {
    pub mean_length: f64,
    pub spaced_share: f64,
    pub image_share: f64,
    pub numeric_share: f64,
}

impl<'a> StringPass<'a> {
    fn new(ca: &'a StringChunked) -> Self {
        let mut index: PlHashMap<&str, u32> = PlHashMap::default();
        let (mut levels, mut counts) = (Vec::new(), Vec::new());
        // Codes are kept only while the column could still be categorical.
        let mut codes = Some(Vec::with_capacity(ca.len()));
        for v in ca.iter() {
            let code = v.map(|v| {
                let code = *index.entry(v).or_insert_with(|| {
                    levels.push(v);
                    counts.push(0u64);
                    levels.len() as u32 - 1
                });
                counts[code as usize] += 1;
                code
            });
            if let Some(c) = codes.as_mut() {
                c.push(code);
                if levels.len() > MAX_LEVELS {
                    codes = None;
                    // Many levels: likely one per row, so grow the table once.
                    index.reserve(ca.len());
                }
            }
        }
        Self {
            ca,
            levels,
            counts,
            codes,
        }
    }

    fn top(&self) -> Vec<ValueCount> {
        let all: Vec<(&str, u64)> = self
            .levels
            .iter()
            .copied()
            .zip(self.counts.iter().copied())
            .collect();
        most_frequent(all, |v| v.1, |a, b| a.0.cmp(b.0))
            .into_iter()
            .map(|(value, count)| ValueCount {
                value: value.to_string(),
                count,
            })
            .collect()
    }

    fn facts(&self) -> StringFacts {
        let n = self.counts.iter().sum::<u64>().max(1) as f64;
        let (mut length, mut spaced, mut images, mut numbers) = (0.0, 0.0, 0.0, 0.0);
        for (s, &c) in self.levels.iter().zip(&self.counts) {
            let c = c as f64;
            let t = StringTraits::of(s);
            length += t.chars as f64 * c;
            spaced += if t.spaced { c } else { 0.0 };
            images += if t.image { c } else { 0.0 };
            numbers += if t.number { c } else { 0.0 };
        }
        StringFacts {
            mean_length: length / n,
            spaced_share: spaced / n,
            image_share: images / n,
            numeric_share: numbers / n,
        }
    }

    /// Each value's length in characters.
    fn lengths(&self) -> Vec<f64> {
        self.ca
            .iter()
            .flatten()
            .map(|s| s.chars().count() as f64)
            .collect()
    }

    /// The codes, for a column with at most [`MAX_LEVELS`] levels.
    fn into_codes(self) -> Values {
        match self.codes {
            Some(codes) => Values::Codes {
                codes,
                levels: self.levels.iter().map(|s| s.to_string()).collect(),
            },
            None => Values::Other,
        }
    }
}

/// The kind a string column's values most likely make, by the same rules
/// as its profile: so a free-text column is learned from as text (one
/// hash pass, no statistics).
pub fn string_kind(name: &str, ca: &StringChunked) -> Kind {
    let pass = StringPass::new(ca);
    let count = (ca.len() - ca.null_count()) as u64;
    infer_kind(
        name,
        &DataType::String,
        count,
        pass.levels.len() as u64,
        Some(&pass.facts()),
    )
}

/// The kind a column most likely has; the rules are documented in
/// `docs/profile-schema.md`.
pub(crate) fn infer_kind(
    name: &str,
    dtype: &DataType,
    count: u64,
    distinct: u64,
    strings: Option<&StringFacts>,
) -> Kind {
    let all_distinct = count >= 20 && distinct == count;
    match dtype {
        DataType::Boolean => Kind::Categorical,
        d if d.is_temporal() => Kind::Datetime,
        d if d.is_integer() => {
            if all_distinct && looks_like_id(name) {
                Kind::Identifier
            } else if distinct <= 2 {
                Kind::Categorical
            } else if distinct <= ORDINAL_MAX_DISTINCT {
                Kind::Ordinal
            } else {
                Kind::Quantitative
            }
        }
        d if d.is_float() => Kind::Quantitative,
        DataType::String => {
            let Some(s) = strings else {
                return Kind::Categorical;
            };
            let few = distinct <= CATEGORICAL_MAX_DISTINCT.max(count / 20);
            if count > 0 && s.image_share >= 0.9 {
                Kind::ImageReference
            } else if s.mean_length >= TEXT_MIN_MEAN_LENGTH || (s.spaced_share >= 0.5 && !few) {
                Kind::Text
            } else if few {
                Kind::Categorical
            } else if all_distinct || distinct as f64 >= 0.5 * count as f64 {
                Kind::Identifier
            } else {
                Kind::Categorical
            }
        }
        _ => Kind::Categorical,
    }
}

fn looks_like_id(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "id" || lower.ends_with("_id") || name.ends_with("Id") || lower == "key"
}

fn codes(series: &Series) -> PolarsResult<Values> {
    let text = series.cast(&DataType::String)?;
    Ok(StringPass::new(text.str()?).into_codes())
}

/// Milliseconds per unit of a date or datetime's physical value.
pub(crate) fn ms_per_unit(dtype: &DataType) -> Option<f64> {
    match dtype {
        DataType::Date => Some(86_400_000.0),
        DataType::Datetime(TimeUnit::Milliseconds, _) => Some(1.0),
        DataType::Datetime(TimeUnit::Microseconds, _) => Some(1e-3),
        DataType::Datetime(TimeUnit::Nanoseconds, _) => Some(1e-6),
        _ => None,
    }
}

/// A time as ISO 8601, in UTC.
pub(crate) fn iso(ms: f64, date_only: bool) -> String {
    let at = chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default();
    if date_only {
        at.format("%Y-%m-%d").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// Range and histogram of sorted physical values, in epoch milliseconds.
fn datetime_stats(sorted: &[f64], scale: f64, date_only: bool) -> Option<DatetimeStats> {
    let (min, max) = (sorted.first()? * scale, sorted.last()? * scale);
    let bins = if max > min { 30 } else { 1 };
    Some(DatetimeStats {
        min: iso(min, date_only),
        max: iso(max, date_only),
        histogram: stats::histogram_range(sorted.iter().map(|v| v * scale), min, max, bins),
    })
}
