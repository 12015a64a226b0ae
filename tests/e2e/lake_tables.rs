//! Tables read straight from the lake: a prefix of Parquet objects (and a
//! CSV one) on moto_server, one of them damaged, imported and profiled by
//! the real CLI. The objects are written by pandas and pyarrow, not by us.

use serde_json::Value;

use crate::s3::{Moto, triage_s3};
use crate::{PENGUINS_CSV, init_project, path_str, repo, triage_ok};

const PREFIX: &str = "s3://lake/penguins/";
const DAMAGED: &str = "s3://lake/penguins/year=2009/part-2.parquet";

/// The penguins in the lake under `penguins/`: rows 0–99 and 100–219 as
/// Parquet in two folders, rows 220–343 as CSV, the third Parquet part cut
/// in half as an interrupted upload leaves it, Spark's `_SUCCESS` marker
/// and a stray note. Returns the ids of the rows that can be read.
fn penguins_in_the_lake(moto: &Moto) -> Vec<String> {
    let csv = repo().join(PENGUINS_CSV);
    let out = moto.boto3(&format!(
        "import io, pandas\n\
         df = pandas.read_csv('{csv}')\n\
         def parquet(part):\n\
         \x20   b = io.BytesIO(); part.to_parquet(b, index=False); return b.getvalue()\n\
         s3.put_object(Bucket='lake', Key='penguins/year=2007/part-0.parquet', Body=parquet(df[:100]))\n\
         s3.put_object(Bucket='lake', Key='penguins/year=2008/part-1.parquet', Body=parquet(df[100:220]))\n\
         s3.put_object(Bucket='lake', Key='penguins/more/part-3.csv', Body=df[220:].to_csv(index=False).encode())\n\
         whole = parquet(df[220:])\n\
         s3.put_object(Bucket='lake', Key='penguins/year=2009/part-2.parquet', Body=whole[:len(whole) // 2])\n\
         s3.put_object(Bucket='lake', Key='penguins/_SUCCESS', Body=b'')\n\
         s3.put_object(Bucket='lake', Key='penguins/README.txt', Body=b'penguins by year')\n\
         print(' '.join(df['id'][:220]) + ' ' + ' '.join(df['id'][220:]))",
        csv = csv.display()
    ));
    out.split_whitespace().map(str::to_owned).collect()
}

fn profile_json(moto: &Moto, extra: &[&str]) -> Value {
    let mut args = vec!["profile", PREFIX, "--json", "-"];
    args.extend_from_slice(extra);
    let out = triage_s3(&moto.endpoint, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(DAMAGED),
        "the damaged part is named: {stderr}"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn column<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn a_prefix_of_parquet_and_csv_objects_imports_and_profiles_with_the_damaged_one_named() {
    let moto = Moto::with_bucket("lake");
    let ids = penguins_in_the_lake(&moto);
    assert_eq!(ids.len(), 344);
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    init_project(ps, "row-classification", "Adelie,Chinstrap,Gentoo", &[]);

    // Import: every readable row comes in, labeled; the damaged part and
    // the note are reported by address; the marker is not mentioned.
    let out = triage_s3(
        &moto.endpoint,
        &[
            "import",
            ps,
            PREFIX,
            "--id-column",
            "id",
            "--label-column",
            "species",
        ],
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Exit 3: finished, with parts skipped.
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(said.contains("imported 344 items"), "{said}");
    assert!(said.contains(DAMAGED), "{said}");
    assert!(said.contains("s3://lake/penguins/README.txt"), "{said}");
    assert!(!said.contains("_SUCCESS"), "{said}");
    let status: Value = serde_json::from_str(&triage_ok(&["status", ps, "--json"])).unwrap();
    assert_eq!(status["counts"]["items"], 344, "{status}");
    assert_eq!(status["counts"]["import"], 344, "{status}");
    // Each item keeps its object's address and its row there.
    let keys = crate::s3::python(&format!(
        "import sqlite3\n\
         db = sqlite3.connect('{}')\n\
         print(db.execute(\"select ref_key from items where external_id = 'p221'\").fetchone()[0])",
        p.join(triage_api::DB_FILE).display()
    ));
    assert_eq!(keys.trim(), "s3://lake/penguins/more/part-3.csv#0");

    // The same prefix again adds nothing.
    let again = triage_s3(&moto.endpoint, &["import", ps, PREFIX, "--id-column", "id"]);
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("imported 0 items"), "{said}");

    // Profiles, exact and streamed, of the readable parts as one table:
    // the same counts, missing values, extremes and means as the local
    // file's exact profile, and the damaged part named in `skipped`.
    let local: Value =
        serde_json::from_str(&triage_ok(&["profile", PENGUINS_CSV, "--json", "-"])).unwrap();
    for mode in ["--exact", "--streaming"] {
        let lake = profile_json(&moto, &[mode]);
        assert_eq!(lake["source"], PREFIX);
        assert_eq!(lake["rows"], 344, "{mode}");
        let skipped: Vec<&str> = lake["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            skipped,
            ["s3://lake/penguins/README.txt", DAMAGED],
            "{mode}"
        );
        assert_eq!(
            lake["method"]["mode"],
            mode.trim_start_matches("--"),
            "{mode}"
        );
        for name in ["bill_length_mm", "flipper_length_mm", "body_mass_g", "year"] {
            let (a, b) = (column(&lake, name), column(&local, name));
            for fact in ["count", "missing"] {
                assert_eq!(a[fact], b[fact], "{mode} {name} {fact}");
            }
            for stat in ["min", "max", "mean"] {
                let (x, y) = (
                    a["numeric"][stat].as_f64().unwrap(),
                    b["numeric"][stat].as_f64().unwrap(),
                );
                assert!(
                    (x - y).abs() < 1e-9 * y.abs().max(1.0),
                    "{mode} {name} {stat}: {x} vs {y}"
                );
            }
        }
        for name in ["species", "island", "sex"] {
            let (a, b) = (column(&lake, name), column(&local, name));
            assert_eq!(a["missing"], b["missing"], "{mode} {name}");
            assert_eq!(a["distinct"], b["distinct"], "{mode} {name}");
            assert_eq!(a["top_values"], b["top_values"], "{mode} {name}");
        }
    }

    // The HTML report names the part it could not read.
    let html = tmp.path().join("lake.html");
    let out = triage_s3(
        &moto.endpoint,
        &["profile", PREFIX, "--html", path_str(&html)],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Not read") && page.contains(DAMAGED));
}

#[test]
fn a_prefix_with_nothing_readable_is_an_error_naming_why() {
    let moto = Moto::with_bucket("lake");
    moto.boto3("s3.put_object(Bucket='lake', Key='bad/part-0.parquet', Body=b'PAR1 not really')");
    let out = triage_s3(&moto.endpoint, &["profile", "s3://lake/bad/"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("s3://lake/bad/part-0.parquet"), "{stderr}");
    let out = triage_s3(&moto.endpoint, &["profile", "s3://lake/nothing-here/"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("nothing found at s3://lake/nothing-here/"),
        "{stderr}"
    );
}
