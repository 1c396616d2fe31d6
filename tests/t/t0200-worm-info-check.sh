#!/bin/sh
# worm-info --check: a valid file passes with "'x.h5': ok (N recordings)",
# each broken file fails with exit 1 and exactly one message naming the
# file and the field.  The broken files are written by the unit test
# program (tests/unit/test-info.c, mode --write-broken).
. "$(dirname "$0")/../lib.sh"

helper=${WK_BUILD:-$WK_TOP/build}/tests/test-info
if [ ! -x "$helper" ]; then
    skip "test-info not built"
    done_testing
fi
cd "$TMP" || exit 1
ok "write the test files" "$helper" --write-broken .

run_tool worm-info --check good.h5
is "$rc" 0 "good.h5: exit 0"
is "$(cat "$out")" "'good.h5': ok (2 recordings)" "good.h5: ok line"
is "$(wc -c <"$err" | tr -d ' ')" 0 "good.h5: nothing on stderr"

run_tool worm-info --check good.h5 close-dt.h5
is "$rc" 0 "two valid files: exit 0"
is "$(cat "$out")" "'good.h5': ok (2 recordings)
'close-dt.h5': ok (2 recordings)" "two valid files: one ok line each (dt within 1%)"

run_in good.h5 worm-info --check
is "$(cat "$out")" "'stdin': ok (2 recordings)" "stdin: ok line names stdin"

# variant|message after "worm-info: '<file>': "
while IFS='|' read -r name message; do
    expect_fail 1 "$name" worm-info --check "$name.h5"
    is "$(cat "$err")" "worm-info: '$name.h5': $message" "$name: message"
    is "$(wc -c <"$out" | tr -d ' ')" 0 "$name: nothing on stdout"
done <<'LIST'
bad-dt|/recordings/r1/dt: 0.3 differs from the median time step 0.25 by more than 1%
negative-dt|/recordings/r1/dt: -0.25 is not positive
present-without-data|/recordings/r1/present: column 5 (ADFR) is 1 but traces has no finite value in it
data-without-present|/recordings/r1/present: column 300 (FOO) is 0 but traces has finite values in it
wrong-atlas-name|/atlas/neurons: entry 3 is 'XXXX', the atlas has 'ADER'
short-atlas|/atlas/neurons: 299 names, the atlas has 300
no-atlas|/atlas/neurons: missing
asymmetric-gap|/connectomes/c1/gap: not symmetric (ADAL-ADAR 1, ADAR-ADAL 2)
chem-wrong-shape|/connectomes/c1/chem: not a float32 [300][300] array
chem-float64|/connectomes/c1/chem: not a float32 [300][300] array
empty-connectome|/connectomes/c2: neither chem nor gap
LIST

# Invalid recording: the reader's own validation message.
expect_fail 1 "bad-time" worm-info --check bad-time.h5
ok "bad-time: message names file and field" grep -q "^worm-info: 'bad-time.h5': /recordings/r2/time" "$err"

# The first problem stops the run: the good file before it is reported ok.
run_tool worm-info --check good.h5 bad-dt.h5 close-dt.h5
is "$rc" 1 "stops at the first bad file: exit 1"
is "$(cat "$out")" "'good.h5': ok (2 recordings)" "stops at the first bad file: only the good one reported"

# Not a wormkit file at all.
printf 'hello\n' >text.h5
expect_fail 1 "not HDF5" worm-info --check text.h5
ok "not HDF5: message names the file" grep -q "'text.h5'" "$err"

done_testing
