#!/bin/sh
# worm-simulate: models and usage, the recordings and truth it writes,
# determinism for a seed, pipes, atomic output.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-simulate" ] || [ ! -x "$WK_BIN/worm-info" ]; then
    skip "worm-simulate or worm-info not built"
    done_testing
fi
SOURCE_DATE_EPOCH=0
export SOURCE_DATE_EPOCH
cd "$TMP"

# --- models and usage ---
run_tool worm-simulate --help
is "$rc" 0 "--help exits 0"
ok "--help lists the traces model" grep -q '^  traces ' "$out"
ok "--help shows the traces options" grep -q -- '--worms N' "$out"
run_tool worm-simulate traces --help
is "$rc" 0 "traces --help exits 0"
is "$(sed -n 's/^Usage: //p' "$out")" "worm-simulate traces [options]" "traces --help: model usage line"
ok "traces --help: --missing documented" grep -q -- '--missing FRAC' "$out"

expect_fail 2 "no model" worm-simulate
ok "no model: message lists the models" grep -q "no model given (one of: traces" "$err"
expect_fail 2 "unknown model" worm-simulate nosuchmodel
ok "unknown model: named" grep -q "unknown model 'nosuchmodel'" "$err"
expect_fail 2 "extra operand" worm-simulate traces extra
ok "extra operand: named" grep -q "unexpected operand 'extra'" "$err"
expect_fail 2 "neurons + unlabeled > 300" worm-simulate traces --neurons 300 --unlabeled 1
expect_fail 2 "--missing 1" worm-simulate traces --missing 1
expect_fail 2 "--dwell below --dt" worm-simulate traces --dwell 0.1
expect_fail 2 "--worms 0" worm-simulate traces --worms 0
expect_fail 2 "--samples abc" worm-simulate traces --samples abc
ok "--samples abc: value named" grep -q "invalid --samples 'abc'" "$err"
expect_fail 2 "traces option without model" worm-simulate --worms 2
is "$(ls -A | grep -v -e '^stdout$' -e '^stderr$')" "" "usage errors leave no file"

# --- what it writes ---
run_tool worm-simulate traces -w 2 -T 30 -s 5 -o a.h5
is "$rc" 0 "simulate 2 worms to a file"
is "$(cat "$out" "$err")" "" "nothing on stdout or stderr"
run_tool worm-info --check a.h5
is "$rc" 0 "worm-info --check accepts the file"
run_tool worm-info -f tsv a.h5
is "$(sed -n 2p "$out" | cut -f1-3,6-9)" "$(printf 'sim1\tsimulated\t30\t40\t5\t45\t0')" "sim1: 30 samples, 40 labeled, 5 unlabeled, no NaN"
is "$(sed -n 3p "$out" | cut -f1,3,6,7)" "$(printf 'sim2\t30\t40\t5')" "sim2: 30 samples, 40 labeled, 5 unlabeled"
is "$(awk -F'\t' 'NR == 2 { printf "%.6f %.6f", $4, $5 }' "$out")" "9.666667 0.333333" "duration 29/3 s, dt 1/3 s"
is "$(wc -l <"$out" | tr -d ' ')" 3 "two recordings"

if command -v h5dump >/dev/null 2>&1; then
    h5dump -d /recordings/sim1/truth_state -y -w 0 a.h5 >"$TMP/state" 2>&1
    vals=$(sed -n '/DATA {/,/}/p' "$TMP/state" | tr -c '0-9.\n' ' ' | tr ' ' '\n' | grep -c '^[012]$')
    is "$vals" 30 "truth_state: 30 values in {0, 1, 2}"
    ok "truth_state is float32[30]" grep -q 'H5T_IEEE_F32LE' "$TMP/state"
    ok "truth_state has 30 samples" grep -q 'SIMPLE { ( 30 ) / ( 30 ) }' "$TMP/state"
    h5dump -a /results/simulate/sim2/model a.h5 >"$TMP/attr" 2>&1
    ok "results/simulate/sim2: model = traces" grep -q '"traces"' "$TMP/attr"
    h5dump -H -d /results/simulate/sim2/state_mean a.h5 >"$TMP/mean" 2>&1
    ok "state_mean is [3][300]" grep -q 'SIMPLE { ( 3, 300 ) / ( 3, 300 ) }' "$TMP/mean"
    h5dump -H -d /results/simulate/sim2/unlabeled_neuron a.h5 >"$TMP/unl" 2>&1
    ok "unlabeled_neuron is [5]" grep -q 'SIMPLE { ( 5 ) / ( 5 ) }' "$TMP/unl"
    h5dump -a /recordings/sim2/worm a.h5 >"$TMP/worm" 2>&1
    ok "sim2: worm attribute 2" grep -q '(0): 2$' "$TMP/worm"
