//! Profiles in bounded memory: a table read in batches, each batch
//! summarised with the mergeable summaries of [`crate::sketch`], the
//! summaries merged, and the result turned into the same [`Profile`] an
//! exact profile gives, with its error bounds in [`Method`].
//!
//! [`TableSummary::merge`] is the whole of combining two parts, so the same
//! code could summarise partitions on many machines and merge what they
//! send back.

use polars::prelude::*;
use rayon::prelude::*;

use crate::column::{StringFacts, StringTraits, infer_kind, iso, ms_per_unit};
use crate::dataset::{MAX_PAIR_COLUMNS, symmetric};
use crate::model::*;
use crate::sketch::{
    CoMoments, DistinctCounter, FREQUENT_CAPACITY, FrequentValues, Moments, QUANTILE_K,
    QuantileSketch, ROW_HASH_BUDGET, RowHashes, number_bytes,
};
use crate::stats::{self, bin_count, from_order_key, order_key};
use triage_data::table::TablePart;

use crate::{Error, Options, Result, TOP_VALUES, alerts};

/// Rows per batch: large enough that per-batch work is small beside the
/// reading, small enough that a batch of a wide table fits anywhere.
pub const BATCH_ROWS: usize = 65_536;

/// What the sections a streaming profile leaves out are called in its
/// [`Method::omitted`].
const OMITTED: [&str; 3] = [
    "Spearman correlations",
    "categorical associations",
    "label views",
];

/// One column's summary.
#[derive(Debug, Clone)]
pub struct ColumnSummary {
    name: String,
    dtype: DataType,
    rows: u64,
    missing: u64,
    distinct: DistinctCounter,
    values: Values,
}

#[derive(Debug, Clone)]
enum Values {
    /// Numbers, and the physical values of dates and times; frequent
    /// values by [`order_key`].
    Numbers {
        moments: Moments,
        quantiles: QuantileSketch,
        frequent: FrequentValues<u64>,
    },
    /// Strings: their lengths and what kind inference looks at.
    Strings {
        lengths: Moments,
        length_quantiles: QuantileSketch,
        spaced: u64,
        images: u64,
        numbers: u64,
        frequent: FrequentValues<String>,
    },
    /// Anything else (booleans, lists…), by its text.
    Other { frequent: FrequentValues<String> },
}

/// A whole table's summary: each column's, the co-moments of every pair
/// of numeric columns (upper triangle, row by row), and the rows' hashes
/// for duplicate rows.
#[derive(Debug, Clone)]
pub struct TableSummary {
    rows: u64,
    columns: Vec<ColumnSummary>,
    pairs: Vec<CoMoments>,
    row_hashes: RowHashes,
}

fn is_number(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric()
}

