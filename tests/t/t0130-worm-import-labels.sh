#!/bin/sh
# worm-import: label rules through a dataset reader (leifer2023 text files
# written here), the label report, skipped worms, --dataset choosing the
# reader, folders, imputation and the bad-trace filters.
. "$(dirname "$0")/../lib.sh"

# leifer_worm DIR I T LABELS...: {I}_gcamp.txt with T samples and one column
# per label (value 10 c + (k mod 16) / 4), {I}_labels.txt, {I}_t.txt (0.2 s).
leifer_worm() {
    _d=$1; _i=$2; _T=$3; shift 3
    _nl=$#
    awk -v T="$_T" -v N="$_nl" 'BEGIN { for (k = 0; k < T; k++) { s = ""
        for (c = 0; c < N; c++) s = s (c ? " " : "") (10 * c + (k % 16) / 4); print s } }' >"$_d/${_i}_gcamp.txt"
    : >"$_d/${_i}_labels.txt"
    for _l in "$@"; do printf '%s\n' "$_l" >>"$_d/${_i}_labels.txt"; done
    awk -v T="$_T" 'BEGIN { for (k = 0; k < T; k++) print k * 0.2 }' >"$_d/${_i}_t.txt"
}

if worm-import --help | grep -q leifer2023; then
    mkdir "$TMP/lf"
    leifer_worm "$TMP/lf" 0 620 AVA AVA AVA AVAL VB01 RMD- merge foo
    leifer_worm "$TMP/lf" 1 100 AVAL AVAR
    run_tool worm-import --dataset leifer2023 --report "$TMP/rep.tsv" -o "$TMP/lf.h5" "$TMP/lf"
    is "$rc" 0 "leifer folder: exit 0 with one worm skipped"
    is "$(cat "$err")" "worm-import: '$TMP/lf/1_gcamp.txt': worm 1 (recording 'leifer2023_1'): skipped: 100 samples, fewer than 600" \
        "short worm named on stderr with the reason"
    printf 'recording\toriginal_label\tdecision\tcolumn
leifer2023_0\tAVA\tcanonical\t53
leifer2023_0\tAVA\tcanonical\t54
leifer2023_0\tAVA\tunlabeled\t300
leifer2023_0\tAVAL\tunlabeled\t301
leifer2023_0\tVB01\tcanonical\t270
leifer2023_0\tRMD-\tunlabeled\t302
leifer2023_0\tmerge\tunlabeled\t303
leifer2023_0\tfoo\tunlabeled\t304\n' >"$TMP/want"
    ok "report: AVA -> AVAL, AVAR, then unlabeled; a repeated AVAL unlabeled; VB01 -> VB1" cmp -s "$TMP/rep.tsv" "$TMP/want"
    run_tool worm-export -f tsv "$TMP/lf.h5"
    is "$(head -1 "$out")" "$(printf 'time\tAVAL\tAVAR\tVB1\tAVA\tAVAL\tRMD-\tmerge\tfoo')" "canonical then extra columns"
    is "$(sed -n 3p "$out")" "$(printf '0.2\t0.25\t10.25\t40.25\t20.25\t30.25\t50.25\t60.25\t70.25')" "values of sample 1"
    run_tool worm-import --dataset leifer2023 --min-samples 0 -o "$TMP/lf0.h5" "$TMP/lf"
    is "$rc:$(worm-info -f tsv "$TMP/lf0.h5" | cut -f1 | tail -n +2 | tr '\n' ' ')" "0:leifer2023_0 leifer2023_1 " \
        "--min-samples 0 keeps the short worm"
    run_tool worm-import --dataset leifer2023 -o "$TMP/none.h5" "$TMP/lf/1_gcamp.txt"
    is "$rc" 1 "every worm skipped: exit 1"
    is "$(tail -1 "$err")" "worm-import: no recording written: all 1 worms were skipped" "every worm skipped: message"
    ok "every worm skipped: no output" test ! -e "$TMP/none.h5"

    # reference filters: iterative imputation, long gaps, linear windows
    mkdir "$TMP/lr"
    leifer_worm "$TMP/lr" 0 700 AVAL AVAR SMDDR RIS
    awk '{ if (NR >= 100 && NR < 140) $2 = "NaN"; if (NR == 300) $3 = "NaN"; if (NR >= 201 && NR <= 260) $4 = NR / 8; print }' \
        "$TMP/lr/0_gcamp.txt" >"$TMP/g" && mv "$TMP/g" "$TMP/lr/0_gcamp.txt"
    run_tool worm-import --dataset leifer2023 --reference-filters --report "$TMP/rf.tsv" -o "$TMP/rf.h5" "$TMP/lr"
    is "$rc" 0 "--reference-filters: exit 0"
    is "$(cut -f2-4 "$TMP/rf.tsv" | tail -n +2 | tr '\t\n' ', ')" "AVAL,canonical,53 AVAR,rejected,-1 SMDDR,canonical,243 RIS,rejected,-1 " \
        "40-sample gap (> 5% of 700) and a linear stretch rejected"
    run_tool worm-export -f tsv "$TMP/rf.h5"
    is "$(sed -n 301p "$out" | cut -f3 | xargs printf '%.2f')" "22.75" \
        "iterative imputation recovers SMDDR = AVAL + 20 at sample 299 (22.75)"
    run_tool worm-import --dataset leifer2023 --reference-filters --drop-long-gaps 0.1 --impute none \
        --report "$TMP/rf2.tsv" -o "$TMP/rf2.h5" "$TMP/lr"
    is "$(cut -f3 "$TMP/rf2.tsv" | tail -n +2 | tr '\n' ' ')" "canonical canonical canonical rejected " \
        "explicit options override the reference's"
    is "$(worm-export "$TMP/rf2.h5" | sed -n 301p | cut -f4)" "NaN" "--impute none keeps NaN"
