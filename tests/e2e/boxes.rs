//! Object-detection exports: the Ground Truth bounding-box manifest, COCO
//! and YOLO, from boxes stored in image pixels.

use triage_api::{BoundingBox, Project};

use crate::*;

fn bx(class_id: u32, left: u32, top: u32, width: u32, height: u32) -> BoundingBox {
    BoundingBox::new(class_id, left, top, width, height)
}

/// A bundled photo's path, which is its item key.
fn photo(name: &str) -> String {
    repo()
        .join("datasets/photos")
        .join(name)
        .display()
        .to_string()
}

/// The photos as a detection project; two images get boxes, one is
/// answered with no boxes at all.
fn detection_project(dir: &Path) {
    let ps = path_str(dir);
    init_project(
        ps,
        "object-detection",
        "cat,cup",
        &["--attribute", "objects"],
    );
    triage_ok(&["import", ps, "datasets/photos"]);
    let mut p = Project::open(dir).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    p.label_boxes(
        &photo("chelsea.jpg"),
        vec![bx(0, 100, 20, 200, 150)],
        Some("ana"),
        None,
        at,
    )
    .unwrap();
    p.label_boxes(
        &photo("coffee.jpg"),
        vec![bx(1, 10, 10, 300, 200), bx(0, 350, 50, 40, 40)],
        Some("ana"),
        None,
        at,
    )
    .unwrap();
    p.label_boxes(&photo("rocket.jpg"), vec![], Some("ana"), None, at)
        .unwrap();
}

#[test]
fn boxes_go_out_as_ground_truth_coco_and_yolo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("det");
    detection_project(&dir);
    let out = tmp.path().join("out");
    let said = triage_ok(&[
        "export",
        path_str(&dir),
        "--to",
        path_str(&out),
        "--format",
        "gt-manifest,coco,yolo",
        "--labeled-only",
    ]);
    assert!(said.contains("3 labeled"), "{said}");

    // The manifest: exact fields, in Ground Truth's order and types.
    let manifest = std::fs::read_to_string(out.join("output.manifest")).unwrap();
    let coffee = manifest.lines().find(|l| l.contains("coffee.jpg")).unwrap();
    let (w, h) = image::image_dimensions(repo().join("datasets/photos/coffee.jpg")).unwrap();
    let expected = format!(
        r#"{{"source-ref":"{}","objects":{{"image_size":[{{"width":{w},"height":{h},"depth":3}}],"annotations":[{{"class_id":1,"left":10,"top":10,"width":300,"height":200}},{{"class_id":0,"left":350,"top":50,"width":40,"height":40}}]}},"objects-metadata":{{"objects":[{{"confidence":0.0}},{{"confidence":0.0}}],"class-map":{{"1":"cup","0":"cat"}},"type":"groundtruth/object-detection","job-name":"det","human-annotated":"yes","creation-date":"2026-11-29T10:00:00.000000"}}}}"#,
        repo().join("datasets/photos/coffee.jpg").display()
    );
    assert_eq!(coffee, expected);
    let rocket = manifest.lines().find(|l| l.contains("rocket.jpg")).unwrap();
    assert!(
        rocket.contains(r#""annotations":[]"#) && rocket.contains(r#""objects":[]"#),
        "{rocket}"
    );
    assert_eq!(manifest.lines().count(), 3);

    // COCO: every labeled image, category ids from 1.
    let coco: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("coco.json")).unwrap()).unwrap();
    assert_eq!(coco["images"].as_array().unwrap().len(), 3);
    assert_eq!(coco["annotations"].as_array().unwrap().len(), 3);
    assert_eq!(
        coco["categories"][0],
        serde_json::json!({"id": 1, "name": "cat", "supercategory": "none"})
    );
    let cup = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["category_id"] == 2)
        .unwrap();
    assert_eq!(cup["bbox"], serde_json::json!([10, 10, 300, 200]));
    assert_eq!(cup["area"], 60_000);

    // YOLO, in Ultralytics' layout: relative centres; an image with no
    // boxes has an empty file.
    assert_eq!(
        std::fs::read_to_string(out.join("yolo/classes.txt")).unwrap(),
        "cat\ncup\n"
    );
    let line = std::fs::read_to_string(out.join("labels/chelsea.txt")).unwrap();
    let (cw, ch) = image::image_dimensions(repo().join("datasets/photos/chelsea.jpg")).unwrap();
    assert_eq!(
        line,
        format!(
            "0 {:.6} {:.6} {:.6} {:.6}\n",
            200.0 / f64::from(cw),
            95.0 / f64::from(ch),
            200.0 / f64::from(cw),
            150.0 / f64::from(ch)
        )
    );
    assert_eq!(
        std::fs::read_to_string(out.join("labels/rocket.txt")).unwrap(),
        ""
    );
    let images = std::fs::read_to_string(out.join("yolo/images.txt")).unwrap();
    assert_eq!(images.lines().count(), 3);
    assert_eq!(
        std::fs::read_to_string(out.join("data.yaml")).unwrap(),
        "# Written by Triage: an Ultralytics YOLO dataset.\n\
         train: yolo/images.txt\nval: yolo/images.txt\nnames:\n  0: \"cat\"\n  1: \"cup\"\n"
    );

    // With copied images and a split, each image's label sits where
    // Ultralytics looks for it (images/ → labels/), and data.yaml names
    // the shares.
    let copied = tmp.path().join("copied");
    triage_ok(&[
        "export",
        path_str(&dir),
        "--to",
        path_str(&copied),
        "--format",
        "yolo",
        "--labeled-only",
        "--copy-images",
        "--split",
        "0.34,0.33,0.33",
    ]);
    let mut listed = 0;
    for share in ["train", "val", "test"] {
        let list = std::fs::read_to_string(copied.join(format!("yolo/{share}.txt"))).unwrap();
        for image in list.lines() {
            listed += 1;
            let label = image.replace("/images/", "/labels/");
            let label = Path::new(&label).with_extension("txt");
            assert!(
                label.is_file(),
                "{image} has no label at {}",
                label.display()
            );
        }
    }
    assert_eq!(listed, 3);
    let yaml = std::fs::read_to_string(copied.join("data.yaml")).unwrap();
    assert!(
        yaml.contains("train: yolo/train.txt\nval: yolo/val.txt\ntest: yolo/test.txt\n"),
        "{yaml}"
    );

    // Formats that cannot hold boxes are refused, and the other way round.
    let err = triage_err(&[
        "export",
        path_str(&dir),
        "--to",
        path_str(&out),
        "--format",
        "csv",
    ]);
    assert!(
        err.contains("boxes go out as gt-manifest, coco or yolo"),
        "{err}"
    );
    let penguins = tmp.path().join("penguins");
    penguin_project(&penguins);
    let err = triage_err(&[
        "export",
        path_str(&penguins),
        "--to",
        path_str(&out),
        "--format",
        "coco",
    ]);
    assert!(err.contains("holds boxes"), "{err}");
}

