#!/bin/sh
# worm-resample: a ramp stays a ramp (linear up and down, sinc), block means
# by hand, NaN gaps that do not spread, arrays and attributes, usage.
. "$(dirname "$0")/../lib.sh"

col() {
    worm-export "$1" | awk -F'\t' -v name="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { printf "%s%s", sep, $c; sep = " " } END { print "" }'
}
approx() {
    awk -v g="$1" -v w="$2" -v tol="$3" 'BEGIN {
        n = split(g, a, " "); m = split(w, b, " "); if (n != m || n == 0) exit 1
        for (i = 1; i <= n; i++) {
            if (a[i] == "NaN" || b[i] == "NaN") { if (a[i] != b[i]) exit 1; continue }
            d = a[i] - b[i]; if (d < 0) d = -d; if (d > tol) exit 1
        } }'
}

# 20 samples 1 s apart: AVAL = 2t + 1; AVAR the same with NaN at t = 5;
# RIML the same with NaN at t = 4..8.
awk 'BEGIN {
    print "time,AVAL,AVAR,RIML"
    for (i = 0; i < 20; i++)
        printf "%d,%d,%s,%s\n", i, 2 * i + 1, (i == 5 ? "NaN" : 2 * i + 1), ((i >= 4 && i <= 8) ? "NaN" : 2 * i + 1)
}' >"$TMP/ramp.csv"
worm-import --id r "$TMP/ramp.csv" >"$TMP/ramp.h5" 2>"$err"
is "$?" 0 "import the ramp"

# Upsampling: grid 0, .25, ..., 18.75 (endpoint 19 excluded), exact ramp.
run_tool worm-resample --dt 0.25 "$TMP/ramp.h5"
is "$rc" 0 "--dt 0.25 exits 0"
cp "$out" "$TMP/up.h5"
is "$(col "$TMP/up.h5" time | wc -w | tr -d ' ')" 76 "up: 76 samples (numpy.arange(0, 19, .25))"
is "$(worm-export "$TMP/up.h5" | awk -F'\t' 'NR > 1 && $2 != 2 * $1 + 1' | wc -l | tr -d ' ')" 0 \
   "up: every sample lies on the ramp 2t + 1"
is "$(col "$TMP/up.h5" time | cut -d' ' -f1-4,76)" "0 0.25 0.5 0.75 18.75" "up: times k dt"
is "$(col "$TMP/up.h5" AVAR | cut -d' ' -f15-27)" "8 8.5 9 NaN NaN NaN NaN NaN NaN NaN 13 13.5 14" \
   "up: a one-sample gap makes only the outputs strictly between t = 4 and 6 NaN"

# Downsampling: fine grid step .5, blocks of 6: block k = ramp at 3k + 1.25.
run_tool worm-resample --dt 3 "$TMP/ramp.h5"
cp "$out" "$TMP/down.h5"
is "$(col "$TMP/down.h5" time)" "0 3 6 9 12 15" "down: 6 blocks at times 3k"
is "$(col "$TMP/down.h5" AVAL)" "3.5 9.5 15.5 21.5 27.5 33.5" "down: block means of the ramp, 6k + 3.5"
is "$(col "$TMP/down.h5" AVAR)" "3.5 8 15.5 21.5 27.5 33.5" \
   "down: the block holding the gap averages its finite points (7, 8, 9 at t = 3, 3.5, 4)"
is "$(col "$TMP/down.h5" RIML)" "3.5 7 NaN 21.5 27.5 33.5" \
   "down: only the all-NaN block is NaN; block 1 keeps its one finite point"

# Block means by hand: x = 0 6 12 0 0 6 6 at t = 0..6, dt 1.5 (fine step .25).
printf 'time,AVAL\n0,0\n1,6\n2,12\n3,0\n4,0\n5,6\n6,6\n' >"$TMP/hand.csv"
worm-import --id h "$TMP/hand.csv" 2>/dev/null | worm-resample --dt 1.5 >"$TMP/hand.h5"
is "$(col "$TMP/hand.h5" AVAL)" "3.75 8.25 0.25 5.25" "block means by hand: 22.5/6, 49.5/6, 1.5/6, 31.5/6"
is "$(col "$TMP/hand.h5" time)" "0 1.5 3 4.5" "block times"

