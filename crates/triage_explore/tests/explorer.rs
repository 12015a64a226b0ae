//! The explorer driven through its AccessKit tree with egui_kittest: the
//! real app on the real demo project (the digits), a real manifest and a
//! real table. The clock is fixed, so relative times read the same on
//! every run; jobs run on their threads and the tests wait for them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use eframe::egui::{Key, Role};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use triage_api::{Dataset, Project, RoundOptions, Timestamp};
use triage_explore::{Clock, Explorer, View};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// In the future: a round stamps its model labels with the later of the
/// time it is given and the wall clock, so a past t0 would not hold.
fn t0() -> Timestamp {
    "2030-06-01T08:00:00Z".parse().unwrap()
}

fn at(minutes: i64) -> Timestamp {
    t0() + chrono::Duration::minutes(minutes)
}

/// The demo project (as `make run` makes it: the digits, unlabeled), then
/// what a session does to it: people label by the true class, two rounds
/// auto-label, spot checks are drawn and two answered (one agreeing, one
/// not), and one item is flagged.
struct Demo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// An item whose spot check a person answered with another class.
    disagreed: i64,
}

fn truth(uri: &str) -> String {
    // datasets/digits/<class>/<n>.png
    Path::new(uri)
        .parent()
        .and_then(|p| p.file_name())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The digits, unlabeled, as `make run` makes them.
fn digits_project(dir: &Path) -> Project {
    let classes: Vec<String> = (0..10).map(|c| c.to_string()).collect();
    let mut p = Project::create(
        dir,
        &triage_api::CreateOptions {
            task: triage_api::TaskKind::ImageClassification,
            classes,
            hotkeys: Vec::new(),
            job_name: None,
            attribute: Some("digit".into()),
        },
        t0(),
    )
    .unwrap();
    p.import(
        &repo().join("datasets/digits"),
        &triage_api::ImportOptions::default(),
        t0(),
        &|_, _| {},
    )
    .unwrap();
    p
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("demo");
        let mut p = digits_project(&dir);
        let cancel = AtomicBool::new(false);
        let options = RoundOptions {
            target: 0.9,
            ..RoundOptions::default()
        };
        for round in 0..3 {
            for item in p.next_items(80).unwrap() {
                let class = truth(item.uri.as_deref().unwrap());
                p.label(
                    &format!("#{}", item.id),
                    &class,
                    Some("ana"),
                    Some(900),
                    at(round * 10 + 1),
                )
                .unwrap();
            }
            p.run_round(&options, &cancel, at(round * 10 + 5)).unwrap();
        }
        let drawn = p.spot_check(6, 7, at(40)).unwrap();
        assert!(
            drawn.len() >= 2,
            "the rounds auto-labeled too little to spot-check"
        );
        let agree = &drawn[0];
        let given = agree.label.as_ref().unwrap().class_name.clone();
        p.label(&format!("#{}", agree.id), &given, Some("ben"), None, at(50))
            .unwrap();
        let disagree = &drawn[1];
        let model_class = disagree.label.as_ref().unwrap().class().unwrap();
        let other = ((model_class + 1) % 10).to_string();
        p.label(
            &format!("#{}", disagree.id),
            &other,
            Some("ben"),
            None,
            at(55),
        )
        .unwrap();
        p.flag("#5", Some("ana"), Some("blurry"), at(56)).unwrap();
        Demo {
            disagreed: disagree.id,
            dir,
            _tmp: tmp,
        }
    })
}

fn harness(path: &Path) -> Harness<'static, Explorer> {
    let path = path.to_owned();
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| Explorer::new(&cc.egui_ctx, Some(path), Clock::fixed(at(120))))
}

/// Steps until `done`; the jobs run on threads of their own.
fn wait(h: &mut Harness<'static, Explorer>, what: &str, done: impl Fn(&mut Explorer) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h.state_mut()) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(3);
}

/// A node's text: AccessKit keeps a label's text as its value.
fn text(node: &egui_kittest::Node<'_>) -> String {
    let n = node.accesskit_node();
    n.label().or_else(|| n.value()).unwrap_or_default()
}

fn loaded(h: &mut Harness<'static, Explorer>) {
    wait(h, "the dataset to open", |e| !e.is_loading());
    if let Some(e) = h.state().error() {
        panic!("the explorer failed to open: {e}");
    }
}

