use super::*;
use chrono::TimeZone;

fn at(sec: u32) -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 28, 10, 0, sec)
        .unwrap()
}

fn schema() -> LabelSchema {
    let names: Vec<String> = ["cat", "dog", "bird"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    LabelSchema::new(TaskKind::ImageClassification, &names).unwrap()
}

fn item(n: usize, label: Option<u32>) -> NewItem {
    NewItem {
        kind: ItemKind::Image,
        ref_key: format!("/data/{n}.png"),
        uri: Some(format!("/data/{n}.png")),
        row_index: None,
        external_id: None,
        content_hash: format!("hash{n}"),
        width: Some(8),
        height: Some(8),
        payload: None,
        label: label.map(|class| ImportedLabel {
            label: Label::Class(class),
            confidence: None,
            meta: None,
        }),
    }
}

/// The ids of the next `n` items to label.
fn next_ids(store: &Store, n: usize) -> Vec<ItemId> {
    store
        .next_unlabeled(n)
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect()
}

fn human(item: ItemId, class: u32, sec: u32) -> NewAnnotation {
    NewAnnotation {
        item,
        label: Some(Label::Class(class)),
        source: AnnotationSource::Human,
        annotator: Some("ana".into()),
        model_version: None,
        confidence: None,
        at: at(sec),
        time_spent_ms: Some(1200),
        undoes: None,
        meta: None,
    }
}

fn project(n: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(
        &dir.path().join("p.triage"),
        &schema(),
        &[("job_name", "j")],
        at(0),
    )
    .unwrap();
    let src = store
        .add_source(SourceKind::ImageFolder, "/data", Some("/data"), at(0))
        .unwrap();
    let items: Vec<NewItem> = (0..n).map(|i| item(i, None)).collect();
    assert!(store.insert_items(src, &items, at(0)).unwrap().is_empty());
    (dir, store)
}

#[test]
fn create_then_open_keeps_schema_and_settings() {
    let (dir, store) = project(3);
    drop(store);
    let store = Store::open(&dir.path().join("p.triage")).unwrap();
    assert_eq!(store.schema().unwrap(), schema());
    assert_eq!(store.setting("job_name").unwrap().as_deref(), Some("j"));
    assert_eq!(store.setting("missing").unwrap(), None);
    assert_eq!(store.counts().unwrap().items, 3);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = store
        .conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[test]
fn create_refuses_an_existing_file_and_open_a_missing_one() {
    let (dir, _store) = project(1);
    let path = dir.path().join("p.triage");
    assert!(matches!(
        Store::create(&path, &schema(), &[], at(0)),
        Err(Error::NotAProject { .. })
    ));
    assert!(matches!(
        Store::open(&dir.path().join("nope")),
        Err(Error::NotAProject { .. })
    ));
}

#[test]
fn open_rejects_a_file_that_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    std::fs::write(
        &path,
        b"this is not sqlite at all, just text that is long enough",
    )
    .unwrap();
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(err.contains("x.db"), "{err}");
}

#[test]
fn label_undo_and_queue() {
    let (_dir, mut store) = project(4);
    let first = next_ids(&store, 10);
    assert_eq!(first.len(), 4);
    store.append(&human(first[0], 1, 1)).unwrap();
    store.append(&human(first[1], 2, 2)).unwrap();
    let queue = next_ids(&store, 10);
    assert_eq!(queue, first[2..]);
    assert_eq!(
        store.item(first[1]).unwrap().label.unwrap().class(),
        Some(2)
    );

    let undone = store.undo_last_human(None, at(3)).unwrap().unwrap();
    assert_eq!(undone.item, first[1]);
    assert!(store.item(first[1]).unwrap().label.is_none());
    let undone = store.undo_last_human(None, at(4)).unwrap().unwrap();
    assert_eq!(undone.item, first[0]);
    assert!(store.undo_last_human(None, at(5)).unwrap().is_none());
    assert_eq!(store.counts().unwrap().unlabeled, 4);
    // Nothing was deleted: two labels and two undos.
    assert_eq!(store.events(first[0]).unwrap().len(), 2);
}

#[test]
fn undo_can_be_limited_to_one_annotator() {
    let (_dir, mut store) = project(2);
    store.append(&human(1, 0, 1)).unwrap();
    store
        .append(&NewAnnotation {
            annotator: Some("bo".into()),
            ..human(2, 1, 2)
        })
        .unwrap();
    let undone = store.undo_last_human(Some("ana"), at(3)).unwrap().unwrap();
    assert_eq!(undone.item, 1);
    assert_eq!(
        store.item(2).unwrap().label.unwrap().annotator.as_deref(),
        Some("bo")
    );
}

#[test]
fn human_label_wins_over_import_and_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("p.triage"), &schema(), &[], at(0)).unwrap();
    let src = store
        .add_source(SourceKind::ImageFolder, "/data", None, at(0))
        .unwrap();
    store.insert_items(src, &[item(0, Some(0))], at(0)).unwrap();
    assert_eq!(store.counts().unwrap().import, 1);
    store.append(&human(1, 2, 1)).unwrap();
    store
        .append(&NewAnnotation {
            source: AnnotationSource::Model,
            annotator: None,
            model_version: Some(1),
            confidence: Some(0.99),
            ..human(1, 1, 2)
        })
        .unwrap();
    let label = store.item(1).unwrap().label.unwrap();
    assert_eq!(
        (label.class(), label.source),
        (Some(2), AnnotationSource::Human)
    );
    let counts = store.counts().unwrap();
    assert_eq!((counts.human, counts.import, counts.model), (1, 0, 0));
    let (all, by_class) = store.counts_with_classes().unwrap();
    assert_eq!(all, counts);
    assert_eq!(by_class.len(), schema().classes.len());
    assert_eq!(by_class[2].human, 1);
    assert_eq!(by_class.iter().map(|c| c.items).sum::<u64>(), 1);
}

