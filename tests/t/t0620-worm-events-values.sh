#!/bin/sh
# worm-events: threshold crossings of the z-scored derivative with a
# refractory gap, binning, the events array, NaN, usage; counts feed worm-glm.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-events" ] || [ ! -x "$WK_BIN/worm-import" ]; then
    skip "worm-events or worm-import not built"
    done_testing
fi
col() {
    worm-export "$1" | awk -F'\t' -v name="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { printf "%s%s", sep, $c; sep = " " } END { print "" }'
}

# AVAL: steps up at t = 2..3 and t = 10..11, down at t = 7..8.
# numpy.gradient: 0 0 2.5 2.5 0 0 0 -2.5 -2.5 0 2.5 5; mean 0.625, sd 2.1651:
# z = -0.289 (zeros), 0.866 (2.5), -1.443 (-2.5), 2.021 (5).
# AVAR: constant (sd 0: no event); RIML: NaN at t = 5.
cat >"$TMP/in.csv" <<'CSV'
time,AVAL,AVAR,RIML
0,0,1,0
1,0,1,0
2,0,1,0
3,5,1,5
4,5,1,5
5,5,1,NaN
6,5,1,5
7,5,1,5
8,0,1,0
9,0,1,0
10,0,1,0
11,5,1,5
CSV
worm-import --id q "$TMP/in.csv" >"$TMP/in.h5" 2>"$err"
is "$?" 0 "import"

run_tool worm-events -z 0.5 -o "$TMP/e.h5" "$TMP/in.h5"
is "$rc" 0 "threshold 0.5 exits 0"
is "$(col "$TMP/e.h5" AVAL)" "0 0 1 0 0 0 0 0 0 0 1 0" "z >= 0.5: upward crossings at t = 2 and 10 (not 3, 11: no crossing)"
is "$(col "$TMP/e.h5" AVAR)" "0 0 0 0 0 0 0 0 0 0 0 0" "constant trace: no event"
is "$(col "$TMP/e.h5" RIML | cut -d' ' -f6)" "NaN" "a missing sample stays missing"

run_tool worm-events -z 1 -o "$TMP/e1.h5" "$TMP/in.h5"
is "$(col "$TMP/e1.h5" AVAL)" "0 0 0 0 0 0 0 0 0 0 0 1" "z >= 1: only the end step (z 2.02)"

run_tool worm-events -z 0.5 -r 9 -o "$TMP/er.h5" "$TMP/in.h5"
is "$(col "$TMP/er.h5" AVAL)" "0 0 1 0 0 0 0 0 0 0 0 0" "refractory 9: the second event (8 samples later) is dropped"

run_tool worm-events -z 0.5 -b 4 -o "$TMP/eb.h5" "$TMP/in.h5"
is "$rc" 0 "--bin 4 exits 0"
is "$(col "$TMP/eb.h5" AVAL)" "1 0 1" "bins of 4 samples sum the events"
is "$(worm-export "$TMP/eb.h5" | awk -F'\t' 'NR > 1 { printf "%s ", $1 }')" "0 4 8 " "three bins, at their first sample's time"
is "$(col "$TMP/eb.h5" RIML)" "1 NaN 1" "a bin with a missing sample is missing"

run_tool worm-events -z 0.5 --array -o "$TMP/ea.h5" "$TMP/in.h5"
is "$rc" 0 "--array exits 0"
is "$(col "$TMP/ea.h5" AVAL)" "0 0 0 5 5 5 5 5 0 0 0 5" "--array keeps the traces"
ok "--array writes /recordings/q/events" h5dump -H -d /recordings/q/events "$TMP/ea.h5"
ok "the method is recorded" sh -c "h5dump -a /recordings/q/events '$TMP/e.h5' | grep -q 'derivative z >= 0.5, refractory 3 samples, bin 1 samples'"

expect_fail 2 "--array with --bin" worm-events --array --bin 2 "$TMP/in.h5"
expect_fail 2 "bad bin" worm-events --bin 0 "$TMP/in.h5"
expect_fail 2 "bad threshold" worm-events -z abc "$TMP/in.h5"

# events of simulated calcium feed worm-glm
if [ -x "$WK_BIN/worm-simulate" ] && [ -x "$WK_BIN/worm-glm" ]; then
    worm-simulate traces -w 1 -T 300 -n 6 -u 0 -s 2 -o "$TMP/tr.h5"
    run_tool sh -c "worm-events -z 1.5 '$TMP/tr.h5' | worm-glm -k 2 -e 3 -o '$TMP/g.h5'"
    is "$rc" 0 "worm-events | worm-glm"
    is "$(h5dump -H -d /results/glm/W "$TMP/g.h5" | grep -c 'SIMPLE { ( 2, 6, 6 )')" 1 "a 2-state fit of the 6 neurons"
fi
done_testing
