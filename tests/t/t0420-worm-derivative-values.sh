#!/bin/sh
# worm-derivative: numpy.gradient on an irregular time vector, the
# "derivative" array, --replace, NaN, usage.
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
# Column of a 2-D array by label, via h5dump: "v1 v2 ...".
array_col() { # file recording array label
    _k=$(h5dump -y -w 0 -d "/recordings/$2/label" "$1" | grep '"ADAL"' | tr -d ' "' | tr ',' '\n' | grep -nx "$4" | cut -d: -f1)
    _T=$(h5dump -H -d "/recordings/$2/$3" "$1" | sed -n 's/.*SIMPLE { ( \([0-9]*\),.*/\1/p')
    h5dump -y -w 0 -d "/recordings/$2/$3" -s "0,$((_k - 1))" -c "$_T,1" "$1" |
        sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' ,' | tr '\n' ' ' | sed 's/ $//'
}

# f = t^2 + 2t + 1 on an irregular grid (AVAL); AVAR has a NaN at t = 2 on a
# uniform stretch; RIML a NaN at t = 1.5 between unequal intervals.
cat >"$TMP/in.csv" <<'CSV'
time,AVAL,AVAR,RIML
0,1,0,0
0.5,2.25,1,1
1.5,6.25,2,NaN
1.75,7.5625,3,3
3,16,4,4
4.2,27.04,5,5
CSV
worm-import --id q "$TMP/in.csv" >"$TMP/in.h5" 2>"$err"
is "$?" 0 "import"

# numpy.gradient(f, t) = [2.5, 3, 5, 5.5, 8, 9.2]: central differences are
# exact inside for a quadratic, one-sided at the ends.
run_tool worm-derivative "$TMP/in.h5"
is "$rc" 0 "worm-derivative exits 0"
cp "$out" "$TMP/d.h5"
is "$(col "$TMP/d.h5" AVAL)" "1 2.25 6.25 7.5625 16 27.04" "traces are left as they are"
if command -v h5dump >/dev/null 2>&1; then
    ok "derivative array: numpy.gradient values (exact inside, one-sided ends)" \
       approx "$(array_col "$TMP/d.h5" q derivative AVAL)" "2.5 3 5 5.5 8 9.2" 1e-5
    ok "derivative array is float32 [T][C]" \
       sh -c "h5dump -H -d /recordings/q/derivative '$TMP/d.h5' | grep -q 'H5T_IEEE_F32LE' &&
              h5dump -H -d /recordings/q/derivative '$TMP/d.h5' | grep -q 'SIMPLE { ( 6, 300 )'"
else
    skip "h5dump not installed"; skip "h5dump not installed"
fi

run_tool worm-derivative --replace "$TMP/in.h5"
is "$rc" 0 "--replace exits 0"
cp "$out" "$TMP/r.h5"
ok "--replace: traces hold the derivative" approx "$(col "$TMP/r.h5" AVAL)" "2.5 3 5 5.5 8 9.2" 1e-5
# AVAR = 0..5 on the irregular grid: ends (1 - 0) / 0.5 and (5 - 4) / 1.2.
ok "--replace: ends of a second column" \
   approx "$(col "$TMP/r.h5" AVAR | cut -d' ' -f1,6)" "2 0.8333333" 1e-6
is "$(col "$TMP/r.h5" RIML | cut -d' ' -f2-4)" "NaN NaN NaN" \
   "NaN between unequal intervals: the sample and its two neighbours are NaN"
is "$(col "$TMP/r.h5" RIML | cut -d' ' -f1)" "2" "NaN: the first end is untouched"

# A NaN on a uniform stretch: the centre coefficient is 0.
printf 'time,AVAL\n0,0\n1,1\n2,NaN\n3,9\n4,16\n' >"$TMP/u.csv"
worm-import --id u "$TMP/u.csv" 2>/dev/null | worm-derivative --replace >"$TMP/u.h5"
is "$(col "$TMP/u.h5" AVAL)" "1 NaN 4 NaN 7" "uniform spacing: d[i] = (x[i+1] - x[i-1]) / 2h does not use x[i]"

if command -v h5dump >/dev/null 2>&1; then
    worm-derivative "$TMP/in.h5" | worm-derivative --replace >"$TMP/rr.h5"
    ok "--replace removes a stale derivative array" \
       sh -c "! h5dump -H '$TMP/rr.h5' | grep -q 'DATASET \"derivative\"'"
    ok "--replace sets traces_derivative" sh -c "h5dump -a /recordings/q/traces_derivative '$TMP/rr.h5' | grep -q '(0): 1$'"
else
    skip "h5dump not installed"; skip "h5dump not installed"
fi

expect_fail 2 "unknown option" worm-derivative --bogus "$TMP/in.h5"
expect_fail 2 "an argument to --replace" worm-derivative --replace=yes "$TMP/in.h5"
echo junk >"$TMP/bad.h5"
expect_fail 1 "input that is not HDF5" worm-derivative -o "$TMP/out.h5" "$TMP/bad.h5"
ok "no output file after a failure" test ! -e "$TMP/out.h5"
done_testing
