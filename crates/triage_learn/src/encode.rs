//! Table columns to features in two passes over a table's chunks, so a
//! table of any height is encoded without ever being one frame: the first
//! pass ([`TableFit`]) learns what each column holds, the second
//! ([`TableEncoder`]) encodes each chunk alone.
//!
//! - Numeric columns are standardised; a missing value becomes 0 and sets
//!   a missing-value flag column.
//! - Text columns are one-hot on their most frequent values, with an
//!   "other" column; a column whose values never repeat is an identifier
//!   and is left out, since it cannot generalise.
//! - Free-text columns become their hashed TF-IDF, sketched to
//!   [`TEXT_COLUMN_DIMS`] standardised columns.
//! - A list column of numbers (an embedding, e.g. CLIP vectors) is used as
//!   is.

use std::collections::HashMap;

use ndarray::Array2;
use polars::prelude::*;

use crate::text::{self, Idf};
use crate::{Error, Features, Result};

/// How many values of a text column get their own one-hot column.
pub const TOP_VALUES: usize = 10;

/// Each free-text column becomes this many features: its hashed TF-IDF,
/// sketched down (see [`crate::text::sketch`]).
pub const TEXT_COLUMN_DIMS: usize = 64;

/// Distinct values of a string column counted in the first pass; values
/// first seen after that are "other". A column whose counted values never
/// repeat is taken for an identifier.
const COUNTED_VALUES: usize = 100_000;

/// What a column's values add up to over the first pass.
enum Stats {
    /// Only nulls so far.
    Empty,
    /// Count, mean and sum of squared deviations of the finite values.
    Numeric {
        n: u64,
        mean: f64,
        m2: f64,
    },
    Categorical {
        counts: HashMap<String, u64>,
        uncounted: u64,
    },
    Text(Idf),
    /// How many rows have a vector of each length.
    Embedding(HashMap<usize, u64>),
    /// A type that carries no usable signal (nested or binary data).
    Unused,
}

struct ColumnFit {
    name: String,
    dtype: DataType,
    stats: Stats,
    /// Rows where the value is null, not finite, or of another length.
    missing: u64,
}

/// The first pass over a table's chunks. Each column's type is widened
/// across chunks as polars would join them; when a later chunk widens a
/// column the statistics so far are of the wrong type, so the pass must
/// be run again from [`TableFit::again`], which starts from the wider
/// types.
pub struct TableFit {
    skip: Vec<String>,
    text_columns: Vec<String>,
    columns: Vec<ColumnFit>,
    rows: u64,
    widened: bool,
}

fn cast_err(name: &str, e: PolarsError) -> Error {
    Error::Features(format!("column {name}: {e}"))
}

fn is_numeric(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric() || dtype.is_bool() || dtype.is_temporal()
}

/// The type a column of both types is read as: numbers widen to `f64`,
/// lists of numbers to lists of `f64`, and anything else mixed to text.
fn wider(a: &DataType, b: &DataType) -> DataType {
    match (a, b) {
        _ if a == b => a.clone(),
        (DataType::Null, other) | (other, DataType::Null) => other.clone(),
        _ if is_numeric(a) && is_numeric(b) => DataType::Float64,
        (DataType::List(x), DataType::List(y))
            if x.is_primitive_numeric() && y.is_primitive_numeric() =>
        {
            DataType::List(Box::new(DataType::Float64))
        }
        _ => DataType::String,
    }
}

impl TableFit {
    /// A pass that leaves out `skip` and reads the string columns named in
    /// `text_columns` as free text.
    pub fn new(skip: &[String], text_columns: &[String]) -> Self {
        Self {
            skip: skip.to_vec(),
            text_columns: text_columns.to_vec(),
            columns: Vec::new(),
            rows: 0,
            widened: false,
        }
    }

    /// A later chunk widened a column: this pass must be run again.
    pub fn widened(&self) -> bool {
        self.widened
    }

    /// A fresh pass that starts from the types this one widened to.
    pub fn again(&self) -> Self {
        let mut next = Self::new(&self.skip, &self.text_columns);
        next.columns = self
            .columns
            .iter()
            .map(|c| ColumnFit {
                name: c.name.clone(),
                dtype: c.dtype.clone(),
                stats: next.stats_for(&c.name, &c.dtype),
                missing: 0,
            })
            .collect();
        next
    }