impl ColumnSummary {
    fn of(column: &Column) -> Result<Self> {
        let series = column.as_materialized_series();
        let dtype = series.dtype().clone();
        let mut distinct = DistinctCounter::default();
        let mut missing = series.null_count() as u64;
        let values = if is_number(&dtype) || ms_per_unit(&dtype).is_some() {
            let physical = series.to_physical_repr().cast(&DataType::Float64)?;
            let ca = physical.f64()?;
            // +0 and −0 are one value, as `==` has it.
            let mut values: Vec<f64> = ca.iter().flatten().map(|v| v + 0.0).collect();
            let finite = values.len();
            values.retain(|v| !v.is_nan());
            // NaN counts as missing, as the exact profile counts it.
            missing += (finite - values.len()) as u64;
            let moments = Moments::of_slice(&values);
            // One sort gives the quantile sketch and, from its runs, the
            // distinct values and their counts.
            values.sort_unstable_by(f64::total_cmp);
            let mut runs = Vec::new();
            for run in values.chunk_by(|a, b| a == b) {
                distinct.push(&number_bytes(run[0]));
                runs.push((order_key(run[0]), run.len() as u64));
            }
            let mut frequent = FrequentValues::new(FREQUENT_CAPACITY);
            frequent.add_counts(runs);
            Values::Numbers {
                moments,
                quantiles: QuantileSketch::of_sorted(QUANTILE_K, &values),
                frequent,
            }
        } else if dtype == DataType::String {
            let ca = series.str()?;
            let mut counts: PlHashMap<&str, u64> = PlHashMap::default();
            for v in ca.iter().flatten() {
                *counts.entry(v).or_default() += 1;
            }
            let mut lengths = Vec::with_capacity(ca.len());
            let (mut spaced, mut images, mut numbers) = (0, 0, 0);
            for (v, &c) in &counts {
                distinct.push(v.as_bytes());
                let t = StringTraits::of(v);
                lengths.extend(std::iter::repeat_n(t.chars as f64, c as usize));
                spaced += if t.spaced { c } else { 0 };
                images += if t.image { c } else { 0 };
                numbers += if t.number { c } else { 0 };
            }
            let length_moments = Moments::of_slice(&lengths);
            lengths.sort_unstable_by(f64::total_cmp);
            let mut frequent = FrequentValues::new(FREQUENT_CAPACITY);
            frequent.add_counts(counts.into_iter().map(|(v, c)| (v.to_owned(), c)));
            Values::Strings {
                lengths: length_moments,
                length_quantiles: QuantileSketch::of_sorted(QUANTILE_K, &lengths),
                spaced,
                images,
                numbers,
                frequent,
            }
        } else {
            let text = series.cast(&DataType::String)?;
            let mut counts: PlHashMap<&str, u64> = PlHashMap::default();
            for v in text.str()?.iter().flatten() {
                *counts.entry(v).or_default() += 1;
            }
            for v in counts.keys() {
                distinct.push(v.as_bytes());
            }
            let mut frequent = FrequentValues::new(FREQUENT_CAPACITY);
            frequent.add_counts(counts.into_iter().map(|(v, c)| (v.to_owned(), c)));
            Values::Other { frequent }
        };
        Ok(Self {
            name: series.name().to_string(),
            dtype,
            rows: series.len() as u64,
            missing,
            distinct,
            values,
        })
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        if self.name != other.name || self.dtype != other.dtype {
            return Err(Error::Invalid(format!(
                "column `{}` ({}) cannot merge with `{}` ({})",
                self.name, self.dtype, other.name, other.dtype
            )));
        }
        self.rows += other.rows;
        self.missing += other.missing;
        self.distinct.merge(&other.distinct);
        match (&mut self.values, &other.values) {
            (
                Values::Numbers {
                    moments,
                    quantiles,
                    frequent,
                },
                Values::Numbers {
                    moments: m,
                    quantiles: q,
                    frequent: f,
                },
            ) => {
                moments.merge(m);
                quantiles.merge(q);
                frequent.merge(f);
            }
            (
                Values::Strings {
                    lengths,
                    length_quantiles,
                    spaced,
                    images,
                    numbers,
                    frequent,
                },
                Values::Strings {
                    lengths: l,
                    length_quantiles: q,
                    spaced: s,
                    images: i,
                    numbers: n,
                    frequent: f,
                },
            ) => {
                lengths.merge(l);
                length_quantiles.merge(q);
                *spaced += s;
                *images += i;
                *numbers += n;
                frequent.merge(f);
            }
            (Values::Other { frequent }, Values::Other { frequent: f }) => frequent.merge(f),
            // Same type, so the same variant.
            _ => {}
        }
        Ok(())
    }

    /// Numbers as the co-moments need them: NaN where missing.
    fn numbers(column: &Column) -> Result<Vec<f64>> {
        let f = column.as_materialized_series().cast(&DataType::Float64)?;
        Ok(f.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }
}

/// The columns the co-moments cover, by position: the first
/// [`MAX_PAIR_COLUMNS`] numeric ones.
fn paired_columns<'a>(dtypes: impl Iterator<Item = &'a DataType>) -> Vec<usize> {
    dtypes
        .enumerate()
        .filter(|(_, d)| is_number(d))
        .map(|(i, _)| i)
        .take(MAX_PAIR_COLUMNS)
        .collect()
}