#[test]
fn reimporting_the_same_items_adds_nothing() {
    let (_dir, mut store) = project(3);
    let src = store
        .add_source(SourceKind::ImageFolder, "/data", None, at(0))
        .unwrap();
    let again = store
        .insert_items(src, &[item(1, None), item(7, None)], at(1))
        .unwrap();
    assert_eq!(again, vec!["/data/1.png".to_string()]);
    assert_eq!(store.counts().unwrap().items, 4);
}

#[test]
fn imported_items_name_their_label_events_and_keys_stay_checked() {
    let (_dir, mut store) = project(2);
    store.append(&human(1, 2, 1)).unwrap();
    let src = store
        .add_source(SourceKind::ImageFolder, "/more", None, at(2))
        .unwrap();
    let batch = [item(5, Some(1)), item(6, None), item(1, Some(0))];
    let present = store.insert_items(src, &batch, at(2)).unwrap();
    assert_eq!(present, vec!["/data/1.png".to_string()]);
    // Items 3 and 4 follow the two made first; the event follows the human one.
    let new = store.item(3).unwrap();
    assert_eq!(new.uri.as_deref(), Some("/data/5.png"));
    let label = new.label.unwrap();
    assert_eq!(
        (label.class(), label.source),
        (Some(1), AnnotationSource::Import)
    );
    assert_eq!(store.events(3).unwrap()[0].id, 2);
    assert!(store.item(4).unwrap().label.is_none());
    // The old label stands: item 1 was already here.
    assert_eq!(store.item(1).unwrap().label.unwrap().class(), Some(2));
    let broken: Vec<String> = {
        let mut stmt = store.conn.prepare("PRAGMA foreign_key_check").unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    };
    assert!(broken.is_empty(), "{broken:?}");
    // A batch that fails leaves nothing behind and the checks on.
    assert!(
        store
            .insert_items(src, &[item(8, None), item(9, Some(7))], at(3))
            .is_err()
    );
    assert!(store.insert_items(99, &[item(10, None)], at(3)).is_err());
    assert_eq!(store.counts().unwrap().items, 4);
    let checked: i64 = store
        .conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(checked, 1);
}

