#!/bin/sh
# worm-ntf on a dense tensor: the one-pass iteration (one rank) gives the
# same factors, to the last bit, as the two-pass iteration (matrix-free, or
# the worms split over 2 MPI ranks), whatever the thread count.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5dump >/dev/null 2>&1; then skip "h5dump not installed"; done_testing; fi

# values FILE DATASET: every value, exactly (float32 and float64)
values() {
    h5dump -y -m '%.17g' -d "$2" "$1" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n'
}
same_fit() {
    for d in f_a f_t f_w lambda error_trace; do
        [ "$(values "$1" "/results/ntf/$d")" = "$(values "$2" "/results/ntf/$d")" ] || return 1
    done
}

# 64 neurons: 2016 pairs, 4 pair chunks of the one-pass iteration
worm-simulate traces -w 3 -T 80 -n 64 -u 0 -s 6 -o "$TMP/sim.h5" 2>"$err"
is "$?" 0 "simulate 3 worms of 64 neurons"
worm-affinity -o "$TMP/aff.h5" "$TMP/sim.h5" 2>"$err"
is "$?" 0 "affinities"
FIT="-r 3 --max-iter 12 --tol 0"
run_tool worm-ntf $FIT -@ 1 -o "$TMP/one1.h5" "$TMP/aff.h5"
is "$rc" 0 "dense tensor, 1 thread"
run_tool worm-ntf $FIT -@ 2 -o "$TMP/one2.h5" "$TMP/aff.h5"
is "$rc" 0 "dense tensor, 2 threads"
ok "1 and 2 threads: the same factors, bitwise" same_fit "$TMP/one1.h5" "$TMP/one2.h5"
run_tool worm-ntf $FIT -m mu -@ 2 -o "$TMP/mu.h5" "$TMP/aff.h5"
is "$rc" 0 "dense tensor, multiplicative updates"
ok "MU error trace never increases" awk -v l="$(values "$TMP/mu.h5" /results/ntf/error_trace)" \
    'BEGIN { n = split(l, a, ","); if (n != 13) exit 1; for (i = 2; i <= n; i++) if (a[i] > a[i-1] + 1e-12) exit 1 }'
run_tool worm-ntf $FIT --from-traces -o "$TMP/two.h5" "$TMP/sim.h5"
is "$rc" 0 "matrix-free (two passes)"
ok "one pass = two passes (matrix-free), bitwise" same_fit "$TMP/one1.h5" "$TMP/two.h5"

if have_mpi; then
    for np in 1 2; do
        run_mpi "$np" worm-ntf $FIT -@ 1 -o "$TMP/mpi$np.h5" "$TMP/aff.h5"
        is "$rc" 0 "dense tensor on $np MPI rank(s)"
        ok "$np rank(s) = without MPI, bitwise" same_fit "$TMP/one1.h5" "$TMP/mpi$np.h5"
    done
else
    skip "mpirun or the MPI build is absent"
fi
done_testing
