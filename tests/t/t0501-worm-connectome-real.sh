#!/bin/sh
# worm-connectome import of the real White 1986 (JSE) and Witvliet 2020
# (adult 8) processed files found in the shared data folder ($SHARED, or
# $WK_SHARED); skipped when they are absent.  The expected totals were
# computed independently (a Python csv script applying the processing
# rules) and pasted here.
. "$(dirname "$0")/../lib.sh"

D=$SHARED/data/connectome
white=$D/white_1986_jse_processed.csv
witvliet=$D/witvliet_2020_8_processed.csv

# sum of chem, sum of gap, edge-list rows, nonzero chem, nonzero gap entries
totals() {
    worm-connectome export "$1" | awk -F'\t' 'NR > 1 { c += $3; g += $4; n++; nc += $3 != 0; ng += $4 != 0 }
                                              END { print c, g, n, nc, ng }'
}

if [ -r "$white" ]; then
    run_tool worm-connectome import --source white1986_jse -r "$TMP/white.report" -o "$TMP/white.h5" "$white"
    is "$rc" 0 "white1986_jse: imports with exit 0"
    is "$(cat "$err")" "" "white1986_jse: no message"
    is "$(totals "$TMP/white.h5")" "261 0 94 94 0" "white1986_jse: chem 261, gap 0, 94 edges"
    is "$(cat "$TMP/white.report")" "label	records" "white1986_jse: no label dropped"
else
    skip "white1986_jse: $white not found (set WK_SHARED to the shared folder)"
fi

if [ -r "$witvliet" ]; then
    run_tool worm-connectome import --source witvliet2020_8 -r "$TMP/w8.report" -o "$TMP/w8.h5" "$witvliet"
    is "$rc" 0 "witvliet2020_8: imports with exit 0"
    is "$(cat "$err")" "" "witvliet2020_8: no message"
    is "$(totals "$TMP/w8.h5")" "7099 839 2371 1933 600" \
        "witvliet2020_8: chem 7099, gap 839 (304 pairs, 600 entries), 2371 edges"
    is "$(awk 'NR > 1 { n++; r += $2 } END { print n, r }' "$TMP/w8.report")" "39 259" \
        "witvliet2020_8: 39 labels (muscles, glia) dropped from 259 rows"
    is "$(grep -c -e '^BWM-' -e '^CEPsh' -e '^GLR' "$TMP/w8.report")" 39 "witvliet2020_8: only muscles and glia dropped"
    is "$(h5dump -a /connectomes/witvliet2020_8/dropped_labels "$TMP/w8.h5" | grep '(0)' | tr -d ' ')" "(0):39" \
        "witvliet2020_8: dropped_labels attribute"
else
    skip "witvliet2020_8: $witvliet not found (set WK_SHARED to the shared folder)"
fi

done_testing