#[test]
fn opens_the_demo_project_with_labels_sources_and_confidence_on_the_grid() {
    let demo = demo();
    let mut h = harness(&demo.dir);
    loaded(&mut h);
    let status = Project::open(&demo.dir).unwrap().status().unwrap();
    let data = h.state().dataset().unwrap();
    assert_eq!(data.entries.len() as u64, status.counts.items);
    assert_eq!(data.classes.len(), 10);
    // A class looks the same here and in the app: the schema's colours.
    assert_eq!(data.classes, status.classes);
    let count = |s: &str| {
        data.entries
            .iter()
            .filter(|e| e.source.map(|x| x.as_str()) == Some(s))
            .count() as u64
    };
    assert_eq!(count("human"), status.counts.human);
    assert_eq!(count("model"), status.counts.model);
    assert!(status.counts.model > 0, "{status:?}");
    h.get_by_label_contains("1797 of 1797 shown");
    for view in ["Grid (1)", "Table (2)", "Profile (3)", "Map (4)"] {
        h.get_by_label(view);
    }
    // Each cell on the first screen says its label, source and confidence.
    for e in data.entries.iter().take(20) {
        let mut says = format!("{}: {}", e.name, e.label.as_deref().unwrap_or("unlabeled"));
        if let Some(s) = e.source {
            says.push_str(&format!(", {}", s.as_str()));
        }
        if let Some(c) = e.confidence {
            says.push_str(&format!(", confidence {c:.2}"));
        }
        h.get_by_label_contains(&says);
    }
}

