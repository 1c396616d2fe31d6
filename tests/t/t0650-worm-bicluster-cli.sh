#!/bin/sh
# worm-bicluster and worm-simulate bicluster: usage, bad input, the
# simulation's recording and truth, the output layout of a short run.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-bicluster" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-bicluster or worm-simulate not built"
    done_testing
fi
cd "$TMP"

# --- usage ---
run_tool worm-bicluster --help
is "$rc" 0 "--help exits 0"
is "$(sed -n -e 's/^Usage: //p' -e 's/^   or: //p' "$out" | tr '\n' '|')" \
   "worm-bicluster [options] [file]|worm-bicluster summarize [options] [file]|" "--help: both forms"
expect_fail 2 "--iterations 0" worm-bicluster -n 0 x.h5
ok "--iterations 0: value named" grep -q "invalid --iterations '0'" "$err"
expect_fail 2 "--latent-dim 9" worm-bicluster -p 9 x.h5
expect_fail 2 "--rk 1" worm-bicluster --rk 1 x.h5
expect_fail 2 "--split-merge -1" worm-bicluster --split-merge -1 x.h5
expect_fail 2 "two inputs" worm-bicluster a.h5 b.h5
expect_fail 2 "simulate: bad --clusters" worm-simulate bicluster --clusters 10,,x
expect_fail 2 "simulate: over 300 neurons" worm-simulate bicluster --clusters 4x80

# --- the simulation ---
run_tool worm-simulate bicluster -c 3,2 -p 1 -T 40 --duration 8 -s 3 -o sim.h5
is "$rc" 0 "simulate bicluster runs"
run_tool h5dump -d /results/simulate/sim1/neuron_cluster sim.h5
ok "truth: neuron clusters 0 0 0 1 1" grep -q "(0): 0, 0, 0, 1, 1" "$out"
run_tool h5dump -H -d /results/simulate/sim1/latent sim.h5
ok "truth: latent is [2][2][40]" grep -q "SIMPLE { ( 2, 2, 40 )" "$out"
run_tool h5dump -H -d /recordings/sim1/traces sim.h5
ok "counts: traces [40][300]" grep -q "SIMPLE { ( 40, 300 )" "$out"
run_tool worm-simulate bicluster -c 3,2 -p 1 -T 40 --duration 8 -s 3 -o sim2.h5
h5dump -d /recordings/sim1/traces sim.h5 | sed 1d >a.txt
h5dump -d /recordings/sim1/traces sim2.h5 | sed 1d >b.txt
ok "simulation is determined by the seed" cmp -s a.txt b.txt
h5dump -d /recordings/sim1/traces sim.h5 | sed -n '/DATA {/,$p' | tr -c '0-9.\n' ' ' | tr ' ' '\n' | grep -c '\.' >frac.txt || true
is "$(cat frac.txt)" "0" "counts are integers"

# --- -k K starts from K clusters, beyond the eigengap's cap of 8 ---
run_tool worm-simulate bicluster -c 12x8 -T 100 -s 3 -o k12.h5
run_tool worm-bicluster -v -n 1 -k 12 k12.h5 -o k12fit.h5
is "$rc" 0 "-k 12 runs"
ok "-k 12: -v says the chain starts from 12 clusters" \
    grep -q "^worm-bicluster: chain 0 starts from 12 clusters (--init-clusters)$" "$err"
run_tool h5dump -d /results/bicluster/chain0/K k12fit.h5
ok "-k 12: 11 or 12 clusters after the first sweep (neurons move; none opens before the warm-up ends)" \
    grep -Eq "\(0\): 1[12]$" "$out"
run_tool worm-bicluster -v -n 1 k12.h5 -o k12eig.h5
ok "without -k: -v says the eigengap's count, at most 8" \
    grep -Eq "^worm-bicluster: chain 0 starts from [1-8] clusters \(eigengap\)$" "$err"

