//! Profiles of small tables checked by hand, the bundled datasets as
//! snapshots, and charts rendered to real PNG and SVG.

// A test binary: helpers panic on purpose so that failures point at them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use triage_profile::images::{ImageInput, profile_images};
use triage_profile::{Kind, Options, Profile, charts, html, profile_table};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn profile_csv(text: &str) -> Profile {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", text.as_bytes());
    profile_table(&path, &Options::default()).unwrap()
}

fn column<'a>(p: &'a Profile, name: &str) -> &'a triage_profile::ColumnProfile {
    p.columns.iter().find(|c| c.name == name).unwrap()
}

/// The value as JSON with every float rounded to 10 significant digits, so
/// snapshots hold the statistics, not the last bits of a summation order.
fn rounded(value: impl serde::Serialize) -> serde_json::Value {
    fn walk(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap();
                let r: f64 = format!("{f:.9e}").parse().unwrap();
                serde_json::json!(r)
            }
            Value::Array(a) => Value::Array(a.into_iter().map(walk).collect()),
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, walk(v))).collect()),
            v => v,
        }
    }
    walk(serde_json::to_value(value).unwrap())
}

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

#[test]
fn hand_computed_statistics_with_nulls() {
    let p = profile_csv("x,c\n1,a\n2,b\n,a\n4,NA\n10,a\n");
    assert_eq!(p.rows, 5);
    let x = column(&p, "x");
    assert_eq!((x.count, x.missing, x.distinct), (4, 1, 4));
    let n = x.numeric.as_ref().unwrap();
    // 1, 2, 4, 10: mean 4.25; sample variance (10.5625+5.0625+0.0625+33.0625)/3.
    assert_eq!((n.min, n.max, n.mean), (1.0, 10.0, 4.25));
    assert!((n.std - (48.75f64 / 3.0).sqrt()).abs() < 1e-12);
    // Median between 2 and 4; p25 at position 0.75 → 1.75.
    assert_eq!((n.quantiles.p50, n.quantiles.p25), (3.0, 1.75));
    let c = column(&p, "c");
    assert_eq!((c.count, c.missing, c.distinct), (4, 1, 2));
    assert_eq!(c.kind, Kind::Categorical);
    assert_eq!(
        (c.top_values[0].value.as_str(), c.top_values[0].count),
        ("a", 3)
    );
    // 20% missing is at the threshold, not above it.
    assert!(!p.alerts.iter().any(|a| a.kind == "high-missing"));
}

#[test]
fn spearman_ranks_ties_by_hand() {
    // x ranks 1, 2.5, 2.5, 4 against 1, 2, 3, 4: r = 4.5 / √22.5.
    let p = profile_csv("x,y,z\n1,1,1\n2,2,8\n2,3,27\n3,4,64\n");
    let m = p.dataset.numeric_correlations.as_ref().unwrap();
    assert_eq!(m.columns, ["x", "y", "z"]);
    let spearman = m.spearman.as_ref().unwrap();
    assert!((spearman[0][1].unwrap() - 4.5 / 22.5f64.sqrt()).abs() < 1e-12);
    // y and z = y³ are monotone: ρ is 1 while r is not.
    assert!((spearman[1][2].unwrap() - 1.0).abs() < 1e-12);
    assert!(m.primary[1][2].unwrap() < 0.99);
}

#[test]
fn empty_table_single_row_and_all_null_columns() {
    let p = profile_csv("a,b\n");
    assert_eq!(p.rows, 0);
    assert_eq!(p.columns.len(), 2);
    assert!(
        p.columns
            .iter()
            .all(|c| c.count == 0 && c.numeric.is_none())
    );

    let p = profile_csv("a,b\n7,x\n");
    let a = column(&p, "a");
    let n = a.numeric.as_ref().unwrap();
    assert_eq!((n.min, n.max, n.std, n.quantiles.p95), (7.0, 7.0, 0.0, 7.0));
    assert_eq!(p.dataset.duplicate_rows, 0);

    let p = profile_csv("a,b\n,1\n,2\n,1\n");
    let a = column(&p, "a");
    assert_eq!((a.count, a.missing, a.distinct), (0, 3, 0));
    assert!(a.top_values.is_empty());
    assert!(
        p.alerts
            .iter()
            .any(|x| x.kind == "high-missing" && x.column.as_deref() == Some("a"))
    );
    // Rows 1 and 3 are the same.
    assert_eq!(p.dataset.duplicate_rows, 1);
    assert!(p.alerts.iter().any(|x| x.kind == "duplicates"));
}

