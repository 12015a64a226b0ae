//! Tables (CSV, Parquet, JSON Lines), read through polars into one item per
//! row.
//!
//! polars stops at the first bad row and cannot say which rows it would have
//! skipped, so text formats get a cheap validation pass first: each ragged
//! row, invalid UTF-8 sequence or bad JSON line is reported with its position
//! and left out, and polars reads what is left. When nothing is wrong, polars
//! reads the original bytes untouched.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;
use std::num::NonZeroUsize;
use std::path::Path;

use polars::prelude::*;

use triage_core::TEXT_KEY;

use crate::Report;

/// CSV cells that mean "missing", as R, pandas and spreadsheets write it.
/// Without them a numeric column with one `NA` would be read as text.
pub const NULL_MARKERS: [&str; 6] = ["", "NA", "N/A", "NaN", "nan", "null"];

fn null_markers() -> Vec<PlSmallStr> {
    NULL_MARKERS.iter().map(|m| PlSmallStr::from(*m)).collect()
}

/// One row, ready to become an item.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// The row's 0-based position among the data rows of its file.
    pub index: i64,
    /// The id column's value.
    pub external_id: Option<String>,
    /// The label column's value.
    pub label: Option<String>,
    /// The whole row as a JSON object, in column order.
    pub payload: String,
}

/// The table formats Triage reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// One JSON object per line.
    JsonLines,
}

impl TableFormat {
    /// The format a file's ending names, if any.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "parquet" | "pq" => Some(Self::Parquet),
            "jsonl" | "ndjson" => Some(Self::JsonLines),
            _ => None,
        }
    }
}

/// Which columns carry the id and the label.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// The column whose value identifies a row.
    pub id_column: Option<String>,
    /// The column whose value is a row's class name.
    pub label_column: Option<String>,
    /// The column whose value is a row's text: the row becomes a text item,
    /// its payload a Ground Truth text manifest line (the text under
    /// `source`, the other columns after it).
    pub text_column: Option<String>,
}

/// Reads a table file into rows, reporting what it skipped.
pub fn read_table(path: &Path, options: &TableOptions) -> (Vec<TableRow>, Report) {
    let (rows, mut report) = open_table(path, options);
    let mut all = Vec::new();
    if let Some(mut rows) = rows {
        while let Some(batch) = rows.next_batch(usize::MAX, &mut report) {
            all.extend(batch);
        }
    }
    (all, report)
}

/// How many bytes of a CSV or JSON Lines file an import checks and parses
/// at a time: a window of whole records (grown where one record is
/// longer), so an import holds a window, not the file.
const WINDOW: usize = 16 << 20;

/// Reads a table file for an import: its rows come out in batches, and a
/// CSV or JSON Lines file is read a window at a time, so neither the file
/// nor its payloads are ever all in memory at once. `None` when the file
/// cannot be read at all (the report says why).
pub fn open_table(path: &Path, options: &TableOptions) -> (Option<TableRows>, Report) {
    open_in_windows(path, options, WINDOW)
}

fn open_in_windows(
    path: &Path,
    options: &TableOptions,
    window: usize,
) -> (Option<TableRows>, Report) {
    let mut report = Report::default();
    let shown = path.display().to_string();
    let Some(format) = TableFormat::from_path(path) else {
        report.file(
            &shown,
            "unknown table format (expected .csv, .parquet or .jsonl)",
        );
        return (None, report);
    };
    let frames = match format {
        TableFormat::Parquet => {
            guarded(|| read_parquet(path).map_err(|e| format!("cannot read Parquet: {e}")))
                .map(|df| Frames::Whole(Some(df)))
        }
        TableFormat::Csv | TableFormat::JsonLines => std::fs::File::open(path)
            .and_then(|file| TextWindows::new(file, format, window))
            .map(|windows| Frames::Text(Box::new(windows)))
            .map_err(|e| format!("cannot read: {e}")),
    };
    match frames {
        Err(reason) => {
            report.file(&shown, reason);
            (None, report)
        }
        Ok(frames) => {
            let rows = TableRows::new(shown, frames, options, &mut report);
            (rows, report)
        }
    }
}

/// A Parquet object in the lake, read where it is by polars' cloud scan:
/// the footer first, then only the byte ranges of the row groups, so a
/// profile streams it in bounded memory and nothing is downloaded whole.
/// (CSV and JSON Lines cannot be read in parts: fetch them to a file and
/// read that, with the checks a local file gets.)
#[derive(Debug, Clone)]
pub struct RemoteParquet {
    /// Its `s3://bucket/key` address.
    pub url: String,
    /// How polars reaches it: endpoint, region, sign-in.
    pub cloud: polars::io::cloud::CloudOptions,
}

impl RemoteParquet {
    fn scan(&self) -> PolarsResult<LazyFrame> {
        let args = ScanArgsParquet {
            cloud_options: Some(self.cloud.clone()),
            // One object is one part: no globbing, and no columns made
            // from `key=value` folders in its path.
            glob: false,
            hive_options: HiveOptions::new_disabled(),
            ..ScanArgsParquet::default()
        };
        LazyFrame::scan_parquet(PlRefPath::new(self.url.as_str()), args)
    }

    /// The whole object as one frame.
    pub fn read_frame(&self) -> Result<DataFrame, String> {
        guarded(|| {
            self.scan()
                .and_then(LazyFrame::collect)
                .map_err(|e| format!("cannot read Parquet: {e}"))
        })
    }

    /// The object's rows for an import, as [`open_table`] gives a file's.
    pub fn open(&self, options: &TableOptions) -> (Option<TableRows>, Report) {
        let mut report = Report::default();
        match self.read_frame() {
            Err(reason) => {
                report.file(&self.url, reason);
                (None, report)
            }
            Ok(df) => {
                let rows = TableRows::new(
                    self.url.clone(),
                    Frames::Whole(Some(df)),
                    options,
                    &mut report,
                );
                (rows, report)
            }
        }
    }

    /// Folds the object's batches as [`fold_batches`] folds a file's;
    /// polars fetches row groups as the batches are taken.
    pub fn fold_batches<S>(
        &self,
        rows: usize,
        start: impl Fn() -> S,
        mut fold: impl FnMut(&mut S, DataFrame) -> Result<(), String>,
    ) -> Result<S, String> {
        stream(
            self.scan(),
            NonZeroUsize::new(rows.max(1)),
            start(),
            &mut fold,
        )
        .map_err(|e| match e {
            StreamError::Polars(e) => format!("cannot read Parquet: {e}"),
            StreamError::Fold(reason) => reason,
        })
    }
}

/// One part of a table that may be split over many files or objects (a
/// lake prefix): a local file, or a Parquet object read where it is.
#[derive(Debug, Clone)]
pub enum TablePart {
    /// A CSV, Parquet or JSON Lines file.
    File(std::path::PathBuf),
    /// An object of the lake fetched to a local file, read as the file and
    /// named by its address.
    Fetched {
        /// The local copy.
        path: std::path::PathBuf,
        /// The object's `s3://` address.
        url: String,
    },
    /// A Parquet object in the lake, read where it is.
    Remote(RemoteParquet),
}

impl TablePart {
    /// How reports name it: the file's path or the object's address.
    pub fn shown(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Fetched { url, .. } => url.clone(),
            Self::Remote(object) => object.url.clone(),
        }
    }

    /// The part as one frame ([`read_frame`]).
    pub fn read_frame(&self) -> Result<DataFrame, String> {
        match self {
            Self::File(path) | Self::Fetched { path, .. } => read_frame(path),
            Self::Remote(object) => object.read_frame(),
        }
    }

    /// The part's rows for an import ([`open_table`]); problems name the
    /// part as [`Self::shown`] does.
    pub fn open(&self, options: &TableOptions) -> (Option<TableRows>, Report) {
        match self {
            Self::File(path) => open_table(path, options),
            Self::Fetched { path, url } => {
                let (mut rows, mut report) = open_table(path, options);
                let local = path.display().to_string();
                for problem in report.problems.iter_mut().filter(|p| p.file == local) {
                    problem.file = url.clone();
                }
                if let Some(rows) = &mut rows {
                    rows.file = url.clone();
                }
                (rows, report)
            }
            Self::Remote(object) => object.open(options),
        }
    }

    /// The part in batches ([`fold_batches`]).
    pub fn fold_batches<S>(
        &self,
        rows: usize,
        start: impl Fn() -> S,
        fold: impl FnMut(&mut S, DataFrame) -> Result<(), String>,
    ) -> Result<S, String> {
        match self {
            Self::File(path) | Self::Fetched { path, .. } => fold_batches(path, rows, start, fold),
            Self::Remote(object) => object.fold_batches(rows, start, fold),
        }
    }
}