else
    skip "leifer2023 reader not built"
fi

# --- generic CSV: folders, --dataset as an attribute only, filters ---
mkdir -p "$TMP/csv/sub"
printf 'time,AVAL,foo,bar\n0,1,NaN,5\n1,NaN,NaN,6\n2,3,NaN,NaN\n3,4,NaN,NaN\n4,NaN,NaN,NaN\n' >"$TMP/csv/b.csv"
printf 'time,x,y\n0,1,2\n1,2,3\n' >"$TMP/csv/a.csv"
printf 'not a table\n' >"$TMP/csv/notes.md"
printf 'time,AVAR\n0,1\n' >"$TMP/csv/sub/c.csv"
run_tool worm-import --dataset mylab --report "$TMP/g.tsv" -o "$TMP/g.h5" "$TMP/csv"
is "$rc" 0 "folder of CSV files: exit 0"
is "$(worm-info -f tsv "$TMP/g.h5" | tail -n +2 | cut -f1,2 | tr '\t\n' ', ')" "a,mylab b,mylab " \
    "the folder's .csv files in name order, sub-folder and other files ignored"
is "$(grep -c rejected "$TMP/g.tsv")" 1 "an all-NaN column is rejected"
is "$(grep '	foo	' "$TMP/g.tsv" | cut -f3,4 | tr '\t' ,)" "rejected,-1" "foo is the rejected column"
run_tool worm-import --impute linear -o "$TMP/lin.h5" "$TMP/csv/b.csv"
is "$(worm-export "$TMP/lin.h5" | tail -n +2 | cut -f2,3 | tr '\t\n' ', ')" "1,5 2,6 3,6 4,6 4,6 " \
    "--impute linear: interior gap interpolated, trailing gap holds the last value"
run_tool worm-import --min-labeled 1 -o "$TMP/lab.h5" "$TMP/csv/a.csv" "$TMP/csv/b.csv"
is "$(cat "$err")" "worm-import: '$TMP/csv/a.csv': worm 0 (recording 'a'): skipped: no labeled neuron" \
    "--min-labeled 1: a worm without a canonical neuron is skipped"
is "$(worm-info -f tsv "$TMP/lab.h5" | tail -n +2 | cut -f1,3)" "$(printf 'b\t5')" "the other worm is written"
run_tool worm-import --drop-long-gaps 0.3 --report "$TMP/gap.tsv" -o "$TMP/gap.h5" "$TMP/csv/b.csv"
is "$(tail -n +2 "$TMP/gap.tsv" | cut -f3 | tr '\n' ' ')" "canonical rejected rejected " \
    "--drop-long-gaps 0.3: a 3-sample gap of 5 rejected, a 1-sample gap kept"
expect_fail 2 "bad --impute" worm-import --impute mean "$TMP/csv/a.csv"
expect_fail 2 "bad --drop-linear" worm-import --drop-linear 2 "$TMP/csv/a.csv"
expect_fail 1 "folder without a file of the format" worm-import -f h5 "$TMP/csv"
is "$(cat "$err")" "worm-import: '$TMP/csv': no file of a known format (.h5 .hdf5 .he5) in the folder" \
    "empty folder: message"

done_testing
