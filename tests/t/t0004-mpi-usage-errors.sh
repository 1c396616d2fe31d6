#!/bin/sh
# Under mpirun every rank parses the command line; a usage error is
# explained once (by rank 0), and every rank exits with status 2.
. "$(dirname "$0")/../lib.sh"

if ! have_mpi; then
    skip "mpirun or the MPI build is absent"
    done_testing
fi
cd "$TMP"
for tool in worm-ntf worm-bicluster worm-glm; do
    [ -x "$WK_MPI_BIN/$tool" ] || { skip "$tool: no MPI build"; continue; }
    run_mpi 2 "$tool" --no-such-option
    is "$rc" 2 "$tool on 2 ranks, unknown option: exit 2"
    is "$(grep -c "unrecognized option '--no-such-option'" "$err")" 1 "$tool on 2 ranks: the error once"
    is "$(grep -c "^Try '$tool --help'" "$err")" 1 "$tool on 2 ranks: one hint"
done
done_testing
