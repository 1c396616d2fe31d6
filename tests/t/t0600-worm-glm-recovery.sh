#!/bin/sh
# worm-glm: recovery of simulated truth (worm-simulate glm) with each prior,
# the output layout and the summary.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-glm" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-glm or worm-simulate not built"
    done_testing
fi
cd "$TMP"

# 4 sequences of 1500 bins, 10 neurons, 3 states; the 4th is held out
run_tool worm-simulate glm -w 4 -T 1500 -n 10 -k 3 -s 3 -o sim.h5
is "$rc" 0 "simulate the benchmark model"
ok "truth weights written" h5dump -d /results/simulate/glm/W -H sim.h5
ok "truth states written" h5dump -d /recordings/sim1/truth_state -H sim.h5

# value of metric $1 in summary $2
metric() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# 1 when $1 > $2
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

for prior in none gaussian onehot; do
    run_tool worm-glm -k 3 -p "$prior" -e 15 --test sim4 --truth sim.h5 --summary "$prior.tsv" -o "$prior.h5" sim.h5
    is "$rc" 0 "$prior: fit exits 0"
    is "$(metric states "$prior.tsv")" 3 "$prior: summary states"
    is "$(metric test_recordings "$prior.tsv")" 1 "$prior: one held-out recording"
    acc=$(metric state_accuracy "$prior.tsv")
    ok "$prior: held-out state accuracy $acc > 0.88" above "$acc" 0.88
    mse=$(metric weight_mse "$prior.tsv")
    ok "$prior: weight MSE $mse < 0.1" above 0.1 "$mse"
done
adj=$(metric adjacency_accuracy onehot.tsv)
ok "onehot: adjacency accuracy $adj > 0.6" above "$adj" 0.6
bal=$(metric balanced_accuracy onehot.tsv)
ok "onehot: balanced accuracy $bal > 0.75" above "$bal" 0.75
f1=$(metric macro_f1 onehot.tsv)
ok "onehot: macro F1 $f1 > 0.55" above "$f1" 0.55
none_adj=$(metric adjacency_accuracy none.tsv)
ok "onehot recovers the adjacency better than no prior ($adj > $none_adj)" above "$adj" "$none_adj"

# worm-compare --truth scores the written result the same way
if [ -x "$WK_BIN/worm-compare" ]; then
    run_tool worm-compare --truth sim.h5 onehot.h5
    is "$rc" 0 "worm-compare --truth on a worm-glm result"
    for k in state_accuracy adjacency_accuracy balanced_accuracy macro_f1 test_loglik; do
        is "$(metric "$k" "$out")" "$(metric "$k" onehot.tsv)" "worm-compare $k equals worm-glm's"
    done
    mse=$(metric weight_mse "$out")
    ok "worm-compare weight MSE $mse (float32 weights) near worm-glm's" \
        awk -v a="$mse" -v b="$(metric weight_mse onehot.tsv)" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'
    is "$(metric test_loglik_per_sequence "$out")" "$(metric test_loglik onehot.tsv)" "one held-out sequence: per-sequence likelihood"
fi

# output layout
for d in W bias P p0 kernel adjacency adjacency_prob pibar trace loglik neurons recordings test \
    sequences/sim1/gamma sequences/sim4/viterbi truth_scores; do
    ok "onehot output has /results/glm/$d" h5dump -H -d "/results/glm/$d" onehot.h5
done
ok "no pibar without the onehot prior" sh -c '! h5dump -H -d /results/glm/pibar none.h5'
is "$(h5dump -H -d /results/glm/W onehot.h5 | grep -c 'SIMPLE { ( 3, 10, 10 )')" 1 "W is [S][N][N]"
is "$(h5dump -H -d /results/glm/sequences/sim2/gamma onehot.h5 | grep -c 'SIMPLE { ( 1500, 3 )')" 1 "gamma is [T][S]"
is "$(h5dump -d /results/glm/test onehot.h5 | grep -c '(0): 0, 0, 0, 1')" 1 "test marks the held-out recording"
is "$(h5dump -a /results/glm/prior onehot.h5 | grep -c '"onehot"')" 1 "prior attribute"
# the posteriors of each sample sum to 1
h5dump -y -w 0 -d /results/glm/sequences/sim1/gamma onehot.h5 | tr ',' '\n' | awk 'NF' |
    grep -E '^ *[0-9.e-]+ *$' | awk 'NR % 3 == 1 { s = $1 } NR % 3 == 2 { s += $1 } NR % 3 == 0 { s += $1; if (s < 0.999 || s > 1.001) bad++ } END { exit bad > 0 || NR != 4500 }' \
    && sumok=1 || sumok=0
is "$sumok" 1 "posteriors of every sample sum to 1"
done_testing
