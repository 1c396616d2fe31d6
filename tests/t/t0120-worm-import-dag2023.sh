#!/bin/sh
# worm-import --format dag2023: HDF5 traces (gcamp/traces_array_F_F20, time
# x neurons; timing/timestamp_confocal cut to the traces) labeled by
# NeuroPAL_labels_dict.json ({"1-based column": {"label": ...}}): "AVA?"
# twice -> AVAL then AVAR in the dictionary's order, a list-valued label,
# zero padding; the folder skips swf415_no_id/; broken inputs exit 1.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-raw.sh"

D=$RAW/dag2023
A=dag2023_2022-01-01-01
B=dag2023_2022-01-02-03
import_ok "import the dataset folder" --format dag2023 "$D"
is "$(cat "$err")" "worm-import: '$D/swf415_no_id': skipped: worms without neuron identities" \
    "the unlabeled folder is skipped, with a message"
is "$(worm-info -f tsv "$TMP/out.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples $A dag2023 650 $B dag2023 620 " "the two labeled worms"
cells_ok "$A" 'time\tASHL\tAVAL\tAVAR\tURXL\tVB2\t\t\t\tFOO\t\t\t' 650 0 0 100 0.625 \
    "4 2 0 11 6 1 3 5 7 8 9 10" "" "2022-01-01-01 (dictionary entry [labels, ...])"
cells_ok "$B" 'time\tAVAL\tRIML\tSMDVR\t\t\t\t\t\t\t' 620 1 0 100 0.625 \
    "3 1 5 0 2 4 6 7 8 9" "" "2022-01-02-03 (dictionary entry {labels})"
report_is "$A" 'AVA?\tcanonical\t54;\tunlabeled\t300;AVA?\tcanonical\t53;\tunlabeled\t301;ASHL\tcanonical\t43;\tunlabeled\t302;VB02\tcanonical\t273;FOO\tunlabeled\t303;\tunlabeled\t304;\tunlabeled\t305;\tunlabeled\t306;URXL\tcanonical\t252;' \
    "report: column 3 (listed first) AVA? -> AVAL, column 1 -> AVAR"

import_ok "one file (dictionary in the folder above)" --format dag2023 "$D/swf702_with_id/2022-01-02-03-data.h5"
is "$(cat "$err")" "" "nothing on stderr"
is "$(worm-info -f tsv "$TMP/out.h5" | sed 1d | cut -f1)" "$B" "recording id dag2023_<file key>"

# --- broken inputs ---
cp -r "$D" "$TMP/d"
head -c 3000 "$D/swf702_with_id/2022-01-01-01-data.h5" >"$TMP/d/swf702_with_id/2022-01-01-01-data.h5"
fails_naming "truncated HDF5 file" "$TMP/d/swf702_with_id/2022-01-01-01-data.h5" "HDF5" \
    worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/d"
cp "$D/swf702_with_id/2022-01-01-01-data.h5" "$TMP/d/swf702_with_id/"
sed 's/"12"/"13"/' "$D/NeuroPAL_labels_dict.json" >"$TMP/d/NeuroPAL_labels_dict.json"
fails_naming "a column beyond the traces" "$TMP/d/NeuroPAL_labels_dict.json" "key '13' is not a column from 1 to 12" \
    worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/d"
head -c 100 "$D/NeuroPAL_labels_dict.json" >"$TMP/d/NeuroPAL_labels_dict.json"
fails_naming "truncated JSON" "$TMP/d/NeuroPAL_labels_dict.json" "not valid JSON" \
    worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/d"
sed 's/{"label"/{label/' "$D/NeuroPAL_labels_dict.json" >"$TMP/d/NeuroPAL_labels_dict.json"
fails_naming "bad JSON" "$TMP/d/NeuroPAL_labels_dict.json" "not valid JSON: line 1" \
    worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/d"
rm "$TMP/d/NeuroPAL_labels_dict.json"
fails_naming "no dictionary" "$TMP/d/swf702_with_id/2022-01-01-01-data.h5" "NeuroPAL_labels_dict.json" \
    worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/d/swf702_with_id/2022-01-01-01-data.h5"
if have_gen; then
    for kind in missing shape time; do broken $kind; done
    G=dag2023/swf702_with_id/2022-01-01-01-data.h5
    fails_naming "no timestamps" "$TMP/missing/$G" "timing/timestamp_confocal: missing" worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/missing/$G"
    fails_naming "fewer timestamps than samples" "$TMP/shape/$G" "timing/timestamp_confocal: 640 samples, but gcamp/traces_array_F_F20 has 650" worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/shape/$G"
    fails_naming "a repeated timestamp" "$TMP/time/$G" "timing/timestamp_confocal[200]: time not strictly increasing" worm-import --format dag2023 -o "$TMP/never.h5" "$TMP/time/$G"
else
    skip "gen-raw-misc not built"
fi
done_testing
