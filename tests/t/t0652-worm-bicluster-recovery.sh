#!/bin/sh
# worm-bicluster recovers a small simulation: 2 clusters of 15 neurons,
# p = 1, T = 200, two alternating states.  After 80 iterations of three
# chains (25% burn-in; one chain in twenty holds an ambiguous neuron in the
# wrong cluster for a hundred iterations or more, the pooled draws decide):
# the maxPEAR neuron partition has ARI >= 0.95 with the truth, K = 2 in at
# least 95% of the kept draws (the subspace-clustering start finds both
# clusters), and the state estimate beats the best constant labelling
# (fewer mismatched bins than the minority state has).
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-bicluster" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-bicluster or worm-simulate not built"
    done_testing
fi
cd "$TMP"
worm-simulate bicluster -c 2x15 -p 1 -T 200 --duration 25 -s 4 -o sim.h5
run_tool worm-bicluster -p 1 -n 80 -c 3 -s 4 sim.h5 -o fit.h5
is "$rc" 0 "sampler runs"
run_tool worm-bicluster summarize fit.h5 -o sum.h5
is "$rc" 0 "summarize runs"

attr() { h5dump -a "/results/bicluster/summary/$1" sum.h5 | sed -n 's/^ *(0): //p'; }
values() { h5dump -d "$1" "$2" | sed -n '/DATA {/,/}/p' | sed 's/([0-9,]*)://g' | tr -c '0-9\n' ' ' | tr -s ' ' '\n' | grep -v '^$'; }

ari=$(attr truth_ari_neurons)
ok "neuron ARI $ari >= 0.95" awk -v a="$ari" 'BEGIN {exit !(a >= 0.95)}'
k2=$(values /results/bicluster/summary/K_histogram sum.h5 | awk 'NR == 3 {k = $1} {s += $1} END {print k / s}')
ok "K = 2 in $k2 >= 0.95 of the draws" awk -v a="$k2" 'BEGIN {exit !(a >= 0.95)}'
minority=$(values /results/simulate/sim1/state sim.h5 | awk '{n[$1]++} END {print (n[0] < n[1] ? n[0] : n[1])}')
wrong=$(attr truth_state_mismatches)
ok "state mismatches $wrong < minority state size $minority" test "$wrong" -lt "$minority"
sari=$(attr truth_ari_states)
ok "state ARI $sari > 0.1" awk -v a="$sari" 'BEGIN {exit !(a > 0.1)}'
if [ -x "$WK_BIN/worm-compare" ]; then
    run_tool worm-compare --truth sim.h5 sum.h5
    is "$rc" 0 "worm-compare --truth scores the summary"
    cari=$(awk -F'\t' '$1 == "neuron_ari" {print $2}' "$out")
    ok "worm-compare: the same neuron ARI ($cari, $ari)" awk -v a="$cari" -v b="$ari" 'BEGIN {d = a - b; exit !(a != "" && d < 1e-6 && d > -1e-6)}'
    is "$(awk -F'\t' '$1 == "state_mismatched_bins" {print $2}' "$out")" "$wrong" "worm-compare: the same mismatched bins"
    is "$(awk -F'\t' '$1 == "clusters_true" {print $2}' "$out")" "2" "worm-compare: 2 true clusters"
else
    skip "worm-compare not built"
fi
rhat=$(values /results/bicluster/summary/rhat sum.h5 | head -1)
ok "R-hat of K is finite" awk -v a="$rhat" 'BEGIN {exit !(a + 0 == a)}'
done_testing