#[test]
fn mixed_types_are_text_with_an_alert() {
    // The text value comes after the rows polars infers types from.
    let mut csv = String::from("m\n");
    for i in 0..12_000 {
        csv.push_str(&format!("{i}\n"));
    }
    csv.push_str("oops\n");
    let p = profile_csv(&csv);
    let m = column(&p, "m");
    assert_eq!(m.dtype, "str");
    assert_eq!(m.count, 12_001);
    let alert = p.alerts.iter().find(|a| a.kind == "mixed-types").unwrap();
    assert!(alert.value > 0.99 && alert.value < 1.0);
}

#[test]
fn invalid_utf8_is_an_error_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad.csv", b"a,b\n1,x\n2,\xff\xfe\n");
    let err = profile_table(&path, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.csv"), "{err}");
    assert!(err.contains("invalid UTF-8 at line 3, byte 10"), "{err}");
}

#[test]
fn unknown_files_and_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = profile_table(&dir.path().join("none.csv"), &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("none.csv") && err.contains("no such file"),
        "{err}"
    );
    let path = write(dir.path(), "t.txt", b"a\n1\n");
    let err = profile_table(&path, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown table format"), "{err}");
    let path = write(dir.path(), "t.csv", b"a\n1\n");
    let options = Options {
        label_column: Some("label".into()),
        ..Options::default()
    };
    let err = profile_table(&path, &options).unwrap_err().to_string();
    assert!(err.contains("no label column `label`"), "{err}");
}

#[test]
fn kinds_are_inferred_and_can_be_overridden() {
    let path = datasets().join("penguins.csv");
    let p = profile_table(&path, &Options::default()).unwrap();
    let kind = |n: &str| column(&p, n).kind;
    assert_eq!(kind("id"), Kind::Identifier);
    assert_eq!(kind("species"), Kind::Categorical);
    assert_eq!(kind("year"), Kind::Ordinal);
    assert_eq!(kind("bill_length_mm"), Kind::Quantitative);
    assert_eq!(kind("body_mass_g"), Kind::Quantitative);

    let mut options = Options::default();
    options.kinds.insert("year".into(), Kind::Categorical);
    let p = profile_table(&path, &options).unwrap();
    let year = column(&p, "year");
    assert_eq!((year.kind, year.kind_overridden), (Kind::Categorical, true));
}

#[test]
fn datetime_and_text_columns() {
    let mut csv = String::from("day,note\n");
    for i in 1..=28 {
        csv.push_str(&format!(
            "2024-02-{i:02},\"a rather long note number {i} about this row\"\n"
        ));
    }
    let p = profile_csv(&csv);
    let day = column(&p, "day");
    assert_eq!(day.kind, Kind::Datetime);
    let d = day.datetime.as_ref().unwrap();
    assert_eq!(
        (d.min.as_str(), d.max.as_str()),
        ("2024-02-01", "2024-02-28")
    );
    let note = column(&p, "note");
    assert_eq!(note.kind, Kind::Text);
    let len = note.text_length.as_ref().unwrap();
    assert_eq!((len.min, len.max), (42.0, 43.0));
}

#[test]
fn datetimes_keep_their_time_of_day() {
    let p = profile_csv("at\n2024-03-01T10:30:00\n2024-03-01T10:30:00\n2024-03-02T08:00:00\n");
    let at = column(&p, "at");
    assert_eq!(at.kind, Kind::Datetime);
    let d = at.datetime.as_ref().unwrap();
    assert_eq!(d.min, "2024-03-01T10:30:00.000Z");
    assert_eq!(d.max, "2024-03-02T08:00:00.000Z");
    assert_eq!((at.distinct, at.top_values[0].count), (2, 2));
    assert_eq!(at.top_values[0].value, "2024-03-01T10:30:00.000Z");
}

