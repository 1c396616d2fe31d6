#!/bin/sh
# worm-compare bad input (exit 1, one message naming file and field, no
# output file) and bad usage (exit 2).
. "$(dirname "$0")/../lib.sh"

printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,3\n' >"$TMP/s.csv"
worm-connectome import --source white1986_whole --id s -o "$TMP/s.h5" "$TMP/s.csv"
worm-connectome import --source white1986_jse --id t --append "$TMP/two.h5" "$TMP/s.csv"
worm-connectome import --source white1986_jsh --id u --append "$TMP/two.h5" "$TMP/s.csv"
printf 'x\tAVAL\tAVAR\nAVAL\t0\t1\nAVAR\t0\t0\n' >"$TMP/good.tsv"
o=$TMP/out.tsv

fail() {
    _d=$1; _needle=$2; shift 2
    expect_fail 1 "$_d" worm-compare -o "$o" "$@"
    ok "$_d: message names file and field" grep -q -- "$_needle" "$err"
    grep -q -- "$_needle" "$err" || sed 's/^/#   /' "$err"
    ok "$_d: no output file" test ! -e "$o"
}

printf 'x\tAVAL\tAVAR\nAVAL\t0\tstrong\nAVAR\t0\t0\n' >"$TMP/word.tsv"
fail "non-numeric cell" "'$TMP/word.tsv': line 2, column 'AVAR': not a number: 'strong'" -c "$TMP/s.h5" "$TMP/word.tsv"
printf 'x\tAVAL\tAVAR\nAVAL\t0\t1\n' >"$TMP/norow.tsv"
fail "missing row" "'$TMP/norow.tsv': no row for neuron 'AVAR'" -c "$TMP/s.h5" "$TMP/norow.tsv"
fail "unknown connectome id" "'$TMP/s.h5': no connectome 'zz'" -c "$TMP/s.h5:zz" "$TMP/good.tsv"
fail "connectome file with two ids and none given" "2 connectomes (t, u)" -c "$TMP/two.h5" "$TMP/good.tsv"
fail "missing dataset" "'$TMP/s.h5': no dataset '/results/none'" -c "$TMP/s.h5" "$TMP/s.h5:/results/none"
fail "HDF5 file without a dataset path" "an HDF5 file: name the matrix as" -c "$TMP/s.h5" "$TMP/s.h5"
fail "matrix file missing" "'$TMP/none.tsv'" -c "$TMP/s.h5" "$TMP/none.tsv"
fail "connectome file not wormkit" "'$TMP/good.tsv'" -c "$TMP/good.tsv" "$TMP/good.tsv"
fail "truth file without a truth" "'$TMP/s.h5': no truth to score against (no worm-simulate bicluster, glm or sbm truth under /results/simulate, and no /results/sbm partition)" --truth "$TMP/s.h5" "$TMP/good.tsv"
# a damaged truth file: the message of the open, not "no reference"
regressions=$WK_TOP/tests/data/fuzz-regressions
fail "truth file with a damaged type" "'$regressions/h5matrix-enum-size-over-base.h5': /labels: corrupt datatype (enum of 16 bytes over a 1-byte base type)" --truth "$regressions/h5matrix-enum-size-over-base.h5" "$TMP/good.tsv"
fail "truth file with a damaged superblock" "'$regressions/h5layout-driver-info-size.h5': corrupt HDF5 superblock" --truth "$regressions/h5layout-driver-info-size.h5" "$TMP/good.tsv"

expect_fail 2 "no reference" worm-compare "$TMP/good.tsv"
expect_fail 2 "bad --edges" worm-compare -c "$TMP/s.h5" -e both "$TMP/good.tsv"
expect_fail 2 "bad --threshold" worm-compare -c "$TMP/s.h5" -t -1 "$TMP/good.tsv"
expect_fail 2 "--directed and --undirected" worm-compare -c "$TMP/s.h5" --directed --undirected "$TMP/good.tsv"
expect_fail 2 "two matrices" worm-compare -c "$TMP/s.h5" "$TMP/good.tsv" "$TMP/good.tsv"

done_testing