/// Reads a whole CSV, Parquet or JSON Lines file into one frame, as fast
/// as polars reads it (a lazy scan; types from the first 100 rows, dates
/// parsed), for profiles and views that need the columns rather than one
/// item per row. Stops at the first bad row; the error names its position
/// where it can be found.
pub fn read_frame(path: &Path) -> Result<DataFrame, String> {
    if !path.is_file() {
        return Err("no such file".into());
    }
    let format = TableFormat::from_path(path)
        .ok_or("unknown table format (expected .csv, .parquet or .jsonl)")?;
    let pl_path = PlRefPath::try_from_path(path).map_err(|e| e.to_string())?;
    guarded(|| match format {
        TableFormat::Csv => {
            check_quotes(
                std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?,
                1,
            )?;
            // Types are inferred from the first 100 rows (polars' default;
            // a longer window makes polars read far slower). A column whose
            // type changes later fails to parse, and is read again with the
            // whole file inferred, which makes it text (or float).
            csv_scan(&pl_path, Some(100))
                .and_then(LazyFrame::collect)
                .or_else(|first| match first {
                    PolarsError::ComputeError(_) => {
                        csv_scan(&pl_path, None).and_then(LazyFrame::collect)
                    }
                    e => Err(e),
                })
                .map_err(|e| locate(path, format, e))
        }
        TableFormat::Parquet => read_parquet(path),
        TableFormat::JsonLines => LazyJsonLineReader::new(pl_path)
            .finish()
            .and_then(|lf| lf.collect())
            .map_err(|e| locate(path, format, e)),
    })
}

/// The one CSV scan of a whole file: header, null markers, dates, and types
/// from the first `infer` rows (`None`: all of them).
fn csv_scan(path: &PlRefPath, infer: Option<usize>) -> PolarsResult<LazyFrame> {
    LazyCsvReader::new(path.clone())
        .with_has_header(true)
        .with_try_parse_dates(true)
        .with_infer_schema_length(infer)
        .with_null_values(Some(NullValues::AllColumns(null_markers())))
        .finish()
}

/// Reads a table as [`read_frame`] does, but in batches of about `rows`
/// rows through polars' streaming engine, so memory stays bounded by a
/// batch whatever the file's size. Each batch is folded into a state made
/// by `start`; when a CSV column changes type after the first rows, the
/// fold starts again from a fresh state with every row inferred, as
/// [`read_frame`] reads it again. Parquet is read whole first (see
/// [`read_parquet`]) and then handed out in batches.
pub fn fold_batches<S>(
    path: &Path,
    rows: usize,
    start: impl Fn() -> S,
    mut fold: impl FnMut(&mut S, DataFrame) -> Result<(), String>,
) -> Result<S, String> {
    if !path.is_file() {
        return Err("no such file".into());
    }
    let format = TableFormat::from_path(path)
        .ok_or("unknown table format (expected .csv, .parquet or .jsonl)")?;
    let pl_path = PlRefPath::try_from_path(path).map_err(|e| e.to_string())?;
    let rows = NonZeroUsize::new(rows.max(1));
    match format {
        TableFormat::Parquet => {
            let frame = guarded(|| read_parquet(path))?;
            let mut state = start();
            let size = rows.map_or(1, NonZeroUsize::get);
            for offset in (0..frame.height()).step_by(size) {
                fold(&mut state, frame.slice(offset as i64, size))?;
            }
            Ok(state)
        }
        TableFormat::JsonLines => {
            let scan = LazyJsonLineReader::new(pl_path).finish();
            stream(scan, rows, start(), &mut fold).map_err(|e| e.located(path, format))
        }
        TableFormat::Csv => {
            check_quotes(
                std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?,
                1,
            )?;
            match stream(csv_scan(&pl_path, Some(100)), rows, start(), &mut fold) {
                Err(StreamError::Polars(PolarsError::ComputeError(_))) => {
                    stream(csv_scan(&pl_path, None), rows, start(), &mut fold)
                }
                other => other,
            }
            .map_err(|e| e.located(path, format))
        }
    }
}

/// Why a streamed read stopped: polars refused the file, or the fold
/// refused a batch.
enum StreamError {
    Polars(PolarsError),
    Fold(String),
}

impl StreamError {
    fn located(self, path: &Path, format: TableFormat) -> String {
        match self {
            StreamError::Polars(e) => locate(path, format, e),
            StreamError::Fold(reason) => reason,
        }
    }
}

/// Runs a scan on polars' streaming engine on its own thread, handing each
/// batch to `fold` here; at most two batches wait in between.
fn stream<S>(
    scan: PolarsResult<LazyFrame>,
    rows: Option<NonZeroUsize>,
    mut state: S,
    fold: &mut impl FnMut(&mut S, DataFrame) -> Result<(), String>,
) -> Result<S, StreamError> {
    let (send, receive) = std::sync::mpsc::sync_channel::<DataFrame>(2);
    let sink = scan
        .and_then(|lf| {
            lf.sink_batches(
                // `true` stops the query: the fold has given up.
                PlanCallback::new(move |df: DataFrame| Ok(send.send(df).is_err())),
                true,
                rows,
            )
        })
        .map_err(StreamError::Polars)?;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                sink.collect_with_engine(Engine::Streaming)
            }))
        });
        let mut failed = None;
        for batch in receive.iter() {
            if failed.is_none()
                && let Err(e) = fold(&mut state, batch)
            {
                failed = Some(e);
                // Dropping the receiver makes the next send fail, which
                // stops the query.
                break;
            }
        }
        drop(receive);
        let read = reader.join();
        if let Some(e) = failed {
            return Err(StreamError::Fold(e));
        }
        match read {
            Ok(Ok(Ok(_))) => Ok(state),
            Ok(Ok(Err(e))) => Err(StreamError::Polars(e)),
            _ => Err(StreamError::Fold(
                "the file is damaged or not what its name says (polars failed reading it)".into(),
            )),
        }
    })
}

/// polars says what went wrong but rarely where: on failure, look for the
/// first problem ourselves, so the message names its position.
fn locate(path: &Path, format: TableFormat, e: PolarsError) -> String {
    let located = match format {
        TableFormat::Csv => first_invalid_utf8_in_file(path)
            .map(|at| format!("invalid UTF-8 at {at}"))
            .or_else(|| first_ragged_row(path)),
        TableFormat::JsonLines => first_bad_json_line(path),
        TableFormat::Parquet => None,
    };
    located.unwrap_or_else(|| e.to_string())
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
fn first_invalid_utf8_in_file(path: &Path) -> Option<String> {
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

/// Rebuilds a table from rows stored as JSON objects (one per row, in
/// order), so features and profiles can be computed from polars columns
/// again. The rows are parsed a chunk at a time and the chunks joined (a
/// column's types widened to fit every chunk), so the rows' text is never
/// all held beside the table it becomes.
#[derive(Default)]
pub struct FrameOfRows {
    rows: RowChunks,
    chunks: Vec<LazyFrame>,
}

impl FrameOfRows {
    /// Adds the next row.
    pub fn push(&mut self, row: &str) -> Result<(), String> {
        if let Some(chunk) = self.rows.push(row)? {
            self.chunks.push(chunk.lazy());
        }
        Ok(())
    }

    /// The table of every row pushed, in order.
    pub fn finish(mut self) -> Result<DataFrame, String> {
        if let Some(chunk) = self.rows.take()? {
            self.chunks.push(chunk.lazy());
        }
        match self.chunks.len() {
            0 => Ok(DataFrame::empty()),
            1 => self.chunks.remove(0).collect(),
            _ => concat(
                self.chunks,
                UnionArgs {
                    diagonal: true,
                    to_supertypes: true,
                    ..UnionArgs::default()
                },
            )
            .and_then(LazyFrame::collect),
        }
        .map_err(|e| format!("cannot join the rows' chunks: {e}"))
    }
}

/// Rows (JSON objects, as items store them) parsed a chunk at a time:
/// each full chunk comes back as a table, so any number of rows can be
/// worked through with one chunk's text and table in memory.
#[derive(Default)]
pub struct RowChunks {
    /// The current chunk's rows, one per line.
    text: Vec<u8>,
    pending: usize,
}

impl RowChunks {
    /// Rows parsed together: large enough that polars' reader is at full
    /// pace, small enough that their text is a few megabytes.
    pub const CHUNK: usize = 50_000;

    /// Adds the next row; a chunk's table once it is full.
    pub fn push(&mut self, row: &str) -> Result<Option<DataFrame>, String> {
        self.text.extend_from_slice(row.as_bytes());
        self.text.push(b'\n');
        self.pending += 1;
        if self.pending == Self::CHUNK {
            self.take()
        } else {
            Ok(None)
        }
    }

    /// The rows added since the last chunk, as a table; `None` when there
    /// are none.
    pub fn take(&mut self) -> Result<Option<DataFrame>, String> {
        if self.pending == 0 {
            return Ok(None);
        }
        let df = read_json_lines(&self.text)?;
        if df.height() != self.pending {
            return Err(format!(
                "{} rows became a table of {}: a row is not a JSON object",
                self.pending,
                df.height()
            ));
        }
        self.text.clear();
        self.pending = 0;
        Ok(Some(df))
    }
}

fn read_json_lines(bytes: &[u8]) -> Result<DataFrame, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(DataFrame::empty());
    }
    guarded(|| {
        JsonReader::new(Cursor::new(bytes))
            .with_json_format(JsonFormat::JsonLines)
            .finish()
            .map_err(|e| format!("cannot read JSON Lines: {e}"))
    })
}

