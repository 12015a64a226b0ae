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

use crate::desktop::{artifacts, start_xvfb, stop_xvfb};
use crate::{DIGITS, DIGITS_V1_MANIFEST, PENGUINS_CSV, not_drawn, repo, triage_bin, wait_at_most};

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

/// A Wine command on a throwaway prefix.
fn wine(program: &str, prefix: &Path) -> Command {
    let mut c = Command::new(program);
    c.env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        // No prompts to install Mono or Gecko: a console program needs neither.
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env_remove("DISPLAY");
    c
}

/// Makes the prefix. Wine 8 (Debian 12) has no bcryptprimitives.dll, which
/// every Rust program for Windows imports: a stand-in is built into the
/// prefix when it lacks one (`tests/wine/bcryptprimitives.c`).
fn boot(prefix: &Path) {
    let booted = wine("wineboot", prefix).arg("-i").output().unwrap();
    assert!(
        booted.status.success(),
        "wineboot failed: {}",
        shown(&booted)
    );
    let dll = prefix.join("drive_c/windows/system32/bcryptprimitives.dll");
    if !dll.is_file() {
        mingw("bcryptprimitives.c", &dll, &["-shared", "-ladvapi32"]);
    }
}

/// Builds `tests/wine/SOURCE` into `out` with mingw-w64.
fn mingw(source: &str, out: &Path, flags: &[&str]) {
    let built = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-O2", "-o"])
        .arg(out)
        .arg(repo().join("tests/wine").join(source))
        .args(flags)
        .output()
        .unwrap();
    assert!(built.status.success(), "{source}: {}", shown(&built));
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
            let mut c = wine("wine", prefix);
            c.arg(windows_exe());
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
        let mut out = text.replace(&escaped, "<root>").replace(root, "<root>");
        // The rest of each path after the root: backslashes, JSON-escaped
        // or not, to slashes. Line ends are left as they are.
        let mut from = 0;
        while let Some(at) = out[from..].find("<root>\\").map(|i| from + i) {
            let end = out[at..]
                .find(['"', '\t', '\r', '\n'])
                .map_or(out.len(), |e| at + e);
            let fixed = out[at..end].replace("\\\\", "/").replace('\\', "/");
            out.replace_range(at..end, &fixed);
            from = at + fixed.len();
        }
        out
    }
}

