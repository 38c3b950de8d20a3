#!/bin/sh
# alsa-manifest.sh -- a manifest of real human speech the project can ship a
# figure for: Debian alsa-utils' spoken speaker-test clips
# (/usr/share/sounds/alsa/*.wav, 48 kHz: "Front Center", "Rear Left", ...),
# whose file names are their transcripts. Noise.wav (no speech) is left out.
#
# usage: tools/alsa-manifest.sh OUT.tsv [DIR]
#   DIR  where the clips are (default /usr/share/sounds/alsa; package alsa-utils,
#        installed by tools/setup.sh)
# Writes ID<TAB>AUDIO<TAB>TRANSCRIPT lines with absolute AUDIO paths, sorted by
# file name; IDs are alsa-<name> (e.g. alsa-Front_Center). Then for example:
#   ./semsim eval --model models/A.h5 --manifest OUT.tsv
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUT.tsv [DIR]" >&2
    exit 2
fi
OUT=$1
DIR=${2:-/usr/share/sounds/alsa}
if [ ! -d "$DIR" ]; then
    echo "$0: $DIR: no such folder (install alsa-utils: tools/setup.sh)" >&2
    exit 1
fi
DIR=$(cd "$DIR" && pwd)
tmp=$OUT.tmp
printf '# ID\tAUDIO\tTRANSCRIPT\n' > "$tmp"
n=0
for f in "$DIR"/*.wav; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .wav)
    case $name in Noise) continue ;; esac
    text=$(printf '%s' "$name" | tr '_' ' ' | tr 'A-Z' 'a-z')
    printf 'alsa-%s\t%s\t%s\n' "$name" "$f" "$text" >> "$tmp"
    n=$((n + 1))
done
if [ "$n" -eq 0 ]; then
    rm -f "$tmp"
    echo "$0: $DIR: no .wav clips" >&2
    exit 1
fi
mv "$tmp" "$OUT"
echo "$0: $OUT: $n clips" >&2
