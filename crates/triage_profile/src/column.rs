//! One column: its kind, its counts and the statistics its kind calls for.

use std::collections::HashMap;

use polars::prelude::*;

use crate::model::{ColumnProfile, DatetimeStats, Kind, ValueCount};
use crate::stats;
use crate::{Error, Result, TOP_VALUES};
use rayon::prelude::*;

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
    // NaN counts as missing, as pandas and ydata-profiling count it.
    let series = if dtype.is_float() {
        let ca = series.cast(&DataType::Float64).map_err(err)?;
        let ca = ca.f64().map_err(err)?;
        ca.apply(|v| v.filter(|x| !x.is_nan())).into_series()
    } else {
        series.clone()
    };
    let missing = series.null_count() as u64;
    let count = series.len() as u64 - missing;
    let numeric_dtype = dtype.is_primitive_numeric();
    // Numbers: one sort gives the distinct count, the top values, the
    // ranks and every quantile. Anything else: one hash pass.
    let sorted = if numeric_dtype {
        Some(sort_numbers(&series, dtype.is_integer()).map_err(err)?)
    } else {
        None
    };
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
    let datetime = if dtype.is_temporal() && !matches!(dtype, DataType::Duration(_)) {
        datetime_stats(&series.drop_nulls()).map_err(err)?
    } else {
        None
    };
    let text_length = match (&strings, kind) {
        (Some(s), Kind::Text) => stats::numeric(&mut s.lengths()),
        _ => None,
    };
    let few_levels = (distinct as usize) <= MAX_LEVELS;
    let (numeric, values) = match sorted {
        Some(mut s) => {
            let numeric = stats::numeric(&mut s.values);
            let values = if matches!(kind, Kind::Quantitative | Kind::Ordinal) {
                Values::Numeric {
                    values: nan_filled(&series).map_err(err)?,
                    ranks: s.ranks,
                }
            } else if kind == Kind::Categorical && few_levels {
                codes(&series).map_err(err)?
            } else {
                Values::Other
            };
            (numeric, values)
        }
        None if matches!(kind, Kind::Categorical | Kind::Ordinal) && few_levels => {
            let values = match strings {
                Some(s) => s.into_codes(),
                None => codes(&series).map_err(err)?,
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
    Ok((counts.height() as u64, top(all.collect())))
}

/// The [`TOP_VALUES`] most frequent, ties by value.
fn top(mut all: Vec<ValueCount>) -> Vec<ValueCount> {
    let order =
        |a: &ValueCount, b: &ValueCount| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value));
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
    /// Each row's average rank among the finite values (NaN where missing),
    /// for Spearman's ρ.
    ranks: Vec<f64>,
    distinct: u64,
    top: Vec<ValueCount>,
}

fn sort_numbers(series: &Series, integer: bool) -> PolarsResult<SortedNumbers> {
    let f = series.cast(&DataType::Float64)?;
    let ca = f.f64()?;
    let mut pairs: Vec<(f64, u32)> = ca
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|x| x.is_finite()).map(|x| (x, i as u32)))
        .collect();
    pairs.par_sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranks = vec![f64::NAN; ca.len()];
    let mut runs: Vec<(f64, u64)> = Vec::new();
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i + 1;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        for p in &pairs[i..j] {
            ranks[p.1 as usize] = rank;
        }
        runs.push((pairs[i].0, (j - i) as u64));
        i = j;
    }
    let distinct = runs.len() as u64;
    // Most frequent first, ties by the smaller value.
    let order = |a: &(f64, u64), b: &(f64, u64)| b.1.cmp(&a.1).then_with(|| a.0.total_cmp(&b.0));
    if runs.len() > TOP_VALUES {
        runs.select_nth_unstable_by(TOP_VALUES, order);
        runs.truncate(TOP_VALUES);
    }
    runs.sort_by(order);
    let top = runs
        .into_iter()
        .map(|(v, count)| ValueCount {
            value: if integer {
                format!("{}", v as i64)
            } else {
                format!("{v:?}")
            },
            count,
        })
        .collect();
    Ok(SortedNumbers {
        values: pairs.into_iter().map(|p| p.0).collect(),
        ranks,
        distinct,
        top,
    })
}