/// Reads one window of CSV records. The first window with rows fixes the
/// columns and their types, inferred from its first 10,000 rows; later
/// windows are read with them. Where a column's values stop fitting its
/// type, it is widened (to a float, or else to text) from the window where
/// that happens on, as inferring over that window finds it. `header` is the
/// file's header record, for a window after the first (the first starts
/// with it).
fn read_csv_window(
    bytes: &[u8],
    first_line: usize,
    header: &[u8],
    schema: &mut Option<SchemaRef>,
) -> Result<DataFrame, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(DataFrame::empty());
    }
    check_quotes(bytes, first_line)?;
    // Until a window with rows fixes the types, each window is read with
    // the header before it.
    let headed: Cow<'_, [u8]> = match schema {
        None if !header.is_empty() => Cow::Owned([header, bytes].concat()),
        _ => Cow::Borrowed(bytes),
    };
    let read = |header: bool, fixed: Option<SchemaRef>, infer: Option<usize>| {
        let nulls = null_markers();
        CsvReadOptions::default()
            .with_has_header(header)
            .with_schema(fixed)
            .with_infer_schema_length(infer)
            .map_parse_options(|o| o.with_null_values(Some(NullValues::AllColumns(nulls.clone()))))
            .into_reader_with_file_handle(Cursor::new(if header { &headed[..] } else { bytes }))
            .finish()
    };
    let df = guarded(|| {
        match schema.clone() {
            None => read(true, None, Some(10_000))
                .or_else(|_| read(true, None, None))
                .or_else(|_| read(true, None, Some(0))),
            Some(fixed) => read(false, Some(fixed.clone()), None)
                .or_else(|_| {
                    let own = read(false, None, None)?;
                    read(false, Some(widened(&fixed, own.schema())), None)
                })
                .or_else(|_| read(false, Some(as_text(&fixed)), None)),
        }
        .map_err(|e| format!("cannot read CSV: {e}"))
    })?;
    if df.height() > 0 {
        *schema = Some(df.schema().clone());
    }
    Ok(df)
}

/// The columns of `fixed` with each type widened to hold the values a
/// window inferred as `found` (the same columns, in order): numbers to a
/// float, anything else that differs to text.
fn widened(fixed: &Schema, found: &Schema) -> SchemaRef {
    let columns = fixed
        .iter()
        .zip(found.iter())
        .map(|((name, was), (_, now))| {
            let dtype = if was == now || now.is_null() {
                was.clone()
            } else if was.is_primitive_numeric() && now.is_primitive_numeric() {
                DataType::Float64
            } else {
                DataType::String
            };
            Field::new(name.clone(), dtype)
        });
    Arc::new(Schema::from_iter(columns))
}

/// The columns of `fixed`, every one as text.
fn as_text(fixed: &Schema) -> SchemaRef {
    Arc::new(Schema::from_iter(
        fixed
            .iter_names()
            .map(|name| Field::new(name.clone(), DataType::String)),
    ))
}

/// A Parquet file's columns and their types, from its footer alone (for a
/// catalog entry over an export).
pub fn parquet_schema(path: &Path) -> Result<Schema, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    guarded(|| {
        let arrow = ParquetReader::new(file)
            .schema()
            .map_err(|e| e.to_string())?;
        Ok(Schema::from_arrow_schema(&arrow))
    })
}

