#!/usr/bin/env bash
# setup.sh -- install semsim's Debian packages, configure, build, and (unless
# --no-run) run the default scenario end to end.
#
#   sudo tools/setup.sh            # everything (README's first command)
#   sudo tools/setup.sh --no-run   # install + build only (used by .ci/run)
#   sudo tools/setup.sh --with-torch  # also Debian's python3-torch (docs/pytorch.md,
#                                     # tests/tools/test_torch runs instead of skipping)
#
# Idempotent: packages already present are skipped, an existing build is reused.
set -euo pipefail
cd "$(dirname "$0")/.."

run=1
torch=0
for a in "$@"; do
  case "$a" in
    --no-run) run=0 ;;
    --with-torch) torch=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done

# Every Debian package semsim needs, to build, test, run and plot.
packages=(
  build-essential autoconf automake libtool pkg-config git
  libfftw3-dev libliquid-dev libsndfile1-dev libhdf5-dev libcunit1-dev
  libopenblas-dev liblapacke-dev
  libespeak-ng-dev espeak-ng-data flite1-dev
  libsphinxbase-dev pocketsphinx-en-us
  libfec-dev libcodec2-dev libopus-dev libinih-dev
  libjson-c-dev
  libopenmpi-dev openmpi-bin
  python3 python3-numpy python3-h5py python3-matplotlib
  sctk wamerican clang-format
  alsa-utils
  clang libclang-rt-14-dev
)
((torch)) && packages+=(python3-torch)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x configure ] || autoreconf -fi >/dev/null
[ -f Makefile ] || ./configure -q
make -j"$(nproc)" >/dev/null

if ((run)); then
  # The default scenario: agent A -> agent B over AWGN through the relative
  # equalizer, 3 SNR points (first run synthesises its speech and trains B's
  # relative head; both are cached in semsim-cache/).
  if ./semsim validate scenarios/quickstart.ini; then
    ./semsim run scenarios/quickstart.ini -o results.h5 --force -j "$(nproc)"
  else
    echo "setup: the quickstart cannot run in this checkout; building and listing the dev corpus instead" >&2
    tools/devcorpus.sh
  fi
fi
