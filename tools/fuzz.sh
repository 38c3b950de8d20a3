#!/usr/bin/env bash
# fuzz.sh -- build semsim's libFuzzer harnesses (tests/fuzz/fuzz_*.c) with
# clang, ASan and UBSan, and run each from its seed corpus. `make fuzz` calls
# it; docs/testing.md explains the layout.
#
#   tools/fuzz.sh [-t SECONDS] [-r RUNS] [-j JOBS] [-T SECONDS] [--build-only] [NAME...]
#
#   -t SECONDS   run each harness this long (default 60; `make fuzz FUZZ_SECONDS=N`)
#   -r RUNS      stop each earlier, after RUNS executions (-runs=RUNS)
#   -j JOBS      run this many harnesses at once (default 1)
#   -T SECONDS   an input running longer is a hang (default 10; raise it on a
#                loaded machine, where a slow input is not a hang)
#   --build-only build, do not run
#   NAME...      only these harnesses (scenario, manifest, trn, ...; default: all)
#
# The tree is built in place with gcc, and automake refuses a second, VPATH
# build of a source tree configured in place, so the fuzz build configures a
# copy of the tracked (and new, unignored) files under build/fuzz/src with
# CC=clang and -fsanitize=address,undefined -fsanitize=fuzzer-no-link, builds
# libsemsim.a there, and links each harness with -fsanitize=fuzzer
# (Makefile.am's fuzz-harnesses target, FUZZ_SUFFIX=.fuzz). Re-running
# refreshes the copy and rebuilds only what changed.
#
# Each harness NAME runs with -timeout=10 (-T; a hang is a finding) from
# build/fuzz/work/NAME/ (new inputs land there; the committed
# tests/fuzz/corpus/NAME/ and tests/fuzz/regress/NAME/ are read, never
# written), with tests/fuzz/NAME.dict when it exists. A crash, hang or
# sanitizer report leaves its input in build/fuzz/artifacts/NAME/ and makes
# the script exit 1: fix the bug, then copy the input to
# tests/fuzz/regress/NAME/ so that make check replays it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60 timeout=10 runs="" jobs=1 build_only=0 names=()
while (($#)); do
  case "$1" in
    -t) seconds=$2; shift ;;
    -r) runs=$2; shift ;;
    -j) jobs=$2; shift ;;
    -T) timeout=$2; shift ;;
    --build-only) build_only=1 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done

cc=""
for c in clang clang-14; do command -v "$c" >/dev/null && { cc=$c; break; }; done
[ -n "$cc" ] || { echo "fuzz.sh: clang not found (tools/setup.sh installs clang and libclang-rt-14-dev)" >&2; exit 1; }

out=$top/build/fuzz
src=$out/src
mkdir -p "$src" "$out/work" "$out/artifacts"

# 1. the copy: tracked and new unignored files, mtimes kept (so make rebuilds
#    only what changed)
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || { echo "fuzz.sh: needs a git checkout" >&2; exit 1; }
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
   while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
   tar --null -T - -cf -) | tar -xf - -C "$src" || exit 1

# 2. configure (once) and build libsemsim.a and the harnesses with libFuzzer
flags='-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link'
if [ ! -f "$src/Makefile" ]; then
  echo "fuzz: configuring a clang copy in $src" >&2
  (cd "$src" && autoreconf -fi >/dev/null 2>&1 && ./configure -q CC="$cc" CFLAGS="$flags") || exit 1
fi
# libFuzzer's own main and -fsanitize=fuzzer at link time; ASan's leak check
# runs after the fuzzer stops (LSan: tests/lsan.supp).
nice -n 10 make -s -C "$src" -j2 libsemsim.a >/dev/null || exit 1
nice -n 10 make -s -C "$src" fuzz-harnesses FUZZ_MAIN= FUZZ_LINK=-fsanitize=fuzzer FUZZ_SUFFIX=.fuzz || exit 1
((build_only)) && exit 0

if ((${#names[@]} == 0)); then
  for f in "$top"/tests/fuzz/fuzz_*.c; do n=$(basename "$f" .c); names+=("${n#fuzz_}"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp}

run_one() { # NAME: run one harness, log in build/fuzz/NAME.log
  local n=$1 bin=$src/tests/fuzz/$1.fuzz
  [ -x "$bin" ] || { echo "fuzz: no harness tests/fuzz/fuzz_$n.c" >&2; return 1; }
  mkdir -p "$out/work/$n" "$out/artifacts/$n"
  local args=(-timeout="$timeout" -rss_limit_mb=4096 -print_final_stats=1
              -artifact_prefix="$out/artifacts/$n/")
  args+=(-max_total_time="$seconds")
  [ -n "$runs" ] && args+=(-runs="$runs")
  [ -f "$top/tests/fuzz/$n.dict" ] && args+=(-dict="$top/tests/fuzz/$n.dict")
  local dirs=("$out/work/$n")
  for d in corpus regress; do [ -d "$top/tests/fuzz/$d/$n" ] && dirs+=("$top/tests/fuzz/$d/$n"); done
  echo "fuzz: $n ..." >&2
  nice -n 10 "$bin" "${args[@]}" "${dirs[@]}" >"$out/$n.log" 2>&1
  local rc=$?
  local execs; execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$n.log" | tail -1)
  # a run stopped by a finding prints no stats: its last "#N" status line counts
  [ -n "$execs" ] || execs=$(tr '\r' '\n' <"$out/$n.log" | sed -n 's/^#\([0-9]*\)\t.*/\1/p' | tail -1)
  if ((rc)); then
    echo "fuzz: $n FAILED (exit $rc) after ${execs:-?} executions; see $out/$n.log and $out/artifacts/$n/" >&2
    grep -m3 'ERROR\|SUMMARY\|runtime error' "$out/$n.log" >&2
    return 1
  fi
  echo "fuzz: $n ok, ${execs:-?} executions" >&2
}

fail=0 pids=()
for n in "${names[@]}"; do
  if ((jobs > 1)); then
    while (($(jobs -rp | wc -l) >= jobs)); do wait -n || fail=1; done
    run_one "$n" & pids+=($!)
  else
    run_one "$n" || fail=1
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit "$fail"
