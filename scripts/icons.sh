#!/usr/bin/env bash
# Regenerates the app's icons in src-tauri/icons/ from assets/icon.png with
# Tauri's own generator (the npm package @tauri-apps/cli): the PNGs Linux
# uses, icon.ico for the Windows resource (tauri-build fails without it) and
# icon.icns for macOS. The outputs are committed; run this after changing
# the source.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/ui/node_modules/.bin/tauri" icon "$root/assets/icon.png" -o "$tmp" >"$tmp/log" 2>&1 \
  || { cat "$tmp/log" >&2; exit 1; }
for f in 32x32.png 128x128.png 128x128@2x.png icon.png icon.ico icon.icns; do
  cp "$tmp/$f" "$root/src-tauri/icons/$f"
done
