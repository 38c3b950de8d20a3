#!/usr/bin/env bash
# tables.sh -- re-run every scenario behind the published tables (README.md,
# docs/experiments.md, docs/anchors.md, the model cards) on the test split,
# one results file each, into OUTDIR. docs/experiments.md "How to reproduce"
# lists the same commands; this is them in one place, so a re-run is one
# command. A file already in OUTDIR is kept (delete it to re-run that table).
# `tools/tables-md OUTDIR > docs/results.md` then writes every table from them as one page.
#
#   tools/tables.sh [-j N] [--only NAME[,NAME...]] OUTDIR
#
# Run from the build tree's top folder (./semsim, or SEMSIM=PATH). Takes about an hour of
# 2-core time; `nice -n 10 tools/tables.sh out` on a shared machine.
set -euo pipefail
jobs=2 only=""
while (($#)); do
  case "$1" in
    -j) jobs=$2; shift ;;
    --only) only=",$2," ; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "tables.sh: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || { echo "usage: tools/tables.sh [-j N] [--only NAME,...] OUTDIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
top=$(pwd)
bin=${SEMSIM:-./semsim} # SEMSIM=PATH: another build
[ -x "$bin" ] || { echo "tables.sh: no $bin: run from the build tree's top folder" >&2; exit 2; }
S=scenarios

# name | arguments of semsim run (the output file is OUTDIR/name.h5)
runs=(
  "quickstart|$S/quickstart.ini"
  "equalizers|$S/equalizers.ini"
  "equalizers-a-c|$S/equalizers.ini --set rx.model=models/C.h5"
  "equalizers-a-d|$S/equalizers.ini --set rx.model=models/D.h5"
  "wer-snr|$S/wer-snr.ini"
  "anchors-k|$S/anchors-k.ini"
  "anchors-k-class|$S/anchors-k.ini --set anchors.selection=class --sweep anchors.count=4,8,16,0"
  "bandwidth|$S/bandwidth.ini"
  "bandwidth-codecs|$S/codec-baselines.ini --set rx.model=models/B.h5 --set source.voices=scenarios/experiment-voices.txt --set source.lines=551-600 --set scenario.utterances=150 --sweep channel.snr_db=4,10"
  "latency-semantic|$S/latency-load.ini --jobs1"
  "latency-oracle|$S/latency-load.ini --jobs1 --set equalizer.type=oracle"
  "latency-opus-12|$S/latency-load.ini --jobs1 --set source.kind=opus-12 --set link.mode=digital"
  "latency-codec2-3200|$S/latency-load.ini --jobs1 --set source.kind=codec2-3200 --set link.mode=digital"
  "head-noise-a-b|$S/equalizers.ini --set equalizer.type=relative --sweep equalizer.head_noise=0,0.25,0.5,1,2"
  "text|$S/text-test.ini"
  "prune-matched|$S/prune-matched.ini"
  "prune-cross|$S/prune-cross.ini"
  "equalizers-mlp-parseval|$S/equalizers.ini --sweep equalizer.type=mlp,parseval"
  "head-snr|$S/study-head-snr.ini"
  "pool-a-b|$S/study-pool.ini"
  "pool-a-c|$S/study-pool.ini --set rx.model=models/C.h5 --set equalizer.head_pool=scenarios/pool-for-C.txt"
  "pool-a-d|$S/study-pool.ini --set rx.model=models/D.h5 --set equalizer.head_pool=scenarios/pool-for-D.txt"
  "head-snr-pool|$S/study-head-snr.ini --set equalizer.head_pool=scenarios/pool-for-B.txt --set equalizer.head_steps=1600 --sweep equalizer.head_snr_db=5"
  "s2s|$S/s2s.ini"
)
# the model cards: each agent's own recognition, all 18 training voices, beam and greedy,
# on noisy speech (white, babble at 10 dB) and on Codec2 3200 speech (issue 16)
for m in A B C D; do
  runs+=("agent-$m|$S/agents.ini --set tx.model=models/$m.h5 --set rx.model=models/$m.h5")
  runs+=("agent-$m-greedy|$S/agents.ini --set tx.model=models/$m.h5 --set rx.model=models/$m.h5 --set rx.decoder=greedy")
  runs+=("robust-noise-$m|$S/robust-noise.ini --set tx.model=models/$m.h5 --set rx.model=models/$m.h5")
  runs+=("coded-speech-$m|$S/coded-speech.ini --set rx.model=models/$m.h5")
done
fail=0
for r in "${runs[@]}"; do
  name=${r%%|*} args=${r#*|}
  [ -n "$only" ] && [[ $only != *",$name,"* ]] && continue
  [ -e "$out/$name.h5" ] && { echo "tables: $name.h5 exists, kept"; continue; }
  j=$jobs
  if [[ $args == *--jobs1* ]]; then j=1; args=${args/--jobs1/}; fi   # latency runs: one job (timing)
  echo "tables: $name: ./semsim run $args -o $out/$name.h5 -j $j"
  start=$(date +%s)
  # shellcheck disable=SC2086
  if "$bin" run $args -o "$out/$name.h5" -j "$j" --quiet > "$out/$name.log" 2>&1; then
    echo "tables: $name done in $(( $(date +%s) - start )) s"
  else
    echo "tables: $name FAILED (see $out/$name.log)"; fail=1
  fi
done
exit $fail