#[test]
fn bad_labels_are_refused() {
    let (_dir, mut store) = project(1);
    assert!(matches!(
        store.append(&human(99, 0, 1)),
        Err(Error::NoSuchItem(99))
    ));
    assert!(store.append(&human(1, 3, 1)).is_err());
    assert_eq!(store.counts().unwrap().unlabeled, 1);
}

#[test]
fn find_item_by_path_or_id() {
    let (_dir, store) = project(3);
    assert_eq!(store.find_item("/data/2.png").unwrap(), Some(3));
    assert_eq!(store.find_item("2").unwrap(), Some(2));
    assert_eq!(store.find_item("42").unwrap(), None);
    assert_eq!(store.find_item("nothing").unwrap(), None);
}

#[test]
fn exports_are_recorded() {
    let (_dir, mut store) = project(1);
    let record = ExportRecord {
        at: at(9),
        destination: "/out".into(),
        format: "gt-manifest".into(),
        counts: serde_json::json!({"lines": 1}),
        checksums: serde_json::json!({"output.manifest": "abc"}),
        manifest_key: "/out/output.manifest".into(),
        overridden: None,
    };
    store.record_export(&record).unwrap();
    let overridden = ExportRecord {
        overridden: Some(
            serde_json::json!({"reason": "hotfix", "failed": ["min-spot-check-accuracy"]}),
        ),
        ..record.clone()
    };
    store.record_export(&overridden).unwrap();
    assert_eq!(store.exports().unwrap(), vec![record, overridden]);
}

/// A file written by schema version 1 (before current labels were cached on
/// items, and with payloads inside item rows) opens, migrates, and shows the
/// labels its events imply and the payloads it held.
#[test]
fn opens_a_file_made_by_the_previous_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.triage");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrate_to(&mut conn, "old", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO settings VALUES ('task', 'image-classification');
             INSERT INTO classes VALUES (0, 'cat', '1', '#000'), (1, 'dog', '2', '#111');
             INSERT INTO sources VALUES (1, 'image-folder', '/d', NULL, '2026-01-01T00:00:00Z');
             INSERT INTO items(id, source_id, kind, ref_key, uri, content_hash, payload)
                 VALUES (1, 1, 'image', '/d/a.png', '/d/a.png', 'h1', NULL),
                        (2, 1, 'image', '/d/b.png', '/d/b.png', 'h2', '{\"note\":\"b\"}');
             INSERT INTO annotations(id, item_id, class, source, annotator, created_at)
                 VALUES (1, 1, 1, 'human', 'ana', '2026-01-01T00:00:01Z'),
                        (2, 2, 0, 'human', 'ana', '2026-01-01T00:00:02Z');
             INSERT INTO annotations(id, item_id, class, source, created_at, undoes)
                 VALUES (3, 2, NULL, 'human', '2026-01-01T00:00:03Z', 2);",
        )
        .unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
    }
    let store = Store::open(&path).unwrap();
    let v: i64 = store
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, LATEST_VERSION);
    assert_eq!(store.item(1).unwrap().label.unwrap().class(), Some(1));
    assert!(store.item(2).unwrap().label.is_none());
    assert_eq!(store.item(1).unwrap().payload, None);
    assert_eq!(
        store.item(2).unwrap().payload.as_deref(),
        Some(r#"{"note":"b"}"#)
    );
    let queue = next_ids(&store, 5);
    assert_eq!(queue, vec![2]);
}

#[test]
fn refuses_a_file_from_a_newer_triage() {
    let (dir, store) = project(1);
    store
        .conn
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    drop(store);
    let err = Store::open(&dir.path().join("p.triage")).err().unwrap();
    assert!(matches!(err, Error::TooNew { .. }), "{err}");
}

fn round(
    considered: Vec<ItemId>,
    auto: Vec<(ItemId, u32, f64)>,
    queue: Vec<(ItemId, bool, f64)>,
) -> crate::RoundRecord {
    crate::RoundRecord {
        started_at: at(10),
        finished_at: at(11),
        model: Some(crate::ModelRecord {
            algorithm: "logistic".into(),
            params: serde_json::json!({}),
            features: serde_json::json!({}),
            training_items: vec![1],
            metrics: serde_json::json!({"cv_accuracy": 0.9}),
            thresholds: serde_json::json!({"pooled": 0.9}),
        }),
        considered,
        auto,
        queue,
        suspects: vec![(1, 0, 2, 0.97)],
        stats: serde_json::json!({}),
    }
}

