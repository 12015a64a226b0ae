use std::io::Write;

use polars::prelude::*;
use triage_core::{Annotation, ItemRow, LabelSchema};

use crate::{Error, Result, TABLE_COLUMNS, source_ref};

/// Writes items as typed columns ([`TABLE_COLUMNS`]) into one Parquet
/// file, a row group at a time: only one group's rows are ever held, so a
/// project of millions of items exports in flat memory. Columns are typed,
/// not text, so pandas, Spark and DuckDB read numbers and times as such.
pub struct ParquetBuilder<W: Write> {
    schema: LabelSchema,
    rows: Rows,
    answers: Option<Answers>,
    /// Where the file goes, until its first row group is written.
    out: Option<W>,
    writer: Option<polars::io::parquet::write::BatchedWriter<W>>,
}

/// One row group's columns.
#[derive(Default)]
struct Rows {
    id: Vec<i64>,
    external_id: Vec<Option<String>>,
    source_ref: Vec<String>,
    row_index: Vec<Option<i64>>,
    label: Vec<Option<String>>,
    class_index: Vec<Option<u32>>,
    label_source: Vec<Option<&'static str>>,
    annotator: Vec<Option<String>>,
    model_version: Vec<Option<i64>>,
    confidence: Vec<Option<f64>>,
    labeled_at_us: Vec<Option<i64>>,
    time_spent_ms: Vec<Option<i64>>,
}

/// Every person's standing answer, one `answer_<name>` column each.
struct Answers {
    names: Vec<String>,
    by_item: std::collections::HashMap<i64, Vec<(usize, u32)>>,
    columns: Vec<Vec<Option<String>>>,
}

impl<W: Write> ParquetBuilder<W> {
    /// Rows in a row group: polars' own default.
    const GROUP: usize = 512 * 512;

    /// A builder writing to `out`.
    pub fn new(schema: LabelSchema, out: W) -> Self {
        Self {
            schema,
            rows: Rows::default(),
            answers: None,
            out: Some(out),
            writer: None,
        }
    }

    /// Adds an `answer_<name>` column per person, with the class name each
    /// gave each item (null where they gave none), from (item, annotator,
    /// class) answers: what a data scientist needs to study agreement.
    pub fn with_answers(mut self, answers: &[(i64, String, u32)]) -> Self {
        let mut names: Vec<String> = answers.iter().map(|a| a.1.clone()).collect();
        names.sort();
        names.dedup();
        let mut by_item: std::collections::HashMap<i64, Vec<(usize, u32)>> = Default::default();
        for (item, who, class) in answers {
            let at = names.binary_search(who).unwrap_or(0);
            by_item.entry(*item).or_default().push((at, *class));
        }
        self.answers = Some(Answers {
            columns: vec![Vec::new(); names.len()],
            names,
            by_item,
        });
        self
    }

    /// Adds one item, writing a row group when one is full.
    pub fn push(&mut self, item: &ItemRow) -> Result<()> {
        let label = item.label.as_ref();
        let class = label.and_then(Annotation::class);
        let rows = &mut self.rows;
        rows.id.push(item.id);
        rows.external_id.push(item.external_id.clone());
        rows.source_ref.push(source_ref(item));
        rows.row_index.push(item.row_index);
        rows.label.push(
            class
                .and_then(|c| self.schema.name_of(c))
                .map(str::to_owned),
        );
        rows.class_index.push(class);
        rows.label_source.push(label.map(|l| l.source.as_str()));
        rows.annotator.push(label.and_then(|l| l.annotator.clone()));
        rows.model_version.push(label.and_then(|l| l.model_version));
        rows.confidence.push(label.and_then(|l| l.confidence));
        rows.labeled_at_us
            .push(label.map(|l| l.at.timestamp_micros()));
        rows.time_spent_ms.push(label.and_then(|l| l.time_spent_ms));
        if let Some(a) = &mut self.answers {
            let given = a.by_item.get(&item.id);
            for (who, column) in a.columns.iter_mut().enumerate() {
                let class = given
                    .and_then(|g| g.iter().find(|x| x.0 == who))
                    .map(|x| x.1);
                column.push(
                    class
                        .and_then(|c| self.schema.name_of(c))
                        .map(str::to_owned),
                );
            }
        }
        if self.rows.id.len() == Self::GROUP {
            self.write_group()?;
        }
        Ok(())
    }

