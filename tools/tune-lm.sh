#!/bin/sh
# tune-lm.sh -- tune the LM beam search's weight (alpha) and word bonus (beta)
# for one agent, on the DEVELOPMENT set only.
#
# usage: tools/tune-lm.sh SEMSIM MODEL.h5 [DEV_MANIFEST] [JOBS]
#   SEMSIM        the semsim binary (./semsim in the build tree)
#   MODEL.h5      the agent
#   DEV_MANIFEST  the dev set: Harvard lists 51-60 (data/harvard.txt lines
#                 501-600) x the training voices (data/voices-train.txt), as
#                 tools/make-train-data.sh writes it to OUTDIR/dev/manifest.tsv.
#                 Omitted: synthesised here into ${DEVDIR:-./dev-corpus}.
#   JOBS          threads (default 2)
#
# The network runs once; every (alpha, beta) pair of the grid is then decoded
# from the same log-probabilities (`semsim eval --grid`). The last line printed
# is the best pair; pass it to `semsim eval --lm-weight A --word-bonus B`, or
# to the scenario keys of the receiver. Never tune on the test voices or on
# sentences outside lines 501-600: the dev figures would stop being honest.
#
# Grid: ALPHAS and BETAS environment variables (comma-separated) override the
# defaults below.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 SEMSIM MODEL.h5 [DEV_MANIFEST] [JOBS]" >&2
    exit 2
fi
SEMSIM=$1
MODEL=$2
DEV=${3:-}
JOBS=${4:-2}
SRC=$(cd "$(dirname "$0")/.." && pwd)
ALPHAS=${ALPHAS:-0,0.2,0.4,0.6,0.8,1.0,1.3,1.6,2.0}
BETAS=${BETAS:--1,0,1,2,3,4,5}

if [ -z "$DEV" ]; then
    DEVDIR=${DEVDIR:-./dev-corpus}
    "$SEMSIM" corpus --text "$SRC/data/harvard.txt" --lines 501-600 \
        --voices "$SRC/data/voices-train.txt" -o "$DEVDIR" -j "$JOBS" >&2
    DEV=$DEVDIR/manifest.tsv
fi

echo "tune-lm: $MODEL on $DEV, alpha in {$ALPHAS}, beta in {$BETAS}" >&2
exec "$SEMSIM" eval --model "$MODEL" --manifest "$DEV" --grid "$ALPHAS:$BETAS" -j "$JOBS"
