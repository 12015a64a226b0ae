//! One column: its kind, its counts and the statistics its kind calls for.

use std::collections::HashMap;

use polars::prelude::*;

use crate::model::{ColumnProfile, DatetimeStats, Kind, ValueCount};
use crate::stats;
use crate::{EXACT_DISTINCT_MAX, Error, Result, TOP_VALUES};

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
    /// Numbers, NaN where missing.
    Numeric(Vec<f64>),
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
    let non_null = series.drop_nulls();
    let (distinct, distinct_exact) = if count as usize > EXACT_DISTINCT_MAX {
        (non_null.approx_n_unique().map_err(err)? as u64, false)
    } else {
        (non_null.n_unique().map_err(err)? as u64, true)
    };
    let top_values = top_values(&non_null).map_err(err)?;

    let strings = if matches!(dtype, DataType::String) {
        Some(string_facts(non_null.str().map_err(err)?))
    } else {
        None
    };
    let inferred = infer_kind(&name, &dtype, count, distinct, strings.as_ref());
    let kind = kind_override.unwrap_or(inferred);

    let numeric = if dtype.is_primitive_numeric() || dtype.is_bool() {
        let mut v = finite_values(&non_null).map_err(err)?;
        stats::numeric(&mut v)
    } else {
        None
    };
    let datetime = if dtype.is_temporal() && !matches!(dtype, DataType::Duration(_)) {
        datetime_stats(&non_null).map_err(err)?
    } else {
        None
    };
    let text_length = match (&strings, kind) {
        (Some(s), Kind::Text) => stats::numeric(&mut s.lengths.clone()),
        _ => None,
    };
    let values = match kind {
        Kind::Quantitative | Kind::Ordinal if numeric.is_some() => {
            Values::Numeric(nan_filled(&series).map_err(err)?)
        }
        Kind::Categorical | Kind::Ordinal if (distinct as usize) <= MAX_LEVELS => {
            codes(&series).map_err(err)?
        }
        _ => Values::Other,
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
            distinct_exact,
            top_values,
            numeric,
            datetime,
            text_length,
        },
        values,
        numeric_share: strings.map(|s| s.numeric_share),
    })
}

fn top_values(non_null: &Series) -> PolarsResult<Vec<ValueCount>> {
    if non_null.is_empty() {
        return Ok(Vec::new());
    }
    let counts = non_null.value_counts(false, true, "__count".into(), false)?;
    let values = counts.column(non_null.name())?.cast(&DataType::String)?;
    let values = values.str()?;
    let n = counts.column("__count")?.cast(&DataType::UInt64)?;
    let n = n.u64()?;
    let mut all: Vec<ValueCount> = values
        .iter()
        .zip(n.iter())
        .map(|(v, c)| ValueCount {
            value: v.unwrap_or_default().to_string(),
            count: c.unwrap_or(0),
        })
        .collect();
    // Most frequent first, ties by value, so the output is deterministic.
    let keep = TOP_VALUES.min(all.len());
    if keep < all.len() {
        all.select_nth_unstable_by(keep, |a, b| {
            b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value))
        });
        all.truncate(keep);
    }
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    Ok(all)
}

/// What kind inference needs to know about a string column.
pub(crate) struct StringFacts {
    lengths: Vec<f64>,
    mean_length: f64,
    spaced_share: f64,
    image_share: f64,
    numeric_share: f64,
}

fn string_facts(ca: &StringChunked) -> StringFacts {
    let n = ca.len().max(1) as f64;
    let (mut spaced, mut images, mut numbers) = (0u64, 0u64, 0u64);
    let mut lengths = Vec::with_capacity(ca.len());
    for s in ca.iter().flatten() {
        lengths.push(s.chars().count() as f64);
        spaced += u64::from(s.trim().contains(' '));
        let lower = s.trim().to_ascii_lowercase();
        images += u64::from(IMAGE_ENDINGS.iter().any(|e| lower.ends_with(e)));
        numbers += u64::from(s.trim().parse::<f64>().is_ok());
    }
    StringFacts {
        mean_length: lengths.iter().sum::<f64>() / n,
        lengths,
        spaced_share: spaced as f64 / n,
        image_share: images as f64 / n,
        numeric_share: numbers as f64 / n,
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

/// Finite values of a non-null numeric or boolean series, as f64.
fn finite_values(non_null: &Series) -> PolarsResult<Vec<f64>> {
    let f = non_null.cast(&DataType::Float64)?;
    Ok(f.f64()?
        .into_no_null_iter()
        .filter(|v| v.is_finite())
        .collect())
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
