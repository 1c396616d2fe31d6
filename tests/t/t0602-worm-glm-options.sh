#!/bin/sh
# worm-glm: observation models, --array, --states range, the structural
# prior, bad input and usage.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-glm" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-glm or worm-simulate not built"
    done_testing
fi
cd "$TMP"
metric() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# Bernoulli events
worm-simulate glm --bernoulli -w 3 -T 1500 -n 6 -k 2 -s 4 -o bern.h5
run_tool worm-glm -k 2 --obs bernoulli -e 10 --truth bern.h5 --summary b.tsv -o b.h5 bern.h5
is "$rc" 0 "bernoulli fit"
acc=$(metric state_accuracy b.tsv)
ok "bernoulli: state accuracy $acc > 0.8" above "$acc" 0.8
worm-simulate glm -w 3 -T 800 -n 6 -k 2 -s 5 -o pois.h5
expect_fail 1 "bernoulli on counts > 1" worm-glm -k 2 --obs bernoulli -o x.h5 pois.h5
ok "bernoulli on counts: names the value" grep -q "is not 0 or 1" "$err"
ok "no partial output" test ! -e x.h5

# Gaussian observations on continuous traces
worm-simulate traces -w 2 -T 300 -n 5 -u 0 -s 3 -o tr.h5
run_tool worm-glm -k 2 --obs gaussian -e 5 -o gauss.h5 tr.h5
is "$rc" 0 "gaussian observations on traces"
ok "gaussian: variances written" h5dump -H -d /results/glm/var gauss.h5
expect_fail 1 "poisson on traces" worm-glm -k 2 -o x.h5 tr.h5
ok "poisson on traces: suggests worm-events" grep -q "run worm-events first" "$err"

# --array: counts from an array beside the traces
if [ -x "$WK_BIN/worm-events" ]; then
    worm-events --array -z 1.5 tr.h5 >ev.h5
    run_tool worm-glm -k 2 -e 3 --array events -o arr.h5 ev.h5
    is "$rc" 0 "--array events"
    expect_fail 1 "--array missing" worm-glm -k 2 --array nosuch -o x.h5 ev.h5
    ok "--array missing: named" grep -q "nosuch: no such array" "$err"
fi

# choosing the number of states by held-out likelihood
worm-simulate glm -w 5 -T 1500 -n 10 -k 3 -s 6 -o sel.h5
run_tool worm-glm -k 1:4 --test sim5 -e 8 --summary sel.tsv -o sel_out.h5 sel.h5
is "$rc" 0 "--states 1:4"
is "$(metric states sel.tsv)" 3 "the held-out likelihood chooses the true 3 states"
ok "selection table written" h5dump -H -d /results/glm/selection_test_loglik sel_out.h5
is "$(h5dump -H -d /results/glm/selection_states sel_out.h5 | grep -c 'SIMPLE { ( 4 )')" 1 "4 numbers of states tried"
expect_fail 1 "a range without held-out data" worm-glm -k 2:3 -o x.h5 sel.h5
expect_fail 2 "bad range" worm-glm -k 3:2 sel.h5

# the structural prior: ADAL -> ADAR has a synapse, nothing else does
if [ -x "$WK_BIN/worm-connectome" ]; then
    printf 'pre,post,type,synapses\nADAL,ADAR,chemical,3\n' >conn.csv
    worm-connectome import --source white1986_jse --id w -o conn.h5 conn.csv 2>/dev/null
    run_tool worm-glm -k 2 -p onehot -e 2 --prior-connectome conn.h5:w -o pc.h5 pois.h5
    is "$rc" 0 "--prior-connectome"
    # pibar[n = ADAR (1)][m = ADAL (0)] and pibar[ADAL][ADAR]
    is "$(h5dump -y -w 0 -d /results/glm/pibar -s 1,0,0 -c 1,1,3 pc.h5 | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')" \
       "0.45,0.1,0.45" "an edge gets mass on inhibitory and excitatory"
    is "$(h5dump -y -w 0 -d /results/glm/pibar -s 0,1,0 -c 1,1,3 pc.h5 | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')" \
       "0.02,0.96,0.02" "no edge: the none class"
    expect_fail 2 "--prior-connectome without onehot" worm-glm -k 2 --prior-connectome conn.h5:w pois.h5
fi

# bad input and usage
expect_fail 2 "unknown prior" worm-glm -p laplace pois.h5
expect_fail 2 "bad states" worm-glm -k 0 pois.h5
expect_fail 2 "bad lags" worm-glm -L 0 pois.h5
expect_fail 1 "unknown test recording" worm-glm --test nosuch -o x.h5 pois.h5
ok "unknown test recording: named" grep -q "no recording 'nosuch'" "$err"
expect_fail 1 "everything held out" worm-glm --test sim1 --test sim2 --test sim3 -o x.h5 pois.h5
printf 'not hdf5\n' >bad.h5
expect_fail 1 "not a wormkit file" worm-glm -o x.h5 bad.h5
ok "no output after errors" test ! -e x.h5
done_testing
