#!/usr/bin/env python3
"""Checks the dependency rules in ARCHITECTURE.md against `cargo metadata`.

- triage_core depends on no crate of ours;
- domain crates depend on triage_core, and on each other only where allowed;
- only triage_api combines domain crates; shells depend on triage_api alone;
- rusqlite only in triage_store, linfa only in triage_learn, object_store and
  the AWS SDK only in triage_lake, polars-parquet only in triage_data, tauri
  only in src-tauri, egui/eframe only in triage_explore;
- egui (and eframe, winit) appear only in triage_explore's normal tree, and
  tauri (and wry) only in src-tauri's: no other member has either;
- images are decoded in one place (triage_data's image_file, which checks
  the size limits first), and polars reads table files in one place
  (triage_data's table): no other source file calls a decoder or a reader.
"""
import json
import pathlib
import re
import subprocess
import sys

DOMAIN = {"triage_store", "triage_data", "triage_learn", "triage_profile", "triage_lake", "triage_embed"}
SHELLS = {"triage_cli", "triage_explore", "triage_desktop"}
# Domain-to-domain edges written down in ARCHITECTURE.md.
ALLOWED_DOMAIN_EDGES = {("triage_profile", "triage_data")}
# Direct dependencies that only one crate of ours may have.
OWNED = {
    "rusqlite": {"triage_store"},
    "linfa": {"triage_learn"},
    "object_store": {"triage_lake"},
    "aws-config": {"triage_lake"},
    "aws-sdk-glue": {"triage_lake"},
    "polars-parquet": {"triage_data"},
    "candle-core": {"triage_embed"},
    "candle-nn": {"triage_embed"},
    "candle-transformers": {"triage_embed"},
    "tokenizers": {"triage_embed"},
    "tauri": {"triage_desktop"},
    "egui": {"triage_explore"},
    "eframe": {"triage_explore"},
}
UI_CRATES = ("tauri", "egui", "eframe", "wry", "winit")
# The only crates whose normal dependency tree may hold UI crates, and which.
UI_OWNERS = {
    "triage_explore": {"egui", "eframe", "winit"},
    "triage_desktop": {"tauri", "wry"},
}

meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", ]))
members = set(meta["workspace_members"])
by_id = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def normal_deps(pid):
    for d in nodes[pid]["deps"]:
        if any(k["kind"] is None for k in d["dep_kinds"]):
            yield d["pkg"]


def closure(pid):
    seen, stack = set(), [pid]
    while stack:
        for dep in normal_deps(stack.pop()):
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen


errors = []
for pid in members:
    name = by_id[pid]["name"]
    direct = {by_id[d]["name"] for d in normal_deps(pid)}
    ours = {d for d in direct if d.startswith("triage_")}
    if name == "triage_core" and ours:
        errors.append(f"triage_core depends on {sorted(ours)}")
    if name in DOMAIN:
        for dep in ours - {"triage_core"}:
            if (name, dep) not in ALLOWED_DOMAIN_EDGES:
                errors.append(f"{name} depends on {dep}, which ARCHITECTURE.md does not allow")
    if name in SHELLS and ours - {"triage_api"}:
        errors.append(f"shell {name} depends on {sorted(ours - {'triage_api'})}; shells use triage_api alone")
    for dep in direct:
        key = dep.split("-")[0] if dep.startswith("linfa") else dep
        if key in OWNED and name not in OWNED[key]:
            errors.append(f"{name} uses {dep}, which belongs to {sorted(OWNED[key])}")
    # egui lives in the explorer's tree alone and tauri in the desktop
    # app's; the CLI starts the explorer as a program, so it has neither.
    allowed_ui = UI_OWNERS.get(name, set())
    ui = sorted(({by_id[d]["name"] for d in closure(pid)} & set(UI_CRATES)) - allowed_ui)
    if ui:
        errors.append(f"{name} has {ui} in its dependency tree")

# One reader per input: calls that decode an image or read a table file
# appear only in the file that owns them (tests aside).
ROOT = pathlib.Path(__file__).resolve().parent.parent
ONE_READER = {
    "image decode": (
        re.compile(r"ImageReader::|image::open\(|load_from_memory|\.decode\(\)"),
        "crates/triage_data/src/image_file.rs",
    ),
    "table read": (
        re.compile(r"CsvReadOptions|LazyCsvReader|ParquetReader|LazyJsonLineReader|JsonReader::new|scan_parquet"),
        "crates/triage_data/src/table.rs",
    ),
}
sources = [p for d in ("crates", "src-tauri/src") for p in (ROOT / d).rglob("*.rs")]
for what, (pattern, owner) in ONE_READER.items():
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        if rel == owner or "/tests/" in rel or "/benches/" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        # Unit tests at the end of a file may read what they wrote.
        text = text.split("#[cfg(test)]")[0]
        for n, line in enumerate(text.splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith("//"):
                errors.append(f"{rel}:{n}: {what} outside {owner}")

if errors:
    print("architecture check failed:", *errors, sep="\n  ")
    sys.exit(1)
print(f"architecture check: {len(members)} crates follow the dependency rules")
