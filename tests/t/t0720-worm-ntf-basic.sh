#!/bin/sh
# worm-ntf: output layout, tensor / dense / matrix-free inputs give the
# same factors, thread count and seed, summary TSV, rank sweep, bad usage.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5dump >/dev/null 2>&1; then skip "h5dump not installed"; done_testing; fi

values() {
    h5dump -y -m '%.9g' -d "$2" "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'
}
shape() {
    h5dump -H -d "$2" "$1" | sed -n 's/.*DATASPACE  SIMPLE { ( \([^)]*\) ).*/\1/p' | tr -d ' '
}
attr() {
    h5dump -a "$2" "$1" | sed -n 's/^ *(0): *//p' | tr -d '"'
}
# same_factors A B [GROUP]: f_a, f_t, f_w and lambda identical
same_factors() {
    g=${3:-/results/ntf}
    for d in f_a f_t f_w lambda; do
        [ "$(values "$1" "$g/$d")" = "$(values "$2" "$g/$d")" ] || return 1
    done
}

worm-simulate traces -w 3 -T 120 -n 10 -u 0 -s 4 -o "$TMP/sim.h5" 2>"$err"
is "$?" 0 "simulate 3 worms"
worm-affinity -o "$TMP/aff.h5" "$TMP/sim.h5" 2>"$err"
is "$?" 0 "affinities"
N=$(h5dump -H -d /results/affinity/neurons "$TMP/aff.h5" | sed -n 's/.*( \([0-9]*\) ).*/\1/p')
P=$((N * (N - 1) / 2))

