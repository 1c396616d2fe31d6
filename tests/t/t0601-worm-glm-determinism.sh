#!/bin/sh
# worm-glm: the same bytes with 1 and 2 threads, resume from a checkpoint
# equals an uninterrupted run, seeds matter, pipes.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-glm" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-glm or worm-simulate not built"
    done_testing
fi
cd "$TMP"

# /results/glm as text, without the first line (it names the file)
results() { h5dump -g /results/glm "$1" | tail -n +2; }

worm-simulate glm -w 3 -T 600 -n 8 -k 3 -s 7 -o sim.h5
for prior in none gaussian onehot; do
    run_tool worm-glm -@1 -k 3 -p "$prior" -e 4 -o "t1.h5" sim.h5
    is "$rc" 0 "$prior: one thread"
    run_tool worm-glm -@2 -k 3 -p "$prior" -e 4 -o "t2.h5" sim.h5
    is "$rc" 0 "$prior: two threads"
    results t1.h5 >t1.txt
    results t2.h5 >t2.txt
    ok "$prior: same results with 1 and 2 threads" cmp t1.txt t2.txt
done
run_tool worm-glm -@2 -k 3 -p onehot -e 4 --mstep adam --steps 5 -o a1.h5 sim.h5
run_tool worm-glm -@1 -k 3 -p onehot -e 4 --mstep adam --steps 5 -o a2.h5 sim.h5
results a1.h5 >a1.txt
results a2.h5 >a2.txt
ok "adam M-step: same results with 1 and 2 threads" cmp a1.txt a2.txt

# a different seed gives a different fit
run_tool worm-glm -@1 -k 3 -p onehot -e 4 -s 2 -o s2.h5 sim.h5
results s2.h5 >s2.txt
ok "another seed changes the one-hot fit" sh -c '! cmp -s t1.txt s2.txt'

# checkpoint: a run stopped after 2 epochs, resumed to 4, equals 4 epochs at once
for prior in none onehot; do
    rm -f ck.h5
    run_tool worm-glm -k 3 -p "$prior" -e 2 --tol 0 --checkpoint ck.h5 -o part.h5 sim.h5
    is "$rc" 0 "$prior: first 2 epochs with a checkpoint"
    ok "$prior: checkpoint written" test -s ck.h5
    is "$(h5dump -a fit0/epoch ck.h5 | grep -c '(0): 2$')" 1 "$prior: checkpoint after epoch 2"
    run_tool worm-glm -k 3 -p "$prior" -e 4 --tol 0 --checkpoint ck.h5 -o resumed.h5 sim.h5
    is "$rc" 0 "$prior: resumed to 4 epochs"
    run_tool worm-glm -k 3 -p "$prior" -e 4 --tol 0 -o straight.h5 sim.h5
    results resumed.h5 >r.txt
    results straight.h5 >s.txt
    ok "$prior: resumed run equals the uninterrupted one" cmp r.txt s.txt
done
expect_fail 1 "checkpoint of other options" worm-glm -k 3 -p none -e 4 --lags 3 --checkpoint ck.h5 -o x.h5 sim.h5
ok "other options: named" grep -q "checkpoint of a different fit" "$err"
ok "other options: no output" test ! -e x.h5

# pipes
run_in sim.h5 worm-glm -k 2 -e 2
is "$rc" 0 "reads stdin and writes stdout"
cat "$out" >piped.h5
is "$(h5dump -a /results/glm/states piped.h5 | grep -c '(0): 2')" 1 "piped output holds the fit"
done_testing
