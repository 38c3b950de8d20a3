#!/usr/bin/env bash
# bench_beam.sh -- the LM beam's width and score pruning against WER, on the
# DEV split only (Harvard lists 51-55, lines 501-550, the training voices;
# never the test lines): for each agent, `semsim eval --utts` at width 128
# (the default), 64 and 32, and at width 128 with --score-beam 8 and 15, then
# bench/beam_paired.py compares each with width 128 utterance by utterance
# (difference in WER points with a bootstrap 95% interval; "EQUAL" when
# |difference| <= 0.2 points and the interval holds 0, issue 14's rule for
# changing a default) and prints the decoding CPU seconds of each run.
#
# Usage: bench/bench_beam.sh [AGENT...]   (default: A B)
# The dev corpus is synthesised once into $DEV (default /tmp/semsim-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
sem=${SEMSIM:-./semsim}
dev=${DEV:-/tmp/semsim-dev}
out=${OUT:-$(mktemp -d)}
[ -x "$sem" ] || { echo "bench_beam: build ./semsim first" >&2; exit 1; }
[ -f "$dev/manifest.tsv" ] ||
    "$sem" corpus --text data/harvard.txt --lines 501-550 --voices data/voices-train.txt \
        -o "$dev" -j 1 >/dev/null
agents=("$@")
[ ${#agents[@]} -gt 0 ] || agents=(A B)
for m in "${agents[@]}"; do
    for cfg in "w128:--beam 128" "w64:--beam 64" "w32:--beam 32" \
        "s8:--beam 128 --score-beam 8" "s15:--beam 128 --score-beam 15"; do
        name=${cfg%%:*}
        # shellcheck disable=SC2086
        "$sem" eval --model "models/$m.h5" --manifest "$dev/manifest.tsv" --utts ${cfg#*:} \
            >"$out/$m-$name.txt"
    done
    echo "== agent $m"
    /usr/bin/python3 bench/beam_paired.py "$out/$m-w128.txt" "$out/$m-w64.txt" \
        "$out/$m-w32.txt" "$out/$m-s8.txt" "$out/$m-s15.txt"
done
