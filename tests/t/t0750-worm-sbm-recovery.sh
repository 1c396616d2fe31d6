#!/bin/sh
# worm-sbm on graphs with planted communities: exact recovery of a strong
# planted partition, NMI on a weighted LFR graph, Louvain baseline,
# worm-compare --truth.
. "$(dirname "$0")/../lib.sh"

metric() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }

run_tool worm-simulate sbm -n 60 -k 4 --p-in 0.6 --p-out 0.05 -s 3 -o "$TMP/pp.h5"
is "$rc" 0 "simulate a planted partition"
M="$TMP/pp.h5:/results/simulate/sbm/matrix"

run_tool worm-sbm -s 5 -o "$TMP/sbm.h5" --tsv "$TMP/sbm.tsv" "$M"
is "$rc" 0 "worm-sbm on the planted partition"
run_tool worm-compare --truth "$TMP/pp.h5" "$TMP/sbm.h5"
is "$rc" 0 "worm-compare --truth"
metric nmi "$out" >"$TMP/nmi"
is "$(cat "$TMP/nmi")" 1 "exact recovery: NMI 1"
is "$(metric ari "$out")" 1 "exact recovery: ARI 1"
is "$(metric blocks_estimate "$out")" 4 "four blocks"
run_tool worm-compare --truth "$TMP/pp.h5" "$TMP/sbm.tsv"
is "$(metric nmi "$out")" 1 "the TSV table reads as the same partition"
is "$(head -1 "$TMP/sbm.tsv")" "$(printf 'component\tlevel\tneuron\tblock')" "TSV header"
is "$(awk 'NR > 1 && $2 == 0' "$TMP/sbm.tsv" | wc -l | tr -d ' ')" 60 "TSV: one line per neuron at level 0"
is "$(awk 'NR > 1 { print $2 }' "$TMP/sbm.tsv" | sort -u | tail -1)" 1 "nested: two levels (4 blocks, then 1)"
run_tool h5dump -A -a /results/sbm/component_1/model "$TMP/sbm.h5"
ok "model attribute written" grep -q '"plain"\|"dc"' "$out"

# weighted LFR, mixing 0.3 (seed 2: 4 communities)
run_tool worm-simulate sbm --graph lfr --mu-t 0.3 --mu-w 0.3 -s 2 -o "$TMP/lfr.h5"
is "$rc" 0 "simulate a weighted LFR graph"
run_tool worm-sbm -o "$TMP/lfr_sbm.h5" "$TMP/lfr.h5:/results/simulate/sbm/matrix"
run_tool worm-compare --truth "$TMP/lfr.h5" "$TMP/lfr_sbm.h5"
ok "LFR (mixing 0.3): NMI above 0.75" awk -v x="$(metric nmi "$out")" 'BEGIN { exit !(x > 0.75) }'
run_tool worm-sbm -m louvain -o "$TMP/lfr_lv.h5" "$TMP/lfr.h5:/results/simulate/sbm/matrix"
is "$rc" 0 "louvain"
run_tool worm-compare --truth "$TMP/lfr.h5" "$TMP/lfr_lv.h5"
ok "louvain on LFR (mixing 0.3): NMI above 0.9" awk -v x="$(metric nmi "$out")" 'BEGIN { exit !(x > 0.9) }'
run_tool h5dump -A -a /results/sbm/component_1/model "$TMP/lfr_lv.h5"
ok "louvain model attribute" grep -q '"louvain"' "$out"

# Erdos-Renyi with exponential weights: one block
run_tool worm-simulate sbm -n 80 -k 1 --p-in 0.2 --w-in 1 -s 4 -o "$TMP/er.h5"
run_tool worm-sbm -o "$TMP/er_sbm.h5" "$TMP/er.h5:/results/simulate/sbm/matrix"
run_tool worm-compare --truth "$TMP/er.h5" "$TMP/er_sbm.h5"
is "$(metric blocks_estimate "$out")" 1 "Erdos-Renyi graph: one block"

done_testing