#[test]
fn penguins_profile_snapshot() {
    let path = datasets().join("penguins.csv");
    let options = Options {
        label_column: Some("species".into()),
        ..Options::default()
    };
    let mut p = profile_table(&path, &options).unwrap();
    p.source = "datasets/penguins.csv".into();
    let labels = p.labels.as_ref().unwrap();
    assert_eq!(labels.labeled, 344);
    assert_eq!(labels.distribution[0].value, "Adelie");
    // Flipper length separates species well; η is large.
    let flipper = labels
        .features
        .iter()
        .find(|f| f.column == "flipper_length_mm")
        .unwrap();
    assert!(flipper.value > 0.8, "{flipper:?}");
    insta::assert_json_snapshot!("penguins", rounded(&p));
}

#[test]
fn photos_image_profile_snapshot() {
    let dir = datasets().join("photos");
    let mut inputs: Vec<ImageInput> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|path| ImageInput {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            path,
            thumbnail: None,
        })
        .collect();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    // A copy under another name is a near-duplicate; a text file is unreadable.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("chelsea-copy.jpg");
    std::fs::copy(dir.join("chelsea.jpg"), &copy).unwrap();
    let junk = write(tmp.path(), "junk.png", b"not an image");
    for (name, path) in [("chelsea-copy.jpg", copy), ("junk.png", junk)] {
        inputs.push(ImageInput {
            name: name.into(),
            path,
            thumbnail: None,
        });
    }
    let facts = profile_images(&inputs);
    assert_eq!((facts.files, facts.readable), (8, 7));
    assert_eq!(
        facts.near_duplicates,
        vec![vec!["chelsea-copy.jpg".to_string(), "chelsea.jpg".into()]]
    );
    insta::assert_json_snapshot!("photos", rounded(&facts));
}

#[test]
fn digits_image_profile_snapshot() {
    let mut inputs = Vec::new();
    for class in 0..10 {
        let dir = datasets().join("digits").join(class.to_string());
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            inputs.push(ImageInput {
                name: format!("{class}/{}", path.file_name().unwrap().to_string_lossy()),
                path,
                thumbnail: None,
            });
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    let mut facts = profile_images(&inputs);
    assert_eq!((facts.files, facts.readable), (1797, 1797));
    let groups = facts.near_duplicates.len();
    facts.near_duplicates.truncate(3);
    insta::assert_json_snapshot!("digits", rounded((groups, facts)));
}

#[test]
fn every_chart_renders_to_png_and_svg_of_its_size() {
    let path = datasets().join("penguins.csv");
    let options = Options {
        label_column: Some("species".into()),
        ..Options::default()
    };
    let p = profile_table(&path, &options).unwrap();
    let all = charts::charts_for(&p);
    let kinds: Vec<&str> = all
        .iter()
        .map(|k| k.key.rsplit('/').next().unwrap())
        .collect();
    for expected in [
        "histogram",
        "box",
        "top",
        "pearson",
        "spearman",
        "cramers-v",
        "distribution",
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected} missing from {kinds:?}"
        );
    }
    let out = std::env::var_os("TRIAGE_CHART_DIR").map(PathBuf::from);
    for k in &all {
        let png = charts::png(&k.chart).unwrap();
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), k.chart.size(), "{}", k.key);
        // Not blank: a chart has more than the background colour.
        let rgb = img.to_rgb8();
        assert!(rgb.pixels().any(|p| p.0 != [255, 255, 255]), "{}", k.key);
        let svg = charts::svg(&k.chart).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("</svg>"),
            "{}",
            k.key
        );
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join(format!("{}.png", k.key.replace('/', "_"))), png).unwrap();
        }
    }
}