#[test]
fn a_round_auto_labels_queues_and_revokes_but_never_touches_human_labels() {
    let (_dir, mut store) = project(6);
    store.append(&human(1, 0, 1)).unwrap();
    let applied = store
        .apply_round(
            &round(
                vec![1, 2, 3, 4, 5, 6],
                vec![(1, 2, 0.99), (2, 1, 0.98), (3, 1, 0.97)],
                vec![(6, true, 0.0), (5, false, 0.4)],
            ),
            |_| {},
        )
        .unwrap();
    assert_eq!(
        (
            applied.model_version,
            applied.auto_labeled,
            applied.revoked,
            applied.skipped
        ),
        (Some(1), 2, 0, 1)
    );
    assert_eq!(
        store.item(1).unwrap().label.unwrap().source,
        AnnotationSource::Human
    );
    let l2 = store.item(2).unwrap().label.unwrap();
    assert_eq!(
        (l2.source, l2.class(), l2.model_version, l2.confidence),
        (AnnotationSource::Model, Some(1), Some(1), Some(0.98))
    );
    // The queue comes first, in its order, then the rest by id.
    let next = next_ids(&store, 3);
    assert_eq!(next, vec![6, 5, 4]);
    let snap = store.snapshot().unwrap();
    assert!(!snap[5].audit, "audit only once a person labels it");
    store.append(&human(6, 1, 12)).unwrap();
    assert!(store.snapshot().unwrap()[5].audit);
    assert_eq!(store.suspects().unwrap(), vec![(1, 0, 2, 0.97)]);

    // Next round: item 2 keeps its class (no new event), item 3 falls below.
    let events_before = store.events(2).unwrap().len();
    let applied = store
        .apply_round(&round(vec![2, 3, 4, 5], vec![(2, 1, 0.99)], vec![]), |_| {})
        .unwrap();
    assert_eq!((applied.auto_labeled, applied.revoked), (0, 1));
    assert_eq!(store.events(2).unwrap().len(), events_before);
    assert!(store.item(3).unwrap().label.is_none());
    assert_eq!(store.counts().unwrap().model, 1);

    assert_eq!(store.revoke_model(1, at(20), |_| {}).unwrap(), 1);
    assert_eq!(store.counts().unwrap().model, 0);
    assert!(store.model_exists(2).unwrap() && !store.model_exists(3).unwrap());
}

