#!/usr/bin/env bash
# bench_sweep.sh -- a quickstart sweep point in x real time per core, and the
# peak memory of a quickstart sweep (issue 14's targets: >= 1000x, <= 1 GiB).
#
# Runs ./semsim on scenarios/quickstart.ini (A -> B, relative head, LM beam,
# 100 utterances = 219 s of speech a point) with -j 1, once with one SNR and
# once with N SNRs, each under /usr/bin/time (the process's own CPU seconds
# and maxrss, so other tenants of the machine do not count). Prints key=value
# lines:
#   whole_xrt      speech seconds of all points / CPU seconds of the whole
#                  N-point command (start-up, models, LM, anchors included);
#   point_xrt      speech seconds of one point / the CPU seconds one more
#                  point costs ((cpu_N - cpu_1) / (N - 1)): a sweep point's
#                  price once the run is set up;
#   maxrss_mib     peak resident memory of the N-point run.
# The first run of a fresh tree synthesises the TTS source and trains B's
# relative head (both cached); a warm-up run before the timed ones keeps that
# out of the figures. Usage: bench/bench_sweep.sh [N]  (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-8}
sem=${SEMSIM:-./semsim} # SEMSIM=path: another build, for before/after figures
[ -x "$sem" ] || { echo "bench_sweep: build ./semsim first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_sweep: skipped (/usr/bin/time missing)"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
snrs=$(seq -s, 0 2 $((2 * (n - 1))))
run() { # $1 = output name, $2 = sweep list; prints "user sys maxrss_kib"
    /usr/bin/time -f '%U %S %M' -o "$tmp/$1.time" \
        "$sem" run scenarios/quickstart.ini --sweep channel.snr_db="$2" -o "$tmp/$1.h5" \
        --force --quiet -j 1 >/dev/null
    cat "$tmp/$1.time"
}
run warm 0 >/dev/null
read -r u1 s1 m1 < <(run one 0)
read -r un sn mn < <(run many "$snrs")
speech=127.1 # duration_s of a quickstart point (its /summary column)
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    speech=$(/usr/bin/python3 -c 'import h5py,sys; print(float(h5py.File(sys.argv[1])["summary"]["duration_s"][0]))' "$tmp/one.h5")
fi
awk -v u1="$u1" -v s1="$s1" -v un="$un" -v sn="$sn" -v mn="$mn" -v n="$n" -v sp="$speech" 'BEGIN {
    c1 = u1 + s1; cn = un + sn; per = (cn - c1) / (n - 1);
    printf "points=%d speech_s_per_point=%.1f\n", n, sp;
    printf "cpu_s_1point=%.2f cpu_s_%dpoints=%.2f cpu_s_per_extra_point=%.3f\n", c1, n, cn, per;
    pxrt = (per > 0) ? sp / per : 0;
    printf "whole_xrt=%.0f point_xrt=%.0f (target >= 1000)\n", n * sp / cn, pxrt;
    printf "maxrss_mib=%.0f (target <= 1024)\n", mn / 1024;
}'
