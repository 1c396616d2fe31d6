#!/bin/sh
# worm-import --format flavell2023, JSON: the direct reader of the usual
# shape (timestamp_confocal before trace_array, number lists, other members
# of any kind) and the json-c reader it leaves unusual files to (here:
# trace_array first, a repeated member) give the same table bytes, values
# and messages: null -> NaN, -0.0 but integer -0 -> 0, subnormal,
# 20-digit mantissa, 3.4e38.
. "$(dirname "$0")/../lib.sh"

T=600
# list HEAD: a JSON list of $T numbers starting with HEAD
list() {
    awk -v head="$1" -v T=$T 'BEGIN { printf "[%s", head; n = split(head, h, ",")
        for (k = n; k < T; k++) printf ", %.17g", sin(k * 0.37) * 3 + k * 0.001; printf "]" }'
}
TIME="\"timestamp_confocal\": $(awk -v T=$T 'BEGIN { printf "[0"; for (k = 1; k < T; k++) printf ", %.17g", k * 0.333; printf "]" }')"
ROW1=$(list '1.5, -0.0, 12345678901234567890e-19, 0.1, null, 3')
ROW2=$(list '2.5e3, 1E-2, 0.30000000000000004, NaN, -0, -8.25')
ROW3=$(list '0.1234567890123456789, 1e-40, 123456789012345, 3.4e38, -1.17549435e-38, 5')
TRACES="\"trace_array\": [$ROW1, $ROW2, $ROW3]"
LABELED='"labeled": {"1": {"label": "AVAL"}, "3": {"label": "RIML"}}'
OTHER='"uid": "w1", "num_neurons": 3, "ranges": [[1, 2], [3.5, 4]], "meta": {"a": [1, "x"], "b": null}, "flag": true, "v": [1.5, null, NaN]'

# worm FOLDER MEMBERS...: $TMP/FOLDER/w.json, the object of the members
worm() {
    _dir=$TMP/$1; shift
    mkdir -p "$_dir"
    (IFS=,; printf '{%s}\n' "$*") >"$_dir/w.json"
}
# table FOLDER: import, then the float32 matrix of every column
table() {
    worm-import -q --format flavell2023 -o "$TMP/$1.h5" "$TMP/$1/w.json" &&
        worm-export -q -f npy --columns all -o "$TMP/$1.npy" "$TMP/$1.h5"
}

worm direct "$OTHER" "$TIME" "$TRACES" "$LABELED"
worm jsonc "$TRACES" "$OTHER" "$TIME" "$LABELED"
worm repeated "\"trace_array\": [[1, 2]]" "$TIME" "$TRACES" "$OTHER" "$LABELED"
ok "usual shape imports" table direct
ok "trace_array first imports" table jsonc
ok "repeated member imports" table repeated
ok "same bytes: direct and json-c readers" cmp "$TMP/direct.npy" "$TMP/jsonc.npy"
ok "same bytes: the last of a repeated member" cmp "$TMP/direct.npy" "$TMP/repeated.npy"

worm-export -q "$TMP/direct.h5" | head -7 >"$out"
is "$(cat "$out")" "$(printf '%s\n' \
    'time	AVAL	RIML	' \
    '0	1.5	0.12345679	2500' \
    '0.333	-0	9.99995e-41	0.01' \
    '0.666	1.2345679	1.2345679e+14	0.3' \
    '0.9990000000000001	0.1	3.4e+38	NaN' \
    '1.332	NaN	-1.1754944e-38	0' \
    '1.665	3	5	-8.25')" "values: null and NaN, -0.0 and -0 (json-c: the integer 0), 20 digits, subnormal, 3.4e38"

# the same messages as the json-c reader (which checks them)
bad() {
    worm "$1" "$TIME" "\"trace_array\": [$ROW1, $2, $ROW3]" "$LABELED"
    expect_fail 1 "$1" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/$1/w.json"
    ok "$1: message" grep -qF "'$TMP/$1/w.json': $3" "$err"
    ok "$1: no output" test ! -e "$TMP/never.h5"
}
bad beyond-float "$(list '1.5, 3.5e38')" "trace_array[1][1]: not a finite number"
bad text-value "$(list '1.5, 2, "x"')" "trace_array[1][2]: not a finite number"
bad short-row "[1, 2, 3]" "trace_array[1]: expected a list of $T numbers (one per timestamp_confocal)"
bad infinity "$(list 'Infinity')" "trace_array[1][0]: not a finite number"
worm badlabel "$TIME" "$TRACES" '"labeled": {"4": {"label": "AVAL"}}'
expect_fail 1 "label beyond the traces" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/badlabel/w.json"
ok "label beyond the traces: message" grep -qF "labeled: key '4' is not a column from 1 to 3" "$err"
worm badtime "\"timestamp_confocal\": [0, 2, 1$(awk -v T=$T 'BEGIN { for (k = 3; k < T; k++) printf ", %d", k }')]" "$TRACES" "$LABELED"
expect_fail 1 "time going back" worm-import --format flavell2023 -o "$TMP/never.h5" "$TMP/badtime/w.json"
ok "time going back: message" grep -qF "timestamp_confocal[2]: time not strictly increasing" "$err"

done_testing