#[test]
fn degenerate_charts_still_render() {
    use triage_profile::charts::Chart;
    use triage_profile::{Histogram, Quantiles};
    let q = Quantiles {
        p5: 3.0,
        p25: 3.0,
        p50: 3.0,
        p75: 3.0,
        p95: 3.0,
    };
    for chart in [
        Chart::Bars {
            title: "one".into(),
            x_label: "rows".into(),
            bars: vec![("a".into(), 1)],
        },
        Chart::Bars {
            title: "none".into(),
            x_label: "rows".into(),
            bars: vec![],
        },
        Chart::Heatmap {
            title: "one".into(),
            columns: vec!["a".into()],
            values: vec![vec![Some(1.0)]],
        },
        Chart::BoxPlot {
            title: "flat".into(),
            x_label: "x".into(),
            quantiles: q,
            min: 3.0,
            max: 3.0,
        },
        Chart::Histogram {
            title: "flat".into(),
            x_label: "x".into(),
            y_label: "rows".into(),
            histogram: Histogram {
                edges: vec![3.0, 3.0],
                counts: vec![5],
            },
            dates: false,
        },
    ] {
        let png = charts::png(&chart).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), chart.size());
    }
}

#[test]
fn html_report_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.csv",
        b"name,x\n<script>alert(1)</script>,1\nb,2\nc,3\n",
    );
    let p = profile_table(&path, &Options::default()).unwrap();
    let report = html::report(&p).unwrap();
    assert!(report.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!report.contains("<script"));
    assert!(!report.contains("http://") && !report.contains("https://"));
    assert!(report.contains("data:image/png;base64,"));
}

#[test]
fn json_round_trips_with_its_schema() {
    let p = profile_csv("a,b\n1,x\n2,y\n");
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.starts_with("{\"schema\":\"triage-profile/1\""));
    let back: Profile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn csv_parquet_and_json_lines_give_the_same_profile() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "t.csv", b"k,x,c\nr1,1.5,a\nr2,2.5,b\nr3,,a\n");
    let jsonl = write(
        dir.path(),
        "t.jsonl",
        b"{\"k\":\"r1\",\"x\":1.5,\"c\":\"a\"}\n{\"k\":\"r2\",\"x\":2.5,\"c\":\"b\"}\n{\"k\":\"r3\",\"x\":null,\"c\":\"a\"}\n",
    );
    let mut df = triage_profile::read_table(&csv).unwrap();
    let parquet = dir.path().join("t.parquet");
    polars::prelude::ParquetWriter::new(std::fs::File::create(&parquet).unwrap())
        .finish(&mut df)
        .unwrap();
    let profiles: Vec<Profile> = [&csv, &jsonl, &parquet]
        .iter()
        .map(|p| {
            let mut p = profile_table(p, &Options::default()).unwrap();
            p.source.clear();
            p
        })
        .collect();
    assert_eq!(profiles[0], profiles[1]);
    assert_eq!(profiles[0], profiles[2]);
    assert_eq!(column(&profiles[0], "x").missing, 1);
}

