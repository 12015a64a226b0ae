#!/usr/bin/env bash
# `make package`: the release build's .deb and .rpm, made by Tauri's bundler
# (the npm package @tauri-apps/cli, installed by `npm ci` in ui/). Besides
# the app they hold the `triage` CLI, `triage-explore`, the man page, bash
# completions and the demo's digits. AppImage is left out: its bundler
# downloads tools at build time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
release="$target/release"
out="$target/package"
for bin in triage triage-explore triage-desktop; do
  if [ ! -x "$release/$bin" ]; then
    echo "missing $release/$bin: run 'cargo build --release --locked --workspace --bins' first" >&2
    exit 1
  fi
done
rm -rf "$out" "$release/bundle"
mkdir -p "$out"
"$release/triage" man > "$out/triage.1"
gzip -9n "$out/triage.1"
"$release/triage" completions bash > "$out/triage.bash"
# The CLI and the explorer go in stripped of their symbol tables (a quarter
# of their size); the app is patched in place by the bundler, as built.
strip -o "$out/triage" "$release/triage"
strip -o "$out/triage-explore" "$release/triage-explore"
python3 - "$root" "$release" "$out" <<'PY'
import json, sys
root, release, out = sys.argv[1:]
files = {
    "/usr/bin/triage": f"{out}/triage",
    "/usr/bin/triage-explore": f"{out}/triage-explore",
    "/usr/share/man/man1/triage.1.gz": f"{out}/triage.1.gz",
    "/usr/share/bash-completion/completions/triage": f"{out}/triage.bash",
}
# The explorer draws with OpenGL; WebKitGTK and GTK the bundler adds itself.
config = {
    "bundle": {
        "active": True,
        "targets": ["deb", "rpm"],
        "category": "Utility",
        "shortDescription": "Label images, table rows and texts with a model that learns as you go",
        "resources": {f"{root}/datasets/digits/": "datasets/digits/"},
        "linux": {
            "deb": {"files": files, "depends": ["libgl1", "libxkbcommon0"]},
            "rpm": {"files": files, "depends": ["mesa-libGL", "libxkbcommon"]},
        },
    }
}
json.dump(config, open(f"{out}/tauri.package.json", "w"), indent=2)
PY
cd "$root/src-tauri"
CARGO_TARGET_DIR="$target" "$root/ui/node_modules/.bin/tauri" bundle --bundles deb,rpm \
  --config "$out/tauri.package.json" </dev/null
find "$release/bundle" -maxdepth 2 \( -name '*.deb' -o -name '*.rpm' \) -exec cp {} "$out/" \;
ls -l "$out"/*.deb "$out"/*.rpm
