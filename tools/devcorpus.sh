#!/bin/sh
# devcorpus.sh -- build the development corpus: Harvard lists 51-60
# (data/harvard.txt lines 501-600) x every training voice (data/voices-train.txt),
# 16 kHz WAVs + manifest.tsv, with 2 synthesis processes.
#
# usage: tools/devcorpus.sh [SEMSIM [OUTDIR]]
#   SEMSIM  the semsim binary (default: ./semsim, i.e. run from the build tree)
#   OUTDIR  output folder (default: cache/dev)
# A re-run is byte-identical and skips the WAVs that already exist.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
SEMSIM=${1:-./semsim}
OUT=${2:-cache/dev}
if [ ! -x "$SEMSIM" ]; then
    echo "$0: $SEMSIM: not found (build first, or pass the semsim binary)" >&2
    exit 2
fi
exec "$SEMSIM" corpus --text "$SRC/data/harvard.txt" --lines 501-600 \
    --voices "$SRC/data/voices-train.txt" -o "$OUT" -j 2