/// The bad-input corpus: every broken table is an error that names its
/// file and the position of the first problem.
#[test]
fn the_corpus_gives_errors_with_positions() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/tables");
    for (name, expected) in [
        ("bad_utf8.csv", "invalid UTF-8 at line 3"),
        ("ragged.csv", "line 3 has 2 fields but the header has 3"),
        ("bad.jsonl", "line 2: not JSON"),
    ] {
        let err = profile_table(&corpus.join(name), &Options::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever bytes a table holds, profiling returns a profile or an error
    /// naming the file; it never panics.
    #[test]
    fn random_bytes_never_panic(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        ext in proptest::sample::select(vec!["csv", "jsonl", "parquet"]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &format!("f.{ext}"), &bytes);
        if let Err(e) = profile_table(&path, &Options::default()) {
            proptest::prop_assert!(e.to_string().contains(&format!("f.{ext}")), "{e}");
        }
    }

    /// The penguins with a few bytes changed: same promise.
    #[test]
    fn mutated_penguins_never_panic(
        edits in proptest::collection::vec((0usize..20_000, proptest::prelude::any::<u8>()), 1..8),
    ) {
        let mut bytes = std::fs::read(datasets().join("penguins.csv")).unwrap();
        for (at, b) in edits {
            let n = bytes.len();
            bytes[at % n] = b;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "p.csv", &bytes);
        let options = Options { label_column: Some("species".into()), ..Options::default() };
        if let Err(e) = profile_table(&path, &options) {
            proptest::prop_assert!(e.to_string().contains("p.csv"), "{e}");
        }
    }
}

/// A split's shares get their own label distribution, and each share is
/// compared with `train`: here `test` holds larger values of `x` than
/// `train`, and `validation` the same values, so only test drifts.
#[test]
fn split_shares_are_compared_with_train() {
    let mut csv = String::from("x,label,share\n");
    for i in 0..300 {
        let (share, x) = match i % 3 {
            0 => ("train", i % 50),
            1 => ("validation", i % 50),
            _ => ("test", 100 + i % 50),
        };
        let label = if i % 4 == 0 { "a" } else { "b" };
        csv.push_str(&format!("{x},{label},{share}\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", csv.as_bytes());
    let options = Options {
        label_column: Some("label".into()),
        split_column: Some("share".into()),
        ..Options::default()
    };
    let p = profile_table(&path, &options).unwrap();
    assert!(p.columns.iter().all(|c| c.name != "share"), "kept aside");
    let l = p.labels.as_ref().unwrap();
    let names: Vec<&str> = l.splits.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["train", "validation", "test"]);
    for s in &l.splits {
        assert_eq!((s.rows, s.labeled), (100, 100));
        let counts: u64 = s.distribution.iter().map(|c| c.count).sum();
        assert_eq!(counts, 100);
        assert_eq!(s.distribution[0].value, l.distribution[0].value);
    }
    let x: Vec<(&str, &str, f64)> = l
        .drift
        .iter()
        .filter(|d| d.column == "x")
        .map(|d| (d.reference.as_str(), d.compared.as_str(), d.statistic))
        .collect();
    assert_eq!(x.len(), 2, "{x:?}");
    let psi = |part: &str| x.iter().find(|d| d.1 == part).unwrap().2;
    assert!(x.iter().all(|d| d.0 == "train"));
    assert!(psi("validation") < 0.1 && psi("test") > 1.0, "{x:?}");
    let drifted: Vec<&str> = p
        .alerts
        .iter()
        .filter(|a| a.kind == "drift")
        .map(|a| a.message.as_str())
        .collect();
    assert_eq!(drifted.len(), 1, "{drifted:?}");
    assert!(drifted[0].starts_with("test rows differ from train rows"));
    let report = html::report(&p).unwrap();
    assert!(report.contains("<h3>Split</h3>") && report.contains("test (100 rows)"));
}

/// A streaming profile of the penguins gives what the exact one gives
/// wherever both are exact: counts, missing values, distinct counts and top
/// values of columns with few values, min, max, mean, standard deviation and
/// skewness; quantiles are within the stated rank error, and Pearson's r
/// agrees.
#[test]
fn streaming_penguins_match_the_exact_profile_where_both_are_exact() {
    use triage_profile::streaming::profile_table_streaming;
    let path = datasets().join("penguins.csv");
    let options = Options {
        label_column: Some("species".into()),
        ..Options::default()
    };
    let exact = profile_table(&path, &options).unwrap();
    let streamed = profile_table_streaming(&path, &options).unwrap();
    assert_eq!(streamed.method.mode, triage_profile::Mode::Streaming);
    assert_eq!(exact.method.mode, triage_profile::Mode::Exact);
    let error = streamed.method.quantile_rank_error.unwrap();
    assert!(error > 0.0 && error < 0.01, "{error}");
    assert_eq!(streamed.rows, exact.rows);
    assert_eq!(streamed.columns.len(), exact.columns.len());
    for (s, e) in streamed.columns.iter().zip(&exact.columns) {
        assert_eq!(
            (&s.name, &s.dtype, s.kind, s.count, s.missing),
            (&e.name, &e.dtype, e.kind, e.count, e.missing)
        );
        // Fewer distinct values than the counters: exact.
        assert!(s.distinct_exact);
        assert_eq!((s.distinct, s.top_values_shortfall), (e.distinct, 0));
        assert_eq!(s.top_values, e.top_values, "{}", s.name);
        match (&s.numeric, &e.numeric) {
            (Some(a), Some(b)) => {
                assert_eq!((a.min, a.max, a.zeros), (b.min, b.max, b.zeros));
                for (x, y) in [(a.mean, b.mean), (a.std, b.std), (a.skewness, b.skewness)] {
                    assert!(
                        (x - y).abs() <= 1e-9 * (1.0 + y.abs()),
                        "{}: {x} vs {y}",
                        s.name
                    );
                }
                // Every quantile within the rank error: its value lies
                // between the exact quantiles error away on either side.
                let column = triage_profile::read_table(&path).unwrap();
                let mut values: Vec<f64> = column
                    .column(&s.name)
                    .unwrap()
                    .cast(&polars::prelude::DataType::Float64)
                    .unwrap()
                    .f64()
                    .unwrap()
                    .iter()
                    .flatten()
                    .collect();
                values.sort_by(f64::total_cmp);
                let n = values.len() as f64;
                let q = &a.quantiles;
                for (p, v) in [
                    (0.05, q.p5),
                    (0.25, q.p25),
                    (0.5, q.p50),
                    (0.75, q.p75),
                    (0.95, q.p95),
                ] {
                    let below = values.partition_point(|&x| x < v) as f64 / n;
                    let upto = values.partition_point(|&x| x <= v) as f64 / n;
                    assert!(
                        below - error <= p && p <= upto + error,
                        "{} p{p}: {v}",
                        s.name
                    );
                }
                assert_eq!(
                    a.histogram.counts.iter().sum::<u64>(),
                    b.histogram.counts.iter().sum::<u64>()
                );
            }
            (None, None) => {}
            other => panic!("{}: {other:?}", s.name),
        }
    }
    let (se, ee) = (
        streamed.dataset.numeric_correlations.as_ref().unwrap(),
        exact.dataset.numeric_correlations.as_ref().unwrap(),
    );
    assert_eq!(se.columns, ee.columns);
    for (rs, re) in se.primary.iter().zip(&ee.primary) {
        for (a, b) in rs.iter().zip(re) {
            match (a, b) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{a} vs {b}"),
                (a, b) => assert_eq!(a, b),
            }
        }
    }
    assert_eq!(
        streamed.method.omitted,
        [
            "Spearman correlations",
            "categorical associations",
            "label views"
        ]
    );
}

/// Many batches of a generated table: quantiles within the stated rank
/// error, distinct counts within 2%, and the top values of a column with few
/// values exact, against the exact profile of the same file.
#[test]
fn streaming_profile_of_many_batches_stays_within_its_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,x,skewed,colour,when\n");
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let colours = ["red", "green", "blue", "amber"];
    let rows = 300_000;
    // The last 1,000 rows repeat the first 1,000: duplicates batches apart.
    let repeats = 1_000;
    let mut first = String::new();
    for i in 0..rows - repeats {
        let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
        let x = (next() % 50_000) as f64 / 4.0;
        let colour = colours[(next() % 100).min(97) as usize / 25];
        let line = format!(
            "r{i},{x},{:.6},{colour},2024-01-{:02}\n",
            (-u.max(1e-12).ln()) * 3.0,
            1 + i % 28
        );
        if i < repeats {
            first.push_str(&line);
        }
        csv.push_str(&line);
    }
    csv.push_str(&first);
    let path = write(dir.path(), "big.csv", csv.as_bytes());
    let exact = profile_table(&path, &Options::default()).unwrap();
    let streamed =
        triage_profile::streaming::profile_table_streaming(&path, &Options::default()).unwrap();
    let error = streamed.method.quantile_rank_error.unwrap();
    assert_eq!(streamed.rows, rows);
    assert_eq!(exact.dataset.duplicate_rows, repeats);
    assert_eq!(streamed.dataset.duplicate_rows, repeats);
    assert!(streamed.alerts.iter().any(|a| a.kind == "duplicates"));
    for (s, e) in streamed.columns.iter().zip(&exact.columns) {
        assert_eq!(
            (s.count, s.missing, s.kind),
            (e.count, e.missing, e.kind),
            "{}",
            s.name
        );
        let relative = (s.distinct as f64 - e.distinct as f64).abs() / e.distinct as f64;
        assert!(
            relative <= 0.02,
            "{}: {} vs {}",
            s.name,
            s.distinct,
            e.distinct
        );
        // Values above 1% of the rows: found, with their exact counts.
        for top in e.top_values.iter().filter(|v| v.count * 100 > rows) {
            assert!(s.top_values.contains(top), "{}: {top:?}", s.name);
        }
        if let (Some(a), Some(b)) = (&s.numeric, &e.numeric) {
            assert_eq!((a.min, a.max), (b.min, b.max));
            assert!((a.mean - b.mean).abs() <= 1e-9 * b.mean.abs().max(1.0));
            let hist: u64 = a.histogram.counts.iter().sum();
            assert_eq!(hist, s.count);
        }
    }
    // x is uniform: a rank error ε moves a quantile by at most ε of its
    // range (and one step of 0.25).
    let (a, b) = (
        column(&streamed, "x").numeric.as_ref().unwrap(),
        column(&exact, "x").numeric.as_ref().unwrap(),
    );
    for (qa, qb) in [
        (a.quantiles.p5, b.quantiles.p5),
        (a.quantiles.p50, b.quantiles.p50),
        (a.quantiles.p95, b.quantiles.p95),
    ] {
        assert!(
            (qa - qb).abs() <= error * (b.max - b.min) + 0.25,
            "{qa} vs {qb}"
        );
    }
    // The id column is all distinct: estimated, and said to be.
    let id = column(&streamed, "id");
    assert!(!id.distinct_exact && id.top_values_shortfall > 0);
    assert_eq!(column(&streamed, "colour").top_values_shortfall, 0);
    assert_eq!(column(&streamed, "when").kind, Kind::Datetime);
}