/// When the project's latest round finished, if it did.
fn last_round_finished(store: &Store) -> Option<String> {
    store
        .conn
        .query_row(
            "SELECT finished_at FROM rounds ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_big_round_writes_in_chunks_that_a_person_labels_between_and_that_stand_alone() {
    let chunk = crate::learning::ROUND_CHUNK;
    let n = 4 * chunk + 10;
    let (dir, mut store) = project(n);
    store.append(&human(1, 0, 1)).unwrap();
    let all: Vec<ItemId> = (1..=n as ItemId).collect();

    // The last item does not exist: its event breaks the fifth chunk. The
    // four before it stand, and the round keeps no finish time.
    let mut broken = round(
        all.clone(),
        all.iter().map(|&i| (i, 1, 0.99)).collect(),
        vec![(3, false, 0.5)],
    );
    broken.considered.push(n as ItemId + 1);
    broken.auto.push((n as ItemId + 1, 1, 0.99));
    assert!(store.apply_round(&broken, |_| {}).is_err());
    assert_eq!(last_round_finished(&store), None);
    let counts = store.counts().unwrap();
    assert_eq!((counts.model, counts.human), (4 * chunk as u64 - 1, 1));
    assert_eq!(
        next_ids(&store, 2),
        vec![4 * chunk as ItemId + 1, 4 * chunk as ItemId + 2]
    );

    // A person in another window labels between two chunks of the next
    // round: no transaction is open then, and the round leaves that item.
    let mut other = Store::open(&dir.path().join("p.triage")).unwrap();
    let late = n as ItemId - 3;
    let mut shares = Vec::new();
    let applied = store
        .apply_round(
            &round(
                all.clone(),
                all[..n - 2].iter().map(|&i| (i, 2, 0.99)).collect(),
                vec![],
            ),
            |share| {
                if shares.is_empty() {
                    other.append(&human(late, 0, 30)).unwrap();
                }
                shares.push(share);
            },
        )
        .unwrap();
    assert_eq!(shares, vec![0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(
        (applied.auto_labeled, applied.revoked, applied.skipped),
        (n as u64 - 4, 0, 2)
    );
    assert!(last_round_finished(&store).is_some());
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let counts = store.counts().unwrap();
    assert_eq!((counts.model, counts.human), (n as u64 - 4, 2));
    assert_eq!(
        store.item(late).unwrap().label.unwrap().source,
        AnnotationSource::Human
    );
    let l = store.item(7).unwrap().label.unwrap();
    assert_eq!(
        (l.source, l.class(), l.model_version),
        (AnnotationSource::Model, Some(2), applied.model_version)
    );
    assert_eq!(next_ids(&store, 5), vec![n as ItemId - 1, n as ItemId]);

    // Taking back the second model's labels, in chunks too: an item a
    // person labels between two of them keeps its label. The first
    // model's labels are current again until they go too.
    let version = applied.model_version.unwrap();
    let mut labeled = false;
    let revoked = store
        .revoke_model(version, at(40), |_| {
            if !labeled {
                other.append(&human(n as ItemId - 5, 0, 41)).unwrap();
                labeled = true;
            }
        })
        .unwrap();
    assert_eq!(revoked, n as u64 - 5);
    assert_eq!(
        store.item(n as ItemId - 5).unwrap().label.unwrap().source,
        AnnotationSource::Human
    );
    assert_eq!(store.counts().unwrap().model, 4 * chunk as u64 - 1);
    assert_eq!(
        store.revoke_model(version - 1, at(42), |_| {}).unwrap(),
        4 * chunk as u64 - 1
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.counts().unwrap().model, 0);
    assert_eq!(store.next_unlabeled(n).unwrap().len(), n - 3);
}

#[test]
fn spot_checks_compare_a_person_with_the_sampled_auto_label() {
    let (_dir, mut store) = project(5);
    store
        .apply_round(
            &round(
                vec![1, 2, 3, 4, 5],
                vec![(1, 0, 0.99), (2, 1, 0.99), (3, 2, 0.99)],
                vec![],
            ),
            |_| {},
        )
        .unwrap();
    let drawn = store.sample_spot_checks(2, 42, at(12)).unwrap();
    assert_eq!(drawn.len(), 2);
    assert_eq!(
        store.sample_spot_checks(2, 42, at(13)).unwrap().len(),
        1,
        "only one auto-label left to draw"
    );
    assert_eq!(store.pending_spot_checks().unwrap().len(), 3);
    let class_of = |id: ItemId| store.item(id).unwrap().label.unwrap().class().unwrap();
    let (a, b) = (drawn[0], drawn[1]);
    let (ca, cb) = (class_of(a), class_of(b));
    store.append(&human(a, ca, 14)).unwrap(); // agrees
    store.append(&human(b, (cb + 1) % 3, 15)).unwrap(); // corrects
    let counts = store.spot_check_counts().unwrap();
    assert_eq!((counts.checked, counts.agreed, counts.pending), (2, 1, 1));
}

#[test]
fn features_round_trip_as_f32() {
    let (_dir, mut store) = project(2);
    store
        .save_features("image-v1", &[(1, vec![0.5, -1.25]), (2, vec![3.0, 0.0])])
        .unwrap();
    let f = store.features("image-v1").unwrap();
    assert_eq!(f, vec![(1, vec![0.5, -1.25]), (2, vec![3.0, 0.0])]);
    assert!(store.features("other").unwrap().is_empty());
}

#[test]
fn replaced_features_carry_their_stamp_and_drop_the_old_set() {
    let (_dir, mut store) = project(3);
    assert_eq!(store.features_stamp("table-v1").unwrap(), None);
    store
        .replace_features("table-v1", "a", [(1, vec![1.0]), (2, vec![2.0])])
        .unwrap();
    store
        .replace_features("table-v1", "b", [(3, vec![3.0])])
        .unwrap();
    assert_eq!(
        store.features_stamp("table-v1").unwrap().as_deref(),
        Some("b")
    );
    assert_eq!(store.features("table-v1").unwrap(), vec![(3, vec![3.0])]);
}

/// A viewer's handle reads while a writer commits, refuses to write, and
/// leaves an older file alone rather than migrating it.
#[test]
fn a_read_only_handle_reads_beside_a_writer_and_never_writes() {
    let (dir, mut store) = project(3);
    let path = dir.path().join("p.triage");
    let viewer = Store::open_read_only(&path).unwrap();
    store.append(&human(1, 2, 1)).unwrap();
    assert_eq!(viewer.item(1).unwrap().label.unwrap().class(), Some(2));
    assert_eq!(viewer.events(1).unwrap().len(), 1);
    assert!(matches!(
        viewer.conn.execute("DELETE FROM annotations", []),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ReadOnly
    ));
    assert!(Store::open_read_only(&dir.path().join("none.triage")).is_err());

    let old = dir.path().join("old.triage");
    {
        let mut conn = Connection::open(&old).unwrap();
        migrate_to(&mut conn, "old", 1).unwrap();
    }
    let before = std::fs::read(&old).unwrap();
    let err = Store::open_read_only(&old).err().unwrap().to_string();
    assert!(
        err.contains("old.triage") && err.contains("schema version 1"),
        "{err}"
    );
    assert_eq!(std::fs::read(&old).unwrap(), before);
}

/// Spot checks, suspicions and flags come back per item, in id order.
#[test]
fn review_states_cover_spot_checks_suspects_and_flags() {
    let (_dir, mut store) = project(4);
    for item in 1..=4 {
        let mut model = human(item, 0, 2);
        model.source = AnnotationSource::Model;
        model.annotator = None;
        model.model_version = Some(1);
        model.confidence = Some(0.9);
        store.append(&model).unwrap();
    }
    let drawn = store.sample_spot_checks(3, 1, at(3)).unwrap();
    assert_eq!(drawn.len(), 3);
    // A person agrees with the first, disagrees with the second.
    store.append(&human(drawn[0], 0, 4)).unwrap();
    store.append(&human(drawn[1], 1, 5)).unwrap();
    store.flag(4, Some("ana"), None, at(6)).unwrap();
    // A round suspected item 4's label 0 (its current one) and item 3's
    // label 2 (not its current one, so no longer suspect).
    store
        .conn
        .execute_batch(
            "INSERT INTO suspects(item_id, given, predicted, confidence) \
             VALUES (4, 0, 1, 0.99), (3, 2, 0, 0.99)",
        )
        .unwrap();
    let states: std::collections::HashMap<ItemId, ReviewState> =
        store.review_states().unwrap().into_iter().collect();
    assert_eq!(states[&drawn[0]].spot_check, SpotCheck::Agreed);
    assert_eq!(states[&drawn[1]].spot_check, SpotCheck::Disagreed);
    assert_eq!(states[&drawn[2]].spot_check, SpotCheck::Pending);
    let undrawn = (1..=4).find(|i| !drawn.contains(i)).unwrap();
    assert_eq!(states[&undrawn].spot_check, SpotCheck::NotDrawn);
    assert!(states[&4].flagged && states[&4].suspect);
    assert!(!states[&3].suspect && !states[&1].flagged);
    assert_eq!(states.len(), 4);
}

#[test]
fn shared_events_merge_once_keep_their_undos_and_skip_what_is_not_here() {
    let (_a_dir, mut a) = project(3);
    let (_b_dir, mut b) = project(2);
    assert_ne!(a.project_uid().unwrap(), b.project_uid().unwrap());
    let first = a.append(&human(1, 0, 1)).unwrap();
    a.append(&human(2, 1, 2)).unwrap();
    a.append(&human(3, 2, 3)).unwrap();
    a.undo_last_human(None, at(4)).unwrap();
    let (events, last) = a.local_human_events(0, "ana").unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(
        events[0].uid,
        format!("{}/{}", a.project_uid().unwrap(), first.id)
    );
    assert_eq!(events[0].item, "/data/0.png");
    assert_eq!(events[3].undoes.as_deref(), Some(events[2].uid.as_str()));
    let (none, _) = a.local_human_events(last.unwrap(), "ana").unwrap();
    assert!(none.is_empty());

    // B has no /data/2.png: that label and its undo are skipped, named.
    let merged = b.merge_events(&events).unwrap();
    assert_eq!((merged.added, merged.already), (2, 0));
    assert_eq!(merged.skipped.len(), 2, "{:?}", merged.skipped);
    assert!(merged.skipped[0].1.contains("no item '/data/2.png'"));
    assert!(merged.skipped[1].1.contains("no item '/data/2.png'"));
    assert_eq!(b.item(1).unwrap().label.unwrap().class(), Some(0));
    assert_eq!(
        b.item(2).unwrap().label.unwrap().annotator.as_deref(),
        Some("ana")
    );
    let again = b.merge_events(&events).unwrap();
    assert_eq!((again.added, again.already), (0, 2));
    assert_eq!(b.counts().unwrap().human, 2);
    // Merged events are not B's own: B shares none of them on.
    assert!(b.local_human_events(0, "ben").unwrap().0.is_empty());
    // A's own events come back to A as already there.
    assert_eq!(a.merge_events(&events).unwrap().already, 4);

    // An undo merged later takes back the label it names.
    let (_c_dir, mut c) = project(3);
    let orphan = c.merge_events(&events[3..]).unwrap();
    assert!(
        orphan.skipped[0].1.contains("which is not here"),
        "{orphan:?}"
    );
    c.merge_events(&events[..3]).unwrap();
    assert_eq!(c.item(3).unwrap().label.unwrap().class(), Some(2));
    c.merge_events(&events[3..]).unwrap();
    assert!(c.item(3).unwrap().label.is_none());
}

#[test]
fn two_sessions_are_handed_different_items_until_a_hold_ends() {
    let (dir, mut a) = project(10);
    let mut b = Store::open(&dir.path().join("p.triage")).unwrap();
    let none = std::collections::HashSet::new();
    let ids = |rows: Vec<ItemRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let first = ids(a.claim_next("a", 3, &none).unwrap());
    let second = ids(b.claim_next("b", 3, &none).unwrap());
    assert_eq!(first.len(), 3);
    assert!(
        second.iter().all(|id| !first.contains(id)),
        "{first:?} {second:?}"
    );
    // A session asking again, without what it has, gets more of its own.
    let held: std::collections::HashSet<ItemId> = first.iter().copied().collect();
    let more = ids(a.claim_next("a", 2, &held).unwrap());
    assert!(
        more.iter()
            .all(|id| !held.contains(id) && !second.contains(id))
    );
    // Reading without a session sees the whole queue.
    assert_eq!(ids(b.next_unlabeled(3).unwrap()), first);
    // Once `a` lets go, its items come back to `b` first.
    a.release_claims("a").unwrap();
    let held: std::collections::HashSet<ItemId> = second.iter().copied().collect();
    assert_eq!(ids(b.claim_next("b", 3, &held).unwrap()), first);
    // A hold that lapsed is no hold.
    b.conn
        .execute("UPDATE claims SET expires_at = unixepoch() - 1", [])
        .unwrap();
    assert_eq!(ids(a.claim_next("a", 2, &none).unwrap()), first[..2]);
}

#[test]
fn label_counts_read_an_index_not_every_item() {
    let (_dir, mut store) = project(3);
    store.append(&human(1, 1, 1)).unwrap();
    let plan: Vec<String> = store
        .conn
        .prepare("EXPLAIN QUERY PLAN SELECT label_class, label_source, COUNT(*) FROM items GROUP BY 1, 2")
        .unwrap()
        .query_map([], |r| r.get(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(plan, ["SCAN items USING COVERING INDEX items_label"]);
    let counts = store.counts().unwrap();
    assert_eq!((counts.items, counts.human, counts.unlabeled), (3, 1, 2));
}
