#!/bin/sh
# train-fit.sh -- does an agent fit a voice it trained on, or only fail to
# generalise? (issue 16: flite slt, the hardest voice)
#
#   tools/train-fit.sh SEMSIM TRAINDATA [MODEL...]
#
# For each model (default models/A.h5 .. D.h5) and each of four training voices,
# prints the LM-beam WER of `semsim eval` on two sets of the same voice:
#   train  Harvard lines 1-50 at rate 1.0, pitch 0: utterances every agent in the
#          table trained on (TRAINDATA/{A,B}/harvard-r100, tools/make-train-data.sh);
#          espeak-ng en-us is in part A only, so B, C and D never heard it;
#   dev    lines 501-550, the dev split (TRAINDATA/dev).
# A voice with a high train WER is under-fitted; a low train WER and a high dev
# WER is a generalisation gap. The test split is never read.
set -eu
[ $# -ge 2 ] || { echo "usage: tools/train-fit.sh SEMSIM TRAINDATA [MODEL...]" >&2; exit 2; }
semsim=$1; td=$2; shift 2
[ -x "$semsim" ] || { echo "train-fit.sh: $semsim: not an executable" >&2; exit 2; }
[ -d "$td/dev" ] || { echo "train-fit.sh: $td: no dev/ folder (tools/make-train-data.sh)" >&2; exit 2; }
[ $# -gt 0 ] || set -- models/A.h5 models/B.h5 models/C.h5 models/D.h5
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
td=$(cd "$td" && pwd)
# manifest SET VOICE FIRST LAST > file: ID, absolute audio path, transcript
manifest() {
    n=$3
    while [ "$n" -le "$4" ]; do
        id=$(printf '%s_L%04d' "$2" "$n")
        if [ "$1" = dev ]; then f=$td/dev/$2/$id.wav
        elif [ -f "$td/A/harvard-r100/$2/$id.wav" ]; then f=$td/A/harvard-r100/$2/$id.wav
        else f=$td/B/harvard-r100/$2/$id.wav; fi
        [ -f "$f" ] || { echo "train-fit.sh: $f: missing (tools/make-train-data.sh)" >&2; exit 1; }
        printf '%s\t%s\t%s\n' "$id" "$f" "$(sed -n "${n}p" "$here/data/harvard.txt")"
        n=$((n + 1))
    done
}
printf '| model | voice | train WER (lines 1-50) | dev WER (lines 501-550) |\n|---|---|---|---|\n'
for m in "$@"; do
    for v in espeak-en-us flite-rms flite-kal16 flite-slt; do
        manifest train "$v" 1 50 > "$tmp/train.tsv"
        manifest dev "$v" 501 550 > "$tmp/dev.tsv"
        w1=$("$semsim" eval --model "$m" --manifest "$tmp/train.tsv" -j 2 | awk '/WER/ {print $NF; exit}')
        w2=$("$semsim" eval --model "$m" --manifest "$tmp/dev.tsv" -j 2 | awk '/WER/ {print $NF; exit}')
        printf '| %s | %s | %s | %s |\n' "$(basename "$m" .h5)" "$v" "$w1" "$w2"
    done
done
