//! A Glue table over an S3 export's Parquet, against moto's Glue: what
//! boto3's Glue client reads back matches the files, a rerun changes
//! nothing, a failed catalog call leaves the export complete, and DuckDB,
//! pyarrow's datasets and pandas read the split export through Hive
//! partitioning with the project's rows and labels. (DuckDB reads the
//! objects once fetched: its S3 reader is an extension it downloads, and
//! this machine has no internet.)

use std::path::Path;
use std::process::{Command, Output};

use crate::s3::{Moto, Recorder, labeled_rows, python};
use crate::{path_str, repo, triage_bin, triage_ok};

/// `triage export` of Parquet (and the manifest) with a 0.8/0.1/0.1 split
/// to `to`, catalogued as `catalog`, with Glue at `glue`.
fn export(endpoint: &str, glue: &str, project: &str, to: &str, catalog: &str) -> Output {
    Command::new(triage_bin())
        .args([
            "export",
            project,
            "--to",
            to,
            "--format",
            "gt-manifest,parquet",
        ])
        .args(["--split", "0.8,0.1,0.1", "--catalog", catalog])
        .args(["--endpoint", endpoint])
        .current_dir(repo())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL_GLUE", glue)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

/// The table and its partitions as boto3's Glue client sees them, as
/// JSON: the whole `get_table` answer, and each partition's values and
/// location.
fn glue_json(moto: &Moto, table: &str) -> serde_json::Value {
    let out = moto.boto3(&format!(
        "glue = boto3.client('glue', endpoint_url=s3.meta.endpoint_url, \
         aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')\n\
         t = glue.get_table(DatabaseName='lake', Name='{table}')['Table']\n\
         parts = glue.get_partitions(DatabaseName='lake', TableName='{table}')['Partitions']\n\
         print(json.dumps({{'table': t, 'partitions': sorted([[p['Values'], \
         p['StorageDescriptor']['Location']] for p in parts])}}, default=str))"
    ));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_parquet_export_gets_a_glue_table_that_matches_its_files() {
    let moto = Moto::with_bucket("lake");
    let tmp = tempfile::tempdir().unwrap();
    let p = labeled_rows(tmp.path(), 300);
    let ps = path_str(&p);
    let out = export(
        &moto.endpoint,
        &moto.endpoint,
        ps,
        "s3://lake/cat",
        "glue:lake.labels",
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("catalogued as glue:lake.labels"), "{said}");

    let found = glue_json(&moto, "labels");
    let table = &found["table"];
    let storage = &table["StorageDescriptor"];
    let location = storage["Location"].as_str().unwrap().to_owned();
    assert!(
        location.starts_with("s3://lake/cat/") && location.ends_with("/table/"),
        "{location}"
    );
    let columns: Vec<(String, String)> = storage["Columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["Name"].as_str().unwrap().to_owned(),
                c["Type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for column in [
        ("id", "bigint"),
        ("label", "string"),
        ("confidence", "double"),
    ] {
        assert!(
            columns.contains(&(column.0.to_owned(), column.1.to_owned())),
            "{column:?} not in {columns:?}"
        );
    }
    assert_eq!(table["PartitionKeys"][0]["Name"], "split");
    assert_eq!(table["TableType"], "EXTERNAL_TABLE");
    let partitions: Vec<(String, String)> = found["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0][0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let shares = ["test", "train", "validation"];
    assert_eq!(
        partitions,
        shares
            .iter()
            .map(|s| (s.to_string(), format!("{location}split={s}/")))
            .collect::<Vec<_>>()
    );
    // The properties name the export and each object's SHA-256, which is
    // the hash the object itself carries.
    let parameters = &table["Parameters"];
    let export_id = location
        .trim_start_matches("s3://lake/cat/")
        .trim_end_matches("/table/");
    assert_eq!(parameters["triage_export_id"], export_id);
    for share in shares {
        let name = format!("table/split={share}/labels.parquet");
        let carried = moto.boto3(&format!(
            "print(s3.head_object(Bucket='lake', Key='cat/{export_id}/{name}')['Metadata']['sha256'])"
        ));
        assert_eq!(
            parameters[format!("sha256:{name}")],
            carried.trim(),
            "{name}"
        );
    }
    // The manifest went out as usual, beside the table's folder.
    moto.boto3(&format!(
        "s3.head_object(Bucket='lake', Key='cat/{export_id}/train/output.manifest')"
    ));

    // A rerun changes nothing: the same table, version and partitions.
    let again = export(
        &moto.endpoint,
        &moto.endpoint,
        ps,
        "s3://lake/cat",
        "glue:lake.labels",
    );
    assert!(again.status.success());
    assert_eq!(glue_json(&moto, "labels"), found);

    // DuckDB reads the table's folder through Hive partitioning: the same
    // rows, labels and shares as a local export of the same split.
    let local = tmp.path().join("local");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&local),
        "--format",
        "parquet",
        "--split",
        "0.8,0.1,0.1",
    ]);
    let fetched = tmp.path().join("fetched");
    moto.boto3(&format!(
        "import os\n\
         for o in s3.list_objects_v2(Bucket='lake', Prefix='cat/{export_id}/table/')['Contents']:\n\
         \x20   dest = os.path.join('{}', o['Key'])\n\
         \x20   os.makedirs(os.path.dirname(dest), exist_ok=True)\n\
         \x20   s3.download_file('lake', o['Key'], dest)",
        path_str(&fetched)
    ));
    let read = |sql: &str| {
        python(&format!(
            "import duckdb\nfor r in duckdb.sql(\"{sql}\").fetchall(): print(*r)"
        ))
    };
    let table_dir = fetched.join(format!("cat/{export_id}/table"));
    let lake_rows = read(&format!(
        "select split, external_id, label from read_parquet('{}/**/*.parquet', \
         hive_partitioning = true) order by all",
        path_str(&table_dir)
    ));
    let local_rows = read(&format!(
        "select split, external_id, label from (\
         select 'train' as split, * from read_parquet('{0}/train/labels.parquet') union all \
         select 'validation', * from read_parquet('{0}/validation/labels.parquet') union all \
         select 'test', * from read_parquet('{0}/test/labels.parquet')) order by all",
        path_str(&local)
    ));
    assert_eq!(lake_rows.lines().count(), 300, "{lake_rows}");
    assert_eq!(lake_rows, local_rows);
    // pyarrow's datasets and pandas read the same rows, `split` included.
    for how in [
        "pyarrow.dataset.dataset(d, format='parquet', partitioning='hive').to_table().to_pandas()",
        "pandas.read_parquet(d)",
    ] {
        let rows = python(&format!(
            "import pandas, pyarrow.dataset\nd = '{}'\nt = {how}\n\
             for r in sorted(zip(t['split'].astype(str), t['external_id'], t['label'])):\n\
             \x20   print(*r)",
            path_str(&table_dir)
        ));
        assert_eq!(rows, lake_rows, "{how}");
    }
    // Every row's label is the one it was imported with (r<i>: a for even i).
    for line in lake_rows.lines() {
        let mut words = line.split_whitespace();
        let (_, id, label) = (words.next(), words.next().unwrap(), words.next().unwrap());
        let i: usize = id.trim_start_matches('r').parse().unwrap();
        assert_eq!(label, ["a", "b"][i % 2], "{line}");
    }

    // A catalog call that fails (the connection to Glue drops) leaves the
    // export complete, says so, and a rerun with Glue reachable converges.
    let glue = Recorder::start(&moto.endpoint);
    glue.drop_on(&["AWSGlue.CreateTable"]);
    let cut = export(
        &moto.endpoint,
        &glue.endpoint,
        ps,
        "s3://lake/cut",
        "glue:lake.cut",
    );
    assert!(!cut.status.success());
    let err = String::from_utf8_lossy(&cut.stderr);
    assert!(
        err.contains("the export is complete at s3://lake/cut/"),
        "{err}"
    );
    assert!(err.contains("catalog entry failed"), "{err}");
    moto.boto3(&format!(
        "s3.head_object(Bucket='lake', Key='cut/{export_id}/train/output.manifest')"
    ));
    glue.drop_on(&[]);
    let rerun = export(
        &moto.endpoint,
        &glue.endpoint,
        ps,
        "s3://lake/cut",
        "glue:lake.cut",
    );
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(
        glue_json(&moto, "cut")["table"]["StorageDescriptor"]["Location"],
        format!("s3://lake/cut/{export_id}/table/")
    );

    // Without Parquet, or to a folder, a catalog is refused before
    // anything is written.
    let refused = crate::triage_err(&[
        "export",
        ps,
        "--to",
        "s3://lake/none",
        "--format",
        "gt-manifest",
        "--catalog",
        "glue:lake.none",
        "--endpoint",
        &moto.endpoint,
    ]);
    assert!(refused.contains("add --format parquet"), "{refused}");
    let refused = crate::triage_err(&[
        "export",
        ps,
        "--to",
        path_str(&tmp.path().join("folder")),
        "--format",
        "parquet",
        "--catalog",
        "glue:lake.none",
    ]);
    assert!(refused.contains("goes to s3://"), "{refused}");
    assert!(!Path::new(&tmp.path().join("folder")).exists());
}