#[derive(Clone, Copy)]
enum Arg {
    Lit(&'static str),
    /// A path under the side's root.
    Path(&'static str),
}
use Arg::{Lit, Path as P};

/// What must agree after a step.
#[derive(Clone, Copy)]
enum Check {
    /// stdout, paths aside; JSON with numbers equal to 12 digits, as the
    /// platforms' math libraries round the last ones their own way.
    Stdout,
    /// As many lines: what a draw seeded by the time of day printed.
    Lines,
    /// Nothing: an export lists hashes of files that hold the times labels
    /// were given; its files are compared instead.
    Files,
}

/// A step's name, the arguments both sides run, and what must agree.
struct Step {
    name: &'static str,
    args: Vec<Arg>,
    check: Check,
}

fn step(name: &'static str, check: Check, args: Vec<Arg>) -> Step {
    Step { name, args, check }
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
    use Check::{Lines, Stdout};
    let (table, images) = ("penguins", "digits project");
    let init = |name, project, task, classes, extra: &[Arg]| {
        let args = [
            Lit("init"),
            P(project),
            Lit("--task"),
            Lit(task),
            Lit("--classes"),
            Lit(classes),
        ];
        step(name, Stdout, [&args, extra].concat())
    };
    let export = |name, project, to| {
        let args = vec![Lit("export"), P(project), Lit("--to"), P(to)];
        let format = vec![Lit("--format"), Lit("gt-manifest,parquet")];
        step(name, Check::Files, [args, format].concat())
    };
    vec![
        init(
            "init a table project",
            table,
            "row-classification",
            "Adelie,Chinstrap,Gentoo",
            &[],
        ),
        step(
            "import a CRLF CSV",
            Stdout,
            vec![Lit("import"), P(table), P("penguins.csv")]
                .into_iter()
                .chain([
                    Lit("--id-column"),
                    Lit("id"),
                    Lit("--label-column"),
                    Lit("species"),
                ])
                .collect(),
        ),
        step("queue the start batch", Lines, vec![Lit("queue"), P(table)]),
        // Every label is taken back before a round: whether a labeled item
        // is in the audit set depends on the start batch, drawn afresh at
        // each import, so the two sides' rounds would differ.
        step(
            "label",
            Stdout,
            vec![Lit("label"), P(table), Lit("p146"), Lit("Adelie")],
        ),
        step("undo", Stdout, vec![Lit("undo"), P(table)]),
        step(
            "a round",
            Stdout,
            vec![Lit("train"), P(table), Lit("--seed"), Lit("0")],
        ),
        step(
            "queue after the round",
            Stdout,
            vec![Lit("queue"), P(table)],
        ),
        step("status", Stdout, vec![Lit("status"), P(table)]),
        export("export the table", table, "out-penguins"),
        step(
            "profile the project to HTML and JSON",
            Stdout,
            vec![Lit("profile"), P(table), Lit("--html"), P("penguins.html")]
                .into_iter()
                .chain([Lit("--json"), P("penguins.json")])
                .collect(),
        ),
        step(
            "profile the CSV",
            Stdout,
            vec![Lit("profile"), P("penguins.csv"), Lit("--json"), Lit("-")],
        ),
        init(
            "init an image project",
            images,
            "image-classification",
            "0,1,2,3,4,5,6,7,8,9",
            &[Lit("--attribute"), Lit("digit")],
        ),
        step(
            "import a CRLF manifest",
            Stdout,
            vec![Lit("import"), P(images), P("digits-v1.manifest")],
        ),
        step(
            "import an image folder",
            Stdout,
            vec![Lit("import"), P(images), P("digits")],
        ),
        step(
            "queue the images' start batch",
            Lines,
            vec![Lit("queue"), P(images)],
        ),
        step(
            "label an image by its path",
            Stdout,
            vec![Lit("label"), P(images), P("digits/5/0661.png"), Lit("5")],
        ),
        step("undo that", Stdout, vec![Lit("undo"), P(images)]),
        step(
            "label an image by its number",
            Stdout,
            vec![Lit("label"), P(images), Lit("20"), Lit("0")],
        ),
        step("undo that too", Stdout, vec![Lit("undo"), P(images)]),
        step(
            "a round on images",
            Stdout,
            vec![Lit("train"), P(images), Lit("--seed"), Lit("0")],
        ),
        step(
            "queue images after the round",
            Stdout,
            vec![Lit("queue"), P(images)],
        ),
        export("export the images", images, "out-digits"),
        step(
            "profile the image project to HTML",
            Stdout,
            vec![Lit("profile"), P(images), Lit("--html"), P("digits.html")],
        ),
    ]
}

/// A manifest's lines as JSON, without the times labels were given, and
/// how many of its lines end in CRLF (none should).
fn manifest(side: &Side, file: &str) -> String {
    let text = std::fs::read_to_string(side.root.join(file)).unwrap();
    let crlf = text.matches("\r\n").count();
    let lines: Vec<Value> = side
        .normalize(&text)
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            untimed(&mut value);
            value
        })
        .collect();
    format!("{crlf} CRLF\n{lines:#?}")
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

/// A Parquet export's rows, as CSV with Linux paths, without `labeled_at`.
fn parquet(side: &Side, file: &str) -> String {
    let file = std::fs::File::open(side.root.join(file)).unwrap();
    let mut frame = ParquetReader::new(file).finish().unwrap();
    frame = frame.drop("labeled_at").unwrap();
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv).finish(&mut frame).unwrap();
    side.normalize(&String::from_utf8(csv).unwrap())
}

/// A written file's text, paths aside.
fn text(side: &Side, file: &str) -> String {
    side.normalize(&std::fs::read_to_string(side.root.join(file)).unwrap())
}