/// Three people box the coffee photo: all find the cup, two the cat, and
/// one draws a stray cat. Consolidation matches by IoU and averages; the
/// manifest carries each merged box with its own confidence, and ben and
/// cy agreeing on "no boxes" on the rocket beats ana's box.
#[test]
fn several_peoples_boxes_consolidate_by_iou_into_averaged_boxes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("det");
    detection_project(&dir);
    let mut p = Project::open(&dir).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T11:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    // ana's answers are the project's own (see detection_project).
    let coffee = photo("coffee.jpg");
    let ben = vec![bx(1, 14, 6, 300, 204), bx(0, 352, 48, 40, 42)];
    let cy = vec![bx(1, 6, 14, 300, 196), bx(0, 10, 300, 30, 30)];
    p.label_boxes(&coffee, ben, Some("ben"), None, at).unwrap();
    p.label_boxes(&coffee, cy, Some("cy"), None, at).unwrap();
    let rocket = photo("rocket.jpg");
    p.label_boxes(&rocket, vec![bx(0, 1, 1, 20, 20)], Some("ben"), None, at)
        .unwrap();
    p.label_boxes(&rocket, vec![], Some("cy"), None, at)
        .unwrap();
    drop(p);

    let out = triage_ok(&["consolidate", path_str(&dir), "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["items"], 2);
    assert_eq!(summary["written"], 2);
    assert_eq!(summary["disagreements"], 2);
    let again: serde_json::Value =
        serde_json::from_str(&triage_ok(&["consolidate", path_str(&dir), "--json"])).unwrap();
    assert_eq!(again["written"], 0);

    let to = tmp.path().join("out");
    triage_ok(&[
        "export",
        path_str(&dir),
        "--to",
        path_str(&to),
        "--format",
        "gt-manifest",
        "--labeled-only",
    ]);
    let manifest = std::fs::read_to_string(to.join("output.manifest")).unwrap();
    let line: serde_json::Value =
        serde_json::from_str(manifest.lines().find(|l| l.contains("coffee.jpg")).unwrap()).unwrap();
    // The cup: all three, averaged; the cat: ana and ben, averaged.
    assert_eq!(
        line["objects"]["annotations"],
        serde_json::json!([
            {"class_id": 1, "left": 10, "top": 10, "width": 300, "height": 200},
            {"class_id": 0, "left": 351, "top": 49, "width": 40, "height": 41},
        ])
    );
    let meta = &line["objects-metadata"];
    assert_eq!(meta["human-annotated"], "yes");
    let cup = meta["objects"][0]["confidence"].as_f64().unwrap();
    let cat = meta["objects"][1]["confidence"].as_f64().unwrap();
    assert!(cup > 0.9 && cup <= 1.0, "{meta}");
    assert!(cat > 0.5 && cat < 2.0 / 3.0 + 1e-9, "{meta}");
    let rocket: serde_json::Value =
        serde_json::from_str(manifest.lines().find(|l| l.contains("rocket.jpg")).unwrap()).unwrap();
    assert_eq!(rocket["objects"]["annotations"], serde_json::json!([]));
    assert_eq!(rocket["objects-metadata"]["objects"], serde_json::json!([]));
    assert_eq!(rocket["objects-metadata"]["human-annotated"], "yes");
}