impl TableSummary {
    /// Summarises one batch of rows.
    pub fn of_batch(df: &DataFrame) -> Result<Self> {
        let columns = df
            .columns()
            .par_iter()
            .map(ColumnSummary::of)
            .collect::<Result<Vec<_>>>()?;
        let numeric: Vec<Vec<f64>> = paired_columns(df.columns().iter().map(|c| c.dtype()))
            .into_iter()
            .map(|i| ColumnSummary::numbers(&df.columns()[i]))
            .collect::<Result<_>>()?;
        let pairs: Vec<(usize, usize)> = (0..numeric.len())
            .flat_map(|i| (i + 1..numeric.len()).map(move |j| (i, j)))
            .collect();
        let pairs = pairs
            .par_iter()
            .map(|&(i, j)| CoMoments::of_slices(&numeric[i], &numeric[j]))
            .collect();
        Ok(Self {
            rows: df.height() as u64,
            columns,
            pairs,
            row_hashes: {
                let mut hashes = RowHashes::new(ROW_HASH_BUDGET);
                hashes.push_sorted(crate::sorted_row_hashes(df)?);
                hashes
            },
        })
    }

    /// Adds another part of the same table: the same columns, in the same
    /// order, of the same types, except that either part may have more
    /// columns after the other's (columns a later part brought), which are
    /// missing in every row of the narrower part.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let widened;
        let other = if other.columns.len() < self.columns.len() {
            let mut o = other.clone();
            o.widen_to(self)?;
            widened = o;
            &widened
        } else {
            self.widen_to(other)?;
            other
        };
        for (mine, theirs) in self.columns.iter_mut().zip(&other.columns) {
            mine.merge(theirs)?;
        }
        for (mine, theirs) in self.pairs.iter_mut().zip(&other.pairs) {
            mine.merge(theirs);
        }
        self.row_hashes.merge(&other.row_hashes);
        self.rows += other.rows;
        Ok(())
    }

    /// Adds `wider`'s columns past this part's own, missing in each of this
    /// part's rows; this part's columns must begin `wider`'s.
    fn widen_to(&mut self, wider: &Self) -> Result<()> {
        let extra = wider.columns.get(self.columns.len()..).unwrap_or_default();
        if extra.is_empty() {
            return Ok(());
        }
        let fits = self
            .columns
            .iter()
            .zip(&wider.columns)
            .all(|(a, b)| (&a.name, &a.dtype) == (&b.name, &b.dtype));
        if !fits {
            return Err(Error::Invalid(format!(
                "a part with columns {} cannot merge with one with columns {}",
                self.column_list(),
                wider.column_list()
            )));
        }
        let numeric_before = self.numeric_columns();
        for c in extra {
            let empty = Column::full_null(c.name.as_str().into(), self.rows as usize, &c.dtype);
            self.columns.push(ColumnSummary::of(&empty)?);
        }
        // The pairs are laid out by the count of numeric columns: lay them
        // out again, the new column's pairs empty.
        let m = self.numeric_columns();
        let mut pairs = vec![CoMoments::default(); m * m.saturating_sub(1) / 2];
        for a in 0..numeric_before {
            for b in a + 1..numeric_before {
                pairs[pair_index(m, a, b)] = self.pairs[pair_index(numeric_before, a, b)];
            }
        }
        self.pairs = pairs;
        Ok(())
    }

    /// The first columns, with their types, for errors.
    fn column_list(&self) -> String {
        let mut shown: Vec<String> = self
            .columns
            .iter()
            .take(5)
            .map(|c| format!("{} ({})", c.name, c.dtype))
            .collect();
        if self.columns.len() > 5 {
            shown.push(format!("… {} in all", self.columns.len()));
        }
        shown.join(", ")
    }

    /// How many columns the co-moments cover.
    fn numeric_columns(&self) -> usize {
        paired_columns(self.columns.iter().map(|c| &c.dtype)).len()
    }

    /// The profile the summary gives, as [`crate::profile_frame`] would
    /// give it where it can: the label, source, confidence and split
    /// columns are checked and kept out as there, kinds can be set, and
    /// alerts are raised from the columns.
    pub fn into_profile(self, source: &str, options: &Options) -> Result<Profile> {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        crate::check_options(&names, source, options)?;
        let aside = [
            &options.source_column,
            &options.confidence_column,
            &options.split_column,
        ];
        let numeric_index = paired_columns(self.columns.iter().map(|c| &c.dtype));
        let mut profile = Profile {
            schema: SCHEMA.to_string(),
            source: source.to_string(),
            rows: self.rows,
            columns: Vec::new(),
            dataset: DatasetFacts {
                duplicate_rows: self.row_hashes.duplicates(),
                numeric_correlations: None,
                categorical_associations: None,
            },
            labels: None,
            images: None,
            alerts: Vec::new(),
            method: Method {
                mode: Mode::Streaming,
                quantile_rank_error: Some(QuantileSketch::new(QUANTILE_K).rank_error()),
                distinct_standard_error: Some(DistinctCounter::standard_error()),
                duplicate_rows_sampled: Some(self.row_hashes.sampled()),
                omitted: OMITTED.iter().map(|s| s.to_string()).collect(),
            },
            skipped: Vec::new(),
        };
        let mut mixed = Vec::new();
        let mut correlated = Vec::new();
        for (i, c) in self.columns.iter().enumerate() {
            if aside.iter().any(|a| a.as_deref() == Some(c.name.as_str())) {
                continue;
            }
            let (column, numeric_share) = c.profile(options.kinds.get(&c.name).copied());
            if let Some(share) = numeric_share {
                mixed.push((c.name.clone(), share));
            }
            let feature = options.label_column.as_deref() != Some(c.name.as_str())
                && !options.not_features.contains(&c.name);
            if feature
                && matches!(column.kind, Kind::Quantitative | Kind::Ordinal)
                && let Some(at) = numeric_index.iter().position(|&n| n == i)
            {
                correlated.push((at, c.name.clone()));
            }
            profile.columns.push(column);
        }
        if correlated.len() >= 2 {
            let m = numeric_index.len();
            let pair = |a: usize, b: usize| pair_index(m, a.min(b), a.max(b));
            profile.dataset.numeric_correlations = Some(CorrelationMatrix {
                columns: correlated.iter().map(|c| c.1.clone()).collect(),
                primary: symmetric(correlated.len(), |i, j| {
                    self.pairs[pair(correlated[i].0, correlated[j].0)].pearson()
                }),
                spearman: None,
            });
        }
        profile.alerts = alerts::alerts(&profile, &mixed);
        Ok(profile)
    }
}

