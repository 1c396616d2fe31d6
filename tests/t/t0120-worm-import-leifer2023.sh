#!/bin/sh
# worm-import --format leifer2023: per worm {i}_gcamp.txt (T x N, blank
# separated, "nan" kept), {i}_labels.txt (cut to N) and {i}_t.txt; the
# leifer label rule: an exact name once (a repeat is unlabeled), else name+L,
# then name+R; broken inputs exit 1 naming the file and the field.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-raw.sh"

D=$RAW/leifer2023
import_ok "import the folder" --format leifer2023 "$D"
is "$(worm-info -f tsv "$TMP/out.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples leifer2023_0 leifer2023 615 leifer2023_1 leifer2023 605 " "worms 0 and 1"
# worm 0 labels: AVAL AVAL RIM RIM "" merge AVE ASG XYZ URYVL (an 11th, AVBL, is cut)
cells_ok leifer2023_0 'time\tASGL\tAVAL\tAVEL\tRIML\tRIMR\tURYVL\tAVAL\t\tmerge\tXYZ' 615 0 0 0 0.25 \
    "7 0 6 2 3 9 1 4 5 8" "8:10-12" "worm 0"
# worm 1 labels: AVAR RMD RMD RMD SMDVL IL2 ADA AWC RIS
cells_ok leifer2023_1 'time\tADAL\tAVAR\tAWCL\tIL2L\tRIS\tRMDL\tRMDR\tSMDVL\tRMD' 605 1 0 0 0.25 \
    "6 0 7 5 8 1 2 4 3" "" "worm 1"
report_is leifer2023_0 'AVAL\tcanonical\t53;AVAL\tunlabeled\t300;RIM\tcanonical\t197;RIM\tcanonical\t198;\tunlabeled\t301;merge\tunlabeled\t302;AVE\tcanonical\t59;ASG\tcanonical\t41;XYZ\tunlabeled\t303;URYVL\tcanonical\t256;' \
    "report: repeated AVAL unlabeled, RIM -> RIML then RIMR"
report_is leifer2023_1 'AVAR\tcanonical\t54;RMD\tcanonical\t207;RMD\tcanonical\t208;RMD\tunlabeled\t300;SMDVL\tcanonical\t244;IL2\tcanonical\t131;ADA\tcanonical\t0;AWC\tcanonical\t76;RIS\tcanonical\t202;' \
    "report: a third RMD is unlabeled"
import_ok "one worm by any of its files" --format leifer2023 "$D/1_labels.txt"
is "$(worm-info -f tsv "$TMP/out.h5" | sed 1d | cut -f1)" "leifer2023_1" "recording id leifer2023_<i>"

# --- broken inputs ---
mkdir "$TMP/d"
cp "$D"/* "$TMP/d/"
head -n 300 "$D/0_gcamp.txt" >"$TMP/d/0_gcamp.txt"
fails_naming "traces shorter than the time" "$TMP/d/0_t.txt" "time: 615 values, but '$TMP/d/0_gcamp.txt' has 300 rows" \
    worm-import --format leifer2023 -o "$TMP/never.h5" "$TMP/d"
head -c 15000 "$D/0_gcamp.txt" >"$TMP/d/0_gcamp.txt"
fails_naming "truncated traces" "$TMP/d/0_gcamp.txt" "line 303: expected 10 fields" \
    worm-import --format leifer2023 -o "$TMP/never.h5" "$TMP/d/0_gcamp.txt"
fails_naming "not a leifer file" "$D/../lin2023/worm01.mat" "{i}_gcamp.txt" \
    worm-import --format leifer2023 -o "$TMP/never.h5" "$D/../lin2023/worm01.mat"
if have_gen; then
    for kind in missing shape time; do broken $kind; done
    fails_naming "no time file" "$TMP/missing/leifer2023/0_t.txt" "cannot open" worm-import --format leifer2023 -o "$TMP/never.h5" "$TMP/missing/leifer2023"
    fails_naming "fewer labels than columns" "$TMP/shape/leifer2023/0_labels.txt" "labels: 9 lines, but" worm-import --format leifer2023 -o "$TMP/never.h5" "$TMP/shape/leifer2023"
    fails_naming "time going back" "$TMP/time/leifer2023/0_t.txt" "time[50]: time not strictly increasing (0 after 12.25)" worm-import --format leifer2023 -o "$TMP/never.h5" "$TMP/time/leifer2023"
else
    skip "gen-raw-misc not built"
fi
done_testing
