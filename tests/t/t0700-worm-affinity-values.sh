#!/bin/sh
# worm-affinity: the derivative and correlation formulas on a hand-computed
# case (3 neurons, 4 samples at non-uniform times), the layout of
# /results/affinity, missing neurons, and bad usage.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5dump >/dev/null 2>&1; then skip "h5dump not installed"; done_testing; fi

# values FILE DATASET: the data of a dataset, one line, 7 significant digits
values() {
    h5dump -y -m '%.7g' -d "$2" "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'
}

# u = gradient / (1.4826 MAD): u_AVAL = [1.0117, 1.0117, 2.3607, 3.0352],
# u_AVAR = [-0.4497, -0.2998, 0.8993, 1.3490], u_RIS = [0, 0.6745, -0.6745, -2.0235]
printf 'time,AVAL,AVAR,RIS\n0,0,0,2\n1,1,-1,2\n3,3,-1,4\n4,6,2,3\n' >"$TMP/hand.csv"
worm-import -o "$TMP/hand.h5" "$TMP/hand.csv" 2>"$err"
is "$?" 0 "import the hand-made recording"

run_tool worm-affinity -o "$TMP/a.h5" "$TMP/hand.h5"
is "$rc" 0 "derivative affinities"
is "$(wc -c <"$err" | tr -d ' ')" 0 "nothing on stderr"
is "$(values "$TMP/a.h5" /results/affinity/values)" "0,0,0,0,0.6824067,0,2.123043,0,0,4.09444,0,0" \
    "product: max(0, u_i u_j) at t = 0..3, pairs (AVAL,AVAR) (AVAL,RIS) (AVAR,RIS)"
is "$(values "$TMP/a.h5" /results/affinity/pairs)" "0,1,0,2,1,2" "pairs: row-major upper triangle"
is "$(values "$TMP/a.h5" /results/affinity/time)" "0,1,3,4" "time axis"
is "$(values "$TMP/a.h5" /results/affinity/length)" "4" "length"
ok "neurons: the present atlas neurons, atlas order" sh -c "h5dump -d /results/affinity/neurons '$TMP/a.h5' | grep -q '\"AVAL\", \"AVAR\", \"RIS\"'"
ok "family attribute" sh -c "h5dump -a /results/affinity/family '$TMP/a.h5' | grep -q '\"derivative\"'"

run_tool worm-affinity --variant sign -o "$TMP/s.h5" "$TMP/hand.h5"
is "$(values "$TMP/s.h5" /results/affinity/values)" "0,0,0,0,1,0,1,0,0,1,0,0" "sign variant"
run_tool worm-affinity --variant gauss --sigma 0.5 -o "$TMP/g.h5" "$TMP/hand.h5"
is "$(values "$TMP/g.h5" /results/affinity/values)" "0,0,0,0,0.7965472,0,0.01396277,0,0,0.003390687,0,0" \
    "gauss variant, sigma 0.5"
run_tool worm-affinity -f correlation -w 3 -o "$TMP/c.h5" "$TMP/hand.h5"
is "$(values "$TMP/c.h5" /results/affinity/values)" "0,0,0,0,0.9449112,0,0.9176629,0.3973597,0,1,0,0" \
    "windowed correlation, window 3, clipped at 0"

# a second worm without RIS and with 3 samples: its RIS pairs and its 4th time are NaN
printf 'time,AVAL,AVAR\n0,0,1\n1,1,2\n2,0,4\n' >"$TMP/w2.csv"
worm-import -o "$TMP/w2.h5" "$TMP/w2.csv" 2>"$err"
rc=0
cat "$TMP/w2.h5" | worm-affinity "$TMP/hand.h5" - >"$TMP/two.h5" 2>"$err" || rc=$?
is "$rc" 0 "two worms, one through stdin"
ok "values shape [2][4][3]" sh -c "h5dump -H -d /results/affinity/values '$TMP/two.h5' | grep -q '( 2, 4, 3 )'"
v=$(values "$TMP/two.h5" /results/affinity/values | cut -d, -f13-)
case $v in
    [0-9]*,nan,nan,[0-9]*,nan,nan,[0-9]*,nan,nan,nan,nan,nan) ok "missing neuron and padding are NaN" true ;;
    *) ok "missing neuron and padding are NaN (got $v)" false ;;
esac
is "$(values "$TMP/two.h5" /results/affinity/length)" "4,3" "lengths of both worms"

run_tool worm-affinity -a -o "$TMP/all.h5" "$TMP/hand.h5"
ok "--all-neurons: 44850 pairs" sh -c "h5dump -H -d /results/affinity/values '$TMP/all.h5' | grep -q '( 1, 4, 44850 )'"

expect_fail 2 "unknown family" worm-affinity -f pearson "$TMP/hand.h5"
expect_fail 2 "window 1" worm-affinity -w 1 "$TMP/hand.h5"
expect_fail 1 "not a wormkit file" worm-affinity "$TMP/hand.csv"
ok "no output file after a failure" test ! -e "$TMP/none.h5"
printf 'time,AVAL,foo\n0,1,2\n1,2,3\n' >"$TMP/one.csv"
worm-import -o "$TMP/one.h5" "$TMP/one.csv" 2>/dev/null
expect_fail 1 "fewer than 2 atlas neurons" worm-affinity -o "$TMP/none.h5" "$TMP/one.h5"
ok "no output file after a data error" test ! -e "$TMP/none.h5"
done_testing
