#!/usr/bin/env bash
# After `scripts/package.sh`: installs the .deb on this machine (dpkg, as
# root), checks the installed app and CLI through the end-to-end test made
# for it, and removes the package again, pass or fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
deb="$(ls "$target"/package/*.deb | head -n 1)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing $deb"
$sudo dpkg -i "$deb"
package="$(dpkg-deb -f "$deb" Package)"
trap '$sudo dpkg -r "$package" >/dev/null' EXIT
dpkg -L "$package" | grep -E '^/usr/(bin|share/applications|share/man)/' 
cd "$root"
cargo test --locked -p triage_tests --test e2e -- --ignored --exact \
  desktop::the_installed_package_starts_and_opens_the_demo
