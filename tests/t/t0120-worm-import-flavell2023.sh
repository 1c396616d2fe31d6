#!/bin/sh
# worm-import --format flavell2023: one worm per JSON or HDF5 file
# (timestamp_confocal, trace_array = N lists of T, labeled = {"1-based
# index": {"label": ...}}): "AVA?" twice -> AVAL then AVAR in column order,
# null -> NaN, zero padding; broken files exit 1 naming the file and field.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-raw.sh"

D=$RAW/flavell2023
J=flavell2023_2022-03-01-01
H=flavell2023_2022-03-02-01
import_ok "import the folder (one .json, one .h5)" --format flavell2023 "$D"
is "$(worm-info -f tsv "$TMP/out.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples $J flavell2023 610 $H flavell2023 630 " "both worms"
cells_ok "$J" 'time\tAVAL\tAVAR\tRIML\tVB2\t\t\t\tNOTANEURON' 610 0 0 10 0.5 \
    "1 4 0 6 2 3 5 7" "6:100-100" "JSON worm (a null sample is NaN)"
cells_ok "$H" 'time\tASHR\tAVAL\tAVAR\t\t\t\t\t\t' 630 1 0 3 0.5 \
    "3 0 8 1 2 4 5 6 7" "" "HDF5 worm"
report_is "$J" 'RIML\tcanonical\t197;AVA?\tcanonical\t53;\tunlabeled\t300;\tunlabeled\t301;AVA?\tcanonical\t54;\tunlabeled\t302;VB02\tcanonical\t273;NOTANEURON\tunlabeled\t303;' \
    "report: AVA? -> AVAL (column 2), AVAR (column 5), VB02 -> VB2"
report_is "$H" 'AVA?\tcanonical\t53;\tunlabeled\t300;\tunlabeled\t301;ASHR\tcanonical\t44;\tunlabeled\t302;\tunlabeled\t303;\tunlabeled\t304;\tunlabeled\t305;AVA?\tcanonical\t54;' \
    "report: HDF5 labels from labeled/<index>/label"

# --- broken files ---
head -c 10000 "$D/2022-03-01-01.json" >"$TMP/cut.json"
fails_naming "truncated JSON" "$TMP/cut.json" "not valid JSON: unexpected end of file" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/cut.json"
sed 's/"labeled"/labeled/' "$D/2022-03-01-01.json" >"$TMP/bad.json"
fails_naming "bad JSON" "$TMP/bad.json" "not valid JSON: line 1" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/bad.json"
sed 's/"label":"NOTANEURON"/"label":"NOTANEURON"},"42":{"label":"AVAL"/' "$D/2022-03-01-01.json" >"$TMP/range.json"
fails_naming "a label beyond the traces" "$TMP/range.json" "labeled: key '42' is not a column from 1 to 8" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/range.json"
head -c 5000 "$D/2022-03-02-01.h5" >"$TMP/cut.h5"
fails_naming "truncated HDF5" "$TMP/cut.h5" "HDF5" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/cut.h5"
if have_gen; then
    for kind in missing shape time; do broken $kind; done
    G=flavell2023/2022-03-01-01.json
    fails_naming "no trace_array" "$TMP/missing/$G" "trace_array: missing" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/missing/$G"
    fails_naming "a short trace" "$TMP/shape/$G" "trace_array[2]: expected a list of 610 numbers" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/shape/$G"
    fails_naming "time going back" "$TMP/time/$G" "timestamp_confocal[5]: time not strictly increasing" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/time/$G"
else
    skip "gen-raw-misc not built"
fi
done_testing
