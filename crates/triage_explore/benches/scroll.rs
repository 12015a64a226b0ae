//! `make bench`: the explorer on two generated projects, 100,000 labeled
//! images and a table of 1,000,000 rows. Reports the time to open each
//! (the `Dataset` the app loads, and the app until its first frame) and
//! the frame time while the grid or the table scrolls (egui's pass plus
//! tessellation; thumbnails decode on their threads meanwhile, as in the
//! app). On the table it also times sorting a column, searching, and the
//! map (its sampled fit, then frames drawing every point). No GPU is
//! involved: the GPU only draws the few thousand triangles tessellated
//! here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use triage_api::{Dataset, Project};
use triage_explore::{Clock, Explorer};

const N: usize = 100_000;
const ROWS: usize = 1_000_000;
const CLASSES: [&str; 4] = ["cat", "dog", "bird", "fish"];

fn bench_data() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().join("bench-data")
}

/// 100,000 64×64 JPEGs, with an earlier job's Ground Truth manifest that
/// labels 90% of them with a confidence (they come in as imports), made
/// into a project; 1,000 more get a person's label. Made once.
fn project() -> PathBuf {
    let data = bench_data();
    let dir = data.join("explore-100k");
    if dir.join(triage_api::DB_FILE).is_file() {
        return dir;
    }
    let images = data.join("explore-100k-images");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&images);
    eprintln!("generating {N} images in {}", images.display());
    let manifest = images.join("labels.manifest");
    std::fs::create_dir_all(&images).unwrap();
    let mut lines = std::io::BufWriter::new(std::fs::File::create(&manifest).unwrap());
    for i in 0..N {
        let sub = images.join(format!("{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        let class = i % CLASSES.len();
        let img = image::RgbImage::from_fn(64, 64, |x, y| {
            let v = ((x * (class as u32 + 3) + y * 13 + i as u32 * 31) % 256) as u8;
            image::Rgb([v, v.wrapping_mul(3), (i % 256) as u8])
        });
        let name = format!("{:03}/{i:06}.jpg", i / 1000);
        img.save(images.join(&name)).unwrap();
        if i % 10 == 9 {
            writeln!(lines, r#"{{"source-ref":"{name}"}}"#).unwrap();
            continue;
        }
        let human = i % 3 == 0;
        let confidence = if human {
            1.0
        } else {
            0.5 + (i % 50) as f64 / 100.0
        };
        writeln!(
            lines,
            r#"{{"source-ref":"{name}","label":{class},"label-metadata":{{"class-name":"{}","confidence":{confidence},"type":"groundtruth/image-classification","job-name":"bench","human-annotated":"{}","creation-date":"2026-11-29T08:00:00.000000"}}}}"#,
            CLASSES[class],
            if human { "yes" } else { "no" }
        )
        .unwrap();
    }
    lines.flush().unwrap();
    drop(lines);
    let task = triage_api::TaskKind::ImageClassification;
    labeled_project(&dir, task, &CLASSES, &manifest, N, |_| "dog");
    dir
}

/// Makes a project of `task` in `dir`, imports `source` into it (all `n`
/// items of it), and has a person label the first 1,000 queued items,
/// the `i`th with `class(i)`.
fn labeled_project(
    dir: &Path,
    task: triage_api::TaskKind,
    classes: &[&str],
    source: &Path,
    n: usize,
    class: impl Fn(usize) -> &'static str,
) {
    let classes = classes.iter().map(|c| c.to_string()).collect();
    let options = triage_api::CreateOptions::new(task, classes);
    let mut p = Project::create(dir, &options, triage_api::now()).unwrap();
    let report = p
        .import(
            source,
            &triage_api::ImportOptions::default(),
            triage_api::now(),
            &|_, _| {},
        )
        .unwrap();
    assert_eq!(report.added as usize, n, "{:?}", report.problems.first());
    for (i, item) in p.next_items(1000).unwrap().into_iter().enumerate() {
        let name = format!("#{}", item.id);
        p.label(&name, class(i), Some("bench"), None, triage_api::now())
            .unwrap();
    }
}

/// A 1,000,000 × 12 table (numbers, categories, a short text) made into
/// a row-classification project; 1,000 rows get a person's label. Made
/// once.
fn table_project() -> PathBuf {
    let data = bench_data();
    let dir = data.join("explore-1m-rows");
    if dir.join(triage_api::DB_FILE).is_file() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let csv = data.join("explore-1m-rows.csv");
    eprintln!("generating {ROWS} rows in {}", csv.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(out, "key,x1,x2,x3,x4,x5,x6,n1,n2,colour,city,note").unwrap();
    let colours = [
        "red", "green", "blue", "amber", "teal", "grey", "plum", "sand",
    ];
    let words = [
        "quick", "slow", "bright", "dull", "north", "south", "river", "stone",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..ROWS {
        let r = next();
        let u = |k: u32| ((r >> (k * 8)) & 0xff) as f64 / 255.0;
        writeln!(
            out,
            "k{i:07},{:.4},{:.4},{:.3},{:.3},{:.2},{:.2},{},{},{},city{:03},{} {} {}",
            u(0) * 10.0,
            u(1) * 10.0 + u(0),
            u(2) - 0.5,
            u(3) * u(4),
            u(5) * 100.0,
            (i % 1000) as f64 / 10.0,
            r % 1000,
            (r >> 20) % 50,
            colours[(r >> 30) as usize % colours.len()],
            (r >> 40) % 200,
            words[(r >> 50) as usize % 8],
            words[(r >> 53) as usize % 8],
            words[(r >> 56) as usize % 8],
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);
    let task = triage_api::TaskKind::RowClassification;
    labeled_project(&dir, task, &["low", "high"], &csv, ROWS, |i| {
        ["low", "high"][i % 2]
    });
    dir
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn open_times(dir: &Path, n: usize) {
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let data = Dataset::open(dir, &|_, _, _| {}).unwrap();
        times.push(ms(start.elapsed()));
        assert_eq!(data.entries.len(), n);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "explore open: Dataset::open of {n} items: min {:.0} / median {:.0} / max {:.0} ms",
        times[0], times[1], times[2]
    );
}

/// The explorer on `dir`, stepped until its first frame shows the data.
fn opened(dir: &Path) -> Harness<'static, Explorer> {
    let path = dir.to_owned();
    let start = Instant::now();
    let mut h = Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(1_000_000)
        .build_eframe(move |cc| Explorer::new(&cc.egui_ctx, Some(path), Clock::system()));
    while h.state().is_loading() {
        h.step();
        std::thread::sleep(Duration::from_millis(1));
    }
    h.step();
    println!(
        "explore open: the app, from start to the first frame of the grid: {:.0} ms",
        ms(start.elapsed())
    );
    // Let the first screen's thumbnails arrive, as a person would see them.
    for _ in 0..60 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h
}

/// One frame: egui's pass plus tessellation, in ms.
fn frame(h: &mut Harness<'static, Explorer>) -> f64 {
    let start = Instant::now();
    h.step();
    let shapes = h.output().shapes.clone();
    let primitives = h.ctx.tessellate(shapes, h.ctx.pixels_per_point());
    std::hint::black_box(primitives);
    ms(start.elapsed())
}

/// Frames while the wheel scrolls `deltas` points, one delta a frame,
/// with the pointer over the middle of the view.
fn scroll(h: &mut Harness<'static, Explorer>, deltas: impl Iterator<Item = f32>) -> Vec<f64> {
    h.hover_at(egui::pos2(760.0, 400.0));
    let mut frames: Vec<f64> = deltas
        .map(|delta| {
            h.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -delta),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: egui::Modifiers::NONE,
            });
            frame(h)
        })
        .collect();
    frames.sort_by(f64::total_cmp);
    frames
}

fn summary(frames: &[f64]) -> String {
    format!(
        "p50 {:.2} / p95 {:.2} / p99 {:.2} / max {:.2} ms (target p95 < 16 ms)",
        percentile(frames, 0.5),
        percentile(frames, 0.95),
        percentile(frames, 0.99),
        frames[frames.len() - 1],
    )
}

fn scroll_images(dir: &Path) {
    let mut h = opened(dir);
    // 1,500 frames: 1,000 scrolling down at a brisk 120 points a frame,
    // then 500 flung at 2,000 points a frame (far past what any thumbnail
    // decode keeps up with).
    let frames = scroll(
        &mut h,
        (0..1500).map(|f| if f < 1000 { 120.0 } else { 2000.0 }),
    );
    let offset = h.state().shown().len();
    // The grid really moved: the first item is far off screen, and the
    // cells on screen now are from deep in the project.
    let first = h.state().dataset().unwrap().entries[0].name.clone();
    assert!(h.query_by_label_contains(&format!("{first}: ")).is_none());
    let top = h
        .query_all_by_role(egui::Role::Button)
        .filter_map(|n| n.accesskit_node().label())
        .find(|l| l.contains(".jpg: "))
        .unwrap_or_default();
    println!("explore scroll: the first cell on screen at the end: {top}");
    println!(
        "explore scroll: {} frames over {offset} items: frame (egui pass + tessellation) {}",
        frames.len(),
        summary(&frames)
    );
}

/// Steps until `done`, returning the time from the first step and the
/// slowest single frame (how long the window froze at worst).
fn until(h: &mut Harness<'static, Explorer>, done: impl Fn(&mut Explorer) -> bool) -> (f64, f64) {
    let start = Instant::now();
    let mut worst: f64 = 0.0;
    loop {
        worst = worst.max(frame(h));
        if done(h.state_mut()) {
            return (ms(start.elapsed()), worst);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn table_at_a_million(dir: &Path) {
    let mut h = opened(dir);
    let grid = scroll(&mut h, (0..500).map(|_| 120.0));
    println!(
        "explore 1M rows: grid of row cards, {} frames: {}",
        grid.len(),
        summary(&grid)
    );
    h.key_press(egui::Key::Num2);
    h.run_steps(2);
    let table = scroll(
        &mut h,
        (0..1500).map(|f| if f < 1000 { 120.0 } else { 20_000.0 }),
    );
    println!(
        "explore 1M rows: table, {} frames: {}",
        table.len(),
        summary(&table)
    );
    let x1 = h
        .state()
        .dataset()
        .unwrap()
        .columns()
        .iter()
        .position(|c| c == "x1")
        .unwrap();
    let value = |d: &Dataset, i: u32| d.cell(i as usize, x1).parse::<f64>().unwrap();
    h.get_by_label("sort by x1").click();
    let (sorted, worst) = until(&mut h, |app| {
        let (s, d) = (app.shown(), app.dataset().unwrap());
        !app.is_looking()
            && s.len() == ROWS
            && s.windows(2)
                .take(1000)
                .all(|w| value(d, w[0]) <= value(d, w[1]))
    });
    println!(
        "explore 1M rows: sort by a number column: shown in {sorted:.0} ms, slowest frame {worst:.1} ms"
    );
    // `/` puts the keyboard in the search box.
    h.key_press(egui::Key::Slash);
    h.step();
    let mut typed = Vec::new();
    for c in ["c", "i", "t", "y", "0", "4", "2"] {
        h.event(egui::Event::Text(c.into()));
        typed.push(frame(&mut h));
    }
    let (searched, worst) = until(&mut h, |app| !app.is_looking());
    typed.sort_by(f64::total_cmp);
    assert!(h.state().shown().len() < ROWS / 100);
    println!(
        "explore 1M rows: search \"city042\" typed a key a frame: slowest typing frame {:.1} ms; matches shown {searched:.0} ms after the last key (slowest frame {worst:.1} ms), {} rows",
        typed[typed.len() - 1],
        h.state().shown().len()
    );
    h.key_press(egui::Key::Escape);
    h.step();
    // The click lands in one frame, the rows change in the next.
    h.get_by_label("unlabeled").click();
    let filtered = frame(&mut h) + frame(&mut h);
    println!(
        "explore 1M rows: a filter's checkbox: {filtered:.1} ms for its two frames, {} rows left",
        h.state().shown().len()
    );
    h.key_press(egui::Key::Num4);
    let (mapped, worst) = until(&mut h, |app| !app.is_busy());
    let mut frames: Vec<f64> = (0..200)
        .map(|f| {
            h.hover_at(egui::pos2(500.0 + f as f32, 400.0));
            frame(&mut h)
        })
        .collect();
    frames.sort_by(f64::total_cmp);
    println!(
        "explore 1M rows: map: ready in {mapped:.0} ms (slowest frame meanwhile {worst:.1} ms); then {} frames with the pointer moving over every point drawn: {}",
        frames.len(),
        summary(&frames)
    );
}

/// `cargo bench --bench scroll -- images` (or `rows`) runs one part;
/// without a name both run (`cargo bench` itself passes `--bench`).
fn main() {
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let run = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    if run("images") {
        let dir = project();
        open_times(&dir, N);
        scroll_images(&dir);
    }
    if run("rows") {
        let dir = table_project();
        open_times(&dir, ROWS);
        table_at_a_million(&dir);
    }
}
