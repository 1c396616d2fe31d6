#!/bin/sh
# worm-glm --checkpoint and SIGTERM: the run saves its checkpoint at the end
# of the epoch, leaves no output and ends by the signal (status 143); the
# same command then resumes and writes the same bytes as a run that was
# never interrupted.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-glm" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-glm or worm-simulate not built"
    done_testing
fi
cd "$TMP"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

worm-simulate glm -w 3 -T 300 -n 5 -k 2 -s 3 -o sim.h5
# 4 fits of 40 epochs: a few hundred milliseconds, many epochs to stop in
ARGS="-q -k 2:3 -r 2 -e 40 --tol 0 --test sim3 --checkpoint ck.h5 --checkpoint-every 3"

# the uninterrupted run, with the same command line in its own directory
mkdir straight killed
cd straight
run_tool worm-glm $ARGS -o out.h5 ../sim.h5
cd ..
is "$rc" 0 "uninterrupted run"

cd killed
worm-glm $ARGS -o out.h5 ../sim.h5 2>"$err" &
pid=$!
i=0
while [ ! -e ck.h5 ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i + 1)); done
kill -TERM "$pid"
rc=0
{ wait "$pid"; } 2>/dev/null || rc=$? # no "Terminated" from the shell
is "$rc" 143 "SIGTERM: exit status 128 + 15"
ok "a message (even with -q) says where to resume" grep -q "stopped by signal 15 at epoch [0-9]*; checkpoint 'ck.h5' saved; rerun the same command to resume" "$err"
ok "no output" test ! -e out.h5
is "$(ls -A | grep -c '^\.out\.h5\.')" 0 "no temporary output left"
is "$(h5dump -a fits ck.h5 | grep -c '(0): 4$')" 1 "the checkpoint is of the 4 fits"
ok "stopped mid-way (fit 3 not finished)" sh -c '! h5dump -a fit3/epoch ck.h5 2>/dev/null | grep -q "(0): 40$"'

run_tool worm-glm $ARGS -o out.h5 ../sim.h5
is "$rc" 0 "the same command resumes"
ok "resumed = uninterrupted, byte for byte" cmp out.h5 ../straight/out.h5
cd ..
done_testing
