use polars::prelude::*;
use triage_core::{Annotation, ItemRow, LabelSchema};

use crate::{Error, Result, TABLE_COLUMNS, source_ref};

/// Collects items into typed columns ([`TABLE_COLUMNS`]) and writes them as
/// one Parquet file. Columns are typed, not text, so pandas, Spark and DuckDB
/// read numbers and times as such.
pub struct ParquetBuilder {
    schema: LabelSchema,
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
    answers: Option<Answers>,
}

/// Every person's standing answer, one `answer_<name>` column each.
struct Answers {
    names: Vec<String>,
    by_item: std::collections::HashMap<i64, Vec<(usize, u32)>>,
    columns: Vec<Vec<Option<String>>>,
}

impl ParquetBuilder {
    /// An empty builder.
    pub fn new(schema: LabelSchema) -> Self {
        Self {
            schema,
            id: Vec::new(),
            external_id: Vec::new(),
            source_ref: Vec::new(),
            row_index: Vec::new(),
            label: Vec::new(),
            class_index: Vec::new(),
            label_source: Vec::new(),
            annotator: Vec::new(),
            model_version: Vec::new(),
            confidence: Vec::new(),
            labeled_at_us: Vec::new(),
            time_spent_ms: Vec::new(),
            answers: None,
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

    /// Adds one item.
    pub fn push(&mut self, item: &ItemRow) {
        let label = item.label.as_ref();
        let class = label.and_then(Annotation::class);
        self.id.push(item.id);
        self.external_id.push(item.external_id.clone());
        self.source_ref.push(source_ref(item));
        self.row_index.push(item.row_index);
        self.label.push(
            class
                .and_then(|c| self.schema.name_of(c))
                .map(str::to_owned),
        );
        self.class_index.push(class);
        self.label_source.push(label.map(|l| l.source.as_str()));
        self.annotator.push(label.and_then(|l| l.annotator.clone()));
        self.model_version.push(label.and_then(|l| l.model_version));
        self.confidence.push(label.and_then(|l| l.confidence));
        self.labeled_at_us
            .push(label.map(|l| l.at.timestamp_micros()));
        self.time_spent_ms.push(label.and_then(|l| l.time_spent_ms));
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
    }

    /// Writes the Parquet file.
    pub fn write(self, out: impl std::io::Write) -> Result<()> {
        let err = |e: PolarsError| Error::Parquet(e.to_string());
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
        let labeled_at = Series::new(labeled_at.into(), self.labeled_at_us)
            .cast(&DataType::Datetime(
                TimeUnit::Microseconds,
                Some(TimeZone::UTC),
            ))
            .map_err(err)?;
        let mut columns = vec![
            Column::new(id.into(), self.id),
            Column::new(external_id.into(), self.external_id),
            Column::new(source_ref.into(), self.source_ref),
            Column::new(row_index.into(), self.row_index),
            Column::new(label.into(), self.label),
            Column::new(class_index.into(), self.class_index),
            Column::new(label_source.into(), self.label_source),
            Column::new(annotator.into(), self.annotator),
            Column::new(model_version.into(), self.model_version),
            Column::new(confidence.into(), self.confidence),
            labeled_at.into(),
            Column::new(time_spent_ms.into(), self.time_spent_ms),
        ];
        if let Some(a) = self.answers {
            for (name, column) in a.names.iter().zip(a.columns) {
                columns.push(Column::new(format!("answer_{name}").into(), column));
            }
        }
        let mut df = DataFrame::new_infer_height(columns).map_err(err)?;
        ParquetWriter::new(out).finish(&mut df).map_err(err)?;
        Ok(())
    }
}
