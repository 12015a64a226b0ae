//! The CLI's whole flow under Wine (`make windows`): the Windows build runs
//! it with Windows paths (a drive letter, backslashes, a folder name with
//! spaces and accents) on CRLF files, the Linux build of this test runs it
//! on the same inputs, and each step must give the same answer. Manifests
//! and Parquet contents must match but for paths (and the times labels were
//! given); a step that fails says which one and what each side printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;
use serde_json::Value;

use crate::{DIGITS, DIGITS_V1_MANIFEST, PENGUINS_CSV, repo, triage_bin};

/// Where `make windows` builds `triage.exe`.
fn windows_exe() -> PathBuf {
    let exe = std::env::var_os("TRIAGE_WINDOWS_EXE")
        .map(PathBuf::from)
        .expect("TRIAGE_WINDOWS_EXE names the Windows build of triage.exe (make windows sets it)");
    assert!(
        exe.is_file(),
        "{} is missing: run make windows",
        exe.display()
    );
    exe
}

/// One side of the run: where its files are, and how it spells them.
struct Side {
    root: PathBuf,
    windows: bool,
}

impl Side {
    /// `rel` under this side's root, as this side's program takes it: Wine
    /// maps the Linux root folder to drive `Z:`.
    fn path(&self, rel: &str) -> String {
        let full = self.root.join(rel);
        let full = full.to_str().unwrap();
        if self.windows {
            format!("Z:{}", full.replace('/', "\\"))
        } else {
            full.to_owned()
        }
    }

    fn run(&self, args: &[Arg], prefix: &Path) -> Output {
        let args: Vec<String> = args
            .iter()
            .map(|a| match a {
                Arg::Lit(s) => (*s).to_owned(),
                Arg::Path(rel) => self.path(rel),
            })
            .collect();
        let mut command = if self.windows {
            let mut c = Command::new("wine");
            c.arg(windows_exe())
                .env("WINEPREFIX", prefix)
                .env("WINEDEBUG", "-all")
                // No prompts to install Mono or Gecko: a console program needs neither.
                .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
            c
        } else {
            Command::new(triage_bin())
        };
        command
            .args(&args)
            .env("TRIAGE_ANNOTATOR", "ana")
            .env("TRIAGE_DATA_DIR", self.path("user-data"))
            .output()
            .unwrap()
    }

