use std::borrow::Cow;
use std::io::Write;

use triage_core::{Annotation, ItemRow, LabelSchema};

use crate::{Error, Result, TABLE_COLUMNS, source_ref};

/// Makes a cell safe to open in a spreadsheet. A cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return could run as a formula, so
/// it gets a leading `'` (OWASP's advice). Plain numbers such as `-1.5` are
/// left alone: they cannot run, and quoting them would change the data.
pub fn csv_guard(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Streams items as CSV rows with [`TABLE_COLUMNS`].
pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    schema: LabelSchema,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header.
    pub fn new(out: W, schema: LabelSchema) -> Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(TABLE_COLUMNS).map_err(csv_err)?;
        Ok(Self { out, schema })
    }

    /// Writes one item.
    pub fn push(&mut self, item: &ItemRow) -> Result<()> {
        let label = item.label.as_ref();
        let class = label.and_then(Annotation::class);
        let cells: [String; 12] = [
            item.id.to_string(),
            item.external_id.clone().unwrap_or_default(),
            source_ref(item),
            item.row_index.map(|r| r.to_string()).unwrap_or_default(),
            class
                .and_then(|c| self.schema.name_of(c))
                .unwrap_or_default()
                .to_owned(),
            class.map(|c| c.to_string()).unwrap_or_default(),
            label
                .map(|l| l.source.as_str().to_owned())
                .unwrap_or_default(),
            label.and_then(|l| l.annotator.clone()).unwrap_or_default(),
            label
                .and_then(|l| l.model_version)
                .map(|v| v.to_string())
                .unwrap_or_default(),
            label
                .and_then(|l| l.confidence)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            label
                .map(|l| l.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                .unwrap_or_default(),
            label
                .and_then(|l| l.time_spent_ms)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        ];
        self.out
            .write_record(cells.iter().map(|c| csv_guard(c).into_owned()))
            .map_err(csv_err)
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> Result<W> {
        self.out
            .into_inner()
            .map_err(|e| Error::Invalid(format!("CSV export: {}", e.error())))
    }
}

fn csv_err(e: csv::Error) -> Error {
    Error::Invalid(format!("CSV export: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_formulas_but_not_numbers() {
        for risky in [
            "=1+1",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(csv_guard(risky), format!("'{risky}"));
        }
        for safe in ["-1.5", "+3", "plain", "", "a=b", "1e-3"] {
            assert_eq!(csv_guard(safe), safe);
        }
    }
}