/// A table in parts (as a lake prefix is) profiles as the whole file does,
/// exact and streamed; a damaged part and a part with other columns are
/// named in `skipped` and left out; with no readable part the first
/// part's reason is the error.
#[test]
fn a_table_in_parts_profiles_as_one_and_names_the_parts_it_could_not_read() {
    use triage_data::table::TablePart;
    use triage_profile::streaming::profile_parts_streaming;
    use triage_profile::{Mode, profile_parts};
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(datasets().join("penguins.csv")).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    let mut parts = Vec::new();
    for (i, chunk) in rows.chunks(150).enumerate() {
        let body = format!("{header}\n{}\n", chunk.join("\n"));
        parts.push(TablePart::File(write(
            dir.path(),
            &format!("part-{i}.csv"),
            body.as_bytes(),
        )));
    }
    let damaged = write(dir.path(), "part-8.parquet", b"PAR1 cut short");
    let other = write(dir.path(), "part-9.csv", b"a,b\n1,2\n");
    parts.insert(1, TablePart::File(damaged.clone()));
    parts.push(TablePart::File(other.clone()));
    let whole = profile_table(&datasets().join("penguins.csv"), &Options::default()).unwrap();
    for (mode, profile) in [
        (
            Mode::Exact,
            profile_parts(&parts, "lake", &Options::default()).unwrap(),
        ),
        (
            Mode::Streaming,
            profile_parts_streaming(&parts, "lake", &Options::default()).unwrap(),
        ),
    ] {
        assert_eq!(profile.method.mode, mode);
        assert_eq!((profile.source.as_str(), profile.rows), ("lake", 344));
        let skipped: Vec<&str> = profile.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            skipped,
            [damaged.to_str().unwrap(), other.to_str().unwrap()],
            "{mode:?}"
        );
        assert!(
            profile.skipped[1].reason.contains("columns"),
            "{:?}",
            profile.skipped
        );
        for (p, w) in profile.columns.iter().zip(&whole.columns) {
            assert_eq!(
                (&p.name, p.count, p.missing, p.distinct),
                (&w.name, w.count, w.missing, w.distinct),
                "{mode:?}"
            );
            if let (Some(a), Some(b)) = (&p.numeric, &w.numeric) {
                assert_eq!((a.min, a.max), (b.min, b.max), "{mode:?} {}", p.name);
                assert!((a.mean - b.mean).abs() <= 1e-9 * b.mean.abs(), "{}", p.name);
            }
        }
    }
    let unreadable = [TablePart::File(damaged.clone())];
    let err = profile_parts(&unreadable, "lake", &Options::default()).unwrap_err();
    assert!(err.to_string().contains(damaged.to_str().unwrap()), "{err}");
    let err = profile_parts_streaming(&unreadable, "lake", &Options::default()).unwrap_err();
    assert!(err.to_string().contains(damaged.to_str().unwrap()), "{err}");
}