/// A whole Parquet file, eagerly: polars' streaming scan trusts a
/// footer's byte ranges and read past the end of a damaged file (found by
/// fuzzing).
fn read_parquet(path: &Path) -> Result<DataFrame, String> {
    let bytes: polars_buffer::Buffer<u8> = std::fs::read(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .into();
    check_page_headers(&bytes)?;
    ParquetReader::new(Cursor::new(&*bytes))
        .finish()
        .map_err(|e| e.to_string())
}

/// Refuses a data page claiming more values than its row group has rows
/// (or fewer than none). polars sizes buffers from that count before it
/// decodes, and a forged one made it ask for 2^61 bytes, which aborts the
/// process where no `catch_unwind` can help (found by fuzzing). Only the
/// headers are read, with polars' own page reader, so this costs little.
fn check_page_headers(bytes: &polars_buffer::Buffer<u8>) -> Result<(), String> {
    use polars_parquet::parquet::page::{CompressedPage, DataPageHeader};
    use polars_parquet::parquet::read::{get_page_iterator, read_metadata};

    let meta = read_metadata(&mut Cursor::new(&**bytes)).map_err(|e| e.to_string())?;
    for (group, row_group) in meta.row_groups.iter().enumerate() {
        let rows = row_group.num_rows();
        for column in row_group.parquet_columns() {
            // A repeated (list) column has more values than rows.
            let flat = column.descriptor().descriptor.max_rep_level == 0;
            let pages =
                get_page_iterator(column, Cursor::new(bytes.clone()), Vec::new(), bytes.len())
                    .map_err(|e| e.to_string())?;
            for page in pages {
                let CompressedPage::Data(page) = page.map_err(|e| e.to_string())? else {
                    continue;
                };
                let claimed = match page.header() {
                    DataPageHeader::V1(header) => header.num_values,
                    DataPageHeader::V2(header) => header.num_values,
                };
                let fits = usize::try_from(claimed).is_ok_and(|n| !flat || n <= rows);
                if !fits {
                    return Err(format!(
                        "row group {group}, column {:?}: a data page claims {claimed} values \
                         in a row group of {rows} rows",
                        column.descriptor().path_in_schema.join(".")
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Runs a polars read, turning a panic inside polars into an error: the
/// fuzzers found inputs that make it panic (a Parquet footer with a field
/// missing, a JSON number too wide for any type it has).
fn guarded<T>(read: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "the file is damaged or not what its name says ({why})"
        ))
    })
}

/// Quotes polars cannot read safely, as an error naming the line: a
/// quoted field that never closes (polars reads past the end of its buffer
/// on a file ending right after an opening quote), and a `"` in the middle
/// of a field, which polars' row splitter takes for an opening quote while
/// its parser does not: rows then split in the wrong places, and one
/// ending in a lone `"` made polars read out of bounds (both found by
/// fuzzing). Python polars refuses such files too.
fn check_quotes(bytes: impl std::io::Read, first_line: usize) -> Result<(), String> {
    use std::io::Read;
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
        /// A `\r` after a closing quote, before the `\n`.
        EndOfQuoted,
    }
    let (mut at, mut line, mut opened) = (At::FieldStart, first_line, 0usize);
    let stray = |line: usize| {
        Err(format!(
            "line {line}: a `\"` inside a field that does not start with one; quote the whole \
             field and double the quote (`\"5\"\" tall\"`)"
        ))
    };
    for byte in std::io::BufReader::new(bytes).bytes() {
        let b = byte.map_err(|e| format!("cannot read: {e}"))?;
        at = match (at, b) {
            (At::Quoted, b'"') => At::QuoteInQuoted,
            (At::Quoted, _) => At::Quoted,
            // `""` inside quotes is a quote.
            (At::QuoteInQuoted, b'"') => At::Quoted,
            (At::QuoteInQuoted, b'\r') => At::EndOfQuoted,
            (At::QuoteInQuoted | At::EndOfQuoted, b',' | b'\n') => At::FieldStart,
            (At::QuoteInQuoted | At::EndOfQuoted, _) => return stray(line),
            (At::FieldStart, b'"') => {
                opened = line;
                At::Quoted
            }
            (At::Unquoted, b'"') => return stray(line),
            (_, b',' | b'\n') => At::FieldStart,
            _ => At::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    if at == At::Quoted {
        return Err(format!(
            "line {opened}: a quoted field opens here and never closes (a `\"` is missing)"
        ));
    }
    Ok(())
}

/// Where a window starts in its file.
#[derive(Debug, Clone, Copy)]
struct Start {
    byte: u64,
    /// 1-based.
    line: usize,
    /// The 0-based index of its first row.
    row: i64,
}

/// What checking one window found.
struct Checked<'a> {
    /// The bytes polars should read: the window's whole records, less
    /// those dropped.
    clean: Cow<'a, [u8]>,
    /// The file index of each row kept, when some were dropped.
    kept: Option<Vec<i64>>,
    /// How many rows, bytes and lines the window's whole records take; the
    /// next window starts after them.
    rows: i64,
    bytes: usize,
    lines: usize,
    /// Nothing after this window can be read.
    last: bool,
}

impl Checked<'_> {
    fn nothing_more() -> Self {
        Self {
            clean: Cow::Owned(Vec::new()),
            kept: Some(Vec::new()),
            rows: 0,
            bytes: 0,
            lines: 0,
            last: true,
        }
    }
}

/// Checks each CSV record of a window for its field count and UTF-8. The
/// window's last record may be cut off by its end (unless `at_end`): it is
/// left for the next window. Nothing is copied until a row is dropped:
/// then the bytes before it, all good, start the copy. `fields` is the
/// header's field count, set by the first window.
fn check_csv<'a>(
    file: &str,
    bytes: &'a [u8],
    start: Start,
    at_end: bool,
    fields: &mut Option<usize>,
    report: &mut Report,
) -> Checked<'a> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut read = |record: &mut csv::ByteRecord, index: i64, report: &mut Report| {
        reader.read_byte_record(record).map_err(|e| {
            let at = format!("row {}", start.row + index + 1);
            report.at(file, at, format!("cannot parse CSV: {e}"));
        })
    };
    let (mut record, mut ahead) = (csv::ByteRecord::new(), csv::ByteRecord::new());
    // The rows kept and their copy, from the first row dropped on.
    let mut cleaned: Option<(Vec<i64>, csv::Writer<Vec<u8>>)> = None;
    let mut index = 0i64;
    let (mut whole, mut lines) = (bytes.len(), 0);
    // The line a byte is on, counted here: the reader's own count misses
    // the line break of a `\r\n`. Records come in order, so each byte is
    // counted once.
    let mut counted = (0usize, start.line);
    let mut line_at = |byte: usize| {
        let from = counted.0.min(byte);
        counted.1 += bytes[from..byte].iter().filter(|b| **b == b'\n').count();
        counted.0 = byte;
        counted.1
    };
    let Ok(mut has) = read(&mut record, index, report) else {
        return Checked::nothing_more();
    };
    while has {
        let Ok(more) = read(&mut ahead, index + 1, report) else {
            return Checked::nothing_more();
        };
        let position = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        if !more && !at_end {
            whole = record_start(bytes, &position);
            lines = line_at(whole) - start.line;
            break;
        }
        let first = record_start(bytes, &position);
        let line = line_at(first);
        let problem = if let Some((field, offset)) = first_invalid_utf8(&record, first) {
            let byte = start.byte + offset;
            let at = match fields {
                None => format!("header, line {line}, field {}, byte {byte}", field + 1),
                Some(_) => format!(
                    "row {}, line {line}, field {}, byte {byte}",
                    start.row + index + 1,
                    field + 1
                ),
            };
            report.at(file, at, "invalid UTF-8; row skipped");
            if fields.is_none() {
                return Checked::nothing_more();
            }
            true
        } else if let Some(fields) = *fields {
            if record.len() != fields {
                report.at(
                    file,
                    format!("row {}, line {line}", start.row + index + 1),
                    format!(
                        "has {} fields but the header has {fields}; row skipped",
                        record.len(),
                    ),
                );
                true
            } else {
                false
            }
        } else {
            *fields = Some(record.len());
            std::mem::swap(&mut record, &mut ahead);
            has = more;
            continue;
        };
        if problem {
            cleaned.get_or_insert_with(|| {
                let head = bytes.get(..first).unwrap_or_default();
                (
                    (start.row..start.row + index).collect(),
                    csv::Writer::from_writer(head.to_vec()),
                )
            });
        } else if let Some((kept, writer)) = &mut cleaned {
            kept.push(start.row + index);
            // Writing cannot fail on a Vec.
            let _ = writer.write_byte_record(&record);
        }
        index += 1;
        std::mem::swap(&mut record, &mut ahead);
        has = more;
    }
    let (clean, kept) = match cleaned {
        None => (Cow::Borrowed(&bytes[..whole]), None),
        Some((kept, writer)) => match writer.into_inner() {
            Ok(clean) => (Cow::Owned(clean), Some(kept)),
            Err(_) => return Checked::nothing_more(),
        },
    };
    Checked {
        clean,
        kept,
        rows: index,
        bytes: whole,
        lines,
        last: false,
    }
}

/// Where a record starts. The reader ends a record at the `\r` of a
/// `\r\n` and gives the next one's position before the `\n`: past it is
/// where its line starts (and where a window must start, or a reader
/// starting there would take the `\n` for an empty record).
fn record_start(bytes: &[u8], position: &csv::Position) -> usize {
    let at = position.byte() as usize;
    if at > 0 && bytes.get(at) == Some(&b'\n') && bytes[at - 1] == b'\r' {
        at + 1
    } else {
        at
    }
}

/// The first field with invalid UTF-8, and the file offset of the bad byte
/// (exact for unquoted fields, which is where stray bytes usually are).
fn first_invalid_utf8(record: &csv::ByteRecord, start: usize) -> Option<(usize, u64)> {
    let mut offset = start as u64;
    for (i, field) in record.iter().enumerate() {
        if let Err(e) = std::str::from_utf8(field) {
            return Some((i, offset + e.valid_up_to() as u64));
        }
        offset += field.len() as u64 + 1;
    }
    None
}

/// Checks each line of a window is valid UTF-8 holding one JSON object.
/// A last line without its newline is left for the next window (unless
/// `at_end`).
fn check_json_lines<'a>(
    file: &str,
    bytes: &'a [u8],
    start: Start,
    at_end: bool,
    report: &mut Report,
) -> Checked<'a> {
    let whole = if at_end {
        bytes.len()
    } else {
        bytes.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1)
    };
    let bytes = &bytes[..whole];
    let mut clean = Vec::new();
    let mut kept = Vec::new();
    let mut dropped = false;
    let mut index = 0i64;
    let mut offset = 0usize;
    let mut lines = 0;
    for line in bytes.split(|b| *b == b'\n') {
        let line_start = offset;
        offset += line.len() + 1;
        lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = match std::str::from_utf8(line) {
            Err(e) => Some(format!(
                "invalid UTF-8 at byte {}",
                start.byte + (line_start + e.valid_up_to()) as u64
            )),
            Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Err(e) => Some(format!("bad JSON at column {}: {e}", e.column())),
                Ok(serde_json::Value::Object(_)) => None,
                Ok(_) => Some("not a JSON object".to_owned()),
            },
        };
        match problem {
            Some(reason) => {
                report.at(
                    file,
                    format!("line {}", start.line + lines - 1),
                    format!("{reason}; line skipped"),
                );
                if !dropped {
                    clean.extend_from_slice(&bytes[..line_start]);
                    kept.extend(start.row..start.row + index);
                    dropped = true;
                }
            }
            None if dropped => {
                kept.push(start.row + index);
                clean.extend_from_slice(line);
                clean.push(b'\n');
            }
            None => {}
        }
        index += 1;
    }
    Checked {
        clean: if dropped {
            Cow::Owned(clean)
        } else {
            Cow::Borrowed(bytes)
        },
        kept: dropped.then_some(kept),
        rows: index,
        bytes: whole,
        // `split` counts a piece after the last newline.
        lines: bytes.iter().filter(|b| **b == b'\n').count(),
        last: false,
    }
}

/// A CSV or JSON Lines file read a window of whole records at a time, each
/// window checked and parsed on its own.
struct TextWindows {
    file: std::fs::File,
    format: TableFormat,
    window: usize,
    /// Bytes read and not yet parsed; they start at a record.
    pending: Vec<u8>,
    at_end: bool,
    /// Where `pending` starts.
    start: Start,
    size: u64,
    /// The CSV header's field count, from the first window.
    fields: Option<usize>,
    /// The CSV header record, as the file has it.
    header: Vec<u8>,
    /// The CSV columns and their types, from the first window.
    schema: Option<SchemaRef>,
}

impl TextWindows {
    fn new(file: std::fs::File, format: TableFormat, window: usize) -> std::io::Result<Self> {
        let size = file.metadata()?.len();
        Ok(Self {
            file,
            format,
            window: window.max(1),
            pending: Vec::new(),
            at_end: false,
            start: Start {
                byte: 0,
                line: 1,
                row: 0,
            },
            size,
            fields: None,
            header: Vec::new(),
            schema: None,
        })
    }

