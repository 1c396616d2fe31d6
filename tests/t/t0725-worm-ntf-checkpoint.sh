#!/bin/sh
# worm-ntf --checkpoint: a run stopped by SIGTERM or SIGINT saves its
# state and ends by the signal without an output; the same command resumes
# and ends with the bytes of an uninterrupted run; another run's checkpoint
# is refused.
. "$(dirname "$0")/../lib.sh"

if ! command -v h5dump >/dev/null 2>&1; then skip "h5dump not installed"; done_testing; fi
SOURCE_DATE_EPOCH=0
export SOURCE_DATE_EPOCH
cd "$TMP"
worm-simulate ntf -w 4 -T 200 -s 2 -o sim.h5 2>"$err"
is "$?" 0 "simulate 4 worms"
mkdir whole cut sweep sweepcut
for d in whole cut sweep sweepcut; do cp sim.h5 "$d/"; done
FIT="worm-ntf -r 3 --from-traces --tol 0 --max-iter 400 --checkpoint ck.h5 --checkpoint-every 3 -o out.h5 sim.h5"

# the uninterrupted run (same command line, so the same history bytes)
(cd whole && $FIT) 2>"$err"
is "$?" 0 "uninterrupted run"
ok "a successful run removes its checkpoint" test ! -e whole/ck.h5

# wait_for FILE: until it exists (at most ~20 s)
wait_for() {
    _i=0
    while [ ! -e "$1" ] && [ $_i -lt 400 ]; do sleep 0.05; _i=$((_i + 1)); done
}

# interrupt SIG DIR ERR CMD...: CMD run in DIR (stderr to ERR) is sent SIG
# once, after its first checkpoint shows the handlers are in place; the
# exit status is left in rc.  A background job of a non-interactive shell
# starts with SIGINT ignored (and the tools keep an ignored signal
# ignored), so perl restores the default before exec.  (timeout -s INT is
# no use: it signals the child and then its whole process group, and the
# documented answer to a second signal is to end at once, without the
# message.)
interrupt() {
    _sig=$1 _dir=$2 _err=$3
    shift 3
    (cd "$_dir" && exec perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or exit 127' "$@") 2>"$_err" &
    pid=$!
    wait_for "$_dir/ck.h5"
    kill -"$_sig" "$pid"
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
}

interrupt TERM cut stop.err $FIT
is "$rc" 143 "SIGTERM: ends by the signal (status 143)"
ok "SIGTERM: no output file" test ! -e cut/out.h5
ok "SIGTERM: no temporary file left" sh -c '[ -z "$(ls -A cut | grep -v "^sim.h5$" | grep -v "^ck.h5$")" ]'
ok "SIGTERM: checkpoint kept" test -s cut/ck.h5
is "$(wc -l <stop.err | tr -d ' ')" 1 "SIGTERM: one message"
ok "SIGTERM: the message names the signal, the iteration and the checkpoint" \
    grep -Eq "^worm-ntf: stopped by signal 15 at iteration [0-9]+; checkpoint 'ck.h5' saved; rerun the same command to resume$" stop.err
it=$(sed -n 's/.* at iteration \([0-9]*\);.*/\1/p' stop.err)
ok "SIGTERM: stopped mid-way (iteration $it of 400)" test "${it:-0}" -gt 0 -a "${it:-400}" -lt 400
cp cut/ck.h5 other-ck.h5

(cd cut && $FIT) 2>"$err"
is "$?" 0 "rerun of the same command resumes"
ok "resumed output = uninterrupted output, byte for byte" cmp cut/out.h5 whole/out.h5
ok "resumed run removes the checkpoint" test ! -e cut/ck.h5

# a rank sweep with restarts, stopped once the first rank is done (SIGTERM:
# a background job of a non-interactive shell ignores SIGINT)
SWEEP="worm-ntf -r 1:2 --restarts 2 --from-traces -i svd --tol 0 --max-iter 200 --checkpoint ck.h5 --checkpoint-every 5 -o out.h5 sim.h5"
(cd sweep && $SWEEP) 2>"$err"
is "$?" 0 "uninterrupted sweep"
cd sweepcut
$SWEEP 2>../sweep.err &
pid=$!
_i=0
while ! h5dump -a /checkpoint/sweep ck.h5 2>/dev/null | grep -q '(0): 1$' && [ $_i -lt 200 ]; do
    sleep 0.1
    _i=$((_i + 1))
done
kill -TERM "$pid"
rc=0
wait "$pid" 2>/dev/null || rc=$?
cd ..
is "$rc" 143 "stopped during the second rank of the sweep: status 143"
ok "sweep: message" grep -q "^worm-ntf: stopped by signal 15 at iteration" sweep.err
(cd sweepcut && $SWEEP) 2>"$err"
is "$?" 0 "sweep resumed"
ok "resumed sweep = uninterrupted sweep, byte for byte" cmp sweepcut/out.h5 sweep/out.h5

# SIGINT
mkdir int
cp sim.h5 int/
interrupt INT int int.err worm-ntf -r 2 --from-traces --tol 0 --max-iter 20000 --checkpoint ck.h5 \
    --checkpoint-every 3 -o out.h5 sim.h5
is "$rc" 130 "SIGINT: ends by the signal (status 130)"
ok "SIGINT: message" grep -q "^worm-ntf: stopped by signal 2 at iteration [0-9]*; checkpoint 'ck.h5' saved" int.err
ok "SIGINT: no output, checkpoint saved" sh -c 'test ! -e int/out.h5 && test -s int/ck.h5'

# another run's checkpoint is refused, the checkpoint is left alone
cp other-ck.h5 ck.h5
expect_fail 1 "checkpoint of another seed" worm-ntf -r 3 --from-traces --tol 0 --max-iter 400 -s 2 --checkpoint ck.h5 -o x.h5 sim.h5
ok "another run's checkpoint: named" grep -q "^worm-ntf: 'ck.h5': checkpoint of a different run (data, options or seed)$" "$err"
ok "another run's checkpoint: no output" test ! -e x.h5
ok "another run's checkpoint: not removed" cmp ck.h5 other-ck.h5
expect_fail 1 "checkpoint of other options" worm-ntf -r 3 --from-traces --tol 0 --max-iter 50 --checkpoint ck.h5 -o x.h5 sim.h5
expect_fail 1 "not a checkpoint" worm-ntf -r 3 --checkpoint sim.h5 -o x.h5 sim.h5
ok "not a checkpoint: named" grep -q "'sim.h5': not a worm-ntf checkpoint" "$err"
expect_fail 2 "--checkpoint-every 0" worm-ntf -r 3 --checkpoint ck.h5 --checkpoint-every 0 -o x.h5 sim.h5
done_testing
