#!/bin/sh
# generate.sh - write the small connectome samples of this folder, one per
# source format of worm-connectome(1), all describing the same made-up
# 14-neuron circuit (no published data).  Deterministic: plain sh and awk.
#
#   sh data-samples/connectome/generate.sh [OUTDIR]
#
# OUTDIR defaults to this folder.  See README in this folder for the files.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd)
LC_ALL=C
export LC_ALL

# The circuit: "pre post kind weight" lines, kind chem or gap (a gap pair
# once), weights from a fixed arithmetic rule.
circuit() {
    awk 'BEGIN {
        n = split("AVAL AVAR AVBL AVBR AVDL AVDR AVEL AVER PVCL PVCR DA1 DB1 VA1 VB1", nm, " ")
        for (i = 1; i <= n; i++)
            for (j = 1; j <= n; j++) {
                h = (i * 7 + j * 13 + i * j) % 11
                if (i != j && h < 3) print nm[i], nm[j], "chem", h + 1
                if (i < j && (i + j) % 5 == 0) print nm[i], nm[j], "gap", (i * j) % 4 + 1
            }
    }'
}

# Long tables: the edge cases first (a duplicated chemical row: the first
# is kept; a gap junction listed both ways with different weights: the
# mean; self pairs; muscle and glia labels; zero and empty weights), then
# the circuit.  $1 header, $2..$3 chemical/gap type names.
long_table() {
    printf '%s\n' "$1"
    printf 'AVAL,AVAL,%s,1\nAVAL,PVCL,%s,4\nAVAL,PVCL,%s,9\n' "$2" "$2" "$2"
    printf 'AVBL,PVCR,%s,2\nPVCR,AVBL,%s,3\nAVBR,AVBR,%s,2\n' "$3" "$3" "$3"
    printf 'DA1,BWM-DL01,%s,5\nCEPshDL,AVAL,%s,1\nAVDL,AVEL,%s,0\nAVDL,AVER,%s,\n' "$2" "$3" "$2" "$2"
    circuit | awk -v chem="$2" -v gap="$3" '{ print $1 "," $2 "," ($3 == "chem" ? chem : gap) "," $4 }'
}

long_table "pre,post,type,synapses" chemical electrical >"$out/white1986_sample.csv"

# Varshney's NeuronConnect: Sp chemical, EJ gap listed both ways, and the
# ignored S/R/Rp/NMJ rows the real table carries.
{
    long_table "Neuron 1,Neuron 2,Type,Nbr" Sp EJ
    circuit | awk '$3 == "chem" { print $1 "," $2 ",S," $4; print $2 "," $1 ",R," $4 }
                   $3 == "gap" { print $2 "," $1 ",EJ," $4 }'
    printf 'DA1,NMJ,NMJ,3\nVA1,NMJ,NMJ,2\n'
} >"$out/varshney2011_sample.csv"

long_table "Origin,Target,Type,Number of Connections" Send GapJunction |
    awk 'NR == 1 { print $0 ",Neurotransmitter"; next } { print $0 ",\"Acetylcholine, Glutamate\"" }' \
        >"$out/openworm_sample.csv"

# Grids as Cook et al. 2019 sheets export them: two title rows, group names
# in column A, presynaptic labels in column C, postsynaptic labels on row 3,
# one muscle column; empty cells are no synapse.  $1 chem or gap.
grid() {
    { circuit; printf 'AVAL AVAL chem 1\nAVBR AVBR gap 2\nDA1 BWM-DL01 chem 5\n'; } | awk -v kind="$1" '
        BEGIN { n = split("AVAL AVAR AVBL AVBR AVDL AVDR AVEL AVER PVCL PVCR DA1 DB1 VA1 VB1 BWM-DL01", nm, " ") }
        $3 == kind { w[$1, $2] = $4; if (kind == "gap") w[$2, $1] = $4 }
        END {
            line = ",,"; for (j = 1; j <= n; j++) line = line "," (j == 1 ? "NEURONS" : j == n ? "MUSCLES" : ""); print line
            line = ",,"; for (j = 1; j <= n; j++) line = line ","; print line
            line = ",,"; for (j = 1; j <= n; j++) line = line "," nm[j]; print line
            for (i = 1; i < n; i++) {
                line = (i == 1 ? "INTERNEURONS" : "") ",," nm[i]
                for (j = 1; j <= n; j++) line = line "," ((nm[i], nm[j]) in w ? w[nm[i], nm[j]] : "")
                print line
            }
        }'
}

grid chem >"$out/cook2019_chemical.csv"
grid gap >"$out/cook2019_gap.csv"

# Randi et al. 2023: a value grid (response amplitudes, signed, "nan" where
# the pair was not measured) and a q-value grid of the same labels.
randi() {
    awk -v what="$1" 'BEGIN {
        n = split("AVAL AVAR AVBL AVBR AVDL AVDR AVEL AVER PVCL PVCR DA1 DB1 VA1 VB1", nm, " ")
        line = ""; for (j = 1; j <= n; j++) line = line "," nm[j]; print line
        for (i = 1; i <= n; i++) {
            line = nm[i]
            for (j = 1; j <= n; j++) {
                h = (i * 5 + j * 3 + i * j) % 13
                if (what == "values") v = (i == j || h == 12) ? "nan" : sprintf("%.2f", (h - 4) / 10)
                else v = sprintf("%.3f", h / 100)
                line = line "," v
            }
            print line
        }
    }'
}

randi values >"$out/randi2023_values.csv"
randi q >"$out/randi2023_qvalues.csv"

# A functional adjacency for worm-compare(1): the chemical circuit with
# every weight scaled and a few false edges, as a TSV with a corner cell.
circuit | awk '
    BEGIN { n = split("AVAL AVAR AVBL AVBR AVDL AVDR AVEL AVER PVCL PVCR DA1 DB1 VA1 VB1", nm, " ") }
    $3 == "chem" { w[$1, $2] = $4 / 4 }
    END {
        line = "neuron"; for (j = 1; j <= n; j++) line = line "\t" nm[j]; print line
        for (i = 1; i <= n; i++) {
            line = nm[i]
            for (j = 1; j <= n; j++) {
                v = ((nm[i], nm[j]) in w) ? w[nm[i], nm[j]] : ((i + 2 * j) % 9 == 0 ? 0.3 : 0)
                line = line "\t" v
            }
            print line
        }
    }' >"$out/functional_sample.tsv"
