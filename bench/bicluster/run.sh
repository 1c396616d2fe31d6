#!/bin/sh
# bench/bicluster/run.sh - worm-bicluster against the targets of issue 6 on
# the reference simulation of Wei, Stevenson & Wang (2023): N 30 in 3
# clusters of 10, p 2, T 500, two alternating states, NB(10) counts.
#
#   sh bench/bicluster/run.sh            # 10,000 iterations (the target run)
#   ITER=1000 sh bench/bicluster/run.sh  # a shorter run
#   BIG=1 ...                            # also time a full-size worm (N 300, T 5000)
#
# Prints: modal-K fraction, neuron ARI of the maxPEAR estimate, mismatched
# state bins, ms per iteration (one thread), and the ratio to the
# reference's ~2 s per iteration.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${WK_BIN:-$TOP/build/bin}
ITER=${ITER:-10000}
SEED=${SEED:-1}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/wk-bench-bicluster.XXXXXX")}
cd "$OUT"

attr() { h5dump -a "/results/bicluster/summary/$1" summary.h5 | sed -n 's/^ *(0): //p'; }

"$BIN/worm-simulate" bicluster -s "$SEED" -o sim.h5
start=$(date +%s.%N)
"$BIN/worm-bicluster" -@ 1 -n "$ITER" -s "$SEED" -q sim.h5 -o fit.h5
end=$(date +%s.%N)
"$BIN/worm-bicluster" summarize fit.h5 -o summary.h5
ms=$(echo "$start $end $ITER" | awk '{printf "%.2f", ($2 - $1) * 1000 / $3}')
hist=$(h5dump -d /results/bicluster/summary/K_histogram summary.h5 | sed -n '/DATA {/,/}/p' | sed 's/([0-9]*)://g' |
       tr -c '0-9\n' ' ' | tr -s ' ' '\n' | grep -v '^$')
frac3=$(echo "$hist" | awk 'NR == 4 {k3 = $1} {s += $1} END {printf "%.3f", (s ? k3 / s : 0)}')
echo "iterations                 $ITER (25% burn-in)"
echo "fraction of draws K = 3    $frac3 (target >= 0.80)"
echo "neuron ARI (maxPEAR)       $(attr truth_ari_neurons) (target >= 0.9)"
echo "state ARI (maxPEAR)        $(attr truth_ari_states)"
echo "mismatched state bins      $(attr truth_state_mismatches) of 500 (target <= 25)"
echo "ms per iteration, 1 thread $ms (target <= 10)"
echo "speed-up over reference    $(echo "$ms" | awk '{printf "%.0fx", 2000 / $1}') (reference ~2000 ms; target 200x)"
if [ "${BIG:-0}" = 1 ]; then
    "$BIN/worm-simulate" bicluster -c 30x10 -T 5000 -s "$SEED" -o big.h5
    start=$(date +%s.%N)
    "$BIN/worm-bicluster" -@ 1 -n 5 -k 30 -s "$SEED" -q big.h5 -o bigfit.h5
    end=$(date +%s.%N)
    echo "full-size worm (N 300, T 5000, K 30): $(echo "$start $end" | awk '{printf "%.2f", ($2 - $1) / 5}') s per iteration (target <= 1)"
fi
echo "outputs in $OUT"
