#!/bin/sh
# gen-scenario-doc.sh -- regenerate docs/scenario.md: the prose of
# docs/scenario.md.in with its line @KEYS@ replaced by the key tables that
# `semsim validate --list-keys=markdown` prints from the registry in
# sim/keys.c, so the documentation cannot drift from the parser.
#   tools/gen-scenario-doc.sh [BUILD_DIR] [OUT]
#   (BUILD_DIR: where semsim is, default the current folder;
#    OUT: default docs/scenario.md in the source tree, - for stdout)
set -e
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$src/docs/scenario.md}
tables=$(mktemp)
trap 'rm -f -- "$tables" "$out.tmp"' EXIT
"$build/semsim" validate --list-keys=markdown > "$tables"
# Drop the template's opening comment (up to its first -->), splice the tables.
gen() {
    awk -v tables="$tables" '
        NR == 1 && /^<!-- docs\/scenario\.md\.in/ { intro = 1 }
        intro { if (index($0, "-->")) intro = 0; next }
        $0 == "@KEYS@" { while ((getline l < tables) > 0) print l; found = 1; next }
        { print }
        END { if (!found) { print "gen-scenario-doc.sh: no @KEYS@ line" > "/dev/stderr"; exit 1 } }
    ' "$src/docs/scenario.md.in"
}
if [ "$out" = - ]; then
    gen
else
    gen > "$out.tmp"
    mv "$out.tmp" "$out"
    echo "wrote $out"
fi
