#!/bin/sh
# make-train-data.sh -- synthesise the agents' training and development data.
#
# usage: tools/make-train-data.sh SEMSIM OUTDIR [JOBS]
#   SEMSIM  the semsim binary (e.g. ./semsim in the build tree)
#   OUTDIR  where WAVs and manifests go (tens of thousands of files, a few GB;
#           never commit it)
#   JOBS    synthesis processes (default 2)
#
# What it makes (all with `semsim corpus`, so a re-run is byte-identical and
# skips files that exist):
#   OUTDIR/voices-A.txt, voices-B.txt  the training voices (data/voices-train.txt)
#       split in two parts, alternate lines: agents A and B train on different voices.
#   OUTDIR/P/harvard-r100/ ...      Harvard lists 1-50 (data/harvard.txt lines
#       1-500) x the voices of part P, at rate 1.0 / pitch 0, rate 0.85 / pitch +2
#       semitones and rate 1.15 / pitch -2 (speed/pitch perturbation).
#   OUTDIR/P/words-VOICE/ ...       random word sequences (3-8 words from the
#       Debian wamerican list, fixed seed), different lines for every voice,
#       because 500 sentences are too few to teach spelling.
#   OUTDIR/P/train.tsv              all of part P's training utterances.
#   OUTDIR/P/train-wide.tsv         part P plus the other part's voices except
#       three (HOLDOUT_A / HOLDOUT_B below), flite utterances listed twice: the
#       fine-tuning stage of the shipped agents (models/recipes/*-wide.ini). No
#       extra synthesis: it points into the other part's folders.
#   OUTDIR/P/flite-extra.tsv        the wide part's flite utterances once more
#       (stage 3, models/recipes/*-aug.ini).
#   OUTDIR/W/flite-words.tsv       with FLITE_WORDS=N (default 0: not made):
#       N more random word sequences for each flite voice, other lines than
#       words-VOICE's (docs/training.md, "flite slt, the hardest voice"); both
#       wide parts hear all three flite voices.
#   OUTDIR/dev/manifest.tsv         the dev split: lines 501-550 (lists 51-55)
#       x every training voice, where checkpoints are chosen. Never used for
#       training. (Before 2026-12-02 it held lines 501-600, the test split
#       included; the stage-3 agents are the first chosen on 501-550 alone.)
# Lines 501-600 never enter the training manifests, lines 551-600 (the test
# split) are never synthesised here, and no voice outside
# data/voices-train.txt is used.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 SEMSIM OUTDIR [JOBS]" >&2
    exit 2
fi
SEMSIM=$1
OUT=$2
JOBS=${3:-2}
SRC=$(cd "$(dirname "$0")/.." && pwd)
TEXT=$SRC/data/harvard.txt
VOICES=$SRC/data/voices-train.txt
WORDS_PER_VOICE=${WORDS_PER_VOICE:-400}
FLITE_WORDS=${FLITE_WORDS:-0}
DICT=/usr/share/dict/american-english

mkdir -p "$OUT"
# Voice parts: alternate non-comment lines of voices-train.txt.
grep -v '^[[:space:]]*#' "$VOICES" | grep -v '^[[:space:]]*$' | awk 'NR % 2 == 1' > "$OUT/voices-A.txt"
grep -v '^[[:space:]]*#' "$VOICES" | grep -v '^[[:space:]]*$' | awk 'NR % 2 == 0' > "$OUT/voices-B.txt"

# Append DIR/manifest.tsv to a combined manifest, with AUDIO made relative to the
# combined manifest's folder (prefix = DIR relative to it) and IDs made unique.
append() { # manifest prefix combined
    awk -F '\t' -v p="$2" 'BEGIN { OFS = "\t" } /^#/ || NF < 3 { next } { $1 = p "_" $1; $2 = p "/" $2; print }' \
        "$1" >> "$3"
}

# Random word sequences for one voice: deterministic (Python's Mersenne Twister
# seeded with the voice's name, and a salt for another draw), lower-case words
# and possessives only.
make_words() { # voice-name n out [salt]
    /usr/bin/python3 - "$DICT" "$1" "$2" "$3" "${4:-}" <<'PY'
import random, re, sys
dict_path, voice, n, out, salt = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
words = [w.strip() for w in open(dict_path, encoding="utf-8", errors="ignore")]
words = sorted(set(w for w in words if re.fullmatch(r"[a-z]+('s)?", w) and len(w) <= 12))
rng = random.Random("semsim-words-" + salt + voice)
with open(out, "w") as f:
    for _ in range(n):
        f.write(" ".join(rng.choice(words) for _ in range(rng.randint(3, 8))) + "\n")
PY
}

# One voice's word sequences synthesised into DIR/SUB and appended to a manifest.
word_set() { # dir sub voice-name n salt combined
    mkdir -p "$1/$2"
    make_words "$3" "$4" "$1/$2/text.txt" "$5"
    echo "$3" > "$1/$2/voice.txt"
    "$SEMSIM" corpus --text "$1/$2/text.txt" --voices "$1/$2/voice.txt" -o "$1/$2" -j "$JOBS" -q
    append "$1/$2/manifest.tsv" "$2" "$6"
}

