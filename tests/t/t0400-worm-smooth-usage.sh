#!/bin/sh
# worm-smooth: bad usage exits 2 with one message and a Try line; bad input
# exits 1 with one message and leaves no output file.
. "$(dirname "$0")/../lib.sh"

printf 'time,AVAL\n0,1\n1,2\n2,3\n' >"$TMP/in.csv"
worm-import "$TMP/in.csv" >"$TMP/in.h5" 2>/dev/null

expect_fail 2 "--window 0" worm-smooth --window 0 "$TMP/in.h5"
ok "--window 0: the message names the option" grep -q "invalid --window '0'" "$err"
expect_fail 2 "--window -3" worm-smooth --window -3 "$TMP/in.h5"
expect_fail 2 "--window 2x" worm-smooth --window 2x "$TMP/in.h5"
expect_fail 2 "unknown method" worm-smooth --method boxcar "$TMP/in.h5"
ok "unknown method: the message names it" grep -q "invalid --method 'boxcar'" "$err"
expect_fail 2 "--sigma 0" worm-smooth --method gaussian --sigma 0 "$TMP/in.h5"
expect_fail 2 "--sigma nan" worm-smooth --method gaussian --sigma nan "$TMP/in.h5"
expect_fail 2 "--alpha 0" worm-smooth --method exponential --alpha 0 "$TMP/in.h5"
expect_fail 2 "--alpha 1.5" worm-smooth --method exponential --alpha 1.5 "$TMP/in.h5"

echo "not a wormkit file" >"$TMP/bad.h5"
expect_fail 1 "input that is not HDF5" worm-smooth -o "$TMP/out.h5" "$TMP/bad.h5"
ok "the message names the file" grep -q "bad.h5'" "$err"
ok "no output file after a failure" test ! -e "$TMP/out.h5"
expect_fail 1 "missing input" worm-smooth -o "$TMP/out.h5" "$TMP/in.h5" "$TMP/missing.h5"
ok "no output file when the second input fails" test ! -e "$TMP/out.h5"

run_tool worm-smooth --alpha 1 --method exponential "$TMP/in.h5"
is "$rc" 0 "--alpha 1 is allowed (no smoothing)"
done_testing
