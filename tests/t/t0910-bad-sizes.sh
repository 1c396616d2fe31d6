#!/bin/sh
# Absurd sizes are refused with one message before anything is allocated:
# HDF5 datasets whose shape claims 10^12 samples, 10^9 samples that the file
# does not store, or overflowing dimensions (files made by
# tests/gen/gen-bad-sizes: a few kilobytes each); MAT v5 variables whose
# headers claim more than the file holds; numeric options out of range; and
# a CSV of 200000 columns is read in linear time and memory.
. "$(dirname "$0")/../lib.sh"

# MAT v5 files whose headers claim what the file does not hold are refused
# before libmatio allocates the claim (src/import/mat5_check.c).
# mat5 FILE BODY: the 128-byte header, then BODY (printf escapes).
mat5() {
    { printf 'MATLAB 5.0 MAT-file, wormkit t0910%90s' ''; printf '\000\001IM'; printf "$2"; } >"$1"
}
flags_double='\006\000\000\000\010\000\000\000\006\000\000\000\000\000\000\000'
flags_cell='\006\000\000\000\010\000\000\000\001\000\000\000\000\000\000\000'
dims_1e5x1e5='\005\000\000\000\010\000\000\000\240\206\001\000\240\206\001\000'
name_x='\001\000\001\000x\000\000\000'
mat5 "$TMP/dims.mat" "\016\000\000\0008\000\000\000$flags_double$dims_1e5x1e5$name_x\011\000\000\000\010\000\000\000\000\000\000\000\000\000\360?"
run_tool worm-import --format mat -o "$TMP/mat.h5" "$TMP/dims.mat"
is "$rc" 1 "MAT double array of 10^5 x 10^5 holding one value: exit 1"
is "$(cat "$err")" "worm-import: '$TMP/dims.mat': MAT variable 'x': its dimensions claim 10000000000 values, its data hold 1" \
    "MAT double array of 10^5 x 10^5 holding one value: message"
mat5 "$TMP/cell.mat" "\016\000\000\000(\000\000\000$flags_cell$dims_1e5x1e5$name_x"
run_tool worm-import --format lin2023 -o "$TMP/mat.h5" "$TMP/cell.mat"
is "$rc" 1 "MAT cell of 10^5 x 10^5 in 40 bytes: exit 1"
is "$(cat "$err")" "worm-import: '$TMP/cell.mat': MAT variable 'x': claims 10000000000 elements, its 0 bytes hold at most 0" \
    "MAT cell of 10^5 x 10^5 in 40 bytes: message"
mat5 "$TMP/cut.mat" "\016\000\000\000\000\000\001\000$flags_double$dims_1e5x1e5$name_x"
run_tool worm-import --format yemini2021 -o "$TMP/mat.h5" "$TMP/cut.mat"
is "$rc" 1 "MAT variable claiming 16 MiB in a 168-byte file: exit 1"
is "$(cat "$err")" "worm-import: '$TMP/cut.mat': MAT variable 'x': truncated or corrupt (its header claims more data than the file holds)" \
    "MAT variable claiming 16 MiB in a 168-byte file: message"
ok "MAT: no output file" test ! -e "$TMP/mat.h5"

gen=${WK_GEN:-${WK_BUILD:-$WK_TOP/build}/gen}/gen-bad-sizes
if [ ! -x "$gen" ]; then
    skip "gen-bad-sizes not built (make $WK_TOP/build/gen/gen-bad-sizes)"
    done_testing
fi
d=$TMP/bad
mkdir "$d"
ok "gen-bad-sizes writes its files" "$gen" "$d"

# check_one DESC WANT_MESSAGE tool args...: exit 1, exactly that message.
check_one() {
    _d=$1; _m=$2; shift 2
    expect_fail 1 "$_d" "$@"
    is "$(cat "$err")" "$_m" "$_d: message"
}

limit="exceed the size limit of 68719476736 bytes"
check_one "time of 10^12 samples" \
    "worm-info: '$d/layout-huge-time.h5': /recordings/w/time: 1000000000000 elements $limit" \
    worm-info "$d/layout-huge-time.h5"
check_one "time of 10^9 samples, none stored" \
    "worm-info: '$d/layout-lazy-time.h5': /recordings/w/time: shape claims 1000000000 elements but the file stores only 0 bytes of them" \
    worm-info "$d/layout-lazy-time.h5"
check_one "traces of 2^40 x 2^40" \
    "worm-info: '$d/layout-overflow.h5': /recordings/w/traces: dimensions overflow" \
    worm-info "$d/layout-overflow.h5"
check_one "worm-select on 10^9 unstored samples" \
    "worm-select: '$d/layout-lazy-time.h5': /recordings/w/time: shape claims 1000000000 elements but the file stores only 0 bytes of them" \
    worm-select -o "$TMP/sel.h5" "$d/layout-lazy-time.h5"
ok "worm-select: no output file" test ! -e "$TMP/sel.h5"
check_one "connectome of 10^6 x 10^6" \
    "worm-connectome: '$d/connectome-huge.h5': /connectomes/big/chem: 1000000000000 elements $limit" \
    worm-connectome export "$d/connectome-huge.h5"

check_one "h5 matrix of 10^12 x 3" \
    "worm-import: '$d/matrix-huge.h5': /traces: 3000000000000 elements $limit" \
    worm-import -o "$TMP/imp.h5" "$d/matrix-huge.h5"
check_one "h5 matrix with 10^9 unstored labels" \
    "worm-import: '$d/matrix-lazy-labels.h5': /labels: shape claims 1000000000 elements but the file stores only 0 bytes of them" \
    worm-import -o "$TMP/imp.h5" "$d/matrix-lazy-labels.h5"
ok "worm-import: no output file" test ! -e "$TMP/imp.h5"
ok "worm-import: no temporary file" sh -c "! ls -a '$TMP' | grep -q '^\.imp\.h5\.'"

if worm-connectome import --source openworm -o "$TMP/con.h5" "$SAMPLES/connectome/openworm_sample.csv" 2>/dev/null; then
    check_one "functional matrix of 30000 x 30000, none stored" \
        "worm-compare: '$d/compare-lazy.h5': /w: shape claims 900000000 elements but the file stores only 0 bytes of them" \
        worm-compare --connectome "$TMP/con.h5" "$d/compare-lazy.h5:/w"
else
    skip "worm-connectome import failed"
fi

run_tool worm-simulate traces -T 1000000000000 -o "$TMP/sim.h5"
is "$rc" 2 "--samples 10^12: usage error"
is "$(head -n 1 "$err")" "worm-simulate: invalid --samples '1000000000000' (must be between 2 and 100000000)" \
    "--samples 10^12: message"
run_tool worm-simulate traces -T -5 -o "$TMP/sim.h5"
is "$rc" 2 "--samples -5: usage error"
run_tool worm-simulate traces -T 99999999999999999999999 -o "$TMP/sim.h5"
is "$rc" 2 "--samples beyond long: usage error"
ok "no simulated output" test ! -e "$TMP/sim.h5"

run_tool worm-import -o "$TMP/wide.h5" "$d/wide.csv"
is "$rc" 0 "CSV of 200000 columns: read"
run_tool worm-info "$TMP/wide.h5"
is "$(awk 'NR == 2 { print $3, $7 }' "$out")" "2 200000" "CSV of 200000 columns: 2 samples, 200000 unlabeled columns"

done_testing
