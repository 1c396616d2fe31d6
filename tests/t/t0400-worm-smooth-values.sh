#!/bin/sh
# worm-smooth: exact values of each method on hand-made traces, NaN rules,
# attributes, several inputs.
. "$(dirname "$0")/../lib.sh"

# Values of one column of the wide export, space-separated.
col() {
    worm-export "$1" | awk -F'\t' -v name="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        { printf "%s%s", sep, $c; sep = " " } END { print "" }'
}

# approx GOT WANT TOL: every number within TOL (NaN only equals NaN).
approx() {
    awk -v g="$1" -v w="$2" -v tol="$3" 'BEGIN {
        n = split(g, a, " "); m = split(w, b, " "); if (n != m || n == 0) exit 1
        for (i = 1; i <= n; i++) {
            if (a[i] == "NaN" || b[i] == "NaN") { if (a[i] != b[i]) exit 1; continue }
            d = a[i] - b[i]; if (d < 0) d = -d; if (d > tol) exit 1
        } }'
}

# 30 samples, 1 s apart: AVAL a step at 10, AVAR a delta at 0, RIML constant
# 2.5, RIMR 1 with NaN at samples 5..14.
awk 'BEGIN {
    print "time,AVAL,AVAR,RIML,RIMR"
    for (i = 0; i < 30; i++)
        printf "%d,%d,%d,2.5,%s\n", i, (i >= 10), (i == 0), ((i >= 5 && i < 15) ? "NaN" : "1")
}' >"$TMP/in.csv"
worm-import --id w "$TMP/in.csv" >"$TMP/in.h5" 2>"$err"
is "$?" 0 "import the hand-made recording"

run_tool worm-smooth --method moving --window 15 "$TMP/in.h5"
is "$rc" 0 "moving 15 exits 0"
cp "$out" "$TMP/m15.h5"
is "$(col "$TMP/m15.h5" AVAL)" \
   "0 0 0 0 0 0 0 0 0 0 0.125 0.25 0.375 0.5 0.625 0.75 0.875 1 1 1 1 1 1 1 1 1 1 1 1 1" \
   "moving 15: step averaged over the 8 trailing samples, exactly"
is "$(col "$TMP/m15.h5" AVAR | cut -d' ' -f1-9)" "1 0.5 0.33333334 0.25 0.2 0.16666667 0.14285715 0.125 0" \
   "moving 15: delta at 0 -> 1/(j+1) while in the window, then 0"

run_tool worm-smooth -w 4 "$TMP/in.h5"
cp "$out" "$TMP/m4.h5"
is "$(col "$TMP/m4.h5" AVAL | cut -d' ' -f9-14)" "0 0 0.33333334 0.6666667 1 1" \
   "moving 4 is made 5: 3 trailing samples"
is "$(col "$TMP/m4.h5" RIMR | cut -d' ' -f4-18)" "1 1 1 1 NaN NaN NaN NaN NaN NaN NaN NaN 1 1 1" \
   "moving NaN: mean of the finite samples, NaN only for all-NaN windows"

run_tool worm-smooth --method exponential "$TMP/in.h5"
cp "$out" "$TMP/e.h5"
is "$(col "$TMP/e.h5" AVAL | cut -d' ' -f10-14)" "0 0.5 0.75 0.875 0.9375" \
   "exponential alpha .5: y = .5 x + .5 y[i-1]"
is "$(col "$TMP/e.h5" RIMR | cut -d' ' -f5-7)" "1 NaN NaN" "exponential NaN: NaN out"
is "$(col "$TMP/e.h5" RIMR | cut -d' ' -f15-16)" "NaN 1" "exponential NaN: state kept across the gap"

# gaussian sigma 1 on the delta: y[i] = g_i / sum_{k<=i} g_k, g_k = exp(-k^2/2).
want=$(awk 'BEGIN { s = 0; for (i = 0; i < 6; i++) { g = exp(-i * i / 2); s += g; printf "%s%.9g", (i ? " " : ""), g / s } }')
run_tool worm-smooth --method gaussian --sigma 1 "$TMP/in.h5"
cp "$out" "$TMP/g.h5"
ok "gaussian causal weights on a delta, normalized over the past" \
   approx "$(col "$TMP/g.h5" AVAR | cut -d' ' -f1-6)" "$want" 1e-7
is "$(col "$TMP/g.h5" AVAL | cut -d' ' -f1-10)" "0 0 0 0 0 0 0 0 0 0" "gaussian is causal: nothing before the step"

run_tool worm-smooth --method zero-phase --sigma 3 "$TMP/in.h5"
cp "$out" "$TMP/z.h5"
is "$(col "$TMP/z.h5" RIML | tr ' ' '\n' | sort -u)" "2.5" "zero-phase: a constant stays constant, ends included"
z=$(col "$TMP/z.h5" AVAL)
ok "zero-phase: step is symmetric about 9.5 (y[9-k] = 1 - y[10+k])" \
   approx "$(echo "$z" | cut -d' ' -f6-10)" \
   "$(echo "$z" | cut -d' ' -f11-15 | awk '{ for (i = NF; i >= 1; i--) printf "%s%.9g", (i < NF ? " " : ""), 1 - $i }')" 1e-6
ok "zero-phase: non-causal (the step is felt before sample 10)" \
   awk -v v="$(echo "$z" | cut -d' ' -f10)" 'BEGIN { exit !(v > 0.3 && v < 0.5) }'

run_tool worm-smooth --method none "$TMP/in.h5"
is "$(col "$out" AVAL | cut -d' ' -f9-12)" "0 0 1 1" "none leaves the traces unchanged"

# Attributes and history.
if command -v h5dump >/dev/null 2>&1; then
    ok "smooth_method attribute" sh -c "h5dump -a /recordings/w/smooth_method '$TMP/m4.h5' | grep -q '\"moving\"'"
    ok "smooth_window attribute is the odd window used" \
       sh -c "h5dump -a /recordings/w/smooth_window '$TMP/m4.h5' | grep -q '(0): 5$'"
    is "$(h5dump -a /history "$TMP/m4.h5" | grep -c 'wormkit 0')" 2 "history: import line kept, smooth line added"
else
    skip "h5dump not installed"; skip "h5dump not installed"; skip "h5dump not installed"
fi

# Two inputs, one on stdin: both recordings, in input order.
worm-import --id v "$TMP/in.csv" >"$TMP/in2.h5" 2>/dev/null
run_in "$TMP/in2.h5" worm-smooth -o "$TMP/two.h5" "$TMP/in.h5" -
is "$rc" 0 "two inputs (one on stdin) exit 0"
is "$(worm-export "$TMP/two.h5" --layout long | awk -F'\t' 'NR > 1 { print $1 }' | uniq | tr '\n' ' ')" "w v " \
   "two inputs: both recordings, in input order"
done_testing
