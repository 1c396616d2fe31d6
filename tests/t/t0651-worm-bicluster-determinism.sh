#!/bin/sh
# worm-bicluster: the same draws for a seed whatever the thread count (also
# with threads to spare working inside the chains, with split-merge moves
# and with the collapsed state update), a different seed gives other
# draws, and a run resumed from a checkpoint (or extended) equals an
# uninterrupted run.
. "$(dirname "$0")/../lib.sh"

if [ ! -x "$WK_BIN/worm-bicluster" ] || [ ! -x "$WK_BIN/worm-simulate" ]; then
    skip "worm-bicluster or worm-simulate not built"
    done_testing
fi
cd "$TMP"
worm-simulate bicluster -c 4,3 -p 1 -T 60 --duration 10 -s 9 -o sim.h5

draws() { h5dump -g /results/bicluster "$1" | sed 1d; }

run_tool worm-bicluster -n 20 -c 3 -@ 1 -s 5 --save-params sim.h5 -o one.h5
is "$rc" 0 "3 chains on 1 thread"
run_tool worm-bicluster -n 20 -c 3 -@ 2 -s 5 --save-params sim.h5 -o two.h5
is "$rc" 0 "3 chains on 2 threads"
draws one.h5 >one.txt
draws two.h5 >two.txt
ok "same draws whatever the thread count" cmp -s one.txt two.txt
# threads beyond the chains work inside them: one chain on 1 and 2
# threads, two chains on 1 and 4 (two inside each)
run_tool worm-bicluster -n 20 -c 1 -@ 1 -s 5 --save-params sim.h5 -o solo1.h5
run_tool worm-bicluster -n 20 -c 1 -@ 2 -s 5 --save-params sim.h5 -o solo2.h5
draws solo1.h5 >solo1.txt
draws solo2.h5 >solo2.txt
ok "one chain: same draws on 1 and 2 threads" cmp -s solo1.txt solo2.txt
run_tool worm-bicluster -n 20 -c 2 -@ 1 -s 5 --save-params sim.h5 -o duo1.h5
run_tool worm-bicluster -n 20 -c 2 -@ 4 -s 5 --save-params sim.h5 -o duo4.h5
draws duo1.h5 >duo1.txt
draws duo4.h5 >duo4.txt
ok "two chains: same draws on 1 and 4 threads" cmp -s duo1.txt duo4.txt
run_tool worm-bicluster -n 20 -c 3 -s 6 --save-params sim.h5 -o other.h5
draws other.h5 >other.txt
ok "another seed gives other draws" sh -c '! cmp -s one.txt other.txt'

# interrupted after 10 iterations (the checkpoint is kept), then resumed to 20
run_tool worm-bicluster -n 10 -c 3 -s 5 --save-params --checkpoint ck.h5 --checkpoint-every 5 sim.h5 -o part.h5
is "$rc" 0 "first half with a checkpoint"
ok "checkpoint written" test -s ck.h5
run_tool worm-bicluster -n 20 -c 3 -s 5 --save-params --checkpoint ck.h5 sim.h5 -o resumed.h5
is "$rc" 0 "resumed to 20 iterations"
draws resumed.h5 | grep -v -e 'checkpoint' >resumed.txt
h5dump -g /results/bicluster/chain2 one.h5 | sed 1d >c2.txt
h5dump -g /results/bicluster/chain2 resumed.h5 | sed 1d >r2.txt
ok "resumed chain equals the uninterrupted chain" cmp -s c2.txt r2.txt
h5dump -g /results/bicluster/chain0 one.h5 | sed 1d >c0.txt
h5dump -g /results/bicluster/chain0 resumed.h5 | sed 1d >r0.txt
ok "resumed chain 0 equals the uninterrupted chain 0" cmp -s c0.txt r0.txt

