#!/bin/sh
# gen-scenario-doc.sh -- regenerate docs/scenario.md from the key registry in
# sim/scenario.c, so the documentation cannot drift from the parser.
#   tools/gen-scenario-doc.sh [BUILD_DIR]      (default: the current folder)
set -e
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
"$build/semsim" validate --list-keys=markdown > "$src/docs/scenario.md.tmp"
mv "$src/docs/scenario.md.tmp" "$src/docs/scenario.md"
echo "wrote $src/docs/scenario.md"
