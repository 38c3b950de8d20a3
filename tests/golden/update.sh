#!/usr/bin/env bash
# update.sh -- rewrite the golden /summary tables (tests/golden/*.summary) from
# the current build. Run only when a change is meant to change results, and
# say so in the commit. tests/sim/test_golden.c compares against them.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ini in tests/golden/*.ini; do
  name=$(basename "$ini" .ini)
  ./semsim run "$ini" -o "$tmp/$name.h5" --quiet -j 2 --set equalizer.cache="$tmp/cache"
  /usr/bin/python3 tests/golden/dump.py "$tmp/$name.h5" > "tests/golden/$name.summary"
  echo "$name: $(wc -l < "tests/golden/$name.summary") rows"
done