#[test]
fn filters_to_auto_labels_below_a_confidence() {
    let demo = demo();
    let mut h = harness(&demo.dir);
    loaded(&mut h);
    for source in ["human", "import", "consolidated", "unlabeled"] {
        h.get_by_label(source).click();
        h.run_steps(2);
    }
    h.get_by_role_and_label(Role::Slider, "max confidence")
        .set_value_accesskit(0.97);
    h.run_steps(3);
    let project = Project::open(&demo.dir).unwrap();
    let expected: BTreeSet<i64> = project
        .auto_labeled(None, 0.0, 0.97, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(
        !expected.is_empty(),
        "no auto-label below 0.97 to filter to"
    );
    let state = h.state();
    let data = state.dataset().unwrap();
    let shown: BTreeSet<i64> = state
        .shown()
        .iter()
        .map(|&i| data.entries[i as usize].id)
        .collect();
    assert_eq!(shown, expected);
    h.get_by_label_contains(&format!("{} of 1797 shown", expected.len()));
    // Every cell on screen is an auto-label below the bound.
    for node in h.query_all_by_label_contains(", confidence ") {
        let label = text(&node);
        assert!(label.contains(", model, "), "{label}");
        let c: f64 = label
            .split(", confidence ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(c <= 0.97 + 0.005, "{label}");
    }
}

#[test]
fn opens_an_item_with_its_whole_history_from_the_keyboard() {
    let demo = demo();
    let mut h = harness(&demo.dir);
    loaded(&mut h);
    // Spot checks a person disagreed with: one item.
    h.get_by_label("spot check").click();
    h.run_steps(2);
    h.get_by_label("disagreed").click();
    h.run_steps(3);
    let state = h.state();
    let data = state.dataset().unwrap();
    let shown: Vec<i64> = state
        .shown()
        .iter()
        .map(|&i| data.entries[i as usize].id)
        .collect();
    assert_eq!(shown, vec![demo.disagreed]);
    h.key_press(Key::Enter);
    h.run_steps(3);
    let entry = h.state().detail_entry().expect("Enter opens the item");
    assert_eq!(
        h.state().dataset().unwrap().entries[entry as usize].id,
        demo.disagreed
    );
    // The model's labels, then ben's correction, with who, when and how
    // sure: every event the project holds, in order.
    let expected = Project::open(&demo.dir)
        .unwrap()
        .history(demo.disagreed)
        .unwrap();
    assert!(expected.len() >= 2);
    let events: Vec<String> = (1..=expected.len())
        .map(|n| text(&h.get_by_label_contains(&format!("event {n}: "))))
        .collect();
    assert!(
        h.query_by_label_contains(&format!("event {}: ", expected.len() + 1))
            .is_none()
    );
    let (human, models) = events.split_last().unwrap();
    for model in models {
        assert!(model.contains("by model v"), "{model}");
        assert!(model.contains("(model)"), "{model}");
        assert!(model.contains("2030-06-01 08:"), "{model}");
        assert!(
            model.contains(" h ago)") || model.contains(" min ago)"),
            "{model}"
        );
        assert!(!model.ends_with("confidence –"), "{model}");
    }
    assert!(
        human.contains("by ben (human), 2030-06-01 08:55:00 (1 h ago)"),
        "{human}"
    );
    // Escape closes it.
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert_eq!(h.state().detail_entry(), None);
}

#[test]
fn switches_to_the_profile_and_the_feature_map() {
    let demo = demo();
    let mut h = harness(&demo.dir);
    loaded(&mut h);
    h.key_press(Key::Num3);
    h.run_steps(1);
    assert_eq!(h.state().view(), View::Profile);
    wait(&mut h, "the profile", |e| !e.is_busy());
    h.get_by_label_contains("1797 rows");
    h.get_by_label("label [categorical]").click();
    h.run_steps(2);
    h.get_by_label("chart column/label/top");
    h.get_by_label("Labels").click();
    h.run_steps(2);
    h.get_by_label("chart labels/distribution");
    h.get_by_label("chart labels/confidence");

    h.key_press(Key::Num4);
    wait(&mut h, "the map", |e| !e.is_busy());
    h.get_by_label("feature map of 1797 items");
    // Clicking a point opens that item (or one drawn on top of it).
    let target = h.state().shown()[100];
    let pos = h
        .state_mut()
        .map_point(target)
        .expect("the item is on the map");
    // Where every point is now: the detail panel narrows the map later.
    let shown = h.state().shown().to_vec();
    let before: std::collections::HashMap<u32, _> = shown
        .iter()
        .filter_map(|&i| Some((i, h.state_mut().map_point(i)?)))
        .collect();
    h.hover_at(pos);
    h.run_steps(1);
    h.drag_at(pos);
    h.run_steps(1);
    h.drop_at(pos);
    h.run_steps(3);
    let opened = h.state().detail_entry().expect("the click opened an item");
    let at = before[&opened];
    assert!(
        at.distance(pos) <= 8.0,
        "{at:?} is far from the click at {pos:?}"
    );
}

#[test]
fn a_manifest_opens_with_its_labels_and_the_table_sorts_and_searches() {
    let mut h = harness(&repo().join("datasets/digits-v1.manifest"));
    loaded(&mut h);
    let data = h.state().dataset().unwrap();
    assert_eq!(data.entries.len(), 12);
    let sources: Vec<_> = data
        .entries
        .iter()
        .map(|e| e.source.map(|s| s.as_str()))
        .collect();
    assert_eq!(sources.iter().filter(|s| **s == Some("human")).count(), 4);
    assert_eq!(sources.iter().filter(|s| **s == Some("model")).count(), 4);
    assert_eq!(sources.iter().filter(|s| s.is_none()).count(), 4);
    h.key_press(Key::Num2);
    h.run_steps(2);
    h.get_by_label("sort by confidence").click();
    h.run_steps(2);
    let state = h.state();
    let data = state.dataset().unwrap();
    let confidence: Vec<Option<f64>> = state
        .shown()
        .iter()
        .map(|&i| data.entries[i as usize].confidence)
        .collect();
    let known: Vec<f64> = confidence.iter().flatten().copied().collect();
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "{confidence:?}");
    // Missing values sort last.
    assert!(confidence[known.len()..].iter().all(Option::is_none));
    h.get_by_label("sort by confidence").click();
    h.run_steps(2);
    let first = h.state().shown()[0];
    let data = h.state().dataset().unwrap();
    assert_eq!(
        data.entries[first as usize].confidence,
        known.iter().copied().reduce(f64::max)
    );
    // A manifest line's history is its metadata.
    h.key_press(Key::Enter);
    h.run_steps(3);
    h.get_by_label_contains("event 1: ");
}

/// Past 50,000 rows the sort and the search run on a thread: typing goes
/// on while they do, and the rows shown are then the right ones in the
/// right order.
#[test]
fn a_large_table_sorts_and_searches_off_the_frame() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("big.csv");
    let rows = 60_000;
    let mut text = String::from("code,value\n");
    for i in 0..rows {
        text.push_str(&format!("w{},{}\n", i % 997, (i * 7919) % rows));
    }
    std::fs::write(&csv, text).unwrap();
    let mut h = harness(&csv);
    loaded(&mut h);
    h.key_press(Key::Num2);
    h.run_steps(2);
    h.get_by_label("sort by value").click();
    // The click sets the sort; the next frame starts it.
    h.run_steps(2);
    assert!(h.state().is_looking(), "a 60,000-row sort runs on a thread");
    h.get_by_label("sorting…");
    h.key_press(Key::Slash);
    h.step();
    for c in ["W", "9", "9", "6"] {
        h.event(eframe::egui::Event::Text(c.into()));
        h.step();
    }
    wait(&mut h, "the sort and search", |e| !e.is_looking());
    let state = h.state();
    let data = state.dataset().unwrap();
    let value = |i: u32| data.cell(i as usize, 1).parse::<usize>().unwrap();
    let want: Vec<usize> = {
        let mut v: Vec<usize> = (0..rows)
            .filter(|i| format!("w{}", i % 997).contains("w996"))
            .map(|i| (i * 7919) % rows)
            .collect();
        v.sort_unstable();
        v
    };
    let got: Vec<usize> = state.shown().iter().map(|&i| value(i)).collect();
    assert_eq!(got, want);
}

