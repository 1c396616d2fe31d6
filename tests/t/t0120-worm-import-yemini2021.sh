#!/bin/sh
# worm-import --format yemini2021: the NeuroPAL MAT v5 sample (two worms in
# one file): L/R from is_L appended to the class names (NaN: unpaired), the
# first 4 frames dropped, an empty cell rejected, NaN kept, zero padding;
# broken files exit 1 naming the file and the field.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-raw.sh"

F=$RAW/yemini2021/Head_Activity_OH99999.mat
W0=yemini2021_Head_Activity_OH99999_w0
W1=yemini2021_Head_Activity_OH99999_w1

import_ok "import the file" --format yemini2021 "$F"
is "$(worm-info -f tsv "$TMP/out.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples $W0 yemini2021 610 $W1 yemini2021 610 " "two worms of 614 - 4 samples"
# source columns: AVAL 0, AVAR 1, RIML 2, RIMR 3, AVG 4, VB02 5, XYZ 6, ASHL 7, ASHR 8, SMDDL 9, SMDDR 10
cells_ok "$W0" 'time\tASHL\tASHR\tAVAL\tAVAR\tAVG\tRIML\tRIMR\tSMDDL\tSMDDR\tVB2\tXYZ' 610 0 4 1 0.25 \
    "7 8 0 1 4 2 3 9 10 5 6" "1:96-100" "worm 0"
cells_ok "$W1" 'time\tASHL\tASHR\tAVAL\tAVAR\tAVG\tRIML\tSMDDL\tSMDDR\tVB2\tXYZ' 610 1 4 1 0.25 \
    "7 8 0 1 4 2 9 10 5 6" "" "worm 1 (RIMR not recorded)"
report_is "$W1" 'AVAL\tcanonical\t53;AVAR\tcanonical\t54;RIML\tcanonical\t197;RIMR\trejected\t-1;AVG\tcanonical\t63;VB02\tcanonical\t273;XYZ\tunlabeled\t300;ASHL\tcanonical\t43;ASHR\tcanonical\t44;SMDDL\tcanonical\t242;SMDDR\tcanonical\t243;' \
    "report: L/R suffixes, the empty cell rejected, VB02 -> VB2, XYZ unlabeled"

rc=0
worm-import --format yemini2021 "$F" | worm-export -r "$W1" | sed -n 2p >"$out" || rc=$?
is "$(cat "$out")" "$(printf '1\t76\t86\t6\t16\t46\t26\t96\t106\t56\t66')" "through a pipe: first sample of worm 1"

import_ok "the folder" --format yemini2021 "$RAW/yemini2021"
is "$(worm-info -f tsv "$TMP/out.h5" | sed 1d | cut -f1 | tr '\n' ' ')" "$W0 $W1 " "a folder reads its .mat files"
if command -v h5dump >/dev/null 2>&1; then
    is "$(h5dump -a /recordings/$W1/source_file "$TMP/out.h5" | sed -n 's/^ *(0): *//p' | tr -d '"')" \
        "Head_Activity_OH99999.mat" "source_file attribute"
    is "$(h5dump -a /recordings/$W1/worm "$TMP/out.h5" | sed -n 's/^ *(0): *//p')" 1 "worm attribute"
else
    skip "h5dump not installed"
    skip "h5dump not installed"
fi

# --- broken files ---
head -c $(($(wc -c <"$F") / 2)) "$F" >"$TMP/cut.mat"
fails_naming "truncated file" "$TMP/cut.mat" "norm_traces" worm-import --format yemini2021 -o "$TMP/never.h5" "$TMP/cut.mat"
printf 'not a mat file at all\n' >"$TMP/text.mat"
fails_naming "not a MAT file" "$TMP/text.mat" "MAT" worm-import --format yemini2021 -o "$TMP/never.h5" "$TMP/text.mat"
if have_gen; then
    for kind in missing shape time; do broken $kind; done
    G=yemini2021/Head_Activity_OH99999.mat
    fails_naming "no fps" "$TMP/missing/$G" "fps: missing" worm-import --format yemini2021 -o "$TMP/never.h5" "$TMP/missing/$G"
    fails_naming "is_L of 3 entries for 2 files" "$TMP/shape/$G" "is_L{1}: 3 entries" worm-import --format yemini2021 -o "$TMP/never.h5" "$TMP/shape/$G"
    fails_naming "fps 0" "$TMP/time/$G" "fps: expected one positive number" worm-import --format yemini2021 -o "$TMP/never.h5" "$TMP/time/$G"
else
    skip "gen-raw-misc not built"
fi
mkdir "$TMP/empty"
fails_naming "a folder without .mat files" "$TMP/empty" "no .mat file" worm-import --format yemini2021 -o "$TMP/never.h5" "$TMP/empty"
done_testing