# dt equal to the original interval downsamples (reference rule).
run_tool worm-resample --dt 1 "$TMP/ramp.h5"
is "$(col "$out" AVAL | cut -d' ' -f1,19)" "1.8333334 37.833332" "equal dt: block means of the dt/6 grid, 19 blocks"

# Sinc: a ramp stays a ramp 8 intervals from the edges, up and down.
awk 'BEGIN { print "time,AVAL"; for (i = 0; i < 100; i++) printf "%d,%d\n", i, 2 * i + 1 }' >"$TMP/long.csv"
worm-import --id s "$TMP/long.csv" >"$TMP/long.h5" 2>/dev/null
run_tool worm-resample --method sinc --dt 0.5 "$TMP/long.h5"
is "$rc" 0 "sinc up exits 0"
is "$(worm-export "$out" | awk -F'\t' 'NR > 1 && $1 >= 8 && $1 <= 91 { d = $2 - (2 * $1 + 1); if (d < 0) d = -d; if (d > 1e-4) print }' | wc -l | tr -d ' ')" 0 \
   "sinc up: ramp within 1e-4 away from the edges"
run_tool worm-resample --method sinc --dt 3 "$TMP/long.h5"
is "$(col "$out" time | wc -w | tr -d ' ')" 33 "sinc down: grid 0, 3, ... < 99"
is "$(worm-export "$out" | awk -F'\t' 'NR > 1 && $1 >= 24 && $1 <= 75 { d = $2 - (2 * $1 + 1); if (d < 0) d = -d; if (d > 1e-4) print }' | wc -l | tr -d ' ')" 0 \
   "sinc down: ramp within 1e-4 away from the edges"
run_tool worm-resample --method sinc --dt 0.5 "$TMP/ramp.h5"
is "$(col "$out" AVAR | cut -d' ' -f9-13)" "9 NaN NaN NaN 13" "sinc: a one-sample gap stays within one interval"

# Arrays indexed by time follow; attributes record the step.
worm-derivative "$TMP/ramp.h5" | worm-resample --dt 0.5 >"$TMP/withd.h5"
if command -v h5dump >/dev/null 2>&1; then
    ok "derivative array resampled to [38][300]" \
       sh -c "h5dump -H -d /recordings/r/derivative '$TMP/withd.h5' | grep -q 'SIMPLE { ( 38, 300 )'"
    ok "dt attribute is the new interval" sh -c "h5dump -a /recordings/r/dt '$TMP/withd.h5' | grep -q '(0): 0.5$'"
    ok "interpolate_method attribute" sh -c "h5dump -a /recordings/r/interpolate_method '$TMP/withd.h5' | grep -q '\"linear\"'"
    ok "original_dt attribute" sh -c "h5dump -a /recordings/r/original_dt '$TMP/withd.h5' | grep -q '(0): 1$'"
    worm-resample --dt 2 "$TMP/withd.h5" >"$TMP/twice.h5"
    ok "original_max_timesteps survives a second resampling" \
       sh -c "h5dump -a /recordings/r/original_max_timesteps '$TMP/twice.h5' | grep -q '(0): 20$'"
else
    skip "h5dump not installed"; skip "h5dump not installed"; skip "h5dump not installed"
    skip "h5dump not installed"; skip "h5dump not installed"
fi

expect_fail 2 "--dt -1" worm-resample --dt -1 "$TMP/ramp.h5"
ok "--dt -1: the message names the option" grep -q "invalid --dt '-1'" "$err"
expect_fail 2 "--dt 0" worm-resample --dt 0 "$TMP/ramp.h5"
expect_fail 2 "--dt abc" worm-resample --dt abc "$TMP/ramp.h5"
expect_fail 2 "unknown method" worm-resample --method cubic "$TMP/ramp.h5"

printf 'time,AVAL\n0,1\n0.1,2\n' >"$TMP/short.csv"
worm-import --id short "$TMP/short.csv" >"$TMP/short.h5" 2>/dev/null
expect_fail 1 "recording shorter than dt" worm-resample -o "$TMP/out.h5" --dt 1 "$TMP/short.h5"
ok "the message names the file and the field" grep -q "short.h5': /recordings/short/time: " "$err"
ok "no output file after a failure" test ! -e "$TMP/out.h5"
done_testing