# --- -k K,K...: chain c starts from the (c mod n)-th count ---
run_tool worm-bicluster -v -n 1 -c 3 -k 12,10 k12.h5 -o kfit.h5
is "$rc" 0 "-k 12,10 with 3 chains runs"
for c in 0:12 1:10 2:12; do
    ok "-k 12,10: chain ${c%:*} starts from ${c#*:} clusters" \
        grep -q "^worm-bicluster: chain ${c%:*} starts from ${c#*:} clusters (--init-clusters)$" "$err"
done
run_tool h5dump -a /results/bicluster/signature kfit.h5
ok "-k 12,10: the counts are part of the run's signature" grep -q "init=12,10 " "$out"
expect_fail 2 "-k 2,,3" worm-bicluster -k 2,,3 k12.h5
expect_fail 2 "-k 2,3," worm-bicluster -k 2,3, k12.h5
expect_fail 2 "-k 0,3" worm-bicluster -k 0,3 k12.h5
ok "-k 0,3: the bad count named" grep -q "invalid --init-clusters '0' (must be between 1 and 64)" "$err"
expect_fail 2 "-k with 17 counts" worm-bicluster -k 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 k12.h5
ok "-k with 17 counts: the limit named" grep -q "at most 16 counts" "$err"

# --- bad input: traces that are not counts ---
run_tool worm-simulate traces -w 1 -T 30 -n 4 -u 0 -o traces.h5
expect_fail 1 "non-count traces" worm-bicluster -n 2 traces.h5 -o out.h5
ok "non-count traces: field named" grep -q "traces: column '.*' sample [0-9]* is not a count" "$err"
ok "non-count traces: no output file" test ! -e out.h5
expect_fail 1 "unknown recording" worm-bicluster -n 2 -r nosuch sim.h5 -o out.h5
expect_fail 1 "summarize a file without draws" worm-bicluster summarize sim.h5 -o out.h5
ok "summarize without draws: message" grep -q "no /results/bicluster" "$err"

# --- a short run and its layout ---
run_tool worm-bicluster -n 8 -c 2 --save-params sim.h5 -o fit.h5
is "$rc" 0 "a short run with 2 chains"
run_tool h5dump -H -d /results/bicluster/chain1/z -d /results/bicluster/chain0/xi \
    -d /results/bicluster/chain0/latent -d /results/bicluster/chain0/c fit.h5
ok "z is [8][5]" grep -q "SIMPLE { ( 8, 5 ) / ( H5S_UNLIMITED, 5 )" "$out"
ok "xi is [8][40]" grep -q "SIMPLE { ( 8, 40 ) / ( H5S_UNLIMITED, 40 )" "$out"
ok "latent is [8][2][3][40]" grep -q "SIMPLE { ( 8, 2, 3, 40 )" "$out"
ok "c is [8][5][2]" grep -q "SIMPLE { ( 8, 5, 2 )" "$out"
ok "the output keeps the recording" h5dump -H -d /recordings/sim1/traces fit.h5
ok "the output keeps the truth" h5dump -H -d /results/simulate/sim1/state fit.h5
run_tool worm-bicluster summarize -b 2 fit.h5 -o sum.h5
is "$rc" 0 "summarize runs"
run_tool h5dump -a /results/bicluster/summary/draws sum.h5
ok "summary uses 2 chains x 6 draws" grep -q "(0): 12" "$out"
run_tool h5dump -H -d /results/bicluster/summary/psm_time -d /results/bicluster/summary/latent_hi sum.h5
ok "psm_time is [40][40]" grep -q "SIMPLE { ( 40, 40 )" "$out"
ok "latent intervals are [2][3][40]" grep -q "SIMPLE { ( 2, 3, 40 )" "$out"
run_tool h5dump -d /results/bicluster/summary/psm_neurons sum.h5
ok "psm diagonal is 1" grep -q "(0,0): 1," "$out"
run_tool h5dump -d /results/bicluster/summary/K_histogram sum.h5
is "$(sed -n '/DATA {/,/}/p' "$out" | sed 's/([0-9]*)://g' | tr -c '0-9\n' ' ' | awk '{for (i = 1; i <= NF; i++) s += $i} END {print s}')" "12" "K histogram counts the 12 draws"
done_testing
