#!/bin/sh
# worm-normalize: z-score of known data, constant columns, causal z-score
# by hand, NaN, only traces, usage.
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

# AVAL = 1 2 3 4 (mean 2.5, population std sqrt(1.25)); AVAR constant;
# RIML = 1 3 NaN 2 6 ... for the causal check.
cat >"$TMP/in.csv" <<'CSV'
time,AVAL,AVAR,RIML
0,1,0.3,1
1,2,0.3,3
2,3,0.3,NaN
3,4,0.3,2
4,NaN,0.3,6
CSV
worm-import --id n "$TMP/in.csv" >"$TMP/in.h5" 2>"$err"
is "$?" 0 "import"

run_tool worm-normalize "$TMP/in.h5"
is "$rc" 0 "z-score exits 0"
cp "$out" "$TMP/z.h5"
ok "z-score: (x - 2.5) / sqrt(1.25), population std" \
   approx "$(col "$TMP/z.h5" AVAL)" "-1.3416408 -0.4472136 0.4472136 1.3416408 NaN" 1e-7
is "$(col "$TMP/z.h5" AVAL | awk '{ s = 0; q = 0; for (i = 1; i <= 4; i++) { s += $i; q += $i * $i }
     printf "%.6f %.6f", s / 4, q / 4 - (s / 4) ^ 2 }')" "0.000000 1.000000" "z-score: mean 0, population variance 1"
is "$(col "$TMP/z.h5" AVAR)" "0 0 0 0 0" "z-score: constant column -> 0 (std 0 taken as 1)"
# RIML finite values 1 3 2 6: mean 3, population std sqrt(3.5).
ok "z-score ignores NaN" approx "$(col "$TMP/z.h5" RIML)" "-1.0690450 0 NaN -0.5345225 1.6035675" 1e-7

# Causal, by hand: m = 1, 2, -, 2, 3; v = 0, 1, -, 2/3, 3.5.
run_tool worm-normalize --method causal "$TMP/in.h5"
is "$rc" 0 "causal exits 0"
ok "causal: (x - running mean) / sqrt(max(running var, 1e-8))" \
   approx "$(col "$out" RIML)" "0 1 NaN 0 1.6035675" 1e-7
ok "causal: AVAL 0, 1, (3-2)/sqrt(2/3), (4-2.5)/sqrt(1.25)" \
   approx "$(col "$out" AVAL)" "0 1 1.2247449 1.3416408 NaN" 1e-7
run_tool worm-normalize --causal "$TMP/in.h5"
ok "--causal is --method causal" approx "$(col "$out" AVAL)" "0 1 1.2247449 1.3416408 NaN" 1e-7
run_tool worm-normalize --zscore "$TMP/in.h5"
ok "--zscore is the default" approx "$(col "$out" AVAL)" "-1.3416408 -0.4472136 0.4472136 1.3416408 NaN" 1e-7

# Only traces: the derivative array keeps its units.
if command -v h5dump >/dev/null 2>&1; then
    worm-derivative "$TMP/in.h5" >"$TMP/d.h5"
    worm-normalize "$TMP/d.h5" >"$TMP/dn.h5"
    is "$(h5dump -d /recordings/n/derivative "$TMP/dn.h5" | sed 1d | md5sum)" \
       "$(h5dump -d /recordings/n/derivative "$TMP/d.h5" | sed 1d | md5sum)" "the derivative array is not normalized"
    ok "normalization_method attribute" \
       sh -c "h5dump -a /recordings/n/normalization_method '$TMP/dn.h5' | grep -q '\"zscore\"'"
else
    skip "h5dump not installed"; skip "h5dump not installed"
fi

expect_fail 2 "unknown method" worm-normalize --method minmax "$TMP/in.h5"
ok "the message names the method" grep -q "invalid --method 'minmax'" "$err"
expect_fail 2 "missing method" worm-normalize "$TMP/in.h5" --method
echo junk >"$TMP/bad.h5"
expect_fail 1 "input that is not HDF5" worm-normalize -o "$TMP/out.h5" "$TMP/bad.h5"
ok "no output file after a failure" test ! -e "$TMP/out.h5"
done_testing
