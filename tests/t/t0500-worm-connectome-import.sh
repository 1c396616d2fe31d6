#!/bin/sh
# worm-connectome import: every source format from a small hand-made file,
# checked entry by entry through the exported edge list; the processing
# rules (self pairs, gap listed both ways -> mean, duplicated chemical row
# -> first, muscle/glia dropped and reported, zero/empty weights dropped);
# the generated samples of data-samples/connectome import.
. "$(dirname "$0")/../lib.sh"

# edges FILE [ID]: the exported edge list of a connectome
edges() {
    if [ $# -gt 1 ]; then worm-connectome export --id "$2" "$1"; else worm-connectome export "$1"; fi
}

# --- long table (White 1986 / Witvliet 2020) ---
cat >"$TMP/white.csv" <<'EOF'
pre,post,type,synapses
AVAL,AVAR,chemical,3
AVAL,AVAR,chemical,7
AVAL,AVAL,chemical,2
AVBL,AVBR,electrical,2
AVBR,AVBL,electrical,5
ADAL,ADAL,electrical,4
AVAL,BWM-DR04,chemical,5
CEPshDL,AVAR,electrical,1
CEPshDL,AVAL,chemical,2
AVAR,AVAL,chemical,0
AVAR,AVBL,chemical,
AVAR,AVBR,chemical,NaN
EOF
run_tool worm-connectome import --source white1986_jse -r "$TMP/white.report" -o "$TMP/white.h5" "$TMP/white.csv"
is "$rc" 0 "long: exit 0"
is "$(cat "$err")" "" "long: nothing on stderr"
is "$(edges "$TMP/white.h5")" "$(printf 'pre\tpost\tchem\tgap
ADAL\tADAL\t0\t4
AVAL\tAVAL\t2\t0
AVAL\tAVAR\t3\t0
AVBL\tAVBR\t0\t3.5
AVBR\tAVBL\t0\t3.5')" "long: self pairs, first chemical kept, gap mean symmetric, zero/empty/NaN dropped"
is "$(cat "$TMP/white.report")" "$(printf 'label\trecords\nBWM-DR04\t1\nCEPshDL\t2')" "long: --report lists dropped labels and rows"
is "$(h5dump -a /connectomes/white1986_jse/dropped_labels "$TMP/white.h5" | grep '(0)' | tr -d ' ')" "(0):2" "long: dropped_labels attribute"
is "$(h5dump -a /connectomes/white1986_jse/source "$TMP/white.h5" | grep '(0)' | tr -d ' ')" '(0):"white1986_jse"' "long: source attribute"
is "$(h5dump -a /connectomes/white1986_jse/source_file "$TMP/white.h5" | grep -c 'white.csv')" 1 "long: source_file attribute"

# the same table as TSV with CRLF, through stdin, under another id
tr ',' '\t' <"$TMP/white.csv" | sed 's/$/\r/' >"$TMP/white.tsv"
run_in "$TMP/white.tsv" worm-connectome import --source witvliet2020_7 --id w7 -o "$TMP/w7.h5"
is "$rc" 0 "long tsv from stdin: exit 0"
is "$(edges "$TMP/w7.h5" w7)" "$(edges "$TMP/white.h5")" "long tsv from stdin: same connectome"

# --- Varshney 2011 ---
cat >"$TMP/varshney.csv" <<'EOF'
Neuron 1,Neuron 2,Type,Nbr
AVAL,AVAR,Sp,4
AVAL,AVAR,S,9
AVAR,AVAL,R,4
AVAR,AVAL,Rp,2
AVAL,AVBL,EJ,2
AVBL,AVAL,EJ,4
AVBR,AVBR,EJ,1
AVAL,NMJ,NMJ,5
AVAL,AVBR,Sp,1
AVAL,AVBR,Sp,8
DB1,dBWML1,Sp,2
EOF
run_tool worm-connectome import --source varshney2011 -r "$TMP/v.report" -o "$TMP/v.h5" "$TMP/varshney.csv"
is "$rc" 0 "varshney: exit 0"
is "$(edges "$TMP/v.h5")" "$(printf 'pre\tpost\tchem\tgap
AVAL\tAVAR\t4\t0
AVAL\tAVBL\t0\t3
AVAL\tAVBR\t1\t0
AVBL\tAVAL\t0\t3
AVBR\tAVBR\t0\t1')" "varshney: Sp chemical, EJ gap mean, S/R/Rp/NMJ ignored"
is "$(cat "$TMP/v.report")" "$(printf 'label\trecords\ndBWML1\t1')" "varshney: muscle reported, NMJ rows not"

# --- OpenWorm ---
cat >"$TMP/openworm.csv" <<'EOF'
Origin,Target,Type,Number of Connections,Neurotransmitter
AVAL,AVAR,Send,2,Glutamate
AVAL,AVAR,Send,5,Glutamate
AVBL,AVBR,GapJunction,3,Generic_GJ
AVBR,AVBL,GapJunction,1,Generic_GJ
ADAL,RIPL,Send,1,"Acetylcholine, Glutamate"
ADAL,MVL01,Send,4,Glutamate
ADAL,ADAR,GapJunction,,Generic_GJ
RIPL,RIPL,Send,0,Glutamate
EOF
run_tool worm-connectome import --source openworm -o "$TMP/o.h5" "$TMP/openworm.csv"
is "$rc" 0 "openworm: exit 0"
is "$(edges "$TMP/o.h5")" "$(printf 'pre\tpost\tchem\tgap
ADAL\tRIPL\t1\t0
AVAL\tAVAR\t2\t0
AVBL\tAVBR\t0\t2
AVBR\tAVBL\t0\t2')" "openworm: Send, GapJunction mean, quoted comma, empty and zero dropped"

# --- Cook 2019: two grids, as a spreadsheet exports them ---
cat >"$TMP/cook_chem.csv" <<'EOF'
,,,PHARYNX,,BODY WALL MUSCLES,
,,,,,,
,,,AVAL,AVAR,BWM-DL01,ADAL
NEURONS,,AVAL,1,,3,0
,,AVAR,2,5,,
,,CEPshDL,4,4,,
,,ADAL,,,,7
,,,9,9,9,9
EOF
cat >"$TMP/cook_gap.csv" <<'EOF'
,AVAL,AVAR,ADAL
AVAL,,2,
AVAR,4,,
ADAL,,,1
EOF
cook_want=$(printf 'pre\tpost\tchem\tgap
ADAL\tADAL\t7\t1
AVAL\tAVAL\t1\t0
AVAL\tAVAR\t0\t3
AVAR\tAVAL\t2\t3
AVAR\tAVAR\t5\t0')
run_tool worm-connectome import --source cook2019 -r "$TMP/c.report" -o "$TMP/c.h5" "$TMP/cook_chem.csv" "$TMP/cook_gap.csv"
is "$rc" 0 "cook: exit 0"
is "$(edges "$TMP/c.h5")" "$cook_want" "cook: rows presynaptic, gap both ways -> mean, totals row ignored"
is "$(cat "$TMP/c.report")" "$(printf 'label\trecords\nBWM-DL01\t1\nCEPshDL\t2')" "cook: dropped labels and their non-empty cells"
run_tool worm-connectome import --source cook2019 --gap "$TMP/cook_gap.csv" -o "$TMP/c2.h5" "$TMP/cook_chem.csv"
is "$rc" 0 "cook --gap: exit 0"
is "$(edges "$TMP/c2.h5")" "$cook_want" "cook --gap: same as two operands"

# --- Randi 2023: values and q-values (columns in another order) ---
cat >"$TMP/randi_v.csv" <<'EOF'
,AVAL,AVAR,AVBL
AVAL,0.5,0.2,nan
AVAR,-0.3,,0.1
AVBL,0.4,0.9,0
EOF
cat >"$TMP/randi_q.csv" <<'EOF'
,AVAR,AVAL,AVBL
AVAL,0.01,0.2,0.5
AVAR,0.04,0.001,
AVBL,0.05,0.049,0.01
EOF
run_tool worm-connectome import --source randi2023 -o "$TMP/r.h5" "$TMP/randi_v.csv" "$TMP/randi_q.csv"
is "$rc" 0 "randi: exit 0"
is "$(edges "$TMP/r.h5")" "$(printf 'pre\tpost\tchem\tgap
AVAL\tAVAR\t0.2\t0
AVAR\tAVAL\t-0.3\t0
AVBL\tAVAL\t0.4\t0')" "randi: q < 0.05 kept (0.05 is not), missing q dropped, signed values"
run_tool worm-connectome import --source randi2023 --q-max 0.1 --qvalues "$TMP/randi_q.csv" -o "$TMP/r2.h5" "$TMP/randi_v.csv"
is "$(edges "$TMP/r2.h5" | grep -c 'AVBL	AVAR	0.9')" 1 "randi --q-max 0.1: q 0.05 kept"
is "$(h5dump -a /connectomes/randi2023/q_max "$TMP/r2.h5" | grep '(0)' | tr -d ' ')" "(0):0.1" "randi: q_max attribute"

# --- the generated samples ---
S=$SAMPLES/connectome
sh "$S/generate.sh" "$TMP/samples"
for f in white1986_sample.csv varshney2011_sample.csv openworm_sample.csv cook2019_chemical.csv \
    cook2019_gap.csv randi2023_values.csv randi2023_qvalues.csv functional_sample.tsv; do
    ok "sample $f: regenerated byte for byte" cmp -s "$S/$f" "$TMP/samples/$f"
done
run_tool worm-connectome import --source white1986_whole -o "$TMP/s.h5" "$S/white1986_sample.csv"
is "$rc" 0 "sample white1986: imports"
for spec in "varshney2011 varshney2011_sample.csv" "openworm openworm_sample.csv" \
    "cook2019 cook2019_chemical.csv cook2019_gap.csv" "randi2023 randi2023_values.csv randi2023_qvalues.csv"; do
    set -- $spec
    src=$1
    shift
    files=""
    for f in "$@"; do files="$files $S/$f"; done
    run_tool worm-connectome import --source "$src" --append "$TMP/s.h5" $files
    is "$rc" 0 "sample $src: imports"
done
# chem sum, gap sum, edge-list rows of each sample (the three long tables
# describe the same circuit, edge cases included)
totals() { edges "$TMP/s.h5" "$1" | awk -F'\t' 'NR > 1 { c += $3; g += $4; n++ } END { print c, g, n }'; }
is "$(totals white1986_whole)" "94 85 76" "sample white1986: totals"
is "$(totals varshney2011)" "94 85 76" "sample varshney2011: same circuit"
is "$(totals openworm)" "94 85 76" "sample openworm: same circuit"
is "$(totals cook2019)" "92 80 74" "sample cook2019: totals"
is "$(totals randi2023)" "-12.6 0 52" "sample randi2023: totals"

done_testing
