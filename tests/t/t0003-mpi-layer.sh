#!/bin/sh
# The MPI layer (wk_mpi.h) on 1, 2 and 3 ranks: shares, integer sums,
# gathers in rank order, agreed errors.  Skips without Open MPI.
. "$(dirname "$0")/../lib.sh"

test_mpi=${WK_MPI_BIN:+$WK_MPI_BIN/../tests/test-mpi}
if have_mpi && [ -x "$test_mpi" ]; then
    for np in 1 2 3; do
        rc=0
        "$MPIRUN" -np "$np" "$test_mpi" >"$out" 2>"$err" </dev/null || rc=$?
        is "$rc" 0 "$np ranks: exit 0"
        is "$(grep -c '^ok ' "$out")" 7 "$np ranks: 7 checks pass"
        is "$(grep -c '^not ok' "$out")" 0 "$np ranks: no check fails"
    done
else
    skip "mpirun or the MPI build is absent"
fi
done_testing