    fn stats_for(&self, name: &str, dtype: &DataType) -> Stats {
        match dtype {
            DataType::Null => Stats::Empty,
            dt if is_numeric(dt) => Stats::Numeric {
                n: 0,
                mean: 0.0,
                m2: 0.0,
            },
            DataType::String if self.text_columns.iter().any(|t| t == name) => {
                Stats::Text(Idf::default())
            }
            DataType::String => Stats::Categorical {
                counts: HashMap::new(),
                uncounted: 0,
            },
            DataType::List(inner) if inner.is_primitive_numeric() => {
                Stats::Embedding(HashMap::new())
            }
            _ => Stats::Unused,
        }
    }

    /// Adds one chunk.
    pub fn add(&mut self, chunk: &DataFrame) -> Result<()> {
        let height = chunk.height() as u64;
        for col in &mut self.columns {
            if chunk.column(&col.name).is_err() {
                col.missing += height;
            }
        }
        for column in chunk.columns() {
            let name = column.name().as_str();
            if self.skip.iter().any(|s| s == name) {
                continue;
            }
            let series = column.as_materialized_series();
            let k = match self.columns.iter().position(|c| c.name == name) {
                Some(k) => k,
                None => {
                    // A column first seen now was missing from every row before.
                    self.columns.push(ColumnFit {
                        name: name.to_owned(),
                        dtype: DataType::Null,
                        stats: Stats::Empty,
                        missing: self.rows,
                    });
                    self.columns.len() - 1
                }
            };
            let seen = self.columns[k].dtype.clone();
            let dtype = series.dtype();
            if dtype != &seen && !dtype.is_null() {
                let wider = wider(&seen, dtype);
                if is_numeric(&seen) && is_numeric(&wider) {
                    // Numbers are summed as f64 whatever their type.
                    self.columns[k].dtype = wider;
                } else if wider != seen {
                    self.widened |= !seen.is_null();
                    let stats = self.stats_for(name, &wider);
                    let col = &mut self.columns[k];
                    col.dtype = wider;
                    col.stats = stats;
                }
            }
            let col = &mut self.columns[k];
            let series = series.cast(&col.dtype).map_err(|e| cast_err(name, e))?;
            col.add(&series)?;
        }
        self.rows += height;
        Ok(())
    }

    /// The encoding the pass found.
    pub fn finish(self) -> TableEncoder {
        let rows = self.rows;
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for c in self.columns {
            let flag = c.missing > 0;
            let code = match c.stats {
                Stats::Empty | Stats::Unused => continue,
                Stats::Numeric { n: 0, .. } => continue,
                Stats::Numeric { n, mean, m2 } => {
                    let var = m2 / n as f64;
                    let std = if var > 0.0 { var.sqrt() } else { 1.0 };
                    names.push(c.name.clone());
                    Code::Numeric { mean, std }
                }
                Stats::Categorical { counts, uncounted } => {
                    let present = rows - c.missing;
                    if present > 1 && counts.values().all(|&n| n == 1) {
                        continue; // no value repeats: an identifier
                    }
                    let distinct = counts.len() + usize::from(uncounted > 0);
                    let mut top: Vec<(String, u64)> = counts.into_iter().collect();
                    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    let kept: Vec<String> = top.into_iter().take(TOP_VALUES).map(|t| t.0).collect();
                    names.extend(kept.iter().map(|v| format!("{}={v}", c.name)));
                    let other = distinct > kept.len();
                    if other {
                        names.push(format!("{}:other", c.name));
                    }
                    Code::Categorical { kept, other }
                }
                Stats::Text(idf) => {
                    names.extend((0..TEXT_COLUMN_DIMS).map(|j| format!("{}~{j}", c.name)));
                    Code::Text {
                        idf: idf.weights(),
                        projection: text::projection(TEXT_COLUMN_DIMS),
                    }
                }
                Stats::Embedding(lengths) => {
                    // The length most rows have; rows of another length
                    // count as missing.
                    let Some((&dim, _)) =
                        lengths.iter().max_by_key(|(len, count)| (**count, **len))
                    else {
                        continue;
                    };
                    names.extend((0..dim).map(|j| format!("{}[{j}]", c.name)));
                    let flag = c.missing > 0 || lengths.len() > 1;
                    if flag {
                        names.push(format!("{}:missing", c.name));
                    }
                    columns.push(ColumnCode {
                        name: c.name,
                        dtype: c.dtype,
                        code: Code::Embedding { dim },
                        flag,
                    });
                    continue;
                }
            };
            if flag {
                names.push(format!("{}:missing", c.name));
            }
            columns.push(ColumnCode {
                name: c.name,
                dtype: c.dtype,
                code,
                flag,
            });
        }
        TableEncoder { columns, names }
    }
}

