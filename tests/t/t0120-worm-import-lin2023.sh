#!/bin/sh
# worm-import --format lin2023: MAT v5, one worm per file: rows with
# use_flag > 0, labels from proofread_neurons (a list-valued ID gives its
# first non-empty entry), traces corrected_F (neurons x time), time from the
# last row of times{1}; broken files exit 1 naming the file and the field.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-raw.sh"

D=$RAW/lin2023
import_ok "import the folder" --format lin2023 "$D"
is "$(worm-info -f tsv "$TMP/out.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples lin2023_worm01 lin2023 640 lin2023_worm02 lin2023 610 " "one worm per file, in name order"
# used source rows (use_flag > 0): 0 AVAL, 1 AVAR, 3 DD04, 4 VA10, 5 {"",RIML}, 6 "", 8 merge, 9 AVAL, 10 RMD-, 11 URYDL, 12 ALA
cells_ok lin2023_worm01 'time\tALA\tAVAL\tAVAR\tDD4\tRIML\tURYDL\tVA10\t\tmerge\tAVAL\tRMD-' 640 0 0 1 0.25 \
    "12 0 1 3 5 11 4 6 8 9 10" "*:0-0" "worm01 (first sample NaN as in the file)"
cells_ok lin2023_worm02 'time\tALA\tAVAL\tAVAR\tDD4\tRIML\tURYDL\tVA10\t\tmerge\tAVAL\tRMD-' 610 1 0 1 0.25 \
    "12 0 1 3 5 11 4 6 8 9 10" "*:0-0" "worm02"
report_is lin2023_worm01 'AVAL\tcanonical\t53;AVAR\tcanonical\t54;DD04\tcanonical\t105;VA10\tcanonical\t259;RIML\tcanonical\t197;\tunlabeled\t300;merge\tunlabeled\t301;AVAL\tduplicate\t302;RMD-\tunlabeled\t303;URYDL\tcanonical\t254;ALA\tcanonical\t22;' \
    "report: DD04 -> DD4, VA10 kept, list-valued RIML, empty/merge/RMD- unlabeled, AVAL duplicate"
import_ok "one file, chosen by --dataset" --dataset lin2023 "$D/worm02.mat"
is "$(worm-info -f tsv "$TMP/out.h5" | sed 1d | cut -f1)" "lin2023_worm02" "recording id lin2023_<file stem>"

# --- broken files ---
head -c $(($(wc -c <"$D/worm01.mat") / 2)) "$D/worm01.mat" >"$TMP/cut.mat"
fails_naming "truncated file" "$TMP/cut.mat" "truncated" worm-import --format lin2023 -o "$TMP/never.h5" "$TMP/cut.mat"
expect_fail 1 "stdin" worm-import --format lin2023 -o "$TMP/never.h5" -
if have_gen; then
    for kind in missing shape time; do broken $kind; done
    G=lin2023/worm01.mat
    fails_naming "no times" "$TMP/missing/$G" "times: missing" worm-import --format lin2023 -o "$TMP/never.h5" "$TMP/missing/$G"
    fails_naming "corrected_F of 12 rows for 13 flags" "$TMP/shape/$G" "corrected_F: 12 x 640" worm-import --format lin2023 -o "$TMP/never.h5" "$TMP/shape/$G"
    fails_naming "times repeats a value" "$TMP/time/$G" "times[300]: time not strictly increasing" worm-import --format lin2023 -o "$TMP/never.h5" "$TMP/time/$G"
else
    skip "gen-raw-misc not built"
fi
done_testing
