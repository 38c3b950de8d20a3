#!/usr/bin/env bash
# bench_mpi.sh -- scaling of `mpirun -np N semsim run` on this machine and the
# scheduling overhead per job (make bench; docs/cluster.md uses the figures).
# Prints machine-readable lines `name value unit`:
#   np1_wall_s, np2_wall_s   a 40-job bits sweep (250 blocks a job), -j 1 a
#                            rank, median of 3 runs; np2_speedup = np1/np2
#   tiny_one_job_wall_s      10,000 blocks in one job (the work alone)
#   tiny_jobs_wall_s         the same 10,000 blocks as 10,000 one-block jobs,
#                            one process (-j 1): every job's set-up, row write
#                            (HDF5, flushed) and scheduling
#   tiny_jobs_np2_wall_s     the same under mpirun -np 2 (rank 0 writes every
#                            row and answers every request)
#   overhead_per_job_ms      (tiny_jobs - tiny_one_job) / 10,000
#   overhead_per_job_np2_ms  (tiny_jobs_np2 - tiny_one_job) / 10,000
#   writer_ms_per_row        rank 0's own time per row (HDF5 row, /points group,
#                            flush) in the -np 2 tiny run, from its SEMSIM_LOG=info
#                            line; writer_ms_per_row_no_utts the same with
#                            output.utterances=false (no /points groups)
#   serve_ms_per_result      rank 0's time per result received from rank 1
#                            (receive, unpack, answer)
#   chain_jobs, chain_np1_wall_s, chain_np2_wall_s, chain_np2_speedup
#                            the quickstart chain (A -> B, relative head, LM
#                            beam, 100 utterances a job) at 8 SNRs x
#                            BENCH_MPI_CHAIN_REPEATS repeats (default 16: 128
#                            jobs), -j 1 a rank, one run each after a warm-up
#                            run that fills the TTS and head caches; 0 skips it
# Usage: bench/bench_mpi.sh [SEMSIM]  (default ./semsim in the build tree).
# Skips (exit 0, with a message) when mpirun is absent.
set -euo pipefail
semsim=${1:-./semsim}
src=$(cd "$(dirname "$0")/.." && pwd)
chain_repeats=${BENCH_MPI_CHAIN_REPEATS:-16}
command -v mpirun >/dev/null || { echo "bench_mpi: skipped: no mpirun"; exit 0; }
mpirun=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpirun+=(--allow-run-as-root)
export OMPI_MCA_plm=isolated OMPI_MCA_btl_vader_single_copy_mechanism=none
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/scale.ini" <<'INI'
[scenario]
seed = 7
utterances = 250
repeats = 4
[source]
kind = bits
bits = 2048
frame_bits = 256
[link]
modulation = qpsk
fec = conv27
frames_per_packet = 4
[channel]
model = rayleigh
[sweep]
channel.snr_db = 0:1:9
INI
cat > "$tmp/tiny.ini" <<'INI'
[scenario]
seed = 7
utterances = 1
repeats = 100
[source]
kind = bits
bits = 256
frame_bits = 128
[link]
modulation = qpsk
fec = hamming74
frames_per_packet = 1
[channel]
model = awgn
[sweep]
channel.snr_db = 0:0.1:9.9
INI

now() { date +%s.%N; }
# wall seconds of one command (its output dropped)
wall() {
  local t0 t1
  t0=$(now)
  "$@" >/dev/null 2>&1 || { echo "bench_mpi: failed: $*" >&2; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

run1() { "$semsim" run "$tmp/scale.ini" -o "$tmp/a.h5" --force --quiet -j 1; }
run2() { "${mpirun[@]}" -np 2 "$semsim" run "$tmp/scale.ini" -o "$tmp/b.h5" --force --quiet -j 1; }
a=(); b=()
for i in 1 2 3; do a+=("$(wall run1)"); b+=("$(wall run2)"); done
t1=$(median3 "${a[@]}"); t2=$(median3 "${b[@]}")
printf 'np1_wall_s %.3f s\nnp2_wall_s %.3f s\nnp2_speedup %.3f x\n' "$t1" "$t2" "$(echo "$t1 / $t2" | bc -l)"

one() { "$semsim" run "$tmp/tiny.ini" -o "$tmp/c.h5" --force --quiet --set scenario.utterances=10000 \
          --set scenario.repeats=1 --set channel.snr_db=5 --sweep channel.snr_db=5; }
many() { "$semsim" run "$tmp/tiny.ini" -o "$tmp/d.h5" --force --quiet -j 1; }
many2() { SEMSIM_LOG=info "${mpirun[@]}" -np 2 "$semsim" run "$tmp/tiny.ini" -o "$tmp/e.h5" --force \
          --quiet -j 1 "$@" 2>"$tmp/writer.log"; }
t_one=$(wall one); t_many=$(wall many); t_many2=$(wall many2)
printf 'tiny_one_job_wall_s %.3f s\ntiny_jobs_wall_s %.3f s\ntiny_jobs_np2_wall_s %.3f s\n' \
  "$t_one" "$t_many" "$t_many2"
printf 'overhead_per_job_ms %.4f ms\noverhead_per_job_np2_ms %.4f ms\n' \
  "$(echo "($t_many - $t_one) / 10" | bc -l)" "$(echo "($t_many2 - $t_one) / 10" | bc -l)"
# "writer: N rows written in X s (Y ms a row); M results ... in Z s (W ms each)"
fig() { sed -n 's/.*writer: .*(\([0-9.]*\) ms a row).*(\([0-9.]*\) ms each).*/\1 \2/p' "$tmp/writer.log"; }
read -r w_row w_serve < <(fig)
many2 --set output.utterances=false >/dev/null 2>&1 || true
read -r w_row0 _ < <(fig)
printf 'writer_ms_per_row %s ms\nwriter_ms_per_row_no_utts %s ms\nserve_ms_per_result %s ms\n' \
  "$w_row" "$w_row0" "$w_serve"

# The quickstart chain: every rank loads the agents and the LM and encodes every
# utterance it meets (per-process caches), so the ratio grows with the jobs.
if [ "$chain_repeats" -gt 0 ]; then
  chain() { "$@" "$semsim" run "$src/scenarios/quickstart.ini" -o "$tmp/q.h5" --force --quiet -j 1 \
              --sweep channel.snr_db=0:2:14 --set scenario.repeats="$chain_repeats"; }
  chain >/dev/null 2>&1 || { echo "bench_mpi: failed: the quickstart chain" >&2; exit 1; }
  c1=$(wall chain); c2=$(wall chain "${mpirun[@]}" -np 2)
  printf 'chain_jobs %d jobs\nchain_np1_wall_s %.3f s\nchain_np2_wall_s %.3f s\nchain_np2_speedup %.3f x\n' \
    "$((8 * chain_repeats))" "$c1" "$c2" "$(echo "$c1 / $c2" | bc -l)"
fi
