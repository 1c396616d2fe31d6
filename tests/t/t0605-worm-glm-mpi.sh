#!/bin/sh
# worm-glm under MPI: the (states, restart) fits spread over 1, 2 or 3 ranks
# give the same output file, byte for byte, as the build without MPI; a
# failure ends every rank with no output; a checkpoint written by 2 ranks
# resumes on 3.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-glm" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-glm or worm-simulate not built"
    done_testing
fi
if ! have_mpi || [ ! -x "$WK_MPI_BIN/worm-glm" ]; then
    skip "mpirun or the MPI build is absent"
    done_testing
fi
cd "$TMP"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
results() { h5dump -g /results/glm "$1" | tail -n +2; }

worm-simulate glm -w 4 -T 400 -n 6 -k 2 -s 3 -o sim.h5
ARGS="-k 2:3 -r 3 -e 4 --test sim4"

# The history records the command line: every run is "./worm-glm ... -o
# out.h5 ../sim.h5" in its own directory, so whole files can be compared.
mkdir serial
ln -s "$WK_BIN/worm-glm" serial/worm-glm
cd serial
run_tool ./worm-glm $ARGS -o out.h5 ../sim.h5
cd ..
is "$rc" 0 "without MPI"
mpi_bin=$WK_MPI_BIN
for np in 1 2 3; do
    mkdir "np$np"
    ln -s "$mpi_bin/worm-glm" "np$np/worm-glm"
    cd "np$np"
    WK_MPI_BIN=.
    run_mpi "$np" worm-glm $ARGS -o out.h5 ../sim.h5
    WK_MPI_BIN=$mpi_bin
    cd ..
    is "$rc" 0 "$np ranks"
    ok "$np ranks: the same bytes as without MPI" cmp serial/out.h5 "np$np/out.h5"
done
is "$(h5dump -H -d /results/glm/selection_states np3/out.h5 | grep -c 'SIMPLE { ( 6 )')" 1 "6 fits in the selection table"

# any rank's failure: exit 1 on every rank, one message, no output
run_mpi 2 worm-glm -k 2 -r 2 -e 2 --test nosuch -o bad.h5 sim.h5
is "$rc" 1 "a bad option value: exit 1"
is "$(grep -c "no recording 'nosuch'" "$err")" 1 "one message, from rank 0"
ok "no output" test ! -e bad.h5

# a checkpoint of 2 epochs on 2 ranks, resumed to 4 epochs on 3 ranks,
# equals 4 epochs at once
run_mpi 2 worm-glm -k 2:3 -r 3 -e 2 --tol 0 --test sim4 --checkpoint ck.h5 -o part.h5 sim.h5
is "$rc" 0 "2 epochs on 2 ranks with a checkpoint"
is "$(h5dump -a fits ck.h5 | grep -c '(0): 6$')" 1 "the checkpoint holds the 6 fits"
run_mpi 3 worm-glm -k 2:3 -r 3 -e 4 --tol 0 --test sim4 --checkpoint ck.h5 -o resumed.h5 sim.h5
is "$rc" 0 "resumed to 4 epochs on 3 ranks"
run_tool worm-glm -k 2:3 -r 3 -e 4 --tol 0 --test sim4 -o straight.h5 sim.h5
results resumed.h5 >r.txt
results straight.h5 >s.txt
ok "resumed on other ranks = uninterrupted" cmp r.txt s.txt
done_testing