    /// Whether every window has been read.
    fn finished(&self) -> bool {
        self.at_end && self.pending.is_empty()
    }

    /// Reads until `pending` holds `want` bytes or the file ends.
    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        use std::io::Read;
        while !self.at_end && self.pending.len() < want {
            let have = self.pending.len();
            let step = (want - have).min(self.window.max(1 << 16));
            self.pending.resize(have + step, 0);
            let n = self.file.read(&mut self.pending[have..])?;
            self.pending.truncate(have + n);
            self.at_end = n == 0;
        }
        Ok(())
    }

    /// The next window's rows, `None` after the last.
    fn next(&mut self, file: &str, report: &mut Report) -> Result<Option<Frame>, String> {
        let mut want = self.window;
        loop {
            self.fill(want).map_err(|e| format!("cannot read: {e}"))?;
            if self.pending.is_empty() {
                return Ok(None);
            }
            let checked = match self.format {
                TableFormat::Csv => check_csv(
                    file,
                    &self.pending,
                    self.start,
                    self.at_end,
                    &mut self.fields,
                    report,
                ),
                _ => check_json_lines(file, &self.pending, self.start, self.at_end, report),
            };
            if checked.last {
                self.at_end = true;
                self.pending.clear();
                return Ok(None);
            }
            let first = self.start.byte == 0;
            if checked.rows == 0 && !self.at_end {
                // No whole row in the window (one is longer): read on. The
                // header is checked again with the longer window.
                if first {
                    self.fields = None;
                }
                want = self.pending.len() + self.window;
                continue;
            }
            let df = match self.format {
                TableFormat::Csv => {
                    let df = read_csv_window(
                        &checked.clean,
                        self.start.line,
                        &self.header,
                        &mut self.schema,
                    )?;
                    if first {
                        self.header = header_record(&self.pending);
                    }
                    df
                }
                _ => read_json_lines(&checked.clean)?,
            };
            let frame = Frame {
                df,
                rows: checked
                    .kept
                    .map_or(RowIndex::From(self.start.row), RowIndex::Kept),
            };
            self.start = Start {
                byte: self.start.byte + checked.bytes as u64,
                line: self.start.line + checked.lines,
                row: self.start.row + checked.rows,
            };
            self.pending.drain(..checked.bytes);
            return Ok(Some(frame));
        }
    }
}

/// The bytes of a CSV's first record, its line ending included.
fn header_record(bytes: &[u8]) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let end = match reader.read_byte_record(&mut record) {
        Ok(true) => reader.position().byte() as usize,
        _ => 0,
    };
    bytes[..end.min(bytes.len())].to_vec()
}

/// Rows of a table as polars read them, and which rows of the file they are.
struct Frame {
    df: DataFrame,
    rows: RowIndex,
}

/// The file index of each row of a frame.
enum RowIndex {
    /// Consecutive from the first.
    From(i64),
    /// Listed, where rows were dropped.
    Kept(Vec<i64>),
}

impl RowIndex {
    fn index(&self, i: usize) -> i64 {
        match self {
            Self::From(first) => first + i as i64,
            Self::Kept(kept) => kept[i],
        }
    }
}

/// Where a table's frames come from.
enum Frames {
    /// A table read whole (Parquet), until taken.
    Whole(Option<DataFrame>),
    /// A text file, a window at a time.
    Text(Box<TextWindows>),
}

impl Frames {
    fn next(&mut self, file: &str, report: &mut Report) -> Result<Option<Frame>, String> {
        match self {
            Self::Whole(df) => Ok(df.take().map(|df| Frame {
                df,
                rows: RowIndex::From(0),
            })),
            Self::Text(windows) => windows.next(file, report),
        }
    }
}

fn column_index(
    df: &DataFrame,
    name: Option<&String>,
    file: &str,
    what: &str,
    report: &mut Report,
) -> Result<Option<usize>, ()> {
    let Some(name) = name else { return Ok(None) };
    match df.get_column_index(name) {
        Some(i) => Ok(Some(i)),
        None => {
            report.file(file, format!("no {what} column named \"{name}\""));
            Err(())
        }
    }
}

/// A table's rows, handed out in order and in batches: each row's payload is
/// written straight from the columns, and ids are checked for repeats
/// across batches.
pub struct TableRows {
    file: String,
    frames: Frames,
    /// Which rows of the file the frame's rows are.
    rows: RowIndex,
    height: usize,
    /// The frame's columns, one chunk each, so a cell is one index away.
    columns: Vec<Series>,
    /// Each column's name as a JSON object key, quotes and colon included.
    keys: Vec<String>,
    names: Names,
    id: Option<usize>,
    label: Option<usize>,
    text: Option<usize>,
    /// Each id seen, by its 128-bit hash (16 bytes a row, not the id's
    /// text: 10,000,000 ids take ~300 MB rather than ~700 MB; the odds of
    /// two ids sharing a hash there are about 1 in 10^23), and its row.
    seen_ids: HashMap<u128, i64>,
    /// The next row of the frame.
    next: usize,
    /// Rows read in frames before this one.
    before: u64,
}

/// The id, label and text columns' names.
struct Names {
    id: Option<String>,
    label: Option<String>,
    text: Option<String>,
}

impl TableRows {
    fn new(
        file: String,
        mut frames: Frames,
        options: &TableOptions,
        report: &mut Report,
    ) -> Option<Self> {
        // The columns come from the first frame with rows (a JSON Lines
        // window whose every line was skipped has none).
        let frame = loop {
            match frames.next(&file, report) {
                Err(reason) => {
                    report.file(&file, reason);
                    return None;
                }
                Ok(Some(frame)) if frame.df.height() == 0 => {}
                Ok(frame) => {
                    break frame.unwrap_or(Frame {
                        df: DataFrame::empty(),
                        rows: RowIndex::From(0),
                    });
                }
            }
        };
        let df = &frame.df;
        column_index(df, options.id_column.as_ref(), &file, "id", report).ok()?;
        column_index(df, options.label_column.as_ref(), &file, "label", report).ok()?;
        let text = column_index(df, options.text_column.as_ref(), &file, "text", report).ok()?;
        if text.is_some()
            && options.text_column.as_deref() != Some(TEXT_KEY)
            && df.column(TEXT_KEY).is_ok()
        {
            report.file(
                &file,
                format!(
                    "a column named \"{TEXT_KEY}\" would be replaced by the text; rename it \
                     or use it as the text column"
                ),
            );
            return None;
        }
        let names = Names {
            id: options.id_column.clone(),
            label: options.label_column.clone(),
            text: options.text_column.clone(),
        };
        let mut rows = Self {
            file,
            frames,
            rows: RowIndex::From(0),
            height: 0,
            columns: Vec::new(),
            keys: Vec::new(),
            names,
            id: None,
            label: None,
            text: None,
            seen_ids: HashMap::new(),
            next: 0,
            before: 0,
        };
        rows.take(frame);
        Some(rows)
    }

    /// Makes `frame` the one rows come from.
    fn take(&mut self, frame: Frame) {
        let Frame { df, rows } = frame;
        let index = |name: &Option<String>| name.as_ref().and_then(|n| df.get_column_index(n));
        self.id = index(&self.names.id);
        self.label = index(&self.names.label);
        self.text = index(&self.names.text);
        self.keys = df
            .get_column_names()
            .iter()
            .map(|n| format!("{}:", serde_json::Value::from(n.as_str())))
            .collect();
        self.columns = df
            .columns()
            .iter()
            .map(|c| c.as_materialized_series().rechunk())
            .collect();
        self.before += self.height as u64;
        self.height = df.height();
        self.rows = rows;
        self.next = 0;
    }

    /// Rows read so far and how many the table has: exact once the last
    /// part is read, else estimated from the share of the file read.
    pub fn progress(&self) -> (u64, u64) {
        let done = self.before + self.next as u64;
        let read = self.before + self.height as u64;
        let total = match &self.frames {
            Frames::Text(w) if !w.finished() => {
                let share = w.start.byte.max(1) as f64 / w.size.max(1) as f64;
                ((read as f64 / share) as u64).max(read)
            }
            _ => read,
        };
        (done, total)
    }