#[test]
fn a_table_opens_and_bad_input_is_named() {
    let mut h = harness(&repo().join("datasets/penguins.csv"));
    loaded(&mut h);
    assert_eq!(h.state().dataset().unwrap().entries.len(), 344);
    h.key_press(Key::Num2);
    h.run_steps(2);
    h.get_by_label("sort by species");

    let tmp = tempfile::tempdir().unwrap();
    let ragged = tmp.path().join("ragged.csv");
    std::fs::write(&ragged, "a,b,c\n1,2,3\n4,5,6,7\n").unwrap();
    let missing = tmp.path().join("nowhere");
    for (path, says) in [(&ragged, "line 3"), (&missing, "nowhere")] {
        let ctx = h.ctx.clone();
        h.state_mut().open(&ctx, path);
        loaded_or_error(&mut h);
        let error = h.state().error().unwrap_or_default().to_owned();
        assert!(
            error.contains(&path.display().to_string()) || error.contains("ragged.csv"),
            "{error}"
        );
        assert!(error.contains(says), "{error}");
        h.get_by_label_contains(says);
        // What was open stays open.
        assert_eq!(h.state().dataset().unwrap().entries.len(), 344);
    }
}

fn loaded_or_error(h: &mut Harness<'static, Explorer>) {
    wait(h, "the dataset to open", |e| !e.is_loading());
}

/// A copy of the demo project, for tests that write to it.
fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    // The fixture's connection is closed, so the file holds everything.
    std::fs::copy(
        demo().dir.join(triage_api::DB_FILE),
        dir.join(triage_api::DB_FILE),
    )
    .unwrap();
    (tmp, dir)
}

#[test]
fn the_explorer_writes_nothing_and_the_app_labels_meanwhile() {
    let (_tmp, dir) = demo_copy();
    let db = dir.join(triage_api::DB_FILE);
    let before = std::fs::read(&db).unwrap();
    let mut h = harness(&dir);
    loaded(&mut h);
    // Every view and an item's history, then the file is as it was.
    for key in [Key::Num2, Key::Num3, Key::Num4, Key::Num1] {
        h.key_press(key);
        wait(&mut h, "the view", |e| !e.is_busy());
    }
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert!(h.state().detail_entry().is_some());
    assert!(
        std::fs::read(&db).unwrap() == before,
        "the explorer changed the project file"
    );

    // A person labels in the same project while the explorer has it open;
    // reopening the item shows the new event.
    let mut app = Project::open(&dir).unwrap();
    let item = app.next_items(1).unwrap().remove(0);
    app.label(&format!("#{}", item.id), "3", Some("cy"), None, at(90))
        .unwrap();
    let index = h
        .state()
        .dataset()
        .unwrap()
        .entries
        .iter()
        .position(|e| e.id == item.id)
        .unwrap();
    let pos = h
        .state()
        .shown()
        .iter()
        .position(|&i| i as usize == index)
        .unwrap();
    h.key_press(Key::Home);
    for _ in 0..pos {
        h.key_press(Key::ArrowRight);
    }
    h.key_press(Key::Enter);
    h.run_steps(3);
    let event = h.get_by_label_contains("by cy (human)");
    let event = text(&event);
    assert!(
        event.contains("2030-06-01 09:30:00 (30 min ago)"),
        "{event}"
    );
    drop(app);

    // The explorer's own handle cannot write.
    let mut read_only = Project::open_read_only(&dir).unwrap();
    assert!(read_only.label("#1", "3", None, None, at(92)).is_err());
}

