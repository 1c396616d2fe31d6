#!/bin/sh
# worm-glm --restarts: N fits from different starts per number of states;
# the kept fit is the best by held-out (else training) log-likelihood, as
# the selection table of the output shows; the same bytes every time.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-glm" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-glm or worm-simulate not built"
    done_testing
fi
cd "$TMP"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

# one value per line of a dataset, all digits
values() { h5dump -y -w 0 -m %.17g -d "/results/glm/$1" "$2" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n' | tr ',' '\n'; }
line() { paste -sd ' ' -; }
attr() { h5dump -m %.17g -a "/results/glm/$1" "$2" | sed -n 's/^ *(0): //p' | tr -d '"'; }
# index of the largest value (the first of equal ones)
argmax() { awk 'NR == 1 || $1 > m { m = $1; i = NR - 1 } END { print i }'; }
distinct() { sort -u | wc -l | tr -d ' '; }
row() { sed -n "$(($1 + 1))p"; }

worm-simulate glm -w 4 -T 400 -n 6 -k 2 -s 3 -o sim.h5

run_tool worm-glm -k 2 -r 4 -e 5 --test sim4 --summary r.tsv -o r.h5 sim.h5
is "$rc" 0 "4 restarts with a held-out recording"
is "$(values selection_restart r.h5 | line)" "0 1 2 3" "every restart listed"
is "$(values selection_states r.h5 | line)" "2 2 2 2" "all with 2 states"
is "$(values selection_test_loglik r.h5 | distinct)" 4 "the restarts reach different fits"
best=$(values selection_test_loglik r.h5 | argmax)
is "$(attr restart r.h5)" "$best" "the kept restart has the best held-out log-likelihood"
is "$(attr restarts r.h5)" 4 "number of restarts recorded"
is "$(attr selected_by r.h5)" test_loglik "chosen by the held-out log-likelihood"
is "$(awk '$1 == "restart" { print $2 }' r.tsv)" "$best" "the summary names the kept restart"
want=$(values selection_test_loglik r.h5 | row "$best")
ok "its held-out log-likelihood is the one written ($want)" \
    awk -v a="$(attr test_loglik r.h5)" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'

# restart 0 is the fit of the seed itself
run_tool worm-glm -k 2 -e 5 --test sim4 -o one.h5 sim.h5
ok "restart 0 = the single fit" \
    awk -v a="$(attr test_loglik one.h5)" -v b="$(values selection_test_loglik r.h5 | row 0)" \
    'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'

# the same command gives the same bytes
run_tool worm-glm -k 2 -r 4 -e 5 --test sim4 --summary r2.tsv -o r2.h5 sim.h5
mv r2.h5 again.h5
run_tool worm-glm -k 2 -r 4 -e 5 --test sim4 --summary r2.tsv -o r2.h5 sim.h5
ok "deterministic: identical output files" cmp r2.h5 again.h5

# without held-out recordings: the training log-likelihood decides
run_tool worm-glm -k 2 -r 3 -e 5 -o t.h5 sim.h5
is "$rc" 0 "3 restarts without held-out data"
is "$(attr selected_by t.h5)" train_loglik "chosen by the training log-likelihood"
is "$(attr restart t.h5)" "$(values selection_train_loglik t.h5 | argmax)" "the kept restart has the best training log-likelihood"

# with a range of states: every (states, restart) pair
run_tool worm-glm -k 2:3 -r 2 -e 5 --test sim4 -o g.h5 sim.h5
is "$rc" 0 "--states 2:3 with 2 restarts"
is "$(values selection_states g.h5 | line)" "2 2 3 3" "states of the 4 fits"
is "$(values selection_restart g.h5 | line)" "0 1 0 1" "restarts of the 4 fits"
k=$(values selection_test_loglik g.h5 | argmax)
is "$(attr states g.h5) $(attr restart g.h5)" "$(values selection_states g.h5 | row "$k") $(values selection_restart g.h5 | row "$k")" \
    "the kept fit is the best of the grid"

expect_fail 2 "no restarts" worm-glm -r 0 sim.h5
done_testing
