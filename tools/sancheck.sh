#!/usr/bin/env bash
# sancheck.sh -- build a copy of the tree with -fsanitize=address,undefined
# and run `make check` there (.ci/run calls it after the normal run).
#
#   tools/sancheck.sh [-j JOBS]     (CC=clang tools/sancheck.sh for clang)
#
# The tree itself is configured in place, and automake refuses a VPATH
# build of a source tree configured in place, so this configures a copy of
# the tracked (and new, unignored) files under build/asan/src (refreshed each
# run, mtimes kept: only changed files rebuild). The TTS cache (cache/) is
# linked in, not copied. The replay programs of tests/fuzz/ are sanitized
# there too, so test_regress replays every fuzzing input under ASan/UBSan.
#
# Options for the sanitizers: UBSan stops at the first report with a stack
# trace; LSan reads tests/lsan.supp (third-party leaks, each justified
# there). The make check output is in build/asan/check.out; the exit status
# is make check's.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=2
while (($#)); do
  case "$1" in
    -j) jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "sancheck.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
out=$top/build/asan
src=$out/src
mkdir -p "$src"
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || { echo "sancheck.sh: needs a git checkout" >&2; exit 1; }
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
   while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
   tar --null -T - -cf -) | tar -xf - -C "$src" || exit 1
[ -d "$top/cache" ] && [ ! -e "$src/cache" ] && ln -s "$top/cache" "$src/cache"

flags='-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined'
if [ ! -f "$src/Makefile" ]; then
  echo "sancheck: configuring a sanitizer copy in $src" >&2
  (cd "$src" && autoreconf -fi >/dev/null 2>&1 &&
     ./configure -q CC="${CC:-gcc}" CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined") || exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0
start=$(date +%s)
make -C "$src" -j"$jobs" check >"$out/check.out" 2>&1
rc=$?
echo "sancheck: make check under ASan/UBSan took $(( $(date +%s) - start )) s (exit $rc)" >&2
# the failed programs' logs, for CI's output
for f in $(grep -l '^FAIL\|^ERROR' "$src"/tests/*/*.trs 2>/dev/null); do
  echo "==== (asan) ${f%.trs}.log"; tail -60 "${f%.trs}.log"
done
grep '^# \(TOTAL\|PASS\|FAIL\|ERROR\|SKIP\|XFAIL\|XPASS\):' "$out/check.out" | sed 's/^/asan /'
exit "$rc"
