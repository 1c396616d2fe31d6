#!/bin/sh
# bench/bicluster/run.sh - worm-bicluster against the targets of issue 6 on
# the reference simulation of Wei, Stevenson & Wang (2023): N 30 in 3
# clusters of 10, p 2, T 500, two alternating states, NB(10) counts.
#
#   sh bench/bicluster/run.sh            # 10,000 iterations (the target run)
#   ITER=1000 sh bench/bicluster/run.sh  # a shorter run
#   SEED=2 ...                           # another simulation and chain seed
#   BIG=1 ...                            # also time full-size worms (N 300, T 5000; 30 and 10 clusters)
#   BIGN=40 ...                          # ... over iterations 12..40 instead of 12..24
#   BASE=/path/to/old/worm-bicluster ... # also time another build on the same data
#   PERITER=1 ...                        # only the per-iteration timings (no 10,000-iteration run)
#   KSTART=1 ...                         # start from 1 cluster (worm-bicluster -k): does K recover?
#   SPLITMERGE=1 ...                     # with worm-bicluster --split-merge 1
#   COLLAPSED=1 ...                      # with worm-bicluster --collapsed-states
#
# Prints each target figure: the share of kept draws with the modal K and
# that K, the neuron ARI of the maxPEAR estimate, the mismatched state bins
# of the maxPEAR estimate, and ms per iteration as CPU time (user + system)
# of a one-thread run, with the ratio to the reference's ~2 s per iteration.
# The per-iteration figures ("sweep only") are the CPU time of a longer run
# minus that of a shorter one over the iterations between them: start-up,
# initial clustering and output writing cancel out.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${WK_BIN:-$TOP/build/bin}
ITER=${ITER:-10000}
SEED=${SEED:-1}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/wk-bench-bicluster.XXXXXX")}
cd "$OUT"

attr() { h5dump -a "/results/bicluster/summary/$1" summary.h5 | sed -n 's/^ *(0): //p'; }
# values DATASET FILE: the integers of an HDF5 dataset, one per line
values() { h5dump -d "$1" "$2" | sed -n '/DATA {/,/}/p' | sed 's/([0-9]*)://g' | tr -c '0-9\n' ' ' | tr -s ' ' '\n' | grep -v '^$'; }

# cpu_ms ITER CMD...: CPU milliseconds (user + system) per iteration of CMD
cpu_ms() {
    n=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%U %S' -o cpu.txt "$@"
        awk -v n="$n" '{printf "%.2f", ($1 + $2) * 1000 / n}' cpu.txt
    else
        # the shell's `times` (run in this shell, not in a command
        # substitution): its second line holds the children's user and
        # system time
        times >times.txt
        before=$(sed -n 2p times.txt)
        "$@"
        times >times.txt
        after=$(sed -n 2p times.txt)
        echo "$before $after" | sed 's/m/ /g; s/s//g' | awk -v n="$n" '{split($0, v, " ");
            printf "%.2f", ((v[5] * 60 + v[6]) + (v[7] * 60 + v[8]) - (v[1] * 60 + v[2]) - (v[3] * 60 + v[4])) * 1000 / n}'
    fi
}

# sweep_ms N1 N2 ARGS...: CPU ms per iteration between N1 and N2 iterations
# of worm-bicluster ARGS (the first word of ARGS is the binary)
sweep_ms() {
    n1=$1 n2=$2
    shift 2
    bin=$1
    shift
    /usr/bin/time -f '%U %S' -o cpu1.txt "$bin" -@ 1 -n "$n1" -q "$@" -o sweep1.h5
    /usr/bin/time -f '%U %S' -o cpu2.txt "$bin" -@ 1 -n "$n2" -q "$@" -o sweep2.h5
    rm -f sweep1.h5
    cat cpu1.txt cpu2.txt | awk -v d="$((n2 - n1))" 'NR == 1 {a = $1 + $2} NR == 2 {printf "%.2f", ($1 + $2 - a) * 1000 / d}'
}

# sweep_wall N1 N2 THREADS ARGS...: wall-clock s per iteration between N1
# and N2 iterations of worm-bicluster ARGS on THREADS threads (one chain:
# the threads work inside it)
sweep_wall() {
    n1=$1 n2=$2 th=$3
    shift 3
    bin=$1
    shift
    /usr/bin/time -f '%e' -o wall1.txt "$bin" -@ "$th" -n "$n1" -q "$@" -o sweep1.h5
    /usr/bin/time -f '%e' -o wall2.txt "$bin" -@ "$th" -n "$n2" -q "$@" -o sweep2.h5
    rm -f sweep1.h5
    cat wall1.txt wall2.txt | awk -v d="$((n2 - n1))" 'NR == 1 {a = $1} NR == 2 {printf "%.2f", ($1 - a) / d}'
}

