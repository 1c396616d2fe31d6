#!/bin/sh
# worm-sbm inputs and outputs: a TSV matrix with names, worm-ntf results
# (every component, --component, rank sweeps), same output whatever the
# thread count, bad input and bad usage.
. "$(dirname "$0")/../lib.sh"

# two cliques of 8 named neurons, weights 1 inside, nothing between
awk 'BEGIN {
    n = 16; printf "neuron"; for (j = 1; j <= n; j++) printf "\tN%02d", j; print ""
    for (i = 1; i <= n; i++) {
        printf "N%02d", i
        for (j = 1; j <= n; j++) printf "\t%s", (i != j && (i <= 8) == (j <= 8)) ? 1 : 0
        print ""
    }
}' >"$TMP/m.tsv"
run_tool worm-sbm --flat -o "$TMP/m.h5" --tsv "$TMP/m_labels.tsv" "$TMP/m.tsv"
is "$rc" 0 "TSV matrix input"
is "$(awk 'NR > 1 { print $3 "=" $4 }' "$TMP/m_labels.tsv" | tr '\n' ' ')" \
   "N01=0 N02=0 N03=0 N04=0 N05=0 N06=0 N07=0 N08=0 N09=1 N10=1 N11=1 N12=1 N13=1 N14=1 N15=1 N16=1 " \
   "two cliques: two blocks, labels by neuron name"
run_tool h5dump -d /results/sbm/component_1/edge_counts "$TMP/m.h5"
ok "edge counts per block pair: 28 inside each clique, 0 between" grep -q '(0,0): 28, 0' "$out"
run_tool h5dump -A -a /results/sbm/source "$TMP/m.h5"
ok "source attribute: matrix" grep -q '"matrix"' "$out"

# worm-ntf results
run_tool worm-simulate ntf -s 2 -o "$TMP/sim.h5"
run_tool worm-ntf --rank 3 -s 1 -o "$TMP/ntf.h5" "$TMP/sim.h5"
is "$rc" 0 "worm-ntf"
run_in "$TMP/ntf.h5" worm-sbm -s 4 -@ 1 --tsv "$TMP/t1.tsv" -o "$TMP/s1.h5"
is "$rc" 0 "worm-ntf results from stdin"
is "$(h5ls "$TMP/s1.h5/results/sbm" | awk '{ print $1 }' | tr '\n' ' ')" "component_1 component_2 component_3 " \
   "one group per component"
ok "worm-ntf results kept" h5ls "$TMP/s1.h5/results/ntf/f_a_matrix"
run_tool worm-sbm -s 4 -@ 2 --tsv "$TMP/t2.tsv" -o "$TMP/s2.h5" "$TMP/ntf.h5"
ok "same seed, 1 or 2 threads: same labels" cmp -s "$TMP/t1.tsv" "$TMP/t2.tsv"
h5dump -g /results/sbm "$TMP/s1.h5" | sed 1d >"$TMP/d1"
h5dump -g /results/sbm "$TMP/s2.h5" | sed 1d >"$TMP/d2"
ok "same seed, 1 or 2 threads: same /results/sbm" cmp -s "$TMP/d1" "$TMP/d2"
run_tool worm-sbm -s 4 -k 2 --tsv "$TMP/k2.tsv" -o "$TMP/k2.h5" "$TMP/ntf.h5"
is "$(h5ls "$TMP/k2.h5/results/sbm" | awk '{ print $1 }')" component_2 "--component 2: that component only"
is "$(cut -f1 "$TMP/k2.tsv" | sort -u | tr '\n' ' ')" "2 component " "TSV names component 2"
ok "--component alone gives the same labels as in the full run" \
   cmp -s "$TMP/k2.tsv" "$(awk 'NR == 1 || $1 == 2' "$TMP/t1.tsv" >"$TMP/t1k2.tsv"; echo "$TMP/t1k2.tsv")"

# errors
expect_fail 1 "component out of range" worm-sbm -k 9 -o "$TMP/x.h5" "$TMP/ntf.h5"
ok "no output after an error" test ! -e "$TMP/x.h5"
run_tool worm-ntf --rank 2:3 -s 1 -o "$TMP/sweep.h5" "$TMP/sim.h5"
expect_fail 1 "rank sweep without --rank" worm-sbm -o "$TMP/x.h5" "$TMP/sweep.h5"
run_tool worm-sbm -r 2 -o "$TMP/r2.h5" "$TMP/sweep.h5"
is "$rc" 0 "--rank 2 picks a model of the sweep"
is "$(h5ls "$TMP/r2.h5/results/sbm" | wc -l | tr -d ' ')" 2 "rank 2: two components"
# w(N02,N01) = -3 and w(N01,N02) = 1: the mean, -1, is negative
sed 's/^N02\t1/N02\t-3/' "$TMP/m.tsv" >"$TMP/neg.tsv"
expect_fail 1 "negative weight with exponential weights" worm-sbm -o "$TMP/x.h5" "$TMP/neg.tsv"
ok "the message names the file" grep -q "'$TMP/neg.tsv'" "$err"
run_tool worm-sbm -w normal --flat -o "$TMP/neg.h5" "$TMP/neg.tsv"
is "$rc" 0 "negative weight accepted with normal weights"
expect_fail 1 "missing input" worm-sbm -o "$TMP/x.h5" "$TMP/nothere.tsv"
expect_fail 2 "bad method" worm-sbm -m kmeans "$TMP/m.tsv"
expect_fail 2 "bad weights" worm-sbm -w gamma "$TMP/m.tsv"
expect_fail 2 "bad sweeps" worm-sbm -n -3 "$TMP/m.tsv"
expect_fail 2 "two inputs" worm-sbm "$TMP/m.tsv" "$TMP/m.tsv"
expect_fail 2 "--tsv - without -o" worm-sbm --tsv - "$TMP/m.tsv"
expect_fail 1 "partition truth without the neuron column" worm-compare --truth "$TMP/m.tsv" "$TMP/m_labels.tsv"

done_testing
