#!/bin/sh
# Regression: recordings with no neuron in common gave the right message and
# then a crash while freeing; now exit 1, one message naming the input
# file, no output file.
. "$(dirname "$0")/../lib.sh"

printf 'time,AVAL,AVAR\n0,1,2\n1,3,4\n2,5,6\n3,0,1\n' >"$TMP/a.csv"
printf 'time,RIML,RIMR\n0,1,2\n1,3,4\n2,5,6\n3,0,1\n' >"$TMP/b.csv"
worm-import "$TMP/a.csv" "$TMP/b.csv" -o "$TMP/in.h5"
expect_fail 1 "no shared neuron" worm-glm --states 2 -o "$TMP/out.h5" "$TMP/in.h5"
ok "the message names the file and says why" grep -qF "'$TMP/in.h5': no neuron is present in every recording" "$err"
ok "no output file" test ! -e "$TMP/out.h5"
is "$(ls -A "$TMP" | grep -c '^\.out\.h5\.')" 0 "no temporary file left"
done_testing