/// The project's own exports open in the explorer with the same labels,
/// sources and confidences, and a CSV row's history comes from its columns.
#[test]
fn exports_of_the_demo_open_with_the_same_labels() {
    let (tmp, dir) = demo_copy();
    let out = tmp.path().join("export");
    let mut project = Project::open(&dir).unwrap();
    project
        .export(
            &out,
            &triage_api::ExportOptions {
                formats: vec!["csv".parse().unwrap(), "gt-manifest".parse().unwrap()],
                ..Default::default()
            },
            at(100),
            &|_, _| {},
        )
        .unwrap();
    let original = Dataset::open(&dir, &|_, _, _| {}).unwrap();
    let manifest = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "manifest"))
        .unwrap();
    let csv = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .unwrap();
    for path in [&csv, &manifest] {
        let mut h = harness(path);
        loaded(&mut h);
        let data = h.state().dataset().unwrap();
        assert_eq!(
            data.entries.len(),
            original.entries.len(),
            "{}",
            path.display()
        );
        for (a, b) in original.entries.iter().zip(&data.entries) {
            assert_eq!(a.label, b.label, "{}", path.display());
            assert_eq!(a.source, b.source, "{}: {}", path.display(), a.name);
            if a.source == Some(triage_api::LabelSource::Model) {
                let (x, y) = (a.confidence.unwrap(), b.confidence.unwrap());
                assert!((x - y).abs() < 1e-6, "{x} {y}");
            }
        }
        // The first item is a person's label: its history names ana.
        let first = data
            .entries
            .iter()
            .position(|e| e.source == Some(triage_api::LabelSource::Human))
            .unwrap();
        let events = data.history(first).unwrap();
        assert_eq!(events.len(), 1);
        if path == &csv {
            assert_eq!(events[0].annotator.as_deref(), Some("ana"));
            assert!(events[0].at.is_some());
        }
    }
}

/// Three people answered six digits and disagree on three: the explorer
/// filters to those, marks them, and its Team tab gives the same agreement
/// as `Project::agreement`.
#[test]
fn a_teams_disagreements_filter_and_its_agreement_shows() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("team");
    let mut p = digits_project(&dir);
    let answers = [
        ("ana", ["0", "1", "2", "3", "4", "5"]),
        ("ben", ["0", "1", "2", "3", "4", "9"]),
        ("cy", ["0", "1", "7", "3", "8", "5"]),
    ];
    for (who, given) in answers {
        for (n, class) in given.iter().enumerate() {
            let item = format!("#{}", n + 1);
            p.label(&item, class, Some(who), None, at(n as i64))
                .unwrap();
        }
    }
    let agreement = p.agreement().unwrap();
    drop(p);

    let mut h = harness(&dir);
    loaded(&mut h);
    h.get_by_label("in disagreement only").click();
    h.run_steps(3);
    h.get_by_label_contains("3 of 1797 shown");
    let ids: Vec<i64> = {
        let state = h.state();
        let data = state.dataset().unwrap();
        state
            .shown()
            .iter()
            .map(|&i| data.entries[i as usize].id)
            .collect()
    };
    assert_eq!(ids, agreement.disagreements);
    assert_eq!(h.query_all_by_label_contains("answers disagree").count(), 3);

    // Keys still switch views right after a click on a filter.
    h.key_press(Key::Num3);
    h.run_steps(1);
    assert_eq!(h.state().view(), View::Profile);
    wait(&mut h, "the profile", |e| !e.is_busy());
    h.get_by_label("Team").click();
    h.run_steps(3);
    let fleiss = format!("Fleiss' κ {:.3}", agreement.fleiss_kappa.unwrap());
    h.get_by_label_contains(&fleiss);
    h.get_by_label_contains("3 in disagreement");
    for who in ["ana", "ben", "cy"] {
        let accuracy = agreement
            .annotators
            .iter()
            .find(|a| a.annotator == who)
            .and_then(|a| a.estimated_accuracy)
            .unwrap();
        h.get_by_label_contains(&format!("{who} {:.1}%", accuracy * 100.0));
    }
}