    /// The next rows, up to `max` of them read (fewer come out where rows
    /// are skipped, or where a window of the file ends); `None` once every
    /// row has been read. A part of the file that cannot be read ends it,
    /// with a problem naming where.
    pub fn next_batch(&mut self, max: usize, report: &mut Report) -> Option<Vec<TableRow>> {
        while self.next == self.height {
            match self.frames.next(&self.file, report) {
                Ok(Some(frame)) => self.take(frame),
                Ok(None) => return None,
                Err(reason) => {
                    let row = match &self.frames {
                        Frames::Text(w) => w.start.row,
                        Frames::Whole(_) => 0,
                    };
                    report.at(
                        &self.file,
                        format!("row {}", row + 1),
                        format!("{reason}; the rest of the file was not read"),
                    );
                    self.frames = Frames::Whole(None);
                    return None;
                }
            }
        }
        let end = self.height.min(self.next.saturating_add(max));
        let cells: Vec<Cells<'_>> = self.columns.iter().map(Cells::of).collect();
        let mut rows = Vec::with_capacity(end - self.next);
        let mut payload = Vec::new();
        for i in self.next..end {
            let index = self.rows.index(i);
            payload.clear();
            payload.push(b'{');
            if let Some(c) = self.text {
                let position = format!("row {}", index + 1);
                match cell_text(&self.columns[c], i) {
                    Some(text) if text.len() > crate::text_file::MAX_TEXT_BYTES => {
                        let reason = format!(
                            "text is {} bytes, over the limit of {} (1 MiB); row skipped",
                            text.len(),
                            crate::text_file::MAX_TEXT_BYTES
                        );
                        report.at(&self.file, position, reason);
                        continue;
                    }
                    Some(text) if !text.trim().is_empty() => {
                        payload.extend_from_slice(format!("\"{TEXT_KEY}\":").as_bytes());
                        write_json(&mut payload, &text);
                    }
                    _ => {
                        report.at(
                            &self.file,
                            position,
                            "the text column is empty; row skipped",
                        );
                        continue;
                    }
                }
            }
            for (n, (key, cell)) in self.keys.iter().zip(&cells).enumerate() {
                if Some(n) == self.text {
                    continue;
                }
                if payload.len() > 1 {
                    payload.push(b',');
                }
                payload.extend_from_slice(key.as_bytes());
                cell.write(i, &mut payload);
            }
            payload.push(b'}');
            let external_id = self.id.and_then(|c| cell_text(&self.columns[c], i));
            if self.id.is_some() {
                let Some(id) = &external_id else {
                    report.at(
                        &self.file,
                        format!("row {}", index + 1),
                        "the id column is empty; row skipped",
                    );
                    continue;
                };
                let key = id_key(id);
                if let Some(first) = self.seen_ids.get(&key) {
                    report.at(
                        &self.file,
                        format!("row {}", index + 1),
                        format!("id \"{id}\" repeats row {}; row skipped", first + 1),
                    );
                    continue;
                }
                self.seen_ids.insert(key, index);
            }
            rows.push(TableRow {
                index,
                external_id,
                label: self.label.and_then(|c| cell_text(&self.columns[c], i)),
                payload: String::from_utf8_lossy(&payload).into_owned(),
            });
        }
        self.next = end;
        Some(rows)
    }
}

fn id_key(id: &str) -> u128 {
    let hash = blake3::hash(id.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&hash.as_bytes()[..16]);
    u128::from_le_bytes(key)
}

