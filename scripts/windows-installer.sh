#!/usr/bin/env bash
# `make windows`: the NSIS installer (scripts/triage.nsi) over the release
# .exe files, stripped of their symbol tables, written to
# <target>/windows/package/Triage_<version>_x64-setup.exe.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}/windows"
release="$target/x86_64-pc-windows-gnu/release"
out="$target/package"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
rm -rf "$out"
mkdir -p "$out/bin"
for exe in triage-desktop triage triage-explore; do
  if [ ! -f "$release/$exe.exe" ]; then
    echo "missing $release/$exe.exe: run make windows" >&2
    exit 1
  fi
  x86_64-w64-mingw32-strip -o "$out/bin/$exe.exe" "$release/$exe.exe"
done
makensis -V2 -DVERSION="$version" -DBIN="$out/bin" -DROOT="$root" \
  -DOUTFILE="$out/Triage_${version}_x64-setup.exe" "$root/scripts/triage.nsi" </dev/null
rm -rf "$out/bin"
ls -l "$out"/*.exe