    /// Writes the rows held as one row group (the first also starts the
    /// file, with their columns as its schema).
    fn write_group(&mut self) -> Result<()> {
        let err = |e: PolarsError| Error::Parquet(e.to_string());
        let rows = std::mem::take(&mut self.rows);
        let [
            id,
            external_id,
            source_ref,
            row_index,
            label,
            class_index,
            label_source,
            annotator,
            model_version,
            confidence,
            labeled_at,
            time_spent_ms,
        ] = TABLE_COLUMNS;
        let labeled_at = Series::new(labeled_at.into(), rows.labeled_at_us)
            .cast(&DataType::Datetime(
                TimeUnit::Microseconds,
                Some(TimeZone::UTC),
            ))
            .map_err(err)?;
        let mut columns = vec![
            Column::new(id.into(), rows.id),
            Column::new(external_id.into(), rows.external_id),
            Column::new(source_ref.into(), rows.source_ref),
            Column::new(row_index.into(), rows.row_index),
            Column::new(label.into(), rows.label),
            Column::new(class_index.into(), rows.class_index),
            Column::new(label_source.into(), rows.label_source),
            Column::new(annotator.into(), rows.annotator),
            Column::new(model_version.into(), rows.model_version),
            Column::new(confidence.into(), rows.confidence),
            labeled_at.into(),
            Column::new(time_spent_ms.into(), rows.time_spent_ms),
        ];
        if let Some(a) = &mut self.answers {
            for (name, column) in a.names.iter().zip(&mut a.columns) {
                columns.push(Column::new(
                    format!("answer_{name}").into(),
                    std::mem::take(column),
                ));
            }
        }
        let df = DataFrame::new_infer_height(columns).map_err(err)?;
        if self.writer.is_none() {
            let out = self
                .out
                .take()
                .ok_or_else(|| Error::Parquet("the file was already finished".into()))?;
            self.writer = Some(ParquetWriter::new(out).batched(df.schema()).map_err(err)?);
        }
        if let Some(writer) = &mut self.writer {
            writer.write_batch(&df).map_err(err)?;
        }
        Ok(())
    }

    /// Writes the last row group and the file's footer.
    pub fn finish(mut self) -> Result<()> {
        if !self.rows.id.is_empty() || self.writer.is_none() {
            self.write_group()?;
        }
        if let Some(writer) = &mut self.writer {
            writer.finish().map_err(|e| Error::Parquet(e.to_string()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use triage_core::{ItemKind, TaskKind};

    use super::*;

    fn row(id: i64) -> ItemRow {
        ItemRow {
            id,
            kind: ItemKind::Row,
            uri: None,
            row_index: Some(id - 1),
            external_id: Some(format!("r{id}")),
            content_hash: String::new(),
            width: None,
            height: None,
            payload: None,
            source_uri: "t.csv".into(),
            label: None,
        }
    }

    #[test]
    fn a_large_export_is_written_a_row_group_at_a_time_and_reads_back_whole() {
        let schema =
            LabelSchema::new(TaskKind::RowClassification, &["a".into(), "b".into()]).unwrap();
        let n = 2 * ParquetBuilder::<Vec<u8>>::GROUP + 5;
        let mut file = Vec::new();
        let mut builder = ParquetBuilder::new(schema.clone(), &mut file);
        for id in 1..=n as i64 {
            builder.push(&row(id)).unwrap();
        }
        builder.finish().unwrap();
        let mut reader = ParquetReader::new(std::io::Cursor::new(&file));
        assert_eq!(reader.num_rows().unwrap(), n);
        assert_eq!(reader.get_metadata().unwrap().row_groups.len(), 3);
        let df = reader.finish().unwrap();
        let ids = df.column("id").unwrap().i64().unwrap().clone();
        assert!(ids.into_no_null_iter().eq(1..=n as i64));
        let last = df.column("external_id").unwrap().get(n - 1).unwrap();
        assert_eq!(last, AnyValue::String(&format!("r{n}")));

        // No items still make a file with every column.
        let mut empty = Vec::new();
        ParquetBuilder::new(schema, &mut empty).finish().unwrap();
        let df = ParquetReader::new(std::io::Cursor::new(&empty))
            .finish()
            .unwrap();
        assert_eq!((df.height(), df.width()), (0, TABLE_COLUMNS.len()));
    }
}