/// One column's cells, typed, for writing payloads without building a JSON
/// value per cell: the same output as [`any_to_json`].
enum Cells<'a> {
    Bool(&'a BooleanChunked),
    I8(&'a Int8Chunked),
    I16(&'a Int16Chunked),
    I32(&'a Int32Chunked),
    I64(&'a Int64Chunked),
    U8(&'a UInt8Chunked),
    U16(&'a UInt16Chunked),
    U32(&'a UInt32Chunked),
    U64(&'a UInt64Chunked),
    F32(&'a Float32Chunked),
    F64(&'a Float64Chunked),
    Str(&'a StringChunked),
    Other(&'a Series),
}

impl<'a> Cells<'a> {
    fn of(s: &'a Series) -> Self {
        let typed = match s.dtype() {
            DataType::Boolean => s.bool().map(Cells::Bool),
            DataType::Int8 => s.i8().map(Cells::I8),
            DataType::Int16 => s.i16().map(Cells::I16),
            DataType::Int32 => s.i32().map(Cells::I32),
            DataType::Int64 => s.i64().map(Cells::I64),
            DataType::UInt8 => s.u8().map(Cells::U8),
            DataType::UInt16 => s.u16().map(Cells::U16),
            DataType::UInt32 => s.u32().map(Cells::U32),
            DataType::UInt64 => s.u64().map(Cells::U64),
            DataType::Float32 => s.f32().map(Cells::F32),
            DataType::Float64 => s.f64().map(Cells::F64),
            DataType::String => s.str().map(Cells::Str),
            _ => return Cells::Other(s),
        };
        typed.unwrap_or(Cells::Other(s))
    }

    /// Appends cell `i` as JSON. serde_json writes NaN and infinities as
    /// null, as `any_to_json` does.
    fn write(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Bool(c) => write_json(out, &c.get(i)),
            Cells::I8(c) => write_json(out, &c.get(i)),
            Cells::I16(c) => write_json(out, &c.get(i)),
            Cells::I32(c) => write_json(out, &c.get(i)),
            Cells::I64(c) => write_json(out, &c.get(i)),
            Cells::U8(c) => write_json(out, &c.get(i)),
            Cells::U16(c) => write_json(out, &c.get(i)),
            Cells::U32(c) => write_json(out, &c.get(i)),
            Cells::U64(c) => write_json(out, &c.get(i)),
            Cells::F32(c) => write_json(out, &c.get(i).map(f64::from)),
            Cells::F64(c) => write_json(out, &c.get(i)),
            Cells::Str(c) => write_json(out, &c.get(i)),
            Cells::Other(s) => write_json(out, &any_to_json(s.get(i).unwrap_or(AnyValue::Null))),
        }
    }
}

/// Appends a value's JSON; writing to a `Vec` cannot fail.
fn write_json(out: &mut Vec<u8>, value: &impl serde::Serialize) {
    let _ = serde_json::to_writer(out, value);
}

fn cell_text(column: &Series, i: usize) -> Option<String> {
    match column.get(i).ok()? {
        AnyValue::Null => None,
        AnyValue::String(s) => Some(s.to_owned()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        other => Some(other.to_string()),
    }
}

/// Cell values as JSON: numbers stay numbers, NaN becomes null, and
/// everything else is its polars text form.
pub fn any_to_json(value: AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_owned()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(v) => v.into(),
        AnyValue::Int16(v) => v.into(),
        AnyValue::Int32(v) => v.into(),
        AnyValue::Int64(v) => v.into(),
        AnyValue::UInt8(v) => v.into(),
        AnyValue::UInt16(v) => v.into(),
        AnyValue::UInt32(v) => v.into(),
        AnyValue::UInt64(v) => v.into(),
        AnyValue::Float32(v) => {
            serde_json::Number::from_f64(f64::from(v)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        // Lists (embedding vectors) stay arrays, so they can be features.
        AnyValue::List(s) => Value::Array(s.iter().map(any_to_json).collect()),
        other => Value::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, content: &[u8], options: &TableOptions) -> (Vec<TableRow>, Report) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        read_table(&path, options)
    }

    fn ids(id: &str, label: &str) -> TableOptions {
        TableOptions {
            id_column: Some(id.into()),
            label_column: Some(label.into()),
            text_column: None,
        }
    }

    #[test]
    fn reads_csv_rows_with_ids_and_labels() {
        let (rows, report) = read(
            "t.csv",
            b"id,x,species\na,1.5,Adelie\nb,,Gentoo\nc,2,\n",
            &ids("id", "species"),
        );
        assert!(report.problems.is_empty(), "{report:?}");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].external_id.as_deref(), Some("a"));
        assert_eq!(rows[0].label.as_deref(), Some("Adelie"));
        assert_eq!(rows[0].payload, r#"{"id":"a","x":1.5,"species":"Adelie"}"#);
        assert_eq!(rows[1].payload, r#"{"id":"b","x":null,"species":"Gentoo"}"#);
        assert_eq!(rows[2].label, None);
        assert_eq!(rows[2].index, 2);
    }

    #[test]
    fn missing_value_markers_keep_numbers_numeric() {
        let (rows, _) = read(
            "n.csv",
            b"a,b\n1.5,x\nNA,NA\nN/A,y\n",
            &TableOptions::default(),
        );
        assert_eq!(rows[0].payload, r#"{"a":1.5,"b":"x"}"#);
        assert_eq!(rows[1].payload, r#"{"a":null,"b":null}"#);
        assert_eq!(rows[2].payload, r#"{"a":null,"b":"y"}"#);
    }

    #[test]
    fn ragged_rows_are_reported_and_skipped() {
        let (rows, report) = read(
            "r.csv",
            b"a,b\n1,2\n3\n4,5,6\n7,8\n",
            &TableOptions::default(),
        );
        let kept: Vec<i64> = rows.iter().map(|r| r.index).collect();
        assert_eq!(kept, vec![0, 3]);
        assert_eq!(report.problems.len(), 2);
        assert_eq!(
            report.problems[0].position.as_deref(),
            Some("row 2, line 3")
        );
        assert!(
            report.problems[0]
                .reason
                .contains("has 1 fields but the header has 2")
        );
    }

    #[test]
    fn rows_before_a_dropped_row_keep_their_quoted_values() {
        let (rows, report) = read(
            "q.csv",
            b"a,b\n\"x,\ny\",2\n3\n4,\"5\"\"\"\n",
            &TableOptions::default(),
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let got: Vec<(i64, &str)> = rows.iter().map(|r| (r.index, r.payload.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (0, r#"{"a":"x,\ny","b":"2"}"#),
                (2, r#"{"a":"4","b":"5\""}"#)
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_position() {
        let (rows, report) = read(
            "u.csv",
            b"a,b\n1,ok\n2,b\xffd\n3,x\n",
            &TableOptions::default(),
        );
        assert_eq!(rows.len(), 2);
        let p = &report.problems[0];
        assert!(p.file.ends_with("u.csv"));
        assert_eq!(
            p.position.as_deref(),
            Some("row 2, line 3, field 2, byte 12")
        );
        assert!(p.reason.contains("invalid UTF-8"));
    }

    /// Every row of a file read in windows of `window` bytes.
    fn read_in_windows(
        path: &Path,
        options: &TableOptions,
        window: usize,
    ) -> (Vec<TableRow>, Report) {
        let (rows, mut report) = open_in_windows(path, options, window);
        let mut all = Vec::new();
        if let Some(mut rows) = rows {
            while let Some(batch) = rows.next_batch(7, &mut report) {
                all.extend(batch);
            }
            assert_eq!(rows.progress().0, rows.progress().1);
        }
        (all, report)
    }

    /// [`read`], in windows of `window` bytes.
    fn read_windowed(
        name: &str,
        content: &[u8],
        options: &TableOptions,
        window: usize,
    ) -> (Vec<TableRow>, Report) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        read_in_windows(&path, options, window)
    }

    /// A CSV whose values keep their types (the first row has all of
    /// them), with quoted commas, quotes and line breaks, CRLF endings,
    /// missing values, ragged rows and invalid UTF-8 among its rows.
    pub(super) fn awkward_csv(cells: &[(u8, i64)]) -> Vec<u8> {
        let mut csv = b"id,n,x,s\r\nr0,1,0.5,plain\n".to_vec();
        for (i, (kind, v)) in cells.iter().enumerate() {
            let row = match kind % 7 {
                0 => format!("r{},{v},{v}.25,\"a, \"\"quoted\"\"\nline\"\n", i + 1),
                1 => format!("r{},NA,,text {v}\r\n", i + 1),
                2 => format!("r{},{v}\n", i + 1),
                3 => format!(
                    "r{},{v},1.5,\"{}\"\n",
                    i + 1,
                    "long ".repeat(*v as usize % 40)
                ),
                4 => format!("r{},{v},2.5,bad X\n", i + 1),
                5 => format!("r{},{v},-3.75,\n", i + 1),
                _ => format!("r{},{v},4.0,x,extra\n", i + 1),
            };
            csv.extend_from_slice(row.as_bytes());
            if kind % 7 == 4 {
                // A stray byte no UTF-8 allows, in the middle of the row.
                let at = csv.len() - 2;
                csv[at] = 0xff;
            }
        }
        csv
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Reading a table in windows of any size gives the rows, indices,
        /// payloads and problems (with their file positions) of reading it
        /// whole.
        #[test]
        fn windows_of_any_size_read_what_the_whole_file_reads(
            cells in proptest::collection::vec((0u8..7, 0i64..1000), 0..60),
            window in 1usize..400,
            jsonl in proptest::bool::ANY,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let (path, content) = if jsonl {
                let mut lines = Vec::new();
                for (i, (kind, v)) in cells.iter().enumerate() {
                    let line = match kind % 4 {
                        0 => format!("{{\"id\":\"j{i}\",\"v\":{v},\"t\":\"x\\ny\"}}\n"),
                        1 => "{bad\n".to_owned(),
                        2 => "\n".to_owned(),
                        _ => format!("{{\"id\":\"j{i}\",\"v\":null,\"t\":\"{v}\"}}\n"),
                    };
                    lines.extend_from_slice(line.as_bytes());
                }
                (dir.path().join("t.jsonl"), lines)
            } else {
                (dir.path().join("t.csv"), awkward_csv(&cells))
            };
            std::fs::write(&path, &content).unwrap();
            let options = TableOptions { id_column: Some("id".into()), ..TableOptions::default() };
            let whole = read_table(&path, &options);
            let windows = read_in_windows(&path, &options, window);
            proptest::prop_assert_eq!(&windows.0, &whole.0);
            proptest::prop_assert_eq!(windows.1.problems, whole.1.problems);
        }
    }

    #[test]
    fn a_column_that_changes_type_in_a_later_window_is_widened_from_there() {
        let csv = b"n,f,k\n1,2,3\n4,5,6\n7,8.5,x\n9,10,11\n";
        // Windows of one byte grow to one whole row each.
        let (rows, report) = read_windowed("w.csv", csv, &TableOptions::default(), 1);
        assert!(report.problems.is_empty(), "{report:?}");
        let payloads: Vec<_> = rows.iter().map(|r| r.payload.as_str()).collect();
        assert_eq!(
            payloads,
            [
                r#"{"n":1,"f":2,"k":3}"#,
                r#"{"n":4,"f":5,"k":6}"#,
                r#"{"n":7,"f":8.5,"k":"x"}"#,
                r#"{"n":9,"f":10.0,"k":"11"}"#,
            ]
        );
    }

    #[test]
    fn a_bad_quote_in_a_later_window_ends_the_file_where_it_is() {
        let csv = b"a,b\n1,2\n3,4\n5,6\n7,8\" tall\n9,10\n";
        let (rows, report) = read_windowed("q.csv", csv, &TableOptions::default(), 8);
        assert_eq!(rows.len(), 3);
        assert_eq!(report.problems.len(), 1, "{report:?}");
        let problem = &report.problems[0];
        assert_eq!(problem.position.as_deref(), Some("row 4"));
        assert!(
            problem.reason.starts_with("line 5: a `\"` inside a field"),
            "{problem}"
        );
        assert!(
            problem
                .reason
                .ends_with("the rest of the file was not read")
        );
    }

    #[test]
    fn rows_rebuilt_in_chunks_are_one_table_with_types_that_fit_every_chunk() {
        let mut frame = FrameOfRows::default();
        let n = 2 * RowChunks::CHUNK + 1;
        for i in 0..n {
            // `v` is whole in the first chunk and fractional after it; `w`
            // appears only in the last row.
            let row = if i < RowChunks::CHUNK {
                format!(r#"{{"v":{i},"s":"a"}}"#)
            } else if i + 1 < n {
                format!(r#"{{"v":{i}.5,"s":null}}"#)
            } else {
                r#"{"v":1,"s":"z","w":true}"#.to_owned()
            };
            frame.push(&row).unwrap();
        }
        let df = frame.finish().unwrap();
        assert_eq!(df.height(), n);
        assert_eq!(df.column("v").unwrap().dtype(), &DataType::Float64);
        let v = df.column("v").unwrap().f64().unwrap().clone();
        assert_eq!(v.get(3), Some(3.0));
        assert_eq!(v.get(RowChunks::CHUNK), Some(RowChunks::CHUNK as f64 + 0.5));
        assert_eq!(df.column("s").unwrap().null_count(), RowChunks::CHUNK);
        let w = df.column("w").unwrap();
        assert_eq!(
            (w.null_count(), w.get(n - 1).unwrap()),
            (n - 1, AnyValue::Boolean(true))
        );
        assert_eq!(FrameOfRows::default().finish().unwrap().height(), 0);
    }

    #[test]
    fn mixed_types_fall_back_to_text() {
        let mut csv = b"v\n".to_vec();
        for i in 0..10_050 {
            csv.extend_from_slice(format!("{i}\n").as_bytes());
        }
        csv.extend_from_slice(b"n/a\n");
        let (rows, report) = read("m.csv", &csv, &TableOptions::default());
        assert!(report.problems.is_empty(), "{report:?}");
        assert_eq!(rows.len(), 10_051);
        assert_eq!(rows[10_050].payload, r#"{"v":"n/a"}"#);
    }

    #[test]
    fn missing_and_repeated_ids_are_reported() {
        let (rows, report) = read("i.csv", b"id,y\na,1\n,2\na,3\nb,4\n", &ids("id", "y"));
        assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), vec![0, 3]);
        assert_eq!(report.problems.len(), 2);
        assert!(report.problems[1].reason.contains("repeats row 1"));
        let (rows, report) = read("i.csv", b"x\n1\n", &ids("id", "y"));
        assert!(rows.is_empty());
        assert!(
            report.problems[0]
                .reason
                .contains("no id column named \"id\"")
        );
    }

    #[test]
    fn json_lines_with_bad_lines() {
        let (rows, report) = read(
            "t.jsonl",
            b"{\"a\":1}\n{bad\n\n[1]\n{\"a\":2}\n",
            &TableOptions::default(),
        );
        assert_eq!(rows.iter().map(|r| r.index).collect::<Vec<_>>(), vec![0, 3]);
        let positions: Vec<_> = report
            .problems
            .iter()
            .map(|p| p.position.clone().unwrap())
            .collect();
        assert_eq!(positions, vec!["line 2", "line 4"]);
    }

    #[test]
    fn parquet_round_trips_through_polars() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut df = df!("id" => ["x", "y"], "v" => [1i64, 2]).unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let (rows, report) = read_table(
            &path,
            &TableOptions {
                id_column: Some("id".into()),
                label_column: None,
                text_column: None,
            },
        );
        assert!(report.problems.is_empty());
        assert_eq!(rows[1].payload, r#"{"id":"y","v":2}"#);
        let (rows, report) = read(
            "broken.parquet",
            b"PAR1 not really",
            &TableOptions::default(),
        );
        assert!(rows.is_empty());
        assert!(report.problems[0].reason.starts_with("cannot read Parquet"));
    }

    /// Payloads written column by column equal the row's cells as JSON
    /// values (the slow, obvious way), for every type a table can bring, and
    /// batches of any size give the same rows as one read.
    #[test]
    fn payloads_written_from_typed_columns_equal_each_cell_as_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let n: i32 = 23;
        let mut df = df!(
            "id" => (0..n).map(|i| format!("r{}", i % 20)).collect::<Vec<_>>(),
            "b" => (0..n).map(|i| (i % 3 != 0).then_some(i % 2 == 0)).collect::<Vec<_>>(),
            "i8" => (0..n).map(|i| Some(i as i8 - 10)).collect::<Vec<_>>(),
            "i16" => (0..n).map(|i| i as i16 * -300).collect::<Vec<_>>(),
            "i32" => (0..n).map(|i| (i % 4 != 0).then_some(i * 70_000)).collect::<Vec<_>>(),
            "u8" => (0..n).map(|i| i as u8).collect::<Vec<_>>(),
            "u16" => (0..n).map(|i| i as u16 * 1000).collect::<Vec<_>>(),
            "u32" => (0..n).map(|i| i as u32 * 100_000).collect::<Vec<_>>(),
            "u64" => (0..n).map(|i| u64::MAX - i as u64).collect::<Vec<_>>(),
            "f32" => (0..n).map(|i| i as f32 * 0.1).collect::<Vec<_>>(),
            "f64" => (0..n)
                .map(|i| match i % 5 {
                    0 => None,
                    1 => Some(f64::NAN),
                    2 => Some(f64::INFINITY),
                    _ => Some(i as f64 / 7.0),
                })
                .collect::<Vec<_>>(),
            "s" => (0..n).map(|i| (i % 6 != 0).then(|| format!("a \"q\" é\n{i}"))).collect::<Vec<_>>(),
            "label" => (0..n).map(|i| format!("c{}", i % 3)).collect::<Vec<_>>(),
        )
        .unwrap();
        let dates = Series::new("d".into(), (0..n).collect::<Vec<i32>>())
            .cast(&DataType::Date)
            .unwrap();
        df.with_column(dates.into()).unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let options = ids("id", "label");
        let (whole, report) = read_table(&path, &options);
        // r0..r19 then r0, r1, r2 again: three repeats, across any batch edge.
        assert_eq!(whole.len(), 20, "{report:?}");
        assert_eq!(report.problems.len(), 3);
        let frame = read_parquet(&path).unwrap();
        for row in &whole {
            let i = row.index as usize;
            let mut expected = serde_json::Map::new();
            for c in frame.columns() {
                expected.insert(c.name().to_string(), any_to_json(c.get(i).unwrap()));
            }
            assert_eq!(row.payload, serde_json::Value::Object(expected).to_string());
            assert_eq!(row.label.as_deref(), Some(format!("c{}", i % 3).as_str()));
        }
        for size in [1, 2, 7, 20, 23] {
            let (rows, mut report) = open_table(&path, &options);
            let mut rows = rows.unwrap();
            let mut batched = Vec::new();
            while let Some(batch) = rows.next_batch(size, &mut report) {
                assert!(batch.len() <= size);
                batched.extend(batch);
            }
            assert_eq!(batched, whole, "batches of {size}");
            assert_eq!(report.problems.len(), 3);
        }
    }

    #[test]
    fn embedding_lists_stay_arrays() {
        let (rows, report) = read(
            "e.jsonl",
            b"{\"id\":1,\"emb\":[0.5,-1.0]}\n",
            &TableOptions::default(),
        );
        assert!(report.problems.is_empty(), "{report:?}");
        assert_eq!(rows[0].payload, r#"{"id":1,"emb":[0.5,-1.0]}"#);
    }

    #[test]
    fn empty_and_unknown_files() {
        let (rows, report) = read("e.csv", b"", &TableOptions::default());
        assert!(rows.is_empty() && report.problems.is_empty());
        let (rows, report) = read("t.xlsx", b"x", &TableOptions::default());
        assert!(rows.is_empty());
        assert!(report.problems[0].reason.contains("unknown table format"));
    }

    /// The inputs the fuzzers found that made polars panic, abort or read
    /// out of bounds: each is now a problem for the import and a clear
    /// error for the profile's reader.
    #[test]
    fn what_the_fuzzers_found_is_a_clear_error() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz-corpus");
        for (file, name, says) in [
            (
                "table_csv/crash-d08b7581d3d3ae9aa7e318dbfe7dbc3d40a8ee49",
                "t.csv",
                // It ends after an opening quote, but a stray `"` comes first.
                "line 1: a `\"` inside a field that does not start with one",
            ),
            // A `"` inside an unquoted field on line 1 shifted polars' rows
            // until the file's last field was a lone `"`.
            (
                "table_csv/crash-f45340a7bd8b9697f589c87b28c93550096807eb",
                "t.csv",
                "line 1: a `\"` inside a field that does not start with one",
            ),
            (
                "table_jsonl/crash-2e88611a8e5c4e70f97ace31c7f0a95171e150b4",
                "t.jsonl",
                "not what its name says (Arrow datatype Int128 not supported",
            ),
            (
                "table_parquet/crash-9c5c38c2205a33b1c7091375296c6357dbe29e89",
                "t.parquet",
                "not what its name says (thrift bool field)",
            ),
            // A data page header claiming a negative number of values,
            // which polars took for 2^64 and aborted allocating for.
            (
                "table_parquet/crash-74eeddfc628254257ebd84914d2636cb65a72a43",
                "t.parquet",
                "a data page claims -",
            ),
            // A footer whose byte ranges run past the end of the file.
            (
                "table_parquet/crash-9c94edbd50d6c03faef7d591681a2cad14bbb3a9",
                "t.parquet",
                "",
            ),
        ] {
            let bytes = std::fs::read(corpus.join(file)).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            // An import names what it refused (rows the CSV reader could
            // not split are dropped and the rest, rewritten, read).
            let (_, report) = read_table(&path, &TableOptions::default());
            assert!(!report.problems.is_empty(), "{file}");
            let err = read_frame(&path).unwrap_err();
            assert!(err.contains(says), "{file}: {err}");
        }
    }

    #[test]
    fn quotes_polars_cannot_read_are_found_and_good_ones_are_not() {
        assert_eq!(check_quotes(&b"a,b\n1,\"x\"\"y\"\n"[..], 1), Ok(()));
        assert_eq!(
            check_quotes(&b"a,b\n1,\"two\nlines\"\r\n2,3"[..], 1),
            Ok(())
        );
        let err = check_quotes(&b"a,b\n1,5\" tall\n"[..], 1).unwrap_err();
        assert!(err.starts_with("line 2: a `\"` inside a field"), "{err}");
        let err = check_quotes(&b"a,b\n1,\"x\"y\n"[..], 1).unwrap_err();
        assert!(err.starts_with("line 2: a `\"` inside a field"), "{err}");
        let err = check_quotes(&b"a,b\n1,2\n3,\"\r"[..], 1).unwrap_err();
        assert!(err.starts_with("line 3: a quoted field opens"), "{err}");
    }
}
