#!/usr/bin/env bash
# bench_peer.sh -- every shipped model's network against its PyTorch twin
# (../shared/tools/torch-peer.py: the same weights in plain PyTorch, one
# thread), side by side in one run on the same utterances (issue 14's target:
# semsim >= 3x the twin).
#
# semsim side: `semsim eval --greedy --json` (network_cpu_s: encoder + decoder
# thread CPU time over the manifest); torch side: `torch-peer.py time`
# (summary xrt_cpu, median of its repeats). semsim runs before and after the
# twin and its better run counts, so drift of a shared machine hits both.
# Needs Debian's python3-torch and python3-h5py under /usr/bin/python3 (for the
# benchmark only, never for the build or the tests): without them it says so
# and exits 0. Usage: [SEMSIM=BIN] bench/bench_peer.sh [MANIFEST.tsv]  (default:
# the quickstart's TTS source in cache/tts, made by its first run; SEMSIM: the
# semsim binary to time, default ./semsim, e.g. an older build to compare)
set -euo pipefail
cd "$(dirname "$0")/.."
peer=../shared/tools/torch-peer.py
py=/usr/bin/python3
if ! [ -f "$peer" ] || ! $py -c 'import torch, h5py' 2>/dev/null; then
    echo "bench_peer: skipped (needs $peer and python3-torch + python3-h5py for $py)"
    exit 0
fi
man=${1:-}
if [ -z "$man" ]; then
    for m in cache/tts/*/manifest.tsv; do
        [ -f "$m" ] && grep -q 'L0530' "$m" && [ "$(wc -l <"$m")" -le 61 ] && { man=$m; break; }
    done
fi
[ -n "$man" ] || { echo "bench_peer: skipped (no manifest: run the quickstart once)"; exit 0; }
echo "manifest=$man"
sem_xrt() { # best of the semsim runs given as JSON files
    $py -c 'import json,sys
b=0
for f in sys.argv[1:]:
    d=json.load(open(f)); b=max(b, d["audio_s"]/d["network_cpu_s"])
print("%.1f" % b)' "$@"
}
sem=${SEMSIM:-./semsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for m in A B C D; do
    model=models/$m.h5
    "$sem" eval --model "$model" --manifest "$man" --greedy --json >"$tmp/s1.json"
    OMP_NUM_THREADS=1 $py "$peer" time --model "$model" --manifest "$man" --repeats 3 >"$tmp/t.txt"
    "$sem" eval --model "$model" --manifest "$man" --greedy --json >"$tmp/s2.json"
    s=$(sem_xrt "$tmp/s1.json" "$tmp/s2.json")
    t=$(sed -n 's/.*summary xrt_cpu min-time=[0-9.]* median=\([0-9.]*\).*/\1/p' "$tmp/t.txt")
    awk -v m="$m" -v s="$s" -v t="$t" 'BEGIN {
        r = (t > 0) ? s / t : 0
        printf "model=%s semsim_net_xrt=%s torch_net_xrt=%s semsim_over_torch=%.2f (target >= 3)\n",
            m, s, t, r }'
done