/// Where the pair (a, b), a < b, of `m` numeric columns sits in the upper
/// triangle, row by row.
fn pair_index(m: usize, a: usize, b: usize) -> usize {
    a * m - a * (a + 1) / 2 + (b - a - 1)
}

impl ColumnSummary {
    /// The column's profile, and for strings the share that read as numbers.
    fn profile(&self, kind_override: Option<Kind>) -> (ColumnProfile, Option<f64>) {
        let count = self.rows - self.missing;
        let (held, shortfall) = match &self.values {
            Values::Numbers { frequent, .. } => (frequent.held(), frequent.shortfall()),
            Values::Strings { frequent, .. } | Values::Other { frequent } => {
                (frequent.held(), frequent.shortfall())
            }
        };
        let exact = shortfall == 0;
        let distinct = if exact {
            held as u64
        } else {
            self.distinct.estimate()
        };
        let integer = self.dtype.is_integer();
        let scale = ms_per_unit(&self.dtype);
        let date_only = matches!(self.dtype, DataType::Date);
        let top_values = match &self.values {
            Values::Numbers { frequent, .. } => frequent
                .top(TOP_VALUES)
                .into_iter()
                .map(|(key, count)| {
                    let v = from_order_key(key);
                    let value = match scale {
                        Some(scale) => iso(v * scale, date_only),
                        None if integer => format!("{}", v as i64),
                        None => format!("{v:?}"),
                    };
                    ValueCount { value, count }
                })
                .collect(),
            Values::Strings { frequent, .. } | Values::Other { frequent } => frequent
                .top(TOP_VALUES)
                .into_iter()
                .map(|(value, count)| ValueCount { value, count })
                .collect(),
        };
        let facts = match &self.values {
            Values::Strings {
                lengths,
                spaced,
                images,
                numbers,
                ..
            } => {
                let n = count.max(1) as f64;
                Some(StringFacts {
                    mean_length: lengths.mean(),
                    spaced_share: *spaced as f64 / n,
                    image_share: *images as f64 / n,
                    numeric_share: *numbers as f64 / n,
                })
            }
            _ => None,
        };
        let inferred = infer_kind(&self.name, &self.dtype, count, distinct, facts.as_ref());
        let kind = kind_override.unwrap_or(inferred);
        let (numeric, datetime, text_length) = match &self.values {
            Values::Numbers {
                moments, quantiles, ..
            } => match scale {
                Some(scale) => (
                    None,
                    datetime_stats(moments, quantiles, scale, date_only),
                    None,
                ),
                None => (numeric_stats(moments, quantiles), None, None),
            },
            Values::Strings {
                lengths,
                length_quantiles,
                ..
            } if kind == Kind::Text => (None, None, numeric_stats(lengths, length_quantiles)),
            _ => (None, None, None),
        };
        let profile = ColumnProfile {
            name: self.name.clone(),
            dtype: self.dtype.to_string(),
            kind,
            kind_overridden: kind_override.is_some_and(|k| k != inferred),
            count,
            missing: self.missing,
            distinct,
            distinct_exact: exact,
            top_values,
            top_values_shortfall: shortfall,
            numeric,
            datetime,
            text_length,
        };
        (profile, facts.map(|f| f.numeric_share))
    }
}

