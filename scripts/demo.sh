#!/usr/bin/env bash
# The CLI demo on the bundled datasets: a digits project, made once, then its
# status and the next items to label.
set -euo pipefail
triage="$1"
dir="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$dir/project.triage" ]; then
  "$triage" init "$dir" --task image-classification --classes 0,1,2,3,4,5,6,7,8,9 \
    --hotkeys 0,1,2,3,4,5,6,7,8,9 --attribute digit
  "$triage" import "$dir" "$root/datasets/digits"
fi
"$triage" status "$dir"
echo "next items to label:"
"$triage" queue "$dir" --n 5
echo
echo "Label one:   $triage label $dir <ITEM_ID> <CLASS>"
echo "Export:      $triage export $dir --to /tmp/triage-export --format gt-manifest,csv,parquet"