# full_size CLUSTERS K: a full-size worm (N 300, T 5000) simulated with
# CLUSTERS (e.g. 30x10: 30 clusters of 10 neurons), fitted from K clusters;
# CPU s per iteration on one thread and wall-clock s per iteration on all
# cores, over iterations 12..BIGN (default 24; after the 10-iteration
# warm-up, so every step of the sweep runs; fewer than 12 iterations gave
# figures that moved by half from run to run on a shared machine), and K
# after each iteration.
full_size() {
    big_n=${BIGN:-24}
    [ -x /usr/bin/time ] || { echo "full-size timing needs /usr/bin/time" >&2; return 0; }
    "$BIN/worm-simulate" bicluster -c "$1" -T 5000 -s "$SEED" -o "big$1.h5"
    cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
    echo "full-size worm (N 300, T 5000, clusters $1, -k $2), s per iteration, sweep only (iterations 12..$big_n):"
    echo "  this build, CPU, 1 thread  $(sweep_ms 12 "$big_n" "$BIN/worm-bicluster" -k "$2" -s "$SEED" "big$1.h5" | awk '{printf "%.2f", $1 / 1000}')"
    echo "  this build, wall, $cores threads $(sweep_wall 12 "$big_n" "$cores" "$BIN/worm-bicluster" -k "$2" -s "$SEED" "big$1.h5") (target <= 1)"
    echo "  clusters K after each of the $big_n iterations: $(values /results/bicluster/chain0/K sweep2.h5 | tr '\n' ' ')"
    if [ -n "${BASE:-}" ]; then
        echo "  $BASE, CPU, 1 thread   $(sweep_ms 12 "$big_n" "$BASE" -k "$2" -s "$SEED" "big$1.h5" | awk '{printf "%.2f", $1 / 1000}')"
    fi
}

"$BIN/worm-simulate" bicluster -s "$SEED" -o sim.h5
if [ "${PERITER:-0}" = 1 ]; then
    [ -x /usr/bin/time ] || { echo "PERITER=1 needs /usr/bin/time" >&2; exit 1; }
    n=$((ITER < 400 ? ITER : 400))
    echo "CPU ms per iteration, sweep only (iterations 20..$((20 + n)), one thread):"
    echo "  this build                 $(sweep_ms 20 $((20 + n)) "$BIN/worm-bicluster" -s "$SEED" sim.h5) (target <= 10)"
    if [ -n "${BASE:-}" ]; then
        echo "  $BASE   $(sweep_ms 20 $((20 + n)) "$BASE" -s "$SEED" sim.h5)"
    fi
    if [ "${BIG:-0}" = 1 ]; then
        full_size 30x10 30
        full_size 10x30 10
    fi
    echo "outputs in $OUT"
    exit 0
fi
ms=$(cpu_ms "$ITER" "$BIN/worm-bicluster" -@ 1 -n "$ITER" -s "$SEED" ${KSTART:+-k "$KSTART"} \
    ${SPLITMERGE:+--split-merge "$SPLITMERGE"} ${COLLAPSED:+--collapsed-states} -q sim.h5 -o fit.h5)
"$BIN/worm-bicluster" summarize fit.h5 -o summary.h5
hist=$(values /results/bicluster/summary/K_histogram summary.h5)
modal=$(echo "$hist" | awk '$1 > top {top = $1; k = NR - 1} {s += $1} END {printf "%d %.3f", k, (s ? top / s : 0)}')
echo "iterations                 $ITER (25% burn-in), seed $SEED${KSTART:+, started from $KSTART clusters}${SPLITMERGE:+, --split-merge $SPLITMERGE}${COLLAPSED:+, --collapsed-states}"
echo "modal K, share of draws    K = ${modal% *} in ${modal#* } of the kept draws (target: K = 3 in >= 0.80)"
echo "neuron ARI (maxPEAR)       $(attr truth_ari_neurons) (target >= 0.9)"
echo "state ARI (maxPEAR)        $(attr truth_ari_states)"
echo "mismatched state bins      $(attr truth_state_mismatches) of 500 (target <= 25)"
echo "  each state as its majority $(attr truth_state_majority_mismatches) (estimated states that split a true one are not counted)"
nstates=$(values /results/bicluster/summary/n_states_histogram summary.h5 |
          awk '{s += $1; m += (NR - 1) * $1} END {printf "%.2f", s ? m / s : 0}')
echo "states in the estimate     $("$BIN/worm-compare" --truth sim.h5 summary.h5 | awk '$1 == "states_estimated" {print $2}') (true 2); mean over the kept draws $nstates"
echo "CPU ms per iteration       $ms (one thread; target <= 10)"
echo "speed-up over reference    $(echo "$ms" | awk '{printf "%.0fx", 2000 / $1}') (reference ~2000 ms; target 200x)"
if [ -n "${BASE:-}" ]; then
    n=$((ITER < 200 ? ITER : 200))
    new=$(cpu_ms "$n" "$BIN/worm-bicluster" -@ 1 -n "$n" -s "$SEED" -q sim.h5 -o now.h5)
    old=$(cpu_ms "$n" "$BASE" -@ 1 -n "$n" -s "$SEED" -q sim.h5 -o base.h5)
    echo "same data, $n iterations: CPU ms per iteration $old ($BASE) -> $new (this build)"
fi
if [ "${BIG:-0}" = 1 ]; then
    full_size 30x10 30
    full_size 10x30 10
fi
echo "outputs in $OUT"
