#!/bin/sh
# bench/cluster/run.sh - issue 10: worm-ntf --from-traces on 1 and 2 MPI
# ranks over a 100-worm synthetic collection (never part of `make check`).
#   prints the wall time of each, the speed-up (target >= 1.8 on 2 cores),
#   the peak memory of every rank (target: the private data proportional to
#   the rank's share of worms), and checks that both outputs are the same
#   bytes.
# Every rank runs one thread (-@ 1): the ranks are the parallelism compared.
# The machine may be shared: besides the wall-clock ratio, the CPU time of
# every rank is printed; Open MPI busy-waits, so a rank's CPU time includes
# its waits for the others, and CPU(1 rank) / max CPU(rank of 2) is the
# speed-up an unloaded machine would show (the wall-clock ratio on a loaded
# machine is skewed by how the scheduler shares the cores).
# Usage: sh bench/cluster/run.sh [quick]   (quick: 10 small worms, a smoke test)
#   environment: W (worms, 100), T (samples, 2000), N (neurons, 60),
#   R (rank, 5), ITER (iterations, 12)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
command -v mpirun >/dev/null 2>&1 || { echo "bench/cluster: mpirun not found" >&2; exit 1; }
make -s build/bin/worm-simulate
make -s MPI=1 build-mpi/bin/worm-ntf
if [ "${1:-}" = quick ]; then W=10 T=300 N=30 ITER=3; fi
W=${W:-100} T=${T:-2000} N=${N:-60} R=${R:-5} ITER=${ITER:-12}
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench-cluster.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export SOURCE_DATE_EPOCH=0 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
       OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

build/bin/worm-simulate ntf -q -w "$W" -T "$T" -n "$N" -k "$R" -s 1 -o "$dir/collection.h5"
echo "collection: $W worms x $T samples x $N neurons ($((N * (N - 1) / 2)) pairs), rank $R, $ITER iterations"

now() { date +%s.%N; }
# sample_anon PID OUT DIR: until PID ends, the largest private (anonymous)
# resident memory of each worm-ntf process running in DIR (RssAnon, /proc),
# one line per rank.  Peak RSS (/usr/bin/time) also counts the pages of the input file
# that opening it maps (shared page cache, the whole file on every rank).
sample_anon() {
    while kill -0 "$1" 2>/dev/null; do
        for p in $(pgrep -x worm-ntf || true); do
            [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$3" ] || continue
            a=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status" 2>/dev/null || true)
            [ -n "$a" ] && echo "$p $a"
        done
        sleep 0.2
    done | awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (p in m) print m[p] }' | sort -n >"$2"
}
for np in 1 2; do
    mkdir "$dir/np$np"
    start=$(now)
    (cd "$dir/np$np" && mpirun --oversubscribe -np "$np" /usr/bin/time -f "rss_kb %M cpu_s %U %S" \
        "$top/build-mpi/bin/worm-ntf" -@ 1 -q -r "$R" --from-traces --tol 0 --max-iter "$ITER" \
        -o out.h5 ../collection.h5 2>err </dev/null) &
    job=$!
    sample_anon "$job" "$dir/np$np/anon" "$dir/np$np"
    wait "$job"
    end=$(now)
    echo "$start $end" >"$dir/np$np/time"
    printf '%d rank(s): %.1f s wall\n' "$np" "$(echo "$end - $start" | bc -l)"
    printf '  peak RSS per rank (MB):'
    sed -n 's/^rss_kb \([0-9]*\).*/\1/p' "$dir/np$np/err" | awk '{ printf " %.1f", $1 / 1024 }'
    printf '\n  peak private (anonymous) memory per rank (MB):'
    awk '{ printf " %.1f", $1 / 1024 }' "$dir/np$np/anon"
    printf '\n  CPU s per rank:'
    sed -n 's/^rss_kb .* cpu_s //p' "$dir/np$np/err" | awk '{ printf " %.1f", $1 + $2 }'
    echo
    sed -n 's/^rss_kb .* cpu_s //p' "$dir/np$np/err" | awk '{ c = $1 + $2; if (c > m) m = c } END { print m }' >"$dir/np$np/cpu"
done
t1=$(awk '{ print $2 - $1 }' "$dir/np1/time")
t2=$(awk '{ print $2 - $1 }' "$dir/np2/time")
awk -v a="$t1" -v b="$t2" 'BEGIN { printf "speed-up 2 ranks vs 1, wall clock: %.2fx (target >= 1.8)\n", a / b }'
awk -v a="$(cat "$dir/np1/cpu")" -v b="$(cat "$dir/np2/cpu")" \
    'BEGIN { printf "speed-up 2 ranks vs 1, CPU time of the slowest rank: %.2fx\n", a / b }'
# the data each rank holds: worms' signals (T x N float32) + KR and Y (T x R doubles each)
awk -v W="$W" -v T="$T" -v N="$N" -v R="$R" 'BEGIN {
    d = W * T * (4 * N + 16 * R) / 1048576
    printf "per-worm data (signals, KR, Y): %.1f MB at 1 rank, %.1f MB per rank at 2\n", d, d / 2 }'
if cmp -s "$dir/np1/out.h5" "$dir/np2/out.h5"; then echo "outputs: identical bytes"
else echo "outputs: DIFFER" >&2; exit 1; fi
