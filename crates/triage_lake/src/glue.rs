//! A Glue Data Catalog table over an export's Parquet, so Athena, Spark
//! and Lake Formation see it as it lands. The table is an external Parquet
//! table whose location is a folder only Parquet goes in; with a split,
//! `split` is its partition column (Hive layout, `split=train/`). It is
//! created or brought up to date after the data and the manifest are in
//! place, and left alone when it already says what it should, so a rerun
//! changes nothing.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_glue::types::{Column, DatabaseInput, PartitionInput, SerDeInfo, StorageDescriptor};
use polars::prelude::{DataType, Schema};

use crate::s3::LakeAccess;
use crate::{Error, Result, credentials};

/// `glue:DATABASE.TABLE`: where an export is catalogued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueTable {
    /// The Glue database, created if missing.
    pub database: String,
    /// The table, created or updated.
    pub table: String,
}

impl GlueTable {
    /// Parses `glue:DATABASE.TABLE`. Glue folds names to lower case and
    /// Athena reads only lower-case letters, digits and underscores, so
    /// only those are taken.
    pub fn parse(spec: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(format!(
                "'{spec}': a catalog is glue:DATABASE.TABLE, each of lower-case letters, \
                 digits and underscores"
            ))
        };
        let rest = spec.strip_prefix("glue:").ok_or_else(bad)?;
        let (database, table) = rest.split_once('.').ok_or_else(bad)?;
        let name_ok = |s: &str| {
            (1..=255).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if !name_ok(database) || !name_ok(table) {
            return Err(bad());
        }
        Ok(Self {
            database: database.to_owned(),
            table: table.to_owned(),
        })
    }

    /// `glue:DATABASE.TABLE`, for messages.
    pub fn name(&self) -> String {
        format!("glue:{}.{}", self.database, self.table)
    }
}

/// What the table should say.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    /// The `s3://…/` folder holding the Parquet (and nothing else).
    pub location: String,
    /// Columns and their Hive types, from the Parquet file.
    pub columns: Vec<(String, String)>,
    /// The split's shares, each a partition `split=<share>/` under the
    /// location; empty without a split.
    pub partitions: Vec<String>,
    /// Table properties: the export id, the job name, each object's
    /// SHA-256.
    pub properties: BTreeMap<String, String>,
}

/// A table's columns with their Hive types, as Athena and Spark name them.
pub fn hive_columns(schema: &Schema) -> Vec<(String, String)> {
    schema
        .iter()
        .map(|(name, dtype)| (name.to_string(), hive_type(dtype)))
        .collect()
}

fn hive_type(dtype: &DataType) -> String {
    use DataType as D;
    match dtype {
        D::Boolean => "boolean".into(),
        D::Int8 => "tinyint".into(),
        D::Int16 | D::UInt8 => "smallint".into(),
        D::Int32 | D::UInt16 => "int".into(),
        D::Int64 | D::UInt32 => "bigint".into(),
        D::UInt64 => "decimal(20,0)".into(),
        D::Float32 => "float".into(),
        D::Float64 => "double".into(),
        D::Date => "date".into(),
        D::Datetime(..) => "timestamp".into(),
        D::Binary => "binary".into(),
        D::List(inner) => format!("array<{}>", hive_type(inner)),
        D::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type(f.dtype())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        // Text, categories and anything else Hive has no closer type for.
        _ => "string".into(),
    }
}

/// Creates or updates `table` to say what `spec` says, and its partitions,
/// signed in as the lake's S3 requests are. Glue is reached at
/// `AWS_ENDPOINT_URL_GLUE` or `AWS_ENDPOINT_URL` when set (as the AWS CLI
/// does), else at AWS in the lake's region.
pub fn register(access: &LakeAccess, table: &GlueTable, spec: &TableSpec) -> Result<()> {
    crate::s3::runtime()?.block_on(async {
        let signed_in =
            credentials::sign_in(access.profile.as_deref(), access.region.as_deref()).await?;
        let endpoint = credentials::endpoint_from_env("GLUE");
        let mut config = aws_sdk_glue::Config::builder()
            .behavior_version(aws_sdk_glue::config::BehaviorVersion::latest())
            .region(aws_sdk_glue::config::Region::new(signed_in.region.clone()))
            .credentials_provider(signed_in.credentials.provider())
            .http_client(signed_in.http.clone());
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint);
        }
        let glue = aws_sdk_glue::Client::from_conf(config.build());
        Catalog { glue, table }.apply(spec).await
    })
}

/// One table's catalog calls.
struct Catalog<'a> {
    glue: aws_sdk_glue::Client,
    table: &'a GlueTable,
}

