#!/bin/sh
# worm-import of plain HDF5 matrices (made here with h5import): time x
# neurons, neurons x time (decided by the labels, or forced), custom
# dataset paths, --no-time, and bad shapes.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5import >/dev/null 2>&1; then
    skip "h5import (hdf5-tools) not installed"
    done_testing
fi

# make_h5 OUT TRACES_PATH ROWS COLS TRACES_TEXT [TIME_PATH TIME_TEXT N]: labels AVAL AVAR foo.
make_h5() {
    _o=$1
    printf 'AVAL\nAVAR\nfoo\n' >"$TMP/labels.txt"
    printf 'PATH labels\nINPUT-CLASS STR\n' >"$TMP/labels.cfg"
    printf '%s\n' "$5" >"$TMP/traces.txt"
    printf 'PATH %s\nINPUT-CLASS TEXTFP\nRANK 2\nDIMENSION-SIZES %s %s\nOUTPUT-CLASS FP\nOUTPUT-SIZE 32\n' \
        "$2" "$3" "$4" >"$TMP/traces.cfg"
    if [ $# -ge 8 ]; then
        printf '%s\n' "$7" >"$TMP/time.txt"
        printf 'PATH %s\nINPUT-CLASS TEXTFP\nRANK 1\nDIMENSION-SIZES %s\nOUTPUT-CLASS FP\nOUTPUT-SIZE 64\n' \
            "$6" "$8" >"$TMP/time.cfg"
        h5import "$TMP/traces.txt" -c "$TMP/traces.cfg" "$TMP/labels.txt" -c "$TMP/labels.cfg" \
            "$TMP/time.txt" -c "$TMP/time.cfg" -o "$_o" >/dev/null 2>&1
    else
        h5import "$TMP/traces.txt" -c "$TMP/traces.cfg" "$TMP/labels.txt" -c "$TMP/labels.cfg" \
            -o "$_o" >/dev/null 2>&1
    fi
}

want() { printf 'time\tAVAL\tAVAR\tfoo\n0\t1.5\t-2\t3\n0.5\t0.25\tNaN\t4\n1\t7\t8\t9\n1.5\t10\t11\t12\n'; }

make_h5 "$TMP/tn.h5" traces 4 3 '1.5 -2 3 0.25 nan 4 7 8 9 10 11 12' time '0 0.5 1 1.5' 4
ok "h5import made tn.h5" test -s "$TMP/tn.h5"
rc=0
worm-import "$TMP/tn.h5" | worm-export >"$out" 2>"$err" || rc=$?
is "$rc" 0 "time x neurons matrix"
want >"$TMP/want"
ok "every value round-trips (NaN kept)" cmp -s "$out" "$TMP/want"

make_h5 "$TMP/nt.h5" traces 3 4 '1.5 0.25 7 10 -2 nan 8 11 3 4 9 12' time '0 0.5 1 1.5' 4
run_tool worm-import -v -o "$TMP/nt.out.h5" "$TMP/nt.h5"
is "$rc" 0 "neurons x time matrix, decided by the labels"
ok "-v says how the shape was read" grep -q "traces is 3 x 4: read as neurons x time to match 3 labels" "$err"
run_tool worm-export "$TMP/nt.out.h5"
ok "transposed values" cmp -s "$out" "$TMP/want"
expect_fail 1 "--time-by-neurons contradicts the labels" worm-import --time-by-neurons "$TMP/nt.h5"
is "$(cat "$err")" "worm-import: '$TMP/nt.h5': traces is 3 x 4 (time x neurons: 4 neurons) but labels has 3 entries" "shape message"

# a square matrix is ambiguous: time x neurons unless --neurons-by-time
make_h5 "$TMP/sq.h5" traces 3 3 '1 2 3 4 5 6 7 8 9' time '0 1 2' 3
rc=0
worm-import "$TMP/sq.h5" | worm-export | sed -n 2p >"$out" || rc=$?
is "$(cat "$out")" "$(printf '0\t1\t2\t3')" "square: time x neurons by default"
rc=0
worm-import --neurons-by-time "$TMP/sq.h5" | worm-export | sed -n 2p >"$out" || rc=$?
is "$(cat "$out")" "$(printf '0\t1\t4\t7')" "square: --neurons-by-time transposes"

# other dataset paths, no time dataset
make_h5 "$TMP/paths.h5" data/F 4 3 '1.5 -2 3 0.25 nan 4 7 8 9 10 11 12'
rc=0
worm-import --traces data/F --no-time --dt 0.5 "$TMP/paths.h5" | worm-export >"$out" 2>"$err" || rc=$?
is "$rc" 0 "--traces data/F --no-time --dt 0.5"
ok "values with time = k*dt" cmp -s "$out" "$TMP/want"
expect_fail 1 "default traces path missing" worm-import "$TMP/paths.h5"
is "$(cat "$err")" "worm-import: '$TMP/paths.h5': no dataset 'traces' (see --traces)" "missing dataset message"
expect_fail 1 "time missing" worm-import --traces data/F "$TMP/paths.h5"
is "$(cat "$err")" "worm-import: '$TMP/paths.h5': no dataset 'time' (see --time, or --no-time with --dt)" "missing time message"

make_h5 "$TMP/badtime.h5" traces 4 3 '1 2 3 4 5 6 7 8 9 10 11 12' time '0 1 1 2' 4
expect_fail 1 "repeated time" worm-import "$TMP/badtime.h5"
is "$(cat "$err")" "worm-import: '$TMP/badtime.h5': time[2]: time not strictly increasing (1 after 1)" "time message"

expect_fail 1 "not an HDF5 file" worm-import --format h5 "$WK_TOP/tests/data/import/worm1.csv"
worm-import -o "$TMP/wk.h5" "$TMP/tn.h5" 2>/dev/null
expect_fail 1 "a wormkit file as input" worm-import "$TMP/wk.h5"
is "$(cat "$err")" "worm-import: '$TMP/wk.h5': already a wormkit file (see worm-cat or worm-select)" "wormkit input message"
done_testing
