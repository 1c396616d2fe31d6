#!/bin/sh
# worm-bicluster --checkpoint: SIGTERM saves a checkpoint and ends the run
# by the signal (exit 143) without an output; the same command resumes and
# ends with the draws of an uninterrupted run.  Also on 2 MPI ranks.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-bicluster" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-bicluster or worm-simulate not built"
    done_testing
fi
cd "$TMP"
worm-simulate bicluster -c 3,3 -p 1 -T 40 --duration 8 -s 9 -o sim.h5

draws() { h5dump -g /results/bicluster "$1" | sed 1d; }
args="-n 800 -c 2 -p 1 -L 4 -s 5 --save-params sim.h5"

run_tool worm-bicluster $args -o full.h5
is "$rc" 0 "uninterrupted run"
draws full.h5 >full.txt

# wait_for FILE PID: until FILE exists (or the process ended)
wait_for() {
    _i=0
    while [ ! -e "$1" ] && kill -0 "$2" 2>/dev/null && [ "$_i" -lt 1500 ]; do
        sleep 0.02
        _i=$((_i + 1))
    done
}

worm-bicluster $args --checkpoint ck.h5 --checkpoint-every 25 -o part.h5 2>"$err" &
pid=$!
wait_for ck.h5 "$pid"
kill -TERM "$pid"
rc=0
{ wait "$pid"; } 2>/dev/null || rc=$?
is "$rc" 143 "SIGTERM: exit 128+15"
ok "SIGTERM: no output" test ! -e part.h5
ok "SIGTERM: no temporary file left" sh -c '! ls -a | grep -q "^\.part"'
ok "SIGTERM: checkpoint present" test -s ck.h5
ok "SIGTERM: one line saying where it stopped" \
    grep -q "^worm-bicluster: stopped by signal 15 at iteration [0-9]*; checkpoint 'ck.h5' saved; rerun the same command to resume$" "$err"
is "$(wc -l <"$err" | tr -d ' ')" 1 "SIGTERM: one line on stderr"
stopped=$(sed -n 's/.* at iteration \([0-9]*\);.*/\1/p' "$err")
ok "SIGTERM: stopped before the end (iteration $stopped)" test "$stopped" -lt 800

run_tool worm-bicluster $args --checkpoint ck.h5 --checkpoint-every 25 -o part.h5
is "$rc" 0 "rerun resumes"
draws part.h5 >part.txt
ok "resumed run: the draws of the uninterrupted run" cmp -s full.txt part.txt

# without --checkpoint SIGTERM ends the run at once, no output
worm-bicluster -n 100000 -c 1 -p 1 -L 4 sim.h5 -o never.h5 2>/dev/null &
pid=$!
sleep 0.3
kill -TERM "$pid"
rc=0
{ wait "$pid"; } 2>/dev/null || rc=$?
is "$rc" 143 "SIGTERM without a checkpoint: exit 143"
ok "SIGTERM without a checkpoint: no output, no temporary file" sh -c '! ls -a | grep -q "never"'

if have_mpi && [ -x "$WK_MPI_BIN/worm-bicluster" ]; then
    # mpirun forwards SIGTERM to the ranks; they agree, rank 0 saves every
    # chain (its exit status is mpirun's, not 143).  Two ranks run the two
    # chains at once: longer chains keep the run going well after its first
    # checkpoint, and the reference is an uninterrupted run on 2 ranks (the
    # draws equal the one-process draws: t0653).
    margs="-n 3000 -c 2 -p 1 -L 4 -s 5 --save-params sim.h5"
    run_mpi 2 worm-bicluster $margs -o mfull.h5
    is "$rc" 0 "2 ranks, uninterrupted"
    draws mfull.h5 >full.txt
    rm -f ck.h5
    "$MPIRUN" -np 2 "$WK_MPI_BIN/worm-bicluster" $margs --checkpoint ck.h5 --checkpoint-every 25 \
        -o mpi.h5 </dev/null 2>"$err" &
    pid=$!
    wait_for ck.h5 "$pid"
    kill -TERM "$pid"
    rc=0
    { wait "$pid"; } 2>/dev/null || rc=$?
    ok "2 ranks, SIGTERM: failure status ($rc)" test "$rc" -ne 0
    ok "2 ranks, SIGTERM: no output" test ! -e mpi.h5
    ok "2 ranks, SIGTERM: the stop line" grep -q "stopped by signal 15 at iteration" "$err"
    run_mpi 3 worm-bicluster $margs --checkpoint ck.h5 --checkpoint-every 25 -o mpi.h5
    is "$rc" 0 "rerun on 3 ranks resumes"
    draws mpi.h5 >mpi.txt
    ok "resumed on 3 ranks: the draws of the uninterrupted run" cmp -s full.txt mpi.txt
else
    skip "mpirun or the MPI build is absent"
fi
done_testing