for P in A B; do
    D=$OUT/$P
    mkdir -p "$D"
    : > "$D/train.tsv.tmp"
    for pert in "100 1.0 0" "085 0.85 2" "115 1.15 -2"; do
        set -- $pert
        sub=harvard-r$1
        "$SEMSIM" corpus --text "$TEXT" --lines 1-500 --voices "$OUT/voices-$P.txt" \
            -o "$D/$sub" -j "$JOBS" --rate "$2" --pitch "$3" -q
        append "$D/$sub/manifest.tsv" "$sub" "$D/train.tsv.tmp"
    done
    while read -r engine voice; do
        tag=$(echo "$engine-$voice" | tr -c 'A-Za-z0-9\n-' '_')
        word_set "$D" "words-$tag" "$engine $voice" "$WORDS_PER_VOICE" "" "$D/train.tsv.tmp"
    done < "$OUT/voices-$P.txt"
    mv "$D/train.tsv.tmp" "$D/train.tsv"
    echo "$0: $D/train.tsv: $(wc -l < "$D/train.tsv") utterances" >&2
done

# Voices each wide part never trains on (the dev tag of "ENGINE VOICE": espeak-ng ->
# espeak, '+' -> '-'): each agent keeps three unheard voices, and the two sets differ.
HOLDOUT_A="espeak-en-us-m1 espeak-en espeak-en-us-nyc-m2"
HOLDOUT_B="espeak-en-us espeak-en-us-nyc espeak-en-gb-x-rp"
# The flite voices are the hardest to learn (stage-1 agents: 17-55% CER on them even
# when trained on them, 8-12% on espeak-ng voices), so the wide parts list their
# utterances FLITE_REPEAT times (as ID_rN: other augmentation draws each time).
FLITE_REPEAT=${FLITE_REPEAT:-2}
wide_rows() { # manifest prefix(""|../Q/) holdout
    awk -F '\t' -v pre="$2" -v hold="$3" -v rep="$FLITE_REPEAT" '
        BEGIN { OFS = "\t"; n = split(hold, h, " "); for (i = 1; i <= n; i++) skip[h[i]] = 1 }
        /^#/ || NF < 3 { next }
        { split($2, part, "/"); if (part[2] in skip) next; $2 = pre $2; print
          if (part[2] ~ /^flite-/) { id = $1; for (r = 2; r <= rep; r++) { $1 = id "_r" r; print } } }' "$1"
}
for P in A B; do
    if [ $P = A ]; then Q=B HOLD=$HOLDOUT_A; else Q=A HOLD=$HOLDOUT_B; fi
    wide_rows "$OUT/$P/train.tsv" "" "" > "$OUT/$P/train-wide.tsv.tmp"
    wide_rows "$OUT/$Q/train.tsv" "../$Q/" "$HOLD" >> "$OUT/$P/train-wide.tsv.tmp"
    mv "$OUT/$P/train-wide.tsv.tmp" "$OUT/$P/train-wide.tsv"
    echo "$0: $OUT/$P/train-wide.tsv: $(wc -l < "$OUT/$P/train-wide.tsv") utterances" >&2
    # Stage 3 (models/recipes/*-aug.ini) lists the flite utterances once more (ID_x3):
    # the agents' hardest voices by far (stage 2: 40-50% WER on flite slt and kal16).
    awk -F '\t' 'BEGIN { OFS = "\t" } $2 ~ /(^|\/)flite-/ && $1 !~ /_r[0-9]+$/ { $1 = $1 "_x3"; print }' \
        "$OUT/$P/train-wide.tsv" > "$OUT/$P/flite-extra.tsv"
done

# More distinct text for the flite voices (FLITE_WORDS per voice, another salt).
if [ "$FLITE_WORDS" -gt 0 ]; then
    mkdir -p "$OUT/W"
    : > "$OUT/W/flite-words.tsv.tmp"
    grep '^flite ' "$VOICES" | while read -r engine voice; do
        word_set "$OUT/W" "more-words-$engine-$voice" "$engine $voice" "$FLITE_WORDS" more- \
            "$OUT/W/flite-words.tsv.tmp"
    done
    mv "$OUT/W/flite-words.tsv.tmp" "$OUT/W/flite-words.tsv"
    echo "$0: $OUT/W/flite-words.tsv: $(wc -l < "$OUT/W/flite-words.tsv") utterances" >&2
fi

"$SEMSIM" corpus --text "$TEXT" --lines 501-550 --voices "$VOICES" -o "$OUT/dev" -j "$JOBS" -q
echo "$0: $OUT/dev/manifest.tsv: $(grep -vc '^#' "$OUT/dev/manifest.tsv") utterances" >&2
