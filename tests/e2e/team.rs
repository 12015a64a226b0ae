//! A team through the lake, on a real S3 protocol (moto on loopback): a
//! lead shares digit images, three annotators join on one machine (one of
//! them bad), label, push; the lead pulls, consolidates and exports.

use std::path::{Path, PathBuf};

use crate::s3::{Moto, Recorder, triage_s3};
use crate::{DIGITS, init_project, path_str, repo, triage_ok};

/// 60 digit images, 20 each of 0, 1 and 2, named `c<class>_<n>.png` so
/// their truth travels with them; a project of classes 0-2, no labels.
pub(crate) fn lead_project(tmp: &Path) -> PathBuf {
    let images = tmp.join("images");
    std::fs::create_dir_all(&images).unwrap();
    for class in 0..3 {
        let folder = repo().join(DIGITS).join(class.to_string());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for (n, f) in files.iter().take(20).enumerate() {
            std::fs::copy(f, images.join(format!("c{class}_{n:02}.png"))).unwrap();
        }
    }
    let lead = tmp.join("lead");
    init_project(
        path_str(&lead),
        "image-classification",
        "0,1,2",
        &["--attribute", "digit"],
    );
    triage_ok(&["import", path_str(&lead), path_str(&images)]);
    lead
}

/// The class in a `c<class>_<n>.png` name, wherever the name is.
fn truth_of(reference: &str) -> u32 {
    let name = reference.rsplit('/').next().unwrap();
    name[1..2].parse().unwrap()
}

