#!/bin/sh
# install.sh -- `make install DESTDIR=` into a temporary folder, then use the
# installed semsim from another folder: --version, validate the installed
# quickstart, run a tiny installed bits scenario, validate a scenario of our
# own that names the shipped models as models/A.h5 and relies on the data
# defaults, and check those defaults come from the installed data (moving it
# away must make validate fail naming the installed path), and run a one-
# utterance codec2 scenario whose TTS audio must land in ~/.cache/semsim/tts.
# Run by tests/sim/test_install:  tests/install.sh BUILDDIR TMPDIR
set -eu
build=$1
tmp=$2
dest=$tmp/dest
rm -rf "$dest"
make -C "$build" install DESTDIR="$dest" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "install.sh: make install failed"; exit 1; }
bindir=$(make -s --no-print-directory -C "$build" print-install-dirs | sed -n 's/^bindir=//p')
pkgdatadir=$(make -s --no-print-directory -C "$build" print-install-dirs | sed -n 's/^pkgdatadir=//p')
mandir=$(make -s --no-print-directory -C "$build" print-install-dirs | sed -n 's/^mandir=//p')
bin=$dest$bindir
share=$dest$pkgdatadir
for f in "$bin/semsim" "$bin/semsim-plot" "$dest$mandir/man1/semsim.1" \
    "$share/models/A.h5" "$share/models/B.md" "$share/models/recipes/A.ini" \
    "$share/data/harvard.txt" "$share/data/voices-train.txt" "$share/data/README.md" \
    "$share/scenarios/quickstart.ini" "$share/scenarios/quickstart-voices.txt"; do
    [ -e "$f" ] || { echo "install.sh: not installed: $f"; exit 1; }
done
[ -x "$bin/semsim-plot" ] || { echo "install.sh: semsim-plot not executable"; exit 1; }
# the man page covers every command `semsim --help` lists
for c in $("$bin/semsim" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p'); do
    grep -q "^\.B semsim $c\|^\.B $c\|^\.B .*\\fB$c" "$dest$mandir/man1/semsim.1" ||
        { echo "install.sh: semsim.1 does not describe '$c'"; exit 1; }
done

# another folder, a fresh home (the TTS cache default), no data override
elsewhere=$tmp/elsewhere
mkdir -p "$elsewhere" "$tmp/home"
cd "$elsewhere"
unset SEMSIM_DATADIR XDG_CACHE_HOME || true
HOME=$tmp/home
export HOME

"$bin/semsim" --version | grep -q '^semsim [0-9]' || { echo "install.sh: --version"; exit 1; }
"$bin/semsim" validate "$share/scenarios/quickstart.ini"
"$bin/semsim" run "$share/scenarios/ber-awgn.ini" -o ber.h5 --quiet --force \
    --set scenario.utterances=2 --set metrics.min_bit_errors=0 --sweep channel.snr_db=4
[ -s ber.h5 ] || { echo "install.sh: run wrote no ber.h5"; exit 1; }

cat >mine.ini <<'INI'
[source]
kind = semantic
lines = 501-502
[tx]
model = models/A.h5
[rx]
model = ../models/B.h5
decoder = greedy
INI
"$bin/semsim" validate mine.ini
# the defaults (source.text, source.voices) must be the installed data's
mv "$share/data" "$share/data.away"
if "$bin/semsim" validate mine.ini 2>"$tmp/err.txt"; then
    mv "$share/data.away" "$share/data"
    echo "install.sh: validate passed without the installed data (defaults not from it)"
    exit 1
fi
mv "$share/data.away" "$share/data"
grep -q "$share/data/" "$tmp/err.txt" ||
    { echo "install.sh: error does not name the installed data:"; cat "$tmp/err.txt"; exit 1; }
# a speaking kind: the TTS cache defaults to the user's (~/.cache/semsim/tts)
cat >tts.ini <<'INI'
[scenario]
utterances = 1
[source]
kind = codec2-3200
lines = 501-501
voices = tts-voices.txt
[rx]
model = models/A.h5
decoder = greedy
[link]
mode = digital
[channel]
model = awgn
snr_db = 10
INI
echo "espeak-ng en-us" >tts-voices.txt
"$bin/semsim" run tts.ini -o tts.h5 --quiet --force
ls "$HOME"/.cache/semsim/tts/*/manifest.tsv >/dev/null 2>&1 ||
    { echo "install.sh: no TTS cache entry under $HOME/.cache/semsim/tts"; exit 1; }
echo "install.sh: ok"