impl ColumnFit {
    fn add(&mut self, series: &Series) -> Result<()> {
        let name = &self.name;
        match &mut self.stats {
            Stats::Empty | Stats::Unused => self.missing += series.null_count() as u64,
            Stats::Numeric { n, mean, m2 } => {
                let values = series
                    .cast(&DataType::Float64)
                    .map_err(|e| cast_err(name, e))?;
                for v in values.f64().map_err(|e| cast_err(name, e))?.iter() {
                    match v.filter(|v| v.is_finite()) {
                        Some(v) => {
                            // Welford's update: stable over millions of rows.
                            *n += 1;
                            let delta = v - *mean;
                            *mean += delta / *n as f64;
                            *m2 += delta * (v - *mean);
                        }
                        None => self.missing += 1,
                    }
                }
            }
            Stats::Categorical { counts, uncounted } => {
                for v in series.str().map_err(|e| cast_err(name, e))?.iter() {
                    match v {
                        None => self.missing += 1,
                        Some(v) => {
                            let room = counts.len() < COUNTED_VALUES;
                            match counts.get_mut(v) {
                                Some(n) => *n += 1,
                                None if room => {
                                    counts.insert(v.to_owned(), 1);
                                }
                                None => *uncounted += 1,
                            }
                        }
                    }
                }
            }
            Stats::Text(idf) => {
                for v in series.str().map_err(|e| cast_err(name, e))?.iter() {
                    match v {
                        None => self.missing += 1,
                        Some(v) => idf.add(&text::terms(v)),
                    }
                }
            }
            Stats::Embedding(lengths) => {
                for v in series
                    .list()
                    .map_err(|e| cast_err(name, e))?
                    .amortized_iter()
                {
                    match v {
                        None => self.missing += 1,
                        Some(v) => *lengths.entry(v.as_ref().len()).or_default() += 1,
                    }
                }
            }
        }
        Ok(())
    }
}

enum Code {
    Numeric {
        mean: f64,
        std: f64,
    },
    Categorical {
        kept: Vec<String>,
        other: bool,
    },
    /// Sketched raw; standardised over every row by [`TableEncoder::finish`].
    Text {
        idf: Vec<f64>,
        projection: Array2<f64>,
    },
    Embedding {
        dim: usize,
    },
}

impl Code {
    fn width(&self) -> usize {
        match self {
            Self::Numeric { .. } => 1,
            Self::Categorical { kept, other } => kept.len() + usize::from(*other),
            Self::Text { .. } => TEXT_COLUMN_DIMS,
            Self::Embedding { dim } => *dim,
        }
    }
}

struct ColumnCode {
    name: String,
    dtype: DataType,
    code: Code,
    /// A missing-value flag column follows the column's own.
    flag: bool,
}

/// The second pass: encodes any chunk of the table the [`TableFit`] saw.
pub struct TableEncoder {
    columns: Vec<ColumnCode>,
    names: Vec<String>,
}

impl TableEncoder {
    /// The feature names, one per column of the encoding.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The chunk's rows encoded. Free-text columns are left unstandardised
    /// until [`TableEncoder::finish`] sees every row.
    pub fn encode(&self, chunk: &DataFrame) -> Result<Features> {
        let mut x = Features::zeros((chunk.height(), self.names.len()));
        let mut at = 0;
        for c in &self.columns {
            let width = c.code.width();
            let series = match chunk.column(&c.name) {
                Ok(col) => Some(
                    col.as_materialized_series()
                        .cast(&c.dtype)
                        .map_err(|e| cast_err(&c.name, e))?,
                ),
                Err(_) => None,
            };
            let missing = c.encode(series.as_ref(), &mut x, at)?;
            if c.flag {
                for (i, m) in missing.into_iter().enumerate() {
                    x[[i, at + width]] = f32::from(u8::from(m));
                }
            }
            at += width + usize::from(c.flag);
        }
        Ok(x)
    }

    /// Standardises the free-text columns over every row of `x`, the
    /// whole table's encoding.
    pub fn finish(&self, x: &mut Features) {
        let mut at = 0;
        for c in &self.columns {
            let width = c.code.width();
            if matches!(c.code, Code::Text { .. }) {
                for j in at..at + width {
                    let mut col = x.column_mut(j);
                    let n = col.len().max(1) as f64;
                    let mean = col.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
                    let var = col
                        .iter()
                        .map(|&v| (f64::from(v) - mean).powi(2))
                        .sum::<f64>()
                        / n;
                    let std = var.sqrt();
                    col.mapv_inplace(|v| {
                        if std > 1e-12 {
                            ((f64::from(v) - mean) / std) as f32
                        } else {
                            0.0
                        }
                    });
                }
            }
            at += width + usize::from(c.flag);
        }
    }
}

