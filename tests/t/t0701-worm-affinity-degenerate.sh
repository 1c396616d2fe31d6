#!/bin/sh
# worm-affinity: traces whose derivative has a zero or near-zero MAD (flat
# between steps, quantized) get the documented floor s = 0.01 x RMS of the
# derivative: finite affinities, one warning per such neuron naming the
# file, the recording and the neuron; a flat trace gives exactly 0.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5dump >/dev/null 2>&1; then skip "h5dump not installed"; done_testing; fi

values() {
    h5dump -y -m '%.7g' -d "$2" "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'
}

# t = 0..7; AVAL steps 0 -> 1 and AVAR 0 -> 2 at t = 3, RIS is flat.
# d_AVAL = [0,0,.5,.5,0,0,0,0]: MAD 0, RMS 0.25, s = 0.0025, u = 200 at t = 2, 3;
# d_AVAR = 2 d_AVAL: u = 200 too; product 40000 at t = 2, 3.
printf 'time,AVAL,AVAR,RIS\n' >"$TMP/steps.csv"
for t in 0 1 2 3 4 5 6 7; do
    if [ "$t" -ge 3 ]; then printf '%s,1,2,5\n' "$t"; else printf '%s,0,0,5\n' "$t"; fi
done >>"$TMP/steps.csv"
worm-import -o "$TMP/steps.h5" "$TMP/steps.csv" 2>"$err"
is "$?" 0 "import the quantized recording"

run_tool worm-affinity -o "$TMP/a.h5" "$TMP/steps.h5"
is "$rc" 0 "derivative affinities of step traces"
is "$(values "$TMP/a.h5" /results/affinity/values)" \
    "0,0,0,0,0,0,40000,0,0,40000,0,0,0,0,0,0,0,0,0,0,0,0,0,0" \
    "product: 40000 at t = 2, 3 (u = 200 = 0.5 / (0.01 x 0.25)); the flat RIS gives 0"
is "$(wc -l <"$err" | tr -d ' ')" 2 "two warnings: AVAL and AVAR, not the flat RIS"
ok "warning names file, recording and neuron" \
    grep -q "^worm-affinity: '$TMP/steps.h5': recording 'steps': neuron 'AVAL': the derivative's MAD is (near) 0" "$err"
ok "warning for AVAR" grep -q "recording 'steps': neuron 'AVAR': .*scaled by 0.01 x its RMS instead" "$err"
ok "no warning for the flat RIS" sh -c "! grep -q RIS '$err'"

run_tool worm-affinity -q -o "$TMP/q.h5" "$TMP/steps.h5"
is "$(wc -c <"$err" | tr -d ' ')" 0 "-q silences the warnings"
is "$(values "$TMP/q.h5" /results/affinity/values)" "$(values "$TMP/a.h5" /results/affinity/values)" "-q: same values"

# steps with jitter of a few 1e-6: the MAD of the derivative is the jitter
# (dividing by it gives products ~1e11); the floor keeps every affinity
# finite and below 1e4 T = 1e5 (|u| <= 100 sqrt(T) for each neuron)
printf 'time,AVAL,AVAR,RIS\n' >"$TMP/jit.csv"
set -- 3 1 4 1 5 9 2 6 5 3
for t in 0 1 2 3 4 5 6 7 8 9; do
    if [ "$t" -ge 5 ]; then a=1 b=2; else a=0 b=0; fi
    printf '%s,%s.00000%s,%s.00000%s,%s\n' "$t" "$a" "$1" "$b" "$1" "$((t * t))"
    shift
done >>"$TMP/jit.csv"
worm-import -o "$TMP/jit.h5" "$TMP/jit.csv" 2>"$err"
run_tool worm-affinity -o "$TMP/j.h5" "$TMP/jit.h5"
is "$rc" 0 "jittered steps"
is "$(grep -c 'MAD is (near) 0' "$err")" 2 "jittered: AVAL and AVAR floored"
ok "jittered: every affinity finite, >= 0 and below 1e5" awk -v l="$(values "$TMP/j.h5" /results/affinity/values)" \
    'BEGIN { n = split(l, a, ","); if (n != 30) exit 1; for (i = 1; i <= n; i++) if (a[i] !~ /^[0-9.e+-]+$/ || a[i] < 0 || a[i] >= 1e5) exit 1 }'

# worm-ntf reads recordings through the same code: the same floor, finite fit
if [ -x "$WK_BIN/worm-ntf" ]; then
    run_tool worm-ntf -r 1 -q -o "$TMP/n.h5" "$TMP/steps.h5"
    is "$rc" 0 "worm-ntf on the step traces"
    ok "worm-ntf: finite lambda" sh -c "h5dump -d /results/ntf/lambda '$TMP/n.h5' | grep -q '(0): [0-9]'"
else
    skip "worm-ntf not built"
fi
done_testing
