//! Export to S3 against a real S3 protocol on loopback: `moto_server`,
//! started here on a free port, and read back with boto3, a client no one
//! here wrote.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{init_project, path_str, penguin_project, repo, triage_bin, triage_ok};

/// A moto S3 server on 127.0.0.1, stopped on drop.
pub(crate) struct Moto {
    child: Child,
    pub(crate) endpoint: String,
}

fn venv(tool: &str) -> PathBuf {
    let bin = repo().join(".venv/bin").join(tool);
    assert!(
        bin.is_file(),
        "{} is missing: `make deps` makes the venv with moto and boto3",
        bin.display()
    );
    bin
}

/// Runs a script with the venv's Python (boto3, DuckDB, pyarrow, pandas);
/// returns its stdout.
pub(crate) fn python(script: &str) -> String {
    let out = Command::new(venv("python"))
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl Moto {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(venv("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A server with one empty bucket.
    pub(crate) fn with_bucket(bucket: &str) -> Self {
        let moto = Self::start();
        moto.boto3(&format!("s3.create_bucket(Bucket='{bucket}')"));
        moto
    }

    /// Runs a boto3 script against the server; returns its stdout.
    pub(crate) fn boto3(&self, script: &str) -> String {
        let prelude = format!(
            "import boto3, hashlib, json\n\
             s3 = boto3.client('s3', endpoint_url='{}', aws_access_key_id='test', \
             aws_secret_access_key='test', region_name='us-east-1')\n",
            self.endpoint
        );
        python(&format!("{prelude}{script}"))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy in front of a server that keeps every byte clients send, so
/// a test can see which access key signed the requests, and that drops any
/// connection whose request holds every text in `drop_on`: a network
/// failing at one step of a publish.
pub(crate) struct Recorder {
    pub(crate) endpoint: String,
    seen: Arc<Mutex<Vec<u8>>>,
    drop_on: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    pub(crate) fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let drop_on: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = seen.clone();
        let rule = drop_on.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let (mut c_in, mut s_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let log = log.clone();
                let rule = rule.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = c_in.read(&mut buf) {
                        let doomed = {
                            let needles = rule.lock().unwrap();
                            let text = String::from_utf8_lossy(&buf[..n]);
                            !needles.is_empty() && needles.iter().all(|p| text.contains(p.as_str()))
                        };
                        if doomed {
                            let _ = c_in.shutdown(std::net::Shutdown::Both);
                            let _ = s_out.shutdown(std::net::Shutdown::Both);
                            break;
                        }
                        if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                    let _ = s_out.shutdown(std::net::Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_in, &mut c_out);
                    let _ = c_out.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self {
            endpoint,
            seen,
            drop_on,
        }
    }

    pub(crate) fn drop_on(&self, needles: &[&str]) {
        *self.drop_on.lock().unwrap() = needles.iter().map(|n| n.to_string()).collect();
    }

    pub(crate) fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.seen.lock().unwrap())).into_owned()
    }
}

/// Every file under `dir`, as bytes, for a search for secrets.
pub(crate) fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().map_while(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_bytes(&path));
        } else {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

/// Every format Triage exports.
const ALL: &str = "gt-manifest,parquet,csv,profile-json,profile-html";

/// `triage export` to S3 with the test's credentials in the environment.
fn export_s3(endpoint: &str, project: &str, to: &str, formats: &str, extra: &[&str]) -> Output {
    let mut args = vec!["export", project, "--to", to, "--format", formats];
    args.extend_from_slice(extra);
    triage_s3(endpoint, &args)
}

/// `triage` with the server's endpoint (and no addressing option: path
/// style is chosen for it, as boto3 chooses) and the test's credentials.
pub(crate) fn triage_s3(endpoint: &str, args: &[&str]) -> Output {
    Command::new(triage_bin())
        .args(args)
        .args(["--endpoint", endpoint])
        .current_dir(repo())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

/// The penguins with p001 labeled by a person (and `more` labels after it),
/// and a local export of every format to compare the lake's copy against.
fn labeled_penguins(tmp: &Path, more: &[(&str, &str)]) -> (PathBuf, PathBuf) {
    let p = tmp.join("penguins");
    let ps = path_str(&p);
    penguin_project(&p);
    triage_ok(&["label", ps, "p001", "Adelie", "--annotator", "ana"]);
    for (id, class) in more {
        triage_ok(&["label", ps, id, class, "--annotator", "ana"]);
    }
    let local = tmp.join("local");
    triage_ok(&["export", ps, "--to", path_str(&local), "--format", ALL]);
    (p, local)
}

/// A project of `n` generated rows, every one labeled a or b on import.
pub(crate) fn labeled_rows(tmp: &Path, n: usize) -> PathBuf {
    let table = tmp.join("rows.csv");
    let mut csv = String::from("id,x,y,label\n");
    for i in 0..n {
        csv.push_str(&format!(
            "r{i},{},{:.3},{}\n",
            i % 97,
            i as f64 / 7.0,
            ["a", "b"][i % 2]
        ));
    }
    std::fs::write(&table, csv).unwrap();
    let p = tmp.join("p");
    let ps = path_str(&p);
    init_project(ps, "row-classification", "a,b", &[]);
    triage_ok(&[
        "import",
        ps,
        path_str(&table),
        "--id-column",
        "id",
        "--label-column",
        "label",
    ]);
    p
}

fn sha256_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bytes)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[test]
fn export_to_s3_matches_a_local_export_and_converges_when_run_again() {
    let moto = Moto::with_bucket("lake");
    let tmp = tempfile::tempdir().unwrap();
    let (p, local) = labeled_penguins(tmp.path(), &[("p002", "Gentoo")]);
    let ps = path_str(&p);

    let objects = || {
        moto.boto3("print(s3.list_objects_v2(Bucket='lake')['KeyCount'])")
            .trim()
            .to_owned()
    };
    // A dry run prints the review and puts nothing on the lake.
    let dry = export_s3(
        &moto.endpoint,
        ps,
        "s3://lake/jobs/penguins",
        ALL,
        &["--dry-run"],
    );
    let review = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        review.contains("export       344 items: 2 human")
            && review.contains("gates        none set"),
        "{review}"
    );
    assert_eq!(objects(), "0");

    let out = export_s3(&moto.endpoint, ps, "s3://lake/jobs/penguins", ALL, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = moto.boto3(
        "keys = [o['Key'] for o in s3.list_objects_v2(Bucket='lake')['Contents']]\n\
         for k in sorted(keys):\n\
         \x20   body = s3.get_object(Bucket='lake', Key=k)['Body'].read()\n\
         \x20   print(k, hashlib.sha256(body).hexdigest(), len(body.splitlines()))\n",
    );
    let rows: Vec<Vec<&str>> = listing.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(rows.len(), 6, "{listing}");
    let export_dir = rows[0][0].rsplit_once('/').unwrap().0.to_owned();
    assert!(
        export_dir.starts_with("jobs/penguins/penguins-"),
        "{export_dir}"
    );
    for (row, name) in rows.iter().zip([
        "labels.csv",
        "labels.parquet",
        "output.manifest",
        "profile.html",
        "profile.json",
        "review.json",
    ]) {
        assert_eq!(row[0], format!("{export_dir}/{name}"));
        let local_bytes = std::fs::read(local.join(name)).unwrap();
        assert_eq!(
            row[1],
            sha256_hex(&local_bytes),
            "{name} differs from a local export"
        );
    }
    // Byte for byte the local manifest, one line per item.
    assert_eq!(rows[2][2], "344");

    // Running it again changes nothing and succeeds.
    let again = export_s3(&moto.endpoint, ps, "s3://lake/jobs/penguins", ALL, &[]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(objects(), "6");

    // Another export that claims the same id with other labels loses, clearly.
    triage_ok(&["label", ps, "p003", "Chinstrap", "--annotator", "ana"]);
    let id = export_dir.rsplit('/').next().unwrap();
    let clash = export_s3(
        &moto.endpoint,
        ps,
        "s3://lake/jobs/penguins",
        ALL,
        &["--export-id", id],
    );
    assert!(!clash.status.success());
    let err = String::from_utf8_lossy(&clash.stderr);
    assert!(err.contains("already published by another export"), "{err}");
    // Nor did it replace the manifest, or any object the manifest refers to.
    for name in ["output.manifest", "labels.csv"] {
        let published = moto.boto3(&format!(
            "import sys\nsys.stdout.buffer.write(s3.get_object(Bucket='lake', \
             Key='{export_dir}/{name}')['Body'].read())"
        ));
        assert_eq!(
            published,
            std::fs::read_to_string(local.join(name)).unwrap()
        );
    }
}

/// Tried as a new user would: an export to an endpoint given as an IP
/// address, with no addressing option, lands where boto3 (also given only
/// the endpoint) finds it. Forcing virtual-hosted requests fails as the
/// issue saw it, and the error says what to try.
#[test]
fn an_ip_endpoint_needs_no_addressing_option_and_an_error_says_what_to_try() {
    let moto = Moto::with_bucket("lake");
    let tmp = tempfile::tempdir().unwrap();
    let (p, _) = labeled_penguins(tmp.path(), &[]);
    let ps = path_str(&p);
    let to = "s3://lake/exports";
    let out = export_s3(&moto.endpoint, ps, to, "gt-manifest", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = moto.boto3(
        "for o in s3.list_objects_v2(Bucket='lake', Prefix='exports/')['Contents']:\n\
         \x20   print(o['Key'])",
    );
    assert!(
        listed.lines().any(|k| k.ends_with("/output.manifest")),
        "{listed}"
    );

    let out = export_s3(&moto.endpoint, ps, to, "gt-manifest", &["--virtual-hosted"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NoSuchBucket"), "{err}");
    assert!(err.contains("try: --path-style"), "{err}");
    // The two flags cannot both be given.
    let out = export_s3(
        &moto.endpoint,
        ps,
        to,
        "gt-manifest",
        &["--virtual-hosted", "--path-style"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

#[test]
fn a_publish_cut_at_any_step_shows_no_manifest_and_a_rerun_converges() {
    let moto = Moto::with_bucket("lake");
    let proxy = Recorder::start(&moto.endpoint);
    let tmp = tempfile::tempdir().unwrap();
    let (p, local) = labeled_penguins(tmp.path(), &[]);
    let ps = path_str(&p);
    let through_proxy = |args: &[&str]| export_s3(&proxy.endpoint, ps, "s3://lake/cut", ALL, args);
    let manifests = || {
        moto.boto3(
            "r = s3.list_objects_v2(Bucket='lake', Prefix='cut/')\n\
             print(sum(1 for o in r.get('Contents', []) if o['Key'].endswith('output.manifest')))",
        )
        .trim()
        .to_owned()
    };
    // The network fails at the first data object, then at the second, then
    // at the manifest: each run gets one step further (what an earlier run
    // put counts as put), fails, and leaves no manifest.
    for step in [
        "profile.json",
        "labels.csv",
        "labels.parquet",
        "output.manifest",
    ] {
        proxy.drop_on(&[&format!("/{step} HTTP")]);
        let out = through_proxy(&[]);
        assert!(!out.status.success(), "the cut at {step} went unnoticed");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(step), "the error names the object: {err}");
        assert_eq!(
            manifests(),
            "0",
            "a manifest appeared after a cut at {step}"
        );
        proxy.drop_on(&[]);
    }
    // With the network back, the same command converges to the export a
    // local folder gets, byte for byte.
    let out = through_proxy(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(manifests(), "1");
    let listing = moto.boto3(
        "for o in s3.list_objects_v2(Bucket='lake', Prefix='cut/')['Contents']:\n\
         \x20   b = s3.get_object(Bucket='lake', Key=o['Key'])['Body'].read()\n\
         \x20   print(o['Key'].rsplit('/', 1)[1], hashlib.sha256(b).hexdigest())\n\
         print(len(s3.list_multipart_uploads(Bucket='lake').get('Uploads', [])))",
    );
    let mut lines: Vec<&str> = listing.lines().collect();
    assert_eq!(
        lines.pop(),
        Some("0"),
        "unfinished multipart uploads remain"
    );
    assert_eq!(lines.len(), 6, "{listing}");
    for line in lines {
        let (name, sha) = line.split_once(' ').unwrap();
        assert_eq!(
            sha,
            sha256_hex(&std::fs::read(local.join(name)).unwrap()),
            "{name}"
        );
    }
}

/// `make bench`: exporting 100,000 labeled items (manifest and Parquet) to
/// the local S3 server, next to boto3's `upload_file` of the same files in
/// the same run. Figures only.
#[test]
#[ignore = "a benchmark: run by make bench, in release"]
fn bench_export_100k_items_to_s3_against_boto3() {
    let moto = Moto::with_bucket("lake");
    let tmp = tempfile::tempdir().unwrap();
    let p = labeled_rows(tmp.path(), 100_000);
    let ps = path_str(&p);
    let local = tmp.path().join("local");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&local),
        "--format",
        "gt-manifest,parquet",
    ]);
    let bytes: u64 = ["output.manifest", "labels.parquet"]
        .iter()
        .map(|f| std::fs::metadata(local.join(f)).unwrap().len())
        .sum();

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut local_only = Vec::new();
    // Seven rounds, each a local export, an S3 export and boto3's upload
    // back to back, so the S3 run's extra time is paired with its own
    // local run rather than with a median taken at another moment.
    let mut paired = Vec::new();
    for run in 0..7 {
        let start = Instant::now();
        let to = tmp.path().join(format!("local-{run}"));
        triage_ok(&[
            "export",
            ps,
            "--to",
            path_str(&to),
            "--format",
            "gt-manifest,parquet",
        ]);
        local_only.push(start.elapsed().as_secs_f64());
        let to = format!("s3://lake/bench/triage-{run}");
        let start = Instant::now();
        let out = export_s3(&moto.endpoint, ps, &to, "gt-manifest,parquet", &[]);
        ours.push(start.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let secs: f64 = moto
            .boto3(&format!(
                "import time\nt = time.perf_counter()\n\
                 for f in ['output.manifest', 'labels.parquet']:\n\
                 \x20   s3.upload_file('{}/' + f, 'lake', 'bench/boto3-{run}/' + f)\n\
                 print(time.perf_counter() - t)",
                path_str(&local)
            ))
            .trim()
            .parse()
            .unwrap();
        theirs.push(secs);
        paired.push(ours[run] - local_only[run]);
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    local_only.sort_by(f64::total_cmp);
    paired.sort_by(f64::total_cmp);
    let median = |v: &[f64]| v[v.len() / 2];
    println!(
        "## export of 100,000 labeled items (manifest + Parquet, {bytes} bytes) to moto_server, 7 rounds"
    );
    let line = |what: &str, v: &[f64]| {
        println!(
            "{what}: min {:.2} / median {:.2} / max {:.2} s",
            v[0],
            median(v),
            v[v.len() - 1]
        )
    };
    line("triage export to S3 (whole command)", &ours);
    line(
        "triage export to a local folder (read and write only)",
        &local_only,
    );
    line("boto3 upload_file of the same two files", &theirs);
    line(
        "triage's upload share (S3 run minus its local run)",
        &paired,
    );
    println!(
        "upload share {:.2}x boto3's upload at the medians (target within 1.5x)",
        median(&paired) / median(&theirs)
    );
}

#[test]
fn a_multipart_publish_cut_mid_way_leaves_no_parts_and_a_rerun_converges() {
    let moto = Moto::with_bucket("lake");
    let proxy = Recorder::start(&moto.endpoint);
    let tmp = tempfile::tempdir().unwrap();
    // 80,000 rows make an 18 MB manifest: three parts of at most 8 MiB.
    let p = labeled_rows(tmp.path(), 80_000);
    let ps = path_str(&p);
    let local = tmp.path().join("local");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&local),
        "--format",
        "gt-manifest",
    ]);
    assert!(
        std::fs::metadata(local.join("output.manifest"))
            .unwrap()
            .len()
            > 16 << 20
    );
    let state = || {
        moto.boto3(
            "r = s3.list_objects_v2(Bucket='lake', Prefix='big/')\n\
             print(len(r.get('Contents', [])), \
             len(s3.list_multipart_uploads(Bucket='lake').get('Uploads', [])))",
        )
        .trim()
        .to_owned()
    };
    // Cut during the second part, then at the request that completes the
    // upload (the abort that follows still gets through).
    for cut in [
        &["partNumber=2&"][..],
        &["POST ", "output.manifest?uploadId="],
    ] {
        proxy.drop_on(cut);
        let out = export_s3(&proxy.endpoint, ps, "s3://lake/big", "gt-manifest", &[]);
        proxy.drop_on(&[]);
        assert!(!out.status.success(), "the cut at {cut:?} went unnoticed");
        // Only the review, which goes up before the manifest.
        assert_eq!(
            state(),
            "1 0",
            "after a cut at {cut:?}: objects, unfinished uploads"
        );
    }
    let out = export_s3(&proxy.endpoint, ps, "s3://lake/big", "gt-manifest", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(state(), "2 0");
    let sha = moto.boto3(
        "k = [o['Key'] for o in s3.list_objects_v2(Bucket='lake', Prefix='big/')['Contents'] \
         if o['Key'].endswith('output.manifest')][0]\n\
         print(hashlib.sha256(s3.get_object(Bucket='lake', Key=k)['Body'].read()).hexdigest())",
    );
    let want = sha256_hex(&std::fs::read(local.join("output.manifest")).unwrap());
    assert_eq!(sha.trim(), want);
    // And once more: already there, nothing to do.
    let again = export_s3(&proxy.endpoint, ps, "s3://lake/big", "gt-manifest", &[]);
    assert!(again.status.success());
    assert_eq!(state(), "2 0");
}

#[test]
fn an_earlier_jobs_manifest_on_s3_starts_a_new_job() {
    let moto = Moto::with_bucket("lake");
    // The earlier job's output on S3: its images, and its manifest naming
    // them by s3:// address.
    let original = std::fs::read_to_string(repo().join("datasets/digits-v1.manifest")).unwrap();
    let manifest = original.replace(
        r#""source-ref":"digits/"#,
        r#""source-ref":"s3://lake/v1/digits/"#,
    );
    let mut script = String::new();
    for line in original.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let rel = v["source-ref"].as_str().unwrap();
        script.push_str(&format!(
            "s3.upload_file('{}', 'lake', 'v1/{rel}')\n",
            repo().join("datasets").join(rel).display()
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let local_manifest = tmp.path().join("v1.manifest");
    std::fs::write(&local_manifest, &manifest).unwrap();
    script.push_str(&format!(
        "s3.upload_file('{}', 'lake', 'v1/output.manifest')\n",
        local_manifest.display()
    ));
    moto.boto3(&script);

    let p = tmp.path().join("v2");
    let ps = path_str(&p);
    init_project(
        ps,
        "image-classification",
        "0,1,2,3,4,5,6,7,8,9",
        &["--attribute", "digit", "--job-name", "digits-v2"],
    );
    let import = |expect: &str| {
        let out = triage_s3(
            &moto.endpoint,
            &["import", ps, "s3://lake/v1/output.manifest"],
        );
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(said.contains(expect), "{said}");
    };
    import("imported 12 items");
    // The images are cached whole, and thumbnailed from the cache.
    let cached = p.join("cache/s3/lake/v1/digits/3/0003.png");
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        std::fs::read(repo().join("datasets/digits/3/0003.png")).unwrap()
    );
    let thumbs = std::fs::read_dir(p.join("cache/thumbs")).unwrap().count();
    assert!(thumbs > 0, "no thumbnails");
    // The profile reads the images from the cache.
    let profile: serde_json::Value =
        serde_json::from_str(&triage_ok(&["profile", ps, "--json", "-"])).unwrap();
    assert_eq!(profile["images"]["readable"], 12);
    // Again: nothing new, and the cached images are not fetched again.
    let before = std::fs::metadata(&cached).unwrap().modified().unwrap();
    import("12 already present");
    assert_eq!(
        std::fs::metadata(&cached).unwrap().modified().unwrap(),
        before
    );

    // The next job's export keeps the s3:// references and the earlier
    // labels with their provenance, byte for byte.
    let out = export_s3(
        &moto.endpoint,
        ps,
        "s3://lake/v2",
        "gt-manifest",
        &["--labeled-only"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = moto.boto3(
        "import sys\n\
         keys = [o['Key'] for o in s3.list_objects_v2(Bucket='lake', Prefix='v2/')['Contents']]\n\
         sys.stdout.write(s3.get_object(Bucket='lake', Key=keys[0])['Body'].read().decode())",
    );
    let labeled: Vec<&str> = manifest
        .lines()
        .filter(|l| l.contains("-metadata"))
        .collect();
    assert_eq!(labeled.len(), 8);
    assert_eq!(exported.lines().collect::<Vec<_>>(), labeled);
}

#[test]
fn copied_images_go_up_with_the_labels_and_the_manifest_points_at_them() {
    let moto = Moto::with_bucket("lake");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("photos");
    let ps = path_str(&p);
    init_project(ps, "image-classification", "cat,thing", &[]);
    triage_ok(&["import", ps, "datasets/photos"]);
    let photo = |n: &str| repo().join("datasets/photos").join(n).display().to_string();
    triage_ok(&["label", ps, &photo("chelsea.jpg"), "cat"]);
    triage_ok(&["label", ps, &photo("coffee.jpg"), "thing"]);

    // To a folder: the labeled images are copied, byte for byte, and the
    // manifest names the copies.
    let local = tmp.path().join("out");
    triage_ok(&[
        "export",
        ps,
        "--to",
        path_str(&local),
        "--format",
        "gt-manifest",
        "--labeled-only",
        "--copy-images",
    ]);
    let copies: Vec<PathBuf> = std::fs::read_dir(local.join("images"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 2, "{copies:?}");
    let manifest = std::fs::read_to_string(local.join("output.manifest")).unwrap();
    for line in manifest.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let copy = PathBuf::from(v["source-ref"].as_str().unwrap());
        assert!(copies.contains(&copy), "{line}");
        let name = copy.file_name().unwrap().to_string_lossy().into_owned();
        let original = name.split_once('-').unwrap().1.to_owned();
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(photo(&original)).unwrap()
        );
    }

    // To S3: the images go up first, the manifest names their s3:// keys,
    // and a rerun converges.
    for _ in 0..2 {
        let out = export_s3(
            &moto.endpoint,
            ps,
            "s3://lake/jobs/photos",
            "gt-manifest",
            &["--labeled-only", "--copy-images"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let listing = moto.boto3(
        "import sys\n\
         keys = sorted(o['Key'] for o in s3.list_objects_v2(Bucket='lake')['Contents'])\n\
         print(json.dumps(keys))\n\
         m = [k for k in keys if k.endswith('output.manifest')][0]\n\
         for line in s3.get_object(Bucket='lake', Key=m)['Body'].read().decode().splitlines():\n\
         \x20   ref = json.loads(line)['source-ref']\n\
         \x20   key = ref.split('/', 3)[3]\n\
         \x20   body = s3.get_object(Bucket='lake', Key=key)['Body'].read()\n\
         \x20   print(ref, hashlib.sha256(body).hexdigest())\n",
    );
    let mut lines = listing.lines();
    let keys: Vec<String> = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        keys.len(),
        4,
        "two images, the review and the manifest: {keys:?}"
    );
    let refs: Vec<&str> = lines.collect();
    assert_eq!(refs.len(), 2, "{listing}");
    for line in refs {
        let (reference, sha) = line.split_once(' ').unwrap();
        assert!(
            reference.starts_with("s3://lake/jobs/photos/photos-"),
            "{reference}"
        );
        assert!(reference.contains("/images/"), "{reference}");
        let original = reference.rsplit_once('-').unwrap().1;
        assert_eq!(sha, sha256_hex(&std::fs::read(photo(original)).unwrap()));
    }
}

/// 512 noisy 1,200 × 900 JPEGs of about 2 MiB each, 1 GiB or so, kept in
/// `bench-data` between runs, with a project over them.
fn a_gigabyte_of_images() -> (PathBuf, u64) {
    const N: usize = 512;
    let exe = std::env::current_exe().unwrap();
    let data = exe.ancestors().nth(3).unwrap().join("bench-data");
    let images = data.join("gigabyte-images");
    let project = data.join("gigabyte-project");
    let size = |dir: &Path| -> u64 {
        std::fs::read_dir(dir)
            .map(|d| d.map(|e| e.unwrap().metadata().unwrap().len()).sum())
            .unwrap_or(0)
    };
    if !project.join(triage_api::DB_FILE).is_file() {
        let _ = std::fs::remove_dir_all(&images);
        let _ = std::fs::remove_dir_all(&project);
        std::fs::create_dir_all(&images).unwrap();
        eprintln!("generating {N} images in {}", images.display());
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..N {
            let img = image::RgbImage::from_fn(1200, 900, |x, y| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let n = (state & 0x3F) as u8;
                image::Rgb([
                    ((x / 5 + i as u32) % 256) as u8 ^ n,
                    ((y / 4) % 256) as u8 ^ (n << 1),
                    (((x + y) / 7) % 256) as u8 ^ (n << 2),
                ])
            });
            let mut out = std::fs::File::create(images.join(format!("{i:04}.jpg"))).unwrap();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 97)
                .encode_image(&img)
                .unwrap();
        }
        let ps = path_str(&project);
        init_project(ps, "image-classification", "a,b", &[]);
        triage_ok(&["import", ps, path_str(&images)]);
    }
    (project, size(&images))
}

/// `make bench`: uploading about 1 GiB of images with `--copy-images` to
/// the local S3 server, next to boto3's `upload_file` of the same files,
/// one after another as ours go, in the same run.
#[test]
#[ignore = "a benchmark: run by make bench, in release"]
fn bench_upload_a_gigabyte_of_images_against_boto3() {
    let moto = Moto::with_bucket("lake");
    let (project, bytes) = a_gigabyte_of_images();
    let ps = path_str(&project);
    let tmp = tempfile::tempdir().unwrap();
    let images = project.parent().unwrap().join("gigabyte-images");
    let (mut ours, mut without, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..3 {
        // The same export without images: what the upload adds is the rest.
        let start = Instant::now();
        let out = export_s3(
            &moto.endpoint,
            ps,
            &format!("s3://lake/plain-{run}"),
            "gt-manifest",
            &[],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        without.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let out = export_s3(
            &moto.endpoint,
            ps,
            &format!("s3://lake/copy-{run}"),
            "gt-manifest",
            &["--copy-images"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ours.push(start.elapsed().as_secs_f64());
        let secs: f64 = moto
            .boto3(&format!(
                "import os, time\nt = time.perf_counter()\n\
                 d = '{}'\n\
                 for f in sorted(os.listdir(d)):\n\
                 \x20   s3.upload_file(os.path.join(d, f), 'lake', 'boto3-{run}/' + f)\n\
                 print(time.perf_counter() - t)",
                path_str(&images)
            ))
            .trim()
            .parse()
            .unwrap();
        theirs.push(secs);
    }
    let _ = tmp;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (o, w, t) = (median(&mut ours), median(&mut without), median(&mut theirs));
    let mib = bytes as f64 / (1 << 20) as f64;
    println!("## uploading {mib:.0} MiB of images (512 JPEGs) to moto_server, 3 rounds, medians");
    println!("triage export --copy-images (whole command): {o:.2} s");
    println!("the same export without images: {w:.2} s");
    println!(
        "triage's image upload (the difference): {:.2} s, {:.0} MiB/s",
        o - w,
        mib / (o - w)
    );
    println!(
        "boto3 upload_file, file after file: {t:.2} s, {:.0} MiB/s",
        mib / t
    );
    println!("triage / boto3: {:.2}x (target at most 1x)", (o - w) / t);
}

/// `BENCH_SMALL_IMAGES` (default 100,000) small JPEGs of about 2 KB and a
/// project that imported them, generated once into the bench-data cache.
fn many_small_images() -> (PathBuf, PathBuf, usize) {
    let n: usize = std::env::var("BENCH_SMALL_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let exe = std::env::current_exe().unwrap();
    let data = exe.ancestors().nth(3).unwrap().join("bench-data");
    let images = data.join(format!("small-images-{n}"));
    let project = data.join(format!("small-images-project-{n}"));
    if !project.join(triage_api::DB_FILE).is_file() {
        let _ = std::fs::remove_dir_all(&images);
        let _ = std::fs::remove_dir_all(&project);
        std::fs::create_dir_all(&images).unwrap();
        eprintln!("generating {n} small images in {}", images.display());
        for i in 0..n {
            let img = image::RgbImage::from_fn(48, 48, |x, y| {
                let v = (i as u32).wrapping_mul(2_654_435_761);
                image::Rgb([
                    (x * 5 + (v & 0xFF)) as u8,
                    (y * 5 + ((v >> 8) & 0xFF)) as u8,
                    ((x ^ y) + (v >> 16)) as u8,
                ])
            });
            let mut out = std::fs::File::create(images.join(format!("{i:06}.jpg"))).unwrap();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                .encode_image(&img)
                .unwrap();
        }
        let ps = path_str(&project);
        init_project(ps, "image-classification", "a,b", &[]);
        triage_ok(&["import", ps, path_str(&images)]);
    }
    (project, images, n)
}

/// `make bench`: many small objects, where one request at a time would
/// wait on each in turn. An export of every item with `--copy-images`
/// (less the same export without them: the image upload) against boto3's
/// `upload_file` of the same files in a thread pool as wide as ours (8),
/// in the same run against the same moto_server.
#[test]
#[ignore = "a benchmark: run by make bench, in release"]
fn bench_upload_many_small_images_against_boto3_threads() {
    let moto = Moto::with_bucket("lake");
    let (project, images, n) = many_small_images();
    let ps = path_str(&project);
    let timed = |to: &str, extra: &[&str]| {
        let start = Instant::now();
        let out = export_s3(&moto.endpoint, ps, to, "gt-manifest", extra);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        start.elapsed().as_secs_f64()
    };
    let without = timed("s3://lake/small-without", &[]);
    let with = timed("s3://lake/small-copy", &["--copy-images"]);
    let boto3: f64 = moto
        .boto3(&format!(
            "import os, time\nfrom concurrent.futures import ThreadPoolExecutor\n\
             d = '{}'\nfiles = sorted(os.listdir(d))\n\
             t = time.perf_counter()\n\
             with ThreadPoolExecutor(max_workers=8) as pool:\n\
             \x20   list(pool.map(lambda f: s3.upload_file(os.path.join(d, f), 'lake', 'boto3-small/' + f), files))\n\
             print(time.perf_counter() - t)",
            path_str(&images)
        ))
        .trim()
        .parse()
        .unwrap();
    let ours = with - without;
    println!("## uploading {n} small JPEGs to moto_server, 8 at a time each");
    println!("triage export --copy-images (whole command): {with:.2} s");
    println!("the same export without images: {without:.2} s");
    println!(
        "triage's image upload (the difference): {ours:.2} s, {:.0} objects/s",
        n as f64 / ours
    );
    println!(
        "boto3 upload_file, 8 threads: {boto3:.2} s, {:.0} objects/s",
        n as f64 / boto3
    );
    println!("triage / boto3: {:.2}x (target at most 1.2x)", ours / boto3);
}

/// Ctrl-C during an upload stops it before the next object: no manifest is
/// published, the project records no export, and the same command run
/// again finishes it.
#[test]
fn ctrl_c_stops_an_upload_before_the_manifest() {
    let moto = Moto::with_bucket("lake");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("p");
    let ps = path_str(&p);
    init_project(ps, "image-classification", "0,1", &[]);
    // The zeros and ones: a few hundred images to put one by one.
    for digit in ["0", "1"] {
        let folder = repo().join(crate::DIGITS).join(digit);
        triage_ok(&["import", ps, path_str(&folder)]);
    }
    let args = [
        "-v",
        "export",
        ps,
        "--to",
        "s3://lake/cut",
        "--format",
        "gt-manifest",
        "--copy-images",
        "--endpoint",
        &moto.endpoint,
        "--path-style",
    ];
    let mut export = Command::new(triage_bin());
    export
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE");
    let (code, rest) = crate::ctrl_c_when(export, "uploading ");
    assert_eq!(code, Some(1), "{rest}");
    assert!(
        rest.contains("cancelled: no manifest was published"),
        "{rest}"
    );
    let manifests = || {
        moto.boto3(
            "r = s3.list_objects_v2(Bucket='lake', Prefix='cut/')\n\
             print(sum(1 for o in r.get('Contents', []) if o['Key'].endswith('output.manifest')))",
        )
        .trim()
        .to_owned()
    };
    assert_eq!(manifests(), "0");
    assert!(
        triage_api::Project::open(&p)
            .unwrap()
            .exports()
            .unwrap()
            .is_empty()
    );
    // Again, to the end: it resumes where the cut left it.
    let out = triage_s3(&moto.endpoint, &args[1..args.len() - 3]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(manifests(), "1");
}
