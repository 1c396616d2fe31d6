#!/bin/sh
# Output of worm-homogenize for a worm with 3 of the 300 atlas neurons:
# traces, derivative and original_traces chunked by column with the fill
# value NaN, the chunks of absent neurons not written (the file stores
# about 4 columns of 301), and every value as in the uncompressed output.
. "$(dirname "$0")/../lib.sh"

# 700 samples at 0.25 s: AVAL, AVAR, RIML and one unlabeled column
awk 'BEGIN { print "time,AVAL,AVAR,RIML,foo"
    for (k = 0; k < 700; k++)
        printf "%g,%g,%s,%g,%g\n", k * 0.25, sin(k / 10) + (k % 7) / 20, (k % 50 == 3) ? "NaN" : sprintf("%g", cos(k / 7)),
            (k % 13) / 3, (k * 37 % 101) / 50 }' >"$TMP/w.csv"

run_tool worm-homogenize -o "$TMP/h.h5" "$TMP/w.csv"
is "$rc" 0 "worm-homogenize: exit 0"
worm-homogenize -l 0 -o "$TMP/none.h5" "$TMP/w.csv"

# layout of DATASET: "CHUNKED ( r, c ) fill nan" and its stored bytes
layout() {
    h5dump -p -H -d "/recordings/w/$2" "$1" |
        awk '/CHUNKED/ { sub(/^ */, ""); chunk = $0 } /VALUE/ && !/DEFAULT/ { fill = $2 } END { print chunk, "fill", fill }'
}
stored() { h5dump -p -H -d "/recordings/w/$2" "$1" | awk '$1 == "SIZE" { print $2; exit }'; }

T=$(h5dump -H -d /recordings/w/time "$TMP/h.h5" | sed -n 's/.*SIMPLE { ( \([0-9]*\) ).*/\1/p')
is "$T" 524 "524 samples after resampling 174.75 s to 0.333 s"
is "$(layout "$TMP/h.h5" traces)" "CHUNKED ( 524, 1 ) fill nan" "traces: one column per chunk, fill value NaN"
is "$(layout "$TMP/h.h5" derivative)" "CHUNKED ( 524, 1 ) fill nan" "derivative: the same"
is "$(layout "$TMP/h.h5" original_traces)" "CHUNKED ( 700, 1 ) fill nan" "original_traces: 700 x 1 chunks"
for d in traces derivative; do
    ok "$d: at most 4 of the 301 columns stored ($(stored "$TMP/h.h5" $d) bytes)" \
        test "$(stored "$TMP/h.h5" $d)" -le $((4 * 524 * 4 + 64)) -a "$(stored "$TMP/h.h5" $d)" -gt 0
done
ok "original_traces: at most 4 of the 301 columns stored" test "$(stored "$TMP/h.h5" original_traces)" -le $((4 * 700 * 4 + 64))
ok "the file is less than a tenth of the uncompressed one" \
    test $(($(wc -c <"$TMP/h.h5") * 10)) -lt "$(wc -c <"$TMP/none.h5")"

for d in traces derivative original_traces present; do
    h5dump -m '%.9g' -d "/recordings/w/$d" "$TMP/h.h5" | tail -n +3 >"$TMP/a"
    h5dump -m '%.9g' -d "/recordings/w/$d" "$TMP/none.h5" | tail -n +3 >"$TMP/b"
    ok "$d: every value as in the uncompressed output" cmp -s "$TMP/a" "$TMP/b"
done
h5dump -m '%.9g' -d /recordings/w/traces "$TMP/h.h5" | tail -n +3 >"$TMP/a"
ok "the traces dump holds NaN and numbers" sh -c "grep -q nan '$TMP/a' && grep -q '[0-9]\.[0-9]' '$TMP/a'"

# 1 and 2 threads: t0476 (OMP_NUM_THREADS does not choose them: -@ does,
# all cores by default, so this file's check of it compared 2 with 2).

done_testing
