#!/bin/sh
# Every input fuzzing found (tests/data/fuzz-regressions/, see its README)
# gives exit status 1 and exactly one message from the tool that reads it,
# from a file and, for HDF5 inputs, from stdin too.
. "$(dirname "$0")/../lib.sh"

dir=$WK_TOP/tests/data/fuzz-regressions
# expect_one DESC tool args...: exit 1 and one message starting with the
# tool's name, within 60 s (the inputs once made tools hang).
expect_one() {
    _d=$1; shift
    rc=0
    timeout 60 "$@" >"$out" 2>"$err" <"${STDIN_FILE:-/dev/null}" || rc=$?
    is "$rc" 1 "$_d: exit 1"
    is "$(wc -l <"$err" | tr -d ' ')" 1 "$_d: one message"
    ok "$_d: message starts with '$1: '" grep -q "^$1: " "$err"
}

con=$TMP/con.h5
worm-connectome import --source openworm -o "$con" "$SAMPLES/connectome/openworm_sample.csv" 2>/dev/null

for f in "$dir"/*; do
    [ -f "$f" ] || continue
    name=${f##*/}
    case $name in
    README) continue ;;
    h5layout-*) set -- worm-info "$f" ;;
    h5matrix-* | delimited-*) set -- worm-import -o "$TMP/out.h5" "$f" ;;
    compare-*) set -- worm-compare --connectome "$con" "$f" ;;
    connectome-*) set -- worm-connectome import --source openworm -o "$TMP/out.h5" "$f" ;;
    *) skip "$name: no tool for this prefix"; continue ;;
    esac
    expect_one "$name" "$@"
    ok "$name: no output file" test ! -e "$TMP/out.h5"
done

# The global heap check also guards streamed input.
STDIN_FILE=$dir/h5matrix-gcol-loop.h5 expect_one "corrupt global heap on stdin" worm-info
is "$(cat "$err")" "worm-info: 'stdin': corrupt HDF5 global heap at byte 2144" "corrupt global heap on stdin: message"
expect_one "corrupt global heap in a file" worm-info "$dir/h5matrix-gcol-loop.h5"
is "$(cat "$err")" "worm-info: '$dir/h5matrix-gcol-loop.h5': corrupt HDF5 global heap at byte 2144" \
    "corrupt global heap in a file: message"

done_testing
