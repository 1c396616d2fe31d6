#!/bin/sh
# The reference recipe as a pipe (derivative, moving 15, resample to
# 0.333 s, z-score) on an irregular 40-sample recording, compared with the
# spec's formulas evaluated by numpy (numpy.gradient, the reference's
# moving average, numpy.interp onto a dt/6 grid, blocks of 6, z-score with
# ddof 0), values pasted below.
. "$(dirname "$0")/../lib.sh"

approx() {
    awk -v g="$1" -v w="$2" -v tol="$3" 'BEGIN {
        n = split(g, a, " "); m = split(w, b, " "); if (n != m || n == 0) exit 1
        for (i = 1; i <= n; i++) {
            if (a[i] == "NaN" || b[i] == "NaN") { if (a[i] != b[i]) exit 1; continue }
            d = a[i] - b[i]; if (d < 0) d = -d; if (d > tol) exit 1
        } }'
}

# t = 0.3 i + 0.05 sin(i) - t0, x = sin(0.4 t) + 0.1 i (median interval 0.303 s).
cat >"$TMP/in.csv" <<'CSV'
time,AVAL
0,0
0.34207354924039479,0.236402854
0.64546487134128405,0.455327034
0.90705600040299328,0.65491432
1.1621598752346036,0.848301172
1.452053786266843,1.04871094
1.7860292250900536,1.25517309
2.1328493299359397,1.45334888
2.4494679123311691,1.63037884
2.7206059242620877,1.78581262
2.9727989444555316,1.92804134
3.2500004896724648,2.06355834
3.5731713540999781,2.19000173
3.9210083518413321,2.29999709
4.249530367784744,2.39168906
4.5325143920078554,2.47081041
4.7856048341667465,2.54159999
5.051930125406022,2.60045767
5.3624506376614161,2.6396358
5.7074938604831482,2.6569252
6.0456472625363817,2.66188741
6.3418327819268026,2.66864657
6.5995574345354795,2.68097782
6.8576889797912406,2.68805194
7.1547210818996678,2.67607141
7.4933824124951114,2.64373994
7.8381279225239799,2.60634136
8.1478187964202249,2.58273554
8.4135452894153939,2.57803869
8.6668183057893504,2.58056355
8.9505984187953569,2.5752852
9.2797981177338453,2.56009293
9.6275713340620843,2.54859424
9.9499955930053634,2.556422
10.226454134306001,2.58717299
10.478590866525192,2.63265467
10.750411057327844,2.68376827
11.06782309333215,2.74041152
11.414818428935469,2.81070638
11.748189769314203,2.90008593
CSV
want_z="-2.143391 -2.00908 -1.862796 -1.712323 -1.57933 -1.462926 -1.334601 -1.102983 -0.83388 -0.5762028 -0.3648797 -0.1863129 -0.02038569 0.1472125 0.3134875 0.4506626 0.5510663 0.6281839 0.6924259 0.7491938 0.7934083 0.8176184 0.8252312 0.8219762 0.8115974 0.796907 0.7801079 0.7621026 0.7443122 0.7292778 0.7218518 0.7281407 0.7462451 0.7715869 0.8064959"
want_d="0.6943662 0.7055693 0.7208568 0.7246857 0.7131416 0.6966977 0.6806354 0.6635705 0.6387955 0.5977603 0.5500805 0.5054273 0.4642473 0.4225111 0.3716276 0.3120918 0.2562966 0.2089738 0.1687598 0.1310507 0.08809518 0.04426384 0.009358396 -0.01383737 -0.02572502 -0.03091505 -0.03867648 -0.0457639 -0.04366879 -0.02866883 0.001021706 0.03731711 0.06668765 0.09382795 0.126851"

worm-import --id p "$TMP/in.csv" 2>"$err" | worm-derivative | worm-smooth --method moving --window 15 \
    | worm-resample --dt 0.333 | worm-normalize >"$TMP/out.h5"
is "$?" 0 "the pipe exits 0"
worm-export "$TMP/out.h5" >"$TMP/out.tsv"
is "$(awk 'NR > 1' "$TMP/out.tsv" | wc -l | tr -d ' ')" 35 "35 samples of 0.333 s (blocks of 6 on the dt/6 grid)"
ok "times are 0.333 k" approx "$(awk -F'\t' 'NR > 1 { printf "%s ", $1 }' "$TMP/out.tsv")" \
   "$(awk 'BEGIN { for (k = 0; k < 35; k++) printf "%.9g ", 0.333 * k }')" 1e-9
ok "traces equal the reference formulas to float32 precision" \
   approx "$(awk -F'\t' 'NR > 1 { printf "%s ", $2 }' "$TMP/out.tsv")" "$want_z" 2e-6

if command -v h5dump >/dev/null 2>&1; then
    got_d=$(h5dump -y -w 0 -d /recordings/p/derivative -s "0,53" -c "35,1" "$TMP/out.h5" |
        sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' ' | tr ',\n' '  ')
    is "$(h5dump -y -w 0 -d /recordings/p/label -s 53 -c 1 "$TMP/out.h5" | grep -o '"AVAL"')" '"AVAL"' "column 53 is AVAL"
    ok "derivative array: smoothed and resampled gradient, not normalized" approx "$got_d" "$want_d" 2e-6
else
    skip "h5dump not installed"; skip "h5dump not installed"
fi
done_testing
