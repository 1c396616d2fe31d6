#!/bin/sh
# worm-connectome bad input: exit 1, one message naming the file and the
# field, no output file; bad usage: exit 2.
. "$(dirname "$0")/../lib.sh"

o=$TMP/out.h5

# fail_import DESC NEEDLE import-args...: exit 1, one message holding NEEDLE, no output
fail_import() {
    _d=$1; _needle=$2; shift 2
    expect_fail 1 "$_d" worm-connectome import -o "$o" "$@"
    ok "$_d: message names file and field" grep -q -- "$_needle" "$err"
    grep -q -- "$_needle" "$err" || sed 's/^/#   /' "$err"
    ok "$_d: no output file" test ! -e "$o"
}

printf 'pre,post,type,weight\nAVAL,AVAR,chemical,1\n' >"$TMP/nocol.csv"
fail_import "missing column" "'$TMP/nocol.csv': line 1: no column 'synapses'" --source white1986_whole "$TMP/nocol.csv"

printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,1\nAVAL,AVBL,chemical,many\n' >"$TMP/word.csv"
fail_import "non-numeric weight" "'$TMP/word.csv': line 3, synapses: not a number: 'many'" --source white1986_whole "$TMP/word.csv"

printf 'Neuron 1,Neuron 2,Type,Nbr\nAVAL,AVAR,Xx,1\n' >"$TMP/type.csv"
fail_import "unknown synapse type" "'$TMP/type.csv': line 2, Type: unknown synapse type 'Xx'" --source varshney2011 "$TMP/type.csv"

printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,1\n' >"$TMP/ok.csv"
fail_import "unknown source id" "unknown connectome source 'white1984'" --source white1984 "$TMP/ok.csv"
fail_import "missing file" "'$TMP/none.csv'" --source white1986_whole "$TMP/none.csv"
fail_import "cook2019 with one grid" "needs two files" --source cook2019 "$TMP/ok.csv"

printf ',AVAL,AVAR\nAVAL,1,2\nAVAR,3,?\n' >"$TMP/grid.csv"
fail_import "grid cell not a number" "'$TMP/grid.csv': line 3, row 'AVAR', column 'AVAR': not a number: '?'" \
    --source cook2019 "$TMP/grid.csv" "$TMP/grid.csv"
printf ',AVAL,AVAR\nAVAL,1,2\n' >"$TMP/q.csv"
printf 'x,y\n1,2\n' >"$TMP/nolabels.csv"
fail_import "q grid without labels" "'$TMP/nolabels.csv': no row of neuron labels" \
    --source randi2023 "$TMP/q.csv" "$TMP/nolabels.csv"

# the report is not written either when the input is bad
expect_fail 1 "bad input with --report" worm-connectome import --source white1986_whole -r "$TMP/rep.tsv" -o "$o" "$TMP/word.csv"
ok "no report file" test ! -e "$TMP/rep.tsv"

# usage errors: exit 2
expect_fail 2 "no command" worm-connectome --id x "$TMP/ok.csv"
expect_fail 2 "unknown command" worm-connectome merge "$TMP/ok.csv"
expect_fail 2 "import without --source" worm-connectome import "$TMP/ok.csv"
expect_fail 2 "-o with --append" worm-connectome import --source openworm -o "$o" --append "$o" "$TMP/ok.csv"
expect_fail 2 "an option of another command" worm-connectome import --source openworm --npy "$TMP/ok.csv"
expect_fail 2 "too many files" worm-connectome import --source openworm "$TMP/ok.csv" "$TMP/ok.csv" "$TMP/ok.csv"
expect_fail 2 "bad --q-max" worm-connectome import --source randi2023 --q-max 2 "$TMP/q.csv" "$TMP/q.csv"
expect_fail 2 "bad --id" worm-connectome import --source openworm --id a/b "$TMP/ok.csv"
ok "nothing written on usage errors" test ! -e "$o"

done_testing