/// Numeric statistics from moments (exact) and a quantile sketch
/// (quantiles, outliers and histogram counts estimated from its ranks).
fn numeric_stats(moments: &Moments, sketch: &QuantileSketch) -> Option<NumericStats> {
    if moments.n == 0 {
        return None;
    }
    let q = sketch.quantiles(&[0.05, 0.25, 0.5, 0.75, 0.95]);
    let quantiles = Quantiles {
        p5: q[0],
        p25: q[1],
        p50: q[2],
        p75: q[3],
        p95: q[4],
    };
    let iqr = quantiles.p75 - quantiles.p25;
    let (lo, hi) = (quantiles.p25 - 1.5 * iqr, quantiles.p75 + 1.5 * iqr);
    let n = moments.n as f64;
    // Below lo: the share at or below the largest value under it.
    let r = sketch.ranks(&[next_below(lo), hi]);
    let outliers = (r[0] * n + (1.0 - r[1]) * n).round() as u64;
    let bins = bin_count(moments.n as usize, iqr, moments.min, moments.max);
    Some(NumericStats {
        min: moments.min,
        max: moments.max,
        mean: moments.mean(),
        std: moments.std(),
        skewness: moments.skewness(),
        quantiles,
        zeros: moments.zeros,
        outliers,
        histogram: histogram(sketch, moments, 1.0, bins),
    })
}

fn datetime_stats(
    moments: &Moments,
    sketch: &QuantileSketch,
    scale: f64,
    date_only: bool,
) -> Option<DatetimeStats> {
    if moments.n == 0 {
        return None;
    }
    let bins = if moments.max > moments.min { 30 } else { 1 };
    Some(DatetimeStats {
        min: iso(moments.min * scale, date_only),
        max: iso(moments.max * scale, date_only),
        histogram: histogram(sketch, moments, scale, bins),
    })
}

