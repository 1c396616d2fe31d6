#!/bin/sh
# worm-compare --connectome: metrics of a small functional matrix against a
# hand-made connectome, checked against hand-computed values (precision,
# recall, F1, average precision, Spearman with a tie), directed and
# undirected, per edge type; an HDF5 matrix; --transpose; stdin; -o.
. "$(dirname "$0")/../lib.sh"

# structure: AVAL->AVAR 3, AVAR->AVBL 1, AVBR->AVAL 5 chemical; AVBL-AVBR gap 2
printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,3\nAVAR,AVBL,chemical,1\nAVBR,AVAL,chemical,5\nAVBL,AVBR,electrical,2\n' \
    >"$TMP/s.csv"
worm-connectome import --source white1986_whole --id s -o "$TMP/s.h5" "$TMP/s.csv"

# function: rows presynaptic; ADAL has no edge in s and XYZ is not in the
# atlas (both left out); the diagonal and the NaN pair are not scored
cat >"$TMP/f.tsv" <<'EOF'
neuron	AVAL	AVAR	AVBL	AVBR	ADAL	XYZ
AVAR	-0.2	0	0.6	0.05	1	1
AVAL	9	0.8	0.1	NaN	1	1
AVBL	0	0.65	0	0.7	1	1
AVBR	0.9	0	0.4	0	1	1
ADAL	1	1	1	1	1	1
XYZ	1	1	1	1	1	1
EOF

# Directed, any edge, threshold 0.5: 11 pairs, 5 structural edges; ranked
# scores 0.9T 0.8T 0.7T 0.65F 0.6T 0.4T ...: P = R = F1 = 4/5;
# AP = 0.2 (1 + 1 + 1 + 4/5 + 5/6) = 0.92666...; Spearman over the 5 edges
# (0.8,3) (0.6,1) (0.7,2) (0.9,5) (0.4,2) = 8 / sqrt(95) = 0.82078...
run_tool worm-compare --connectome "$TMP/s.h5:s" --threshold 0.5 "$TMP/f.tsv"
is "$rc" 0 "directed: exit 0"
is "$(cat "$out")" "$(printf 'metric\tvalue
neurons\t4
pairs\t11
structural_edges\t5
predicted_edges\t5
true_positives\t4
precision\t0.8
recall\t0.8
f1\t0.8
average_precision\t0.9266666667
spearman\t0.8207826817
spearman_pairs\t5')" "directed: the whole table"

value() { awk -F'\t' -v m="$1" '$1 == m { print $2 }' "$out"; }

# Undirected: 6 pairs, 4 edges, all found above 0.5
run_tool worm-compare -c "$TMP/s.h5" -t 0.5 --undirected "$TMP/f.tsv"
is "$(value pairs) $(value structural_edges) $(value f1) $(value average_precision) $(value spearman)" \
    "6 4 1 1 1" "undirected: pairs, edges, f1, AP, spearman"

# Chemical edges only: 3 edges, predicted 5 -> precision 3/5, recall 1, F1 3/4
run_tool worm-compare -c "$TMP/s.h5" -t 0.5 -e chem "$TMP/f.tsv"
is "$(value precision) $(value recall) $(value f1)" "0.6 1 0.75" "chem: precision, recall, f1"
# Gap only: 2 edges, 1 found among 5 predicted -> 1/5, 1/2, 2/7
run_tool worm-compare -c "$TMP/s.h5" -t 0.5 -e gap "$TMP/f.tsv"
is "$(value precision) $(value recall) $(value f1)" "0.2 0.5 0.2857142857" "gap: precision, recall, f1"
# A threshold above every weight: nothing predicted
run_tool worm-compare -c "$TMP/s.h5" -t 10 "$TMP/f.tsv"
is "$(value predicted_edges) $(value precision) $(value recall) $(value f1)" "0 nan 0 nan" "threshold 10: precision nan"

# The same matrix transposed, read with --transpose; from stdin; to -o
awk -F'\t' '{ for (i = 1; i <= NF; i++) c[NR, i] = $i; if (NF > n) n = NF } END {
    for (i = 1; i <= n; i++) { line = c[1, i]; for (r = 2; r <= NR; r++) line = line "\t" c[r, i]; print line } }' \
    "$TMP/f.tsv" >"$TMP/ft.tsv"
run_tool worm-compare -c "$TMP/s.h5" -t 0.5 "$TMP/f.tsv"
cp "$out" "$TMP/want"
run_in "$TMP/ft.tsv" worm-compare -c "$TMP/s.h5" -t 0.5 --transpose -o "$TMP/got"
is "$rc" 0 "--transpose from stdin: exit 0"
ok "--transpose from stdin to -o: same table" cmp -s "$TMP/got" "$TMP/want"

# An HDF5 matrix: the connectome's own chem (300 x 300, atlas order)
run_tool worm-compare -c "$TMP/s.h5:s" -e chem "$TMP/s.h5:/connectomes/s/chem"
is "$(value neurons) $(value pairs) $(value f1) $(value average_precision) $(value spearman)" "4 12 1 1 1" \
    "HDF5 matrix: chem against itself is perfect"
# CSV without a corner cell
printf 'AVAL,AVAR\nAVAL,0,1\nAVAR,0,0\n' >"$TMP/small.csv"
run_tool worm-compare -c "$TMP/s.h5" "$TMP/small.csv"
is "$(value pairs) $(value true_positives) $(value precision)" "2 1 1" "CSV header without corner"

done_testing
