#!/bin/sh
# worm-ntf --from-traces under MPI: 1, 2 and 3 ranks write the same bytes,
# the same results as the build without MPI; a run stopped by SIGTERM
# resumes, with another number of ranks, to the same bytes; errors stop
# every rank with one status and no output.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5dump >/dev/null 2>&1; then skip "h5dump not installed"; done_testing; fi
if ! have_mpi; then skip "mpirun or the MPI build is absent"; done_testing; fi
SOURCE_DATE_EPOCH=0
export SOURCE_DATE_EPOCH
cd "$TMP"

# mpi_path NP args: like run_mpi, but the tool found through PATH, so its
# argv[0] (recorded in the output's history) is "worm-ntf" as in the build
# without MPI, and the whole files can be compared
mpi_path() {
    _np=$1; shift
    rc=0
    PATH="$WK_MPI_BIN:$PATH" "$MPIRUN" -np "$_np" worm-ntf "$@" >"$out" 2>"$err" </dev/null || rc=$?
}

# 5 worms with missing samples and different neurons (masked pairs)
worm-simulate traces -w 5 -T 100 -n 12 -u 0 -m 0.05 -s 4 -o sim.h5 2>"$err"
is "$?" 0 "simulate 5 worms"
FIT="-r 2:3 -i svd --from-traces --max-iter 15 --summary sum.tsv -o out.h5 sim.h5"
for np in 1 2 3; do
    mkdir "r$np"
    cp sim.h5 "r$np/"
    cd "r$np"
    mpi_path "$np" $FIT
    cd ..
    is "$rc" 0 "$np rank(s): exit 0"
done
ok "1 and 2 ranks: identical output bytes" cmp r1/out.h5 r2/out.h5
ok "1 and 3 ranks: identical output bytes" cmp r1/out.h5 r3/out.h5
ok "1 and 3 ranks: identical summaries" cmp r1/sum.tsv r3/sum.tsv
is "$(h5dump -d /results/ntf/rank_3/f_w r3/out.h5 | sed -n 's/.*DATASPACE  SIMPLE { ( \([^)]*\) ).*/\1/p' | tr -d ' ')" "3,5" \
    "f_w gathered from the ranks: [3][5]"
mkdir serial
cp sim.h5 serial/
(cd serial && worm-ntf $FIT) 2>"$err"
is "$?" 0 "build without MPI"
ok "without MPI = 2 ranks: identical output bytes" cmp serial/out.h5 r2/out.h5
ok "summary without MPI = 2 ranks" cmp serial/sum.tsv r2/sum.tsv

# stopped by SIGTERM under 2 ranks, resumed under 3 ranks
CK="-r 3 --restarts 2 --from-traces --tol 0 --max-iter 600 --checkpoint ck.h5 --checkpoint-every 4 -o out.h5 sim.h5"
mkdir whole cut
cp sim.h5 whole/
cp sim.h5 cut/
cd whole
run_mpi 2 worm-ntf $CK
cd ..
is "$rc" 0 "uninterrupted checkpointed run, 2 ranks"
cd cut
"$MPIRUN" -np 2 "$WK_MPI_BIN/worm-ntf" $CK >../stop.out 2>../stop.err </dev/null &
pid=$!
_i=0
while [ ! -e ck.h5 ] && [ $_i -lt 400 ]; do sleep 0.05; _i=$((_i + 1)); done
kill -TERM "$pid"
rc=0
wait "$pid" 2>/dev/null || rc=$?
ok "SIGTERM to mpirun: failure status ($rc)" test "$rc" -ne 0
ok "SIGTERM: no output" test ! -e out.h5
ok "SIGTERM: checkpoint kept" test -s ck.h5
ok "SIGTERM: rank 0 says where it stopped" grep -q "^worm-ntf: stopped by signal 15 at iteration [0-9]*; checkpoint 'ck.h5' saved" ../stop.err
run_mpi 3 worm-ntf $CK
cd ..
is "$rc" 0 "resumed under 3 ranks"
ok "resumed = uninterrupted, byte for byte" cmp cut/out.h5 whole/out.h5

# errors: every rank fails, one status, no output
cd r2
run_mpi 2 worm-ntf -r 2 --from-traces -o bad.h5 sim.h5 missing.h5
is "$rc" 1 "a missing input: exit 1"
ok "a missing input: no output" test ! -e bad.h5
ok "a missing input: named" grep -q "missing.h5" "$err"
is "$(grep -c "^worm-ntf: " "$err")" 1 "a missing input: one message, not one per rank"
run_mpi 2 worm-ntf -r 2 --from-traces -o bad.h5
is "$rc" 1 "stdin under 2 ranks: exit 1"
ok "stdin under 2 ranks: explained" grep -q "under MPI give the input files by name" "$err"
cd ..
done_testing