/// A text project: the grid shows each text's opening, the item shows the
/// whole text, and the map places texts by their TF-IDF.
#[test]
fn a_text_project_shows_its_texts_and_their_map() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("news");
    let classes = ["business", "science", "sport", "weather"];
    let mut p = Project::create(
        &dir,
        &triage_api::CreateOptions::new(
            triage_api::TaskKind::TextClassification,
            classes.iter().map(|c| c.to_string()).collect(),
        ),
        t0(),
    )
    .unwrap();
    let by_text = triage_api::ImportOptions {
        text_column: Some("headline".into()),
        id_column: Some("id".into()),
        ..Default::default()
    };
    p.import(
        &repo().join("datasets/headlines.csv"),
        &by_text,
        t0(),
        &|_, _| {},
    )
    .unwrap();
    drop(p);

    let mut h = harness(&dir);
    loaded(&mut h);
    let first = h.state().dataset().unwrap().entries[0].clone();
    let text = first.text.clone().expect("a text entry holds its text");
    assert!(text.starts_with("The Eagles striker"), "{text}");
    h.key_press(Key::Enter);
    h.run_steps(3);
    h.get_by_label(&text);
    // More like this: the nearest headlines by TF-IDF, each one click away.
    h.get_by_label("More like this").click();
    wait(&mut h, "similar texts", |e| !e.is_busy());
    let nearest = h.state().dataset().unwrap().similar(0, 12).unwrap();
    assert_eq!(nearest.len(), 12);
    assert!(nearest.windows(2).all(|w| w[0].cosine >= w[1].cosine));
    let best = h.state().dataset().unwrap().entries[nearest[0].entry as usize]
        .name
        .clone();
    let label = format!("{:.3}  {best}", nearest[0].cosine);
    h.get_by_label_contains(&label).click();
    h.run_steps(3);
    assert_eq!(h.state().detail_entry(), Some(nearest[0].entry));
    h.key_press(Key::Escape);
    h.run_steps(2);

    h.key_press(Key::Num4);
    wait(&mut h, "the map", |e| !e.is_busy());
    h.get_by_label("feature map of 480 items");
}

/// Near-duplicates: found on demand over the texts, then shown group by
/// group (each group's entries side by side), and everything again after.
#[test]
fn near_duplicate_texts_are_found_and_shown_group_by_group() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("notes");
    let mut p = Project::create(
        &dir,
        &triage_api::CreateOptions::new(
            triage_api::TaskKind::TextClassification,
            vec!["a".into(), "b".into()],
        ),
        t0(),
    )
    .unwrap();
    let csv = tmp.path().join("notes.csv");
    std::fs::write(
        &csv,
        "id,note\n\
         n1,Quarterly revenue rose by four percent on strong exports\n\
         n2,A storm is expected to bring heavy snow to the hills tonight\n\
         n3,quarterly revenue rose by four percent on strong exports.\n\
         n4,The museum opens a new wing for ancient maps next spring\n\
         n5,A storm is expected to bring heavy snow to the hills tonight\n\
         n6,Local bakers compete for the title of best sourdough loaf\n",
    )
    .unwrap();
    let options = triage_api::ImportOptions {
        text_column: Some("note".into()),
        id_column: Some("id".into()),
        ..Default::default()
    };
    p.import(&csv, &options, t0(), &|_, _| {}).unwrap();
    drop(p);

    let mut h = harness(&dir);
    loaded(&mut h);
    h.get_by_label("Find near-duplicates").click();
    h.run_steps(2);
    wait(&mut h, "near-duplicates", |e| !e.is_busy());
    h.get_by_label_contains("2 groups, 4 entries");
    h.get_by_label("only these, group by group").click();
    h.run_steps(3);
    let names = |h: &Harness<'static, Explorer>| -> Vec<String> {
        let data = h.state().dataset().unwrap();
        h.state()
            .shown()
            .iter()
            .map(|&i| data.entries[i as usize].name.clone())
            .collect()
    };
    assert_eq!(names(&h), ["n1", "n3", "n2", "n5"]);
    h.get_by_label("only these, group by group").click();
    h.run_steps(3);
    assert_eq!(names(&h).len(), 6);
}
