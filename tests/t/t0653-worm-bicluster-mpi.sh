#!/bin/sh
# worm-bicluster in the MPI build: 3 chains on 1, 2 or 3 ranks give the
# same draws as the default build; a failure on rank 0 fails every rank
# without an output.
. "$(dirname "$0")/../lib.sh"

if ! have_mpi || [ ! -x "$WK_MPI_BIN/worm-bicluster" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "mpirun or the MPI build is absent"
    done_testing
fi
cd "$TMP"
worm-simulate bicluster -c 3,3 -p 1 -T 40 --duration 8 -s 9 -o sim.h5

draws() { h5dump -g /results/bicluster "$1" | sed 1d; }
args="-n 30 -t 2 -c 3 -p 1 -L 4 -s 5 --save-params sim.h5"

run_tool worm-bicluster $args -o serial.h5
is "$rc" 0 "default build"
draws serial.h5 >serial.txt
ok "draws of 3 chains written" grep -q 'GROUP "chain2"' serial.txt
for np in 1 2 3; do
    run_mpi "$np" worm-bicluster $args -o mpi$np.h5
    is "$rc" 0 "MPI build on $np ranks"
    draws mpi$np.h5 >mpi$np.txt
    ok "$np ranks: the same draws as the default build" cmp -s serial.txt mpi$np.txt
done

# more ranks than chains (an idle rank takes part), the input on stdin
# (it reaches every rank through rank 0)
run_tool worm-bicluster -n 30 -t 2 -c 2 -p 1 -L 4 -s 5 sim.h5 -o two-serial.h5
draws two-serial.h5 >two-serial.txt
rc=0
"$MPIRUN" -np 3 "$WK_MPI_BIN/worm-bicluster" -n 30 -t 2 -c 2 -p 1 -L 4 -s 5 -o stdin.h5 \
    <sim.h5 >"$out" 2>"$err" || rc=$?
is "$rc" 0 "2 chains on 3 ranks, input on stdin"
draws stdin.h5 >stdin.txt
ok "2 chains on 3 ranks, input on stdin: the same draws" cmp -s two-serial.txt stdin.txt

# a failure on rank 0 (a checkpoint of another run) ends every rank, exit 1
run_tool worm-bicluster -n 2 -c 3 -p 1 -L 4 -s 7 --save-params --checkpoint ck.h5 sim.h5 -o other.h5
run_mpi 2 worm-bicluster $args --checkpoint ck.h5 -o bad.h5
is "$rc" 1 "checkpoint of another run on 2 ranks: exit 1"
ok "checkpoint of another run on 2 ranks: message" grep -q "checkpoint of a different run" "$err"
ok "checkpoint of another run on 2 ranks: no output" test ! -e bad.h5
done_testing