else
    skip "h5dump not installed"
fi

# --- missing samples: exactly round(FRAC * T) per column ---
run_tool worm-simulate traces -w 1 -T 100 -n 7 -u 3 -m 0.1 -o m.h5
run_tool worm-info -f tsv m.h5
is "$(sed -n 2p "$out" | cut -f6-9)" "$(printf '7\t3\t10\t0.1')" "--missing 0.1: NaN fraction exactly 0.1"
run_tool worm-info --check m.h5
is "$rc" 0 "gappy file passes --check"

# --- determinism ---
# (-o names the file in the history: same name, different folders)
mkdir d1 d2 d3 d4
(cd d1 && worm-simulate traces -w 2 -T 50 -s 9 -o b.h5)
(cd d2 && worm-simulate traces -w 2 -T 50 -s 9 -o b.h5)
(cd d3 && worm-simulate traces -w 2 -T 50 -s 10 -o b.h5)
ok "same seed: identical files" cmp -s d1/b.h5 d2/b.h5
ok "different seed: different files" sh -c '! cmp -s d1/b.h5 d3/b.h5'
worm-simulate traces -w 2 -T 50 -s 9 >p1.h5
worm-simulate traces -w 2 -T 50 -s 9 >p2.h5
ok "same seed through stdout: identical images" cmp -s p1.h5 p2.h5
(cd d4 && worm-simulate traces -w 3 -T 50 -s 9 -o b.h5)
# values of a dataset, without the header that names it
data_of() { h5dump -d "$1" "$2" | sed -n '/DATA {/,$p'; }
data_of /recordings/sim2/traces d1/b.h5 >x1
data_of /recordings/sim2/traces d4/b.h5 >x2
data_of /recordings/sim1/traces d4/b.h5 >x3
ok "traces dumped" test -s x1
ok "worm 2 of 3 equals worm 2 of 2" cmp -s x1 x2
ok "worm 1 differs from worm 2" sh -c '! cmp -s x1 x3'

# the options attribute reproduces the run
opts=$(h5dump -a /results/simulate/sim1/options d4/b.h5 | sed -n 's/^ *(0): "\(.*\)"$/\1/p')
is "$opts" "--worms 3 --samples 50 --neurons 40 --unlabeled 5 --states 3 --dwell 20 --dt 0.3333333333333333 --jitter 0 --tau 2 --decay 1 --active 0.5 --process-noise 0.3 --noise 0.1 --missing 0 --seed 9" \
    "options attribute"
# shellcheck disable=SC2086
worm-simulate traces $opts -o again.h5
data_of /recordings/sim2/traces again.h5 >x4
ok "worm-simulate traces OPTIONS simulates the same traces" cmp -s x2 x4

# --- pipes ---
worm-simulate traces -T 40 -s 3 | worm-info -f tsv >"$out" 2>"$err"
is "$?" 0 "worm-simulate traces | worm-info"
is "$(cut -f1,3 "$out" | tr '\t\n' ' ')" "id samples sim1 40 sim2 40 sim3 40 " "three recordings through the pipe"
ok "valid output is readable by h5dump -H" h5dump -H a.h5

# --- failures leave nothing ---
mkdir out && chmod a-w out
if [ -w out ]; then
    skip "cannot make a read-only folder (running as root?)"
else
    expect_fail 1 "unwritable output folder" worm-simulate traces -T 20 -o out/x.h5
    ok "nothing left in the folder" test -z "$(ls -A out)"
fi
chmod u+w out
expect_fail 1 "output in a missing folder" worm-simulate traces -T 20 -o nosuchdir/x.h5
ok "message names the file" grep -q "nosuchdir/x.h5" "$err"
done_testing