impl ColumnCode {
    /// Writes the column's features at `at`; returns which rows are missing.
    fn encode(&self, series: Option<&Series>, x: &mut Features, at: usize) -> Result<Vec<bool>> {
        let rows = x.nrows();
        let Some(series) = series else {
            return Ok(vec![true; rows]);
        };
        let name = &self.name;
        let mut missing = Vec::with_capacity(rows);
        match &self.code {
            Code::Numeric { mean, std } => {
                let values = series
                    .cast(&DataType::Float64)
                    .map_err(|e| cast_err(name, e))?;
                for (i, v) in values
                    .f64()
                    .map_err(|e| cast_err(name, e))?
                    .iter()
                    .enumerate()
                {
                    let v = v.filter(|v| v.is_finite());
                    x[[i, at]] = v.map_or(0.0, |v| ((v - mean) / std) as f32);
                    missing.push(v.is_none());
                }
            }
            Code::Categorical { kept, other } => {
                for (i, v) in series
                    .str()
                    .map_err(|e| cast_err(name, e))?
                    .iter()
                    .enumerate()
                {
                    if let Some(v) = v {
                        match kept.iter().position(|k| k == v) {
                            Some(j) => x[[i, at + j]] = 1.0,
                            None if *other => x[[i, at + kept.len()]] = 1.0,
                            None => {}
                        }
                    }
                    missing.push(v.is_none());
                }
            }
            Code::Text { idf, projection } => {
                for (i, v) in series
                    .str()
                    .map_err(|e| cast_err(name, e))?
                    .iter()
                    .enumerate()
                {
                    if let Some(v) = v {
                        for (b, w) in text::tfidf(&text::terms(v), idf) {
                            for (j, p) in projection.row(b).iter().enumerate() {
                                x[[i, at + j]] += (w * p) as f32;
                            }
                        }
                    }
                    missing.push(v.is_none());
                }
            }
            Code::Embedding { dim } => {
                let lists = series
                    .cast(&DataType::List(Box::new(DataType::Float64)))
                    .map_err(|e| cast_err(name, e))?;
                let lists = lists.list().map_err(|e| cast_err(name, e))?;
                for (i, v) in lists.amortized_iter().enumerate() {
                    let values = v.and_then(|v| {
                        v.as_ref()
                            .f64()
                            .ok()
                            .filter(|ca| ca.len() == *dim)
                            .map(|ca| ca.iter().map(|v| v.unwrap_or(0.0)).collect::<Vec<_>>())
                    });
                    if let Some(values) = &values {
                        for (j, v) in values.iter().enumerate() {
                            x[[i, at + j]] = *v as f32;
                        }
                    }
                    missing.push(values.is_none());
                }
            }
        }
        Ok(missing)
    }
}

