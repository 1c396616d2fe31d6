#!/bin/sh
# worm-homogenize: bad usage and bad input.
. "$(dirname "$0")/../lib.sh"

printf 'time,AVAL\n0,1\n0.5,2\n1,3\n' >"$TMP/short.csv"
expect_fail 2 "bad --smooth" worm-homogenize --smooth box "$TMP/short.csv"
expect_fail 2 "bad --dt" worm-homogenize --dt 0 "$TMP/short.csv"
expect_fail 2 "bad --normalize" worm-homogenize --normalize l2 "$TMP/short.csv"
expect_fail 2 "bad --interpolate" worm-homogenize --interpolate cubic "$TMP/short.csv"
expect_fail 2 "bad --impute" worm-homogenize --impute knn "$TMP/short.csv"
expect_fail 2 "stdin twice" worm-homogenize -o "$TMP/x.h5" - -
expect_fail 1 "too short to resample" worm-homogenize -o "$TMP/x.h5" --dt 5 "$TMP/short.csv"
is "$(cat "$err")" "worm-homogenize: '$TMP/short.csv': /recordings/short/time: recording of 1 s is too short to resample to 5 s" \
    "too short: message names the recording" 
ok "no output left" test ! -e "$TMP/x.h5"
run_tool worm-homogenize --min-samples 10 -o "$TMP/x.h5" "$TMP/short.csv"
is "$rc" 1 "the only worm skipped: exit 1"
is "$(head -1 "$err")" "worm-homogenize: '$TMP/short.csv': worm 0 (recording 'short'): skipped: 3 samples, fewer than 10" \
    "skipped worm named"

done_testing