impl Catalog<'_> {
    /// A failed step, naming the table and the SDK's causes.
    fn fail(&self, step: &str, e: &dyn std::error::Error) -> Error {
        Error::Remote {
            url: self.table.name(),
            reason: format!("{step}: {}", credentials::causes(e)),
        }
    }

    async fn apply(&self, spec: &TableSpec) -> Result<()> {
        let (db, name) = (&self.table.database, &self.table.table);
        let database = DatabaseInput::builder()
            .name(db)
            .build()
            .map_err(|e| self.fail("database", &e))?;
        if let Err(e) = self
            .glue
            .create_database()
            .database_input(database)
            .send()
            .await
            && !e
                .as_service_error()
                .is_some_and(|s| s.is_already_exists_exception())
        {
            return Err(self.fail("create database", &e));
        }
        let input = table_input(name, spec).map_err(|e| self.fail("table", &e))?;
        match self
            .glue
            .get_table()
            .database_name(db)
            .name(name)
            .send()
            .await
        {
            Ok(found) => {
                let same = found.table().is_some_and(|t| says(t, spec));
                if !same {
                    self.glue
                        .update_table()
                        .database_name(db)
                        .table_input(input)
                        .send()
                        .await
                        .map_err(|e| self.fail("update table", &e))?;
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_entity_not_found_exception()) =>
            {
                self.glue
                    .create_table()
                    .database_name(db)
                    .table_input(input)
                    .send()
                    .await
                    .map_err(|e| self.fail("create table", &e))?;
            }
            Err(e) => return Err(self.fail("get table", &e)),
        }
        for share in &spec.partitions {
            self.partition(spec, share).await?;
        }
        Ok(())
    }

    /// The partition `split=<share>`, created or moved to this export.
    async fn partition(&self, spec: &TableSpec, share: &str) -> Result<()> {
        let (db, name) = (&self.table.database, &self.table.table);
        let location = format!("{}split={share}/", spec.location);
        let input = PartitionInput::builder()
            .values(share)
            .storage_descriptor(storage(&spec.columns, &location)?)
            .build();
        let found = self
            .glue
            .get_partition()
            .database_name(db)
            .table_name(name)
            .partition_values(share)
            .send()
            .await;
        match found {
            Ok(found) => {
                let there = found
                    .partition()
                    .and_then(|p| p.storage_descriptor())
                    .and_then(|s| s.location());
                if there != Some(location.as_str()) {
                    self.glue
                        .update_partition()
                        .database_name(db)
                        .table_name(name)
                        .partition_value_list(share)
                        .partition_input(input)
                        .send()
                        .await
                        .map_err(|e| self.fail("update partition", &e))?;
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_entity_not_found_exception()) =>
            {
                self.glue
                    .create_partition()
                    .database_name(db)
                    .table_name(name)
                    .partition_input(input)
                    .send()
                    .await
                    .map_err(|e| self.fail("create partition", &e))?;
            }
            Err(e) => return Err(self.fail("get partition", &e)),
        }
        Ok(())
    }
}

/// An external Parquet table as Athena expects one.
fn table_input(
    name: &str,
    spec: &TableSpec,
) -> std::result::Result<aws_sdk_glue::types::TableInput, Error> {
    let mut input = aws_sdk_glue::types::TableInput::builder()
        .name(name)
        .table_type("EXTERNAL_TABLE")
        .storage_descriptor(storage(&spec.columns, &spec.location)?)
        .set_parameters(Some(parameters(spec)));
    if !spec.partitions.is_empty() {
        input = input.partition_keys(column("split", "string")?);
    }
    input
        .build()
        .map_err(|e| Error::Invalid(format!("Glue table input: {e}")))
}

fn parameters(spec: &TableSpec) -> HashMap<String, String> {
    let mut parameters: HashMap<String, String> = spec.properties.clone().into_iter().collect();
    parameters.insert("classification".into(), "parquet".into());
    parameters.insert("EXTERNAL".into(), "TRUE".into());
    parameters
}

fn column(name: &str, hive: &str) -> Result<Column> {
    Column::builder()
        .name(name)
        .r#type(hive)
        .build()
        .map_err(|e| Error::Invalid(format!("Glue column {name}: {e}")))
}

fn storage(columns: &[(String, String)], location: &str) -> Result<StorageDescriptor> {
    let columns = columns
        .iter()
        .map(|(n, t)| column(n, t))
        .collect::<Result<Vec<_>>>()?;
    Ok(StorageDescriptor::builder()
        .set_columns(Some(columns))
        .location(location)
        .input_format("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
        .output_format("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
        .serde_info(
            SerDeInfo::builder()
                .serialization_library(
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                )
                .build(),
        )
        .build())
}

/// Whether a table already says what `spec` says: columns, location,
/// partition key and properties.
fn says(table: &aws_sdk_glue::types::Table, spec: &TableSpec) -> bool {
    let Some(storage) = table.storage_descriptor() else {
        return false;
    };
    let columns: Vec<(String, String)> = storage
        .columns()
        .iter()
        .map(|c| {
            (
                c.name().to_owned(),
                c.r#type().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let partitioned = !table.partition_keys().is_empty();
    columns == spec.columns
        && storage.location() == Some(spec.location.as_str())
        && partitioned != spec.partitions.is_empty()
        && table.parameters().is_some_and(|p| *p == parameters(spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_are_parsed_or_refused() {
        assert_eq!(
            GlueTable::parse("glue:lake.labels_v2").unwrap(),
            GlueTable {
                database: "lake".into(),
                table: "labels_v2".into()
            }
        );
        for bad in [
            "lake.labels",
            "glue:lake",
            "glue:.t",
            "glue:Lake.t",
            "glue:l.t-1",
        ] {
            let err = GlueTable::parse(bad).unwrap_err().to_string();
            assert!(err.contains("glue:DATABASE.TABLE"), "{bad}: {err}");
        }
    }

    #[test]
    fn polars_types_become_hive_types() {
        use polars::prelude::*;
        let df = df!(
            "id" => [1i64, 2],
            "label" => [Some("a"), None],
            "confidence" => [0.5f64, 1.0],
            "class_index" => [1u32, 0],
            "flag" => [true, false],
        )
        .unwrap();
        let columns = hive_columns(df.schema());
        let typed: Vec<(&str, &str)> = columns
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        assert_eq!(
            typed,
            [
                ("id", "bigint"),
                ("label", "string"),
                ("confidence", "double"),
                ("class_index", "bigint"),
                ("flag", "boolean")
            ]
        );
        let nested = Schema::from_iter([
            Field::new("tags".into(), DataType::List(Box::new(DataType::String))),
            Field::new("day".into(), DataType::Date),
        ]);
        assert_eq!(
            hive_columns(&nested),
            [
                ("tags".to_owned(), "array<string>".to_owned()),
                ("day".to_owned(), "date".to_owned())
            ]
        );
    }
}
