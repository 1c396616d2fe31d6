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

# expect_message DESC WANT tool args...: as expect_one, and the message is WANT.
expect_message() {
    _m=$1 _want=$2
    shift 2
    expect_one "$_m" "$@"
    is "$(cat "$err")" "$_want" "$_m: message"
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
    truth-*) set -- worm-compare --truth "$f" "$f" ;;
    connectome-*) set -- worm-connectome import --source openworm -o "$TMP/out.h5" "$f" ;;
    h5connectome-*) set -- worm-connectome export "$f" ;;
    *) skip "$name: no tool for this prefix"; continue ;;
    esac
    expect_one "$name" "$@"
    ok "$name: no output file" test ! -e "$TMP/out.h5"
done

# The global heap check also guards streamed input.
STDIN_FILE=$dir/h5matrix-gcol-loop.h5 expect_message "corrupt global heap on stdin" "worm-info: 'stdin': corrupt HDF5 global heap at byte 2144" worm-info
expect_message "corrupt global heap in a file" "worm-info: '$dir/h5matrix-gcol-loop.h5': corrupt HDF5 global heap at byte 2144" worm-info "$dir/h5matrix-gcol-loop.h5"

# Claimed sizes are checked against the data before anything that large is
# allocated.
f=$dir/import-lin2023-matio-dims.mat
expect_message "MAT v5 header claiming 1.9 GB" "worm-import: '$f': MAT variable 'proofread_neurons': truncated or corrupt (its header claims more data than the file holds)" worm-import --format lin2023 -o "$TMP/out.h5" "$f"
f=$dir/import-venkatachalam2024-size-claim.zip
expect_message "zip member claiming 4 GB" "worm-import: '$f': worm_a.csv: member ends after 400 of its 4294967280 bytes" worm-import --format venkatachalam2024 -o "$TMP/out.h5" "$f"
# The fuzzer's input also turned /time's datatype message into a link info
# message (byte 1720): /time claims to be a group and the open refuses it
# first.  The -2 copy has that byte restored, for the compact storage check.
f=$dir/h5matrix-compact-no-data-2.h5
expect_message "compact dataset without its data" "worm-import: '$f': traces: compact storage holds 0 of the 48 bytes its shape needs" worm-import -o "$TMP/out.h5" "$f"
f=$dir/h5matrix-compact-no-data.h5
expect_message "dataset header claiming a group" "worm-import: '$f': /time: corrupt group: bad version number for message" worm-import -o "$TMP/out.h5" "$f"
f=$dir/h5matrix-root-ohdr-size.h5
expect_message "root object header of 13 GB" "worm-import: '$f': corrupt HDF5 file (a chunk of the root group's object header claims 13025935440 bytes at byte 1039 of a 2192-byte file)" worm-import -o "$TMP/out.h5" "$f"
f=$dir/h5matrix-type-bits-stack-smash.h5
expect_message "float type with bit fields outside its bytes" "worm-import: '$f': /traces: corrupt number type (bit fields outside its 4 bytes)" worm-import -o "$TMP/out.h5" "$f"
f=$dir/import-kato2015-root-ohdr-continuation.mat
expect_message "root object header continuation of 17 GB" "worm-import: '$f': corrupt HDF5 file (a chunk of the root group's object header claims 17439093605 bytes at byte 7161674624318466412 of a 2212-byte file)" worm-import --format kato2015 -o "$TMP/out.h5" "$f"
f=$dir/h5matrix-huge-chunk.h5
expect_message "chunk of 3 GB for a 4 x 3 matrix" "worm-import: '$f': traces: chunk of 3114270720 bytes is larger than the whole dataset (48 bytes)" worm-import -o "$TMP/out.h5" "$f"
f=$dir/h5matrix-empty-time.h5
expect_message "empty time vector" "worm-import: '$f': traces is 4 x 3 (time x neurons: 4 samples) but time has 0 entries" worm-import -o "$TMP/out.h5" "$f"

# Inputs that crashed or exhausted memory inside libhdf5 1.10 (see the
# README): refused by wormkit's input driver and checks (src/h5vfd.c,
# src/h5check.c), from a file and from stdin.
f=$dir/h5layout-driver-info-size.h5
msg="corrupt HDF5 superblock (driver information block of 4294967056 bytes at byte 255 of a 40522-byte file)"
expect_message "driver information block of 4 GB" "worm-info: '$f': $msg" worm-info "$f"
STDIN_FILE=$f expect_message "driver information block of 4 GB on stdin" "worm-info: 'stdin': $msg" worm-info

f=$dir/h5matrix-linfo-btree-addr-segv.h5
msg="/: corrupt group: read of 38 bytes at byte 18446744073709551615 is outside the file (2244 bytes)"
expect_message "link index outside the file" "worm-import: '$f': $msg" worm-import -o "$TMP/out.h5" "$f"
STDIN_FILE=$f expect_message "link index outside the file on stdin" "worm-info: 'stdin': $msg" worm-info
expect_message "link index outside the file as MAT v7.3" "worm-import: '$f': $msg" worm-import --format kato2015 -o "$TMP/out.h5" "$f"