/// Equal-width bins over [min, max] (edges times `scale`), each count the
/// rows between its edges by the sketch's ranks; the last bin is closed,
/// as in the exact histogram.
fn histogram(sketch: &QuantileSketch, moments: &Moments, scale: f64, bins: usize) -> Histogram {
    let (min, max) = (moments.min, moments.max);
    let shape = stats::histogram_range(std::iter::empty(), min, max, bins);
    let inner: Vec<f64> = shape.edges[1..shape.edges.len() - 1]
        .iter()
        .map(|&e| next_below(e))
        .collect();
    let n = moments.n as f64;
    let mut at_or_below: Vec<f64> = sketch.ranks(&inner).into_iter().map(|r| r * n).collect();
    at_or_below.insert(0, 0.0);
    at_or_below.push(n);
    let cumulative: Vec<u64> = at_or_below.iter().map(|c| c.round() as u64).collect();
    Histogram {
        edges: shape.edges.iter().map(|e| e * scale).collect(),
        counts: cumulative
            .windows(2)
            .map(|w| w[1].saturating_sub(w[0]))
            .collect(),
    }
}

/// The largest double below `x`, so "at or below" it means "below x".
fn next_below(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return x;
    }
    if x == 0.0 {
        return -f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits - 1 } else { bits + 1 })
}

/// Profiles a table file in batches, in memory bounded by a batch and the
/// summaries (a few hundred kilobytes per column), whatever its size.
pub fn profile_table_streaming(path: &std::path::Path, options: &Options) -> Result<Profile> {
    let part = TablePart::File(path.to_path_buf());
    profile_parts_streaming(std::slice::from_ref(&part), &part.shown(), options)
}

/// Streams a table split over parts (a lake prefix's objects): each part is
/// summarised on its own and the summaries merged, as separate machines
/// could. A part that cannot be read, or whose columns neither begin nor
/// extend the parts' before it, is left out and named in `skipped`; when
/// none can be read the first one's reason is the error.
pub fn profile_parts_streaming(
    parts: &[TablePart],
    source: &str,
    options: &Options,
) -> Result<Profile> {
    let mut whole: Option<TableSummary> = None;
    let mut skipped = Vec::new();
    for part in parts {
        let summary = part
            .fold_batches(BATCH_ROWS, || None, fold_summary)
            .and_then(|summary| summary.ok_or_else(|| "the table has no rows".to_owned()))
            .and_then(|summary| match &mut whole {
                Some(w) => w.merge(&summary).map_err(|e| e.to_string()),
                None => {
                    whole = Some(summary);
                    Ok(())
                }
            });
        if let Err(reason) = summary {
            skipped.push(Unreadable {
                path: part.shown(),
                reason,
            });
        }
    }
    match whole {
        Some(summary) => {
            let mut profile = summary.into_profile(source, options)?;
            profile.skipped = skipped;
            Ok(profile)
        }
        None => Err(unread(source, skipped)),
    }
}

/// Adds a batch to the summary of the batches before it.
fn fold_summary(
    whole: &mut Option<TableSummary>,
    batch: DataFrame,
) -> std::result::Result<(), String> {
    let part = TableSummary::of_batch(&batch).map_err(|e| e.to_string())?;
    match whole {
        Some(w) => w.merge(&part).map_err(|e| e.to_string()),
        None => {
            *whole = Some(part);
            Ok(())
        }
    }
}

/// The error when no part of a table could be read: the first part's.
pub(crate) fn unread(source: &str, skipped: Vec<Unreadable>) -> Error {
    match skipped.into_iter().next() {
        Some(first) => Error::Read {
            path: first.path,
            reason: first.reason,
        },
        None => Error::Read {
            path: source.to_owned(),
            reason: "no table files (.csv, .parquet, .jsonl) found".into(),
        },
    }
}
