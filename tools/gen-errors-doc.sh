#!/bin/sh
# gen-errors-doc.sh -- regenerate the catalogue tables of docs/errors.md from
# tests/sim/test_errors.c's case table: runs every case on ./semsim and pastes
# the tables (with the error lines observed) between the file's markers.
# Run from the build tree after `make semsim tests/sim/test_errors`:
#   tools/gen-errors-doc.sh [SRCDIR]
set -eu
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
doc="$src/docs/errors.md"
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.md"' EXIT
SEMSIM_SRCDIR="$src" ./tests/sim/test_errors --markdown "$tmp" >/dev/null 2>&1 || {
    echo "gen-errors-doc: a catalogue case fails; run tests/sim/test_errors to see which" >&2
    exit 1
}
awk -v tables="$tmp" '
    /^<!-- BEGIN CATALOGUE/ { print; print ""; while ((getline l < tables) > 0) print l; print ""; skip = 1; next }
    /^<!-- END CATALOGUE/ { skip = 0 }
    !skip { print }
' "$doc" > "$tmp.md"
mv "$tmp.md" "$doc"
echo "gen-errors-doc: $doc updated"