fn json(out: std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn objects(moto: &Moto, prefix: &str) -> Vec<String> {
    moto.boto3(&format!(
        "r = s3.list_objects_v2(Bucket='lake', Prefix='{prefix}')\n\
         print('\\n'.join(o['Key'] for o in r.get('Contents', [])))"
    ))
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Every item of a joined project, as (id, uri).
fn queue(dir: &Path) -> Vec<(i64, String)> {
    let out = triage_ok(&["queue", path_str(dir), "--n", "1000", "--json"]);
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_i64().unwrap(),
                i["uri"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The consolidated manifest's labels, against the truth in the names.
fn accuracy(lead: &Path, out: &Path) -> (f64, Vec<serde_json::Value>) {
    triage_ok(&[
        "export",
        path_str(lead),
        "--to",
        path_str(out),
        "--format",
        "gt-manifest",
    ]);
    let manifest = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|e| e == "manifest"))
        .unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(manifest)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let right = lines
        .iter()
        .filter(|l| {
            l["digit"].as_u64() == Some(u64::from(truth_of(l["source-ref"].as_str().unwrap())))
        })
        .count();
    (right as f64 / lines.len() as f64, lines)
}

#[test]
fn share_join_label_push_pull_consolidate_export_through_the_lake() {
    let moto = Moto::with_bucket("lake");
    let s3 = |args: &[&str]| triage_s3(&moto.endpoint, args);
    let tmp = tempfile::tempdir().unwrap();
    let lead = lead_project(tmp.path());
    let to = "s3://lake/teams/digits";

    // Share: 6 audit items for all three, the other 54 to two each.
    let share_args = [
        "share",
        path_str(&lead),
        "--to",
        to,
        "--annotators",
        "ana,ben,cy",
        "--overlap",
        "2",
        "--audit",
        "6",
        "--seed",
        "7",
        "--json",
    ];
    let shared = json(s3(&share_args));
    assert_eq!(shared["items"], 60);
    assert_eq!(shared["audit"], 6);
    assert_eq!(shared["images_uploaded"], 60);
    for who in ["ana", "ben", "cy"] {
        assert_eq!(shared["per_annotator"][who], 6 + 54 * 2 / 3, "{shared}");
    }
    let published = objects(&moto, "teams/digits/");
    assert_eq!(published.len(), 60 + 2, "{published:?}");
    // Again: the same task set, nothing put; another one is refused.
    let again = json(s3(&share_args));
    assert_eq!(again["already_published"], true);
    assert_eq!(again["id"], shared["id"]);
    assert_eq!(objects(&moto, "teams/digits/"), published);
    let mut other = share_args.to_vec();
    other[11] = "8";
    let refused = s3(&other);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("s3://lake/teams/digits/share.json") && err.contains("another task set"),
        "{err}"
    );

    // Join: each annotator's project holds their share, thumbnails made.
    let mut projects = Vec::new();
    for who in ["ana", "ben", "cy"] {
        let dir = tmp.path().join(who);
        let joined = json(s3(&[
            "join",
            to,
            path_str(&dir),
            "--annotator",
            who,
            "--json",
        ]));
        assert_eq!(joined["items"], 42);
        assert_eq!(joined["audit"], 6);
        assert_eq!(joined["problems"], serde_json::json!([]));
        let items = queue(&dir);
        assert_eq!(items.len(), 42);
        assert!(
            items
                .iter()
                .all(|(_, uri)| uri.starts_with(&format!("{to}/data/")))
        );
        let thumbs = walk(&dir.join("cache/thumbs"));
        assert_eq!(thumbs, 42, "one thumbnail per image");
        projects.push((who, dir, items));
    }
    let outsider = s3(&[
        "join",
        to,
        path_str(&tmp.path().join("x")),
        "--annotator",
        "dan",
    ]);
    assert!(String::from_utf8_lossy(&outsider.stderr).contains("'dan' is not an annotator"));

    // Label: ana and ben answer the truth (ben errs twice, ana once and
    // takes it back); cy answers 0 every time.
    let mut given = 0;
    for (who, dir, items) in &projects {
        for (n, (id, uri)) in items.iter().enumerate() {
            let truth = truth_of(uri);
            let class = match *who {
                "cy" => 0,
                "ben" if n < 2 => (truth + 1) % 3,
                _ => truth,
            };
            let id = id.to_string();
            if *who == "ana" && n == 0 {
                triage_ok(&["label", path_str(dir), &id, &((truth + 2) % 3).to_string()]);
                triage_ok(&["undo", path_str(dir)]);
                given += 2;
            }
            triage_ok(&["label", path_str(dir), &id, &class.to_string()]);
            given += 1;
        }
    }
    assert_eq!(given, 42 * 3 + 2);

    // Push, twice: the second puts nothing.
    for (who, dir, _) in &projects {
        let pushed = json(s3(&["push", path_str(dir), "--json"]));
        let expected = if *who == "ana" { 44 } else { 42 };
        assert_eq!(pushed["events"], expected);
        assert!(
            pushed["url"]
                .as_str()
                .unwrap()
                .contains(&format!("/events/{who}--"))
        );
        // Again, with no S3 options: the project remembers how it joined.
        let twice = json(
            std::process::Command::new(crate::triage_bin())
                .args(["push", path_str(dir), "--json"])
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env_remove("AWS_PROFILE")
                .output()
                .unwrap(),
        );
        assert_eq!(twice["events"], 0);
    }
    assert_eq!(objects(&moto, "teams/digits/events/").len(), 3);
    let err = String::from_utf8_lossy(&s3(&["pull", path_str(&projects[0].1)]).stderr).into_owned();
    assert!(err.contains("joined as an annotator"), "{err}");

    // Someone's junk and a damaged push sit among the pushes: what can be
    // read is merged, the rest is named by object and line.
    let c0 = tmp.path().join("images/c0_00.png");
    let damaged = [
        serde_json::json!({"format": "triage-events/1", "share": shared["id"], "annotator": "zed", "classes": ["0", "1", "2"]}).to_string(),
        serde_json::json!({"uid": "zedp/1", "item": path_str(&c0), "class": 0, "annotator": "zed", "at": "2026-11-29T10:00:00Z"}).to_string(),
        "{broken".to_owned(),
        serde_json::json!({"uid": "zedp/2", "item": "/nowhere.png", "class": 0, "annotator": "zed", "at": "2026-11-29T10:00:01Z"}).to_string(),
        serde_json::json!({"uid": "zedp/3", "item": path_str(&c0), "class": 7, "annotator": "zed", "at": "2026-11-29T10:00:02Z"}).to_string(),
    ]
    .join("\n");
    moto.boto3(&format!(
        "s3.put_object(Bucket='lake', Key='teams/digits/events/zz--junk.jsonl', Body=b'not json at all\\n')\n\
         s3.put_object(Bucket='lake', Key='teams/digits/events/zz--damaged.jsonl', Body={damaged:?}.encode())"
    ));

    // Pull, twice: everything once, then nothing. What was skipped makes
    // it finish with problems (exit code 3).
    let out = s3(&["pull", path_str(&lead), "--json"]);
    assert_eq!(out.status.code(), Some(3));
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pulled["objects"], 5);
    assert_eq!(pulled["added"], given + 1);
    assert_eq!(pulled["per_annotator"]["ana"], 44);
    let problems: Vec<(String, String, String)> = pulled["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (field("file"), field("position"), field("reason"))
        })
        .collect();
    let junk = format!("{to}/events/zz--junk.jsonl");
    let bad = format!("{to}/events/zz--damaged.jsonl");
    let named = |file: &str, line: &str, says: &str| {
        problems
            .iter()
            .any(|(f, l, r)| f == file && l == line && r.contains(says))
    };
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(
        named(&junk, "line 1", "not a triage-events/1 push"),
        "{problems:?}"
    );
    assert!(
        named(&bad, "line 3", "key must be a string"),
        "{problems:?}"
    );
    assert!(
        named(&bad, "line 4", "no item '/nowhere.png'"),
        "{problems:?}"
    );
    assert!(named(&bad, "line 5", "class index 7"), "{problems:?}");
    let out = s3(&["pull", path_str(&lead), "--json"]);
    assert_eq!(out.status.code(), Some(3), "the junk is still there");
    let twice: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (twice["added"].as_u64(), twice["already"].as_u64()),
        (Some(0), Some(given + 1))
    );
    let status: serde_json::Value =
        serde_json::from_str(&triage_ok(&["status", path_str(&lead), "--json"])).unwrap();
    assert_eq!(status["counts"]["human"], 60);

    // Agreement: Dawid-Skene sees cy as the bad annotator.
    let a: serde_json::Value =
        serde_json::from_str(&triage_ok(&["agreement", path_str(&lead), "--json"])).unwrap();
    assert_eq!(a["items_with_several"], 60);
    let accuracy_of = |who: &str| {
        a["annotators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["annotator"] == who)
            .unwrap()["estimated_accuracy"]
            .as_f64()
            .unwrap()
    };
    assert!(accuracy_of("ana") > 0.9, "{a}");
    assert!(accuracy_of("cy") < 0.5, "{a}");
    let ana_ben = a["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["a"] == "ana" && x["b"] == "ben")
        .unwrap();
    assert_eq!(ana_ben["shared"], 6 + 18);

    // Consolidate: Dawid-Skene against majority vote, on a copy.
    let copy = tmp.path().join("lead-majority");
    assert!(
        std::process::Command::new("cp")
            .args(["-r", path_str(&lead), path_str(&copy)])
            .status()
            .unwrap()
            .success()
    );
    let em = triage_ok(&["consolidate", path_str(&lead), "--json"]);
    let em: serde_json::Value = serde_json::from_str(&em).unwrap();
    assert_eq!(em["written"], 60);
    triage_ok(&["consolidate", path_str(&copy), "--method", "majority"]);
    let (em_acc, lines) = accuracy(&lead, &tmp.path().join("out-em"));
    let (mv_acc, _) = accuracy(&copy, &tmp.path().join("out-mv"));
    assert!(em_acc >= 0.95, "EM accuracy {em_acc}");
    assert!(em_acc > mv_acc, "EM {em_acc} against majority {mv_acc}");
    assert_eq!(lines.len(), 60);
    for line in &lines {
        let meta = &line["digit-metadata"];
        assert_eq!(meta["human-annotated"], "yes", "{line}");
        let c = meta["confidence"].as_f64().unwrap();
        assert!(c > 0.0 && c <= 1.0, "{line}");
    }

    // Parquet with every person's answer beside the consolidated label.
    let table = tmp.path().join("out-parquet");
    triage_ok(&[
        "export",
        path_str(&lead),
        "--to",
        path_str(&table),
        "--format",
        "parquet",
        "--answers",
    ]);
    let df = triage_api::read_table(&table.join("labels.parquet")).unwrap();
    assert_eq!(df.height(), 60);
    for who in ["ana", "ben", "cy"] {
        let column = df.column(&format!("answer_{who}")).unwrap();
        assert_eq!(column.len() - column.null_count(), 42, "{who}");
    }
    let cy = df.column("answer_cy").unwrap().str().unwrap();
    assert!((0..60).filter_map(|i| cy.get(i)).all(|c| c == "0"));
    let sources = df.column("label_source").unwrap().str().unwrap();
    assert!((0..60).all(|i| sources.get(i) == Some("consolidated")));

    // The model learns from the consolidated labels: they are all there is.
    let round = json(
        std::process::Command::new(crate::triage_bin())
            .args(["train", path_str(&lead), "--json"])
            .output()
            .unwrap(),
    );
    assert!(round["model_version"].as_i64().is_some(), "{round}");
    assert!(round["cv_accuracy"].as_f64().unwrap() > 0.8, "{round}");
}

/// The network fails while the lead shares, then while an annotator pushes:
/// nobody can join a half-published share, a failed push is pushed again
/// whole, and the reruns converge.
#[test]
fn a_share_or_push_cut_short_is_never_half_visible() {
    let moto = Moto::with_bucket("lake");
    let proxy = Recorder::start(&moto.endpoint);
    let tmp = tempfile::tempdir().unwrap();
    let lead = lead_project(tmp.path());
    let to = "s3://lake/teams/cut";
    let share = |endpoint: &str| {
        triage_s3(
            endpoint,
            &[
                "share",
                path_str(&lead),
                "--to",
                to,
                "--annotators",
                "ana,ben",
                "--overlap",
                "1",
            ],
        )
    };
    let ana = tmp.path().join("ana");
    let join = || {
        triage_s3(
            &moto.endpoint,
            &["join", to, path_str(&ana), "--annotator", "ana", "--json"],
        )
    };
    for step in ["/data/", "/items-", "/share.json"] {
        proxy.drop_on(&[step, " HTTP/1.1"]);
        let out = share(&proxy.endpoint);
        assert!(!out.status.success(), "the cut at {step} went unnoticed");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(to), "the error names the lake: {err}");
        let joined = join();
        assert!(!joined.status.success(), "joined a share cut at {step}");
        let err = String::from_utf8_lossy(&joined.stderr);
        assert!(err.contains("no task set is published here"), "{err}");
        assert!(!ana.exists(), "a failed join left a project behind");
    }
    proxy.drop_on(&[]);
    assert!(share(&proxy.endpoint).status.success());
    let joined = json(join());
    assert_eq!(joined["items"], 3 + 57 / 2 + 1);

    // Two labels; the push is cut, so nothing is recorded as pushed.
    let items = queue(&ana);
    for (id, uri) in &items[..2] {
        triage_ok(&[
            "label",
            path_str(&ana),
            &id.to_string(),
            &truth_of(uri).to_string(),
        ]);
    }
    proxy.drop_on(&["/events/", " HTTP/1.1"]);
    let cut = triage_s3(&proxy.endpoint, &["push", path_str(&ana)]);
    assert!(!cut.status.success());
    proxy.drop_on(&[]);
    let pushed = json(triage_s3(
        &moto.endpoint,
        &["push", path_str(&ana), "--json"],
    ));
    assert_eq!(pushed["events"], 2);
    let pulled = json(triage_s3(
        &moto.endpoint,
        &["pull", path_str(&lead), "--json"],
    ));
    assert_eq!(
        (pulled["objects"].as_u64(), pulled["added"].as_u64()),
        (Some(1), Some(2))
    );
}

fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map(|e| e.unwrap().path())
            .map(|p| if p.is_dir() { walk(&p) } else { 1 })
            .sum()
    })
}

/// `make bench`: a team of three on 20,000 table rows through the local S3
/// server: share, join, label (through the API, one commit per label as the
/// app does), push and pull, with boto3 fetching the same pushes in the same
/// run as the peer for the pull. Figures only.
#[test]
#[ignore = "a benchmark: run by make bench, in release"]
fn bench_team_of_three_on_20k_rows_through_s3() {
    use std::time::Instant;
    let moto = Moto::with_bucket("lake");
    let s3 = |args: &[&str]| triage_s3(&moto.endpoint, args);
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("rows.csv");
    let mut csv = String::from("id,x,y\n");
    for i in 0..20_000 {
        csv.push_str(&format!("r{i},{},{:.3}\n", i % 97, i as f64 / 7.0));
    }
    std::fs::write(&table, csv).unwrap();
    let lead = tmp.path().join("lead");
    let ls = path_str(&lead);
    init_project(ls, "row-classification", "a,b", &[]);
    triage_ok(&["import", ls, path_str(&table), "--id-column", "id"]);
    let to = "s3://lake/bench/team";
    let timed = |what: &str, f: &mut dyn FnMut() -> serde_json::Value| {
        let start = Instant::now();
        let out = f();
        let secs = start.elapsed().as_secs_f64();
        println!("{what}: {secs:.2} s");
        (out, secs)
    };
    let (shared, _) = timed("share 20,000 rows", &mut || {
        json(s3(&[
            "share",
            ls,
            "--to",
            to,
            "--annotators",
            "ana,ben,cy",
            "--overlap",
            "2",
            "--json",
        ]))
    });
    println!("  per annotator: {}", shared["per_annotator"]);
    let mut labels = 0usize;
    for who in ["ana", "ben", "cy"] {
        let dir = tmp.path().join(who);
        let ds = path_str(&dir).to_owned();
        timed(&format!("join as {who}"), &mut || {
            json(s3(&["join", to, &ds, "--annotator", who, "--json"]))
        });
        let start = Instant::now();
        let mut p = triage_api::Project::open(&dir).unwrap();
        let items = p.next_items(100_000).unwrap();
        for item in &items {
            let class = if item.id % 2 == 0 { "a" } else { "b" };
            p.label(
                &format!("#{}", item.id),
                class,
                None,
                None,
                triage_api::now(),
            )
            .unwrap();
        }
        labels += items.len();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "  {who} labels {} items: {secs:.1} s ({:.0} labels/s)",
            items.len(),
            items.len() as f64 / secs
        );
        timed(&format!("push {who}"), &mut || {
            json(s3(&["push", &ds, "--json"]))
        });
    }
    let (pulled, pull_secs) = timed("pull", &mut || json(s3(&["pull", ls, "--json"])));
    assert_eq!(pulled["added"].as_u64(), Some(labels as u64));
    println!("  {:.0} events/s merged", labels as f64 / pull_secs);
    let (_, again) = timed("pull again", &mut || json(s3(&["pull", ls, "--json"])));
    let start = Instant::now();
    moto.boto3(
        "r = s3.list_objects_v2(Bucket='lake', Prefix='bench/team/events/')\n\
         n = sum(len(s3.get_object(Bucket='lake', Key=o['Key'])['Body'].read()) for o in r['Contents'])\n\
         print(n)",
    );
    let boto3 = start.elapsed().as_secs_f64();
    println!(
        "peer: boto3 lists and fetches the same pushes in {boto3:.2} s; \
         triage pull (fetch, parse, merge in one transaction) = {:.1}x; pull again = {:.2} s",
        pull_secs / boto3,
        again
    );
    timed("consolidate", &mut || {
        serde_json::from_str(&triage_ok(&["consolidate", ls, "--json"])).unwrap()
    });

    // Images: the digits (1,797 small PNGs) go into the lake with the
    // share, and a join fetches an annotator's part and thumbnails it.
    let digits = tmp.path().join("digits");
    let ds = path_str(&digits);
    init_project(ds, "image-classification", "0,1,2,3,4,5,6,7,8,9", &[]);
    triage_ok(&["import", ds, DIGITS]);
    let to = "s3://lake/bench/digits";
    let (shared, share_secs) = timed("share 1,797 images", &mut || {
        json(s3(&[
            "share",
            ds,
            "--to",
            to,
            "--annotators",
            "ana,ben,cy",
            "--json",
        ]))
    });
    assert_eq!(shared["images_uploaded"], 1797);
    let start = Instant::now();
    moto.boto3(&format!(
        "import os\n\
         root = {:?}\n\
         for d, _, files in os.walk(root):\n\
         \x20   for f in files:\n\
         \x20       s3.upload_file(os.path.join(d, f), 'lake', 'boto3/' + d[len(root):] + '/' + f)",
        repo().join(DIGITS).display().to_string()
    ));
    let boto3 = start.elapsed().as_secs_f64();
    println!(
        "peer: boto3 upload_file of the same 1,797 images in {boto3:.2} s; triage share = {:.1}x",
        share_secs / boto3
    );
    timed("join (fetch and thumbnail 1,797 images)", &mut || {
        let dir = tmp.path().join("digits-ana");
        json(s3(&[
            "join",
            to,
            path_str(&dir),
            "--annotator",
            "ana",
            "--json",
        ]))
    });
}