/// The names of an HTML report's charts, in order.
fn charts(side: &Side, file: &str) -> String {
    let html = std::fs::read_to_string(side.root.join(file)).unwrap();
    let names: Vec<&str> = html
        .split("<img alt=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(!names.is_empty(), "{file} has no charts");
    names.join("\n")
}

/// Texts agree: equal, or both JSON and equal to 12 significant digits.
fn agree(linux: &str, windows: &str) -> bool {
    match (
        serde_json::from_str::<Value>(linux),
        serde_json::from_str::<Value>(windows),
    ) {
        (Ok(a), Ok(b)) => close(&a, &b),
        _ => linux == windows,
    }
}

fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A step both sides ran: whether they agree, and if not, how not.
fn verdict(
    step: &Step,
    (linux, lin): (&Side, &Output),
    (windows, win): (&Side, &Output),
) -> Result<(), String> {
    let stdout = |side: &Side, out: &Output| side.normalize(&String::from_utf8_lossy(&out.stdout));
    let (a, b) = (stdout(linux, lin), stdout(windows, win));
    let differs = || format!("stdout differs\n=== Linux\n{a}=== Windows\n{b}");
    if !lin.status.success() {
        Err(format!("Linux failed:\n{}", shown(lin)))
    } else if win.status.code() != lin.status.code() {
        Err(format!("Windows failed:\n{}", shown(win)))
    } else {
        match step.check {
            Check::Stdout if !agree(&a, &b) => Err(differs()),
            Check::Lines if a.lines().count() != b.lines().count() => Err(differs()),
            _ => Ok(()),
        }
    }
}

/// Reads a file one side wrote into text to compare.
type Reader = fn(&Side, &str) -> String;

/// A file both sides wrote, read by `read`: whether they agree.
fn same_file(file: &str, read: Reader, linux: &Side, windows: &Side) -> Result<(), String> {
    if !windows.root.join(file).is_file() {
        return Err("Windows wrote no such file".into());
    }
    let (a, b) = (read(linux, file), read(windows, file));
    if agree(&a, &b) {
        Ok(())
    } else {
        Err(format!("it differs\n=== Linux\n{a}\n=== Windows\n{b}"))
    }
}

/// Exports the table again while `tests/wine/hold.c` holds its Parquet file
/// open with no sharing: the export fails and says what to do, the held
/// file keeps its bytes and no partial file is left; once the file is let
/// go, the same export succeeds.
fn held_export(windows: &Side, prefix: &Path) -> Result<(), String> {
    use std::io::BufRead;
    let hold = prefix.join("hold.exe");
    mingw("hold.c", &hold, &["-municode"]);
    let held = windows.root.join("out-penguins/labels.parquet");
    let before = std::fs::read(&held).map_err(|e| e.to_string())?;
    let mut holder = wine("wine", prefix)
        .arg(&hold)
        .arg(windows.path("out-penguins/labels.parquet"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "holding");
    let export: Vec<Arg> = vec![
        Lit("export"),
        P("penguins"),
        Lit("--to"),
        P("out-penguins"),
        Lit("--format"),
        Lit("parquet"),
    ];
    let refused = windows.run(&export, prefix);
    drop(holder.stdin.take()); // lets go of the file
    let _ = holder.wait();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    if refused.status.code() != Some(1) || !stderr.contains("close it and try again") {
        return Err(format!(
            "not refused clearly:
{}",
            shown(&refused)
        ));
    }
    if std::fs::read(&held).map_err(|e| e.to_string())? != before {
        return Err("the held file changed".into());
    }
    let left: Vec<String> = std::fs::read_dir(held.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    if !left.is_empty() {
        return Err(format!("partial files left: {left:?}"));
    }
    let again = windows.run(&export, prefix);
    if !again.status.success() {
        return Err(format!(
            "once let go, the export failed:
{}",
            shown(&again)
        ));
    }
    Ok(())
}

/// `triage.exe explore` on the image project, which starts
/// `triage-explore.exe` beside it, under Xvfb: a screenshot of the grid is
/// kept with the other end-to-end screenshots.
fn explorer(windows: &Side, prefix: &Path) -> Result<(), String> {
    // A fresh Wine server, started with the display: the one the console
    // steps started has none.
    let _ = wine("wineserver", prefix).arg("-k").status();
    let _ = wine("wineserver", prefix).arg("-w").status();
    let (display, mut xvfb) = start_xvfb();
    let shot = windows.root.join("explore.png");
    let mut explorer = wine("wine", prefix)
        .arg(windows_exe())
        .args(["explore", &windows.path("digits project"), "--screenshot"])
        .arg(windows.path("explore.png"))
        .env("DISPLAY", &display)
        .env("TRIAGE_DATA_DIR", windows.path("user-data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_at_most(&mut explorer, std::time::Duration::from_secs(180));
    if status.is_none() {
        let _ = wine("wineserver", prefix).arg("-k").status();
    }
    stop_xvfb(&mut xvfb);
    match status {
        None => return Err("no screenshot within 3 minutes".into()),
        Some(status) if !status.success() => return Err(format!("it failed ({status})")),
        Some(_) => {}
    }
    if let Some(why) = not_drawn(&shot) {
        return Err(why);
    }
    std::fs::copy(&shot, artifacts().join("18-wine-explore-grid.png")).unwrap();
    Ok(())
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
    boot(&prefix);
    inputs(&linux.root);
    inputs(&windows.root);

    let mut failed = Vec::new();
    let mut report = |name: String, verdict: Result<(), String>| match verdict {
        Ok(()) => println!("PASS  {name}"),
        Err(why) => {
            println!("FAIL  {name}: {why}");
            failed.push(name);
        }
    };
    for step in steps() {
        let lin = linux.run(&step.args, &prefix);
        let win = windows.run(&step.args, &prefix);
        report(
            step.name.to_owned(),
            verdict(&step, (&linux, &lin), (&windows, &win)),
        );
    }
    let files: [(&str, Reader); 7] = [
        ("out-penguins/output.manifest", manifest),
        ("out-penguins/labels.parquet", parquet),
        ("out-digits/output.manifest", manifest),
        ("out-digits/labels.parquet", parquet),
        ("penguins.json", text),
        ("penguins.html", charts),
        ("digits.html", charts),
    ];
    for (file, read) in files {
        report(
            format!("the same {file}"),
            same_file(file, read, &linux, &windows),
        );
    }
    report(
        "an export over a file another program holds".into(),
        held_export(&windows, &prefix),
    );
    report(
        "the explorer starts, from `triage explore`".into(),
        explorer(&windows, &prefix),
    );
    let _ = wine("wineserver", &prefix).arg("-k").status();
    assert!(failed.is_empty(), "failed under Wine: {failed:?}");
}

/// The NSIS installer `make windows` builds: installed silently for the
/// current user under Wine, its CLI run from where it landed, then removed
/// by its own uninstaller, which leaves nothing of it behind.
#[test]
#[ignore = "make windows: needs the installer (TRIAGE_WINDOWS_INSTALLER) and wine"]
fn the_installer_installs_runs_and_uninstalls_under_wine() {
    let installer = std::env::var_os("TRIAGE_WINDOWS_INSTALLER")
        .map(PathBuf::from)
        .expect("TRIAGE_WINDOWS_INSTALLER names the setup .exe (make windows sets it)");
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("wineprefix");
    boot(&prefix);
    let installed = wine("wine", &prefix)
        .arg(&installer)
        .arg("/S")
        .output()
        .unwrap();
    assert!(installed.status.success(), "{}", shown(&installed));

    // Wine names the user's folder after the login: find it.
    let users = prefix.join("drive_c/users");
    let home = std::fs::read_dir(&users)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("AppData/Local/Programs/Triage").is_dir())
        .expect("nothing installed under AppData\\Local\\Programs\\Triage");
    let dir = home.join("AppData/Local/Programs/Triage");
    for file in [
        "triage-desktop.exe",
        "triage.exe",
        "triage-explore.exe",
        "uninstall.exe",
        "datasets/digits/0/0000.png",
    ] {
        assert!(dir.join(file).is_file(), "{file} was not installed");
    }
    let menu = home.join("AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Triage.lnk");
    assert!(menu.is_file(), "no Start menu entry");
    let key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Triage";
    let entry = wine("wine", &prefix)
        .args(["reg", "query", key])
        .output()
        .unwrap();
    let entry = String::from_utf8_lossy(&entry.stdout);
    assert!(
        entry.contains("QuietUninstallString") && entry.contains(env!("CARGO_PKG_VERSION")),
        "{entry}"
    );

    let version = wine("wine", &prefix)
        .arg(dir.join("triage.exe"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("triage {}", env!("CARGO_PKG_VERSION")),
        "{}",
        shown(&version)
    );

    // The uninstaller copies itself aside and returns at once; wait for it.
    let removed = wine("wine", &prefix)
        .arg(dir.join("uninstall.exe"))
        .arg("/S")
        .output()
        .unwrap();
    assert!(removed.status.success(), "{}", shown(&removed));
    let start = std::time::Instant::now();
    while dir.exists() && start.elapsed() < std::time::Duration::from_secs(120) {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let _ = wine("wineserver", &prefix).arg("-w").status();
    assert!(!dir.exists(), "the uninstaller left {}", dir.display());
    assert!(!menu.exists(), "the uninstaller left the Start menu entry");
    let gone = wine("wine", &prefix)
        .args(["reg", "query", key])
        .output()
        .unwrap();
    assert!(!gone.status.success(), "the uninstall entry is still there");
}