# with split-merge moves: the same for any thread count, other draws than
# without, resumable, and a checkpoint without them is refused
run_tool worm-bicluster -n 20 -c 2 -@ 1 -s 5 --split-merge 3 sim.h5 -o sm1.h5
is "$rc" 0 "--split-merge 3 runs"
run_tool worm-bicluster -n 20 -c 2 -@ 4 -s 5 --split-merge 3 sim.h5 -o sm4.h5
draws sm1.h5 >sm1.txt
draws sm4.h5 >sm4.txt
ok "split-merge: same draws on 1 and 4 threads" cmp -s sm1.txt sm4.txt
run_tool worm-bicluster -n 20 -c 2 -@ 1 -s 5 sim.h5 -o sm0.h5
draws sm0.h5 >sm0.txt
ok "split-merge moves change the draws" sh -c '! cmp -s sm0.txt sm1.txt'
run_tool worm-bicluster -n 10 -c 2 -s 5 --split-merge 3 --checkpoint smck.h5 sim.h5 -o smpart.h5
run_tool worm-bicluster -n 20 -c 2 -s 5 --split-merge 3 --checkpoint smck.h5 sim.h5 -o smres.h5
is "$rc" 0 "split-merge: resumed to 20 iterations"
h5dump -g /results/bicluster/chain1 sm1.h5 | sed 1d >smc1.txt
h5dump -g /results/bicluster/chain1 smres.h5 | sed 1d >smr1.txt
ok "split-merge: resumed chain equals the uninterrupted chain" cmp -s smc1.txt smr1.txt
expect_fail 1 "checkpoint without split-merge" worm-bicluster -n 20 -c 2 -s 5 --checkpoint smck.h5 sim.h5 -o bad.h5
ok "split-merge checkpoint mismatch: message" grep -q "checkpoint of a different run" "$err"

# with the collapsed state update: the same for any thread count, other
# draws than without, resumable, and a checkpoint without it is refused
run_tool worm-bicluster -n 20 -c 2 -@ 1 -s 5 --collapsed-states sim.h5 -o co1.h5
is "$rc" 0 "--collapsed-states runs"
run_tool worm-bicluster -n 20 -c 2 -@ 4 -s 5 --collapsed-states sim.h5 -o co4.h5
draws co1.h5 >co1.txt
draws co4.h5 >co4.txt
ok "collapsed states: same draws on 1 and 4 threads" cmp -s co1.txt co4.txt
ok "collapsed states: other draws than without" sh -c '! cmp -s co1.txt sm0.txt'
run_tool worm-bicluster -n 15 -c 2 -s 5 --collapsed-states --checkpoint cock.h5 sim.h5 -o copart.h5
run_tool worm-bicluster -n 20 -c 2 -s 5 --collapsed-states --checkpoint cock.h5 sim.h5 -o cores.h5
is "$rc" 0 "collapsed states: resumed to 20 iterations"
h5dump -g /results/bicluster/chain1 co1.h5 | sed 1d >coc1.txt
h5dump -g /results/bicluster/chain1 cores.h5 | sed 1d >cor1.txt
ok "collapsed states: resumed chain equals the uninterrupted chain" cmp -s coc1.txt cor1.txt
expect_fail 1 "checkpoint without --collapsed-states" worm-bicluster -n 20 -c 2 -s 5 --checkpoint cock.h5 sim.h5 -o bad.h5

# chains started from other cluster counts make another run
run_tool worm-bicluster -n 10 -c 2 -s 5 -k 3,2 --checkpoint kck.h5 sim.h5 -o kpart.h5
is "$rc" 0 "a run with -k 3,2 and a checkpoint"
expect_fail 1 "its checkpoint with -k 2,3" worm-bicluster -n 20 -c 2 -s 5 -k 2,3 --checkpoint kck.h5 sim.h5 -o bad.h5
ok "-k mismatch: message" grep -q "checkpoint of a different run" "$err"
run_tool worm-bicluster -n 20 -c 2 -s 5 -k 3,2 --checkpoint kck.h5 sim.h5 -o kres.h5
is "$rc" 0 "resumed with the same -k 3,2"
run_tool worm-bicluster -n 20 -c 2 -s 5 -k 3,2 sim.h5 -o kfull.h5
draws kres.h5 | grep -v -e 'checkpoint' >kres.txt
draws kfull.h5 | grep -v -e 'checkpoint' >kfull.txt
ok "-k 3,2: resumed equals uninterrupted" cmp -s kres.txt kfull.txt

# a checkpoint of another run is refused
expect_fail 1 "checkpoint of another seed" worm-bicluster -n 20 -c 3 -s 7 --save-params --checkpoint ck.h5 sim.h5 -o bad.h5
ok "checkpoint mismatch: message" grep -q "checkpoint of a different run" "$err"
ok "checkpoint mismatch: no output" test ! -e bad.h5
done_testing
