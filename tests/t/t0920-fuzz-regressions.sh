#!/bin/sh
# Every input fuzzing found (tests/data/fuzz-regressions/, see its README)
# gives exit status 1 and exactly one message from the tool that reads it,
# from a file and, for HDF5 inputs, from stdin too.  import-FORMAT-* files
# are read by worm-import --format FORMAT.
. "$(dirname "$0")/../lib.sh"

dir=$WK_TOP/tests/data/fuzz-regressions
# Some inputs make libhdf5 ask malloc for impossible sizes; without a
# sanitizer malloc returns NULL and libhdf5 fails cleanly: under
# AddressSanitizer (make SANITIZE=1 check) let it do the same, and drop its
# warning line about the refused allocation.
# libhdf5 1.10 also leaks some of its own allocations when it rejects such
# a file (no wormkit frame; see tests/fuzz/lsan.supp).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$WK_TOP/tests/fuzz/lsan.supp:print_suppressions=0
export ASAN_OPTIONS LSAN_OPTIONS
# expect_one DESC tool args...: exit 1 and one message starting with the
# tool's name, within 60 s (the inputs once made tools hang).
expect_one() {
    _d=$1; shift
    rc=0
    timeout 60 "$@" >"$out" 2>"$err.raw" <"${STDIN_FILE:-/dev/null}" || rc=$?
    grep -v '^==[0-9]*==WARNING: AddressSanitizer failed to allocate' "$err.raw" >"$err"
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
    import-*)
        format=${name#import-}
        set -- worm-import --format "${format%%-*}" -o "$TMP/out.h5" "$f" ;;
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

# Claimed sizes are checked against the data before anything that large is
# allocated.
f=$dir/import-lin2023-matio-dims.mat
expect_one "MAT v5 header claiming 1.9 GB" worm-import --format lin2023 -o "$TMP/out.h5" "$f"
is "$(cat "$err")" "worm-import: '$f': MAT variable 'proofread_neurons': truncated or corrupt (its header claims more data than the file holds)" \
    "MAT v5 header claiming 1.9 GB: message"
f=$dir/import-venkatachalam2024-size-claim.zip
expect_one "zip member claiming 4 GB" worm-import --format venkatachalam2024 -o "$TMP/out.h5" "$f"
is "$(cat "$err")" "worm-import: '$f': worm_a.csv: member ends after 400 of its 4294967280 bytes" \
    "zip member claiming 4 GB: message"
f=$dir/h5matrix-compact-no-data.h5
expect_one "compact dataset without its data" worm-import -o "$TMP/out.h5" "$f"
is "$(cat "$err")" "worm-import: '$f': traces: compact storage holds 0 of the 48 bytes its shape needs" \
    "compact dataset without its data: message"
f=$dir/h5matrix-huge-chunk.h5
expect_one "chunk of 3 GB for a 4 x 3 matrix" worm-import -o "$TMP/out.h5" "$f"
is "$(cat "$err")" "worm-import: '$f': traces: chunk of 3114270720 bytes is larger than the whole dataset (48 bytes)" \
    "chunk of 3 GB for a 4 x 3 matrix: message"
f=$dir/h5matrix-empty-time.h5
expect_one "empty time vector" worm-import -o "$TMP/out.h5" "$f"
is "$(cat "$err")" "worm-import: '$f': traces is 4 x 3 (time x neurons: 4 samples) but time has 0 entries" \
    "empty time vector: message"

done_testing