run_tool worm-ntf -r 2 --summary "$TMP/sum.tsv" -o "$TMP/t.h5" "$TMP/aff.h5"
is "$rc" 0 "rank 2 from the affinity tensor"
is "$(wc -c <"$err" | tr -d ' ')" 0 "nothing on stderr"
is "$(shape "$TMP/t.h5" /results/ntf/f_a)" "2,$P" "f_a [R][P]"
is "$(shape "$TMP/t.h5" /results/ntf/f_a_matrix)" "2,$N,$N" "f_a_matrix [R][N][N]"
is "$(shape "$TMP/t.h5" /results/ntf/f_t)" "2,120" "f_t [R][T]"
is "$(shape "$TMP/t.h5" /results/ntf/f_w)" "2,3" "f_w [R][W]"
is "$(shape "$TMP/t.h5" /results/ntf/time)" "120" "time [T]"
ok "recordings ids" sh -c "h5dump -d /results/ntf/recordings '$TMP/t.h5' | grep -q '\"sim1\", \"sim2\", \"sim3\"'"
is "$(attr "$TMP/t.h5" /results/ntf/mode)" "tensor" "mode attribute"
lam=$(values "$TMP/t.h5" /results/ntf/lambda)
ok "lambda decreasing ($lam)" awk -v l="$lam" 'BEGIN { split(l, a, ","); exit !(a[1] >= a[2] && a[2] > 0) }'
e=$(attr "$TMP/t.h5" /results/ntf/error); f=$(attr "$TMP/t.h5" /results/ntf/fit)
ok "fit = 1 - error, error in (0,1)" awk -v e="$e" -v f="$f" 'BEGIN { exit !(e > 0 && e < 1 && (e + f - 1) < 1e-9 && (e + f - 1) > -1e-9) }'
a=$(h5dump -y -m '%.9g' -d /results/ntf/f_a -s 0,1 -c 1,1 "$TMP/t.h5" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')
m=$(h5dump -y -m '%.9g' -d /results/ntf/f_a_matrix -s 0,2,0 -c 1,1,1 "$TMP/t.h5" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')
is "$m" "$a" "f_a_matrix[0][2][0] = f_a[0][pair (0,2) = 1]"

# summary: header + one line per component, 8 columns
is "$(head -1 "$TMP/sum.tsv")" "$(printf 'rank\tcomponent\tlambda\tpeak_time\twindow_start\twindow_end\ttop_pairs\ttop_worms')" "summary header"
is "$(wc -l <"$TMP/sum.tsv" | tr -d ' ')" 3 "summary: 2 components"
is "$(awk -F'\t' 'NR > 1 && NF == 8 && $1 == 2 { n++ } END { print n }' "$TMP/sum.tsv")" 2 "summary lines have 8 fields"
ok "summary: 5 top pairs NAME-NAME:weight" awk -F'\t' 'NR == 2 { n = split($7, a, ","); if (n != 5) exit 1; for (i = 1; i <= n; i++) if (a[i] !~ /^[A-Z0-9]+-[A-Z0-9]+:[0-9.e-]+$/) exit 1 }' "$TMP/sum.tsv"
ok "summary: top worms are the recording ids" awk -F'\t' 'NR == 2 { exit !($8 ~ /^sim[123],sim[123],sim[123]$/) }' "$TMP/sum.tsv"

# the same factors from recordings, dense and matrix-free, and through a pipe
run_tool worm-ntf -r 2 -o "$TMP/d.h5" "$TMP/sim.h5"
is "$rc" 0 "from recordings (dense)"
ok "recordings (dense) = tensor input" same_factors "$TMP/t.h5" "$TMP/d.h5"
run_tool worm-ntf -r 2 --from-traces -o "$TMP/m.h5" "$TMP/sim.h5"
is "$rc" 0 "from recordings (matrix-free)"
ok "matrix-free = tensor input, bitwise" same_factors "$TMP/t.h5" "$TMP/m.h5"
is "$(attr "$TMP/m.h5" /results/ntf/mode)" "matrix-free" "mode matrix-free"
rc=0
worm-affinity "$TMP/sim.h5" | worm-ntf -r 2 >"$TMP/p.h5" 2>"$err" || rc=$?
is "$rc" 0 "worm-affinity | worm-ntf"
ok "pipe = file" same_factors "$TMP/t.h5" "$TMP/p.h5"

# threads and seeds
run_tool worm-ntf -r 3 -i svd --max-iter 30 -@ 1 -o "$TMP/th1.h5" "$TMP/aff.h5"
run_tool worm-ntf -r 3 -i svd --max-iter 30 -@ 2 -o "$TMP/th2.h5" "$TMP/aff.h5"
ok "1 and 2 threads: identical factors" same_factors "$TMP/th1.h5" "$TMP/th2.h5"
run_tool worm-ntf -r 2 -s 2 -o "$TMP/s2.h5" "$TMP/aff.h5"
ok "another seed, other random initialisation" sh -c "! [ '$(values "$TMP/t.h5" /results/ntf/f_t)' = '$(values "$TMP/s2.h5" /results/ntf/f_t)' ]"
run_tool worm-ntf -r 2 -m mu --tol 0 --max-iter 40 -o "$TMP/mu.h5" "$TMP/aff.h5"
is "$rc" 0 "multiplicative updates"
is "$(shape "$TMP/mu.h5" /results/ntf/error_trace)" "41" "--tol 0: all 40 iterations traced"
ok "MU error trace never increases" awk -v l="$(values "$TMP/mu.h5" /results/ntf/error_trace)" \
    'BEGIN { n = split(l, a, ","); for (i = 2; i <= n; i++) if (a[i] > a[i-1] + 1e-9) exit 1 }'

# rank sweep
run_tool worm-ntf -r 1:3 --restarts 2 --max-iter 30 --summary "$TMP/sw.tsv" -o "$TMP/sw.h5" "$TMP/aff.h5"
is "$rc" 0 "rank sweep 1:3, 2 restarts"
is "$(values "$TMP/sw.h5" /results/ntf/sweep_rank)" "1,2,3" "sweep ranks"
is "$(shape "$TMP/sw.h5" /results/ntf/rank_3/f_a)" "3,$P" "rank_3 model"
ok "stabilities in [0,1]" awk -v l="$(values "$TMP/sw.h5" /results/ntf/sweep_stability)" \
    'BEGIN { n = split(l, a, ","); if (n != 3) exit 1; for (i = 1; i <= n; i++) if (!(a[i] >= 0 && a[i] <= 1.000001)) exit 1 }'
is "$(wc -l <"$TMP/sw.tsv" | tr -d ' ')" 7 "sweep summary: 1 + 2 + 3 components and a header"

# bad usage and bad input
expect_fail 2 "no --rank" worm-ntf "$TMP/aff.h5"
expect_fail 2 "rank 0" worm-ntf -r 0 "$TMP/aff.h5"
expect_fail 2 "reversed range" worm-ntf -r 3:2 "$TMP/aff.h5"
expect_fail 2 "unknown method" worm-ntf -r 2 -m als "$TMP/aff.h5"
expect_fail 2 "--summary - without -o" worm-ntf -r 2 --summary - "$TMP/aff.h5"
expect_fail 1 "--from-traces with a tensor" worm-ntf -r 2 --from-traces -o "$TMP/x.h5" "$TMP/aff.h5"
expect_fail 1 "tensor among other inputs" worm-ntf -r 2 -o "$TMP/x.h5" "$TMP/sim.h5" "$TMP/aff.h5"
ok "no output after failures" test ! -e "$TMP/x.h5"
done_testing
