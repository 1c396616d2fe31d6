#!/bin/sh
# worm-import --format venkatachalam2024: one zip per worm holding one CSV
# (rows are neurons, label column `neuron`, numbered frame columns 0.375 s
# apart, other columns ignored, empty frames at the start dropped); broken
# archives exit 1 naming the file and the field.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-raw.sh"

D=$RAW/venkatachalam2024
import_ok "import the folder" --format venkatachalam2024 "$D"
is "$(worm-info -f tsv "$TMP/out.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples venkatachalam2024_worm_a venkatachalam2024 620 venkatachalam2024_worm_b venkatachalam2024 640 " \
    "one worm per archive"
# rows: AVAL AVAR RMD- VB02 AVAL ASH RIML SMDDR AIBL AIBR URXL IL2DL; frames 0 and 1 empty
H='time\tAIBL\tAIBR\tAVAL\tAVAR\tIL2DL\tRIML\tSMDDR\tURXL\tVB2\tRMD-\tAVAL\tASH'
cells_ok venkatachalam2024_worm_a "$H" 620 0 0 0.75 0.375 "8 9 0 1 11 6 7 10 3 2 4 5" "7:298-298" "worm_a"
cells_ok venkatachalam2024_worm_b "$H" 640 1 0 0.75 0.375 "8 9 0 1 11 6 7 10 3 2 4 5" "7:298-298" "worm_b"
report_is venkatachalam2024_worm_a 'AVAL\tcanonical\t53;AVAR\tcanonical\t54;RMD-\tunlabeled\t300;VB02\tcanonical\t273;AVAL\tduplicate\t301;ASH\tunlabeled\t302;RIML\tcanonical\t197;SMDDR\tcanonical\t243;AIBL\tcanonical\t12;AIBR\tcanonical\t13;URXL\tcanonical\t252;IL2DL\tcanonical\t129;' \
    "report: RMD- and ASH unlabeled, a second AVAL duplicate"
import_ok "one archive" --format venkatachalam2024 "$D/worm_b.zip"
is "$(worm-info -f tsv "$TMP/out.h5" | sed 1d | cut -f1)" "venkatachalam2024_worm_b" "recording id venkatachalam2024_<zip stem>"

# --- broken archives ---
head -c 2000 "$D/worm_a.zip" >"$TMP/cut.zip"
fails_naming "truncated archive" "$TMP/cut.zip" "not a readable zip archive" worm-import --format venkatachalam2024 -o "$TMP/never.h5" "$TMP/cut.zip"
cp "$D/../dag2023/NeuroPAL_labels_dict.json" "$TMP/text.zip"
fails_naming "not an archive" "$TMP/text.zip" "not a readable zip archive" worm-import --format venkatachalam2024 -o "$TMP/never.h5" "$TMP/text.zip"
if have_gen; then
    for kind in missing shape time; do broken $kind; done
    G=venkatachalam2024/worm_a.zip
    fails_naming "no neuron column" "$TMP/missing/$G" "worm_a.csv: no 'neuron' column" worm-import --format venkatachalam2024 -o "$TMP/never.h5" "$TMP/missing/$G"
    fails_naming "a short row" "$TMP/shape/$G" "worm_a.csv: line 7: 626 fields, the header has 627" worm-import --format venkatachalam2024 -o "$TMP/never.h5" "$TMP/shape/$G"
    fails_naming "frame numbers going back" "$TMP/time/$G" "worm_a.csv: frame header[38]: time not strictly increasing" worm-import --format venkatachalam2024 -o "$TMP/never.h5" "$TMP/time/$G"
else
    skip "gen-raw-misc not built"
fi
done_testing
