#!/bin/sh
# make-aug-data.sh -- the data of the augmented fine-tunes (models/recipes/*-aug.ini).
#
# usage: tools/make-aug-data.sh SEMSIM OUTDIR [JOBS]
#   OUTDIR/A/train.tsv   Harvard lists 1-50 (lines 1-500) x agent A's fifteen
#                        wide-part voices (data/voices-train.txt without
#                        espeak-ng en-us+m1, en, en-us-nyc+m2), rate 1, pitch 0:
#                        speed, formants, noise, rooms and codecs come from
#                        [augment] instead of extra synthesis
#   OUTDIR/A/flite.tsv   its flite utterances again (listed twice, as the wide
#                        parts do: they are the hardest voices)
#   OUTDIR/dev/manifest.tsv  lists 51-55 (lines 501-550) x all 18 training voices
#   OUTDIR/dev/dev-A.tsv     the same, A's fifteen voices only (checkpoint choice)
#   OUTDIR/dev/dev-B.tsv     the same, B's fifteen voices (without espeak-ng en-us,
#                            en-us-nyc, en-gb-x-rp)
# Lines 551-600 (the test split) are never synthesised here.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 SEMSIM OUTDIR [JOBS]" >&2
    exit 2
fi
SEMSIM=$1
OUT=$2
JOBS=${3:-1}
SRC=$(cd "$(dirname "$0")/.." && pwd)
TEXT=$SRC/data/harvard.txt
HOLDOUT_A="espeak-ng en-us+m1|espeak-ng en|espeak-ng en-us-nyc+m2"
mkdir -p "$OUT/A" "$OUT/dev"
grep -v '^[[:space:]]*#' "$SRC/data/voices-train.txt" | grep -v '^[[:space:]]*$' > "$OUT/voices-all.txt"
# part A (odd lines), then part B (even lines) without A's three unheard voices
{ awk 'NR % 2 == 1' "$OUT/voices-all.txt"
  awk -v hold="$HOLDOUT_A" 'BEGIN { n = split(hold, h, "|"); for (i = 1; i <= n; i++) skip[h[i]] = 1 }
      NR % 2 == 0 && !($0 in skip)' "$OUT/voices-all.txt"; } > "$OUT/voices-A.txt"
"$SEMSIM" corpus --text "$TEXT" --lines 1-500 --voices "$OUT/voices-A.txt" -o "$OUT/A" -j "$JOBS" -q
cp "$OUT/A/manifest.tsv" "$OUT/A/train.tsv"
awk -F '\t' 'BEGIN { OFS = "\t" } /^#/ || NF < 3 { next } $2 ~ /^flite-/ { $1 = $1 "_r2"; print }' \
    "$OUT/A/manifest.tsv" > "$OUT/A/flite.tsv"
"$SEMSIM" corpus --text "$TEXT" --lines 501-550 --voices "$OUT/voices-all.txt" -o "$OUT/dev" -j "$JOBS" -q
awk -F '\t' '/^#/ { print; next } { split($2, p, "/") }
    p[1] != "espeak-en-us-m1" && p[1] != "espeak-en" && p[1] != "espeak-en-us-nyc-m2"' \
    "$OUT/dev/manifest.tsv" > "$OUT/dev/dev-A.tsv"
awk -F '\t' '/^#/ { print; next } { split($2, p, "/") }
    p[1] != "espeak-en-us" && p[1] != "espeak-en-us-nyc" && p[1] != "espeak-en-gb-x-rp"' \
    "$OUT/dev/manifest.tsv" > "$OUT/dev/dev-B.tsv"
echo "$0: $(grep -vc '^#' "$OUT/A/train.tsv") + $(grep -c . "$OUT/A/flite.tsv") training lines," \
    "$(grep -vc '^#' "$OUT/dev/dev-A.tsv") dev lines" >&2