/// A part that brought a column the earlier parts lacked merges as if
/// those parts had it missing in every row, in either order, and the
/// profile agrees with the exact one of the same rows.
#[test]
fn parts_with_a_column_the_others_lack_merge_as_if_it_were_missing() {
    use polars::prelude::{Column, DataFrame, DataType};
    use triage_profile::streaming::TableSummary;
    let n = 40;
    let a: Vec<i64> = (0..2 * n).collect();
    let b: Vec<String> = (0..2 * n).map(|i| format!("v{}", i % 3)).collect();
    let c: Vec<Option<f64>> = (0..2 * n)
        .map(|i| (i >= n).then(|| (i * i) as f64 / 7.0))
        .collect();
    let frame = |rows: std::ops::Range<i64>, with_c: bool| {
        let r = rows.start as usize..rows.end as usize;
        let mut columns = vec![
            Column::new("a".into(), &a[r.clone()]),
            Column::new("b".into(), &b[r.clone()]),
        ];
        if with_c {
            columns.push(Column::new("c".into(), &c[r.clone()]));
        }
        DataFrame::new(r.len(), columns).unwrap()
    };
    let narrow = TableSummary::of_batch(&frame(0..n, false)).unwrap();
    let wide = TableSummary::of_batch(&frame(n..2 * n, true)).unwrap();
    let mut all = frame(0..n, false);
    all.with_column(Column::full_null(
        "c".into(),
        n as usize,
        &DataType::Float64,
    ))
    .unwrap();
    all.vstack_mut(&frame(n..2 * n, true)).unwrap();
    let exact = triage_profile::profile_frame(&all, "t", &Options::default()).unwrap();
    let (mut first, mut second) = (narrow.clone(), wide.clone());
    first.merge(&wide).unwrap();
    second.merge(&narrow).unwrap();
    for merged in [first, second] {
        let p = merged.into_profile("t", &Options::default()).unwrap();
        let c = column(&p, "c");
        assert_eq!((c.count, c.missing), (n as u64, n as u64));
        for name in ["a", "b", "c"] {
            let (s, e) = (column(&p, name), column(&exact, name));
            assert_eq!(
                (s.count, s.missing, s.distinct),
                (e.count, e.missing, e.distinct)
            );
            if let (Some(s), Some(e)) = (&s.numeric, &e.numeric) {
                assert_eq!((s.min, s.max), (e.min, e.max), "{name}");
                assert!((s.mean - e.mean).abs() < 1e-9, "{name}");
            }
        }
        let r = |p: &Profile| p.dataset.numeric_correlations.as_ref().unwrap().primary[0][1];
        assert!((r(&p).unwrap() - r(&exact).unwrap()).abs() < 1e-9);
    }
    // A part whose columns do not begin the other's is refused.
    let other =
        TableSummary::of_batch(&DataFrame::new(1, vec![Column::new("z".into(), &[1i64])]).unwrap())
            .unwrap();
    let mut wide = wide;
    assert!(wide.merge(&other).is_err());
}