f=$dir/h5matrix-local-heap-addr-segv.h5
msg="/: corrupt group: read of 512 bytes at byte 18446744073709551615 is outside the file (6362 bytes)"
expect_message "local heap outside the file" "worm-import: '$f': $msg" worm-import -o "$TMP/out.h5" "$f"
STDIN_FILE=$f expect_message "local heap outside the file on stdin" "worm-info: 'stdin': $msg" worm-info

f=$dir/import-mat-link-message-bad-free.mat
for format in mat kato2015; do
    expect_one "undecodable link message ($format)" worm-import --format $format -o "$TMP/out.h5" "$f"
    is "$(cat "$err")" "worm-import: '$f': /: corrupt group: bad version number for message" \
        "undecodable link message ($format): message"
done

f=$dir/h5matrix-vlen-char-size.h5
expect_message "string characters of 973 MB" "worm-import: '$f': /labels: corrupt string type (characters of 973078529 bytes)" worm-import -o "$TMP/out.h5" "$f"

f=$dir/h5layout-scalar-chunked.h5
expect_message "scalar dataset with chunks of rank 2" "worm-info: '$f': /recordings/sim1/traces: chunks of rank 2 in a dataset of rank 0" worm-info "$f"

f=$dir/h5layout-h5hg-read-segv-3.h5
expect_message "string reference to the superblock" "worm-info: '$f': /recordings/sim1/label[3]: corrupt string reference" worm-info "$f"

f=$dir/h5layout-chunk-filter-mask.h5
expect_message "chunk skipping its filters" "worm-info: '$f': /recordings/sim1/traces: chunk 0 skips its filters but stores 360 of its 9632 bytes" worm-info "$f"

f=$dir/import-flavell2023-chunk-stored-short.h5
expect_message "unfiltered chunk stored short" "worm-import: '$f': /timestamp_confocal: chunk 0 stores 861 of its 5040 bytes" worm-import --format flavell2023 -o "$TMP/out.h5" "$f"
f=$dir/h5matrix-deflate-inflates-short.h5
expect_message "deflate stream inflating short" "worm-import: '$f': traces: chunk 0: a deflate stream of 38 bytes cannot give back 40000" worm-import -o "$TMP/out.h5" "$f"

f=$dir/h5matrix-root-continuation-chunk-huge.h5
expect_message "root header continuation claiming 17 GB" "worm-import: '$f': corrupt HDF5 file (a chunk of the root group's object header claims 17179869248 bytes at byte 1358 of a 2200-byte file)" worm-import -o "$TMP/out.h5" "$f"

f=$dir/h5connectome-chunk-wider-than-dataset.h5
expect_message "history string without its heap object (connectome)" "worm-connectome: '$f': /: attribute 'history': corrupt variable-length data (element 0 holds 147 x 1 bytes but has no heap object)" worm-connectome export "$f"
f=$dir/h5connectome-chunk-wider-than-dataset-2.h5
expect_message "chunk wider than its connectome" "worm-connectome: '$f': /connectomes/openworm/gap: chunk dimension 2 (456) exceeds the dataset's (300)" worm-connectome export "$f"

f=$dir/truth-glm-test-not-a-dataset.h5
expect_message "worm-glm result whose test flags are not a dataset" "worm-compare: '$f': /results/glm/test: cannot open dataset: not a dataset" worm-compare --truth "$f" "$f"
f=$dir/truth-glm-viterbi-scalar.h5
expect_message "worm-glm result whose state path is a scalar" "worm-compare: '$f': /results/glm/sequences/sim1/viterbi: not a 1-D state path" worm-compare --truth "$f" "$f"

# Object headers, read by wormkit before libhdf5 decodes them (h5header.c).
f=$dir/h5matrix-enum-size-over-base.h5
expect_message "enum type larger than its base type" "worm-import: '$f': /labels: corrupt datatype (enum of 16 bytes over a 1-byte base type)" worm-import -o "$TMP/out.h5" "$f"
STDIN_FILE=$f expect_message "enum type larger than its base type, on stdin" "worm-info: 'stdin': /labels: corrupt datatype (enum of 16 bytes over a 1-byte base type)" worm-info
f=$dir/h5layout-attr-string-heap-object.h5
expect_message "history string without its heap object" "worm-info: '$f': /: attribute 'history': corrupt variable-length data (element 0 holds 125 x 1 bytes but has no heap object)" worm-info "$f"

f=$dir/h5layout-dims-beyond-max.h5
expect_message "dimension beyond its maximum" "worm-info: '$f': /recordings/sim1/traces: dimension 1 (3473416) exceeds its maximum (8)" worm-info "$f"

# Every HDF5 input above also through stdin (an in-memory image).
for f in "$dir"/h5layout-* "$dir"/h5matrix-*; do
    STDIN_FILE=$f expect_one "${f##*/} on stdin" worm-info
done

done_testing