/// A table's columns as features, one row per table row, in one pass each
/// over the whole frame. String columns named in `text_columns` (free text,
/// as the profile finds it) give text features; other strings are one-hot
/// on their top values.
pub fn table_matrix(
    df: &DataFrame,
    skip: &[String],
    text_columns: &[String],
) -> Result<(Features, Vec<String>)> {
    let mut fit = TableFit::new(skip, text_columns);
    fit.add(df)?;
    let encoder = fit.finish();
    let mut x = encoder.encode(df)?;
    encoder.finish(&mut x);
    Ok((x, encoder.names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_features_handle_numbers_text_missing_and_ids() {
        let df = df!(
            "id" => ["a", "b", "c", "d"],
            "x" => [Some(1.0), Some(3.0), None, Some(2.0)],
            "kind" => [Some("cat"), Some("dog"), Some("cat"), None],
            "label" => ["p", "q", "p", "q"],
        )
        .unwrap();
        let (x, names) = table_matrix(&df, &["label".to_string()], &[]).unwrap();
        assert_eq!(
            names,
            ["x", "x:missing", "kind=cat", "kind=dog", "kind:missing"]
        );
        assert_eq!(x.dim(), (4, 5));
        // x: mean 2, std sqrt(2/3); the missing value is 0 and flagged.
        let s = (2.0f64 / 3.0).sqrt();
        assert!((f64::from(x[[0, 0]]) + 1.0 / s).abs() < 1e-6);
        assert_eq!((x[[2, 0]], x[[2, 1]]), (0.0, 1.0));
        assert_eq!(x.row(3).to_vec(), vec![0.0, 0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn free_text_columns_give_text_features() {
        let df = df!(
            "note" => [Some("late goal wins the derby"), Some("a late goal in the derby"), None, Some("rates rise at the bank")],
            "kind" => ["a", "a", "b", "b"],
        )
        .unwrap();
        let (x, names) = table_matrix(&df, &[], &["note".to_string()]).unwrap();
        assert_eq!(names.len(), TEXT_COLUMN_DIMS + 1 + 2);
        assert_eq!(names[0], "note~0");
        assert_eq!(names[TEXT_COLUMN_DIMS], "note:missing");
        assert_eq!(x.dim(), (4, TEXT_COLUMN_DIMS + 3));
        let dist = |a: usize, b: usize| {
            (0..TEXT_COLUMN_DIMS)
                .map(|j| (x[[a, j]] - x[[b, j]]).powi(2))
                .sum::<f32>()
        };
        assert!(dist(0, 1) < dist(0, 3), "texts on one topic are near");
    }

    #[test]
    fn embedding_columns_are_used_as_is() {
        let e: ListChunked = [Some(vec![0.5f64, -1.0]), Some(vec![2.0, 3.0]), None]
            .into_iter()
            .map(|v| v.map(|v| Series::new("".into(), v)))
            .collect();
        let df = DataFrame::new_infer_height(vec![e.into_series().with_name("emb".into()).into()])
            .unwrap();
        let (x, names) = table_matrix(&df, &[], &[]).unwrap();
        assert_eq!(names, ["emb[0]", "emb[1]", "emb:missing"]);
        assert_eq!(x.row(0).to_vec(), vec![0.5, -1.0, 0.0]);
        assert_eq!(x.row(2).to_vec(), vec![0.0, 0.0, 1.0]);
    }

    /// The encoding of a table read in chunks: the first pass run again
    /// when a chunk widened a column, as callers do.
    fn chunked(chunks: &[DataFrame], skip: &[String]) -> (Features, Vec<String>, usize) {
        let mut fit = TableFit::new(skip, &[]);
        let mut passes = 0;
        let encoder = loop {
            passes += 1;
            for c in chunks {
                fit.add(c).unwrap();
            }
            if !fit.widened() {
                break fit.finish();
            }
            fit = fit.again();
        };
        let parts: Vec<Features> = chunks.iter().map(|c| encoder.encode(c).unwrap()).collect();
        let views: Vec<_> = parts.iter().map(Features::view).collect();
        let x = ndarray::concatenate(ndarray::Axis(0), &views).unwrap();
        (x, encoder.names().to_vec(), passes)
    }

    #[test]
    fn chunks_encode_as_the_whole_table_does() {
        let df = df!(
            "id" => ["a", "b", "c", "d", "e", "f"],
            "x" => [Some(1.0), Some(3.0), None, Some(2.0), Some(7.5), Some(-1.0)],
            "kind" => [Some("cat"), Some("dog"), Some("cat"), None, Some("eel"), Some("cat")],
        )
        .unwrap();
        let (whole, names, _) = chunked(std::slice::from_ref(&df), &[]);
        let parts = [df.slice(0, 2), df.slice(2, 1), df.slice(3, 3)];
        let (x, chunk_names, passes) = chunked(&parts, &[]);
        assert_eq!((chunk_names, passes), (names, 1));
        assert!(
            whole.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-6),
            "{whole} != {x}"
        );
    }

    #[test]
    fn a_chunk_that_widens_a_column_makes_the_pass_run_again() {
        // `v` is a number in the first chunk and text in the second, so
        // the column is text (as polars would join them), counted from the
        // first row; `w` is only null at first, which needs no second pass.
        let first = df!("v" => [1i64, 2, 2], "w" => [None::<f64>, None, None]).unwrap();
        let second = df!("v" => ["2", "x", "x"], "w" => [1.0, 2.0, 3.0]).unwrap();
        let (x, names, passes) = chunked(&[first, second], &[]);
        assert_eq!(passes, 2);
        assert_eq!(names, ["v=2", "v=x", "v=1", "w", "w:missing"]);
        assert_eq!(x.column(0).to_vec(), [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(x.column(4).to_vec(), [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_column_that_never_repeats_past_the_count_is_an_identifier() {
        let ids: Vec<String> = (0..COUNTED_VALUES + 10).map(|i| format!("r{i}")).collect();
        let df = df!("id" => ids).unwrap();
        let (x, names, _) = chunked(&[df], &[]);
        assert!(names.is_empty());
        assert_eq!(x.ncols(), 0);
    }
}