    /// Text this side printed or wrote, with its paths spelled the Linux
    /// way under `<root>`, so the two sides compare.
    fn normalize(&self, text: &str) -> String {
        let root = self.path("");
        let root = root.trim_end_matches(['/', '\\']);
        let escaped = root.replace('\\', "\\\\");
        if !self.windows {
            return text.replace(root, "<root>");
        }
        let mut out = String::new();
        for line in text.lines() {
            let mut line = line.replace(&escaped, "<root>").replace(root, "<root>");
            // The rest of a path after the root: backslashes (JSON-escaped or not) to slashes.
            while let Some(at) = line.find("<root>\\") {
                let end = line[at..].find(['"', '\t']).map_or(line.len(), |e| at + e);
                let fixed = line[at..end].replace("\\\\", "/").replace('\\', "/");
                line.replace_range(at..end, &fixed);
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

enum Arg {
    Lit(&'static str),
    /// A path under the side's root.
    Path(&'static str),
}
use Arg::{Lit, Path as P};

/// A step's name and the arguments both sides run.
struct Step {
    name: &'static str,
    args: Vec<Arg>,
    /// Whether stdout must match: an export's lists file hashes, which
    /// differ with the times labels were given.
    same_stdout: bool,
}

fn step(name: &'static str, args: Vec<Arg>) -> Step {
    Step {
        name,
        args,
        same_stdout: true,
    }
}

/// The same inputs under each side's root: the digits, their v1 manifest and
/// the penguins with a quarter of the species given, both with CRLF lines.
fn inputs(root: &Path) {
    std::fs::create_dir_all(root.join("digits")).unwrap();
    for class in std::fs::read_dir(repo().join(DIGITS)).unwrap() {
        let class = class.unwrap().path();
        let to = root.join("digits").join(class.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for image in std::fs::read_dir(&class).unwrap() {
            let image = image.unwrap().path();
            std::fs::copy(&image, to.join(image.file_name().unwrap())).unwrap();
        }
    }
    let crlf = |text: &str| text.lines().map(|l| format!("{l}\r\n")).collect::<String>();
    let manifest = std::fs::read_to_string(repo().join(DIGITS_V1_MANIFEST)).unwrap();
    std::fs::write(root.join("digits-v1.manifest"), crlf(&manifest)).unwrap();
    let csv = std::fs::read_to_string(repo().join(PENGUINS_CSV)).unwrap();
    let mut lines = csv.lines();
    let mut out = vec![lines.next().unwrap().to_owned()];
    for (i, line) in lines.enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if i % 4 != 0 {
            cells[1] = ""; // species
        }
        out.push(cells.join(","));
    }
    std::fs::write(root.join("penguins.csv"), crlf(&out.join("\n"))).unwrap();
}

fn steps() -> Vec<Step> {
    let export = |name, project, to| Step {
        name,
        args: vec![
            Lit("export"),
            P(project),
            Lit("--to"),
            P(to),
            Lit("--format"),
            Lit("gt-manifest,parquet"),
        ],
        same_stdout: false,
    };
    vec![
        step(
            "init a table project",
            vec![
                Lit("init"),
                P("penguins"),
                Lit("--task"),
                Lit("row-classification"),
            ]
            .into_iter()
            .chain([Lit("--classes"), Lit("Adelie,Chinstrap,Gentoo")])
            .collect(),
        ),
        step(
            "import a CRLF CSV",
            vec![
                Lit("import"),
                P("penguins"),
                P("penguins.csv"),
                Lit("--id-column"),
                Lit("id"),
                Lit("--label-column"),
                Lit("species"),
            ],
        ),
        step(
            "queue",
            vec![Lit("queue"), P("penguins"), Lit("--n"), Lit("5")],
        ),
        step(
            "label",
            vec![Lit("label"), P("penguins"), Lit("p146"), Lit("Adelie")],
        ),
        step(
            "label again",
            vec![Lit("label"), P("penguins"), Lit("p292"), Lit("Gentoo")],
        ),
        step("undo", vec![Lit("undo"), P("penguins")]),
        step(
            "a round",
            vec![Lit("train"), P("penguins"), Lit("--seed"), Lit("0")],
        ),
        step("status", vec![Lit("status"), P("penguins")]),
        export("export the table", "penguins", "out-penguins"),
        step(
            "profile the project to HTML",
            vec![
                Lit("profile"),
                P("penguins"),
                Lit("--html"),
                P("penguins.html"),
                Lit("--json"),
                P("penguins.json"),
            ],
        ),
        step(
            "profile the CSV",
            vec![Lit("profile"), P("penguins.csv"), Lit("--json"), Lit("-")],
        ),
        step(
            "init an image project",
            vec![Lit("init"), P("digits project"), Lit("--task")]
                .into_iter()
                .chain([Lit("image-classification"), Lit("--classes")])
                .chain([Lit("0,1,2,3,4,5,6,7,8,9"), Lit("--attribute"), Lit("digit")])
                .collect(),
        ),
        step(
            "import a CRLF manifest",
            vec![Lit("import"), P("digits project"), P("digits-v1.manifest")],
        ),
        step(
            "import an image folder",
            vec![Lit("import"), P("digits project"), P("digits")],
        ),
        step(
            "queue images",
            vec![Lit("queue"), P("digits project"), Lit("--n"), Lit("3")],
        ),
        step(
            "label an image by its path",
            vec![
                Lit("label"),
                P("digits project"),
                P("digits/5/0661.png"),
                Lit("5"),
            ],
        ),
        step(
            "label an image by its number",
            vec![Lit("label"), P("digits project"), Lit("20"), Lit("0")],
        ),
        step(
            "undo an image label",
            vec![Lit("undo"), P("digits project")],
        ),
        step(
            "a round on images",
            vec![Lit("train"), P("digits project"), Lit("--seed"), Lit("0")],
        ),
        export("export the images", "digits project", "out-digits"),
        step(
            "profile the image project to HTML",
            vec![
                Lit("profile"),
                P("digits project"),
                Lit("--html"),
                P("digits.html"),
            ],
        ),
    ]
}

/// A manifest's lines as JSON, without the times labels were given.
fn manifest(side: &Side, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(side.root.join(file)).unwrap();
    side.normalize(&text)
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            untimed(&mut value);
            value
        })
        .collect()
}

fn untimed(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("creation-date");
            map.values_mut().for_each(untimed);
        }
        Value::Array(values) => values.iter_mut().for_each(untimed),
        _ => {}
    }
}

/// A Parquet export's rows, as text with Linux paths, without `labeled_at`.
fn parquet(side: &Side, file: &str) -> String {
    let file = std::fs::File::open(side.root.join(file)).unwrap();
    let frame = ParquetReader::new(file).finish().unwrap();
    let frame = frame.drop("labeled_at").unwrap();
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv).finish(&mut frame.clone()).unwrap();
    side.normalize(&String::from_utf8(csv).unwrap())
}

fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "make windows: needs the Windows build (TRIAGE_WINDOWS_EXE) and wine"]
fn the_windows_cli_under_wine_gives_what_linux_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = "Données d'essai ü";
    let linux = Side {
        root: tmp.path().join("linux").join(folder),
        windows: false,
    };
    let windows = Side {
        root: tmp.path().join("windows").join(folder),
        windows: true,
    };
    let prefix = tmp.path().join("wineprefix");
    inputs(&linux.root);
    inputs(&windows.root);

    let mut failed = Vec::new();
    for step in steps() {
        let (lin, win) = (
            linux.run(&step.args, &prefix),
            windows.run(&step.args, &prefix),
        );
        let verdict = if !lin.status.success() {
            Err(format!("Linux failed:\n{}", shown(&lin)))
        } else if win.status.code() != lin.status.code() {
            Err(format!("Windows failed:\n{}", shown(&win)))
        } else if step.same_stdout
            && windows.normalize(&String::from_utf8_lossy(&win.stdout))
                != linux.normalize(&String::from_utf8_lossy(&lin.stdout))
        {
            Err(format!(
                "stdout differs\n=== Linux\n{}=== Windows\n{}",
                shown(&lin),
                shown(&win)
            ))
        } else {
            Ok(())
        };
        match verdict {
            Ok(()) => println!("PASS  {}", step.name),
            Err(why) => {
                println!("FAIL  {}: {why}", step.name);
                failed.push(step.name);
            }
        }
    }

    let outputs: [(&str, fn(&Side, &str) -> String); 4] = [
        ("out-penguins/output.manifest", |s, f| {
            format!("{:#?}", manifest(s, f))
        }),
        ("out-penguins/labels.parquet", parquet),
        ("out-digits/output.manifest", |s, f| {
            format!("{:#?}", manifest(s, f))
        }),
        ("out-digits/labels.parquet", parquet),
    ];
    for (file, read) in outputs {
        let name = format!("the same {file}");
        if !windows.root.join(file).is_file() {
            println!("FAIL  {name}: Windows wrote no such file");
            failed.push("an export");
        } else if read(&linux, file) != read(&windows, file) {
            println!(
                "FAIL  {name}\n=== Linux\n{}=== Windows\n{}",
                read(&linux, file),
                read(&windows, file)
            );
            failed.push("an export");
        } else {
            println!("PASS  {name}");
        }
    }
    for html in ["penguins.html", "digits.html"] {
        let written = std::fs::read_to_string(windows.root.join(html)).unwrap_or_default();
        if written.contains("<svg") {
            println!("PASS  {html} has its charts");
        } else {
            println!("FAIL  {html} is missing or has no charts");
            failed.push("an HTML profile");
        }
    }
    let _ = Command::new("wineserver")
        .arg("-k")
        .env("WINEPREFIX", &prefix)
        .status();
    assert!(failed.is_empty(), "failed under Wine: {failed:?}");
}