/// A string column in one hash pass: its distinct values, how often each
/// occurs, and each row's code. Facts about the text are then computed
/// once per distinct value, not once per row.
pub(crate) struct StringPass<'a> {
    levels: Vec<&'a str>,
    counts: Vec<u64>,
    codes: Vec<Option<u32>>,
}

/// What kind inference needs to know about a string column, as shares of
/// its non-missing values.
pub(crate) struct StringFacts {
    mean_length: f64,
    spaced_share: f64,
    image_share: f64,
    numeric_share: f64,
}

impl<'a> StringPass<'a> {
    fn new(ca: &'a StringChunked) -> Self {
        let mut index: PlHashMap<&str, u32> = PlHashMap::default();
        let (mut levels, mut counts) = (Vec::new(), Vec::new());
        let codes = ca
            .iter()
            .map(|v| {
                v.map(|v| {
                    let code = *index.entry(v).or_insert_with(|| {
                        levels.push(v);
                        counts.push(0u64);
                        levels.len() as u32 - 1
                    });
                    counts[code as usize] += 1;
                    code
                })
            })
            .collect();
        Self {
            levels,
            counts,
            codes,
        }
    }

    fn top(&self) -> Vec<ValueCount> {
        top(self
            .levels
            .iter()
            .zip(&self.counts)
            .map(|(v, &count)| ValueCount {
                value: v.to_string(),
                count,
            })
            .collect())
    }

    fn facts(&self) -> StringFacts {
        let n = self.counts.iter().sum::<u64>().max(1) as f64;
        let (mut length, mut spaced, mut images, mut numbers) = (0.0, 0.0, 0.0, 0.0);
        for (s, &c) in self.levels.iter().zip(&self.counts) {
            let c = c as f64;
            let t = s.trim();
            length += s.chars().count() as f64 * c;
            spaced += if t.contains(' ') { c } else { 0.0 };
            let b = t.as_bytes();
            let image = IMAGE_ENDINGS.iter().any(|e| {
                b.len() >= e.len() && b[b.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
            });
            images += if image { c } else { 0.0 };
            numbers += if t.parse::<f64>().is_ok() { c } else { 0.0 };
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
        let lengths: Vec<f64> = self
            .levels
            .iter()
            .map(|s| s.chars().count() as f64)
            .collect();
        self.codes
            .iter()
            .flatten()
            .map(|&c| lengths[c as usize])
            .collect()
    }

    fn into_codes(self) -> Values {
        Values::Codes {
            codes: self.codes,
            levels: self.levels.iter().map(|s| s.to_string()).collect(),
        }
    }
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

fn nan_filled(series: &Series) -> PolarsResult<Vec<f64>> {
    let f = series.cast(&DataType::Float64)?;
    Ok(f.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn codes(series: &Series) -> PolarsResult<Values> {
    let s = series.cast(&DataType::String)?;
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut levels = Vec::new();
    let codes = s
        .str()?
        .iter()
        .map(|v| {
            v.map(|v| {
                *index.entry(v).or_insert_with(|| {
                    levels.push(v.to_string());
                    levels.len() as u32 - 1
                })
            })
        })
        .collect();
    Ok(Values::Codes { codes, levels })
}

fn datetime_stats(non_null: &Series) -> PolarsResult<Option<DatetimeStats>> {
    if non_null.is_empty() {
        return Ok(None);
    }
    let ms = non_null.cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    let ms = ms.datetime()?.physical().clone();
    let mut values: Vec<f64> = ms.into_no_null_iter().map(|v| v as f64).collect();
    values.sort_unstable_by(f64::total_cmp);
    let (min, max) = (values[0], values[values.len() - 1]);
    let iso = |v: f64| -> String {
        let at = chrono::DateTime::from_timestamp_millis(v as i64).unwrap_or_default();
        if matches!(non_null.dtype(), DataType::Date) {
            at.format("%Y-%m-%d").to_string()
        } else {
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        }
    };
    let bins = if max > min { 30 } else { 1 };
    Ok(Some(DatetimeStats {
        min: iso(min),
        max: iso(max),
        histogram: stats::histogram_sorted(&values, bins),
    }))
}
